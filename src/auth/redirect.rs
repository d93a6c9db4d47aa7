//! The redirect interaction: the whole page leaves for the identity platform and comes back
//! to the redirect URI with `?code=…&state=…`, where [`Session::start`] finishes the sign-in.
//! The request is remembered in sessionStorage in between, so a page that cannot remember it
//! does not leave.

use super::navigation::Navigation;
use super::request::{self, Interaction, SignInOptions};
use super::session::{Session, Startup};
use super::token_endpoint::TokenEndpoint;
use super::{AuthError, Resource};

impl<N: Navigation, E: TokenEndpoint> Session<N, E> {
    /// Finishes a sign-in that came back to this page, if one did. The code leaves the address
    /// bar before anything else happens.
    pub async fn start(&self, base: &str) -> Startup {
        let query = self.nav.query();
        let Some(response) = request::parse_response(&query) else {
            return Startup::Ready;
        };
        let stored = response
            .state()
            .and_then(|state| self.cache.peek_pending(state))
            .map(|pending| pending.interaction);
        if !request::finishes_here(
            stored,
            self.nav.opened_by_same_origin_page(),
            self.nav.is_framed(),
        ) {
            return Startup::InPopup;
        }
        self.nav.replace_address(&format!(
            "{}{}",
            self.nav.pathname(),
            request::strip_response_params(&query)
        ));
        // A response to no request of this page (a stale or forged link) leaves a valid
        // session as it is.
        if stored.is_none() && self.account().is_some() {
            return Startup::Ready;
        }
        match self.complete(response).await {
            Ok(pending) => {
                let return_to = format!("{base}{}", pending.return_to);
                self.nav.replace_address(&return_to);
                Startup::SignedIn { return_to }
            }
            Err(error) => Startup::Failed(error),
        }
    }

    /// Signs in by sending the page to the identity platform; it comes back to the redirect URI.
    pub async fn sign_in_redirect(&self, options: SignInOptions) -> Result<(), AuthError> {
        let (client, _) = self.oauth_client(&self.redirect_uri).await?;
        let random = self.sign_in_random()?;
        let (url, pending) = request::authorize(
            &client,
            &Resource::Graph.scopes(),
            &self.sign_in_options(options),
            Interaction::Redirect,
            self.nav.now_ms(),
            &random,
        );
        self.cache.put_pending(&pending)?;
        self.nav.leave_for(&url);
        Ok(())
    }

    /// `options` with consent asked for the configured My Site host too, so that its token
    /// comes silently later.
    pub(super) fn sign_in_options(&self, mut options: SignInOptions) -> SignInOptions {
        if let Some(host) = &self.config.my_site_host {
            let sharepoint = Resource::SharePoint {
                origin: host.clone(),
            };
            options.extra_scopes_to_consent.extend(sharepoint.scopes());
        }
        options
    }
}
