//! Id-token claims: decoded (not verified) from the token endpoint's answer.
//!
//! The id token comes straight from the identity platform's token endpoint over the connection
//! the page opened, so, like MSAL.js, the page reads its claims without checking the signature;
//! what it does check is the `nonce` (bound to the request) and the audience (this client).

use base64::Engine as _;

use super::AuthError;
use crate::http::json;

/// The claims the app uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdTokenClaims {
    pub aud: String,
    pub iss: String,
    pub oid: String,
    pub tid: String,
    pub name: Option<String>,
    pub preferred_username: Option<String>,
    pub nonce: Option<String>,
    pub iat: Option<i64>,
    pub exp: Option<i64>,
}

/// How far the device clock may be from the identity platform's before sign-in is refused.
pub const MAX_CLOCK_SKEW_SECS: i64 = 10 * 60;

/// Decodes a JWT's payload.
pub fn decode(id_token: &str) -> Result<IdTokenClaims, AuthError> {
    let payload = id_token.split('.').nth(1).ok_or_else(malformed)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .map_err(|_| malformed())?;
    let read = || -> Result<IdTokenClaims, String> {
        let v = json::object(&bytes)?;
        Ok(IdTokenClaims {
            aud: json::required_string(&v, "aud")?,
            iss: json::string(&v, "iss")?.unwrap_or_default(),
            oid: json::required_string(&v, "oid")?,
            tid: json::required_string(&v, "tid")?,
            name: json::string(&v, "name")?,
            preferred_username: json::string(&v, "preferred_username")?,
            nonce: json::string(&v, "nonce")?,
            iat: json::i64(&v, "iat")?,
            exp: json::i64(&v, "exp")?,
        })
    };
    read().map_err(|_| malformed())
}

/// Checks the claims against the request: audience is this client, nonce matches, and the
/// device clock agrees with the token's issue time.
pub fn check(
    claims: &IdTokenClaims,
    client_id: &str,
    nonce: &str,
    now_secs: i64,
) -> Result<(), AuthError> {
    if claims.aud != client_id {
        return Err(AuthError::Other {
            code: "invalid_audience".into(),
            description: format!("the id token was issued to {}, not this app", claims.aud),
        });
    }
    if claims.nonce.as_deref() != Some(nonce) {
        return Err(AuthError::NonceMismatch);
    }
    if let Some(iat) = claims.iat {
        let skew = now_secs - iat;
        if skew.abs() > MAX_CLOCK_SKEW_SECS {
            return Err(AuthError::ClockSkew { seconds: skew });
        }
    }
    Ok(())
}

fn malformed() -> AuthError {
    AuthError::Other {
        code: "invalid_id_token".into(),
        description: "the identity platform's id token could not be read".into(),
    }
}

#[cfg(test)]
pub(crate) fn fake_id_token(claims: &serde_json::Value) -> String {
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!(
        "{}.{}.sig",
        engine.encode(br#"{"alg":"RS256","typ":"JWT"}"#),
        engine.encode(claims.to_string())
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn token(nonce: &str, iat: i64) -> String {
        fake_id_token(&json!({
            "aud": "client", "iss": "https://login.example/tid/v2.0", "oid": "o1", "tid": "t1",
            "name": "Adele Vance", "preferred_username": "adele@contoso.onmicrosoft.com",
            "nonce": nonce, "iat": iat, "exp": iat + 3600
        }))
    }

    #[test]
    fn decodes_the_claims() {
        let claims = decode(&token("n1", 1_000)).unwrap();
        assert_eq!(claims.name.as_deref(), Some("Adele Vance"));
        assert_eq!(claims.oid, "o1");
        assert_eq!(claims.nonce.as_deref(), Some("n1"));
    }

    #[test]
    fn garbage_is_refused() {
        assert!(decode("not-a-jwt").is_err());
        assert!(decode("a.!!!.c").is_err());
    }

    #[test]
    fn nonce_must_match() {
        let claims = decode(&token("n1", 1_000)).unwrap();
        assert_eq!(check(&claims, "client", "n1", 1_000), Ok(()));
        assert_eq!(
            check(&claims, "client", "other", 1_000),
            Err(AuthError::NonceMismatch)
        );
    }

    #[test]
    fn audience_must_be_this_client() {
        let claims = decode(&token("n1", 1_000)).unwrap();
        assert!(check(&claims, "another-client", "n1", 1_000).is_err());
    }

    #[test]
    fn a_far_off_clock_is_reported() {
        let claims = decode(&token("n1", 1_000)).unwrap();
        assert_eq!(
            check(&claims, "client", "n1", 1_000 + 3_600),
            Err(AuthError::ClockSkew { seconds: 3_600 })
        );
        assert_eq!(check(&claims, "client", "n1", 1_000 + 300), Ok(()));
    }
}
