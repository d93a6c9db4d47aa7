//! A request with its body read, as every service handler takes it (an axum extractor), and
//! thin typed extractors for handlers that want only a part of it: the query or a form body as a
//! struct (`QueryParams`, `FormParams`), the whole body (`RawBody`).

use std::collections::BTreeMap;

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::codec::{parse_form, percent_decode};
use super::response::{text, Resp};

/// The request's number in the request log, set by the pipeline as a request extension.
#[derive(Clone, Copy, Debug, Default)]
pub struct Seq(pub u64);

/// Which TCP connection a request came on (`id`, 1, 2, … since the start) and its place on it
/// (`nth`, 1 for the connection's first request), set by the listener as a request extension.
#[derive(Clone, Copy, Debug, Default)]
pub struct Connection {
    pub id: u64,
    pub nth: u32,
}

/// A parsed request, body read.
pub struct Req {
    pub method: Method,
    /// Host name without port, lower case: `graph.localhost`.
    pub host: String,
    /// First label of the host: `graph`.
    pub label: String,
    /// Raw (percent-encoded) path.
    pub path: String,
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub seq: u64,
}

/// The host name of a request without the port, lower case.
pub fn host_of(headers: &HeaderMap, uri: &axum::http::Uri) -> String {
    let raw = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| uri.host().map(str::to_string))
        .unwrap_or_default();
    let h = raw.rsplit_once(':').map(|(h, _)| h).unwrap_or(&raw);
    h.trim_end_matches('.').to_ascii_lowercase()
}

/// Reads a whole request body (up to 64 MiB; more is a 413).
pub async fn read_body(body: Body) -> Result<Bytes, Resp> {
    axum::body::to_bytes(body, 64 * 1024 * 1024)
        .await
        .map_err(|_| text(StatusCode::PAYLOAD_TOO_LARGE, "request body too large"))
}

impl Req {
    /// Reads the whole body (up to 64 MiB).
    pub async fn read(req: Request<Body>) -> Result<Req, Resp> {
        let (parts, body) = req.into_parts();
        let body = read_body(body).await?;
        let seq = parts.extensions.get::<Seq>().copied().unwrap_or_default().0;
        Ok(Req::from_parts(&parts, body, seq))
    }

    /// A request from its head and its body, already read.
    pub fn from_parts(parts: &Parts, body: Bytes, seq: u64) -> Req {
        let host = host_of(&parts.headers, &parts.uri);
        let label = host.split('.').next().unwrap_or("").to_string();
        Req {
            method: parts.method.clone(),
            host,
            label,
            path: parts.uri.path().to_string(),
            query: parts.uri.query().map(str::to_string),
            headers: parts.headers.clone(),
            body,
            seq,
        }
    }

    /// `path?query` as received.
    pub fn path_and_query(&self) -> String {
        match &self.query {
            Some(q) => format!("{}?{}", self.path, q),
            None => self.path.clone(),
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn query_map(&self) -> BTreeMap<String, String> {
        self.query.as_deref().map(parse_form).unwrap_or_default()
    }

    pub fn form(&self) -> BTreeMap<String, String> {
        parse_form(&String::from_utf8_lossy(&self.body))
    }

    pub fn origin_header(&self) -> Option<&str> {
        self.header("origin")
    }

    pub fn bearer(&self) -> Option<&str> {
        let v = self.header("authorization")?;
        let (scheme, token) = v.split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
    }

    /// Decoded path (`%20` → space).
    pub fn decoded_path(&self) -> String {
        percent_decode(&self.path)
    }

    pub fn is_preflight(&self) -> bool {
        self.method == Method::OPTIONS && self.headers.contains_key("access-control-request-method")
    }
}

/// The value of the cookie `name` among the request's `Cookie` headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    for v in headers.get_all(header::COOKIE) {
        for part in v.to_str().ok()?.split(';') {
            if let Some((k, val)) = part.trim().split_once('=') {
                if k == name {
                    return Some(val.to_string());
                }
            }
        }
    }
    None
}

/// `a=b&c=d` as a struct whose fields are strings: parsed like `parse_form` (the first value of a
/// repeated key wins), then deserialized. Give every field a default (`Option`,
/// `#[serde(default)]`) so that a missing parameter reaches the handler, which refuses it with its
/// service's own error; a struct that can still fail to deserialize is answered with a plain 400.
fn params_from<T: DeserializeOwned>(raw: &str) -> Result<T, Resp> {
    let object = parse_form(raw)
        .into_iter()
        .map(|(k, v)| (k, Value::String(v)))
        .collect();
    serde_json::from_value(Value::Object(object))
        .map_err(|e| text(StatusCode::BAD_REQUEST, &e.to_string()))
}

/// The query string as a typed struct (see `params_from` for the rules). Unlike axum's `Query`, a
/// repeated parameter is not an error: the first value wins, as everywhere in the emulator.
pub struct QueryParams<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for QueryParams<T> {
    type Rejection = Resp;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Resp> {
        params_from(parts.uri.query().unwrap_or("")).map(QueryParams)
    }
}

/// An `application/x-www-form-urlencoded` body as a typed struct, whatever the `Content-Type`
/// says (see `params_from` for the rules); read up to 64 MiB like `Req`.
pub struct FormParams<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for FormParams<T> {
    type Rejection = Resp;

    async fn from_request(req: Request<Body>, _state: &S) -> Result<Self, Resp> {
        let body = read_body(req.into_body()).await?;
        params_from(&String::from_utf8_lossy(&body)).map(FormParams)
    }
}

/// The whole request body, up to 64 MiB like `Req` (axum's `Bytes` stops at 2 MiB).
pub struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = Resp;

    async fn from_request(req: Request<Body>, _state: &S) -> Result<Self, Resp> {
        read_body(req.into_body()).await.map(RawBody)
    }
}

impl<S: Send + Sync> FromRequest<S> for Req {
    type Rejection = Resp;

    async fn from_request(req: Request<Body>, _state: &S) -> Result<Req, Resp> {
        Req::read(req).await
    }
}
