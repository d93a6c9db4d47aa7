//! The control API on `control.localhost` (JSON under `/control/…`) and its typed client.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{bail, Context as _};
use axum::http::{Method, StatusCode};
use axum::Router;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

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

/// `http://contoso-my.localhost:PORT/User%20Photos/…?x` → `/User Photos/…`
pub fn picture_path(shared: &Shared, url: &str) -> Option<String> {
    let rest = url.strip_prefix(&shared.my_site())?;
    let rest = rest.split(['?', '#']).next().unwrap_or("");
    Some(percent_decode(rest))
}

/// A snapshot for assertions (generates demo pictures on first use).
pub fn state(shared: &Shared) -> State {
    let (tenant, _) = {
        let inner = shared.lock();
        (inner.tenant.clone(), ())
    };
    let files: Vec<FileState> = tenant
        .files
        .iter()
        .map(|(path, f)| {
            let b = f.blob.get();
            FileState {
                host: "contoso-my.localhost".to_string(),
                path: path.clone(),
                width: b.width,
                height: b.height,
                sha256: b.sha256.clone(),
                bytes_len: b.bytes.len() as u64,
                content_type: b.content_type.clone(),
                modified_ms: f.modified_ms,
            }
        })
        .collect();
    let users = tenant
        .users
        .iter()
        .map(|u| {
            let ex = u
                .exchange_photo
                .as_ref()
                .map(|p| (p.blob.get(), p.modified_ms));
            let props = tenant.profiles.get(&u.upn);
            let pic_url = props
                .and_then(|p| p.get("PictureURL"))
                .filter(|v| !v.is_empty());
            let placeholder = props
                .and_then(|p| p.get("SPS-PicturePlaceholderState"))
                .map(String::as_str)
                .unwrap_or("1");
            let sp_blob = pic_url
                .and_then(|url| picture_path(shared, url))
                .and_then(|p| tenant.files.get(&p))
                .map(|f| f.blob.get());
            let source = match (&ex, &sp_blob) {
                (Some((e, _)), Some(s)) if s.looks_like(e) => Some(e.etag()),
                _ => None,
            };
            let in_sync = match (&ex, pic_url) {
                (None, None) => true,
                (Some(_), Some(_)) => source.is_some() && placeholder == "0",
                _ => false,
            };
            UserState {
                upn: u.upn.clone(),
                oid: u.oid.clone(),
                display_name: u.display_name.clone(),
                mail: u.mail.clone(),
                mailbox: u.mailbox,
                is_admin: u.is_admin,
                exchange_photo: ex.as_ref().map(|(b, at)| PhotoState {
                    sha256: b.sha256.clone(),
                    width: b.width,
                    height: b.height,
                    content_type: b.content_type.clone(),
                    bytes_len: b.bytes.len() as u64,
                    etag: b.etag(),
                    modified_ms: *at,
                }),
                sharepoint_source_etag: source,
                in_sync,
            }
        })
        .collect();
    State {
        tenant_id: TENANT_ID.to_string(),
        tenant_domain: TENANT_DOMAIN.to_string(),
        users,
        files,
        profiles: tenant.profiles.clone(),
    }
}

// ---------------------------------------------------------------------------------------------
// Client

/// Typed client of the control API (each method is one JSON endpoint under `/control/`).
#[derive(Clone, Debug)]
pub struct ControlClient {
    http: reqwest::Client,
    base: String,
}

impl ControlClient {
    /// A client for the emulator listening on `127.0.0.1:port`.
    pub fn new(port: u16) -> ControlClient {
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let http = reqwest::Client::builder()
            .no_proxy()
            .resolve("control.localhost", addr)
            .build()
            .expect("reqwest client");
        ControlClient {
            http,
            base: format!("http://control.localhost:{port}/control"),
        }
    }

    async fn send(&self, rb: reqwest::RequestBuilder) -> anyhow::Result<reqwest::Response> {
        let r = rb.send().await.context("control request")?;
        if !r.status().is_success() {
            let status = r.status();
            let text = r.text().await.unwrap_or_default();
            bail!("control API answered {status}: {text}");
        }
        Ok(r)
    }

    async fn post<B: Serialize + ?Sized>(&self, path: &str, body: &B) -> anyhow::Result<()> {
        self.send(self.http.post(format!("{}/{path}", self.base)).json(body))
            .await
            .map(|_| ())
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> anyhow::Result<T> {
        let r = self
            .send(self.http.get(format!("{}/{path}", self.base)))
            .await?;
        Ok(r.json().await?)
    }

    async fn delete(&self, path: &str) -> anyhow::Result<()> {
        self.send(self.http.delete(format!("{}/{path}", self.base)))
            .await
            .map(|_| ())
    }

    /// Back to the state at start: demo seed, no faults, no limits, default registration,
    /// lifetimes, config and switches; sessions, codes and tokens forgotten; log cleared.
    pub async fn reset(&self) -> anyhow::Result<()> {
        self.post("reset", &json!({})).await
    }

    /// Like `reset`, with seed options (e.g. extra users).
    pub async fn seed(&self, opts: SeedOptions) -> anyhow::Result<()> {
        self.post("seed", &opts).await
    }

    pub async fn set_fault(&self, rule: FaultRule) -> anyhow::Result<()> {
        self.post("faults", &rule).await
    }

    pub async fn clear_faults(&self) -> anyhow::Result<()> {
        self.delete("faults").await
    }

    pub async fn set_limits(&self, limits: Limits) -> anyhow::Result<()> {
        self.post("limits", &limits).await
    }

    pub async fn set_token_lifetimes(&self, lifetimes: TokenLifetimes) -> anyhow::Result<()> {
        self.post("token-lifetimes", &lifetimes).await
    }

    /// Every access token issued so far is expired from now on (refresh tokens still work).
    pub async fn expire_tokens(&self) -> anyhow::Result<()> {
        self.post("expire-tokens", &json!({"refresh": false})).await
    }

    /// Every access and refresh token issued so far is expired from now on.
    pub async fn expire_all_tokens(&self) -> anyhow::Result<()> {
        self.post("expire-tokens", &json!({"refresh": true})).await
    }

    /// `Some(text)`: serve this text as `config.json`; `None`: the generated one.
    pub async fn set_app_config(&self, raw: Option<String>) -> anyhow::Result<()> {
        let c = match raw {
            Some(text) => AppConfig::Raw { text },
            None => AppConfig::Generated,
        };
        self.post("app-config", &c).await
    }

    /// `config.json` answers 404.
    pub async fn set_app_config_missing(&self) -> anyhow::Result<()> {
        self.post("app-config", &AppConfig::Missing).await
    }

    pub async fn registration(&self) -> anyhow::Result<Registration> {
        self.get("registration").await
    }

    pub async fn set_registration(&self, reg: Registration) -> anyhow::Result<()> {
        self.post("registration", &reg).await
    }

    /// On (default): SetSingleValueProfileProperty for another user answers 403.
    pub async fn set_admin_refusal(&self, enabled: bool) -> anyhow::Result<()> {
        self.post("admin-refusal", &json!({"enabled": enabled}))
            .await
    }

    /// Whether Graph's and SharePoint's CORS answers expose `Retry-After` to scripts.
    pub async fn set_expose_retry_after(&self, enabled: bool) -> anyhow::Result<()> {
        self.post("expose-retry-after", &json!({"enabled": enabled}))
            .await
    }

    /// Scopes as in a `scope` parameter: `User.Read`,
    /// `http://contoso-my.localhost:PORT/AllSites.Write`, …
    pub async fn grant_consent(&self, upn: &str, scopes: &[&str]) -> anyhow::Result<()> {
        self.post("consent", &json!({"upn": upn, "scopes": scopes}))
            .await
    }

    /// Forgets every consent of the user.
    pub async fn revoke_consent(&self, upn: &str) -> anyhow::Result<()> {
        self.post("consent/revoke", &json!({"upn": upn})).await
    }

    pub async fn state(&self) -> anyhow::Result<State> {
        self.get("state").await
    }

    /// Bytes of a SharePoint file (`host` is ignored: all files live on the My Site host).
    pub async fn file(&self, host: &str, path: &str) -> anyhow::Result<Vec<u8>> {
        let _ = host;
        let r = self
            .send(
                self.http
                    .get(format!("{}/file", self.base))
                    .query(&[("path", path)]),
            )
            .await?;
        Ok(r.bytes().await?.to_vec())
    }

    pub async fn exchange_photo(&self, upn: &str) -> anyhow::Result<Vec<u8>> {
        let r = self
            .send(
                self.http
                    .get(format!("{}/exchange-photo", self.base))
                    .query(&[("upn", upn)]),
            )
            .await?;
        Ok(r.bytes().await?.to_vec())
    }

    /// Stores these bytes as the user's Exchange photo, as they are (may be garbage).
    pub async fn set_exchange_photo_raw(
        &self,
        upn: &str,
        bytes: Vec<u8>,
        content_type: &str,
    ) -> anyhow::Result<()> {
        self.send(
            self.http
                .put(format!("{}/exchange-photo", self.base))
                .query(&[("upn", upn), ("content_type", content_type)])
                .body(bytes),
        )
        .await
        .map(|_| ())
    }

    pub async fn remove_exchange_photo(&self, upn: &str) -> anyhow::Result<()> {
        self.send(
            self.http
                .delete(format!("{}/exchange-photo", self.base))
                .query(&[("upn", upn)]),
        )
        .await
        .map(|_| ())
    }

    pub async fn log(&self) -> anyhow::Result<Vec<LogEntry>> {
        self.get("log").await
    }

    pub async fn clear_log(&self) -> anyhow::Result<()> {
        self.delete("log").await
    }

    pub async fn set_intranet_page(&self, html: &str) -> anyhow::Result<()> {
        self.send(
            self.http
                .put(format!("{}/intranet-page", self.base))
                .body(html.to_string()),
        )
        .await
        .map(|_| ())
    }

    pub async fn reset_intranet_page(&self) -> anyhow::Result<()> {
        self.delete("intranet-page").await
    }

    /// Latency added to every request (not control requests).
    pub async fn set_latency(&self, ms: u64) -> anyhow::Result<()> {
        self.post("latency", &json!({"ms": ms})).await
    }

    /// Renames the profile pictures folder (e.g. `Profilbilder`), moving existing files.
    pub async fn set_photo_folder(&self, name: &str) -> anyhow::Result<()> {
        self.post("photo-folder", &json!({"name": name})).await
    }

    /// An access token for one resource, without sign-in or consent.
    pub async fn mint_token(&self, upn: &str, scope: &str) -> anyhow::Result<MintedToken> {
        let r = self
            .send(
                self.http
                    .post(format!("{}/token", self.base))
                    .json(&json!({"upn": upn, "scope": scope})),
            )
            .await?;
        Ok(r.json().await?)
    }

    /// Sets one of a user's Graph properties to any string: `mySite` (e.g. a host that is not
    /// the tenant's), `displayName`, `givenName`, `surname`, `mail`, `jobTitle`, `department`,
    /// `officeLocation`, `mobilePhone`, `preferredLanguage`.
    pub async fn set_user_field(&self, upn: &str, field: &str, value: &str) -> anyhow::Result<()> {
        self.post(
            "user-field",
            &json!({"upn": upn, "field": field, "value": value}),
        )
        .await
    }

    /// Sets one of a user's SharePoint profile properties to any string (`PictureURL` on a
    /// foreign host, `SPS-PicturePlaceholderState`, `SPS-PictureTimestamp`, …).
    pub async fn set_profile_property(
        &self,
        upn: &str,
        name: &str,
        value: &str,
    ) -> anyhow::Result<()> {
        self.post(
            "profile-property",
            &json!({"upn": upn, "name": name, "value": value}),
        )
        .await
    }

    /// The next ID token issued has a wrong `nonce`, `aud` or `iss` (still validly signed);
    /// the tokens after it are right again.
    pub async fn tamper_next_id_token(&self, kind: IdTokenTamper) -> anyhow::Result<()> {
        self.post("tamper-id-token", &json!({"kind": kind})).await
    }

    /// Runs the services' clock `secs` ahead of the real one (negative: behind): issued tokens'
    /// `iat`, `nbf` and `exp` shift by that much, as when the browser's clock is off.
    pub async fn set_clock_skew_secs(&self, secs: i64) -> anyhow::Result<()> {
        self.post("clock-skew", &json!({"secs": secs})).await
    }

    /// On: SharePoint still accepts writes (the state shows them) but its reads keep answering
    /// with the files and profile properties of the moment this was switched on.
    pub async fn set_sharepoint_stale_reads(&self, enabled: bool) -> anyhow::Result<()> {
        self.post("sharepoint-stale-reads", &json!({"enabled": enabled}))
            .await
    }

    /// On (default): the app's files come with the deployment guide's Content-Security-Policy
    /// (`frame-ancestors` from `embedOrigins`), `Referrer-Policy` and `X-Content-Type-Options`.
    pub async fn set_production_headers(&self, enabled: bool) -> anyhow::Result<()> {
        self.post("production-headers", &json!({"enabled": enabled}))
            .await
    }

    /// The fault rules with how often each matched and fired.
    pub async fn faults(&self) -> anyhow::Result<Value> {
        self.get("faults").await
    }
}
