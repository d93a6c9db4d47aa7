//! The project's task runner (`cargo xtask <task>`).
//!
//! `setup` installs every tool the build and the tests need, idempotently, from the package
//! registries this project may use (crates.io, npm, Debian) and nothing else; `dist` builds the
//! page; `demo` serves it with the local Microsoft 365 emulator; `test` runs every check;
//! `size` prints what the page weighs; `bench` runs the benchmarks. Each task prints what it
//! does and stops at the first failure with a message that says what to do.

use std::env;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

/// Trunk 0.21.14 is the newest that builds with the machine's rustc (1.95).
const TRUNK_VERSION: &str = "0.21.14";
/// The browser and its driver, from Debian.
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// The port `cargo xtask demo` serves on unless `--port` says otherwise.
const DEMO_PORT: &str = "8400";

type Result<T = ()> = std::result::Result<T, String>;

mod bench;

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let task = args.first().map(String::as_str).unwrap_or("help");
    let rest = &args[args.len().min(1)..];
    let started = Instant::now();
    let outcome = match task {
        "setup" => setup(),
        "dist" => setup().and_then(|_| dist()),
        "demo" => setup().and_then(|_| dist()).and_then(|_| demo(rest)),
        "test" => setup().and_then(|_| test(rest)),
        "size" => size(),
        "fuzz" => fuzz(rest),
        "bench" => bench::bench(rest),
        "help" | "--help" | "-h" => {
            print_help();
            Ok(())
        }
        other => Err(format!("unknown task `{other}`; run `cargo xtask help`")),
    };
    match outcome {
        Ok(()) => {
            if task != "help" {
                eprintln!("xtask {task}: done in {:.0?}", started.elapsed());
            }
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("xtask {task}: FAILED: {message}");
            ExitCode::FAILURE
        }
    }
}

fn print_help() {
    println!(
        "cargo xtask <task>

  demo [--port N]  install what is missing, build the page, serve it with the local emulator
  test             install what is missing, then run every check and test
  setup            install the tools only (idempotent; skips what is present)
  dist             release build of the page into dist/
  size             transfer size of dist/ (raw, gzip -9, brotli)
  fuzz [--cases N] the property tests of every parser, long (10000 cases a property unless N)
  bench [--quick]  our page against the MSAL.js baseline in headless Chromium; writes bench/RESULTS.md"
    );
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

/// PATH with `node_modules/.bin` (wasm-opt from npm's binaryen) and cargo's bin folder first.
fn tool_path() -> OsString {
    let mut paths = vec![root().join("node_modules/.bin"), cargo_home().join("bin")];
    if let Some(path) = env::var_os("PATH") {
        paths.extend(env::split_paths(&path));
    }
    env::join_paths(paths).expect("PATH entries are valid")
}

fn cargo_home() -> PathBuf {
    env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from(".cargo"))
}

fn cmd(program: &str) -> Command {
    let mut command = Command::new(program);
    command.current_dir(root()).env("PATH", tool_path());
    command
}

fn run(what: &str, command: &mut Command) -> Result {
    eprintln!("==> {what}");
    let status = command
        .status()
        .map_err(|e| format!("{what}: could not start {:?}: {e}", command.get_program()))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what} failed ({status})"))
    }
}

/// The first line a tool prints for `--version`, if it runs at all.
fn version_of(program: &str) -> Option<String> {
    let output = cmd(program).arg("--version").output().ok()?;
    output.status.success().then(|| {
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_owned()
    })
}

/// The version of a package as Cargo.lock pins it.
fn locked_version(package: &str) -> Result<String> {
    let lock = fs::read_to_string(root().join("Cargo.lock"))
        .map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let needle = format!("name = \"{package}\"\nversion = \"");
    let start = lock
        .find(&needle)
        .ok_or_else(|| format!("Cargo.lock has no {package}"))?
        + needle.len();
    Ok(lock[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_owned())
}

// ---------------------------------------------------------------------------------------
// setup

struct Step {
    tool: &'static str,
    outcome: Result<&'static str>,
}

fn setup() -> Result {
    let steps = vec![
        Step {
            tool: "wasm32 target",
            outcome: wasm_target(),
        },
        Step {
            tool: "Trunk",
            outcome: trunk(),
        },
        Step {
            tool: "wasm-bindgen-cli",
            outcome: wasm_bindgen_cli(),
        },
        Step {
            tool: "npm packages (wasm-opt, axe-core)",
            outcome: npm_packages(),
        },
        Step {
            tool: "npm packages (MSAL.js baseline)",
            outcome: baseline_packages(),
        },
        Step {
            tool: "Chromium and ChromeDriver",
            outcome: chromium(),
        },
    ];
    eprintln!("setup:");
    let mut failed = Vec::new();
    for step in &steps {
        match &step.outcome {
            Ok(what) => eprintln!("  ok      {:<36} {what}", step.tool),
            Err(why) => {
                eprintln!("  MISSING {:<36} {why}", step.tool);
                failed.push(step.tool);
            }
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("could not install: {}", failed.join(", ")))
    }
}

fn wasm_target() -> Result<&'static str> {
    let installed = cmd("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map_err(|e| format!("rustup is not available: {e}"))?;
    if String::from_utf8_lossy(&installed.stdout).contains("wasm32-unknown-unknown") {
        return Ok("present");
    }
    run(
        "rustup target add wasm32-unknown-unknown",
        cmd("rustup").args(["target", "add", "wasm32-unknown-unknown"]),
    )?;
    Ok("installed")
}

fn trunk() -> Result<&'static str> {
    if version_of("trunk").is_some_and(|v| v == format!("trunk {TRUNK_VERSION}")) {
        return Ok("present");
    }
    run(
        "cargo install trunk (about 13 minutes on 2 cores)",
        cmd("cargo").args(["install", "trunk", "--version", TRUNK_VERSION, "--locked"]),
    )
    .map_err(|e| format!("{e}; crates.io must be reachable"))?;
    Ok("installed")
}

fn wasm_bindgen_cli() -> Result<&'static str> {
    let wanted = locked_version("wasm-bindgen")?;
    if version_of("wasm-bindgen").is_some_and(|v| v == format!("wasm-bindgen {wanted}"))
        && version_of("wasm-bindgen-test-runner").is_some()
    {
        return Ok("present");
    }
    // Not --locked: its lockfile pins a webpki-roots that the registry here lacks.
    run(
        &format!("cargo install wasm-bindgen-cli {wanted} (about 5 minutes)"),
        cmd("cargo").args([
            "install",
            "wasm-bindgen-cli",
            "--version",
            &wanted,
            "--force",
        ]),
    )?;
    Ok("installed")
}

fn npm_packages() -> Result<&'static str> {
    let root = root();
    let marker = root.join("node_modules/.package-lock.json");
    let lock = root.join("package-lock.json");
    let fresh = match (fs::metadata(&marker), fs::metadata(&lock)) {
        (Ok(m), Ok(l)) => m.modified().ok() >= l.modified().ok(),
        _ => false,
    };
    if fresh && root.join("node_modules/.bin/wasm-opt").exists() {
        return Ok("present");
    }
    run(
        "npm ci (binaryen for wasm-opt, axe-core)",
        cmd("npm").args(["ci", "--no-audit", "--no-fund"]),
    )?;
    Ok("installed")
}

/// `bench/baseline-msal/`: `@azure/msal-browser` and esbuild, for `cargo xtask bench`.
fn baseline_packages() -> Result<&'static str> {
    let dir = root().join("bench/baseline-msal");
    let marker = dir.join("node_modules/.package-lock.json");
    let lock = dir.join("package-lock.json");
    let fresh = match (fs::metadata(&marker), fs::metadata(&lock)) {
        (Ok(m), Ok(l)) => m.modified().ok() >= l.modified().ok(),
        _ => false,
    };
    if fresh && dir.join("node_modules/.bin/esbuild").exists() {
        return Ok("present");
    }
    run(
        "npm ci in bench/baseline-msal (MSAL.js, esbuild)",
        cmd("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir),
    )?;
    Ok("installed")
}

fn chromium() -> Result<&'static str> {
    if Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists() {
        return Ok("present");
    }
    let is_root = cmd("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if !is_root {
        return Err(
            "not installed, and installing needs root: run `sudo apt-get install -y chromium chromium-driver`"
                .into(),
        );
    }
    run("apt-get update", cmd("apt-get").arg("update").arg("-q"))?;
    run(
        "apt-get install chromium chromium-driver",
        cmd("apt-get")
            .args(["install", "-y", "-q", "chromium", "chromium-driver"])
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )?;
    Ok("installed")
}

// ---------------------------------------------------------------------------------------
// dist

fn dist() -> Result {
    // Trunk's offline mode still needs every crate in the local cache.
    run("cargo fetch", cmd("cargo").args(["fetch", "--locked"]))?;
    let dist = root().join("dist");
    run(
        "trunk build --release",
        cmd("trunk").args(["build", "--release", "--offline"]),
    )?;
    externalize_loader(&dist.join("index.html"))?;
    bundle_stylesheets(&dist.join("index.html"))?;

    // tools.html (the setup check and the link builder) is a second page with a wasm module of
    // its own, so that the sync page does not carry them. Trunk builds one page at a time and
    // empties its output folder first: built aside, then copied beside index.html.
    let tools = root().join("target/dist-tools");
    run(
        "trunk build --release tools.html",
        cmd("trunk")
            .args(["build", "--release", "--offline", "--dist"])
            .arg(&tools)
            .arg("tools.html"),
    )?;
    let page = ["tools.html", "index.html"]
        .iter()
        .map(|name| tools.join(name))
        .find(|path| path.is_file())
        .ok_or("Trunk wrote no page for tools.html (has Trunk changed?)")?;
    externalize_loader(&page)?;
    bundle_stylesheets(&page)?;
    for entry in fs::read_dir(&tools).map_err(|e| format!("{}: {e}", tools.display()))? {
        let from = entry
            .map_err(|e| format!("{}: {e}", tools.display()))?
            .path();
        let name = if from == page {
            "tools.html".into()
        } else {
            from.file_name().unwrap_or_default().to_owned()
        };
        if from.is_file() {
            fs::copy(&from, dist.join(&name))
                .map_err(|e| format!("cannot copy {} into dist/: {e}", from.display()))?;
        }
    }
    Ok(())
}

/// Joins the stylesheets Trunk emitted (one per `style/*.css`, in the order of index.html)
/// into one file: one request instead of four, so the wasm is not left waiting for a
/// connection (browsers open six per host over HTTP/1.1). Same-origin files need no
/// `integrity`, so the joined file has none.
fn bundle_stylesheets(index: &Path) -> Result {
    let dist = index.parent().ok_or("a page outside any folder")?;
    let html =
        fs::read_to_string(index).map_err(|e| format!("cannot read {}: {e}", index.display()))?;
    let mut kept = String::with_capacity(html.len());
    let (mut css, mut names, mut first_link) = (String::new(), Vec::new(), None);
    for line in html.split_inclusive('\n') {
        let link = line.trim();
        let href = link
            .strip_prefix("<link rel=\"stylesheet\" href=\"./")
            .and_then(|rest| rest.split('"').next())
            .filter(|name| name.ends_with(".css") && !name.contains('/'));
        match href {
            Some(name) => {
                let text = fs::read_to_string(dist.join(name))
                    .map_err(|e| format!("cannot read dist/{name}: {e}"))?;
                css.push_str(&text);
                css.push('\n');
                names.push(name.to_owned());
                first_link.get_or_insert(kept.len());
            }
            None => kept.push_str(line),
        }
    }
    let Some(at) = first_link else {
        return Err(format!(
            "{} links no stylesheet (has Trunk changed?)",
            index.display()
        ));
    };
    let name = format!("style-{:016x}.css", fnv1a(css.as_bytes()));
    fs::write(dist.join(&name), css).map_err(|e| format!("cannot write dist/{name}: {e}"))?;
    for old in &names {
        fs::remove_file(dist.join(old)).map_err(|e| format!("cannot remove dist/{old}: {e}"))?;
    }
    kept.insert_str(
        at,
        &format!("  <link rel=\"stylesheet\" href=\"./{name}\"/>\n"),
    );
    fs::write(index, kept).map_err(|e| format!("cannot write {}: {e}", index.display()))?;
    Ok(())
}

/// Moves Trunk's inline `<script type="module">` loader into a file beside it, so the page
/// runs under a Content-Security-Policy without `'unsafe-inline'`.
fn externalize_loader(index: &Path) -> Result {
    let dist = index.parent().ok_or("a page outside any folder")?;
    let html =
        fs::read_to_string(index).map_err(|e| format!("cannot read {}: {e}", index.display()))?;
    let open = "<script type=\"module\">";
    let Some(start) = html.find(open) else {
        return Err(format!(
            "{} has no inline loader to move (has Trunk changed?)",
            index.display()
        ));
    };
    let end = html[start..]
        .find("</script>")
        .map(|i| start + i)
        .ok_or("unterminated loader script")?;
    let script = html[start + open.len()..end].trim();
    if script.contains("unsafe") {
        return Err("unexpected loader content".into());
    }
    let name = format!("boot-{:016x}.js", fnv1a(script.as_bytes()));
    fs::write(dist.join(&name), format!("{script}\n"))
        .map_err(|e| format!("cannot write dist/{name}: {e}"))?;
    let tag = format!("<script type=\"module\" src=\"./{name}\"></script>");
    let rewritten = format!(
        "{}{}{}",
        &html[..start],
        tag,
        &html[end + "</script>".len()..]
    );
    fs::write(index, rewritten).map_err(|e| format!("cannot write {}: {e}", index.display()))?;
    Ok(())
}

/// A stable content hash for cache-busting file names.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

// ---------------------------------------------------------------------------------------
// demo

fn demo(args: &[String]) -> Result {
    let port = args
        .windows(2)
        .find(|w| w[0] == "--port")
        .map(|w| w[1].clone())
        .unwrap_or_else(|| DEMO_PORT.to_owned());
    eprintln!("==> starting the local Microsoft 365 emulator with the page (Ctrl+C stops it)");
    run(
        "emulator",
        cmd("cargo").args([
            "run",
            "--quiet",
            "--package",
            "emulator",
            "--bin",
            "m365-emulator",
            "--",
            "--port",
            &port,
            "--app-dir",
            "dist",
        ]),
    )
}

// ---------------------------------------------------------------------------------------
// test

/// How many cases `cargo xtask fuzz` runs a property; `cargo test` runs proptest's 256.
const FUZZ_CASES: &str = "10000";

/// The property tests (`tests/properties/`), optimised and with many more cases than the
/// 256 a property that `cargo xtask test` runs.
fn fuzz(args: &[String]) -> Result {
    let cases = match args {
        [] => FUZZ_CASES.to_owned(),
        [flag, n] if flag == "--cases" && n.parse::<u32>().is_ok_and(|n| n > 0) => n.clone(),
        _ => return Err("usage: cargo xtask fuzz [--cases N]".to_owned()),
    };
    run(
        &format!("property tests, {cases} cases a property"),
        cmd("cargo")
            .args(["test", "--release", "--locked", "--test", "properties"])
            .env("PROPTEST_CASES", &cases),
    )
}

fn test(args: &[String]) -> Result {
    let quick = args.iter().any(|a| a == "--no-lint");
    if !quick {
        run(
            "rustfmt check",
            cmd("cargo").args(["fmt", "--all", "--", "--check"]),
        )?;
        run(
            "clippy (native)",
            cmd("cargo").args([
                "clippy",
                "--workspace",
                "--all-targets",
                "--locked",
                "--",
                "-D",
                "warnings",
            ]),
        )?;
        run(
            "clippy (wasm32)",
            cmd("cargo").args([
                "clippy",
                "--package",
                "profile-photo-sync",
                "--target",
                "wasm32-unknown-unknown",
                "--all-targets",
                "--locked",
                "--",
                "-D",
                "warnings",
            ]),
        )?;
    }
    dist()?;
    let dist_dir = root().join("dist");
    run(
        "native tests: unit, emulator, end-to-end in headless Chromium",
        cmd("cargo")
            .args(["test", "--workspace", "--locked"])
            .env("PPS_DIST", &dist_dir)
            .env("CHROMEDRIVER", CHROMEDRIVER)
            .env("CHROMIUM", CHROMIUM),
    )?;
    // The browser tests of the sync runner talk to a running emulator on a known port.
    run(
        "build the emulator",
        cmd("cargo").args([
            "build",
            "--package",
            "emulator",
            "--bin",
            "m365-emulator",
            "--locked",
        ]),
    )?;
    let port =
        env::var("PPS_EMULATOR_PORT").unwrap_or_else(|_| BROWSER_TEST_EMULATOR_PORT.to_owned());
    let emulator = BackgroundEmulator::start(&port)?;
    let result = run(
        "browser tests (wasm-bindgen-test in headless Chromium, against the emulator)",
        cmd("cargo")
            .args([
                "test",
                "--package",
                "profile-photo-sync",
                "--target",
                "wasm32-unknown-unknown",
                "--test",
                "web",
                "--locked",
            ])
            .env(
                "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
                "wasm-bindgen-test-runner",
            )
            .env("CHROMEDRIVER", CHROMEDRIVER)
            .env("WASM_BINDGEN_TEST_TIMEOUT", "180")
            .env("PPS_EMULATOR_PORT", &port),
    );
    drop(emulator);
    result
}

/// The port of the emulator the browser tests use (compiled into them).
const BROWSER_TEST_EMULATOR_PORT: &str = "18765";

/// The emulator binary running in the background; stopped when dropped.
struct BackgroundEmulator(std::process::Child);

impl BackgroundEmulator {
    fn start(port: &str) -> Result<BackgroundEmulator> {
        use std::io::BufRead as _;
        let binary = root().join("target/debug/m365-emulator");
        let mut child = cmd(binary.to_str().unwrap_or("m365-emulator"))
            .args(["--port", port, "--quiet"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start the emulator: {e}"))?;
        let stdout = child.stdout.take().ok_or("no emulator output")?;
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .map_err(|e| format!("emulator: {e}"))?;
        if !line.starts_with("ready ") {
            let _ = child.kill();
            return Err(format!("the emulator did not start on port {port}: {line}"));
        }
        eprintln!("==> emulator {}", line.trim());
        Ok(BackgroundEmulator(child))
    }
}

impl Drop for BackgroundEmulator {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

// ---------------------------------------------------------------------------------------
// size

fn size() -> Result {
    let dist = root().join("dist");
    let mut files: Vec<PathBuf> = Vec::new();
    collect_files(&dist, &mut files)
        .map_err(|e| format!("cannot read dist/ ({e}); run `cargo xtask dist` first"))?;
    files.sort();
    let mut table = String::new();
    let _ = writeln!(
        table,
        "{:<48} {:>10} {:>10} {:>10}",
        "file", "raw", "gzip -9", "brotli"
    );
    let mut total = [0usize; 3];
    let mut sized: Vec<(String, [usize; 3])> = Vec::new();
    for file in &files {
        let bytes = fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
        let sizes = [bytes.len(), gzip_size(&bytes), brotli_size(&bytes)];
        for (t, s) in total.iter_mut().zip(sizes) {
            *t += s;
        }
        let name = file
            .strip_prefix(&dist)
            .unwrap_or(file)
            .display()
            .to_string();
        let _ = writeln!(
            table,
            "{name:<48} {:>10} {:>10} {:>10}",
            sizes[0], sizes[1], sizes[2]
        );
        sized.push((name, sizes));
    }
    let _ = writeln!(
        table,
        "{:<48} {:>10} {:>10} {:>10}",
        "all files", total[0], total[1], total[2]
    );
    // Each page with what it loads: the files its HTML names, and the wasm of its glue.
    for page in ["index.html", "tools.html"] {
        let Ok(html) = fs::read_to_string(dist.join(page)) else {
            continue;
        };
        let mut sum = [0usize; 3];
        for (name, sizes) in &sized {
            let glue = name
                .strip_suffix("_bg.wasm")
                .map(|stem| format!("{stem}.js"));
            let loaded = name == page
                || html.contains(&format!("\"./{name}\""))
                || html.contains(&format!("\"{name}\""))
                || glue.is_some_and(|js| html.contains(&js));
            if loaded {
                for (t, s) in sum.iter_mut().zip(sizes) {
                    *t += s;
                }
            }
        }
        let _ = writeln!(
            table,
            "{:<48} {:>10} {:>10} {:>10}",
            format!("{page} and what it loads"),
            sum[0],
            sum[1],
            sum[2]
        );
    }
    print!("{table}");
    std::io::stdout().flush().ok();
    Ok(())
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_files(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

pub fn gzip_size(bytes: &[u8]) -> usize {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).expect("writing to memory");
    encoder.finish().expect("writing to memory").len()
}

pub fn brotli_size(bytes: &[u8]) -> usize {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 22,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params).expect("compressing in memory");
    out.len()
}
