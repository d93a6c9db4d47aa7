//! Graph's refusals, each in Graph's error body (`wire::graph::error`): a token Graph does not
//! take (401 with Graph's `WWW-Authenticate`, the `Graph` resource of `Bearer`), a missing scope,
//! an unknown segment, version or object.

use axum::http::request::Parts;
use axum::http::{StatusCode, Uri};

use crate::services::bearer::{AuthError, Resource};
use crate::state::{Shared, GRAPH_APP_ID};
use crate::wire::codec::percent_decode;
use crate::wire::graph::error;
use crate::wire::{self, Resp};

/// Microsoft Graph as a resource for `Bearer`: tokens for Graph's app id, refused with
/// `InvalidAuthenticationToken`.
pub struct Graph;

impl Resource for Graph {
    fn audience(_: &Shared, _: &Parts) -> String {
        GRAPH_APP_ID.to_string()
    }

    fn refuse(shared: &Shared, _: &Parts, e: AuthError) -> Resp {
        unauthenticated(shared, e)
    }
}

/// The 401 for a token Graph does not take.
pub fn unauthenticated(shared: &Shared, e: AuthError) -> Resp {
    let msg = match e {
        AuthError::Missing => "Access token is empty.",
        AuthError::Malformed => "IDX14100: JWT is not well formed, there are no dots (.). The token needs to be in JWS or JWE Compact Serialization Format.",
        AuthError::BadSignature => "Access token validation failure. Invalid signature.",
        AuthError::Expired => "Lifetime validation failed, the token is expired.",
        AuthError::NotYetValid => "Lifetime validation failed, the token is not yet valid.",
        AuthError::WrongAudience(_) => "Access token validation failure. Invalid audience.",
        AuthError::WrongIssuer => "Access token validation failure. Invalid issuer.",
        AuthError::UnknownUser => "The user of the access token does not exist.",
    };
    let mut r = error(StatusCode::UNAUTHORIZED, "InvalidAuthenticationToken", msg);
    wire::set_header(
        &mut r,
        "www-authenticate",
        &format!(
            "Bearer realm=\"\", authorization_uri=\"{}/common/oauth2/authorize\", client_id=\"{GRAPH_APP_ID}\"",
            shared.origin("login")
        ),
    );
    r
}

pub fn not_found_segment(seg: &str) -> Resp {
    error(
        StatusCode::BAD_REQUEST,
        "BadRequest",
        &format!("Resource not found for the segment '{seg}'."),
    )
}

/// Any path that no route takes: its first segment is unknown.
pub async fn unknown_segment(uri: Uri) -> Resp {
    let path = percent_decode(uri.path());
    not_found_segment(path.split('/').find(|s| !s.is_empty()).unwrap_or(""))
}

/// A path outside `/v1.0`.
pub async fn invalid_version(uri: Uri) -> Resp {
    let path = percent_decode(uri.path());
    let v = path.trim_start_matches('/').split('/').next().unwrap_or("");
    error(
        StatusCode::BAD_REQUEST,
        "BadRequest",
        &format!("Invalid version: {v}"),
    )
}

pub fn denied() -> Resp {
    error(
        StatusCode::FORBIDDEN,
        "Authorization_RequestDenied",
        "Insufficient privileges to complete the operation.",
    )
}

/// A user or group that does not exist.
pub fn no_such_object(key: &str) -> Resp {
    error(
        StatusCode::NOT_FOUND,
        "Request_ResourceNotFound",
        &format!("Resource '{key}' does not exist or one of its queried reference-property objects are not present."),
    )
}
