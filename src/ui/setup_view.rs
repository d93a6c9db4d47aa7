//! The setup check screen (`#/setup`): one row per [`SetupStep`], green when it works and red
//! with the exact fix when it does not. The steps run through [`crate::setup`]; this screen
//! only starts them (the test sign-in from a click, so that its popup may open) and renders
//! their [`CheckOutcome`]s.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::auth_view::auth_error_text;
use super::links_view::CopyButton;
use super::{mark_interactive, text};
use crate::auth::navigation as nav;
use crate::auth::{permission_names, AuthError};
use crate::config::{AppConfig, ConfigError};
use crate::i18n::Catalogue;
use crate::setup::{self, CheckOutcome, Evidence, SetupProblem, SetupStep};
use crate::state::auth::AuthContext;

/// The setup check, once `config.json` is valid.
#[component]
pub fn SetupView() -> impl IntoView {
    let t = text();
    let auth = AuthContext::get();
    let config = expect_context::<AppConfig>();
    mark_interactive();
    let outcome = |o: CheckOutcome| RwSignal::new(o);
    let discovery = outcome(CheckOutcome::Running);
    let sign_in = outcome(CheckOutcome::Waiting);
    let graph = outcome(CheckOutcome::Waiting);
    let my_site = outcome(CheckOutcome::Waiting);
    let permission = outcome(CheckOutcome::Waiting);
    let redirect_uri = auth.session().redirect_uri().to_owned();
    // Checked now against the page's own address; the test sign-in tells whether it is
    // registered.
    let redirect = outcome(setup::check::redirect_uri_check(
        &redirect_uri,
        &nav::origin(),
        &auth.base(),
    ));
    let redirect_before_sign_in = StoredValue::new(redirect.get_untracked());

    let session = auth.session();
    spawn_local(async move {
        let found = setup::check_discovery(&session).await;
        if !found.passed() {
            for later in [sign_in, graph, my_site, permission] {
                later.set(CheckOutcome::Skipped);
            }
        }
        discovery.set(found);
    });

    let test_sign_in = move |_| {
        // The popup must open inside the click, before anything is awaited.
        let popup = match nav::open_popup() {
            Ok(popup) => popup,
            Err(error) => {
                let uri = auth.session().redirect_uri().to_owned();
                sign_in.set(CheckOutcome::Failed(SetupProblem::from_sign_in(
                    error, &uri,
                )));
                return;
            }
        };
        sign_in.set(CheckOutcome::Running);
        graph.set(CheckOutcome::Waiting);
        my_site.set(CheckOutcome::Waiting);
        permission.set(CheckOutcome::Waiting);
        let before = redirect_before_sign_in.get_value();
        redirect.set(before.clone());
        let session = auth.session();
        spawn_local(async move {
            let signed_in = setup::test_sign_in(&session, popup).await;
            let passed = signed_in.passed();
            redirect.set(setup::check::redirect_uri_after_sign_in(
                before,
                &signed_in,
                session.redirect_uri(),
            ));
            sign_in.set(signed_in);
            if !passed {
                graph.set(CheckOutcome::Skipped);
                my_site.set(CheckOutcome::Skipped);
                permission.set(CheckOutcome::Skipped);
                return;
            }
            if let Some(account) = session.account() {
                auth.signed_in(account);
            }
            graph.set(CheckOutcome::Running);
            let (answered, user) = setup::check_graph(&session).await;
            graph.set(answered);
            match user {
                Some(user) => {
                    my_site.set(CheckOutcome::Running);
                    permission.set(CheckOutcome::Running);
                    let (answered, granted) = setup::check_my_site(&session, &user).await;
                    my_site.set(answered);
                    permission.set(granted);
                }
                None => {
                    my_site.set(CheckOutcome::Skipped);
                    permission.set(CheckOutcome::Skipped);
                }
            }
        });
    };
    let can_sign_in = move || discovery.get().passed() && sign_in.get() != CheckOutcome::Running;
    let all_passed = move || {
        discovery.get().passed()
            && sign_in.get().passed()
            && graph.get().passed()
            && my_site.get().passed()
            && permission.get().passed()
            && redirect.get().passed()
    };

    let config_values = config_values(&config);
    let uri_for_copy = redirect_uri.clone();
    view! {
        <section class="card setup" data-testid="setup" aria-labelledby="setup-title">
            <h1 id="setup-title">{move || t().setup_title}</h1>
            <p class="lead">{move || t().setup_intro}</p>
            <p class="muted" data-testid="setup-version">{move || (t().version)(crate::config::VERSION)}</p>
            <ol class="setup-checks">
                <SetupRow step=SetupStep::Config outcome=Signal::stored(CheckOutcome::Passed(Evidence::ConfigValid))>
                    <dl class="setup-values" data-testid="setup-config-values">
                        {config_values.clone().into_iter().map(|(key, value)| view! {
                            <dt><code>{key}</code></dt>
                            <dd><code>{value}</code></dd>
                        }).collect_view()}
                    </dl>
                </SetupRow>
                <SetupRow step=SetupStep::Discovery outcome=discovery/>
                <SetupRow step=SetupStep::RedirectUri outcome=redirect>
                    <CopyButton text=Signal::stored(uri_for_copy.clone()) testid="copy-redirect-uri"/>
                </SetupRow>
                <SetupRow step=SetupStep::SignIn outcome=sign_in>
                    <p class="muted">{move || t().setup_sign_in_explain}</p>
                    <button type="button" class="button primary" data-testid="setup-test-sign-in"
                        disabled=move || !can_sign_in() on:click=test_sign_in>
                        {move || if sign_in.get().problem().is_some() { t().setup_retry } else { t().setup_sign_in_button }}
                    </button>
                </SetupRow>
                <SetupRow step=SetupStep::Graph outcome=graph/>
                <SetupRow step=SetupStep::MySite outcome=my_site/>
                <SetupRow step=SetupStep::SharePointPermission outcome=permission/>
            </ol>
            <Show when=all_passed>
                <p class="notice notice-success" role="status" data-testid="setup-all-passed">
                    {move || t().setup_all_passed}
                </p>
            </Show>
        </section>
    }
}

/// The setup check when `config.json` itself is missing or invalid: the first row red with
/// its fix, the others not checked.
#[component]
pub fn SetupConfigFailed(error: ConfigError) -> impl IntoView {
    let t = text();
    mark_interactive();
    let failed = CheckOutcome::Failed(SetupProblem::Config(error));
    view! {
        <section class="card setup" data-testid="setup" aria-labelledby="setup-title">
            <h1 id="setup-title">{move || t().setup_title}</h1>
            <p class="lead">{move || t().setup_intro}</p>
            <ol class="setup-checks">
                <SetupRow step=SetupStep::Config outcome=Signal::stored(failed)/>
                {SetupStep::ALL[1..].iter().map(|step| view! {
                    <SetupRow step=*step outcome=Signal::stored(CheckOutcome::Skipped)/>
                }).collect_view()}
            </ol>
        </section>
    }
}

/// The values `config.json` gave, as the page uses them.
fn config_values(config: &AppConfig) -> Vec<(&'static str, String)> {
    let optional = |v: &Option<String>| v.clone().unwrap_or_else(|| "–".to_owned());
    vec![
        ("clientId", config.client_id.clone()),
        ("authority", config.authority.clone()),
        ("graphBaseUrl", config.graph_base_url.clone()),
        (
            "mySiteHost",
            optional(&config.my_site_host.as_deref().map(str::to_owned)),
        ),
        ("adminHost", optional(&config.admin_host)),
        ("redirectUri", optional(&config.redirect_uri)),
        ("sharePointScopes", config.share_point_scopes.join(" ")),
        (
            "embedOrigins",
            if config.embed_origins.is_empty() {
                "–".to_owned()
            } else {
                config.embed_origins.join(", ")
            },
        ),
    ]
}

/// One step: its title, a status people can read without colour, what was found, the fix.
#[component]
fn SetupRow(
    step: SetupStep,
    #[prop(into)] outcome: Signal<CheckOutcome>,
    /// Shown under the row's text (the config values, the copy button, the sign-in button).
    #[prop(optional)]
    children: Option<ChildrenFn>,
) -> impl IntoView {
    let t = text();
    let status = move || outcome.get().status();
    let problem = move || outcome.get().problem().map(SetupProblem::code);
    view! {
        <li class="setup-check" data-testid=format!("setup-{}", step.name())
            data-status=status data-problem=problem>
            <span class="setup-mark" aria-hidden="true">
                {move || match outcome.get() {
                    CheckOutcome::Passed(_) => "✓",
                    CheckOutcome::Failed(_) => "✗",
                    CheckOutcome::Running => "…",
                    _ => "–",
                }}
            </span>
            <div class="setup-body">
                <h2 class="setup-step">
                    {move || step_title(t(), step)}
                    <span class="setup-status">{move || status_label(t(), &outcome.get())}</span>
                </h2>
                {move || {
                    let (detail, fix) = describe(t(), step, &outcome.get());
                    view! {
                        {detail.map(|d| view! { <p class="setup-detail" data-testid=format!("setup-{}-detail", step.name())>{d}</p> })}
                        {fix.map(|f| view! {
                            <p class="setup-fix" data-testid=format!("setup-{}-fix", step.name())>
                                <strong>{t().setup_fix_label}</strong>" "{f}
                            </p>
                        })}
                    }
                }}
                {children.map(|children| children())}
            </div>
        </li>
    }
}

fn step_title(t: &'static Catalogue, step: SetupStep) -> &'static str {
    match step {
        SetupStep::Config => t.setup_step_config,
        SetupStep::Discovery => t.setup_step_discovery,
        SetupStep::RedirectUri => t.setup_step_redirect_uri,
        SetupStep::SignIn => t.setup_step_sign_in,
        SetupStep::Graph => t.setup_step_graph,
        SetupStep::MySite => t.setup_step_my_site,
        SetupStep::SharePointPermission => t.setup_step_sharepoint_permission,
    }
}

fn status_label(t: &'static Catalogue, outcome: &CheckOutcome) -> &'static str {
    match outcome {
        CheckOutcome::Waiting => t.setup_status_waiting,
        CheckOutcome::Running => t.setup_status_running,
        CheckOutcome::Passed(_) => t.setup_status_passed,
        CheckOutcome::Failed(_) => t.setup_status_failed,
        CheckOutcome::Skipped => t.setup_status_skipped,
    }
}

/// What a row says, and its fix when it failed.
fn describe(
    t: &'static Catalogue,
    step: SetupStep,
    outcome: &CheckOutcome,
) -> (Option<String>, Option<String>) {
    match outcome {
        CheckOutcome::Waiting
            if matches!(
                step,
                SetupStep::Graph | SetupStep::MySite | SetupStep::SharePointPermission
            ) =>
        {
            (Some(t.setup_waits_for_sign_in.to_owned()), None)
        }
        CheckOutcome::Waiting | CheckOutcome::Running => (None, None),
        CheckOutcome::Skipped => (Some(t.setup_skipped.to_owned()), None),
        CheckOutcome::Passed(evidence) => (Some(evidence_text(t, evidence)), None),
        CheckOutcome::Failed(problem) => {
            let (what, fix) = problem_text(t, problem);
            (Some(what), Some(fix))
        }
    }
}

fn evidence_text(t: &'static Catalogue, evidence: &Evidence) -> String {
    match evidence {
        Evidence::ConfigValid => t.setup_config_ok.to_owned(),
        Evidence::DiscoveryFound { url } => (t.setup_discovery_ok)(url),
        Evidence::RedirectUri { uri } => format!(
            "{} {uri} {}",
            t.setup_redirect_uri_ok, t.setup_redirect_uri_checked_by_sign_in
        ),
        Evidence::RedirectUriRegistered { uri } => (t.setup_redirect_uri_registered)(uri),
        Evidence::SignedIn { username } => (t.setup_sign_in_ok)(username),
        Evidence::GraphAnswered { name, upn } => (t.setup_graph_ok)(name, upn),
        Evidence::MySiteAnswered { host } => (t.setup_my_site_ok)(host),
        Evidence::SharePointPermissions { granted } => (t.setup_permission_ok)(&granted.join(", ")),
    }
}

fn problem_text(t: &'static Catalogue, problem: &SetupProblem) -> (String, String) {
    match problem {
        SetupProblem::Config(error) => (t.config_error(error), t.setup_config_fix.to_owned()),
        SetupProblem::RedirectUriElsewhere { uri, page } => (
            (t.setup_redirect_uri_elsewhere)(uri, page),
            t.setup_redirect_uri_elsewhere_fix.to_owned(),
        ),
        SetupProblem::DiscoveryUnreachable { url, detail } => (
            (t.setup_discovery_failed)(url, detail),
            t.setup_discovery_fix.to_owned(),
        ),
        SetupProblem::SignIn(error) => {
            let fix = match error {
                AuthError::RedirectUriNotRegistered { redirect_uri }
                | AuthError::SpaPlatformMissing { redirect_uri } => {
                    (t.setup_sign_in_fix_redirect)(redirect_uri)
                }
                AuthError::AdminConsentRequired { .. } => t.setup_sign_in_fix_consent.to_owned(),
                _ => t.setup_sign_in_fix_other.to_owned(),
            };
            (auth_error_text(t, error), fix)
        }
        SetupProblem::SignInWindowClosed { redirect_uri } => (
            (t.setup_sign_in_closed)(redirect_uri),
            (t.setup_sign_in_fix_redirect)(redirect_uri),
        ),
        SetupProblem::SignInTimedOut => (
            t.auth_popup_timed_out.to_owned(),
            t.setup_sign_in_fix_other.to_owned(),
        ),
        SetupProblem::PopupBlocked => (
            t.auth_popup_blocked.to_owned(),
            t.setup_sign_in_explain.to_owned(),
        ),
        SetupProblem::Graph { detail } => {
            ((t.setup_graph_failed)(detail), t.setup_graph_fix.to_owned())
        }
        SetupProblem::MySiteUnknown => (
            t.setup_my_site_unknown.to_owned(),
            t.setup_my_site_unknown_fix.to_owned(),
        ),
        SetupProblem::MySiteUntrusted { value } => (
            (t.setup_my_site_untrusted)(value),
            t.setup_my_site_unknown_fix.to_owned(),
        ),
        SetupProblem::MySite { host, detail } => (
            (t.setup_my_site_failed)(host, detail),
            t.setup_my_site_fix.to_owned(),
        ),
        SetupProblem::ProfileReadRefused { host, detail } => (
            (t.setup_profile_read_refused)(host, detail),
            t.setup_profile_read_refused_fix.to_owned(),
        ),
        SetupProblem::SharePointConsent { code, scopes } => {
            let names = permission_names(scopes).join(", ");
            (
                (t.setup_sharepoint_consent_missing)(code, &names),
                (t.setup_sharepoint_consent_fix)(&names),
            )
        }
        SetupProblem::SharePointPermissionMissing { missing, granted } => {
            let missing = missing.join(", ");
            let granted = if granted.is_empty() {
                "–".to_owned()
            } else {
                granted.join(", ")
            };
            (
                (t.setup_permission_missing)(&missing, &granted),
                (t.setup_permission_fix)(&missing),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    fn every_problem() -> Vec<SetupProblem> {
        let uri = "http://app.localhost:8080/".to_owned();
        vec![
            SetupProblem::Config(ConfigError::Missing { status: 404 }),
            SetupProblem::DiscoveryUnreachable {
                url: "u".into(),
                detail: "d".into(),
            },
            SetupProblem::SignIn(AuthError::RedirectUriNotRegistered {
                redirect_uri: uri.clone(),
            }),
            SetupProblem::SignIn(AuthError::AdminConsentRequired {
                code: "AADSTS65001".into(),
                scopes: vec![],
            }),
            SetupProblem::SignInWindowClosed {
                redirect_uri: uri.clone(),
            },
            SetupProblem::SignInTimedOut,
            SetupProblem::PopupBlocked,
            SetupProblem::Graph { detail: "d".into() },
            SetupProblem::MySiteUnknown,
            SetupProblem::MySiteUntrusted { value: "v".into() },
            SetupProblem::MySite {
                host: "h".into(),
                detail: "d".into(),
            },
            SetupProblem::RedirectUriElsewhere {
                uri: "u".into(),
                page: "p".into(),
            },
            SetupProblem::ProfileReadRefused {
                host: "h".into(),
                detail: "d".into(),
            },
            SetupProblem::SharePointConsent {
                code: "AADSTS65001".into(),
                scopes: vec!["https://contoso-my.sharepoint.com/User.ReadWrite.All".into()],
            },
            SetupProblem::SharePointPermissionMissing {
                missing: vec!["User.ReadWrite.All".into()],
                granted: vec![],
            },
        ]
    }

    #[test]
    fn every_problem_has_a_fix_in_each_language() {
        for lang in Lang::ALL {
            for problem in every_problem() {
                let (what, fix) = problem_text(lang.text(), &problem);
                assert!(!what.is_empty() && !fix.is_empty(), "{lang:?} {problem:?}");
            }
        }
    }

    #[test]
    fn sharepoint_rows_name_the_permissions_to_grant() {
        for lang in Lang::ALL {
            let t = lang.text();
            let (what, fix) = problem_text(
                t,
                &SetupProblem::SharePointPermissionMissing {
                    missing: vec!["User.ReadWrite.All".into()],
                    granted: vec!["AllSites.Read".into(), "AllSites.Write".into()],
                },
            );
            assert!(
                what.contains("AllSites.Read, AllSites.Write")
                    && what.contains("User.ReadWrite.All"),
                "{lang:?}: {what}"
            );
            assert!(
                fix.contains("User.ReadWrite.All") && fix.contains("sharePointScopes"),
                "{lang:?}: {fix}"
            );
            let (what, fix) = problem_text(
                t,
                &SetupProblem::SharePointConsent {
                    code: "AADSTS65001".into(),
                    scopes: vec![
                        "http://contoso-my.localhost:1/User.ReadWrite.All".into(),
                        "http://contoso-my.localhost:1/AllSites.Read".into(),
                    ],
                },
            );
            assert!(
                what.contains("AADSTS65001") && what.contains("User.ReadWrite.All, AllSites.Read"),
                "{what}"
            );
            assert!(fix.contains("User.ReadWrite.All, AllSites.Read"), "{fix}");
            let (_, fix) = problem_text(
                t,
                &SetupProblem::ProfileReadRefused {
                    host: "h".into(),
                    detail: "Access denied.".into(),
                },
            );
            assert!(fix.contains("User.ReadWrite.All"), "{fix}");
            let granted = evidence_text(
                t,
                &Evidence::SharePointPermissions {
                    granted: vec!["User.ReadWrite.All".into(), "AllSites.Read".into()],
                },
            );
            assert!(
                granted.contains("User.ReadWrite.All, AllSites.Read"),
                "{granted}"
            );
        }
    }

    #[test]
    fn a_closed_window_names_aadsts50011_and_the_uri_to_register() {
        let uri = "http://app.localhost:8080/";
        let (what, fix) = problem_text(
            Lang::En.text(),
            &SetupProblem::SignInWindowClosed {
                redirect_uri: uri.into(),
            },
        );
        assert!(what.contains("AADSTS50011") && what.contains(uri), "{what}");
        assert!(
            fix.contains(uri) && fix.contains("Single-page application"),
            "{fix}"
        );
    }
}
