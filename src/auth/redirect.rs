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
        let (url, _) = self.prepare_sign_in(options, Interaction::Redirect).await?;
        self.nav.leave_for(&url);
        Ok(())
    }

    /// The authorize address for `interaction`, with its pending request kept (in storage) so
    /// that the answer can be matched when it comes back; redirect and popup both start here.
    ///
    /// Sign-in asks for Graph's scopes only, never SharePoint's, even when `config.json` names
    /// the My Site host: the SharePoint profile permission needs an administrator's consent,
    /// which no user can give on the consent screen. Asked for here, a missing admin consent
    /// would stop the sign-in on the identity platform's "Need admin approval" page, which
    /// never comes back to the page; asked for later through the refresh token, it comes
    /// back as AADSTS65001, which the page names with the permissions to grant. One path,
    /// whether the host is configured or found through Graph.
    pub(super) async fn prepare_sign_in(
        &self,
        options: SignInOptions,
        interaction: Interaction,
    ) -> Result<(String, request::PendingRequest), AuthError> {
        let (client, _) = self.oauth_client(&self.redirect_uri).await?;
        let random = self.sign_in_random()?;
        let (url, pending) = request::authorize(
            &client,
            &self.scopes(&Resource::Graph),
            &options,
            interaction,
            self.nav.now_ms(),
            &random,
        );
        self.cache.put_pending(&pending)?;
        Ok((url, pending))
    }
}

#[cfg(test)]
mod tests {
    use oauth2::{PkceCodeChallenge, PkceCodeVerifier};
    use serde_json::json;

    use super::super::fake::{self, *};
    use super::*;
    use crate::config::MySiteOrigin;

    fn options() -> SignInOptions {
        SignInOptions {
            return_to: "/?autostart=1".into(),
            ..Default::default()
        }
    }

    /// Starts a redirect sign-in and returns the authorize URL the page left for.
    fn leave(session: &FakeSession, window: &FakeWindow) -> String {
        run(session.sign_in_redirect(options())).unwrap();
        window.left_for.borrow().clone().expect("the page left")
    }

    /// Brings the window back to the redirect URI with `query`.
    fn come_back(window: &FakeWindow, query: &str) {
        *window.query.borrow_mut() = query.to_owned();
    }

    #[test]
    fn a_redirect_sign_in_redeems_the_code_with_its_verifier_and_keeps_the_tokens() {
        let (session, window, endpoint) = fake::session();
        let authorize = leave(&session, &window);
        let state = param(&authorize, "state").unwrap();
        let nonce = param(&authorize, "nonce").unwrap();
        come_back(
            &window,
            &format!("?code=the-code&state={state}&session_state=x"),
        );
        endpoint.answer_json(
            200,
            tokens(
                "graph-token",
                "refresh-1",
                &id_token(&nonce, START_MS / 1000, |_| {}),
            ),
        );

        let startup = run(session.start("/photo"));

        assert_eq!(
            startup,
            Startup::SignedIn {
                return_to: "/photo/?autostart=1".into()
            }
        );
        // The code left the address bar first; then the view's address replaced it.
        assert_eq!(
            *window.addresses.borrow(),
            vec!["/photo/".to_owned(), "/photo/?autostart=1".to_owned()]
        );
        // One redemption, at the discovered token endpoint, with the PKCE verifier whose
        // S256 is the challenge the authorize URL carried.
        assert_eq!(endpoint.count(), 1);
        assert_eq!(endpoint.requests.borrow()[0].0, TOKEN_URL);
        let form = endpoint.form(0);
        assert_eq!(field(&form, "grant_type"), Some("authorization_code"));
        assert_eq!(field(&form, "code"), Some("the-code"));
        assert_eq!(field(&form, "client_id"), Some(CLIENT_ID));
        assert_eq!(field(&form, "redirect_uri"), Some(REDIRECT_URI));
        assert!(field(&form, "client_secret").is_none(), "a public client");
        let verifier = field(&form, "code_verifier").unwrap();
        assert_eq!(
            PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(
                verifier.to_owned()
            ))
            .as_str(),
            param(&authorize, "code_challenge").unwrap()
        );
        let scope = field(&form, "scope").unwrap();
        assert!(scope.contains("User.Read") && scope.contains("offline_access"));
        // The account and the Graph token are kept: no second request for it.
        let account = session.account().unwrap();
        assert_eq!(account.username, "adele@contoso.onmicrosoft.com");
        assert_eq!(account.tid, TENANT);
        assert_eq!(
            run(session.acquire_token_silent(&Resource::Graph)).as_deref(),
            Ok("graph-token")
        );
        assert_eq!(endpoint.count(), 1);
    }

    #[test]
    fn a_response_is_used_once_and_a_replay_leaves_the_session_as_it_is() {
        let (session, window, endpoint) = fake::session();
        let authorize = leave(&session, &window);
        let state = param(&authorize, "state").unwrap();
        let nonce = param(&authorize, "nonce").unwrap();
        come_back(&window, &format!("?code=c1&state={state}"));
        endpoint.answer_json(
            200,
            tokens("t1", "r1", &id_token(&nonce, START_MS / 1000, |_| {})),
        );
        assert!(matches!(
            run(session.start("/photo")),
            Startup::SignedIn { .. }
        ));
        // The same address again (back button, a copied link): nothing is redeemed.
        assert_eq!(run(session.start("/photo")), Startup::Ready);
        assert_eq!(endpoint.count(), 1);
        assert!(session.account().is_some());
    }

    #[test]
    fn a_response_to_no_request_of_this_page_is_refused_before_any_token_request() {
        let (session, window, endpoint) = fake::session();
        come_back(&window, "?code=stolen&state=forged");
        assert_eq!(
            run(session.start("/photo")),
            Startup::Failed(AuthError::StateMismatch)
        );
        assert_eq!(endpoint.count(), 0);
        assert_eq!(*window.addresses.borrow(), vec!["/photo/".to_owned()]);
    }

    #[test]
    fn an_id_token_with_another_nonce_signs_nobody_in() {
        let (session, window, endpoint) = fake::session();
        let state = param(&leave(&session, &window), "state").unwrap();
        come_back(&window, &format!("?code=c&state={state}"));
        endpoint.answer_json(
            200,
            tokens(
                "t",
                "r",
                &id_token("someone-elses", START_MS / 1000, |_| {}),
            ),
        );
        assert_eq!(
            run(session.start("/photo")),
            Startup::Failed(AuthError::NonceMismatch)
        );
        assert_eq!(session.account(), None);
        assert_eq!(
            run(session.acquire_token_silent(&Resource::Graph)),
            Err(AuthError::InteractionRequired),
            "no token kept"
        );
    }

    #[test]
    fn an_id_token_for_another_app_or_issuer_signs_nobody_in() {
        for (claim, value, code) in [
            ("aud", "22222222-2222-2222-2222-222222222222", "aud "),
            ("iss", "https://evil.example/v2.0", "iss "),
            ("tid", "common", "tid "),
        ] {
            let (session, window, endpoint) = fake::session();
            let authorize = leave(&session, &window);
            let state = param(&authorize, "state").unwrap();
            let nonce = param(&authorize, "nonce").unwrap();
            come_back(&window, &format!("?code=c&state={state}"));
            let token = id_token(&nonce, START_MS / 1000, |c| c[claim] = json!(value));
            endpoint.answer_json(200, tokens("t", "r", &token));
            match run(session.start("/photo")) {
                Startup::Failed(AuthError::IdToken { problem }) => {
                    assert!(problem.to_string().starts_with(code), "{claim}: {problem}")
                }
                other => panic!("{claim}: {other:?}"),
            }
            assert_eq!(session.account(), None, "{claim}");
        }
    }

    #[test]
    fn an_id_token_from_a_device_clock_far_off_is_refused() {
        let (session, window, endpoint) = fake::session();
        let authorize = leave(&session, &window);
        let state = param(&authorize, "state").unwrap();
        let nonce = param(&authorize, "nonce").unwrap();
        come_back(&window, &format!("?code=c&state={state}"));
        // Issued an hour after this device's "now": its clock is an hour slow.
        let token = id_token(&nonce, START_MS / 1000 + 3600, |_| {});
        endpoint.answer_json(200, tokens("t", "r", &token));
        assert_eq!(
            run(session.start("/photo")),
            Startup::Failed(AuthError::ClockSkew { seconds: -3600 })
        );
    }

    #[test]
    fn errors_from_the_identity_platform_are_explained() {
        let (session, window, endpoint) = fake::session();
        let state = param(&leave(&session, &window), "state").unwrap();
        come_back(
            &window,
            &format!(
                "?error=access_denied&error_description=AADSTS65004%3A+declined&state={state}"
            ),
        );
        assert_eq!(
            run(session.start("/photo")),
            Startup::Failed(AuthError::Cancelled)
        );
        assert_eq!(endpoint.count(), 0);

        // A code the token endpoint refuses (used twice, wrong verifier).
        let (session, window, endpoint) = fake::session();
        let state = param(&leave(&session, &window), "state").unwrap();
        come_back(&window, &format!("?code=c&state={state}"));
        endpoint.answer_json(
            400,
            json!({"error": "invalid_grant", "error_description": "AADSTS54005: OAuth2 Authorization code was already redeemed"}),
        );
        assert!(matches!(
            run(session.start("/photo")),
            Startup::Failed(AuthError::InvalidGrant { .. })
        ));
        assert_eq!(session.account(), None);
    }

    #[test]
    fn a_pending_request_older_than_its_time_to_live_is_refused() {
        let (session, window, endpoint) = fake::session();
        let state = param(&leave(&session, &window), "state").unwrap();
        window
            .now_ms
            .set(START_MS + request::PENDING_REQUEST_TTL_MS + 1);
        come_back(&window, &format!("?code=c&state={state}"));
        assert_eq!(
            run(session.start("/photo")),
            Startup::Failed(AuthError::StateMismatch)
        );
        assert_eq!(endpoint.count(), 0);
    }

    #[test]
    fn the_popups_response_is_left_to_its_opener() {
        let (session, window, endpoint) = fake::session();
        window.opened_by_same_origin.set(true);
        come_back(&window, "?code=c&state=s");
        assert_eq!(run(session.start("/photo")), Startup::InPopup);
        assert!(window.addresses.borrow().is_empty(), "the opener reads it");
        assert_eq!(endpoint.count(), 0);
    }

    #[test]
    fn nothing_to_finish_is_ready() {
        let (session, window, _) = fake::session();
        come_back(&window, "?login_hint=adele%40contoso.onmicrosoft.com");
        assert_eq!(run(session.start("/photo")), Startup::Ready);
        assert!(window.addresses.borrow().is_empty());
    }

    #[test]
    fn a_full_session_storage_stops_the_sign_in_before_the_page_leaves() {
        let (session, window, _) = session_with_requests(config(""), Box::new(FullStore));
        assert_eq!(
            run(session.sign_in_redirect(options())),
            Err(AuthError::StorageFull)
        );
        assert_eq!(*window.left_for.borrow(), None, "the page stays");
        // What the user hears of it is ui::auth_view's to say (tested there).
    }

    #[test]
    fn sign_in_asks_for_graph_only_even_with_a_configured_my_site_host() {
        // The SharePoint permissions need admin consent: asked for at sign-in, a missing one
        // would strand the user on the identity platform's "Need admin approval" page.
        let (session, window, _) = session_with_requests(
            config(r#","mySiteHost":"https://contoso-my.sharepoint.com""#),
            Box::<crate::auth::cache::MemoryStore>::default(),
        );
        let scope = param(&leave(&session, &window), "scope").unwrap();
        assert_eq!(scope, "openid profile offline_access User.Read");
        assert_eq!(
            session.config().my_site_host,
            MySiteOrigin::from_service("https://contoso-my.sharepoint.com", false)
        );
    }
}
