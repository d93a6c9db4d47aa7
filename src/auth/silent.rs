//! Silent token acquisition: the cache, else the refresh token (which redeems a token for any
//! consented resource, one resource per request), one refresh per resource in flight at a
//! time. Nothing is shown: when only the user can help, the answer is
//! [`AuthError::InteractionRequired`]; when the identity platform is busy, it is
//! [`AuthError::Busy`] and the session stays as it is.

use std::cell::Cell;

use oauth2::{RefreshToken, Scope, TokenResponse as _};

use super::cache::Account;
use super::navigation::Navigation;
use super::session::Session;
use super::token_endpoint::{self, TokenEndpoint};
use super::{AuthError, Resource, TokenSource};

impl<N: Navigation, E: TokenEndpoint> Session<N, E> {
    /// A token for `resource` without showing anything: the cache, else the refresh token.
    ///
    /// One refresh per resource is in flight at a time: callers that need the same resource
    /// meanwhile wait for its answer instead of redeeming the refresh token again.
    pub async fn acquire_token_silent(&self, resource: &Resource) -> Result<String, AuthError> {
        let account = self.account().ok_or(AuthError::InteractionRequired)?;
        let scopes = self.scopes(resource);
        if let Some(token) =
            self.cache
                .access_token(&account, resource, &scopes, self.nav.now_secs())
        {
            return Ok(token);
        }
        self.refreshes
            .run(resource, || self.refresh(&account, resource))
            .await
    }

    /// Redeems the refresh token for a token for `resource`, and keeps what comes back.
    async fn refresh(&self, account: &Account, resource: &Resource) -> Result<String, AuthError> {
        let scopes = self.scopes(resource);
        let now = self.nav.now_secs();
        // Another caller's refresh may have finished between the cache check and now.
        if let Some(token) = self.cache.access_token(account, resource, &scopes, now) {
            return Ok(token);
        }
        let refresh = self
            .cache
            .refresh_token(account, now)
            .ok_or(AuthError::InteractionRequired)?;
        let (client, _) = self.oauth_client(&self.redirect_uri).await?;
        let mut scope_list: Vec<Scope> = scopes.iter().cloned().map(Scope::new).collect();
        scope_list.push(Scope::new("offline_access".into()));
        let status = Cell::new(None);
        let tokens = client
            .exchange_refresh_token(&RefreshToken::new(refresh))
            .add_scopes(scope_list)
            .request_async(&|r| token_endpoint::call(&self.endpoint, &status, r))
            .await;
        let tokens = match tokens {
            Ok(tokens) => tokens,
            // Whatever the body says, an overloaded or failing endpoint has not judged the
            // refresh token: keep it, and say to try again later rather than to sign in.
            Err(_) if status.get().is_some_and(token_endpoint::is_busy) => {
                return Err(AuthError::Busy {
                    status: status.get().unwrap_or_default(),
                })
            }
            Err(e) => match token_endpoint::token_error(e, &self.redirect_uri) {
                AuthError::InteractionRequired | AuthError::InvalidGrant { .. } => {
                    self.cache.forget_refresh_token(account);
                    return Err(AuthError::InteractionRequired);
                }
                // AADSTS65001 says consent is missing, not for what: name what was asked.
                other => return Err(other.asking_for(&scopes)),
            },
        };
        self.keep(account, resource, &tokens, false);
        Ok(tokens.access_token().secret().clone())
    }
}

impl<N: Navigation, E: TokenEndpoint> TokenSource for Session<N, E> {
    async fn access_token(&self, resource: &Resource) -> Result<String, AuthError> {
        self.acquire_token_silent(resource).await
    }

    fn granted_scopes(&self, resource: &Resource) -> Option<Vec<String>> {
        Session::granted_scopes(self, resource)
    }
}

#[cfg(test)]
mod tests {
    use futures::future::join;
    use serde_json::json;

    use super::super::fake::{self, *};
    use super::*;
    use crate::config::MySiteOrigin;

    fn adele() -> Account {
        Account {
            home_account_id: "o1.t1".into(),
            oid: "o1".into(),
            tid: "t1".into(),
            name: "Adele Vance".into(),
            username: "adele@contoso.onmicrosoft.com".into(),
        }
    }

    /// A session signed in at [`START_MS`] with refresh token `r1` and no access token.
    fn signed_in() -> (FakeSession, std::rc::Rc<FakeTokenEndpoint>) {
        let (session, _, endpoint) = fake::session();
        session.cache.set_account(&adele()).unwrap();
        session
            .cache
            .put_refresh_token(&adele(), "r1", START_MS / 1000, true);
        (session, endpoint)
    }

    fn sharepoint() -> Resource {
        Resource::SharePoint {
            origin: MySiteOrigin::from_service("https://contoso-my.sharepoint.com", false).unwrap(),
        }
    }

    fn refreshed(access: &str, refresh: &str) -> serde_json::Value {
        json!({"token_type": "Bearer", "expires_in": 3600, "access_token": access, "refresh_token": refresh})
    }

    #[test]
    fn a_cached_token_is_used_without_asking_the_endpoint() {
        let (session, endpoint) = signed_in();
        session.cache.put_access_token(
            &adele(),
            &Resource::Graph,
            &Resource::Graph.scopes(&[]),
            "cached",
            3600,
            START_MS / 1000,
        );
        assert_eq!(
            run(session.acquire_token_silent(&Resource::Graph)).as_deref(),
            Ok("cached")
        );
        assert_eq!(endpoint.count(), 0);
    }

    #[test]
    fn the_refresh_token_redeems_a_token_for_the_my_site_host_and_it_is_kept() {
        let (session, endpoint) = signed_in();
        endpoint.answer_json(200, refreshed("sp-token", "r2"));
        assert_eq!(
            run(session.access_token(&sharepoint())).as_deref(),
            Ok("sp-token")
        );
        let form = endpoint.form(0);
        assert_eq!(field(&form, "grant_type"), Some("refresh_token"));
        assert_eq!(field(&form, "refresh_token"), Some("r1"));
        assert_eq!(field(&form, "client_id"), Some(CLIENT_ID));
        assert_eq!(
            field(&form, "scope"),
            Some("https://contoso-my.sharepoint.com/User.ReadWrite.All https://contoso-my.sharepoint.com/AllSites.Read offline_access"),
            "one resource per request"
        );
        // Kept: the next caller gets it from the cache; the new refresh token replaced the old.
        assert_eq!(
            run(session.access_token(&sharepoint())).as_deref(),
            Ok("sp-token")
        );
        assert_eq!(endpoint.count(), 1);
        assert_eq!(
            session
                .cache
                .refresh_token(&adele(), START_MS / 1000)
                .as_deref(),
            Some("r2")
        );
    }

    #[test]
    fn the_scopes_the_token_response_grants_are_kept_as_it_wrote_them() {
        let (session, endpoint) = signed_in();
        assert_eq!(session.granted_scopes(&sharepoint()), None);
        let mut answer = refreshed("sp-token", "r2");
        answer["scope"] = json!("https://contoso-my.sharepoint.com/AllSites.Read https://contoso-my.sharepoint.com/AllSites.Write");
        endpoint.answer_json(200, answer);
        run(session.access_token(&sharepoint())).unwrap();
        assert_eq!(
            TokenSource::granted_scopes(&session, &sharepoint()),
            Some(vec![
                "https://contoso-my.sharepoint.com/AllSites.Read".to_owned(),
                "https://contoso-my.sharepoint.com/AllSites.Write".to_owned()
            ]),
            "what was granted, not what was asked"
        );
        // A response without `scope` granted what was asked (RFC 6749, 5.1).
        endpoint.answer_json(200, refreshed("g1", "r3"));
        run(session.access_token(&Resource::Graph)).unwrap();
        assert_eq!(
            session.granted_scopes(&Resource::Graph),
            Some(vec!["User.Read".to_owned()])
        );
    }

    #[test]
    fn a_missing_admin_consent_names_the_permissions_the_refresh_asked_for() {
        let (session, endpoint) = signed_in();
        endpoint.answer_json(
            400,
            json!({"error": "invalid_grant", "error_description": "AADSTS65001: The user or administrator has not consented to use the application with ID 'x' named 'Profile Photo Sync'. Send an interactive authorization request for this user and resource.", "error_codes": [65001]}),
        );
        let error = run(session.access_token(&sharepoint())).unwrap_err();
        assert_eq!(
            error,
            AuthError::AdminConsentRequired {
                code: "AADSTS65001".into(),
                scopes: vec![
                    "https://contoso-my.sharepoint.com/User.ReadWrite.All".into(),
                    "https://contoso-my.sharepoint.com/AllSites.Read".into()
                ]
            }
        );
        assert!(
            session
                .cache
                .refresh_token(&adele(), START_MS / 1000)
                .is_some(),
            "consent is the tenant's to fix: the session stays"
        );
    }

    #[test]
    fn callers_that_need_the_same_resource_meanwhile_share_one_refresh() {
        let (session, endpoint) = signed_in();
        endpoint.answer_json(200, refreshed("g1", "r2"));
        let (a, b) = run(join(
            session.acquire_token_silent(&Resource::Graph),
            session.acquire_token_silent(&Resource::Graph),
        ));
        assert_eq!((a.as_deref(), b.as_deref()), (Ok("g1"), Ok("g1")));
        assert_eq!(endpoint.count(), 1, "the refresh token was redeemed once");
    }

    #[test]
    fn different_resources_refresh_side_by_side() {
        let (session, endpoint) = signed_in();
        endpoint.answer_json(200, refreshed("g1", "r2"));
        endpoint.answer_json(200, refreshed("s1", "r3"));
        let (graph, sharepoint) = run(join(
            session.acquire_token_silent(&Resource::Graph),
            session.acquire_token_silent(&sharepoint()),
        ));
        assert_eq!(
            (graph.as_deref(), sharepoint.as_deref()),
            (Ok("g1"), Ok("s1"))
        );
        assert_eq!(endpoint.count(), 2);
    }

    #[test]
    fn a_refused_refresh_token_is_forgotten_and_sign_in_is_asked_for() {
        let (session, endpoint) = signed_in();
        endpoint.answer_json(
            400,
            json!({"error": "invalid_grant", "error_description": "AADSTS700084: The refresh token was issued to a single page app (SPA), and therefore has a fixed, limited lifetime of 1.00:00:00"}),
        );
        assert_eq!(
            run(session.acquire_token_silent(&Resource::Graph)),
            Err(AuthError::InteractionRequired)
        );
        assert_eq!(session.cache.refresh_token(&adele(), START_MS / 1000), None);
        // No second try with a token the endpoint refused.
        assert_eq!(
            run(session.acquire_token_silent(&Resource::Graph)),
            Err(AuthError::InteractionRequired)
        );
        assert_eq!(endpoint.count(), 1);
    }

    #[test]
    fn a_busy_token_endpoint_says_so_and_keeps_the_session() {
        for (status, body) in [
            (
                429,
                json!({"error": "temporarily_unavailable", "error_description": "AADSTS50196: Too many requests."}),
            ),
            (
                503,
                json!({"error": "temporarily_unavailable", "error_description": "AADSTS50196: The service is temporarily unavailable."}),
            ),
            (
                500,
                json!({"error": "server_error", "error_description": "AADSTS90033: A transient error has occurred."}),
            ),
        ] {
            let (session, endpoint) = signed_in();
            endpoint.answer_json(status, body);
            let error = run(session.acquire_token_silent(&Resource::Graph)).unwrap_err();
            assert_eq!(error, AuthError::Busy { status });
            assert!(error.is_transient());
            // What the user reads of it (busy, try again later) is ui::auth_view's to say.
            assert_eq!(
                error.to_string(),
                format!("temporarily_unavailable: HTTP {status}")
            );
            assert!(matches!(
                crate::sync::SyncFailure::from(&error),
                crate::sync::SyncFailure::Throttled { .. }
                    | crate::sync::SyncFailure::ServiceUnavailable { .. }
            ));
            // The session is intact: the refresh token is still there, and the next try works.
            assert_eq!(
                session
                    .cache
                    .refresh_token(&adele(), START_MS / 1000)
                    .as_deref(),
                Some("r1")
            );
            endpoint.answer_json(200, refreshed("g1", "r2"));
            assert_eq!(
                run(session.acquire_token_silent(&Resource::Graph)).as_deref(),
                Ok("g1"),
                "{status}"
            );
        }
    }

    #[test]
    fn a_busy_answer_that_is_not_json_is_busy_too() {
        let (session, endpoint) = signed_in();
        endpoint.answer(Ok(super::super::token_endpoint::FormAnswer {
            status: 503,
            content_type: Some("text/html".into()),
            body: b"<html>Service Unavailable</html>".to_vec(),
        }));
        assert_eq!(
            run(session.acquire_token_silent(&Resource::Graph)),
            Err(AuthError::Busy { status: 503 })
        );
    }

    #[test]
    fn an_unreachable_endpoint_is_a_network_failure_and_keeps_the_session() {
        let (session, endpoint) = signed_in();
        endpoint.answer(Err(crate::http::HttpError::Network {
            origin: "https://login.example".into(),
            detail: "offline".into(),
        }));
        assert!(matches!(
            run(session.acquire_token_silent(&Resource::Graph)),
            Err(AuthError::Network { .. })
        ));
        assert!(session
            .cache
            .refresh_token(&adele(), START_MS / 1000)
            .is_some());
    }

    #[test]
    fn nobody_signed_in_or_an_expired_refresh_token_needs_a_sign_in() {
        let (session, _, endpoint) = fake::session();
        assert_eq!(
            run(session.acquire_token_silent(&Resource::Graph)),
            Err(AuthError::InteractionRequired)
        );
        let (session, endpoint2) = signed_in();
        // 24 hours after sign-in the SPA refresh token is over.
        session.nav.now_ms.set(START_MS + 24 * 60 * 60 * 1000);
        assert_eq!(
            run(session.acquire_token_silent(&Resource::Graph)),
            Err(AuthError::InteractionRequired)
        );
        assert_eq!(endpoint.count() + endpoint2.count(), 0);
    }
}
