//! Sign-in, MSAL-style, on the `oauth2` crate: discovery, PKCE, redirect and popup, a token
//! cache per account + resource + scopes, silent refresh, and errors people can act on.
//!
//! Split as msal-browser is: `discovery` (authority metadata), `request` (pure: URL building,
//! state and nonce, response parsing, error classification), `cache` (pure keys and expiry
//! maths over a storage seam), `claims` (id-token decoding), interaction clients (`redirect`,
//! `popup`, `silent`) and a `navigation` seam. Only this module holds tokens; `graph` and
//! `sharepoint` ask it for one per request through [`TokenSource`] and never store them.

pub mod cache;
pub mod claims;
pub mod navigation;
pub mod request;
pub mod session;
pub mod single_flight;
mod storage;

pub use cache::Account;
pub use session::{Session, Startup};

use std::future::Future;

/// A resource the app needs a token for: one token per resource, as the identity platform
/// issues them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Resource {
    /// Microsoft Graph (scopes without a resource prefix mean Graph).
    Graph,
    /// A SharePoint host, by its exact origin (`https://contoso-my.sharepoint.com`): the
    /// token's audience must be exactly this origin.
    SharePoint { origin: String },
}

impl Resource {
    /// The delegated scopes the app asks for on this resource.
    pub fn scopes(&self) -> Vec<String> {
        match self {
            Resource::Graph => vec!["User.Read".to_owned()],
            Resource::SharePoint { origin } => vec![format!("{origin}/AllSites.Write")],
        }
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
    /// Anything else the identity platform said, with its code.
    #[error("sign-in failed: {code}: {description}")]
    Other { code: String, description: String },
}
