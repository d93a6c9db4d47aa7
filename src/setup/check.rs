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
    /// The My Site host's token carries the permissions a sync needs (read from the token
    /// response's `scope`): SharePoint's profile permission and a site read permission.
    SharePointPermission,
}

impl SetupStep {
    pub const ALL: [SetupStep; 7] = [
        SetupStep::Config,
        SetupStep::Discovery,
        SetupStep::RedirectUri,
        SetupStep::SignIn,
        SetupStep::Graph,
        SetupStep::MySite,
        SetupStep::SharePointPermission,
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
            SetupStep::SharePointPermission => "sharepoint-permission",
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
    /// The redirect URI the page sends, an address of this page; the test sign-in checks
    /// that it is registered.
    RedirectUri { uri: String },
    /// The test sign-in came back to this redirect URI: the identity platform has it
    /// registered for a single-page application.
    RedirectUriRegistered { uri: String },
    /// Signed in as this account.
    SignedIn { username: String },
    /// Graph's `/me` answered with this user.
    GraphAnswered { name: String, upn: String },
    /// The My Site host answered `GetMyProperties`.
    MySiteAnswered { host: String },
    /// The My Site host's token was granted these permissions (names), all a sync needs.
    SharePointPermissions { granted: Vec<String> },
}

/// Why a step failed, each with its fix (the screen words both through [`crate::i18n`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetupProblem {
    /// `config.json` is missing or invalid.
    Config(ConfigError),
    /// `redirectUri` in `config.json` is not an address of this page: the sign-in would
    /// come back somewhere else.
    RedirectUriElsewhere { uri: String, page: String },
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
    /// The My Site host refused `GetMyProperties` (403): its token may not read profiles.
    ProfileReadRefused { host: String, detail: String },
    /// No token for the My Site host: the SharePoint permissions asked for (`scopes`) have no
    /// admin consent (AADSTS65001).
    SharePointConsent { code: String, scopes: Vec<String> },
    /// The My Site host's token lacks permissions a sync needs (`missing`, by the names to
    /// grant); `granted` is what it carries.
    SharePointPermissionMissing {
        missing: Vec<String>,
        granted: Vec<String>,
    },
}

impl SetupProblem {
    /// A stable name (`data-problem`), for tests and support.
    pub fn code(&self) -> &'static str {
        match self {
            SetupProblem::Config(_) => "config",
            SetupProblem::RedirectUriElsewhere { .. } => "redirect-uri-elsewhere",
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
            SetupProblem::ProfileReadRefused { .. } => "profile-read-refused",
            SetupProblem::SharePointConsent { .. } => "admin-consent-required",
            SetupProblem::SharePointPermissionMissing { .. } => "profile-permission-missing",
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

/// The redirect URI row before any sign-in: the URI the page sends must be an address of
/// this page (its origin, under the folder `base` the page is served from), or the identity
/// platform would send the sign-in back somewhere else. Whether it is registered, only a
/// sign-in can tell ([`redirect_uri_after_sign_in`]).
///
/// ```
/// use profile_photo_sync::setup::check::redirect_uri_check;
/// let ok = redirect_uri_check("https://intranet.example/photo/", "https://intranet.example", "/photo");
/// assert!(ok.passed());
/// let elsewhere = redirect_uri_check("https://other.example/", "https://intranet.example", "/photo");
/// assert_eq!(elsewhere.problem().map(|p| p.code()), Some("redirect-uri-elsewhere"));
/// ```
pub fn redirect_uri_check(uri: &str, page_origin: &str, base: &str) -> CheckOutcome {
    let here = url::Url::parse(uri).ok().filter(|u| {
        u.origin().ascii_serialization() == page_origin
            && u.path()
                .starts_with(&format!("{}/", base.trim_end_matches('/')))
    });
    match here {
        Some(_) => CheckOutcome::Passed(Evidence::RedirectUri {
            uri: uri.to_owned(),
        }),
        None => CheckOutcome::Failed(SetupProblem::RedirectUriElsewhere {
            uri: uri.to_owned(),
            page: format!("{page_origin}{}/", base.trim_end_matches('/')),
        }),
    }
}

/// The redirect URI row once the test sign-in has ended in `sign_in`: coming back proves the
/// URI registered (the identity platform sends a sign-in only to a registered single-page
/// application URI, and redeems its code only for the URI it was sent to); AADSTS50011 and
/// AADSTS9002326 prove it is not (a closed window most likely shows AADSTS50011). Any other
/// ending says nothing about the URI: the row stays as `before`.
pub fn redirect_uri_after_sign_in(
    before: CheckOutcome,
    sign_in: &CheckOutcome,
    uri: &str,
) -> CheckOutcome {
    if before.problem().is_some() {
        return before;
    }
    match sign_in {
        CheckOutcome::Passed(_) => CheckOutcome::Passed(Evidence::RedirectUriRegistered {
            uri: uri.to_owned(),
        }),
        CheckOutcome::Failed(
            problem @ (SetupProblem::SignInWindowClosed { .. }
            | SetupProblem::SignIn(
                AuthError::RedirectUriNotRegistered { .. } | AuthError::SpaPlatformMissing { .. },
            )),
        ) => CheckOutcome::Failed(problem.clone()),
        _ => before,
    }
}

/// The SharePoint permission row from what the My Site host's token was `granted`
/// (permission names; `None` when no token was had): passed when a sync has all it needs
/// ([`crate::sharepoint::permissions::missing_for_sync`]), else failed naming what to grant.
pub fn sharepoint_permission_check(granted: Option<Vec<String>>) -> CheckOutcome {
    let Some(granted) = granted else {
        return CheckOutcome::Skipped;
    };
    let missing = crate::sharepoint::permissions::missing_for_sync(&granted);
    if missing.is_empty() {
        CheckOutcome::Passed(Evidence::SharePointPermissions { granted })
    } else {
        CheckOutcome::Failed(SetupProblem::SharePointPermissionMissing {
            missing: missing.into_iter().map(str::to_owned).collect(),
            granted,
        })
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
                "my-site",
                "sharepoint-permission"
            ]
        );
    }

    #[test]
    fn the_redirect_uri_must_be_an_address_of_this_page() {
        let page = "http://app.localhost:8080";
        assert!(redirect_uri_check(URI, page, "").passed());
        assert!(
            redirect_uri_check("http://app.localhost:8080/photo/index.html", page, "/photo")
                .passed()
        );
        for elsewhere in [
            "http://other.localhost:8080/",
            "https://app.localhost:8080/",
            "http://app.localhost:8080/other/",
            "not a url",
        ] {
            assert_eq!(
                redirect_uri_check(elsewhere, page, "/photo").problem(),
                Some(&SetupProblem::RedirectUriElsewhere {
                    uri: elsewhere.to_owned(),
                    page: "http://app.localhost:8080/photo/".to_owned()
                }),
                "{elsewhere}"
            );
        }
    }

    #[test]
    fn the_test_sign_in_tells_whether_the_redirect_uri_is_registered() {
        let before = redirect_uri_check(URI, "http://app.localhost:8080", "");
        let signed_in = CheckOutcome::Passed(Evidence::SignedIn {
            username: "adele@contoso.onmicrosoft.com".into(),
        });
        assert_eq!(
            redirect_uri_after_sign_in(before.clone(), &signed_in, URI),
            CheckOutcome::Passed(Evidence::RedirectUriRegistered { uri: URI.into() })
        );
        for unregistered in [
            SetupProblem::from_sign_in(AuthError::PopupClosed, URI),
            SetupProblem::SignIn(AuthError::RedirectUriNotRegistered {
                redirect_uri: URI.into(),
            }),
            SetupProblem::SignIn(AuthError::SpaPlatformMissing {
                redirect_uri: URI.into(),
            }),
        ] {
            let failed = CheckOutcome::Failed(unregistered.clone());
            assert_eq!(
                redirect_uri_after_sign_in(before.clone(), &failed, URI).problem(),
                Some(&unregistered)
            );
        }
        // A cancelled sign-in or a blocked window says nothing about the URI.
        for other in [
            SetupProblem::SignIn(AuthError::Cancelled),
            SetupProblem::PopupBlocked,
        ] {
            assert_eq!(
                redirect_uri_after_sign_in(before.clone(), &CheckOutcome::Failed(other), URI),
                before
            );
        }
        // A URI that is not this page's stays red whatever the sign-in did.
        let elsewhere = redirect_uri_check("http://x.localhost/", "http://app.localhost:8080", "");
        assert_eq!(
            redirect_uri_after_sign_in(elsewhere.clone(), &signed_in, URI),
            elsewhere
        );
    }

    #[test]
    fn the_sharepoint_permission_row_reads_what_the_token_was_granted() {
        let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            sharepoint_permission_check(Some(names(&["User.ReadWrite.All", "AllSites.Read"]))),
            CheckOutcome::Passed(Evidence::SharePointPermissions {
                granted: names(&["User.ReadWrite.All", "AllSites.Read"])
            })
        );
        assert_eq!(
            sharepoint_permission_check(Some(names(&["AllSites.Read", "AllSites.Write"]))),
            CheckOutcome::Failed(SetupProblem::SharePointPermissionMissing {
                missing: names(&["User.ReadWrite.All"]),
                granted: names(&["AllSites.Read", "AllSites.Write"])
            })
        );
        assert_eq!(
            sharepoint_permission_check(Some(names(&["User.ReadWrite.All"])))
                .problem()
                .map(SetupProblem::code),
            Some("profile-permission-missing")
        );
        assert_eq!(sharepoint_permission_check(None), CheckOutcome::Skipped);
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
                    scopes: vec![],
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
