//! `sharepoint::request`: the large-thumbnail URL made from the `PictureURL` SharePoint
//! stores. The token goes with that URL, so its origin must always be the My Site host's.

use proptest::prelude::*;

use profile_photo_sync::sharepoint::large_thumbnail_url;

use crate::strategies::{host, text, url_like};

/// My Site hosts as config.json or Graph's `mySite` give them.
fn my_site_host() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "https://contoso-my.sharepoint.com",
        "https://contoso-my.sharepoint.com/",
        "https://CONTOSO-my.sharepoint.com:443",
        "https://fabrikam-my.sharepoint.us",
        "http://contoso-my.localhost:8080",
        "http://contoso-my.localhost:8080/",
    ])
    .prop_map(str::to_owned)
}

/// What `PictureURL` may hold: the host's own thumbnails, relative paths, other hosts and
/// anything else.
fn picture_url() -> impl Strategy<Value = String> {
    let file = "[a-zA-Z0-9._%\\- ]{0,16}";
    let suffix = prop::sample::select(vec![
        "_MThumb.jpg",
        "_SThumb.jpg",
        "_LThumb.jpg",
        ".jpg",
        "",
    ]);
    let on_host = (
        my_site_host(),
        file,
        suffix.clone(),
        prop::option::of(text()),
    )
        .prop_map(|(host, file, suffix, query)| {
            let query = query.map(|q| format!("?{q}")).unwrap_or_default();
            format!(
                "{}/User Photos/Profile Pictures/{file}{suffix}{query}",
                host.trim_end_matches('/')
            )
        });
    let relative = (file, suffix)
        .prop_map(|(file, suffix)| format!("/User Photos/Profile Pictures/{file}{suffix}"));
    prop_oneof![2 => on_host, 1 => relative, 3 => url_like()]
}

fn origin(url: &str) -> Option<String> {
    profile_photo_sync::http::origin(url)
}

proptest! {
    #![proptest_config(crate::strategies::runner())]

    #[test]
    fn large_thumbnail_url_never_panics(
        picture in any::<String>(),
        host in any::<String>(),
        version in prop::option::of(any::<String>()),
    ) {
        let _ = large_thumbnail_url(&picture, &host, version.as_deref());
    }

    /// Whatever `PictureURL` says, the URL the token is sent to is on the My Site host, and
    /// reads back as the same URL.
    #[test]
    fn the_thumbnail_is_always_on_the_my_site_host(
        picture in picture_url(),
        host in prop_oneof![3 => my_site_host(), 1 => url_like()],
        version in prop::option::of(text()),
    ) {
        if let Some(url) = large_thumbnail_url(&picture, &host, version.as_deref()) {
            prop_assert!(origin(&host).is_some(), "a thumbnail on {host:?}, which has no origin");
            prop_assert_eq!(origin(&url), origin(&host), "{} from {:?}", url, picture);
            let reparsed = url::Url::parse(&url).map(String::from);
            prop_assert_eq!(reparsed.as_deref(), Ok(url.as_str()));
        }
    }

    /// A thumbnail of the host's own `User Photos` is always found, as the large one, with
    /// the version as its only query, and no fragment.
    #[test]
    fn the_hosts_own_thumbnails_become_the_large_one(
        host in my_site_host(),
        relative in prop::bool::ANY,
        file in "[a-zA-Z0-9_\\-]{1,16}",
        size in prop::sample::select(vec!["M", "S", "L"]),
        query in prop::option::of("[a-z0-9=&]{0,8}"),
        version in prop::option::of("[0-9]{1,12}"),
    ) {
        let path = format!("/User%20Photos/Profile%20Pictures/{file}_{size}Thumb.jpg");
        let query = query.map(|q| format!("?{q}")).unwrap_or_default();
        let picture = if relative {
            format!("{path}{query}#frag")
        } else {
            format!("{}{path}{query}#frag", host.trim_end_matches('/'))
        };
        let url = large_thumbnail_url(&picture, &host, version.as_deref());
        prop_assert!(url.is_some(), "{picture} on {host}");
        let url = url::Url::parse(&url.unwrap()).unwrap();
        prop_assert_eq!(url.path(), format!("/User%20Photos/Profile%20Pictures/{file}_LThumb.jpg"));
        prop_assert_eq!(url.fragment(), None);
        if let Some(version) = &version {
            let expected = format!("t={version}");
            prop_assert_eq!(url.query(), Some(expected.as_str()));
        }
    }

    /// A full `PictureURL` on any other origin yields no URL at all. (`https:name` without
    /// slashes is a path on the base's host, as browsers read it, and so is not one.)
    #[test]
    fn other_origins_get_nothing(
        scheme in prop::sample::select(vec!["https", "http", "HTTPS"]),
        slashes in prop::sample::select(vec!["//", "\\\\", "/\\", "///"]),
        other in host(),
        port in prop::option::of(0u16..),
        path in "(/[a-zA-Z0-9_.]{0,10}){0,3}",
        host in my_site_host(),
    ) {
        let port = port.map(|p| format!(":{p}")).unwrap_or_default();
        let picture = format!("{scheme}:{slashes}{other}{port}{path}");
        let elsewhere = url::Url::parse(&picture).is_ok_and(|u| origin(u.as_str()) != origin(&host));
        if elsewhere {
            prop_assert_eq!(large_thumbnail_url(&picture, &host, None), None);
        }
    }
}
