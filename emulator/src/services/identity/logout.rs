//! The end-session endpoint: forgets the browser's session and goes back to the app when the
//! `post_logout_redirect_uri` is registered (with `state`), else shows the signed-out page.
//!
//! Like Entra ID's, it answers with a page of its own either way — the way back is that page
//! moving on, not a 302 — so it refuses to be framed (the router's `deny_framing`): a frame sent
//! here shows the browser's refusal, as with the real service.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;

use super::pages;
use super::session::{clear_cookies, SessionCookie};
use super::tenant::Tenant;
use crate::state::Shared;
use crate::wire::codec::encode_form;
use crate::wire::{self, FormParams, QueryParams, Resp};

/// The logout parameters, from the query (and for a POST, the form, which wins).
#[derive(Debug, Default, Deserialize)]
pub struct LogoutParams {
    post_logout_redirect_uri: Option<String>,
    state: Option<String>,
}

/// `GET /{tenant}/oauth2/v2.0/logout`
pub async fn logout_get(
    State(shared): State<Arc<Shared>>,
    _tenant: Tenant,
    SessionCookie(sid): SessionCookie,
    QueryParams(q): QueryParams<LogoutParams>,
) -> Resp {
    logout(&shared, sid, q)
}

/// `POST /{tenant}/oauth2/v2.0/logout`
pub async fn logout_post(
    State(shared): State<Arc<Shared>>,
    _tenant: Tenant,
    SessionCookie(sid): SessionCookie,
    QueryParams(q): QueryParams<LogoutParams>,
    FormParams(form): FormParams<LogoutParams>,
) -> Resp {
    let merged = LogoutParams {
        post_logout_redirect_uri: form.post_logout_redirect_uri.or(q.post_logout_redirect_uri),
        state: form.state.or(q.state),
    };
    logout(&shared, sid, merged)
}

fn logout(shared: &Shared, sid: Option<String>, q: LogoutParams) -> Resp {
    if let Some(sid) = sid {
        shared.lock().sessions.remove(&sid);
    }
    let target = q.post_logout_redirect_uri;
    let registered = {
        let inner = shared.lock();
        let reg = &inner.registration;
        target
            .as_ref()
            .is_some_and(|t| reg.spa_redirect_uris.contains(t) || reg.web_redirect_uris.contains(t))
    };
    let mut r = match target {
        Some(t) if registered => {
            let t = match q.state {
                Some(s) => {
                    let sep = if t.contains('?') { '&' } else { '?' };
                    format!("{t}{sep}{}", encode_form([("state", s.as_str())]))
                }
                None => t,
            };
            wire::html(StatusCode::OK, pages::signed_out_returning_to(&t))
        }
        _ => wire::html(StatusCode::OK, pages::signed_out()),
    };
    clear_cookies(&mut r);
    r
}
