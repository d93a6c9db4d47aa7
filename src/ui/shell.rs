//! The page's frame (header, language switcher, main region) and the screens that need
//! neither a session nor a sign-in: configuration problems and not found.

use leptos::prelude::*;

use super::{mark_interactive, text};
use crate::config::{ConfigError, VERSION};
use crate::i18n::Lang;
use crate::state::language;

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
        <footer class="app-footer">
            <span data-testid="app-version">{move || (t().version)(VERSION)}</span>
        </footer>
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
                        language::choose(chosen);
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
        ConfigError::BadSharePointScope { .. } => "bad-share-point-scopes",
    }
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
