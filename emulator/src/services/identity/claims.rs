//! What the platform signs: access tokens (`aud`, `scp`, `oid`, `wids` for admins), id tokens
//! (`nonce`, `email`; tampered on request for the trust tests) and the `client_info` blob; and
//! the control API's shortcut to an access token without sign-in.

use std::collections::BTreeSet;

use serde_json::json;

use super::scopes::{expand_for, parse_scopes};
use crate::model::{IdTokenTamper, MintedToken};
use crate::state::{Shared, User, GRAPH_APP_ID, SHAREPOINT_ADMIN_ROLE, TENANT_ID};
use crate::wire::codec::{b64url, guid_from_name, random_token};

/// `client_info`: base64url of `{"uid": oid, "utid": tenant id}`, as MSAL reads it.
pub fn client_info(upn: &str) -> String {
    let oid = crate::state::seed::oid_for(upn);
    b64url(
        json!({"uid": oid, "utid": TENANT_ID})
            .to_string()
            .as_bytes(),
    )
}

/// Signs an access token for `resource` with the given scopes.
pub fn mint_access(
    shared: &Shared,
    user: &User,
    client_id: &str,
    resource: &str,
    scopes: &BTreeSet<String>,
) -> MintedToken {
    let (serial, lifetime, now) = {
        let mut inner = shared.lock();
        inner.token_serial += 1;
        (
            inner.token_serial,
            inner.lifetimes.access_secs,
            inner.clock_secs(),
        )
    };
    let scp: Vec<&str> = scopes.iter().map(String::as_str).collect();
    let mut claims = json!({
        "aud": resource,
        "iss": shared.issuer(),
        "iat": now,
        "nbf": now.saturating_sub(300),
        "exp": now + lifetime,
        "aio": random_token(24),
        "azp": client_id,
        "azpacr": "0",
        "appid": client_id,
        "appidacr": "0",
        "family_name": user.surname,
        "given_name": user.given_name,
        "idtyp": "user",
        "name": user.display_name,
        "oid": user.oid,
        "preferred_username": user.upn,
        "rh": "0.AemuRefreshHint.",
        "scp": scp.join(" "),
        "sub": guid_from_name(&format!("sub:{}:{}", user.oid, resource)),
        "tid": TENANT_ID,
        "unique_name": user.upn,
        "upn": user.upn,
        "uti": format!("emu{serial}"),
        "ver": "2.0",
        "xms_tseq": serial,
    });
    if user.is_admin {
        claims["wids"] = json!([SHAREPOINT_ADMIN_ROLE]);
    }
    MintedToken {
        access_token: shared.keys.sign(&claims),
        scope: scp.join(" "),
        expires_in: lifetime,
    }
}

pub fn id_token(
    shared: &Shared,
    user: &User,
    client_id: &str,
    nonce: Option<&str>,
    email: bool,
) -> String {
    let (now, tamper) = {
        let mut inner = shared.lock();
        (inner.clock_secs(), inner.id_token_tamper.take())
    };
    let mut claims = json!({
        "aud": client_id,
        "iss": shared.issuer(),
        "iat": now,
        "nbf": now.saturating_sub(300),
        "exp": now + 3600,
        "name": user.display_name,
        "oid": user.oid,
        "preferred_username": user.upn,
        "rh": "0.AemuRefreshHint.",
        "sid": guid_from_name(&format!("session:{}", user.upn)),
        "sub": guid_from_name(&format!("sub:{}:{}", user.oid, client_id)),
        "tid": TENANT_ID,
        "uti": random_token(16),
        "ver": "2.0",
    });
    if let Some(n) = nonce {
        claims["nonce"] = json!(n);
    }
    match tamper {
        Some(IdTokenTamper::Nonce) => {
            claims["nonce"] = json!(format!("tampered-{}", random_token(12)))
        }
        Some(IdTokenTamper::Aud) => claims["aud"] = json!(guid_from_name("another-application")),
        Some(IdTokenTamper::Iss) => {
            claims["iss"] = json!(format!(
                "{}/{}/v2.0",
                shared.origin("login"),
                guid_from_name("another-tenant")
            ))
        }
        None => {}
    }
    if email {
        if let Some(m) = &user.mail {
            claims["email"] = json!(m);
        }
    }
    shared.keys.sign(&claims)
}

/// Mints a token without sign-in or consent (control API).
pub fn mint_for(shared: &Shared, upn: &str, scope: &str) -> Result<MintedToken, String> {
    let scopes = parse_scopes(shared, scope).map_err(|e| e.to_string())?;
    if scopes.resources.len() > 1 {
        return Err("more than one resource".into());
    }
    let (resource, wanted) = scopes
        .resources
        .into_iter()
        .next()
        .unwrap_or_else(|| (GRAPH_APP_ID.to_string(), BTreeSet::new()));
    let (user, client_id, wanted) = {
        let inner = shared.lock();
        let u = inner
            .tenant
            .user(upn)
            .cloned()
            .ok_or_else(|| format!("no user {upn}"))?;
        let wanted = expand_for(shared, &inner, &resource, &wanted);
        (u, inner.registration.client_id.clone(), wanted)
    };
    Ok(mint_access(shared, &user, &client_id, &resource, &wanted))
}
