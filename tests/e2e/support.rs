//! The harness of these tests is the `e2e-harness` crate (`harness/`), shared with the
//! benchmarks: the release build served by the emulator, a browser (Chromium or Firefox ESR)
//! that fails the test on a console error or CSP violation, and the [`AppPage`] page object.
//! Here too: what only Chromium can be asked through its DevTools (a phone's viewport, forced
//! colours).

pub use e2e_harness::*;

use fantoccini::wd::WebDriverCompatibleCommand;
use serde_json::{json, Value};

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

/// Runs a DevTools command in Chromium's current tab.
pub async fn devtools(page: &AppPage<'_>, cmd: &'static str, params: Value) {
    page.client
        .issue_cmd(DevTools { cmd, params })
        .await
        .unwrap_or_else(|e| panic!("ChromeDriver runs {cmd}: {e}"));
}

/// Shows the page in a viewport of exactly `width` × `height` CSS pixels, as a phone's when
/// narrower than 600 (Chromium keeps a minimum window width of its own, and its window size
/// is not its viewport's, so the window size alone does not do it).
pub async fn viewport(page: &AppPage<'_>, width: u32, height: u32) {
    devtools(
        page,
        "Emulation.setDeviceMetricsOverride",
        json!({ "width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600 }),
    )
    .await;
}

/// Turns Windows High Contrast's `forced-colors: active` on for the page.
pub async fn forced_colors(page: &AppPage<'_>) {
    devtools(
        page,
        "Emulation.setEmulatedMedia",
        json!({ "features": [{ "name": "forced-colors", "value": "active" }] }),
    )
    .await;
}

/// The contrast ratio of two CSS colours as `getComputedStyle` gives them
/// (`rgb(r, g, b)` or `rgba(r, g, b, a)`, opaque), by WCAG 2's relative luminance.
pub fn contrast(a: &str, b: &str) -> f64 {
    let luminance = |css: &str| {
        let channels: Vec<f64> = css
            .trim_start_matches("rgba(")
            .trim_start_matches("rgb(")
            .trim_end_matches(')')
            .split(',')
            .take(3)
            .map(|c| {
                c.trim()
                    .parse::<f64>()
                    .unwrap_or_else(|_| panic!("a colour: {css}"))
            })
            .collect();
        let linear = |c: f64| {
            let c = c / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * linear(channels[0]) + 0.7152 * linear(channels[1]) + 0.0722 * linear(channels[2])
    };
    let (x, y) = (luminance(a), luminance(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}
