//! `m365-emulator --port N [--app-dir PATH] [--seed demo] [--latency-ms N]`

use std::io::Write as _;
use std::path::PathBuf;

use emulator::{Emulator, EmulatorOptions, Seed};

const USAGE: &str = "usage: m365-emulator [--port N (0 = free port)] [--app-dir PATH] [--seed demo] [--latency-ms N] [--quiet]";

fn parse_args() -> Result<EmulatorOptions, String> {
    let mut opts = EmulatorOptions {
        log_requests: true,
        ..EmulatorOptions::default()
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let (key, inline) = match a.split_once('=') {
            Some((k, v)) => (k.to_string(), Some(v.to_string())),
            None => (a.clone(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{key} needs a value\n{USAGE}"))
        };
        match key.as_str() {
            "--port" => opts.port = value()?.parse().map_err(|e| format!("--port: {e}"))?,
            "--app-dir" => opts.app_dir = Some(PathBuf::from(value()?)),
            "--seed" => match value()?.as_str() {
                "demo" => opts.seed = Seed::Demo,
                other => return Err(format!("unknown seed '{other}' (known: demo)")),
            },
            "--latency-ms" => {
                opts.latency_ms = value()?.parse().map_err(|e| format!("--latency-ms: {e}"))?
            }
            "--quiet" => opts.log_requests = false,
            "-h" | "--help" => return Err(USAGE.to_string()),
            other => return Err(format!("unknown argument '{other}'\n{USAGE}")),
        }
    }
    Ok(opts)
}

#[tokio::main]
async fn main() {
    let opts = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
    };
    if let Some(dir) = &opts.app_dir {
        if !dir.join("index.html").is_file() {
            eprintln!("warning: {} has no index.html", dir.display());
        }
    }
    let has_app = opts.app_dir.is_some();
    let emu = match Emulator::start(opts).await {
        Ok(e) => e,
        Err(e) => {
            eprintln!("cannot start: {e:#}");
            std::process::exit(1);
        }
    };
    let url = if has_app {
        emu.app_url()
    } else {
        format!("{}/", emu.origin("control"))
    };
    println!("ready {url}");
    let _ = std::io::stdout().flush();
    let _ = tokio::signal::ctrl_c().await;
    emu.shutdown().await;
}
