//! The end-to-end harness, shared by `tests/e2e` and the benchmarks (`tests/bench`): the
//! release build served by the local Microsoft 365 emulator, driven in real headless Chromium
//! (ChromeDriver) or Firefox ESR (geckodriver) over WebDriver.
//!
//! Each test gets its own emulator (its own port, so its own origins and state), its own driver
//! and its own browser profile, so tests run in parallel without sharing anything. Every page of
//! a session is watched over WebDriver BiDi: a console error or a Content-Security-Policy
//! violation fails the test. [`AppPage`] is the page object: tests say what a user does and
//! reads, by `data-testid`; [`eventually`] is the one wait. Screenshots go to
//! `target/screenshots/`, never into the working tree. This crate asserts nothing about the app
//! itself: that is the tests' job.

use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use emulator::{Emulator, EmulatorOptions, FaultRule};
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
        .unwrap_or_else(|| workspace_dir().join("dist"));
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

/// The start most journeys share: an emulator serving the release build with `faults` in
/// place, and a Chromium browser. The page object is `AppPage::new(&browser, &emulator)`.
pub async fn stage(faults: impl IntoIterator<Item = FaultRule>) -> (Emulator, Browser) {
    let emulator = emulator().await;
    for rule in faults {
        emulator
            .control()
            .set_fault(rule)
            .await
            .expect("the emulator takes the fault");
    }
    (emulator, Browser::launch(BrowserOptions::default()).await)
}

/// Which browser a test drives.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Engine {
    /// Debian's Chromium through ChromeDriver (`$CHROMIUM`, `$CHROMEDRIVER`).
    #[default]
    Chromium,
    /// Debian's Firefox ESR through geckodriver (`$FIREFOX`, `$GECKODRIVER`).
    Firefox,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Engine::Chromium => "chromium",
            Engine::Firefox => "firefox",
        }
    }
}

/// Settings of one browser.
#[derive(Debug, Clone, Default)]
pub struct BrowserOptions {
    /// Chromium unless set.
    pub engine: Engine,
    /// Emulate `prefers-color-scheme: dark`.
    pub dark: bool,
    /// The browser's preferred language (`en-US` when unset).
    pub lang: Option<String>,
    /// Window size in CSS pixels (1280×900 when unset).
    pub size: Option<(u32, u32)>,
    /// Exact `performance.memory` figures (the benchmarks' heap measurement, Chromium only).
    pub precise_memory: bool,
}

/// Installed in every document of the session before its own scripts run (a WebDriver BiDi
/// preload script): a Content-Security-Policy violation becomes a console error, so that the
/// same watch catches both, in every window and frame, popups included.
const REPORT_CSP_VIOLATIONS: &str = "() => { window.addEventListener('securitypolicyviolation', (e) => { \
     console.error('Content-Security-Policy violation: ' + e.violatedDirective + ' blocked ' + \
     (e.blockedURI || 'inline') + ' in ' + e.documentURI + (e.sourceFile ? ' (' + e.sourceFile + ':' + e.lineNumber + ')' : '')); \
   }, true); }";

/// A headless browser with its own driver and profile. Every console error and CSP violation
/// in any of its pages is recorded (through WebDriver BiDi); a test fails on the first one at
/// its next wait, or when the browser is dropped. Dropping ends the session, then the driver's
/// and the browser's process groups.
pub struct Browser {
    pub client: Client,
    pub engine: Engine,
    driver: Child,
    profile: PathBuf,
    problems: Arc<Mutex<Vec<String>>>,
    tolerated: Mutex<Vec<String>>,
    watch: tokio::task::JoinHandle<()>,
}

static NEXT: AtomicU32 = AtomicU32::new(0);

/// A command ChromeDriver adds to WebDriver: `POST /session/{id}/{path}` with a JSON body.
#[derive(Debug)]
struct ChromiumCommand {
    path: &'static str,
    body: Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for ChromiumCommand {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/{}",
            session_id.unwrap_or_default(),
            self.path
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(self.body.to_string()))
    }
}

/// A network to emulate in Chromium: round-trip latency added to every request, and the
/// throughput each way.
#[derive(Debug, Clone, Copy)]
pub struct NetworkProfile {
    pub latency_ms: u64,
    pub down_bits_per_s: u64,
    pub up_bits_per_s: u64,
}

impl Browser {
    /// Emulates `network` for every request of this browser from now on (Chromium only:
    /// ChromeDriver's `network_conditions`, the DevTools network throttling).
    pub async fn emulate_network(&self, network: NetworkProfile) {
        assert_eq!(
            self.engine,
            Engine::Chromium,
            "network emulation is Chromium's"
        );
        self.client
            .issue_cmd(ChromiumCommand {
                path: "chromium/network_conditions",
                body: json!({ "network_conditions": {
                    "offline": false,
                    "latency": network.latency_ms,
                    "download_throughput": network.down_bits_per_s / 8,
                    "upload_throughput": network.up_bits_per_s / 8,
                }}),
            })
            .await
            .expect("ChromeDriver takes the network conditions");
    }

    /// Runs a Chrome DevTools Protocol command (Chromium only, through ChromeDriver's
    /// `goog/cdp/execute`), e.g. `Network.clearBrowserCache`.
    pub async fn devtools(&self, command: &str, params: Value) -> Value {
        assert_eq!(
            self.engine,
            Engine::Chromium,
            "DevTools commands are Chromium's"
        );
        self.client
            .issue_cmd(ChromiumCommand {
                path: "goog/cdp/execute",
                body: json!({ "cmd": command, "params": params }),
            })
            .await
            .unwrap_or_else(|e| panic!("DevTools {command}: {e}"))
    }

    pub async fn launch(options: BrowserOptions) -> Browser {
        let port = free_port();
        let profile = std::env::temp_dir().join(format!(
            "pps-e2e-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&profile).expect("a temporary profile folder");
        let (program, args, caps) = match options.engine {
            Engine::Chromium => chromium(&options, port, &profile),
            Engine::Firefox => firefox(&options, port, &profile),
        };
        let driver = Command::new(&program)
            .args(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own process group, so the driver and the browser it starts end together.
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {program} ({e}): run `cargo xtask setup`"));
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let url = format!("http://127.0.0.1:{port}");
        // A loaded machine (the build of another crate, say) can take long to start a browser.
        let client = eventually(|| {
            let (connector, caps, url) = (connector.clone(), caps.clone(), url.clone());
            async move {
                ClientBuilder::new(connector)
                    .capabilities(caps)
                    .connect(&url)
                    .await
            }
        })
        .await
        .unwrap_or_else(|e| panic!("{program} did not start a session: {e}"));
        if options.engine == Engine::Firefox {
            let (width, height) = options.size.unwrap_or((1280, 900));
            client
                .set_window_size(width, height)
                .await
                .expect("the window size is set");
        }
        let problems = Arc::new(Mutex::new(Vec::new()));
        let socket = client
            .capabilities()
            .and_then(|c| c.get("webSocketUrl"))
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("{program} offers no WebDriver BiDi socket"))
            .to_owned();
        let watch = watch_console(&socket, problems.clone()).await;
        Browser {
            client,
            engine: options.engine,
            driver,
            profile,
            problems,
            tolerated: Mutex::new(Vec::new()),
            watch,
        }
    }

    /// Lets console errors that contain `text` pass: for a test whose page is meant to log one.
    pub fn tolerate(&self, text: &str) {
        self.tolerated.lock().unwrap().push(text.to_owned());
    }

    /// The console errors and CSP violations seen so far that no [`Browser::tolerate`] covers.
    pub fn problems(&self) -> Vec<String> {
        let tolerated = self.tolerated.lock().unwrap();
        self.problems
            .lock()
            .unwrap()
            .iter()
            .filter(|p| !tolerated.iter().any(|t| p.contains(t.as_str())))
            .cloned()
            .collect()
    }

    /// Fails the test if any page logged a console error or violated its CSP.
    pub fn assert_no_problems(&self) {
        let problems = self.problems();
        assert!(
            problems.is_empty(),
            "the page logged errors or violated its Content-Security-Policy in {}:\n{}",
            self.engine.name(),
            problems.join("\n")
        );
    }
}

/// ChromeDriver and the capabilities of a headless Chromium.
fn chromium(
    options: &BrowserOptions,
    port: u16,
    profile: &Path,
) -> (String, Vec<String>, Capabilities) {
    let chromedriver =
        std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
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
        args.push("--enable-features=WebContentsForceDark:inversion_method/cielab_based".into());
        args.push("--blink-settings=preferredColorScheme=0".into());
    }
    let mut caps = Capabilities::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({ "binary": chromium, "args": args, "prefs": { "intl.accept_languages": lang } }),
    );
    caps.insert("webSocketUrl".into(), Value::Bool(true));
    (chromedriver, vec![format!("--port={port}")], caps)
}

/// geckodriver and the capabilities of a headless Firefox ESR with a fresh profile.
fn firefox(
    options: &BrowserOptions,
    port: u16,
    profile: &Path,
) -> (String, Vec<String>, Capabilities) {
    let geckodriver = std::env::var("GECKODRIVER").unwrap_or_else(|_| "geckodriver".into());
    let firefox = std::env::var("FIREFOX").unwrap_or_else(|_| "/usr/bin/firefox-esr".into());
    let lang = options.lang.clone().unwrap_or_else(|| "en-US".into());
    let mut prefs = json!({
        "intl.accept_languages": lang,
        "intl.locale.requested": lang,
    });
    if options.dark {
        prefs["ui.systemUsesDarkTheme"] = json!(1);
        prefs["layout.css.prefers-color-scheme.content-override"] = json!(0);
    }
    let mut caps = Capabilities::new();
    caps.insert(
        "moz:firefoxOptions".into(),
        json!({ "binary": firefox, "args": ["-headless"], "prefs": prefs }),
    );
    caps.insert("webSocketUrl".into(), Value::Bool(true));
    let args = vec![
        format!("--port={port}"),
        // BiDi on a port of the system's choosing (its default, 9222, is shared by every test).
        "--websocket-port=0".into(),
        "--profile-root".into(),
        profile.display().to_string(),
    ];
    (geckodriver, args, caps)
}

/// Subscribes to the session's log over WebDriver BiDi and installs the CSP reporter in every
/// document to come; returns the task that records each console error into `problems`.
async fn watch_console(
    socket: &str,
    problems: Arc<Mutex<Vec<String>>>,
) -> tokio::task::JoinHandle<()> {
    use futures::{SinkExt as _, StreamExt as _};
    use tokio_tungstenite::tungstenite::Message;

    let (mut bidi, _) = tokio_tungstenite::connect_async(socket)
        .await
        .unwrap_or_else(|e| panic!("cannot open the WebDriver BiDi socket {socket}: {e}"));
    let commands = [
        json!({ "id": 1, "method": "session.subscribe", "params": { "events": ["log.entryAdded"] } }),
        json!({ "id": 2, "method": "script.addPreloadScript",
                "params": { "functionDeclaration": REPORT_CSP_VIOLATIONS } }),
    ];
    for command in &commands {
        bidi.send(Message::text(command.to_string()))
            .await
            .expect("a BiDi command is sent");
    }
    // Both answered before the first page opens, so nothing is missed.
    let mut answered = 0;
    while answered < commands.len() {
        let message = bidi
            .next()
            .await
            .expect("the BiDi socket stays open")
            .expect("a BiDi message");
        let Ok(text) = message.to_text() else {
            continue;
        };
        let reply: Value = serde_json::from_str(text).unwrap_or_default();
        if reply.get("id").is_some() {
            assert_eq!(reply["type"], "success", "BiDi refused a command: {reply}");
            answered += 1;
        } else {
            record_problem(&reply, &problems);
        }
    }
    tokio::spawn(async move {
        while let Some(Ok(message)) = bidi.next().await {
            if let Ok(text) = message.to_text() {
                record_problem(&serde_json::from_str(text).unwrap_or_default(), &problems);
            }
        }
    })
}

fn record_problem(event: &Value, problems: &Mutex<Vec<String>>) {
    if event["method"] == "log.entryAdded" && event["params"]["level"] == "error" {
        let text = event["params"]["text"].as_str().unwrap_or_default();
        problems.lock().unwrap().push(text.to_owned());
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // End the session (the driver quits its browser), then whatever is left of both: the
        // driver's process group and that of every process it started.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            if runtime.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread {
                let client = self.client.clone();
                tokio::task::block_in_place(|| {
                    runtime.block_on(async {
                        let _ = tokio::time::timeout(Duration::from_secs(10), client.close()).await;
                    })
                });
            }
        }
        self.watch.abort();
        let driver = self.driver.id() as i32;
        for group in child_process_groups(driver).into_iter().chain([driver]) {
            // SAFETY: killpg has no memory effects; the groups are this browser's own.
            unsafe { libc::killpg(group, libc::SIGKILL) };
        }
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
        if !std::thread::panicking() {
            self.assert_no_problems();
        }
    }
}

/// The process groups of the direct children of `parent` (read from /proc).
fn child_process_groups(parent: i32) -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|entry| {
            let stat = std::fs::read_to_string(entry.ok()?.path().join("stat")).ok()?;
            // pid (comm) state ppid pgrp ...: comm may hold spaces, so read after its ')'.
            let mut fields = stat.rsplit_once(')')?.1.split_whitespace().skip(1);
            let ppid: i32 = fields.next()?.parse().ok()?;
            let pgrp: i32 = fields.next()?.parse().ok()?;
            (ppid == parent && pgrp != parent).then_some(pgrp)
        })
        .collect()
}

/// Retries `attempt` (every 50 ms) until it succeeds or [`PATIENCE`] has passed, and returns
/// its last result: the one wait of the harness, for whatever the page or a driver needs time
/// to show.
pub async fn eventually<T, E, F, Fut>(mut attempt: F) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
{
    let deadline = Instant::now() + PATIENCE;
    loop {
        match attempt().await {
            Ok(value) => return Ok(value),
            Err(e) if Instant::now() >= deadline => return Err(e),
            Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port on loopback")
}

/// The page object: what a user of the app does and reads. Every wait fails early when the
/// browser has seen a console error or a CSP violation.
pub struct AppPage<'a> {
    pub client: &'a Client,
    pub app_url: String,
    browser: &'a Browser,
}

impl<'a> AppPage<'a> {
    pub fn new(browser: &'a Browser, emulator: &Emulator) -> AppPage<'a> {
        AppPage::at(browser, emulator.app_url())
    }

    /// A page object for a page at another address (the benchmarks' baseline page).
    pub fn at(browser: &'a Browser, app_url: String) -> AppPage<'a> {
        AppPage {
            client: &browser.client,
            app_url,
            browser,
        }
    }

    /// Opens the app at a path relative to its root (`""`, `"?autostart=1"`, `"#/setup"`).
    pub async fn open(&self, path: &str) {
        let url = format!("{}{}", self.app_url, path);
        self.client.goto(&url).await.expect("the page opens");
        self.browser.assert_no_problems();
    }

    /// Waits until `attempt` succeeds; fails with `what`, its last error and the page's text.
    pub async fn until<T, E, F, Fut>(&self, what: &str, mut attempt: F) -> T
    where
        E: std::fmt::Display,
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, E>>,
    {
        let browser = self.browser;
        let outcome = eventually(|| {
            browser.assert_no_problems();
            attempt()
        })
        .await;
        match outcome {
            Ok(value) => value,
            Err(e) => {
                let body = self.body_text().await;
                panic!("{what} within {PATIENCE:?}: {e}; the page shows:\n{body}")
            }
        }
    }

    /// Waits for the element with this `data-testid` and returns it.
    pub async fn wait_for(&self, testid: &str) -> Element {
        self.wait_for_css(&testid_selector(testid)).await
    }

    /// Waits for the element matching a CSS selector.
    pub async fn wait_for_css(&self, selector: &str) -> Element {
        let client = self.client;
        self.until(&format!("no {selector}"), || {
            client.find(Locator::Css(selector))
        })
        .await
    }

    /// The visible text of the element with this `data-testid`, once it exists. Retries when
    /// the page re-renders the element between finding and reading it.
    pub async fn text_of(&self, testid: &str) -> String {
        let selector = testid_selector(testid);
        let client = self.client;
        self.until(&format!("cannot read {selector}"), || {
            let selector = selector.clone();
            async move { client.find(Locator::Css(&selector)).await?.text().await }
        })
        .await
    }

    /// An attribute of the element with this `data-testid`, once it exists (retried like
    /// [`AppPage::text_of`]).
    pub async fn attribute_of(&self, testid: &str, name: &str) -> Option<String> {
        let selector = testid_selector(testid);
        let client = self.client;
        self.until(&format!("cannot read {name} of {selector}"), || {
            let selector = selector.clone();
            async move { client.find(Locator::Css(&selector)).await?.attr(name).await }
        })
        .await
    }

    pub async fn click(&self, testid: &str) {
        let selector = testid_selector(testid);
        let client = self.client;
        self.until(&format!("cannot click {selector}"), || {
            let selector = selector.clone();
            async move { client.find(Locator::Css(&selector)).await?.click().await }
        })
        .await
    }

    /// Whether the sync page's app has taken the screen over: it started (`pps:app`), and the
    /// first module's landing is gone (src/first.rs).
    pub async fn app_took_over(&self) -> bool {
        self.eval(
            "return performance.getEntriesByName('pps:app').length > 0
                && document.getElementById('first') === null",
        )
        .await
            == Value::Bool(true)
    }

    /// Whether an element with this `data-testid` is in the page right now.
    pub async fn has(&self, testid: &str) -> bool {
        self.client
            .find(Locator::Css(&testid_selector(testid)))
            .await
            .is_ok()
    }

    /// Waits until the sync view's `data-phase` is one of `wanted`, and returns it.
    pub async fn wait_for_phase(&self, wanted: &[&str]) -> String {
        self.until(&format!("no phase among {wanted:?}"), || async {
            let phase = self
                .attribute_of("sync-view", "data-phase")
                .await
                .unwrap_or_default();
            if wanted.contains(&phase.as_str()) {
                Ok(phase)
            } else {
                Err(format!("phase {phase}"))
            }
        })
        .await
    }

    /// All text in the page, for failure messages.
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

    /// Saves a PNG screenshot as `target/screenshots/<name>.png` (Firefox's under `firefox/`);
    /// `cargo xtask screenshots` copies Chromium's into `docs/screenshots/` for the README.
    pub async fn screenshot(&self, name: &str) {
        let png = self.client.screenshot().await.expect("a screenshot");
        let mut dir = screenshot_dir();
        if self.browser.engine != Engine::Chromium {
            dir = dir.join(self.browser.engine.name());
        }
        std::fs::create_dir_all(&dir).expect("the screenshot folder can be created");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("the screenshot is saved");
    }

    /// Runs axe-core in the page and fails on any serious or critical violation.
    pub async fn assert_accessible(&self, screen: &str) {
        let axe = std::fs::read_to_string(workspace_dir().join("node_modules/axe-core/axe.min.js"))
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

/// The workspace's root folder.
pub fn workspace_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the harness lives in the workspace")
        .to_path_buf()
}

/// Where screenshots go: `$PPS_SCREENSHOTS`, else `target/screenshots/`, never the working tree.
pub fn screenshot_dir() -> PathBuf {
    std::env::var_os("PPS_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_dir().join("target/screenshots"))
}

pub fn testid_selector(testid: &str) -> String {
    format!("[data-testid=\"{testid}\"]")
}

impl AppPage<'_> {
    /// On the emulator's sign-in page: picks the account (unless the identity platform
    /// remembers the session and skips the picker), then accepts consent if asked.
    pub async fn sign_in_on_identity_page(&self, upn: &str) {
        let account = format!("account-{upn}");
        let picked = self
            .until("no sign-in page", || async {
                if self.has(&account).await {
                    Ok(true)
                } else if self.has("consent-accept").await || self.back_on_app().await {
                    Ok(false)
                } else {
                    Err("neither the account picker nor the app")
                }
            })
            .await;
        if picked {
            self.pick_account(&account).await;
        }
        self.accept_consent_if_asked().await;
    }

    /// Clicks the account on the picker once the picker has loaded. Firefox under heavy load
    /// has been seen to drop a click on a form that had only just arrived (the picker stayed,
    /// no request was sent), and once the second one too, so a picker still showing, fully
    /// loaded, 15 s after a click is clicked again, at most three times in all; a click that
    /// did submit has left the picker long before.
    async fn pick_account(&self, account: &str) {
        let loaded = || async {
            match self
                .client
                .execute("return document.readyState", vec![])
                .await
            {
                Ok(Value::String(state)) if state == "complete" => Ok(()),
                Ok(other) => Err(format!("readyState {other}")),
                Err(e) => Err(e.to_string()),
            }
        };
        self.until("the sign-in page did not finish loading", loaded)
            .await;
        for _ in 0..3 {
            self.click(account).await;
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(15) {
                tokio::time::sleep(Duration::from_millis(250)).await;
                if !self.has(account).await {
                    return;
                }
            }
            if loaded().await.is_err() || !self.has(account).await {
                return;
            }
        }
    }

    /// Whether the page is the app past its sign-in: back from the identity platform (which
    /// skipped its picker) with an account, or showing why the sign-in did not start. Anything
    /// else on the app's address is a sign-in still on its way out: the app may first read the
    /// identity platform's discovery document, or take the screen over from the first module.
    async fn back_on_app(&self) -> bool {
        if !self.on_app().await {
            return false;
        }
        for arrived in ["signed-in-user", "auth-error", "other-account"] {
            if self.has(arrived).await {
                return true;
            }
        }
        false
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
        let consent = self
            .until("stuck before the app", || async {
                if self.has("consent-accept").await {
                    Ok(true)
                } else if self.on_app().await {
                    Ok(false)
                } else {
                    Err("neither consent nor the app")
                }
            })
            .await;
        if consent {
            self.click("consent-accept").await;
        }
    }

    /// Signs in through the redirect flow from the landing view and waits until the page
    /// shows the signed-in user.
    pub async fn sign_in(&self, upn: &str) {
        self.click("sign-in").await;
        self.sign_in_on_identity_page(upn).await;
        self.wait_for("signed-in-user").await;
    }

    /// Opens the app, signs in as `upn` through the redirect flow and waits until the page has
    /// compared the two photos (`compared`): where a sync journey starts.
    pub async fn signed_in_and_compared(&self, upn: &str) {
        self.open("").await;
        self.sign_in(upn).await;
        self.wait_for_phase(&["compared"]).await;
    }

    /// Makes the landing offer the sign-in pop-up window, as it does after a sign-in in the
    /// whole window failed: starts one and cancels it on the identity platform's page. Nothing
    /// to do where the pop-up is already offered, or is the page's one way in (a redirect
    /// could not come back there). The page is loaded again on the way: whatever a test
    /// changed in it (its clock) is to be changed after this.
    pub async fn offer_popup_sign_in(&self) {
        self.wait_for("sign-in").await;
        if self.popup_sign_in_offered().await {
            return;
        }
        self.click("sign-in").await;
        self.wait_for("signin-cancel").await;
        self.click("signin-cancel").await;
        self.wait_for("sign-in-other-way").await;
    }

    /// True when the landing offers the pop-up window: beside the sign-in button, or as it.
    async fn popup_sign_in_offered(&self) -> bool {
        self.has("sign-in-other-way").await
            || self
                .attribute_of("sign-in", "data-interaction")
                .await
                .as_deref()
                == Some("popup")
    }

    /// Starts a sign-in in a pop-up window ([`AppPage::offer_popup_sign_in`] first, when the
    /// landing does not offer one yet).
    pub async fn click_sign_in_by_popup(&self) {
        self.offer_popup_sign_in().await;
        if self.has("sign-in-other-way").await {
            self.click("sign-in-other-way").await;
        } else {
            self.click("sign-in").await;
        }
    }

    /// Clicks `testid`, which makes a file for download through `URL.createObjectURL`, and
    /// returns the file's text as the page handed it to the browser (a byte-order mark kept).
    pub async fn download_text(&self, testid: &str) -> String {
        self.eval(
            "window.__download = null; const make = URL.createObjectURL; \
             URL.createObjectURL = function (blob) { blob.arrayBuffer().then(b => window.__download = \
             new TextDecoder('utf-8', { ignoreBOM: true }).decode(b)); \
             URL.createObjectURL = make; return make.call(URL, blob); }; return null;",
        )
        .await;
        self.click(testid).await;
        self.until("no file was made", || async {
            match self.eval("return window.__download;").await {
                Value::String(s) => Ok(s),
                _ => Err("none yet"),
            }
        })
        .await
    }

    /// The `id` and text of the focused element.
    pub async fn focused(&self) -> (String, String) {
        let focused = self
            .eval("const e = document.activeElement; return e ? [e.id, e.textContent.trim()] : ['', '']")
            .await;
        serde_json::from_value(focused).unwrap_or_default()
    }

    /// Waits until focus is on the element with this `id`, and returns its text.
    pub async fn wait_for_focus(&self, id: &str) -> String {
        self.until(&format!("focus is not on #{id}"), || async {
            let (focused, text) = self.focused().await;
            if focused == id {
                Ok(text)
            } else {
                Err(format!("focus on #{focused} ({text})"))
            }
        })
        .await
    }

    /// What the live region with this `data-testid` says now (its text, read even when it is
    /// only there for screen readers).
    pub async fn live_text(&self, testid: &str) -> String {
        let script = format!(
            "const e = document.querySelector('{}'); return e ? e.textContent.trim() : null",
            testid_selector(testid).replace('\'', "\\'")
        );
        self.until(&format!("no live region {testid}"), || async {
            match self.eval(&script).await {
                Value::String(text) => Ok(text),
                other => Err(format!("{other}")),
            }
        })
        .await
    }

    /// Waits until the live region with this `data-testid` says `text`.
    pub async fn wait_for_live_text(&self, testid: &str, text: &str) {
        self.until(&format!("{testid} does not say {text:?}"), || async {
            let said = self.live_text(testid).await;
            if said == text {
                Ok(())
            } else {
                Err(format!("it says {said:?}"))
            }
        })
        .await
    }

    /// Whether the element with this `data-testid` lies wholly inside the viewport as the page
    /// stands, unscrolled (`window.scrollY` 0): seen without scrolling.
    pub async fn in_view_unscrolled(&self, testid: &str) -> bool {
        let script = format!(
            "const e = document.querySelector('{}'); if (!e) return null;
             const r = e.getBoundingClientRect();
             return window.scrollY === 0 && r.top >= 0 && r.left >= 0 && r.height > 0
                 && r.bottom <= window.innerHeight && r.right <= window.innerWidth",
            testid_selector(testid).replace('\'', "\\'")
        );
        self.wait_for(testid).await;
        self.eval(&script).await == Value::Bool(true)
    }

    /// Clicks the sync button and waits until the sync view's phase is one of `wanted`.
    pub async fn sync_until(&self, wanted: &[&str]) -> String {
        self.click("sync-button").await;
        self.wait_for_phase(wanted).await
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
        let other = self
            .until("no new window opened", || async {
                let windows = self.client.windows().await.map_err(|e| e.to_string())?;
                windows
                    .into_iter()
                    .find(|w| *w != first)
                    .ok_or_else(|| "one window".to_owned())
            })
            .await;
        self.client
            .switch_to_window(other)
            .await
            .expect("switch to the new window");
        first
    }

    /// Waits until only one window is left, and switches to it.
    pub async fn wait_for_single_window(&self, first: fantoccini::wd::WindowHandle) {
        self.until("the popup did not close", || async {
            match self.client.windows().await.map(|w| w.len()) {
                Ok(1) => Ok(()),
                Ok(n) => Err(format!("{n} windows")),
                Err(e) => Err(e.to_string()),
            }
        })
        .await;
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

/// The tenant's admin consent to the SharePoint permissions named (`User.Read.All`, …) on the
/// My Site host, besides the ones the deployment guide grants (`User.ReadWrite.All`,
/// `AllSites.Read`); an admin grant on one SharePoint host counts on every host.
pub async fn grant_admin_consent_on_sharepoint(emulator: &Emulator, more: &[&str]) {
    let my = emulator.origin("contoso-my");
    let scopes: Vec<String> = ["User.ReadWrite.All", "AllSites.Read"]
        .iter()
        .chain(more)
        .map(|name| format!("{my}/{name}"))
        .collect();
    let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
    emulator
        .control()
        .set_admin_consent(&scopes)
        .await
        .expect("admin consent granted");
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
