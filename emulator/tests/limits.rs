//! Faults, throttling models, latency, the request log, and the app and intranet hosts.

mod common;

use std::time::{Duration, Instant};

use common::*;
use emulator::{AppConfig, FaultKind, FaultRule, Limits, OutlookBatch};
use serde_json::{json, Value};

#[tokio::test]
async fn fault_rules() {
    let env = Env::start().await;
    let ctl = env.emu.control();
    let t = token(&env, "adele", "User.Read").await;
    let me = || env.http.get(env.graph("/me")).bearer_auth(&t).send();
    ctl.set_fault(FaultRule {
        host: Some("graph".into()),
        path_contains: Some("/me".into()),
        status: 503,
        retry_after_secs: Some(3),
        times: Some(2),
        ..FaultRule::default()
    })
    .await
    .unwrap();
    for _ in 0..2 {
        let r = me().await.unwrap();
        assert_eq!(r.status(), 503);
        assert_eq!(r.headers()["retry-after"], "3");
        let v: Value = r.json().await.unwrap();
        assert!(v["error"]["code"].is_string());
    }
    assert_eq!(me().await.unwrap().status(), 200);

    // Fail the third call only.
    ctl.clear_faults().await.unwrap();
    ctl.set_fault(FaultRule {
        path_contains: Some("/me".into()),
        status: 500,
        skip: 2,
        times: Some(1),
        ..FaultRule::default()
    })
    .await
    .unwrap();
    let mut got = vec![];
    for _ in 0..4 {
        got.push(me().await.unwrap().status().as_u16());
    }
    assert_eq!(got, [200, 200, 500, 200]);

    // Dropped connections and slow bodies.
    ctl.clear_faults().await.unwrap();
    ctl.set_fault(FaultRule {
        host: Some("graph".into()),
        kind: FaultKind::DropConnection,
        times: Some(1),
        ..FaultRule::default()
    })
    .await
    .unwrap();
    assert!(me().await.is_err(), "connection dropped");
    assert_eq!(me().await.unwrap().status(), 200);
    ctl.set_fault(FaultRule {
        host: Some("graph".into()),
        kind: FaultKind::SlowBody { ms: 300 },
        times: Some(1),
        ..FaultRule::default()
    })
    .await
    .unwrap();
    let t0 = Instant::now();
    let r = me().await.unwrap();
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["displayName"], "Adele Vance");
    assert!(
        t0.elapsed() >= Duration::from_millis(250),
        "{:?}",
        t0.elapsed()
    );

    // A fraction of calls.
    ctl.clear_faults().await.unwrap();
    ctl.set_fault(FaultRule {
        host: Some("graph".into()),
        status: 429,
        fraction: Some(0.5),
        ..FaultRule::default()
    })
    .await
    .unwrap();
    let mut n429 = 0;
    for _ in 0..40 {
        if me().await.unwrap().status() == 429 {
            n429 += 1;
        }
    }
    assert!((8..=32).contains(&n429), "{n429}");
    let log = ctl.log().await.unwrap();
    assert!(log.iter().any(|e| e.injected.as_deref() == Some("dropped")));
    assert!(log
        .iter()
        .any(|e| e.injected.as_deref() == Some("fault") && e.status == 429));
}

#[tokio::test]
async fn outlook_concurrency_limit() {
    let env = Env::start().await;
    let ctl = env.emu.control();
    ctl.set_limits(Limits {
        outlook_concurrency: Some(2),
        photo_service_ms: 300,
        outlook_retry_after_secs: 2,
        ..Limits::default()
    })
    .await
    .unwrap();
    let t = token(&env, "admin", "User.Read.All ProfilePhoto.Read.All").await;
    let reqs = (0..5).map(|_| {
        env.http
            .get(env.graph(&format!("/users/{}/photos/48x48/$value", upn("alex"))))
            .bearer_auth(&t)
            .send()
    });
    let rs = futures_util::future::join_all(reqs).await;
    let statuses: Vec<u16> = rs
        .iter()
        .map(|r| r.as_ref().unwrap().status().as_u16())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        2,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        3,
        "{statuses:?}"
    );
    let throttled = rs
        .iter()
        .map(|r| r.as_ref().unwrap())
        .find(|r| r.status() == 429)
        .unwrap();
    assert_eq!(throttled.headers()["retry-after"], "2");
    // Non-photo calls are not limited.
    assert_eq!(
        env.http
            .get(env.graph("/me"))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    // In a batch, as documented, photo items wait for one of the concurrent slots: all are
    // answered, two at a time.
    let items: Vec<Value> = (0..6)
        .map(|i| json!({"id": i.to_string(), "method": "GET", "url": format!("/users/{}/photo/$value", upn("adele"))}))
        .collect();
    let batch = || async {
        env.http
            .post(env.graph("/$batch"))
            .bearer_auth(&t)
            .json(&json!({"requests": items}))
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()
    };
    let t0 = Instant::now();
    let v = batch().await;
    assert!(
        v["responses"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["status"] == 200),
        "{v}"
    );
    assert!(
        t0.elapsed() >= Duration::from_millis(850),
        "{:?}",
        t0.elapsed()
    );

    // Switched to what users report: every item starts at once, those over the limit get 429.
    ctl.set_limits(Limits {
        outlook_concurrency: Some(2),
        outlook_batch: OutlookBatch::Concurrent,
        photo_service_ms: 300,
        outlook_retry_after_secs: 2,
        ..Limits::default()
    })
    .await
    .unwrap();
    let v = batch().await;
    let statuses: Vec<u64> = v["responses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        4,
        "{statuses:?}"
    );
    let t429 = v["responses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["status"] == 429)
        .unwrap();
    assert_eq!(t429["headers"]["Retry-After"], "2");
    assert_eq!(t429["body"]["error"]["code"], "ApplicationThrottled");
}

#[tokio::test]
async fn sharepoint_resource_units() {
    let env = Env::start().await;
    let ctl = env.emu.control();
    ctl.set_limits(Limits {
        sharepoint_units_per_minute: Some(6),
        ..Limits::default()
    })
    .await
    .unwrap();
    let t = token(
        &env,
        "alex",
        &env.sp_scopes(&["AllSites.Write", "User.ReadWrite.All"]),
    )
    .await;
    let get = || {
        env.http
            .get(env.my("/_api/SP.UserProfiles.PeopleManager/GetMyProperties"))
            .bearer_auth(&t)
            .header("accept", "application/json;odata=nometadata")
            .send()
    };
    let post = || {
        env.http
            .post(env.my("/_api/contextinfo"))
            .bearer_auth(&t)
            .header("accept", "application/json;odata=nometadata")
            .send()
    };
    // 2 writes (4 units) + 2 reads (2 units) = 6, then a read is over budget.
    assert_eq!(post().await.unwrap().status(), 200);
    assert_eq!(post().await.unwrap().status(), 200);
    assert_eq!(get().await.unwrap().status(), 200);
    assert_eq!(get().await.unwrap().status(), 200);
    let r = get().await.unwrap();
    assert_eq!(r.status(), 429);
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry));
    let log = ctl.log().await.unwrap();
    assert_eq!(
        log.iter()
            .filter(|e| e.injected.as_deref() == Some("throttled"))
            .count(),
        1
    );
}

#[tokio::test]
async fn latency_applies_to_every_request_including_preflights() {
    let env = Env::start().await;
    env.emu.control().set_latency(120).await.unwrap();
    let t0 = Instant::now();
    let r = env
        .http
        .request(reqwest::Method::OPTIONS, env.graph("/me"))
        .header("origin", env.app_origin())
        .header("access-control-request-method", "GET")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(t0.elapsed() >= Duration::from_millis(120));
    let log = env.emu.control().log().await.unwrap();
    let e = log.last().unwrap();
    assert_eq!(e.method, "OPTIONS");
    assert!(e.duration_ms >= 120);
}

#[tokio::test]
async fn app_host_config_and_log_of_unknown_hosts() {
    let dir = std::env::temp_dir().join(format!("emu-app-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("assets")).unwrap();
    std::fs::write(
        dir.join("index.html"),
        "<!doctype html><title>Profile Photo Sync</title>",
    )
    .unwrap();
    std::fs::write(dir.join("assets/app_bg.wasm"), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(dir.join("assets/app.js"), "export {}").unwrap();
    let emu = emulator::Emulator::start(emulator::EmulatorOptions {
        app_dir: Some(dir.clone()),
        ..Default::default()
    })
    .await
    .unwrap();
    let http = emu.http_client();
    let ctl = emu.control();
    let get = |p: &str| http.get(format!("{}{p}", emu.origin("app"))).send();

    let r = get("/config.json").await.unwrap();
    let cfg: Value = r.json().await.unwrap();
    let port = emu.port();
    assert_eq!(
        cfg,
        json!({
            "clientId": emulator::DEMO_CLIENT_ID,
            "authority": format!("http://login.localhost:{port}/contoso.onmicrosoft.com"),
            "graphBaseUrl": format!("http://graph.localhost:{port}/v1.0"),
            "mySiteHost": format!("http://contoso-my.localhost:{port}"),
            "adminHost": format!("http://contoso-admin.localhost:{port}"),
            "embedOrigins": [format!("http://intranet.localhost:{port}")],
        })
    );
    let r = get("/assets/app_bg.wasm").await.unwrap();
    assert_eq!(r.headers()["content-type"], "application/wasm");
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"\0asm\x01\0\0\0");
    assert!(
        get("/assets/app.js").await.unwrap().headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    let r = get("/admin/report").await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Profile Photo Sync"));
    assert_eq!(get("/missing.png").await.unwrap().status(), 404);
    assert_eq!(get("/../Cargo.toml").await.unwrap().status(), 404);

    ctl.set_app_config(Some("{not json".into())).await.unwrap();
    assert_eq!(
        get("/config.json").await.unwrap().text().await.unwrap(),
        "{not json"
    );
    ctl.set_app_config_missing().await.unwrap();
    assert_eq!(get("/config.json").await.unwrap().status(), 404);
    ctl.set_app_config(None).await.unwrap();
    assert_eq!(get("/config.json").await.unwrap().status(), 200);
    let _ = AppConfig::Generated;

    let page = http
        .get(format!("{}/", emu.origin("intranet")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(&emu.app_url()));
    ctl.set_intranet_page("<h1>custom</h1>").await.unwrap();
    let page = http
        .get(format!("{}/x", emu.origin("intranet")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(page, "<h1>custom</h1>");

    let r = http
        .get(format!("{}/steal", emu.origin("evil")))
        .bearer_auth("secret-token")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let log = ctl.log().await.unwrap();
    let evil: Vec<_> = log.iter().filter(|e| e.host == "evil.localhost").collect();
    assert_eq!(evil.len(), 1);
    assert!(evil[0].has_authorization);
    assert_eq!(evil[0].status, 404);
    ctl.clear_log().await.unwrap();
    assert!(ctl.log().await.unwrap().is_empty());
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn reset_and_seed_with_extra_users() {
    let env = Env::start().await;
    let ctl = env.emu.control();
    ctl.seed(emulator::SeedOptions {
        extra_users: 12,
        ..Default::default()
    })
    .await
    .unwrap();
    let st = ctl.state().await.unwrap();
    assert_eq!(st.users.len(), 20);
    assert!(st.user("user004").unwrap().in_sync);
    assert!(st.user("user005").unwrap().exchange_photo.is_none());
    assert!(!st.user("user001").unwrap().in_sync);
    ctl.reset().await.unwrap();
    assert_eq!(ctl.state().await.unwrap().users.len(), 8);
}
