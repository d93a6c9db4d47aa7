//! The security defects of issue 11, end to end: each test is named for the defect it keeps
//! closed, and drives the release build in headless Chromium against the emulator.

use std::time::{Duration, Instant};

use crate::support::{
    assert_tokens_only_to_allowed_hosts, emulator, generated_config, AppPage, Browser,
    BrowserOptions, PATIENCE,
};

const ADELE: &str = "adele@contoso.onmicrosoft.com";
const MEGAN: &str = "megan@contoso.onmicrosoft.com";

/// Requests that wrote something to SharePoint (the photo, or SharePoint's own pull).
fn sharepoint_writes(log: &[emulator::LogEntry]) -> usize {
    log.iter()
        .filter(|e| e.host.ends_with("-my.localhost") && e.method == "POST")
        .count()
}

/// Waits until the address bar satisfies `ok`, and returns it.
async fn wait_for_address(page: &AppPage<'_>, ok: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let address = page
            .client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default();
        if ok(&address) {
            return address;
        }
        assert!(Instant::now() < deadline, "the address stayed {address}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn open_redirect_double_slash_path_stays_on_origin() {
    let emulator = emulator().await;
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    let app = emulator.origin("app");
    // `//evil#/setup`: the browser's pathname is `//evil`, which a relative target turns into
    // the host `evil`.
    page.client
        .goto(&format!("{app}//evil#/setup"))
        .await
        .unwrap();
    let address = wait_for_address(&page, |a| a.contains("tools.html")).await;
    // The page reads `//evil` as its folder `/evil` on its own origin.
    assert_eq!(address, format!("{app}/evil/tools.html#/setup"));
}

#[tokio::test(flavor = "multi_thread")]
async fn memory_cache_redirect_sign_in_completes() {
    let emulator = emulator().await;
    let mut config = generated_config(&emulator).await;
    config["cacheLocation"] = serde_json::json!("memory");
    emulator
        .control()
        .set_app_config(Some(config.to_string()))
        .await
        .unwrap();
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    page.open("").await;
    page.sign_in(ADELE).await;
    assert_eq!(page.text_of("signed-in-user").await, "Adele Vance");
    // Tokens live in memory only: sessionStorage holds no token, account or request left over.
    let keys = page.storage_keys().await;
    assert!(
        keys.iter().all(|k| !k.contains("pps.auth.")),
        "left in storage: {keys:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn same_origin_opener_window_completes_a_redirect_sign_in() {
    let emulator = emulator().await;
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    page.open("").await;
    page.wait_for("sign-in").await;
    // A page of the same origin opens the sync page in a window of its own (it has an opener).
    let app = emulator.app_url();
    page.eval(&format!(
        "window.open('{app}', 'intranet-opened'); return 1"
    ))
    .await;
    let first = page.switch_to_new_window().await;
    page.sign_in(ADELE).await;
    let address = page.client.current_url().await.unwrap().to_string();
    assert!(!address.contains("code="), "the code stayed: {address}");
    page.client.close_window().await.unwrap();
    page.client.switch_to_window(first).await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn concurrent_refresh_after_expiry_redeems_one_grant_per_resource() {
    let emulator = emulator().await;
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    page.signed_in_and_compared(ADELE).await;
    let control = emulator.control();
    control.expire_tokens().await.unwrap();
    control.clear_log().await.unwrap();
    // The comparison again: every request is refused, then all ask for new tokens at once.
    page.client.refresh().await.unwrap();
    page.wait_for_phase(&["compared"]).await;
    let log = control.log().await.unwrap();
    let refreshes: Vec<&emulator::LogEntry> = log
        .iter()
        .filter(|e| e.grant_type.as_deref() == Some("refresh_token"))
        .collect();
    let for_graph = refreshes
        .iter()
        .filter(|e| {
            e.scope
                .as_deref()
                .unwrap_or_default()
                .split_whitespace()
                .any(|s| s == "User.Read")
        })
        .count();
    let for_sharepoint = refreshes
        .iter()
        .filter(|e| {
            e.scope
                .as_deref()
                .unwrap_or_default()
                .contains("User.ReadWrite.All")
        })
        .count();
    assert_eq!(
        (for_graph, for_sharepoint),
        (1, 1),
        "one refresh per resource: {refreshes:?}"
    );
    assert_tokens_only_to_allowed_hosts(&log);
}

#[tokio::test(flavor = "multi_thread")]
async fn stranger_frame_shows_nothing_that_signs_in_or_syncs() {
    let emulator = emulator().await;
    let app = emulator.app_url();
    let mut config = generated_config(&emulator).await;
    config["embedOrigins"] = serde_json::json!(["https://intranet.contoso.com"]);
    emulator
        .control()
        .set_app_config(Some(config.to_string()))
        .await
        .unwrap();
    emulator
        .control()
        .set_intranet_page(&format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Stranger</title></head>\
             <body><iframe id=\"widget\" title=\"Profile Photo Sync\" src=\"{app}?embed=1&autostart=1\" width=\"320\" height=\"240\"></iframe>\
             </body></html>"
        ))
        .await
        .unwrap();
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    page.client
        .goto(&format!("{}/", emulator.origin("intranet")))
        .await
        .unwrap();
    let frame = page.wait_for_css("#widget").await;
    frame.enter_frame().await.unwrap();
    page.wait_for("embed-stranger").await;
    assert!(
        !page.has("sign-in").await,
        "a sign-in button in a stranger's frame"
    );
    assert!(!page.has("sync-view").await);
    let message = page.text_of("embed-stranger-message").await;
    assert!(
        message.contains(&emulator.origin("intranet")),
        "the notice names the framing page: {message}"
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    let log = emulator.control().log().await.unwrap();
    assert!(
        !log.iter().any(|e| e.path_and_query.contains("/oauth2/")),
        "autostart signed in inside a stranger's frame"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn login_hint_for_someone_else_offers_to_switch_and_syncs_nobody() {
    let emulator = emulator().await;
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    page.signed_in_and_compared(ADELE).await;
    emulator.control().clear_log().await.unwrap();
    page.open(&format!(
        "?login_hint={}&autostart=1",
        MEGAN.replace('@', "%40")
    ))
    .await;
    page.wait_for("other-account").await;
    let message = page.text_of("other-account-message").await;
    assert!(
        message.contains(ADELE) && message.contains(MEGAN),
        "{message}"
    );
    assert!(page.has("switch-account").await);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let log = emulator.control().log().await.unwrap();
    assert_eq!(sharepoint_writes(&log), 0, "synced the other account");
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_code_and_state_leave_a_valid_session_alone() {
    let emulator = emulator().await;
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    page.open("").await;
    page.sign_in(ADELE).await;
    page.open("?code=forged&state=unknown").await;
    assert_eq!(page.text_of("signed-in-user").await, "Adele Vance");
    let address = page.client.current_url().await.unwrap().to_string();
    assert!(!address.contains("code="), "{address}");
}

#[tokio::test(flavor = "multi_thread")]
async fn two_tabs_sign_out_in_one_signs_out_the_other() {
    let emulator = emulator().await;
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    page.open("").await;
    page.sign_in(ADELE).await;
    let first = page.client.window().await.unwrap();
    // A second tab of the page, signed in on its own (sessionStorage is per tab).
    let second = page.client.new_window(true).await.unwrap().handle;
    page.client.switch_to_window(second.clone()).await.unwrap();
    page.open("").await;
    page.sign_in(ADELE).await;
    page.client.switch_to_window(first).await.unwrap();
    page.click("sign-out").await;
    page.client.switch_to_window(second).await.unwrap();
    page.wait_for("landing").await;
    let keys = page.storage_keys().await;
    assert!(
        keys.iter().all(|k| !k.contains("pps.auth.")),
        "the other tab kept: {keys:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn png_declaring_20000_by_20000_is_refused_before_decoding() {
    let emulator = emulator().await;
    // A PNG signature and an IHDR that declares 20000 × 20000 RGBA pixels (1.6 GB decoded).
    let mut png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];
    png.extend_from_slice(b"IHDR");
    png.extend_from_slice(&20_000u32.to_be_bytes());
    png.extend_from_slice(&20_000u32.to_be_bytes());
    png.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
    emulator
        .control()
        .set_exchange_photo_raw(ADELE, png, "image/png")
        .await
        .unwrap();
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    page.open("").await;
    page.sign_in(ADELE).await;
    page.wait_for_phase(&["failed"]).await;
    assert_eq!(
        page.attribute_of("sync-error", "data-reason")
            .await
            .as_deref(),
        Some("too-many-pixels")
    );
    let message = page.text_of("sync-error-message").await;
    assert!(message.contains("20000 × 20000"), "{message}");
    assert_eq!(
        sharepoint_writes(&emulator.control().log().await.unwrap()),
        0
    );
}
