//! The emulator's mutable state: the tenant (see `tenant`) and the runtime (sessions, codes,
//! tokens, faults, limits, switches, log), behind one lock in `Shared`.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

use super::budget::{Budget, BudgetKind, Rolling};
use super::tenant::*;
use super::{generated, seed};
use crate::model::*;
use crate::wire::codec::SplitMix;
use crate::wire::jwt::Keys;

/// The accounts signed in to one browser (the `ESTSAUTH` cookie).
#[derive(Clone, Debug, Default)]
pub struct Session {
    pub accounts: Vec<String>,
}

/// An authorize request waiting for the user (sign-in or consent page).
#[derive(Clone, Debug)]
pub struct AuthRequest {
    pub tenant: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: String,
    pub response_mode: String,
    pub prompt: Option<String>,
    pub login_hint: Option<String>,
    pub client_info: bool,
    pub created_ms: u64,
    pub upn: Option<String>,
}

#[derive(Clone, Debug)]
pub struct AuthCode {
    pub req: AuthRequest,
    pub upn: String,
    pub expires_ms: u64,
    pub redeemed: bool,
}

#[derive(Clone, Debug)]
pub struct RefreshToken {
    pub upn: String,
    pub client_id: String,
    /// When the sign-in that started this chain happened.
    pub signed_in_ms: u64,
    /// Absolute expiry (SPA refresh tokens do not slide).
    pub expires_ms: u64,
    /// The scopes of the request that issued it (used when a refresh names none).
    pub scope: String,
    pub client_info: bool,
}

#[derive(Clone, Debug)]
pub struct FaultState {
    pub rule: FaultRule,
    pub matched: u32,
    pub fired: u32,
}

pub struct Inner {
    pub tenant: Tenant,
    pub registration: Registration,
    pub lifetimes: TokenLifetimes,
    /// Access tokens with a serial (`uti`) at or below this are treated as expired.
    pub access_cutoff: u64,
    pub token_serial: u64,
    pub sessions: HashMap<String, Session>,
    pub pending: HashMap<String, AuthRequest>,
    pub codes: HashMap<String, AuthCode>,
    pub refresh_tokens: HashMap<String, RefreshToken>,
    pub faults: Vec<FaultState>,
    pub limits: Limits,
    /// Outlook requests in flight, by app (or app and mailbox, as the limits say).
    pub outlook_inflight: HashMap<String, u32>,
    /// The throttling windows of the limits, by limit and key (app, user, mailbox, tenant).
    pub budgets: HashMap<(BudgetKind, String), Budget>,
    /// The rolling windows of the limits (Exchange Online's sending limits), by limit and key.
    pub rolling: HashMap<(BudgetKind, String), Rolling>,
    pub graph_window: HashMap<String, VecDeque<u64>>,
    pub rng: SplitMix,
    pub app_config: AppConfig,
    pub admin_refusal: bool,
    pub expose_retry_after: bool,
    /// `Access-Control-Max-Age` on Graph's and SharePoint's preflight answers (None: absent).
    pub preflight_max_age: Option<u32>,
    pub intranet_html: Option<String>,
    pub latency_ms: u64,
    pub log: Vec<LogEntry>,
    pub last_picture_ts: u64,
    pub photo_folder: String,
    /// The next ID token gets this wrong claim (then the switch clears itself).
    pub id_token_tamper: Option<IdTokenTamper>,
    /// How far the services' clock is ahead of the real one (negative: behind): shifts the
    /// `iat`/`nbf`/`exp` of issued tokens and the time resource servers validate them against.
    pub clock_skew_secs: i64,
    /// While set, SharePoint's reads (profiles, files, thumbnails) answer from this snapshot,
    /// taken when stale reads were switched on, whatever is written since.
    pub stale_view: Option<SharePointView>,
    /// Send the deployment guide's security headers with the app's files (on by default).
    pub production_headers: bool,
    /// Which SharePoint permissions reach what, where Microsoft does not say.
    pub sharepoint_scope_rules: SharePointScopeRules,
    /// Every message Graph's `sendMail` accepted, oldest first.
    pub sent_mail: Vec<SentMail>,
    /// The `seq` of the last message accepted.
    pub mail_seq: u64,
    /// The site collection administrators of each geo's My Site host (lower-case UPNs): who may
    /// write other users' files in its `User Photos` library. Nobody at start.
    pub site_collection_admins: HashMap<Geo, BTreeSet<String>>,
}

/// What SharePoint's reads see: its files and its user profiles.
#[derive(Clone, Debug, Default)]
pub struct SharePointView {
    pub files: BTreeMap<String, StoredFile>,
    pub profiles: BTreeMap<String, BTreeMap<String, String>>,
}

/// The limits the emulator starts with, and goes back to on reset and seed.
#[derive(Clone, Debug, PartialEq)]
pub enum StartLimits {
    /// The documented limits for `licenses` (`None`: the tenant's licensed users), every window
    /// `window_scale` times as long.
    Documented {
        licenses: Option<u32>,
        window_scale: f64,
    },
    /// These limits.
    Fixed(Limits),
}

impl Default for StartLimits {
    fn default() -> Self {
        StartLimits::Documented {
            licenses: None,
            window_scale: 1.0,
        }
    }
}

impl StartLimits {
    pub fn for_tenant(&self, tenant: &Tenant) -> Limits {
        match self {
            StartLimits::Documented {
                licenses,
                window_scale,
            } => Limits::documented(licenses.unwrap_or_else(|| tenant.licenses()))
                .with_window_scale(*window_scale),
            StartLimits::Fixed(l) => l.clone(),
        }
    }
}

impl Inner {
    pub fn new(port: u16, seed: &SeedOptions, latency_ms: u64, limits: &StartLimits) -> Inner {
        let tenant = match &seed.generated {
            Some(g) => generated::tenant(port, g),
            None => seed::tenant(port, seed),
        };
        Inner {
            limits: limits.for_tenant(&tenant),
            tenant,
            registration: default_registration(port),
            lifetimes: TokenLifetimes::default(),
            access_cutoff: 0,
            token_serial: 0,
            sessions: HashMap::new(),
            pending: HashMap::new(),
            codes: HashMap::new(),
            refresh_tokens: HashMap::new(),
            faults: Vec::new(),
            outlook_inflight: HashMap::new(),
            budgets: HashMap::new(),
            rolling: HashMap::new(),
            graph_window: HashMap::new(),
            rng: SplitMix(0x5eed),
            app_config: AppConfig::Generated,
            admin_refusal: true,
            expose_retry_after: false,
            preflight_max_age: None,
            intranet_html: None,
            latency_ms,
            log: Vec::new(),
            last_picture_ts: 0,
            photo_folder: DEFAULT_PHOTO_FOLDER.to_string(),
            id_token_tamper: None,
            clock_skew_secs: 0,
            stale_view: None,
            production_headers: true,
            sharepoint_scope_rules: SharePointScopeRules::default(),
            sent_mail: Vec::new(),
            mail_seq: 0,
            site_collection_admins: HashMap::new(),
        }
    }

    /// Whether `upn` is a site collection administrator of the My Site host of `geo`.
    pub fn is_site_collection_admin(&self, geo: Geo, upn: &str) -> bool {
        self.site_collection_admins
            .get(&geo)
            .is_some_and(|admins| admins.contains(&upn.to_ascii_lowercase()))
    }

    /// Forgets every throttling window (new limits start with empty ones).
    pub fn clear_windows(&mut self) {
        self.budgets.clear();
        self.rolling.clear();
        self.graph_window.clear();
    }

    /// The files SharePoint's reads see (the stale snapshot while stale reads are on).
    pub fn read_files(&self) -> &BTreeMap<String, StoredFile> {
        match &self.stale_view {
            Some(v) => &v.files,
            None => &self.tenant.files,
        }
    }

    /// The user profiles SharePoint's reads see (the stale snapshot while stale reads are on).
    pub fn read_profiles(&self) -> &BTreeMap<String, BTreeMap<String, String>> {
        match &self.stale_view {
            Some(v) => &v.profiles,
            None => &self.tenant.profiles,
        }
    }

    /// Seconds since the epoch on the services' clock (the real clock plus the control skew).
    pub fn clock_secs(&self) -> u64 {
        crate::wire::codec::now_secs().saturating_add_signed(self.clock_skew_secs)
    }

    /// Server-relative folder of profile pictures, e.g. `/User Photos/Profile Pictures`.
    pub fn photo_folder_path(&self) -> String {
        format!("{}/{}", PHOTO_LIBRARY, self.photo_folder)
    }

    /// A picture timestamp that is strictly greater than every one handed out before.
    pub fn next_picture_ts(&mut self) -> u64 {
        let now = crate::wire::codec::now_secs();
        let ts = now.max(self.last_picture_ts + 1);
        self.last_picture_ts = ts;
        ts
    }
}

pub fn default_registration(port: u16) -> Registration {
    Registration {
        client_id: DEMO_CLIENT_ID.to_string(),
        display_name: APP_DISPLAY_NAME.to_string(),
        spa_redirect_uris: vec![
            format!("http://app.localhost:{port}/"),
            format!("http://app.localhost:{port}/index.html"),
        ],
        web_redirect_uris: vec![],
        api_permissions: vec![
            "User.Read".to_string(),
            "User.ReadBasic.All".to_string(),
            "ProfilePhoto.Read.All".to_string(),
            "GroupMember.Read.All".to_string(),
            format!("http://contoso-my.localhost:{port}/User.ReadWrite.All"),
            format!("http://contoso-my.localhost:{port}/AllSites.Read"),
            format!("http://contoso-admin.localhost:{port}/AllSites.FullControl"),
        ],
        // The deployment guide's admin consent, for the SharePoint permissions the page asks
        // for (User.ReadWrite.All can have no other). Graph's User.Read is left to each user,
        // so that the demo still shows the consent screen on a first sign-in.
        admin_consented: vec![
            format!("http://contoso-my.localhost:{port}/User.ReadWrite.All"),
            format!("http://contoso-my.localhost:{port}/AllSites.Read"),
        ],
    }
}

/// Everything the request handlers share.
pub struct Shared {
    pub port: u16,
    pub keys: Keys,
    pub started: Instant,
    pub app_dir: Option<PathBuf>,
    pub inner: Mutex<Inner>,
    pub seq: AtomicU64,
    /// Print one line per request to stderr.
    pub log_stderr: bool,
    /// `--latency-ms` at start (restored by reset).
    pub initial_latency_ms: u64,
    /// The tenant at start (restored by reset).
    pub initial_seed: SeedOptions,
    /// How the limits are chosen at start, on reset and on seed.
    pub start_limits: StartLimits,
}

impl Shared {
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `http://{label}.localhost:PORT`
    pub fn origin(&self, label: &str) -> String {
        format!("http://{label}.localhost:{}", self.port)
    }

    /// The My Site host of the default geo.
    pub fn my_site(&self) -> String {
        self.origin("contoso-my")
    }

    /// The My Site host of a geo: `http://contoso-eu-my.localhost:PORT` for `Geo::Eur`.
    pub fn my_site_of(&self, geo: Geo) -> String {
        self.origin(geo.my_site_label())
    }

    pub fn admin_site(&self) -> String {
        self.origin("contoso-admin")
    }

    pub fn issuer(&self) -> String {
        format!("{}/{}/v2.0", self.origin("login"), TENANT_ID)
    }
}

#[cfg(test)]
impl Shared {
    /// A store with the demo seed on a made-up port, for unit tests of the layers above.
    pub fn for_tests() -> std::sync::Arc<Shared> {
        std::sync::Arc::new(Shared {
            port: 1,
            keys: Keys::demo(),
            started: Instant::now(),
            app_dir: None,
            inner: Mutex::new(Inner::new(
                1,
                &SeedOptions::default(),
                0,
                &StartLimits::default(),
            )),
            seq: AtomicU64::new(0),
            log_stderr: false,
            initial_latency_ms: 0,
            initial_seed: SeedOptions::default(),
            start_limits: StartLimits::default(),
        })
    }
}
