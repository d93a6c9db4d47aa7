//! Microsoft Graph v1.0 on `graph.localhost`.

use std::sync::Arc;

use axum::http::StatusCode;
use serde_json::json;

use crate::server::{self, Req, Resp};
use crate::store::Shared;
use crate::util::{iso8601, now_ms, random_guid};

/// Graph's error body.
pub fn error(status: StatusCode, code: &str, message: &str) -> Resp {
    let rid = random_guid();
    let mut r = server::json(
        status,
        &json!({"error": {"code": code, "message": message, "innerError": {
            "date": iso8601(now_ms()).split('.').next().unwrap_or("").to_string(),
            "request-id": rid, "client-request-id": rid}}}),
    );
    server::set_header(&mut r, "request-id", &rid);
    r
}

pub async fn handle(_shared: &Arc<Shared>, _req: &Req) -> Resp {
    error(StatusCode::NOT_FOUND, "UnknownError", "")
}
