//! Microsoft Graph v1.0 on `graph.localhost`: users, groups, profile photos, `$batch`.
//!
//! One axum `Router` (`routes`): `/v1.0/$batch`, and the resources under `/v1.0` behind Graph's
//! admission (`admit`: the app's request rate, the bearer token, for photos a slot of Outlook's
//! concurrency limit and the photo service's time). `$batch` admits its items the same way, all
//! at once, and sends each through the same resource routes. Paths are percent-decoded and
//! freed of empty segments before routing (`canonical_uri`). Handlers live in one file per
//! endpoint family: `users` (`/me`, `/users`), `photos`, `groups`, `batch`; `error` holds
//! Graph's refusals, `query` the OData query options and paging, `filter` the `$filter` parser.

mod batch;
mod error;
mod filter;
mod groups;
mod photos;
mod query;
mod users;

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{from_fn, from_fn_with_state, Next};
use axum::routing::{any, post};
use axum::Router;
use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use serde_json::json;

use crate::pipeline::limits::{self, OutlookSlot};
use crate::services::bearer;
use crate::state::{Shared, GRAPH_APP_ID};
use crate::wire::codec::{encode_path, percent_decode, random_guid};
use crate::wire::graph::json as gjson;
use crate::wire::Resp;

/// Graph's router.
pub fn router() -> Router<Arc<Shared>> {
    super::rewrite_then_route(canonical, routes)
}

fn routes(shared: Arc<Shared>) -> Router {
    let resources = resources().with_state(shared.clone());
    let batch_items = resources.clone();
    Router::new()
        .route(
            "/v1.0/$batch",
            post(move |state, caller, request| {
                batch::batch(state, caller, request, batch_items.clone())
            })
            .fallback(batch::wrong_method),
        )
        .nest_service(
            "/v1.0",
            resources.layer(from_fn_with_state(shared.clone(), admission)),
        )
        .fallback(error::invalid_version)
        .layer(from_fn(request_ids))
        // The pipeline has read the body already, within its own limit.
        .layer(DefaultBodyLimit::disable())
        .with_state(shared)
}

/// The resources under `/v1.0`, for a request admitted by `admit`.
fn resources() -> Router<Arc<Shared>> {
    let mut r = Router::new()
        .route("/", any(service_document))
        .route("/users", any(users::list))
        .route("/groups", any(groups::list))
        .route("/groups/{id}", any(groups::group))
        .route("/groups/{id}/members", any(groups::members))
        .route(
            "/groups/{id}/members/microsoft.graph.user",
            any(groups::members),
        )
        .route("/organization", any(groups::organization));
    for user in ["/me", "/users/{id}"] {
        r = r
            .route(user, any(users::user))
            .route(&format!("{user}/photo"), any(photos::photo))
            .route(&format!("{user}/photo/$value"), any(photos::photo_value))
            .route(
                &format!("{user}/photo/{{*rest}}"),
                any(photos::photo_unknown),
            )
            .route(&format!("{user}/photos"), any(photos::photos))
            .route(&format!("{user}/photos/{{size}}"), any(photos::size))
            .route(
                &format!("{user}/photos/{{size}}/$value"),
                any(photos::size_value),
            )
            .route(
                &format!("{user}/photos/{{size}}/{{*rest}}"),
                any(photos::size_unknown),
            )
            .route(&format!("{user}/{{segment}}"), any(users::unknown_segment))
            .route(
                &format!("{user}/{{segment}}/{{*rest}}"),
                any(users::unknown_segment),
            );
    }
    r.fallback(error::unknown_segment)
}

/// `/v1.0` itself.
async fn service_document(State(shared): State<Arc<Shared>>) -> Resp {
    gjson(
        StatusCode::OK,
        &json!({"@odata.context": format!("{}/v1.0/$metadata", shared.origin("graph")), "value": []}),
    )
}

/// Graph's paths as the routes expect them: percent-decoded once (re-encoded only where a URI
/// must be, so a path parameter decodes to the text sent), without empty segments.
fn canonical(mut request: Request) -> Request {
    let uri = canonical_uri(request.uri().path(), request.uri().query());
    if let Ok(uri) = uri.parse() {
        *request.uri_mut() = uri;
    }
    request
}

/// What a query must not hold as it is (a `$batch` item's URL may hold anything).
const QUERY: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'<')
    .add(b'>')
    .add(b'`')
    .add(b'{')
    .add(b'}');

/// `path?query` with the path made canonical (see `canonical`).
fn canonical_uri(path: &str, query: Option<&str>) -> String {
    let decoded = percent_decode(path);
    let segments: Vec<&str> = decoded.split('/').filter(|s| !s.is_empty()).collect();
    let path = encode_path(&format!("/{}", segments.join("/")));
    match query {
        Some(q) => format!("{path}?{}", utf8_percent_encode(q, QUERY)),
        None => path,
    }
}

/// Graph's admission of one call to a resource at `path` (decoded, after `/v1.0`): the app's
/// request rate, the token (401 in Graph's dialect), and for a photo a slot of Outlook's
/// concurrency limit, held by the caller until the answer is made.
fn admit(
    shared: &Arc<Shared>,
    token: Option<&str>,
    path: &str,
) -> Result<Option<OutlookSlot>, Resp> {
    limits::graph_rate(shared, &bearer::app_key(token))?;
    let caller = bearer::validate_token(shared, token, GRAPH_APP_ID)
        .map_err(|e| error::unauthenticated(shared, e))?;
    if photos::is_photo_path(path) {
        limits::outlook_acquire(shared, &caller.app_id)
    } else {
        Ok(None)
    }
}

/// The photo service's own time per photo call (a setting of the throttling model).
async fn photo_service_time(shared: &Shared, path: &str) {
    if photos::is_photo_path(path) {
        let ms = shared.lock().limits.photo_service_ms;
        if ms > 0 {
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
    }
}

/// `admit` in front of the resources, for calls that come over the wire.
async fn admission(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Resp {
    let path = percent_decode(request.uri().path());
    let slot = match admit(&shared, bearer::token(request.headers()), &path) {
        Ok(slot) => slot,
        Err(r) => return r,
    };
    photo_service_time(&shared, &path).await;
    let response = next.run(request).await;
    drop(slot);
    response
}

/// Every answer carries a `request-id`, and echoes the client's `client-request-id`.
async fn request_ids(request: Request, next: Next) -> Resp {
    let client_request_id = request
        .headers()
        .get("client-request-id")
        .filter(|v| v.to_str().is_ok())
        .cloned();
    let mut r = next.run(request).await;
    if !r.headers().contains_key("request-id") {
        if let Ok(id) = HeaderValue::from_str(&random_guid()) {
            r.headers_mut().insert("request-id", id);
        }
    }
    if let Some(id) = client_request_id {
        r.headers_mut().insert("client-request-id", id);
    }
    r
}
