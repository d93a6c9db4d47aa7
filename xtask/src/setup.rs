//! `cargo xtask setup`: installs every tool the build and the tests need, idempotently, from the
//! package registries this project may use (crates.io, npm, Debian) and nothing else. Each step
//! is skipped when its tool is present at the right version; the table says what happened.

use std::fs;
use std::path::Path;

use crate::error::{Error, Result};
use crate::process::{
    cmd, geckodriver, locked_version, root, run, version_of, APACHE, CHROMEDRIVER, CHROMIUM,
    FIREFOX, NGINX,
};

/// Trunk 0.21.14 is the newest that builds with the machine's rustc (1.95).
const TRUNK_VERSION: &str = "0.21.14";
/// geckodriver from crates.io (its npm packages download binaries from elsewhere).
const GECKODRIVER_VERSION: &str = "0.37.1";

type Outcome = Result<&'static str>;
/// A tool and the step that installs it unless present.
type Step = (&'static str, fn() -> Outcome);

pub fn setup() -> Result {
    let steps: [Step; 9] = [
        ("wasm32 target", wasm_target),
        ("Trunk", trunk),
        ("wasm-bindgen-cli", wasm_bindgen_cli),
        ("npm packages (wasm-opt, axe-core)", npm_packages),
        ("npm packages (MSAL.js baseline)", baseline_packages),
        ("Chromium and ChromeDriver", chromium),
        ("Firefox ESR", firefox),
        ("geckodriver", geckodriver_step),
        ("nginx and Apache (hosting tests)", web_servers),
    ];
    let outcomes: Vec<_> = steps.iter().map(|(tool, step)| (*tool, step())).collect();
    eprintln!("setup:");
    let mut missing = Vec::new();
    for (tool, outcome) in &outcomes {
        match outcome {
            Ok(what) => eprintln!("  ok      {tool:<36} {what}"),
            Err(why) => {
                eprintln!("  MISSING {tool:<36} {why}");
                missing.push(*tool);
            }
        }
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Error::Setup { missing })
    }
}

fn wasm_target() -> Outcome {
    let installed = cmd("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map_err(|source| Error::Start {
            program: "rustup".into(),
            source,
        })?;
    if String::from_utf8_lossy(&installed.stdout).contains("wasm32-unknown-unknown") {
        return Ok("present");
    }
    run(
        "rustup target add wasm32-unknown-unknown",
        cmd("rustup").args(["target", "add", "wasm32-unknown-unknown"]),
    )?;
    Ok("installed")
}

fn trunk() -> Outcome {
    if version_of("trunk").is_some_and(|v| v == format!("trunk {TRUNK_VERSION}")) {
        return Ok("present");
    }
    run(
        "cargo install trunk (about 13 minutes on 2 cores; crates.io must be reachable)",
        cmd("cargo").args(["install", "trunk", "--version", TRUNK_VERSION, "--locked"]),
    )?;
    Ok("installed")
}

fn wasm_bindgen_cli() -> Outcome {
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

/// `npm ci` in `dir` unless its `node_modules` is as new as its lockfile and has `probe`.
fn npm_ci(dir: &Path, probe: &str, what: &str) -> Outcome {
    let marker = dir.join("node_modules/.package-lock.json");
    let lock = dir.join("package-lock.json");
    let fresh = match (fs::metadata(&marker), fs::metadata(&lock)) {
        (Ok(m), Ok(l)) => m.modified().ok() >= l.modified().ok(),
        _ => false,
    };
    if fresh && dir.join(probe).exists() {
        return Ok("present");
    }
    run(
        what,
        cmd("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(dir),
    )?;
    Ok("installed")
}

fn npm_packages() -> Outcome {
    npm_ci(
        &root(),
        "node_modules/.bin/wasm-opt",
        "npm ci (binaryen for wasm-opt, axe-core)",
    )
}

/// `bench/baseline-msal/`: `@azure/msal-browser` and esbuild, for `cargo xtask bench`.
fn baseline_packages() -> Outcome {
    npm_ci(
        &root().join("bench/baseline-msal"),
        "node_modules/.bin/esbuild",
        "npm ci in bench/baseline-msal (MSAL.js, esbuild)",
    )
}

fn chromium() -> Outcome {
    if Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists() {
        return Ok("present");
    }
    apt_install(&["chromium", "chromium-driver"])?;
    Ok("installed")
}

fn firefox() -> Outcome {
    if Path::new(FIREFOX).exists() {
        return Ok("present");
    }
    apt_install(&["firefox-esr"])?;
    Ok("installed")
}

fn geckodriver_step() -> Outcome {
    if version_of(geckodriver())
        .is_some_and(|v| v.starts_with(&format!("geckodriver {GECKODRIVER_VERSION}")))
    {
        return Ok("present");
    }
    run(
        &format!(
            "cargo install geckodriver {GECKODRIVER_VERSION} (about 4 minutes; crates.io must be reachable)"
        ),
        cmd("cargo").args([
            "install",
            "geckodriver",
            "--version",
            GECKODRIVER_VERSION,
            "--locked",
        ]),
    )?;
    Ok("installed")
}

/// Debian's nginx and Apache, for the tests that serve the page with the deployment guide's
/// snippets. They run only as the tests' own processes, with their own configuration files
/// under `target/`: the packages' services must neither start now nor at boot, so nothing
/// listens on port 80 because of this step.
fn web_servers() -> Outcome {
    if Path::new(NGINX).exists() && Path::new(APACHE).exists() {
        return Ok("present");
    }
    without_service_starts(|| apt_install(&["nginx", "apache2"]))?;
    for service in ["nginx", "apache2"] {
        disable_at_boot(service);
    }
    Ok("installed (services not started, not enabled at boot)")
}

/// Runs `install` with Debian's `policy-rc.d` answering 101 ("action forbidden"), so that the
/// packages' maintainer scripts start no service; the file is removed afterwards unless it was
/// there before.
fn without_service_starts(install: impl FnOnce() -> Result) -> Result {
    let policy = Path::new("/usr/sbin/policy-rc.d");
    let ours = !policy.exists();
    if ours {
        fs::write(
            policy,
            "#!/bin/sh\n# cargo xtask setup: no service starts while it installs.\nexit 101\n",
        )
        .map_err(Error::file(policy))?;
        run(
            "forbid service starts during the install",
            cmd("chmod").arg("755").arg(policy),
        )?;
    }
    let outcome = install();
    if ours {
        fs::remove_file(policy).map_err(Error::file(policy))?;
    }
    outcome
}

/// Keeps a packaged service from starting at the next boot (systemd, else SysV init).
fn disable_at_boot(service: &str) {
    let disabled = if Path::new("/run/systemd/system").exists() {
        cmd("systemctl").args(["disable", service]).status()
    } else {
        cmd("update-rc.d").args([service, "disable"]).status()
    };
    if !disabled.is_ok_and(|s| s.success()) {
        eprintln!("  note: could not disable the {service} service at boot; disable it yourself");
    }
}

/// Installs Debian packages (needs root; says what to run otherwise).
fn apt_install(packages: &[&str]) -> Result {
    let is_root = cmd("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if !is_root {
        return Err(Error::Usage(format!(
            "not installed, and installing needs root: run `sudo apt-get install -y {}`",
            packages.join(" ")
        )));
    }
    run("apt-get update", cmd("apt-get").arg("update").arg("-q"))?;
    run(
        &format!("apt-get install {}", packages.join(" ")),
        cmd("apt-get")
            .args(["install", "-y", "-q"])
            .args(packages)
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )
}
