//! The admin page's direct writes, as requests: the three thumbnails of a user's picture in the
//! My Site host's `User Photos/Profile Pictures` library (where they are, reading them, writing
//! them) and the profile write of another user through the admin host
//! (`SetSingleValueProfileProperty`), with the reading of its documented refusal. Pure.
//!
//! SharePoint Online keeps every user's picture as three JPEGs,
//! `/User Photos/Profile Pictures/{account}_{S,M,L}Thumb.jpg`, in the library of the My Site
//! host of the user's geo; `PictureURL` names the medium one. Files are written with the
//! documented `Files/add(url=…,overwrite=true)` of the folder
//! (<https://learn.microsoft.com/sharepoint/dev/sp-add-ins/working-with-folders-and-files-with-rest>);
//! a bearer token needs no request digest. Whether the admin may write there is SharePoint's
//! decision (site-collection admins of the My Site host); this module only builds and reads.

use crate::http::{Body, HttpRequest};

use super::request::ACCEPT_JSON;

/// The standard folder of the thumbnails, server-relative.
pub const PHOTO_FOLDER: &str = "/User Photos/Profile Pictures";

/// One of the three thumbnails SharePoint keeps per picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ThumbnailSize {
    Small,
    Medium,
    Large,
}

impl ThumbnailSize {
    pub const ALL: [ThumbnailSize; 3] = [
        ThumbnailSize::Small,
        ThumbnailSize::Medium,
        ThumbnailSize::Large,
    ];

    /// The file name's suffix: `SThumb`, `MThumb`, `LThumb`.
    pub fn suffix(self) -> &'static str {
        match self {
            ThumbnailSize::Small => "SThumb",
            ThumbnailSize::Medium => "MThumb",
            ThumbnailSize::Large => "LThumb",
        }
    }

    /// The edge SharePoint makes this thumbnail at (48, 72, 200 px), used when there is no
    /// file to take the size from ([`crate::photo::plan::SHAREPOINT_THUMBNAIL_EDGES`]).
    pub fn default_edge(self) -> u32 {
        let [s, m, l] = crate::photo::plan::SHAREPOINT_THUMBNAIL_EDGES;
        match self {
            ThumbnailSize::Small => s,
            ThumbnailSize::Medium => m,
            ThumbnailSize::Large => l,
        }
    }
}

/// A user's three thumbnails in the standard folder of one My Site host: `base` is the file
/// names' common part (`adelev_contoso_com` of `adelev_contoso_com_MThumb.jpg`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThumbnailSet {
    /// The My Site host's origin (`https://contoso-my.sharepoint.com`).
    pub host: String,
    pub base: String,
}

impl ThumbnailSet {
    /// `adelev_contoso_com_MThumb.jpg`.
    pub fn file_name(&self, size: ThumbnailSize) -> String {
        format!("{}_{}.jpg", self.base, size.suffix())
    }

    /// The file's address, as a browser reads it (spaces encoded).
    pub fn url(&self, size: ThumbnailSize) -> String {
        let mut url = url::Url::parse(&self.host).expect("a host origin");
        url.set_path(&format!("{PHOTO_FOLDER}/{}", self.file_name(size)));
        url.into()
    }

    /// What `PictureURL` holds for this set: the medium thumbnail's address.
    pub fn picture_url(&self) -> String {
        self.url(ThumbnailSize::Medium)
    }
}

/// The thumbnails `picture_url` names, when it names one of the three in the standard folder
/// of `host` (any case; the query, such as `?t=…`, ignored). `None` for a picture anywhere
/// else: another host, another folder, another file name.
///
/// ```
/// use profile_photo_sync::sharepoint::library::standard_thumbnails;
/// let set = standard_thumbnails(
///     "https://contoso-my.sharepoint.com/User%20Photos/Profile%20Pictures/adelev_contoso_com_MThumb.jpg?t=1",
///     "https://contoso-my.sharepoint.com",
/// ).unwrap();
/// assert_eq!(set.base, "adelev_contoso_com");
/// ```
pub fn standard_thumbnails(picture_url: &str, host: &str) -> Option<ThumbnailSet> {
    let host_url = url::Url::parse(host).ok()?;
    let url = host_url.join(picture_url.trim()).ok()?;
    if url.origin() != host_url.origin() {
        return None;
    }
    let path = percent_encoding_decode(url.path());
    let prefix = format!("{PHOTO_FOLDER}/");
    let head = path.get(..prefix.len())?;
    if !head.eq_ignore_ascii_case(&prefix) {
        return None;
    }
    let name = path.get(prefix.len()..)?;
    if name.contains('/') {
        return None;
    }
    let lower = name.to_ascii_lowercase();
    let base_len = ThumbnailSize::ALL.iter().find_map(|size| {
        let ending = format!("_{}.jpg", size.suffix().to_ascii_lowercase());
        lower.strip_suffix(&ending).map(str::len)
    })?;
    let base = &name[..base_len];
    (!base.is_empty() && base.bytes().all(is_file_name_byte)).then(|| ThumbnailSet {
        host: host_url.origin().ascii_serialization(),
        base: base.to_owned(),
    })
}

/// The file names' common part SharePoint Online gives a user's thumbnails: the account
/// (user principal name) with every character that is not a letter or a digit as `_`
/// (`adele.vance@contoso.com` → `adele_vance_contoso_com`).
pub fn thumbnail_base(upn: &str) -> String {
    upn.trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

fn is_file_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}

fn percent_encoding_decode(path: &str) -> String {
    url::form_urlencoded::parse(format!("p={}", path.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// `GET` of a thumbnail's bytes, with the bearer token.
pub fn read(set: &ThumbnailSet, size: ThumbnailSize, token: &str) -> HttpRequest {
    super::request::file(&set.url(size), token)
}

/// `POST {host}/_api/web/GetFolderByServerRelativeUrl('/User Photos/Profile Pictures')/Files/add(url='…',overwrite=true)`
/// with the JPEG as the body.
pub fn upload(
    set: &ThumbnailSet,
    size: ThumbnailSize,
    token: &str,
    jpeg: impl Into<Body>,
) -> HttpRequest {
    HttpRequest::post(format!(
        "{}/_api/web/GetFolderByServerRelativeUrl('{}')/Files/add(url='{}',overwrite=true)",
        set.host.trim_end_matches('/'),
        PHOTO_FOLDER.replace(' ', "%20"),
        set.file_name(size)
    ))
    .header("Authorization", format!("Bearer {token}"))
    .header("Accept", ACCEPT_JSON)
    .header("Content-Type", "application/octet-stream")
    .body(jpeg.into())
}

/// `POST {admin}/_api/SP.UserProfiles.PeopleManager/SetSingleValueProfileProperty` with
/// `{accountName, propertyName, propertyValue}`, the account in claims form.
pub fn set_profile_property(
    admin_host: &str,
    token: &str,
    upn: &str,
    property: &str,
    value: &str,
) -> HttpRequest {
    let body = serde_json::json!({
        "accountName": format!("i:0#.f|membership|{upn}"),
        "propertyName": property,
        "propertyValue": value,
    });
    HttpRequest::post(format!(
        "{}/_api/SP.UserProfiles.PeopleManager/SetSingleValueProfileProperty",
        admin_host.trim_end_matches('/')
    ))
    .header("Authorization", format!("Bearer {token}"))
    .header("Accept", ACCEPT_JSON)
    .header("Content-Type", "application/json;odata=nometadata")
    .body(Body::Bytes(body.to_string().into_bytes()))
}

/// True when a 403's detail is SharePoint's documented refusal of profile writes for other
/// users with a delegated token ("…requires you to be managing your own data or have
/// administrator privileges", `System.UnauthorizedAccessException`).
pub fn is_profile_write_refusal(detail: &str) -> bool {
    let detail = detail.to_ascii_lowercase();
    detail.contains("managing your own data") || detail.contains("unauthorizedaccessexception")
}

#[cfg(test)]
mod tests {
    use super::*;
    use gloo_net::http::Method;

    const HOST: &str = "https://contoso-my.sharepoint.com";

    #[test]
    fn the_standard_thumbnails_are_recognised_in_any_size_and_case() {
        for picture in [
            "https://contoso-my.sharepoint.com/User Photos/Profile Pictures/adelev_contoso_com_MThumb.jpg",
            "https://contoso-my.sharepoint.com/User%20Photos/Profile%20Pictures/adelev_contoso_com_LThumb.jpg?t=63",
            "/user photos/profile pictures/adelev_contoso_com_sthumb.JPG",
        ] {
            let set = standard_thumbnails(picture, HOST).unwrap_or_else(|| panic!("{picture}"));
            assert_eq!(set.host, HOST);
            assert_eq!(set.base, "adelev_contoso_com");
        }
    }

    #[test]
    fn a_picture_anywhere_else_is_not_a_standard_thumbnail() {
        for picture in [
            "https://contosoeur-my.sharepoint.com/User Photos/Profile Pictures/a_MThumb.jpg",
            "https://evil.example/User Photos/Profile Pictures/a_MThumb.jpg",
            "/User Photos/Profila attēli/a_MThumb.jpg",
            "/User Photos/Profile Pictures/sub/a_MThumb.jpg",
            "/User Photos/Profile Pictures/a.jpg",
            "/User Photos/Profile Pictures/_MThumb.jpg",
            "/User Photos/Profile Pictures/a%27b_MThumb.jpg",
            "/personal/a/photo_MThumb.jpg",
        ] {
            assert_eq!(standard_thumbnails(picture, HOST), None, "{picture}");
        }
    }

    #[test]
    fn the_set_names_its_three_files_and_the_picture_url() {
        let set = ThumbnailSet {
            host: HOST.into(),
            base: "a_contoso_com".into(),
        };
        assert_eq!(
            set.url(ThumbnailSize::Large),
            "https://contoso-my.sharepoint.com/User%20Photos/Profile%20Pictures/a_contoso_com_LThumb.jpg"
        );
        assert_eq!(
            set.picture_url(),
            "https://contoso-my.sharepoint.com/User%20Photos/Profile%20Pictures/a_contoso_com_MThumb.jpg"
        );
        assert_eq!(
            standard_thumbnails(&set.picture_url(), HOST),
            Some(set.clone())
        );
        assert_eq!(
            thumbnail_base("Adele.Vance+x@contoso.com"),
            "adele_vance_x_contoso_com"
        );
    }

    #[test]
    fn an_upload_overwrites_the_file_in_the_standard_folder() {
        let set = ThumbnailSet {
            host: "http://contoso-my.localhost:8080".into(),
            base: "a".into(),
        };
        let r = upload(&set, ThumbnailSize::Small, "T", vec![0xFF, 0xD8]);
        assert_eq!(r.method, Method::POST);
        assert_eq!(
            r.url,
            "http://contoso-my.localhost:8080/_api/web/GetFolderByServerRelativeUrl('/User%20Photos/Profile%20Pictures')/Files/add(url='a_SThumb.jpg',overwrite=true)"
        );
        assert!(r
            .headers
            .contains(&("Authorization".into(), "Bearer T".into())));
        assert!(matches!(r.body, Some(Body::Bytes(ref b)) if b == &[0xFF, 0xD8]));
    }

    #[test]
    fn the_profile_write_names_the_account_in_claims_form() {
        let r = set_profile_property(
            "https://contoso-admin.sharepoint.com/",
            "T",
            "a@contoso.com",
            "PictureURL",
            "x",
        );
        assert_eq!(
            r.url,
            "https://contoso-admin.sharepoint.com/_api/SP.UserProfiles.PeopleManager/SetSingleValueProfileProperty"
        );
        let Some(Body::Bytes(body)) = r.body else {
            panic!("a body")
        };
        let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["accountName"], "i:0#.f|membership|a@contoso.com");
        assert_eq!(body["propertyName"], "PictureURL");
        assert_eq!(body["propertyValue"], "x");
    }

    #[test]
    fn the_documented_refusal_is_told_from_other_refusals() {
        assert!(is_profile_write_refusal(
            "This operation requires you to be managing your own data or have administrator privileges."
        ));
        assert!(!is_profile_write_refusal("Access denied."));
    }
}
