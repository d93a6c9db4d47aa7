//! The third layer: what happens to every request on a service host before and after the
//! service answers, as one axum middleware (`layer`): the request log, latency, injected faults
//! (`faults`), CORS and preflights (`cors`), and slow bodies. The throttling models (`limits`)
//! are called by the services that they model. Uses `state` and `wire`; never a service: the
//! service is whatever `Next` runs.

pub mod cors;
pub mod faults;
pub mod limits;
pub mod log;

use std::convert::Infallible;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, Response};
use axum::middleware::Next;

use crate::state::Shared;
use crate::wire::{read_body, Connection, Req, Resp, Seq};
use faults::Action;

/// Marks an answer that must not be sent: the connection is closed instead.
#[derive(Clone, Copy, Debug)]
pub struct Dropped;

/// Marks an answer whose body a service wants trickled out over this many milliseconds (a
/// `$batch` holding a request with a slow-body fault).
#[derive(Clone, Copy, Debug)]
pub struct SlowBody(pub u64);

/// The middleware in front of every service host (all hosts but `control.localhost`).
pub async fn layer(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Resp {
    let t0 = Instant::now();
    let started_ms = shared.started.elapsed().as_millis() as u64;
    let (mut parts, body) = request.into_parts();
    let body = match read_body(body).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let seq = shared.seq.fetch_add(1, Ordering::SeqCst) + 1;
    parts.extensions.insert(Seq(seq));
    let req = Req::from_parts(&parts, body.clone(), seq);
    let preflight = req.is_preflight();
    let connection = parts.extensions.get::<Connection>().copied();
    let service = move || async move {
        if preflight {
            return None;
        }
        Some(next.run(Request::from_parts(parts, Body::from(body))).await)
    };
    let mut entry = log::entry(&shared, &req, started_ms);
    if let Some(connection) = connection {
        entry.connection = connection.id;
        entry.nth_on_connection = connection.nth;
    }

    let latency = shared.lock().latency_ms;
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }

    let action = faults::check(&shared, &req);
    let mut slow_ms = None;
    let answer = |r: Option<Resp>| r.unwrap_or_else(|| cors::preflight(&shared, &req));
    let mut resp = match action {
        Some(Action::Respond { delay_ms, resp }) => {
            sleep_ms(delay_ms).await;
            entry.injected = Some("fault".into());
            *resp
        }
        Some(Action::Drop { delay_ms }) => {
            sleep_ms(delay_ms).await;
            return dropped(&shared, entry, t0, None);
        }
        Some(Action::DropAfterHandling { delay_ms }) => {
            sleep_ms(delay_ms).await;
            let resp = answer(service().await);
            return dropped(&shared, entry, t0, Some(&resp));
        }
        Some(Action::Slow { delay_ms, body_ms }) => {
            sleep_ms(delay_ms).await;
            entry.injected = Some(if body_ms > 0 { "slow" } else { "delay" }.into());
            slow_ms = Some(body_ms).filter(|ms| *ms > 0);
            answer(service().await)
        }
        None => answer(service().await),
    };
    // A service that asks for its answer to be lost or slow (a `$batch` with such a request).
    if resp.extensions().get::<Dropped>().is_some() {
        return dropped(&shared, entry, t0, None);
    }
    if let Some(SlowBody(ms)) = resp.extensions().get::<SlowBody>().copied() {
        entry.injected = Some("slow".into());
        slow_ms = Some(ms).filter(|ms| *ms > 0);
    }
    if resp.headers().contains_key("x-emulator-throttled") {
        resp.headers_mut().remove("x-emulator-throttled");
        entry.injected = Some("throttled".into());
    }
    cors::apply(&shared, &req, &mut resp);
    entry.status = resp.status().as_u16();
    entry.response_bytes = axum::body::HttpBody::size_hint(resp.body()).exact();
    entry.duration_ms = t0.elapsed().as_millis() as u64;
    log::finish(&shared, entry);
    if let Some(ms) = slow_ms {
        resp = slow_body(resp, ms).await;
    }
    resp
}

async fn sleep_ms(ms: u64) {
    if ms > 0 {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
}

/// Logs a dropped answer (status 0) and returns the marker the listener turns into a closed
/// connection.
fn dropped(
    shared: &Shared,
    mut entry: crate::model::LogEntry,
    t0: Instant,
    handled: Option<&Resp>,
) -> Resp {
    entry.injected = Some("dropped".into());
    entry.status = 0;
    entry.response_bytes = handled.and_then(|r| axum::body::HttpBody::size_hint(r.body()).exact());
    entry.duration_ms = t0.elapsed().as_millis() as u64;
    log::finish(shared, entry);
    let mut r = Response::new(Body::empty());
    r.extensions_mut().insert(Dropped);
    r
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
