//! CORS as each service does it: Graph and SharePoint allow any origin for bearer requests,
//! the token endpoint only the registered SPA origins, discovery and keys `*`.

use axum::http::StatusCode;

use crate::state::Shared;
use crate::wire::codec::origin_of;
use crate::wire::{self, Req, Resp};

const GRAPH_EXPOSED: &str = "ETag, Location, Preference-Applied, Content-Range, request-id, client-request-id, ReadWriteConsistencyToken, SdkVersion, WWW-Authenticate, x-ms-client-gcc-tenant";
const SP_EXPOSED: &str = "Content-Length, Content-Type, ETag, request-id, SPRequestGuid, SPClientServiceRequestDuration, WWW-Authenticate, X-RequestDigest";

/// Whether `origin` is the origin of a registered SPA redirect URI.
pub fn spa_origin_allowed(shared: &Shared, origin: &str) -> bool {
    let inner = shared.lock();
    inner
        .registration
        .spa_redirect_uris
        .iter()
        .filter_map(|u| origin_of(u))
        .any(|o| o.eq_ignore_ascii_case(origin))
}

fn is_token_path(path: &str) -> bool {
    path.ends_with("/oauth2/v2.0/token") || path.ends_with("/oauth2/token")
}

fn is_public_login_path(path: &str) -> bool {
    path.contains("/.well-known/") || path.contains("/discovery/")
}

/// Headers that scripts may read only with `set_expose_retry_after(true)`: Graph's `Retry-After`
/// (Graph does not expose it: microsoftgraph/microsoft-graph-docs#17488), and SharePoint's, with
/// its `RateLimit-*` (whether SharePoint exposes them is not documented).
const GRAPH_THROTTLING: &str = "Retry-After";
const SP_THROTTLING: &str = "Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset";

fn exposed(shared: &Shared, base: &str, throttling: &str) -> String {
    if shared.lock().expose_retry_after {
        format!("{base}, {throttling}")
    } else {
        base.to_string()
    }
}

/// Adds the CORS headers of the service to an answer.
pub fn apply(shared: &Shared, req: &Req, resp: &mut Resp) {
    let origin = req.origin_header().map(str::to_string);
    match req.label.as_str() {
        "login" => {
            if is_public_login_path(&req.path) {
                wire::set_header(resp, "access-control-allow-origin", "*");
            } else if is_token_path(&req.path) {
                // Errors stay readable cross-origin (a browser app must be able to show
                // AADSTS9002326 "…permitted only for the 'Single-Page Application' client-type"),
                // tokens only go to registered SPA origins.
                let readable_error = resp.status().is_client_error();
                if let Some(o) = origin.filter(|o| readable_error || spa_origin_allowed(shared, o))
                {
                    wire::set_header(resp, "access-control-allow-origin", &o);
                    wire::set_header(resp, "vary", "Origin");
                }
            }
        }
        "graph" => {
            wire::set_header(
                resp,
                "access-control-allow-origin",
                origin.as_deref().unwrap_or("*"),
            );
            wire::set_header(
                resp,
                "access-control-expose-headers",
                &exposed(shared, GRAPH_EXPOSED, GRAPH_THROTTLING),
            );
        }
        "contoso-my" | "contoso-eu-my" | "contoso-admin" => {
            if let Some(o) = origin {
                wire::set_header(resp, "access-control-allow-origin", &o);
                wire::set_header(
                    resp,
                    "access-control-expose-headers",
                    &exposed(shared, SP_EXPOSED, SP_THROTTLING),
                );
                wire::set_header(resp, "vary", "Origin");
            }
        }
        _ => {}
    }
}

/// Answers an `OPTIONS` preflight.
pub fn preflight(shared: &Shared, req: &Req) -> Resp {
    let origin = req.origin_header().unwrap_or("").to_string();
    let req_headers = req
        .header("access-control-request-headers")
        .unwrap_or("")
        .to_string();
    let allowed = match req.label.as_str() {
        "login" if is_token_path(&req.path) => spa_origin_allowed(shared, &origin),
        "login" => is_public_login_path(&req.path),
        "graph" | "contoso-my" | "contoso-eu-my" | "contoso-admin" => true,
        _ => return wire::text(StatusCode::NOT_FOUND, "Not found"),
    };
    let mut r = wire::empty(StatusCode::OK);
    if !allowed {
        return r;
    }
    let methods = if req.label == "login" {
        "GET, POST, OPTIONS"
    } else {
        "GET, POST, PUT, PATCH, DELETE, MERGE, OPTIONS"
    };
    wire::set_header(
        &mut r,
        "access-control-allow-origin",
        if origin.is_empty() { "*" } else { &origin },
    );
    wire::set_header(&mut r, "access-control-allow-methods", methods);
    if !req_headers.is_empty() {
        wire::set_header(&mut r, "access-control-allow-headers", &req_headers);
    }
    if req.label != "login" {
        if let Some(seconds) = shared.lock().preflight_max_age {
            wire::set_header(&mut r, "access-control-max-age", &seconds.to_string());
        }
    }
    wire::set_header(&mut r, "vary", "Origin");
    r
}
