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
pub use session::{Session, Startup};

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
}

impl Resource {
    /// The delegated scopes the app asks for on this resource.
    pub fn scopes(&self) -> Vec<String> {
        match self {
            Resource::Graph => vec!["User.Read".to_owned()],
            Resource::SharePoint { origin } => vec![format!("{origin}/AllSites.Write")],
            Resource::GraphDirectory => {
                vec![
                    "User.Read.All".to_owned(),
                    "GroupMember.Read.All".to_owned(),
                ]
            }
            Resource::SharePointProfiles { origin } => vec![format!("{origin}/User.Read.All")],
        }
    }
}

impl AuthError {
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
}

/// Why no token could be had, each with what the user can do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// The user cancelled sign-in or declined consent.
    #[error("sign-in was cancelled")]
    Cancelled,
    /// An administrator must consent to the app's permissions (AADSTS65001, 90094).
    #[error("an administrator must approve this app first ({code})")]
    AdminConsentRequired { code: String },
    /// The redirect URI this page uses is not registered (AADSTS50011).
    #[error("the redirect URI {redirect_uri} is not registered for this app (AADSTS50011)")]
    RedirectUriNotRegistered { redirect_uri: String },
    /// The redirect URI is registered, but not under the Single-page application platform.
    #[error("the redirect URI {redirect_uri} must be registered as a single-page application (AADSTS9002326)")]
    SpaPlatformMissing { redirect_uri: String },
    /// The account is not in the tenant (AADSTS50020).
    #[error("this account is not in the organisation's directory (AADSTS50020)")]
    UserNotInTenant,
    /// Silent sign-in is not possible; the user must sign in interactively.
    #[error("you need to sign in again")]
    InteractionRequired,
    /// The popup was blocked by the browser.
    #[error("the sign-in window was blocked by the browser")]
    PopupBlocked,
    /// The sign-in popup was closed before it came back with an answer (the user closed it,
    /// often after the identity platform showed an error page there, e.g. AADSTS50011).
    #[error("the sign-in window was closed before sign-in finished")]
    PopupClosed,
    /// The sign-in popup never came back with an answer.
    #[error("the sign-in window did not answer in time")]
    PopupTimedOut,
    /// The response did not match a request this page made (tampered or replayed `state`).
    #[error("the sign-in response did not match a request from this page")]
    StateMismatch,
    /// The id token's nonce is not the one this page sent.
    #[error("the sign-in response failed its nonce check")]
    NonceMismatch,
    /// The authorization code was already used, expired or did not match its verifier.
    #[error("the sign-in code was refused: {description}")]
    InvalidGrant { description: String },
    /// The device's clock is far from the identity platform's.
    #[error("this device's clock is off by {seconds} seconds")]
    ClockSkew { seconds: i64 },
    /// The identity platform could not be reached.
    #[error("the sign-in service could not be reached: {detail}")]
    Network { detail: String },
    /// The identity platform answered a silent refresh with 429 or 5xx: it is overloaded or
    /// failing for a while. The session is intact; trying again later works.
    #[error("the sign-in service is busy (HTTP {status}); try again in a few minutes")]
    Busy { status: u16 },
    /// The browser's storage for this page is full, so a sign-in could not be remembered
    /// across the trip to the identity platform (sessionStorage refused the write).
    #[error("this browser's storage for this page is full, so the sign-in could not be remembered; close other tabs of this site or clear its site data, then try again")]
    StorageFull,
    /// Anything else the identity platform said, with its code.
    #[error("sign-in failed: {code}: {description}")]
    Other { code: String, description: String },
}
