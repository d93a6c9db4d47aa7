//! The top: the listener, and the choice of a router by `Host`. `control.localhost` gets the
//! control API as it is; every other host gets its service's router behind the pipeline
//! (`login` → identity, `graph` → Graph, `contoso-my`/`contoso-eu-my`/`contoso-admin` →
//! SharePoint, `app` and
//! `intranet` → the app's files and the host page, anything else → a logged 404).

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::middleware::from_fn_with_state;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::ServiceExt as _;

use crate::pipeline::{self, Dropped};
use crate::services;
use crate::state::Shared;
use crate::wire::{self, host_of, Connection, Resp};

/// Why a connection was closed without an answer (an injected fault).
#[derive(Debug)]
pub struct ConnectionDropped;

impl std::fmt::Display for ConnectionDropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for ConnectionDropped {}

/// One router per host.
#[derive(Clone)]
struct Hosts {
    control: Router,
    login: Router,
    graph: Router,
    sharepoint: Router,
    app: Router,
    intranet: Router,
    unknown: Router,
}

impl Hosts {
    fn new(shared: &Arc<Shared>) -> Hosts {
        let behind_pipeline = |r: Router<Arc<Shared>>| {
            r.layer(from_fn_with_state(shared.clone(), pipeline::layer))
                .with_state(shared.clone())
        };
        Hosts {
            control: crate::control::router().with_state(shared.clone()),
            login: behind_pipeline(services::identity::router()),
            graph: behind_pipeline(services::graph::router()),
            sharepoint: behind_pipeline(services::sharepoint::router()),
            app: behind_pipeline(services::app::app_router()),
            intranet: behind_pipeline(services::app::intranet_router()),
            unknown: behind_pipeline(Router::new().fallback(unknown_host)),
        }
    }

    fn pick(&self, host: &str) -> &Router {
        if host == "control.localhost" {
            return &self.control;
        }
        match host.split('.').next().unwrap_or("") {
            "login" => &self.login,
            "graph" => &self.graph,
            "contoso-my" | "contoso-eu-my" | "contoso-admin" => &self.sharepoint,
            "app" => &self.app,
            "intranet" => &self.intranet,
            _ => &self.unknown,
        }
    }
}

async fn unknown_host() -> Resp {
    wire::text(StatusCode::NOT_FOUND, "Unknown host")
}

/// Accepts connections until `shutdown` flips to true.
pub async fn run(listener: TcpListener, shared: Arc<Shared>, mut shutdown: watch::Receiver<bool>) {
    let hosts = Hosts::new(&shared);
    let mut connections = 0u64;
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = shutdown.changed() => break,
        };
        let Ok((stream, _)) = accepted else {
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        let hosts = hosts.clone();
        let mut stop = shutdown.clone();
        connections += 1;
        let id = connections;
        let served = Arc::new(std::sync::atomic::AtomicU32::new(0));
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(move |mut req: Request<Incoming>| {
                let nth = served.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                req.extensions_mut().insert(Connection { id, nth });
                let host = host_of(req.headers(), req.uri());
                let router = hosts.pick(&host).clone();
                async move {
                    let resp = match router.oneshot(req.map(Body::new)).await {
                        Ok(r) => r,
                        Err(never) => match never {},
                    };
                    if resp.extensions().get::<Dropped>().is_some() {
                        return Err(ConnectionDropped);
                    }
                    Ok(resp)
                }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), svc);
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = stop.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(Duration::from_secs(1), conn).await;
                }
            }
        });
    }
}
