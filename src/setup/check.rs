//! The steps of the setup check, in order, and what each found. Pure.

use crate::auth::AuthError;
use crate::config::ConfigError;

/// One row of the setup check. Each step needs the ones before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetupStep {
    /// `config.json` is present and valid.
    Config,
    /// The authority's OpenID discovery document can be read.
    Discovery,
    /// The redirect URI this page uses (to register).
    RedirectUri,
    /// A test sign-in round-trip in a popup.
    SignIn,
    /// Graph answers `GET /me` with the token.
    Graph,
    /// The My Site host is known and answers `GetMyProperties` with its token.
    MySite,
}

impl SetupStep {
    pub const ALL: [SetupStep; 6] = [
        SetupStep::Config,
        SetupStep::Discovery,
        SetupStep::RedirectUri,
        SetupStep::SignIn,
        SetupStep::Graph,
        SetupStep::MySite,
    ];

    /// A stable name (`data-testid="setup-<name>"`).
    pub fn name(self) -> &'static str {
        match self {
            SetupStep::Config => "config",
            SetupStep::Discovery => "discovery",
            SetupStep::RedirectUri => "redirect-uri",
            SetupStep::SignIn => "sign-in",
            SetupStep::Graph => "graph",
            SetupStep::MySite => "my-site",
        }
    }
}

/// What a step found when it passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Evidence {
    /// The configuration as the page uses it (the screen shows its values).
    ConfigValid,
    /// The discovery document, at this address.
    DiscoveryFound { url: String },
    /// The redirect URI the page sends.
    RedirectUri { uri: String },
    /// Signed in as this account.
    SignedIn { username: String },
    /// Graph's `/me` answered with this user.
    GraphAnswered { name: String, upn: String },
    /// The My Site host answered `GetMyProperties`.
    MySiteAnswered { host: String },
}

/// Why a step failed, each with its fix (the screen words both through [`crate::i18n`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetupProblem {
    /// `config.json` is missing or invalid.
    Config(ConfigError),
    /// The discovery document could not be read: the authority is wrong or unreachable.
    DiscoveryUnreachable { url: String, detail: String },
    /// The identity platform refused the sign-in, with a reason it sent back (AADSTS50011,
    /// 9002326, 65001, …).
    SignIn(AuthError),
    /// The sign-in window was closed without an answer. The identity platform shows its
    /// errors there and never returns when the redirect URI is not registered (AADSTS50011),
    /// so that is the likely cause.
    SignInWindowClosed { redirect_uri: String },
    /// The sign-in window never answered.
    SignInTimedOut,
    /// The browser blocked the sign-in window.
    PopupBlocked,
    /// Graph refused or failed `GET /me`.
    Graph { detail: String },
    /// No My Site host: `config.json` names none and Graph gave no `mySite`.
    MySiteUnknown,
    /// Graph's `mySite` is not a SharePoint address: no token was sent there.
    MySiteUntrusted { value: String },
    /// The My Site host refused or failed `GetMyProperties`.
    MySite { host: String, detail: String },
}

impl SetupProblem {
    /// A stable name (`data-problem`), for tests and support.
    pub fn code(&self) -> &'static str {
        match self {
            SetupProblem::Config(_) => "config",
            SetupProblem::DiscoveryUnreachable { .. } => "discovery-unreachable",
            SetupProblem::SignIn(AuthError::RedirectUriNotRegistered { .. }) => {
                "redirect-uri-not-registered"
            }
            SetupProblem::SignIn(AuthError::SpaPlatformMissing { .. }) => "spa-platform-missing",
            SetupProblem::SignIn(AuthError::AdminConsentRequired { .. }) => {
                "admin-consent-required"
            }
            SetupProblem::SignIn(_) => "sign-in-failed",
            SetupProblem::SignInWindowClosed { .. } => "sign-in-window-closed",
            SetupProblem::SignInTimedOut => "sign-in-timed-out",
            SetupProblem::PopupBlocked => "popup-blocked",
            SetupProblem::Graph { .. } => "graph",
            SetupProblem::MySiteUnknown => "my-site-unknown",
            SetupProblem::MySiteUntrusted { .. } => "my-site-untrusted",
            SetupProblem::MySite { .. } => "my-site",
        }
    }

    /// The problem a failed test sign-in points to. A window closed without an answer is
    /// read as the identity platform's error page (most likely AADSTS50011 for `redirect_uri`).
    pub fn from_sign_in(error: AuthError, redirect_uri: &str) -> SetupProblem {
        match error {
            AuthError::PopupClosed => SetupProblem::SignInWindowClosed {
                redirect_uri: redirect_uri.to_owned(),
            },
            AuthError::PopupTimedOut => SetupProblem::SignInTimedOut,
            AuthError::PopupBlocked => SetupProblem::PopupBlocked,
            other => SetupProblem::SignIn(other),
        }
    }
}

/// Where one step stands.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum CheckOutcome {
    /// Not run yet: waits for the steps before it (or, for the sign-in, for a click).
    #[default]
    Waiting,
    Running,
    Passed(Evidence),
    Failed(SetupProblem),
    /// Not run because an earlier step failed.
    Skipped,
}

impl CheckOutcome {
    /// A stable name (`data-status`): `waiting`, `running`, `passed`, `failed`, `skipped`.
    pub fn status(&self) -> &'static str {
        match self {
            CheckOutcome::Waiting => "waiting",
            CheckOutcome::Running => "running",
            CheckOutcome::Passed(_) => "passed",
            CheckOutcome::Failed(_) => "failed",
            CheckOutcome::Skipped => "skipped",
        }
    }

    pub fn passed(&self) -> bool {
        matches!(self, CheckOutcome::Passed(_))
    }

    pub fn problem(&self) -> Option<&SetupProblem> {
        match self {
            CheckOutcome::Failed(problem) => Some(problem),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const URI: &str = "http://app.localhost:8080/";

    #[test]
    fn steps_run_in_the_order_they_depend_on_each_other() {
        let names: Vec<_> = SetupStep::ALL.iter().map(|s| s.name()).collect();
        assert_eq!(
            names,
            [
                "config",
                "discovery",
                "redirect-uri",
                "sign-in",
                "graph",
                "my-site"
            ]
        );
    }

    #[test]
    fn a_closed_sign_in_window_points_at_the_redirect_uri() {
        assert_eq!(
            SetupProblem::from_sign_in(AuthError::PopupClosed, URI),
            SetupProblem::SignInWindowClosed {
                redirect_uri: URI.to_owned()
            }
        );
        assert_eq!(
            SetupProblem::from_sign_in(AuthError::PopupTimedOut, URI).code(),
            "sign-in-timed-out"
        );
        assert_eq!(
            SetupProblem::from_sign_in(AuthError::PopupBlocked, URI).code(),
            "popup-blocked"
        );
    }

    #[test]
    fn answers_from_the_identity_platform_keep_their_meaning() {
        let cases = [
            (
                AuthError::RedirectUriNotRegistered {
                    redirect_uri: URI.into(),
                },
                "redirect-uri-not-registered",
            ),
            (
                AuthError::SpaPlatformMissing {
                    redirect_uri: URI.into(),
                },
                "spa-platform-missing",
            ),
            (
                AuthError::AdminConsentRequired {
                    code: "AADSTS65001".into(),
                },
                "admin-consent-required",
            ),
            (AuthError::Cancelled, "sign-in-failed"),
        ];
        for (error, code) in cases {
            assert_eq!(SetupProblem::from_sign_in(error, URI).code(), code);
        }
    }

    #[test]
    fn outcomes_have_stable_statuses() {
        assert_eq!(CheckOutcome::default().status(), "waiting");
        let failed = CheckOutcome::Failed(SetupProblem::MySiteUnknown);
        assert_eq!(failed.status(), "failed");
        assert_eq!(failed.problem(), Some(&SetupProblem::MySiteUnknown));
        assert!(CheckOutcome::Passed(Evidence::ConfigValid).passed());
        assert!(!CheckOutcome::Skipped.passed());
    }
}
