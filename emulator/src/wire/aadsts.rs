//! The identity platform's errors: the token endpoint's JSON body with an `AADSTSnnnn` code,
//! trace and correlation ids and a timestamp, as Entra ID sends them.

use axum::http::StatusCode;
use serde_json::json;

use super::codec::{iso8601, now_ms, random_guid};
use super::{json, Resp};

/// A fresh (trace id, correlation id, timestamp) triple as printed in AADSTS messages.
pub fn trace() -> (String, String, String) {
    let ms = now_ms();
    let ts = iso8601(ms).replace('T', " ");
    let ts = format!("{}Z", ts.split('.').next().unwrap_or(""));
    (random_guid(), random_guid(), ts)
}

/// The token endpoint's JSON error.
pub fn token_error(status: StatusCode, error: &str, code: u32, message: &str) -> Resp {
    let (trace_id, corr, ts) = trace();
    json(
        status,
        &json!({
            "error": error,
            "error_description": format!("AADSTS{code}: {message} Trace ID: {trace_id} Correlation ID: {corr} Timestamp: {ts}"),
            "error_codes": [code],
            "timestamp": ts,
            "trace_id": trace_id,
            "correlation_id": corr,
            "error_uri": format!("https://login.microsoftonline.com/error?code={code}"),
        }),
    )
}
