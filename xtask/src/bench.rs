//! `cargo xtask bench [--quick] [--runs N] [--report FILE]`: our page against the MSAL.js
//! baseline, side by side.
//!
//! The browser work is done by the `bench` test target (`tests/bench/main.rs`, which needs
//! the emulator, ChromeDriver and tokio, none of which this task runner should compile). It
//! writes a tab-separated file; this module weighs the files it lists (raw, gzip -9, brotli),
//! prints the table and writes `bench/RESULTS.md`. See `bench/README.md`.

use std::fmt::Write as _;
use std::fs;
use std::path::PathBuf;

use crate::error::{Error, Result};
use crate::process::{cmd, output_of, root, run, CHROMIUM};
use crate::size::{brotli_size, gzip_size};

/// Runs of each measurement unless `--runs N` or `--quick` (one run) says otherwise.
pub const DEFAULT_RUNS: u16 = 5;

/// The bench task's arguments.
#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    /// One run of each measurement (a smoke run).
    #[arg(long, conflicts_with = "runs")]
    quick: bool,
    /// Runs of each measurement; the table shows medians.
    #[arg(long, default_value_t = DEFAULT_RUNS, value_parser = clap::value_parser!(u16).range(1..))]
    runs: u16,
    /// Only the table and RESULTS.md, from the results file of an earlier run of the bench
    /// target (e.g. its binary run by hand on a busy machine).
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
}

pub fn bench(args: BenchArgs) -> Result {
    let runs = if args.quick {
        1
    } else {
        usize::from(args.runs)
    };
    let out = match args.report {
        Some(file) => file,
        None => {
            crate::setup::setup()?;
            crate::dist::dist()?;
            let out = root().join("target/bench-results.tsv");
            let _ = fs::remove_file(&out);
            run(
                &format!("benchmarks in headless Chromium ({runs} run(s), ours and the MSAL.js baseline)"),
                crate::test::browsers(
                    cmd("cargo")
                        .args(["test", "--test", "bench", "--locked"])
                        .env("PPS_BENCH", "1")
                        .env("PPS_BENCH_RUNS", runs.to_string())
                        .env("PPS_BENCH_OUT", &out),
                ),
            )?;
            out
        }
    };
    let raw = fs::read_to_string(&out).map_err(Error::file(&out))?;
    let results = Results::parse(&raw)?;
    let table = results.table();
    println!("\n{table}");
    let markdown = results.markdown(runs);
    let path = root().join("bench/RESULTS.md");
    fs::write(&path, markdown).map_err(Error::file(&path))?;
    eprintln!("==> written to bench/RESULTS.md");
    Ok(())
}

struct Figure {
    label: String,
    unit: String,
    ours: Option<f64>,
    baseline: Option<f64>,
}

/// One fetched file and its sizes: raw, gzip -9, brotli q11.
struct Weighed {
    side: String,
    path: String,
    sizes: [usize; 3],
}

struct Results {
    files: Vec<Weighed>,
    figures: Vec<Figure>,
}

impl Results {
    fn parse(raw: &str) -> Result<Results> {
        let mut site = PathBuf::new();
        let mut files = Vec::new();
        let mut figures = Vec::new();
        for line in raw.lines() {
            let cols: Vec<&str> = line.split('\t').collect();
            match cols.as_slice() {
                ["site", dir] => site = PathBuf::from(dir),
                ["file", side, path, ..] => {
                    let file = site.join(path);
                    let bytes = fs::read(&file).map_err(Error::file(&file))?;
                    files.push(Weighed {
                        side: (*side).to_owned(),
                        path: (*path).to_owned(),
                        sizes: [bytes.len(), gzip_size(&bytes), brotli_size(&bytes)],
                    });
                }
                ["figure", _key, label, unit, ours, baseline] => figures.push(Figure {
                    label: (*label).to_owned(),
                    unit: (*unit).to_owned(),
                    ours: ours.parse().ok(),
                    baseline: baseline.parse().ok(),
                }),
                _ => {}
            }
        }
        Ok(Results { files, figures })
    }

    fn weight(&self, side: &str, which: usize) -> Option<f64> {
        let mut files = self.files.iter().filter(|f| f.side == side).peekable();
        files.peek()?;
        Some(files.map(|f| f.sizes[which] as f64).sum())
    }

    fn rows(&self) -> Vec<(String, String, String, String)> {
        let mut rows = Vec::new();
        for (which, name) in ["raw", "gzip -9", "brotli"].iter().enumerate() {
            let (ours, baseline) = (self.weight("ours", which), self.weight("baseline", which));
            rows.push((
                format!("page weight, first screen, {name}"),
                value(ours, "bytes"),
                value(baseline, "bytes"),
                ratio(ours, baseline),
            ));
        }
        for f in &self.figures {
            rows.push((
                f.label.clone(),
                value(f.ours, &f.unit),
                value(f.baseline, &f.unit),
                ratio(f.ours, f.baseline),
            ));
        }
        rows
    }

    fn table(&self) -> String {
        let rows = self.rows();
        let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(6).max(6);
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{:<width$}  {:>12}  {:>12}  {:>7}",
            "figure", "ours", "baseline", "ratio"
        );
        for (label, ours, baseline, ratio) in rows {
            let _ = writeln!(
                out,
                "{label:<width$}  {ours:>12}  {baseline:>12}  {ratio:>7}"
            );
        }
        out
    }

    fn markdown(&self, runs: usize) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# Benchmark results\n");
        let _ = writeln!(
            out,
            "Written by `cargo xtask bench` ({runs} run(s), medians; see README.md for what each figure means).\n"
        );
        let _ = writeln!(
            out,
            "- date: {}",
            output_of("date", &["-u", "+%Y-%m-%d %H:%M UTC"])
        );
        let _ = writeln!(out, "- commit: {}", commit());
        let _ = writeln!(out, "- machine: {}\n", machine());
        let _ = writeln!(
            out,
            "| figure | ours | baseline (MSAL.js) | ratio ours/baseline |"
        );
        let _ = writeln!(out, "| --- | ---: | ---: | ---: |");
        for (label, ours, baseline, ratio) in self.rows() {
            let _ = writeln!(out, "| {label} | {ours} | {baseline} | {ratio} |");
        }
        let _ = writeln!(out, "\n## Files fetched for the first screen\n");
        let _ = writeln!(out, "| page | file | raw | gzip -9 | brotli |");
        let _ = writeln!(out, "| --- | --- | ---: | ---: | ---: |");
        for f in &self.files {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                f.side, f.path, f.sizes[0], f.sizes[1], f.sizes[2]
            );
        }
        out
    }
}

fn value(v: Option<f64>, unit: &str) -> String {
    match v {
        None => "n/a".to_owned(),
        Some(v) => match unit {
            "ms" => format!("{v:.1} ms"),
            "bytes" if v >= 1_000_000.0 => format!("{:.2} MB", v / 1_000_000.0),
            "bytes" => format!("{v:.0}"),
            "fraction" => format!("{v:.2}"),
            "s" => format!("{v:.1} s"),
            _ => format!("{v:.0}"),
        },
    }
}

fn ratio(ours: Option<f64>, baseline: Option<f64>) -> String {
    match (ours, baseline) {
        (Some(o), Some(b)) if b > 0.0 => format!("{:.2}", o / b),
        _ => "-".to_owned(),
    }
}

fn commit() -> String {
    let hash = output_of("git", &["rev-parse", "--short=12", "HEAD"]);
    let dirty = !output_of("git", &["status", "--porcelain", "--untracked-files=no"]).is_empty();
    if dirty {
        format!("{hash} (with uncommitted changes)")
    } else {
        hash
    }
}

fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let model = fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let chromium = output_of(CHROMIUM, &["--version"]);
    format!("{cores} cores, {model}; {chromium}")
}
