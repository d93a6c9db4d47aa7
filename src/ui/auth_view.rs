//! Sign-in on screen: the sign-in panel (redirect by default, popup when framed or asked),
//! the popup's return page, sign-in problems with their fix, and the signed-in user's badge.
//!
//! The components hold no tokens and do no I/O: they call [`crate::auth::Session`], which the
//! app puts in context, and render [`AuthState`].

use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::text;
use crate::auth::navigation as nav;
use crate::auth::request::{Interaction, SignInOptions};
use crate::auth::{Account, AuthError, Session};

/// Where sign-in stands, as the screens see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthState {
    /// Finishing a sign-in that came back to the page.
    Checking,
    /// This window is the sign-in popup; its opener takes over.
    InPopup,
    SignedOut(Option<AuthError>),
    SignedIn(Account),
    /// Signed in, but the link names another account (`login_hint`): the page asks before it
    /// syncs anyone.
    OtherAccount {
        account: Account,
        hint: String,
    },
}

/// The app-wide sign-in context: the session, its state, and the page's base folder.
#[derive(Clone, Copy)]
pub struct AuthContext {
    pub session: StoredValue<Rc<Session>, LocalStorage>,
    pub state: RwSignal<AuthState>,
    pub base: StoredValue<String>,
}

impl AuthContext {
    pub fn get() -> AuthContext {
        expect_context::<AuthContext>()
    }

    pub fn session(&self) -> Rc<Session> {
        self.session.get_value()
    }

    /// Starts a sign-in, from a click (a popup must open before any `await`).
    pub fn sign_in(&self, interaction: Interaction) {
        self.sign_in_with(interaction, None);
    }

    fn sign_in_with(&self, interaction: Interaction, login_hint: Option<String>) {
        let session = self.session();
        let state = self.state;
        let mut options = sign_in_options(&self.base.get_value());
        if login_hint.is_some() {
            options.login_hint = login_hint;
        }
        match interaction {
            Interaction::Redirect => spawn_local(async move {
                if let Err(error) = session.sign_in_redirect(options).await {
                    state.set(AuthState::SignedOut(Some(error)));
                }
            }),
            Interaction::Popup => match nav::open_popup() {
                Ok(popup) => spawn_local(async move {
                    match session.sign_in_popup(popup, options).await {
                        Ok(account) => state.set(AuthState::SignedIn(account)),
                        Err(error) => state.set(AuthState::SignedOut(Some(error))),
                    }
                }),
                Err(error) => state.set(AuthState::SignedOut(Some(error))),
            },
        }
    }

    /// Signs in as `hint` instead of the account signed in now (from a click).
    pub fn switch_account(&self, hint: String) {
        self.sign_in_with(AuthContext::default_interaction(), Some(hint));
    }

    /// Starts a popup sign-in from a click, and says at once when the browser refused to open
    /// the window (`Err(PopupBlocked)`), so that the same click can still open a new tab. The
    /// sign-in's end shows in [`AuthContext::state`].
    pub fn sign_in_by_popup(&self) -> Result<(), AuthError> {
        let popup = nav::open_popup()?;
        let session = self.session();
        let state = self.state;
        let options = sign_in_options(&self.base.get_value());
        spawn_local(async move {
            match session.sign_in_popup(popup, options).await {
                Ok(account) => state.set(AuthState::SignedIn(account)),
                Err(error) => state.set(AuthState::SignedOut(Some(error))),
            }
        });
        Ok(())
    }

    /// The way to sign in when the user has not chosen: a popup inside a frame (the identity
    /// platform refuses to be framed), else the whole window.
    pub fn default_interaction() -> Interaction {
        if nav::is_framed() {
            Interaction::Popup
        } else {
            Interaction::Redirect
        }
    }

    pub fn sign_out(&self) {
        let session = self.session();
        spawn_local(async move { session.sign_out().await });
    }

    /// A token could not be had silently (the refresh token ran out): sign in again as the
    /// same account and come back to the same view. Done by itself once a minute at most;
    /// after that the user is asked, so a refusal cannot loop.
    pub fn reauthenticate(&self) {
        let session = self.session();
        let now = nav::now_ms();
        if !session.may_reauthenticate(now) {
            self.state
                .set(AuthState::SignedOut(Some(AuthError::InteractionRequired)));
            return;
        }
        let hint = session.account().map(|a| a.username);
        if nav::is_framed() {
            // A popup needs a click: ask for one.
            self.state
                .set(AuthState::SignedOut(Some(AuthError::InteractionRequired)));
        } else {
            self.sign_in_with(Interaction::Redirect, hint);
        }
    }
}

/// Values a help-article link may pass (`?login_hint=…&domain_hint=…&prompt=…`); endpoints
/// never come from the address, only from `config.json`.
fn sign_in_options(base: &str) -> SignInOptions {
    let query = nav::query();
    let params: Vec<(String, String)> =
        url::form_urlencoded::parse(query.trim_start_matches('?').as_bytes())
            .into_owned()
            .collect();
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let path = nav::pathname();
    let view = path.strip_prefix(base).unwrap_or(&path);
    let view = if view.is_empty() { "/" } else { view };
    SignInOptions {
        login_hint: get("login_hint"),
        domain_hint: get("domain_hint"),
        prompt: get("prompt")
            .filter(|p| ["none", "login", "select_account", "consent"].contains(&p.as_str())),
        extra_scopes_to_consent: Vec::new(),
        return_to: format!(
            "{view}{}",
            crate::auth::request::strip_response_params(&query)
        ),
    }
}

/// The sign-in buttons: the default way first, the other way second.
#[component]
pub fn SignInButtons() -> impl IntoView {
    let t = text();
    let auth = AuthContext::get();
    let framed = nav::is_framed();
    view! {
        <div class="actions">
            <button class="button primary" type="button" data-testid="sign-in"
                on:click=move |_| auth.sign_in(AuthContext::default_interaction())>
                {move || t().sign_in}
            </button>
            <button class="button subtle" type="button" data-testid="sign-in-other-way"
                on:click=move |_| auth.sign_in(if framed { Interaction::Redirect } else { Interaction::Popup })>
                {move || if framed { t().sign_in_here } else { t().sign_in_popup }}
            </button>
        </div>
    }
}

/// What went wrong with sign-in, and what to do.
#[component]
pub fn AuthProblem(error: AuthError) -> impl IntoView {
    let t = text();
    let kind = auth_error_kind(&error);
    view! {
        <div class="notice notice-error" role="alert" data-testid="auth-error" data-error-kind=kind>
            <h2>{move || t().auth_problem_title}</h2>
            <p data-testid="auth-error-message">{move || t().auth_error(&error)}</p>
        </div>
    }
}

/// A stable name for each kind of sign-in problem (for tests and support).
pub fn auth_error_kind(error: &AuthError) -> &'static str {
    match error {
        AuthError::Cancelled => "cancelled",
        AuthError::AdminConsentRequired { .. } => "admin-consent-required",
        AuthError::RedirectUriNotRegistered { .. } => "redirect-uri-not-registered",
        AuthError::SpaPlatformMissing { .. } => "spa-platform-missing",
        AuthError::UserNotInTenant => "user-not-in-tenant",
        AuthError::InteractionRequired => "interaction-required",
        AuthError::PopupBlocked => "popup-blocked",
        AuthError::PopupClosed => "popup-closed",
        AuthError::PopupTimedOut => "popup-timed-out",
        AuthError::StateMismatch => "state-mismatch",
        AuthError::NonceMismatch => "nonce-mismatch",
        AuthError::InvalidGrant { .. } => "invalid-grant",
        AuthError::ClockSkew { .. } => "clock-skew",
        AuthError::Network { .. } => "network",
        AuthError::Other { .. } => "other",
        AuthError::Busy { .. } => "busy",
        AuthError::StorageFull => "storage-full",
    }
}

/// Signed in as one account, opened with a link for another: say so, and offer both.
#[component]
pub fn OtherAccount(account: Account, hint: String) -> impl IntoView {
    let t = text();
    let auth = AuthContext::get();
    super::mark_interactive();
    let username = account.username.clone();
    let (notice_user, notice_hint) = (username.clone(), hint.clone());
    let (switch_hint, switch_label) = (hint.clone(), hint.clone());
    let continue_label = username.clone();
    view! {
        <section class="card" data-testid="other-account" aria-labelledby="other-account-title">
            <h1 id="other-account-title">{move || t().other_account_title}</h1>
            <p role="status" data-testid="other-account-message">
                {move || (t().other_account_notice)(&notice_user, &notice_hint)}
            </p>
            <div class="actions">
                <button class="button primary" type="button" data-testid="switch-account"
                    on:click=move |_| auth.switch_account(switch_hint.clone())>
                    {move || (t().other_account_switch)(&switch_label)}
                </button>
                <button class="button subtle" type="button" data-testid="continue-as-signed-in"
                    on:click=move |_| {
                        super::shell::forget_autostart();
                        auth.state.set(AuthState::SignedIn(account.clone()));
                    }>
                    {move || (t().other_account_continue)(&continue_label)}
                </button>
            </div>
        </section>
    }
}

/// The popup's own page after the identity platform sends it back.
#[component]
pub fn PopupReturn() -> impl IntoView {
    let t = text();
    view! {
        <section class="card" data-testid="popup-return">
            <p role="status">{move || t().popup_return}</p>
        </section>
    }
}

/// The signed-in user and the way out.
#[component]
pub fn UserBadge(account: Account) -> impl IntoView {
    let t = text();
    let auth = AuthContext::get();
    let name = if account.name.is_empty() {
        account.username.clone()
    } else {
        account.name.clone()
    };
    let username = account.username.clone();
    view! {
        <div class="user-badge">
            <span class="user-name">
                {move || t().signed_in_as}" "
                <strong data-testid="signed-in-user">{name.clone()}</strong>
                <span class="muted user-upn" data-testid="signed-in-upn">{username.clone()}</span>
            </span>
            <button class="button subtle" type="button" data-testid="sign-out" on:click=move |_| auth.sign_out()>
                {move || t().sign_out}
            </button>
        </div>
    }
}
