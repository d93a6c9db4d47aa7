//! `cargo xtask demo`: serves the release build with the local Microsoft 365 emulator until
//! Ctrl+C. Builds nothing itself (main runs setup and dist first).

use crate::error::Result;
use crate::process::{cmd, run};

/// The port `cargo xtask demo` serves on unless `--port` says otherwise.
pub const DEFAULT_PORT: u16 = 8400;

pub fn demo(port: u16) -> Result {
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
            &port.to_string(),
            "--app-dir",
            "dist",
        ]),
    )
}
