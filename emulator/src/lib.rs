//! A local Microsoft 365 for the Profile Photo Sync demo, tests and benchmarks: the identity
//! platform (v2), Microsoft Graph v1.0 and SharePoint Online, on one port, told apart by the
//! `Host` header (`login.localhost`, `graph.localhost`, `contoso-my.localhost`, …).
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! let emu = emulator::Emulator::start(emulator::EmulatorOptions::default()).await?;
//! println!("{}", emu.app_url());
//! let state = emu.control().state().await?;
//! # let _ = state; Ok(()) }
//! ```
//!
//! # Layers
//!
//! Imports run only downward, top to bottom:
//!
//! 1. `server` — the listener; picks a router by `Host`.
//! 2. `control` — the control API on `control.localhost` and its typed client.
//! 3. `services` — `identity`, `graph`, `sharepoint`, `app`: one axum `Router` each
//!    (`bearer` checks access tokens for Graph and SharePoint).
//! 4. `pipeline` — the middleware in front of every service host: request log, latency,
//!    injected faults, CORS and preflights, slow bodies; and the throttling models (`limits`).
//! 5. `state` — the store behind one lock, the tenant's data, the seeded demo tenant and its
//!    generated pictures.
//! 6. `wire` — requests, response builders, one error-body builder per dialect (AADSTS, Graph,
//!    SharePoint OData), JWTs, pictures, encodings.
//!
//! `model` (the public control-API types) sits beside `wire` at the bottom.

// Handlers return early with a ready HTTP answer as the error value; boxing every one of them
// would only add noise.
#![allow(clippy::result_large_err)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::net::TcpListener;
use tokio::sync::watch;

mod control;
pub mod model;
mod pipeline;
mod server;
mod services;
mod state;
mod wire;

pub use control::ControlClient;
pub use model::*;
pub use state::{DEMO_CLIENT_ID, TENANT_DOMAIN, TENANT_ID};

/// How to start the emulator.
#[derive(Clone, Debug, Default)]
pub struct EmulatorOptions {
    /// 0 = any free port.
    pub port: u16,
    /// Served on `app.localhost` (with SPA fallback to `index.html`).
    pub app_dir: Option<PathBuf>,
    pub seed: Seed,
    /// A generated tenant of any size instead of the demo tenant (`--users N --seed S`).
    pub generated: Option<GeneratedTenant>,
    /// Latency added to every request (as network round trip time).
    pub latency_ms: u64,
    /// Print one line per request to stderr (the binary does; the library by default not).
    pub log_requests: bool,
    /// The throttling limits; `None`: the documented ones (`Limits::documented`) for the
    /// tenant's licence count (or `licenses`), with windows `limit_window_scale` times as long.
    pub limits: Option<Limits>,
    /// The licence count SharePoint's documented limits scale with (`--licenses`).
    pub licenses: Option<u32>,
    /// Every throttling window this many times as long (`--limit-window-scale`; `None`: 1).
    pub limit_window_scale: Option<f64>,
}

/// A running emulator. Dropping it (or `shutdown`) stops the listener.
pub struct Emulator {
    port: u16,
    stop: watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Emulator {
    /// Binds `127.0.0.1:port` and starts serving.
    pub async fn start(opts: EmulatorOptions) -> anyhow::Result<Emulator> {
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], opts.port))).await?;
        let port = listener.local_addr()?.port();
        let seed = SeedOptions {
            seed: opts.seed,
            extra_users: 0,
            generated: opts.generated.clone(),
        };
        let start_limits = match opts.limits.clone() {
            Some(l) => state::StartLimits::Fixed(l),
            None => state::StartLimits::Documented {
                licenses: opts.licenses,
                window_scale: opts.limit_window_scale.unwrap_or(1.0),
            },
        };
        let shared = Arc::new(state::Shared {
            port,
            keys: wire::jwt::Keys::demo(),
            started: Instant::now(),
            app_dir: opts.app_dir.clone(),
            inner: Mutex::new(state::Inner::new(
                port,
                &seed,
                opts.latency_ms,
                &start_limits,
            )),
            seq: AtomicU64::new(0),
            log_stderr: opts.log_requests,
            initial_latency_ms: opts.latency_ms,
            initial_seed: seed,
            start_limits,
        });
        if opts.generated.is_none() {
            // The demo tenant's pictures; a generated tenant draws its own when asked.
            state::pictures::warm_up();
        }
        let (stop, rx) = watch::channel(false);
        let task = tokio::spawn(server::run(listener, shared, rx));
        Ok(Emulator {
            port,
            stop,
            task: Some(task),
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// `origin("login")` → `http://login.localhost:PORT`
    pub fn origin(&self, host: &str) -> String {
        let label = host.strip_suffix(".localhost").unwrap_or(host);
        format!("http://{label}.localhost:{}", self.port)
    }

    /// `http://app.localhost:PORT/`
    pub fn app_url(&self) -> String {
        format!("{}/", self.origin("app"))
    }

    pub fn control(&self) -> ControlClient {
        ControlClient::new(self.port)
    }

    /// A reqwest client that resolves every emulator host (and `evil.localhost`) to this
    /// emulator and does not follow redirects.
    pub fn http_client(&self) -> reqwest::Client {
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        let mut b = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none());
        for h in [
            "login",
            "graph",
            "contoso-my",
            "contoso-eu-my",
            "contoso-admin",
            "app",
            "control",
            "intranet",
            "evil",
        ] {
            b = b.resolve(&format!("{h}.localhost"), addr);
        }
        b.build().expect("reqwest client")
    }

    /// Stops accepting connections and closes idle ones.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(t) = self.task.take() {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(2), t).await;
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}
