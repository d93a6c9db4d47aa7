//! Per user, the facts the audit reads from each service and the status they give. Pure.
//!
//! A status is never a guess: each comes from what the services answered. Exchange (through
//! Graph) says whether there is a photo (`GET /users/{id}/photo`: 404 `ImageNotFound`, or a
//! 1 × 1 placeholder, means none; `MailboxNotEnabledForRESTAPI` and its kin mean no mailbox)
//! and gives the 48 × 48 photo for a fingerprint. SharePoint
//! (`PeopleManager/GetPropertiesFor`) says whether the profile shows the placeholder and where
//! the picture is; its small thumbnail gives the other fingerprint. Fingerprints compare as in
//! the self-service sync ([`crate::sync::compare::same_picture`]).

use crate::sync::compare::same_picture;

/// The service a fact or a failure comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    Graph,
    SharePoint,
}

impl Service {
    pub fn name(self) -> &'static str {
        match self {
            Service::Graph => "graph",
            Service::SharePoint => "sharepoint",
        }
    }
}

/// Why a user could not be read, after the retries the pace allows.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Reason {
    /// 401/403: the signed-in admin's token lacks a permission for this call.
    Denied(Service),
    /// Still throttled (429/503) after every retry.
    Throttled(Service),
    /// The service answered 5xx (other than 503 with Retry-After) every time.
    ServiceError(Service, u16),
    /// The network failed or the answer never came.
    Network(Service),
    /// The answer could not be read (not the JSON or image it should be).
    Malformed(Service),
    /// SharePoint has no profile for the account.
    NoProfile,
    /// SharePoint names a picture whose thumbnail cannot be read.
    ThumbnailUnreadable,
    /// SharePoint keeps the picture on another host (another geo of a multi-geo tenant), which
    /// the page has no token for.
    OtherHost,
    /// The account is not in the directory (a pasted list).
    NotInDirectory,
}

impl Reason {
    /// The reason a [`Reason::code`] names (a stored audit read back).
    pub fn from_code(code: &str) -> Option<Reason> {
        let fixed = [
            Reason::NoProfile,
            Reason::ThumbnailUnreadable,
            Reason::OtherHost,
            Reason::NotInDirectory,
        ];
        if let Some(reason) = fixed.into_iter().find(|r| r.code() == code) {
            return Some(reason);
        }
        let (service, rest) = code.split_once('-')?;
        let service = [Service::Graph, Service::SharePoint]
            .into_iter()
            .find(|s| s.name() == service)?;
        Some(match rest {
            "denied" => Reason::Denied(service),
            "throttled" => Reason::Throttled(service),
            "network" => Reason::Network(service),
            "malformed" => Reason::Malformed(service),
            status => Reason::ServiceError(service, status.parse().ok()?),
        })
    }

    /// A stable code for the export and the help desk (`graph-denied`, `sharepoint-503`, …).
    pub fn code(&self) -> String {
        match self {
            Reason::Denied(s) => format!("{}-denied", s.name()),
            Reason::Throttled(s) => format!("{}-throttled", s.name()),
            Reason::ServiceError(s, status) => format!("{}-{status}", s.name()),
            Reason::Network(s) => format!("{}-network", s.name()),
            Reason::Malformed(s) => format!("{}-malformed", s.name()),
            Reason::NoProfile => "sharepoint-no-profile".into(),
            Reason::ThumbnailUnreadable => "sharepoint-thumbnail-unreadable".into(),
            Reason::OtherHost => "sharepoint-other-host".into(),
            Reason::NotInDirectory => "graph-not-in-directory".into(),
        }
    }
}

/// What Exchange (through Graph) says of one user's photo.
#[derive(Debug, Clone, PartialEq)]
pub enum ExchangeFacts {
    /// A photo, and the fingerprint of its 48 × 48 size.
    Photo {
        fingerprint: Vec<u8>,
    },
    /// No photo (404, or a 1 × 1 placeholder).
    NoPhoto,
    /// No Exchange Online mailbox (unlicensed, or on premises): Graph cannot tell.
    NoMailbox,
    Unreadable(Reason),
}

/// What SharePoint's profile says of one user's picture.
#[derive(Debug, Clone, PartialEq)]
pub enum SharePointFacts {
    /// The profile shows the placeholder (`PictureURL` empty, or
    /// `SPS-PicturePlaceholderState` not 0).
    Placeholder,
    /// The profile shows a picture; `fingerprint` is its small thumbnail's, `None` when the
    /// thumbnail could not be read.
    Picture {
        fingerprint: Option<Vec<u8>>,
    },
    Unreadable(Reason),
}

/// Where one user stands. Every user in scope ends with one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Status {
    /// SharePoint shows the Exchange photo.
    InSync,
    /// SharePoint shows the placeholder though Exchange has a photo.
    Placeholder,
    /// SharePoint shows a different (older) photo than Exchange.
    Older,
    /// Exchange has no photo: nothing to bring over.
    NoExchangePhoto,
    /// No Exchange Online mailbox: no photo can come from Exchange.
    NoMailbox,
    /// Could not be read, with the reason.
    Unreadable(Reason),
}

impl Status {
    /// The statuses in the order the page lists and charts them (one per kind; the unreadable
    /// one stands for every reason).
    pub const KINDS: [StatusKind; 6] = [
        StatusKind::InSync,
        StatusKind::Placeholder,
        StatusKind::Older,
        StatusKind::NoExchangePhoto,
        StatusKind::NoMailbox,
        StatusKind::Unreadable,
    ];

    pub fn kind(&self) -> StatusKind {
        match self {
            Status::InSync => StatusKind::InSync,
            Status::Placeholder => StatusKind::Placeholder,
            Status::Older => StatusKind::Older,
            Status::NoExchangePhoto => StatusKind::NoExchangePhoto,
            Status::NoMailbox => StatusKind::NoMailbox,
            Status::Unreadable(_) => StatusKind::Unreadable,
        }
    }

    /// True when the user's own sync would fix SharePoint (the out-of-sync statuses).
    pub fn needs_sync(&self) -> bool {
        matches!(self, Status::Placeholder | Status::Older)
    }

    pub fn reason(&self) -> Option<&Reason> {
        match self {
            Status::Unreadable(reason) => Some(reason),
            _ => None,
        }
    }
}

/// A status without its reason: what the page counts, filters and charts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StatusKind {
    InSync,
    Placeholder,
    Older,
    NoExchangePhoto,
    NoMailbox,
    Unreadable,
}

impl StatusKind {
    /// A stable name (export, filters, `data-` attributes, stored progress).
    pub fn name(self) -> &'static str {
        match self {
            StatusKind::InSync => "in-sync",
            StatusKind::Placeholder => "placeholder",
            StatusKind::Older => "older",
            StatusKind::NoExchangePhoto => "no-photo",
            StatusKind::NoMailbox => "no-mailbox",
            StatusKind::Unreadable => "unreadable",
        }
    }

    pub fn from_name(name: &str) -> Option<StatusKind> {
        Status::KINDS.into_iter().find(|k| k.name() == name)
    }
}

/// The status the two services' facts give.
///
/// Exchange decides first: without a mailbox or a photo there is nothing SharePoint could be
/// behind on, whatever it shows. Otherwise SharePoint's picture is compared with the photo.
pub fn classify(exchange: &ExchangeFacts, sharepoint: &SharePointFacts) -> Status {
    let exchange_fingerprint = match exchange {
        ExchangeFacts::Unreadable(reason) => return Status::Unreadable(reason.clone()),
        ExchangeFacts::NoMailbox => return Status::NoMailbox,
        ExchangeFacts::NoPhoto => return Status::NoExchangePhoto,
        ExchangeFacts::Photo { fingerprint } => fingerprint,
    };
    match sharepoint {
        SharePointFacts::Unreadable(reason) => Status::Unreadable(reason.clone()),
        SharePointFacts::Placeholder => Status::Placeholder,
        SharePointFacts::Picture { fingerprint: None } => {
            Status::Unreadable(Reason::ThumbnailUnreadable)
        }
        SharePointFacts::Picture {
            fingerprint: Some(sharepoint),
        } => {
            if same_picture(exchange_fingerprint, sharepoint) {
                Status::InSync
            } else {
                Status::Older
            }
        }
    }
}

/// True when Exchange need not be asked for the photo's bytes: its answer cannot change the
/// status (SharePoint could not be read, or shows the placeholder — the metadata alone tells
/// whether there is a photo).
pub fn exchange_bytes_needed(sharepoint: &SharePointFacts) -> bool {
    matches!(
        sharepoint,
        SharePointFacts::Picture {
            fingerprint: Some(_)
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(r: u8, g: u8, b: u8) -> Vec<u8> {
        [r, g, b, 255].repeat(16 * 16)
    }

    fn photo(fp: Vec<u8>) -> ExchangeFacts {
        ExchangeFacts::Photo { fingerprint: fp }
    }

    fn picture(fp: Vec<u8>) -> SharePointFacts {
        SharePointFacts::Picture {
            fingerprint: Some(fp),
        }
    }

    #[test]
    fn the_same_picture_is_in_sync_a_different_one_is_older() {
        let blue = square(20, 40, 200);
        let near_blue = square(24, 36, 204);
        let red = square(200, 30, 30);
        assert_eq!(
            classify(&photo(blue.clone()), &picture(near_blue)),
            Status::InSync
        );
        assert_eq!(classify(&photo(blue), &picture(red)), Status::Older);
    }

    #[test]
    fn a_placeholder_behind_a_photo_is_its_own_status() {
        assert_eq!(
            classify(&photo(square(1, 2, 3)), &SharePointFacts::Placeholder),
            Status::Placeholder
        );
    }

    #[test]
    fn exchange_decides_first() {
        for sharepoint in [
            SharePointFacts::Placeholder,
            picture(square(1, 1, 1)),
            SharePointFacts::Unreadable(Reason::Throttled(Service::SharePoint)),
        ] {
            assert_eq!(
                classify(&ExchangeFacts::NoPhoto, &sharepoint),
                Status::NoExchangePhoto
            );
            assert_eq!(
                classify(&ExchangeFacts::NoMailbox, &sharepoint),
                Status::NoMailbox
            );
            let denied = Reason::Denied(Service::Graph);
            assert_eq!(
                classify(&ExchangeFacts::Unreadable(denied.clone()), &sharepoint),
                Status::Unreadable(denied)
            );
        }
    }

    #[test]
    fn an_unreadable_sharepoint_or_thumbnail_is_never_counted_as_in_sync() {
        let p = photo(square(9, 9, 9));
        assert_eq!(
            classify(&p, &SharePointFacts::Picture { fingerprint: None }),
            Status::Unreadable(Reason::ThumbnailUnreadable)
        );
        assert_eq!(
            classify(&p, &SharePointFacts::Unreadable(Reason::NoProfile)),
            Status::Unreadable(Reason::NoProfile)
        );
        // A fingerprint of another size does not compare: never "in sync" by accident.
        assert_eq!(classify(&p, &picture(vec![9, 9, 9, 255])), Status::Older);
    }

    #[test]
    fn kinds_and_reason_codes_are_stable_names() {
        for kind in Status::KINDS {
            assert_eq!(StatusKind::from_name(kind.name()), Some(kind));
        }
        assert_eq!(
            Reason::ServiceError(Service::SharePoint, 500).code(),
            "sharepoint-500"
        );
        assert_eq!(Reason::Denied(Service::Graph).code(), "graph-denied");
        for reason in [
            Reason::Denied(Service::SharePoint),
            Reason::Throttled(Service::Graph),
            Reason::ServiceError(Service::Graph, 502),
            Reason::Network(Service::SharePoint),
            Reason::Malformed(Service::Graph),
            Reason::NoProfile,
            Reason::ThumbnailUnreadable,
            Reason::OtherHost,
            Reason::NotInDirectory,
        ] {
            assert_eq!(Reason::from_code(&reason.code()), Some(reason));
        }
        assert_eq!(Reason::from_code("exchange-denied"), None);
        assert_eq!(Reason::from_code("graph-teapot"), None);
        assert!(Status::Older.needs_sync() && Status::Placeholder.needs_sync());
        assert!(!Status::InSync.needs_sync() && !Status::NoMailbox.needs_sync());
    }

    #[test]
    fn photo_bytes_are_read_only_when_they_decide() {
        assert!(exchange_bytes_needed(&picture(square(0, 0, 0))));
        assert!(!exchange_bytes_needed(&SharePointFacts::Placeholder));
        assert!(!exchange_bytes_needed(&SharePointFacts::Picture {
            fingerprint: None
        }));
    }
}
