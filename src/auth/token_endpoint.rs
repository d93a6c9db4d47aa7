//! The token endpoint seam: the only HTTP the sign-in does with secrets — "POST this form,
//! give me the status and the body" — behind [`TokenEndpoint`], so that completing a sign-in
//! and refreshing are tested natively against a fake endpoint. [`FetchTokenEndpoint`] is the
//! page's `fetch` through [`crate::http`] (the browser adds `Origin`, which the identity
//! platform requires to redeem an SPA's code).
//!
//! The `oauth2` crate builds the requests and reads the answers; [`call`] is its async HTTP
//! client over the seam. [`token_error`] turns what went wrong into an [`AuthError`].

use std::cell::Cell;
use std::future::Future;

use oauth2::RequestTokenError;

use super::request;
use super::AuthError;
use crate::http::{self, HttpError, HttpRequest};

/// What the token endpoint answered, whatever its status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormAnswer {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

/// Where token requests go.
pub trait TokenEndpoint {
    /// POSTs `form` (`application/x-www-form-urlencoded`, no credentials) to `url` and reads
    /// the answer; an error only when no answer could be read.
    fn post_form(
        &self,
        url: &str,
        form: String,
    ) -> impl Future<Output = Result<FormAnswer, HttpError>>;
}

/// The identity platform's token endpoint, through the page's `fetch`.
#[derive(Debug, Clone, Copy, Default)]
pub struct FetchTokenEndpoint;

impl TokenEndpoint for FetchTokenEndpoint {
    async fn post_form(&self, url: &str, form: String) -> Result<FormAnswer, HttpError> {
        let request = HttpRequest::post(url)
            .header("Accept", "application/json")
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(http::Body::Text(form));
        let response = http::send(request).await?;
        Ok(FormAnswer {
            status: response.status,
            content_type: response.header("content-type").map(str::to_owned),
            body: response.body,
        })
    }
}

/// The `oauth2` crate's HTTP client over `endpoint`: every request it makes is a form POST to
/// the token endpoint (an SPA has no client secret, so there is no `Authorization` header to
/// carry). The answer's status is noted in `status` for [`token_error`].
pub async fn call<E: TokenEndpoint>(
    endpoint: &E,
    status: &Cell<Option<u16>>,
    request: oauth2::HttpRequest,
) -> Result<oauth2::HttpResponse, HttpError> {
    let url = request.uri().to_string();
    let form = String::from_utf8_lossy(request.body()).into_owned();
    let answer = endpoint.post_form(&url, form).await?;
    status.set(Some(answer.status));
    // `oauth2` reads only the content type. Naming it by its constant keeps `http`'s
    // header-name parser (~17 KB of wasm) out of the page.
    let mut builder = oauth2::http::Response::builder().status(answer.status);
    if let Some(content_type) = &answer.content_type {
        builder = builder.header(oauth2::http::header::CONTENT_TYPE, content_type.as_str());
    }
    builder.body(answer.body).map_err(|e| HttpError::Network {
        origin: "token endpoint".into(),
        detail: e.to_string(),
    })
}

/// True for the answers of a token endpoint that is overloaded or failing for a while:
/// `429 Too Many Requests` and the `5xx` family. Nothing is wrong with the session then.
pub fn is_busy(status: u16) -> bool {
    status == 429 || (500..600).contains(&status)
}

/// What a failed token request means for the user: the identity platform's own error
/// (classified by [`request::classify`]), no answer, or an answer that could not be read.
pub fn token_error(
    error: RequestTokenError<HttpError, oauth2::basic::BasicErrorResponse>,
    redirect_uri: &str,
) -> AuthError {
    match error {
        RequestTokenError::ServerResponse(response) => request::classify(
            response.error().as_ref(),
            response
                .error_description()
                .map(String::as_str)
                .unwrap_or_default(),
            redirect_uri,
        ),
        RequestTokenError::Request(e) => AuthError::Network {
            detail: e.to_string(),
        },
        RequestTokenError::Parse(e, _) => AuthError::Other {
            code: "invalid_token_response".into(),
            description: e.to_string(),
        },
        RequestTokenError::Other(e) => AuthError::Other {
            code: "token_request_failed".into(),
            description: e,
        },
    }
}
