//! Bearer tokens for the resource servers (Graph, SharePoint): validation, and `Bearer<R>`, the
//! extractor a handler takes to learn who is calling. Each resource (`R`) names the audience its
//! tokens must carry and answers a refused token in its own dialect; the checks are the same
//! for both. Knows nothing of either service's routes.

use std::collections::BTreeSet;
use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::HeaderMap;
use serde_json::{Map, Value};

use crate::state::Shared;
use crate::wire::jwt::TokenError;
use crate::wire::Resp;

/// Who is calling, from a valid access token.
#[derive(Debug, Clone)]
pub struct Caller {
    pub upn: String,
    pub oid: String,
    pub app_id: String,
    pub scopes: BTreeSet<String>,
    pub is_admin: bool,
}

impl Caller {
    pub fn has_any(&self, scopes: &[&str]) -> bool {
        scopes.iter().any(|s| self.scopes.contains(*s))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthError {
    Missing,
    Malformed,
    BadSignature,
    Expired,
    NotYetValid,
    WrongAudience(String),
    WrongIssuer,
    UnknownUser,
}

/// A service that takes bearer tokens: the audience they must carry and how it refuses one.
pub trait Resource {
    /// The `aud` a token must carry for this request.
    fn audience(shared: &Shared, parts: &Parts) -> String;
    /// The 401 answer for a refused token, in the service's dialect.
    fn refuse(shared: &Shared, parts: &Parts, error: AuthError) -> Resp;
}

/// The validated caller of a request to the resource `R`, as a handler's argument
/// (`caller: Bearer<Graph>`, then `caller.upn`, `caller.has_any(…)`); a refused token is
/// answered by `R::refuse`.
pub struct Bearer<R> {
    caller: Caller,
    resource: PhantomData<fn() -> R>,
}

impl<R> Bearer<R> {
    pub fn into_caller(self) -> Caller {
        self.caller
    }
}

impl<R> Deref for Bearer<R> {
    type Target = Caller;

    fn deref(&self) -> &Caller {
        &self.caller
    }
}

impl<R: Resource> FromRequestParts<Arc<Shared>> for Bearer<R> {
    type Rejection = Resp;

    async fn from_request_parts(parts: &mut Parts, shared: &Arc<Shared>) -> Result<Self, Resp> {
        let audience = R::audience(shared, parts);
        match validate_token(shared, token(&parts.headers), &audience) {
            Ok(caller) => Ok(Bearer {
                caller,
                resource: PhantomData,
            }),
            Err(e) => Err(R::refuse(shared, parts, e)),
        }
    }
}

/// The token of an `Authorization: Bearer …` header, if there is one.
pub fn token(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get("authorization")?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Validates a bearer token for the audience `aud`.
pub fn validate_token(
    shared: &Shared,
    token: Option<&str>,
    aud: &str,
) -> Result<Caller, AuthError> {
    let token = token.filter(|t| !t.is_empty()).ok_or(AuthError::Missing)?;
    let claims = shared.keys.verify(token).map_err(|e| match e {
        TokenError::Malformed => AuthError::Malformed,
        TokenError::BadSignature => AuthError::BadSignature,
    })?;
    let s = |k: &str| {
        claims
            .get(k)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let n = |k: &str| claims.get(k).and_then(Value::as_u64).unwrap_or(0);
    let now = shared.lock().clock_secs();
    if n("exp") <= now {
        return Err(AuthError::Expired);
    }
    if n("nbf") > now + 300 {
        return Err(AuthError::NotYetValid);
    }
    if n("xms_tseq") <= shared.lock().access_cutoff {
        return Err(AuthError::Expired);
    }
    if s("iss") != shared.issuer() {
        return Err(AuthError::WrongIssuer);
    }
    let got_aud = s("aud");
    if got_aud != aud {
        return Err(AuthError::WrongAudience(got_aud));
    }
    let upn = s("upn");
    let user = shared.lock().tenant.user(&upn).cloned();
    let Some(user) = user else {
        return Err(AuthError::UnknownUser);
    };
    Ok(Caller {
        upn: user.upn,
        oid: user.oid,
        app_id: s("appid"),
        scopes: s("scp").split_whitespace().map(str::to_string).collect(),
        is_admin: user.is_admin,
    })
}

/// The app id of a bearer token, unvalidated (for throttling keys).
pub fn app_key(token: Option<&str>) -> String {
    token
        .and_then(crate::wire::jwt::decode_claims)
        .and_then(|c: Map<String, Value>| {
            c.get("appid").and_then(Value::as_str).map(str::to_string)
        })
        .unwrap_or_else(|| "anonymous".to_string())
}

/// A signed access token for the demo user `key` (`adele` → `adele@{TENANT_DOMAIN}`), for the
/// services' unit tests.
#[cfg(test)]
pub fn token_for_tests(shared: &Shared, key: &str, aud: &str, scp: &str) -> String {
    let now = shared.lock().clock_secs();
    shared.keys.sign(&serde_json::json!({
        "aud": aud, "iss": shared.issuer(), "nbf": now - 300, "exp": now + 3600,
        "xms_tseq": 1, "appid": "test-app", "scp": scp,
        "upn": format!("{key}@{}", crate::state::TENANT_DOMAIN),
    }))
}

#[cfg(test)]
mod tests {
    use axum::http::Request;

    use super::*;
    use crate::state::GRAPH_APP_ID;

    struct Plain;

    impl Resource for Plain {
        fn audience(_: &Shared, _: &Parts) -> String {
            GRAPH_APP_ID.to_string()
        }
        fn refuse(_: &Shared, _: &Parts, e: AuthError) -> Resp {
            crate::wire::text(axum::http::StatusCode::UNAUTHORIZED, &format!("{e:?}"))
        }
    }

    async fn extract(shared: &Arc<Shared>, authorization: Option<&str>) -> Result<Caller, String> {
        let mut request = Request::builder().uri("/me");
        if let Some(a) = authorization {
            request = request.header("authorization", a);
        }
        let (mut parts, _) = request.body(()).unwrap().into_parts();
        match Bearer::<Plain>::from_request_parts(&mut parts, shared).await {
            Ok(b) => Ok(b.into_caller()),
            Err(r) => {
                let body = axum::body::to_bytes(r.into_body(), 1000).await.unwrap();
                Err(String::from_utf8_lossy(&body).into_owned())
            }
        }
    }

    #[tokio::test]
    async fn the_caller_of_a_valid_token() {
        let shared = Shared::for_tests();
        let t = token_for_tests(&shared, "adele", GRAPH_APP_ID, "User.Read Files.Read");
        // The scheme is case-insensitive.
        let caller = extract(&shared, Some(&format!("bearer {t}")))
            .await
            .unwrap();
        assert_eq!(caller.upn, format!("adele@{}", crate::state::TENANT_DOMAIN));
        assert_eq!(caller.app_id, "test-app");
        assert!(caller.has_any(&["Nope", "Files.Read"]));
        assert!(!caller.has_any(&["User.Read.All"]));
        assert!(!caller.is_admin);
    }

    #[tokio::test]
    async fn every_refusal_in_the_resource_dialect() {
        let shared = Shared::for_tests();
        assert_eq!(extract(&shared, None).await.unwrap_err(), "Missing");
        assert_eq!(
            extract(&shared, Some("Bearer ")).await.unwrap_err(),
            "Missing"
        );
        assert_eq!(
            extract(&shared, Some("Basic abc")).await.unwrap_err(),
            "Missing"
        );
        assert_eq!(
            extract(&shared, Some("Bearer x.y")).await.unwrap_err(),
            "Malformed"
        );
        let sp = token_for_tests(&shared, "adele", "http://contoso-my.localhost:1", "");
        assert_eq!(
            extract(&shared, Some(&format!("Bearer {sp}")))
                .await
                .unwrap_err(),
            "WrongAudience(\"http://contoso-my.localhost:1\")"
        );
        let ghost = token_for_tests(&shared, "ghost", GRAPH_APP_ID, "User.Read");
        assert_eq!(
            extract(&shared, Some(&format!("Bearer {ghost}")))
                .await
                .unwrap_err(),
            "UnknownUser"
        );
        let good = token_for_tests(&shared, "adele", GRAPH_APP_ID, "User.Read");
        let (head, rest) = good.split_once('.').unwrap();
        let tampered = format!("{head}.e30{}", &rest[rest.find('.').unwrap()..]);
        assert_eq!(
            extract(&shared, Some(&format!("Bearer {tampered}")))
                .await
                .unwrap_err(),
            "BadSignature"
        );
        // Tokens minted before the control API's "expire all" are expired.
        shared.lock().access_cutoff = 1;
        assert_eq!(
            extract(&shared, Some(&format!("Bearer {good}")))
                .await
                .unwrap_err(),
            "Expired"
        );
    }
}
