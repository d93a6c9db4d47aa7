//! Graph response parsing, and Graph's own reading of its error answers. Pure.

use serde_json::Value;

use crate::http::json;
use crate::service::{Call, ErrorDetail, ServiceError};

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
    /// A page of users or of a group's members, or one user by name (the admin audit).
    Directory,
    /// A `$batch` of calls (the admin audit); each answer inside is classified as its own call.
    Batch,
    /// `POST /me/sendMail` (the admin page's outreach).
    SendMail,
}

/// What went wrong talking to Graph: the failures every API shares, with Graph's own
/// ([`GraphProblem`]) in [`ServiceError::Specific`].
pub type GraphError = ServiceError<GraphCall>;

/// What only Graph says, each with what can be done about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphProblem {
    /// The user has no photo in Exchange Online (a 404, or a 1 × 1 placeholder).
    #[error("no_exchange_photo")]
    NoExchangePhoto,
    /// The user has no Exchange Online mailbox (none, on-premises, inactive), so no photo there.
    #[error("no_mailbox: {code}")]
    NoMailbox { code: String },
}

impl From<GraphProblem> for GraphError {
    fn from(problem: GraphProblem) -> Self {
        ServiceError::Specific(problem)
    }
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

/// Graph's reading of its error answers. A photo call's 404 means no photo; a mailbox code on
/// a photo call means no mailbox, unless the answer is throttling or unavailability (a busy
/// service is not telling us there is no mailbox).
///
/// ```
/// use profile_photo_sync::graph::{response::classify, GraphCall, GraphError, GraphProblem};
/// let body = br#"{"error":{"code":"ImageNotFound","message":"Exception of type 'Microsoft.Fast.Profile.Core.Exception.ImageNotFoundException' was thrown."}}"#;
/// assert_eq!(classify(GraphCall::PhotoBytes, 404, None, body), GraphError::from(GraphProblem::NoExchangePhoto));
/// ```
impl Call for GraphCall {
    const NAME: &'static str = "Microsoft Graph";
    type Specific = GraphProblem;

    /// Graph's error body, `{"error":{"code":"…","message":"…"}}`.
    fn error_detail(body: &[u8]) -> ErrorDetail {
        let value = json::parse(body).unwrap_or_default();
        let error = value.get("error").unwrap_or(&Value::Null);
        ErrorDetail {
            code: json::text(error, "code"),
            message: json::text(error, "message"),
        }
    }

    fn specific(self, status: u16, detail: &ErrorDetail) -> Option<GraphProblem> {
        let is_photo = matches!(self, GraphCall::PhotoMetadata | GraphCall::PhotoBytes);
        if !is_photo || !(400..500).contains(&status) || status == 429 {
            return None;
        }
        if MAILBOX_CODES
            .iter()
            .any(|c| c.eq_ignore_ascii_case(&detail.code))
        {
            return Some(GraphProblem::NoMailbox {
                code: detail.code.clone(),
            });
        }
        (status == 404).then_some(GraphProblem::NoExchangePhoto)
    }

    /// Graph's code (`ErrorAccessDenied`), `Forbidden` when the body has none.
    fn refusal(detail: ErrorDetail) -> String {
        if detail.code.is_empty() {
            "Forbidden".to_owned()
        } else {
            detail.code
        }
    }
}

/// The classification of Graph's error answers ([`crate::service`] with Graph's cases).
pub use crate::service::{classify, classify_response};

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
        return Err(GraphProblem::NoExchangePhoto.into());
    }
    Ok(metadata)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::AuthError;
    use crate::http::HttpError;

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
            Err(GraphError::Specific(GraphProblem::NoExchangePhoto))
        );
    }

    #[test]
    fn any_photo_404_means_no_photo() {
        for call in [GraphCall::PhotoMetadata, GraphCall::PhotoBytes] {
            assert_eq!(
                classify(call, 404, None, &body("ImageNotFound")),
                GraphError::Specific(GraphProblem::NoExchangePhoto)
            );
            assert_eq!(
                classify(call, 404, None, &body("ResourceNotFound")),
                GraphError::Specific(GraphProblem::NoExchangePhoto)
            );
            assert_eq!(
                classify(call, 404, None, b""),
                GraphError::Specific(GraphProblem::NoExchangePhoto)
            );
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
                GraphError::Specific(GraphProblem::NoMailbox { code: code.into() }),
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
            GraphError::Specific(GraphProblem::NoMailbox { .. })
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
                detail: "ErrorAccessDenied".into()
            }
        );
        assert_eq!(
            classify(GraphCall::Me, 403, None, b""),
            GraphError::Forbidden {
                detail: "Forbidden".into()
            }
        );
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
        assert!(!GraphError::Specific(GraphProblem::NoExchangePhoto).is_transient());
        assert!(!GraphError::Auth(AuthError::InteractionRequired).is_transient());
    }
}
