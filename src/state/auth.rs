//! The sign-in controller: the session, where sign-in stands ([`AuthState`]), and what the
//! sign-in buttons do — redirect by default, popup when framed or asked, switching account,
//! signing out, and signing in again by itself when a token cannot be had silently.
//!
//! Holds no tokens (the [`Session`] does) and renders nothing: the views in [`crate::ui`] read
//! [`AuthContext::state`] and call these methods.

use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::auth::navigation as nav;
use crate::auth::request::{hint_for_another_account, Interaction, SignInOptions};
use crate::auth::{Account, AuthError, Session, SignOut, Startup};
use crate::config::AppConfig;
use crate::i18n::Lang;

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

/// The app-wide sign-in controller: the session, its state, and the page's base folder.
#[derive(Clone, Copy)]
pub struct AuthContext {
    session: StoredValue<Rc<Session>, LocalStorage>,
    state: RwSignal<AuthState>,
    base: StoredValue<String>,
    /// Signed out in this page only (a framed page: [`SignOut::HereOnly`]), since the last
    /// sign-in.
    signed_out_here: RwSignal<bool>,
    /// A sign-in in the whole window is on its way out: the page is about to leave for the
    /// identity platform, and a second press starts no second sign-in.
    leaving: RwSignal<bool>,
}

impl AuthContext {
    /// The session for `config` (with the page's folder `base`) as context, with the
    /// configuration, finishing a sign-in that came back to this page, if one did.
    pub fn start(config: AppConfig, base: String) -> AuthContext {
        let session = Rc::new(Session::new(config.clone(), &base));
        provide_context(config);
        let auth = AuthContext {
            session: StoredValue::new_local(session.clone()),
            state: RwSignal::new(AuthState::Checking),
            base: StoredValue::new(base.clone()),
            signed_out_here: RwSignal::new(false),
            leaving: RwSignal::new(false),
        };
        provide_context(auth);
        // Back from the identity platform through the browser's history (the page kept in
        // the back-forward cache): the sign-in did not go on, so the button works again.
        nav::on_page_shown(move || auth.leaving.set(false));
        // A sign-out in another tab signs this one out too.
        let forget = session.clone();
        nav::on_sign_out_elsewhere(move || {
            forget.forget();
            auth.state.set(AuthState::SignedOut(None));
        });
        spawn_local(async move {
            let startup = session.start(&base).await;
            if let Startup::SignedIn { return_to } = &startup {
                // A sign-in started on admin.html or tools.html comes back to the folder's
                // redirect URI (this page): it goes on to the page it started from.
                if other_page(&base, return_to) {
                    nav::leave_for(return_to);
                    return;
                }
            }
            let state = state_after(startup, session.account(), &nav::query());
            auth.state.set(state);
        });
        auth
    }

    pub fn get() -> AuthContext {
        expect_context::<AuthContext>()
    }

    /// Where sign-in stands.
    pub fn state(&self) -> ReadSignal<AuthState> {
        self.state.read_only()
    }

    pub fn session(&self) -> Rc<Session> {
        self.session.get_value()
    }

    /// True while a sign-in in the whole window is on its way out (see [`AuthContext::sign_in`]).
    pub fn leaving(&self) -> ReadSignal<bool> {
        self.leaving.read_only()
    }

    /// True after a sign-out that forgot the session in this page only (in a frame), until
    /// the next sign-in: the identity platform may still have the person signed in.
    pub fn signed_out_here(&self) -> ReadSignal<bool> {
        self.signed_out_here.read_only()
    }

    /// The folder the page is served from (`""` at the root of its host).
    pub fn base(&self) -> String {
        self.base.get_value()
    }

    /// Starts a sign-in, from a click (a popup must open before any `await`).
    pub fn sign_in(&self, interaction: Interaction) {
        self.sign_in_with(interaction, None);
    }

    /// Signs in without a click when a help-article link asks for it (`autostart=1`), at top
    /// level only, and not again after `failed` (a sign-in that just failed).
    /// Also signs in once when the sign-in button of the page's first module (`crate::first`)
    /// was pressed before the app took the screen over.
    pub fn sign_in_if_link_asks(&self, failed: bool) {
        if take_sign_in_asked() && !nav::is_framed() {
            self.sign_in(AuthContext::default_interaction());
        } else if !failed && super::address::autostart_requested() && !nav::is_framed() {
            self.sign_in(Interaction::Redirect);
        }
    }

    /// Sends the whole window to the identity platform with `options`, once: a press while the
    /// page is already on its way out starts no second sign-in ([`AuthContext::leaving`]).
    fn leave_for_sign_in(&self, session: Rc<Session>, options: SignInOptions) {
        if self.leaving.get_untracked() {
            return;
        }
        let (leaving, state) = (self.leaving, self.state);
        leaving.set(true);
        spawn_local(async move {
            if let Err(error) = session.sign_in_redirect(options).await {
                leaving.set(false);
                state.set(AuthState::SignedOut(Some(error)));
            }
        });
    }

    fn sign_in_with(&self, interaction: Interaction, login_hint: Option<String>) {
        let session = self.session();
        let (state, signed_out_here) = (self.state, self.signed_out_here);
        let mut options = sign_in_options(&self.base.get_value());
        if login_hint.is_some() {
            options.login_hint = login_hint;
        }
        match interaction {
            Interaction::Redirect => self.leave_for_sign_in(session, options),
            Interaction::Popup => match nav::open_popup() {
                Ok(popup) => spawn_local(async move {
                    match session.sign_in_popup(popup, options).await {
                        Ok(account) => {
                            signed_out_here.set(false);
                            state.set(AuthState::SignedIn(account));
                        }
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

    /// Stays with the account signed in now although the link named another: its
    /// `autostart` is dropped, so that nobody else's link syncs this account by itself.
    pub fn continue_as(&self, account: Account) {
        super::address::forget_autostart();
        self.state.set(AuthState::SignedIn(account));
    }

    /// A sign-in finished elsewhere (the setup check's test sign-in): show who is signed in.
    pub fn signed_in(&self, account: Account) {
        self.state.set(AuthState::SignedIn(account));
    }

    /// Starts a popup sign-in from a click, and says at once when the browser refused to open
    /// the window (`Err(PopupBlocked)`), so that the same click can still open a new tab. The
    /// sign-in's end shows in [`AuthContext::state`].
    pub fn sign_in_by_popup(&self) -> Result<(), AuthError> {
        let popup = nav::open_popup()?;
        let session = self.session();
        let (state, signed_out_here) = (self.state, self.signed_out_here);
        let mut options = sign_in_options(&self.base.get_value());
        if signed_out_here.get_untracked() && options.prompt.is_none() {
            // Signed out here only: the identity platform still knows the person, and would
            // sign the same account in again without asking. Let them choose.
            options.prompt = Some("select_account".to_owned());
        }
        spawn_local(async move {
            match session.sign_in_popup(popup, options).await {
                Ok(account) => {
                    signed_out_here.set(false);
                    state.set(AuthState::SignedIn(account));
                }
                Err(error) => state.set(AuthState::SignedOut(Some(error))),
            }
        });
        Ok(())
    }

    /// Asks for `scopes` (of any resource) on top of the sign-in, as the admin audit does when
    /// it first starts (incremental consent): a popup from a click, the whole window from a
    /// link. The access tokens already held are dropped so that the next ones carry the new
    /// permissions.
    /// `then` runs once a popup consent succeeded.
    pub fn consent_to(
        &self,
        scopes: Vec<String>,
        interaction: Interaction,
        then: impl FnOnce() + 'static,
    ) {
        let session = self.session();
        let state = self.state;
        let mut options = sign_in_options(&self.base.get_value());
        options.login_hint = session.account().map(|a| a.username);
        options.extra_scopes_to_consent = scopes;
        session.drop_access_tokens();
        match interaction {
            Interaction::Redirect => self.leave_for_sign_in(session, options),
            Interaction::Popup => match nav::open_popup() {
                Ok(popup) => spawn_local(async move {
                    match session.sign_in_popup(popup, options).await {
                        Ok(account) => {
                            session.drop_access_tokens();
                            if state.get_untracked() != AuthState::SignedIn(account.clone()) {
                                state.set(AuthState::SignedIn(account));
                            }
                            then();
                        }
                        Err(error) => state.set(AuthState::SignedOut(Some(error))),
                    }
                }),
                Err(error) => state.set(AuthState::SignedOut(Some(error))),
            },
        }
    }

    /// The way to sign in when the user has not chosen: a popup inside a frame (the identity
    /// platform refuses to be framed) or where the whole window could not come back to the
    /// sign-in it started (sessionStorage blocked or full: the request would be forgotten on
    /// the way), else the whole window.
    pub fn default_interaction() -> Interaction {
        if nav::is_framed() || !session_storage_keeps_values() {
            Interaction::Popup
        } else {
            Interaction::Redirect
        }
    }

    /// Signs in again as the account signed in now, the usual way, from a click (after the
    /// services kept refusing its tokens).
    pub fn sign_in_again(&self) {
        let hint = self.session().account().map(|a| a.username);
        self.sign_in_with(AuthContext::default_interaction(), hint);
    }

    /// The other way to sign in, offered second.
    pub fn other_interaction() -> Interaction {
        match AuthContext::default_interaction() {
            Interaction::Popup => Interaction::Redirect,
            Interaction::Redirect => Interaction::Popup,
        }
    }

    /// Signs out: at top level the page leaves for the identity platform's end-session page;
    /// in a frame the session is forgotten here only, and the screens say so
    /// ([`AuthContext::signed_out_here`]).
    pub fn sign_out(&self) {
        let session = self.session();
        let (state, signed_out_here) = (self.state, self.signed_out_here);
        spawn_local(async move {
            if session.sign_out().await == SignOut::HereOnly {
                signed_out_here.set(true);
                state.set(AuthState::SignedOut(None));
            }
        });
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

/// Where sign-in stands once the session has started: `startup` as [`Session::start`] said,
/// `account` the one signed in now, `query` the page's address query. A link for someone
/// else (`login_hint`) does not sync whoever is signed in.
pub fn state_after(startup: Startup, account: Option<Account>, query: &str) -> AuthState {
    match startup {
        Startup::InPopup => AuthState::InPopup,
        Startup::Failed(error) => AuthState::SignedOut(Some(error)),
        Startup::Ready => match account {
            Some(account) => match hint_for_another_account(query, &account.username) {
                Some(hint) => AuthState::OtherAccount { account, hint },
                None => AuthState::SignedIn(account),
            },
            None => AuthState::SignedOut(None),
        },
        Startup::SignedIn { .. } => match account {
            Some(account) => AuthState::SignedIn(account),
            None => AuthState::SignedOut(None),
        },
    }
}

/// True when `return_to` (a path under `base`) is another page of the folder than the one
/// running (`…/admin.html`, `…/tools.html`), not a view of this one.
pub fn other_page(base: &str, return_to: &str) -> bool {
    let path = return_to.split(['?', '#']).next().unwrap_or_default();
    let page = path.strip_prefix(base).unwrap_or(path);
    page.ends_with(".html") && page != "/index.html" && !page.contains("//")
}

/// The attribute of the document's `<html>` with which the page's first module
/// (`crate::first`) hands the app a press of its sign-in button that came before the app was
/// up. On the document, not in storage: the press is this page load's, and a reload (say after
/// the app failed to load) does not sign in by itself.
pub const SIGN_IN_ASKED: &str = "data-pps-sign-in-asked";

/// Whether the first module's sign-in button was pressed ([`SIGN_IN_ASKED`]); once.
fn take_sign_in_asked() -> bool {
    let Some(html) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    else {
        return false;
    };
    let asked = html.has_attribute(SIGN_IN_ASKED);
    let _ = html.remove_attribute(SIGN_IN_ASKED);
    asked
}

/// True when this page's sessionStorage takes a value and gives it back: a sign-in in the whole
/// window keeps its request there while the page is away.
pub fn session_storage_keeps_values() -> bool {
    const PROBE: &str = "pps.probe";
    let Some(storage) = web_sys::window().and_then(|w| w.session_storage().ok().flatten()) else {
        return false;
    };
    let kept = storage.set_item(PROBE, "1").is_ok()
        && storage.get_item(PROBE).ok().flatten().as_deref() == Some("1");
    let _ = storage.remove_item(PROBE);
    kept
}

/// Values a help-article link may pass (`?login_hint=…&domain_hint=…&prompt=…`); endpoints
/// never come from the address, only from `config.json`.
fn sign_in_options(base: &str) -> SignInOptions {
    SignInOptions {
        ui_locales: use_context::<RwSignal<Lang>>()
            .map(|lang| lang.get_untracked().tag().to_owned()),
        ..sign_in_options_for(base, &nav::pathname(), &nav::query())
    }
}

/// [`sign_in_options`] for the page at `path` with `query`.
pub fn sign_in_options_for(base: &str, path: &str, query: &str) -> SignInOptions {
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
    let view = path.strip_prefix(base).unwrap_or(path);
    let view = if view.is_empty() { "/" } else { view };
    SignInOptions {
        login_hint: get("login_hint"),
        domain_hint: get("domain_hint"),
        prompt: get("prompt")
            .filter(|p| ["none", "login", "select_account", "consent"].contains(&p.as_str())),
        extra_scopes_to_consent: Vec::new(),
        return_to: format!(
            "{view}{}",
            crate::auth::request::strip_response_params(query)
        ),
        ui_locales: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn adele() -> Account {
        Account {
            home_account_id: "o.t".into(),
            oid: "o".into(),
            tid: "t".into(),
            name: "Adele Vance".into(),
            username: "adele@contoso.onmicrosoft.com".into(),
        }
    }

    #[test]
    fn a_session_from_before_is_signed_in_unless_the_link_names_another_account() {
        assert_eq!(
            state_after(Startup::Ready, Some(adele()), ""),
            AuthState::SignedIn(adele())
        );
        assert_eq!(
            state_after(
                Startup::Ready,
                Some(adele()),
                "?login_hint=ADELE%40contoso.onmicrosoft.com"
            ),
            AuthState::SignedIn(adele()),
            "user names compare without case"
        );
        assert_eq!(
            state_after(
                Startup::Ready,
                Some(adele()),
                "?login_hint=janis%40contoso.onmicrosoft.com&autostart=1"
            ),
            AuthState::OtherAccount {
                account: adele(),
                hint: "janis@contoso.onmicrosoft.com".into()
            }
        );
        assert_eq!(
            state_after(Startup::Ready, None, ""),
            AuthState::SignedOut(None)
        );
    }

    #[test]
    fn a_sign_in_from_another_page_goes_back_there() {
        assert!(other_page(
            "/photo",
            "/photo/admin.html?audit=all&autostart=1"
        ));
        assert!(other_page("", "/tools.html#/setup"));
        assert!(!other_page("/photo", "/photo/?autostart=1"));
        assert!(!other_page("/photo", "/photo/index.html"));
        assert!(!other_page("", "//evil.example/x.html"));
    }

    #[test]
    fn a_finished_sign_in_is_who_signed_in_whatever_the_link_said() {
        let back = Startup::SignedIn {
            return_to: "/".into(),
        };
        assert_eq!(
            state_after(
                back,
                Some(adele()),
                "?login_hint=janis%40contoso.onmicrosoft.com"
            ),
            AuthState::SignedIn(adele())
        );
        assert_eq!(
            state_after(Startup::Failed(AuthError::StateMismatch), Some(adele()), ""),
            AuthState::SignedOut(Some(AuthError::StateMismatch))
        );
        assert_eq!(state_after(Startup::InPopup, None, ""), AuthState::InPopup);
    }

    #[test]
    fn a_link_passes_its_hints_and_a_known_prompt_and_comes_back_to_its_view() {
        let options = sign_in_options_for(
            "/photo",
            "/photo/admin",
            "?login_hint=%20a%40b.c%20&domain_hint=&prompt=consent&autostart=1",
        );
        assert_eq!(options.login_hint.as_deref(), Some("a@b.c"));
        assert_eq!(options.domain_hint, None, "an empty value is no value");
        assert_eq!(options.prompt.as_deref(), Some("consent"));
        assert!(
            options.return_to.starts_with("/admin?"),
            "{}",
            options.return_to
        );
        assert!(options.return_to.contains("autostart=1"));

        let options = sign_in_options_for("/photo", "/photo", "?prompt=evil");
        assert_eq!(options.prompt, None, "only the prompts the platform knows");
        assert!(options.return_to.starts_with('/'), "{}", options.return_to);
    }
}
