//! The intranet widget: in a frame on another origin (`intranet.localhost`) it signs in by
//! popup and syncs; with popups blocked it opens the full page in a new tab and says so; its
//! host page hears what happened only when `embedOrigins` lists the host's origin.

use std::time::Duration;

use serde_json::Value;

use crate::support::{emulator, generated_config, AppPage, Browser, BrowserOptions, Engine};

const ADELE: &str = "adele@contoso.onmicrosoft.com";

/// An intranet page with the widget in a 320×240 frame and a script that keeps every message
/// it receives (origin and data) in `window.photoSyncEvents`.
async fn intranet_page_with_widget(emulator: &emulator::Emulator) {
    let app = emulator.app_url();
    emulator
        .control()
        .set_intranet_page(&format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Contoso intranet</title></head>\
             <body><main><h1>Your profile photo</h1>\
             <iframe id=\"widget\" title=\"Profile Photo Sync\" src=\"{app}?embed=1\" width=\"320\" height=\"240\"></iframe>\
             </main><script>\
             window.photoSyncEvents = [];\
             window.addEventListener('message', function (e) {{\
               window.photoSyncEvents.push({{ origin: e.origin, type: e.data && e.data.type, reason: e.data && e.data.reason }});\
             }});\
             </script></body></html>"
        ))
        .await
        .unwrap();
}

async fn open_intranet(page: &AppPage<'_>, emulator: &emulator::Emulator) {
    page.client
        .goto(&format!("{}/", emulator.origin("intranet")))
        .await
        .unwrap();
}

async fn enter_widget(page: &AppPage<'_>) {
    let frame = page.wait_for_css("#widget").await;
    frame.enter_frame().await.unwrap();
}

/// The events the host page received, as `type` or `type:reason`.
async fn host_events(page: &AppPage<'_>, app_origin: &str) -> Vec<String> {
    let events = page.eval("return window.photoSyncEvents").await;
    events
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|e| {
            assert_eq!(e["origin"], Value::from(app_origin), "{e}");
            match e["reason"].as_str() {
                Some(reason) => format!("{}:{reason}", e["type"].as_str().unwrap_or_default()),
                None => e["type"].as_str().unwrap_or_default().to_owned(),
            }
        })
        .collect()
}

async fn wait_for_host_event(page: &AppPage<'_>, app_origin: &str, wanted: &str) -> Vec<String> {
    page.until(&format!("the host never heard {wanted}"), || async {
        let events = host_events(page, app_origin).await;
        if events.iter().any(|e| e == wanted) {
            Ok(events)
        } else {
            Err(format!("it heard {events:?}"))
        }
    })
    .await
}

async fn in_sync(emulator: &emulator::Emulator, upn: &str) -> bool {
    let state = emulator.control().state().await.unwrap();
    state.user(upn).expect("a demo user").in_sync
}

async fn the_widget_in_a_cross_origin_frame_signs_in_by_popup_syncs_and_tells_its_host(
    engine: Engine,
) {
    let emulator = emulator().await;
    intranet_page_with_widget(&emulator).await;
    assert!(!in_sync(&emulator, ADELE).await);
    let browser = Browser::launch(BrowserOptions {
        engine,
        ..Default::default()
    })
    .await;
    let page = AppPage::new(&browser, &emulator);
    let app_origin = emulator.origin("app");
    open_intranet(&page, &emulator).await;
    wait_for_host_event(&page, &app_origin, "photo-sync:ready").await;

    enter_widget(&page).await;
    page.wait_for("embed-landing").await;
    assert_eq!(
        page.eval("return document.body.classList.contains('embedded')")
            .await,
        Value::Bool(true),
        "the compact layout"
    );
    page.assert_accessible("widget, signed out").await;
    page.click("sign-in").await;
    let first = page.switch_to_new_window().await;
    page.sign_in_on_identity_page(ADELE).await;
    page.wait_for_single_window(first).await;

    enter_widget(&page).await;
    page.wait_for_phase(&["compared"]).await;
    page.sync_until(&["done"]).await;
    assert!(
        in_sync(&emulator, ADELE).await,
        "SharePoint shows the Exchange photo"
    );
    page.assert_accessible("widget, synced").await;
    // The result fits the 320×240 frame: no scrolling needed to see the button's outcome.
    let fits = page
        .eval("const r = document.querySelector('[data-testid=\"sync-result\"]').getBoundingClientRect(); return r.bottom <= window.innerHeight + 1 && r.right <= window.innerWidth + 1")
        .await;
    assert_eq!(fits, Value::Bool(true), "the result is inside the frame");

    page.client.enter_parent_frame().await.unwrap();
    let events = wait_for_host_event(&page, &app_origin, "photo-sync:synced").await;
    assert_eq!(
        events,
        vec![
            "photo-sync:ready",
            "photo-sync:signed-in",
            "photo-sync:synced"
        ],
        "in order, each once"
    );
    page.screenshot("widget").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn with_popups_blocked_the_widget_opens_the_full_page_in_a_new_tab_that_syncs() {
    let emulator = emulator().await;
    intranet_page_with_widget(&emulator).await;
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    let app_origin = emulator.origin("app");
    open_intranet(&page, &emulator).await;
    enter_widget(&page).await;
    page.wait_for("embed-landing").await;
    // A popup blocker: the sign-in window gets nothing; other windows (tabs) still open.
    page.eval(
        "const open = window.open.bind(window);\
         window.open = function (url, name, features) { return name === 'pps-signin' ? null : open(url, name, features); };\
         return 1",
    )
    .await;
    page.click("sign-in").await;
    assert_eq!(
        page.attribute_of("embed-fallback", "data-fallback")
            .await
            .as_deref(),
        Some("opened-tab")
    );
    assert!(page.text_of("embed-fallback").await.contains("new tab"));
    let link = page
        .attribute_of("embed-open-tab", "href")
        .await
        .unwrap_or_default();
    assert_eq!(link, format!("{}?autostart=1", emulator.app_url()));

    // The new tab is the full page: it signs in at top level and syncs by itself.
    let first = page.switch_to_new_window().await;
    page.sign_in_on_identity_page(ADELE).await;
    page.wait_for_phase(&["done"]).await;
    assert!(
        !page
            .client
            .current_url()
            .await
            .unwrap()
            .as_str()
            .contains("autostart"),
        "autostart leaves the address"
    );
    assert!(in_sync(&emulator, ADELE).await);
    let authorize = emulator
        .control()
        .log()
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.path_and_query.contains("/oauth2/v2.0/authorize"))
        .count();
    assert_eq!(authorize, 1, "one top-level sign-in, no popup");

    page.client.switch_to_window(first).await.unwrap();
    wait_for_host_event(&page, &app_origin, "photo-sync:failed:popup-blocked").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_host_page_not_in_embed_origins_hears_nothing() {
    let emulator = emulator().await;
    intranet_page_with_widget(&emulator).await;
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    let app_origin = emulator.origin("app");

    // Listed: the host hears that the widget is ready.
    open_intranet(&page, &emulator).await;
    wait_for_host_event(&page, &app_origin, "photo-sync:ready").await;

    // The same page, with the intranet's origin left out of embedOrigins.
    let mut config = generated_config(&emulator).await;
    assert_eq!(
        config["embedOrigins"],
        serde_json::json!([emulator.origin("intranet")])
    );
    config["embedOrigins"] = serde_json::json!(["https://intranet.contoso.com"]);
    emulator
        .control()
        .set_app_config(Some(config.to_string()))
        .await
        .unwrap();
    open_intranet(&page, &emulator).await;
    enter_widget(&page).await;
    // A stranger's frame offers no sign-in (issue 11, defect 8): it says why instead.
    page.wait_for("embed-stranger").await;
    assert!(!page.has("sign-in").await);
    page.client.enter_parent_frame().await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(host_events(&page, &app_origin).await, Vec::<String>::new());
}

crate::in_chromium_and_firefox!(
    the_widget_in_a_cross_origin_frame_signs_in_by_popup_syncs_and_tells_its_host,
);
