//! `POST /v1.0/$batch`: up to 20 calls in one JSON body. Each item is checked for faults and
//! admitted (`super::admit`: rate, token, Outlook's limits) up front, as if all ran at the same
//! time — a fault rule of any kind takes an item in the way the batch would answer
//! (`faults::batch_item`: a status or body instead of the item's answer, a delay holding the
//! batch, a slow body or a closed connection for the batch's one answer) —, then sent through
//! the same resource routes as a call over the wire would be (with its
//! own `headers`); the answers come back in one JSON body (binary bodies base64, each with its
//! status and headers, `Retry-After` included) and each item is logged as part of the batch.
//! Photo and `sendMail` items are Outlook calls: by default (`OutlookBatch::Queue`, as
//! documented) at most `outlook_concurrency` of them run at a time and the rest wait, each
//! admitted as it starts; with `OutlookBatch::Concurrent` all are admitted at once and those
//! over the limit get 429.

use std::collections::HashSet;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::Router;
use serde_json::{json, Map, Value};
use tower::ServiceExt as _;

use super::error::Graph;
use crate::model::{LogEntry, OutlookBatch};
use crate::pipeline::faults;
use crate::pipeline::limits::OutlookSlot;
use crate::services::bearer::Bearer;
use crate::state::{Shared, GRAPH_APP_ID};
use crate::wire::codec::{b64, b64_decode, percent_decode};
use crate::wire::graph::{error, json as gjson};
use crate::wire::{Req, Resp};

/// Most items a batch may hold.
const MAX_ITEMS: usize = 20;

/// `$batch` with any method but `POST`.
pub async fn wrong_method() -> Resp {
    error(
        StatusCode::METHOD_NOT_ALLOWED,
        "BadRequest",
        "Use POST for $batch.",
    )
}

fn invalid_payload() -> Resp {
    error(
        StatusCode::BAD_REQUEST,
        "BadRequest",
        "Invalid batch payload format.",
    )
}

/// One item of a batch, as read from the payload.
struct Item {
    id: String,
    method: Method,
    /// Path after `/v1.0`, as sent (percent-encoded).
    raw_path: String,
    /// The same, decoded: what faults, admission and the log see.
    path: String,
    query: Option<String>,
    /// The item's own request headers (`ConsistencyLevel`, `Content-Type`, …).
    headers: Vec<(String, String)>,
    body: Bytes,
}

/// How an item starts.
enum Start {
    /// Answered before it runs (a nested batch, a fault, a refused admission), and why, for the
    /// log.
    Refused(Resp, Option<&'static str>),
    /// Admitted up front, holding its Outlook slot if it is a photo call.
    Admitted(Option<OutlookSlot>),
    /// An Outlook item that waits for one of the batch's Outlook slots and is admitted then.
    Queued,
}

impl Start {
    fn of(admitted: Result<Option<OutlookSlot>, Resp>) -> Start {
        match admitted {
            Ok(slot) => Start::Admitted(slot),
            Err(r) => {
                let throttled = r.headers().contains_key("x-emulator-throttled");
                Start::Refused(r, throttled.then_some("throttled"))
            }
        }
    }
}

impl Item {
    /// `/v1.0{path}?{query}` as the request log and fault rules see it.
    fn path_and_query(&self) -> String {
        match &self.query {
            Some(q) => format!("/v1.0{}?{q}", self.path),
            None => format!("/v1.0{}", self.path),
        }
    }
}

/// Reads the payload's items; a malformed payload is refused as a whole.
fn items(shared: &Shared, body: &[u8]) -> Result<Vec<Item>, Resp> {
    let Ok(body) = serde_json::from_slice::<Value>(body) else {
        return Err(invalid_payload());
    };
    let Some(requests) = body.get("requests").and_then(Value::as_array) else {
        return Err(invalid_payload());
    };
    if requests.len() > MAX_ITEMS {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "The number of requests in a batch cannot exceed 20.",
        ));
    }
    let mut ids = HashSet::new();
    let mut items = Vec::new();
    for r in requests {
        let id = match r.get("id") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => return Err(invalid_payload()),
        };
        if !ids.insert(id.clone()) {
            return Err(error(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                &format!("Batch request contains a duplicate id '{id}'."),
            ));
        }
        let method = r
            .get("method")
            .and_then(Value::as_str)
            .and_then(|m| Method::from_bytes(m.to_ascii_uppercase().as_bytes()).ok());
        let url = r.get("url").and_then(Value::as_str);
        let (Some(method), Some(url)) = (method, url) else {
            return Err(invalid_payload());
        };
        let url = url
            .strip_prefix("https://graph.microsoft.com")
            .or_else(|| url.strip_prefix(&shared.origin("graph")))
            .unwrap_or(url);
        let url = if url.starts_with('/') {
            url.to_string()
        } else {
            format!("/{url}")
        };
        let url = url.strip_prefix("/v1.0").map(str::to_string).unwrap_or(url);
        let (raw_path, query) = match url.split_once('?') {
            Some((p, q)) => (p.to_string(), Some(q.to_string())),
            None => (url.clone(), None),
        };
        let headers = r
            .get("headers")
            .and_then(Value::as_object)
            .map(|h| {
                h.iter()
                    .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        let body = match r.get("body") {
            None | Some(Value::Null) => Bytes::new(),
            Some(Value::String(s)) => b64_decode(s)
                .map(Bytes::from)
                .unwrap_or_else(|| Bytes::from(s.clone())),
            Some(v) => Bytes::from(v.to_string()),
        };
        items.push(Item {
            id,
            method,
            path: percent_decode(&raw_path),
            raw_path,
            query,
            headers,
            body,
        });
    }
    Ok(items)
}

/// The batch: every item answered, in one JSON body.
pub async fn batch(
    State(shared): State<Arc<Shared>>,
    caller: Result<Bearer<Graph>, Resp>,
    req: Req,
    resources: Router,
) -> Resp {
    let items = match items(&shared, &req.body) {
        Ok(items) => items,
        Err(r) => return r,
    };
    if let Err(r) = caller {
        return r;
    }
    let token = req.bearer().map(str::to_string);
    let limits = shared.lock().limits.clone();
    let queue = match (limits.outlook_batch, limits.outlook_concurrency) {
        (OutlookBatch::Queue, Some(n)) => {
            Some(Arc::new(tokio::sync::Semaphore::new(n.max(1) as usize)))
        }
        _ => None,
    };
    // Faults and admission per item, decided up front as if all ran at the same time (queued
    // Outlook items are admitted when they start). A fault rule takes an item in the way the
    // batch would answer (`faults::batch_item`).
    let mut prepared = Vec::new();
    for item in items {
        let seq = shared.seq.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        let nested = item.path.contains("$batch");
        let mut fault = if nested {
            None
        } else {
            faults::fire(
                &shared,
                "graph",
                &req.host,
                item.method.as_str(),
                &item.path_and_query(),
                false,
            )
            .map(|rule| faults::batch_item(&rule))
        };
        let start = if nested {
            Start::Refused(
                error(
                    StatusCode::BAD_REQUEST,
                    "BadRequest",
                    "Nested batches are not allowed.",
                ),
                None,
            )
        } else if let Some(answer) = fault.as_mut().and_then(|f| f.answer.take()) {
            Start::Refused(answer, Some("fault"))
        } else if fault.as_ref().is_some_and(|f| !f.runs) {
            Start::Refused(invalid_payload(), Some("dropped"))
        } else if queue.is_some() && super::is_outlook_path(&item.path) {
            Start::Queued
        } else {
            Start::of(super::admit(&shared, token.as_deref(), &item.path))
        };
        let held_ms = fault.as_ref().map_or(0, |f| f.delay_ms);
        let wire = fault.map(|f| (f.injected, f.slow_body_ms, f.drops_batch));
        prepared.push((item, seq, start, held_ms, wire));
    }
    // What happens on the wire to one item happens to the batch's one answer.
    let slow_body_ms = prepared
        .iter()
        .filter_map(|p| p.4.and_then(|(_, slow, _)| slow))
        .max();
    let drops_batch = prepared
        .iter()
        .any(|p| p.4.is_some_and(|(_, _, drops)| drops));
    let started = shared.started.elapsed().as_millis() as u64;
    let futs = prepared
        .into_iter()
        .map(|(item, seq, start, held_ms, wire)| {
            let shared = shared.clone();
            let resources = resources.clone();
            let token = token.clone();
            let queue = queue.clone();
            async move {
                let t0 = std::time::Instant::now();
                if held_ms > 0 {
                    tokio::time::sleep(std::time::Duration::from_millis(held_ms)).await;
                }
                let mut permit = None;
                let start = match (start, &queue) {
                    (Start::Queued, Some(q)) => {
                        permit = q.clone().acquire_owned().await.ok();
                        Start::of(super::admit(&shared, token.as_deref(), &item.path))
                    }
                    (start, _) => start,
                };
                let (resp, mut injected) = match start {
                    Start::Refused(r, injected) => (r, injected.map(str::to_string)),
                    Start::Admitted(slot) => {
                        super::photo_service_time(&shared, &item.path).await;
                        let r = run(resources, &item, token.as_deref()).await;
                        drop(slot);
                        // A throttling model inside the handler (Exchange's sending limits).
                        let throttled = r.headers().contains_key("x-emulator-throttled");
                        (r, throttled.then(|| "throttled".to_string()))
                    }
                    Start::Queued => (invalid_payload(), None),
                };
                drop(permit);
                let dropped = matches!(wire, Some((_, _, true)));
                if let Some((said, _, _)) = wire {
                    injected = Some(said.to_string());
                }
                let took = t0.elapsed().as_millis() as u64;
                (item, seq, resp, injected, dropped, took)
            }
        });
    let results = futures_util::future::join_all(futs).await;
    let mut responses = Vec::new();
    for (item, seq, resp, injected, dropped, dur) in results {
        let status = if dropped { 0 } else { resp.status().as_u16() };
        let (answer, response_bytes) = answer(&item.id, resp).await;
        responses.push(answer);
        crate::pipeline::log::finish(
            &shared,
            LogEntry {
                seq,
                method: item.method.to_string(),
                host: req.host.clone(),
                origin: format!("http://{}:{}", req.host, shared.port),
                path_and_query: item.path_and_query(),
                status,
                has_authorization: token.is_some(),
                authorization_aud: Some(GRAPH_APP_ID.to_string()),
                authorization_upn: token
                    .as_deref()
                    .and_then(crate::wire::jwt::decode_claims)
                    .and_then(|c| c.get("upn").and_then(Value::as_str).map(str::to_string)),
                origin_header: req.origin_header().map(str::to_string),
                started_ms: started,
                duration_ms: dur,
                request_bytes: item.body.len() as u64,
                response_bytes: (!dropped).then_some(response_bytes),
                injected,
                batch_of: Some(req.seq),
                ..LogEntry::default()
            },
        );
    }
    let mut resp = gjson(StatusCode::OK, &json!({"responses": responses}));
    if drops_batch {
        resp.extensions_mut().insert(crate::pipeline::Dropped);
    } else if let Some(ms) = slow_body_ms {
        resp.extensions_mut().insert(crate::pipeline::SlowBody(ms));
    }
    resp
}

/// Sends an admitted item through the resource routes, as a request with the batch's token.
async fn run(resources: Router, item: &Item, token: Option<&str>) -> Resp {
    let uri = super::canonical_uri(&item.raw_path, item.query.as_deref());
    let mut request = Request::builder().method(item.method.clone()).uri(uri);
    for (name, value) in &item.headers {
        if !name.eq_ignore_ascii_case("authorization") {
            request = request.header(name.as_str(), value.as_str());
        }
    }
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let request = match request.body(Body::from(item.body.clone())) {
        Ok(request) => request,
        Err(_) => return invalid_payload(),
    };
    match resources.oneshot(request).await {
        Ok(r) => r,
        Err(never) => match never {},
    }
}

/// One item's answer in the batch's body: id, status, the headers a client may read, and the
/// body (JSON as JSON, text as a string, anything else base64). Also the body's length.
async fn answer(id: &str, resp: Resp) -> (Value, u64) {
    let status = resp.status().as_u16();
    let mut headers = Map::new();
    for (k, v) in resp.headers() {
        let name = match k.as_str() {
            "content-type" => "Content-Type",
            "retry-after" => "Retry-After",
            "location" => "Location",
            "www-authenticate" => "WWW-Authenticate",
            _ => continue,
        };
        headers.insert(name.into(), json!(v.to_str().unwrap_or("")));
    }
    let ct = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap_or_default();
    let body = if bytes.is_empty() {
        Value::Null
    } else if ct.starts_with("application/json") {
        serde_json::from_slice(&bytes).unwrap_or(Value::Null)
    } else if ct.starts_with("text/") {
        json!(String::from_utf8_lossy(&bytes))
    } else {
        json!(b64(&bytes))
    };
    let mut item = json!({"id": id, "status": status, "headers": headers});
    if !body.is_null() {
        item["body"] = body;
    }
    (item, bytes.len() as u64)
}
