//! The popup interaction: a window the page opened in the click handler goes to the identity
//! platform; the page stays, watches the window until it is back on this origin with a
//! response (or closed, or too late), closes it and finishes the sign-in itself.

use super::cache::Account;
use super::navigation::{Navigation, Popup};
use super::request::{self, Interaction, SignInOptions, PENDING_REQUEST_TTL_MS};
use super::session::Session;
use super::token_endpoint::TokenEndpoint;
use super::{AuthError, Resource};

/// How often the page looks at the popup's address.
const POLL_MS: u32 = 100;

impl<N: Navigation, E: TokenEndpoint> Session<N, E> {
    /// Signs in through `popup` (opened by [`super::navigation::open_popup`] in the click
    /// handler); the page stays where it is. The popup is closed whatever happens.
    pub async fn sign_in_popup(
        &self,
        popup: impl Popup,
        options: SignInOptions,
    ) -> Result<Account, AuthError> {
        let prepared = async {
            let (client, _) = self.oauth_client(&self.redirect_uri).await?;
            let random = self.sign_in_random()?;
            let (url, pending) = request::authorize(
                &client,
                &Resource::Graph.scopes(),
                &self.sign_in_options(options),
                Interaction::Popup,
                self.nav.now_ms(),
                &random,
            );
            self.cache.put_pending(&pending)?;
            Ok::<_, AuthError>((url, pending))
        };
        let (url, pending) = match prepared.await {
            Ok(prepared) => prepared,
            Err(e) => {
                popup.close();
                return Err(e);
            }
        };
        popup.go_to(&url);
        // Watch the popup until it is back on this origin with a response, or is closed.
        let deadline = self.nav.now_ms() + PENDING_REQUEST_TTL_MS;
        let response = loop {
            self.nav.sleep(POLL_MS).await;
            if let Some(address) = popup.address_if_back() {
                let query = address.split_once('?').map(|(_, q)| q).unwrap_or_default();
                let query = query.split('#').next().unwrap_or_default();
                if let Some(response) = request::parse_response(query) {
                    popup.close();
                    break response;
                }
            }
            if popup.is_closed() {
                self.cache.take_pending(&pending.state, self.nav.now_ms());
                return Err(AuthError::PopupClosed);
            }
            if self.nav.now_ms() > deadline {
                popup.close();
                self.cache.take_pending(&pending.state, self.nav.now_ms());
                return Err(AuthError::PopupTimedOut);
            }
        };
        self.complete(response).await?;
        self.account().ok_or(AuthError::InteractionRequired)
    }
}
