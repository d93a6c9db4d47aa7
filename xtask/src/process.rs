//! Where things are and how commands run: the workspace root, the PATH the tools are found on,
//! and `run`, which prints what it does and turns a failure into an [`Error`]. No task logic.

use std::env;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::{Error, Result};

/// The browsers and their drivers: Chromium and ChromeDriver from Debian, Firefox ESR from
/// Debian, geckodriver from crates.io (see [`geckodriver`]).
pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const FIREFOX: &str = "/usr/bin/firefox-esr";
/// Debian's web servers, for the tests that serve the page with the deployment guide's
/// snippets (never as services).
pub const NGINX: &str = "/usr/sbin/nginx";
pub const APACHE: &str = "/usr/sbin/apache2";

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

/// The release build of the page.
pub fn dist_dir() -> PathBuf {
    root().join("dist")
}

/// Where `cargo install` puts geckodriver.
pub fn geckodriver() -> PathBuf {
    cargo_home().join("bin/geckodriver")
}

/// PATH with `node_modules/.bin` (wasm-opt from npm's binaryen) and cargo's bin folder first.
pub fn tool_path() -> OsString {
    let mut paths = vec![root().join("node_modules/.bin"), cargo_home().join("bin")];
    if let Some(path) = env::var_os("PATH") {
        paths.extend(env::split_paths(&path));
    }
    env::join_paths(paths).expect("PATH entries are valid")
}

pub fn cargo_home() -> PathBuf {
    env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from(".cargo"))
}

/// A command run from the workspace root with the tools' PATH.
pub fn cmd(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut command = Command::new(program);
    command.current_dir(root()).env("PATH", tool_path());
    command
}

/// Runs a command to its end, saying what it is first.
pub fn run(what: &str, command: &mut Command) -> Result {
    eprintln!("==> {what}");
    let status = command.status().map_err(|source| Error::Start {
        program: command.get_program().to_string_lossy().into_owned(),
        source,
    })?;
    if status.success() {
        Ok(())
    } else {
        Err(Error::Failed {
            what: what.to_owned(),
            status,
        })
    }
}

/// The first line a tool prints for `--version`, if it runs at all.
pub fn version_of(program: impl AsRef<std::ffi::OsStr>) -> Option<String> {
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
pub fn locked_version(package: &str) -> Result<String> {
    let path = root().join("Cargo.lock");
    let lock = fs::read_to_string(&path).map_err(Error::file(&path))?;
    let needle = format!("name = \"{package}\"\nversion = \"");
    let start = lock
        .find(&needle)
        .ok_or_else(|| Error::Usage(format!("Cargo.lock has no {package}")))?
        + needle.len();
    Ok(lock[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_owned())
}

/// What a command prints, or `unknown` (for reports).
pub fn output_of(program: &str, args: &[&str]) -> String {
    cmd(program)
        .args(args)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "unknown".to_owned())
}
