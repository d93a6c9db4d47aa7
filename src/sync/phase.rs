//! The self-service sync as a state machine the UI renders: [`SyncPhase`], the failures it can
//! end in ([`SyncFailure`], each one something the user can act on) and the mapping of every
//! lower-level error onto them. Pure.

use crate::auth::AuthError;
use crate::graph::{GraphCall, GraphProblem, MySiteError};
use crate::http::HttpError;
use crate::photo::{PhotoError, MAX_SOURCE_BYTES};
use crate::service::{Call, ServiceError};
use crate::sharepoint::permissions::{can_write_profile, missing_for_sync};
use crate::sharepoint::{SharePointCall, SharePointError, SharePointProblem, SharePointProfile};

use super::compare::{check_written, VerificationProblem};

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
///
/// The screen words each one in the page's language (`ui`); `Display` is the technical form
/// shown under "details for your IT department" and written to logs: a code, the service, and
/// the data (a service's own words verbatim), never a sentence of its own, so that no English
/// reaches a page in another language.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyncFailure {
    /// There is no photo in Outlook or Teams to copy.
    #[error("no_exchange_photo")]
    NoExchangePhoto,
    /// The account has no Exchange Online mailbox, so it has no photo to copy.
    #[error("no_mailbox")]
    NoMailbox,
    /// The photo in Exchange is not an image.
    #[error("not_an_image")]
    NotAnImage,
    /// The photo in Exchange is an image SharePoint does not take.
    #[error("unsupported_format: {format}")]
    UnsupportedFormat { format: &'static str },
    /// The photo in Exchange is over the 4.76 MB limit.
    #[error("too_large: {bytes} B")]
    TooLarge { bytes: usize },
    /// The photo in Exchange declares too many pixels to open safely.
    #[error("too_many_pixels: {width} × {height}")]
    TooManyPixels { width: u32, height: u32 },
    /// The browser could not read the photo in Exchange.
    #[error("image_unreadable")]
    ImageUnreadable,
    /// SharePoint refused the photo.
    #[error("photo_rejected")]
    PhotoRejected,
    /// A service is limiting requests.
    #[error("throttled: {}", service.name())]
    Throttled { service: Service },
    /// A service is not available right now.
    #[error("service_unavailable: {}", service.name())]
    ServiceUnavailable { service: Service },
    /// The user needs to sign in again.
    #[error("sign_in_needed")]
    SignInNeeded,
    /// No admin consent for permissions the page asked for; `scopes` as asked (empty when
    /// unknown).
    #[error("admin_consent_required")]
    AdminConsentRequired { scopes: Vec<String> },
    /// Sign-in failed; `detail` is the sign-in error's technical form.
    #[error("sign_in_failed: {detail}")]
    SignInFailed { detail: String },
    /// A service refused access; `detail` is its code or words.
    #[error("access_denied: {}: {detail}", service.name())]
    AccessDenied { service: Service, detail: String },
    /// SharePoint refused access, and its token lacks the permissions a sync needs (`missing`,
    /// by the names to grant); `granted` is what the token carries, `detail` SharePoint's
    /// words.
    #[error("profile_permission_missing: {}: {detail}", missing.join(", "))]
    ProfilePermissionMissing {
        missing: Vec<String>,
        granted: Vec<String>,
        detail: String,
    },
    /// A service could not be reached.
    #[error("network_error: {origin}")]
    Network { origin: String },
    /// The account has no OneDrive yet.
    #[error("no_my_site")]
    NoMySite,
    /// Graph named a My Site that is not a SharePoint address.
    #[error("untrusted_my_site: {value}")]
    UntrustedMySite { value: String },
    /// The photo was sent, but SharePoint does not show it.
    #[error("verification_failed: {problem}")]
    VerificationFailed { problem: VerificationProblem },
    /// A service answered something unexpected; `detail` is the technical form of the answer.
    #[error("unexpected_answer: {detail}")]
    Unexpected { service: Service, detail: String },
}

impl SyncFailure {
    /// A stable name per failure (`no-exchange-photo`, `network`…): the page's `data-reason`,
    /// the widget's events and the reason a help desk reads in a copied report.
    pub fn code(&self) -> &'static str {
        match self {
            SyncFailure::NoExchangePhoto => "no-exchange-photo",
            SyncFailure::NoMailbox => "no-mailbox",
            SyncFailure::NotAnImage => "not-an-image",
            SyncFailure::UnsupportedFormat { .. } => "unsupported-format",
            SyncFailure::TooLarge { .. } => "too-large",
            SyncFailure::TooManyPixels { .. } => "too-many-pixels",
            SyncFailure::ImageUnreadable => "image-unreadable",
            SyncFailure::PhotoRejected => "photo-rejected",
            SyncFailure::Throttled { .. } => "throttled",
            SyncFailure::ServiceUnavailable { .. } => "service-unavailable",
            SyncFailure::SignInNeeded => "sign-in-needed",
            SyncFailure::AdminConsentRequired { .. } => "admin-consent-required",
            SyncFailure::SignInFailed { .. } => "sign-in-failed",
            SyncFailure::AccessDenied { .. } => "access-denied",
            SyncFailure::ProfilePermissionMissing { .. } => "profile-permission-missing",
            SyncFailure::Network { .. } => "network",
            SyncFailure::NoMySite => "no-my-site",
            SyncFailure::UntrustedMySite { .. } => "untrusted-my-site",
            SyncFailure::VerificationFailed { .. } => "verification-failed",
            SyncFailure::Unexpected { .. } => "unexpected",
        }
    }

    /// True when signing in again is the way out (the session is refused or sign-in broke).
    pub fn needs_sign_in(&self) -> bool {
        matches!(
            self,
            SyncFailure::SignInNeeded | SyncFailure::SignInFailed { .. }
        )
    }

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

/// The phase a failed `SetMyProfilePicture` ends in, `granted` being what the token for the
/// write was granted (see [`sharepoint_failure`]). An answer that never arrived (network,
/// timeout) may have been written all the same, so it is not reported as "nothing changed".
pub fn write_failed(error: &SharePointError, granted: Option<Vec<String>>) -> SyncPhase {
    SyncPhase::Failed {
        reason: sharepoint_failure(error, granted),
        wrote_anything: matches!(error, ServiceError::Http(_)),
    }
}

/// A SharePoint error as the user reads it, knowing what the My Site host's token was
/// `granted` (permission names, `None` when unknown). A refusal while the token lacks the
/// profile permission is that permission's absence, named with what to grant; with the
/// permission there, a refusal is the tenant's (the *Picture* property locked, a policy).
///
/// ```
/// use profile_photo_sync::sharepoint::SharePointError;
/// use profile_photo_sync::sync::phase::sharepoint_failure;
/// use profile_photo_sync::sync::SyncFailure;
/// let refused = SharePointError::Forbidden { detail: "Access denied.".into() };
/// let failure = sharepoint_failure(&refused, Some(vec!["AllSites.Write".into()]));
/// assert!(matches!(failure, SyncFailure::ProfilePermissionMissing { .. }));
/// ```
pub fn sharepoint_failure(error: &SharePointError, granted: Option<Vec<String>>) -> SyncFailure {
    match (SyncFailure::from(error), granted) {
        (
            SyncFailure::AccessDenied {
                service: Service::SharePoint,
                detail,
            },
            Some(granted),
        ) if !can_write_profile(&granted) => SyncFailure::ProfilePermissionMissing {
            missing: missing_for_sync(&granted)
                .into_iter()
                .map(str::to_owned)
                .collect(),
            granted,
            detail,
        },
        (failure, _) => failure,
    }
}

/// A failed `SetMyProfilePicture` as the retry policy sees it. A write whose answer was lost
/// (the connection dropped, the time ran out) is never sent again blindly: SharePoint may have
/// stored the photo, so the profile is read back first ([`after_lost_write`]) and the photo is
/// sent again only when the profile shows it was not stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteFailure {
    /// What the write ended in.
    pub error: SharePointError,
    /// True when sending the same photo again may pass and cannot store it twice.
    pub may_send_again: bool,
}

impl WriteFailure {
    /// A write SharePoint answered (or that never left the page: no token): sent again when the
    /// answer is a passing one (busy, throttled).
    pub fn answered(error: SharePointError) -> WriteFailure {
        WriteFailure {
            may_send_again: error.is_transient() && !error.answer_lost(),
            error,
        }
    }
}

/// What a write whose answer was `lost` did, from the profile read back after it (`before` is
/// the profile before the write): `Ok` when it shows a new real picture ([`check_written`]),
/// so the write took and the sync goes on to verify it; otherwise the failure, which may be
/// sent again only when the read-back shows the photo is not there. When the profile could not
/// be read, nobody knows: it is not sent again.
///
/// ```
/// use profile_photo_sync::http::HttpError;
/// use profile_photo_sync::sharepoint::{SharePointError, SharePointProfile};
/// use profile_photo_sync::sync::phase::after_lost_write;
/// let lost = SharePointError::Http(HttpError::Timeout { origin: "o".into(), seconds: 30 });
/// let before = SharePointProfile { placeholder_state: Some(1), ..Default::default() };
/// let after = SharePointProfile {
///     placeholder_state: Some(0),
///     picture_url: Some("/a_MThumb.jpg".into()),
///     picture_timestamp: Some("63870998400".into()),
///     ..Default::default()
/// };
/// assert_eq!(after_lost_write(lost, &before, Ok(after)), Ok(()));
/// ```
pub fn after_lost_write(
    lost: SharePointError,
    before: &SharePointProfile,
    read_back: Result<SharePointProfile, SharePointError>,
) -> Result<(), WriteFailure> {
    match read_back {
        Ok(after) if check_written(before, &after).is_ok() => Ok(()),
        Ok(_) => Err(WriteFailure {
            error: lost,
            may_send_again: true,
        }),
        Err(_) => Err(WriteFailure {
            error: lost,
            may_send_again: false,
        }),
    }
}

fn busy(service: Service, status: u16) -> SyncFailure {
    if status == 429 {
        SyncFailure::Throttled { service }
    } else {
        SyncFailure::ServiceUnavailable { service }
    }
}

/// A service's own failures as the user reads them: implemented by each service's call.
pub trait ServiceFailures: Call {
    /// The service, for messages.
    const SERVICE: Service;
    /// What `specific` means to the user.
    fn failure(specific: &Self::Specific) -> SyncFailure;
}

impl ServiceFailures for GraphCall {
    const SERVICE: Service = Service::Graph;
    fn failure(specific: &GraphProblem) -> SyncFailure {
        match specific {
            GraphProblem::NoExchangePhoto => SyncFailure::NoExchangePhoto,
            GraphProblem::NoMailbox { .. } => SyncFailure::NoMailbox,
        }
    }
}

impl ServiceFailures for SharePointCall {
    const SERVICE: Service = Service::SharePoint;
    fn failure(specific: &SharePointProblem) -> SyncFailure {
        match specific {
            SharePointProblem::PhotoRejected { .. } => SyncFailure::PhotoRejected,
            SharePointProblem::ForeignUrl { .. } => SyncFailure::Unexpected {
                service: Service::SharePoint,
                detail: specific.to_string(),
            },
        }
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
            AuthError::AdminConsentRequired { scopes, .. } => SyncFailure::AdminConsentRequired {
                scopes: scopes.clone(),
            },
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

impl<C: ServiceFailures> From<&ServiceError<C>> for SyncFailure {
    fn from(e: &ServiceError<C>) -> Self {
        let service = C::SERVICE;
        match e {
            ServiceError::Specific(specific) => C::failure(specific),
            ServiceError::Unauthorized => SyncFailure::SignInNeeded,
            ServiceError::Forbidden { detail } => SyncFailure::AccessDenied {
                service,
                detail: detail.clone(),
            },
            ServiceError::Transient { status, .. } => busy(service, *status),
            ServiceError::Service { .. } | ServiceError::Malformed { .. } => {
                SyncFailure::Unexpected {
                    service,
                    detail: e.to_string(),
                }
            }
            ServiceError::Auth(a) => a.into(),
            ServiceError::Http(
                HttpError::Network { origin, .. } | HttpError::Timeout { origin, .. },
            ) => SyncFailure::Network {
                origin: origin.clone(),
            },
            // Only the photo may be as long as the photo limit: a longer one is the photo's size.
            ServiceError::Http(HttpError::TooLarge { limit_bytes, .. })
                if *limit_bytes == MAX_SOURCE_BYTES =>
            {
                SyncFailure::TooLarge {
                    bytes: limit_bytes.saturating_add(1),
                }
            }
            ServiceError::Http(h @ HttpError::TooLarge { .. }) => SyncFailure::Unexpected {
                service,
                detail: h.to_string(),
            },
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
    use crate::graph::GraphError;
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
            SyncFailure::from(&GraphError::from(GraphProblem::NoExchangePhoto)),
            SyncFailure::NoExchangePhoto
        );
        assert_eq!(
            SyncFailure::from(&GraphError::from(GraphProblem::NoMailbox {
                code: "MailboxNotEnabledForRESTAPI".into()
            })),
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
                code: "AADSTS65001".into(),
                scopes: vec!["User.Read".into()]
            })),
            SyncFailure::AdminConsentRequired {
                scopes: vec!["User.Read".into()]
            }
        );
        assert_eq!(
            SyncFailure::from(&GraphError::Auth(AuthError::InteractionRequired)),
            SyncFailure::SignInNeeded
        );
    }

    #[test]
    fn sharepoint_errors_become_user_actionable_failures() {
        assert_eq!(
            SyncFailure::from(&SharePointError::from(SharePointProblem::PhotoRejected {
                message: "Parameter is not valid.".into()
            })),
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
                detail: "Access denied.".into()
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
    fn a_sharepoint_refusal_without_the_profile_permission_names_it() {
        let refused = SharePointError::Forbidden {
            detail: "Access denied. You do not have permission to perform this action or access this resource.".into(),
        };
        let granted = vec!["AllSites.Read".to_owned(), "AllSites.Write".to_owned()];
        assert_eq!(
            sharepoint_failure(&refused, Some(granted.clone())),
            SyncFailure::ProfilePermissionMissing {
                missing: vec!["User.ReadWrite.All".into()],
                granted: granted.clone(),
                detail: "Access denied. You do not have permission to perform this action or access this resource.".into()
            }
        );
        assert_eq!(
            write_failed(&refused, Some(vec!["User.Read.All".into()])),
            SyncPhase::Failed {
                reason: SyncFailure::ProfilePermissionMissing {
                    missing: vec!["User.ReadWrite.All".into(), "AllSites.Read".into()],
                    granted: vec!["User.Read.All".into()],
                    detail: "Access denied. You do not have permission to perform this action or access this resource.".into()
                },
                wrote_anything: false
            }
        );
    }

    #[test]
    fn a_sharepoint_refusal_with_the_profile_permission_is_the_tenants() {
        let refused = SharePointError::Forbidden {
            detail: "Access denied.".into(),
        };
        let denied = SyncFailure::AccessDenied {
            service: Service::SharePoint,
            detail: "Access denied.".into(),
        };
        // The Picture property locked: the permission is there, SharePoint still says no.
        let granted = vec!["User.ReadWrite.All".to_owned()];
        assert_eq!(sharepoint_failure(&refused, Some(granted)), denied);
        // Unknown scopes: no guess.
        assert_eq!(sharepoint_failure(&refused, None), denied);
        // Only refusals are read this way.
        assert_eq!(
            sharepoint_failure(
                &SharePointError::Transient {
                    status: 429,
                    retry_after: None
                },
                Some(vec![])
            ),
            SyncFailure::Throttled {
                service: Service::SharePoint
            }
        );
    }

    #[test]
    fn a_refused_write_changed_nothing_but_a_lost_answer_may_have() {
        assert_eq!(
            write_failed(
                &SharePointError::Transient {
                    status: 503,
                    retry_after: None
                },
                None
            ),
            SyncPhase::Failed {
                reason: SyncFailure::ServiceUnavailable {
                    service: Service::SharePoint
                },
                wrote_anything: false
            }
        );
        assert_eq!(
            write_failed(
                &SharePointError::from(SharePointProblem::PhotoRejected {
                    message: String::new()
                }),
                None
            ),
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
            write_failed(&lost, None),
            SyncPhase::Failed {
                wrote_anything: true,
                ..
            }
        ));
    }

    fn profile(placeholder: Option<u8>, timestamp: Option<&str>) -> SharePointProfile {
        SharePointProfile {
            account_name: "i:0#.f|membership|adele@contoso.com".into(),
            picture_url: placeholder
                .filter(|p| *p == 0)
                .map(|_| "/User Photos/Profile Pictures/adele_MThumb.jpg".into()),
            placeholder_state: placeholder,
            picture_timestamp: timestamp.map(Into::into),
            ..Default::default()
        }
    }

    fn dropped() -> SharePointError {
        SharePointError::Http(HttpError::Network {
            origin: "http://contoso-my.localhost".into(),
            detail: "connection closed".into(),
        })
    }

    #[test]
    fn a_lost_write_that_the_profile_shows_is_done_not_sent_again() {
        let before = profile(Some(1), None);
        let stored = profile(Some(0), Some("63870998400"));
        assert_eq!(after_lost_write(dropped(), &before, Ok(stored)), Ok(()));
        // A new picture over an old one: its timestamp moved.
        let before = profile(Some(0), Some("1"));
        assert_eq!(
            after_lost_write(dropped(), &before, Ok(profile(Some(0), Some("2")))),
            Ok(())
        );
    }

    #[test]
    fn a_lost_write_that_the_profile_does_not_show_may_be_sent_again() {
        let before = profile(Some(0), Some("1"));
        for after in [profile(Some(0), Some("1")), profile(Some(1), None)] {
            assert_eq!(
                after_lost_write(dropped(), &before, Ok(after)),
                Err(WriteFailure {
                    error: dropped(),
                    may_send_again: true
                })
            );
        }
    }

    #[test]
    fn a_lost_write_that_cannot_be_read_back_is_not_sent_again_and_may_have_written() {
        let before = profile(Some(1), None);
        let unreadable = SharePointError::Transient {
            status: 503,
            retry_after: None,
        };
        let failure = after_lost_write(dropped(), &before, Err(unreadable)).unwrap_err();
        assert_eq!(
            failure,
            WriteFailure {
                error: dropped(),
                may_send_again: false
            }
        );
        assert_eq!(
            write_failed(&failure.error, None),
            SyncPhase::Failed {
                reason: SyncFailure::Network {
                    origin: "http://contoso-my.localhost".into()
                },
                wrote_anything: true
            },
            "the user is told the answer was lost, not that nothing changed"
        );
    }

    #[test]
    fn only_answers_that_stored_nothing_send_a_write_again() {
        let busy = SharePointError::Transient {
            status: 503,
            retry_after: Some("2".into()),
        };
        assert!(WriteFailure::answered(busy).may_send_again);
        assert!(!WriteFailure::answered(dropped()).may_send_again);
        assert!(
            !WriteFailure::answered(SharePointError::Http(HttpError::Timeout {
                origin: "o".into(),
                seconds: 30
            }))
            .may_send_again
        );
        assert!(
            !WriteFailure::answered(SharePointError::from(SharePointProblem::PhotoRejected {
                message: String::new()
            }))
            .may_send_again
        );
        assert!(!WriteFailure::answered(SharePointError::Unauthorized).may_send_again);
    }

    #[test]
    fn a_foreign_picture_address_is_unexpected_from_sharepoint() {
        let foreign = SharePointError::from(SharePointProblem::ForeignUrl {
            url: "https://evil.example/a.jpg".into(),
        });
        assert_eq!(
            SyncFailure::from(&foreign),
            SyncFailure::Unexpected {
                service: Service::SharePoint,
                detail: "not_on_my_site_host: https://evil.example/a.jpg".into()
            }
        );
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
