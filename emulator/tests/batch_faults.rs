//! Fault rules on requests inside a Graph `$batch`, over real HTTP: each kind reaches the
//! batch in the way Graph would answer it (`faults::batch_item`).

mod common;

use std::time::{Duration, Instant};

use common::*;
use emulator::{FaultKind, FaultRule};
use serde_json::{json, Value};

fn reads() -> Value {
    json!({"requests": [
        {"id": "me", "method": "GET", "url": "/me?$select=id,userPrincipalName"},
        {"id": "photo", "method": "GET", "url": "/me/photo"},
        {"id": "bytes", "method": "GET", "url": "/me/photo/$value"},
    ]})
}

fn on(path: &str, kind: FaultKind) -> FaultRule {
    FaultRule {
        host: Some("graph".into()),
        path_contains: Some(path.into()),
        kind,
        status: 200,
        times: Some(1),
        ..FaultRule::default()
    }
}

fn item<'a>(answer: &'a Value, id: &str) -> &'a Value {
    answer["responses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap()
}

#[tokio::test]
async fn every_fault_kind_reaches_a_batched_request() {
    let env = Env::start().await;
    let ctl = env.emu.control();
    let t = token(&env, "adele", "User.Read").await;
    let batch = || {
        env.http
            .post(env.graph("/$batch"))
            .bearer_auth(&t)
            .json(&reads())
            .send()
    };

    // A body instead of the photo's (a truncated JPEG): that item only, base64 as any image.
    ctl.set_fault(on(
        "/photo/$value",
        FaultKind::Body {
            content_type: "image/jpeg".into(),
            body: "\u{FF}".into(),
        },
    ))
    .await
    .unwrap();
    let a: Value = batch().await.unwrap().json().await.unwrap();
    assert_eq!(item(&a, "bytes")["status"], 200);
    assert_eq!(item(&a, "bytes")["headers"]["Content-Type"], "image/jpeg");
    assert_eq!(
        item(&a, "bytes")["body"],
        "w78=",
        "the rule's bytes, base64"
    );
    assert_eq!(item(&a, "me")["status"], 200);
    assert_eq!(item(&a, "photo")["body"]["width"], 648);

    // A slow body: the batch's one answer trickles out; the request is logged as slow.
    ctl.clear_log().await.unwrap();
    ctl.set_fault(on("/me?", FaultKind::SlowBody { ms: 600 }))
        .await
        .unwrap();
    let t0 = Instant::now();
    let a: Value = batch().await.unwrap().json().await.unwrap();
    assert!(
        t0.elapsed() >= Duration::from_millis(500),
        "{:?}",
        t0.elapsed()
    );
    assert_eq!(item(&a, "me")["status"], 200);
    let log = ctl.log().await.unwrap();
    assert!(log.iter().any(
        |e| e.path_and_query.starts_with("/v1.0/me?") && e.injected.as_deref() == Some("slow")
    ));
    assert!(log
        .iter()
        .any(|e| e.path_and_query == "/v1.0/$batch" && e.injected.as_deref() == Some("slow")));

    // A delay: the whole answer waits for the held request.
    ctl.set_fault(FaultRule {
        latency_ms: Some(700),
        ..on("/me/photo", FaultKind::Delay)
    })
    .await
    .unwrap();
    let t0 = Instant::now();
    let a: Value = batch().await.unwrap().json().await.unwrap();
    assert!(
        t0.elapsed() >= Duration::from_millis(650),
        "{:?}",
        t0.elapsed()
    );
    assert_eq!(item(&a, "photo")["status"], 200);

    // A dropped connection: no answer at all, for any request of the batch.
    ctl.clear_log().await.unwrap();
    ctl.set_fault(on("/photo/$value", FaultKind::DropConnection))
        .await
        .unwrap();
    assert!(batch().await.is_err(), "the connection closed");
    let log = ctl.log().await.unwrap();
    let dropped: Vec<&str> = log
        .iter()
        .filter(|e| e.injected.as_deref() == Some("dropped"))
        .map(|e| e.path_and_query.as_str())
        .collect();
    assert_eq!(dropped, ["/v1.0/me/photo/$value", "/v1.0/$batch"]);
    assert!(log.iter().all(|e| e.injected.is_none() || e.status == 0));
    let a: Value = batch().await.unwrap().json().await.unwrap();
    assert_eq!(item(&a, "bytes")["status"], 200, "once only");

    // A status: that item only, as before.
    ctl.set_fault(FaultRule {
        status: 429,
        retry_after_secs: Some(2),
        ..on("/me/photo", FaultKind::Status)
    })
    .await
    .unwrap();
    let a: Value = batch().await.unwrap().json().await.unwrap();
    assert_eq!(item(&a, "photo")["status"], 429);
    assert_eq!(item(&a, "photo")["headers"]["Retry-After"], "2");
    assert_eq!(item(&a, "bytes")["status"], 200);
}
