//! `cargo xtask test`: every check in the order that fails fastest — rustfmt, clippy for both
//! targets, the release build and its bundle, every native test (unit, emulator, end-to-end in
//! Chromium and Firefox ESR, under nginx and Apache too), then the wasm browser tests against a running emulator. Screenshots go to
//! `target/screenshots/`, so a run leaves the working tree as it found it.

use std::io::BufRead as _;
use std::process::{Child, Stdio};

use crate::error::{Error, Result};
use crate::process::{cmd, dist_dir, geckodriver, root, run, CHROMEDRIVER, CHROMIUM, FIREFOX};

/// The port of the emulator the browser tests use (compiled into them).
const BROWSER_TEST_EMULATOR_PORT: &str = "18765";

pub fn test(lint: bool) -> Result {
    if lint {
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
    crate::dist::dist()?;
    // Each page within its weight budget.
    crate::size::size(true)?;
    // The release bundle, unpacked and checked; the hosting tests serve it (PPS_BUNDLE).
    crate::release::release()?;
    run(
        "native tests: unit, emulator, end-to-end in headless Chromium and Firefox ESR",
        browsers(cmd("cargo").args(["test", "--workspace", "--locked"])),
    )?;
    wasm_browser_tests()
}

/// The environment the end-to-end tests and the bench read: the build, the browsers, and where
/// screenshots go.
pub fn browsers(command: &mut std::process::Command) -> &mut std::process::Command {
    command
        .env("PPS_DIST", dist_dir())
        .env("PPS_BUNDLE", crate::release::unpacked_dir())
        .env("PPS_SCREENSHOTS", root().join("target/screenshots"))
        .env("CHROMEDRIVER", CHROMEDRIVER)
        .env("CHROMIUM", CHROMIUM)
        .env("GECKODRIVER", geckodriver())
        .env("FIREFOX", FIREFOX)
}

/// The wasm-bindgen tests in headless Chromium; those of the sync runner talk to a running
/// emulator on a known port (they fail without it).
fn wasm_browser_tests() -> Result {
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
    let port = std::env::var("PPS_EMULATOR_PORT")
        .unwrap_or_else(|_| BROWSER_TEST_EMULATOR_PORT.to_owned());
    let _emulator = BackgroundEmulator::start(&port)?;
    run(
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
    )
}

/// The emulator binary running in the background; stopped (by its id) when dropped.
struct BackgroundEmulator(Child);

impl BackgroundEmulator {
    fn start(port: &str) -> Result<BackgroundEmulator> {
        let binary = root().join("target/debug/m365-emulator");
        let mut child = cmd(&binary)
            .args(["--port", port, "--quiet"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|source| Error::Start {
                program: binary.display().to_string(),
                source,
            })?;
        let mut line = String::new();
        if let Some(stdout) = child.stdout.take() {
            let _ = std::io::BufReader::new(stdout).read_line(&mut line);
        }
        if !line.starts_with("ready ") {
            let _ = child.kill();
            let _ = child.wait();
            return Err(Error::Usage(format!(
                "the emulator did not start on port {port} (is the port taken?): {line}"
            )));
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
