//! The emulator as a whole: health, reset and seed, the state snapshot, the request log,
//! latency and clock skew, fault rules, throttling limits and switches, the app's `config.json`
//! and the intranet page.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::extract::{Answer, Done, Json, Refusal};
use crate::model::*;
use crate::state::*;
use crate::wire::{self, RawBody, Resp};

pub(super) async fn health() -> Done {
    Done
}

/// Puts everything back as it was at start, with the given seed (limits as at start, for the
/// new tenant's licence count when they are the documented ones).
pub fn reset(shared: &Shared, seed: SeedOptions) {
    let fresh = Inner::new(
        shared.port,
        &seed,
        shared.initial_latency_ms,
        &shared.start_limits,
    );
    *shared.lock() = fresh;
}

/// `POST /control/reset`: back to the tenant the emulator started with; the body, if any, is
/// not read.
pub(super) async fn reset_to_start(State(shared): State<Arc<Shared>>) -> Result<Done, Refusal> {
    let seed = shared.initial_seed.clone();
    reset_blocking(shared, seed).await
}

/// `POST /control/seed` and `reset` may build a tenant of 10,000 users: off the runtime.
async fn reset_blocking(shared: Arc<Shared>, seed: SeedOptions) -> Result<Done, Refusal> {
    tokio::task::spawn_blocking(move || reset(&shared, seed))
        .await
        .map(|_| Done)
        .map_err(|e| Refusal::Internal(e.to_string()))
}

pub(super) async fn seed(
    State(shared): State<Arc<Shared>>,
    Json(options): Json<SeedOptions>,
) -> Result<Done, Refusal> {
    if options.generated.as_ref().is_some_and(|g| g.users == 0) {
        return Err(Refusal::BadRequest(
            "a generated tenant has at least 1 user".into(),
        ));
    }
    reset_blocking(shared, options).await
}

pub(super) async fn state(
    State(shared): State<Arc<Shared>>,
) -> Result<Answer<crate::model::State>, Refusal> {
    tokio::task::spawn_blocking(move || super::snapshot::state(&shared))
        .await
        .map(Answer)
        .map_err(|e| Refusal::Internal(e.to_string()))
}

/// `GET /control/tenant/truth`
pub(super) async fn truth(
    State(shared): State<Arc<Shared>>,
) -> Result<Answer<TenantTruth>, Refusal> {
    tokio::task::spawn_blocking(move || super::truth::truth(&shared))
        .await
        .map(Answer)
        .map_err(|e| Refusal::Internal(e.to_string()))
}

pub(super) async fn log(State(shared): State<Arc<Shared>>) -> Answer<Vec<LogEntry>> {
    Answer(shared.lock().log.clone())
}

pub(super) async fn clear_log(State(shared): State<Arc<Shared>>) -> Done {
    shared.lock().log.clear();
    Done
}

#[derive(Deserialize)]
pub(super) struct LatencyBody {
    ms: u64,
}

pub(super) async fn set_latency(
    State(shared): State<Arc<Shared>>,
    Json(b): Json<LatencyBody>,
) -> Done {
    shared.lock().latency_ms = b.ms;
    Done
}

#[derive(Deserialize)]
pub(super) struct SkewBody {
    secs: i64,
}

pub(super) async fn set_clock_skew(
    State(shared): State<Arc<Shared>>,
    Json(b): Json<SkewBody>,
) -> Done {
    shared.lock().clock_skew_secs = b.secs;
    Done
}

/// A fault rule with how often it matched and fired.
#[derive(Serialize)]
pub(super) struct FaultReport {
    rule: FaultRule,
    matched: u32,
    fired: u32,
}

pub(super) async fn faults(State(shared): State<Arc<Shared>>) -> Answer<Vec<FaultReport>> {
    let reports = shared
        .lock()
        .faults
        .iter()
        .map(|f| FaultReport {
            rule: f.rule.clone(),
            matched: f.matched,
            fired: f.fired,
        })
        .collect();
    Answer(reports)
}

pub(super) async fn add_fault(
    State(shared): State<Arc<Shared>>,
    Json(rule): Json<FaultRule>,
) -> Done {
    shared.lock().faults.push(FaultState {
        rule,
        matched: 0,
        fired: 0,
    });
    Done
}

pub(super) async fn clear_faults(State(shared): State<Arc<Shared>>) -> Done {
    shared.lock().faults.clear();
    Done
}

pub(super) async fn limits(State(shared): State<Arc<Shared>>) -> Answer<Limits> {
    Answer(shared.lock().limits.clone())
}

/// New limits start with empty windows.
pub(super) async fn set_limits(State(shared): State<Arc<Shared>>, Json(l): Json<Limits>) -> Done {
    let mut inner = shared.lock();
    inner.limits = l;
    inner.clear_windows();
    Done
}

/// `POST /control/limits/documented`: the documented limits for a licence count (default: the
/// tenant's), windows scaled; answers the limits now in force.
pub(super) async fn set_documented_limits(
    State(shared): State<Arc<Shared>>,
    Json(d): Json<DocumentedLimits>,
) -> Result<Answer<Limits>, Refusal> {
    let scale = d.window_scale.unwrap_or(1.0);
    if !(scale.is_finite() && scale > 0.0) {
        return Err(Refusal::BadRequest(format!(
            "window_scale must be above 0, not {scale}"
        )));
    }
    let mut inner = shared.lock();
    let licenses = d.licenses.unwrap_or_else(|| inner.tenant.licenses());
    inner.limits = Limits::documented(licenses).with_window_scale(scale);
    inner.clear_windows();
    Ok(Answer(inner.limits.clone()))
}

#[derive(Deserialize)]
pub(super) struct Enabled {
    enabled: bool,
}

pub(super) async fn set_admin_refusal(
    State(shared): State<Arc<Shared>>,
    Json(e): Json<Enabled>,
) -> Done {
    shared.lock().admin_refusal = e.enabled;
    Done
}

pub(super) async fn sharepoint_scope_rules(
    State(shared): State<Arc<Shared>>,
) -> Answer<SharePointScopeRules> {
    Answer(shared.lock().sharepoint_scope_rules)
}

/// What the emulator assumes where Microsoft does not say which SharePoint permission reaches
/// what; fields left out are off.
pub(super) async fn set_sharepoint_scope_rules(
    State(shared): State<Arc<Shared>>,
    Json(rules): Json<SharePointScopeRules>,
) -> Done {
    shared.lock().sharepoint_scope_rules = rules;
    Done
}

pub(super) async fn set_expose_retry_after(
    State(shared): State<Arc<Shared>>,
    Json(e): Json<Enabled>,
) -> Done {
    shared.lock().expose_retry_after = e.enabled;
    Done
}

/// How long browsers may keep Graph's and SharePoint's preflight answers.
#[derive(Deserialize)]
pub(super) struct MaxAge {
    seconds: Option<u32>,
}

pub(super) async fn set_preflight_max_age(
    State(shared): State<Arc<Shared>>,
    Json(m): Json<MaxAge>,
) -> Done {
    shared.lock().preflight_max_age = m.seconds;
    Done
}

pub(super) async fn set_production_headers(
    State(shared): State<Arc<Shared>>,
    Json(e): Json<Enabled>,
) -> Done {
    shared.lock().production_headers = e.enabled;
    Done
}

/// Turning stale reads on freezes SharePoint's view as it is now (turning them on again keeps
/// the frozen view); off thaws it.
pub(super) async fn set_sharepoint_stale_reads(
    State(shared): State<Arc<Shared>>,
    Json(e): Json<Enabled>,
) -> Done {
    let mut inner = shared.lock();
    inner.stale_view = match (e.enabled, inner.stale_view.take()) {
        (false, _) => None,
        (true, Some(view)) => Some(view),
        (true, None) => Some(SharePointView {
            files: inner.tenant.files.clone(),
            profiles: inner.tenant.profiles.clone(),
        }),
    };
    Done
}

pub(super) async fn app_config(State(shared): State<Arc<Shared>>) -> Resp {
    wire::json(
        StatusCode::OK,
        &crate::services::app::generated_config(&shared),
    )
}

pub(super) async fn set_app_config(
    State(shared): State<Arc<Shared>>,
    Json(c): Json<AppConfig>,
) -> Done {
    shared.lock().app_config = c;
    Done
}

/// The body, as it is, is the intranet page's HTML.
pub(super) async fn set_intranet_page(
    State(shared): State<Arc<Shared>>,
    RawBody(body): RawBody,
) -> Done {
    shared.lock().intranet_html = Some(String::from_utf8_lossy(&body).into_owned());
    Done
}

pub(super) async fn clear_intranet_page(State(shared): State<Arc<Shared>>) -> Done {
    shared.lock().intranet_html = None;
    Done
}
