//! The fault suite: every fault a real tenant, a real network and a real browser produce,
//! each its own test named by the fault, end to end against the emulator. Each test asserts
//! three things: what the page says and offers, what SharePoint now holds (nothing, or
//! exactly the Exchange photo: files, pixel sizes, fingerprints, write counts), and that no
//! bearer token went to a host other than Graph and the tenant's SharePoint hosts.
//!
//! Faults come from the emulator's control API (status answers, dropped connections, slow
//! bodies, delays) and from the browser (scripts that replace `Date.now`, `sessionStorage`
//! or `fetch` in the page, installed before the page's own scripts run when the fault must
//! be there from the start).

use std::time::{Duration, Instant};

use emulator::{Emulator, FaultKind, FaultRule, FileState, IdTokenTamper, LogEntry};
use emulator_pixels::{decode_any, Fingerprint};
use fantoccini::wd::WebDriverCompatibleCommand;
use serde_json::{json, Value};

use crate::support::{
    assert_tokens_only_to_allowed_hosts, emulator, generated_config, stage, AppPage, Browser,
    BrowserOptions,
};

fn upn(user: &str) -> String {
    format!("{user}@contoso.onmicrosoft.com")
}

/// A fault on every request to `host` whose path contains `path`.
fn fault(host: &str, path: &str, status: u16) -> FaultRule {
    FaultRule {
        host: Some(host.into()),
        path_contains: Some(path.into()),
        status,
        ..Default::default()
    }
}

/// A request to `host` whose path contains `path` that gets no answer for `ms` milliseconds,
/// then a normal one.
fn held(host: &str, path: &str, ms: u64) -> FaultRule {
    FaultRule {
        kind: FaultKind::Delay,
        latency_ms: Some(ms),
        times: Some(1),
        ..fault(host, path, 200)
    }
}

/// Answers to `host` whose path contains `path` that trickle their body out over `ms`.
fn slow_body(host: &str, path: &str, ms: u64) -> FaultRule {
    FaultRule {
        kind: FaultKind::SlowBody { ms },
        ..fault(host, path, 200)
    }
}

const ME: &str = "/me?";
const PHOTO_BYTES: &str = "/photo/$value";
const PROPERTIES: &str = "GetMyProperties";
const WRITE: &str = "SetMyProfilePicture";
const TOKEN: &str = "/oauth2/v2.0/token";

/// The `SetMyProfilePicture` requests that reached the emulator.
fn writes(log: &[LogEntry]) -> usize {
    log.iter()
        .filter(|e| e.method == "POST" && e.path_and_query.contains(WRITE))
        .count()
}

/// How many requests to a path went out.
fn requests(log: &[LogEntry], path: &str) -> usize {
    log.iter()
        .filter(|e| e.method != "OPTIONS" && e.path_and_query.contains(path))
        .count()
}

async fn files(emulator: &Emulator) -> Vec<FileState> {
    emulator.control().state().await.unwrap().files
}

/// Everything a fault test checks at the end, whatever the fault: no token went astray.
async fn tokens_stayed_home(emulator: &Emulator) -> Vec<LogEntry> {
    let log = emulator.control().log().await.unwrap();
    assert_tokens_only_to_allowed_hosts(&log);
    log
}

/// SharePoint holds exactly the user's Exchange photo: three thumbnails at their sizes, the
/// large one the Exchange picture, the profile no longer a placeholder.
async fn assert_sharepoint_holds_the_exchange_photo(emulator: &Emulator, user: &str) {
    let control = emulator.control();
    let state = control.state().await.unwrap();
    let account = state.user(&upn(user)).expect("a demo user");
    assert!(account.in_sync, "{user} is in sync");
    let oid = account.oid.clone();
    let mut sizes: Vec<_> = state
        .files
        .iter()
        .filter(|f| f.path.contains(oid.as_str()))
        .map(|f| {
            (
                f.path.rsplit('_').next().unwrap_or_default().to_owned(),
                f.width,
                f.height,
            )
        })
        .collect();
    sizes.sort();
    assert_eq!(
        sizes,
        vec![
            ("LThumb.jpg".to_owned(), 200, 200),
            ("MThumb.jpg".to_owned(), 72, 72),
            ("SThumb.jpg".to_owned(), 48, 48)
        ]
    );
    let large = control
        .file(
            "contoso-my",
            &format!("/User Photos/Profile Pictures/{oid}_LThumb.jpg"),
        )
        .await
        .unwrap();
    let exchange = control.exchange_photo(&upn(user)).await.unwrap();
    let (large, exchange) = (decode_any(&large).unwrap(), decode_any(&exchange).unwrap());
    assert!(
        Fingerprint::of(&large).matches(&Fingerprint::of(&exchange)),
        "SharePoint's large thumbnail is not the Exchange photo"
    );
    let profile = state.profile(&upn(user)).unwrap();
    assert_eq!(
        profile
            .get("SPS-PicturePlaceholderState")
            .map(String::as_str),
        Some("0")
    );
}

/// Signs in as `user` through the redirect flow.
async fn signed_in(page: &AppPage<'_>, user: &str) {
    page.open("").await;
    page.sign_in(&upn(user)).await;
}

/// Signs in as `user` through the popup: the page itself never leaves, so what a test
/// changed in it (its clock, its `fetch`) stays. The landing offers the popup after a failed
/// sign-in only ([`AppPage::offer_popup_sign_in`] beforehand, then the change).
async fn signed_in_by_popup(page: &AppPage<'_>, user: &str) {
    page.click_sign_in_by_popup().await;
    let first = page.switch_to_new_window().await;
    page.sign_in_on_identity_page(&upn(user)).await;
    page.wait_for_single_window(first).await;
}

/// The page ended in `failed` for `reason`, says what happened and what to do, says whether
/// SharePoint may have changed as `wrote_anything`, and offers the sync button again.
async fn assert_failed(page: &AppPage<'_>, reason: &str, wrote_anything: bool) {
    page.wait_for_phase(&["failed"]).await;
    assert_eq!(
        page.attribute_of("sync-error", "data-reason")
            .await
            .as_deref(),
        Some(reason),
        "{}",
        page.body_text().await
    );
    assert_eq!(
        page.attribute_of("sync-error", "data-wrote-anything")
            .await
            .as_deref(),
        Some(if wrote_anything { "true" } else { "false" })
    );
    assert!(!page.text_of("sync-error-message").await.is_empty());
    assert!(!page.text_of("sync-error-fix").await.is_empty());
    let text = page.text_of("sync-error").await;
    let nothing_changed = text.contains("Nothing was changed in SharePoint");
    assert_eq!(
        nothing_changed, !wrote_anything,
        "the page says nothing changed only when it knows: {text}"
    );
    assert_eq!(
        page.attribute_of("sync-button", "disabled").await,
        None,
        "the sync button is offered again"
    );
}

/// The sign-in problem the landing view shows, with the sign-in button offered again. The
/// failed sign-in that made the landing offer the popup may still show until this one's
/// answer comes: this waits for `kind`.
async fn assert_sign_in_problem(page: &AppPage<'_>, kind: &str) -> String {
    page.until(&format!("no sign-in problem {kind}"), || async {
        let shown = page.attribute_of("auth-error", "data-error-kind").await;
        if shown.as_deref() == Some(kind) {
            Ok(())
        } else {
            Err(format!("the page shows {shown:?}"))
        }
    })
    .await;
    page.wait_for("sign-in").await;
    assert!(!page.has("signed-in-user").await);
    page.text_of("auth-error-message").await
}

/// A Chrome DevTools command sent through ChromeDriver (`goog/cdp/execute`).
#[derive(Debug)]
struct DevTools {
    cmd: &'static str,
    params: Value,
}

impl WebDriverCompatibleCommand for DevTools {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _request_url: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({ "cmd": self.cmd, "params": self.params }).to_string()),
        )
    }
}

/// Runs `script` in every page this tab loads from now on, before the page's own scripts.
async fn before_every_page(page: &AppPage<'_>, script: &str) {
    page.client
        .issue_cmd(DevTools {
            cmd: "Page.addScriptToEvaluateOnNewDocument",
            params: json!({ "source": script }),
        })
        .await
        .expect("ChromeDriver runs the DevTools command");
}

/// Moves the page's clock (`Date.now`, `new Date()`) by `offset_ms` from now on.
async fn shift_clock(page: &AppPage<'_>, offset_ms: i64) {
    page.eval(&format!(
        "const real = window.__realDateNow || Date.now.bind(Date);\
         window.__realDateNow = real;\
         const offset = {offset_ms};\
         Date.now = () => real() + offset;\
         return 1"
    ))
    .await;
}

// ---------------------------------------------------------------------------------------------
// Slow bodies and timeouts on each read

/// A read whose body takes seconds still ends in the right photo, written once.
async fn a_slow_read_still_syncs(host: &str, path: &str) {
    let (emulator, browser) = stage([slow_body(host, path, 4_000)]).await;
    let page = AppPage::new(&browser, &emulator);
    page.signed_in_and_compared(&upn("adele")).await;
    page.sync_until(&["done"]).await;
    assert_sharepoint_holds_the_exchange_photo(&emulator, "adele").await;
    let log = tokens_stayed_home(&emulator).await;
    assert_eq!(writes(&log), 1);
    assert!(
        log.iter()
            .any(|e| e.path_and_query.contains(path) && e.injected.as_deref() == Some("slow")),
        "the body of {path} really was slow"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_body_from_graph_me_still_syncs() {
    a_slow_read_still_syncs("graph", ME).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_body_of_the_exchange_photo_still_syncs() {
    a_slow_read_still_syncs("graph", PHOTO_BYTES).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_body_from_get_my_properties_still_syncs() {
    a_slow_read_still_syncs("contoso-my", PROPERTIES).await;
}

/// A read that gets no answer within the page's 30 s timeout is abandoned and sent again;
/// the second answer is used and the sync ends with the right photo.
async fn a_read_that_never_answers_is_timed_out_and_retried(host: &str, path: &str) {
    let (emulator, browser) = stage([held(host, path, 45_000)]).await;
    let page = AppPage::new(&browser, &emulator);
    signed_in(&page, "adele").await;
    let started = Instant::now();
    page.wait_for_phase(&["compared"]).await;
    let waited = started.elapsed();
    assert!(
        waited > Duration::from_secs(28) && waited < Duration::from_secs(44),
        "the page waited its 30 s, then gave up on the request before the emulator answered it ({waited:?})"
    );
    page.sync_until(&["done"]).await;
    assert_sharepoint_holds_the_exchange_photo(&emulator, "adele").await;
    let log = tokens_stayed_home(&emulator).await;
    assert_eq!(writes(&log), 1);
    // The abandoned request never reaches the log (the browser closed its connection before
    // the answer); the rule's own count shows it was sent, and sent again.
    let rules = emulator.control().faults().await.unwrap();
    let matched = rules[0]["matched"].as_u64().unwrap_or_default();
    assert!(
        matched >= 2,
        "{path} was sent again after the timeout: {rules}"
    );
    assert_eq!(rules[0]["fired"], json!(1));
}

#[tokio::test(flavor = "multi_thread")]
async fn graph_me_that_never_answers_times_out_and_is_retried() {
    a_read_that_never_answers_is_timed_out_and_retried("graph", ME).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_exchange_photo_that_never_arrives_times_out_and_is_retried() {
    a_read_that_never_answers_is_timed_out_and_retried("graph", PHOTO_BYTES).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn get_my_properties_that_never_answers_times_out_and_is_retried() {
    a_read_that_never_answers_is_timed_out_and_retried("contoso-my", PROPERTIES).await;
}

// ---------------------------------------------------------------------------------------------
// Server errors from Graph and SharePoint

/// A server error on a read: the page explains, writes nothing, and once the service is
/// back the same button syncs.
async fn a_server_error_on_a_read(host: &str, path: &str, status: u16) {
    let (emulator, browser) = stage([fault(host, path, status)]).await;
    let control = emulator.control();
    let before = files(&emulator).await;
    let page = AppPage::new(&browser, &emulator);
    signed_in(&page, "adele").await;
    assert_failed(&page, "unexpected", false).await;
    let service = if host == "graph" {
        "Microsoft Graph"
    } else {
        "SharePoint"
    };
    assert!(page.text_of("sync-error-message").await.contains(service));
    assert!(page
        .text_of("sync-error")
        .await
        .contains(&format!("HTTP {status}")));
    let log = tokens_stayed_home(&emulator).await;
    assert_eq!(writes(&log), 0);
    assert_eq!(files(&emulator).await, before, "nothing written");

    control.clear_faults().await.unwrap();
    page.sync_until(&["done"]).await;
    assert_sharepoint_holds_the_exchange_photo(&emulator, "adele").await;
    assert_eq!(writes(&control.log().await.unwrap()), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn graph_answering_500_is_explained_and_nothing_written() {
    a_server_error_on_a_read("graph", ME, 500).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn graph_answering_502_for_the_photo_is_explained_and_nothing_written() {
    a_server_error_on_a_read("graph", PHOTO_BYTES, 502).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sharepoint_answering_500_on_read_is_explained_and_nothing_written() {
    a_server_error_on_a_read("contoso-my", PROPERTIES, 500).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sharepoint_answering_502_on_read_is_explained_and_nothing_written() {
    a_server_error_on_a_read("contoso-my", PROPERTIES, 502).await;
}

/// A server error on the write: one attempt (a server error is not retried), nothing
/// written, and the page says nothing changed; once SharePoint is back the button syncs.
async fn a_server_error_on_the_write(status: u16) {
    let (emulator, browser) = stage([fault("contoso-my", WRITE, status)]).await;
    let control = emulator.control();
    let before = files(&emulator).await;
    let page = AppPage::new(&browser, &emulator);
    page.signed_in_and_compared(&upn("adele")).await;
    page.click("sync-button").await;
    assert_failed(&page, "unexpected", false).await;
    assert!(page
        .text_of("sync-error")
        .await
        .contains(&format!("HTTP {status}")));
    let log = tokens_stayed_home(&emulator).await;
    assert_eq!(writes(&log), 1, "a server error is not sent again");
    assert_eq!(files(&emulator).await, before, "nothing written");
    assert!(
        !control
            .state()
            .await
            .unwrap()
            .user(&upn("adele"))
            .unwrap()
            .in_sync
    );

    control.clear_faults().await.unwrap();
    page.sync_until(&["done"]).await;
    assert_sharepoint_holds_the_exchange_photo(&emulator, "adele").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sharepoint_answering_500_on_write_writes_nothing_and_says_so() {
    a_server_error_on_the_write(500).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sharepoint_answering_502_on_write_writes_nothing_and_says_so() {
    a_server_error_on_the_write(502).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sharepoint_forbidding_the_write_is_explained_and_nothing_written() {
    // A tenant that does not let users edit their profile: the write answers 403.
    let (emulator, browser) = stage([fault("contoso-my", WRITE, 403)]).await;
    let before = files(&emulator).await;
    let page = AppPage::new(&browser, &emulator);
    page.signed_in_and_compared(&upn("adele")).await;
    page.click("sync-button").await;
    assert_failed(&page, "access-denied", false).await;
    assert!(page
        .text_of("sync-error-message")
        .await
        .contains("SharePoint"));
    let log = tokens_stayed_home(&emulator).await;
    assert_eq!(writes(&log), 1, "a refusal is not sent again");
    assert_eq!(files(&emulator).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn graph_forbidding_the_photo_is_explained_and_nothing_written() {
    // A scope taken away by a policy: Graph answers 403 for the photo.
    let (emulator, browser) = stage([fault("graph", "/me/photo", 403)]).await;
    let before = files(&emulator).await;
    let page = AppPage::new(&browser, &emulator);
    signed_in(&page, "adele").await;
    assert_failed(&page, "access-denied", false).await;
    assert!(page
        .text_of("sync-error-message")
        .await
        .contains("Microsoft Graph"));
    let log = tokens_stayed_home(&emulator).await;
    assert_eq!(writes(&log), 0);
    assert_eq!(files(&emulator).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn sharepoint_failing_its_own_pull_from_exchange_still_ends_done() {
    // The documented trigger of SharePoint's own refresh (userphoto.aspx) is down; the write
    // already did the work, so the sync still ends verified.
    let (emulator, browser) = stage([fault("contoso-my", "userphoto.aspx", 500)]).await;
    let page = AppPage::new(&browser, &emulator);
    page.signed_in_and_compared(&upn("adele")).await;
    page.sync_until(&["done"]).await;
    assert_sharepoint_holds_the_exchange_photo(&emulator, "adele").await;
    assert_eq!(writes(&tokens_stayed_home(&emulator).await), 1);
    answered(&emulator, "userphoto.aspx").await;
}

/// Waits (up to 20 s) until a request to a path has been answered (the emulator logs a
/// request once it has answered it), and returns the log then.
async fn answered(emulator: &Emulator, path: &str) -> Vec<LogEntry> {
    for _ in 0..200 {
        let log = emulator.control().log().await.unwrap();
        if requests(&log, path) >= 1 {
            return log;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no request to {path} was answered");
}

/// The check after the write is one round trip: the profile and the large thumbnail are asked
/// at the addresses the reading asked, whose preflights the browser still has, and
/// SharePoint's own pull (`userphoto.aspx`, held here for 8 s) is not waited for: the sync is
/// done before the pull is answered, and the pull still goes out.
#[tokio::test(flavor = "multi_thread")]
async fn the_check_after_the_write_asks_no_new_preflight_and_does_not_wait_for_the_pull() {
    let (emulator, browser) = stage([held("contoso-my", "userphoto.aspx", 8_000)]).await;
    let control = emulator.control();
    let page = AppPage::new(&browser, &emulator);
    page.signed_in_and_compared(&upn("adele")).await;
    let thumbnail_gets = |log: &[LogEntry]| -> Vec<String> {
        log.iter()
            .filter(|e| e.method == "GET" && e.path_and_query.contains("_LThumb.jpg"))
            .map(|e| e.path_and_query.clone())
            .collect()
    };
    let read = thumbnail_gets(&control.log().await.unwrap());
    control.clear_log().await.unwrap();
    page.sync_until(&["done"]).await;

    let log = control.log().await.unwrap();
    let said = || {
        log.iter()
            .map(|e| format!("{} {}", e.method, e.path_and_query))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(
        requests(&log, "userphoto.aspx"),
        0,
        "done before the pull was answered:\n{}",
        said()
    );
    assert_eq!(writes(&log), 1);
    let preflights: Vec<&str> = log
        .iter()
        .filter(|e| e.method == "OPTIONS")
        .map(|e| e.path_and_query.as_str())
        .collect();
    assert!(
        preflights
            .iter()
            .all(|p| p.contains(WRITE) || p.contains("userphoto.aspx")),
        "no preflight for the check:\n{}",
        said()
    );
    let checked = thumbnail_gets(&log);
    assert!(
        !checked.is_empty() && checked.iter().all(|url| read.contains(url)),
        "the thumbnail checked at the address read ({read:?}):\n{}",
        said()
    );
    assert!(log
        .iter()
        .any(|e| e.method == "GET" && e.path_and_query.contains(PROPERTIES)));
    assert_sharepoint_holds_the_exchange_photo(&emulator, "adele").await;
    answered(&emulator, "userphoto.aspx").await;
    tokens_stayed_home(&emulator).await;
}

/// Against a service whose preflights the browser may not keep (`Access-Control-Max-Age: 0`)
/// the check after the write asks them again, and the sync still ends verified.
#[tokio::test(flavor = "multi_thread")]
async fn preflights_the_browser_may_not_keep_cost_a_round_trip_not_the_check() {
    let (emulator, browser) = stage([]).await;
    let control = emulator.control();
    control.set_preflight_max_age(Some(0)).await.unwrap();
    let page = AppPage::new(&browser, &emulator);
    page.signed_in_and_compared(&upn("adele")).await;
    control.clear_log().await.unwrap();
    page.sync_until(&["done"]).await;
    let log = tokens_stayed_home(&emulator).await;
    for path in [PROPERTIES, "_LThumb.jpg"] {
        assert!(
            log.iter()
                .any(|e| e.method == "OPTIONS" && e.path_and_query.contains(path)),
            "the check's preflight to {path} asked again"
        );
    }
    assert_eq!(writes(&log), 1);
    assert_sharepoint_holds_the_exchange_photo(&emulator, "adele").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_verification_that_never_sees_the_new_thumbnail_says_possibly_written() {
    let (emulator, browser) = stage([]).await;
    let control = emulator.control();
    let page = AppPage::new(&browser, &emulator);
    page.signed_in_and_compared(&upn("adele")).await;
    // From now on the large thumbnail cannot be read: the write goes through, the check
    // afterwards never sees the new picture.
    control
        .set_fault(FaultRule {
            method: Some("GET".into()),
            ..fault("contoso-my", "_LThumb.jpg", 404)
        })
        .await
        .unwrap();
    page.click("sync-button").await;
    assert_failed(&page, "verification-failed", true).await;
    let said = page.text_of("sync-error").await;
    assert!(said.contains("check afterwards did not pass"), "{said}");
    let log = tokens_stayed_home(&emulator).await;
    assert_eq!(writes(&log), 1, "the photo is not sent again");
    assert_sharepoint_holds_the_exchange_photo(&emulator, "adele").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_429_storm_exhausts_the_retries_and_writes_nothing() {
    let emulator = emulator().await;
    let control = emulator.control();
    let before = files(&emulator).await;
    control.set_expose_retry_after(true).await.unwrap();
    control
        .set_fault(FaultRule {
            retry_after_secs: Some(1),
            ..fault("contoso-my", PROPERTIES, 429)
        })
        .await
        .unwrap();
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    signed_in(&page, "adele").await;
    assert_failed(&page, "throttled", false).await;
    assert!(page
        .text_of("sync-error-message")
        .await
        .contains("SharePoint"));
    let log = tokens_stayed_home(&emulator).await;
    let attempts = requests(&log, PROPERTIES);
    assert!(
        (2..=5).contains(&attempts),
        "retried, and no more than the policy allows: {attempts}"
    );
    assert_eq!(writes(&log), 0);
    assert_eq!(files(&emulator).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn latency_on_every_call_still_syncs_exactly_once() {
    let emulator = emulator().await;
    emulator.control().set_latency(400).await.unwrap();
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    page.open("").await;
    page.click("sign-in").await;
    // The page takes a while to leave for the identity platform: wait until it is there.
    page.wait_for(&format!("account-{}", upn("adele"))).await;
    page.sign_in_on_identity_page(&upn("adele")).await;
    page.wait_for("signed-in-user").await;
    page.wait_for_phase(&["compared"]).await;
    page.sync_until(&["done"]).await;
    assert_sharepoint_holds_the_exchange_photo(&emulator, "adele").await;
    let log = tokens_stayed_home(&emulator).await;
    assert_eq!(writes(&log), 1);
    // Every request on the wire; the requests inside Graph's `$batch` are logged too, timed
    // from when the batch (already slowed) ran them.
    assert!(
        log.iter()
            .filter(|e| e.host != "control.localhost" && e.batch_of.is_none())
            .all(|e| e.duration_ms >= 350),
        "every call was slow"
    );
    assert!(
        log.iter().any(|e| e.batch_of.is_some()),
        "Graph was read in a batch"
    );
}

// ---------------------------------------------------------------------------------------------
// The write: refused, unauthorised, answer lost, clicked twice

#[tokio::test(flavor = "multi_thread")]
async fn sharepoint_refusing_the_photo_as_not_valid_writes_nothing() {
    let (emulator, browser) = stage([]).await;
    let before = files(&emulator).await;
    let page = AppPage::new(&browser, &emulator);
    page.signed_in_and_compared(&upn("adele")).await;
    // What reaches SharePoint is not an image (a proxy that mangled it): SharePoint itself
    // decodes it and refuses with its own 400 "Parameter is not valid."
    page.eval(
        "const send = window.fetch.bind(window);\
         window.fetch = function (input, init) {\
           const url = typeof input === 'string' ? input : input.url;\
           if (url.includes('SetMyProfilePicture')) {\
             return send(new Request(input, { body: new Uint8Array([0xFF, 0xD8, 0xFF, 1, 2, 3]) }), init);\
           }\
           return send(input, init);\
         };\
         return 1",
    )
    .await;
    page.click("sync-button").await;
    assert_failed(&page, "photo-rejected", false).await;
    let log = tokens_stayed_home(&emulator).await;
    let refused: Vec<_> = log
        .iter()
        .filter(|e| e.method == "POST" && e.path_and_query.contains(WRITE))
        .collect();
    assert_eq!(refused.len(), 1, "a refused photo is not sent again");
    assert_eq!(refused[0].status, 400);
    assert_eq!(refused[0].injected, None, "SharePoint's own refusal");
    assert_eq!(files(&emulator).await, before, "nothing written");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_401_on_the_write_renews_the_token_and_writes_once() {
    let (emulator, browser) = stage([FaultRule {
        times: Some(1),
        ..fault("contoso-my", WRITE, 401)
    }])
    .await;
    let control = emulator.control();
    let page = AppPage::new(&browser, &emulator);
    page.signed_in_and_compared(&upn("adele")).await;
    control.clear_log().await.unwrap();
    page.sync_until(&["done"]).await;
    assert_sharepoint_holds_the_exchange_photo(&emulator, "adele").await;
    refused_once_then_written_after_a_silent_renewal(&emulator).await;
}

/// The log since it was cleared shows the photo's write refused once (401), a new token
/// redeemed silently, the write sent again and taken, and no new sign-in.
async fn refused_once_then_written_after_a_silent_renewal(emulator: &Emulator) {
    let log = tokens_stayed_home(emulator).await;
    let statuses: Vec<u16> = log
        .iter()
        .filter(|e| e.method == "POST" && e.path_and_query.contains(WRITE))
        .map(|e| e.status)
        .collect();
    assert_eq!(statuses, vec![401, 200], "refused once, then written once");
    assert!(
        log.iter()
            .any(|e| e.grant_type.as_deref() == Some("refresh_token")),
        "a new token was redeemed silently"
    );
    assert!(
        log.iter().all(|e| !e.path_and_query.contains("/authorize")),
        "renewed silently, not signed in again"
    );
}

/// A click while the photos are read, whose write is then refused once (401): the token is
/// renewed silently, and the run again reads, compares and writes, once: the click is not lost
/// to the renewal.
#[tokio::test(flavor = "multi_thread")]
async fn a_click_while_reading_survives_a_401_on_its_write() {
    let (emulator, browser) = stage([
        held("contoso-my", PROPERTIES, 2_000),
        FaultRule {
            times: Some(1),
            ..fault("contoso-my", WRITE, 401)
        },
    ])
    .await;
    let page = AppPage::new(&browser, &emulator);
    signed_in(&page, "adele").await;
    emulator.control().clear_log().await.unwrap();
    page.wait_for_phase(&["reading"]).await;
    page.click("sync-button").await;
    page.wait_for_phase(&["done"]).await;
    assert_sharepoint_holds_the_exchange_photo(&emulator, "adele").await;
    refused_once_then_written_after_a_silent_renewal(&emulator).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_401_after_the_write_says_the_photo_may_be_written() {
    let (emulator, browser) = stage([]).await;
    let control = emulator.control();
    let page = AppPage::new(&browser, &emulator);
    page.signed_in_and_compared(&upn("adele")).await;
    // From now on SharePoint's reads refuse every token: the read-back after the write fails.
    control
        .set_fault(FaultRule {
            method: Some("GET".into()),
            ..fault("contoso-my", PROPERTIES, 401)
        })
        .await
        .unwrap();
    page.click("sync-button").await;
    assert_failed(&page, "sign-in-needed", true).await;
    let log = tokens_stayed_home(&emulator).await;
    assert_eq!(writes(&log), 1);
    // It was written, and it is the right photo.
    assert_sharepoint_holds_the_exchange_photo(&emulator, "adele").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connection_dropped_on_every_write_never_claims_nothing_changed() {
    let (emulator, browser) = stage([FaultRule {
        kind: FaultKind::DropConnection,
        ..fault("contoso-my", WRITE, 0)
    }])
    .await;
    let before = files(&emulator).await;
    let page = AppPage::new(&browser, &emulator);
    page.signed_in_and_compared(&upn("adele")).await;
    page.click("sync-button").await;
    // No answer ever came: the page cannot know whether SharePoint took the photo.
    assert_failed(&page, "network", true).await;
    let said = page.text_of("sync-error").await;
    assert!(
        said.contains("no answer came back") && !said.contains("check afterwards"),
        "says the answer was lost, not that a check failed: {said}"
    );
    let log = tokens_stayed_home(&emulator).await;
    // Five attempts by the page's policy; Chromium itself sends a request again when a reused
    // connection closes before any answer, on another one it holds to the host (the sign-in
    // return reads the profile and the thumbnail side by side, so it holds two), so up to three
    // arrivals per attempt may reach the server.
    let attempts = writes(&log);
    assert!((2..=15).contains(&attempts), "bounded retries: {attempts}");
    assert!(log
        .iter()
        .filter(|e| e.path_and_query.contains(WRITE) && e.method == "POST")
        .all(|e| e.injected.as_deref() == Some("dropped")));
    assert_eq!(files(&emulator).await, before, "the emulator wrote nothing");
}

#[tokio::test(flavor = "multi_thread")]
async fn sharepoint_unreachable_on_read_says_nothing_changed() {
    // Every read of the profile loses its connection: the page never got as far as writing,
    // so here (unlike a lost write) it knows nothing changed.
    let (emulator, browser) = stage([FaultRule {
        kind: FaultKind::DropConnection,
        ..fault("contoso-my", PROPERTIES, 0)
    }])
    .await;
    let before = files(&emulator).await;
    let page = AppPage::new(&browser, &emulator);
    signed_in(&page, "adele").await;
    assert_failed(&page, "network", false).await;
    assert!(page
        .text_of("sync-error-message")
        .await
        .contains(&emulator.origin("contoso-my")));
    let log = tokens_stayed_home(&emulator).await;
    assert!(requests(&log, PROPERTIES) >= 2, "retried before giving up");
    assert_eq!(writes(&log), 0);
    assert_eq!(files(&emulator).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_connection_dropped_once_during_the_write_is_sent_again_and_verified() {
    let (emulator, browser) = stage([FaultRule {
        kind: FaultKind::DropConnection,
        times: Some(1),
        ..fault("contoso-my", WRITE, 0)
    }])
    .await;
    let page = AppPage::new(&browser, &emulator);
    page.signed_in_and_compared(&upn("adele")).await;
    page.sync_until(&["done"]).await;
    assert_sharepoint_holds_the_exchange_photo(&emulator, "adele").await;
    let log = tokens_stayed_home(&emulator).await;
    assert_eq!(writes(&log), 2, "one lost, one answered");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_double_click_on_sync_writes_exactly_once() {
    let (emulator, browser) = stage([]).await;
    let page = AppPage::new(&browser, &emulator);
    page.signed_in_and_compared(&upn("adele")).await;
    // Two clicks in one go, before the page can re-render anything.
    page.eval(
        "const b = document.querySelector('[data-testid=\"sync-button\"]');\
         b.click(); b.click(); return 1",
    )
    .await;
    page.wait_for_phase(&["done"]).await;
    // Let a second run, if one started, reach SharePoint.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(page.wait_for_phase(&["done"]).await, "done");
    let log = tokens_stayed_home(&emulator).await;
    assert_eq!(writes(&log), 1, "exactly one write");
    assert_sharepoint_holds_the_exchange_photo(&emulator, "adele").await;
}

// ---------------------------------------------------------------------------------------------
// The token endpoint

/// The token endpoint refuses the code redemption once with `status`: the page says sign-in
/// failed and offers it again, and the next sign-in works.
async fn the_token_endpoint_failing_at_sign_in(status: u16) {
    let (emulator, browser) = stage([FaultRule {
        times: Some(1),
        retry_after_secs: Some(1),
        method: Some("POST".into()),
        ..fault("login", TOKEN, status)
    }])
    .await;
    let page = AppPage::new(&browser, &emulator);
    page.open("").await;
    page.click("sign-in").await;
    page.sign_in_on_identity_page(&upn("adele")).await;
    let kind = page
        .attribute_of("auth-error", "data-error-kind")
        .await
        .unwrap_or_default();
    assert!(
        ["other", "network"].contains(&kind.as_str()),
        "a sign-in failure the user can retry: {kind}"
    );
    assert!(!page.text_of("auth-error-message").await.is_empty());
    assert!(!page.has("signed-in-user").await);
    let address = page.client.current_url().await.unwrap().to_string();
    assert!(
        !address.contains("code="),
        "the code left the address: {address}"
    );
    assert!(
        page.storage_keys()
            .await
            .iter()
            .all(|k| !k.starts_with("s:pps.auth.at|")),
        "no token kept"
    );

    page.sign_in(&upn("adele")).await;
    page.wait_for_phase(&["compared"]).await;
    let log = tokens_stayed_home(&emulator).await;
    assert_eq!(writes(&log), 0);
    let redemptions: Vec<_> = log
        .iter()
        .filter(|e| e.grant_type.as_deref() == Some("authorization_code"))
        .map(|e| e.status)
        .collect();
    assert_eq!(redemptions, vec![status, 200]);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_token_endpoint_answering_429_at_sign_in_is_retried_by_signing_in_again() {
    the_token_endpoint_failing_at_sign_in(429).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_token_endpoint_answering_503_at_sign_in_is_retried_by_signing_in_again() {
    the_token_endpoint_failing_at_sign_in(503).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_token_endpoint_failing_the_sharepoint_token_writes_nothing() {
    // The sign-in's own redemption works; every refresh (SharePoint's token) answers 500.
    let (emulator, browser) = stage([FaultRule {
        skip: 1,
        method: Some("POST".into()),
        ..fault("login", TOKEN, 500)
    }])
    .await;
    let before = files(&emulator).await;
    let page = AppPage::new(&browser, &emulator);
    signed_in(&page, "adele").await;
    page.wait_for_phase(&["failed"]).await;
    assert_eq!(
        page.attribute_of("sync-error", "data-wrote-anything")
            .await
            .as_deref(),
        Some("false")
    );
    assert!(!page.text_of("sync-error-fix").await.is_empty());
    let log = tokens_stayed_home(&emulator).await;
    assert_eq!(writes(&log), 0);
    assert!(
        log.iter().all(|e| !e.path_and_query.contains(PROPERTIES)),
        "SharePoint was never called without a token of its own"
    );
    assert_eq!(files(&emulator).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_discovery_document_unavailable_at_sign_in_is_explained_and_a_retry_works() {
    let (emulator, browser) =
        stage([fault("login", "/.well-known/openid-configuration", 503)]).await;
    let control = emulator.control();
    let page = AppPage::new(&browser, &emulator);
    page.open("").await;
    page.click("sign-in").await;
    page.wait_for("auth-error").await;
    assert!(!page.text_of("auth-error-message").await.is_empty());
    page.wait_for("sign-in").await;
    let log = tokens_stayed_home(&emulator).await;
    assert!(
        log.iter().all(|e| !e.path_and_query.contains("/authorize")),
        "the page did not leave for a sign-in it cannot finish"
    );

    control.clear_faults().await.unwrap();
    page.sign_in(&upn("adele")).await;
    page.wait_for_phase(&["compared"]).await;
    tokens_stayed_home(&emulator).await;
}

// ---------------------------------------------------------------------------------------------
// config.json

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_config_json_says_to_copy_it() {
    let emulator = emulator().await;
    emulator.control().set_app_config_missing().await.unwrap();
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    // The page itself, and a help-article link (whose first module asks for config.json and
    // hands the answer to the app).
    for address in ["", "?autostart=1"] {
        page.open(address).await;
        assert_eq!(
            page.attribute_of("config-error", "data-error-kind")
                .await
                .as_deref(),
            Some("missing"),
            "at {address:?}"
        );
        let message = page.text_of("config-error-message").await;
        assert!(
            message.contains("config.json was not found") && message.contains("index.html"),
            "{message}"
        );
        assert!(!page.has("landing").await && !page.has("sign-in").await);
    }
    page.assert_accessible("config missing").await;
    let log = tokens_stayed_home(&emulator).await;
    assert!(
        log.iter().all(|e| e.host == "app.localhost"),
        "nothing else was called"
    );
}

/// A help-article link's `config.json` is asked by the first module and read by the app: its
/// body, too, is waited for at most 15 s, as the app's own request would be.
#[tokio::test(flavor = "multi_thread")]
async fn a_config_json_whose_body_stalls_on_a_help_article_link_is_given_up_on() {
    let emulator = emulator().await;
    emulator
        .control()
        .set_fault(slow_body("app", "config.json", 40_000))
        .await
        .unwrap();
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    let started = Instant::now();
    page.open("?autostart=1").await;
    crate::support::eventually(|| async {
        match page.attribute_of("config-error", "data-error-kind").await {
            Some(kind) => Ok(kind),
            None => Err(()),
        }
    })
    .await
    .ok();
    let waited = started.elapsed();
    assert_eq!(
        page.attribute_of("config-error", "data-error-kind")
            .await
            .as_deref(),
        Some("unreachable"),
        "after {waited:?}: {}",
        page.body_text().await
    );
    assert!(
        waited > Duration::from_secs(14) && waited < Duration::from_secs(30),
        "given up on after 15 s, not when the body ended: {waited:?}"
    );
    let message = page.text_of("config-error-message").await;
    assert!(
        message.contains("timeout") && message.contains("(15 s)"),
        "{message}"
    );
    assert!(!page.has("sign-in").await);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_empty_config_json_says_it_is_empty() {
    let emulator = emulator().await;
    emulator
        .control()
        .set_app_config(Some(String::new()))
        .await
        .unwrap();
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    page.open("").await;
    page.wait_for("config-error").await;
    let message = page.text_of("config-error-message").await;
    assert!(message.contains("config.json is empty"), "{message}");
    assert!(!page.has("landing").await && !page.has("sign-in").await);
    let log = tokens_stayed_home(&emulator).await;
    assert!(
        log.iter().all(|e| e.host == "app.localhost"),
        "nothing else was called"
    );
}

// ---------------------------------------------------------------------------------------------
// Sign-in windows, silent sign-in, the clock and storage

#[tokio::test(flavor = "multi_thread")]
async fn a_sign_in_popup_that_never_answers_is_given_up() {
    let (emulator, browser) = stage([]).await;
    let page = AppPage::new(&browser, &emulator);
    page.open("").await;
    page.click_sign_in_by_popup().await;
    // The window sits on the sign-in page; nobody picks an account.
    let first = page.switch_to_new_window().await;
    page.wait_for(&format!("account-{}", upn("adele"))).await;
    page.client.switch_to_window(first.clone()).await.unwrap();
    // A quarter of an hour later (by the page's clock) the page stops waiting.
    shift_clock(&page, 16 * 60 * 1000).await;
    page.wait_for_single_window(first).await;
    let message = assert_sign_in_problem(&page, "popup-timed-out").await;
    assert!(message.contains("sign in again"), "{message}");
    let log = tokens_stayed_home(&emulator).await;
    assert!(
        log.iter().all(|e| e.grant_type.is_none()),
        "no code redeemed"
    );
    assert!(
        page.storage_keys()
            .await
            .iter()
            .all(|k| !k.starts_with("s:pps.auth.request|")),
        "the abandoned request is forgotten: {:?}",
        page.storage_keys().await
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sign_in_popup_closed_by_the_user_says_so_and_the_next_works() {
    let (emulator, browser) = stage([]).await;
    let page = AppPage::new(&browser, &emulator);
    page.open("").await;
    page.click_sign_in_by_popup().await;
    let first = page.switch_to_new_window().await;
    page.wait_for(&format!("account-{}", upn("adele"))).await;
    page.client.close_window().await.unwrap();
    page.client.switch_to_window(first).await.unwrap();
    let message = assert_sign_in_problem(&page, "popup-closed").await;
    assert!(message.contains("nothing was changed"), "{message}");

    signed_in_by_popup(&page, "adele").await;
    page.wait_for_phase(&["compared"]).await;
    let log = tokens_stayed_home(&emulator).await;
    assert_eq!(
        log.iter()
            .filter(|e| e.grant_type.as_deref() == Some("authorization_code"))
            .count(),
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_silent_sign_in_link_without_a_session_asks_to_sign_in() {
    let (emulator, browser) = stage([]).await;
    let page = AppPage::new(&browser, &emulator);
    page.open(&format!(
        "?login_hint={}&prompt=none&autostart=1",
        upn("adele")
    ))
    .await;
    // The identity platform answers `login_required` at once: no session in this browser.
    assert_sign_in_problem(&page, "interaction-required").await;
    let log = emulator.control().log().await.unwrap();
    let authorize = log
        .iter()
        .filter(|e| e.path_and_query.contains("/authorize"))
        .count();
    assert_eq!(
        authorize, 1,
        "the failed silent sign-in is not repeated by itself"
    );

    // The offered button signs in with the account picker, then syncs.
    page.click("sign-in").await;
    page.sign_in_on_identity_page(&upn("adele")).await;
    page.wait_for("signed-in-user").await;
    assert_eq!(page.text_of("signed-in-upn").await, upn("adele"));
    tokens_stayed_home(&emulator).await;
}

/// With the page's clock `seconds` off, the popup sign-in, the reads and the write work.
async fn a_clock_off_still_syncs(seconds: i64) {
    let (emulator, browser) = stage([]).await;
    let page = AppPage::new(&browser, &emulator);
    page.open("").await;
    page.offer_popup_sign_in().await;
    shift_clock(&page, seconds * 1000).await;
    signed_in_by_popup(&page, "adele").await;
    page.wait_for_phase(&["compared"]).await;
    page.sync_until(&["done"]).await;
    assert_sharepoint_holds_the_exchange_photo(&emulator, "adele").await;
    let log = tokens_stayed_home(&emulator).await;
    assert_eq!(writes(&log), 1);
}

// The id token's `iat` may be 10 minutes from the device's clock (`MAX_CLOCK_SKEW_SECS`),
// counted in whole seconds: a clock exactly 10 minutes fast sits on that edge and passes or
// fails by the second the token is checked in, so the fast clock is 9 min 50 s fast.

#[tokio::test(flavor = "multi_thread")]
async fn a_clock_ten_minutes_slow_still_syncs() {
    a_clock_off_still_syncs(-10 * 60).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_clock_ten_minutes_fast_still_syncs() {
    a_clock_off_still_syncs(10 * 60 - 10).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_clock_an_hour_off_is_named_and_nothing_is_written() {
    let (emulator, browser) = stage([]).await;
    let before = files(&emulator).await;
    let page = AppPage::new(&browser, &emulator);
    page.open("").await;
    page.offer_popup_sign_in().await;
    shift_clock(&page, 60 * 60 * 1000).await;
    page.click_sign_in_by_popup().await;
    let first = page.switch_to_new_window().await;
    page.sign_in_on_identity_page(&upn("adele")).await;
    page.wait_for_single_window(first).await;
    let message = assert_sign_in_problem(&page, "clock-skew").await;
    assert!(
        message.contains("60 minutes") && message.contains("date and time"),
        "{message}"
    );
    assert!(
        page.storage_keys()
            .await
            .iter()
            .all(|k| !k.starts_with("s:pps.auth.at|")),
        "no token kept"
    );
    let log = tokens_stayed_home(&emulator).await;
    assert_eq!(writes(&log), 0);
    assert_eq!(files(&emulator).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn session_storage_that_throws_still_signs_in_and_syncs() {
    let (emulator, browser) = stage([]).await;
    let page = AppPage::new(&browser, &emulator);
    // As with storage blocked by policy: every touch of sessionStorage throws.
    before_every_page(
        &page,
        "Object.defineProperty(window, 'sessionStorage', { configurable: true,\
           get() { throw new DOMException('The operation is insecure.', 'SecurityError'); } });",
    )
    .await;
    page.open("").await;
    let threw = page
        .eval("try { sessionStorage.length; return false; } catch (e) { return e.name; }")
        .await;
    assert_eq!(threw, json!("SecurityError"));
    page.wait_for("sign-in").await;
    signed_in_by_popup(&page, "adele").await;
    page.wait_for_phase(&["compared"]).await;
    page.sync_until(&["done"]).await;
    assert_sharepoint_holds_the_exchange_photo(&emulator, "adele").await;
    let log = tokens_stayed_home(&emulator).await;
    assert_eq!(writes(&log), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn session_storage_that_is_full_fails_closed_and_offers_sign_in() {
    let (emulator, browser) = stage([]).await;
    let before = files(&emulator).await;
    let page = AppPage::new(&browser, &emulator);
    // Every write to storage fails with the quota error; reads work.
    before_every_page(
        &page,
        "Storage.prototype.setItem = function () {\
           throw new DOMException('The quota has been exceeded.', 'QuotaExceededError'); };",
    )
    .await;
    page.open("").await;
    page.wait_for("sign-in").await;
    assert_eq!(
        page.attribute_of("sign-in", "data-interaction")
            .await
            .as_deref(),
        Some("popup"),
        "a redirect could not come back to a request it cannot keep: the one button is the popup"
    );
    page.click("sign-in").await;
    // The sign-in request cannot be kept, so its answer would match nothing: the page says so
    // at once (the popup it opened closes) instead of sending the user through the identity
    // platform for nothing. No code is redeemed, nobody is signed in, sign-in is offered again.
    page.wait_for("auth-error").await;
    assert_eq!(
        page.attribute_of("auth-error", "data-error-kind")
            .await
            .as_deref(),
        Some("storage-full")
    );
    assert!(!page.text_of("auth-error-message").await.is_empty());
    page.until("the popup did not close", || async {
        match page.client.windows().await.map(|w| w.len()) {
            Ok(1) => Ok(()),
            Ok(n) => Err(format!("{n} windows")),
            Err(e) => Err(e.to_string()),
        }
    })
    .await;
    page.wait_for("sign-in").await;
    assert!(!page.has("signed-in-user").await);
    let log = tokens_stayed_home(&emulator).await;
    assert!(
        log.iter().all(|e| e.grant_type.is_none()),
        "no code was redeemed"
    );
    assert!(log.iter().all(|e| !e.has_authorization));
    assert_eq!(writes(&log), 0);
    assert_eq!(files(&emulator).await, before);
    let kept = page.eval("return sessionStorage.length").await;
    assert_eq!(kept, json!(0), "nothing could be kept, and nothing was");
}

// ---------------------------------------------------------------------------------------------
// Photos SharePoint does not take

/// The start of a HEIF file: an `ftyp` box with `brand` and its compatible brands, then the
/// start of the `meta` box, as iPhones and AV1 encoders write them.
fn heif_header(brand: &[u8; 4], compatible: &[&[u8; 4]]) -> Vec<u8> {
    let size = 16 + 4 * compatible.len();
    let mut bytes = (size as u32).to_be_bytes().to_vec();
    bytes.extend_from_slice(b"ftyp");
    bytes.extend_from_slice(brand);
    bytes.extend_from_slice(&[0, 0, 0, 0]);
    for c in compatible {
        bytes.extend_from_slice(*c);
    }
    bytes.extend_from_slice(&[0, 0, 0, 0x21, b'm', b'e', b't', b'a', 0, 0, 0, 0]);
    bytes.extend_from_slice(&[0, 0, 0, 0x21, b'h', b'd', b'l', b'r', 0, 0, 0, 0]);
    bytes.extend_from_slice(&[0, 0, 0, 0, b'p', b'i', b'c', b't']);
    bytes.resize(bytes.len() + 64, 0);
    bytes
}

async fn a_photo_sharepoint_does_not_take(bytes: Vec<u8>, content_type: &str, format: &str) {
    let emulator = emulator().await;
    emulator
        .control()
        .set_exchange_photo_raw(&upn("adele"), bytes, content_type)
        .await
        .unwrap();
    let before = files(&emulator).await;
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    signed_in(&page, "adele").await;
    assert_failed(&page, "unsupported-format", false).await;
    let message = page.text_of("sync-error-message").await;
    assert!(
        message.contains(&format!("a {format} image")),
        "names the format: {message}"
    );
    let log = tokens_stayed_home(&emulator).await;
    assert_eq!(writes(&log), 0);
    assert_eq!(files(&emulator).await, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_heic_photo_from_exchange_is_named_and_not_written() {
    a_photo_sharepoint_does_not_take(
        heif_header(b"heic", &[b"mif1", b"heic"]),
        "image/heic",
        "HEIC",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_avif_photo_from_exchange_is_named_and_not_written() {
    a_photo_sharepoint_does_not_take(
        heif_header(b"avif", &[b"avif", b"mif1", b"miaf", b"MA1B"]),
        "image/avif",
        "AVIF",
    )
    .await;
}

// ---------------------------------------------------------------------------------------------
// Redirects, malformed answers, lost answers, tampered id tokens, hostile addresses

/// No request of any kind went to `evil.localhost`.
fn assert_nothing_went_to_evil(log: &[LogEntry]) {
    let to_evil: Vec<_> = log
        .iter()
        .filter(|e| e.host == "evil.localhost")
        .map(|e| format!("{} {}", e.method, e.path_and_query))
        .collect();
    assert!(
        to_evil.is_empty(),
        "requests went to evil.localhost: {to_evil:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sharepoint_redirecting_to_another_origin_gets_no_token_and_writes_nothing() {
    let emulator = emulator().await;
    let control = emulator.control();
    control
        .set_fault(FaultRule {
            kind: FaultKind::Redirect {
                location: format!("{}/steal?from=sharepoint", emulator.origin("evil")),
            },
            method: Some("GET".into()),
            ..fault("contoso-my", PROPERTIES, 302)
        })
        .await
        .unwrap();
    let browser = Browser::launch(BrowserOptions::default()).await;
    let before = files(&emulator).await;
    let page = AppPage::new(&browser, &emulator);
    signed_in(&page, "adele").await;
    // The page never follows a redirect with a token: the read fails like an unreachable host.
    assert_failed(&page, "network", false).await;
    let log = tokens_stayed_home(&emulator).await;
    assert_nothing_went_to_evil(&log);
    assert!(
        log.iter()
            .any(|e| e.path_and_query.contains(PROPERTIES) && e.status == 302),
        "SharePoint did redirect"
    );
    assert_eq!(writes(&log), 0);
    assert_eq!(files(&emulator).await, before, "nothing written");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_token_endpoint_answering_malformed_json_at_sign_in_keeps_no_token() {
    let (emulator, browser) = stage([FaultRule {
        kind: FaultKind::Body {
            content_type: "application/json".into(),
            body: "{\"access_".into(),
        },
        times: Some(1),
        method: Some("POST".into()),
        ..fault("login", TOKEN, 200)
    }])
    .await;
    let control = emulator.control();
    let page = AppPage::new(&browser, &emulator);
    page.open("").await;
    page.click("sign-in").await;
    page.sign_in_on_identity_page(&upn("adele")).await;
    let kind = page
        .attribute_of("auth-error", "data-error-kind")
        .await
        .unwrap_or_default();
    assert!(
        ["other", "network"].contains(&kind.as_str()),
        "a sign-in failure the user can retry: {kind}: {}",
        page.body_text().await
    );
    assert!(!page.text_of("auth-error-message").await.is_empty());
    assert!(!page.has("signed-in-user").await);
    assert!(
        page.storage_keys()
            .await
            .iter()
            .all(|k| !k.starts_with("s:pps.auth.at|")),
        "no token kept"
    );
    let log = control.log().await.unwrap();
    assert!(
        log.iter().all(|e| !e.has_authorization),
        "no token was used"
    );

    page.sign_in(&upn("adele")).await;
    page.wait_for_phase(&["compared"]).await;
    let log = tokens_stayed_home(&emulator).await;
    assert_eq!(writes(&log), 0);
    let redemptions = log
        .iter()
        .filter(|e| e.grant_type.as_deref() == Some("authorization_code"))
        .count();
    assert_eq!(redemptions, 2, "the malformed answer, then a good one");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_write_answer_lost_after_sharepoint_stored_it_never_claims_nothing_changed() {
    let (emulator, browser) = stage([FaultRule {
        kind: FaultKind::DropAfterHandling,
        method: Some("POST".into()),
        ..fault("contoso-my", WRITE, 0)
    }])
    .await;
    let page = AppPage::new(&browser, &emulator);
    page.signed_in_and_compared(&upn("adele")).await;
    page.click("sync-button").await;
    let phase = page.wait_for_phase(&["done", "failed"]).await;
    if phase == "failed" {
        // It could not confirm: it must say the photo may have been saved.
        let reason = page
            .attribute_of("sync-error", "data-reason")
            .await
            .unwrap_or_default();
        assert_failed(&page, &reason, true).await;
    }
    let log = tokens_stayed_home(&emulator).await;
    let attempts = writes(&log);
    assert!((1..=10).contains(&attempts), "bounded: {attempts}");
    assert!(log
        .iter()
        .filter(|e| e.path_and_query.contains(WRITE) && e.method == "POST")
        .all(|e| e.injected.as_deref() == Some("dropped")));
    // SharePoint took it, and it is exactly the right photo.
    assert_sharepoint_holds_the_exchange_photo(&emulator, "adele").await;
}

/// The identity platform answers the code redemption with an id token that is validly signed
/// but wrong in one claim: the page refuses the sign-in, keeps no token and calls nothing
/// with one; the next sign-in (a right id token) works.
async fn a_tampered_id_token_is_refused(tamper: IdTokenTamper, kind: &str, says: &str) {
    let emulator = emulator().await;
    let control = emulator.control();
    control.tamper_next_id_token(tamper).await.unwrap();
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    page.open("").await;
    page.click("sign-in").await;
    page.sign_in_on_identity_page(&upn("adele")).await;
    page.wait_for("auth-error").await;
    let message = assert_sign_in_problem(&page, kind).await;
    // What failed is in the message (the nonce) or in the labelled details (the claim).
    let details = if page.has("auth-error-details").await {
        page.text_of("auth-error-details").await
    } else {
        String::new()
    };
    assert!(
        message.contains(says) || details.contains(says),
        "{message} / {details}"
    );
    assert!(
        page.storage_keys()
            .await
            .iter()
            .all(|k| !k.starts_with("s:pps.auth.at|")),
        "no token kept"
    );
    let log = control.log().await.unwrap();
    assert!(
        log.iter().all(|e| !e.has_authorization),
        "no token was used"
    );
    assert!(log.iter().all(|e| e.host != "graph.localhost"));

    page.sign_in(&upn("adele")).await;
    page.wait_for_phase(&["compared"]).await;
    let log = tokens_stayed_home(&emulator).await;
    assert_eq!(writes(&log), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_id_token_with_another_nonce_is_refused() {
    a_tampered_id_token_is_refused(IdTokenTamper::Nonce, "nonce-mismatch", "nonce").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_id_token_for_another_app_is_refused() {
    a_tampered_id_token_is_refused(IdTokenTamper::Aud, "id-token", "invalid_id_token: aud ").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_id_token_from_another_tenant_is_refused() {
    a_tampered_id_token_is_refused(IdTokenTamper::Iss, "id-token", "invalid_id_token: iss ").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_my_site_on_a_foreign_host_gets_no_token_and_writes_nothing() {
    let emulator = emulator().await;
    let control = emulator.control();
    let before = files(&emulator).await;
    // Without mySiteHost in config.json, the page takes the host from Graph's mySite.
    let mut config = generated_config(&emulator).await;
    config.as_object_mut().unwrap().remove("mySiteHost");
    control
        .set_app_config(Some(config.to_string()))
        .await
        .unwrap();
    // A My Site look-alike: not `{tenant}-my.sharepoint.com` (a dot in the tenant label).
    let hostile = "https://evil.example-my.sharepoint.com/personal/adele/";
    control
        .set_user_field(&upn("adele"), "mySite", hostile)
        .await
        .unwrap();
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    signed_in(&page, "adele").await;
    assert_failed(&page, "untrusted-my-site", false).await;
    assert!(page.text_of("sync-error-message").await.contains(hostile));
    let log = tokens_stayed_home(&emulator).await;
    assert!(
        log.iter().all(|e| e.host != "contoso-my.localhost"),
        "SharePoint was not even asked"
    );
    assert_eq!(files(&emulator).await, before, "nothing written");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_picture_url_on_a_foreign_host_gets_no_token_and_the_sync_still_works() {
    let emulator = emulator().await;
    let control = emulator.control();
    control
        .set_profile_property(
            &upn("adele"),
            "PictureURL",
            &format!(
                "{}/User Photos/Profile Pictures/adele_MThumb.jpg",
                emulator.origin("evil")
            ),
        )
        .await
        .unwrap();
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    page.signed_in_and_compared(&upn("adele")).await;
    assert_nothing_went_to_evil(&control.log().await.unwrap());
    page.sync_until(&["done"]).await;
    let log = tokens_stayed_home(&emulator).await;
    assert_nothing_went_to_evil(&log);
    assert_eq!(writes(&log), 1);
    assert_sharepoint_holds_the_exchange_photo(&emulator, "adele").await;
}

/// Counts the page's own `fetch` calls that write the photo (`window.__writesSent`), whatever
/// the browser then does with each.
const COUNT_WRITES_SENT: &str = r#"(() => {
    const fetch = window.fetch.bind(window);
    window.fetch = (input, init) => {
        const method = (init && init.method) || (input instanceof Request ? input.method : "GET");
        const url = input instanceof Request ? input.url : String(input);
        if (method === "POST" && url.includes("SetMyProfilePicture")) {
            window.__writesSent = (window.__writesSent || 0) + 1;
        }
        return fetch(input, init);
    };
})();"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_write_whose_answer_is_lost_is_read_back_and_done_without_sending_it_again() {
    let emulator = emulator().await;
    let control = emulator.control();
    // SharePoint stores every photo it is sent, and every answer is lost on the way back.
    control
        .set_fault(FaultRule {
            kind: FaultKind::DropAfterHandling,
            method: Some("POST".into()),
            ..fault("contoso-my", WRITE, 0)
        })
        .await
        .unwrap();
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    before_every_page(&page, COUNT_WRITES_SENT).await;
    signed_in(&page, "adele").await;
    page.wait_for_phase(&["compared"]).await;
    page.click("sync-button").await;
    let phase = page.wait_for_phase(&["done", "failed"]).await;
    assert_eq!(
        phase,
        "done",
        "the profile read back shows the photo: {}",
        page.body_text().await
    );
    let mut log = tokens_stayed_home(&emulator).await;
    log.sort_by_key(|e| (e.started_ms, e.seq));
    // The page sent it once: its own `fetch` calls are counted.
    let sent = page.eval("return window.__writesSent || 0").await.as_u64();
    assert_eq!(sent, Some(1), "not sent again blindly");
    // Chromium itself sends a request again when a connection it kept closes before any
    // answer, on the next one it kept to that host, and so on until one it opened for the
    // request (net/http/http_network_transaction.cc, `ShouldResendRequest`: "we'll run out of
    // the cached keep-alive connections eventually"), so more may reach the server, each on
    // its own connection, all before the page reads the profile back, and none after it.
    let attempts: Vec<(u64, u32)> = log
        .iter()
        .filter(|e| e.method == "POST" && e.path_and_query.contains(WRITE))
        .map(|e| (e.connection, e.nth_on_connection))
        .collect();
    let mut connections: Vec<u64> = attempts.iter().map(|(c, _)| *c).collect();
    connections.sort_unstable();
    connections.dedup();
    assert_eq!(
        connections.len(),
        attempts.len(),
        "one attempt per connection (connection, request on it): {attempts:?}"
    );
    let is_write = |e: &LogEntry| e.method == "POST" && e.path_and_query.contains(WRITE);
    let first_write = log.iter().position(is_write).unwrap();
    let read_back = log[first_write..]
        .iter()
        .position(|e| e.method == "GET" && e.path_and_query.contains(PROPERTIES))
        .map(|i| first_write + i)
        .expect("the profile was read back after the write");
    assert!(
        !log[read_back..].iter().any(is_write),
        "nothing was written after the read-back showed the photo"
    );
    assert_sharepoint_holds_the_exchange_photo(&emulator, "adele").await;
}
