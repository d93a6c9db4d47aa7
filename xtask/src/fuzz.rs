//! `cargo xtask fuzz [--cases N]`: the native property tests, long. `cargo test` runs them with
//! proptest's modest default; this runs the app's unit tests (`--lib`) and `tests/properties`
//! (when there is one) in release mode with `PROPTEST_CASES=N`, and prints the cases and the
//! time each took.

use std::time::Instant;

use crate::error::Result;
use crate::process::{cmd, root, run};

/// Cases per property unless `--cases` says otherwise.
pub const DEFAULT_CASES: u32 = 100_000;

pub fn fuzz(cases: u32) -> Result {
    let mut suites: Vec<(&str, Vec<&str>)> = vec![("unit tests (--lib)", vec!["--lib"])];
    let properties = root().join("tests/properties");
    if properties.with_extension("rs").is_file() || properties.join("main.rs").is_file() {
        suites.push(("tests/properties", vec!["--test", "properties"]));
    }
    let mut report = Vec::new();
    for (name, args) in suites {
        let started = Instant::now();
        run(
            &format!("{name} with PROPTEST_CASES={cases}, release"),
            cmd("cargo")
                .args([
                    "test",
                    "--package",
                    "profile-photo-sync",
                    "--release",
                    "--locked",
                ])
                .args(args)
                .env("PROPTEST_CASES", cases.to_string()),
        )?;
        report.push((name, started.elapsed()));
    }
    eprintln!("fuzz: {cases} cases per property");
    for (name, took) in report {
        eprintln!("  {name:<24} {took:.1?}");
    }
    Ok(())
}
