//! The signed-in session: interaction clients (redirect, popup), silent token acquisition
//! (cache, then the refresh token — cross-resource — then interaction), and sign-out.
//!
//! The token endpoint is called with `fetch` from the page (the browser adds `Origin`, which
//! the identity platform requires to redeem an SPA's code), through the `oauth2` crate's
//! async HTTP client seam over [`crate::http`]. Tokens go only to the token endpoint the
//! configured authority's discovery document names.

use std::cell::RefCell;

use oauth2::{
    AuthorizationCode, PkceCodeVerifier, RefreshToken, RequestTokenError, Scope, TokenResponse as _,
};

use super::cache::{Account, MemoryStore, Store, TokenCache};
use super::claims;
use super::navigation as nav;
use super::request::{
    self, AuthResponse, Interaction, OpenIdMetadata, PendingRequest, SignInOptions, TokenResponse,
};
use super::single_flight::SingleFlight;
use super::storage::SessionStore;
use super::{AuthError, Resource, TokenSource};
use crate::config::{AppConfig, CacheLocation};
use crate::http::{self, HttpRequest};

/// When the page last started a sign-in by itself.
const REAUTH_KEY: &str = "pps.reauth-at";

/// Seconds an access token lives when the response does not say.
const DEFAULT_EXPIRES_IN: u64 = 3600;

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

pub struct Session {
    config: AppConfig,
    redirect_uri: String,
    cache: TokenCache,
    metadata: RefCell<Option<OpenIdMetadata>>,
    /// The refresh in flight per resource.
    refreshes: SingleFlight<Resource, Result<String, AuthError>>,
}

impl Session {
    /// A session for this deployment. The redirect URI is `config.redirectUri`, else the page's
    /// folder (`https://intranet.example/photo/`), the same for every view.
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
        Session {
            config,
            redirect_uri,
            cache: TokenCache::new(store, requests),
            metadata: RefCell::new(None),
            refreshes: SingleFlight::default(),
        }
    }

    pub fn config(&self) -> &AppConfig {
        &self.config
    }

    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// The signed-in account, if any.
    pub fn account(&self) -> Option<Account> {
        self.cache.account()
    }

    /// Finishes a sign-in that came back to this page, if one did. The code leaves the address
    /// bar before anything else happens.
    pub async fn start(&self, base: &str) -> Startup {
        let query = nav::query();
        let Some(response) = request::parse_response(&query) else {
            return Startup::Ready;
        };
        let stored = response
            .state()
            .and_then(|state| self.cache.peek_pending(state))
            .map(|pending| pending.interaction);
        if !request::finishes_here(stored, nav::opened_by_same_origin_page(), nav::is_framed()) {
            return Startup::InPopup;
        }
        nav::replace_address(&format!(
            "{}{}",
            nav::pathname(),
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
                nav::replace_address(&return_to);
                Startup::SignedIn { return_to }
            }
            Err(error) => Startup::Failed(error),
        }
    }

    /// The authority's metadata: fetched once a day (kept in the cache's store), checked
    /// every time it is read.
    pub async fn metadata(&self) -> Result<OpenIdMetadata, AuthError> {
        if let Some(metadata) = self.metadata.borrow().clone() {
            return Ok(metadata);
        }
        let url = request::discovery_url(&self.config.authority);
        let kept = self.cache.discovery(&url, nav::now_secs());
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
            return Err(AuthError::Other {
                code: format!("HTTP {}", response.status),
                description: format!("the authority's discovery document was not found at {url}; check \"authority\" in config.json"),
            });
        }
        let metadata = request::parse_metadata(&response.body)?;
        self.cache
            .put_discovery(&url, &response.text(), nav::now_secs());
        *self.metadata.borrow_mut() = Some(metadata.clone());
        Ok(metadata)
    }

    fn sign_in_options(&self, mut options: SignInOptions) -> SignInOptions {
        if let Some(host) = &self.config.my_site_host {
            let sharepoint = Resource::SharePoint {
                origin: host.clone(),
            };
            options.extra_scopes_to_consent.extend(sharepoint.scopes());
        }
        options
    }

    /// Signs in by sending the page to the identity platform; it comes back to the redirect URI.
    pub async fn sign_in_redirect(&self, options: SignInOptions) -> Result<(), AuthError> {
        let metadata = self.metadata().await?;
        let client = request::oauth_client(&self.config.client_id, &metadata, &self.redirect_uri)?;
        let random = sign_in_random()?;
        let (url, pending) = request::authorize(
            &client,
            &Resource::Graph.scopes(),
            &self.sign_in_options(options),
            Interaction::Redirect,
            nav::now_ms(),
            &random,
        );
        self.cache.put_pending(&pending);
        nav::leave_for(&url);
        Ok(())
    }

    /// Signs in through `popup` (opened by [`nav::open_popup`] in the click handler); the page
    /// stays where it is.
    pub async fn sign_in_popup(
        &self,
        popup: web_sys::Window,
        options: SignInOptions,
    ) -> Result<Account, AuthError> {
        let metadata = match self.metadata().await {
            Ok(m) => m,
            Err(e) => {
                let _ = popup.close();
                return Err(e);
            }
        };
        let client = request::oauth_client(&self.config.client_id, &metadata, &self.redirect_uri)?;
        let random = match sign_in_random() {
            Ok(random) => random,
            Err(e) => {
                let _ = popup.close();
                return Err(e);
            }
        };
        let (url, pending) = request::authorize(
            &client,
            &Resource::Graph.scopes(),
            &self.sign_in_options(options),
            Interaction::Popup,
            nav::now_ms(),
            &random,
        );
        self.cache.put_pending(&pending);
        let _ = popup.location().set_href(&url);
        // Watch the popup until it is back on this origin with a response, or is closed.
        let deadline = nav::now_ms() + request::PENDING_REQUEST_TTL_MS;
        let response = loop {
            nav::sleep(100).await;
            if let Some(address) = nav::same_origin_address(&popup) {
                let query = address.split_once('?').map(|(_, q)| q).unwrap_or_default();
                let query = query.split('#').next().unwrap_or_default();
                if let Some(response) = request::parse_response(query) {
                    let _ = popup.close();
                    break response;
                }
            }
            if popup.closed().unwrap_or(true) {
                self.cache.take_pending(&pending.state, nav::now_ms());
                return Err(AuthError::PopupClosed);
            }
            if nav::now_ms() > deadline {
                let _ = popup.close();
                self.cache.take_pending(&pending.state, nav::now_ms());
                return Err(AuthError::PopupTimedOut);
            }
        };
        self.complete(response).await?;
        self.account().ok_or(AuthError::InteractionRequired)
    }

    /// Checks the response against the request it answers (one use), redeems the code with
    /// its PKCE verifier and keeps the tokens.
    async fn complete(&self, response: AuthResponse) -> Result<PendingRequest, AuthError> {
        let state = response.state().ok_or(AuthError::StateMismatch)?;
        let pending = self
            .cache
            .take_pending(state, nav::now_ms())
            .ok_or(AuthError::StateMismatch)?;
        let code = match response {
            AuthResponse::Error {
                error, description, ..
            } => {
                return Err(request::classify(
                    &error,
                    &description,
                    &pending.redirect_uri,
                ))
            }
            AuthResponse::Code { code, .. } => code,
        };
        let metadata = self.metadata().await?;
        let client =
            request::oauth_client(&self.config.client_id, &metadata, &pending.redirect_uri)?;
        let tokens = client
            .exchange_code(AuthorizationCode::new(code))
            .set_pkce_verifier(PkceCodeVerifier::new(pending.verifier.clone()))
            .add_extra_param("scope", pending.scopes.join(" "))
            .request_async(&token_endpoint_client)
            .await
            .map_err(|e| token_error(e, &pending.redirect_uri))?;

        let id_token = tokens
            .extra_fields()
            .id_token
            .clone()
            .ok_or_else(|| AuthError::Other {
                code: "no_id_token".into(),
                description: "the identity platform sent no id token".into(),
            })?;
        let claims = claims::decode(&id_token)?;
        claims::check(
            &claims,
            &self.config.client_id,
            &pending.nonce,
            &metadata.issuer,
            nav::now_secs() as i64,
        )?;
        let account = Account {
            home_account_id: format!("{}.{}", claims.oid, claims.tid),
            oid: claims.oid.clone(),
            tid: claims.tid.clone(),
            name: claims.name.clone().unwrap_or_default(),
            username: claims.preferred_username.clone().unwrap_or_default(),
        };
        self.cache.clear();
        self.cache.set_account(&account);
        self.keep(&account, &Resource::Graph, &tokens, true);
        Ok(pending)
    }

    fn keep(
        &self,
        account: &Account,
        resource: &Resource,
        tokens: &TokenResponse,
        fresh_sign_in: bool,
    ) {
        let now = nav::now_secs();
        let expires_in = tokens
            .expires_in()
            .map(|d| d.as_secs())
            .unwrap_or(DEFAULT_EXPIRES_IN);
        self.cache.put_access_token(
            account,
            resource,
            &resource.scopes(),
            tokens.access_token().secret(),
            expires_in,
            now,
        );
        if let Some(refresh) = tokens.refresh_token() {
            self.cache
                .put_refresh_token(account, refresh.secret(), now, fresh_sign_in);
        }
    }

    /// A token for `resource` without showing anything: the cache, else the refresh token
    /// (which redeems a token for any consented resource, one resource per request).
    ///
    /// One refresh per resource is in flight at a time: callers that need the same resource
    /// meanwhile wait for its answer instead of redeeming the refresh token again.
    pub async fn acquire_token_silent(&self, resource: &Resource) -> Result<String, AuthError> {
        self.check_resource(resource)?;
        let account = self.account().ok_or(AuthError::InteractionRequired)?;
        let scopes = resource.scopes();
        if let Some(token) = self
            .cache
            .access_token(&account, resource, &scopes, nav::now_secs())
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
        let now = nav::now_secs();
        // Another caller's refresh may have finished between the cache check and now.
        if let Some(token) = self.cache.access_token(account, resource, &scopes, now) {
            return Ok(token);
        }
        let refresh = self
            .cache
            .refresh_token(account, now)
            .ok_or(AuthError::InteractionRequired)?;
        let metadata = self.metadata().await?;
        let client = request::oauth_client(&self.config.client_id, &metadata, &self.redirect_uri)?;
        let mut scope_list: Vec<Scope> = scopes.iter().cloned().map(Scope::new).collect();
        scope_list.push(Scope::new("offline_access".into()));
        let tokens = client
            .exchange_refresh_token(&RefreshToken::new(refresh))
            .add_scopes(scope_list)
            .request_async(&token_endpoint_client)
            .await
            .map_err(|e| token_error(e, &self.redirect_uri));
        let tokens = match tokens {
            Ok(tokens) => tokens,
            Err(AuthError::InteractionRequired) | Err(AuthError::InvalidGrant { .. }) => {
                self.cache.forget_refresh_token(account);
                return Err(AuthError::InteractionRequired);
            }
            Err(other) => return Err(other),
        };
        self.keep(account, resource, &tokens, false);
        Ok(tokens.access_token().secret().clone())
    }

    /// Tokens go only to Graph and the tenant's SharePoint hosts named by configuration or
    /// found through Graph (checked by the caller with [`crate::graph`]'s host rules).
    fn check_resource(&self, resource: &Resource) -> Result<(), AuthError> {
        match resource {
            Resource::Graph => Ok(()),
            Resource::SharePoint { origin } => {
                // The host config.json names, or a My Site host by the rule Graph's `mySite`
                // is held to (plain-http `*-my.localhost` only in a local deployment).
                let configured = self.config.my_site_host.as_deref() == Some(origin.as_str());
                let ok = configured
                    || crate::graph::my_site::trusted_origin(origin, self.config.is_local())
                        .is_ok_and(|trusted| &trusted == origin);
                if ok {
                    Ok(())
                } else {
                    Err(AuthError::Other {
                        code: "untrusted_host".into(),
                        description: format!("no token is sent to {origin}"),
                    })
                }
            }
        }
    }

    /// Forgets the session here and ends it at the identity platform.
    pub async fn sign_out(&self) {
        let hint = self.account().map(|a| a.username);
        self.cache.clear();
        nav::announce_sign_out();
        if let Some(store) = SessionStore::open() {
            store.remove(REAUTH_KEY);
        }
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
                    Some(url) => nav::leave_for(url.as_str()),
                    None => nav::leave_for(&self.redirect_uri),
                }
            }
            None => nav::leave_for(&self.redirect_uri),
        }
    }

    /// Whether a sign-in may start by itself now (once a minute at most), and notes that it
    /// does. Kept in sessionStorage beside the cache, outside what a new sign-in clears.
    pub fn may_reauthenticate(&self, now_ms: u64) -> bool {
        let store = SessionStore::open();
        let last = store
            .as_ref()
            .and_then(|s| s.get(REAUTH_KEY))
            .and_then(|v| v.parse::<u64>().ok());
        if last.is_some_and(|t| now_ms.saturating_sub(t) < 60_000) {
            return false;
        }
        if let Some(store) = store {
            store.set(REAUTH_KEY, &now_ms.to_string());
        }
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

impl TokenSource for Session {
    async fn access_token(&self, resource: &Resource) -> Result<String, AuthError> {
        self.acquire_token_silent(resource).await
    }
}

/// Fresh random bytes for a sign-in's PKCE verifier, `state` and `nonce`, from
/// `crypto.getRandomValues`. A browser without it cannot sign in safely, so none starts.
fn sign_in_random() -> Result<request::SignInRandom, AuthError> {
    let mut random = [0u8; 64];
    web_sys::window()
        .and_then(|w| w.crypto().ok())
        .and_then(|c| c.get_random_values_with_u8_array(&mut random).ok())
        .ok_or_else(|| AuthError::Other {
            code: "no_secure_random".into(),
            description: "this browser offers no crypto.getRandomValues".into(),
        })?;
    Ok(random)
}

/// The `oauth2` crate's HTTP client: `fetch` through [`crate::http`], no credentials.
async fn token_endpoint_client(
    request: oauth2::HttpRequest,
) -> Result<oauth2::HttpResponse, http::HttpError> {
    let mut outgoing = HttpRequest::new(
        match *request.method() {
            oauth2::http::Method::GET => gloo_net::http::Method::GET,
            _ => gloo_net::http::Method::POST,
        },
        request.uri().to_string(),
    );
    // The headers oauth2 sets (Authorization only with a client secret, which an SPA has
    // not), looked up by their constants: `HeaderName::as_str` would bring `http`'s table of
    // every standard header name into the page.
    use oauth2::http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
    for (name, header) in [
        ("Accept", ACCEPT),
        ("Content-Type", CONTENT_TYPE),
        ("Authorization", AUTHORIZATION),
    ] {
        if let Some(value) = request.headers().get(header).and_then(|v| v.to_str().ok()) {
            outgoing = outgoing.header(name, value);
        }
    }
    let body = request.into_body();
    if !body.is_empty() {
        outgoing = outgoing.body(http::Body::Text(
            String::from_utf8_lossy(&body).into_owned(),
        ));
    }
    let response = http::send(outgoing).await?;
    // `oauth2` reads only the content type. Naming it by its constant keeps `http`'s
    // header-name parser (~17 KB of wasm) out of the page.
    let mut builder = oauth2::http::Response::builder().status(response.status);
    if let Some(content_type) = response.header("content-type") {
        builder = builder.header(oauth2::http::header::CONTENT_TYPE, content_type);
    }
    builder
        .body(response.body)
        .map_err(|e| http::HttpError::Network {
            origin: "token endpoint".into(),
            detail: e.to_string(),
        })
}

fn token_error(
    error: RequestTokenError<http::HttpError, oauth2::basic::BasicErrorResponse>,
    redirect_uri: &str,
) -> AuthError {
    match error {
        RequestTokenError::ServerResponse(response) => request::classify(
            response.error().as_ref(),
            response
                .error_description()
                .map(String::as_str)
                .unwrap_or_default(),
            redirect_uri,
        ),
        RequestTokenError::Request(e) => AuthError::Network {
            detail: e.to_string(),
        },
        RequestTokenError::Parse(e, _) => AuthError::Other {
            code: "invalid_token_response".into(),
            description: e.to_string(),
        },
        RequestTokenError::Other(e) => AuthError::Other {
            code: "token_request_failed".into(),
            description: e,
        },
    }
}
