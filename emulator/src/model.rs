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
    /// A generated tenant of any size instead of the demo tenant (`seed` and `extra_users` are
    /// then not read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub generated: Option<GeneratedTenant>,
}

/// A generated tenant (`m365-emulator --users N --seed S`, `ControlClient::generate_tenant`):
/// `users` accounts with a realistic mix of every audit status, disabled accounts, guests, a
/// second geo and nested groups; the same `seed` gives the same tenant. The first user is the
/// SharePoint admin `admin@contoso.onmicrosoft.com`. Pictures are drawn when first asked for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct GeneratedTenant {
    /// At least 1 (the admin).
    pub users: u32,
    pub seed: u64,
}

impl Default for GeneratedTenant {
    fn default() -> Self {
        GeneratedTenant {
            users: 1_000,
            seed: 1,
        }
    }
}

impl GeneratedTenant {
    pub fn new(users: u32, seed: u64) -> GeneratedTenant {
        GeneratedTenant { users, seed }
    }
}

/// What an audit of a user's photos should report (`GET /control/tenant/truth`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditStatus {
    /// SharePoint shows the current Exchange photo.
    InSync,
    /// SharePoint shows the placeholder although Exchange has a photo.
    Placeholder,
    /// SharePoint shows another, older picture than the Exchange photo.
    OlderPhoto,
    /// The mailbox has no photo (whatever SharePoint shows: there is nothing to sync).
    NoExchangePhoto,
    /// No mailbox (no Exchange licence): Graph answers `MailboxNotEnabledForRESTAPI`.
    NoMailbox,
}

/// The ground truth of one user for the audit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserTruth {
    pub upn: String,
    pub oid: String,
    pub display_name: String,
    pub account_enabled: bool,
    /// `Member` or `Guest`, as Graph's `userType`.
    pub user_type: String,
    /// Enabled and a member: an audit of "enabled members" reads this user, and skips the rest.
    pub audited: bool,
    /// The photo state (also given for users an audit skips).
    pub status: AuditStatus,
    /// `NAM` (the default geo) or `EUR`.
    pub geo: String,
    /// Where the user's personal site and pictures live: `http://contoso-my.localhost:PORT/` or
    /// `http://contoso-eu-my.localhost:PORT/` (SharePoint's `PersonalSiteHostUrl`).
    pub personal_site_host: String,
}

/// A group with every user in it, directly or through nested groups.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupTruth {
    pub id: String,
    pub display_name: String,
    pub mail_nickname: String,
    /// Object ids of the users in the group, nested groups resolved, each once.
    pub transitive_user_ids: Vec<String>,
}

/// `GET /control/tenant/truth`: what an audit of this tenant should find, computed from the
/// current state (writes since the start count).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TenantTruth {
    pub tenant_domain: String,
    /// Users with an Exchange licence (a mailbox): what SharePoint's limits scale with.
    pub licenses: u32,
    pub users: Vec<UserTruth>,
    pub groups: Vec<GroupTruth>,
    /// Audited users by status.
    pub counts: BTreeMap<AuditStatus, u32>,
}

impl TenantTruth {
    pub fn user(&self, upn_or_oid: &str) -> Option<&UserTruth> {
        self.users.iter().find(|u| {
            u.upn.eq_ignore_ascii_case(upn_or_oid) || u.oid.eq_ignore_ascii_case(upn_or_oid)
        })
    }

    /// The users an audit of enabled members reads.
    pub fn audited(&self) -> impl Iterator<Item = &UserTruth> {
        self.users.iter().filter(|u| u.audited)
    }

    pub fn group(&self, id_or_nickname: &str) -> Option<&GroupTruth> {
        self.groups.iter().find(|g| {
            g.id.eq_ignore_ascii_case(id_or_nickname)
                || g.mail_nickname.eq_ignore_ascii_case(id_or_nickname)
        })
    }
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
    /// Every message Graph's `sendMail` accepted since the start (or `reset`, or `clear_mail`),
    /// as `GET /control/mail` lists them.
    #[serde(default)]
    pub sent_mail: Vec<SentMail>,
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
    /// The TCP connection the request came on (1, 2, … since the start; 0 for the parts of a
    /// `$batch`).
    #[serde(default)]
    pub connection: u64,
    /// The request's place on its connection: 1 for a new connection, more for a connection
    /// the browser kept and used again (0 for the parts of a `$batch`).
    #[serde(default)]
    pub nth_on_connection: u32,
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

/// How the Outlook photo items of one `$batch` use Outlook's concurrency.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutlookBatch {
    /// As documented: Graph runs at most `outlook_concurrency` items of a batch at a time and
    /// queues the rest; an item is refused only when the app's other calls hold every slot.
    #[default]
    Queue,
    /// As reported by users: all items start at once and the ones over the limit get 429.
    Concurrent,
}

/// Throttling models. `Limits::default()` has every model off (a field left out of the JSON is
/// off); `Limits::documented(licenses)` has the documented figures, and is what the emulator
/// starts with.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Limits {
    /// Outlook (Graph `…/photo…`): concurrent requests per app; more → 429
    /// `ApplicationThrottled`. Documented: 4.
    pub outlook_concurrency: Option<u32>,
    /// Count the concurrency per app and mailbox instead of per app (the documented scope).
    pub outlook_concurrency_per_mailbox: bool,
    /// How a `$batch`'s photo items use the concurrency.
    pub outlook_batch: OutlookBatch,
    /// `Retry-After` for the Outlook concurrency 429.
    pub outlook_retry_after_secs: u64,
    /// Outlook: requests per app and mailbox per 10 minutes. Documented: 10,000.
    pub outlook_requests_per_mailbox: Option<u32>,
    /// Simulated server time of a Graph photo request (holds its concurrency slot).
    pub photo_service_ms: u64,
    /// SharePoint resource units per app per minute; over → 429. Documented: 1,250 to 6,250
    /// by licence count (`sharepoint_tier`).
    pub sharepoint_units_per_minute: Option<u32>,
    /// Cost of a read (`GET`, `HEAD`) and of any other call, in resource units (REST calls
    /// have no documented cost: an assumption).
    pub sharepoint_read_units: u32,
    pub sharepoint_write_units: u32,
    /// `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` on SharePoint answers
    /// once this fraction of the minute's resource units is used (documented: 0.8).
    pub sharepoint_ratelimit_headers_at: f64,
    /// PeopleManager calls per tenant per 5 minutes; over → 429. Documented: 3,000 to 15,000
    /// by licence count.
    pub sharepoint_people_manager_per_tenant: Option<u32>,
    /// SharePoint requests per user per 5 minutes (all apps); over → 429. Documented: 3,000.
    pub sharepoint_requests_per_user: Option<u32>,
    /// Status of a throttled SharePoint answer: 429, or 503 ("server too busy").
    pub sharepoint_throttle_status: u16,
    /// Graph requests per app per second (all paths); over → 429. Not a documented figure.
    pub graph_requests_per_second: Option<u32>,
    /// Exchange Online: messages one mailbox sends in a rolling minute ("message rate limit");
    /// over it, what `mail_over_rate` says. Documented: 30.
    pub mail_messages_per_minute: Option<u32>,
    /// What Graph's `sendMail` does with a message over `mail_messages_per_minute`.
    pub mail_over_rate: MailOverRate,
    /// Exchange Online: recipients (To, Cc and Bcc, each counted) one mailbox sends to in a
    /// rolling 24 hours ("recipient rate limit"); over it → 429 `ErrorSubmissionQuotaExceeded`
    /// until enough of them are older than 24 hours. Documented: 10,000.
    pub mail_recipients_per_day: Option<u32>,
    /// Exchange Online: recipients (To, Cc and Bcc) of one message ("recipient limit"); over it
    /// → 400 `ErrorInvalidRecipients`. Documented: 500.
    pub mail_recipients_per_message: Option<u32>,
    /// Every window (1 s, 1 min, 5 min, 10 min, 24 h) is this many times as long, and
    /// `Retry-After` and `RateLimit-Reset` with it: 0.01 makes 10 minutes 6 s for a short
    /// benchmark. Budgets stay as they are.
    pub window_scale: f64,
}

/// What Graph's `sendMail` does with a message over the mailbox's message rate
/// (`Limits::mail_messages_per_minute`). What Graph answers then is not documented; the
/// Exchange Online limits page says the excess is "throttled and successively carried over to
/// the following minutes".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailOverRate {
    /// Refuse it: 429 `ApplicationThrottled` with `Retry-After` until the rolling minute has
    /// room; nothing is sent (an assumption about Graph, for pages that must cope with it).
    Refuse,
    /// Accept it (202) and send it once the rolling minute has room, as the limits page
    /// describes: its `SentMail::sent_ms` is later than its `accepted_ms`. The default.
    #[default]
    Delay,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            outlook_concurrency: None,
            outlook_concurrency_per_mailbox: false,
            outlook_batch: OutlookBatch::Queue,
            outlook_retry_after_secs: 1,
            outlook_requests_per_mailbox: None,
            photo_service_ms: 0,
            sharepoint_units_per_minute: None,
            sharepoint_read_units: 1,
            sharepoint_write_units: 2,
            sharepoint_ratelimit_headers_at: 0.8,
            sharepoint_people_manager_per_tenant: None,
            sharepoint_requests_per_user: None,
            sharepoint_throttle_status: 429,
            graph_requests_per_second: None,
            mail_messages_per_minute: None,
            mail_over_rate: MailOverRate::Delay,
            mail_recipients_per_day: None,
            mail_recipients_per_message: None,
            window_scale: 1.0,
        }
    }
}

/// SharePoint Online's limits for a tenant of a licence count (Microsoft Learn, "Avoid getting
/// throttled or blocked in SharePoint Online").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharePointTier {
    /// PeopleManager calls per tenant per 5 minutes.
    pub people_manager_per_5_min: u32,
    /// Resource units per app per minute.
    pub units_per_app_per_minute: u32,
}

/// The documented tier for `licenses`: up to 1,000 / 5,000 / 15,000 / 50,000 licences, or more.
pub fn sharepoint_tier(licenses: u32) -> SharePointTier {
    let step = match licenses {
        0..=1_000 => 1,
        1_001..=5_000 => 2,
        5_001..=15_000 => 3,
        15_001..=50_000 => 4,
        _ => 5,
    };
    SharePointTier {
        people_manager_per_5_min: 3_000 * step,
        units_per_app_per_minute: 1_250 * step,
    }
}

impl Limits {
    /// The documented limits of the real services for a tenant with `licenses` licences:
    /// Outlook's 4 concurrent requests per app and 10,000 requests per app and mailbox per 10
    /// minutes (Microsoft Graph throttling limits, "Outlook service limits"); SharePoint's
    /// resource units per app per minute and PeopleManager calls per tenant per 5 minutes by
    /// licence count, and 3,000 requests per user per 5 minutes; Exchange Online's sending
    /// limits of 30 messages per minute, 10,000 recipients per day and 500 recipients per
    /// message per mailbox (Exchange Online limits, "Sending limits":
    /// <https://learn.microsoft.com/office365/servicedescriptions/exchange-online-service-description/exchange-online-limits>).
    pub fn documented(licenses: u32) -> Self {
        let tier = sharepoint_tier(licenses);
        Limits {
            outlook_concurrency: Some(4),
            outlook_requests_per_mailbox: Some(10_000),
            sharepoint_units_per_minute: Some(tier.units_per_app_per_minute),
            sharepoint_people_manager_per_tenant: Some(tier.people_manager_per_5_min),
            sharepoint_requests_per_user: Some(3_000),
            mail_messages_per_minute: Some(30),
            mail_recipients_per_day: Some(10_000),
            mail_recipients_per_message: Some(500),
            ..Limits::default()
        }
    }

    /// `documented` for a tenant of up to 1,000 licences.
    pub fn realistic() -> Self {
        Limits::documented(1_000)
    }

    /// The same limits with every window `scale` times as long.
    pub fn with_window_scale(mut self, scale: f64) -> Self {
        self.window_scale = scale;
        self
    }
}

/// One recipient of a message, as Graph's `emailAddress` names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailRecipient {
    pub address: String,
    pub name: Option<String>,
}

/// One message Graph's `sendMail` accepted (`GET /control/mail`): who sent it, to whom, what it
/// said. The emulator's mailbox: nothing is delivered anywhere.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentMail {
    /// 1 for the first message accepted since the start or `reset`, then 2, 3, … (`clear_mail`
    /// empties the list, the numbers go on).
    pub seq: u64,
    /// UPN of the mailbox it was sent from (the signed-in user).
    pub sender: String,
    /// The app that sent it (the token's `appid`).
    pub app_id: String,
    pub to: Vec<MailRecipient>,
    pub cc: Vec<MailRecipient>,
    pub bcc: Vec<MailRecipient>,
    pub subject: String,
    /// `Text` or `HTML` (Graph's `body.contentType`, whatever case it was sent in; `Text` when
    /// the message has no body).
    pub body_content_type: String,
    /// `body.content`, as sent.
    pub body: String,
    /// `saveToSentItems` (Graph's default: true).
    pub save_to_sent_items: bool,
    /// When Graph accepted it, in milliseconds since the epoch.
    pub accepted_ms: u64,
    /// When Exchange sends it: `accepted_ms`, or later for a message over the message rate when
    /// `Limits::mail_over_rate` is `Delay`.
    pub sent_ms: u64,
}

impl SentMail {
    /// To, Cc and Bcc, in that order.
    pub fn recipients(&self) -> impl Iterator<Item = &MailRecipient> {
        self.to.iter().chain(&self.cc).chain(&self.bcc)
    }

    /// Whether `address` is among the recipients (case-insensitive).
    pub fn is_addressed_to(&self, address: &str) -> bool {
        self.recipients()
            .any(|r| r.address.eq_ignore_ascii_case(address))
    }
}

/// Body of `POST /control/site-collection-admins`: the site collection administrators of one
/// My Site host become exactly `users` (UPNs). Only they may write other users' files in its
/// `User Photos` library.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SiteCollectionAdmins {
    /// `contoso-my` or `contoso-eu-my` (a host name or origin is read by its first label).
    pub host: String,
    pub users: Vec<String>,
}

/// Body of `POST /control/limits/documented`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DocumentedLimits {
    /// The licence count for SharePoint's tier; `None`: the tenant's licensed users.
    pub licenses: Option<u32>,
    /// `None`: 1.0.
    pub window_scale: Option<f64>,
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
