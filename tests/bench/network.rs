//! What a person feels on a real network: Chromium's network emulation ([`PROFILE`]) on top of
//! the services' latency, with a cold cache, for ours and the baseline in the same run.
//!
//! A session first signs in once from the landing page without emulation (so that the browser
//! holds a Microsoft sign-in session and the consent is given, as for anyone who has used
//! Microsoft 365 that day; nothing is synced, so the user's SharePoint photo stays out of date),
//! then forgets the page (its storage and the browser's cache) and measures, on the network
//! profile:
//!
//! - the landing page to ready-to-click (the `pps:interactive` mark; the page's clock starts
//!   at the navigation), and
//! - the help-article link (`?login_hint=…&autostart=1`) to a verified photo, sign-in
//!   included: the identity page answers at once from the browser's session, as Entra ID does
//!   for a hinted account that is signed in. Wall-clock from the navigation to the first
//!   `data-phase="done"` (polled every 20 ms from the test).

use std::time::{Duration, Instant};

use emulator::Emulator;
use serde_json::{json, Value};

use crate::support::{AppPage, Browser, BrowserOptions, NetworkProfile, PATIENCE};

/// 20 Mbit/s down, 5 Mbit/s up, 60 ms round trip: a good office or home connection.
pub const PROFILE: NetworkProfile = NetworkProfile {
    latency_ms: 60,
    down_bits_per_s: 20_000_000,
    up_bits_per_s: 5_000_000,
};

/// What one network session measured (milliseconds).
pub struct NetworkRun {
    pub landing_ms: Option<f64>,
    pub link_ms: Option<f64>,
    /// The services' log of the link's journey, for the timeline.
    pub link_log: Vec<emulator::LogEntry>,
}

/// One session on the network profile: `landing` is the page's address, `link` the
/// help-article link for `upn`; `service_latency_ms` is added by the emulator to every request.
pub async fn run(
    emulator: &Emulator,
    landing: &str,
    link: &str,
    upn: &str,
    service_latency_ms: u64,
) -> NetworkRun {
    let control = emulator.control();
    let browser = Browser::launch(BrowserOptions::default()).await;
    let page = AppPage::at(&browser, landing.to_owned());

    // Once without emulation: the browser's Microsoft sign-in session and the consent. The
    // landing's sign-in, so that nothing is synced yet.
    page.client.goto(landing).await.expect("the landing opens");
    page.click("sign-in").await;
    let deadline = Instant::now() + PATIENCE;
    loop {
        if page.has(&format!("account-{upn}")).await {
            page.click(&format!("account-{upn}")).await;
        } else if page.has("consent-accept").await {
            page.click("consent-accept").await;
        } else if ready(&page).await {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the first sign-in did not come back to the page: {}",
            page.body_text().await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    forget_the_page(&browser, &page).await;
    browser.emulate_network(PROFILE).await;
    control
        .set_latency(service_latency_ms)
        .await
        .expect("latency");

    page.client.goto(landing).await.expect("the landing opens");
    let landing_ms = wait_for_number(
        &page,
        "const m = performance.getEntriesByName('pps:interactive');
         return m.length ? m[0].startTime : null",
    )
    .await;

    forget_the_page(&browser, &page).await;
    control.clear_log().await.expect("clear log");
    let started = Instant::now();
    page.client.goto(link).await.expect("the link opens");
    let deadline = Instant::now() + PATIENCE;
    let link_ms = loop {
        if done(&page).await {
            break Some(started.elapsed().as_secs_f64() * 1000.0);
        }
        if Instant::now() > deadline {
            eprintln!(
                "bench: the link did not end on a verified photo: {}",
                page.body_text().await
            );
            break None;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    control.set_latency(0).await.expect("latency");
    let link_log = control.log().await.unwrap_or_default();
    NetworkRun {
        landing_ms,
        link_ms,
        link_log,
    }
}

/// Whether the page says `data-phase="done"` (ours on its sync view, the baseline on `<body>`);
/// false while a navigation is under way.
async fn done(page: &AppPage<'_>) -> bool {
    page.client
        .execute(
            "return !!document.querySelector('[data-phase=\"done\"]');",
            vec![],
        )
        .await
        .ok()
        == Some(Value::Bool(true))
}

/// Whether the page is signed in and ready for the sync click (ours: both photos compared;
/// the baseline: its button shown).
async fn ready(page: &AppPage<'_>) -> bool {
    page.client
        .execute(
            "const b = document.getElementById('sync');
             return !!document.querySelector('[data-testid=\"sync-view\"][data-phase=\"compared\"]')
                 || !!(b && !b.hidden);",
            vec![],
        )
        .await
        .ok()
        == Some(Value::Bool(true))
}

/// The page's storage (its tokens and accounts) and the browser's HTTP cache emptied; the
/// Microsoft sign-in session (the identity host's cookies) stays.
async fn forget_the_page(browser: &Browser, page: &AppPage<'_>) {
    page.eval("sessionStorage.clear(); localStorage.clear(); return null;")
        .await;
    page.client.goto("about:blank").await.expect("a blank page");
    browser
        .devtools("Network.clearBrowserCache", json!({}))
        .await;
}

async fn wait_for_number(page: &AppPage<'_>, script: &str) -> Option<f64> {
    let deadline = Instant::now() + PATIENCE;
    while Instant::now() < deadline {
        if let Ok(Value::Number(n)) = page.client.execute(script, vec![]).await {
            return n.as_f64();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}
