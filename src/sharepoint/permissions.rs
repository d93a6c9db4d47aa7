//! Which SharePoint permissions a sync needs, judged from the scopes the identity platform
//! granted with the My Site host's token (the token response's `scope`; the token itself is
//! opaque to the page). Pure.
//!
//! In SharePoint, user profiles are a permission area of their own: site permissions
//! (`AllSites.*`, `MyFiles.*`) do not reach them. Microsoft's troubleshooting article for
//! "Access denied" on profile updates prescribes SharePoint's `User.ReadWrite.All`; the
//! thumbnails SharePoint makes are files in the My Site host's `User Photos` library, which
//! profile permissions do not cover, so the sync also needs a site permission to read them.

use crate::auth::permission_names;

/// The permission that writes the signed-in user's own profile picture
/// (`SetMyProfilePicture`); it reads profiles too.
pub const PROFILE_WRITE: &str = "User.ReadWrite.All";

/// Permissions that read user profiles (`GetMyProperties`).
pub const PROFILE_READ: [&str; 2] = ["User.Read.All", PROFILE_WRITE];

/// Site permissions that read files in all site collections (the thumbnails in `User
/// Photos`); the first is the least of them, the one to ask for.
pub const SITE_READ: [&str; 4] = [
    "AllSites.Read",
    "AllSites.Write",
    "AllSites.Manage",
    "AllSites.FullControl",
];

fn has_any(granted: &[String], wanted: &[&str]) -> bool {
    permission_names(granted)
        .iter()
        .any(|name| wanted.iter().any(|w| w.eq_ignore_ascii_case(name)))
}

/// True when `granted` lets the sync write the user's picture.
pub fn can_write_profile(granted: &[String]) -> bool {
    has_any(granted, &[PROFILE_WRITE])
}

/// What a sync needs that `granted` (scopes with or without the host in front) lacks, by
/// the permission to ask for: [`PROFILE_WRITE`], and the first of [`SITE_READ`] when none of
/// them is there. Empty when a sync can work.
///
/// ```
/// use profile_photo_sync::sharepoint::permissions::missing_for_sync;
/// let granted = ["https://contoso-my.sharepoint.com/AllSites.Write".to_owned()];
/// assert_eq!(missing_for_sync(&granted), ["User.ReadWrite.All"]);
/// ```
pub fn missing_for_sync(granted: &[String]) -> Vec<&'static str> {
    let mut missing = Vec::new();
    if !can_write_profile(granted) {
        missing.push(PROFILE_WRITE);
    }
    if !has_any(granted, &SITE_READ) {
        missing.push(SITE_READ[0]);
    }
    missing
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scopes(names: &[&str]) -> Vec<String> {
        names
            .iter()
            .map(|n| format!("https://contoso-my.sharepoint.com/{n}"))
            .collect()
    }

    #[test]
    fn the_default_permissions_are_all_a_sync_needs() {
        assert!(missing_for_sync(&scopes(&["User.ReadWrite.All", "AllSites.Read"])).is_empty());
        assert!(can_write_profile(&scopes(&["User.ReadWrite.All"])));
    }

    #[test]
    fn site_permissions_do_not_write_profiles() {
        for site in SITE_READ {
            assert_eq!(
                missing_for_sync(&scopes(&[site])),
                [PROFILE_WRITE],
                "{site}"
            );
        }
        assert_eq!(
            missing_for_sync(&scopes(&["MyFiles.Write", "User.Read.All"])),
            [PROFILE_WRITE, "AllSites.Read"],
            "MyFiles reaches the user's OneDrive only; User.Read.All only reads"
        );
    }

    #[test]
    fn a_profile_permission_alone_cannot_read_the_thumbnails() {
        assert_eq!(
            missing_for_sync(&scopes(&["User.ReadWrite.All"])),
            ["AllSites.Read"]
        );
    }

    #[test]
    fn names_are_compared_without_case_and_with_or_without_the_host() {
        let granted = vec!["user.readwrite.all".to_owned(), "ALLSITES.READ".to_owned()];
        assert!(missing_for_sync(&granted).is_empty());
        assert_eq!(missing_for_sync(&[]), [PROFILE_WRITE, "AllSites.Read"]);
    }
}
