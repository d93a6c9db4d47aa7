//! The second layer from the top: the control API on `control.localhost` (JSON under
//! `/control/…`), its typed client (`client`) and the state snapshot tests assert on
//! (`snapshot`). Not logged and not delayed: it bypasses the pipeline. Uses services (consent,
//! minted tokens, the generated config), state and wire.
//!
//! Every handler takes its body as `extract::Json` (lenient: the browser tests post without a
//! `Content-Type`) and answers `Done`, an `Answer` or a `Refusal`. Any origin may call it, and
//! `OPTIONS` on any path is a 204, so pages under test can call it with `fetch`.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, Uri};
use axum::middleware::{from_fn, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use serde::{Deserialize, Serialize};
use tower::ServiceExt as _;

mod client;
mod extract;
mod snapshot;

pub use client::ControlClient;
use extract::{Answer, Done, Json, Refusal};

use crate::model::*;
use crate::state::*;
use crate::wire::codec::{encode_path, now_ms, percent_decode};
use crate::wire::imaging::{content_type_of, Blob};
use crate::wire::{self, QueryParams, RawBody, Resp};

/// The control API's router (`control.localhost`, not logged, no pipeline).
pub fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/control/health", get_only(health))
        .route("/control/reset", post(reset_to_start))
        .route("/control/seed", post(seed))
        .route(
            "/control/faults",
            get_only(faults).post(add_fault).delete(clear_faults),
        )
        .route("/control/limits", get_only(limits).post(set_limits))
        .route("/control/token-lifetimes", post(set_token_lifetimes))
        .route("/control/expire-tokens", post(expire_tokens))
        .route(
            "/control/app-config",
            get_only(app_config).post(set_app_config),
        )
        .route(
            "/control/registration",
            get_only(registration).post(set_registration),
        )
        .route("/control/admin-refusal", post(set_admin_refusal))
        .route("/control/expose-retry-after", post(set_expose_retry_after))
        .route("/control/consent", post(consent))
        .route("/control/consent/revoke", post(revoke_consent))
        .route("/control/state", get_only(state))
        .route("/control/file", get_only(file))
        .route(
            "/control/exchange-photo",
            get_only(exchange_photo)
                .put(set_exchange_photo)
                .post(set_exchange_photo)
                .delete(delete_exchange_photo),
        )
        .route("/control/log", get_only(log).delete(clear_log))
        .route(
            "/control/intranet-page",
            post(set_intranet_page)
                .put(set_intranet_page)
                .delete(clear_intranet_page),
        )
        .route("/control/latency", post(set_latency))
        .route("/control/photo-folder", post(set_photo_folder))
        .route("/control/user-field", post(set_user_field))
        .route("/control/profile-property", post(set_profile_property))
        .route("/control/tamper-id-token", post(tamper_id_token))
        .route("/control/clock-skew", post(set_clock_skew))
        .route(
            "/control/sharepoint-stale-reads",
            post(set_sharepoint_stale_reads),
        )
        .route("/control/production-headers", post(set_production_headers))
        .route("/control/token", post(token))
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
        .layer(from_fn(open_to_every_origin))
}

/// A GET route that does not answer HEAD (axum would run the GET handler).
fn get_only<H, T>(handler: H) -> MethodRouter<Arc<Shared>>
where
    H: axum::handler::Handler<T, Arc<Shared>>,
    T: 'static,
{
    get(handler).head(not_found)
}

/// `OPTIONS` on any path is a 204; every answer allows any origin.
async fn open_to_every_origin(req: Request, next: Next) -> Response {
    let mut r = if req.method() == Method::OPTIONS {
        wire::empty(StatusCode::NO_CONTENT)
    } else {
        next.run(req).await
    };
    wire::set_header(&mut r, "access-control-allow-origin", "*");
    wire::set_header(
        &mut r,
        "access-control-allow-methods",
        "GET, POST, PUT, DELETE, OPTIONS",
    );
    wire::set_header(&mut r, "access-control-allow-headers", "content-type");
    r
}

/// `not found: {method} {path}`. A path is read without its trailing slashes
/// (`/control/health/` is `/control/health`), so such a request is routed again without them.
async fn not_found(State(shared): State<Arc<Shared>>, mut req: Request) -> Response {
    let path = req.uri().path();
    let trimmed = path.trim_end_matches('/');
    if trimmed.len() < path.len() && !trimmed.is_empty() {
        if let Ok(uri) = trimmed.parse::<Uri>() {
            *req.uri_mut() = uri;
            let Ok(r) = router().with_state(shared).oneshot(req).await;
            return r;
        }
    }
    Refusal::NotFound(format!("{} {trimmed}", req.method())).into_response()
}

// ---------------------------------------------------------------------------------------------
// The whole emulator

async fn health() -> Done {
    Done
}

/// Puts everything back as it was at start, with the given seed.
pub fn reset(shared: &Shared, seed: SeedOptions) {
    let fresh = Inner::new(shared.port, &seed, shared.initial_latency_ms);
    *shared.lock() = fresh;
}

/// `POST /control/reset`: the body, if any, is not read.
async fn reset_to_start(State(shared): State<Arc<Shared>>) -> Done {
    reset(&shared, SeedOptions::default());
    Done
}

async fn seed(State(shared): State<Arc<Shared>>, Json(options): Json<SeedOptions>) -> Done {
    reset(&shared, options);
    Done
}

async fn state(State(shared): State<Arc<Shared>>) -> Result<Answer<crate::model::State>, Refusal> {
    tokio::task::spawn_blocking(move || snapshot::state(&shared))
        .await
        .map(Answer)
        .map_err(|e| Refusal::Internal(e.to_string()))
}

async fn log(State(shared): State<Arc<Shared>>) -> Answer<Vec<LogEntry>> {
    Answer(shared.lock().log.clone())
}

async fn clear_log(State(shared): State<Arc<Shared>>) -> Done {
    shared.lock().log.clear();
    Done
}

#[derive(Deserialize)]
struct LatencyBody {
    ms: u64,
}

async fn set_latency(State(shared): State<Arc<Shared>>, Json(b): Json<LatencyBody>) -> Done {
    shared.lock().latency_ms = b.ms;
    Done
}

#[derive(Deserialize)]
struct SkewBody {
    secs: i64,
}

async fn set_clock_skew(State(shared): State<Arc<Shared>>, Json(b): Json<SkewBody>) -> Done {
    shared.lock().clock_skew_secs = b.secs;
    Done
}

// ---------------------------------------------------------------------------------------------
// Faults and limits

/// A fault rule with how often it matched and fired.
#[derive(Serialize)]
struct FaultReport {
    rule: FaultRule,
    matched: u32,
    fired: u32,
}

async fn faults(State(shared): State<Arc<Shared>>) -> Answer<Vec<FaultReport>> {
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

async fn add_fault(State(shared): State<Arc<Shared>>, Json(rule): Json<FaultRule>) -> Done {
    shared.lock().faults.push(FaultState {
        rule,
        matched: 0,
        fired: 0,
    });
    Done
}

async fn clear_faults(State(shared): State<Arc<Shared>>) -> Done {
    shared.lock().faults.clear();
    Done
}

async fn limits(State(shared): State<Arc<Shared>>) -> Answer<Limits> {
    Answer(shared.lock().limits.clone())
}

/// New limits start with empty windows.
async fn set_limits(State(shared): State<Arc<Shared>>, Json(l): Json<Limits>) -> Done {
    let mut inner = shared.lock();
    inner.limits = l;
    inner.sp_window.clear();
    inner.graph_window.clear();
    Done
}

#[derive(Deserialize)]
struct Enabled {
    enabled: bool,
}

async fn set_admin_refusal(State(shared): State<Arc<Shared>>, Json(e): Json<Enabled>) -> Done {
    shared.lock().admin_refusal = e.enabled;
    Done
}

async fn set_expose_retry_after(State(shared): State<Arc<Shared>>, Json(e): Json<Enabled>) -> Done {
    shared.lock().expose_retry_after = e.enabled;
    Done
}

async fn set_production_headers(State(shared): State<Arc<Shared>>, Json(e): Json<Enabled>) -> Done {
    shared.lock().production_headers = e.enabled;
    Done
}

/// Turning stale reads on freezes SharePoint's view as it is now (turning them on again keeps
/// the frozen view); off thaws it.
async fn set_sharepoint_stale_reads(
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

// ---------------------------------------------------------------------------------------------
// Sign-in: registration, lifetimes, consent, tokens

async fn registration(State(shared): State<Arc<Shared>>) -> Answer<Registration> {
    Answer(shared.lock().registration.clone())
}

async fn set_registration(
    State(shared): State<Arc<Shared>>,
    Json(reg): Json<Registration>,
) -> Done {
    shared.lock().registration = reg;
    Done
}

async fn set_token_lifetimes(
    State(shared): State<Arc<Shared>>,
    Json(l): Json<TokenLifetimes>,
) -> Done {
    shared.lock().lifetimes = l;
    Done
}

#[derive(Deserialize)]
struct ExpireBody {
    #[serde(default)]
    refresh: bool,
}

/// Every access token issued so far is expired; with `refresh`, every refresh token too.
async fn expire_tokens(State(shared): State<Arc<Shared>>, Json(b): Json<ExpireBody>) -> Done {
    let mut inner = shared.lock();
    inner.access_cutoff = inner.token_serial;
    if b.refresh {
        let now = now_ms();
        for rt in inner.refresh_tokens.values_mut() {
            rt.expires_ms = rt.expires_ms.min(now);
        }
    }
    Done
}

#[derive(Deserialize)]
struct ConsentBody {
    upn: String,
    #[serde(default)]
    scopes: Vec<String>,
}

async fn consent(
    State(shared): State<Arc<Shared>>,
    Json(b): Json<ConsentBody>,
) -> Result<Done, Refusal> {
    crate::services::identity::grant_consent(&shared, &b.upn, &b.scopes)
        .map(|()| Done)
        .map_err(Refusal::BadRequest)
}

async fn revoke_consent(State(shared): State<Arc<Shared>>, Json(b): Json<ConsentBody>) -> Done {
    shared
        .lock()
        .tenant
        .consents
        .remove(&b.upn.to_ascii_lowercase());
    Done
}

#[derive(Deserialize)]
struct TokenBody {
    upn: String,
    scope: String,
}

/// An access token without sign-in or consent.
async fn token(
    State(shared): State<Arc<Shared>>,
    Json(b): Json<TokenBody>,
) -> Result<Answer<MintedToken>, Refusal> {
    crate::services::identity::mint_for(&shared, &b.upn, &b.scope)
        .map(Answer)
        .map_err(Refusal::BadRequest)
}

#[derive(Deserialize)]
struct TamperBody {
    kind: IdTokenTamper,
}

/// The next id token is tampered with.
async fn tamper_id_token(State(shared): State<Arc<Shared>>, Json(b): Json<TamperBody>) -> Done {
    shared.lock().id_token_tamper = Some(b.kind);
    Done
}

// ---------------------------------------------------------------------------------------------
// The app and the intranet page

async fn app_config(State(shared): State<Arc<Shared>>) -> Resp {
    wire::json(
        StatusCode::OK,
        &crate::services::app::generated_config(&shared),
    )
}

async fn set_app_config(State(shared): State<Arc<Shared>>, Json(c): Json<AppConfig>) -> Done {
    shared.lock().app_config = c;
    Done
}

/// The body, as it is, is the intranet page's HTML.
async fn set_intranet_page(State(shared): State<Arc<Shared>>, RawBody(body): RawBody) -> Done {
    shared.lock().intranet_html = Some(String::from_utf8_lossy(&body).into_owned());
    Done
}

async fn clear_intranet_page(State(shared): State<Arc<Shared>>) -> Done {
    shared.lock().intranet_html = None;
    Done
}

// ---------------------------------------------------------------------------------------------
// The tenant's data: photos, files, users, profiles

#[derive(Deserialize)]
struct FileQuery {
    /// Percent-encoded (once more than the query string's own encoding).
    #[serde(default)]
    path: String,
}

/// A stored SharePoint file's bytes.
async fn file(
    State(shared): State<Arc<Shared>>,
    QueryParams(q): QueryParams<FileQuery>,
) -> Result<Resp, Refusal> {
    let p = percent_decode(&q.path);
    let f = shared.lock().tenant.files.get(&p).cloned();
    let Some(f) = f else {
        return Err(Refusal::NotFound(p));
    };
    match tokio::task::spawn_blocking(move || f.blob.get()).await {
        Ok(b) => Ok(wire::with_type(
            StatusCode::OK,
            &b.content_type,
            b.bytes.clone(),
        )),
        Err(_) => Err(Refusal::NotFound(p)),
    }
}

#[derive(Deserialize)]
struct PhotoQuery {
    #[serde(default)]
    upn: String,
    /// Defaults to the type sniffed from the bytes.
    content_type: Option<String>,
}

async fn exchange_photo(
    State(shared): State<Arc<Shared>>,
    QueryParams(q): QueryParams<PhotoQuery>,
) -> Result<Resp, Refusal> {
    let photo = shared
        .lock()
        .tenant
        .user(&q.upn)
        .and_then(|u| u.exchange_photo.clone());
    let Some(p) = photo else {
        return Err(Refusal::NotFound(q.upn));
    };
    match tokio::task::spawn_blocking(move || p.blob.get()).await {
        Ok(b) => Ok(wire::with_type(
            StatusCode::OK,
            &b.content_type,
            b.bytes.clone(),
        )),
        Err(_) => Err(Refusal::NotFound(q.upn)),
    }
}

/// The body is the user's new Exchange photo.
async fn set_exchange_photo(
    State(shared): State<Arc<Shared>>,
    QueryParams(q): QueryParams<PhotoQuery>,
    RawBody(body): RawBody,
) -> Result<Done, Refusal> {
    let ct = q
        .content_type
        .unwrap_or_else(|| content_type_of(&body).to_string());
    let blob = tokio::task::spawn_blocking(move || Blob::new(body, &ct))
        .await
        .expect("blob");
    let mut inner = shared.lock();
    let Some(u) = inner.tenant.user_mut(&q.upn) else {
        return Err(Refusal::NotFound(q.upn));
    };
    u.exchange_photo = Some(ExchangePhoto {
        blob: BlobRef::Ready(Arc::new(blob)),
        modified_ms: now_ms(),
    });
    Ok(Done)
}

async fn delete_exchange_photo(
    State(shared): State<Arc<Shared>>,
    QueryParams(q): QueryParams<PhotoQuery>,
) -> Result<Done, Refusal> {
    let mut inner = shared.lock();
    let Some(u) = inner.tenant.user_mut(&q.upn) else {
        return Err(Refusal::NotFound(q.upn));
    };
    u.exchange_photo = None;
    Ok(Done)
}

#[derive(Deserialize)]
struct FolderBody {
    name: String,
}

/// Renames the folder of `User Photos` the thumbnails live in: moves the stored files and
/// rewrites every `PictureURL` that named the old folder.
async fn set_photo_folder(State(shared): State<Arc<Shared>>, Json(b): Json<FolderBody>) -> Done {
    let mut inner = shared.lock();
    let old = inner.photo_folder_path();
    inner.photo_folder = b.name;
    let new = inner.photo_folder_path();
    let moved: BTreeMap<String, StoredFile> = std::mem::take(&mut inner.tenant.files)
        .into_iter()
        .map(|(k, v)| match k.strip_prefix(&format!("{old}/")) {
            Some(rest) => (format!("{new}/{rest}"), v),
            None => (k, v),
        })
        .collect();
    inner.tenant.files = moved;
    let my = shared.my_site();
    let old_url = format!("{my}{}", encode_path(&old));
    let new_url = format!("{my}{}", encode_path(&new));
    for props in inner.tenant.profiles.values_mut() {
        if let Some(v) = props.get_mut("PictureURL") {
            *v = v.replace(&old_url, &new_url);
        }
    }
    Done
}

#[derive(Deserialize)]
struct UserFieldBody {
    upn: String,
    field: String,
    value: Option<String>,
}

async fn set_user_field(
    State(shared): State<Arc<Shared>>,
    Json(b): Json<UserFieldBody>,
) -> Result<Done, Refusal> {
    let mut inner = shared.lock();
    let Some(u) = inner.tenant.user_mut(&b.upn) else {
        return Err(Refusal::NotFound(b.upn));
    };
    user_field(u, &b.field, b.value).map_err(Refusal::BadRequest)?;
    Ok(Done)
}

/// Sets one Graph property of a user; `None` is JSON `null`.
fn user_field(u: &mut User, field: &str, value: Option<String>) -> Result<(), String> {
    let required = |v: Option<String>| v.ok_or_else(|| format!("{field} cannot be null"));
    match field {
        "mySite" => u.my_site = Some(value),
        "displayName" => u.display_name = required(value)?,
        "givenName" => u.given_name = required(value)?,
        "surname" => u.surname = required(value)?,
        "mail" => u.mail = value,
        "jobTitle" => u.job_title = value,
        "department" => u.department = value,
        "officeLocation" => u.office_location = value,
        "mobilePhone" => u.mobile_phone = value,
        "preferredLanguage" => u.preferred_language = value,
        _ => return Err(format!("unknown or read-only user field: {field}")),
    }
    Ok(())
}

#[derive(Deserialize)]
struct ProfilePropertyBody {
    upn: String,
    name: String,
    value: String,
}

async fn set_profile_property(
    State(shared): State<Arc<Shared>>,
    Json(b): Json<ProfilePropertyBody>,
) -> Result<Done, Refusal> {
    let mut inner = shared.lock();
    let Some(upn) = inner.tenant.user(&b.upn).map(|u| u.upn.clone()) else {
        return Err(Refusal::NotFound(b.upn));
    };
    inner
        .tenant
        .profiles
        .entry(upn)
        .or_default()
        .insert(b.name, b.value);
    Ok(Done)
}

#[cfg(test)]
mod tests {
    use axum::body::{to_bytes, Body};
    use axum::http::{Method, Request, StatusCode};
    use serde_json::{json, Value};
    use tower::ServiceExt as _;

    use super::*;

    async fn send(
        shared: &Arc<Shared>,
        method: Method,
        path: &str,
        content_type: Option<&str>,
        body: &str,
    ) -> (StatusCode, axum::http::HeaderMap, Value) {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header("host", "control.localhost:1");
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        let r = router()
            .with_state(shared.clone())
            .oneshot(req.body(Body::from(body.to_string())).unwrap())
            .await
            .unwrap();
        let (parts, body) = r.into_parts();
        let body = to_bytes(body, usize::MAX).await.unwrap();
        let value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        (parts.status, parts.headers, value)
    }

    #[tokio::test]
    async fn a_json_body_is_read_with_any_or_no_content_type() {
        let shared = Shared::for_tests();
        for ct in [
            None,
            Some("text/plain;charset=UTF-8"),
            Some("application/json"),
        ] {
            let (status, _, body) = send(
                &shared,
                Method::POST,
                "/control/latency",
                ct,
                r#"{"ms": 7}"#,
            )
            .await;
            assert_eq!(
                (status, body),
                (StatusCode::OK, json!({"ok": true})),
                "{ct:?}"
            );
            assert_eq!(shared.lock().latency_ms, 7);
            shared.lock().latency_ms = 0;
        }
    }

    #[tokio::test]
    async fn an_empty_body_is_an_empty_object() {
        let shared = Shared::for_tests();
        shared.lock().refresh_tokens.clear();
        let (status, _, _) = send(&shared, Method::POST, "/control/expire-tokens", None, "").await;
        assert_eq!(status, StatusCode::OK);
        // A body whose fields are required is refused with serde's words.
        let (status, _, body) = send(&shared, Method::POST, "/control/latency", None, "").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["error"], "missing field `ms` at line 1 column 2");
        let (status, _, body) = send(&shared, Method::POST, "/control/latency", None, "{").await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(body["error"].as_str().unwrap().contains("EOF"));
    }

    #[tokio::test]
    async fn unknown_paths_and_methods_are_not_found_with_the_method_and_path() {
        let shared = Shared::for_tests();
        let (status, _, body) = send(&shared, Method::GET, "/control/nothing", None, "").await;
        assert_eq!(
            (status, body),
            (
                StatusCode::NOT_FOUND,
                json!({"error": "not found: GET /control/nothing"})
            )
        );
        let (status, _, body) = send(&shared, Method::GET, "/control/reset", None, "").await;
        assert_eq!(
            (status, body),
            (
                StatusCode::NOT_FOUND,
                json!({"error": "not found: GET /control/reset"})
            )
        );
        let (status, _, body) = send(&shared, Method::HEAD, "/control/health", None, "").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
        let (_, _, body) = send(&shared, Method::GET, "/", None, "").await;
        assert_eq!(body, json!({"error": "not found: GET "}));
    }

    #[tokio::test]
    async fn trailing_slashes_are_ignored() {
        let shared = Shared::for_tests();
        let (status, _, body) = send(&shared, Method::GET, "/control/health//", None, "").await;
        assert_eq!((status, body), (StatusCode::OK, json!({"ok": true})));
        let (_, _, body) = send(&shared, Method::GET, "/control/reset/", None, "").await;
        assert_eq!(body, json!({"error": "not found: GET /control/reset"}));
    }

    #[tokio::test]
    async fn every_answer_is_open_to_every_origin_and_options_is_204_anywhere() {
        let shared = Shared::for_tests();
        for (method, path) in [
            (Method::OPTIONS, "/control/faults"),
            (Method::OPTIONS, "/anything"),
            (Method::GET, "/control/health"),
            (Method::GET, "/control/nothing"),
        ] {
            let (status, headers, _) = send(&shared, method.clone(), path, None, "").await;
            if method == Method::OPTIONS {
                assert_eq!(status, StatusCode::NO_CONTENT, "{path}");
            }
            assert_eq!(
                headers["access-control-allow-origin"], "*",
                "{method} {path}"
            );
            assert_eq!(
                headers["access-control-allow-methods"],
                "GET, POST, PUT, DELETE, OPTIONS"
            );
            assert_eq!(headers["access-control-allow-headers"], "content-type");
        }
    }

    #[tokio::test]
    async fn refusals_name_what_is_missing() {
        let shared = Shared::for_tests();
        let (status, _, body) = send(
            &shared,
            Method::POST,
            "/control/user-field",
            None,
            r#"{"upn": "nobody", "field": "mail", "value": null}"#,
        )
        .await;
        assert_eq!(
            (status, body),
            (StatusCode::NOT_FOUND, json!({"error": "not found: nobody"}))
        );
        let upn = shared.lock().tenant.users[0].upn.clone();
        let (status, _, body) = send(
            &shared,
            Method::POST,
            "/control/user-field",
            None,
            &json!({"upn": upn, "field": "displayName", "value": null}).to_string(),
        )
        .await;
        assert_eq!(
            (status, body),
            (
                StatusCode::BAD_REQUEST,
                json!({"error": "displayName cannot be null"})
            )
        );
        let (status, _, body) = send(
            &shared,
            Method::GET,
            "/control/exchange-photo?upn=nobody",
            None,
            "",
        )
        .await;
        assert_eq!(
            (status, body),
            (StatusCode::NOT_FOUND, json!({"error": "not found: nobody"}))
        );
        let (status, _, body) = send(
            &shared,
            Method::GET,
            "/control/file?path=%252Fnothing",
            None,
            "",
        )
        .await;
        assert_eq!(
            (status, body),
            (
                StatusCode::NOT_FOUND,
                json!({"error": "not found: /nothing"})
            )
        );
    }
}
