//! Graph calls over the network: a token for [`Resource::Graph`], one request through
//! [`crate::service::call`], the answer parsed or classified. No retries here.

use crate::auth::{Resource, TokenSource};
use crate::http::{HttpRequest, HttpResponse};
use crate::service;

use super::request;
use super::response::{
    parse_photo_metadata, parse_user, GraphCall, GraphError, GraphUser, PhotoMetadata,
};

/// The signed-in user (`GET /me?$select=id,displayName,userPrincipalName,mySite`).
pub async fn me(base_url: &str, tokens: &impl TokenSource) -> Result<GraphUser, GraphError> {
    let response = call(GraphCall::Me, tokens, |t| request::me(base_url, t)).await?;
    parse_user(&response.body)
}

/// The Exchange photo's metadata (`GET /me/photo`);
/// [`super::GraphProblem::NoExchangePhoto`] for none or a 1 × 1 placeholder.
pub async fn photo_metadata(
    base_url: &str,
    tokens: &impl TokenSource,
) -> Result<PhotoMetadata, GraphError> {
    let response = call(GraphCall::PhotoMetadata, tokens, |t| {
        request::photo_metadata(base_url, t)
    })
    .await?;
    parse_photo_metadata(&response.body)
}

/// The Exchange photo's bytes (`GET /me/photo/$value`), as Exchange stores them (not checked:
/// that is [`crate::photo`]'s job).
pub async fn photo_bytes(base_url: &str, tokens: &impl TokenSource) -> Result<Vec<u8>, GraphError> {
    let response = call(GraphCall::PhotoBytes, tokens, |t| {
        request::photo_bytes(base_url, t)
    })
    .await?;
    Ok(response.body)
}

async fn call(
    which: GraphCall,
    tokens: &impl TokenSource,
    build: impl FnOnce(&str) -> HttpRequest,
) -> Result<HttpResponse, GraphError> {
    service::call(which, &Resource::Graph, tokens, build).await
}
