//! The token endpoint: the authorization code grant (PKCE verified) and the refresh token grant
//! (cross-resource, fixed 24 h SPA lifetime), both through the same client, origin and scope
//! checks, and the token answer they share.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse as _;
use serde::Deserialize;
use serde_json::json;

use super::claims::{client_info, id_token, mint_access};
use super::errors::TokenError;
use super::scopes::{consent_message, granted, missing_consent, parse_scopes, scope_has};
use super::tenant::Tenant;
use crate::model::Registration;
use crate::state::{RefreshToken, Shared, GRAPH_APP_ID};
use crate::wire::codec::{b64url, iso8601, now_ms, random_token, sha256};
use crate::wire::{self, FormParams, Resp};

/// The token request's form. Every field is optional here: each grant refuses a missing one with
/// AADSTS900144, in Entra ID's order.
#[derive(Debug, Default, Deserialize)]
pub struct TokenForm {
    client_id: Option<String>,
    grant_type: Option<String>,
    code: Option<String>,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
    refresh_token: Option<String>,
    scope: Option<String>,
    client_info: Option<String>,
}

/// `POST /{tenant}/oauth2/v2.0/token`
pub async fn token(
    State(shared): State<Arc<Shared>>,
    _tenant: Tenant,
    headers: HeaderMap,
    FormParams(form): FormParams<TokenForm>,
) -> Resp {
    let origin = headers.get("origin").and_then(|v| v.to_str().ok());
    redeem(&shared, origin, &form).unwrap_or_else(|e| e.into_response())
}

fn redeem(shared: &Shared, origin: Option<&str>, form: &TokenForm) -> Result<Resp, TokenError> {
    let reg = shared.lock().registration.clone();
    check_client(form.client_id.as_deref(), &reg)?;
    match form.grant_type.as_deref() {
        Some("authorization_code") => redeem_code(shared, origin, form, &reg),
        Some("refresh_token") => redeem_refresh(shared, origin, form, &reg),
        Some(other) => Err(TokenError::bad(
            "unsupported_grant_type",
            70003,
            format!("The app requested an unsupported grant type '{other}'."),
        )),
        None => Err(TokenError::missing("grant_type")),
    }
}

/// The registration's kind of client for a redirect URI: a SPA redeems only cross-origin (with
/// an `Origin`), a web app only from its server (and with a secret, which the emulator has not).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ClientType {
    Spa,
    Web,
}

/// `client_id` is present and names the registered app.
fn check_client(client_id: Option<&str>, reg: &Registration) -> Result<(), TokenError> {
    let Some(client_id) = client_id.filter(|c| !c.is_empty()) else {
        return Err(TokenError::missing("client_id"));
    };
    if !client_id.eq_ignore_ascii_case(&reg.client_id) {
        return Err(TokenError::bad(
            "unauthorized_client",
            700016,
            format!("Application with identifier '{client_id}' was not found in the directory 'Contoso'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."),
        ));
    }
    Ok(())
}

/// The request comes the way its client type must redeem.
fn check_origin(client: ClientType, origin: Option<&str>) -> Result<(), TokenError> {
    match (client, origin) {
        (ClientType::Spa, Some(_)) => Ok(()),
        (ClientType::Spa, None) => Err(TokenError::bad(
            "invalid_request",
            9002327,
            "Tokens issued for the 'Single-Page Application' client-type may only be redeemed via cross-origin requests.",
        )),
        (ClientType::Web, Some(o)) => Err(TokenError::bad(
            "invalid_request",
            9002326,
            format!("Cross-origin token redemption is permitted only for the 'Single-Page Application' client-type. Request origin: '{o}'."),
        )),
        (ClientType::Web, None) => Err(TokenError {
            status: StatusCode::UNAUTHORIZED,
            error: "invalid_client",
            code: 7000218,
            message: "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.".into(),
        }),
    }
}

/// The `scope` the grant asks for, or (when blank) the one the code or refresh token was issued
/// for.
fn requested_scope(form: &TokenForm, issued_for: &str) -> String {
    form.scope
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or(issued_for)
        .to_string()
}

/// `grant_type=authorization_code`
fn redeem_code(
    shared: &Shared,
    origin: Option<&str>,
    form: &TokenForm,
    reg: &Registration,
) -> Result<Resp, TokenError> {
    let Some(code) = form.code.as_deref().filter(|c| !c.is_empty()) else {
        return Err(TokenError::missing("code"));
    };
    let Some(ac) = shared.lock().codes.get(code).cloned() else {
        return Err(TokenError::bad(
            "invalid_grant",
            70000,
            "The provided value for the 'code' parameter is not valid.",
        ));
    };
    let redirect_uri = form.redirect_uri.clone().unwrap_or_default();
    if redirect_uri.is_empty() {
        return Err(TokenError::missing("redirect_uri"));
    }
    if redirect_uri != ac.req.redirect_uri {
        return Err(TokenError::bad(
            "invalid_grant",
            70000,
            "The provided value for the input parameter 'redirect_uri' is not valid. The value must exactly match the redirect URI used to obtain the authorization code.",
        ));
    }
    let client = if reg.spa_redirect_uris.contains(&redirect_uri) {
        ClientType::Spa
    } else {
        ClientType::Web
    };
    check_origin(client, origin)?;
    if ac.redeemed {
        return Err(TokenError::bad(
            "invalid_grant",
            54005,
            "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
        ));
    }
    if now_ms() > ac.expires_ms {
        return Err(TokenError::bad(
            "invalid_grant",
            70008,
            "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.",
        ));
    }
    let verifier = form.code_verifier.clone().unwrap_or_default();
    if verifier.is_empty() || b64url(&sha256(verifier.as_bytes())) != ac.req.code_challenge {
        return Err(TokenError::bad(
            "invalid_grant",
            501481,
            "The Code_Verifier does not match the code_challenge supplied in the authorization request.",
        ));
    }
    let scope = requested_scope(form, &ac.req.scope);
    let want_refresh =
        scope_has(&scope, "offline_access") || scope_has(&ac.req.scope, "offline_access");
    let want_id = scope_has(&scope, "openid") || scope_has(&ac.req.scope, "openid");
    let now = now_ms();
    let refresh_secs = shared.lock().lifetimes.refresh_secs;
    let grant = Grant {
        upn: ac.upn.clone(),
        client_id: reg.client_id.clone(),
        scope,
        want_refresh,
        want_id,
        nonce: ac.req.nonce.clone(),
        signed_in_ms: now,
        refresh_expires_ms: now + refresh_secs * 1000,
        client_info: ac.req.client_info,
    };
    let issued = issue_tokens(shared, &grant)?;
    if let Some(c) = shared.lock().codes.get_mut(code) {
        c.redeemed = true;
    }
    Ok(issued)
}

/// `grant_type=refresh_token`; refresh tokens are only issued to the SPA.
fn redeem_refresh(
    shared: &Shared,
    origin: Option<&str>,
    form: &TokenForm,
    reg: &Registration,
) -> Result<Resp, TokenError> {
    let Some(rt_s) = form.refresh_token.as_deref().filter(|c| !c.is_empty()) else {
        return Err(TokenError::missing("refresh_token"));
    };
    let Some(rt) = shared.lock().refresh_tokens.get(rt_s).cloned() else {
        return Err(TokenError::bad(
            "invalid_grant",
            9002313,
            "Invalid request. Request is malformed or invalid.",
        ));
    };
    if !rt.client_id.eq_ignore_ascii_case(&reg.client_id) {
        return Err(TokenError::bad(
            "invalid_grant",
            70000,
            "Provided grant is invalid or malformed: the refresh token was issued to a different client.",
        ));
    }
    check_origin(ClientType::Spa, origin)?;
    if now_ms() >= rt.expires_ms {
        return Err(refresh_expired(&rt));
    }
    let scope = requested_scope(form, &rt.scope);
    let grant = Grant {
        upn: rt.upn.clone(),
        client_id: reg.client_id.clone(),
        want_refresh: true,
        want_id: scope_has(&scope, "openid"),
        scope,
        nonce: None,
        signed_in_ms: rt.signed_in_ms,
        refresh_expires_ms: rt.expires_ms,
        client_info: rt.client_info || form.client_info.as_deref() == Some("1"),
    };
    issue_tokens(shared, &grant)
}

/// AADSTS700084, with the token's fixed lifetime as `d.hh:mm:ss`.
fn refresh_expired(rt: &RefreshToken) -> TokenError {
    let life = rt.expires_ms.saturating_sub(rt.signed_in_ms) / 1000;
    let life = format!(
        "{}.{:02}:{:02}:{:02}",
        life / 86_400,
        (life / 3600) % 24,
        (life / 60) % 60,
        life % 60
    );
    TokenError::bad(
        "invalid_grant",
        700084,
        format!("The refresh token was issued to a single page app (SPA), and therefore has a fixed, limited lifetime of {life}, which cannot be extended. It is now expired and a new sign in request must be sent by the SPA to the sign in page. The token was issued on {}.", iso8601(rt.signed_in_ms)),
    )
}

/// What a grant that passed its checks asks for.
struct Grant {
    upn: String,
    client_id: String,
    scope: String,
    want_refresh: bool,
    want_id: bool,
    nonce: Option<String>,
    signed_in_ms: u64,
    refresh_expires_ms: u64,
    client_info: bool,
}

/// The token answer: one resource per request, consented scopes only.
fn issue_tokens(shared: &Shared, g: &Grant) -> Result<Resp, TokenError> {
    let scopes = parse_scopes(shared, &g.scope)
        .map_err(|e| TokenError::bad("invalid_scope", e.code(), e.message()))?;
    if scopes.resources.len() > 1 {
        return Err(TokenError::bad(
            "invalid_scope",
            700022,
            format!("The provided value for the input parameter scope is not valid because it contains more than one resource. Scope {} is not valid.", g.scope),
        ));
    }
    let (resource, wanted) = scopes
        .resources
        .iter()
        .next()
        .map(|(r, w)| (r.clone(), w.clone()))
        .unwrap_or_else(|| (GRAPH_APP_ID.to_string(), BTreeSet::new()));
    let (user, granted) = {
        let inner = shared.lock();
        let Some(user) = inner.tenant.user(&g.upn).cloned() else {
            return Err(TokenError::bad(
                "invalid_grant",
                50034,
                "The user account does not exist in the directory.",
            ));
        };
        let missing = missing_consent(shared, &inner, &g.upn, &resource, &wanted);
        if !missing.is_empty() {
            return Err(TokenError::bad(
                "invalid_grant",
                65001,
                consent_message(&g.client_id),
            ));
        }
        (user, granted(shared, &inner, &g.upn, &resource))
    };
    let minted = mint_access(shared, &user, &g.client_id, &resource, &granted);
    let mut scope_out: Vec<String> = granted
        .iter()
        .map(|s| {
            if resource == GRAPH_APP_ID {
                s.clone()
            } else {
                format!("{resource}/{s}")
            }
        })
        .collect();
    for o in ["openid", "profile", "email"] {
        if scopes.has(o) {
            scope_out.push(o.to_string());
        }
    }
    let mut body = json!({
        "token_type": "Bearer",
        "scope": scope_out.join(" "),
        "expires_in": minted.expires_in,
        "ext_expires_in": minted.expires_in,
        "access_token": minted.access_token,
    });
    if g.want_refresh {
        let rt = format!("1.AemuR{}", random_token(64));
        shared.lock().refresh_tokens.insert(
            rt.clone(),
            RefreshToken {
                upn: user.upn.clone(),
                client_id: g.client_id.clone(),
                signed_in_ms: g.signed_in_ms,
                expires_ms: g.refresh_expires_ms,
                scope: g.scope.clone(),
                client_info: g.client_info,
            },
        );
        body["refresh_token"] = json!(rt);
        body["refresh_token_expires_in"] =
            json!(g.refresh_expires_ms.saturating_sub(now_ms()) / 1000);
    }
    if g.want_id {
        body["id_token"] = json!(id_token(
            shared,
            &user,
            &g.client_id,
            g.nonce.as_deref(),
            scopes.has("email")
        ));
    }
    if g.client_info {
        body["client_info"] = json!(client_info(&user.upn));
    }
    let mut r = wire::json(StatusCode::OK, &body);
    wire::set_header(&mut r, "cache-control", "no-store, no-cache");
    wire::set_header(&mut r, "pragma", "no-cache");
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{AuthCode, AuthRequest};

    const ORIGIN: Option<&str> = Some("http://app.localhost:1");

    fn form(pairs: &[(&str, &str)]) -> TokenForm {
        let object = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), json!(v)))
            .collect();
        serde_json::from_value(serde_json::Value::Object(object)).unwrap()
    }

    fn code(e: Result<Resp, TokenError>) -> u32 {
        e.expect_err("a refusal").code
    }

    /// Stores a code for the first demo user as the authorize endpoint would, PKCE verifier
    /// `verifier`, redirect URI the registration's first SPA one.
    fn stored_code(shared: &Shared, scope: &str) -> (String, String) {
        let (upn, redirect_uri) = {
            let inner = shared.lock();
            (
                inner.tenant.users[0].upn.clone(),
                inner.registration.spa_redirect_uris[0].clone(),
            )
        };
        super::super::scopes::grant_consent(shared, &upn, &[scope.to_string()]).unwrap();
        let ar = AuthRequest {
            tenant: "common".into(),
            client_id: crate::state::DEMO_CLIENT_ID.into(),
            redirect_uri: redirect_uri.clone(),
            scope: format!("openid offline_access {scope}"),
            state: None,
            nonce: Some("n".into()),
            code_challenge: b64url(&sha256(b"verifier")),
            response_mode: "query".into(),
            prompt: None,
            login_hint: None,
            client_info: false,
            created_ms: now_ms(),
            upn: Some(upn.clone()),
        };
        shared.lock().codes.insert(
            "the-code".into(),
            AuthCode {
                req: ar,
                upn,
                expires_ms: now_ms() + 600_000,
                redeemed: false,
            },
        );
        ("the-code".into(), redirect_uri)
    }

    #[test]
    fn the_client_must_be_named_and_registered() {
        let reg = Shared::for_tests().lock().registration.clone();
        assert_eq!(check_client(None, &reg).unwrap_err().code, 900144);
        assert_eq!(check_client(Some(""), &reg).unwrap_err().code, 900144);
        let e = check_client(Some("someone-else"), &reg).unwrap_err();
        assert_eq!((e.error, e.code), ("unauthorized_client", 700016));
        assert!(check_client(Some(&reg.client_id.to_uppercase()), &reg).is_ok());
    }

    #[test]
    fn a_spa_redeems_only_cross_origin_and_a_web_app_only_with_a_secret() {
        assert!(check_origin(ClientType::Spa, ORIGIN).is_ok());
        assert_eq!(
            check_origin(ClientType::Spa, None).unwrap_err().code,
            9002327
        );
        let e = check_origin(ClientType::Web, ORIGIN).unwrap_err();
        assert_eq!(e.code, 9002326);
        assert!(e
            .message
            .ends_with("Request origin: 'http://app.localhost:1'."));
        let e = check_origin(ClientType::Web, None).unwrap_err();
        assert_eq!((e.status, e.code), (StatusCode::UNAUTHORIZED, 7000218));
    }

    #[test]
    fn a_blank_scope_means_the_scope_the_grant_was_issued_for() {
        assert_eq!(requested_scope(&form(&[]), "User.Read"), "User.Read");
        assert_eq!(
            requested_scope(&form(&[("scope", "  ")]), "User.Read"),
            "User.Read"
        );
        assert_eq!(
            requested_scope(&form(&[("scope", "Mail.Read")]), "User.Read"),
            "Mail.Read"
        );
    }

    #[test]
    fn the_grant_type_is_required_and_must_be_known() {
        let shared = Shared::for_tests();
        let id = crate::state::DEMO_CLIENT_ID;
        assert_eq!(
            code(redeem(&shared, ORIGIN, &form(&[("client_id", id)]))),
            900144
        );
        let e = redeem(
            &shared,
            ORIGIN,
            &form(&[("client_id", id), ("grant_type", "password")]),
        );
        assert_eq!(e.err().unwrap().error, "unsupported_grant_type");
        // The client is checked before the grant type.
        assert_eq!(
            code(redeem(
                &shared,
                ORIGIN,
                &form(&[("grant_type", "password")])
            )),
            900144
        );
    }

    #[test]
    fn a_code_is_redeemed_once_with_its_verifier_its_redirect_uri_and_an_origin() {
        let shared = Shared::for_tests();
        let (c, redirect_uri) = stored_code(&shared, "User.Read");
        let id = crate::state::DEMO_CLIENT_ID;
        let with = |extra: &[(&str, &str)]| {
            let mut pairs = vec![
                ("client_id", id),
                ("grant_type", "authorization_code"),
                ("code", c.as_str()),
                ("redirect_uri", redirect_uri.as_str()),
                ("code_verifier", "verifier"),
            ];
            pairs.retain(|(k, _)| !extra.iter().any(|(e, _)| e == k));
            pairs.extend(extra.iter().filter(|(_, v)| !v.is_empty()));
            form(&pairs)
        };
        assert_eq!(
            code(redeem(&shared, ORIGIN, &with(&[("code", "")]))),
            900144
        );
        assert_eq!(
            code(redeem(&shared, ORIGIN, &with(&[("code", "nope")]))),
            70000
        );
        assert_eq!(
            code(redeem(&shared, ORIGIN, &with(&[("redirect_uri", "")]))),
            900144
        );
        assert_eq!(
            code(redeem(
                &shared,
                ORIGIN,
                &with(&[("redirect_uri", "http://elsewhere/")])
            )),
            70000
        );
        assert_eq!(code(redeem(&shared, None, &with(&[]))), 9002327);
        assert_eq!(
            code(redeem(&shared, ORIGIN, &with(&[("code_verifier", "")]))),
            501481
        );
        assert_eq!(
            code(redeem(
                &shared,
                ORIGIN,
                &with(&[("code_verifier", "wrong")])
            )),
            501481
        );
        // Refusals leave the code unused.
        let ok = redeem(&shared, ORIGIN, &with(&[])).unwrap();
        assert_eq!(ok.status(), StatusCode::OK);
        assert_eq!(code(redeem(&shared, ORIGIN, &with(&[]))), 54005);
    }

    #[test]
    fn a_code_grant_for_two_resources_is_aadsts700022_and_leaves_the_code_unused() {
        let shared = Shared::for_tests();
        let (c, redirect_uri) = stored_code(&shared, "User.Read");
        let two = format!("User.Read {}/AllSites.Read", shared.my_site());
        let f = form(&[
            ("client_id", crate::state::DEMO_CLIENT_ID),
            ("grant_type", "authorization_code"),
            ("code", &c),
            ("redirect_uri", &redirect_uri),
            ("code_verifier", "verifier"),
            ("scope", &two),
        ]);
        assert_eq!(code(redeem(&shared, ORIGIN, &f)), 700022);
        assert!(!shared.lock().codes[&c].redeemed);
    }

    #[test]
    fn a_refresh_token_is_checked_like_a_code_then_for_its_fixed_lifetime() {
        let shared = Shared::for_tests();
        let id = crate::state::DEMO_CLIENT_ID;
        let refresh = |rt: &str, origin: Option<&str>| {
            redeem(
                &shared,
                origin,
                &form(&[
                    ("client_id", id),
                    ("grant_type", "refresh_token"),
                    ("refresh_token", rt),
                ]),
            )
        };
        assert_eq!(code(refresh("", ORIGIN)), 900144);
        assert_eq!(code(refresh("unknown", ORIGIN)), 9002313);
        let upn = shared.lock().tenant.users[0].upn.clone();
        super::super::scopes::grant_consent(&shared, &upn, &["User.Read".into()]).unwrap();
        let day = 86_400_000;
        let now = now_ms();
        let mut rt = RefreshToken {
            upn,
            client_id: "another-app".into(),
            signed_in_ms: now - day,
            expires_ms: now + 1000,
            scope: "openid User.Read".into(),
            client_info: false,
        };
        shared.lock().refresh_tokens.insert("rt".into(), rt.clone());
        assert_eq!(code(refresh("rt", ORIGIN)), 70000);
        rt.client_id = id.into();
        shared.lock().refresh_tokens.insert("rt".into(), rt.clone());
        assert_eq!(code(refresh("rt", None)), 9002327);
        assert_eq!(refresh("rt", ORIGIN).unwrap().status(), StatusCode::OK);
        rt.expires_ms = now;
        shared.lock().refresh_tokens.insert("rt".into(), rt);
        let e = refresh("rt", ORIGIN).unwrap_err();
        assert_eq!(e.code, 700084);
        assert!(
            e.message.contains("fixed, limited lifetime of 1.00:00:00"),
            "{}",
            e.message
        );
    }
}
