//! The authorize endpoint and the two pages it may show: the account picker (posted to
//! `/{tenant}/login`) and the consent screen (posted to `/{tenant}/consent`). Ends with an
//! authorization code, or an error, redirected to the app.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;

use super::claims::client_info;
use super::errors::{error_page, error_redirect, redirect_with};
use super::pages;
use super::scopes::{
    consent_message, consent_to_ask, needs_admin, parse_scopes, resource_label, scope_description,
};
use super::session::{self, with_cookie, SessionCookie};
use super::tenant::Tenant;
use crate::state::{AuthCode, AuthRequest, Shared, APP_DISPLAY_NAME};
use crate::wire::codec::{guid_from_name, now_ms, random_token};
use crate::wire::{self, FormParams, QueryParams, Resp};

/// The authorize request's query. Every parameter is optional here: the endpoint refuses a
/// missing one with its own AADSTS error, in Entra ID's order.
#[derive(Debug, Default, Deserialize)]
pub struct AuthorizeParams {
    client_id: Option<String>,
    redirect_uri: Option<String>,
    response_type: Option<String>,
    response_mode: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    nonce: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    prompt: Option<String>,
    login_hint: Option<String>,
    client_info: Option<String>,
}

/// `GET /{tenant}/oauth2/v2.0/authorize`
pub async fn authorize(
    State(shared): State<Arc<Shared>>,
    tenant: Tenant,
    SessionCookie(sid): SessionCookie,
    QueryParams(q): QueryParams<AuthorizeParams>,
) -> Resp {
    let reg = shared.lock().registration.clone();
    let Some(client_id) = q.client_id.filter(|c| !c.is_empty()) else {
        return error_page(
            StatusCode::BAD_REQUEST,
            900144,
            "The request body must contain the following parameter: 'client_id'.",
        );
    };
    if !client_id.eq_ignore_ascii_case(&reg.client_id) {
        return error_page(
            StatusCode::BAD_REQUEST,
            700016,
            &format!("Application with identifier '{client_id}' was not found in the directory 'Contoso'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."),
        );
    }
    let redirect_uri = q.redirect_uri.unwrap_or_default();
    if !reg.spa_redirect_uris.contains(&redirect_uri)
        && !reg.web_redirect_uris.contains(&redirect_uri)
    {
        return error_page(
            StatusCode::BAD_REQUEST,
            50011,
            &format!("The redirect URI '{redirect_uri}' specified in the request does not match the redirect URIs configured for the application '{}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.", reg.client_id),
        );
    }
    let response_mode = q.response_mode.unwrap_or_else(|| "query".to_string());
    let mut ar = AuthRequest {
        tenant: tenant.segment,
        client_id: reg.client_id.clone(),
        redirect_uri,
        scope: q.scope.unwrap_or_default(),
        state: q.state,
        nonce: q.nonce,
        code_challenge: q.code_challenge.unwrap_or_default(),
        response_mode: if response_mode == "fragment" {
            "fragment".into()
        } else {
            "query".into()
        },
        prompt: q.prompt,
        login_hint: q.login_hint.map(|h| h.to_ascii_lowercase()),
        client_info: q.client_info.is_some_and(|v| v == "1"),
        created_ms: now_ms(),
        upn: None,
    };
    if response_mode != "query" && response_mode != "fragment" {
        return error_redirect(
            &ar,
            "invalid_request",
            900352,
            &format!("The response_mode '{response_mode}' is not supported by this emulator. Use 'query' or 'fragment'."),
            None,
        );
    }
    match q.response_type.as_deref() {
        Some("code") => {}
        Some(other) => {
            return error_redirect(
                &ar,
                "unsupported_response_type",
                700054,
                &format!("response_type '{other}' is not enabled for the application."),
                None,
            )
        }
        None => {
            return error_redirect(
                &ar,
                "invalid_request",
                900144,
                "The request body must contain the following parameter: 'response_type'.",
                None,
            )
        }
    }
    if ar.scope.trim().is_empty() {
        return error_redirect(
            &ar,
            "invalid_request",
            900144,
            "The request body must contain the following parameter: 'scope'.",
            None,
        );
    }
    if let Err(e) = parse_scopes(&shared, &ar.scope) {
        return error_redirect(&ar, "invalid_scope", e.code(), &e.message(), None);
    }
    if ar.code_challenge.is_empty() {
        return error_redirect(
            &ar,
            "invalid_request",
            9002325,
            "Proof Key for Code Exchange is required for cross-origin authorization code redemption.",
            None,
        );
    }
    if q.code_challenge_method.as_deref() != Some("S256") {
        return error_redirect(
            &ar,
            "invalid_request",
            501491,
            "The code_challenge_method must be 'S256'; 'plain' and a missing method are refused by this emulator.",
            None,
        );
    }
    if let Some(p) = &ar.prompt {
        if !["none", "login", "select_account", "consent"].contains(&p.as_str()) {
            return error_redirect(
                &ar,
                "invalid_request",
                90023,
                &format!("Invalid prompt value '{p}'."),
                None,
            );
        }
    }

    let accounts = session::accounts(&shared, sid.as_deref());
    let hint = ar.login_hint.clone();
    let hinted_signed_in = hint
        .as_ref()
        .and_then(|h| accounts.iter().find(|a| a.eq_ignore_ascii_case(h)).cloned());
    let prompt = ar.prompt.clone().unwrap_or_default();
    if prompt == "none" {
        let pick = match (&hint, &hinted_signed_in) {
            (_, Some(a)) => a.clone(),
            (Some(h), None) if !accounts.is_empty() => {
                return error_redirect(
                    &ar,
                    "interaction_required",
                    16000,
                    &format!("User account '{h}' from identity provider 'live.com' is not signed in to this browser session."),
                    None,
                )
            }
            (None, None) if accounts.len() == 1 => accounts[0].clone(),
            (None, None) if accounts.len() > 1 => {
                return error_redirect(
                    &ar,
                    "interaction_required",
                    16000,
                    "Either multiple user identities are available for the current request or selected account is not supported for the scenario.",
                    None,
                )
            }
            _ => {
                return error_redirect(
                    &ar,
                    "login_required",
                    50058,
                    "A silent sign-in request was sent but no user is signed in. The cookies used to represent the user's session were not sent in the request to Azure AD.",
                    None,
                )
            }
        };
        ar.upn = Some(pick.clone());
        if !consent_to_ask(&shared, &ar.scope, ar.prompt.as_deref(), &pick).is_empty() {
            let msg = consent_message(&ar.client_id);
            return error_redirect(&ar, "consent_required", 65001, &msg, None);
        }
        return issue_code(&shared, ar, pick, None);
    }
    if prompt != "login" && prompt != "select_account" {
        let pick = hinted_signed_in
            .or_else(|| (hint.is_none() && accounts.len() == 1).then(|| accounts[0].clone()));
        if let Some(pick) = pick {
            return after_sign_in(&shared, ar, pick, None);
        }
    }
    show_sign_in(&shared, ar, &accounts)
}

/// The account picker: every user of the tenant, the hinted and signed-in ones first.
fn show_sign_in(shared: &Shared, ar: AuthRequest, accounts: &[String]) -> Resp {
    let ctx = random_token(24);
    let rows: Vec<pages::AccountRow> = {
        let inner = shared.lock();
        let mut rows: Vec<pages::AccountRow> = inner
            .tenant
            .users
            .iter()
            .map(|u| pages::AccountRow {
                upn: u.upn.clone(),
                display_name: u.display_name.clone(),
                signed_in: accounts.iter().any(|a| a.eq_ignore_ascii_case(&u.upn)),
                hinted: ar
                    .login_hint
                    .as_ref()
                    .is_some_and(|h| h.eq_ignore_ascii_case(&u.upn)),
            })
            .collect();
        rows.sort_by_key(|r| (!r.hinted, !r.signed_in));
        rows
    };
    let pick = ar.prompt.as_deref() == Some("select_account") || !accounts.is_empty();
    let tenant = ar.tenant.clone();
    shared.lock().pending.insert(ctx.clone(), ar);
    let mut r = wire::html(
        StatusCode::OK,
        pages::sign_in(&tenant, &ctx, APP_DISPLAY_NAME, &rows, pick),
    );
    wire::set_header(&mut r, "cache-control", "no-store");
    r
}

/// The authorize request a page's form continues (`ctx`), taken out of the store: each page is
/// posted once, within an hour.
fn take_pending(shared: &Shared, ctx: Option<String>) -> Result<AuthRequest, Resp> {
    let ctx = ctx.unwrap_or_default();
    let found = shared.lock().pending.remove(&ctx);
    match found {
        Some(ar) if now_ms().saturating_sub(ar.created_ms) < 3_600_000 => Ok(ar),
        _ => Err(error_page(
            StatusCode::BAD_REQUEST,
            90014,
            "The sign-in request has expired or was already completed. Go back to the app and sign in again.",
        )),
    }
}

/// The account picker's form.
#[derive(Debug, Default, Deserialize)]
pub struct SignInForm {
    ctx: Option<String>,
    /// Present when the user pressed "Cancel".
    cancel: Option<String>,
    account: Option<String>,
}

/// `POST /{tenant}/login`
pub async fn sign_in(
    State(shared): State<Arc<Shared>>,
    _tenant: Tenant,
    SessionCookie(sid): SessionCookie,
    FormParams(form): FormParams<SignInForm>,
) -> Resp {
    let ar = match take_pending(&shared, form.ctx) {
        Ok(x) => x,
        Err(r) => return r,
    };
    if form.cancel.is_some() {
        return error_redirect(
            &ar,
            "access_denied",
            50126,
            "The user canceled the sign-in.",
            Some("cancel"),
        );
    }
    let account = form.account.unwrap_or_default();
    let upn = shared.lock().tenant.user(&account).map(|u| u.upn.clone());
    let Some(upn) = upn else {
        return error_page(
            StatusCode::BAD_REQUEST,
            50034,
            &format!("The user account {account} does not exist in the 'contoso.onmicrosoft.com' directory."),
        );
    };
    // Sign the account in to this browser's session.
    let sid = sid.filter(|s| shared.lock().sessions.contains_key(s));
    let sid = sid.unwrap_or_else(|| random_token(24));
    {
        let mut inner = shared.lock();
        let s = inner.sessions.entry(sid.clone()).or_default();
        if !s.accounts.iter().any(|a| a.eq_ignore_ascii_case(&upn)) {
            s.accounts.push(upn.clone());
        }
    }
    after_sign_in(&shared, ar, upn, Some(sid))
}

/// A code if nothing needs consent; else "Need admin approval" when a permission only an
/// administrator may consent to lacks the admin's consent; else the consent screen.
fn after_sign_in(shared: &Shared, mut ar: AuthRequest, upn: String, sid: Option<String>) -> Resp {
    ar.upn = Some(upn.clone());
    let missing = consent_to_ask(shared, &ar.scope, ar.prompt.as_deref(), &upn);
    if missing.is_empty() {
        return issue_code(shared, ar, upn, sid);
    }
    let for_admin: Vec<pages::ScopeRow> = missing
        .iter()
        .filter(|(res, s)| needs_admin(res, s))
        .map(|(res, s)| pages::ScopeRow {
            title: format!("{} — {}", resource_label(res), s),
            detail: scope_description(res, s),
        })
        .collect();
    if !for_admin.is_empty() {
        let ctx = random_token(24);
        let tenant = ar.tenant.clone();
        shared.lock().pending.insert(ctx.clone(), ar);
        let r = wire::html(
            StatusCode::OK,
            pages::admin_approval(&tenant, &ctx, APP_DISPLAY_NAME, &upn, &for_admin),
        );
        return with_cookie(r, sid);
    }
    let ctx = random_token(24);
    let rows: Vec<pages::ScopeRow> = missing
        .iter()
        .map(|(res, s)| pages::ScopeRow {
            title: format!("{} — {}", resource_label(res), s),
            detail: scope_description(res, s),
        })
        .chain(
            ar.scope
                .split_whitespace()
                .any(|s| s.eq_ignore_ascii_case("offline_access"))
                .then(|| pages::ScopeRow {
                    title: "Maintain access to data you have given it access to".into(),
                    detail: "offline_access".into(),
                }),
        )
        .collect();
    let tenant = ar.tenant.clone();
    shared.lock().pending.insert(ctx.clone(), ar);
    let r = wire::html(
        StatusCode::OK,
        pages::consent(&tenant, &ctx, APP_DISPLAY_NAME, &upn, &rows),
    );
    with_cookie(r, sid)
}

/// What the app hears when the user goes back from "Need admin approval". Entra ID documents
/// the page and AADSTS90094 as consent errors, not which of them the redirect carries: assumed.
const ADMIN_APPROVAL_MESSAGE: &str = "The grant requires admin permission.";

/// The consent screen's form.
#[derive(Debug, Default, Deserialize)]
pub struct ConsentForm {
    ctx: Option<String>,
    /// `accept`, or anything else for "Cancel".
    action: Option<String>,
}

/// `POST /{tenant}/consent`
pub async fn consent(
    State(shared): State<Arc<Shared>>,
    _tenant: Tenant,
    FormParams(form): FormParams<ConsentForm>,
) -> Resp {
    let ar = match take_pending(&shared, form.ctx) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(upn) = ar.upn.clone() else {
        return error_page(StatusCode::BAD_REQUEST, 90014, "No account was chosen.");
    };
    let missing = consent_to_ask(&shared, &ar.scope, ar.prompt.as_deref(), &upn);
    // Back from "Need admin approval" (or an accept posted for it): nobody consented.
    if form.action.as_deref() == Some("back") || missing.iter().any(|(r, s)| needs_admin(r, s)) {
        return error_redirect(&ar, "access_denied", 90094, ADMIN_APPROVAL_MESSAGE, None);
    }
    if form.action.as_deref() != Some("accept") {
        return error_redirect(
            &ar,
            "access_denied",
            65004,
            "User declined to consent to access the app.",
            Some("cancel"),
        );
    }
    {
        let mut inner = shared.lock();
        for (res, s) in missing {
            inner.tenant.grant(&upn, &res, [s]);
        }
    }
    issue_code(&shared, ar, upn, None)
}

/// Stores a fresh code for the request and redirects it to the app.
fn issue_code(shared: &Shared, ar: AuthRequest, upn: String, sid: Option<String>) -> Resp {
    let code = format!("1.AemuA{}", random_token(48));
    let mut params = vec![("code", code.clone())];
    if ar.client_info {
        params.push(("client_info", client_info(&upn)));
    }
    if let Some(s) = &ar.state {
        params.push(("state", s.clone()));
    }
    params.push(("session_state", guid_from_name(&format!("session:{upn}"))));
    let r = redirect_with(&ar.redirect_uri, &ar.response_mode, &params);
    shared.lock().codes.insert(
        code,
        AuthCode {
            req: ar,
            upn,
            expires_ms: now_ms() + 600_000,
            redeemed: false,
        },
    );
    with_cookie(r, sid)
}
