//! The second layer from the top: the control API on `control.localhost` (JSON under
//! `/control/…`), its typed client (`client`) and the state snapshot tests assert on
//! (`snapshot`). Not logged and not delayed: it bypasses the pipeline. Uses services (consent,
//! minted tokens, the generated config), state and wire.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::http::{Method, StatusCode};
use axum::Router;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

mod client;
mod snapshot;

pub use client::ControlClient;
use snapshot::state;

use crate::model::*;
use crate::state::*;
use crate::wire::codec::{now_ms, percent_decode};
use crate::wire::imaging::Blob;
use crate::wire::{self, Req, Resp};

#[derive(Deserialize)]
struct Enabled {
    enabled: bool,
}

#[derive(Deserialize)]
struct ExpireBody {
    #[serde(default)]
    refresh: bool,
}

#[derive(Serialize, Deserialize)]
struct ConsentBody {
    upn: String,
    #[serde(default)]
    scopes: Vec<String>,
}

#[derive(Serialize, Deserialize)]
struct LatencyBody {
    ms: u64,
}

#[derive(Serialize, Deserialize)]
struct FolderBody {
    name: String,
}

#[derive(Serialize, Deserialize)]
struct TokenBody {
    upn: String,
    scope: String,
}

#[derive(Serialize, Deserialize)]
struct UserFieldBody {
    upn: String,
    field: String,
    value: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct ProfilePropertyBody {
    upn: String,
    name: String,
    value: String,
}

#[derive(Serialize, Deserialize)]
struct TamperBody {
    kind: IdTokenTamper,
}

#[derive(Serialize, Deserialize)]
struct SkewBody {
    secs: i64,
}

/// Sets one Graph property of a user; `None` is JSON `null`.
fn set_user_field(u: &mut User, field: &str, value: Option<String>) -> Result<(), String> {
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

fn parse<T: DeserializeOwned>(req: &Req) -> Result<T, Resp> {
    let body: &[u8] = if req.body.is_empty() {
        b"{}"
    } else {
        &req.body
    };
    serde_json::from_slice(body)
        .map_err(|e| wire::json(StatusCode::BAD_REQUEST, &json!({"error": e.to_string()})))
}

fn ok() -> Resp {
    wire::json(StatusCode::OK, &json!({"ok": true}))
}

fn not_found(what: &str) -> Resp {
    wire::json(
        StatusCode::NOT_FOUND,
        &json!({"error": format!("not found: {what}")}),
    )
}

/// The control API's router (`control.localhost`, not logged, no pipeline).
pub fn router() -> Router<Arc<Shared>> {
    Router::new().fallback(
        |axum::extract::State(shared): axum::extract::State<Arc<Shared>>, req: Req| async move {
            handle(&shared, req).await
        },
    )
}

pub async fn handle(shared: &Arc<Shared>, req: Req) -> Resp {
    let path = req.path.trim_end_matches('/').to_string();
    let q = req.query_map();
    let m = req.method.clone();
    let mut r = match (m.clone(), path.as_str()) {
        (Method::OPTIONS, _) => wire::empty(StatusCode::NO_CONTENT),
        (Method::GET, "/control/health") => ok(),
        (Method::POST, "/control/reset") => {
            reset(shared, SeedOptions::default());
            ok()
        }
        (Method::POST, "/control/seed") => match parse::<SeedOptions>(&req) {
            Ok(o) => {
                reset(shared, o);
                ok()
            }
            Err(r) => r,
        },
        (Method::GET, "/control/faults") => {
            let f: Vec<Value> = shared
                .lock()
                .faults
                .iter()
                .map(|f| json!({"rule": f.rule, "matched": f.matched, "fired": f.fired}))
                .collect();
            wire::json(StatusCode::OK, &json!(f))
        }
        (Method::POST, "/control/faults") => match parse::<FaultRule>(&req) {
            Ok(rule) => {
                shared.lock().faults.push(FaultState {
                    rule,
                    matched: 0,
                    fired: 0,
                });
                ok()
            }
            Err(r) => r,
        },
        (Method::DELETE, "/control/faults") => {
            shared.lock().faults.clear();
            ok()
        }
        (Method::GET, "/control/limits") => {
            wire::json(StatusCode::OK, &json!(shared.lock().limits))
        }
        (Method::POST, "/control/limits") => match parse::<Limits>(&req) {
            Ok(l) => {
                let mut inner = shared.lock();
                inner.limits = l;
                inner.sp_window.clear();
                inner.graph_window.clear();
                ok()
            }
            Err(r) => r,
        },
        (Method::POST, "/control/token-lifetimes") => match parse::<TokenLifetimes>(&req) {
            Ok(l) => {
                shared.lock().lifetimes = l;
                ok()
            }
            Err(r) => r,
        },
        (Method::POST, "/control/expire-tokens") => match parse::<ExpireBody>(&req) {
            Ok(b) => {
                let mut inner = shared.lock();
                inner.access_cutoff = inner.token_serial;
                if b.refresh {
                    let now = now_ms();
                    for rt in inner.refresh_tokens.values_mut() {
                        rt.expires_ms = rt.expires_ms.min(now);
                    }
                }
                ok()
            }
            Err(r) => r,
        },
        (Method::POST, "/control/app-config") => match parse::<AppConfig>(&req) {
            Ok(c) => {
                shared.lock().app_config = c;
                ok()
            }
            Err(r) => r,
        },
        (Method::GET, "/control/app-config") => wire::json(
            StatusCode::OK,
            &crate::services::app::generated_config(shared),
        ),
        (Method::GET, "/control/registration") => {
            wire::json(StatusCode::OK, &json!(shared.lock().registration))
        }
        (Method::POST, "/control/registration") => match parse::<Registration>(&req) {
            Ok(reg) => {
                shared.lock().registration = reg;
                ok()
            }
            Err(r) => r,
        },
        (Method::POST, "/control/admin-refusal") => match parse::<Enabled>(&req) {
            Ok(e) => {
                shared.lock().admin_refusal = e.enabled;
                ok()
            }
            Err(r) => r,
        },
        (Method::POST, "/control/expose-retry-after") => match parse::<Enabled>(&req) {
            Ok(e) => {
                shared.lock().expose_retry_after = e.enabled;
                ok()
            }
            Err(r) => r,
        },
        (Method::POST, "/control/consent") => match parse::<ConsentBody>(&req) {
            Ok(b) => match crate::services::identity::grant_consent(shared, &b.upn, &b.scopes) {
                Ok(()) => ok(),
                Err(e) => wire::json(StatusCode::BAD_REQUEST, &json!({"error": e})),
            },
            Err(r) => r,
        },
        (Method::POST, "/control/consent/revoke") => match parse::<ConsentBody>(&req) {
            Ok(b) => {
                shared
                    .lock()
                    .tenant
                    .consents
                    .remove(&b.upn.to_ascii_lowercase());
                ok()
            }
            Err(r) => r,
        },
        (Method::GET, "/control/state") => {
            let sh = shared.clone();
            let st = tokio::task::spawn_blocking(move || state(&sh)).await;
            match st {
                Ok(s) => wire::json(StatusCode::OK, &json!(s)),
                Err(e) => wire::json(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    &json!({"error": e.to_string()}),
                ),
            }
        }
        (Method::GET, "/control/file") => {
            let p = q.get("path").cloned().unwrap_or_default();
            let p = percent_decode(&p);
            let f = shared.lock().tenant.files.get(&p).cloned();
            match f {
                Some(f) => {
                    let b = tokio::task::spawn_blocking(move || f.blob.get()).await.ok();
                    match b {
                        Some(b) => {
                            wire::with_type(StatusCode::OK, &b.content_type, b.bytes.clone())
                        }
                        None => not_found(&p),
                    }
                }
                None => not_found(&p),
            }
        }
        (Method::GET, "/control/exchange-photo") => {
            let upn = q.get("upn").cloned().unwrap_or_default();
            let photo = shared
                .lock()
                .tenant
                .user(&upn)
                .and_then(|u| u.exchange_photo.clone());
            match photo {
                Some(p) => {
                    let b = tokio::task::spawn_blocking(move || p.blob.get()).await.ok();
                    match b {
                        Some(b) => {
                            wire::with_type(StatusCode::OK, &b.content_type, b.bytes.clone())
                        }
                        None => not_found(&upn),
                    }
                }
                None => not_found(&upn),
            }
        }
        (Method::PUT, "/control/exchange-photo") | (Method::POST, "/control/exchange-photo") => {
            let upn = q.get("upn").cloned().unwrap_or_default();
            let ct = q
                .get("content_type")
                .cloned()
                .unwrap_or_else(|| crate::wire::imaging::content_type_of(&req.body).to_string());
            let body = req.body.clone();
            let blob = tokio::task::spawn_blocking(move || Blob::new(body, &ct))
                .await
                .expect("blob");
            let mut inner = shared.lock();
            match inner.tenant.user_mut(&upn) {
                Some(u) => {
                    u.exchange_photo = Some(ExchangePhoto {
                        blob: BlobRef::Ready(Arc::new(blob)),
                        modified_ms: now_ms(),
                    });
                    ok()
                }
                None => not_found(&upn),
            }
        }
        (Method::DELETE, "/control/exchange-photo") => {
            let upn = q.get("upn").cloned().unwrap_or_default();
            let mut inner = shared.lock();
            match inner.tenant.user_mut(&upn) {
                Some(u) => {
                    u.exchange_photo = None;
                    ok()
                }
                None => not_found(&upn),
            }
        }
        (Method::GET, "/control/log") => wire::json(StatusCode::OK, &json!(shared.lock().log)),
        (Method::DELETE, "/control/log") => {
            shared.lock().log.clear();
            ok()
        }
        (Method::PUT, "/control/intranet-page") | (Method::POST, "/control/intranet-page") => {
            shared.lock().intranet_html = Some(String::from_utf8_lossy(&req.body).into_owned());
            ok()
        }
        (Method::DELETE, "/control/intranet-page") => {
            shared.lock().intranet_html = None;
            ok()
        }
        (Method::POST, "/control/latency") => match parse::<LatencyBody>(&req) {
            Ok(b) => {
                shared.lock().latency_ms = b.ms;
                ok()
            }
            Err(r) => r,
        },
        (Method::POST, "/control/photo-folder") => match parse::<FolderBody>(&req) {
            Ok(b) => {
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
                let old_url = format!("{my}{}", crate::wire::codec::encode_path(&old));
                let new_url = format!("{my}{}", crate::wire::codec::encode_path(&new));
                for props in inner.tenant.profiles.values_mut() {
                    if let Some(v) = props.get_mut("PictureURL") {
                        *v = v.replace(&old_url, &new_url);
                    }
                }
                ok()
            }
            Err(r) => r,
        },
        (Method::POST, "/control/user-field") => match parse::<UserFieldBody>(&req) {
            Ok(b) => {
                let mut inner = shared.lock();
                match inner.tenant.user_mut(&b.upn) {
                    Some(u) => match set_user_field(u, &b.field, b.value) {
                        Ok(()) => ok(),
                        Err(e) => wire::json(StatusCode::BAD_REQUEST, &json!({"error": e})),
                    },
                    None => not_found(&b.upn),
                }
            }
            Err(r) => r,
        },
        (Method::POST, "/control/profile-property") => match parse::<ProfilePropertyBody>(&req) {
            Ok(b) => {
                let mut inner = shared.lock();
                match inner.tenant.user(&b.upn).map(|u| u.upn.clone()) {
                    Some(upn) => {
                        inner
                            .tenant
                            .profiles
                            .entry(upn)
                            .or_default()
                            .insert(b.name, b.value);
                        ok()
                    }
                    None => not_found(&b.upn),
                }
            }
            Err(r) => r,
        },
        (Method::POST, "/control/tamper-id-token") => match parse::<TamperBody>(&req) {
            Ok(b) => {
                shared.lock().id_token_tamper = Some(b.kind);
                ok()
            }
            Err(r) => r,
        },
        (Method::POST, "/control/clock-skew") => match parse::<SkewBody>(&req) {
            Ok(b) => {
                shared.lock().clock_skew_secs = b.secs;
                ok()
            }
            Err(r) => r,
        },
        (Method::POST, "/control/sharepoint-stale-reads") => match parse::<Enabled>(&req) {
            Ok(e) => {
                let mut inner = shared.lock();
                inner.stale_view = match (e.enabled, inner.stale_view.take()) {
                    (false, _) => None,
                    (true, Some(view)) => Some(view),
                    (true, None) => Some(SharePointView {
                        files: inner.tenant.files.clone(),
                        profiles: inner.tenant.profiles.clone(),
                    }),
                };
                ok()
            }
            Err(r) => r,
        },
        (Method::POST, "/control/production-headers") => match parse::<Enabled>(&req) {
            Ok(e) => {
                shared.lock().production_headers = e.enabled;
                ok()
            }
            Err(r) => r,
        },
        (Method::POST, "/control/token") => match parse::<TokenBody>(&req) {
            Ok(b) => match crate::services::identity::mint_for(shared, &b.upn, &b.scope) {
                Ok(t) => wire::json(StatusCode::OK, &json!(t)),
                Err(e) => wire::json(StatusCode::BAD_REQUEST, &json!({"error": e})),
            },
            Err(r) => r,
        },
        _ => not_found(&format!("{m} {path}")),
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

/// Puts everything back as it was at start, with the given seed.
pub fn reset(shared: &Shared, seed: SeedOptions) {
    let fresh = Inner::new(shared.port, &seed, shared.initial_latency_ms);
    *shared.lock() = fresh;
}
