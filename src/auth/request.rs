//! Pure parts of the authorization code flow: discovery documents, the authorize URL with
//! PKCE, `state` and `nonce` (through the `oauth2` crate's types), the request remembered
//! between leaving and coming back, parsing the response, and turning the identity platform's
//! errors (AADSTS codes) into [`AuthError`]s. No `web_sys` here.

use base64::Engine as _;
use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse,
    BasicTokenType,
};
use oauth2::{
    AuthType, AuthUrl, ClientId, CsrfToken, EndpointNotSet, EndpointSet, ExtraTokenFields,
    PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, StandardRevocableToken,
    StandardTokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};

use super::{AuthError, DiscoveryProblem};
use crate::http::json;

/// The OpenID Connect scopes asked for at sign-in, besides the resource's own.
pub const OIDC_SCOPES: [&str; 3] = ["openid", "profile", "offline_access"];

/// What the authority's discovery document says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenIdMetadata {
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub end_session_endpoint: Option<String>,
    pub issuer: String,
}

/// `{authority}/v2.0/.well-known/openid-configuration`.
pub fn discovery_url(authority: &str) -> String {
    format!(
        "{}/v2.0/.well-known/openid-configuration",
        authority.trim_end_matches('/')
    )
}

/// Reads a discovery document and checks its endpoints are https (or loopback http).
pub fn parse_metadata(body: &[u8]) -> Result<OpenIdMetadata, AuthError> {
    let read = || -> Result<OpenIdMetadata, String> {
        let v = json::object(body)?;
        Ok(OpenIdMetadata {
            authorization_endpoint: json::required_string(&v, "authorization_endpoint")?,
            token_endpoint: json::required_string(&v, "token_endpoint")?,
            end_session_endpoint: json::string(&v, "end_session_endpoint")?,
            issuer: json::required_string(&v, "issuer")?,
        })
    };
    let metadata = read().map_err(|detail| AuthError::Discovery {
        problem: DiscoveryProblem::Unreadable { detail },
    })?;
    for endpoint in [&metadata.authorization_endpoint, &metadata.token_endpoint] {
        let ok = url::Url::parse(endpoint).is_ok_and(|u| crate::config::is_safe_endpoint(&u));
        if !ok {
            return Err(unsafe_endpoint(endpoint));
        }
    }
    Ok(metadata)
}

/// The issuer to expect for a tenant: `organizations` and `common` documents carry a literal
/// `{tenantid}` placeholder that stands for the signed-in user's tenant.
pub fn expected_issuer(metadata: &OpenIdMetadata, tenant_id: &str) -> String {
    metadata.issuer.replace("{tenantid}", tenant_id)
}

/// The id token, which the identity platform adds to the standard token response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdTokenField {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
}

impl ExtraTokenFields for IdTokenField {}

/// The token response with its id token.
pub type TokenResponse = StandardTokenResponse<IdTokenField, BasicTokenType>;

/// An `oauth2` client for this app: authorize and token endpoints set, no secret (a public
/// client: the SPA platform), client id sent in the request body.
pub type OAuthClient = oauth2::Client<
    BasicErrorResponse,
    TokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

pub fn oauth_client(
    client_id: &str,
    metadata: &OpenIdMetadata,
    redirect_uri: &str,
) -> Result<OAuthClient, AuthError> {
    Ok(oauth2::Client::new(ClientId::new(client_id.to_owned()))
        .set_auth_type(AuthType::RequestBody)
        .set_auth_uri(
            AuthUrl::new(metadata.authorization_endpoint.clone())
                .map_err(|_| unsafe_endpoint(&metadata.authorization_endpoint))?,
        )
        .set_token_uri(
            TokenUrl::new(metadata.token_endpoint.clone())
                .map_err(|_| unsafe_endpoint(&metadata.token_endpoint))?,
        )
        .set_redirect_uri(RedirectUrl::new(redirect_uri.to_owned()).map_err(|_| {
            AuthError::Other {
                code: "invalid_redirect_uri".into(),
                description: redirect_uri.to_owned(),
            }
        })?))
}

/// A discovery document that names `endpoint`, where the page sends nothing.
fn unsafe_endpoint(endpoint: &str) -> AuthError {
    AuthError::Discovery {
        problem: DiscoveryProblem::UnsafeEndpoint {
            endpoint: endpoint.to_owned(),
        },
    }
}

/// How the user is sent to the identity platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interaction {
    /// The whole page goes to the sign-in page and comes back.
    Redirect,
    /// A popup window signs in; the page stays.
    Popup,
}

/// Whether the page that received a sign-in response (`?code=…&state=…`) finishes the sign-in
/// itself, or is the sign-in popup whose opener reads the response from its address.
/// `stored` is the interaction of the pending request with the response's `state`, if this
/// window's sessionStorage holds one; `opened_by_same_origin` and `framed` describe the window.
pub fn finishes_here(
    stored: Option<Interaction>,
    opened_by_same_origin: bool,
    framed: bool,
) -> bool {
    match stored {
        // This window made the request by leaving for the identity platform: whoever opened
        // it (an intranet page on this origin, say), the response is this window's to finish.
        Some(Interaction::Redirect) => true,
        // A popup's request: its opener finishes it, if the opener is still there.
        Some(Interaction::Popup) => !opened_by_same_origin,
        // The opener's request, made after this popup was opened (so not copied here).
        None => !opened_by_same_origin || framed,
    }
}

/// The `login_hint` of the address (`?login_hint=…`) when it names another account than
/// `signed_in` (compared as the identity platform compares user names: without case). A link
/// made for someone else must not sync the account that happens to be signed in.
pub fn hint_for_another_account(query: &str, signed_in: &str) -> Option<String> {
    let hint = url::form_urlencoded::parse(query.trim_start_matches('?').as_bytes())
        .find(|(k, _)| k == "login_hint")
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| !v.is_empty())?;
    (!hint.eq_ignore_ascii_case(signed_in.trim())).then_some(hint)
}

/// What the app may add to a sign-in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SignInOptions {
    pub login_hint: Option<String>,
    pub domain_hint: Option<String>,
    /// `none`, `login`, `select_account` or `consent`.
    pub prompt: Option<String>,
    /// Scopes of other resources to consent to now, so their tokens come silently later.
    pub extra_scopes_to_consent: Vec<String>,
    /// Where to bring the user back to (path and query of the view, never the code).
    pub return_to: String,
    /// The page's language as a BCP 47 tag, sent as `ui_locales` (OpenID Connect Core 1.0,
    /// §3.1.2.1) so that the sign-in pages speak the language the page speaks.
    pub ui_locales: Option<String>,
}

/// A sign-in in flight, remembered (in sessionStorage) between leaving and coming back.
/// Found again by its `state`, and used once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingRequest {
    pub state: String,
    pub verifier: String,
    pub nonce: String,
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    pub return_to: String,
    pub interaction: Interaction,
    pub created_at_ms: u64,
}

/// How long a pending sign-in may wait for its response.
pub const PENDING_REQUEST_TTL_MS: u64 = 15 * 60 * 1000;

/// Random bytes a sign-in needs, from the browser's `crypto.getRandomValues`: 32 for the
/// PKCE verifier, 16 for `state`, 16 for the `nonce` (the sizes `oauth2`'s own
/// `new_random_sha256` and `CsrfToken::new_random` use; those draw on `rand`, which would put
/// a ChaCha generator and `getrandom` in the page for three calls).
pub type SignInRandom = [u8; 64];

/// Builds the authorize URL (code flow, PKCE S256, `state`, `nonce`, `response_mode=query`)
/// and the request to remember.
pub fn authorize(
    client: &OAuthClient,
    resource_scopes: &[String],
    options: &SignInOptions,
    interaction: Interaction,
    now_ms: u64,
    random: &SignInRandom,
) -> (String, PendingRequest) {
    let encode = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let verifier = PkceCodeVerifier::new(encode(&random[..32]));
    let challenge = PkceCodeChallenge::from_code_verifier_sha256(&verifier);
    let state = CsrfToken::new(encode(&random[32..48]));
    let nonce = encode(&random[48..]);
    let mut scopes: Vec<String> = OIDC_SCOPES.iter().map(|s| s.to_string()).collect();
    scopes.extend(resource_scopes.iter().cloned());
    let mut request = client
        .authorize_url(|| state)
        .add_scopes(
            scopes
                .iter()
                .chain(&options.extra_scopes_to_consent)
                .map(|s| Scope::new(s.clone())),
        )
        .set_pkce_challenge(challenge)
        .add_extra_param("response_mode", "query")
        .add_extra_param("nonce", nonce.clone())
        .add_extra_param("client_info", "1");
    if let Some(hint) = &options.login_hint {
        request = request.add_extra_param("login_hint", hint.clone());
    }
    if let Some(hint) = &options.domain_hint {
        request = request.add_extra_param("domain_hint", hint.clone());
    }
    if let Some(locales) = &options.ui_locales {
        request = request.add_extra_param("ui_locales", locales.clone());
    }
    if let Some(prompt) = &options.prompt {
        request = request.add_extra_param("prompt", prompt.clone());
    }
    let (url, state) = request.url();
    let pending = PendingRequest {
        state: state.secret().clone(),
        verifier: verifier.secret().clone(),
        nonce,
        redirect_uri: client
            .redirect_uri()
            .map(|r| r.to_string())
            .unwrap_or_default(),
        scopes,
        return_to: options.return_to.clone(),
        interaction,
        created_at_ms: now_ms,
    };
    (url.to_string(), pending)
}

/// What came back to the redirect URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthResponse {
    Code {
        code: String,
        state: String,
    },
    Error {
        error: String,
        description: String,
        state: Option<String>,
    },
}

impl AuthResponse {
    pub fn state(&self) -> Option<&str> {
        match self {
            AuthResponse::Code { state, .. } => Some(state),
            AuthResponse::Error { state, .. } => state.as_deref(),
        }
    }
}

/// Reads an authorization response from a query string (`?code=…&state=…`), if there is one.
pub fn parse_response(query: &str) -> Option<AuthResponse> {
    let pairs: Vec<(String, String)> =
        url::form_urlencoded::parse(query.trim_start_matches(['?', '#']).as_bytes())
            .into_owned()
            .collect();
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    if let Some(error) = get("error") {
        return Some(AuthResponse::Error {
            error,
            description: get("error_description").unwrap_or_default(),
            state: get("state"),
        });
    }
    match (get("code"), get("state")) {
        (Some(code), Some(state)) => Some(AuthResponse::Code { code, state }),
        _ => None,
    }
}

/// The query without the authorization response's parameters, for the address bar.
pub fn strip_response_params(query: &str) -> String {
    const RESPONSE: [&str; 7] = [
        "code",
        "state",
        "session_state",
        "error",
        "error_description",
        "error_uri",
        "client_info",
    ];
    let kept: Vec<(String, String)> =
        url::form_urlencoded::parse(query.trim_start_matches('?').as_bytes())
            .into_owned()
            .filter(|(k, _)| !RESPONSE.contains(&k.as_str()))
            .collect();
    if kept.is_empty() {
        String::new()
    } else {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        out.extend_pairs(kept);
        format!("?{}", out.finish())
    }
}

/// The AADSTS number at the start of an error description (`AADSTS50011: …` → 50011).
pub fn aadsts_code(description: &str) -> Option<u32> {
    let rest = &description[description.find("AADSTS")? + "AADSTS".len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Turns an identity platform error into what the user can act on.
pub fn classify(error: &str, description: &str, redirect_uri: &str) -> AuthError {
    let code = aadsts_code(description);
    match (error, code) {
        (_, Some(50011)) => AuthError::RedirectUriNotRegistered {
            redirect_uri: redirect_uri.to_owned(),
        },
        (_, Some(9002326)) => AuthError::SpaPlatformMissing {
            redirect_uri: redirect_uri.to_owned(),
        },
        (_, Some(50020)) => AuthError::UserNotInTenant,
        (_, Some(65001 | 90094 | 90008)) => AuthError::AdminConsentRequired {
            code: format!("AADSTS{}", code.unwrap_or_default()),
            scopes: Vec::new(),
        },
        (_, Some(65004)) | ("access_denied", _) => AuthError::Cancelled,
        (_, Some(50058 | 50076 | 50079 | 700084 | 700082 | 70043))
        | ("login_required" | "interaction_required" | "consent_required", _) => {
            AuthError::InteractionRequired
        }
        ("invalid_grant", _) => AuthError::InvalidGrant {
            description: first_line(description),
        },
        _ => AuthError::Other {
            code: match code {
                Some(n) => format!("AADSTS{n}"),
                None => error.to_owned(),
            },
            description: first_line(description),
        },
    }
}

fn first_line(description: &str) -> String {
    description
        .lines()
        .next()
        .unwrap_or_default()
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_hint_for_another_account_than_the_signed_in_one_is_noticed() {
        let signed_in = "adele@contoso.onmicrosoft.com";
        assert_eq!(
            hint_for_another_account(
                "?login_hint=megan%40contoso.onmicrosoft.com&autostart=1",
                signed_in
            ),
            Some("megan@contoso.onmicrosoft.com".to_owned())
        );
        assert_eq!(
            hint_for_another_account("?login_hint=Adele%40Contoso.onmicrosoft.com", signed_in),
            None,
            "the same account, written otherwise"
        );
        assert_eq!(hint_for_another_account("?autostart=1", signed_in), None);
        assert_eq!(hint_for_another_account("?login_hint=", signed_in), None);
    }

    #[test]
    fn same_origin_opener_window_completes_a_redirect_sign_in() {
        // An intranet page on the same origin opened this window, and the user signed in here
        // by redirect: the request stored with the state says so, and this window finishes.
        assert!(finishes_here(Some(Interaction::Redirect), true, false));
        // The popup (its request is in the opener's storage, or copied here as a popup).
        assert!(!finishes_here(Some(Interaction::Popup), true, false));
        assert!(!finishes_here(None, true, false));
        // Nobody opened this window: it finishes (an unknown state is refused there).
        assert!(finishes_here(None, false, false));
        assert!(finishes_here(Some(Interaction::Redirect), false, false));
    }

    fn metadata() -> OpenIdMetadata {
        parse_metadata(
            br#"{"authorization_endpoint":"https://login.example/t/oauth2/v2.0/authorize",
                 "token_endpoint":"https://login.example/t/oauth2/v2.0/token",
                 "end_session_endpoint":"https://login.example/t/oauth2/v2.0/logout",
                 "issuer":"https://login.example/{tenantid}/v2.0","jwks_uri":"https://login.example/keys"}"#,
        )
        .unwrap()
    }

    /// Random bytes for tests, from std's randomly keyed hasher.
    fn random() -> SignInRandom {
        use std::hash::{BuildHasher, Hasher};
        let mut bytes = [0u8; 64];
        for chunk in bytes.chunks_mut(8) {
            let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
            hasher.write_u8(0);
            chunk.copy_from_slice(&hasher.finish().to_le_bytes());
        }
        bytes
    }

    fn client() -> OAuthClient {
        oauth_client("client-id", &metadata(), "https://app.example/").unwrap()
    }

    fn query_of(url: &str) -> Vec<(String, String)> {
        url::Url::parse(url)
            .unwrap()
            .query_pairs()
            .into_owned()
            .collect()
    }

    fn param<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn discovery_url_is_under_v2() {
        assert_eq!(
            discovery_url("https://login.microsoftonline.com/contoso.onmicrosoft.com/"),
            "https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration"
        );
    }

    #[test]
    fn tenant_placeholder_in_issuer_is_filled() {
        assert_eq!(
            expected_issuer(&metadata(), "t-1"),
            "https://login.example/t-1/v2.0"
        );
    }

    #[test]
    fn plain_http_endpoints_outside_loopback_are_refused() {
        let doc = br#"{"authorization_endpoint":"http://evil.example/authorize","token_endpoint":"https://x/t","issuer":"i"}"#;
        assert!(parse_metadata(doc).is_err());
    }

    #[test]
    fn authorize_url_carries_pkce_state_nonce_and_hints() {
        let options = SignInOptions {
            login_hint: Some("adele@contoso.onmicrosoft.com".into()),
            domain_hint: Some("contoso.com".into()),
            prompt: Some("select_account".into()),
            extra_scopes_to_consent: vec![
                "https://contoso-my.sharepoint.com/User.ReadWrite.All".into()
            ],
            return_to: "/?autostart=1".into(),
            ui_locales: Some("lv".into()),
        };
        let (url, pending) = authorize(
            &client(),
            &["User.Read".into()],
            &options,
            Interaction::Redirect,
            5,
            &random(),
        );
        let q = query_of(&url);
        assert!(url.starts_with("https://login.example/t/oauth2/v2.0/authorize?"));
        assert_eq!(param(&q, "response_type"), Some("code"));
        assert_eq!(param(&q, "client_id"), Some("client-id"));
        assert_eq!(param(&q, "redirect_uri"), Some("https://app.example/"));
        assert_eq!(param(&q, "code_challenge_method"), Some("S256"));
        assert_eq!(param(&q, "response_mode"), Some("query"));
        assert_eq!(param(&q, "state"), Some(pending.state.as_str()));
        assert_eq!(param(&q, "nonce"), Some(pending.nonce.as_str()));
        assert_eq!(
            param(&q, "login_hint"),
            Some("adele@contoso.onmicrosoft.com")
        );
        assert_eq!(param(&q, "domain_hint"), Some("contoso.com"));
        assert_eq!(param(&q, "prompt"), Some("select_account"));
        assert_eq!(param(&q, "ui_locales"), Some("lv"));
        let scope = param(&q, "scope").unwrap();
        assert!(
            scope.contains("openid")
                && scope.contains("offline_access")
                && scope.contains("User.Read")
        );
        assert!(scope.contains("https://contoso-my.sharepoint.com/User.ReadWrite.All"));
        // The challenge is the S256 of the verifier we keep.
        let challenge = param(&q, "code_challenge").unwrap();
        let expected = oauth2::PkceCodeChallenge::from_code_verifier_sha256(
            &oauth2::PkceCodeVerifier::new(pending.verifier.clone()),
        );
        assert_eq!(challenge, expected.as_str());
        assert_eq!(pending.return_to, "/?autostart=1");
        assert!(
            !pending.scopes.iter().any(|s| s.contains("sharepoint")),
            "consent-only scopes are not redeemed"
        );
    }

    #[test]
    fn every_sign_in_gets_fresh_state_nonce_and_verifier() {
        let options = SignInOptions::default();
        let (_, a) = authorize(&client(), &[], &options, Interaction::Popup, 0, &random());
        let (_, b) = authorize(&client(), &[], &options, Interaction::Popup, 0, &random());
        assert_ne!(a.state, b.state);
        assert_ne!(a.nonce, b.nonce);
        assert_ne!(a.verifier, b.verifier);
        // Each secret has its own bytes.
        assert_ne!(a.state, a.nonce);
        assert!(!a.verifier.contains(&a.state) && !a.verifier.contains(&a.nonce));
        assert!(a.state.len() >= 16 && a.verifier.len() >= 43);
    }

    #[test]
    fn secrets_are_the_random_bytes_base64url_encoded() {
        let mut bytes = [0u8; 64];
        bytes[32..48].fill(0xff);
        bytes[48..].fill(0x01);
        let (url, pending) = authorize(
            &client(),
            &[],
            &SignInOptions::default(),
            Interaction::Redirect,
            0,
            &bytes,
        );
        assert_eq!(pending.verifier, "A".repeat(43));
        assert_eq!(pending.state, "_____________________w");
        assert_eq!(pending.nonce, "AQEBAQEBAQEBAQEBAQEBAQ");
        assert_eq!(
            param(&query_of(&url), "state"),
            Some(pending.state.as_str())
        );
    }

    #[test]
    fn parses_code_and_error_responses() {
        assert_eq!(
            parse_response("?code=abc&state=s1&session_state=x"),
            Some(AuthResponse::Code {
                code: "abc".into(),
                state: "s1".into()
            })
        );
        assert_eq!(
            parse_response(
                "?error=access_denied&error_description=AADSTS65004%3A+User+declined&state=s2"
            ),
            Some(AuthResponse::Error {
                error: "access_denied".into(),
                description: "AADSTS65004: User declined".into(),
                state: Some("s2".into())
            })
        );
        assert_eq!(parse_response("?login_hint=a%40b&autostart=1"), None);
        assert_eq!(parse_response(""), None);
    }

    #[test]
    fn response_params_are_stripped_and_others_kept() {
        assert_eq!(
            strip_response_params("?code=abc&state=s&session_state=x"),
            ""
        );
        assert_eq!(
            strip_response_params("?autostart=1&code=abc&state=s&login_hint=a%40b.c"),
            "?autostart=1&login_hint=a%40b.c"
        );
    }

    #[test]
    fn aadsts_errors_are_classified() {
        let r = "https://app.example/";
        assert_eq!(
            classify(
                "invalid_request",
                "AADSTS50011: The redirect URI 'x' does not match",
                r
            ),
            AuthError::RedirectUriNotRegistered {
                redirect_uri: r.into()
            }
        );
        assert_eq!(
            classify("invalid_request", "AADSTS9002326: Cross-origin token redemption is permitted only for the 'Single-Page Application' client-type.", r),
            AuthError::SpaPlatformMissing { redirect_uri: r.into() }
        );
        assert!(matches!(
            classify(
                "invalid_grant",
                "AADSTS65001: The user or administrator has not consented",
                r
            ),
            AuthError::AdminConsentRequired { .. }
        ));
        assert!(matches!(
            classify("access_denied", "AADSTS90094: admin approval", r),
            AuthError::AdminConsentRequired { .. }
        ));
        assert_eq!(
            classify("access_denied", "AADSTS65004: User declined to consent", r),
            AuthError::Cancelled
        );
        assert_eq!(classify("access_denied", "", r), AuthError::Cancelled);
        assert_eq!(
            classify(
                "invalid_request",
                "AADSTS50020: User account from identity provider does not exist in tenant",
                r
            ),
            AuthError::UserNotInTenant
        );
        assert_eq!(
            classify(
                "login_required",
                "AADSTS50058: A silent sign-in request was sent",
                r
            ),
            AuthError::InteractionRequired
        );
        assert_eq!(classify("invalid_grant", "AADSTS700084: The refresh token was issued to a single page app (SPA), and therefore has a fixed, limited lifetime of 1.00:00:00", r), AuthError::InteractionRequired);
        assert!(matches!(
            classify(
                "invalid_grant",
                "AADSTS54005: OAuth2 Authorization code was already redeemed",
                r
            ),
            AuthError::InvalidGrant { .. }
        ));
        assert!(
            matches!(classify("server_error", "AADSTS90033: busy", r), AuthError::Other { ref code, .. } if code == "AADSTS90033")
        );
    }
}
