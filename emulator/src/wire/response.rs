//! Response builders shared by every service: plain text, HTML, JSON, redirects, headers.

use axum::body::Body;
use axum::http::{HeaderName, HeaderValue, Response, StatusCode};
use serde_json::Value;

pub type Resp = Response<Body>;

pub fn text(status: StatusCode, body: &str) -> Resp {
    with_type(status, "text/plain; charset=utf-8", body.to_string())
}

pub fn html(status: StatusCode, body: String) -> Resp {
    with_type(status, "text/html; charset=utf-8", body)
}

pub fn json(status: StatusCode, body: &Value) -> Resp {
    with_type(status, "application/json; charset=utf-8", body.to_string())
}

pub fn with_type(status: StatusCode, content_type: &str, body: impl Into<Body>) -> Resp {
    let mut r = Response::new(body.into());
    *r.status_mut() = status;
    set_header(&mut r, "content-type", content_type);
    r
}

pub fn empty(status: StatusCode) -> Resp {
    let mut r = Response::new(Body::empty());
    *r.status_mut() = status;
    r
}

pub fn redirect(location: &str) -> Resp {
    let mut r = empty(StatusCode::FOUND);
    set_header(&mut r, "location", location);
    set_header(&mut r, "cache-control", "no-store, no-cache");
    r
}

pub fn set_header(r: &mut Resp, name: &str, value: &str) {
    if let (Ok(n), Ok(v)) = (
        HeaderName::from_bytes(name.as_bytes()),
        HeaderValue::from_str(value),
    ) {
        r.headers_mut().insert(n, v);
    }
}

pub fn append_header(r: &mut Resp, name: &str, value: &str) {
    if let (Ok(n), Ok(v)) = (
        HeaderName::from_bytes(name.as_bytes()),
        HeaderValue::from_str(value),
    ) {
        r.headers_mut().append(n, v);
    }
}

/// Marks a response as produced by a throttling model (for the log).
pub fn mark_throttled(r: &mut Resp) {
    set_header(r, "x-emulator-throttled", "1");
}
