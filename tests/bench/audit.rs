//! The admin audit at tenant scale: a generated tenant (10,000 users in the full bench, 120 in
//! the smoke run) audited in headless Chromium against the emulator's documented throttling
//! models, their windows scaled down so that the bench stays short (`limit_window_scale`; the
//! budgets stay as documented, and the page is told the scaled SharePoint window through
//! `audit` in `config.json`, as a deployment with other limits would).
//!
//! Figures: the audit's wall time, the SharePoint calls it made, its throughput against the
//! binding limit (the signed-in admin's 3,000 SharePoint requests per 5 minutes: how full the
//! pace kept each window, on average over the windows the audit used whole), the users left
//! without a status, the throttled answers the services sent, and the page's peak JS heap and
//! wasm memory.

use std::time::{Duration, Instant};

use emulator::{Emulator, EmulatorOptions, GeneratedTenant, LogEntry};
use serde_json::Value;

use crate::support::{
    generated_config, grant_admin_consent_on_sharepoint, AppPage, Browser, BrowserOptions,
};

const ADMIN: &str = "admin@contoso.onmicrosoft.com";
/// SharePoint requests per user per window, and the window at full scale: 3,000 per 5 minutes
/// (<https://learn.microsoft.com/sharepoint/dev/general-development/how-to-avoid-getting-throttled-or-blocked-in-sharepoint-online>).
const PER_USER_CALLS: f64 = 3_000.0;
const PER_USER_WINDOW_S: f64 = 300.0;

/// What one audit measured.
pub struct AuditRun {
    pub users: usize,
    pub wall_ms: f64,
    pub sharepoint_calls: usize,
    /// How full the binding budget's windows were, on average over the full ones.
    pub fraction_of_limits: f64,
    pub without_status: usize,
    pub throttled: usize,
    pub heap: Option<f64>,
    pub wasm: Option<f64>,
    pub lines: Vec<String>,
}

/// Audits a generated tenant of `users` with every window `scale` times its documented length.
pub async fn run(site: &std::path::Path, users: u32, scale: f64) -> AuditRun {
    let emulator = Emulator::start(EmulatorOptions {
        port: 0,
        app_dir: Some(site.to_path_buf()),
        generated: Some(GeneratedTenant::new(users, 1)),
        limit_window_scale: Some(scale),
        ..Default::default()
    })
    .await
    .expect("the emulator starts with a generated tenant");
    let control = emulator.control();
    let truth = control.truth().await.expect("the tenant's truth");
    let window_s = PER_USER_WINDOW_S * scale;
    let mut config: Value = generated_config(&emulator).await;
    config["audit"] = serde_json::json!({
        "sharePointCalls": PER_USER_CALLS as u32,
        "sharePointWindowSeconds": window_s.round().max(1.0) as u32,
    });
    control
        .set_app_config(Some(config.to_string()))
        .await
        .expect("config.json with the scaled window");
    grant_admin_consent_on_sharepoint(&emulator, &["User.Read.All"]).await;
    control
        .grant_consent(ADMIN, &["User.Read.All", "GroupMember.Read.All"])
        .await
        .expect("the admin's consent to the directory reads");

    let browser = Browser::launch(BrowserOptions {
        precise_memory: true,
        ..Default::default()
    })
    .await;
    let page = AppPage::new(&browser, &emulator);
    page.open("admin.html").await;
    page.click("admin-sign-in-button").await;
    let first = page.switch_to_new_window().await;
    page.sign_in_on_identity_page(ADMIN).await;
    page.wait_for_single_window(first).await;
    page.wait_for("audit-scope").await;
    page.eval(
        "const b = window.__bench = { heap: 0 };
         const sample = () => { if (performance.memory)
             b.heap = Math.max(b.heap, performance.memory.usedJSHeapSize); };
         b.timer = setInterval(sample, 100); sample(); return null;",
    )
    .await;
    control.clear_log().await.expect("clear log");
    let started = Instant::now();
    page.click("audit-start").await;
    if page.has("audit-consent").await {
        page.click("audit-consent").await;
        let first = page.switch_to_new_window().await;
        page.sign_in_on_identity_page(ADMIN).await;
        page.wait_for_single_window(first).await;
    }
    // The full audit takes minutes: wait on it here rather than with the harness's patience.
    let deadline = started + Duration::from_secs(60 * 30);
    loop {
        if page.has("audit-finished").await {
            break;
        }
        assert!(
            !page.has("audit-failed").await,
            "the audit failed: {}",
            page.text_of("audit-failed").await
        );
        assert!(
            Instant::now() < deadline,
            "the audit did not finish in 30 minutes"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let wall_ms = started.elapsed().as_secs_f64() * 1000.0;
    let heap = page
        .eval("clearInterval(window.__bench.timer); return window.__bench.heap;")
        .await
        .as_f64()
        .filter(|h| *h > 0.0);
    let wasm = crate::native::wasm_memory(&page).await;
    // Everyone the chart counts has a status; the rest of the tenant's audited users have none.
    let with_status = page
        .eval(
            "return Array.from(document.querySelectorAll('.legend-count'))
                .reduce((n, e) => n + Number(e.textContent.trim()), 0);",
        )
        .await
        .as_u64()
        .unwrap_or(0) as usize;
    let without_status = truth.audited().count().saturating_sub(with_status);

    let log = control.log().await.expect("the request log");
    let sharepoint: Vec<&LogEntry> = log
        .iter()
        .filter(|e| e.host.ends_with("-my.localhost") && e.method != "OPTIONS")
        .collect();
    let throttled = log
        .iter()
        .filter(|e| e.injected.as_deref() == Some("throttled"))
        .count();
    let mut starts: Vec<u64> = sharepoint.iter().map(|e| e.started_ms).collect();
    starts.sort_unstable();
    let span_ms = match (starts.first(), starts.last()) {
        (Some(a), Some(b)) => (b - a) as f64,
        _ => 0.0,
    };
    let n = starts.len();
    let fills = window_fills(&starts, window_s * 1000.0, PER_USER_CALLS);
    // The last window is cut short by the audit's end: the full ones say how full the pace
    // keeps the budget.
    let full = &fills[..fills.len().saturating_sub(1)];
    let fraction_of_limits = if full.is_empty() {
        fills.first().copied().unwrap_or(0.0)
    } else {
        full.iter().sum::<f64>() / full.len() as f64
    };
    let audited = truth.audited().count();
    let mut lines = vec![format!(
        "{audited} users audited in {:.1} s; {n} SharePoint calls over {:.1} s, windows of \
         {window_s:.0} s filled to {fills:.2?} of {PER_USER_CALLS}; {} Graph requests; \
         {throttled} throttled",
        wall_ms / 1000.0,
        span_ms / 1000.0,
        log.iter()
            .filter(|e| e.host.starts_with("graph.")
                && e.method != "OPTIONS"
                && e.batch_of.is_none())
            .count(),
    )];
    for (status, count) in &truth.counts {
        lines.push(format!("  {status:?}: {count}"));
    }
    AuditRun {
        users: audited,
        wall_ms,
        sharepoint_calls: n,
        fraction_of_limits,
        without_status,
        throttled,
        heap,
        wasm,
        lines,
    }
}

/// How full each of SharePoint's per-user windows was, as the emulator keeps them: a window
/// opens with the first call after the last one ended and lasts `window_ms`
/// (emulator/README.md, "Throttling models"); each fill is its calls over `budget`.
fn window_fills(starts: &[u64], window_ms: f64, budget: f64) -> Vec<f64> {
    let mut fills = Vec::new();
    let mut opened: Option<(f64, u32)> = None;
    for &t in starts {
        let t = t as f64;
        opened = match opened {
            Some((at, calls)) if t < at + window_ms => Some((at, calls + 1)),
            Some((_, calls)) => {
                fills.push(f64::from(calls) / budget);
                Some((t, 1))
            }
            None => Some((t, 1)),
        };
    }
    if let Some((_, calls)) = opened {
        fills.push(f64::from(calls) / budget);
    }
    fills
}
