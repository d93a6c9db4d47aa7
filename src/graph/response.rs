//! Graph response parsing and error classification. Pure.

use serde_json::Value;

use crate::auth::AuthError;
use crate::http::{json, HttpError, HttpResponse};

/// The signed-in user, as `/me?$select=id,displayName,userPrincipalName,mySite` gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphUser {
    pub id: String,
    pub display_name: String,
    pub user_principal_name: String,
    /// The user's OneDrive URL (`https://contoso-my.sharepoint.com/personal/adele_contoso_com/`);
    /// absent for users without a personal site.
    pub my_site: Option<String>,
}

/// The Exchange photo's metadata (`/me/photo`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoMetadata {
    pub width: u32,
    pub height: u32,
    /// `@odata.mediaContentType`.
    pub content_type: Option<String>,
    /// `@odata.mediaEtag`: changes whenever the photo changes.
    pub media_etag: Option<String>,
}

impl PhotoMetadata {
    /// Exchange answers a 1 × 1 image for users who never set a photo.
    pub fn is_placeholder(&self) -> bool {
        self.width <= 1 && self.height <= 1
    }
}

/// Which call an error answered: the same status means different things on each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphCall {
    Me,
    PhotoMetadata,
    PhotoBytes,
}

/// What went wrong talking to Graph, each with what can be done about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphError {
    /// The user has no photo in Exchange Online (a 404, or a 1 × 1 placeholder).
    #[error("there is no photo in Exchange Online for this user")]
    NoExchangePhoto,
    /// The user has no Exchange Online mailbox (none, on-premises, inactive), so no photo there.
    #[error("this user has no Exchange Online mailbox ({code})")]
    NoMailbox { code: String },
    /// The token was refused: expired, revoked or for the wrong audience.
    #[error("Microsoft Graph refused the sign-in token (HTTP 401)")]
    Unauthorized,
    /// The token lacks a permission, or a policy blocks the call.
    #[error("Microsoft Graph refused access ({code})")]
    Forbidden { code: String },
    /// Throttled or briefly unavailable (429, 503, 504): worth retrying, after `retry_after`
    /// (the raw `Retry-After` header) when the browser could read it.
    #[error("Microsoft Graph is busy (HTTP {status})")]
    Transient {
        status: u16,
        retry_after: Option<String>,
    },
    /// Any other error answer.
    #[error("Microsoft Graph answered HTTP {status} {code}: {message}")]
    Service {
        status: u16,
        code: String,
        message: String,
    },
    /// A success answer that is not what Graph documents.
    #[error("Microsoft Graph's answer could not be read: {detail}")]
    Malformed { detail: String },
    /// No token could be had.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// No answer could be read.
    #[error(transparent)]
    Http(#[from] HttpError),
}

impl GraphError {
    /// True for failures that may pass if the same request is sent again later.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            GraphError::Transient { .. } | GraphError::Auth(AuthError::Network { .. })
        ) || matches!(self, GraphError::Http(h) if h.is_transient())
    }

    /// The `Retry-After` header of a transient answer, when the browser exposed it.
    pub fn retry_after(&self) -> Option<&str> {
        match self {
            GraphError::Transient { retry_after, .. } => retry_after.as_deref(),
            _ => None,
        }
    }
}

/// Graph's error body, `{"error":{"code":"…","message":"…"}}`: its code and message, empty
/// when the body is something else.
fn error_detail(body: &[u8]) -> (String, String) {
    let value = json::parse(body).unwrap_or_default();
    let error = value.get("error").unwrap_or(&Value::Null);
    let member = |key: &str| {
        error
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    (member("code"), member("message"))
}

/// Error codes Exchange gives when a user has no usable mailbox.
const MAILBOX_CODES: [&str; 6] = [
    "MailboxNotEnabledForRESTAPI",
    "MailboxNotSupportedForRESTAPI",
    "ErrorNonExistentMailbox",
    "MailboxNotFound",
    "ErrorMailboxNotFound",
    "ErrorInvalidUser",
];

/// Classifies an error answer (`status` not 2xx) to `call`. Throttling (429) and
/// unavailability are transient whatever the body says: a busy service is not telling us
/// there is no mailbox.
///
/// ```
/// use profile_photo_sync::graph::{response::classify, GraphCall, GraphError};
/// let body = br#"{"error":{"code":"ImageNotFound","message":"Exception of type 'Microsoft.Fast.Profile.Core.Exception.ImageNotFoundException' was thrown."}}"#;
/// assert_eq!(classify(GraphCall::PhotoBytes, 404, None, body), GraphError::NoExchangePhoto);
/// ```
pub fn classify(
    call: GraphCall,
    status: u16,
    retry_after: Option<&str>,
    body: &[u8],
) -> GraphError {
    let (code, message) = error_detail(body);
    let is_photo = matches!(call, GraphCall::PhotoMetadata | GraphCall::PhotoBytes);
    if is_photo
        && (400..500).contains(&status)
        && status != 429
        && MAILBOX_CODES.iter().any(|c| c.eq_ignore_ascii_case(&code))
    {
        return GraphError::NoMailbox { code };
    }
    match status {
        404 if is_photo => GraphError::NoExchangePhoto,
        401 => GraphError::Unauthorized,
        403 => GraphError::Forbidden {
            code: if code.is_empty() {
                "Forbidden".to_owned()
            } else {
                code
            },
        },
        429 | 503 | 504 => GraphError::Transient {
            status,
            retry_after: retry_after.map(str::to_owned),
        },
        _ => GraphError::Service {
            status,
            code,
            message,
        },
    }
}

/// Classifies any answer that is not a success.
pub fn classify_response(call: GraphCall, response: &HttpResponse) -> GraphError {
    classify(
        call,
        response.status,
        response.header("Retry-After"),
        &response.body,
    )
}

/// Reads `/me`.
pub fn parse_user(body: &[u8]) -> Result<GraphUser, GraphError> {
    let read = || -> Result<GraphUser, String> {
        let v = json::object(body)?;
        Ok(GraphUser {
            id: json::required_string(&v, "id")?,
            display_name: json::string(&v, "displayName")?.unwrap_or_default(),
            user_principal_name: json::required_string(&v, "userPrincipalName")?,
            my_site: json::string(&v, "mySite")?,
        })
    };
    read().map_err(|e| GraphError::Malformed {
        detail: format!("/me: {e}"),
    })
}

/// Reads `/me/photo`; a 1 × 1 placeholder means there is no photo.
pub fn parse_photo_metadata(body: &[u8]) -> Result<PhotoMetadata, GraphError> {
    let read = || -> Result<PhotoMetadata, String> {
        let v = json::object(body)?;
        Ok(PhotoMetadata {
            width: json::u32(&v, "width")?.unwrap_or_default(),
            height: json::u32(&v, "height")?.unwrap_or_default(),
            content_type: json::string(&v, "@odata.mediaContentType")?,
            media_etag: json::string(&v, "@odata.mediaEtag")?,
        })
    };
    let metadata = read().map_err(|e| GraphError::Malformed {
        detail: format!("/me/photo: {e}"),
    })?;
    if metadata.is_placeholder() {
        return Err(GraphError::NoExchangePhoto);
    }
    Ok(metadata)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(code: &str) -> Vec<u8> {
        format!(
            r#"{{"error":{{"code":"{code}","message":"m","innerError":{{"request-id":"r"}}}}}}"#
        )
        .into_bytes()
    }

    #[test]
    fn user_with_my_site() {
        let user = parse_user(
            br#"{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users(id,displayName,userPrincipalName,mySite)/$entity",
                "id":"6e7b768e-07e2-4810-8459-485f84f8f204","displayName":"Adele Vance",
                "userPrincipalName":"AdeleV@contoso.com","mySite":"https://contoso-my.sharepoint.com/personal/adelev_contoso_com/"}"#,
        )
        .unwrap();
        assert_eq!(user.display_name, "Adele Vance");
        assert_eq!(user.user_principal_name, "AdeleV@contoso.com");
        assert_eq!(
            user.my_site.as_deref(),
            Some("https://contoso-my.sharepoint.com/personal/adelev_contoso_com/")
        );
    }

    #[test]
    fn user_without_my_site() {
        let user = parse_user(
            br#"{"id":"1","displayName":"A","userPrincipalName":"a@c.com","mySite":null}"#,
        )
        .unwrap();
        assert_eq!(user.my_site, None);
        let user = parse_user(br#"{"id":"1","userPrincipalName":"a@c.com"}"#).unwrap();
        assert_eq!(user.my_site, None);
        assert_eq!(user.display_name, "");
    }

    #[test]
    fn user_without_upn_is_malformed() {
        assert!(matches!(
            parse_user(br#"{"id":"1"}"#),
            Err(GraphError::Malformed { .. })
        ));
        assert!(matches!(
            parse_user(b"<html>"),
            Err(GraphError::Malformed { .. })
        ));
    }

    #[test]
    fn photo_metadata_is_read() {
        let m = parse_photo_metadata(
            br#"{"@odata.context":"x","@odata.mediaContentType":"image/jpeg","@odata.mediaEtag":"W/\"BA09D118\"","id":"648X648","width":648,"height":648}"#,
        )
        .unwrap();
        assert_eq!(
            m,
            PhotoMetadata {
                width: 648,
                height: 648,
                content_type: Some("image/jpeg".into()),
                media_etag: Some("W/\"BA09D118\"".into()),
            }
        );
    }

    #[test]
    fn one_by_one_metadata_means_no_photo() {
        assert_eq!(
            parse_photo_metadata(br#"{"id":"1X1","width":1,"height":1}"#),
            Err(GraphError::NoExchangePhoto)
        );
    }

    #[test]
    fn any_photo_404_means_no_photo() {
        for call in [GraphCall::PhotoMetadata, GraphCall::PhotoBytes] {
            assert_eq!(
                classify(call, 404, None, &body("ImageNotFound")),
                GraphError::NoExchangePhoto
            );
            assert_eq!(
                classify(call, 404, None, &body("ResourceNotFound")),
                GraphError::NoExchangePhoto
            );
            assert_eq!(classify(call, 404, None, b""), GraphError::NoExchangePhoto);
        }
    }

    #[test]
    fn a_404_on_me_is_not_about_photos() {
        assert!(matches!(
            classify(GraphCall::Me, 404, None, &body("Request_ResourceNotFound")),
            GraphError::Service { status: 404, .. }
        ));
    }

    #[test]
    fn mailbox_codes_mean_no_mailbox() {
        for code in [
            "MailboxNotEnabledForRESTAPI",
            "ErrorNonExistentMailbox",
            "MailboxNotFound",
            "mailboxnotenabledforrestapi",
        ] {
            assert_eq!(
                classify(GraphCall::PhotoBytes, 404, None, &body(code)),
                GraphError::NoMailbox { code: code.into() },
                "{code}"
            );
        }
        assert!(matches!(
            classify(
                GraphCall::PhotoMetadata,
                400,
                None,
                &body("ErrorNonExistentMailbox")
            ),
            GraphError::NoMailbox { .. }
        ));
    }

    #[test]
    fn auth_failures_are_distinct() {
        assert_eq!(
            classify(
                GraphCall::Me,
                401,
                None,
                &body("InvalidAuthenticationToken")
            ),
            GraphError::Unauthorized
        );
        assert_eq!(
            classify(GraphCall::PhotoBytes, 403, None, &body("ErrorAccessDenied")),
            GraphError::Forbidden {
                code: "ErrorAccessDenied".into()
            }
        );
        assert_eq!(
            classify(GraphCall::Me, 403, None, b""),
            GraphError::Forbidden {
                code: "Forbidden".into()
            }
        );
    }

    #[test]
    fn throttling_and_unavailability_are_transient() {
        for status in [429, 503, 504] {
            let e = classify(
                GraphCall::PhotoBytes,
                status,
                Some("7"),
                &body("TooManyRequests"),
            );
            assert!(e.is_transient(), "{status}");
            assert_eq!(e.retry_after(), Some("7"));
        }
        let e = classify(GraphCall::Me, 429, None, b"");
        assert!(e.is_transient());
        assert_eq!(e.retry_after(), None);
    }

    #[test]
    fn throttled_photo_call_with_a_mailbox_code_is_transient() {
        for status in [429, 503, 504] {
            let e = classify(
                GraphCall::PhotoBytes,
                status,
                Some("3"),
                &body("MailboxNotEnabledForRESTAPI"),
            );
            assert_eq!(
                e,
                GraphError::Transient {
                    status,
                    retry_after: Some("3".into())
                }
            );
        }
    }

    #[test]
    fn network_failures_are_transient_and_service_errors_are_not() {
        let net = GraphError::Http(HttpError::Network {
            origin: "o".into(),
            detail: "d".into(),
        });
        assert!(net.is_transient());
        let e = classify(GraphCall::Me, 500, None, &body("generalException"));
        assert_eq!(
            e,
            GraphError::Service {
                status: 500,
                code: "generalException".into(),
                message: "m".into()
            }
        );
        assert!(!e.is_transient());
        assert!(!GraphError::NoExchangePhoto.is_transient());
        assert!(!GraphError::Auth(AuthError::InteractionRequired).is_transient());
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
}
