//! Who gets which direct write, from the audit's results. Pure.
//!
//! A user whose SharePoint picture already is the three standard thumbnails
//! (`/User Photos/Profile Pictures/{name}_{S,M,L}Thumb.jpg` on the home My Site host or another
//! geo's of the tenant) gets those three files overwritten: no profile write. A user without a
//! picture needs the profile write (`PictureURL` and the placeholder state), which SharePoint
//! Online refuses for other users with a delegated token; it is tried once. Everyone else is
//! left alone, with the reason.

use crate::audit::progress::Entry;
use crate::audit::status::Status;
use crate::config::MySiteOrigin;
use crate::sharepoint::library::{standard_thumbnails, ThumbnailSet};
use crate::sharepoint::profiles::other_geo_host;
use crate::sharepoint::SharePointProfile;

/// What the write path does for one user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Treatment {
    /// Overwrite the three thumbnails the picture already is.
    Thumbnails(ThumbnailSet),
    /// No picture yet: write the thumbnails and the profile's picture properties, which needs
    /// the profile write for another user.
    ProfileWrite,
    /// Nothing, and why.
    Nothing(Skip),
}

/// Why a user gets no write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Skip {
    InSync,
    NoExchangePhoto,
    NoMailbox,
    /// The audit could not read the user.
    Unreadable,
    /// The audit has not read the user yet.
    NotAudited,
    /// SharePoint's profile was not read in this visit (an audit resumed from another
    /// visit): audit again to write.
    ProfileNotRead,
    /// The picture is not the standard thumbnails of a My Site host of the tenant.
    PictureElsewhere,
}

impl Skip {
    /// A stable name (`data-` attributes, tests).
    pub fn name(self) -> &'static str {
        match self {
            Skip::InSync => "in-sync",
            Skip::NoExchangePhoto => "no-photo",
            Skip::NoMailbox => "no-mailbox",
            Skip::Unreadable => "unreadable",
            Skip::NotAudited => "not-audited",
            Skip::ProfileNotRead => "profile-not-read",
            Skip::PictureElsewhere => "picture-elsewhere",
        }
    }
}

impl Treatment {
    /// A stable name (`data-` attributes, tests).
    pub fn name(&self) -> &'static str {
        match self {
            Treatment::Thumbnails(_) => "thumbnails",
            Treatment::ProfileWrite => "profile-write",
            Treatment::Nothing(_) => "nothing",
        }
    }
}

/// One user's treatment, by their place in the audit's list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub index: usize,
    pub treatment: Treatment,
}

/// The treatment of `entry`, whose SharePoint profile (as the audit read it) is `profile`.
/// `home` is the tenant's My Site host; `local` allows the emulator's hosts.
pub fn treatment(
    entry: &Entry,
    profile: Option<&SharePointProfile>,
    home: &MySiteOrigin,
    local: bool,
) -> Treatment {
    let skip = match &entry.status {
        None => Skip::NotAudited,
        Some(Status::InSync) => Skip::InSync,
        Some(Status::NoExchangePhoto) => Skip::NoExchangePhoto,
        Some(Status::NoMailbox) => Skip::NoMailbox,
        Some(Status::Unreadable(_)) => Skip::Unreadable,
        Some(Status::Placeholder | Status::Older) => {
            let Some(profile) = profile else {
                return Treatment::Nothing(Skip::ProfileNotRead);
            };
            if !profile.has_picture() {
                return Treatment::ProfileWrite;
            }
            let picture = profile.picture_url.as_deref().unwrap_or_default();
            let host = other_geo_host(picture, home, local).unwrap_or_else(|| home.clone());
            return match standard_thumbnails(picture, host.as_str()) {
                Some(set) => Treatment::Thumbnails(set),
                None => Treatment::Nothing(Skip::PictureElsewhere),
            };
        }
    };
    Treatment::Nothing(skip)
}

/// Every user's treatment, in the audit's order.
pub fn plan(
    entries: &[Entry],
    profiles: &[Option<SharePointProfile>],
    home: &MySiteOrigin,
    local: bool,
) -> Vec<Planned> {
    entries
        .iter()
        .enumerate()
        .map(|(index, entry)| Planned {
            index,
            treatment: treatment(
                entry,
                profiles.get(index).and_then(Option::as_ref),
                home,
                local,
            ),
        })
        .collect()
}

/// How many users get each write: (thumbnails, profile writes).
pub fn counts(plan: &[Planned]) -> (usize, usize) {
    plan.iter()
        .fold((0, 0), |(t, p), planned| match planned.treatment {
            Treatment::Thumbnails(_) => (t + 1, p),
            Treatment::ProfileWrite => (t, p + 1),
            Treatment::Nothing(_) => (t, p),
        })
}

/// The My Site host a user's pictures belong on, from `PersonalSiteHostUrl` of their profile
/// (`GetPropertiesFor`): the home host or another geo's of the tenant; the home host when the
/// profile names none, and `None` when it names any other host (no token goes there).
pub fn personal_site_host(
    personal_site_host_url: Option<&str>,
    home: &MySiteOrigin,
    local: bool,
) -> Option<MySiteOrigin> {
    let Some(url) = personal_site_host_url
        .map(str::trim)
        .filter(|u| !u.is_empty())
    else {
        return Some(home.clone());
    };
    let same = url::Url::parse(url)
        .ok()
        .is_some_and(|u| u.origin().ascii_serialization() == home.as_str());
    if same {
        return Some(home.clone());
    }
    other_geo_host(url, home, local)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::status::Reason;
    use crate::graph::directory::DirectoryUser;

    const HOME: &str = "https://contoso-my.sharepoint.com";

    fn home() -> MySiteOrigin {
        MySiteOrigin::from_service(HOME, false).unwrap()
    }

    fn entry(status: Option<Status>) -> Entry {
        Entry {
            user: DirectoryUser {
                id: "1".into(),
                display_name: "Adele".into(),
                user_principal_name: "adele@contoso.com".into(),
                mail: None,
                preferred_language: None,
            },
            status,
        }
    }

    fn profile(picture: Option<&str>, placeholder: u8) -> SharePointProfile {
        SharePointProfile {
            account_name: "i:0#.f|membership|adele@contoso.com".into(),
            picture_url: picture.map(str::to_owned),
            placeholder_state: Some(placeholder),
            ..Default::default()
        }
    }

    #[test]
    fn an_older_picture_in_the_standard_thumbnails_gets_them_overwritten() {
        let p = profile(
            Some("https://contoso-my.sharepoint.com/User Photos/Profile Pictures/adele_contoso_com_MThumb.jpg"),
            0,
        );
        let t = treatment(&entry(Some(Status::Older)), Some(&p), &home(), false);
        assert_eq!(
            t,
            Treatment::Thumbnails(ThumbnailSet {
                host: HOME.into(),
                base: "adele_contoso_com".into()
            })
        );
    }

    #[test]
    fn another_geo_s_thumbnails_are_overwritten_on_that_geo_s_host() {
        let p = profile(
            Some("https://contosoeur-my.sharepoint.com/User Photos/Profile Pictures/a_MThumb.jpg"),
            0,
        );
        let t = treatment(&entry(Some(Status::Older)), Some(&p), &home(), false);
        assert_eq!(
            t,
            Treatment::Thumbnails(ThumbnailSet {
                host: "https://contosoeur-my.sharepoint.com".into(),
                base: "a".into()
            })
        );
    }

    #[test]
    fn no_picture_needs_the_profile_write() {
        for p in [
            profile(None, 1),
            profile(Some("/User Photos/Profile Pictures/a_MThumb.jpg"), 1),
        ] {
            assert_eq!(
                treatment(&entry(Some(Status::Placeholder)), Some(&p), &home(), false),
                Treatment::ProfileWrite
            );
        }
    }

    #[test]
    fn a_picture_elsewhere_is_left_alone() {
        for picture in [
            "https://evil.example/User Photos/Profile Pictures/a_MThumb.jpg",
            "https://fabrikam-my.sharepoint.com/User Photos/Profile Pictures/a_MThumb.jpg",
            "/User Photos/Profila attēli/a_MThumb.jpg",
            "/personal/adele/photo.jpg",
        ] {
            let p = profile(Some(picture), 0);
            assert_eq!(
                treatment(&entry(Some(Status::Older)), Some(&p), &home(), false),
                Treatment::Nothing(Skip::PictureElsewhere),
                "{picture}"
            );
        }
    }

    #[test]
    fn everyone_else_gets_nothing_with_the_reason() {
        let p = profile(None, 1);
        for (status, skip) in [
            (None, Skip::NotAudited),
            (Some(Status::InSync), Skip::InSync),
            (Some(Status::NoExchangePhoto), Skip::NoExchangePhoto),
            (Some(Status::NoMailbox), Skip::NoMailbox),
            (
                Some(Status::Unreadable(Reason::NoProfile)),
                Skip::Unreadable,
            ),
        ] {
            assert_eq!(
                treatment(&entry(status), Some(&p), &home(), false),
                Treatment::Nothing(skip)
            );
        }
        assert_eq!(
            treatment(&entry(Some(Status::Placeholder)), None, &home(), false),
            Treatment::Nothing(Skip::ProfileNotRead)
        );
    }

    #[test]
    fn the_plan_keeps_the_order_and_counts_each_write() {
        let entries = [
            entry(Some(Status::Placeholder)),
            entry(Some(Status::InSync)),
            entry(Some(Status::Older)),
        ];
        let profiles = [
            Some(profile(None, 1)),
            None,
            Some(profile(
                Some("/User Photos/Profile Pictures/a_MThumb.jpg"),
                0,
            )),
        ];
        let plan = plan(&entries, &profiles, &home(), false);
        assert_eq!(plan.iter().map(|p| p.index).collect::<Vec<_>>(), [0, 1, 2]);
        assert_eq!(counts(&plan), (1, 1));
    }

    #[test]
    fn the_user_s_pictures_go_on_their_own_geo_s_host_only() {
        let home = home();
        assert_eq!(personal_site_host(None, &home, false), Some(home.clone()));
        assert_eq!(
            personal_site_host(Some("https://contoso-my.sharepoint.com/"), &home, false),
            Some(home.clone())
        );
        assert_eq!(
            personal_site_host(Some("https://contosoeur-my.sharepoint.com/"), &home, false)
                .map(|h| h.to_string())
                .as_deref(),
            Some("https://contosoeur-my.sharepoint.com")
        );
        assert_eq!(
            personal_site_host(Some("https://evil.example/"), &home, false),
            None
        );
    }
}
