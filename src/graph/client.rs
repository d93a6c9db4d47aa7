//! Graph calls over the network: a token for [`Resource::Graph`], one request through
//! [`crate::service::call`], the answer parsed or classified. No retries here. (The sync's
//! reads of the user and the photo go together in one batch: [`super::reads`].)

use crate::auth::{Resource, TokenSource};
use crate::http::{HttpRequest, HttpResponse};
use crate::service;

use super::request;
use super::response::{parse_user, GraphCall, GraphError, GraphUser};

/// The signed-in user (`GET /me?$select=id,displayName,userPrincipalName,mySite`).
pub async fn me(base_url: &str, tokens: &impl TokenSource) -> Result<GraphUser, GraphError> {
    let response = call(GraphCall::Me, tokens, |t| request::me(base_url, t)).await?;
    parse_user(&response.body)
}

async fn call(
    which: GraphCall,
    tokens: &impl TokenSource,
    build: impl FnOnce(&str) -> HttpRequest,
) -> Result<HttpResponse, GraphError> {
    service::call(which, &Resource::Graph, tokens, build).await
}
