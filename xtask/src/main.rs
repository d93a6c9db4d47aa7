//! The project's task runner (`cargo xtask <task>`), one module per task.
//!
//! `setup` installs every tool the build and the tests need, idempotently; `dist` builds the
//! page; `release` packs it with the deployment guide's snippets into a checked zip; `demo` serves it with the local Microsoft 365 emulator; `test` runs every check;
//! `size` prints what the page weighs; `bench` runs the benchmarks; `screenshots` refreshes the
//! README's pictures; `fuzz` runs the property tests long. Each task prints what it does and
//! stops at the first failure with an [`error::Error`] that says what to do. Arguments are
//! parsed by clap; nothing here is product code.

use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand};

mod bench;
mod demo;
mod dist;
mod error;
mod fuzz;
mod guide;
#[cfg(test)]
mod guide_checks;
mod process;
mod release;
mod screenshots;
mod setup;
mod size;
mod test;

#[derive(Parser, Debug)]
#[command(
    name = "xtask",
    bin_name = "cargo xtask",
    about = "Profile Photo Sync's tasks",
    version
)]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand, Debug)]
enum Task {
    /// Install what is missing, build the page, serve it with the local emulator.
    Demo {
        /// The port of every emulated host (app.localhost:PORT, login.localhost:PORT, ...).
        #[arg(long, default_value_t = demo::DEFAULT_PORT)]
        port: u16,
    },
    /// Install what is missing, then run every check and test.
    Test {
        /// Skip rustfmt and clippy.
        #[arg(long)]
        no_lint: bool,
    },
    /// Install the tools only (idempotent; skips what is present).
    Setup,
    /// Release build of the page into dist/.
    Dist,
    /// dist/ and the deployment guide's snippets as a zip with SHA256SUMS and VERSION, in
    /// target/release-bundle/ (unpacked and checked there too).
    Release {
        /// Pack dist/ as it is (built earlier by `cargo xtask dist`) instead of building it.
        #[arg(long)]
        no_build: bool,
    },
    /// Transfer size of dist/ (raw, gzip -9, brotli); builds dist/ first when missing.
    Size {
        /// Fail when a page and what it loads weigh more than its budget (gzip).
        #[arg(long)]
        check: bool,
    },
    /// Our page against the MSAL.js baseline in headless Chromium; writes bench/RESULTS.md.
    Bench(bench::BenchArgs),
    /// Run the end-to-end tests that take the README's screenshots and copy them into
    /// docs/screenshots/.
    Screenshots,
    /// The native property tests, long (release build, PROPTEST_CASES=N).
    Fuzz {
        /// Cases per property.
        #[arg(long, default_value_t = fuzz::DEFAULT_CASES)]
        cases: u32,
    },
    /// Trunk's post_build hook (Trunk.toml): makes the staged pages CSP-safe.
    #[command(hide = true)]
    TrunkPostBuild,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The task as typed (clap has accepted it), for the last line.
    let name = std::env::args().nth(1).unwrap_or_default();
    let started = Instant::now();
    let outcome = match cli.task {
        Task::Setup => setup::setup(),
        Task::Dist => setup::setup().and_then(|_| dist::dist()),
        Task::Release { no_build: true } => release::release(),
        Task::Release { no_build: false } => setup::setup()
            .and_then(|_| dist::dist())
            .and_then(|_| release::release()),
        Task::Demo { port } => setup::setup()
            .and_then(|_| dist::dist())
            .and_then(|_| demo::demo(port)),
        Task::Test { no_lint } => setup::setup().and_then(|_| test::test(!no_lint)),
        Task::Size { check } => size::size(check),
        Task::Bench(args) => bench::bench(args),
        Task::Screenshots => setup::setup()
            .and_then(|_| dist::dist())
            .and_then(|_| screenshots::screenshots()),
        Task::Fuzz { cases } => fuzz::fuzz(cases),
        Task::TrunkPostBuild => dist::post_build(),
    };
    match outcome {
        Ok(()) => {
            eprintln!("xtask {name}: done in {:.0?}", started.elapsed());
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("xtask {name}: FAILED: {error}");
            ExitCode::FAILURE
        }
    }
}
