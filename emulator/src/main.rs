//! `m365-emulator --port N [--app-dir PATH] [--seed demo|S] [--users N] [--latency-ms N]
//! [--limits documented|off] [--licenses N] [--limit-window-scale F] [--quiet]`

use std::io::Write as _;
use std::path::PathBuf;

use clap::Parser;
use emulator::{Emulator, EmulatorOptions, GeneratedTenant, Limits, Seed};

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
    /// `demo` (the demo tenant), or with --users the seed of the generated tenant (a number).
    #[arg(long, default_value = "demo")]
    seed: String,
    /// A generated tenant of this many users instead of the demo tenant.
    #[arg(long)]
    users: Option<u32>,
    /// Latency added to every request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Throttling: the services' documented limits, or none.
    #[arg(long, value_enum, default_value_t = LimitsArg::Documented)]
    limits: LimitsArg,
    /// The licence count SharePoint's documented limits scale with (default: the tenant's
    /// licensed users).
    #[arg(long)]
    licenses: Option<u32>,
    /// Every throttling window this many times as long (0.01: 10 minutes become 6 seconds).
    #[arg(long, default_value_t = 1.0)]
    limit_window_scale: f64,
    /// No request log on stderr.
    #[arg(long)]
    quiet: bool,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum LimitsArg {
    /// 4 concurrent Outlook requests per app, 10,000 per mailbox per 10 min; SharePoint's
    /// limits by licence count.
    Documented,
    /// No throttling model.
    Off,
}

/// The tenant the arguments ask for.
fn tenant(args: &Args) -> Result<Option<GeneratedTenant>, String> {
    match (args.users, args.seed.as_str()) {
        (None, "demo") => Ok(None),
        (None, other) => Err(format!("--seed {other} needs --users N")),
        (Some(0), _) => Err("--users must be at least 1".into()),
        (Some(n), "demo") => Ok(Some(GeneratedTenant::new(n, 1))),
        (Some(n), seed) => seed
            .parse()
            .map(|s| Some(GeneratedTenant::new(n, s)))
            .map_err(|_| format!("--seed is demo or a number, not {seed}")),
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
    let generated = match tenant(&args) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    if !(args.limit_window_scale.is_finite() && args.limit_window_scale > 0.0) {
        eprintln!("error: --limit-window-scale must be above 0");
        std::process::exit(2);
    }
    let has_app = args.app_dir.is_some();
    let opts = EmulatorOptions {
        port: args.port,
        app_dir: args.app_dir,
        seed: Seed::Demo,
        generated,
        latency_ms: args.latency_ms,
        log_requests: !args.quiet,
        limits: (args.limits == LimitsArg::Off).then(Limits::default),
        licenses: args.licenses,
        limit_window_scale: Some(args.limit_window_scale),
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
