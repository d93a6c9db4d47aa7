//! The end-to-end harness: the release build served by the local Microsoft 365 emulator, driven
//! in real headless Chromium through ChromeDriver (WebDriver).
//!
//! Each test gets its own emulator (its own port, so its own origins and state), its own
//! ChromeDriver and its own browser profile, so tests run in parallel without sharing anything.
//! [`AppPage`] is the page object: tests say what a user does and reads, by `data-testid`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use emulator::{Emulator, EmulatorOptions};
use fantoccini::elements::Element;
use fantoccini::wd::Capabilities;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

/// How long a test waits for something the page should show.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// The release build to test: `$PPS_DIST`, else `dist/` (built by `cargo xtask dist`).
pub fn dist_dir() -> PathBuf {
    let dir = std::env::var_os("PPS_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("dist"));
    assert!(
        dir.join("index.html").exists(),
        "no release build at {}: run `cargo xtask dist` (or `cargo xtask test`) first",
        dir.display()
    );
    dir
}

/// Starts an emulator that serves the release build.
pub async fn emulator() -> Emulator {
    Emulator::start(EmulatorOptions {
        port: 0,
        app_dir: Some(dist_dir()),
        ..Default::default()
    })
    .await
    .expect("the emulator starts")
}

/// Settings of one browser.
#[derive(Debug, Clone, Default)]
pub struct BrowserOptions {
    /// Emulate `prefers-color-scheme: dark`.
    pub dark: bool,
    /// The browser's preferred language (`en-US` when unset).
    pub lang: Option<String>,
    /// Window size in CSS pixels (1280×900 when unset).
    pub size: Option<(u32, u32)>,
    /// Exact `performance.memory` figures (the benchmarks' heap measurement).
    pub precise_memory: bool,
}

/// A headless Chromium with its own ChromeDriver and profile; both end when this is dropped.
pub struct Browser {
    pub client: Client,
    driver: Child,
    profile: PathBuf,
}

static NEXT: AtomicU32 = AtomicU32::new(0);

impl Browser {
    pub async fn launch(options: BrowserOptions) -> Browser {
        let chromedriver =
            std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let port = free_port();
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start {chromedriver} ({e}): run `cargo xtask setup`")
            });
        let profile = std::env::temp_dir().join(format!(
            "pps-e2e-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let (width, height) = options.size.unwrap_or((1280, 900));
        let lang = options.lang.clone().unwrap_or_else(|| "en-US".into());
        let mut args = vec![
            "--headless=new".to_owned(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-features=Translate,MediaRouter,OptimizationHints".into(),
            format!("--user-data-dir={}", profile.display()),
            format!("--window-size={width},{height}"),
            format!("--lang={lang}"),
        ];
        if options.precise_memory {
            args.push("--enable-precise-memory-info".into());
        }
        if options.dark {
            args.push("--force-dark-mode".into());
            args.push(
                "--enable-features=WebContentsForceDark:inversion_method/cielab_based".into(),
            );
            args.push("--blink-settings=preferredColorScheme=0".into());
        }
        let mut caps = Capabilities::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({ "binary": chromium, "args": args, "prefs": { "intl.accept_languages": lang } }),
        );
        caps.insert("goog:loggingPrefs".into(), json!({ "browser": "ALL" }));
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let url = format!("http://127.0.0.1:{port}");
        // A loaded machine (the build of another crate, say) can take long to start Chromium.
        let deadline = Instant::now() + PATIENCE;
        let client = loop {
            match ClientBuilder::new(connector.clone())
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => break client,
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("ChromeDriver did not start a session: {e}"),
            }
        };
        Browser {
            client,
            driver,
            profile,
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Killing ChromeDriver leaves its Chromium running (orphaned, with all its helper
        // processes), so end every process started with this test's own profile folder too.
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = Command::new("pkill")
            .args(["-KILL", "-f", "--"])
            .arg(format!("--user-data-dir={}", self.profile.display()))
            .status();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on loopback")
}

/// The page object: what a user of the app does and reads.
pub struct AppPage<'a> {
    pub client: &'a Client,
    pub app_url: String,
}

impl<'a> AppPage<'a> {
    pub fn new(browser: &'a Browser, emulator: &Emulator) -> AppPage<'a> {
        AppPage {
            client: &browser.client,
            app_url: emulator.app_url(),
        }
    }

    /// Opens the app at a path relative to its root (`""`, `"?autostart=1"`, `"#/setup"`).
    pub async fn open(&self, path: &str) {
        let url = format!("{}{}", self.app_url, path);
        self.client.goto(&url).await.expect("the page opens");
    }

    /// Waits for the element with this `data-testid` and returns it.
    pub async fn wait_for(&self, testid: &str) -> Element {
        let selector = testid_selector(testid);
        match self
            .client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(&selector))
            .await
        {
            Ok(element) => element,
            Err(e) => {
                let body = self.body_text().await;
                panic!(
                    "no [data-testid={testid}] within {PATIENCE:?} ({e}); the page shows:\n{body}"
                )
            }
        }
    }

    /// Waits for the element matching a CSS selector.
    pub async fn wait_for_css(&self, selector: &str) -> Element {
        self.client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(selector))
            .await
            .unwrap_or_else(|e| panic!("no {selector} within {PATIENCE:?}: {e}"))
    }

    /// The visible text of the element with this `data-testid`, once it exists. Retries when
    /// the page re-renders the element between finding and reading it.
    pub async fn text_of(&self, testid: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            match self.wait_for(testid).await.text().await {
                Ok(text) => return text,
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => panic!("cannot read [data-testid={testid}]: {e}"),
            }
        }
    }

    /// An attribute of the element with this `data-testid`, once it exists (retried like
    /// [`AppPage::text_of`]).
    pub async fn attribute_of(&self, testid: &str, name: &str) -> Option<String> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            match self.wait_for(testid).await.attr(name).await {
                Ok(value) => return value,
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => panic!("cannot read {name} of [data-testid={testid}]: {e}"),
            }
        }
    }

    pub async fn click(&self, testid: &str) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            match self.wait_for(testid).await.click().await {
                Ok(()) => return,
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(e) => panic!("cannot click [data-testid={testid}]: {e}"),
            }
        }
    }

    /// Whether an element with this `data-testid` is in the page right now.
    pub async fn has(&self, testid: &str) -> bool {
        self.client
            .find(Locator::Css(&testid_selector(testid)))
            .await
            .is_ok()
    }

    /// All text in the page, for failure messages.
    /// Waits until the sync view's `data-phase` is one of `wanted`, and returns it.
    pub async fn wait_for_phase(&self, wanted: &[&str]) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let phase = self
                .attribute_of("sync-view", "data-phase")
                .await
                .unwrap_or_default();
            if wanted.contains(&phase.as_str()) {
                return phase;
            }
            assert!(
                Instant::now() < deadline,
                "phase {phase}, wanted {wanted:?}: {}",
                self.body_text().await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn body_text(&self) -> String {
        match self.client.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// Runs a script in the page and returns its value.
    pub async fn eval(&self, script: &str) -> Value {
        self.client
            .execute(script, vec![])
            .await
            .expect("the script runs")
    }

    /// Saves a PNG screenshot under `docs/screenshots/` (shown in the README).
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.expect("a screenshot");
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots");
        std::fs::create_dir_all(&dir).expect("docs/screenshots can be created");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("the screenshot is saved");
    }

    /// Runs axe-core in the page and fails on any serious or critical violation.
    pub async fn assert_accessible(&self, screen: &str) {
        let axe = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("node_modules/axe-core/axe.min.js"),
        )
        .expect("axe-core is installed (cargo xtask setup)");
        self.client
            .execute(&axe, vec![])
            .await
            .expect("axe-core loads");
        let result = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, { resultTypes: ['violations'] })
                    .then(r => done(r.violations
                        .filter(v => v.impact === 'serious' || v.impact === 'critical')
                        .map(v => ({ id: v.id, impact: v.impact, help: v.help,
                                     nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5) }))))
                    .catch(e => done([{ id: 'axe-error', help: String(e) }]));",
                vec![],
            )
            .await
            .expect("axe-core runs");
        let violations = result.as_array().cloned().unwrap_or_default();
        assert!(
            violations.is_empty(),
            "accessibility violations on {screen}: {}",
            serde_json::to_string_pretty(&violations).unwrap_or_default()
        );
    }
}

pub fn testid_selector(testid: &str) -> String {
    format!("[data-testid=\"{testid}\"]")
}

impl AppPage<'_> {
    /// On the emulator's sign-in page: picks the account (unless the identity platform
    /// remembers the session and skips the picker), then accepts consent if asked.
    pub async fn sign_in_on_identity_page(&self, upn: &str) {
        let account = format!("account-{upn}");
        let deadline = Instant::now() + PATIENCE;
        loop {
            if self.has(&account).await {
                self.click(&account).await;
                break;
            }
            if self.has("consent-accept").await || self.on_app().await {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "no sign-in page: {}",
                self.body_text().await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.accept_consent_if_asked().await;
    }

    async fn on_app(&self) -> bool {
        let url = self
            .client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_default();
        url.starts_with(&self.app_url) && !url.contains("/oauth2/")
    }

    /// Accepts the consent screen when it shows up before the page returns to the app.
    pub async fn accept_consent_if_asked(&self) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if self.has("consent-accept").await {
                self.click("consent-accept").await;
                return;
            }
            if self.on_app().await {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "stuck before the app: {}",
                self.body_text().await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Signs in through the redirect flow from the landing view and waits until the page
    /// shows the signed-in user.
    pub async fn sign_in(&self, upn: &str) {
        self.click("sign-in").await;
        self.sign_in_on_identity_page(upn).await;
        self.wait_for("signed-in-user").await;
    }

    /// The keys in the page's sessionStorage and localStorage.
    pub async fn storage_keys(&self) -> Vec<String> {
        let keys = self
            .eval("return Object.keys(sessionStorage).map(k => 's:' + k).concat(Object.keys(localStorage).map(k => 'l:' + k))")
            .await;
        serde_json::from_value(keys).unwrap_or_default()
    }

    /// Waits for another window to open and switches to it; returns to the first with the handle.
    pub async fn switch_to_new_window(&self) -> fantoccini::wd::WindowHandle {
        let first = self.client.window().await.expect("a current window");
        let deadline = Instant::now() + PATIENCE;
        loop {
            let windows = self.client.windows().await.expect("windows");
            if let Some(other) = windows.into_iter().find(|w| *w != first) {
                self.client
                    .switch_to_window(other)
                    .await
                    .expect("switch to the new window");
                return first;
            }
            assert!(Instant::now() < deadline, "no new window opened");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until only one window is left, and switches to it.
    pub async fn wait_for_single_window(&self, first: fantoccini::wd::WindowHandle) {
        let deadline = Instant::now() + PATIENCE;
        while self.client.windows().await.map(|w| w.len()).unwrap_or(0) > 1 {
            assert!(Instant::now() < deadline, "the popup did not close");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.client
            .switch_to_window(first)
            .await
            .expect("back to the page");
    }
}

/// The hosts a bearer token may go to: Graph and the tenant's SharePoint hosts.
pub const TOKEN_HOSTS: [&str; 3] = [
    "graph.localhost",
    "contoso-my.localhost",
    "contoso-admin.localhost",
];

/// Fails if any request in the emulator's log carried a token to a host that must never get one.
pub fn assert_tokens_only_to_allowed_hosts(log: &[emulator::LogEntry]) {
    for entry in log {
        if entry.has_authorization {
            assert!(
                TOKEN_HOSTS.contains(&entry.host.as_str()),
                "a token went to {} ({} {})",
                entry.host,
                entry.method,
                entry.path_and_query
            );
        }
    }
}

/// The emulator's generated `config.json`, to change a key of.
pub async fn generated_config(emulator: &Emulator) -> Value {
    let text = emulator
        .http_client()
        .get(format!("{}/control/app-config", emulator.origin("control")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Registers only a redirect URI that is not the page's, as a misconfigured tenant has it;
/// returns the registration as it was, to put back.
pub async fn register_another_redirect_uri(emulator: &Emulator) -> emulator::Registration {
    let control = emulator.control();
    let registration = control.registration().await.unwrap();
    control
        .set_registration(emulator::Registration {
            spa_redirect_uris: vec!["http://app.localhost:1/".into()],
            ..registration.clone()
        })
        .await
        .unwrap();
    registration
}
