//! The benchmark harness behind `cargo xtask bench`: our release build and the MSAL.js baseline
//! (`bench/baseline-msal/`) served side by side by the local Microsoft 365 emulator and driven
//! in headless Chromium, one fresh browser profile per session.
//!
//! Without `PPS_BENCH=1` (as inside `cargo xtask test`) it is a smoke run: one iteration, and
//! it only checks that the figures were produced. `cargo xtask bench` sets `PPS_BENCH=1`,
//! `PPS_BENCH_RUNS` and `PPS_BENCH_OUT` (a tab-separated file it turns into `bench/RESULTS.md`,
//! adding gzip and brotli sizes of the files listed there). See `bench/README.md`.

#[cfg(not(target_arch = "wasm32"))]
use e2e_harness as support;

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
        .block_on(native::main());
}

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
mod audit;
#[cfg(not(target_arch = "wasm32"))]
mod network;

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::collections::BTreeMap;
    use std::fmt::Write as _;
    use std::path::{Path, PathBuf};
    use std::process::Command;
    use std::time::{Duration, Instant};

    use emulator::{Emulator, EmulatorOptions, LogEntry};
    use serde_json::{json, Value};

    use crate::support::{dist_dir, AppPage, Browser, BrowserOptions, PATIENCE};

    /// Latency added to every request during the measured sync.
    const SYNC_LATENCY_MS: u64 = 100;
    const OUT_OF_SYNC_648: &str = "adele@contoso.onmicrosoft.com";
    const OUT_OF_SYNC_4000: &str = "grady@contoso.onmicrosoft.com";

    #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
    enum Side {
        Ours,
        Baseline,
    }

    impl Side {
        fn name(self) -> &'static str {
            match self {
                Side::Ours => "ours",
                Side::Baseline => "baseline",
            }
        }
    }

    /// Samples of each figure, per side.
    #[derive(Default)]
    struct Samples(BTreeMap<(&'static str, Side), Vec<f64>>);

    impl Samples {
        fn add(&mut self, figure: &'static str, side: Side, value: Option<f64>) {
            let entry = self.0.entry((figure, side)).or_default();
            if let Some(v) = value.filter(|v| v.is_finite()) {
                entry.push(v);
            }
        }

        fn median(&self, figure: &'static str, side: Side) -> Option<f64> {
            let mut v = self.0.get(&(figure, side))?.clone();
            if v.is_empty() {
                return None;
            }
            v.sort_by(f64::total_cmp);
            let n = v.len();
            Some(if n % 2 == 1 {
                v[n / 2]
            } else {
                (v[n / 2 - 1] + v[n / 2]) / 2.0
            })
        }
    }

    /// The figures in table order: key, what it is, unit.
    const FIGURES: [(&str, &str, &str); 22] = [
        ("startup.fcp", "first contentful paint", "ms"),
        (
            "startup.interactive",
            "ready for the first click (pps:interactive)",
            "ms",
        ),
        (
            "sync.wall",
            "one sync, click to verified (100 ms latency)",
            "ms",
        ),
        (
            "sync.requests",
            "requests in that sync (preflights included)",
            "count",
        ),
        (
            "sync.critical_path",
            "requests on its critical path",
            "count",
        ),
        (
            "sync.ready_ms",
            "sign-in return to ready to click (100 ms latency)",
            "ms",
        ),
        (
            "sync.ready_requests",
            "requests from sign-in return to ready to click",
            "count",
        ),
        (
            "sync.total",
            "sign-in return to verified, less the user's pause",
            "ms",
        ),
        (
            "net.landing",
            "landing to ready to click (network profile, cold cache)",
            "ms",
        ),
        (
            "net.link",
            "help-article link to verified, sign-in included (network profile, cold cache)",
            "ms",
        ),
        ("photo.648", "photo processing 648x648 JPEG -> JPEG", "ms"),
        (
            "photo.4000",
            "photo processing 4000x3000 JPEG -> JPEG",
            "ms",
        ),
        ("memory.js_heap", "peak JS heap during one sync", "bytes"),
        ("memory.wasm", "wasm linear memory after one sync", "bytes"),
        ("audit.users", "admin audit: users audited", "count"),
        ("audit.wall", "admin audit: start to finished", "s"),
        (
            "audit.sharepoint_calls",
            "admin audit: SharePoint calls",
            "count",
        ),
        (
            "audit.fraction",
            "admin audit: SharePoint budget used per window (binding limit)",
            "fraction",
        ),
        (
            "audit.without_status",
            "admin audit: users without a status",
            "count",
        ),
        (
            "audit.throttled",
            "admin audit: throttled answers received",
            "count",
        ),
        ("audit.js_heap", "admin audit: peak JS heap", "bytes"),
        (
            "audit.wasm",
            "admin audit: wasm linear memory at the end",
            "bytes",
        ),
    ];

    /// The audit's tenant and window scale: 10,000 users with windows a quarter of their
    /// length (SharePoint's 5 minutes become 75 s, 40 calls a second) in the full bench; a small
    /// tenant in the smoke run.
    const AUDIT_FULL: (u32, f64) = (10_000, 0.25);
    const AUDIT_SMOKE: (u32, f64) = (120, 0.01);

    pub async fn main() {
        let full = std::env::var("PPS_BENCH").is_ok_and(|v| v == "1");
        let runs: usize = if full {
            std::env::var("PPS_BENCH_RUNS")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(5)
                .max(1)
        } else {
            1
        };
        // a, then b and c together, then d: three round trips one after another.
        assert_eq!(longest_chain(&[(0, 10), (10, 20), (11, 25), (25, 30)]), 3);
        let started = Instant::now();
        eprintln!(
            "bench: {} ({runs} run{})",
            if full { "full" } else { "smoke" },
            if runs == 1 { "" } else { "s" }
        );

        let site = stage_site();
        let emulator = Emulator::start(EmulatorOptions {
            port: 0,
            app_dir: Some(site.clone()),
            ..Default::default()
        })
        .await
        .expect("the emulator starts");
        write_configs(&emulator, &site).await;

        let mut samples = Samples::default();
        let mut files: BTreeMap<Side, Vec<String>> = BTreeMap::new();
        // `PPS_BENCH_ONLY=audit|pages`: only the admin audit, or only the page sessions.
        let only = std::env::var("PPS_BENCH_ONLY").unwrap_or_default();
        let (pages, audit) = (only != "audit", only != "pages");
        for run in (0..runs).filter(|_| pages) {
            for side in [Side::Ours, Side::Baseline] {
                for (user, photo_figure) in [
                    (OUT_OF_SYNC_648, "photo.648"),
                    (OUT_OF_SYNC_4000, "photo.4000"),
                ] {
                    let with_latency = user == OUT_OF_SYNC_648;
                    let session = Session::run(&emulator, side, user, with_latency).await;
                    samples.add("startup.fcp", side, session.fcp);
                    samples.add("startup.interactive", side, session.interactive);
                    samples.add(photo_figure, side, session.photo_ms);
                    if with_latency {
                        samples.add("sync.wall", side, Some(session.wall_ms));
                        samples.add("sync.requests", side, Some(session.requests as f64));
                        samples.add("sync.critical_path", side, Some(session.critical as f64));
                        samples.add(
                            "sync.ready_requests",
                            side,
                            Some(session.ready_requests as f64),
                        );
                        samples.add("sync.ready_ms", side, session.ready_ms);
                        samples.add(
                            "sync.total",
                            side,
                            session.at_rest_ms.map(|r| r + session.wall_ms),
                        );
                        samples.add("memory.js_heap", side, session.heap);
                        samples.add("memory.wasm", side, session.wasm);
                        if run == 0 {
                            eprintln!("bench: {} start-up timeline:", side.name());
                            for line in &session.startup_lines {
                                eprintln!("  {line}");
                            }
                            eprintln!("bench: {} sign-in return requests:", side.name());
                            for line in &session.ready_lines {
                                eprintln!("  {line}");
                            }
                            eprintln!("bench: {} sync requests:", side.name());
                            for line in &session.request_lines {
                                eprintln!("  {line}");
                            }
                        }
                    }
                    files.entry(side).or_insert(session.files);
                }
            }
            // On the network profile, cold cache: the landing and the help-article link.
            for side in [Side::Ours, Side::Baseline] {
                let baseline_uri = reset(&emulator).await;
                let landing = match side {
                    Side::Ours => emulator.app_url(),
                    Side::Baseline => baseline_uri,
                };
                let link = format!("{landing}?login_hint={OUT_OF_SYNC_648}&autostart=1");
                let net = crate::network::run(
                    &emulator,
                    &landing,
                    &link,
                    OUT_OF_SYNC_648,
                    SYNC_LATENCY_MS,
                )
                .await;
                samples.add("net.landing", side, net.landing_ms);
                samples.add("net.link", side, net.link_ms);
                if run == 0 {
                    let mut journey = on_the_wire(&net.link_log);
                    journey.sort_by_key(|e| e.started_ms);
                    eprintln!("bench: {} help-article link requests:", side.name());
                    for line in log_lines(&journey) {
                        eprintln!("  {line}");
                    }
                }
            }
            eprintln!("bench: run {} done at {:.0?}", run + 1, started.elapsed());
        }

        // The admin audit, once (a run takes minutes at 10,000 users).
        let (users, scale) = if full { AUDIT_FULL } else { AUDIT_SMOKE };
        if audit {
            measure_the_audit(&site, users, scale, &mut samples).await;
        }

        let report = report(&samples, &files, &site);
        print!("{report}");
        if let Some(out) = std::env::var_os("PPS_BENCH_OUT") {
            std::fs::write(&out, &report).expect("the results file can be written");
        }
        // The smoke run checks only that the harness produced its figures.
        let mut expected = Vec::new();
        if pages {
            expected.extend([
                "startup.interactive",
                "sync.wall",
                "sync.requests",
                "net.landing",
                "net.link",
            ]);
        }
        for figure in expected {
            for side in [Side::Ours, Side::Baseline] {
                assert!(
                    samples.median(figure, side).is_some(),
                    "no {figure} for {}",
                    side.name()
                );
            }
        }
        eprintln!("bench: finished in {:.0?}", started.elapsed());
    }

    async fn measure_the_audit(site: &Path, users: u32, scale: f64, samples: &mut Samples) {
        let audit = crate::audit::run(site, users, scale).await;
        for line in &audit.lines {
            eprintln!("bench: audit: {line}");
        }
        samples.add("audit.users", Side::Ours, Some(audit.users as f64));
        samples.add("audit.wall", Side::Ours, Some(audit.wall_ms / 1000.0));
        samples.add(
            "audit.sharepoint_calls",
            Side::Ours,
            Some(audit.sharepoint_calls as f64),
        );
        samples.add("audit.fraction", Side::Ours, Some(audit.fraction_of_limits));
        samples.add(
            "audit.without_status",
            Side::Ours,
            Some(audit.without_status as f64),
        );
        samples.add("audit.throttled", Side::Ours, Some(audit.throttled as f64));
        samples.add("audit.js_heap", Side::Ours, audit.heap);
        samples.add("audit.wasm", Side::Ours, audit.wasm);
        assert_eq!(audit.without_status, 0, "every audited user has a status");
    }

    /// Tab-separated: `site`, `file SIDE PATH` lines, then `figure KEY LABEL UNIT OURS BASELINE`.
    fn report(samples: &Samples, files: &BTreeMap<Side, Vec<String>>, site: &Path) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "site\t{}", site.display());
        for (side, list) in files {
            for file in list {
                let size = std::fs::metadata(site.join(file))
                    .map(|m| m.len())
                    .unwrap_or(0);
                let _ = writeln!(out, "file\t{}\t{file}\t{size}", side.name());
            }
        }
        let fmt = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{v:.3}"));
        for (key, label, unit) in FIGURES {
            let _ = writeln!(
                out,
                "figure\t{key}\t{label}\t{unit}\t{}\t{}",
                fmt(samples.median(key, Side::Ours)),
                fmt(samples.median(key, Side::Baseline))
            );
        }
        out
    }

    /// Our release build at the root of a fresh folder and the baseline under `baseline/`.
    fn stage_site() -> PathBuf {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let baseline = root.join("bench/baseline-msal");
        if baseline.join("node_modules/@azure/msal-browser").exists() {
            let status = Command::new("node")
                .arg("build.mjs")
                .current_dir(&baseline)
                .status()
                .expect("node runs (cargo xtask setup)");
            assert!(status.success(), "the baseline does not build");
        }
        assert!(
            baseline.join("dist/main.js").exists(),
            "the MSAL.js baseline is not installed: run `cargo xtask setup`"
        );
        let site = Path::new(env!("CARGO_TARGET_TMPDIR")).join("bench-site");
        let _ = std::fs::remove_dir_all(&site);
        copy_dir(&dist_dir(), &site);
        copy_dir(&baseline.join("dist"), &site.join("baseline"));
        site
    }

    fn copy_dir(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).expect("the staging folder can be made");
        for entry in std::fs::read_dir(from).expect("the build can be read") {
            let path = entry.expect("a folder entry").path();
            let name = path.file_name().expect("a file name").to_owned();
            if path.is_dir() {
                if name != ".stage" {
                    copy_dir(&path, &to.join(name));
                }
            } else {
                std::fs::copy(&path, to.join(name)).expect("a file can be copied");
            }
        }
    }

    /// Our `config.json` is generated by the emulator (saved here only to be weighed); the
    /// baseline's names the same tenant. MSAL accepts only https authorities, so the baseline
    /// names the https form and gets the emulator's endpoints as `authorityMetadata`, the way
    /// MSAL has login.microsoftonline.com's metadata built in (no discovery request).
    async fn write_configs(emulator: &Emulator, site: &Path) {
        let http = emulator.http_client();
        let ours = http
            .get(format!("{}config.json", emulator.app_url()))
            .send()
            .await
            .expect("config.json")
            .text()
            .await
            .expect("config.json text");
        std::fs::write(site.join("config.json"), &ours).expect("config.json saved");
        let ours: Value = serde_json::from_str(&ours).expect("config.json is JSON");
        let authority = ours["authority"].as_str().expect("an authority").to_owned();
        let metadata = http
            .get(format!("{authority}/v2.0/.well-known/openid-configuration"))
            .send()
            .await
            .expect("the discovery document")
            .text()
            .await
            .expect("discovery text");
        let login_host = format!("login.localhost:{}", emulator.port());
        let config = json!({
            "clientId": ours["clientId"],
            "authority": authority.replacen("http://", "https://", 1),
            "knownAuthorities": [login_host],
            "authorityMetadata": metadata,
            "graphBaseUrl": ours["graphBaseUrl"],
            "mySiteHost": ours["mySiteHost"],
        });
        std::fs::write(
            site.join("baseline/config.json"),
            serde_json::to_string_pretty(&config).expect("JSON"),
        )
        .expect("baseline/config.json saved");
    }

    /// What one browser session measured: start-up on a fresh profile, then sign-in and one sync.
    struct Session {
        fcp: Option<f64>,
        interactive: Option<f64>,
        files: Vec<String>,
        wall_ms: f64,
        requests: usize,
        critical: usize,
        ready_requests: usize,
        ready_ms: Option<f64>,
        /// When the page was at rest after the return (ours: compared; the baseline: ready).
        at_rest_ms: Option<f64>,
        request_lines: Vec<String>,
        startup_lines: Vec<String>,
        ready_lines: Vec<String>,
        photo_ms: Option<f64>,
        heap: Option<f64>,
        wasm: Option<f64>,
    }

    impl Session {
        async fn run(emulator: &Emulator, side: Side, upn: &str, with_latency: bool) -> Session {
            let control = emulator.control();
            let baseline_uri = reset(emulator).await;

            let browser = Browser::launch(BrowserOptions {
                precise_memory: true,
                ..Default::default()
            })
            .await;
            let app_url = match side {
                Side::Ours => emulator.app_url(),
                Side::Baseline => format!("{}baseline/", emulator.app_url()),
            };
            let page = AppPage::at(&browser, app_url.clone());

            // Start-up, cache empty (a fresh profile).
            control.clear_log().await.expect("clear log");
            let first = match side {
                Side::Ours => app_url.clone(),
                Side::Baseline => baseline_uri.clone(),
            };
            page.client.goto(&first).await.expect("the page opens");
            wait_true(
                &page,
                "return performance.getEntriesByName('pps:interactive').length > 0",
            )
            .await;
            let interactive = number(
                &page,
                "return performance.getEntriesByName('pps:interactive')[0].startTime",
            )
            .await;
            let fcp_script = "const p = performance.getEntriesByType('paint')
                .find(e => e.name === 'first-contentful-paint'); return p ? p.startTime : null";
            let mut fcp = number(&page, fcp_script).await;
            let deadline = Instant::now() + Duration::from_secs(3);
            while fcp.is_none() && Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(50)).await;
                fcp = number(&page, fcp_script).await;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
            // Where the start-up time goes: each file's fetch, then the page's own marks.
            let startup_lines = timeline(&page).await;
            // What the page had asked for by the time it was interactive (the document, then
            // resources that started by then): not what it fetches behind the first screen
            // (ours prefetches its app module once the landing is up).
            let asked = page
                .eval(
                    "const i = performance.getEntriesByName('pps:interactive')[0].startTime;
                     return performance.getEntriesByType('resource')
                        .filter(e => e.startTime <= i).map(e => new URL(e.name).pathname);",
                )
                .await;
            let asked: Vec<String> = asked
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            let files = first_screen_files(&control.log().await.expect("log"), side, &asked);

            // Sign in (the last click on the identity pages and all after it with the latency of
            // the sync), and wait until the page is ready for the sync click: the sync button
            // is there and takes a click (ours offers it while it reads the photos for its
            // comparison, and goes on from there; the baseline, once it has redeemed its code).
            control.clear_log().await.expect("clear log");
            page.click("sign-in").await;
            let latency = if with_latency { SYNC_LATENCY_MS } else { 0 };
            sign_in(&page, &control, upn, latency).await;
            let ready_script = match side {
                Side::Ours => {
                    "const b = document.querySelector('[data-testid=\"sync-button\"]');
                     return b && b.getAttribute('aria-disabled') !== 'true' ? performance.now() : null"
                }
                Side::Baseline => {
                    "const b = document.getElementById('sync');
                     return b && !b.hidden ? performance.now() : null"
                }
            };
            let ready_ms = wait_number(&page, ready_script).await;
            // The one sync below starts from a page at rest: ours has compared both photos (and
            // the sign-in return to verified counts until then), the baseline reads at the click.
            let at_rest_ms = match side {
                Side::Ours => {
                    wait_number(
                        &page,
                        "return document.querySelector('[data-testid=\"sync-view\"][data-phase=\"compared\"]')
                            ? performance.now() : null",
                    )
                    .await
                }
                Side::Baseline => ready_ms,
            };
            // The requests started by the time the page was ready, answered or not: the
            // emulator logs a request once answered, so its log is read at rest and cut at the
            // ready moment, taken to its clock from the document's request.
            let rest_log = after_return(&control.log().await.expect("log"), side);
            let request_start = number(
                &page,
                "return performance.getEntriesByType('navigation')[0].requestStart",
            )
            .await
            .unwrap_or(0.0);
            let ready_at = rest_log.first().map_or(0, |doc| doc.started_ms)
                + (ready_ms.unwrap_or(0.0) - request_start).max(0.0) as u64;
            let ready_requests = rest_log.iter().filter(|e| e.started_ms <= ready_at).count();
            let mut ready_lines = log_lines(&rest_log);
            ready_lines.insert(
                ready_requests.min(ready_lines.len()),
                "  (ready to click)".into(),
            );
            ready_lines.push("the page's own timeline, from the return:".into());
            ready_lines.extend(timeline(&page).await);

            // One sync.
            // One sync.
            if with_latency {
                control.set_latency(SYNC_LATENCY_MS).await.expect("latency");
            }
            page.eval(TIMING_PROBE).await;
            control.clear_log().await.expect("clear log");
            page.click("sync-button").await;
            wait_true(&page, "return window.__bench.done !== undefined").await;
            let timing = page
                .eval("const b = window.__bench; return [b.click, b.done, b.heap]")
                .await;
            control.set_latency(0).await.expect("latency");
            let at = |i: usize| timing.get(i).and_then(Value::as_f64);
            let wall_ms = at(1).unwrap_or(f64::NAN) - at(0).unwrap_or(f64::NAN);
            let heap = at(2).filter(|h| *h > 0.0);
            let log = control.log().await.expect("log");
            let sync_log = within(&log, wall_ms);
            let photo_ms = number(
                &page,
                "const m = performance.getEntriesByName('pps:photo-process');
                 return m.length ? m[m.length - 1].duration : null",
            )
            .await;
            let wasm = match side {
                Side::Ours => wasm_memory(&page).await,
                Side::Baseline => None,
            };
            let request_lines = log_lines(&sync_log);
            Session {
                fcp,
                interactive,
                files,
                wall_ms,
                requests: sync_log.len(),
                critical: critical_path(&sync_log),
                ready_requests,
                ready_ms,
                at_rest_ms,
                request_lines,
                startup_lines,
                ready_lines,
                photo_ms,
                heap,
                wasm,
            }
        }
    }

    /// The emulator as it started, with the baseline's redirect URI registered (returned).
    async fn reset(emulator: &Emulator) -> String {
        let control = emulator.control();
        control.reset().await.expect("reset");
        let mut registration = control.registration().await.expect("registration");
        let baseline_uri = format!("{}baseline/index.html", emulator.app_url());
        registration.spa_redirect_uris.push(baseline_uri.clone());
        control
            .set_registration(registration)
            .await
            .expect("registration");
        control.set_latency(0).await.expect("latency");
        baseline_uri
    }

    /// The page's wasm linear memory, in bytes (through the module Trunk's loader keeps).
    pub(crate) async fn wasm_memory(page: &AppPage<'_>) -> Option<f64> {
        page.client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 if (!window.wasmBindings) { done(null); } else {
                   window.wasmBindings.default()
                     .then(w => done(w.memory.buffer.byteLength), () => done(null)); }",
                vec![],
            )
            .await
            .ok()
            .and_then(|v| v.as_f64())
    }

    /// Records the click, the moment anything in the page says `data-phase="done"`, and the
    /// peak JS heap in between (`performance.memory`, precise with the flag the browser gets),
    /// sampled at the click, at every change of the page's DOM and at the end. No timer: a
    /// page kept busy never idles, and Chromium encodes `canvas.toBlob` JPEGs in idle time
    /// (see README.md).
    const TIMING_PROBE: &str = "
        const b = window.__bench = { heap: 0 };
        const sample = () => { if (performance.memory)
            b.heap = Math.max(b.heap, performance.memory.usedJSHeapSize); };
        sample();
        document.addEventListener('click', () => {
            if (b.click === undefined) { b.click = performance.now(); sample(); } }, true);
        const check = () => {
            if (b.done !== undefined) return;
            sample();
            if (document.querySelector('[data-phase=\"done\"]')) { b.done = performance.now(); } };
        new MutationObserver(check).observe(document.documentElement,
            { subtree: true, childList: true, characterData: true, attributes: true });
        return true;";

    /// The requests of the sync: from the first one after the click, for as long as it took.
    fn within(log: &[LogEntry], wall_ms: f64) -> Vec<LogEntry> {
        let mut entries = on_the_wire(log);
        entries.sort_by_key(|e| e.started_ms);
        let Some(start) = entries.first().map(|e| e.started_ms) else {
            return entries;
        };
        let end = start as f64 + if wall_ms.is_finite() { wall_ms } else { 0.0 };
        entries.retain(|e| e.started_ms as f64 <= end);
        entries
    }

    /// The longest chain of requests each of which starts after the previous one ended: how
    /// many round trips the sync waits for one after another.
    pub(crate) fn critical_path(entries: &[LogEntry]) -> usize {
        let spans: Vec<(u64, u64)> = entries
            .iter()
            .map(|e| (e.started_ms, e.started_ms + e.duration_ms))
            .collect();
        longest_chain(&spans)
    }

    fn longest_chain(spans: &[(u64, u64)]) -> usize {
        let mut order: Vec<usize> = (0..spans.len()).collect();
        order.sort_by_key(|&i| spans[i].0);
        let mut best = vec![1usize; spans.len()];
        for (k, &i) in order.iter().enumerate() {
            for &j in &order[..k] {
                if spans[j].1 <= spans[i].0 {
                    best[i] = best[i].max(best[j] + 1);
                }
            }
        }
        best.into_iter().max().unwrap_or(0)
    }

    /// Files the browser fetched from the app's origin for the first screen, as paths in the
    /// staged site: the document, and the files among `asked` (the paths the page had asked
    /// for when it became interactive).
    fn first_screen_files(log: &[LogEntry], side: Side, asked: &[String]) -> Vec<String> {
        let mut files = Vec::new();
        for (i, e) in log.iter().enumerate() {
            if e.host != "app.localhost" || e.method != "GET" || e.status != 200 {
                continue;
            }
            let path = e.path_and_query.split('?').next().unwrap_or_default();
            if i > 0 && !asked.iter().any(|a| a == path) {
                continue;
            }
            let mut rel = path.trim_start_matches('/').to_owned();
            if rel.is_empty() || rel.ends_with('/') {
                rel.push_str("index.html");
            }
            let in_side = rel.starts_with("baseline/") == (side == Side::Baseline);
            if in_side && !files.contains(&rel) {
                files.push(rel);
            }
        }
        files
    }

    async fn wait_true(page: &AppPage<'_>, script: &str) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if page.client.execute(script, vec![]).await.ok() == Some(Value::Bool(true)) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "waited {PATIENCE:?} for `{script}`; the page shows:\n{}",
                page.body_text().await
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// On the emulator's identity pages: picks the account, then sets the latency and accepts
    /// consent (asked on every first sign-in after a reset), which sends the browser back to
    /// the page.
    async fn sign_in(
        page: &AppPage<'_>,
        control: &emulator::ControlClient,
        upn: &str,
        latency: u64,
    ) {
        page.click(&format!("account-{upn}")).await;
        let deadline = Instant::now() + PATIENCE;
        loop {
            if page.has("consent-accept").await {
                control.set_latency(latency).await.expect("latency");
                page.click("consent-accept").await;
                return;
            }
            let url = page
                .client
                .current_url()
                .await
                .map(|u| u.to_string())
                .unwrap_or_default();
            if url.starts_with(&page.app_url) && !url.contains("/oauth2/") {
                control.set_latency(latency).await.expect("latency");
                return;
            }
            assert!(
                Instant::now() < deadline,
                "stuck on the identity pages: {}",
                page.body_text().await
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Polls a script until it returns a number (the page's clock when it saw what it waits
    /// for: accurate to the polling interval, about 20 ms).
    async fn wait_number(page: &AppPage<'_>, script: &str) -> Option<f64> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(n) = number(page, script).await {
                return Some(n);
            }
            assert!(
                Instant::now() < deadline,
                "waited {PATIENCE:?} for `{script}`; the page shows:\n{}",
                page.body_text().await
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The requests from the page's load after the sign-in redirect: the last fetch of the
    /// page's document and everything after it.
    /// One line per request: status, start relative to the first, duration, method, URL.
    fn log_lines(entries: &[LogEntry]) -> Vec<String> {
        let first = entries.first().map(|e| e.started_ms).unwrap_or_default();
        entries
            .iter()
            .map(|e| {
                format!(
                    "{:>6} +{:>4} ms {:>4} ms {} {}{}",
                    e.status,
                    e.started_ms - first,
                    e.duration_ms,
                    e.method,
                    e.host,
                    e.path_and_query.chars().take(90).collect::<String>()
                )
            })
            .collect()
    }

    /// The requests that went over the network: the emulator also logs each call inside a
    /// Graph `$batch` (`batch_of`), which is not a round trip of its own.
    fn on_the_wire(log: &[LogEntry]) -> Vec<LogEntry> {
        log.iter()
            .filter(|e| e.batch_of.is_none())
            .cloned()
            .collect()
    }

    fn after_return(log: &[LogEntry], side: Side) -> Vec<LogEntry> {
        let document = |e: &LogEntry| {
            let path = e.path_and_query.split('?').next().unwrap_or_default();
            e.host == "app.localhost"
                && e.method == "GET"
                && match side {
                    Side::Ours => path == "/" || path == "/index.html",
                    Side::Baseline => path == "/baseline/index.html" || path == "/baseline/",
                }
        };
        let mut entries = on_the_wire(log);
        entries.sort_by_key(|e| e.started_ms);
        let start = entries.iter().rposition(document).unwrap_or(0);
        entries.split_off(start)
    }

    /// Each file the page fetched (its start and end, how it was asked for and whether it came
    /// from the cache), then the page's own marks, in the page's clock.
    async fn timeline(page: &AppPage<'_>) -> Vec<String> {
        let rows = page
            .eval(
                "const r = performance.getEntriesByType('resource').map(e =>
                    [e.startTime, e.responseEnd, e.name.split('/').pop().slice(0, 60)
                        + ' (' + e.initiatorType + (e.transferSize === 0 && e.decodedBodySize > 0 ? ', cache' : '') + ')']);
                 const nav = performance.getEntriesByType('navigation')[0];
                 const marks = performance.getEntriesByType('mark')
                    .concat(performance.getEntriesByType('paint'))
                    .map(e => [e.startTime, e.startTime, e.name]);
                 return [[0, nav ? nav.responseEnd : 0, 'document']].concat(r, marks)
                    .sort((a, b) => a[0] - b[0]);",
            )
            .await;
        rows.as_array()
            .map(|rows| {
                rows.iter()
                    .map(|row| {
                        let at = |i: usize| row.get(i).and_then(Value::as_f64).unwrap_or(0.0);
                        let name = row.get(2).and_then(Value::as_str).unwrap_or_default();
                        format!("{:>7.1} ms {:>7.1} ms  {name}", at(0), at(1))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    async fn number(page: &AppPage<'_>, script: &str) -> Option<f64> {
        page.client
            .execute(script, vec![])
            .await
            .ok()
            .and_then(|v| v.as_f64())
    }
}
