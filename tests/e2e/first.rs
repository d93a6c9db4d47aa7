//! The sync page's first module (`src/first.rs`): a signed-out visit gets the landing without
//! the app module, which comes in behind it and takes the screen over; what a person did on the
//! first landing meanwhile (a language, the focus, a press on the sign-in button) is kept.

use emulator::{Emulator, FaultKind, FaultRule};
use serde_json::Value;

use crate::support::{emulator, AppPage, Browser, BrowserOptions, Engine};

const ADELE: &str = "adele@contoso.onmicrosoft.com";

/// The app module's glue and wasm as `index.html` names them (`<meta name="pps-app">`, after
/// its loader).
async fn app_module(page: &AppPage<'_>) -> (String, String) {
    let content = page
        .eval("return document.querySelector('meta[name=\"pps-app\"]').content")
        .await;
    let content = content.as_str().expect("index.html names the app module");
    let mut names = content
        .split_whitespace()
        .map(|n| n.trim_start_matches("./").to_owned());
    let loader = names.next().expect("the app module's loader");
    assert!(loader.starts_with("boot-"), "{content}");
    let js = names.next().expect("the app module's glue");
    let wasm = names.next().expect("the app module's wasm");
    assert!(
        js.ends_with(".js") && wasm.ends_with("_bg.wasm"),
        "{content}"
    );
    (js, wasm)
}

/// The file names the page had fetched or asked for, with when each started (ms).
async fn resources(page: &AppPage<'_>) -> Vec<(String, f64)> {
    let entries = page
        .eval(
            "return performance.getEntriesByType('resource')
                .map(e => [e.name.split('/').pop(), e.startTime]);",
        )
        .await;
    entries
        .as_array()
        .map(|rows| {
            rows.iter()
                .filter_map(|row| {
                    Some((
                        row.get(0)?.as_str()?.to_owned(),
                        row.get(1).and_then(Value::as_f64)?,
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn mark(page: &AppPage<'_>, name: &str) -> Option<f64> {
    page.eval(&format!(
        "const m = performance.getEntriesByName('{name}'); return m.length ? m[0].startTime : null;"
    ))
    .await
    .as_f64()
}

/// A browser with a fresh cache on a page whose app module's wasm answers `delay_ms` late, so
/// that the first module's landing stays on screen that long.
async fn app_module_late(emulator: &Emulator, delay_ms: u64) -> Browser {
    let scout = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&scout, emulator);
    page.open("").await;
    page.wait_for("sign-in").await;
    let (_, wasm) = app_module(&page).await;
    drop(scout);
    emulator
        .control()
        .set_fault(FaultRule {
            host: Some("app".into()),
            path_contains: Some(wasm),
            kind: FaultKind::Delay,
            latency_ms: Some(delay_ms),
            ..Default::default()
        })
        .await
        .unwrap();
    Browser::launch(BrowserOptions::default()).await
}

async fn the_landing_comes_before_the_app_module_which_takes_over_behind_it(engine: Engine) {
    let emulator = emulator().await;
    let browser = Browser::launch(BrowserOptions {
        engine,
        ..Default::default()
    })
    .await;
    let page = AppPage::new(&browser, &emulator);
    page.open("").await;
    page.wait_for("sign-in").await;
    let (js, wasm) = app_module(&page).await;

    // The landing is the first module's: ready before the app module was asked for.
    let interactive = page
        .until("no pps:interactive mark", || async {
            mark(&page, "pps:interactive")
                .await
                .ok_or("not yet interactive")
        })
        .await;
    let before: Vec<String> = resources(&page)
        .await
        .into_iter()
        .filter(|(_, at)| *at <= interactive)
        .map(|(name, _)| name)
        .collect();
    assert!(
        !before.iter().any(|n| *n == js || *n == wasm),
        "the landing waited for the app module: {before:?}"
    );
    let start = mark(&page, "pps:start")
        .await
        .expect("the first module ran");
    assert!(start <= interactive);
    if let Some(app) = mark(&page, "pps:app").await {
        assert!(
            app > interactive,
            "the app ran before the landing was ready"
        );
    }
    assert!(page
        .text_of("landing")
        .await
        .contains("Make SharePoint show your current photo"));

    // Behind it, the app comes in and takes the screen over: the same landing.
    page.until("the app did not take the landing over", || async {
        if page.app_took_over().await {
            Ok(())
        } else {
            Err(format!("fetched so far: {:?}", resources(&page).await))
        }
    })
    .await;
    assert!(page
        .text_of("landing")
        .await
        .contains("Make SharePoint show your current photo"));
    page.assert_accessible("the landing, taken over by the app")
        .await;

    page.sign_in(ADELE).await;
    page.wait_for_phase(&["compared"]).await;
}

crate::in_chromium_and_firefox!(the_landing_comes_before_the_app_module_which_takes_over_behind_it);

/// The first module's landing speaks the language chosen on it; the app, when it takes over,
/// keeps that language and the focus where it was.
#[tokio::test(flavor = "multi_thread")]
async fn the_app_keeps_the_language_and_the_focus_of_the_first_landing() {
    let emulator = emulator().await;
    let browser = app_module_late(&emulator, 3_000).await;
    let page = AppPage::new(&browser, &emulator);
    page.open("").await;
    page.wait_for("sign-in").await;
    page.eval(
        "const s = document.querySelector('[data-testid=\"language\"]');
         s.value = 'lv'; s.dispatchEvent(new Event('change')); return null;",
    )
    .await;
    page.until("the landing did not switch to Latvian", || async {
        match page.text_of("sign-in").await.as_str() {
            "Pierakstīties" => Ok(()),
            other => Err(other.to_owned()),
        }
    })
    .await;
    assert!(!page.app_took_over().await, "the app module came early");
    let focused = || async {
        page.eval("return document.activeElement.dataset.testid || null")
            .await
    };
    assert_eq!(
        page.eval("return document.documentElement.lang").await,
        Value::String("lv".into())
    );
    assert_eq!(
        focused().await,
        Value::String("language".into()),
        "the switcher keeps the focus"
    );
    page.assert_accessible("the first module's landing in Latvian")
        .await;
    // Every frame from here on is drawn with a sign-in button: the takeover shows no frame
    // between the two landings.
    page.eval(
        "window.__frames = 0; window.__without = 0;
         const frame = () => {
             window.__frames++;
             if (!document.querySelector('[data-testid=\"sign-in\"]')) window.__without++;
             requestAnimationFrame(frame);
         };
         requestAnimationFrame(frame); return null;",
    )
    .await;

    page.until("the app did not take the landing over", || async {
        page.app_took_over().await.then_some(()).ok_or("not yet")
    })
    .await;
    page.until("the focus was not carried over", || async {
        match focused().await {
            Value::String(id) if id == "language" => Ok(()),
            other => Err(other),
        }
    })
    .await;
    assert_eq!(page.text_of("sign-in").await, "Pierakstīties");
    let frames = page
        .eval("return [window.__frames, window.__without]")
        .await;
    assert!(
        frames[0].as_u64().unwrap_or(0) > 0 && frames[1].as_u64() == Some(0),
        "frames drawn, and of them without a sign-in button: {frames}"
    );
    page.sign_in(ADELE).await;
    assert_eq!(page.text_of("sign-out").await, "Izrakstīties");
}

/// A press on the first landing's sign-in button before the app is up is kept: the button says
/// it is busy, and the app signs in as soon as it has taken over.
#[tokio::test(flavor = "multi_thread")]
async fn a_sign_in_pressed_before_the_app_is_up_goes_out_when_it_is() {
    let emulator = emulator().await;
    let browser = app_module_late(&emulator, 2_000).await;
    let page = AppPage::new(&browser, &emulator);
    page.open("").await;
    page.wait_for("sign-in").await;
    page.click("sign-in").await;
    assert!(!page.app_took_over().await, "the app module came early");
    assert_eq!(
        page.attribute_of("sign-in", "aria-busy").await.as_deref(),
        Some("true")
    );
    page.sign_in_on_identity_page(ADELE).await;
    page.wait_for("signed-in-user").await;
    page.wait_for_phase(&["compared"]).await;
}

/// A press is this page load's: reloaded before the app was up (as someone does when a page
/// seems stuck), the page shows its landing and does not sign in by itself.
#[tokio::test(flavor = "multi_thread")]
async fn a_press_before_a_reload_does_not_sign_in_by_itself() {
    let emulator = emulator().await;
    let browser = app_module_late(&emulator, 3_000).await;
    let page = AppPage::new(&browser, &emulator);
    page.open("").await;
    page.wait_for("sign-in").await;
    page.click("sign-in").await;
    assert!(!page.app_took_over().await, "the app module came early");
    emulator.control().clear_faults().await.unwrap();
    page.client.refresh().await.unwrap();
    page.wait_for("sign-in").await;
    page.until("the app takes over", || async {
        if page.app_took_over().await {
            Ok(())
        } else {
            Err("the first landing".to_owned())
        }
    })
    .await;
    // Time enough for a sign-in to have left, had the press been kept.
    tokio::time::sleep(std::time::Duration::from_millis(1_500)).await;
    assert!(page.has("sign-in").await, "still the landing");
    assert_eq!(
        page.attribute_of("sign-in", "aria-busy").await.as_deref(),
        None,
        "the button is not busy"
    );
    let log = emulator.control().log().await.unwrap();
    assert!(
        !log.iter().any(|e| e.path_and_query.contains("/authorize")),
        "no sign-in started"
    );
}

/// A sign-in that cannot start (here the identity platform's discovery document answers 500)
/// is explained by the app, whichever landing the button was pressed on, with the other way
/// in.
#[tokio::test(flavor = "multi_thread")]
async fn a_sign_in_that_cannot_start_is_explained_by_the_app() {
    let emulator = emulator().await;
    emulator
        .control()
        .set_fault(FaultRule {
            host: Some("login".into()),
            path_contains: Some("/.well-known/openid-configuration".into()),
            status: 500,
            ..Default::default()
        })
        .await
        .unwrap();
    let browser = Browser::launch(BrowserOptions::default()).await;
    browser.tolerate("openid-configuration");
    let page = AppPage::new(&browser, &emulator);
    page.open("").await;
    page.click("sign-in").await;
    assert_eq!(
        page.attribute_of("auth-error", "data-error-kind")
            .await
            .as_deref(),
        Some("discovery")
    );
    assert!(mark(&page, "pps:app").await.is_some(), "the app took over");
    assert!(page.has("sign-in").await);
}

/// When the app module cannot be fetched, the page says so instead of spinning for ever.
#[tokio::test(flavor = "multi_thread")]
async fn an_app_module_that_cannot_be_fetched_is_said() {
    let emulator = emulator().await;
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::new(&browser, &emulator);
    page.open("").await;
    page.wait_for("sign-in").await;
    let (js, _) = app_module(&page).await;
    emulator
        .control()
        .set_fault(FaultRule {
            host: Some("app".into()),
            path_contains: Some(js.clone()),
            status: 503,
            kind: FaultKind::Status,
            ..Default::default()
        })
        .await
        .unwrap();
    // A fresh browser cache: the widget needs the app at once.
    let fresh = Browser::launch(BrowserOptions::default()).await;
    fresh.tolerate(&js);
    fresh.tolerate("dynamically imported module");
    let widget = AppPage::new(&fresh, &emulator);
    widget.open("?embed=1").await;
    assert_eq!(
        widget.text_of("app-load-failed").await,
        "The page could not finish loading. Check your network connection, then reload the page."
    );
    assert_eq!(
        widget
            .attribute_of("app-load-failed", "role")
            .await
            .as_deref(),
        Some("alert")
    );
}

/// A help-article link (`autostart`) asks for the authority's discovery document at once,
/// beside the app module's files, not after them: with the app module's wasm held back 3 s,
/// the document is asked before the wasm is answered, once on the whole way to the identity
/// platform and back (the app finds it in the browser's cache), and the link still syncs.
#[tokio::test(flavor = "multi_thread")]
async fn a_help_article_link_asks_for_the_discovery_document_beside_the_app_module() {
    let emulator = emulator().await;
    let browser = app_module_late(&emulator, 3_000).await;
    let control = emulator.control();
    control.clear_log().await.unwrap();
    let page = AppPage::new(&browser, &emulator);
    let adele = "adele@contoso.onmicrosoft.com";
    page.open(&format!("?login_hint={adele}&autostart=1")).await;
    page.wait_for(&format!("account-{adele}")).await;
    page.sign_in_on_identity_page(adele).await;
    page.wait_for_phase(&["done"]).await;

    let log = control.log().await.unwrap();
    let discovery: Vec<_> = log
        .iter()
        .filter(|e| {
            e.path_and_query
                .contains("/.well-known/openid-configuration")
        })
        .collect();
    assert_eq!(discovery.len(), 1, "asked once: {discovery:?}");
    let wasm_answered = log
        .iter()
        .filter(|e| e.host == "app.localhost" && e.path_and_query.ends_with(".wasm"))
        .filter(|e| e.duration_ms >= 3_000)
        .map(|e| e.started_ms + e.duration_ms)
        .min()
        .expect("the app module's wasm, held back");
    assert!(
        discovery[0].started_ms + 1_000 < wasm_answered,
        "asked while the app module was on its way ({} ms, the wasm answered at {wasm_answered} ms)",
        discovery[0].started_ms
    );
}
