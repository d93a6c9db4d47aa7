//! SharePoint calls over the network: a token for the My Site host, one request through
//! [`crate::service::call`], the answer parsed or classified. No retries here.

use crate::auth::{Resource, TokenSource};
use crate::config::MySiteOrigin;
use crate::http::{self, HttpRequest, HttpResponse};
use crate::service;

use super::request;
use super::response::{
    parse_profile, SharePointCall, SharePointError, SharePointProblem, SharePointProfile,
};

/// The user's picture properties (`GetMyProperties`) on the My Site host `host` (an origin).
pub async fn my_properties(
    host: &MySiteOrigin,
    tokens: &impl TokenSource,
) -> Result<SharePointProfile, SharePointError> {
    let response = call(SharePointCall::GetMyProperties, host, tokens, |t| {
        request::get_my_properties(host, t)
    })
    .await?;
    parse_profile(&response.body)
}

/// Writes `jpeg` as the user's picture (`SetMyProfilePicture`); SharePoint makes its three
/// thumbnails from it.
pub async fn set_my_profile_picture(
    host: &MySiteOrigin,
    tokens: &impl TokenSource,
    jpeg: &web_sys::Blob,
) -> Result<(), SharePointError> {
    call(SharePointCall::SetMyProfilePicture, host, tokens, |t| {
        request::set_my_profile_picture(host, t, jpeg.clone())
    })
    .await
    .map(drop)
}

/// The bytes of a file on the My Site host (a thumbnail from
/// [`super::large_thumbnail_url`]); [`SharePointProblem::ForeignUrl`] for any other origin.
pub async fn thumbnail(
    host: &MySiteOrigin,
    tokens: &impl TokenSource,
    url: &str,
) -> Result<Vec<u8>, SharePointError> {
    if http::origin(url).is_none() || http::origin(url) != http::origin(host) {
        return Err(SharePointProblem::ForeignUrl {
            url: url.to_owned(),
        }
        .into());
    }
    let response = call(SharePointCall::Thumbnail, host, tokens, |t| {
        request::file(url, t)
    })
    .await?;
    Ok(response.body)
}

/// What the last token for the My Site host `host` was granted, as permission names
/// (`User.ReadWrite.All`), when a token was had.
pub fn granted_scopes(host: &MySiteOrigin, tokens: &impl TokenSource) -> Option<Vec<String>> {
    let resource = Resource::SharePoint {
        origin: host.clone(),
    };
    tokens
        .granted_scopes(&resource)
        .map(|granted| crate::auth::permission_names(&granted))
}

async fn call(
    which: SharePointCall,
    host: &MySiteOrigin,
    tokens: &impl TokenSource,
    build: impl FnOnce(&str) -> HttpRequest,
) -> Result<HttpResponse, SharePointError> {
    let resource = Resource::SharePoint {
        origin: host.clone(),
    };
    service::call(which, &resource, tokens, build).await
}
