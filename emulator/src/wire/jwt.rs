//! RS256 JSON Web Tokens signed with the fixed demo key shipped in `demo-signing-key.pem`.

use ring::signature::{self, RsaKeyPair};
use serde_json::{json, Map, Value};

use crate::wire::codec::{b64_decode, b64url, b64url_decode, sha256};

const DEMO_KEY_PEM: &str = include_str!("../../demo-signing-key.pem");

/// Key id published in the JWKS and put in every token header.
pub const KID: &str = "m365emu-demo-2024";

pub struct Keys {
    pair: RsaKeyPair,
    n: Vec<u8>,
    e: Vec<u8>,
}

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenError {
    Malformed,
    BadSignature,
}

impl Keys {
    pub fn demo() -> Keys {
        let body: String = DEMO_KEY_PEM
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect();
        let der = b64_decode(body.trim()).expect("demo key is base64");
        let pair = RsaKeyPair::from_pkcs8(&der).expect("demo key is a PKCS#8 RSA key");
        let comps: ring::rsa::PublicKeyComponents<Vec<u8>> = pair.public().into();
        Keys {
            pair,
            n: comps.n,
            e: comps.e,
        }
    }

    /// `{"keys":[…]}` as published at `jwks_uri`.
    pub fn jwks(&self, issuer: &str) -> Value {
        let x5t = b64url(&sha256(&self.n)[..20]);
        json!({
            "keys": [{
                "kty": "RSA",
                "use": "sig",
                "alg": "RS256",
                "kid": KID,
                "x5t": x5t,
                "n": b64url(&self.n),
                "e": b64url(&self.e),
                "issuer": issuer,
            }]
        })
    }

    pub fn sign(&self, claims: &Value) -> String {
        let header = json!({"typ": "JWT", "alg": "RS256", "kid": KID});
        let signing_input = format!(
            "{}.{}",
            b64url(header.to_string().as_bytes()),
            b64url(claims.to_string().as_bytes())
        );
        let mut sig = vec![0u8; self.pair.public().modulus_len()];
        self.pair
            .sign(
                &signature::RSA_PKCS1_SHA256,
                &ring::rand::SystemRandom::new(),
                signing_input.as_bytes(),
                &mut sig,
            )
            .expect("RSA signing");
        format!("{}.{}", signing_input, b64url(&sig))
    }

    /// Checks the signature and returns the claims (lifetime and audience are the caller's job).
    pub fn verify(&self, token: &str) -> Result<Map<String, Value>, TokenError> {
        let mut parts = token.split('.');
        let (Some(h), Some(p), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Malformed);
        };
        let header: Value = b64url_decode(h)
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or(TokenError::Malformed)?;
        let claims = decode_claims(token).ok_or(TokenError::Malformed)?;
        let sig = b64url_decode(s).ok_or(TokenError::Malformed)?;
        if header.get("alg").and_then(Value::as_str) != Some("RS256") {
            return Err(TokenError::BadSignature);
        }
        let key = signature::RsaPublicKeyComponents {
            n: &self.n,
            e: &self.e,
        };
        key.verify(
            &signature::RSA_PKCS1_2048_8192_SHA256,
            format!("{h}.{p}").as_bytes(),
            &sig,
        )
        .map_err(|_| TokenError::BadSignature)?;
        Ok(claims)
    }
}

/// Reads a JWT's claims without checking anything (for the request log and throttling keys).
pub fn decode_claims(token: &str) -> Option<Map<String, Value>> {
    let payload = token.split('.').nth(1)?;
    let bytes = b64url_decode(payload)?;
    match serde_json::from_slice(&bytes).ok()? {
        Value::Object(m) => Some(m),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_and_verify() {
        let keys = Keys::demo();
        let t = keys.sign(&json!({"aud": "x", "n": 1}));
        let c = keys.verify(&t).unwrap();
        assert_eq!(c["aud"], "x");
        let mut tampered = t.clone();
        tampered.insert(t.find('.').unwrap() + 2, 'A');
        assert!(keys.verify(&tampered).is_err());
        assert_eq!(keys.verify("a.b"), Err(TokenError::Malformed));
    }
}
