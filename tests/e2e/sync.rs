//! The self-service sync in the page: one click, the help-article link, nothing to do,
//! every reason not to write, big and transparent photos, throttling and outages; and what
//! the screen does for people and help desks — where focus goes and what the live region says
//! after each phase, the result in view on a laptop and a phone, a failure's title, what
//! changed and its actions. Each test asserts on the emulator's state (what SharePoint now
//! holds) and on what the page shows.

use emulator::{FaultKind, FaultRule, State};
use emulator_pixels::{decode_any, Fingerprint};
use serde_json::Value;

use crate::support::{
    assert_tokens_only_to_allowed_hosts, emulator, forced_colors, generated_config, viewport,
    AppPage, Browser, BrowserOptions, Engine,
};

/// What the live region says after a comparison that found another photo, and after a sync.
const SAYS_DIFFERENT: &str =
    "SharePoint shows a different photo. Select “Sync my photo” to copy your Outlook photo there.";
const SAYS_DONE: &str = "Done: SharePoint shows your current photo.";

/// The document's title.
async fn title(page: &AppPage<'_>) -> String {
    page.eval("return document.title")
        .await
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Asserts the end state shows the photos it is about: every photo loaded, no frame still
/// waiting for one (a placeholder SharePoint really shows is a photo it is about).
async fn assert_photos_shown(page: &AppPage<'_>, testids: &[&str]) {
    for testid in testids {
        assert!(image_loaded(page, testid).await, "{testid} is not shown");
    }
    let waiting = page
        .eval("return document.querySelectorAll('[data-testid$=\"-photo-loading\"]').length")
        .await;
    assert_eq!(waiting, Value::from(0), "no frame waits for a photo");
}

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

/// Whether the image shows, once the browser has decoded it (it loads after it is shown).
async fn image_loaded(page: &AppPage<'_>, testid: &str) -> bool {
    page.wait_for(testid).await;
    let script = format!(
        "const i = document.querySelector('[data-testid=\"{testid}\"]'); return !!i && i.complete && i.naturalWidth > 0"
    );
    crate::support::eventually(|| async {
        match page.eval(&script).await {
            serde_json::Value::Bool(true) => Ok(()),
            other => Err(other),
        }
    })
    .await
    .is_ok()
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
    assert_eq!(
        page.wait_for_focus("sync-outcome-title").await,
        "SharePoint shows a different photo",
        "focus on the comparison's heading"
    );
    page.wait_for_live_text("sync-status", SAYS_DIFFERENT).await;
    assert_eq!(
        title(&page).await,
        "Your profile photo — Profile Photo Sync"
    );
    let in_header = page
        .eval("return document.querySelector('.app-header [data-testid=\"signed-in-user\"]')?.textContent")
        .await;
    assert_eq!(in_header, "Adele Vance", "the account sits in the header");
    assert!(
        !page.has("signed-in").await,
        "no account card above the task"
    );
    page.assert_accessible("compared").await;
    page.screenshot("compared").await;
    assert_eq!(
        writes(&emulator.control().log().await.unwrap()),
        0,
        "nothing written before the click"
    );

    page.sync_until(&["done"]).await;
    assert_photos_shown(&page, &["sharepoint-photo", "new-sharepoint-photo"]).await;
    page.wait_for("sync-elapsed").await;
    assert_eq!(
        page.wait_for_focus("sync-outcome-title").await,
        "SharePoint now shows your photo"
    );
    page.wait_for_live_text("sync-status", SAYS_DONE).await;
    assert_eq!(title(&page).await, "Done — Profile Photo Sync");
    assert!(
        !page.has("sync-button").await && !page.has("sync-anyway").await,
        "nothing offers to sync again"
    );
    assert_eq!(
        page.attribute_of("sync-photos", "data-layout")
            .await
            .as_deref(),
        Some("before-after")
    );
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
    // The comparison and the write follow each other before the page renders: the result
    // still shows SharePoint's photo before (Jānis had the placeholder) and after.
    assert_photos_shown(&page, &["new-sharepoint-photo"]).await;
    assert!(
        page.has("sharepoint-photo-empty").await,
        "before: the placeholder"
    );
    assert_eq!(
        page.wait_for_focus("sync-outcome-title").await,
        "SharePoint now shows your photo"
    );
    page.wait_for_live_text("sync-status", SAYS_DONE).await;
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

/// The requests of a sign-in return: from the returning page's document on, in the order they
/// started.
fn after_the_return(mut log: Vec<emulator::LogEntry>) -> Vec<emulator::LogEntry> {
    log.sort_by_key(|e| (e.started_ms, e.seq));
    let document = |e: &emulator::LogEntry| {
        let path = e.path_and_query.split('?').next().unwrap_or_default();
        e.host == "app.localhost" && e.method == "GET" && (path == "/" || path == "/index.html")
    };
    let start = log.iter().rposition(document).expect("the page came back");
    log.split_off(start)
}

/// The sign-in return reads both photos in ten round trips, preflights included: the page, its
/// `config.json`, the code's redemption and SharePoint's token, Graph's three reads in one
/// `$batch`, SharePoint's profile and, alongside it, the large thumbnail at the address
/// predicted from the account (the profile names it, so it is not fetched again). The
/// requests inside the batch are logged too, but are no round trips of their own.
#[tokio::test(flavor = "multi_thread")]
async fn the_sign_in_return_reads_both_photos_in_ten_round_trips() {
    let emulator = emulator().await;
    let control = emulator.control();
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    page.open("").await;
    control.clear_log().await.unwrap();
    page.sign_in(&upn("adele")).await;
    page.wait_for_phase(&["compared"]).await;
    let returned = after_the_return(control.log().await.unwrap());
    let said = |entries: &[&emulator::LogEntry]| {
        entries
            .iter()
            .map(|e| format!("{} {} {}", e.method, e.host, e.path_and_query))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let round_trips: Vec<&emulator::LogEntry> =
        returned.iter().filter(|e| e.batch_of.is_none()).collect();
    assert!(
        round_trips.len() <= 10,
        "{} round trips:\n{}",
        round_trips.len(),
        said(&round_trips)
    );
    let to_graph: Vec<&emulator::LogEntry> = round_trips
        .iter()
        .copied()
        .filter(|e| e.host == "graph.localhost")
        .collect();
    assert_eq!(
        to_graph.len(),
        2,
        "a preflight and one batch:\n{}",
        said(&to_graph)
    );
    let batched: Vec<&str> = returned
        .iter()
        .filter(|e| e.batch_of.is_some())
        .map(|e| e.path_and_query.split('?').next().unwrap_or_default())
        .collect();
    assert_eq!(batched.len(), 3, "{batched:?}");
    for path in ["/v1.0/me", "/v1.0/me/photo", "/v1.0/me/photo/$value"] {
        assert!(batched.contains(&path), "{path} in {batched:?}");
    }
    let thumbnails = round_trips
        .iter()
        .filter(|e| e.method == "GET" && e.path_and_query.contains("_LThumb.jpg"))
        .count();
    assert_eq!(thumbnails, 1, "the predicted thumbnail was the profile's");
    assert_tokens_only_to_allowed_hosts(&returned);
}

/// The thumbnail fetched at the predicted address is never compared when the profile names
/// another file: Alex's own thumbnail is his current photo, but his profile names Adele's
/// older one, so the comparison must find a different photo.
#[tokio::test(flavor = "multi_thread")]
async fn a_profile_naming_another_file_is_compared_with_that_file() {
    let emulator = emulator().await;
    let control = emulator.control();
    let state = control.state().await.unwrap();
    let oid = |user: &str| state.user(&upn(user)).unwrap().oid.clone();
    let (alex, adele) = (oid("alex"), oid("adele"));
    control
        .set_profile_property(
            &upn("alex"),
            "PictureURL",
            &format!(
                "{}/User%20Photos/Profile%20Pictures/{adele}_MThumb.jpg",
                emulator.origin("contoso-my")
            ),
        )
        .await
        .unwrap();
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    signed_in(&page, "alex").await;
    page.wait_for_phase(&["compared"]).await;
    assert_eq!(
        page.wait_for_focus("sync-outcome-title").await,
        "SharePoint shows a different photo"
    );
    assert!(image_loaded(&page, "sharepoint-photo").await);
    let fetched: Vec<String> = control
        .log()
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.method == "GET" && e.path_and_query.contains("_LThumb.jpg"))
        .map(|e| e.path_and_query)
        .collect();
    assert!(
        fetched.iter().any(|p| p.contains(&alex)),
        "the predicted address was tried: {fetched:?}"
    );
    assert!(
        fetched.iter().any(|p| p.contains(&adele)),
        "the profile's own file was fetched: {fetched:?}"
    );
    assert_eq!(writes(&control.log().await.unwrap()), 0);
}

/// A help-article link for someone already in sync ends on "nothing to do", with both photos.
async fn the_help_article_link_for_someone_in_sync_ends_on_nothing_to_do_with_the_photos(
    engine: Engine,
) {
    let emulator = emulator().await;
    let browser = Browser::launch(BrowserOptions {
        engine,
        ..Default::default()
    })
    .await;
    let page = AppPage::new(&browser, &emulator);
    page.open(&format!("?login_hint={}&autostart=1", upn("alex")))
        .await;
    page.wait_for(&format!("account-{}", upn("alex"))).await;
    page.sign_in_on_identity_page(&upn("alex")).await;
    page.wait_for_phase(&["nothing-to-do"]).await;
    assert_photos_shown(&page, &["exchange-photo", "sharepoint-photo"]).await;
    assert_eq!(
        page.wait_for_focus("sync-outcome-title").await,
        "SharePoint already shows your current photo"
    );
    page.wait_for_live_text(
        "sync-status",
        "SharePoint already shows your current photo.",
    )
    .await;
    assert_eq!(title(&page).await, "Nothing to do — Profile Photo Sync");
    assert_eq!(writes(&emulator.control().log().await.unwrap()), 0);
    page.assert_accessible("nothing to do").await;
}

/// SharePoint's profile read held `ms` once: the comparison is still reading meanwhile.
fn profile_read_held(ms: u64) -> FaultRule {
    FaultRule {
        host: Some("contoso-my".into()),
        path_contains: Some("GetMyProperties".into()),
        kind: FaultKind::Delay,
        latency_ms: Some(ms),
        status: 200,
        times: Some(1),
        ..Default::default()
    }
}

/// Back from signing in, the button offers the sync while the photos are still read for the
/// comparison: a click then goes straight on from that comparison to the write and its check,
/// reading nothing twice; after the click the button is busy and takes no second one.
async fn a_click_while_the_photos_are_read_syncs_from_that_comparison(engine: Engine) {
    let emulator = emulator().await;
    let control = emulator.control();
    // SharePoint's profile answers slowly: the comparison is still reading at the click.
    control.set_fault(profile_read_held(2_000)).await.unwrap();
    let browser = Browser::launch(BrowserOptions {
        engine,
        ..Default::default()
    })
    .await;
    let page = AppPage::new(&browser, &emulator);
    signed_in(&page, "adele").await;
    page.wait_for_phase(&["reading"]).await;
    let offered = page
        .eval(
            "const b = document.querySelector('[data-testid=\"sync-button\"]'); \
             return b && [b.getAttribute('aria-disabled'), b.textContent.trim()]",
        )
        .await;
    assert_eq!(
        offered,
        serde_json::json!([null, "Sync my photo"]),
        "the sync is offered while reading"
    );
    page.click("sync-button").await;
    let asked = page
        .eval(
            "const b = document.querySelector('[data-testid=\"sync-button\"]'); \
             const v = document.querySelector('[data-testid=\"sync-view\"]'); \
             return [v.dataset.phase, b.getAttribute('aria-disabled'), b.textContent.trim()]",
        )
        .await;
    assert_eq!(
        asked,
        serde_json::json!(["reading", "true", "Reading your photos…"]),
        "once asked, the button is busy until the comparison is in"
    );
    page.click("sync-button").await;
    page.wait_for_phase(&["done"]).await;
    assert_photos_shown(&page, &["sharepoint-photo", "new-sharepoint-photo"]).await;
    assert_sharepoint_shows_exchange_photo(&emulator, "adele").await;
    let log = control.log().await.unwrap();
    assert_eq!(writes(&log), 1, "one write for two clicks");
    let photo_reads = log
        .iter()
        .filter(|e| e.method == "GET" && e.path_and_query.ends_with("/me/photo/$value"))
        .count();
    assert_eq!(photo_reads, 1, "the comparison's photo is the one written");
    assert_tokens_only_to_allowed_hosts(&log);
}

/// A click while the photos are read, for someone already in sync: nothing to do, nothing
/// written (the click asks for a sync, not for writing whatever SharePoint shows).
#[tokio::test(flavor = "multi_thread")]
async fn a_click_while_reading_writes_nothing_when_already_in_sync() {
    let emulator = emulator().await;
    let control = emulator.control();
    control.set_fault(profile_read_held(2_000)).await.unwrap();
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    signed_in(&page, "alex").await;
    page.wait_for_phase(&["reading"]).await;
    page.click("sync-button").await;
    page.wait_for_phase(&["nothing-to-do"]).await;
    assert_eq!(
        page.wait_for_focus("sync-outcome-title").await,
        "SharePoint already shows your current photo"
    );
    assert_eq!(writes(&control.log().await.unwrap()), 0);
}

/// While a sync works, the button it was started with keeps focus and says what it does, the
/// step at work is marked, and clicks do nothing.
#[tokio::test(flavor = "multi_thread")]
async fn the_busy_button_keeps_focus_and_says_what_is_happening() {
    let emulator = emulator().await;
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    page.signed_in_and_compared(&upn("adele")).await;
    emulator
        .control()
        .set_fault(FaultRule {
            host: Some("contoso-my".into()),
            path_contains: Some("SetMyProfilePicture".into()),
            kind: FaultKind::Delay,
            latency_ms: Some(3_000),
            status: 200,
            ..Default::default()
        })
        .await
        .unwrap();
    page.click("sync-button").await;
    page.wait_for_phase(&["writing"]).await;
    let busy = page
        .eval(
            "const b = document.activeElement; \
             return [b.dataset.testid, b.getAttribute('aria-disabled'), b.disabled, \
                     b.textContent.trim(), \
                     document.querySelector('[data-step=\"write\"]').dataset.state]",
        )
        .await;
    assert_eq!(
        busy,
        serde_json::json!([
            "sync-button",
            "true",
            false,
            "Copying your photo…",
            "active"
        ]),
        "the busy button keeps focus, is not disabled and says what it does"
    );
    page.wait_for_live_text("sync-status", "Copying your photo to SharePoint…")
        .await;
    page.eval("document.activeElement.click(); return 1").await;
    page.wait_for_phase(&["done"]).await;
    assert_eq!(
        page.wait_for_focus("sync-outcome-title").await,
        "SharePoint now shows your photo"
    );
    assert_eq!(
        writes(&emulator.control().log().await.unwrap()),
        1,
        "the busy click did nothing"
    );
}

/// The result is in view without scrolling, on a laptop (1280 × 720) and on a phone
/// (360 × 640).
#[tokio::test(flavor = "multi_thread")]
async fn the_result_is_in_view_without_scrolling_on_a_laptop_and_a_phone() {
    let emulator = emulator().await;
    for (width, height, name) in [(1280, 720, "done-laptop"), (360, 640, "done-phone")] {
        let browser = Browser::launch(BrowserOptions {
            size: Some((width, height)),
            ..Default::default()
        })
        .await;
        let page = AppPage::new(&browser, &emulator);
        page.open("").await;
        viewport(&page, width, height).await;
        let size = page.eval("return [innerWidth, innerHeight]").await;
        assert_eq!(size, serde_json::json!([width, height]));
        page.sign_in(&upn("adele")).await;
        viewport(&page, width, height).await;
        page.wait_for_phase(&["compared", "nothing-to-do"]).await;
        // The first page synced Adele's photo: the second syncs it anyway.
        if page.has("sync-anyway").await {
            page.click("sync-anyway").await;
        } else {
            page.click("sync-button").await;
        }
        page.wait_for_phase(&["done"]).await;
        page.wait_for_focus("sync-outcome-title").await;
        assert!(
            page.in_view_unscrolled("sync-outcome-title").await,
            "{width}×{height}: the result's heading is in view without scrolling"
        );
        assert!(
            page.in_view_unscrolled("new-sharepoint-photo").await,
            "{width}×{height}: the new photo too"
        );
        page.assert_accessible(name).await;
        page.screenshot(name).await;
    }
}

/// A failure: its heading takes focus, the live region says it once, the title says so, and it
/// offers what can be done — try again, copy the details (reason, version, account), and the
/// deployment's support contact; once the service is back the same button syncs.
#[tokio::test(flavor = "multi_thread")]
async fn a_failure_offers_its_actions_copies_its_details_and_names_support() {
    let emulator = emulator().await;
    let control = emulator.control();
    let mut config = generated_config(&emulator).await;
    config["support"] = Value::from("mailto:photo-help@contoso.example");
    control
        .set_app_config(Some(config.to_string()))
        .await
        .unwrap();
    control
        .set_fault(FaultRule {
            host: Some("contoso-my".into()),
            path_contains: Some("GetMyProperties".into()),
            status: 500,
            ..Default::default()
        })
        .await
        .unwrap();
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    signed_in(&page, "adele").await;
    page.wait_for_phase(&["failed"]).await;
    assert_eq!(
        page.wait_for_focus("sync-outcome-title").await,
        "Your photo was not synced"
    );
    let message = page.text_of("sync-error-message").await;
    page.wait_for_live_text("sync-status", &format!("The sync stopped. {message}"))
        .await;
    assert_eq!(
        page.eval("return document.querySelectorAll('[role=\"alert\"]').length")
            .await,
        Value::from(0),
        "one announcement: the live region, no alert beside it"
    );
    assert_eq!(title(&page).await, "Not synced — Profile Photo Sync");
    assert_eq!(
        page.text_of("sync-error-changed").await,
        "Nothing was changed in SharePoint."
    );
    assert_eq!(page.text_of("sync-button").await, "Try again");
    assert_eq!(
        page.attribute_of("support-link", "href").await.as_deref(),
        Some("mailto:photo-help@contoso.example")
    );
    assert_eq!(
        page.text_of("support-link").await,
        "photo-help@contoso.example"
    );
    page.assert_accessible("failed").await;
    page.screenshot("failed").await;

    page.click("copy-details").await;
    let said = page
        .until("copying did not say how it went", || async {
            let said = page.live_text("sync-status").await;
            if said.starts_with("Details copied") || said.starts_with("The details could not") {
                Ok(said)
            } else {
                Err(said)
            }
        })
        .await;
    if said.starts_with("The details could not") {
        // The clipboard refused (a headless browser may): the details are open, selected.
        let fallback = page
            .eval("return [document.querySelector('[data-testid=\"sync-report\"]').open, document.activeElement.dataset.testid]")
            .await;
        assert_eq!(fallback, serde_json::json!([true, "sync-report-text"]));
    }
    let report = page
        .eval("return document.querySelector('[data-testid=\"sync-report-text\"]').value")
        .await;
    let report = report.as_str().unwrap_or_default();
    for line in [
        "reason: unexpected".to_owned(),
        format!("version: {}", env!("CARGO_PKG_VERSION")),
        format!("account: {}", upn("adele")),
        "sharepoint-changed: no".to_owned(),
    ] {
        assert!(report.contains(&line), "the details say {line:?}: {report}");
    }
    assert!(report.contains("HTTP 500"), "{report}");

    control.clear_faults().await.unwrap();
    page.sync_until(&["done"]).await;
    assert_sharepoint_shows_exchange_photo(&emulator, "adele").await;
}

/// The photo went to SharePoint but the check afterwards was refused: the page says it may have
/// been saved, in the warning colour (not the error's red), and offers to sign in again.
#[tokio::test(flavor = "multi_thread")]
async fn a_photo_sent_but_not_confirmed_is_a_warning_and_offers_sign_in_again() {
    let emulator = emulator().await;
    let control = emulator.control();
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    page.signed_in_and_compared(&upn("adele")).await;
    // From now on SharePoint's reads refuse every token: the read-back after the write fails.
    control
        .set_fault(FaultRule {
            host: Some("contoso-my".into()),
            path_contains: Some("GetMyProperties".into()),
            method: Some("GET".into()),
            status: 401,
            ..Default::default()
        })
        .await
        .unwrap();
    page.click("sync-button").await;
    page.wait_for_phase(&["failed"]).await;
    assert_eq!(
        page.wait_for_focus("sync-outcome-title").await,
        "Your photo may have been saved"
    );
    let colours = page
        .eval(
            "const h = document.getElementById('sync-outcome-title'); \
             const root = getComputedStyle(document.documentElement); \
             return [getComputedStyle(h).color, root.getPropertyValue('--warning').trim(), \
                     root.getPropertyValue('--danger').trim()]",
        )
        .await;
    let [shown, warning, danger] =
        [0, 1, 2].map(|i| colours[i].as_str().unwrap_or_default().to_owned());
    assert_eq!(
        rgb(&warning),
        shown,
        "the heading wears the warning colour ({warning})"
    );
    assert_ne!(rgb(&danger), shown, "not the error's red");
    assert_eq!(
        page.text_of("sync-error-changed").await,
        "Your photo was sent to SharePoint, but the check afterwards did not pass."
    );
    page.wait_for("sign-in-again").await;
    page.assert_accessible("maybe written").await;
    control.clear_log().await.unwrap();
    page.click("sign-in-again").await;
    let authorize = page
        .until(
            "signing in again did not ask the identity platform",
            || async {
                let log = control.log().await.map_err(|e| e.to_string())?;
                log.into_iter()
                    .find(|e| e.path_and_query.contains("/authorize"))
                    .map(|e| e.path_and_query)
                    .ok_or_else(|| "no authorize request yet".to_owned())
            },
        )
        .await;
    assert!(
        authorize.contains("login_hint=adele%40contoso.onmicrosoft.com"),
        "as the same account: {authorize}"
    );
}

/// `#rrggbb` as `getComputedStyle` writes it: `rgb(r, g, b)`.
fn rgb(hex: &str) -> String {
    let channel = |i: usize| u8::from_str_radix(&hex[1 + 2 * i..3 + 2 * i], 16).unwrap();
    format!("rgb({}, {}, {})", channel(0), channel(1), channel(2))
}

/// With no photo in Exchange the page says where to add one (Microsoft 365, and Microsoft's
/// instructions), and offers to check again afterwards.
#[tokio::test(flavor = "multi_thread")]
async fn no_exchange_photo_says_where_to_add_one() {
    let emulator = emulator().await;
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    signed_in(&page, "megan").await;
    page.wait_for_phase(&["failed"]).await;
    page.wait_for_focus("sync-outcome-title").await;
    assert_eq!(
        page.attribute_of("add-photo-link", "href").await.as_deref(),
        Some("https://www.microsoft365.com/")
    );
    let instructions = page
        .attribute_of("add-photo-instructions", "href")
        .await
        .unwrap_or_default();
    assert!(
        instructions.starts_with("https://support.microsoft.com/"),
        "{instructions}"
    );
    assert!(page
        .text_of("sync-error-fix")
        .await
        .contains("Upload a new photo"));
    assert_eq!(page.text_of("sync-button").await, "Check again");
    assert!(
        !page.has("sync-photos").await,
        "no empty frames: nothing was read"
    );
    page.assert_accessible("no photo").await;
    page.screenshot("no-photo").await;
}

/// Windows High Contrast: backgrounds go, so the button and the steps' marks keep a border.
#[tokio::test(flavor = "multi_thread")]
async fn buttons_and_marks_survive_forced_colours() {
    let emulator = emulator().await;
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    page.signed_in_and_compared(&upn("adele")).await;
    forced_colors(&page).await;
    assert_eq!(
        page.eval("return matchMedia('(forced-colors: active)').matches")
            .await,
        Value::Bool(true)
    );
    for selector in [
        "[data-testid=\"sync-button\"]",
        "[data-testid=\"sign-out\"]",
        ".sync-step[data-state=\"done\"] .sync-step-mark",
        ".sync-step[data-state=\"pending\"] .sync-step-mark",
    ] {
        let border = page
            .eval(&format!(
                "const s = getComputedStyle(document.querySelector('{selector}')); \
                 return [s.borderTopStyle, parseFloat(s.borderTopWidth) >= 1, \
                         s.borderTopColor !== s.backgroundColor]"
            ))
            .await;
        assert_eq!(
            border,
            serde_json::json!(["solid", true, true]),
            "{selector}"
        );
    }
    page.assert_accessible("forced colours").await;
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

/// The comparison and the result in the light and the dark theme, in English and Latvian, each
/// accessible; the screenshots of the README.
#[tokio::test(flavor = "multi_thread")]
async fn screenshots_light_and_dark_in_english_and_latvian() {
    for (dark, lang) in [
        (false, "en-US"),
        (true, "en-US"),
        (false, "lv-LV"),
        (true, "lv-LV"),
    ] {
        // Each its own tenant: Adele's photo is out of sync in every one.
        let emulator = emulator().await;
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
        let variant = format!("{}-{}", if dark { "dark" } else { "light" }, &lang[..2]);
        page.screenshot(&format!("sync-{variant}")).await;

        page.sync_until(&["done"]).await;
        assert_photos_shown(&page, &["sharepoint-photo", "new-sharepoint-photo"]).await;
        page.wait_for_focus("sync-outcome-title").await;
        if lang.starts_with("lv") {
            assert_eq!(
                title(&page).await,
                "Paveikts — Profila fotoattēla sinhronizācija"
            );
        }
        page.assert_accessible(&format!("done {lang} dark={dark}"))
            .await;
        page.screenshot(&format!("done-{variant}")).await;
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
    the_help_article_link_for_someone_in_sync_ends_on_nothing_to_do_with_the_photos,
    a_click_while_the_photos_are_read_syncs_from_that_comparison,
);
