//! `config.json`: what a deployment says about its tenant, parsed and validated.
//!
//! This module owns the file's schema, its defaults and every rule a value must meet; it
//! turns each problem into a [`ConfigError`] that says exactly what to fix. It performs no I/O
//! itself (the page fetches the file through [`crate::http`]) so that every rule is tested
//! natively.

use serde::Deserialize;
use url::Url;

/// The page's version (the crate's), shown in the footer and by the setup check, and written
/// into the release bundle's `VERSION` with the commit.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Where the page looks for its settings, relative to the page itself.
pub const CONFIG_PATH: &str = "config.json";

/// Where the sync page's first module (`crate::first`) hands the app its request for
/// [`CONFIG_PATH`] (a `Promise` of the `Response`, on `window`): the one request `index.html`
/// preloaded, which the app reads instead of asking again (`crate::app::load_config`).
pub const CONFIG_HANDOVER: &str = "ppsConfigResponse";

/// The file as written by whoever deploys the page; every field is optional here so that a
/// missing one becomes a specific message rather than a parse error.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawConfig {
    client_id: Option<String>,
    authority: Option<String>,
    graph_base_url: Option<String>,
    my_site_host: Option<String>,
    admin_host: Option<String>,
    redirect_uri: Option<String>,
    cache_location: Option<String>,
    #[serde(default)]
    embed_origins: Vec<String>,
    share_point_scopes: Option<Vec<String>>,
    support: Option<String>,
    audit: Option<RawAudit>,
}

/// `"audit": {"sharePointCalls": 3000, "sharePointWindowSeconds": 300}`: the SharePoint
/// budget the admin audit paces itself to, for tenants whose limits differ from the
/// documented per-user default.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawAudit {
    share_point_calls: Option<u32>,
    share_point_window_seconds: Option<u32>,
}

/// The admin audit's SharePoint budget (`audit` in `config.json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuditLimits {
    pub sharepoint_calls: u32,
    pub sharepoint_window_seconds: u32,
}

/// Where tokens are kept between page loads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CacheLocation {
    /// Per tab, gone when the tab closes (the default, as MSAL's).
    #[default]
    SessionStorage,
    /// Only in the page's memory: a reload signs in again.
    Memory,
}

/// A validated deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppConfig {
    /// The app registration's application (client) id, a GUID.
    pub client_id: String,
    /// The identity platform authority, without a trailing slash,
    /// e.g. `https://login.microsoftonline.com/contoso.onmicrosoft.com`.
    pub authority: String,
    /// Microsoft Graph's base URL without a trailing slash, e.g. `https://graph.microsoft.com/v1.0`.
    pub graph_base_url: String,
    /// The tenant's My Site host origin (`https://contoso-my.sharepoint.com`), when the
    /// deployment names it; otherwise it is found from Graph's `mySite` after sign-in.
    pub my_site_host: Option<MySiteOrigin>,
    /// The SharePoint admin host origin (`https://contoso-admin.sharepoint.com`), for bulk work.
    pub admin_host: Option<String>,
    /// The redirect URI registered for the SPA platform; defaults to the page's own URL.
    pub redirect_uri: Option<String>,
    /// Where tokens are cached.
    pub cache_location: CacheLocation,
    /// Origins of intranet pages allowed to embed the widget and receive its events.
    pub embed_origins: Vec<String>,
    /// The delegated SharePoint permissions the page asks for on the My Site host, as names
    /// (`User.ReadWrite.All`): the page puts the host's origin in front of each. By default
    /// [`DEFAULT_SHAREPOINT_SCOPES`]; `sharePointScopes` replaces them for a tenant that finds
    /// it needs others.
    pub share_point_scopes: Vec<String>,
    /// The admin audit's SharePoint budget, when the deployment sets one (both numbers above
    /// zero; otherwise the documented default applies).
    pub audit_limits: Option<AuditLimits>,
    /// Where employees get help (`"support"`), shown with every error.
    pub support: Option<SupportContact>,
}

/// The SharePoint permissions the page asks for when `config.json` names none: the profile
/// permission that writes the user's own picture (`SetMyProfilePicture`) and reads the
/// profile (`GetMyProperties`), and the site permission that reads the thumbnails SharePoint
/// makes in the My Site host's `User Photos` library (files, which profile permissions do not
/// cover). `User.ReadWrite.All` needs an administrator's consent.
pub const DEFAULT_SHAREPOINT_SCOPES: [&str; 2] = ["User.ReadWrite.All", "AllSites.Read"];

/// Everything that can be wrong with `config.json`, each with what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("config.json was not found next to the page (HTTP {status}). Copy config.json into the same folder as index.html.")]
    Missing { status: u16 },
    #[error("config.json could not be loaded: {reason}. Check that the page's host serves it.")]
    Unreachable { reason: String },
    /// The file is there but holds nothing (or only whitespace): an upload that went wrong.
    #[error("config.json is empty. Copy the example config.json from the release and fill in your tenant's values.")]
    Empty,
    #[error("config.json is not valid JSON (line {line}, column {column}): {message}.")]
    BadJson {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("config.json has no \"{field}\". Add it: {hint}")]
    MissingField {
        field: &'static str,
        hint: &'static str,
    },
    #[error("\"clientId\" in config.json is \"{value}\", which is not an application (client) ID. Copy the GUID from the app registration's Overview page in Entra ID.")]
    BadClientId { value: String },
    #[error("\"{field}\" in config.json is \"{value}\", which is not a valid URL ({reason}).")]
    BadUrl {
        field: &'static str,
        value: String,
        reason: UrlProblem,
    },
    #[error("\"{field}\" in config.json is \"{value}\": it must use https:// (only localhost may use http://).")]
    NotHttps { field: &'static str, value: String },
    #[error("\"{field}\" in config.json is \"{value}\": give the origin only (scheme and host), with no path.")]
    NotAnOrigin { field: &'static str, value: String },
    #[error(
        "\"cacheLocation\" in config.json is \"{value}\": use \"sessionStorage\" or \"memory\"."
    )]
    BadCacheLocation { value: String },
    #[error(
        "\"support\" in config.json is \"{value}\": give an https:// address or a mailto: address."
    )]
    BadSupport { value: String },
    /// `sharePointScopes` holds something that is not a SharePoint permission's name.
    #[error("{}", share_point_scope_message(.value, *.problem))]
    BadSharePointScope {
        value: String,
        problem: ScopeProblem,
    },
}

/// What is wrong with `sharePointScopes` (`value` names the entry).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeProblem {
    /// The list is empty: the page could get no SharePoint token.
    Empty,
    /// A URL or a resource in front of the name: the page adds the My Site host itself.
    NotAName,
    /// Not a permission's name (spaces, other characters, an OpenID Connect scope).
    NotAPermission,
    /// The same name twice.
    Repeated,
    /// `.default` with other names: the identity platform takes `.default` alone.
    DefaultNotAlone,
}

/// [`ConfigError::BadSharePointScope`] in English (the catalogue words it in each language).
pub fn share_point_scope_message(value: &str, problem: ScopeProblem) -> String {
    match problem {
        ScopeProblem::Empty => "\"sharePointScopes\" in config.json is an empty list. Leave the key out to ask for User.ReadWrite.All and AllSites.Read, or list the SharePoint permissions to ask for.".to_owned(),
        ScopeProblem::NotAName => format!("\"sharePointScopes\" in config.json has \"{value}\": give the permission's name only (for example User.ReadWrite.All); the page puts the My Site host in front of it."),
        ScopeProblem::NotAPermission => format!("\"sharePointScopes\" in config.json has \"{value}\", which is not the name of a SharePoint permission (for example User.ReadWrite.All or AllSites.Read)."),
        ScopeProblem::Repeated => format!("\"sharePointScopes\" in config.json lists \"{value}\" twice."),
        ScopeProblem::DefaultNotAlone => "\"sharePointScopes\" in config.json has \".default\" with other names: .default stands for every permission the app registration has, so it must be the only entry.".to_owned(),
    }
}

/// Why a value of `config.json` is not a URL the page can use. The screens word each kind in
/// the page's language (`i18n`); `Display` is English, for logs and the error's own text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlProblem {
    /// The URL parser refused it; its message (English, technical) is kept verbatim.
    #[error("{0}")]
    Unparsable(String),
    /// An http(s) URL with no host.
    #[error("it has no host")]
    NoHost,
    /// An endpoint with a query (`?…`) or a fragment (`#…`).
    #[error("it must not have a query or fragment")]
    QueryOrFragment,
}

impl AppConfig {
    /// True when the identity platform and Graph named here are on this machine (a local
    /// emulator): only then may a My Site host found through Graph be plain-http
    /// `*-my.localhost`. A deployment with https endpoints trusts https My Site hosts only.
    pub fn is_local(&self) -> bool {
        [&self.authority, &self.graph_base_url]
            .into_iter()
            .all(|endpoint| {
                Url::parse(endpoint).is_ok_and(|u| {
                    u.scheme() == "http" && u.host_str().is_some_and(is_loopback_host)
                })
            })
    }

    /// Parses and validates the text of `config.json`.
    ///
    /// ```
    /// let config = profile_photo_sync::config::AppConfig::parse(r#"{
    ///     "clientId": "11111111-2222-3333-4444-555555555555",
    ///     "authority": "https://login.microsoftonline.com/contoso.onmicrosoft.com/",
    ///     "graphBaseUrl": "https://graph.microsoft.com/v1.0"
    /// }"#).unwrap();
    /// assert_eq!(config.authority, "https://login.microsoftonline.com/contoso.onmicrosoft.com");
    /// ```
    pub fn parse(text: &str) -> Result<AppConfig, ConfigError> {
        if text.trim().is_empty() {
            return Err(ConfigError::Empty);
        }
        let raw = RawConfig::read(text)?;

        let client_id = non_empty(raw.client_id).ok_or(ConfigError::MissingField {
            field: "clientId",
            hint: "the application (client) ID of the app registration in Entra ID.",
        })?;
        if !is_guid(&client_id) {
            return Err(ConfigError::BadClientId { value: client_id });
        }
        let authority = non_empty(raw.authority).ok_or(ConfigError::MissingField {
            field: "authority",
            hint: "https://login.microsoftonline.com/<your tenant>.onmicrosoft.com",
        })?;
        let authority = endpoint("authority", &authority)?;
        let graph_base_url = non_empty(raw.graph_base_url)
            .map(|g| endpoint("graphBaseUrl", &g))
            .transpose()?
            .unwrap_or_else(|| "https://graph.microsoft.com/v1.0".to_owned());
        let my_site_host = non_empty(raw.my_site_host)
            .map(|h| origin("mySiteHost", &h).map(MySiteOrigin))
            .transpose()?;
        let admin_host = non_empty(raw.admin_host)
            .map(|h| origin("adminHost", &h))
            .transpose()?;
        let redirect_uri = non_empty(raw.redirect_uri)
            .map(|r| checked_url("redirectUri", &r).map(|u| u.to_string()))
            .transpose()?;
        let cache_location = match non_empty(raw.cache_location).as_deref() {
            None | Some("sessionStorage") => CacheLocation::SessionStorage,
            Some("memory") => CacheLocation::Memory,
            Some(other) => {
                return Err(ConfigError::BadCacheLocation {
                    value: other.to_owned(),
                })
            }
        };
        let embed_origins = raw
            .embed_origins
            .iter()
            .map(|o| origin("embedOrigins", o))
            .collect::<Result<Vec<_>, _>>()?;
        let share_point_scopes = match raw.share_point_scopes {
            None => DEFAULT_SHAREPOINT_SCOPES.map(str::to_owned).to_vec(),
            Some(names) => share_point_scopes(names)?,
        };
        let support = non_empty(raw.support)
            .map(|value| SupportContact::parse(&value).ok_or(ConfigError::BadSupport { value }))
            .transpose()?;

        let audit_limits =
            raw.audit.and_then(
                |a| match (a.share_point_calls?, a.share_point_window_seconds?) {
                    (0, _) | (_, 0) => None,
                    (calls, seconds) => Some(AuditLimits {
                        sharepoint_calls: calls,
                        sharepoint_window_seconds: seconds,
                    }),
                },
            );

        Ok(AppConfig {
            client_id,
            authority,
            graph_base_url,
            my_site_host,
            admin_host,
            redirect_uri,
            cache_location,
            embed_origins,
            share_point_scopes,
            audit_limits,
            support,
        })
    }

    /// The support contact of a `config.json` that is not valid as a whole (a missing field, a
    /// wrong address), when the file is JSON and its `"support"` is valid: the page that cannot
    /// start can still say where to get help.
    ///
    /// ```
    /// use profile_photo_sync::config::AppConfig;
    /// let broken = r#"{"clientId": "my-app", "support": "mailto:help@contoso.com"}"#;
    /// assert!(AppConfig::parse(broken).is_err());
    /// let support = AppConfig::support_in(broken).unwrap();
    /// assert_eq!(support.href(), "mailto:help@contoso.com");
    /// ```
    pub fn support_in(text: &str) -> Option<SupportContact> {
        let raw = RawConfig::read(text).ok()?;
        SupportContact::parse(non_empty(raw.support)?.as_str())
    }
}

impl RawConfig {
    /// The file's JSON, or where it is not JSON. One place reads it (kept out of line): the
    /// page then carries one copy of serde_json's parser for it, as for every other JSON read
    /// (`from_slice`).
    #[inline(never)]
    fn read(text: &str) -> Result<RawConfig, ConfigError> {
        serde_json::from_slice(text.as_bytes()).map_err(|e| ConfigError::BadJson {
            line: e.line(),
            column: e.column(),
            message: e
                .to_string()
                .split(" at line ")
                .next()
                .unwrap_or_default()
                .to_owned(),
        })
    }
}

/// Where employees get help with the page: a web page (`https://…`) or an email address
/// (`mailto:…`), from `config.json`'s `"support"`. Nothing else is taken, so a link the page
/// shows can never run script (`javascript:`) or leave for an unencrypted page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupportContact(Url);

impl SupportContact {
    /// `value` when it is an https address with a host and no credentials, or a mailto address
    /// with one recipient.
    ///
    /// ```
    /// use profile_photo_sync::config::SupportContact;
    /// assert!(SupportContact::parse("https://help.contoso.com/photo").is_some());
    /// assert!(SupportContact::parse("mailto:it@contoso.com").is_some());
    /// assert!(SupportContact::parse("javascript:alert(1)").is_none());
    /// assert!(SupportContact::parse("http://help.contoso.com").is_none());
    /// ```
    pub fn parse(value: &str) -> Option<SupportContact> {
        let url = Url::parse(value.trim()).ok()?;
        let valid = match url.scheme() {
            "https" => {
                url.host_str().is_some_and(|h| !h.is_empty())
                    && url.username().is_empty()
                    && url.password().is_none()
            }
            "mailto" => {
                let address = url.path();
                let (local, domain) = address.split_once('@')?;
                !local.is_empty()
                    && !domain.is_empty()
                    && !address.contains([',', ';', '/', '\\', ' '])
                    && !domain.contains('@')
            }
            _ => false,
        };
        valid.then_some(SupportContact(url))
    }

    /// The address a link goes to.
    pub fn href(&self) -> &str {
        self.0.as_str()
    }

    /// What the link shows: the email address, or the web address without its scheme.
    pub fn label(&self) -> String {
        match self.0.scheme() {
            "mailto" => self.0.path().to_owned(),
            _ => {
                let shown = self.0.as_str().trim_start_matches("https://");
                shown.trim_end_matches('/').to_owned()
            }
        }
    }

    /// True for an email address.
    pub fn is_mail(&self) -> bool {
        self.0.scheme() == "mailto"
    }
}

/// Checks `sharePointScopes`: permission names (`User.ReadWrite.All`, `AllSites.Read`), each
/// once, or `.default` alone; at least one.
fn share_point_scopes(names: Vec<String>) -> Result<Vec<String>, ConfigError> {
    let bad = |value: &str, problem| ConfigError::BadSharePointScope {
        value: value.to_owned(),
        problem,
    };
    let names: Vec<String> = names.into_iter().map(|n| n.trim().to_owned()).collect();
    if names.is_empty() {
        return Err(bad("", ScopeProblem::Empty));
    }
    for (i, name) in names.iter().enumerate() {
        if name.contains(['/', ':']) {
            return Err(bad(name, ScopeProblem::NotAName));
        }
        let permission = name
            .split('.')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric()))
            && name.starts_with(|c: char| c.is_ascii_alphabetic());
        let oidc = OIDC_SCOPE_NAMES
            .iter()
            .any(|o| o.eq_ignore_ascii_case(name));
        if name == ".default" {
            if names.len() > 1 {
                return Err(bad(name, ScopeProblem::DefaultNotAlone));
            }
        } else if !permission || oidc {
            return Err(bad(name, ScopeProblem::NotAPermission));
        }
        if names[..i].iter().any(|n| n.eq_ignore_ascii_case(name)) {
            return Err(bad(name, ScopeProblem::Repeated));
        }
    }
    Ok(names)
}

/// The OpenID Connect scopes, which name no resource's permission.
pub const OIDC_SCOPE_NAMES: [&str; 4] = ["openid", "profile", "offline_access", "email"];

fn non_empty(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// `8-4-4-4-12` hexadecimal digits, as Entra ID shows client ids.
pub fn is_guid(value: &str) -> bool {
    let groups: Vec<&str> = value.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, len)| g.len() == len && g.chars().all(|c| c.is_ascii_hexdigit()))
}

/// True for hosts that never leave the machine, where plain http is acceptable.
pub fn is_loopback_host(host: &str) -> bool {
    host == "localhost" || host.ends_with(".localhost") || host == "127.0.0.1" || host == "[::1]"
}

/// True for `https` URLs with a host, and `http` ones on a loopback host: the only URLs the
/// page sends anything to.
pub fn is_safe_endpoint(url: &Url) -> bool {
    is_safe_origin(url.scheme(), url.host_str().unwrap_or_default())
}

/// [`is_safe_endpoint`] on a URL's parts (`scheme` without its colon), for code that parses
/// URLs with the browser's parser instead (the first module).
pub fn is_safe_origin(scheme: &str, host: &str) -> bool {
    match scheme {
        "https" => !host.is_empty(),
        "http" => is_loopback_host(host),
        _ => false,
    }
}

fn checked_url(field: &'static str, value: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(value).map_err(|e| ConfigError::BadUrl {
        field,
        value: value.to_owned(),
        reason: UrlProblem::Unparsable(e.to_string()),
    })?;
    let host = url.host_str().unwrap_or_default().to_owned();
    match url.scheme() {
        "https" if !host.is_empty() => Ok(url),
        "http" if is_loopback_host(&host) => Ok(url),
        "http" | "https" if host.is_empty() => Err(ConfigError::BadUrl {
            field,
            value: value.to_owned(),
            reason: UrlProblem::NoHost,
        }),
        _ => Err(ConfigError::NotHttps {
            field,
            value: value.to_owned(),
        }),
    }
}

/// An endpoint: an https URL, returned without a trailing slash, query or fragment.
fn endpoint(field: &'static str, value: &str) -> Result<String, ConfigError> {
    let url = checked_url(field, value)?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(ConfigError::BadUrl {
            field,
            value: value.to_owned(),
            reason: UrlProblem::QueryOrFragment,
        });
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// An origin: scheme, host and port, no path.
fn origin(field: &'static str, value: &str) -> Result<String, ConfigError> {
    let url = checked_url(field, value)?;
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(ConfigError::NotAnOrigin {
            field,
            value: value.to_owned(),
        });
    }
    Ok(url.origin().ascii_serialization())
}

/// The domains SharePoint Online's clouds live under (commercial, GCC High, Germany, China, DoD).
pub const SHAREPOINT_CLOUD_DOMAINS: [&str; 5] = [
    "sharepoint.com",
    "sharepoint.us",
    "sharepoint.de",
    "sharepoint.cn",
    "sharepoint-mil.us",
];

/// The origin of the user's My Site host (`https://contoso-my.sharepoint.com`): the one
/// SharePoint origin a sign-in token may be sent to, and the audience of that token.
///
/// Made only two ways, each checked once: from `config.json`'s `mySiteHost` (an origin that
/// whoever deploys the page chose, https or a loopback host, validated by [`AppConfig::parse`]),
/// or from a My Site URL a service named ([`MySiteOrigin::from_service`], Graph's `mySite`),
/// which must be a My Site host in one of Microsoft's SharePoint clouds over https, or, only
/// in a local deployment ([`AppConfig::is_local`]), the local emulator's
/// `{tenant}-my.localhost` over http. It is kept in its one serialized form (lower case, no
/// default port, no trailing slash), so nothing trims or compares it again.
///
/// ```
/// use profile_photo_sync::config::MySiteOrigin;
/// let origin = MySiteOrigin::from_service("https://Contoso-my.sharepoint.com/personal/a/", false);
/// assert_eq!(origin.as_deref(), Some("https://contoso-my.sharepoint.com"));
/// assert_eq!(MySiteOrigin::from_service("https://evil.example/personal/a", false), None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MySiteOrigin(String);

impl MySiteOrigin {
    /// The origin of `url` if it is a My Site host a token may be sent to. A deployment with
    /// https endpoints (`local_deployment` false) never sends a token over plain http because
    /// a service said so.
    pub fn from_service(url: &str, local_deployment: bool) -> Option<MySiteOrigin> {
        let parsed = Url::parse(url).ok()?;
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return None;
        }
        let host = parsed.host_str()?;
        let trusted = match parsed.scheme() {
            "https" => {
                parsed.port().is_none()
                    && SHAREPOINT_CLOUD_DOMAINS
                        .iter()
                        .any(|domain| is_my_site_label_under(host, domain))
            }
            "http" => local_deployment && is_my_site_label_under(host, "localhost"),
            _ => false,
        };
        trusted.then(|| MySiteOrigin(parsed.origin().ascii_serialization()))
    }

    /// `https://contoso-my.sharepoint.com`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for MySiteOrigin {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for MySiteOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
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

    const ID: &str = "11111111-2222-3333-4444-555555555555";

    fn parse(json: &str) -> Result<AppConfig, ConfigError> {
        AppConfig::parse(json)
    }

    #[test]
    fn minimal_config_gets_defaults() {
        let c = parse(&format!(
            r#"{{"clientId":"{ID}","authority":"https://login.microsoftonline.com/contoso.onmicrosoft.com"}}"#
        ))
        .unwrap();
        assert_eq!(c.client_id, ID);
        assert_eq!(c.graph_base_url, "https://graph.microsoft.com/v1.0");
        assert_eq!(c.my_site_host, None);
        assert_eq!(c.cache_location, CacheLocation::SessionStorage);
        assert!(c.embed_origins.is_empty());
    }

    #[test]
    fn emulator_config_on_localhost_is_accepted() {
        let c = parse(&format!(
            r#"{{"clientId":"{ID}","authority":"http://login.localhost:8080/contoso.onmicrosoft.com",
                "graphBaseUrl":"http://graph.localhost:8080/v1.0/","mySiteHost":"http://contoso-my.localhost:8080/",
                "embedOrigins":["http://intranet.localhost:8080"],"cacheLocation":"memory"}}"#
        ))
        .unwrap();
        assert_eq!(c.graph_base_url, "http://graph.localhost:8080/v1.0");
        assert_eq!(
            c.my_site_host.as_deref(),
            Some("http://contoso-my.localhost:8080")
        );
        assert_eq!(c.embed_origins, vec!["http://intranet.localhost:8080"]);
        assert_eq!(c.cache_location, CacheLocation::Memory);
        assert!(c.is_local(), "the emulator's endpoints are loopback");
    }

    #[test]
    fn a_deployment_with_https_endpoints_is_not_local() {
        let c = parse(&format!(
            r#"{{"clientId":"{ID}","authority":"https://login.microsoftonline.com/contoso.onmicrosoft.com",
                "graphBaseUrl":"http://graph.localhost:8080/v1.0"}}"#
        ))
        .unwrap();
        assert!(
            !c.is_local(),
            "one https endpoint makes it a real deployment"
        );
    }

    #[test]
    fn bad_json_says_where() {
        let err = parse("{\n  \"clientId\": \"x\",\n}").unwrap_err();
        assert!(
            matches!(err, ConfigError::BadJson { line: 3, .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("line 3"));
    }

    #[test]
    fn an_empty_file_is_called_empty_not_bad_json() {
        for text in ["", "  \n\t"] {
            let err = parse(text).unwrap_err();
            assert_eq!(err, ConfigError::Empty, "{text:?}");
            assert!(err.to_string().starts_with("config.json is empty"));
        }
    }

    #[test]
    fn missing_client_id_is_named() {
        let err = parse(r#"{"authority":"https://login.microsoftonline.com/x"}"#).unwrap_err();
        assert_eq!(
            err,
            ConfigError::MissingField {
                field: "clientId",
                hint: "the application (client) ID of the app registration in Entra ID."
            }
        );
        let blank = parse(r#"{"clientId":"  ","authority":"https://a.example"}"#).unwrap_err();
        assert!(matches!(
            blank,
            ConfigError::MissingField {
                field: "clientId",
                ..
            }
        ));
    }

    #[test]
    fn client_id_must_be_a_guid() {
        let err = parse(r#"{"clientId":"my-app","authority":"https://a.example"}"#).unwrap_err();
        assert!(matches!(err, ConfigError::BadClientId { .. }));
    }

    #[test]
    fn missing_authority_is_named() {
        let err = parse(&format!(r#"{{"clientId":"{ID}"}}"#)).unwrap_err();
        assert!(matches!(
            err,
            ConfigError::MissingField {
                field: "authority",
                ..
            }
        ));
    }

    #[test]
    fn http_outside_localhost_is_refused() {
        let err = parse(&format!(
            r#"{{"clientId":"{ID}","authority":"http://login.microsoftonline.com/contoso"}}"#
        ))
        .unwrap_err();
        assert_eq!(
            err,
            ConfigError::NotHttps {
                field: "authority",
                value: "http://login.microsoftonline.com/contoso".into()
            }
        );
        let graph = parse(&format!(
            r#"{{"clientId":"{ID}","authority":"https://a.example/t","graphBaseUrl":"http://graph.example/v1.0"}}"#
        ))
        .unwrap_err();
        assert!(matches!(
            graph,
            ConfigError::NotHttps {
                field: "graphBaseUrl",
                ..
            }
        ));
    }

    #[test]
    fn host_fields_must_be_origins() {
        let err = parse(&format!(
            r#"{{"clientId":"{ID}","authority":"https://a.example/t","mySiteHost":"https://contoso-my.sharepoint.com/personal/x"}}"#
        ))
        .unwrap_err();
        assert!(matches!(
            err,
            ConfigError::NotAnOrigin {
                field: "mySiteHost",
                ..
            }
        ));
    }

    #[test]
    fn garbage_url_is_reported() {
        let err = parse(&format!(r#"{{"clientId":"{ID}","authority":"login"}}"#)).unwrap_err();
        assert!(matches!(
            err,
            ConfigError::BadUrl {
                field: "authority",
                reason: UrlProblem::Unparsable(_),
                ..
            }
        ));
    }

    #[test]
    fn a_url_without_a_host_or_with_a_query_says_which() {
        let err = parse(&format!(
            r#"{{"clientId":"{ID}","authority":"https://a.example/t?tenant=x"}}"#
        ))
        .unwrap_err();
        assert!(matches!(
            err,
            ConfigError::BadUrl {
                field: "authority",
                reason: UrlProblem::QueryOrFragment,
                ..
            }
        ));
        let err = parse(&format!(
            r#"{{"clientId":"{ID}","authority":"https://a.example/t","graphBaseUrl":"https://g.example/v1.0#x"}}"#
        ))
        .unwrap_err();
        assert!(matches!(
            err,
            ConfigError::BadUrl {
                field: "graphBaseUrl",
                reason: UrlProblem::QueryOrFragment,
                ..
            }
        ));
    }

    #[test]
    fn sharepoint_scopes_default_to_the_profile_permission_and_site_reads() {
        let c = parse(&format!(
            r#"{{"clientId":"{ID}","authority":"https://a.example/t"}}"#
        ))
        .unwrap();
        assert_eq!(
            c.share_point_scopes,
            ["User.ReadWrite.All", "AllSites.Read"]
        );
    }

    #[test]
    fn sharepoint_scopes_from_config_replace_the_default_as_names() {
        let c = parse(&format!(
            r#"{{"clientId":"{ID}","authority":"https://a.example/t",
                "sharePointScopes":[" AllSites.FullControl ","User.ReadWrite.All"]}}"#
        ))
        .unwrap();
        assert_eq!(
            c.share_point_scopes,
            ["AllSites.FullControl", "User.ReadWrite.All"]
        );
        let c = parse(&format!(
            r#"{{"clientId":"{ID}","authority":"https://a.example/t","sharePointScopes":[".default"]}}"#
        ))
        .unwrap();
        assert_eq!(c.share_point_scopes, [".default"]);
    }

    #[test]
    fn sharepoint_scopes_that_are_not_permission_names_are_refused_with_the_entry() {
        let cases: [(&str, &str, ScopeProblem); 8] = [
            ("[]", "", ScopeProblem::Empty),
            (
                r#"["https://contoso-my.sharepoint.com/User.ReadWrite.All"]"#,
                "https://contoso-my.sharepoint.com/User.ReadWrite.All",
                ScopeProblem::NotAName,
            ),
            (r#"["Sites:Read"]"#, "Sites:Read", ScopeProblem::NotAName),
            (
                r#"["User.ReadWrite.All AllSites.Read"]"#,
                "User.ReadWrite.All AllSites.Read",
                ScopeProblem::NotAPermission,
            ),
            (r#"["", "AllSites.Read"]"#, "", ScopeProblem::NotAPermission),
            (
                r#"["offline_access"]"#,
                "offline_access",
                ScopeProblem::NotAPermission,
            ),
            (
                r#"["AllSites.Read", "allsites.read"]"#,
                "allsites.read",
                ScopeProblem::Repeated,
            ),
            (
                r#"[".default", "AllSites.Read"]"#,
                ".default",
                ScopeProblem::DefaultNotAlone,
            ),
        ];
        for (list, value, problem) in cases {
            let err = parse(&format!(
                r#"{{"clientId":"{ID}","authority":"https://a.example/t","sharePointScopes":{list}}}"#
            ))
            .unwrap_err();
            assert_eq!(
                err,
                ConfigError::BadSharePointScope {
                    value: value.to_owned(),
                    problem
                },
                "{list}"
            );
            let text = err.to_string();
            assert!(
                text.starts_with("\"sharePointScopes\" in config.json"),
                "{text}"
            );
            assert!(text.contains(value), "{text}");
        }
        // Not a list of strings at all: the JSON's own message, with where.
        let err = parse(&format!(
            r#"{{"clientId":"{ID}","authority":"https://a.example/t","sharePointScopes":"AllSites.Read"}}"#
        ))
        .unwrap_err();
        assert!(matches!(err, ConfigError::BadJson { .. }), "{err:?}");
    }

    #[test]
    fn a_support_contact_is_a_web_page_or_an_email_address() {
        let config = |support: &str| {
            parse(&format!(
                r#"{{"clientId":"{ID}","authority":"https://a.example/t","support":"{support}"}}"#
            ))
        };
        let page = config("https://help.contoso.com/photo/")
            .unwrap()
            .support
            .unwrap();
        assert_eq!(page.href(), "https://help.contoso.com/photo/");
        assert_eq!(page.label(), "help.contoso.com/photo");
        assert!(!page.is_mail());
        let mail = config("mailto:it-help@contoso.com")
            .unwrap()
            .support
            .unwrap();
        assert_eq!(mail.label(), "it-help@contoso.com");
        assert!(mail.is_mail());
        assert_eq!(config(" ").unwrap().support, None, "blank is no contact");
        for wrong in [
            "javascript:alert(1)",
            "http://help.contoso.com",
            "help.contoso.com",
            "mailto:",
            "mailto:it",
            "mailto:a@b.c,evil@x.y",
            "https://user:pw@help.contoso.com",
            "data:text/html,hi",
        ] {
            assert_eq!(
                config(wrong).unwrap_err(),
                ConfigError::BadSupport {
                    value: wrong.to_owned()
                },
                "{wrong}"
            );
        }
    }

    #[test]
    fn a_broken_config_still_names_its_support_contact() {
        let broken = r#"{"authority":"x","support":"https://help.contoso.com"}"#;
        assert!(parse(broken).is_err());
        assert_eq!(
            AppConfig::support_in(broken).map(|s| s.label()).as_deref(),
            Some("help.contoso.com")
        );
        assert_eq!(AppConfig::support_in("{ not json"), None);
        assert_eq!(AppConfig::support_in(r#"{"support":"ftp://x"}"#), None);
        assert_eq!(AppConfig::support_in(r#"{"support":5}"#), None);
    }

    #[test]
    fn unknown_cache_location_is_refused() {
        let err = parse(&format!(
            r#"{{"clientId":"{ID}","authority":"https://a.example/t","cacheLocation":"localStorage"}}"#
        ))
        .unwrap_err();
        assert!(matches!(err, ConfigError::BadCacheLocation { .. }));
    }

    #[test]
    fn safe_endpoints_are_https_or_http_on_this_machine() {
        let safe = |u: &str| is_safe_endpoint(&Url::parse(u).unwrap());
        assert!(safe("https://login.microsoftonline.com/contoso"));
        assert!(safe("http://login.localhost:8080/t"));
        assert!(safe("http://127.0.0.1/t") && safe("http://[::1]/t"));
        assert!(!safe("http://login.microsoftonline.com/contoso"));
        assert!(!safe("http://localhost.evil.example/t"));
        assert!(!safe("ftp://login.localhost/t"));
        // The first module's parts, as the browser's URL parser gives them.
        assert!(is_safe_origin("https", "login.microsoftonline.com"));
        assert!(is_safe_origin("http", "login.localhost"));
        assert!(!is_safe_origin("https", ""));
        assert!(!is_safe_origin("http", "evil.example"));
        assert!(!is_safe_origin("javascript", ""));
    }
}
