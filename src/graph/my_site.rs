//! Which SharePoint origin is the user's My Site host, and whether a token may go there. Pure.
//!
//! `config.json` may name the host; otherwise it is the origin of Graph's `mySite`. A value
//! from a service is checked before any token is sent to it: it must be a My Site host in one
//! of Microsoft's SharePoint clouds (`{tenant}-my.sharepoint.com`, `.sharepoint.us`,
//! `.sharepoint.de`, `.sharepoint.cn`, `.sharepoint-mil.us`) over https, or, only when
//! `config.json` points at loopback endpoints, the local emulator's `{tenant}-my.localhost`
//! over http.

pub use crate::config::{MySiteOrigin, SHAREPOINT_CLOUD_DOMAINS};

/// Why no My Site host could be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MySiteError {
    /// Graph gave no `mySite` (the user has no OneDrive yet) and `config.json` names no host.
    #[error("no_my_site")]
    Unknown,
    /// `mySite` is not a SharePoint My Site URL: no token is sent there.
    #[error("untrusted_my_site: {value}")]
    Untrusted { value: String },
}

/// The My Site host origin: the configured one, else the origin of Graph's `mySite` if it is
/// a trusted My Site host.
///
/// ```
/// use profile_photo_sync::graph::my_site_host;
/// assert_eq!(
///     my_site_host(None, Some("https://contoso-my.sharepoint.com/personal/adelev_contoso_com/"), false)
///         .map(|origin| origin.to_string()),
///     Ok("https://contoso-my.sharepoint.com".to_owned())
/// );
/// assert!(my_site_host(None, Some("https://evil.example/personal/x"), false).is_err());
/// ```
pub fn my_site_host(
    configured: Option<&MySiteOrigin>,
    my_site: Option<&str>,
    local_deployment: bool,
) -> Result<MySiteOrigin, MySiteError> {
    // config.json is validated as an origin by `config` and chosen by whoever deploys the page.
    if let Some(host) = configured {
        return Ok(host.clone());
    }
    let my_site = my_site.map(str::trim).filter(|s| !s.is_empty());
    trusted_origin(my_site.ok_or(MySiteError::Unknown)?, local_deployment)
}

/// The origin of `url` if it is a My Site host a token may be sent to
/// ([`MySiteOrigin::from_service`]'s rule).
///
/// Plain-http `{tenant}-my.localhost` (the local emulator) is a My Site host only when
/// `local_deployment` is true: `config.json` itself points at loopback endpoints
/// ([`crate::config::AppConfig::is_local`]). A deployment with https endpoints never sends a
/// token over plain http because a service said so.
pub fn trusted_origin(url: &str, local_deployment: bool) -> Result<MySiteOrigin, MySiteError> {
    MySiteOrigin::from_service(url, local_deployment).ok_or_else(|| MySiteError::Untrusted {
        value: url.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`super::my_site_host`] with the configured host given as text, its answer as text.
    fn my_site_host(
        configured: Option<&str>,
        my_site: Option<&str>,
        local: bool,
    ) -> Result<String, MySiteError> {
        let configured = configured.map(|host| {
            crate::config::AppConfig::parse(&format!(
                r#"{{"clientId":"11111111-2222-3333-4444-555555555555",
                    "authority":"https://login.example/t","mySiteHost":"{host}"}}"#
            ))
            .unwrap()
            .my_site_host
            .unwrap()
        });
        super::my_site_host(configured.as_ref(), my_site, local).map(|o| o.to_string())
    }

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
                Some("https://other-my.sharepoint.com/personal/x"),
                false
            ),
            Ok("https://contoso-my.sharepoint.com".to_owned())
        );
        assert_eq!(
            my_site_host(Some("http://contoso-my.localhost:8080"), None, true),
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
                my_site_host(None, Some(url), false),
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
                Some("http://contoso-my.localhost:8080/personal/adele/"),
                true
            ),
            Ok("http://contoso-my.localhost:8080".to_owned())
        );
    }

    #[test]
    fn no_my_site_and_no_config_is_unknown() {
        assert_eq!(my_site_host(None, None, false), Err(MySiteError::Unknown));
        assert_eq!(
            my_site_host(None, Some("  "), false),
            Err(MySiteError::Unknown)
        );
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
            for local in [false, true] {
                assert_eq!(
                    my_site_host(None, Some(url), local),
                    untrusted(url),
                    "{url}"
                );
            }
        }
    }

    #[test]
    fn my_site_over_http_localhost_is_trusted_only_in_a_local_deployment() {
        // A deployment whose config.json names https endpoints: Graph's `mySite` cannot send a
        // token over plain http, to a loopback name or anywhere else.
        let url = "http://contoso-my.localhost:8080/personal/adele/";
        assert_eq!(my_site_host(None, Some(url), false), untrusted(url));
        assert_eq!(
            my_site_host(None, Some(url), true),
            Ok("http://contoso-my.localhost:8080".to_owned())
        );
    }

    // Property tests run natively (`cargo test`); proptest is a native dev-dependency.

    #[cfg(not(target_arch = "wasm32"))]

    proptest::proptest! {
        /// Whatever Graph says `mySite` is, a token only goes to a My Site host origin: https on
        /// a SharePoint cloud domain with no port, or (local deployments only) http on
        /// `*-my.localhost`; and the result is the origin of the value given.
        #[test]
        fn my_site_host_rule_holds_for_any_value(
            url in proptest::prop_oneof![
                proptest::string::string_regex(
                    "(https?|ftp)://([a-z0-9.@:-]{0,12}\\.)?[a-z0-9-]{0,8}-my\\.(sharepoint\\.(com|us|de|cn)|localhost|evil\\.example)(:[0-9]{1,5})?(/[ -~]{0,20})?"
                ).unwrap(),
                "[ -~]{0,60}",
            ],
            local in proptest::bool::ANY,
        ) {
            if let Ok(origin) = my_site_host(None, Some(&url), local) {
                let parsed = url::Url::parse(&origin).unwrap();
                let host = parsed.host_str().unwrap().to_owned();
                proptest::prop_assert_eq!(
                    url::Url::parse(url.trim()).unwrap().origin().ascii_serialization(),
                    origin.clone()
                );
                match parsed.scheme() {
                    "https" => proptest::prop_assert!(
                        parsed.port().is_none()
                            && SHAREPOINT_CLOUD_DOMAINS
                                .iter()
                                .any(|d| host.ends_with(&format!("-my.{d}"))),
                        "{}", origin
                    ),
                    "http" => proptest::prop_assert!(
                        local && host.ends_with("-my.localhost"),
                        "{}", origin
                    ),
                    _ => proptest::prop_assert!(false, "{}", origin),
                }
            }
        }
    }
}
