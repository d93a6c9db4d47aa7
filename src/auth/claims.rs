//! Id-token claims: decoded (not verified) from the token endpoint's answer.
//!
//! The id token comes straight from the identity platform's token endpoint over the connection
//! the page opened, so, like MSAL.js, the page reads its claims without checking the signature;
//! what it does check is the `nonce` (bound to the request) and the audience (this client).

use base64::Engine as _;

use super::{AuthError, IdTokenProblem};
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
///
/// The bound itself is allowed: a token is refused only when the clocks are *more* than this
/// apart, as Microsoft's libraries draw the line — msal-common's `isTokenExpired` calls a token
/// expired only when `now + offset > exp`, and Microsoft.IdentityModel's lifetime check refuses
/// only `exp < now - clockSkew` and `nbf > now + clockSkew`. So 600 s off is accepted, 601 s
/// refused, on either side.
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

/// Checks the claims as OpenID Connect Core 1.0 §3.1.3.7 asks of a client that received its
/// id token straight from the token endpoint (items 2-4, 9-11; the signature check, item 6,
/// may then be skipped): the issuer is the one the authority's discovery document names (its
/// `{tenantid}` filled with the token's own `tid`, which must be a tenant id), the audience
/// is this client, the token has not expired, the device clock agrees with its issue time,
/// and the nonce is the one sent. Numbers from the token are compared without overflow.
/// <https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation>
pub fn check(
    claims: &IdTokenClaims,
    client_id: &str,
    nonce: &str,
    issuer: &str,
    now_secs: i64,
) -> Result<(), AuthError> {
    let refused = |problem| Err(AuthError::IdToken { problem });
    if !is_tenant_id(&claims.tid) {
        return refused(IdTokenProblem::NoTenantId {
            tid: claims.tid.clone(),
        });
    }
    let expected_issuer = issuer.replace("{tenantid}", &claims.tid);
    if claims.iss != expected_issuer {
        return refused(IdTokenProblem::WrongIssuer {
            issuer: claims.iss.clone(),
            expected: expected_issuer,
        });
    }
    if claims.aud != client_id {
        return refused(IdTokenProblem::WrongAudience {
            audience: claims.aud.clone(),
        });
    }
    if claims.nonce.as_deref() != Some(nonce) {
        return Err(AuthError::NonceMismatch);
    }
    // A token that expired by this device's clock just after it was issued: the clock is off.
    let exp = claims.exp.ok_or_else(malformed)?;
    if now_secs > exp.saturating_add(MAX_CLOCK_SKEW_SECS) {
        return Err(AuthError::ClockSkew {
            seconds: now_secs.saturating_sub(exp),
        });
    }
    if let Some(iat) = claims.iat {
        let skew = now_secs.saturating_sub(iat);
        if skew.saturating_abs() > MAX_CLOCK_SKEW_SECS {
            return Err(AuthError::ClockSkew { seconds: skew });
        }
    }
    Ok(())
}

/// A tenant id as Entra ID issues them: a GUID.
fn is_tenant_id(tid: &str) -> bool {
    crate::config::is_guid(tid)
}

fn malformed() -> AuthError {
    AuthError::IdToken {
        problem: IdTokenProblem::Unreadable,
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

    const TID: &str = "11111111-2222-3333-4444-555555555555";
    /// The `organizations` authority's issuer, as its discovery document gives it.
    const ISSUER: &str = "https://login.example/{tenantid}/v2.0";

    fn token(nonce: &str, iat: i64) -> String {
        fake_id_token(&json!({
            "aud": "client", "iss": format!("https://login.example/{TID}/v2.0"), "oid": "o1", "tid": TID,
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
        assert_eq!(check(&claims, "client", "n1", ISSUER, 1_000), Ok(()));
        assert_eq!(
            check(&claims, "client", "other", ISSUER, 1_000),
            Err(AuthError::NonceMismatch)
        );
    }

    #[test]
    fn audience_must_be_this_client() {
        let claims = decode(&token("n1", 1_000)).unwrap();
        assert!(check(&claims, "another-client", "n1", ISSUER, 1_000).is_err());
    }

    #[test]
    fn a_far_off_clock_is_reported() {
        let claims = decode(&token("n1", 1_000)).unwrap();
        assert_eq!(
            check(&claims, "client", "n1", ISSUER, 1_000 + 3_600),
            Err(AuthError::ClockSkew { seconds: 3_600 })
        );
        assert_eq!(check(&claims, "client", "n1", ISSUER, 1_000 + 300), Ok(()));
    }

    fn claims_with(changes: serde_json::Value) -> IdTokenClaims {
        let mut value = json!({
            "aud": "client", "iss": format!("https://login.example/{TID}/v2.0"), "oid": "o1",
            "tid": TID, "nonce": "n1", "iat": 1_000, "exp": 4_600
        });
        for (key, v) in changes.as_object().unwrap() {
            value[key] = v.clone();
        }
        decode(&fake_id_token(&value)).unwrap()
    }

    #[test]
    fn id_token_from_another_issuer_is_refused() {
        let claims = claims_with(json!({ "iss": "https://evil.example/{tenantid}/v2.0" }));
        assert!(matches!(
            check(&claims, "client", "n1", ISSUER, 1_000),
            Err(AuthError::IdToken {
                problem: IdTokenProblem::WrongIssuer { .. }
            })
        ));
        // An issuer for another tenant than the token's own `tid`.
        let claims = claims_with(json!({
            "iss": "https://login.example/99999999-2222-3333-4444-555555555555/v2.0"
        }));
        assert!(check(&claims, "client", "n1", ISSUER, 1_000).is_err());
        // A tenant-specific authority's issuer names its tenant: another tenant's token fails.
        let claims = claims_with(json!({}));
        assert!(check(
            &claims,
            "client",
            "n1",
            "https://login.example/99999999-2222-3333-4444-555555555555/v2.0",
            1_000
        )
        .is_err());
        assert_eq!(check(&claims, "client", "n1", ISSUER, 1_000), Ok(()));
    }

    #[test]
    fn id_token_with_a_tid_that_is_not_a_tenant_id_is_refused() {
        // `{tenantid}` filled with a tid that is a path, not a GUID, would let any issuer match.
        let claims = claims_with(json!({
            "tid": "x/../evil", "iss": "https://login.example/x/../evil/v2.0"
        }));
        assert!(matches!(
            check(&claims, "client", "n1", ISSUER, 1_000),
            Err(AuthError::IdToken {
                problem: IdTokenProblem::NoTenantId { .. }
            })
        ));
    }

    #[test]
    fn a_clock_exactly_600_seconds_off_is_accepted_and_601_refused() {
        // `iat` 1_000: the device's clock after the platform's, then before it.
        let claims = decode(&token("n1", 1_000)).unwrap();
        assert_eq!(MAX_CLOCK_SKEW_SECS, 600);
        assert_eq!(check(&claims, "client", "n1", ISSUER, 1_600), Ok(()));
        assert_eq!(
            check(&claims, "client", "n1", ISSUER, 1_601),
            Err(AuthError::ClockSkew { seconds: 601 })
        );
        assert_eq!(check(&claims, "client", "n1", ISSUER, 400), Ok(()));
        assert_eq!(
            check(&claims, "client", "n1", ISSUER, 399),
            Err(AuthError::ClockSkew { seconds: -601 })
        );
    }

    #[test]
    fn expired_id_token_is_refused() {
        // No `iat` (it is optional to check): `exp` alone decides.
        let claims = claims_with(json!({ "iat": null, "exp": 1_500 }));
        assert_eq!(check(&claims, "client", "n1", ISSUER, 1_400), Ok(()));
        // Within the allowed skew after `exp`, still taken; beyond it, refused.
        assert_eq!(
            check(&claims, "client", "n1", ISSUER, 1_500 + MAX_CLOCK_SKEW_SECS),
            Ok(())
        );
        assert!(check(&claims, "client", "n1", ISSUER, 1_501 + MAX_CLOCK_SKEW_SECS).is_err());
        // Expired before it was issued.
        let claims = claims_with(json!({ "iat": 1_000, "exp": 100 }));
        assert!(check(&claims, "client", "n1", ISSUER, 1_000).is_err());
        let no_exp = IdTokenClaims {
            exp: None,
            ..claims_with(json!({}))
        };
        assert!(
            check(&no_exp, "client", "n1", ISSUER, 1_000).is_err(),
            "exp is required"
        );
    }

    #[test]
    fn id_token_iat_far_in_the_past_or_future_does_not_overflow() {
        for iat in [i64::MIN, i64::MIN + 1, i64::MAX, -1] {
            let claims = claims_with(json!({ "iat": iat, "exp": i64::MAX }));
            for now in [0, 1_000, i64::MAX, i64::MIN] {
                let far =
                    (i128::from(now) - i128::from(iat)).abs() > i128::from(MAX_CLOCK_SKEW_SECS);
                let result = check(&claims, "client", "n1", ISSUER, now);
                assert_eq!(result.is_err(), far, "iat {iat}, now {now}: {result:?}");
            }
        }
    }

    // Property tests run natively (`cargo test`); proptest is a native dev-dependency.

    #[cfg(not(target_arch = "wasm32"))]

    proptest::proptest! {
        /// Whatever the claims say, checking them does not panic, and a token that passes was
        /// issued by the expected issuer for its own tenant, to this client, with this nonce,
        /// and is not expired.
        #[test]
        fn id_token_checks_hold_for_any_claims(
            iss in proptest::prop_oneof![
                proptest::string::string_regex("https://login\\.example/[a-z0-9{}/.-]{0,40}/v2\\.0").unwrap(),
                ".{0,60}",
            ],
            tid in proptest::prop_oneof![
                proptest::string::string_regex("[0-9a-f-]{36}").unwrap(),
                proptest::string::string_regex("[a-z0-9/.{}-]{0,40}").unwrap(),
                proptest::strategy::Just(TID.to_owned()),
            ],
            aud in proptest::prop_oneof![proptest::strategy::Just("client".to_owned()), ".{0,10}"],
            nonce in proptest::prop_oneof![proptest::strategy::Just("n1".to_owned()), ".{0,10}"],
            iat in proptest::option::of(proptest::num::i64::ANY),
            exp in proptest::option::of(proptest::num::i64::ANY),
            now in proptest::num::i64::ANY,
        ) {
            let claims = IdTokenClaims {
                aud: aud.clone(), iss: iss.clone(), oid: "o1".into(), tid: tid.clone(),
                name: None, preferred_username: None, nonce: Some(nonce.clone()), iat, exp,
            };
            if check(&claims, "client", "n1", ISSUER, now).is_ok() {
                proptest::prop_assert_eq!(aud, "client");
                proptest::prop_assert_eq!(nonce, "n1");
                proptest::prop_assert_eq!(iss, format!("https://login.example/{tid}/v2.0"));
                proptest::prop_assert!(is_tenant_id(&tid));
                let exp = exp.unwrap();
                proptest::prop_assert!(now <= exp.saturating_add(MAX_CLOCK_SKEW_SECS));
            }
        }
    }
}
