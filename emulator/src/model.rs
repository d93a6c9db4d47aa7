//! Public, serialisable types of the control API: what tests send and what they read back.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Which tenant to load.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Seed {
    /// The demo tenant `contoso.onmicrosoft.com` (see README).
    #[default]
    Demo,
}

/// Body of `POST /control/seed`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SeedOptions {
    pub seed: Seed,
    /// Extra generated users `user001@…`, `user002@…` (for bulk runs and benchmarks).
    /// Every fourth is in sync, every fifth has no photo, the rest are out of sync.
    pub extra_users: u32,
}

/// Everything tests assert on: users, SharePoint files, profile properties.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub tenant_id: String,
    pub tenant_domain: String,
    pub users: Vec<UserState>,
    pub files: Vec<FileState>,
    /// upn → property → value (the SharePoint user profile).
    pub profiles: BTreeMap<String, BTreeMap<String, String>>,
}

impl State {
    pub fn user(&self, upn_or_prefix: &str) -> Option<&UserState> {
        self.users.iter().find(|u| {
            u.upn.eq_ignore_ascii_case(upn_or_prefix)
                || u.upn
                    .split('@')
                    .next()
                    .is_some_and(|p| p.eq_ignore_ascii_case(upn_or_prefix))
        })
    }

    pub fn profile(&self, upn: &str) -> Option<&BTreeMap<String, String>> {
        let upn = self.user(upn).map(|u| u.upn.clone())?;
        self.profiles.get(&upn)
    }

    pub fn file(&self, path: &str) -> Option<&FileState> {
        self.files.iter().find(|f| f.path == path)
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserState {
    pub upn: String,
    pub oid: String,
    pub display_name: String,
    pub mail: Option<String>,
    pub mailbox: bool,
    pub is_admin: bool,
    pub exchange_photo: Option<PhotoState>,
    /// The etag of the Exchange photo the SharePoint picture was made from, when the picture that
    /// `PictureURL` points to looks like (a resized copy of) the current Exchange photo.
    pub sharepoint_source_etag: Option<String>,
    /// SharePoint shows the same picture as Exchange: `PictureURL` names an existing file that
    /// matches the current Exchange photo and the placeholder state is 0. A user with neither an
    /// Exchange photo nor a SharePoint picture is also in sync.
    pub in_sync: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotoState {
    pub sha256: String,
    pub width: u32,
    pub height: u32,
    pub content_type: String,
    pub bytes_len: u64,
    /// As Graph shows it in `@odata.mediaEtag`, e.g. `W/"0123…"`.
    pub etag: String,
    pub modified_ms: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileState {
    /// `contoso-my.localhost`
    pub host: String,
    /// Server-relative, decoded: `/User Photos/Profile Pictures/<oid>_MThumb.jpg`
    pub path: String,
    /// 0 when the bytes are not a decodable image.
    pub width: u32,
    pub height: u32,
    pub sha256: String,
    pub bytes_len: u64,
    pub content_type: String,
    pub modified_ms: u64,
}

/// One request as the emulator saw it (control requests are not logged).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct LogEntry {
    pub seq: u64,
    pub method: String,
    /// Host name without the port, e.g. `graph.localhost`.
    pub host: String,
    /// `http://graph.localhost:PORT`
    pub origin: String,
    /// Values of `code`, `refresh_token`, `access_token`, `id_token`, `code_verifier` and
    /// `client_secret` in the query are replaced by `REDACTED`.
    pub path_and_query: String,
    pub status: u16,
    pub has_authorization: bool,
    /// `aud` of the bearer token, if any (read without validation).
    pub authorization_aud: Option<String>,
    /// `upn` of the bearer token, if any.
    pub authorization_upn: Option<String>,
    /// The request's `Origin` header.
    pub origin_header: Option<String>,
    /// Milliseconds since the emulator started.
    pub started_ms: u64,
    pub duration_ms: u64,
    pub request_bytes: u64,
    /// Response body size when known up front.
    pub response_bytes: Option<u64>,
    /// `fault`, `throttled` or `dropped` when the emulator injected the answer.
    pub injected: Option<String>,
    /// Set for the parts of a Graph `$batch`: the `seq` of the batch request.
    pub batch_of: Option<u64>,
    /// Token endpoint form fields of interest (never the secrets).
    pub grant_type: Option<String>,
    pub scope: Option<String>,
    pub client_id: Option<String>,
    /// Authorize requests: the `code_challenge_method` query parameter.
    pub code_challenge_method: Option<String>,
    /// Token requests: whether a `code_verifier` was sent.
    pub has_code_verifier: bool,
}

/// What an injected fault does.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum FaultKind {
    /// Answer `status` (with `Retry-After` when set) and an error body in the service's shape.
    #[default]
    Status,
    /// Close the connection without an answer.
    DropConnection,
    /// Answer normally, but trickle the body out over `ms` milliseconds.
    SlowBody { ms: u64 },
    /// Answer normally after `latency_ms`.
    Delay,
    /// Answer `302 Found` with this `Location` (e.g. a cross-origin redirect from Graph or
    /// SharePoint) instead of the service's answer.
    Redirect { location: String },
    /// Answer `status` with exactly this body and `Content-Type` (malformed JSON from the token
    /// endpoint, an HTML error page from a proxy, …). CORS headers are added as usual.
    Body { content_type: String, body: String },
    /// Run the real handler (its writes happen) and then close the connection without sending
    /// the answer: the answer is lost, the effect is not.
    DropAfterHandling,
}

/// A fault injection rule. Every field that is set must match.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FaultRule {
    /// `graph`, `login`, `contoso-my`, … (the first label of the host) or the full host name.
    pub host: Option<String>,
    pub path_contains: Option<String>,
    /// `GET`, `POST`, … Preflights (`OPTIONS`) are only matched when named here.
    pub method: Option<String>,
    pub status: u16,
    pub retry_after_secs: Option<u64>,
    /// Skip this many matching calls before the rule starts to fire ("fail the n-th call").
    pub skip: u32,
    /// Fire for the next N matching calls only (None = forever).
    pub times: Option<u32>,
    /// Fire for this fraction of matching calls (deterministic pseudo-random).
    pub fraction: Option<f64>,
    pub kind: FaultKind,
    /// Extra latency before the fault (or, with `Delay`, before the normal answer).
    pub latency_ms: Option<u64>,
}

impl Default for FaultRule {
    fn default() -> Self {
        FaultRule {
            host: None,
            path_contains: None,
            method: None,
            status: 503,
            retry_after_secs: None,
            skip: 0,
            times: None,
            fraction: None,
            kind: FaultKind::Status,
            latency_ms: None,
        }
    }
}

/// Throttling models. All off by default.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Limits {
    /// Outlook photo APIs (`…/photo…` on Graph): concurrent requests per app; more → 429.
    pub outlook_concurrency: Option<u32>,
    /// `Retry-After` for the Outlook concurrency 429.
    pub outlook_retry_after_secs: u64,
    /// Simulated server time of a Graph photo request (holds its concurrency slot).
    pub photo_service_ms: u64,
    /// SharePoint resource units per app per minute (sliding window); over → 429.
    pub sharepoint_units_per_minute: Option<u32>,
    pub sharepoint_read_units: u32,
    pub sharepoint_write_units: u32,
    /// Graph requests per app per second (sliding window over 1 s, all paths); over → 429.
    pub graph_requests_per_second: Option<u32>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            outlook_concurrency: None,
            outlook_retry_after_secs: 1,
            photo_service_ms: 0,
            sharepoint_units_per_minute: None,
            sharepoint_read_units: 1,
            sharepoint_write_units: 2,
            graph_requests_per_second: None,
        }
    }
}

impl Limits {
    /// The real services' documented limits: 4 concurrent Outlook photo calls per app and a
    /// SharePoint budget of 1,200 resource units per minute.
    pub fn realistic() -> Self {
        Limits {
            outlook_concurrency: Some(4),
            sharepoint_units_per_minute: Some(1200),
            ..Limits::default()
        }
    }
}

/// The app registration the identity platform checks requests against.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registration {
    pub client_id: String,
    pub display_name: String,
    pub spa_redirect_uris: Vec<String>,
    pub web_redirect_uris: Vec<String>,
    /// Configured API permissions, as scope strings (`User.Read`,
    /// `http://contoso-my.localhost:PORT/User.ReadWrite.All`): what `<resource>/.default` asks
    /// for.
    #[serde(default)]
    pub api_permissions: Vec<String>,
    /// Permissions an administrator granted for the whole tenant ("Grant admin consent for
    /// Contoso" in Entra ID, or the admin consent endpoint), as scope strings: every user has
    /// them without a consent screen. A grant for one SharePoint host is a grant for the
    /// SharePoint resource, so it counts on every SharePoint host, as in Entra ID, where
    /// consent is per resource application and the host only picks the token's audience.
    #[serde(default)]
    pub admin_consented: Vec<String>,
}

/// What the emulator assumes where Microsoft documents nothing about which SharePoint
/// permissions reach what (see the README's permission table). Both off by default: profile
/// and site content are separate permission areas.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SharePointScopeRules {
    /// Site permissions (`AllSites.*`) also read user profiles (`GetMyProperties`, …).
    pub site_scopes_read_profiles: bool,
    /// Profile permissions (`User.Read.All`, `User.ReadWrite.All`) also read site content
    /// (the `User Photos` files, `userphoto.aspx`, the web).
    pub profile_scopes_read_files: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenLifetimes {
    pub access_secs: u64,
    /// Absolute lifetime of SPA refresh tokens, counted from the sign-in.
    pub refresh_secs: u64,
}

impl Default for TokenLifetimes {
    fn default() -> Self {
        TokenLifetimes {
            access_secs: 3600,
            refresh_secs: 86_400,
        }
    }
}

/// What `app.localhost/config.json` serves.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "lowercase")]
pub enum AppConfig {
    /// The generated config pointing at this emulator.
    #[default]
    Generated,
    /// This text, verbatim, as `application/json`.
    Raw { text: String },
    /// 404.
    Missing,
}

/// A token minted through the control API, bypassing sign-in and consent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MintedToken {
    pub access_token: String,
    pub scope: String,
    pub expires_in: u64,
}

/// How `tamper_next_id_token` spoils the next ID token the identity platform issues (the token is
/// still properly signed: only the claim is wrong).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IdTokenTamper {
    /// `nonce` is not the one the app sent to the authorize endpoint.
    Nonce,
    /// `aud` is another application's client id.
    Aud,
    /// `iss` names another tenant.
    Iss,
}
