//! The sync runner against the local Microsoft 365 emulator, from a real browser: real
//! requests, real CORS, real images. `PPS_EMULATOR_PORT` must name, when they are built, the
//! port of a running emulator with the demo seed (tokens are minted through its control API,
//! so sign-in is not involved):
//!
//! ```text
//! m365-emulator --port 18765 --seed demo --quiet &
//! PPS_EMULATOR_PORT=18765 cargo test --target wasm32-unknown-unknown --test web sync_emulator
//! ```
//!
//! Each test resets the emulator to the demo seed first. Without the variable these tests
//! fail (they never pass without having run). The end-to-end tests (through the page, with
//! sign-in) are in `tests/e2e/`.

use std::cell::RefCell;
use std::rc::Rc;

use profile_photo_sync::auth::{AuthError, Resource, TokenSource};
use profile_photo_sync::config::AppConfig;
use profile_photo_sync::http::{self, Body, HttpRequest};
use profile_photo_sync::sync::{self, Cancel, SyncFailure, SyncPhase};
use wasm_bindgen_test::*;

const PORT: Option<&str> = option_env!("PPS_EMULATOR_PORT");

/// The running emulator's port; a test that needs it fails when it was not given.
fn port() -> &'static str {
    PORT.expect(
        "PPS_EMULATOR_PORT was not set when the browser tests were built, so there is no \
         emulator to run against: run `cargo xtask test`, or start one as this module's doc says",
    )
}

/// Tokens minted by the emulator's control API for one demo user.
struct MintedTokens {
    upn: String,
}

impl TokenSource for MintedTokens {
    async fn access_token(&self, resource: &Resource) -> Result<String, AuthError> {
        let names = profile_photo_sync::config::DEFAULT_SHAREPOINT_SCOPES.map(str::to_owned);
        let body = serde_json::json!({"upn": self.upn, "scope": resource.scopes(&names).join(" ")});
        let response = http::send(
            HttpRequest::post(format!("http://control.localhost:{}/control/token", port()))
                .header("Content-Type", "application/json")
                .body(Body::Text(body.to_string())),
        )
        .await
        .map_err(|e| AuthError::Network {
            detail: e.to_string(),
        })?;
        let token: serde_json::Value = response.json().unwrap();
        Ok(token["access_token"].as_str().unwrap().to_owned())
    }
}

/// No account: the runner guesses no thumbnail address.
impl sync::SignedIn for MintedTokens {}

fn config() -> AppConfig {
    // No mySiteHost: the My Site host comes from Graph's mySite, as in most deployments.
    AppConfig::parse(&format!(
        r#"{{"clientId":"7d1b2c3e-4f50-4a61-8b72-9c83d4e5f601","authority":"http://login.localhost:{p}/contoso.onmicrosoft.com",
            "graphBaseUrl":"http://graph.localhost:{p}/v1.0"}}"#,
        p = port()
    ))
    .unwrap()
}

fn user(key: &str) -> MintedTokens {
    MintedTokens {
        upn: format!("{key}@contoso.onmicrosoft.com"),
    }
}

/// Runs a sync and returns every phase reported, by name, and the last one.
async fn sync(key: &str, force: bool) -> (Vec<&'static str>, SyncPhase) {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let record = seen.clone();
    let last = sync::run_sync(
        &config(),
        &user(key),
        force,
        None,
        &Cancel::new(),
        move |p| record.borrow_mut().push(p.name()),
    )
    .await;
    let names = seen.borrow().clone();
    (names, last)
}

#[wasm_bindgen_test]
async fn out_of_sync_user_is_written_and_verified_then_in_sync() {
    fresh().await;
    let (phases, last) = sync("adele", false).await;
    assert_eq!(
        phases,
        ["reading", "compared", "writing", "verifying", "done"],
        "{last:?}"
    );
    let SyncPhase::Done { new_thumbnail, .. } = last else {
        unreachable!()
    };
    assert!(new_thumbnail.unwrap().starts_with("blob:"));

    let compared = sync::run_compare(&config(), &user("adele"), &Cancel::new(), |_| {})
        .await
        .0;
    assert!(
        matches!(compared, SyncPhase::Compared { in_sync: true, .. }),
        "after the write SharePoint shows the Exchange photo: {compared:?}"
    );
    let (phases, _) = sync("adele", false).await;
    assert_eq!(phases, ["reading", "compared", "nothing-to-do"]);
}

#[wasm_bindgen_test]
async fn a_click_after_the_comparison_writes_what_was_read_without_reading_again() {
    fresh().await;
    let (compared, comparison) =
        sync::run_compare(&config(), &user("adele"), &Cancel::new(), |_| {}).await;
    assert!(
        matches!(compared, SyncPhase::Compared { in_sync: false, .. }),
        "{compared:?}"
    );
    control("DELETE", "log", serde_json::Value::Null).await;
    let seen = Rc::new(RefCell::new(Vec::new()));
    let record = seen.clone();
    let last = sync::run_sync(
        &config(),
        &user("adele"),
        false,
        comparison,
        &Cancel::new(),
        move |p| record.borrow_mut().push(p.name()),
    )
    .await;
    assert_eq!(*seen.borrow(), ["writing", "verifying", "done"], "{last:?}");
    let log = request_log().await;
    assert!(
        !log.iter()
            .any(|(_, path)| path.contains("/photo") || path.ends_with("/me")),
        "Graph is not read again: {log:?}"
    );
    assert_eq!(
        log.iter()
            .filter(|(m, p)| m == "POST" && p.contains("SetMyProfilePicture"))
            .count(),
        1,
        "{log:?}"
    );
    assert!(
        log.iter().any(|(_, p)| p.contains("userphoto.aspx")),
        "SharePoint's own pull is still requested: {log:?}"
    );
    assert_eq!(
        thumbnail_reads(&log),
        1,
        "the new thumbnail is read once, at the address it had: {log:?}"
    );
}

/// A run whose screen goes once the photos are compared: nothing more is reported, and no
/// write starts.
#[wasm_bindgen_test]
async fn a_run_cancelled_after_reading_writes_nothing() {
    fresh().await;
    control("DELETE", "log", serde_json::Value::Null).await;
    let cancel = Cancel::new();
    let seen = Rc::new(RefCell::new(Vec::new()));
    let (record, stop) = (seen.clone(), cancel.clone());
    let last = sync::run_sync(&config(), &user("adele"), false, None, &cancel, move |p| {
        record.borrow_mut().push(p.name());
        if matches!(p, SyncPhase::Compared { .. }) {
            stop.cancel();
        }
    })
    .await;
    assert_eq!(*seen.borrow(), ["reading", "compared"], "{last:?}");
    assert_eq!(last, SyncPhase::Idle);
    let log = request_log().await;
    assert!(
        !log.iter()
            .any(|(m, p)| m == "POST" && p.contains("SetMyProfilePicture")),
        "no write after the screen went: {log:?}"
    );
}

#[wasm_bindgen_test]
async fn a_new_thumbnail_not_at_its_old_address_is_read_from_the_profile() {
    fresh().await;
    let (_, comparison) =
        sync::run_compare(&config(), &user("adele"), &Cancel::new(), |_| {}).await;
    // The first read of the large thumbnail after the write finds nothing.
    control(
        "POST",
        "faults",
        serde_json::json!({"host": "contoso-my", "path_contains": "_LThumb", "method": "GET",
            "status": 404, "times": 1}),
    )
    .await;
    control("DELETE", "log", serde_json::Value::Null).await;
    let last = sync::run_sync(
        &config(),
        &user("adele"),
        false,
        comparison,
        &Cancel::new(),
        |_| {},
    )
    .await;
    assert!(
        matches!(
            &last,
            SyncPhase::Done {
                new_thumbnail: Some(_),
                ..
            }
        ),
        "{last:?}"
    );
    assert_eq!(thumbnail_reads(&request_log().await), 2);
}

/// GET requests for a large thumbnail in a request log.
fn thumbnail_reads(log: &[(String, String)]) -> usize {
    log.iter()
        .filter(|(m, p)| m == "GET" && p.contains("_LThumb"))
        .count()
}

#[wasm_bindgen_test]
async fn in_sync_user_has_nothing_to_do_unless_forced() {
    fresh().await;
    let compared = sync::run_compare(&config(), &user("alex"), &Cancel::new(), |_| {})
        .await
        .0;
    let SyncPhase::Compared {
        exchange,
        sharepoint,
        in_sync,
    } = compared
    else {
        panic!("{compared:?}")
    };
    assert!(in_sync);
    assert!(exchange.image_url.unwrap().starts_with("blob:"));
    assert!(sharepoint.has_picture && sharepoint.image_url.is_some());

    control("DELETE", "log", serde_json::Value::Null).await;
    let (phases, _) = sync("alex", false).await;
    assert_eq!(phases, ["reading", "compared", "nothing-to-do"]);
    let log = request_log().await;
    // Graph's reads go as one `POST /$batch`: a read, not a write.
    assert!(
        !log.iter()
            .any(|(m, p)| (m == "POST" && !p.ends_with("/$batch")) || p.contains("userphoto.aspx")),
        "nothing written, no pull triggered: {log:?}"
    );
    let (phases, last) = sync("alex", true).await;
    assert_eq!(phases.last(), Some(&"done"), "{last:?}");
}

#[wasm_bindgen_test]
async fn placeholder_user_with_a_png_photo_is_written() {
    fresh().await;
    let (phases, last) = sync("pradeep", false).await;
    assert_eq!(phases.last(), Some(&"done"), "{last:?}");
}

#[wasm_bindgen_test]
async fn no_exchange_photo_and_no_mailbox_write_nothing() {
    fresh().await;
    let (_, last) = sync("megan", false).await;
    assert_eq!(
        last,
        SyncPhase::Failed {
            reason: SyncFailure::NoExchangePhoto,
            wrote_anything: false
        }
    );
    let (_, last) = sync("lee", false).await;
    assert_eq!(
        last,
        SyncPhase::Failed {
            reason: SyncFailure::NoMailbox,
            wrote_anything: false
        }
    );
}

async fn control(method: &str, path: &str, body: serde_json::Value) {
    let url = format!("http://control.localhost:{}/control/{path}", port());
    let request = match method {
        "DELETE" => HttpRequest::new(gloo_net::http::Method::DELETE, url),
        _ => HttpRequest::post(url)
            .header("Content-Type", "application/json")
            .body(Body::Text(body.to_string())),
    };
    let response = http::send(request).await.unwrap();
    assert!(response.is_success(), "{path}: {}", response.text());
}

/// The emulator's request log as (method, path and query), preflights and control calls left out.
async fn request_log() -> Vec<(String, String)> {
    let url = format!("http://control.localhost:{}/control/log", port());
    let response = http::send(HttpRequest::get(url)).await.unwrap();
    let entries: Vec<serde_json::Value> = response.json().unwrap();
    entries
        .iter()
        .filter(|e| {
            e["method"] != "OPTIONS" && !e["host"].as_str().unwrap_or("").starts_with("control")
        })
        .map(|e| {
            (
                e["method"].as_str().unwrap_or("").to_owned(),
                e["path_and_query"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

/// Back to the demo tenant as seeded (tests run one at a time).
async fn fresh() {
    control("POST", "reset", serde_json::json!({"seed": "demo"})).await;
}

/// One test for every fault, so that no other test runs while the faults are set.
#[wasm_bindgen_test]
async fn transient_faults_are_retried_and_permanent_ones_write_nothing() {
    fresh().await;
    control(
        "POST",
        "expose-retry-after",
        serde_json::json!({"enabled": true}),
    )
    .await;
    // SharePoint: 503 then 429, with Retry-After; Graph: 429 twice without a readable one.
    for (status, times) in [(503, 1), (429, 1)] {
        control(
            "POST",
            "faults",
            serde_json::json!({"host": "contoso-my", "path_contains": "SetMyProfilePicture",
                "method": "POST", "status": status, "retry_after_secs": 1, "times": times}),
        )
        .await;
    }
    control(
        "POST",
        "faults",
        serde_json::json!({"host": "graph", "path_contains": "/photo/$value", "method": "GET",
            "status": 429, "times": 2}),
    )
    .await;
    let (phases, last) = sync("grady", false).await;
    assert_eq!(phases.last(), Some(&"done"), "retried, then done: {last:?}");
    control("DELETE", "faults", serde_json::Value::Null).await;

    // A permanent 503: bounded retries, then a message; nothing written.
    control(
        "POST",
        "faults",
        serde_json::json!({"host": "contoso-my", "path_contains": "SetMyProfilePicture",
            "method": "POST", "status": 503, "retry_after_secs": 1}),
    )
    .await;
    let started = js_sys::Date::now();
    let (phases, last) = sync("janis", false).await;
    let waited = js_sys::Date::now() - started;
    control("DELETE", "faults", serde_json::Value::Null).await;
    control(
        "POST",
        "expose-retry-after",
        serde_json::json!({"enabled": false}),
    )
    .await;
    assert_eq!(
        last,
        SyncPhase::Failed {
            reason: SyncFailure::ServiceUnavailable {
                service: sync::Service::SharePoint
            },
            wrote_anything: false
        }
    );
    assert_eq!(phases, ["reading", "compared", "writing", "failed"]);
    assert!(
        (4_000.0..15_000.0).contains(&waited),
        "four 1 s retries: {waited} ms"
    );
    let after = sync::run_compare(&config(), &user("janis"), &Cancel::new(), |_| {})
        .await
        .0;
    assert!(
        matches!(&after, SyncPhase::Compared { sharepoint, in_sync: false, .. } if !sharepoint.has_picture),
        "SharePoint still shows the placeholder: {after:?}"
    );
}
