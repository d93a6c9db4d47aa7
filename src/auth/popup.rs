//! The popup interaction: a window the page opened in the click handler goes to the identity
//! platform; the page stays, watches the window until it is back on this origin with a
//! response (or closed, or too late), closes it and finishes the sign-in itself.

use super::cache::Account;
use super::navigation::{Navigation, Popup};
use super::request::{self, Interaction, SignInOptions, PENDING_REQUEST_TTL_MS};
use super::session::Session;
use super::token_endpoint::TokenEndpoint;
use super::AuthError;

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
        let (url, pending) = match self.prepare_sign_in(options, Interaction::Popup).await {
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

#[cfg(test)]
mod tests {
    use std::rc::Rc;

    use super::super::fake::{self, *};
    use super::*;
    use crate::auth::Resource;

    #[test]
    fn a_popup_sign_in_finishes_in_the_opener_and_closes_the_popup() {
        let (session, window, endpoint) = fake::session();
        let popup = Rc::new(FakePopup::default());
        popup.polls_until_back.set(3);
        let answering = endpoint.clone();
        *popup.answer.borrow_mut() = Some(Box::new(move |authorize: &str| {
            // The identity platform issues the id token with the request's nonce.
            let nonce = param(authorize, "nonce").unwrap();
            answering.answer_json(
                200,
                tokens("t", "r", &id_token(&nonce, START_MS / 1000, |_| {})),
            );
            let state = param(authorize, "state").unwrap();
            format!("{REDIRECT_URI}?code=popup-code&state={state}#")
        }));

        let account = run(session.sign_in_popup(popup.clone(), SignInOptions::default())).unwrap();

        assert_eq!(account.username, "adele@contoso.onmicrosoft.com");
        assert!(popup.closed.get(), "the page closed the popup");
        assert!(popup
            .sent_to
            .borrow()
            .as_deref()
            .unwrap()
            .starts_with("https://login.example/"));
        assert_eq!(
            field(&endpoint.form(0), "code"),
            Some("popup-code"),
            "the code the popup came back with"
        );
        assert_eq!(*window.left_for.borrow(), None, "the page stayed");
        assert_eq!(
            run(session.acquire_token_silent(&Resource::Graph)).as_deref(),
            Ok("t")
        );
    }

    #[test]
    fn a_popup_closed_by_the_user_says_so_and_forgets_its_request() {
        let (session, _, endpoint) = fake::session();
        let popup = Rc::new(FakePopup::default());
        popup.closed_by_user_after.set(Some(2));
        assert_eq!(
            run(session.sign_in_popup(popup.clone(), SignInOptions::default())),
            Err(AuthError::PopupClosed)
        );
        let state = param(&popup.sent_to.borrow().clone().unwrap(), "state").unwrap();
        assert_eq!(session.cache.peek_pending(&state), None);
        assert_eq!(endpoint.count(), 0);
    }

    #[test]
    fn a_popup_that_never_answers_is_given_up_after_the_requests_lifetime() {
        let (session, window, endpoint) = fake::session();
        let popup = Rc::new(FakePopup::default());
        assert_eq!(
            run(session.sign_in_popup(popup.clone(), SignInOptions::default())),
            Err(AuthError::PopupTimedOut)
        );
        assert!(popup.closed.get());
        assert!(window.now_ms.get() > START_MS + PENDING_REQUEST_TTL_MS);
        assert!(window.now_ms.get() <= START_MS + PENDING_REQUEST_TTL_MS + u64::from(POLL_MS) + 1);
        assert_eq!(endpoint.count(), 0);
    }

    #[test]
    fn a_full_session_storage_closes_the_popup_and_says_why() {
        let (session, _, _) = session_with_requests(config(""), Box::new(FullStore));
        let popup = Rc::new(FakePopup::default());
        assert_eq!(
            run(session.sign_in_popup(popup.clone(), SignInOptions::default())),
            Err(AuthError::StorageFull)
        );
        assert!(popup.closed.get());
        assert_eq!(*popup.sent_to.borrow(), None, "it never went to sign in");
    }
}
