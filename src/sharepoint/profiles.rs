//! The admin audit's SharePoint reads: another user's profile properties and the small
//! thumbnail of their picture. Pure: requests built and addresses checked here.
//!
//! `PeopleManager/GetPropertiesFor` takes the account in SharePoint's claims form
//! (`i:0#.f|membership|upn`) through a parameter alias, as Microsoft's reference shows
//! (<https://learn.microsoft.com/previous-versions/office/developer/sharepoint-rest-reference/dn790354(v=office.15)#getpropertiesfor-method>);
//! its answer is the same `PersonProperties` as `GetMyProperties`
//! ([`super::response::parse_profile`] reads both). Reads of other users work with a
//! delegated token; writes do not.

use crate::http::HttpRequest;

use super::request::ACCEPT_JSON;

/// `GET {host}/_api/SP.UserProfiles.PeopleManager/GetPropertiesFor(accountName=@v)?@v='i:0%23.f|membership|{upn}'`.
pub fn properties_for(host: &str, token: &str, upn: &str) -> HttpRequest {
    let claims = format!("i:0#.f|membership|{upn}");
    // Inside the OData string literal a quote is doubled; then the whole value is
    // percent-encoded for the query.
    let literal = format!("'{}'", claims.replace('\'', "''"));
    let alias: String = url::form_urlencoded::byte_serialize(literal.as_bytes()).collect();
    HttpRequest::get(format!(
        "{}/_api/SP.UserProfiles.PeopleManager/GetPropertiesFor(accountName=@v)?@v={alias}",
        host.trim_end_matches('/')
    ))
    .header("Authorization", format!("Bearer {token}"))
    .header("Accept", ACCEPT_JSON)
}

/// The small (48 px) thumbnail's URL from `PictureURL` (which names the medium one), on
/// `host` only: `None` for a picture elsewhere (another geo's host, or anywhere else), so
/// that the token for `host` is never sent to another origin.
pub fn small_thumbnail_url(picture_url: &str, host: &str) -> Option<String> {
    let host = url::Url::parse(host).ok()?;
    let mut url = host.join(picture_url.trim()).ok()?;
    if url.origin() != host.origin() {
        return None;
    }
    let path = url.path().to_owned();
    let small = ["_MThumb.", "_LThumb."]
        .iter()
        .find_map(|other| {
            path.rfind(other)
                .map(|i| format!("{}_SThumb.{}", &path[..i], &path[i + other.len()..]))
        })
        .unwrap_or(path);
    url.set_path(&small);
    url.set_query(None);
    url.set_fragment(None);
    Some(url.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOST: &str = "https://contoso-my.sharepoint.com";

    #[test]
    fn the_account_goes_in_an_alias_in_claims_form() {
        let r = properties_for(HOST, "T", "o'neil@contoso.com");
        assert_eq!(
            r.url,
            "https://contoso-my.sharepoint.com/_api/SP.UserProfiles.PeopleManager/GetPropertiesFor(accountName=@v)\
             ?@v=%27i%3A0%23.f%7Cmembership%7Co%27%27neil%40contoso.com%27"
        );
        assert!(r.headers.contains(&("Accept".into(), ACCEPT_JSON.into())));
    }

    #[test]
    fn the_small_thumbnail_is_read_on_the_host_only() {
        assert_eq!(
            small_thumbnail_url(
                "https://contoso-my.sharepoint.com/User Photos/Profile Pictures/adele_contoso_com_MThumb.jpg?t=63",
                HOST
            )
            .as_deref(),
            Some("https://contoso-my.sharepoint.com/User%20Photos/Profile%20Pictures/adele_contoso_com_SThumb.jpg")
        );
        assert_eq!(
            small_thumbnail_url("/User Photos/Profile Pictures/a_LThumb.jpg", HOST).as_deref(),
            Some("https://contoso-my.sharepoint.com/User%20Photos/Profile%20Pictures/a_SThumb.jpg")
        );
        for elsewhere in [
            "https://contosoeur-my.sharepoint.com/User Photos/Profile Pictures/a_MThumb.jpg",
            "https://evil.example/a_MThumb.jpg",
            "//evil.example/a_MThumb.jpg",
        ] {
            assert_eq!(small_thumbnail_url(elsewhere, HOST), None, "{elsewhere}");
        }
    }
}
