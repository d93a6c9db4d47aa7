//! The page's frame (header with the language switcher and, signed in, the account; the main
//! region; the footer) and the screens that need neither a session nor a sign-in:
//! configuration problems and not found.

use leptos::prelude::*;

use super::{mark_interactive, text, use_document_title};
use crate::auth::Account;
use crate::config::{ConfigError, SupportContact, VERSION};
use crate::i18n::{Catalogue, Lang};
use crate::state::auth::AuthContext;
use crate::state::language;

/// Who is signed in, shown at the top right of the header as Microsoft 365 shows it, with the
/// way out. The frame owns the slot; the signed-in screen fills it ([`HeaderAccount::show`])
/// for as long as it is on screen.
#[derive(Clone, Copy)]
pub struct HeaderAccount(RwSignal<Option<(Account, AuthContext)>>);

impl HeaderAccount {
    /// Shows `account` in the header until the calling view goes; signing out there goes
    /// through `auth`. Does nothing outside a [`Shell`].
    pub fn show(account: Account, auth: AuthContext) {
        let Some(HeaderAccount(slot)) = use_context::<HeaderAccount>() else {
            return;
        };
        slot.set(Some((account, auth)));
        on_cleanup(move || {
            slot.try_set(None);
        });
    }
}

/// The frame around every screen.
#[component]
pub fn Shell(children: Children) -> impl IntoView {
    let t = text();
    let account = RwSignal::new(None);
    provide_context(HeaderAccount(account));
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
            <div class="header-end">
                <LanguageSwitcher/>
                {move || {
                    let t = t();
                    account.get().map(|(account, auth)| account_badge(t, account, auth))
                }}
            </div>
        </header>
        <main id="main" class="app-main" tabindex="-1">{children()}</main>
        <footer class="app-footer">
            <span data-testid="app-version">{move || (t().version)(VERSION)}</span>
        </footer>
    }
}

/// The signed-in account in the header: initials, name and user name (the names hidden on
/// narrow screens, where the initials stand for them), and sign-out.
fn account_badge(t: &'static Catalogue, account: Account, auth: AuthContext) -> impl IntoView {
    let name = if account.name.is_empty() {
        account.username.clone()
    } else {
        account.name.clone()
    };
    let initials = initials(&name);
    view! {
        <div class="header-account" data-testid="header-account">
            <span class="account-initials" aria-hidden="true">{initials}</span>
            <span class="account-names">
                <span class="visually-hidden">{t.signed_in_as}" "</span>
                <span class="account-name" data-testid="signed-in-user">{name}</span>
                <span class="account-upn" data-testid="signed-in-upn">{account.username}</span>
            </span>
            <button class="button header-button" type="button" data-testid="sign-out"
                on:click=move |_| auth.sign_out()>
                {t.sign_out}
            </button>
        </div>
    }
}

/// Up to two initials of a name, as Microsoft 365 draws a person without a picture:
/// "Adele Vance" → "AV", "adele@contoso.com" → "A". (ASCII letters are upper-cased; names
/// are written with capitals, and Unicode's case tables would weigh more than they give.)
fn initials(name: &str) -> String {
    name.split([' ', '@'])
        .take_while(|word| !word.contains('.'))
        .filter_map(|word| {
            word.chars()
                .find(|c| c.is_ascii_alphabetic() || !c.is_ascii())
        })
        .map(|c| c.to_ascii_uppercase())
        .take(2)
        .collect()
}

/// A select of the languages the page speaks, each option marked with its own language so
/// that a screen reader says "Latviešu" in Latvian.
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
                            <option value=l.tag() lang=l.tag() selected=move || lang.get() == l>{l.name()}</option>
                        }
                    })
                    .collect_view()}
            </select>
        </label>
    }
}

/// `config.json` is missing or wrong: an employee is told to contact IT (with the support
/// contact when the file names a valid one), and whoever set the page up gets what is wrong and
/// the way to the setup check.
#[component]
pub fn ConfigProblem(
    error: ConfigError,
    /// The support contact the broken file still names, if any.
    support: Option<SupportContact>,
    /// The setup check's address (`tools.html#/setup` beside the page).
    #[prop(into)]
    setup_href: String,
) -> impl IntoView {
    let t = text();
    mark_interactive();
    use_document_title(|t| t.config_problem_title);
    let error_kind = kind(&error);
    let body = move || {
        let t = t();
        view! {
            <h1 id="config-error-title">{t.config_problem_title}</h1>
            <p class="lead" data-testid="config-error-employee">{t.config_problem_employee}</p>
            {support.clone().map(|support| support_line(t, support))}
            <h2>{t.config_problem_admin_title}</h2>
            <p class="error-message" data-testid="config-error-message">{t.config_error(&error)}</p>
            <p>
                {t.config_problem_help}" "
                <a href=setup_href.clone() data-testid="config-error-setup">{t.config_problem_open_setup}</a>
            </p>
        }
    };
    view! {
        <section class="card card-error" data-testid="config-error" data-error-kind=error_kind
            aria-labelledby="config-error-title">
            {body}
        </section>
    }
}

/// "Help from your IT department:" and the deployment's support contact.
pub fn support_line(t: &'static Catalogue, support: SupportContact) -> impl IntoView {
    view! {
        <p class="support-line" data-testid="support">
            {t.support_label}" "
            <a href=support.href().to_owned() data-testid="support-link"
                data-kind=if support.is_mail() { "mail" } else { "page" }>
                {support.label()}
            </a>
        </p>
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
        ConfigError::BadSupport { .. } => "bad-support",
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    let t = text();
    use_document_title(|t| t.not_found_title);
    view! {
        <section class="card" data-testid="not-found">
            <h1>{move || t().not_found_title}</h1>
            <p>{move || t().not_found_body}</p>
            <a href="./" class="button">{move || t().go_home}</a>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::initials;

    #[test]
    fn initials_of_names_and_user_names() {
        assert_eq!(initials("Adele Vance"), "AV");
        assert_eq!(initials("Jānis Bērziņš"), "JB");
        assert_eq!(initials("Grady Archie de la Cruz"), "GA");
        assert_eq!(initials("adele@contoso.onmicrosoft.com"), "A");
        assert_eq!(initials("Ēriks"), "Ē");
        assert_eq!(
            initials("ēriks ozols"),
            "ēO",
            "ASCII letters only are upper-cased"
        );
        assert_eq!(initials(""), "");
    }
}
