//! The fourth layer: the services, one axum `Router` each, chosen by host in `server.rs`:
//! `identity` (the Microsoft identity platform v2), `graph` (Microsoft Graph v1.0),
//! `sharepoint` (the My Site and admin hosts), `app` (the app's files and the intranet page).
//! `bearer` validates access tokens for Graph and SharePoint (the `Bearer<R>` extractor).
//! Services use `pipeline` (the throttling models, fault matching for `$batch` items), `state`
//! and `wire`; never `control` or `server`, and never each other except through `state`.

pub mod app;
pub mod bearer;
pub mod graph;
pub mod identity;
pub mod sharepoint;

use std::sync::{Arc, OnceLock};

use axum::extract::{Request, State};
use axum::Router;
use tower::ServiceExt as _;

use crate::state::Shared;

/// A service's router whose requests are rewritten before routing. axum routes on the path as
/// received, so a service whose paths need normalising first (percent-decoding, case, OData
/// call syntax) rewrites each request with `rewrite` and hands it to the router that `routes`
/// builds for the server's state (built once, on the first request).
fn rewrite_then_route(
    rewrite: fn(Request) -> Request,
    routes: fn(Arc<Shared>) -> Router,
) -> Router<Arc<Shared>> {
    let built: Arc<OnceLock<(Arc<Shared>, Router)>> = Arc::default();
    Router::new().fallback(move |State(shared): State<Arc<Shared>>, request: Request| {
        let router = match built.get_or_init(|| (shared.clone(), routes(shared.clone()))) {
            (mine, router) if Arc::ptr_eq(mine, &shared) => router.clone(),
            // The same router value served with another state: build for that one.
            _ => routes(shared),
        };
        async move {
            match router.oneshot(rewrite(request)).await {
                Ok(response) => response,
                Err(never) => match never {},
            }
        }
    })
}
