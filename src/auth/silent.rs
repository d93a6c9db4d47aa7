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
        let scopes = resource.scopes();
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
        let scopes = resource.scopes();
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
                other => return Err(other),
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
}
