//! The self-service sync as a state machine the UI renders: [`SyncPhase`], the failures it can
//! end in ([`SyncFailure`], each one something the user can act on) and the mapping of every
//! lower-level error onto them. Pure.

use crate::auth::AuthError;
use crate::graph::{GraphError, MySiteError};
use crate::http::HttpError;
use crate::photo::{PhotoError, MAX_SOURCE_BYTES};
use crate::sharepoint::SharePointError;

use super::compare::VerificationProblem;

/// The Exchange photo as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoSummary {
    /// A `blob:` URL of the square JPEG that would be written.
    pub image_url: Option<String>,
    /// Pixel size of the Exchange original.
    pub source_width: u32,
    pub source_height: u32,
    /// Its format's name (`JPEG`, `PNG`…).
    pub source_format: &'static str,
    /// Edge of the square that would be written.
    pub edge: u32,
    /// Size of the JPEG that would be written, in bytes.
    pub jpeg_bytes: usize,
}

/// SharePoint's current picture as the page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SharePointSummary {
    /// A `blob:` URL of SharePoint's large thumbnail, when it has a real picture.
    pub image_url: Option<String>,
    /// False when SharePoint shows the placeholder silhouette.
    pub has_picture: bool,
    pub picture_timestamp: Option<String>,
}

/// Where the sync is. The UI renders this and nothing else.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum SyncPhase {
    /// Nothing has started.
    #[default]
    Idle,
    /// Reading the Exchange photo, the user and SharePoint's profile (concurrently).
    Reading,
    /// Both pictures are known.
    Compared {
        exchange: PhotoSummary,
        sharepoint: SharePointSummary,
        in_sync: bool,
    },
    /// Sending the photo to SharePoint.
    Writing,
    /// Reading SharePoint back to prove the write took effect.
    Verifying,
    /// SharePoint shows the Exchange photo; `new_thumbnail` is a `blob:` URL of its new large
    /// thumbnail.
    Done {
        elapsed_ms: u32,
        new_thumbnail: Option<String>,
    },
    /// Already in sync and not forced: nothing was written.
    NothingToDo,
    /// Stopped. `wrote_anything` says whether SharePoint may have been changed.
    Failed {
        reason: SyncFailure,
        wrote_anything: bool,
    },
}

impl SyncPhase {
    /// True while requests are in flight: the UI disables its buttons.
    pub fn is_busy(&self) -> bool {
        matches!(
            self,
            SyncPhase::Reading | SyncPhase::Writing | SyncPhase::Verifying
        )
    }

    /// True for the phases a run ends in.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            SyncPhase::Done { .. } | SyncPhase::NothingToDo | SyncPhase::Failed { .. }
        )
    }

    /// A stable name for tests and `data-phase` attributes.
    pub fn name(&self) -> &'static str {
        match self {
            SyncPhase::Idle => "idle",
            SyncPhase::Reading => "reading",
            SyncPhase::Compared { .. } => "compared",
            SyncPhase::Writing => "writing",
            SyncPhase::Verifying => "verifying",
            SyncPhase::Done { .. } => "done",
            SyncPhase::NothingToDo => "nothing-to-do",
            SyncPhase::Failed { .. } => "failed",
        }
    }
}

/// Which service a failure came from, for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    SignIn,
    Graph,
    SharePoint,
}

impl Service {
    /// The service's own name (not translated).
    pub fn name(self) -> &'static str {
        match self {
            Service::SignIn => "Microsoft Entra ID",
            Service::Graph => "Microsoft Graph",
            Service::SharePoint => "SharePoint",
        }
    }
}

/// Why a sync stopped, each a thing the user (or their admin) can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyncFailure {
    #[error("there is no photo in Outlook or Teams to copy")]
    NoExchangePhoto,
    #[error("this account has no Exchange Online mailbox, so it has no photo to copy")]
    NoMailbox,
    #[error("the photo in Exchange is not an image")]
    NotAnImage,
    #[error("the photo in Exchange is a {format} image, which SharePoint does not take")]
    UnsupportedFormat { format: &'static str },
    #[error("the photo in Exchange is {bytes} bytes, over the 4.76 MB limit")]
    TooLarge { bytes: usize },
    #[error("the photo in Exchange declares {width} × {height} pixels, too many to open safely")]
    TooManyPixels { width: u32, height: u32 },
    #[error("the photo in Exchange could not be read by the browser")]
    ImageUnreadable,
    #[error("SharePoint refused the photo")]
    PhotoRejected,
    #[error("{} is limiting requests", service.name())]
    Throttled { service: Service },
    #[error("{} is not available right now", service.name())]
    ServiceUnavailable { service: Service },
    #[error("you need to sign in again")]
    SignInNeeded,
    #[error("an administrator must approve this app first")]
    AdminConsentRequired,
    #[error("sign-in failed: {detail}")]
    SignInFailed { detail: String },
    #[error("{} refused access: {detail}", service.name())]
    AccessDenied { service: Service, detail: String },
    #[error("{origin} could not be reached")]
    Network { origin: String },
    #[error("this account has no OneDrive yet")]
    NoMySite,
    #[error("{value} is not a SharePoint address")]
    UntrustedMySite { value: String },
    #[error("the photo was sent, but SharePoint does not show it: {problem}")]
    VerificationFailed { problem: VerificationProblem },
    #[error("{} answered something unexpected: {detail}", service.name())]
    Unexpected { service: Service, detail: String },
}

impl SyncFailure {
    /// True when trying again later may work as it is (busy services, network).
    pub fn is_worth_retrying(&self) -> bool {
        matches!(
            self,
            SyncFailure::Throttled { .. }
                | SyncFailure::ServiceUnavailable { .. }
                | SyncFailure::Network { .. }
                | SyncFailure::VerificationFailed { .. }
        )
    }
}

/// The phase a failed `SetMyProfilePicture` ends in. An answer that never arrived (network,
/// timeout) may have been written all the same, so it is not reported as "nothing changed".
pub fn write_failed(error: &SharePointError) -> SyncPhase {
    SyncPhase::Failed {
        reason: error.into(),
        wrote_anything: matches!(error, SharePointError::Http(_)),
    }
}

fn busy(service: Service, status: u16) -> SyncFailure {
    if status == 429 {
        SyncFailure::Throttled { service }
    } else {
        SyncFailure::ServiceUnavailable { service }
    }
}

/// A request to `service` that got no usable answer.
fn http_failure(service: Service, e: &HttpError) -> SyncFailure {
    match e {
        HttpError::Network { origin, .. } | HttpError::Timeout { origin, .. } => {
            SyncFailure::Network {
                origin: origin.clone(),
            }
        }
        // Only the photo may be as long as the photo limit: a longer one is the photo's size.
        HttpError::TooLarge { limit_bytes, .. } if *limit_bytes == MAX_SOURCE_BYTES => {
            SyncFailure::TooLarge {
                bytes: limit_bytes.saturating_add(1),
            }
        }
        HttpError::TooLarge { .. } => SyncFailure::Unexpected {
            service,
            detail: e.to_string(),
        },
    }
}

impl From<&AuthError> for SyncFailure {
    fn from(e: &AuthError) -> Self {
        match e {
            AuthError::Cancelled
            | AuthError::InteractionRequired
            | AuthError::StateMismatch
            | AuthError::NonceMismatch
            | AuthError::InvalidGrant { .. } => SyncFailure::SignInNeeded,
            AuthError::AdminConsentRequired { .. } => SyncFailure::AdminConsentRequired,
            AuthError::Network { .. } => SyncFailure::Network {
                origin: Service::SignIn.name().to_owned(),
            },
            AuthError::Busy { status } => busy(Service::SignIn, *status),
            other => SyncFailure::SignInFailed {
                detail: other.to_string(),
            },
        }
    }
}

impl From<&GraphError> for SyncFailure {
    fn from(e: &GraphError) -> Self {
        let service = Service::Graph;
        match e {
            GraphError::NoExchangePhoto => SyncFailure::NoExchangePhoto,
            GraphError::NoMailbox { .. } => SyncFailure::NoMailbox,
            GraphError::Unauthorized => SyncFailure::SignInNeeded,
            GraphError::Forbidden { code } => SyncFailure::AccessDenied {
                service,
                detail: code.clone(),
            },
            GraphError::Transient { status, .. } => busy(service, *status),
            GraphError::Service { .. } | GraphError::Malformed { .. } => SyncFailure::Unexpected {
                service,
                detail: e.to_string(),
            },
            GraphError::Auth(a) => a.into(),
            GraphError::Http(h) => http_failure(service, h),
        }
    }
}

impl From<&SharePointError> for SyncFailure {
    fn from(e: &SharePointError) -> Self {
        let service = Service::SharePoint;
        match e {
            SharePointError::PhotoRejected { .. } => SyncFailure::PhotoRejected,
            SharePointError::Unauthorized => SyncFailure::SignInNeeded,
            SharePointError::Forbidden { message } => SyncFailure::AccessDenied {
                service,
                detail: message.clone(),
            },
            SharePointError::Transient { status, .. } => busy(service, *status),
            SharePointError::Service { .. }
            | SharePointError::Malformed { .. }
            | SharePointError::ForeignUrl { .. } => SyncFailure::Unexpected {
                service,
                detail: e.to_string(),
            },
            SharePointError::Auth(a) => a.into(),
            SharePointError::Http(h) => http_failure(service, h),
        }
    }
}

impl From<&PhotoError> for SyncFailure {
    fn from(e: &PhotoError) -> Self {
        match e {
            PhotoError::NotAnImage => SyncFailure::NotAnImage,
            PhotoError::UnsupportedFormat { format } => SyncFailure::UnsupportedFormat {
                format: format.name(),
            },
            PhotoError::TooLarge { bytes } => SyncFailure::TooLarge { bytes: *bytes },
            PhotoError::TooManyPixels { width, height } => SyncFailure::TooManyPixels {
                width: *width,
                height: *height,
            },
            PhotoError::DecodeFailed | PhotoError::EncodeFailed => SyncFailure::ImageUnreadable,
        }
    }
}

impl From<&MySiteError> for SyncFailure {
    fn from(e: &MySiteError) -> Self {
        match e {
            MySiteError::Unknown => SyncFailure::NoMySite,
            MySiteError::Untrusted { value } => SyncFailure::UntrustedMySite {
                value: value.clone(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::photo::ImageFormat;

    #[test]
    fn a_photo_over_its_limit_while_read_is_too_large_and_other_long_answers_are_unexpected() {
        let photo = GraphError::Http(HttpError::TooLarge {
            origin: "http://graph.localhost".into(),
            limit_bytes: MAX_SOURCE_BYTES,
        });
        assert_eq!(
            SyncFailure::from(&photo),
            SyncFailure::TooLarge {
                bytes: MAX_SOURCE_BYTES + 1
            }
        );
        assert!(!photo.is_transient(), "a too long answer is not retried");
        let json = SharePointError::Http(HttpError::TooLarge {
            origin: "http://contoso-my.localhost".into(),
            limit_bytes: crate::http::MAX_JSON_BYTES,
        });
        assert!(matches!(
            SyncFailure::from(&json),
            SyncFailure::Unexpected {
                service: Service::SharePoint,
                ..
            }
        ));
    }

    #[test]
    fn busy_and_final_phases() {
        assert!(
            SyncPhase::Reading.is_busy()
                && SyncPhase::Writing.is_busy()
                && SyncPhase::Verifying.is_busy()
        );
        assert!(!SyncPhase::Idle.is_busy() && !SyncPhase::NothingToDo.is_busy());
        assert!(SyncPhase::NothingToDo.is_final());
        assert!(SyncPhase::Done {
            elapsed_ms: 1,
            new_thumbnail: None
        }
        .is_final());
        let failed = SyncPhase::Failed {
            reason: SyncFailure::NoMailbox,
            wrote_anything: false,
        };
        assert!(failed.is_final() && !failed.is_busy());
        assert_eq!(failed.name(), "failed");
        assert!(!SyncPhase::Verifying.is_final());
    }

    #[test]
    fn graph_errors_become_user_actionable_failures() {
        assert_eq!(
            SyncFailure::from(&GraphError::NoExchangePhoto),
            SyncFailure::NoExchangePhoto
        );
        assert_eq!(
            SyncFailure::from(&GraphError::NoMailbox {
                code: "MailboxNotEnabledForRESTAPI".into()
            }),
            SyncFailure::NoMailbox
        );
        assert_eq!(
            SyncFailure::from(&GraphError::Unauthorized),
            SyncFailure::SignInNeeded
        );
        assert_eq!(
            SyncFailure::from(&GraphError::Transient {
                status: 429,
                retry_after: None
            }),
            SyncFailure::Throttled {
                service: Service::Graph
            }
        );
        assert_eq!(
            SyncFailure::from(&GraphError::Transient {
                status: 504,
                retry_after: None
            }),
            SyncFailure::ServiceUnavailable {
                service: Service::Graph
            }
        );
        assert_eq!(
            SyncFailure::from(&GraphError::Http(HttpError::Timeout {
                origin: "https://graph.microsoft.com".into(),
                seconds: 30
            })),
            SyncFailure::Network {
                origin: "https://graph.microsoft.com".into()
            }
        );
        assert_eq!(
            SyncFailure::from(&GraphError::Auth(AuthError::AdminConsentRequired {
                code: "AADSTS65001".into()
            })),
            SyncFailure::AdminConsentRequired
        );
        assert_eq!(
            SyncFailure::from(&GraphError::Auth(AuthError::InteractionRequired)),
            SyncFailure::SignInNeeded
        );
    }

    #[test]
    fn sharepoint_errors_become_user_actionable_failures() {
        assert_eq!(
            SyncFailure::from(&SharePointError::PhotoRejected {
                message: "Parameter is not valid.".into()
            }),
            SyncFailure::PhotoRejected
        );
        assert_eq!(
            SyncFailure::from(&SharePointError::Transient {
                status: 503,
                retry_after: Some("2".into())
            }),
            SyncFailure::ServiceUnavailable {
                service: Service::SharePoint
            }
        );
        assert_eq!(
            SyncFailure::from(&SharePointError::Forbidden {
                message: "Access denied.".into()
            }),
            SyncFailure::AccessDenied {
                service: Service::SharePoint,
                detail: "Access denied.".into()
            }
        );
        assert!(matches!(
            SyncFailure::from(&SharePointError::Service {
                status: 500,
                code: "c".into(),
                message: "m".into()
            }),
            SyncFailure::Unexpected {
                service: Service::SharePoint,
                ..
            }
        ));
    }

    #[test]
    fn photo_and_my_site_errors() {
        assert_eq!(
            SyncFailure::from(&PhotoError::NotAnImage),
            SyncFailure::NotAnImage
        );
        assert_eq!(
            SyncFailure::from(&PhotoError::UnsupportedFormat {
                format: ImageFormat::WebP
            }),
            SyncFailure::UnsupportedFormat { format: "WebP" }
        );
        assert_eq!(
            SyncFailure::from(&PhotoError::TooLarge { bytes: 5 }),
            SyncFailure::TooLarge { bytes: 5 }
        );
        assert_eq!(
            SyncFailure::from(&PhotoError::DecodeFailed),
            SyncFailure::ImageUnreadable
        );
        assert_eq!(
            SyncFailure::from(&MySiteError::Unknown),
            SyncFailure::NoMySite
        );
        assert!(matches!(
            SyncFailure::from(&MySiteError::Untrusted {
                value: "https://evil.example".into()
            }),
            SyncFailure::UntrustedMySite { .. }
        ));
    }

    #[test]
    fn a_refused_write_changed_nothing_but_a_lost_answer_may_have() {
        assert_eq!(
            write_failed(&SharePointError::Transient {
                status: 503,
                retry_after: None
            }),
            SyncPhase::Failed {
                reason: SyncFailure::ServiceUnavailable {
                    service: Service::SharePoint
                },
                wrote_anything: false
            }
        );
        assert_eq!(
            write_failed(&SharePointError::PhotoRejected {
                message: String::new()
            }),
            SyncPhase::Failed {
                reason: SyncFailure::PhotoRejected,
                wrote_anything: false
            }
        );
        let lost = SharePointError::Http(HttpError::Timeout {
            origin: "o".into(),
            seconds: 30,
        });
        assert!(matches!(
            write_failed(&lost),
            SyncPhase::Failed {
                wrote_anything: true,
                ..
            }
        ));
    }

    #[test]
    fn only_passing_troubles_are_worth_retrying() {
        assert!(SyncFailure::Throttled {
            service: Service::Graph
        }
        .is_worth_retrying());
        assert!(SyncFailure::Network { origin: "o".into() }.is_worth_retrying());
        assert!(!SyncFailure::NoExchangePhoto.is_worth_retrying());
        assert!(!SyncFailure::PhotoRejected.is_worth_retrying());
    }
}
