//! Sign-in on screen: the sign-in button (redirect by default, popup when framed or when a
//! redirect cannot work, and offered beside it after a failed sign-in),
//! the popup's return page, sign-in problems with their fix, and the signed-in user's badge.
//!
//! The components hold no tokens, do no I/O and decide nothing: they render
//! [`AuthState`](crate::state::auth::AuthState) and call the sign-in controller,
//! [`AuthContext`].

use leptos::prelude::*;

use super::text;
use crate::auth::request::Interaction;
use crate::auth::{api_of, Account, AuthError, DiscoveryProblem};
use crate::i18n::Catalogue;
use crate::state::auth::AuthContext;

/// The way in: one sign-in button, in the whole window (or, where a redirect cannot come back
/// to a sign-in it remembers, in a pop-up window). Only after a sign-in `failed` is the pop-up
/// window offered beside it, for browsers where the redirect keeps failing.
#[component]
pub fn SignInButtons(
    /// A sign-in has just failed.
    #[prop(optional)]
    failed: bool,
) -> impl IntoView {
    let t = text();
    let auth = AuthContext::get();
    let way = AuthContext::default_interaction();
    let offer_popup = failed && way == Interaction::Redirect;
    view! {
        <div class="actions">
            <button class="button primary" type="button" data-testid="sign-in"
                data-interaction=interaction_name(way)
                aria-busy=move || auth.leaving().get().then_some("true")
                aria-disabled=move || auth.leaving().get().then_some("true")
                on:click=move |_| auth.sign_in(way)>
                {move || t().sign_in}
            </button>
            {offer_popup.then(|| view! {
                <button class="button subtle" type="button" data-testid="sign-in-other-way"
                    data-interaction="popup"
                    on:click=move |_| auth.sign_in(Interaction::Popup)>
                    {move || t().sign_in_popup}
                </button>
            })}
        </div>
    }
}

/// `redirect` or `popup`, for the `data-interaction` attribute tests read.
fn interaction_name(interaction: Interaction) -> &'static str {
    match interaction {
        Interaction::Redirect => "redirect",
        Interaction::Popup => "popup",
    }
}

/// What went wrong with sign-in, and what to do; below it, labelled, the technical details
/// (the identity platform's own words, verbatim) where there are any.
#[component]
pub fn AuthProblem(error: AuthError) -> impl IntoView {
    let t = text();
    let kind = auth_error_kind(&error);
    let details = auth_error_details(&error);
    view! {
        <div class="notice notice-error" role="alert" data-testid="auth-error" data-error-kind=kind>
            <h2>{move || t().auth_problem_title}</h2>
            <p data-testid="auth-error-message">{move || auth_error_message(t(), &error)}</p>
            {details.map(|details| view! {
                <p class="muted auth-error-details">
                    {move || t().sync_details_label} " " <code data-testid="auth-error-details">{details}</code>
                </p>
            })}
        </div>
    }
}

/// A sign-in problem in the page's language, with what to do about it, followed by its
/// technical details (labelled) where there are any: for screens that show it as one text.
pub fn auth_error_text(t: &Catalogue, error: &AuthError) -> String {
    let message = auth_error_message(t, error);
    match auth_error_details(error) {
        Some(details) => format!("{message} {}", (t.technical_details)(&details)),
        None => message,
    }
}

/// The technical details of a sign-in problem that its message does not carry: the identity
/// platform's code and words, the network's, the check that failed — verbatim, in no
/// language of the page's (so shown only under a label).
pub fn auth_error_details(error: &AuthError) -> Option<String> {
    match error {
        AuthError::InvalidGrant { .. }
        | AuthError::Network { .. }
        | AuthError::Discovery { .. }
        | AuthError::IdToken { .. }
        | AuthError::Other { .. } => Some(error.to_string()),
        _ => None,
    }
}

/// A sign-in problem in the page's language, with what to do about it: words of the
/// catalogue only.
pub fn auth_error_message(t: &Catalogue, error: &AuthError) -> String {
    match error {
        AuthError::Cancelled => t.auth_cancelled.to_owned(),
        AuthError::AdminConsentRequired { code, scopes } => {
            let permissions = crate::auth::permission_names(scopes);
            if permissions.is_empty() {
                (t.auth_admin_consent)(code)
            } else {
                (t.auth_admin_consent_for)(code, api_of(scopes), &permissions.join(", "))
            }
        }
        AuthError::RedirectUriNotRegistered { redirect_uri } => (t.auth_redirect_uri)(redirect_uri),
        AuthError::SpaPlatformMissing { redirect_uri } => (t.auth_spa_missing)(redirect_uri),
        AuthError::UserNotInTenant => t.auth_user_not_in_tenant.to_owned(),
        AuthError::InteractionRequired => t.auth_interaction_required.to_owned(),
        AuthError::PopupBlocked => t.auth_popup_blocked.to_owned(),
        AuthError::PopupClosed => t.auth_popup_closed.to_owned(),
        AuthError::PopupTimedOut => t.auth_popup_timed_out.to_owned(),
        AuthError::StateMismatch => t.auth_state_mismatch.to_owned(),
        AuthError::NonceMismatch => t.auth_nonce_mismatch.to_owned(),
        AuthError::InvalidGrant { .. } => t.auth_invalid_grant.to_owned(),
        AuthError::ClockSkew { seconds } => (t.auth_clock_skew)(*seconds),
        AuthError::Network { .. } => t.auth_network.to_owned(),
        AuthError::Other { .. } => t.auth_other.to_owned(),
        AuthError::Busy { status } => (t.auth_busy)(*status),
        AuthError::StorageFull => t.auth_storage_full.to_owned(),
        AuthError::Discovery {
            problem: DiscoveryProblem::NotFound { url, status },
        } => (t.auth_discovery_not_found)(url, *status),
        AuthError::Discovery { .. } => t.auth_discovery_unusable.to_owned(),
        AuthError::IdToken { .. } => t.auth_id_token.to_owned(),
        AuthError::NoSecureRandom => t.auth_no_secure_random.to_owned(),
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
        AuthError::Discovery { .. } => "discovery",
        AuthError::IdToken { .. } => "id-token",
        AuthError::NoSecureRandom => "no-secure-random",
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
                    on:click=move |_| auth.continue_as(account.clone())>
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::IdTokenProblem;
    use crate::i18n::Lang;

    fn every_error() -> Vec<AuthError> {
        let s = || "x".to_owned();
        vec![
            AuthError::Cancelled,
            AuthError::AdminConsentRequired {
                code: s(),
                scopes: vec![],
            },
            AuthError::RedirectUriNotRegistered { redirect_uri: s() },
            AuthError::SpaPlatformMissing { redirect_uri: s() },
            AuthError::UserNotInTenant,
            AuthError::InteractionRequired,
            AuthError::PopupBlocked,
            AuthError::PopupClosed,
            AuthError::PopupTimedOut,
            AuthError::StateMismatch,
            AuthError::NonceMismatch,
            AuthError::InvalidGrant { description: s() },
            AuthError::ClockSkew { seconds: 900 },
            AuthError::Network { detail: s() },
            AuthError::Other {
                code: s(),
                description: s(),
            },
            AuthError::Busy { status: 503 },
            AuthError::StorageFull,
            AuthError::Discovery {
                problem: DiscoveryProblem::NotFound {
                    url: s(),
                    status: 404,
                },
            },
            AuthError::IdToken {
                problem: IdTokenProblem::Missing,
            },
            AuthError::NoSecureRandom,
        ]
    }

    #[test]
    fn a_missing_admin_consent_names_the_api_and_its_permissions() {
        let error = AuthError::AdminConsentRequired {
            code: "AADSTS65001".into(),
            scopes: vec![
                "https://contoso-my.sharepoint.com/User.ReadWrite.All".into(),
                "https://contoso-my.sharepoint.com/AllSites.Read".into(),
                "offline_access".into(),
            ],
        };
        for lang in Lang::ALL {
            let text = auth_error_text(lang.text(), &error);
            assert!(
                text.contains("SharePoint")
                    && text.contains("User.ReadWrite.All, AllSites.Read")
                    && text.contains("AADSTS65001")
                    && !text.contains("offline_access"),
                "{lang:?}: {text}"
            );
        }
        let graph = AuthError::AdminConsentRequired {
            code: "AADSTS90094".into(),
            scopes: vec!["openid".into(), "User.Read".into()],
        };
        assert!(auth_error_text(Lang::En.text(), &graph)
            .contains("Microsoft Graph permissions User.Read"));
    }

    #[test]
    fn every_sign_in_problem_has_a_message_in_each_language_and_a_kind_of_its_own() {
        for lang in Lang::ALL {
            for error in every_error() {
                assert!(
                    !auth_error_text(lang.text(), &error).is_empty(),
                    "{lang:?} {error:?}"
                );
            }
        }
        let kinds: std::collections::HashSet<_> =
            every_error().iter().map(auth_error_kind).collect();
        assert_eq!(kinds.len(), every_error().len());
        let redirect = AuthError::RedirectUriNotRegistered {
            redirect_uri: "https://intranet.example/photo/".into(),
        };
        assert!(
            auth_error_text(Lang::En.text(), &redirect).contains("https://intranet.example/photo/")
        );
        assert_ne!(
            auth_error_text(Lang::En.text(), &redirect),
            auth_error_text(Lang::Lv.text(), &redirect)
        );
    }

    /// Issue: a Latvian page showed the identity platform's and the page's own English inside
    /// its sign-in messages ("Pierakstīšanās neizdevās: invalid_issuer. the id token was
    /// issued by …"). The message is the catalogue's; what is not is under a label.
    #[test]
    fn a_sign_in_message_is_the_catalogues_and_the_platforms_words_are_labelled_details() {
        let refused = AuthError::InvalidGrant {
            description: "AADSTS54005: OAuth2 Authorization code was already redeemed.".into(),
        };
        let lv = Lang::Lv.text();
        assert_eq!(auth_error_message(lv, &refused), lv.auth_invalid_grant);
        assert_eq!(
            auth_error_text(lv, &refused),
            format!(
                "{} Tehniskā informācija: invalid_grant: AADSTS54005: OAuth2 Authorization code was already redeemed.",
                lv.auth_invalid_grant
            )
        );
        for error in every_error() {
            let message = auth_error_message(lv, &error);
            assert!(
                !message.contains("AADSTS54005") && !message.contains(" the "),
                "{error:?}: {message}"
            );
        }
        assert_eq!(auth_error_details(&AuthError::PopupBlocked), None);
    }

    #[test]
    fn a_full_storage_and_a_busy_service_say_why_and_what_to_do() {
        let en = Lang::En.text();
        let full = auth_error_message(en, &AuthError::StorageFull);
        assert!(full.contains("storage for this page is full"), "{full}");
        let busy = auth_error_message(en, &AuthError::Busy { status: 503 });
        assert!(
            busy.contains("busy") && busy.contains("try again"),
            "{busy}"
        );
        assert!(!busy.contains("sign in again"), "{busy}");
    }
}
