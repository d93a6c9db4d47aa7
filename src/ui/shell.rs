//! The page's frame (header, language switcher, main region) and the screens that need no
//! signed-in user: loading, configuration problems, the landing view, not found.

use leptos::prelude::*;

use super::auth_view::{
    AuthContext, AuthProblem, AuthState, OtherAccount, PopupReturn, SignInButtons, UserBadge,
};
use super::{mark_interactive, text};
use leptos::task::spawn_local;

use super::sync_view::SyncView;
use crate::auth::{Account, AuthError};
use crate::config::AppConfig;
use crate::config::ConfigError;
use crate::i18n::Lang;
use crate::sync::{self, SyncFailure, SyncPhase};

/// The frame around every screen.
#[component]
pub fn Shell(children: Children) -> impl IntoView {
    let t = text();
    view! {
        <a class="skip-link" href="#main">{move || t().skip_to_content}</a>
        <header class="app-header">
            <div class="brand">
                <svg class="brand-mark" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
                    <circle cx="16" cy="16" r="15" class="brand-ring"/>
                    <circle cx="16" cy="13" r="5" class="brand-head"/>
                    <path d="M7 26c2-5 5.5-7 9-7s7 2 9 7" class="brand-body"/>
                </svg>
                <span class="brand-name" data-testid="app-title">{move || t().product_name}</span>
            </div>
            <LanguageSwitcher/>
        </header>
        <main id="main" class="app-main" tabindex="-1">{children()}</main>
    }
}

/// A select of the languages the page speaks.
#[component]
fn LanguageSwitcher() -> impl IntoView {
    let lang = expect_context::<RwSignal<Lang>>();
    let t = text();
    view! {
        <label class="lang-switcher">
            <span class="visually-hidden">{move || t().language_label}</span>
            <select
                data-testid="language"
                on:change=move |ev| {
                    if let Some(chosen) = Lang::from_tag(&event_target_value(&ev)) {
                        lang.set(chosen);
                        crate::app::remember_language(chosen);
                    }
                }
            >
                {Lang::ALL
                    .into_iter()
                    .map(|l| {
                        view! {
                            <option value=l.tag() selected=move || lang.get() == l>{l.name()}</option>
                        }
                    })
                    .collect_view()}
            </select>
        </label>
    }
}

#[component]
pub fn Loading() -> impl IntoView {
    let t = text();
    view! {
        <p class="loading" role="status" data-testid="loading">{move || t().loading}</p>
    }
}

/// What is wrong with `config.json`, and who must fix it.
#[component]
pub fn ConfigProblem(error: ConfigError) -> impl IntoView {
    let t = text();
    mark_interactive();
    let error_kind = kind(&error);
    view! {
        <section class="card card-error" role="alert" data-testid="config-error" data-error-kind=error_kind>
            <h1>{move || t().config_problem_title}</h1>
            <p class="error-message" data-testid="config-error-message">{move || t().config_error(&error)}</p>
            <p class="muted">{move || t().config_problem_help}</p>
        </section>
    }
}

fn kind(error: &ConfigError) -> &'static str {
    match error {
        ConfigError::Missing { .. } => "missing",
        ConfigError::Unreachable { .. } => "unreachable",
        ConfigError::Empty => "empty",
        ConfigError::BadJson { .. } => "bad-json",
        ConfigError::MissingField { .. } => "missing-field",
        ConfigError::BadClientId { .. } => "bad-client-id",
        ConfigError::BadUrl { .. } => "bad-url",
        ConfigError::NotHttps { .. } => "not-https",
        ConfigError::NotAnOrigin { .. } => "not-an-origin",
        ConfigError::BadCacheLocation { .. } => "bad-cache-location",
    }
}

/// The start page: what the page does and sign-in, then (signed in) the self-service flow.
#[component]
pub fn Home() -> impl IntoView {
    if crate::embed::browser::is_embedded() {
        return view! { <super::embed_view::EmbedHome/> }.into_any();
    }
    let auth = AuthContext::get();
    (move || match auth.state.get() {
        AuthState::Checking => view! { <Loading/> }.into_any(),
        AuthState::InPopup => view! { <PopupReturn/> }.into_any(),
        AuthState::SignedOut(error) => view! { <Landing error=error/> }.into_any(),
        AuthState::SignedIn(account) => view! { <SignedInHome account=account/> }.into_any(),
        AuthState::OtherAccount { account, hint } => {
            view! { <OtherAccount account=account hint=hint/> }.into_any()
        }
    })
    .into_any()
}

/// Before sign-in: what the page does, and the way in. A help-article link with
/// `autostart=1` signs in by itself (unless that just failed).
#[component]
pub fn Landing(error: Option<AuthError>) -> impl IntoView {
    let t = text();
    let auth = AuthContext::get();
    mark_interactive();
    if error.is_none() && autostart_requested() && !crate::auth::navigation::is_framed() {
        auth.sign_in(crate::auth::request::Interaction::Redirect);
    }
    view! {
        <section class="card landing" data-testid="landing" aria-labelledby="landing-title">
            <h1 id="landing-title">{move || t().landing_title}</h1>
            <p class="lead">{move || t().landing_intro}</p>
            <ol class="steps">
                {move || t().landing_steps.iter().map(|s| view! { <li>{*s}</li> }).collect_view()}
            </ol>
            {error.map(|error| view! { <AuthProblem error=error/> })}
            <SignInButtons/>
        </section>
    }
}

/// True when the address asks to start without a click (`?autostart=1`).
pub fn autostart_requested() -> bool {
    let query = crate::auth::navigation::query();
    url::form_urlencoded::parse(query.trim_start_matches('?').as_bytes())
        .any(|(k, v)| k == "autostart" && (v == "1" || v == "true"))
}

/// Signed in: who, and the self-service flow. The photos are read and compared at once; a
/// help-article link with `autostart=1` also syncs without a click.
#[component]
pub fn SignedInHome(
    account: Account,
    /// Where the sync is; given by an owner that also watches it (the intranet widget).
    #[prop(optional)]
    phase: Option<RwSignal<SyncPhase>>,
) -> impl IntoView {
    let auth = AuthContext::get();
    let config = StoredValue::new(expect_context::<AppConfig>());
    let phase = phase.unwrap_or_else(|| RwSignal::new(SyncPhase::Idle));
    mark_interactive();

    // What the last comparison read: the click writes the photo the page shows without
    // reading it again (while fresh; see `sync::run_sync`).
    let comparison = StoredValue::new_local(None::<sync::Comparison>);

    // One run at a time. The button is disabled while a run is busy, but only once the run's
    // first phase has rendered: two clicks in a row (a double click) both reach this point.
    let running = StoredValue::new(false);

    // `None` reads and compares only; `Some(force)` syncs.
    let start = move |sync: Option<bool>| {
        if running.try_get_value().unwrap_or(true) {
            return;
        }
        running.set_value(true);
        let session = auth.session();
        let config = config.get_value();
        spawn_local(async move {
            let run = || async {
                let report = move |p: SyncPhase| phase.set(p);
                match sync {
                    Some(force) => {
                        let earlier = comparison.try_update_value(Option::take).flatten();
                        sync::run_sync(&config, &*session, force, earlier, report).await
                    }
                    None => {
                        let (last, read) = sync::run_compare(&config, &*session, report).await;
                        comparison.set_value(read);
                        last
                    }
                }
            };
            let refused = |last: &SyncPhase| {
                matches!(
                    last,
                    SyncPhase::Failed {
                        reason: SyncFailure::SignInNeeded,
                        wrote_anything: false
                    }
                )
            };
            let mut last = run().await;
            if refused(&last) {
                // A service refused a token the cache thought fresh (revoked, or expired
                // early): renew it silently with the refresh token and try once more.
                session.drop_access_tokens();
                last = run().await;
            }
            if refused(&last) {
                auth.reauthenticate();
            }
            let _ = running.try_update_value(|r| *r = false);
        });
    };
    if autostart_requested() {
        forget_autostart();
        start(Some(false));
    } else {
        start(None);
    }
    let on_sync = UnsyncCallback::new(move |force: bool| start(Some(force)));
    view! {
        <section class="card" data-testid="signed-in">
            <UserBadge account=account/>
        </section>
        <SyncView phase=phase on_sync=on_sync/>
    }
}

/// Removes `autostart` from the address, so a reload does not sync again by itself.
pub(crate) fn forget_autostart() {
    let nav_query = crate::auth::navigation::query();
    let kept: Vec<(String, String)> =
        url::form_urlencoded::parse(nav_query.trim_start_matches('?').as_bytes())
            .into_owned()
            .filter(|(k, _)| k != "autostart")
            .collect();
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.extend_pairs(kept);
    let query = query.finish();
    let path = crate::auth::navigation::pathname();
    crate::auth::navigation::replace_address(&if query.is_empty() {
        path
    } else {
        format!("{path}?{query}")
    });
}

#[component]
pub fn NotFound() -> impl IntoView {
    let t = text();
    view! {
        <section class="card" data-testid="not-found">
            <h1>{move || t().not_found_title}</h1>
            <p>{move || t().not_found_body}</p>
            <a href="./" class="button">{move || t().go_home}</a>
        </section>
    }
}
