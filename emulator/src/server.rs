//! The listener, the per-request pipeline (latency, faults, CORS, log) and response helpers.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::http::{
    header, HeaderMap, HeaderName, HeaderValue, Method, Request, Response, StatusCode,
};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::faults::{self, Action};
use crate::model::LogEntry;
use crate::store::Shared;
use crate::util::{parse_form, percent_decode};

pub type Resp = Response<Body>;

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

impl Req {
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

    pub fn cookie(&self, name: &str) -> Option<String> {
        for v in self.headers.get_all(header::COOKIE) {
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
}

#[derive(Debug)]
pub struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by an injected fault")
    }
}

impl std::error::Error for Dropped {}

/// Accepts connections until `shutdown` flips to true.
pub async fn run(listener: TcpListener, shared: Arc<Shared>, mut shutdown: watch::Receiver<bool>) {
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
        let shared = shared.clone();
        let mut stop = shutdown.clone();
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(move |req: Request<Incoming>| {
                let shared = shared.clone();
                async move { serve_one(shared, req).await }
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

fn host_of(headers: &HeaderMap, uri: &axum::http::Uri) -> String {
    let raw = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| uri.host().map(str::to_string))
        .unwrap_or_default();
    let h = raw.rsplit_once(':').map(|(h, _)| h).unwrap_or(&raw);
    h.trim_end_matches('.').to_ascii_lowercase()
}

async fn serve_one(shared: Arc<Shared>, req: Request<Incoming>) -> Result<Resp, Dropped> {
    let t0 = Instant::now();
    let started_ms = shared.started.elapsed().as_millis() as u64;
    let (parts, body) = req.into_parts();
    let host = host_of(&parts.headers, &parts.uri);
    let label = host.split('.').next().unwrap_or("").to_string();
    let body = match axum::body::to_bytes(Body::new(body), 64 * 1024 * 1024).await {
        Ok(b) => b,
        Err(_) => {
            return Ok(text(
                StatusCode::PAYLOAD_TOO_LARGE,
                "request body too large",
            ))
        }
    };
    let req = Req {
        method: parts.method,
        host: host.clone(),
        label: label.clone(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(str::to_string),
        headers: parts.headers,
        body,
        seq: 0,
    };
    if label == "control" && host == "control.localhost" {
        return Ok(crate::control::handle(&shared, req).await);
    }
    let seq = shared.seq.fetch_add(1, Ordering::SeqCst) + 1;
    let req = Req { seq, ..req };
    let mut entry = log_entry(&shared, &req, started_ms);

    let latency = shared.lock().latency_ms;
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }

    let action = faults::check(&shared, &req);
    let mut slow_ms = None;
    let mut resp = match action {
        Some(Action::Respond { delay_ms, resp }) => {
            if delay_ms > 0 {
                tokio::time::sleep(Duration::from_millis(delay_ms)).await;
            }
            entry.injected = Some("fault".into());
            *resp
        }
        Some(Action::Drop { delay_ms }) => {
            if delay_ms > 0 {
                tokio::time::sleep(Duration::from_millis(delay_ms)).await;
            }
            entry.injected = Some("dropped".into());
            entry.status = 0;
            entry.duration_ms = t0.elapsed().as_millis() as u64;
            finish_log(&shared, entry);
            return Err(Dropped);
        }
        Some(Action::Slow { delay_ms, body_ms }) => {
            if delay_ms > 0 {
                tokio::time::sleep(Duration::from_millis(delay_ms)).await;
            }
            entry.injected = Some(if body_ms > 0 { "slow" } else { "delay" }.into());
            slow_ms = Some(body_ms).filter(|ms| *ms > 0);
            dispatch(&shared, &req).await
        }
        Some(Action::DropAfterHandling { delay_ms }) => {
            if delay_ms > 0 {
                tokio::time::sleep(Duration::from_millis(delay_ms)).await;
            }
            let resp = dispatch(&shared, &req).await;
            entry.injected = Some("dropped".into());
            entry.status = 0;
            entry.response_bytes = axum::body::HttpBody::size_hint(resp.body()).exact();
            entry.duration_ms = t0.elapsed().as_millis() as u64;
            finish_log(&shared, entry);
            return Err(Dropped);
        }
        None => dispatch(&shared, &req).await,
    };
    if resp.headers().contains_key("x-emulator-throttled") {
        resp.headers_mut().remove("x-emulator-throttled");
        entry.injected = Some("throttled".into());
    }
    crate::cors::apply(&shared, &req, &mut resp);
    entry.status = resp.status().as_u16();
    entry.response_bytes = axum::body::HttpBody::size_hint(resp.body()).exact();
    entry.duration_ms = t0.elapsed().as_millis() as u64;
    finish_log(&shared, entry);
    if let Some(ms) = slow_ms {
        resp = slow_body(resp, ms).await;
    }
    Ok(resp)
}

async fn dispatch(shared: &Arc<Shared>, req: &Req) -> Resp {
    if req.is_preflight() {
        return crate::cors::preflight(shared, req);
    }
    match req.label.as_str() {
        "login" => crate::identity::handle(shared, req).await,
        "graph" => crate::graph::handle(shared, req).await,
        "contoso-my" | "contoso-admin" => crate::sharepoint::handle(shared, req).await,
        "app" => crate::statics::app(shared, req).await,
        "intranet" => crate::statics::intranet(shared, req),
        _ => text(StatusCode::NOT_FOUND, "Unknown host"),
    }
}

fn log_entry(shared: &Shared, req: &Req, started_ms: u64) -> LogEntry {
    let claims = req.bearer().and_then(crate::jwt::decode_claims);
    let claim = |k: &str| {
        claims
            .as_ref()
            .and_then(|c| c.get(k))
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let mut e = LogEntry {
        seq: req.seq,
        method: req.method.to_string(),
        host: req.host.clone(),
        origin: format!("http://{}:{}", req.host, shared.port),
        path_and_query: redacted_path(req),
        has_authorization: req.headers.contains_key(header::AUTHORIZATION),
        authorization_aud: claim("aud"),
        authorization_upn: claim("upn"),
        origin_header: req.origin_header().map(str::to_string),
        started_ms,
        request_bytes: req.body.len() as u64,
        ..LogEntry::default()
    };
    if req.label == "login" {
        let q = req.query_map();
        e.code_challenge_method = q.get("code_challenge_method").cloned();
        if req.path.ends_with("/token") && req.method == Method::POST {
            let f = req.form();
            e.grant_type = f.get("grant_type").cloned();
            e.scope = f.get("scope").cloned();
            e.client_id = f.get("client_id").cloned();
            e.has_code_verifier = f.contains_key("code_verifier");
        } else {
            e.scope = q.get("scope").cloned();
            e.client_id = q.get("client_id").cloned();
        }
    }
    e
}

const SECRET_PARAMS: [&str; 6] = [
    "code",
    "refresh_token",
    "access_token",
    "id_token",
    "code_verifier",
    "client_secret",
];

fn redacted_path(req: &Req) -> String {
    let Some(q) = req.query.as_deref() else {
        return req.path.clone();
    };
    let q: Vec<String> = q
        .split('&')
        .map(|kv| match kv.split_once('=') {
            Some((k, _)) if SECRET_PARAMS.contains(&k) => format!("{k}=REDACTED"),
            _ => kv.to_string(),
        })
        .collect();
    format!("{}?{}", req.path, q.join("&"))
}

pub fn finish_log(shared: &Shared, entry: LogEntry) {
    if shared.log_stderr {
        eprintln!(
            "{:>5} {} {}{} -> {}{} {}ms",
            entry.seq,
            entry.method,
            entry.host,
            truncate(&entry.path_and_query, 140),
            entry.status,
            entry
                .injected
                .as_deref()
                .map(|i| format!(" ({i})"))
                .unwrap_or_default(),
            entry.duration_ms
        );
    }
    shared.lock().log.push(entry);
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n).collect();
        t.push('…');
        t
    }
}

async fn slow_body(resp: Resp, ms: u64) -> Resp {
    let (parts, body) = resp.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let chunks = 10usize;
    let step = bytes.len().div_ceil(chunks).max(1);
    let pieces: Vec<Bytes> = (0..bytes.len())
        .step_by(step)
        .map(|i| bytes.slice(i..(i + step).min(bytes.len())))
        .collect();
    let n = pieces.len().max(1) as u64;
    let delay = Duration::from_millis(ms / n);
    let stream = futures_util::stream::unfold(pieces.into_iter(), move |mut it| async move {
        let next = it.next()?;
        tokio::time::sleep(delay).await;
        Some((Ok::<Bytes, Infallible>(next), it))
    });
    let mut parts = parts;
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from_stream(stream))
}

// ---------------------------------------------------------------------------------------------
// Response helpers

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
