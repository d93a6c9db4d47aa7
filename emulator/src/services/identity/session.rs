//! The browser's sign-in session: the `ESTSAUTH` cookies that name it and the accounts signed in
//! to it (kept in the store).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use std::convert::Infallible;

use crate::state::Shared;
use crate::wire::{self, Resp};

/// The session id the browser sent, if any: `ESTSAUTH`, else `ESTSAUTHPERSISTENT`.
pub struct SessionCookie(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for SessionCookie {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Infallible> {
        Ok(SessionCookie(
            wire::cookie(&parts.headers, "ESTSAUTH")
                .or_else(|| wire::cookie(&parts.headers, "ESTSAUTHPERSISTENT")),
        ))
    }
}

/// The accounts signed in to the session `sid`, in sign-in order.
pub fn accounts(shared: &Shared, sid: Option<&str>) -> Vec<String> {
    let Some(sid) = sid else { return vec![] };
    shared
        .lock()
        .sessions
        .get(sid)
        .map(|s| s.accounts.clone())
        .unwrap_or_default()
}

/// Sets the session cookies: `ESTSAUTH` (SameSite=Lax, for top-level navigations) and
/// `ESTSAUTHPERSISTENT` (SameSite=None; Secure, which Chromium accepts on `*.localhost`, for
/// frames).
pub fn with_cookie(mut r: Resp, sid: Option<String>) -> Resp {
    if let Some(sid) = sid {
        wire::append_header(
            &mut r,
            "set-cookie",
            &format!("ESTSAUTH={sid}; Path=/; HttpOnly; SameSite=Lax"),
        );
        wire::append_header(
            &mut r,
            "set-cookie",
            &format!("ESTSAUTHPERSISTENT={sid}; Path=/; HttpOnly; Secure; SameSite=None"),
        );
    }
    r
}

/// Expires both session cookies.
pub fn clear_cookies(r: &mut Resp) {
    wire::append_header(
        r,
        "set-cookie",
        "ESTSAUTH=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax",
    );
    wire::append_header(
        r,
        "set-cookie",
        "ESTSAUTHPERSISTENT=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=None",
    );
}
