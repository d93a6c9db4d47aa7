//! Bearer token validation for the resource servers (Graph, SharePoint).

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::state::Shared;
use crate::wire::jwt::TokenError;
use crate::wire::Req;

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

/// Validates the request's bearer token for the audience `aud`.
pub fn validate(shared: &Shared, req: &Req, aud: &str) -> Result<Caller, AuthError> {
    validate_token(shared, req.bearer(), aud)
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
