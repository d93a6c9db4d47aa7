//! The signed-in session: its parts (configuration, token cache, the window through the
//! [`Navigation`] seam, the token endpoint through the [`TokenEndpoint`] seam), the authority's
//! metadata, completing a sign-in that came back (code → tokens, `state`, `nonce` and id-token
//! checks), and sign-out.
//!
//! How the user is sent to sign in is the interaction clients' business, each in its own
//! file and each an `impl Session` block: [`super::redirect`] (the whole page leaves and comes
//! back), [`super::popup`] (a window the page watches) and [`super::silent`] (the cache, then
//! the refresh token). Tokens go only to the token endpoint the configured authority's
//! discovery document names.

use std::cell::{Cell, RefCell};

use oauth2::{AuthorizationCode, PkceCodeVerifier, TokenResponse as _};

use super::cache::{Account, MemoryStore, Store, TokenCache, ACCOUNT_KEY};
use super::claims;
use super::navigation::{self as nav, BrowserNavigation, Navigation};
use super::request::{self, AuthResponse, OpenIdMetadata, PendingRequest, TokenResponse};
use super::single_flight::SingleFlight;
use super::storage::SessionStore;
use super::token_endpoint::{self, FetchTokenEndpoint, TokenEndpoint};
use super::{AuthError, DiscoveryProblem, IdTokenProblem, Resource};
use crate::config::{AppConfig, CacheLocation};
use crate::http::{self, HttpRequest};

/// Seconds an access token lives when the response does not say.
const DEFAULT_EXPIRES_IN: u64 = 3600;

/// How far a sign-out went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignOut {
    /// The page left for the identity platform's end-session endpoint: the session ends there
    /// too, and the page's other tabs were told.
    Everywhere,
    /// Only this page forgot the session. It runs in a frame, and the end-session page refuses
    /// to be framed (Entra ID's sends `X-Frame-Options: DENY`): sent there, the frame would show
    /// the browser's refusal. The identity platform's session, and with it the person's
    /// sign-in to Microsoft 365 elsewhere in this browser, stays.
    HereOnly,
}

/// What the page found when it loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Startup {
    /// Nothing to finish; maybe a session from before.
    Ready,
    /// Back from the identity platform and signed in; show this view.
    SignedIn { return_to: String },
    /// This window is the sign-in popup: its opener takes the response and closes it.
    InPopup,
    /// Back from the identity platform with a failure.
    Failed(AuthError),
}

/// The sign-in state of the page: in the browser a `Session` over the page's window and
/// `fetch` (the defaults); in tests over a fake window and a fake token endpoint.
pub struct Session<N = BrowserNavigation, E = FetchTokenEndpoint> {
    pub(super) config: AppConfig,
    pub(super) redirect_uri: String,
    pub(super) cache: TokenCache,
    metadata: RefCell<Option<OpenIdMetadata>>,
    /// The refresh in flight per resource.
    pub(super) refreshes: SingleFlight<Resource, Result<String, AuthError>>,
    pub(super) nav: N,
    pub(super) endpoint: E,
}

impl Session {
    /// A session for this deployment in the page. The redirect URI is `config.redirectUri`,
    /// else the page's folder (`https://intranet.example/photo/`), the same for every view.
    pub fn new(config: AppConfig, base: &str) -> Session {
        let session_storage = || -> Box<dyn Store> {
            match SessionStore::open() {
                Some(store) => Box::new(store),
                None => Box::<MemoryStore>::default(),
            }
        };
        let store: Box<dyn Store> = match config.cache_location {
            CacheLocation::SessionStorage => session_storage(),
            CacheLocation::Memory => Box::<MemoryStore>::default(),
        };
        // Sign-ins in flight outlive the page that leaves for the identity platform.
        let requests = session_storage();
        let redirect_uri = config
            .redirect_uri
            .clone()
            .unwrap_or_else(|| format!("{}{}/", nav::origin(), base));
        Session::with_parts(
            config,
            redirect_uri,
            TokenCache::new(store, requests),
            BrowserNavigation,
            FetchTokenEndpoint,
        )
    }
}

impl Session {
    /// Whether this tab keeps an account entry (in sessionStorage, where [`Session::new`] keeps
    /// it), looked up without the configuration and without reading the entry: the page's
    /// first module hands such a visit to the app at once, which reads it (and drops it when
    /// it is damaged).
    pub fn account_kept_in_tab() -> bool {
        SessionStore::open().is_some_and(|store| store.get(ACCOUNT_KEY).is_some())
    }
}

impl<N: Navigation, E: TokenEndpoint> Session<N, E> {
    /// A session over the given parts (tests give a fake window and token endpoint).
    pub fn with_parts(
        config: AppConfig,
        redirect_uri: String,
        cache: TokenCache,
        nav: N,
        endpoint: E,
    ) -> Session<N, E> {
        Session {
            config,
            redirect_uri,
            cache,
            metadata: RefCell::new(None),
            refreshes: SingleFlight::default(),
            nav,
            endpoint,
        }
    }

    pub fn config(&self) -> &AppConfig {
        &self.config
    }

    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// The scopes this deployment asks for on `resource` (the SharePoint ones from
    /// `config.json`).
    pub fn scopes(&self, resource: &Resource) -> Vec<String> {
        resource.scopes(&self.config.share_point_scopes)
    }

    /// The signed-in account, if any.
    pub fn account(&self) -> Option<Account> {
        self.cache.account()
    }

    /// The authority's metadata: fetched once a day (kept in the cache's store), checked
    /// every time it is read.
    pub async fn metadata(&self) -> Result<OpenIdMetadata, AuthError> {
        if let Some(metadata) = self.metadata.borrow().clone() {
            return Ok(metadata);
        }
        let url = request::discovery_url(&self.config.authority);
        let kept = self.cache.discovery(&url, self.nav.now_secs());
        if let Some(metadata) = kept.and_then(|d| request::parse_metadata(d.as_bytes()).ok()) {
            *self.metadata.borrow_mut() = Some(metadata.clone());
            return Ok(metadata);
        }
        self.fetch_metadata().await
    }

    /// Fetches the authority's discovery document now (the setup check's test), and keeps it.
    pub async fn fetch_metadata(&self) -> Result<OpenIdMetadata, AuthError> {
        let url = request::discovery_url(&self.config.authority);
        let response = http::send(HttpRequest::get(&url).timeout_ms(15_000))
            .await
            .map_err(|e| AuthError::Network {
                detail: e.to_string(),
            })?;
        if !response.is_success() {
            return Err(AuthError::Discovery {
                problem: DiscoveryProblem::NotFound {
                    url,
                    status: response.status,
                },
            });
        }
        let metadata = request::parse_metadata(&response.body)?;
        self.cache
            .put_discovery(&url, &response.text(), self.nav.now_secs());
        *self.metadata.borrow_mut() = Some(metadata.clone());
        Ok(metadata)
    }

    /// The `oauth2` client for this app and `redirect_uri`.
    pub(super) async fn oauth_client(
        &self,
        redirect_uri: &str,
    ) -> Result<(request::OAuthClient, OpenIdMetadata), AuthError> {
        let metadata = self.metadata().await?;
        let client = request::oauth_client(&self.config.client_id, &metadata, redirect_uri)?;
        Ok((client, metadata))
    }

    /// Checks the response against the request it answers (one use), redeems the code with
    /// its PKCE verifier, checks the id token and keeps the tokens.
    pub(super) async fn complete(
        &self,
        response: AuthResponse,
    ) -> Result<PendingRequest, AuthError> {
        let state = response.state().ok_or(AuthError::StateMismatch)?;
        let pending = self
            .cache
            .take_pending(state, self.nav.now_ms())
            .ok_or(AuthError::StateMismatch)?;
        let code = match response {
            AuthResponse::Error {
                error, description, ..
            } => {
                return Err(
                    request::classify(&error, &description, &pending.redirect_uri)
                        .asking_for(&pending.scopes),
                )
            }
            AuthResponse::Code { code, .. } => code,
        };
        let (client, metadata) = self.oauth_client(&pending.redirect_uri).await?;
        let status = Cell::new(None);
        let tokens = client
            .exchange_code(AuthorizationCode::new(code))
            .set_pkce_verifier(PkceCodeVerifier::new(pending.verifier.clone()))
            .add_extra_param("scope", pending.scopes.join(" "))
            .request_async(&|r| token_endpoint::call(&self.endpoint, &status, r))
            .await
            .map_err(|e| {
                token_endpoint::token_error(e, &pending.redirect_uri).asking_for(&pending.scopes)
            })?;

        let id_token = tokens
            .extra_fields()
            .id_token
            .clone()
            .ok_or(AuthError::IdToken {
                problem: IdTokenProblem::Missing,
            })?;
        let claims = claims::decode(&id_token)?;
        claims::check(
            &claims,
            &self.config.client_id,
            &pending.nonce,
            &metadata.issuer,
            self.nav.now_secs() as i64,
        )?;
        let account = Account {
            home_account_id: format!("{}.{}", claims.oid, claims.tid),
            oid: claims.oid.clone(),
            tid: claims.tid.clone(),
            name: claims.name.clone().unwrap_or_default(),
            username: claims.preferred_username.clone().unwrap_or_default(),
        };
        self.cache.clear();
        self.cache.set_account(&account)?;
        self.keep(&account, &Resource::Graph, &tokens, true);
        Ok(pending)
    }

    /// Keeps a token response for `resource`. A token the store cannot hold is asked for
    /// again the next time it is needed.
    pub(super) fn keep(
        &self,
        account: &Account,
        resource: &Resource,
        tokens: &TokenResponse,
        fresh_sign_in: bool,
    ) {
        let now = self.nav.now_secs();
        let expires_in = tokens
            .expires_in()
            .map(|d| d.as_secs())
            .unwrap_or(DEFAULT_EXPIRES_IN);
        self.cache.put_access_token(
            account,
            resource,
            &self.scopes(resource),
            tokens.access_token().secret(),
            expires_in,
            now,
        );
        // What the token may do, as the token response says (RFC 6749 §5.1: a response
        // without `scope` granted exactly what was asked). The token itself is opaque.
        let granted: Vec<String> = match tokens.scopes() {
            Some(scopes) => scopes.iter().map(|s| s.to_string()).collect(),
            None => self.scopes(resource),
        };
        self.cache.put_granted_scopes(account, resource, &granted);
        if let Some(refresh) = tokens.refresh_token() {
            self.cache
                .put_refresh_token(account, refresh.secret(), now, fresh_sign_in);
        }
    }

    /// The scopes granted with the last token for `resource` (the token response's `scope`,
    /// as the identity platform wrote them: `https://contoso-my.sharepoint.com/AllSites.Read`),
    /// if a token was had since sign-in.
    pub fn granted_scopes(&self, resource: &Resource) -> Option<Vec<String>> {
        let account = self.account()?;
        self.cache.granted_scopes(&account, resource)
    }

    /// Fresh random bytes for a sign-in's PKCE verifier, `state` and `nonce`. A browser
    /// without a secure generator cannot sign in safely, so none starts.
    pub(super) fn sign_in_random(&self) -> Result<request::SignInRandom, AuthError> {
        self.nav.sign_in_random().ok_or(AuthError::NoSecureRandom)
    }

    /// Forgets the session here and ends it at the identity platform; in a frame, only here
    /// ([`SignOut::HereOnly`]): the frame never goes to the end-session page.
    pub async fn sign_out(&self) -> SignOut {
        if self.nav.is_framed() {
            self.sign_out_here();
            return SignOut::HereOnly;
        }
        let hint = self.account().map(|a| a.username);
        self.cache.clear();
        self.nav.announce_sign_out();
        self.cache.forget_reauthentication();
        let metadata = self.metadata().await.ok();
        match metadata.and_then(|m| m.end_session_endpoint) {
            Some(end_session) => {
                let mut url = url::Url::parse(&end_session).ok();
                if let Some(url) = url.as_mut() {
                    url.query_pairs_mut()
                        .append_pair("post_logout_redirect_uri", &self.redirect_uri);
                    if let Some(hint) = hint {
                        url.query_pairs_mut().append_pair("logout_hint", &hint);
                    }
                }
                match url {
                    Some(url) => self.nav.leave_for(url.as_str()),
                    None => self.nav.leave_for(&self.redirect_uri),
                }
            }
            None => self.nav.leave_for(&self.redirect_uri),
        }
        SignOut::Everywhere
    }

    /// Forgets the session in this page only: its tokens and account, and the note of a
    /// sign-in started by itself. The identity platform's session and the page's other tabs
    /// are left as they are.
    pub fn sign_out_here(&self) {
        self.cache.clear();
        self.cache.forget_reauthentication();
    }

    /// Whether a sign-in may start by itself now (once a minute at most), and notes that it
    /// does. Kept in sessionStorage beside the cache, outside what a new sign-in clears.
    pub fn may_reauthenticate(&self, now_ms: u64) -> bool {
        let last = self.cache.reauthenticated_at();
        if last.is_some_and(|t| now_ms.saturating_sub(t) < 60_000) {
            return false;
        }
        self.cache.note_reauthentication(now_ms);
        true
    }

    /// Forgets the session here because another tab signed out (the identity platform has
    /// already ended it there).
    pub fn forget(&self) {
        self.cache.clear();
    }

    /// Forgets access tokens (after a service said 401), keeping the refresh token.
    pub fn drop_access_tokens(&self) {
        self.cache.drop_access_tokens();
    }
}

#[cfg(test)]
mod tests {
    use super::super::fake::{self, run};
    use super::*;

    fn sign_in_adele(session: &fake::FakeSession) -> Account {
        let account = Account {
            home_account_id: "o.t".into(),
            oid: "o".into(),
            tid: "t".into(),
            name: "Adele Vance".into(),
            username: "adele@contoso.onmicrosoft.com".into(),
        };
        session.cache.set_account(&account).unwrap();
        session
            .cache
            .put_refresh_token(&account, "refresh-1", fake::START_MS / 1000, true);
        account
    }

    #[test]
    fn a_top_level_sign_out_ends_the_session_at_the_identity_platform() {
        let (session, window, _) = fake::session();
        sign_in_adele(&session);
        assert_eq!(run(session.sign_out()), SignOut::Everywhere);
        assert_eq!(session.account(), None);
        let left_for = window.left_for.borrow().clone().expect("the page left");
        assert!(left_for.contains("/oauth2/v2.0/logout?"), "{left_for}");
        assert_eq!(
            fake::param(&left_for, "post_logout_redirect_uri").as_deref(),
            Some(fake::REDIRECT_URI)
        );
        assert_eq!(window.sign_outs_announced.get(), 1);
    }

    /// Issue: signing out in the widget sent its frame to the end-session page, which refuses
    /// to be framed, so the frame showed the browser's refusal instead of the widget.
    #[test]
    fn a_framed_sign_out_forgets_the_session_here_and_never_leaves_the_frame() {
        let (session, window, _) = fake::session();
        window.framed.set(true);
        sign_in_adele(&session);
        assert_eq!(run(session.sign_out()), SignOut::HereOnly);
        assert_eq!(
            session.account(),
            None,
            "nothing of the session is left here"
        );
        assert_eq!(
            *window.left_for.borrow(),
            None,
            "the frame stays where it is"
        );
        assert_eq!(
            window.sign_outs_announced.get(),
            0,
            "the other tabs keep their sessions"
        );
    }
}
