//! What calling a Microsoft 365 web API with a bearer token can end in, once for every API the
//! page calls ([`crate::graph`], [`crate::sharepoint`]): [`ServiceError`], the classification
//! of an error answer (status, `Retry-After`, body) into it, and [`call`], which gets a token,
//! sends one request through [`crate::http`] and classifies what is not a success.
//!
//! The failures every API shares (the token refused, access refused, busy with its
//! `Retry-After`, any other error answer, an unreadable success, no token, no answer) live
//! here; what only one API says (Graph's "no photo in Exchange", SharePoint's "picture
//! rejected") is that API's [`Call::Specific`], read by its [`Call`] implementation before the
//! shared rules. Which failures are worth sending again is decided here, once
//! ([`ServiceError::is_transient`]). Pure apart from [`call`]; this module never retries (the
//! caller's policy does) and knows no API's URLs.

use std::fmt::Debug;

use crate::auth::{AuthError, Resource, TokenSource};
use crate::http::{self, HttpError, HttpRequest, HttpResponse};

/// One call of a web API: which call an error answered decides what its status means (a 404
/// on Graph's photo is "no photo", on `/me` it is not). Implemented by each API's call enum.
pub trait Call: Copy + Debug + PartialEq + Eq {
    /// The API's name in messages (`Microsoft Graph`).
    const NAME: &'static str;
    /// The failures only this API has.
    type Specific: std::error::Error + Debug + Clone + PartialEq + Eq;
    /// The code and message of this API's error body; empty when the body is something else.
    fn error_detail(body: &[u8]) -> ErrorDetail;
    /// This API's own reading of an error answer to this call, before the shared rules.
    fn specific(self, status: u16, detail: &ErrorDetail) -> Option<Self::Specific>;
    /// What a 403's [`ServiceError::Forbidden`] says, from the error body.
    fn refusal(detail: ErrorDetail) -> String;
}

/// The code and message of an error body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
}

/// What went wrong calling an API, each with what can be done about it. `C` is the API's
/// [`Call`]: `ServiceError<GraphCall>` is [`crate::graph::GraphError`]. `Display` is the
/// technical form (the API, the HTTP status, the API's own code and words), for details and
/// logs; the screens word each kind themselves.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ServiceError<C: Call> {
    /// A failure only this API has.
    #[error(transparent)]
    Specific(C::Specific),
    /// The token was refused: expired, revoked or for another audience.
    #[error("{}: HTTP 401", C::NAME)]
    Unauthorized,
    /// The user or the app may not do this (a missing permission, a policy); `detail` is the
    /// API's code or message.
    #[error("{}: HTTP 403 {detail}", C::NAME)]
    Forbidden { detail: String },
    /// Throttled or briefly unavailable (429, 503, 504): worth retrying, after `retry_after`
    /// (the raw `Retry-After` header) when the browser could read it.
    #[error("{}: HTTP {status}", C::NAME)]
    Transient {
        status: u16,
        retry_after: Option<String>,
    },
    /// Any other error answer.
    #[error("{}: HTTP {status} {code}: {message}", C::NAME)]
    Service {
        status: u16,
        code: String,
        message: String,
    },
    /// A success answer that is not what the API documents.
    #[error("{}: unreadable_answer: {detail}", C::NAME)]
    Malformed { detail: String },
    /// No token could be had.
    #[error(transparent)]
    Auth(AuthError),
    /// No answer could be read.
    #[error(transparent)]
    Http(HttpError),
}

impl<C: Call> From<AuthError> for ServiceError<C> {
    fn from(e: AuthError) -> Self {
        ServiceError::Auth(e)
    }
}

impl<C: Call> From<HttpError> for ServiceError<C> {
    fn from(e: HttpError) -> Self {
        ServiceError::Http(e)
    }
}

impl<C: Call> ServiceError<C> {
    /// True for failures that may pass if the same request is sent again later.
    pub fn is_transient(&self) -> bool {
        match self {
            ServiceError::Transient { .. } | ServiceError::Auth(AuthError::Network { .. }) => true,
            ServiceError::Http(h) => h.is_transient(),
            _ => false,
        }
    }

    /// The `Retry-After` header of a transient answer, when the browser exposed it.
    pub fn retry_after(&self) -> Option<&str> {
        match self {
            ServiceError::Transient { retry_after, .. } => retry_after.as_deref(),
            _ => None,
        }
    }

    /// True when the request may have reached the API and only its answer was lost (the
    /// connection dropped, the time ran out): a write may have happened all the same.
    pub fn answer_lost(&self) -> bool {
        matches!(
            self,
            ServiceError::Http(HttpError::Network { .. } | HttpError::Timeout { .. })
        )
    }
}

/// Classifies an error answer (`status` not 2xx) to `call`: the API's own cases first, then
/// the shared ones. Throttling (429) and unavailability (503, 504) are transient unless the
/// API says otherwise.
///
/// ```
/// use profile_photo_sync::graph::GraphCall;
/// use profile_photo_sync::service::{classify, ServiceError};
/// let e = classify(GraphCall::Me, 429, Some("7"), b"");
/// assert_eq!(e, ServiceError::Transient { status: 429, retry_after: Some("7".into()) });
/// ```
pub fn classify<C: Call>(
    call: C,
    status: u16,
    retry_after: Option<&str>,
    body: &[u8],
) -> ServiceError<C> {
    let detail = C::error_detail(body);
    if let Some(specific) = call.specific(status, &detail) {
        return ServiceError::Specific(specific);
    }
    match status {
        401 => ServiceError::Unauthorized,
        403 => ServiceError::Forbidden {
            detail: C::refusal(detail),
        },
        429 | 503 | 504 => ServiceError::Transient {
            status,
            retry_after: retry_after.map(str::to_owned),
        },
        _ => ServiceError::Service {
            status,
            code: detail.code,
            message: detail.message,
        },
    }
}

/// Classifies any answer that is not a success, with the `Retry-After` header it carries.
pub fn classify_response<C: Call>(call: C, response: &HttpResponse) -> ServiceError<C> {
    classify(
        call,
        response.status,
        response.header("Retry-After"),
        &response.body,
    )
}

/// One call over the network: a token for `resource`, the request `build` makes with it, sent
/// through [`http::send`]; a success answer as it came, anything else classified. No retries.
pub async fn call<C: Call>(
    which: C,
    resource: &Resource,
    tokens: &impl TokenSource,
    build: impl FnOnce(&str) -> HttpRequest,
) -> Result<HttpResponse, ServiceError<C>> {
    let token = tokens.access_token(resource).await?;
    let response = http::send(build(&token)).await?;
    if response.is_success() {
        Ok(response)
    } else {
        Err(classify_response(which, &response))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::GraphCall;
    use crate::sharepoint::SharePointCall;

    /// An API with one call and one case of its own (a 409 on it).
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    struct Ping;

    #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
    #[error("taken: {0}")]
    struct Taken(String);

    impl Call for Ping {
        const NAME: &'static str = "Ping";
        type Specific = Taken;
        fn error_detail(body: &[u8]) -> ErrorDetail {
            let text = String::from_utf8_lossy(body);
            let (code, message) = text.split_once(':').unwrap_or_default();
            ErrorDetail {
                code: code.to_owned(),
                message: message.to_owned(),
            }
        }
        fn specific(self, status: u16, detail: &ErrorDetail) -> Option<Taken> {
            (status == 409 || detail.code == "Taken").then(|| Taken(detail.message.clone()))
        }
        fn refusal(detail: ErrorDetail) -> String {
            detail.code
        }
    }

    #[test]
    fn the_api_reads_its_own_cases_first() {
        assert_eq!(
            classify(Ping, 409, None, b"Conflict:in use"),
            ServiceError::Specific(Taken("in use".into()))
        );
        // Before the shared rules, whatever the status.
        assert_eq!(
            classify(Ping, 503, Some("1"), b"Taken:x"),
            ServiceError::Specific(Taken("x".into()))
        );
        assert_eq!(
            classify(Ping, 409, None, b"").to_string(),
            "taken: ",
            "its own message"
        );
    }

    #[test]
    fn token_and_access_refusals_are_distinct() {
        assert_eq!(
            classify(Ping, 401, None, b"Expired:x"),
            ServiceError::Unauthorized
        );
        assert_eq!(
            classify(Ping, 403, None, b"Denied:no"),
            ServiceError::Forbidden {
                detail: "Denied".into()
            }
        );
        assert_eq!(classify(Ping, 401, None, b"").to_string(), "Ping: HTTP 401");
    }

    #[test]
    fn other_answers_are_service_errors_and_permanent() {
        let e = classify(Ping, 500, Some("3"), b"Boom:it broke");
        assert_eq!(
            e,
            ServiceError::Service {
                status: 500,
                code: "Boom".into(),
                message: "it broke".into()
            }
        );
        assert!(!e.is_transient());
        assert_eq!(e.retry_after(), None, "only busy answers wait");
        assert_eq!(e.to_string(), "Ping: HTTP 500 Boom: it broke");
        assert!(!ServiceError::<Ping>::Malformed { detail: "d".into() }.is_transient());
        assert!(!ServiceError::<Ping>::Specific(Taken(String::new())).is_transient());
    }

    #[test]
    fn no_answer_is_transient_and_may_hide_an_effect() {
        let network = ServiceError::<Ping>::from(HttpError::Network {
            origin: "o".into(),
            detail: "d".into(),
        });
        assert!(network.is_transient() && network.answer_lost());
        let timeout = ServiceError::<Ping>::from(HttpError::Timeout {
            origin: "o".into(),
            seconds: 30,
        });
        assert!(timeout.is_transient() && timeout.answer_lost());
        let too_long = ServiceError::<Ping>::from(HttpError::TooLarge {
            origin: "o".into(),
            limit_bytes: 1,
        });
        assert!(!too_long.is_transient(), "a too long answer is not retried");
        assert!(!too_long.answer_lost());
        assert!(
            !classify(Ping, 503, None, b"").answer_lost(),
            "a busy answer is an answer"
        );
    }

    #[test]
    fn no_token_is_transient_only_when_the_network_failed() {
        let offline = ServiceError::<Ping>::from(AuthError::Network { detail: "d".into() });
        assert!(offline.is_transient());
        assert!(!offline.answer_lost(), "no request left the page");
        assert!(!ServiceError::<Ping>::from(AuthError::InteractionRequired).is_transient());
    }

    // The shared rules through the real APIs' calls and bodies.

    fn graph_body(code: &str) -> Vec<u8> {
        format!(
            r#"{{"error":{{"code":"{code}","message":"m","innerError":{{"request-id":"r"}}}}}}"#
        )
        .into_bytes()
    }

    #[test]
    fn throttling_and_unavailability_are_transient() {
        for status in [429, 503, 504] {
            let e = classify(
                GraphCall::PhotoBytes,
                status,
                Some("7"),
                &graph_body("TooManyRequests"),
            );
            assert!(e.is_transient(), "{status}");
            assert_eq!(e.retry_after(), Some("7"));
        }
        let e = classify(GraphCall::Me, 429, None, b"");
        assert!(e.is_transient());
        assert_eq!(e.retry_after(), None);
    }

    #[test]
    fn retry_after_is_read_from_the_response() {
        let r = HttpResponse {
            status: 503,
            headers: vec![("retry-after".into(), "2".into())],
            body: vec![],
        };
        assert_eq!(
            classify_response(GraphCall::Me, &r).retry_after(),
            Some("2")
        );
    }

    #[test]
    fn throttling_is_transient_with_its_retry_after() {
        for status in [429, 503, 504] {
            let e = classify(SharePointCall::SetMyProfilePicture, status, Some("5"), b"");
            assert!(e.is_transient());
            assert_eq!(e.retry_after(), Some("5"));
        }
        let r = HttpResponse {
            status: 429,
            headers: vec![("Retry-After".into(), "Wed, 21 Oct 2015 07:28:00 GMT".into())],
            body: vec![],
        };
        assert_eq!(
            classify_response(SharePointCall::Thumbnail, &r).retry_after(),
            Some("Wed, 21 Oct 2015 07:28:00 GMT")
        );
    }
}
