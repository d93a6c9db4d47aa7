//! Microsoft Graph's error body: `{"error":{"code","message","innerError":{date,request-id,…}}}`
//! with Graph's JSON content type and a `request-id` header.

use axum::http::StatusCode;
use serde_json::{json, Value};

use super::codec::{iso8601, now_ms, random_guid};
use super::{set_header, with_type, Resp};

/// JSON with Graph's content type.
pub fn json(status: StatusCode, body: &Value) -> Resp {
    with_type(
        status,
        "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8",
        body.to_string(),
    )
}

/// Graph's error body.
pub fn error(status: StatusCode, code: &str, message: &str) -> Resp {
    let rid = random_guid();
    let mut r = json(
        status,
        &json!({"error": {"code": code, "message": message, "innerError": {
            "date": iso8601(now_ms()).split('.').next().unwrap_or("").to_string(),
            "request-id": rid, "client-request-id": rid}}}),
    );
    set_header(&mut r, "request-id", &rid);
    r
}
