//! Sign-in, MSAL-style, on the `oauth2` crate: discovery, PKCE, redirect and popup, a token
//! cache per account + resource + scopes, silent refresh, and errors people can act on.
//!
//! Split as msal-browser is: `request` (pure: discovery documents, URL building, state and
//! nonce, response parsing, error classification), `cache` (pure keys and expiry maths over a
//! storage seam), `claims` (id-token decoding and checks), `session` (the session's parts and
//! completing a sign-in), the interaction clients `redirect`, `popup` and `silent`, and two
//! seams: `navigation` (the window) and `token_endpoint` (the one HTTP call with secrets), so
//! that every flow is tested natively. Only this module holds tokens; `graph` and `sharepoint`
//! ask it for one per request through [`TokenSource`] and never store them.
//!
//! It must not look for the My Site host: whoever calls it finds it (configuration, or Graph's
//! `mySite`) and hands over a [`MySiteOrigin`] in [`Resource::SharePoint`].

pub mod cache;
pub mod claims;
pub mod navigation;
pub mod popup;
pub mod redirect;
pub mod request;
pub mod session;
pub mod silent;
pub mod single_flight;
mod storage;
pub mod token_endpoint;

#[cfg(test)]
mod fake;

pub use cache::Account;
pub use session::{Session, SignOut, Startup};

use std::future::Future;

use crate::config::MySiteOrigin;

/// A resource the app needs a token for: one token per resource, as the identity platform
/// issues them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Resource {
    /// Microsoft Graph (scopes without a resource prefix mean Graph).
    Graph,
    /// The My Site host, by its exact origin (`https://contoso-my.sharepoint.com`): the
    /// token's audience must be exactly this origin. The type is the check that a token may
    /// go there: it is made only from configuration or from a trusted My Site URL.
    SharePoint { origin: MySiteOrigin },
    /// Microsoft Graph with the admin audit's directory reads: every user and their photo
    /// (`User.Read.All`), and groups' members (`GroupMember.Read.All`). Asked for when the
    /// first audit starts, never by the sync page.
    GraphDirectory,
    /// The My Site host with reads of other users' profiles (`User.Read.All`), for the audit.
    SharePointProfiles { origin: MySiteOrigin },
    /// Microsoft Graph with sending mail as the signed-in user (`Mail.Send`, which a user may
    /// consent to alone): the admin page's outreach, asked for only when the admin sends.
    GraphMail,
    /// A My Site host's `User Photos` library (the home host or another geo's), for the admin
    /// page's direct writes: `AllSites.Write` to overwrite thumbnails, `User.Read.All` to read
    /// the profiles being written. Asked for when the admin first writes, never before.
    SharePointLibrary { origin: MySiteOrigin },
    /// The tenant's SharePoint admin host (`https://contoso-admin.sharepoint.com`), derived
    /// from the My Site host by [`sharepoint_admin_origin`] (never read from a service), for
    /// profile writes of other users (`User.ReadWrite.All`).
    SharePointAdmin { my_site: MySiteOrigin },
}

/// The SharePoint admin host of the tenant whose My Site host is `my_site`:
/// `https://contoso-my.sharepoint.com` → `https://contoso-admin.sharepoint.com`. A
/// [`MySiteOrigin`] is always `{tenant}-my.{domain}`, so the result is that tenant's own host.
///
/// ```
/// use profile_photo_sync::auth::sharepoint_admin_origin;
/// use profile_photo_sync::config::MySiteOrigin;
/// let my = MySiteOrigin::from_service("https://contoso-my.sharepoint.com", false).unwrap();
/// assert_eq!(sharepoint_admin_origin(&my), "https://contoso-admin.sharepoint.com");
/// let local = MySiteOrigin::from_service("http://contoso-my.localhost:8080", true).unwrap();
/// assert_eq!(sharepoint_admin_origin(&local), "http://contoso-admin.localhost:8080");
/// ```
pub fn sharepoint_admin_origin(my_site: &MySiteOrigin) -> String {
    let origin = my_site.as_str();
    match origin.find("-my.") {
        Some(i) => format!("{}-admin.{}", &origin[..i], &origin[i + 4..]),
        None => origin.to_owned(),
    }
}

impl Resource {
    /// The delegated scopes the app asks for on this resource: `User.Read` on Graph; on the
    /// My Site host, each permission name of `sharepoint` (`config.json`'s `sharePointScopes`,
    /// by default [`crate::config::DEFAULT_SHAREPOINT_SCOPES`]) behind the host's origin, as the
    /// identity platform names another resource's permissions.
    ///
    /// ```
    /// use profile_photo_sync::auth::Resource;
    /// use profile_photo_sync::config::MySiteOrigin;
    /// let origin = MySiteOrigin::from_service("https://contoso-my.sharepoint.com", false).unwrap();
    /// let names = ["User.ReadWrite.All".to_owned(), "AllSites.Read".to_owned()];
    /// assert_eq!(
    ///     Resource::SharePoint { origin }.scopes(&names),
    ///     [
    ///         "https://contoso-my.sharepoint.com/User.ReadWrite.All",
    ///         "https://contoso-my.sharepoint.com/AllSites.Read"
    ///     ]
    /// );
    /// assert_eq!(Resource::Graph.scopes(&names), ["User.Read"]);
    /// ```
    pub fn scopes(&self, sharepoint: &[String]) -> Vec<String> {
        match self {
            Resource::Graph => vec!["User.Read".to_owned()],
            Resource::SharePoint { origin } => sharepoint
                .iter()
                .map(|name| format!("{origin}/{name}"))
                .collect(),
            Resource::GraphDirectory => {
                vec![
                    "User.Read.All".to_owned(),
                    "GroupMember.Read.All".to_owned(),
                ]
            }
            Resource::SharePointProfiles { origin } => vec![format!("{origin}/User.Read.All")],
            Resource::GraphMail => vec!["Mail.Send".to_owned()],
            Resource::SharePointLibrary { origin } => vec![
                format!("{origin}/AllSites.Write"),
                format!("{origin}/User.Read.All"),
            ],
            Resource::SharePointAdmin { my_site } => {
                vec![format!(
                    "{}/User.ReadWrite.All",
                    sharepoint_admin_origin(my_site)
                )]
            }
        }
    }
}

impl AuthError {
    /// This error, naming `scopes` as what was asked for when it is a missing admin consent
    /// (the identity platform's AADSTS65001 does not say which permission it lacks).
    pub fn asking_for(self, scopes: &[String]) -> AuthError {
        match self {
            AuthError::AdminConsentRequired { code, .. } => AuthError::AdminConsentRequired {
                code,
                scopes: scopes.to_vec(),
            },
            other => other,
        }
    }

    /// True when the same request may well succeed later as it is (the identity platform was
    /// unreachable or busy); the session needs nothing from the user.
    pub fn is_transient(&self) -> bool {
        matches!(self, AuthError::Network { .. } | AuthError::Busy { .. })
    }
}

/// Anything that hands out access tokens: the signed-in session in the page, a fake in tests.
pub trait TokenSource {
    /// A fresh access token for `resource`, silently when possible (cache, then refresh token).
    fn access_token(&self, resource: &Resource) -> impl Future<Output = Result<String, AuthError>>;

    /// The scopes granted with the last token for `resource`, as the identity platform wrote
    /// them in its token response; `None` when unknown (no token yet, or a source that does not
    /// say).
    fn granted_scopes(&self, resource: &Resource) -> Option<Vec<String>> {
        let _ = resource;
        None
    }
}

/// The permission names in `scopes`, without their resource
/// (`https://contoso-my.sharepoint.com/AllSites.Read` → `AllSites.Read`) and without the
/// OpenID Connect scopes, which name no permission of an API.
///
/// ```
/// let scopes = ["openid", "https://contoso-my.sharepoint.com/User.ReadWrite.All", "User.Read"];
/// let scopes: Vec<String> = scopes.map(str::to_owned).to_vec();
/// assert_eq!(
///     profile_photo_sync::auth::permission_names(&scopes),
///     ["User.ReadWrite.All", "User.Read"]
/// );
/// ```
pub fn permission_names(scopes: &[String]) -> Vec<String> {
    scopes
        .iter()
        .filter(|s| {
            !crate::config::OIDC_SCOPE_NAMES
                .iter()
                .any(|o| o.eq_ignore_ascii_case(s))
        })
        .map(|s| match s.find("://") {
            Some(scheme) => match s[scheme + 3..].find('/') {
                Some(slash) => s[scheme + 3 + slash + 1..].to_owned(),
                None => s.clone(),
            },
            None => s.clone(),
        })
        .collect()
}

/// The API a list of scopes asks for: SharePoint when one names a resource by its address
/// (the page asks only the My Site host that way), Microsoft Graph otherwise.
pub fn api_of(scopes: &[String]) -> &'static str {
    if scopes.iter().any(|s| s.contains("://")) {
        "SharePoint"
    } else {
        "Microsoft Graph"
    }
}

/// Why no token could be had, each with what the user can do about it.
///
/// The screens put each kind into words in the page's language (`ui`); `Display` is the
/// technical form for details and logs — an error code (the identity platform's, `AADSTS…`, or
/// an OAuth-style one of the page's own) and the data, with the identity platform's own text
/// verbatim — never a sentence of its own, so that no English reaches a page in another
/// language through a detail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// The user cancelled sign-in or declined consent.
    #[error("cancelled")]
    Cancelled,
    /// An administrator must consent to the app's permissions (AADSTS65001, 90094). `scopes`
    /// are those of the request that was refused, when known: one resource's permissions.
    #[error("{code}")]
    AdminConsentRequired { code: String, scopes: Vec<String> },
    /// The redirect URI this page uses is not registered (AADSTS50011).
    #[error("AADSTS50011: {redirect_uri}")]
    RedirectUriNotRegistered { redirect_uri: String },
    /// The redirect URI is registered, but not under the Single-page application platform.
    #[error("AADSTS9002326: {redirect_uri}")]
    SpaPlatformMissing { redirect_uri: String },
    /// The account is not in the tenant (AADSTS50020).
    #[error("AADSTS50020")]
    UserNotInTenant,
    /// Silent sign-in is not possible; the user must sign in interactively.
    #[error("interaction_required")]
    InteractionRequired,
    /// The popup was blocked by the browser.
    #[error("popup_blocked")]
    PopupBlocked,
    /// The sign-in popup was closed before it came back with an answer (the user closed it,
    /// often after the identity platform showed an error page there, e.g. AADSTS50011).
    #[error("popup_closed")]
    PopupClosed,
    /// The sign-in popup never came back with an answer.
    #[error("popup_timed_out")]
    PopupTimedOut,
    /// The response did not match a request this page made (tampered or replayed `state`).
    #[error("state_mismatch")]
    StateMismatch,
    /// The id token's nonce is not the one this page sent.
    #[error("nonce_mismatch")]
    NonceMismatch,
    /// The authorization code was already used, expired or did not match its verifier;
    /// `description` is the identity platform's own.
    #[error("invalid_grant: {description}")]
    InvalidGrant { description: String },
    /// The device's clock is far from the identity platform's.
    #[error("clock_skew: {seconds} s")]
    ClockSkew { seconds: i64 },
    /// The identity platform could not be reached; `detail` is the HTTP layer's.
    #[error("network_error: {detail}")]
    Network { detail: String },
    /// The identity platform answered a silent refresh with 429 or 5xx: it is overloaded or
    /// failing for a while. The session is intact; trying again later works.
    #[error("temporarily_unavailable: HTTP {status}")]
    Busy { status: u16 },
    /// The browser's storage for this page is full, so a sign-in could not be remembered
    /// across the trip to the identity platform (sessionStorage refused the write).
    #[error("storage_full")]
    StorageFull,
    /// The authority's discovery document is missing or unusable: `authority` in
    /// `config.json` is wrong, or something else answers in the identity platform's place.
    #[error("invalid_discovery: {problem}")]
    Discovery { problem: DiscoveryProblem },
    /// The id token failed a check the page makes before it trusts it.
    #[error("invalid_id_token: {problem}")]
    IdToken { problem: IdTokenProblem },
    /// The browser offers no secure random numbers (`crypto.getRandomValues`), without which
    /// no sign-in can be started safely.
    #[error("no_secure_random")]
    NoSecureRandom,
    /// Anything else the identity platform said: its code and its own description, verbatim.
    #[error("{code}: {description}")]
    Other { code: String, description: String },
}

/// What is wrong with the authority's discovery document (`Display`: technical, as
/// [`AuthError`]'s).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DiscoveryProblem {
    /// There is none at `url`: the authority answered with `status`.
    #[error("HTTP {status} {url}")]
    NotFound { url: String, status: u16 },
    /// It is not a discovery document; `detail` is the reader's account of why.
    #[error("{detail}")]
    Unreadable { detail: String },
    /// It names an endpoint the page sends nothing to: not a URL, or neither https nor http on
    /// this machine.
    #[error("unsafe endpoint {endpoint}")]
    UnsafeEndpoint { endpoint: String },
}

/// Which check of the id token failed (OpenID Connect Core 1.0 §3.1.3.7; `Display`:
/// technical, as [`AuthError`]'s).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdTokenProblem {
    /// The token endpoint's answer has no id token.
    #[error("missing")]
    Missing,
    /// The id token is not a readable JWT with the claims the page needs.
    #[error("unreadable")]
    Unreadable,
    /// Its `tid` is not a tenant id.
    #[error("tid {tid:?}")]
    NoTenantId { tid: String },
    /// It was issued by another issuer than the authority's discovery document names.
    #[error("iss {issuer} (expected {expected})")]
    WrongIssuer { issuer: String, expected: String },
    /// It was issued to another client than this app.
    #[error("aud {audience}")]
    WrongAudience { audience: String },
}
