//! SharePoint request building. Pure.

use crate::http::{Body, HttpRequest};

/// SharePoint answers XML unless asked for JSON; `nometadata` is the leanest JSON.
pub const ACCEPT_JSON: &str = "application/json;odata=nometadata";

const PEOPLE_MANAGER: &str = "_api/SP.UserProfiles.PeopleManager";

/// `GET {host}/_api/SP.UserProfiles.PeopleManager/GetMyProperties`.
pub fn get_my_properties(host: &str, token: &str) -> HttpRequest {
    authorized(
        HttpRequest::get(format!("{}/{PEOPLE_MANAGER}/GetMyProperties", trim(host))),
        token,
    )
    .header("Accept", ACCEPT_JSON)
}

/// `POST {host}/_api/SP.UserProfiles.PeopleManager/SetMyProfilePicture` with the image bytes
/// as the body. A bearer token needs no request digest.
pub fn set_my_profile_picture(host: &str, token: &str, jpeg: impl Into<Body>) -> HttpRequest {
    authorized(
        HttpRequest::post(format!(
            "{}/{PEOPLE_MANAGER}/SetMyProfilePicture",
            trim(host)
        )),
        token,
    )
    .header("Accept", ACCEPT_JSON)
    .header("Content-Type", "application/octet-stream")
    .body(jpeg.into())
}

/// `GET {host}/_layouts/15/userphoto.aspx?size=L&accountname={upn}`: the documented trigger of
/// SharePoint's own refresh of the user's photo from Exchange.
pub fn user_photo(host: &str, token: &str, upn: &str) -> HttpRequest {
    let account: String = url::form_urlencoded::byte_serialize(upn.as_bytes()).collect();
    authorized(
        HttpRequest::get(format!(
            "{}/_layouts/15/userphoto.aspx?size=L&accountname={account}",
            trim(host)
        )),
        token,
    )
}

/// `GET` of a file on the My Site host (a thumbnail), with the bearer token.
pub fn file(url: &str, token: &str) -> HttpRequest {
    // An image: read no further than the largest photo SharePoint takes.
    authorized(HttpRequest::get(url), token).max_body_bytes(crate::photo::MAX_SOURCE_BYTES)
}

/// The URL of the large (200 px) thumbnail, from the `PictureURL` SharePoint stores (which
/// names the medium one, `…_MThumb.jpg`). `None` when the URL is not on `host`: a token is
/// never sent anywhere else. `version` (the picture timestamp) is appended as a query so a
/// browser cache never shows the old picture (it replaces any query `PictureURL` had).
///
/// ```
/// use profile_photo_sync::sharepoint::large_thumbnail_url;
/// assert_eq!(
///     large_thumbnail_url(
///         "https://contoso-my.sharepoint.com/User Photos/Profile Pictures/adelev_contoso_com_MThumb.jpg",
///         "https://contoso-my.sharepoint.com",
///         None,
///     ).as_deref(),
///     Some("https://contoso-my.sharepoint.com/User%20Photos/Profile%20Pictures/adelev_contoso_com_LThumb.jpg")
/// );
/// ```
pub fn large_thumbnail_url(picture_url: &str, host: &str, version: Option<&str>) -> Option<String> {
    let host = url::Url::parse(host).ok()?;
    // Relative URLs (`/User Photos/…`) are on the host.
    let mut url = host.join(picture_url.trim()).ok()?;
    if url.origin() != host.origin() {
        return None;
    }
    let path = url.path().to_owned();
    let large = ["_MThumb.", "_SThumb."]
        .iter()
        .find_map(|small| {
            path.rfind(small)
                .map(|i| format!("{}_LThumb.{}", &path[..i], &path[i + small.len()..]))
        })
        .unwrap_or(path);
    url.set_path(&large);
    url.set_fragment(None);
    if let Some(version) = version.filter(|v| !v.is_empty()) {
        url.set_query(None);
        url.query_pairs_mut().append_pair("t", version);
    }
    Some(url.into())
}

/// The profile pictures' folder on the My Site host when its language is English (the folder's
/// name follows the host's language; Microsoft's "SharePoint Online user profile picture
/// synchronization": "If the My Site Host root web locale is set to English, the name of the
/// folder will be Profile Pictures").
pub const PICTURES_FOLDER: &str = "/User Photos/Profile Pictures/";

/// Where SharePoint most likely keeps the large thumbnail of the user whose Entra object id is
/// `oid`, before the profile says: `{host}/User Photos/Profile Pictures/{oid}_LThumb.jpg`, with
/// `version` as the query so no cache answers. SharePoint makes "three thumbnail versions with
/// predictable sizes and names" (Update-SPProfilePhotoStore's reference); naming them by the
/// object id is what this tenant's emulator does and an assumption for any other, so the
/// guess is only a guess: use what it fetched only when the profile's `PictureURL` then names
/// the same file ([`same_file`]). `None` for an `oid` that is not a GUID.
pub fn predicted_large_thumbnail_url(host: &str, oid: &str, version: &str) -> Option<String> {
    let is_guid = oid.len() == 36
        && oid.chars().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        });
    if !is_guid {
        return None;
    }
    large_thumbnail_url(
        &format!("{PICTURES_FOLDER}{}_LThumb.jpg", oid.to_ascii_lowercase()),
        host,
        Some(version),
    )
}

/// True when two addresses name the same file: the same origin and the same path (SharePoint's
/// paths are not case-sensitive), whatever their queries.
pub fn same_file(a: &str, b: &str) -> bool {
    match (url::Url::parse(a), url::Url::parse(b)) {
        (Ok(a), Ok(b)) => a.origin() == b.origin() && a.path().eq_ignore_ascii_case(b.path()),
        _ => false,
    }
}

fn authorized(request: HttpRequest, token: &str) -> HttpRequest {
    request.header("Authorization", format!("Bearer {token}"))
}

fn trim(host: &str) -> &str {
    host.trim_end_matches('/')
}

#[cfg(test)]
mod tests {
    use super::*;
    use gloo_net::http::Method;

    const HOST: &str = "https://contoso-my.sharepoint.com";

    fn header<'a>(r: &'a HttpRequest, name: &str) -> Option<&'a str> {
        r.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn get_my_properties_asks_for_json() {
        let r = get_my_properties("http://contoso-my.localhost:8080/", "T");
        assert_eq!(r.method, Method::GET);
        assert_eq!(
            r.url,
            "http://contoso-my.localhost:8080/_api/SP.UserProfiles.PeopleManager/GetMyProperties"
        );
        assert_eq!(
            header(&r, "Accept"),
            Some("application/json;odata=nometadata")
        );
        assert_eq!(header(&r, "Authorization"), Some("Bearer T"));
    }

    #[test]
    fn set_my_profile_picture_posts_raw_bytes_without_a_digest() {
        let r = set_my_profile_picture(HOST, "T", vec![0xFF, 0xD8, 0xFF]);
        assert_eq!(r.method, Method::POST);
        assert_eq!(
            r.url,
            "https://contoso-my.sharepoint.com/_api/SP.UserProfiles.PeopleManager/SetMyProfilePicture"
        );
        assert_eq!(header(&r, "Content-Type"), Some("application/octet-stream"));
        assert_eq!(
            header(&r, "Accept"),
            Some("application/json;odata=nometadata")
        );
        assert_eq!(header(&r, "Authorization"), Some("Bearer T"));
        assert_eq!(header(&r, "X-RequestDigest"), None);
        assert!(matches!(r.body, Some(Body::Bytes(ref b)) if b == &[0xFF, 0xD8, 0xFF]));
    }

    #[test]
    fn user_photo_encodes_the_account() {
        let r = user_photo(HOST, "T", "adele.vance+x@contoso.com");
        assert_eq!(
            r.url,
            "https://contoso-my.sharepoint.com/_layouts/15/userphoto.aspx?size=L&accountname=adele.vance%2Bx%40contoso.com"
        );
        assert_eq!(header(&r, "Authorization"), Some("Bearer T"));
    }

    #[test]
    fn large_thumbnail_from_medium_and_small() {
        let m = format!("{HOST}/User%20Photos/Profile%20Pictures/a_contoso_com_MThumb.jpg");
        let s = format!("{HOST}/User%20Photos/Profile%20Pictures/a_contoso_com_SThumb.jpg");
        let l = format!("{HOST}/User%20Photos/Profile%20Pictures/a_contoso_com_LThumb.jpg");
        assert_eq!(large_thumbnail_url(&m, HOST, None), Some(l.clone()));
        assert_eq!(large_thumbnail_url(&s, HOST, None), Some(l.clone()));
        assert_eq!(large_thumbnail_url(&l, HOST, None), Some(l.clone()));
    }

    #[test]
    fn localised_folder_and_relative_url() {
        assert_eq!(
            large_thumbnail_url(
                "/User Photos/Profila attēli/a_MThumb.jpg",
                "http://contoso-my.localhost:8080",
                None
            ),
            Some(
                "http://contoso-my.localhost:8080/User%20Photos/Profila%20att%C4%93li/a_LThumb.jpg"
                    .into()
            )
        );
    }

    #[test]
    fn version_busts_the_cache() {
        let m = format!("{HOST}/User%20Photos/Profile%20Pictures/a_MThumb.jpg?t=1");
        assert_eq!(
            large_thumbnail_url(&m, HOST, Some("63870000000")),
            Some(format!(
                "{HOST}/User%20Photos/Profile%20Pictures/a_LThumb.jpg?t=63870000000"
            ))
        );
    }

    #[test]
    fn picture_on_another_origin_gets_no_token() {
        assert_eq!(
            large_thumbnail_url("https://evil.example/a_MThumb.jpg", HOST, None),
            None
        );
        assert_eq!(
            large_thumbnail_url("https://contoso.sharepoint.com/a_MThumb.jpg", HOST, None),
            None
        );
        assert_eq!(
            large_thumbnail_url("//evil.example/a_MThumb.jpg", HOST, None),
            None
        );
    }

    #[test]
    fn the_large_thumbnail_is_predicted_from_the_object_id() {
        let oid = "4b5a4189-ca7c-467b-baf9-1cf17294f36a";
        let predicted = predicted_large_thumbnail_url(HOST, oid, "17").unwrap();
        assert_eq!(
            predicted,
            format!("{HOST}/User%20Photos/Profile%20Pictures/{oid}_LThumb.jpg?t=17")
        );
        assert_eq!(
            predicted_large_thumbnail_url(HOST, &oid.to_uppercase(), "17").as_deref(),
            Some(predicted.as_str())
        );
        for not_an_id in [
            "",
            "adele",
            "../../_api/web",
            "4b5a4189-ca7c-467b-baf9-1cf17294f36a/x",
        ] {
            assert_eq!(
                predicted_large_thumbnail_url(HOST, not_an_id, "1"),
                None,
                "{not_an_id}"
            );
        }
    }

    #[test]
    fn a_prediction_counts_only_for_the_file_the_profile_names() {
        let oid = "4b5a4189-ca7c-467b-baf9-1cf17294f36a";
        let predicted = predicted_large_thumbnail_url(HOST, oid, "17").unwrap();
        let named =
            |picture: &str| large_thumbnail_url(picture, HOST, Some("63870000000")).unwrap();
        // The profile names the medium thumbnail with its own version: the same file.
        assert!(same_file(
            &predicted,
            &named(&format!(
                "{HOST}/User%20Photos/Profile%20Pictures/{oid}_MThumb.jpg?t=1"
            ))
        ));
        assert!(same_file(
            &predicted,
            &named(&format!(
                "/User Photos/Profile Pictures/{}_MThumb.jpg",
                oid.to_uppercase()
            ))
        ));
        // Another name, folder or host: not the profile's picture.
        for other in [
            format!("{HOST}/User%20Photos/Profile%20Pictures/adele_contoso_com_MThumb.jpg"),
            format!("{HOST}/User%20Photos/Profilbilder/{oid}_MThumb.jpg"),
            format!("{HOST}/User%20Photos/Profile%20Pictures/{oid}_x_MThumb.jpg"),
        ] {
            assert!(!same_file(&predicted, &named(&other)), "{other}");
        }
        assert!(!same_file(
            &predicted,
            &format!(
                "https://contoso.sharepoint.com/User%20Photos/Profile%20Pictures/{oid}_LThumb.jpg"
            )
        ));
        assert!(!same_file(&predicted, "not a url"));
    }
}
