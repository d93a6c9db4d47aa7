//! Each step of the setup check, performed with the calls the sync itself makes.

use crate::auth::request::{discovery_url, SignInOptions};
use crate::auth::{AuthError, Session};
use crate::graph::{self, GraphUser, MySiteError};
use crate::service::ServiceError;
use crate::sharepoint;

use super::check::{sharepoint_permission_check, CheckOutcome, Evidence, SetupProblem};

/// Fetches the authority's discovery document (now, not from the page's cache).
pub async fn check_discovery(session: &Session) -> CheckOutcome {
    let url = discovery_url(&session.config().authority);
    match session.fetch_metadata().await {
        Ok(_) => CheckOutcome::Passed(Evidence::DiscoveryFound { url }),
        Err(error) => CheckOutcome::Failed(SetupProblem::DiscoveryUnreachable {
            url,
            detail: error.to_string(),
        }),
    }
}

/// Signs in through `popup` (opened in the click handler) and comes back here.
pub async fn test_sign_in(session: &Session, popup: web_sys::Window) -> CheckOutcome {
    let options = SignInOptions {
        prompt: Some("select_account".to_owned()),
        return_to: "/setup".to_owned(),
        ..Default::default()
    };
    match session.sign_in_popup(popup, options).await {
        Ok(account) => CheckOutcome::Passed(Evidence::SignedIn {
            username: account.username,
        }),
        Err(error) => {
            CheckOutcome::Failed(SetupProblem::from_sign_in(error, session.redirect_uri()))
        }
    }
}

/// `GET /me` with the Graph token; the user is kept for the My Site step.
pub async fn check_graph(session: &Session) -> (CheckOutcome, Option<GraphUser>) {
    match graph::me(&session.config().graph_base_url, session).await {
        Ok(user) => (
            CheckOutcome::Passed(Evidence::GraphAnswered {
                name: user.display_name.clone(),
                upn: user.user_principal_name.clone(),
            }),
            Some(user),
        ),
        Err(error) => (
            CheckOutcome::Failed(SetupProblem::Graph {
                detail: error.to_string(),
            }),
            None,
        ),
    }
}

/// Finds the My Site host (configuration, else Graph's `mySite`) and reads `GetMyProperties`
/// there with a token for that host, the sync's first SharePoint call; then reads what that
/// token was granted. Returns the My Site row and the SharePoint permission row. Writes
/// nothing.
pub async fn check_my_site(session: &Session, user: &GraphUser) -> (CheckOutcome, CheckOutcome) {
    let host = match graph::my_site_host(
        session.config().my_site_host.as_ref(),
        user.my_site.as_deref(),
        session.config().is_local(),
    ) {
        Ok(host) => host,
        Err(MySiteError::Unknown) => {
            return (
                CheckOutcome::Failed(SetupProblem::MySiteUnknown),
                CheckOutcome::Skipped,
            )
        }
        Err(MySiteError::Untrusted { value }) => {
            return (
                CheckOutcome::Failed(SetupProblem::MySiteUntrusted { value }),
                CheckOutcome::Skipped,
            )
        }
    };
    let answered = match sharepoint::my_properties(&host, session).await {
        Ok(_) => CheckOutcome::Passed(Evidence::MySiteAnswered {
            host: host.to_string(),
        }),
        Err(ServiceError::Auth(AuthError::AdminConsentRequired { code, scopes })) => {
            CheckOutcome::Failed(SetupProblem::SharePointConsent { code, scopes })
        }
        Err(ServiceError::Forbidden { detail }) => {
            CheckOutcome::Failed(SetupProblem::ProfileReadRefused {
                host: host.to_string(),
                detail,
            })
        }
        Err(error) => CheckOutcome::Failed(SetupProblem::MySite {
            host: host.to_string(),
            detail: error.to_string(),
        }),
    };
    // The token was had (or not) by the call above; a profile read refused still tells what
    // the token carries.
    let permission = sharepoint_permission_check(sharepoint::granted_scopes(&host, session));
    (answered, permission)
}
