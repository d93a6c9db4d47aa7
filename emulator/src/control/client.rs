//! `ControlClient`: the typed client of the control API, one method per endpoint.

use std::net::SocketAddr;

use anyhow::{bail, Context as _};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

use crate::model::*;

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

    /// Like `reset`, with seed options (e.g. extra users, or a generated tenant).
    pub async fn seed(&self, opts: SeedOptions) -> anyhow::Result<()> {
        self.post("seed", &opts).await
    }

    pub async fn set_fault(&self, rule: FaultRule) -> anyhow::Result<()> {
        self.post("faults", &rule).await
    }

    pub async fn clear_faults(&self) -> anyhow::Result<()> {
        self.delete("faults").await
    }

    /// These limits, exactly (fields left at `Limits::default()` are off).
    pub async fn set_limits(&self, limits: Limits) -> anyhow::Result<()> {
        self.post("limits", &limits).await
    }

    /// The limits in force.
    pub async fn limits(&self) -> anyhow::Result<Limits> {
        self.get("limits").await
    }

    /// The documented limits (`Limits::documented`) for a licence count (`None`: the tenant's
    /// licensed users), windows scaled; returns the limits now in force.
    pub async fn set_documented_limits(&self, d: DocumentedLimits) -> anyhow::Result<Limits> {
        let r = self
            .send(
                self.http
                    .post(format!("{}/limits/documented", self.base))
                    .json(&d),
            )
            .await?;
        Ok(r.json().await?)
    }

    /// Like `reset`, with a generated tenant of any size instead of the demo tenant.
    pub async fn generate_tenant(&self, tenant: GeneratedTenant) -> anyhow::Result<()> {
        self.seed(SeedOptions {
            generated: Some(tenant),
            ..SeedOptions::default()
        })
        .await
    }

    /// What an audit of the tenant should find, user by user, as the tenant is now.
    pub async fn truth(&self) -> anyhow::Result<TenantTruth> {
        self.get("tenant/truth").await
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

    /// On (default): SetSingleValueProfileProperty for another user answers 403 "managing your
    /// own data"; off: callers with the SharePoint admin role may.
    pub async fn set_admin_refusal(&self, enabled: bool) -> anyhow::Result<()> {
        self.post("admin-refusal", &json!({"enabled": enabled}))
            .await
    }

    /// Whether Graph's and SharePoint's CORS answers expose `Retry-After` to scripts.
    pub async fn set_expose_retry_after(&self, enabled: bool) -> anyhow::Result<()> {
        self.post("expose-retry-after", &json!({"enabled": enabled}))
            .await
    }

    /// `Access-Control-Max-Age` on Graph's and SharePoint's preflight answers: `None` (the
    /// default) sends none, and browsers keep a preflight 5 s (the Fetch standard's default).
    pub async fn set_preflight_max_age(&self, seconds: Option<u32>) -> anyhow::Result<()> {
        self.post("preflight-max-age", &json!({"seconds": seconds}))
            .await
    }

    /// The tenant's admin consent becomes exactly `scopes` (as in a `scope` parameter:
    /// `http://contoso-my.localhost:PORT/User.ReadWrite.All`, …), as when an administrator
    /// grants or revokes admin consent in Entra ID. Every user has these without a consent
    /// screen; on a SharePoint host they count for every SharePoint host.
    pub async fn set_admin_consent(&self, scopes: &[&str]) -> anyhow::Result<()> {
        self.post("admin-consent", &json!({"scopes": scopes})).await
    }

    /// Which SharePoint permissions reach what where Microsoft does not say (both off by
    /// default: profiles and site content are separate permission areas).
    pub async fn set_sharepoint_scope_rules(
        &self,
        rules: SharePointScopeRules,
    ) -> anyhow::Result<()> {
        self.post("sharepoint-scope-rules", &rules).await
    }

    /// One user's own consent (as on the consent screen); scopes as in a `scope` parameter:
    /// `User.Read`, `http://contoso-my.localhost:PORT/AllSites.Read`, …
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

    /// Every message Graph's `sendMail` accepted (since the start, `reset` or `clear_mail`),
    /// oldest first.
    pub async fn sent_mail(&self) -> anyhow::Result<Vec<SentMail>> {
        self.get("mail").await
    }

    /// Empties the mailbox of sent messages (Exchange's sending windows go on counting).
    pub async fn clear_mail(&self) -> anyhow::Result<()> {
        self.delete("mail").await
    }

    /// The site collection administrators of the My Site host `host` (`contoso-my` or
    /// `contoso-eu-my`) become exactly `upns`: only they may write other users' files in its
    /// `User Photos` library. Nobody is one at start.
    pub async fn set_site_collection_admins(
        &self,
        host: &str,
        upns: &[&str],
    ) -> anyhow::Result<()> {
        self.post(
            "site-collection-admins",
            &SiteCollectionAdmins {
                host: host.to_string(),
                users: upns.iter().map(|u| u.to_string()).collect(),
            },
        )
        .await
    }

    /// Every My Site host (`contoso-my`, `contoso-eu-my`) with its site collection
    /// administrators' UPNs.
    pub async fn site_collection_admins(
        &self,
    ) -> anyhow::Result<std::collections::BTreeMap<String, Vec<String>>> {
        self.get("site-collection-admins").await
    }

    /// The fault rules with how often each matched and fired.
    pub async fn faults(&self) -> anyhow::Result<Value> {
        self.get("faults").await
    }
}
