//! The intranet widget: in a frame on another origin (`intranet.localhost`) it signs in by
//! popup and syncs; with popups blocked it opens the full page in a new tab and says so; its
//! host page hears what happened only when `embedOrigins` lists the host's origin. Signing out
//! in the frame forgets the widget's session there and never sends the frame to the identity
//! platform's sign-out page (which refuses to be framed); the host page sets the widget's
//! language and theme; and in a 320×240 frame nothing runs off its side or is cut off.

use std::time::Duration;

use serde_json::Value;

use crate::support::{emulator, generated_config, AppPage, Browser, BrowserOptions, Engine};

const ADELE: &str = "adele@contoso.onmicrosoft.com";

/// An intranet page with the widget in a 320×240 frame and a script that keeps every message
/// it receives (origin and data) in `window.photoSyncEvents`.
async fn intranet_page_with_widget(emulator: &emulator::Emulator) {
    intranet_page_with_widget_at(emulator, "").await
}

/// [`intranet_page_with_widget`], with more in the widget's query (`&lang=lv&theme=dark`).
async fn intranet_page_with_widget_at(emulator: &emulator::Emulator, more: &str) {
    let app = emulator.app_url();
    emulator
        .control()
        .set_intranet_page(&format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Contoso intranet</title></head>\
             <body><main><h1>Your profile photo</h1>\
             <iframe id=\"widget\" title=\"Profile Photo Sync\" src=\"{app}?embed=1{more}\" width=\"320\" height=\"240\"></iframe>\
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

/// What in the widget's page runs off the side of its frame, or is cut off inside its own box
/// (text wider or taller than an element that clips it, or spilling out of one that does
/// not); empty when everything fits. Run inside the frame.
const OVERFLOWS: &str = "
  const root = document.documentElement;
  const hidden = (el) => {
    for (let e = el; e && e !== document.documentElement; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.display === 'none' || s.visibility === 'hidden' || (s.position === 'absolute' && s.clip !== 'auto')) return true;
    }
    return false;
  };
  const name = (el) => el.tagName.toLowerCase() + (el.dataset && el.dataset.testid ? '[' + el.dataset.testid + ']' : '')
    + (typeof el.className === 'string' && el.className.trim() ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  const bad = [];
  if (root.scrollWidth > root.clientWidth) bad.push('the page scrolls sideways: ' + root.scrollWidth + ' > ' + root.clientWidth);
  for (const el of document.body.querySelectorAll('*')) {
    if (el.getClientRects().length === 0 || hidden(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.width > 0 && (r.right > root.clientWidth + 1 || r.left < -1)) bad.push(name(el) + ' runs off the frame: ' + Math.round(r.left) + '..' + Math.round(r.right));
    if (el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1) bad.push(name(el) + ' is too narrow: ' + el.scrollWidth + ' > ' + el.clientWidth + ' (' + el.textContent.trim().slice(0, 40) + ')');
    if (el.clientHeight > 0 && el.scrollHeight > el.clientHeight + 1) bad.push(name(el) + ' is too low: ' + el.scrollHeight + ' > ' + el.clientHeight + ' (' + el.textContent.trim().slice(0, 40) + ')');
  }
  return bad;";

/// Fails when anything in the widget (the current frame) overflows, naming what and where.
async fn assert_fits(page: &AppPage<'_>, screen: &str) {
    let size = page
        .eval("return [window.innerWidth, window.innerHeight]")
        .await;
    assert_eq!(size, serde_json::json!([320, 240]), "the frame's size");
    let overflows = page.eval(OVERFLOWS).await;
    assert_eq!(
        overflows,
        serde_json::json!([]),
        "{screen} does not fit 320×240:\n{}",
        page.body_text().await
    );
}

/// The widget's session keys (its tokens and account) in its sessionStorage.
async fn session_keys(page: &AppPage<'_>) -> Vec<String> {
    page.storage_keys()
        .await
        .into_iter()
        .filter(|k| k.contains("pps.auth"))
        .collect()
}

/// Issue: signing out in the widget sent its frame to the identity platform's sign-out page,
/// which refuses to be framed (Entra ID's sends `X-Frame-Options: DENY`, as the emulator's
/// does), so the frame showed the browser's refusal. Now the widget forgets its own session,
/// stays, and says that Microsoft 365 still has the person signed in elsewhere; signing in
/// again asks which account.
async fn signing_out_in_the_widget_stays_in_the_frame_and_says_what_it_did(engine: Engine) {
    let emulator = emulator().await;
    intranet_page_with_widget(&emulator).await;
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
    page.click("sign-in").await;
    let first = page.switch_to_new_window().await;
    page.sign_in_on_identity_page(ADELE).await;
    page.wait_for_single_window(first).await;
    enter_widget(&page).await;
    page.wait_for_phase(&["compared"]).await;
    assert!(!session_keys(&page).await.is_empty(), "signed in");
    assert_fits(&page, "the widget, compared").await;

    emulator.control().clear_log().await.unwrap();
    page.click("sign-out").await;
    page.wait_for("embed-signed-out-here").await;
    page.wait_for("embed-landing").await;
    assert!(
        page.text_of("embed-signed-out-here")
            .await
            .contains("still has you signed in"),
        "it says what it did not do"
    );
    assert_eq!(session_keys(&page).await, Vec::<String>::new());
    let here = page.eval("return location.href").await;
    assert!(
        here.as_str()
            .unwrap_or_default()
            .starts_with(&emulator.app_url()),
        "the frame stays on the widget: {here}"
    );
    let log = emulator.control().log().await.unwrap();
    assert!(
        log.iter().all(|e| !e.path_and_query.contains("/logout")),
        "the frame never went to the sign-out page"
    );
    page.assert_accessible("widget, signed out here").await;
    assert_fits(&page, "the widget, signed out here").await;

    // Signing in again asks which account, though Microsoft 365 still knows this one: the
    // picker shows (consent was given the first time, so the popup closes once it is used).
    page.click("sign-in").await;
    let first = page.switch_to_new_window().await;
    page.until("the account picker did not load", || async {
        let picker = page.has(&format!("account-{ADELE}")).await;
        let state = page.eval("return document.readyState").await;
        if picker && state == "complete" {
            Ok(())
        } else {
            Err(format!("picker {picker}, {state}"))
        }
    })
    .await;
    page.click(&format!("account-{ADELE}")).await;
    page.wait_for_single_window(first).await;
    enter_widget(&page).await;
    page.wait_for_phase(&["compared"]).await;
    assert!(!page.has("embed-signed-out-here").await);
    let log = emulator.control().log().await.unwrap();
    let authorize: Vec<_> = log
        .iter()
        .filter(|e| e.path_and_query.contains("/oauth2/v2.0/authorize"))
        .collect();
    assert!(
        !authorize.is_empty()
            && authorize
                .iter()
                .all(|e| e.path_and_query.contains("prompt=select_account")),
        "{:?}",
        authorize
            .iter()
            .map(|e| &e.path_and_query)
            .collect::<Vec<_>>()
    );
}

/// The host page sets the widget's language and theme (`?embed=1&lang=lv&theme=dark`) over the
/// browser's; values the widget does not know are ignored. In Latvian, through sign-in and a
/// sync, nothing overflows a 320×240 frame.
#[tokio::test(flavor = "multi_thread")]
async fn the_host_page_sets_the_widgets_language_and_theme_and_latvian_fits_the_frame() {
    let emulator = emulator().await;
    assert!(!in_sync(&emulator, ADELE).await);
    intranet_page_with_widget_at(&emulator, "&lang=lv&theme=dark").await;
    // An English browser in light mode.
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    open_intranet(&page, &emulator).await;
    enter_widget(&page).await;
    page.wait_for("embed-landing").await;
    let looks = page
        .eval(
            "return [document.documentElement.lang, document.documentElement.dataset.theme, \
             getComputedStyle(document.body).backgroundColor, document.title, \
             document.querySelector('#embed-title').textContent]",
        )
        .await;
    assert_eq!(
        looks,
        serde_json::json!([
            "lv",
            "dark",
            "rgb(41, 41, 41)",
            "Profila fotoattēla sinhronizācija",
            "Jūsu profila fotoattēls"
        ])
    );
    page.assert_accessible("widget, Latvian, dark").await;
    assert_fits(&page, "the Latvian widget, signed out").await;

    page.click("sign-in").await;
    let first = page.switch_to_new_window().await;
    page.sign_in_on_identity_page(ADELE).await;
    page.wait_for_single_window(first).await;
    enter_widget(&page).await;
    page.wait_for_phase(&["compared"]).await;
    assert_fits(&page, "the Latvian widget, compared").await;
    page.sync_until(&["done"]).await;
    assert!(in_sync(&emulator, ADELE).await);
    assert_fits(&page, "the Latvian widget, synced").await;
    page.assert_accessible("widget, Latvian, dark, synced")
        .await;
    page.client.enter_parent_frame().await.unwrap();
    page.screenshot("widget-lv-dark").await;

    // Light over a dark system; a language and a theme it does not know are ignored.
    drop(browser);
    for (more, lang, theme, background) in [
        ("&theme=light", "en", Some("light"), "rgb(255, 255, 255)"),
        ("&lang=xx&theme=pink", "en", None, "rgb(41, 41, 41)"),
    ] {
        intranet_page_with_widget_at(&emulator, more).await;
        let browser = Browser::launch(BrowserOptions {
            dark: true,
            ..Default::default()
        })
        .await;
        let page = AppPage::new(&browser, &emulator);
        open_intranet(&page, &emulator).await;
        enter_widget(&page).await;
        page.wait_for("embed-landing").await;
        let looks = page
            .eval(
                "return [document.documentElement.lang, document.documentElement.dataset.theme || null, \
                 getComputedStyle(document.body).backgroundColor]",
            )
            .await;
        assert_eq!(
            looks,
            serde_json::json!([lang, theme, background]),
            "{more}"
        );
        assert_fits(&page, &format!("the widget with {more}")).await;
    }
}

crate::in_chromium_and_firefox!(
    the_widget_in_a_cross_origin_frame_signs_in_by_popup_syncs_and_tells_its_host,
    signing_out_in_the_widget_stays_in_the_frame_and_says_what_it_did,
);
