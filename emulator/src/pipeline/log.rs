//! The request log: one `LogEntry` per request (secrets redacted), kept in the store for the
//! control API and printed as one line on stderr when asked.

use axum::http::{header, Method};
use serde_json::Value;

use crate::model::LogEntry;
use crate::state::Shared;
use crate::wire::Req;

pub fn entry(shared: &Shared, req: &Req, started_ms: u64) -> LogEntry {
    let claims = req.bearer().and_then(crate::wire::jwt::decode_claims);
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

pub fn finish(shared: &Shared, entry: LogEntry) {
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
