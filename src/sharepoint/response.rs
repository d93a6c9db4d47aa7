//! SharePoint response parsing, and SharePoint's own reading of its error answers. Pure.

use serde_json::Value;

use crate::http::json;
use crate::service::{Call, ErrorDetail, ServiceError};

/// The picture-related part of the user's SharePoint profile, from `GetMyProperties`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SharePointProfile {
    /// The claims-encoded account (`i:0#.f|membership|adelev@contoso.com`).
    pub account_name: String,
    pub display_name: Option<String>,
    /// `PictureURL`: the medium thumbnail (`…_MThumb.jpg`), when there is a picture.
    pub picture_url: Option<String>,
    /// `SPS-PicturePlaceholderState`: 0 = a real picture, 1 = the placeholder silhouette.
    pub placeholder_state: Option<u8>,
    /// `SPS-PictureExchangeSyncState`: 0 = SharePoint's copy came from Exchange and is current,
    /// 1 = SharePoint should pull it again.
    pub exchange_sync_state: Option<u8>,
    /// `SPS-PictureTimestamp`: changes every time the picture is written.
    pub picture_timestamp: Option<String>,
}

impl SharePointProfile {
    /// True when SharePoint shows a real picture (not the placeholder silhouette).
    pub fn has_picture(&self) -> bool {
        self.placeholder_state == Some(0) && self.picture_url.is_some()
    }
}

/// Which call an error answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SharePointCall {
    GetMyProperties,
    /// Another user's properties (`GetPropertiesFor`, the admin audit).
    GetPropertiesFor,
    SetMyProfilePicture,
    Thumbnail,
    /// A file written to the `User Photos` library (the admin page's direct writes).
    UploadThumbnail,
    /// `SetSingleValueProfileProperty` for another user (the admin page's direct writes).
    SetProfileProperty,
}

/// What went wrong talking to SharePoint: the failures every API shares, with SharePoint's own
/// ([`SharePointProblem`]) in [`ServiceError::Specific`].
pub type SharePointError = ServiceError<SharePointCall>;

/// What only SharePoint says, each with what can be done about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SharePointProblem {
    /// SharePoint refused the image (`400 Parameter is not valid.`): it could not decode it.
    #[error("picture_rejected: {message}")]
    PhotoRejected { message: String },
    /// A URL SharePoint gave is not on the My Site host: no token is sent there.
    #[error("not_on_my_site_host: {url}")]
    ForeignUrl { url: String },
}

impl From<SharePointProblem> for SharePointError {
    fn from(problem: SharePointProblem) -> Self {
        ServiceError::Specific(problem)
    }
}

/// SharePoint's reading of its error answers: only the write's `400 Parameter is not valid.`
/// is its own (the picture was refused).
///
/// ```
/// use profile_photo_sync::service::ServiceError;
/// use profile_photo_sync::sharepoint::{response::classify, SharePointCall, SharePointProblem};
/// let body = br#"{"odata.error":{"code":"-2146232832, Microsoft.SharePoint.SPException","message":{"lang":"en-US","value":"Parameter is not valid."}}}"#;
/// assert!(matches!(
///     classify(SharePointCall::SetMyProfilePicture, 400, None, body),
///     ServiceError::Specific(SharePointProblem::PhotoRejected { .. })
/// ));
/// ```
impl Call for SharePointCall {
    const NAME: &'static str = "SharePoint";
    type Specific = SharePointProblem;

    /// `{"odata.error":{"code":"…","message":{"lang":"en-US","value":"…"}}}` (nometadata), or
    /// `{"error":{…}}` (verbose); the message may also be a plain string.
    fn error_detail(body: &[u8]) -> ErrorDetail {
        let value = json::parse(body).unwrap_or_default();
        let error = value
            .get("odata.error")
            .or_else(|| value.get("error"))
            .unwrap_or(&Value::Null);
        let message = match error.get("message") {
            Some(m @ Value::Object(_)) => json::text(m, "value"),
            _ => json::text(error, "message"),
        };
        ErrorDetail {
            code: json::text(error, "code"),
            message,
        }
    }

    fn specific(self, status: u16, detail: &ErrorDetail) -> Option<SharePointProblem> {
        (status == 400
            && self == SharePointCall::SetMyProfilePicture
            && detail.message.contains("Parameter is not valid"))
        .then(|| SharePointProblem::PhotoRejected {
            message: detail.message.clone(),
        })
    }

    /// SharePoint's message (`Access denied.`), its code when there is none.
    fn refusal(detail: ErrorDetail) -> String {
        if detail.message.is_empty() {
            detail.code
        } else {
            detail.message
        }
    }
}

/// The classification of SharePoint's error answers ([`crate::service`] with SharePoint's
/// cases).
pub use crate::service::{classify, classify_response};

/// Reads `GetMyProperties` (nometadata JSON; verbose JSON, wrapped in `d`, is accepted too).
pub fn parse_profile(body: &[u8]) -> Result<SharePointProfile, SharePointError> {
    json::object(body)
        .and_then(|value| read_profile(value.get("d").unwrap_or(&value)))
        .map_err(|e| SharePointError::Malformed {
            detail: format!("GetMyProperties: {e}"),
        })
}

fn read_profile(raw: &Value) -> Result<SharePointProfile, String> {
    // nometadata gives the properties as a plain array; verbose wraps it in `results`.
    let list = match raw.get("UserProfileProperties") {
        None | Some(Value::Null) => None,
        Some(Value::Object(verbose)) => verbose.get("results"),
        plain => plain,
    };
    let properties = match list {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| {
                Ok((
                    json::required_string(item, "Key")?,
                    json::string(item, "Value")?,
                ))
            })
            .collect::<Result<Vec<_>, String>>()?,
        Some(_) => return Err("`UserProfileProperties` is not a list".to_owned()),
    };
    let property = |key: &str| {
        properties
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .and_then(|(_, v)| non_empty(v.clone()))
    };
    let account_name = non_empty(json::string(raw, "AccountName")?)
        .or_else(|| property("AccountName"))
        .ok_or("no AccountName")?;
    let picture_url = property("PictureURL").or(non_empty(json::string(raw, "PictureUrl")?));
    let small_number = |key: &str| property(key).and_then(|v| v.trim().parse::<u8>().ok());
    Ok(SharePointProfile {
        account_name,
        display_name: non_empty(json::string(raw, "DisplayName")?),
        picture_url,
        placeholder_state: small_number("SPS-PicturePlaceholderState"),
        exchange_sync_state: small_number("SPS-PictureExchangeSyncState"),
        picture_timestamp: property("SPS-PictureTimestamp"),
    })
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::HttpError;

    const WITH_PICTURE: &str = r#"{
        "AccountName": "i:0#.f|membership|adelev@contoso.com",
        "DisplayName": "Adele Vance",
        "PictureUrl": "https://contoso-my.sharepoint.com/User Photos/Profile Pictures/adelev_contoso_com_MThumb.jpg",
        "UserProfileProperties": [
            {"Key": "UserProfile_GUID", "Value": "1", "ValueType": "Edm.String"},
            {"Key": "AccountName", "Value": "i:0#.f|membership|adelev@contoso.com", "ValueType": "Edm.String"},
            {"Key": "PictureURL", "Value": "https://contoso-my.sharepoint.com/User Photos/Profile Pictures/adelev_contoso_com_MThumb.jpg", "ValueType": "Edm.String"},
            {"Key": "SPS-PicturePlaceholderState", "Value": "0", "ValueType": "Edm.String"},
            {"Key": "SPS-PictureExchangeSyncState", "Value": "0", "ValueType": "Edm.String"},
            {"Key": "SPS-PictureTimestamp", "Value": "63870998400", "ValueType": "Edm.String"}
        ]
    }"#;

    fn error_body(message: &str) -> Vec<u8> {
        format!(r#"{{"odata.error":{{"code":"-2146232832, Microsoft.SharePoint.SPException","message":{{"lang":"en-US","value":"{message}"}}}}}}"#).into_bytes()
    }

    #[test]
    fn profile_with_a_picture() {
        let p = parse_profile(WITH_PICTURE.as_bytes()).unwrap();
        assert_eq!(p.account_name, "i:0#.f|membership|adelev@contoso.com");
        assert_eq!(p.display_name.as_deref(), Some("Adele Vance"));
        assert!(p
            .picture_url
            .as_deref()
            .unwrap()
            .ends_with("adelev_contoso_com_MThumb.jpg"));
        assert_eq!(p.placeholder_state, Some(0));
        assert_eq!(p.exchange_sync_state, Some(0));
        assert_eq!(p.picture_timestamp.as_deref(), Some("63870998400"));
        assert!(p.has_picture());
    }

    #[test]
    fn profile_with_the_placeholder() {
        let p = parse_profile(
            br#"{"AccountName":"i:0#.f|membership|a@c.com","PictureUrl":null,
                 "UserProfileProperties":[{"Key":"PictureURL","Value":""},
                 {"Key":"SPS-PicturePlaceholderState","Value":"1"},{"Key":"SPS-PictureTimestamp","Value":""}]}"#,
        )
        .unwrap();
        assert_eq!(p.picture_url, None);
        assert_eq!(p.placeholder_state, Some(1));
        assert_eq!(p.picture_timestamp, None);
        assert!(!p.has_picture());
    }

    #[test]
    fn top_level_picture_url_is_the_fallback() {
        let p = parse_profile(
            br#"{"AccountName":"a","PictureUrl":"https://c-my.sharepoint.com/x_MThumb.jpg","UserProfileProperties":[]}"#,
        )
        .unwrap();
        assert_eq!(
            p.picture_url.as_deref(),
            Some("https://c-my.sharepoint.com/x_MThumb.jpg")
        );
        assert_eq!(p.placeholder_state, None);
        assert!(
            !p.has_picture(),
            "no placeholder state: not known to be a real picture"
        );
    }

    #[test]
    fn verbose_json_is_read_too() {
        let p = parse_profile(
            br#"{"d":{"AccountName":"a","UserProfileProperties":{"results":[{"Key":"SPS-PicturePlaceholderState","Value":"0"},{"Key":"PictureURL","Value":"/x_MThumb.jpg"}]}}}"#,
        )
        .unwrap();
        assert!(p.has_picture());
    }

    #[test]
    fn xml_or_html_is_malformed() {
        let xml = br#"<?xml version="1.0" encoding="utf-8"?><entry xmlns="http://www.w3.org/2005/Atom"/>"#;
        assert!(matches!(
            parse_profile(xml),
            Err(SharePointError::Malformed { .. })
        ));
        assert!(matches!(
            parse_profile(b"{}"),
            Err(SharePointError::Malformed { .. })
        ));
    }

    #[test]
    fn invalid_parameter_on_write_means_the_photo_was_rejected() {
        assert_eq!(
            classify(
                SharePointCall::SetMyProfilePicture,
                400,
                None,
                &error_body("Parameter is not valid.")
            ),
            SharePointError::Specific(SharePointProblem::PhotoRejected {
                message: "Parameter is not valid.".into()
            })
        );
        // The same text elsewhere is not about the photo.
        assert!(matches!(
            classify(
                SharePointCall::GetMyProperties,
                400,
                None,
                &error_body("Parameter is not valid.")
            ),
            SharePointError::Service { status: 400, .. }
        ));
    }

    #[test]
    fn verbose_error_bodies_are_read() {
        let body = br#"{"error":{"code":"-1, System.ArgumentException","message":{"lang":"en-US","value":"Parameter is not valid."}}}"#;
        assert!(matches!(
            classify(SharePointCall::SetMyProfilePicture, 400, None, body),
            SharePointError::Specific(SharePointProblem::PhotoRejected { .. })
        ));
    }

    #[test]
    fn unauthorized_and_forbidden_are_distinct() {
        assert_eq!(
            classify(SharePointCall::GetMyProperties, 401, None, b""),
            SharePointError::Unauthorized
        );
        assert_eq!(
            classify(
                SharePointCall::SetMyProfilePicture,
                403,
                None,
                &error_body("Access denied.")
            ),
            SharePointError::Forbidden {
                detail: "Access denied.".into()
            }
        );
    }

    #[test]
    fn other_errors_are_permanent() {
        let e = classify(
            SharePointCall::GetMyProperties,
            500,
            None,
            &error_body("Unexpected."),
        );
        assert_eq!(
            e,
            SharePointError::Service {
                status: 500,
                code: "-2146232832, Microsoft.SharePoint.SPException".into(),
                message: "Unexpected.".into()
            }
        );
        assert!(!e.is_transient());
        assert!(
            !SharePointError::Specific(SharePointProblem::PhotoRejected {
                message: String::new()
            })
            .is_transient()
        );
        assert!(SharePointError::Http(HttpError::Timeout {
            origin: "o".into(),
            seconds: 30
        })
        .is_transient());
    }
}
