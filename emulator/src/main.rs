//! `m365-emulator --port N [--app-dir PATH] [--seed demo] [--latency-ms N] [--quiet]`

use std::io::Write as _;
use std::path::PathBuf;

use clap::Parser;
use emulator::{Emulator, EmulatorOptions, Seed};

/// A local Microsoft 365 (identity platform, Graph, SharePoint) for the demo and the tests.
#[derive(Parser, Debug)]
#[command(name = "m365-emulator", version)]
struct Args {
    /// Port on 127.0.0.1 (0 = a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Serve the app's built files on app.localhost.
    #[arg(long)]
    app_dir: Option<PathBuf>,
    /// Which tenant to load.
    #[arg(long, value_enum, default_value_t = SeedArg::Demo)]
    seed: SeedArg,
    /// Latency added to every request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// No request log on stderr.
    #[arg(long)]
    quiet: bool,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum SeedArg {
    /// The demo tenant contoso.onmicrosoft.com.
    Demo,
}

impl From<SeedArg> for Seed {
    fn from(s: SeedArg) -> Seed {
        match s {
            SeedArg::Demo => Seed::Demo,
        }
    }
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    if let Some(dir) = &args.app_dir {
        if !dir.join("index.html").is_file() {
            eprintln!("warning: {} has no index.html", dir.display());
        }
    }
    let has_app = args.app_dir.is_some();
    let opts = EmulatorOptions {
        port: args.port,
        app_dir: args.app_dir,
        seed: args.seed.into(),
        latency_ms: args.latency_ms,
        log_requests: !args.quiet,
    };
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
