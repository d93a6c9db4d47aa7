//! Which SharePoint origin is the user's My Site host, and whether a token may go there. Pure.
//!
//! `config.json` may name the host; otherwise it is the origin of Graph's `mySite`. A value
//! from a service is checked before any token is sent to it: it must be a My Site host in one
//! of Microsoft's SharePoint clouds (`{tenant}-my.sharepoint.com`, `.sharepoint.us`,
//! `.sharepoint.de`, `.sharepoint.cn`, `.sharepoint-mil.us`) over https, or the local
//! emulator's `{tenant}-my.localhost` over http.

use url::Url;

/// The domains SharePoint Online's clouds live under (commercial, GCC High, Germany, China, DoD).
pub const SHAREPOINT_CLOUD_DOMAINS: [&str; 5] = [
    "sharepoint.com",
    "sharepoint.us",
    "sharepoint.de",
    "sharepoint.cn",
    "sharepoint-mil.us",
];

/// Why no My Site host could be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MySiteError {
    /// Graph gave no `mySite` (the user has no OneDrive yet) and `config.json` names no host.
    #[error("this user has no OneDrive yet, and config.json names no mySiteHost")]
    Unknown,
    /// `mySite` is not a SharePoint My Site URL: no token is sent there.
    #[error("\"{value}\" is not a SharePoint My Site address; no sign-in token is sent there")]
    Untrusted { value: String },
}

/// The My Site host origin: the configured one, else the origin of Graph's `mySite` if it is
/// a trusted My Site host.
///
/// ```
/// use profile_photo_sync::graph::my_site_host;
/// assert_eq!(
///     my_site_host(None, Some("https://contoso-my.sharepoint.com/personal/adelev_contoso_com/")),
///     Ok("https://contoso-my.sharepoint.com".to_owned())
/// );
/// assert!(my_site_host(None, Some("https://evil.example/personal/x")).is_err());
/// ```
pub fn my_site_host(
    configured: Option<&str>,
    my_site: Option<&str>,
) -> Result<String, MySiteError> {
    // config.json is validated as an origin by `config` and chosen by whoever deploys the page.
    if let Some(host) = configured {
        return Ok(host.trim_end_matches('/').to_owned());
    }
    let my_site = my_site.map(str::trim).filter(|s| !s.is_empty());
    trusted_origin(my_site.ok_or(MySiteError::Unknown)?)
}

/// The origin of `url` if it is a My Site host a token may be sent to.
pub fn trusted_origin(url: &str) -> Result<String, MySiteError> {
    let untrusted = || MySiteError::Untrusted {
        value: url.to_owned(),
    };
    let parsed = Url::parse(url).map_err(|_| untrusted())?;
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(untrusted());
    }
    let host = parsed.host_str().ok_or_else(untrusted)?;
    let trusted = match parsed.scheme() {
        "https" => {
            parsed.port().is_none()
                && SHAREPOINT_CLOUD_DOMAINS
                    .iter()
                    .any(|domain| is_my_site_label_under(host, domain))
        }
        "http" => is_my_site_label_under(host, "localhost"),
        _ => false,
    };
    if trusted {
        Ok(parsed.origin().ascii_serialization())
    } else {
        Err(untrusted())
    }
}

/// `{tenant}-my.{domain}`, with exactly one label before the domain.
fn is_my_site_label_under(host: &str, domain: &str) -> bool {
    let Some(label) = host
        .strip_suffix(domain)
        .and_then(|rest| rest.strip_suffix('.'))
    else {
        return false;
    };
    let Some(tenant) = label.strip_suffix("-my") else {
        return false;
    };
    !tenant.is_empty()
        && tenant
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn untrusted(value: &str) -> Result<String, MySiteError> {
        Err(MySiteError::Untrusted {
            value: value.to_owned(),
        })
    }

    #[test]
    fn configured_host_wins() {
        assert_eq!(
            my_site_host(
                Some("https://contoso-my.sharepoint.com"),
                Some("https://other-my.sharepoint.com/personal/x")
            ),
            Ok("https://contoso-my.sharepoint.com".to_owned())
        );
        assert_eq!(
            my_site_host(Some("http://contoso-my.localhost:8080"), None),
            Ok("http://contoso-my.localhost:8080".to_owned())
        );
    }

    #[test]
    fn origin_of_my_site_in_every_cloud() {
        for (url, origin) in [
            (
                "https://contoso-my.sharepoint.com/personal/a_contoso_com/",
                "https://contoso-my.sharepoint.com",
            ),
            (
                "https://Contoso-My.SharePoint.com/personal/a/",
                "https://contoso-my.sharepoint.com",
            ),
            (
                "https://contosoeur-my.sharepoint.com/personal/a/",
                "https://contosoeur-my.sharepoint.com",
            ),
            (
                "https://contoso-my.sharepoint.us/personal/a/",
                "https://contoso-my.sharepoint.us",
            ),
            (
                "https://contoso-my.sharepoint.de/personal/a/",
                "https://contoso-my.sharepoint.de",
            ),
            (
                "https://contoso-my.sharepoint.cn/personal/a/",
                "https://contoso-my.sharepoint.cn",
            ),
            (
                "https://contoso-my.sharepoint-mil.us/personal/a/",
                "https://contoso-my.sharepoint-mil.us",
            ),
            (
                "https://contoso-my.sharepoint.com:443/personal/a/",
                "https://contoso-my.sharepoint.com",
            ),
        ] {
            assert_eq!(
                my_site_host(None, Some(url)),
                Ok(origin.to_owned()),
                "{url}"
            );
        }
    }

    #[test]
    fn emulator_my_site_over_http() {
        assert_eq!(
            my_site_host(
                None,
                Some("http://contoso-my.localhost:8080/personal/adele/")
            ),
            Ok("http://contoso-my.localhost:8080".to_owned())
        );
    }

    #[test]
    fn no_my_site_and_no_config_is_unknown() {
        assert_eq!(my_site_host(None, None), Err(MySiteError::Unknown));
        assert_eq!(my_site_host(None, Some("  ")), Err(MySiteError::Unknown));
    }

    #[test]
    fn tokens_never_go_to_other_origins() {
        for url in [
            "https://evil.example/personal/a",
            "https://contoso-my.sharepoint.com.evil.example/personal/a",
            "https://contoso.sharepoint.com/sites/x",
            "https://contoso-admin.sharepoint.com/",
            "https://a.contoso-my.sharepoint.com/",
            "https://-my.sharepoint.com/",
            "https://contoso-my.evilsharepoint.com/",
            "http://contoso-my.sharepoint.com/personal/a",
            "https://contoso-my.sharepoint.com:8443/personal/a",
            "https://user:pass@contoso-my.sharepoint.com/personal/a",
            "http://contoso.localhost:8080/",
            "http://evil.example-my.localhost.example/",
            "ftp://contoso-my.sharepoint.com/",
            "javascript:alert(1)",
            "not a url",
        ] {
            assert_eq!(my_site_host(None, Some(url)), untrusted(url), "{url}");
        }
    }
}
