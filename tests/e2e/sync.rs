//! The self-service sync in the page: one click, the help-article link, nothing to do,
//! every reason not to write, big and transparent photos, throttling and outages. Each test
//! asserts on the emulator's state (what SharePoint now holds) and on what the page shows.

use emulator::{FaultKind, FaultRule, State};
use emulator_pixels::{decode_any, Fingerprint};

use crate::support::{
    assert_tokens_only_to_allowed_hosts, emulator, AppPage, Browser, BrowserOptions, Engine,
};

fn upn(user: &str) -> String {
    format!("{user}@contoso.onmicrosoft.com")
}

/// SharePoint's thumbnails of a user: (suffix, width, height, sha256).
fn thumbnails(state: &State, user: &str) -> Vec<(String, u32, u32, String)> {
    let oid = &state.user(&upn(user)).expect("a demo user").oid;
    let mut files: Vec<_> = state
        .files
        .iter()
        .filter(|f| f.path.contains(oid.as_str()))
        .map(|f| {
            (
                f.path.rsplit('_').next().unwrap_or_default().to_owned(),
                f.width,
                f.height,
                f.sha256.clone(),
            )
        })
        .collect();
    files.sort();
    files
}

/// A busy answer (`status`, `Retry-After: 1`) to every request to `host` whose path contains
/// `path`.
fn busy(host: &str, path: &str, status: u16) -> FaultRule {
    FaultRule {
        host: Some(host.into()),
        path_contains: Some(path.into()),
        status,
        retry_after_secs: Some(1),
        ..Default::default()
    }
}

fn writes(log: &[emulator::LogEntry]) -> usize {
    log.iter()
        .filter(|e| e.method == "POST" && e.path_and_query.contains("SetMyProfilePicture"))
        .count()
}

/// Signs in as `user` and waits for the two photos to be compared.
async fn signed_in<'a>(page: &AppPage<'a>, user: &str) {
    page.open("").await;
    page.sign_in(&upn(user)).await;
}

/// Asserts SharePoint's large thumbnail shows the user's Exchange photo.
async fn assert_sharepoint_shows_exchange_photo(emulator: &emulator::Emulator, user: &str) {
    let control = emulator.control();
    let state = control.state().await.unwrap();
    let oid = state.user(&upn(user)).unwrap().oid.clone();
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
}

async fn image_loaded(page: &AppPage<'_>, testid: &str) -> bool {
    page.wait_for(testid).await;
    page.eval(&format!(
        "const i = document.querySelector('[data-testid=\"{testid}\"]'); return !!i && i.complete && i.naturalWidth > 0"
    ))
    .await
        == serde_json::Value::Bool(true)
}

async fn an_out_of_sync_user_syncs_with_one_click(engine: Engine) {
    let emulator = emulator().await;
    let before = thumbnails(&emulator.control().state().await.unwrap(), "adele");
    let browser = Browser::launch(BrowserOptions {
        engine,
        ..Default::default()
    })
    .await;
    let page = AppPage::new(&browser, &emulator);
    signed_in(&page, "adele").await;
    page.wait_for_phase(&["compared"]).await;
    assert!(image_loaded(&page, "exchange-photo").await);
    assert!(image_loaded(&page, "sharepoint-photo").await);
    page.assert_accessible("compared").await;
    page.screenshot("compared").await;
    assert_eq!(
        writes(&emulator.control().log().await.unwrap()),
        0,
        "nothing written before the click"
    );

    page.sync_until(&["done"]).await;
    assert!(image_loaded(&page, "new-sharepoint-photo").await);
    page.wait_for("sync-elapsed").await;
    page.assert_accessible("done").await;
    page.screenshot("done").await;

    let state = emulator.control().state().await.unwrap();
    let after = thumbnails(&state, "adele");
    let sizes: Vec<_> = after
        .iter()
        .map(|(s, w, h, _)| (s.as_str(), *w, *h))
        .collect();
    assert_eq!(
        sizes,
        vec![
            ("LThumb.jpg", 200, 200),
            ("MThumb.jpg", 72, 72),
            ("SThumb.jpg", 48, 48)
        ]
    );
    assert_ne!(before, after, "the thumbnails were rewritten");
    assert!(state.user(&upn("adele")).unwrap().in_sync);
    let profile = state.profile(&upn("adele")).unwrap();
    assert_eq!(
        profile
            .get("SPS-PicturePlaceholderState")
            .map(String::as_str),
        Some("0")
    );
    assert_sharepoint_shows_exchange_photo(&emulator, "adele").await;
    let log = emulator.control().log().await.unwrap();
    assert_eq!(writes(&log), 1);
    let photo_reads = log
        .iter()
        .filter(|e| e.method == "GET" && e.path_and_query.ends_with("/me/photo/$value"))
        .count();
    assert_eq!(
        photo_reads, 1,
        "the click writes the photo the comparison read, without reading it again"
    );
    assert_tokens_only_to_allowed_hosts(&log);
}

async fn the_help_article_link_syncs_without_a_click(engine: Engine) {
    let emulator = emulator().await;
    let browser = Browser::launch(BrowserOptions {
        engine,
        ..Default::default()
    })
    .await;
    let page = AppPage::new(&browser, &emulator);
    page.open(&format!("?login_hint={}&autostart=1", upn("janis")))
        .await;
    // The page sends the browser to the sign-in page once its wasm runs; Firefox's navigation
    // returns before that, so wait for the account picker rather than take the page for done.
    page.wait_for(&format!("account-{}", upn("janis"))).await;
    page.sign_in_on_identity_page(&upn("janis")).await;
    page.wait_for_phase(&["done"]).await;
    assert_eq!(page.text_of("signed-in-user").await, "Jānis Bērziņš");
    let state = emulator.control().state().await.unwrap();
    assert!(state.user(&upn("janis")).unwrap().in_sync);
    assert_sharepoint_shows_exchange_photo(&emulator, "janis").await;
    let address = page.client.current_url().await.unwrap().to_string();
    assert!(
        !address.contains("autostart"),
        "a reload must not sync again: {address}"
    );
    let log = emulator.control().log().await.unwrap();
    let authorize = log
        .iter()
        .find(|e| e.path_and_query.contains("/authorize"))
        .unwrap();
    assert!(authorize
        .path_and_query
        .contains("login_hint=janis%40contoso.onmicrosoft.com"));
}

/// Leaving the sync screen while the sync still reads (the router shows another view, as the
/// Back button would) stops the sync: the photo read for a screen that is gone is not written.
#[tokio::test(flavor = "multi_thread")]
async fn leaving_the_screen_mid_sync_writes_nothing() {
    let emulator = emulator().await;
    let control = emulator.control();
    let before = control.state().await.unwrap().files;
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    page.open(&format!("?login_hint={}&autostart=1", upn("adele")))
        .await;
    page.wait_for(&format!("account-{}", upn("adele"))).await;
    // SharePoint's profile answers slowly: the sync is still reading when the user leaves.
    control
        .set_fault(FaultRule {
            host: Some("contoso-my".into()),
            path_contains: Some("GetMyProperties".into()),
            kind: FaultKind::Delay,
            latency_ms: Some(3_000),
            status: 200,
            ..Default::default()
        })
        .await
        .unwrap();
    page.sign_in_on_identity_page(&upn("adele")).await;
    page.wait_for_phase(&["reading"]).await;
    page.eval(
        "history.pushState(null, '', 'elsewhere'); \
         window.dispatchEvent(new PopStateEvent('popstate')); return 1",
    )
    .await;
    page.wait_for("not-found").await;
    assert!(!page.has("sync-view").await, "the sync screen is gone");
    // Long enough for the held read to answer and a write to follow, had the sync gone on.
    tokio::time::sleep(std::time::Duration::from_secs(8)).await;
    let log = control.log().await.unwrap();
    assert!(
        log.iter()
            .any(|e| e.path_and_query.contains("GetMyProperties")),
        "the sync had started reading"
    );
    assert_eq!(writes(&log), 0, "nothing written after the screen went");
    let state = control.state().await.unwrap();
    assert_eq!(state.files, before, "SharePoint's photos are as they were");
    assert!(!state.user(&upn("adele")).unwrap().in_sync);
}

#[tokio::test(flavor = "multi_thread")]
async fn already_in_sync_writes_nothing_unless_asked() {
    let emulator = emulator().await;
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    signed_in(&page, "alex").await;
    page.wait_for_phase(&["compared"]).await;
    page.wait_for("sync-anyway").await;
    page.assert_accessible("in sync").await;
    assert_eq!(writes(&emulator.control().log().await.unwrap()), 0);

    page.click("sync-anyway").await;
    page.wait_for_phase(&["done"]).await;
    assert_eq!(writes(&emulator.control().log().await.unwrap()), 1);
}

/// Signs in as a user whose photo cannot be synced and checks the reason and that nothing
/// was written.
async fn refuses(user: &str, reason: &str, prepare: impl std::future::Future<Output = ()>) {
    let emulator = emulator().await;
    let _ = &prepare;
    prepare.await;
    let before = emulator.control().state().await.unwrap().files;
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    signed_in(&page, user).await;
    page.wait_for_phase(&["failed"]).await;
    assert_eq!(
        page.attribute_of("sync-error", "data-reason")
            .await
            .as_deref(),
        Some(reason)
    );
    assert!(
        !page.text_of("sync-error-fix").await.is_empty(),
        "says what to do"
    );
    page.assert_accessible(reason).await;
    let log = emulator.control().log().await.unwrap();
    assert_eq!(writes(&log), 0);
    let after = emulator.control().state().await.unwrap().files;
    assert_eq!(before.len(), after.len(), "nothing written");
}

#[tokio::test(flavor = "multi_thread")]
async fn no_exchange_photo_is_explained_and_nothing_written() {
    refuses("megan", "no-exchange-photo", async {}).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn no_mailbox_is_explained_and_nothing_written() {
    refuses("lee", "no-mailbox", async {}).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bytes_that_are_not_an_image_are_never_written() {
    let emulator = emulator().await;
    emulator
        .control()
        .set_exchange_photo_raw(
            &upn("adele"),
            b"<html>not a photo</html>".to_vec(),
            "image/jpeg",
        )
        .await
        .unwrap();
    let before = emulator.control().state().await.unwrap().files;
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    signed_in(&page, "adele").await;
    page.wait_for_phase(&["failed"]).await;
    assert_eq!(
        page.attribute_of("sync-error", "data-reason")
            .await
            .as_deref(),
        Some("not-an-image")
    );
    assert_eq!(writes(&emulator.control().log().await.unwrap()), 0);
    assert_eq!(emulator.control().state().await.unwrap().files, before);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_4_mb_photo_and_a_transparent_png_are_written_correctly() {
    let emulator = emulator().await;
    for user in ["grady", "pradeep"] {
        let browser = Browser::launch(BrowserOptions::default()).await;
        let page = AppPage::new(&browser, &emulator);
        signed_in(&page, user).await;
        page.wait_for_phase(&["compared"]).await;
        page.sync_until(&["done"]).await;
        let state = emulator.control().state().await.unwrap();
        let sizes: Vec<_> = thumbnails(&state, user)
            .iter()
            .map(|(s, w, h, _)| (s.clone(), *w, *h))
            .collect();
        assert_eq!(sizes.len(), 3, "{user}: {sizes:?}");
        assert!(state.user(&upn(user)).unwrap().in_sync, "{user}");
    }
    // Transparent corners became white, not black.
    let control = emulator.control();
    let state = control.state().await.unwrap();
    let oid = state.user(&upn("pradeep")).unwrap().oid.clone();
    let large = control
        .file(
            "contoso-my",
            &format!("/User Photos/Profile Pictures/{oid}_LThumb.jpg"),
        )
        .await
        .unwrap();
    let corner = decode_any(&large).unwrap().to_rgb8().get_pixel(2, 2).0;
    assert!(
        corner.iter().all(|c| *c > 235),
        "corner is {corner:?}, not white"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn throttling_and_brief_outages_are_retried() {
    let emulator = emulator().await;
    let control = emulator.control();
    control.set_expose_retry_after(false).await.unwrap();
    for (host, path, status) in [
        ("graph", "/photo/$value", 429),
        ("contoso-my", "SetMyProfilePicture", 503),
        ("contoso-my", "GetMyProperties", 429),
    ] {
        control
            .set_fault(FaultRule {
                times: Some(1),
                ..busy(host, path, status)
            })
            .await
            .unwrap();
    }
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    signed_in(&page, "adele").await;
    page.wait_for_phase(&["compared"]).await;
    page.sync_until(&["done"]).await;
    let log = control.log().await.unwrap();
    let injected = log.iter().filter(|e| e.injected.is_some()).count();
    assert_eq!(injected, 3, "each fault was met once and retried");
    assert_eq!(writes(&log), 2, "one refused write, one retried write");
    assert_sharepoint_shows_exchange_photo(&emulator, "adele").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lasting_outage_stops_after_bounded_retries_and_writes_nothing() {
    let emulator = emulator().await;
    let control = emulator.control();
    let before = control.state().await.unwrap().files;
    control
        .set_fault(busy("contoso-my", "SetMyProfilePicture", 503))
        .await
        .unwrap();
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    signed_in(&page, "adele").await;
    page.wait_for_phase(&["compared"]).await;
    page.sync_until(&["failed"]).await;
    assert_eq!(
        page.attribute_of("sync-error", "data-reason")
            .await
            .as_deref(),
        Some("service-unavailable")
    );
    assert_eq!(
        page.attribute_of("sync-error", "data-wrote-anything")
            .await
            .as_deref(),
        Some("false")
    );
    let log = control.log().await.unwrap();
    let attempts = writes(&log);
    assert!((2..=6).contains(&attempts), "bounded retries: {attempts}");
    assert_eq!(
        control.state().await.unwrap().files,
        before,
        "nothing half-written"
    );
    assert!(
        !control
            .state()
            .await
            .unwrap()
            .user(&upn("adele"))
            .unwrap()
            .in_sync
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn screenshots_light_and_dark_in_english_and_latvian() {
    let emulator = emulator().await;
    for (dark, lang) in [
        (false, "en-US"),
        (true, "en-US"),
        (false, "lv-LV"),
        (true, "lv-LV"),
    ] {
        let browser = Browser::launch(BrowserOptions {
            dark,
            lang: Some(lang.into()),
            ..Default::default()
        })
        .await;
        let page = AppPage::new(&browser, &emulator);
        signed_in(&page, "adele").await;
        page.wait_for_phase(&["compared"]).await;
        let html_lang = page.eval("return document.documentElement.lang").await;
        assert_eq!(html_lang, &lang[..2]);
        let scheme = page
            .eval("return matchMedia('(prefers-color-scheme: dark)').matches")
            .await;
        assert_eq!(scheme, serde_json::Value::Bool(dark));
        page.assert_accessible(&format!("compared {lang} dark={dark}"))
            .await;
        let name = format!(
            "sync-{}-{}",
            if dark { "dark" } else { "light" },
            &lang[..2]
        );
        page.screenshot(&name).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_access_token_is_renewed_without_a_prompt() {
    let emulator = emulator().await;
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    signed_in(&page, "adele").await;
    page.wait_for_phase(&["compared"]).await;
    let log = emulator.control().log().await.unwrap();
    let grants: Vec<_> = log.iter().filter_map(|e| e.grant_type.clone()).collect();
    assert_eq!(
        grants,
        vec!["authorization_code", "refresh_token"],
        "one sign-in, SharePoint's token by the refresh token"
    );
    let sharepoint = log
        .iter()
        .find(|e| e.grant_type.as_deref() == Some("refresh_token"))
        .unwrap();
    assert!(sharepoint
        .scope
        .as_deref()
        .unwrap_or_default()
        .contains("contoso-my.localhost"));

    emulator.control().expire_tokens().await.unwrap();
    emulator.control().clear_log().await.unwrap();
    page.sync_until(&["done"]).await;
    let log = emulator.control().log().await.unwrap();
    assert!(
        log.iter().all(|e| !e.path_and_query.contains("/authorize")),
        "no prompt"
    );
    assert!(log
        .iter()
        .any(|e| e.grant_type.as_deref() == Some("refresh_token")));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_refresh_token_signs_in_again_and_returns_to_the_view() {
    let emulator = emulator().await;
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    signed_in(&page, "adele").await;
    page.wait_for_phase(&["compared"]).await;
    emulator.control().expire_all_tokens().await.unwrap();
    // The page's cache still thinks its tokens are fresh; a reload asks again.
    page.eval("Object.keys(sessionStorage).filter(k => k.startsWith('pps.auth.at|')).forEach(k => sessionStorage.removeItem(k)); return 1").await;
    page.open("").await;
    page.accept_consent_if_asked().await;
    page.wait_for_phase(&["compared"]).await;
    assert_eq!(page.text_of("signed-in-user").await, "Adele Vance");
    let log = emulator.control().log().await.unwrap();
    assert!(
        log.iter()
            .filter(|e| e.path_and_query.contains("/authorize"))
            .count()
            >= 2,
        "signed in again"
    );
}

crate::in_chromium_and_firefox!(
    an_out_of_sync_user_syncs_with_one_click,
    the_help_article_link_syncs_without_a_click,
);
