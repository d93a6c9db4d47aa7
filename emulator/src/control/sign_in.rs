//! Sign-in as tests set it up: the app registration, token lifetimes, expired tokens, consent
//! granted or revoked, tokens minted without sign-in, and id tokens tampered with.

use std::sync::Arc;

use axum::extract::State;
use serde::Deserialize;

use super::extract::{Answer, Done, Json, Refusal};
use crate::model::*;
use crate::state::*;
use crate::wire::codec::now_ms;

pub(super) async fn registration(State(shared): State<Arc<Shared>>) -> Answer<Registration> {
    Answer(shared.lock().registration.clone())
}

pub(super) async fn set_registration(
    State(shared): State<Arc<Shared>>,
    Json(reg): Json<Registration>,
) -> Done {
    shared.lock().registration = reg;
    Done
}

pub(super) async fn set_token_lifetimes(
    State(shared): State<Arc<Shared>>,
    Json(l): Json<TokenLifetimes>,
) -> Done {
    shared.lock().lifetimes = l;
    Done
}

#[derive(Deserialize)]
pub(super) struct ExpireBody {
    #[serde(default)]
    refresh: bool,
}

/// Every access token issued so far is expired; with `refresh`, every refresh token too.
pub(super) async fn expire_tokens(
    State(shared): State<Arc<Shared>>,
    Json(b): Json<ExpireBody>,
) -> Done {
    let mut inner = shared.lock();
    inner.access_cutoff = inner.token_serial;
    if b.refresh {
        let now = now_ms();
        for rt in inner.refresh_tokens.values_mut() {
            rt.expires_ms = rt.expires_ms.min(now);
        }
    }
    Done
}

#[derive(Deserialize)]
pub(super) struct ConsentBody {
    upn: String,
    #[serde(default)]
    scopes: Vec<String>,
}

pub(super) async fn consent(
    State(shared): State<Arc<Shared>>,
    Json(b): Json<ConsentBody>,
) -> Result<Done, Refusal> {
    crate::services::identity::grant_consent(&shared, &b.upn, &b.scopes)
        .map(|()| Done)
        .map_err(Refusal::BadRequest)
}

#[derive(Deserialize)]
pub(super) struct AdminConsentBody {
    scopes: Vec<String>,
}

/// The tenant's admin consent becomes `scopes` (what "Grant admin consent" leaves granted).
pub(super) async fn set_admin_consent(
    State(shared): State<Arc<Shared>>,
    Json(b): Json<AdminConsentBody>,
) -> Result<Done, Refusal> {
    crate::services::identity::set_admin_consent(&shared, &b.scopes)
        .map(|()| Done)
        .map_err(Refusal::BadRequest)
}

pub(super) async fn revoke_consent(
    State(shared): State<Arc<Shared>>,
    Json(b): Json<ConsentBody>,
) -> Done {
    shared
        .lock()
        .tenant
        .consents
        .remove(&b.upn.to_ascii_lowercase());
    Done
}

#[derive(Deserialize)]
pub(super) struct TokenBody {
    upn: String,
    scope: String,
}

/// An access token without sign-in or consent.
pub(super) async fn token(
    State(shared): State<Arc<Shared>>,
    Json(b): Json<TokenBody>,
) -> Result<Answer<MintedToken>, Refusal> {
    crate::services::identity::mint_for(&shared, &b.upn, &b.scope)
        .map(Answer)
        .map_err(Refusal::BadRequest)
}

#[derive(Deserialize)]
pub(super) struct TamperBody {
    kind: IdTokenTamper,
}

/// The next id token is tampered with.
pub(super) async fn tamper_id_token(
    State(shared): State<Arc<Shared>>,
    Json(b): Json<TamperBody>,
) -> Done {
    shared.lock().id_token_tamper = Some(b.kind);
    Done
}
