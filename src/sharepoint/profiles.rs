//! The admin audit's SharePoint reads: another user's profile properties and the small
//! thumbnail of their picture. Pure: requests built and addresses checked here.
//!
//! `PeopleManager/GetPropertiesFor` takes the account in SharePoint's claims form
//! (`i:0#.f|membership|upn`) through a parameter alias, as Microsoft's reference shows
//! (<https://learn.microsoft.com/previous-versions/office/developer/sharepoint-rest-reference/dn790354(v=office.15)#getpropertiesfor-method>);
//! its answer is the same `PersonProperties` as `GetMyProperties`
//! ([`super::response::parse_profile`] reads both). Reads of other users work with a
//! delegated token; writes do not.

use crate::config::MySiteOrigin;
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
    thumbnail_url(picture_url, host, "_SThumb.")
}

/// The medium (96 px) thumbnail's URL from `PictureURL`, on `host` only, as
/// [`small_thumbnail_url`].
pub fn medium_thumbnail_url(picture_url: &str, host: &str) -> Option<String> {
    thumbnail_url(picture_url, host, "_MThumb.")
}

/// `PictureURL` on `host` with its thumbnail suffix replaced by `suffix`.
fn thumbnail_url(picture_url: &str, host: &str, suffix: &str) -> Option<String> {
    let host = url::Url::parse(host).ok()?;
    let mut url = host.join(picture_url.trim()).ok()?;
    if url.origin() != host.origin() {
        return None;
    }
    let path = url.path().to_owned();
    let wanted = ["_SThumb.", "_MThumb.", "_LThumb."]
        .iter()
        .find_map(|other| {
            path.rfind(other)
                .map(|i| format!("{}{suffix}{}", &path[..i], &path[i + other.len()..]))
        })
        .unwrap_or(path);
    url.set_path(&wanted);
    url.set_query(None);
    url.set_fragment(None);
    Some(url.into())
}

/// The My Site host of another geo of the same tenant that `picture_url` is on, when it is
/// one: a My Site host by [`MySiteOrigin::from_service`]'s rule whose first label starts with
/// the tenant's own (`contoso` of `contoso-my.sharepoint.com`: `contosoeur-my.sharepoint.com`,
/// as Multi-Geo names satellite hosts), on the same scheme and domain. A token for it is asked
/// of the identity platform, which issues one only for a host of the signed-in tenant.
pub fn other_geo_host(picture_url: &str, home: &MySiteOrigin, local: bool) -> Option<MySiteOrigin> {
    let home_url = url::Url::parse(home.as_str()).ok()?;
    let picture = home_url.join(picture_url.trim()).ok()?;
    let origin = picture.origin().ascii_serialization();
    if origin == home.as_str() {
        return None;
    }
    let geo = MySiteOrigin::from_service(&origin, local)?;
    let geo_url = url::Url::parse(geo.as_str()).ok()?;
    let (home_host, geo_host) = (home_url.host_str()?, geo_url.host_str()?);
    let (home_label, home_domain) = home_host.split_once('.')?;
    let (geo_label, geo_domain) = geo_host.split_once('.')?;
    let tenant = home_label.strip_suffix("-my")?;
    let same_tenant = geo_label.starts_with(tenant) && geo_label.ends_with("-my");
    (same_tenant
        && home_domain == geo_domain
        && home_url.scheme() == geo_url.scheme()
        && home_url.port() == geo_url.port())
    .then_some(geo)
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
    fn another_geo_of_the_same_tenant_is_found_and_nothing_else() {
        let home = MySiteOrigin::from_service(HOST, false).unwrap();
        let geo = other_geo_host(
            "https://contosoeur-my.sharepoint.com/User Photos/Profile Pictures/a_MThumb.jpg",
            &home,
            false,
        );
        assert_eq!(
            geo.map(|g| g.to_string()).as_deref(),
            Some("https://contosoeur-my.sharepoint.com")
        );
        for elsewhere in [
            "https://contoso-my.sharepoint.com/User Photos/a_MThumb.jpg",
            "https://fabrikam-my.sharepoint.com/a_MThumb.jpg",
            "https://contosoeur.sharepoint.com/a_MThumb.jpg",
            "https://contosoeur-my.sharepoint.com.evil.example/a_MThumb.jpg",
            "http://contosoeur-my.sharepoint.com/a_MThumb.jpg",
            "/User Photos/a_MThumb.jpg",
        ] {
            assert_eq!(other_geo_host(elsewhere, &home, false), None, "{elsewhere}");
        }
        let local = MySiteOrigin::from_service("http://contoso-my.localhost:8080", true).unwrap();
        assert_eq!(
            other_geo_host(
                "http://contoso-eu-my.localhost:8080/User Photos/a.jpg",
                &local,
                true
            )
            .map(|g| g.to_string())
            .as_deref(),
            Some("http://contoso-eu-my.localhost:8080")
        );
        assert_eq!(
            other_geo_host("http://contoso-eu-my.localhost:9999/a.jpg", &local, true),
            None
        );
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
            assert_eq!(medium_thumbnail_url(elsewhere, HOST), None, "{elsewhere}");
        }
    }

    #[test]
    fn the_medium_thumbnail_is_the_one_picture_url_names_or_any_size_changed_to_it() {
        for (picture, wanted) in [
            (
                "/User Photos/Profile Pictures/a_MThumb.jpg?t=1",
                "a_MThumb.jpg",
            ),
            ("/User Photos/Profile Pictures/a_SThumb.jpg", "a_MThumb.jpg"),
            ("/User Photos/Profile Pictures/a_LThumb.jpg", "a_MThumb.jpg"),
        ] {
            assert_eq!(
                medium_thumbnail_url(picture, HOST).as_deref(),
                Some(format!("https://contoso-my.sharepoint.com/User%20Photos/Profile%20Pictures/{wanted}").as_str())
            );
        }
    }
}
