//! `config`: `config.json` as a deployment may write it. A config that validates names only
//! https (or loopback http) endpoints and plain origins; a good one reads back as written.

use proptest::prelude::*;
use serde_json::{json, Map, Value};

use profile_photo_sync::config::{is_safe_endpoint, AppConfig, CacheLocation, ConfigError};

use crate::strategies::{json_value, text, url_like};

fn guid() -> impl Strategy<Value = String> {
    "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
}

/// A field's value: good, hostile, blank, or not a string at all.
fn field(good: impl Strategy<Value = String> + 'static) -> BoxedStrategy<Option<Value>> {
    prop::option::of(prop_oneof![
        4 => good.prop_map(Value::String),
        4 => url_like().prop_map(Value::String),
        1 => prop::sample::select(vec!["", "  "]).prop_map(|s| Value::String(s.to_owned())),
        1 => json_value(),
    ])
    .boxed()
}

/// `config.json` as people write it, right and wrong.
fn config_json() -> impl Strategy<Value = String> {
    (
        field(prop_oneof![guid(), text()]),
        field(good_endpoint()),
        field(good_endpoint()),
        field(good_origin()),
        field(good_origin()),
        field(good_endpoint()),
        field(
            prop::sample::select(vec!["sessionStorage", "memory", "localStorage", "Memory"])
                .prop_map(str::to_owned),
        ),
        prop::option::of(prop_oneof![
            prop::collection::vec(prop_oneof![good_origin(), url_like()], 0..4)
                .prop_map(|v| json!(v)),
            json_value(),
        ]),
    )
        .prop_map(
            |(client_id, authority, graph, my_site, admin, redirect, cache, embed)| {
                let mut object = Map::new();
                for (key, value) in [
                    ("clientId", client_id),
                    ("authority", authority),
                    ("graphBaseUrl", graph),
                    ("mySiteHost", my_site),
                    ("adminHost", admin),
                    ("redirectUri", redirect),
                    ("cacheLocation", cache),
                    ("embedOrigins", embed),
                ] {
                    if let Some(value) = value {
                        object.insert(key.to_owned(), value);
                    }
                }
                Value::Object(object).to_string()
            },
        )
}

fn good_host() -> impl Strategy<Value = String> {
    prop_oneof![
        // No `xn--` label: that is punycode, which must decode to be a valid name.
        "[a-z][a-z0-9\\-]{0,12}(\\.[a-z][a-z0-9\\-]{0,8}){1,3}"
            .prop_filter("not punycode", |h: &String| !h
                .split('.')
                .any(|l| l.starts_with("xn--"))),
        prop::sample::select(vec![
            "login.microsoftonline.com",
            "graph.microsoft.com",
            "contoso-my.sharepoint.com",
        ])
        .prop_map(str::to_owned),
    ]
}

fn good_origin() -> impl Strategy<Value = String> {
    prop_oneof![
        good_host().prop_map(|h| format!("https://{h}")),
        (
            prop::sample::select(vec!["localhost", "login.localhost", "127.0.0.1", "[::1]"]),
            1u16..,
        )
            .prop_map(|(h, port)| format!("http://{h}:{port}")),
    ]
}

fn good_endpoint() -> impl Strategy<Value = String> {
    (good_origin(), "(/[a-zA-Z0-9._\\-]{1,12}){0,3}/?").prop_map(|(o, p)| format!("{o}{p}"))
}

fn safe(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|u| is_safe_endpoint(&u))
}

/// True when `value` is a bare origin: it is its own origin.
fn is_origin(value: &str) -> bool {
    profile_photo_sync::http::origin(value).as_deref() == Some(value)
}

proptest! {
    #![proptest_config(crate::strategies::runner())]

    #[test]
    fn parse_never_panics(text in any::<String>()) {
        let _ = AppConfig::parse(&text);
    }

    /// Whatever the file says, a config that validates sends nothing anywhere but https (or
    /// http on loopback), its endpoints have no trailing slash, query or fragment, its hosts
    /// are bare origins, and its client id is a GUID.
    #[test]
    fn a_valid_config_names_only_safe_endpoints(json in config_json()) {
        let Ok(config) = AppConfig::parse(&json) else { return Ok(()) };
        prop_assert!(config.client_id.len() == 36 && config.client_id.split('-').count() == 5);
        for endpoint in [&config.authority, &config.graph_base_url] {
            prop_assert!(safe(endpoint), "{endpoint} from {json}");
            prop_assert!(!endpoint.ends_with('/') && !endpoint.contains(['?', '#']), "{endpoint}");
        }
        let my_site_host = config.my_site_host.as_deref().map(str::to_owned);
        for host in my_site_host.iter().chain(&config.admin_host).chain(&config.embed_origins) {
            prop_assert!(safe(host) && is_origin(host), "{host} from {json}");
        }
        if let Some(redirect) = &config.redirect_uri {
            prop_assert!(safe(redirect), "{redirect} from {json}");
        }
    }

    /// A file that is not JSON (or not an object of the expected shape) says where it broke;
    /// an empty (or blank) file says it is empty.
    #[test]
    fn what_is_not_json_is_bad_json(text in text()) {
        prop_assume!(serde_json::from_str::<Value>(&text).map(|v| !v.is_object()).unwrap_or(true));
        let parsed = AppConfig::parse(&text);
        if text.trim().is_empty() {
            prop_assert!(matches!(parsed, Err(ConfigError::Empty)), "{parsed:?}");
        } else {
            prop_assert!(matches!(parsed, Err(ConfigError::BadJson { .. })), "{parsed:?}");
        }
    }

    /// A good config reads back as written: endpoints without their trailing slash, hosts as
    /// origins, the cache location as named.
    #[test]
    fn a_good_config_reads_back(
        client_id in guid(),
        authority in good_endpoint(),
        graph in prop::option::of(good_endpoint()),
        my_site in prop::option::of(good_origin()),
        admin in prop::option::of(good_origin()),
        memory in prop::option::of(any::<bool>()),
        embed in prop::collection::vec(good_origin(), 0..4),
        pad in "[ \t\n]{0,2}",
    ) {
        let mut value = json!({
            "clientId": format!("{pad}{client_id}{pad}"),
            "authority": format!("{pad}{authority}{pad}"),
            "embedOrigins": embed,
            "unknownSetting": 1,
        });
        if let Some(graph) = &graph { value["graphBaseUrl"] = json!(graph); }
        if let Some(my_site) = &my_site { value["mySiteHost"] = json!(format!("{my_site}/")); }
        if let Some(admin) = &admin { value["adminHost"] = json!(admin); }
        if let Some(memory) = memory {
            value["cacheLocation"] = json!(if memory { "memory" } else { "sessionStorage" });
        }
        let config = AppConfig::parse(&value.to_string());
        prop_assert!(config.is_ok(), "{config:?} from {value}");
        let config = config.unwrap();
        let endpoint = |e: &str| url::Url::parse(e).unwrap().as_str().trim_end_matches('/').to_owned();
        let origin = |o: &str| profile_photo_sync::http::origin(o).unwrap();
        prop_assert_eq!(config.client_id, client_id);
        prop_assert_eq!(config.authority, endpoint(&authority));
        prop_assert_eq!(
            config.graph_base_url,
            graph.as_deref().map_or("https://graph.microsoft.com/v1.0".to_owned(), endpoint)
        );
        let expected_my_site = my_site.as_deref().map(origin);
        prop_assert_eq!(config.my_site_host.as_deref(), expected_my_site.as_deref());
        prop_assert_eq!(config.admin_host, admin.as_deref().map(origin));
        prop_assert_eq!(
            config.cache_location,
            if memory == Some(true) { CacheLocation::Memory } else { CacheLocation::SessionStorage }
        );
        prop_assert_eq!(config.embed_origins, embed.iter().map(|o| origin(o)).collect::<Vec<_>>());
    }

    /// Plain http to anything but loopback is refused, in every field that names a URL.
    #[test]
    fn plain_http_off_loopback_is_refused(
        host in good_host(),
        field in prop::sample::select(vec!["authority", "graphBaseUrl", "mySiteHost", "adminHost", "redirectUri"]),
    ) {
        prop_assume!(!host.ends_with(".localhost"));
        let mut value = json!({
            "clientId": "11111111-2222-3333-4444-555555555555",
            "authority": "https://login.microsoftonline.com/contoso.onmicrosoft.com",
        });
        let url = format!("http://{host}");
        value[field] = json!(url);
        prop_assert_eq!(
            AppConfig::parse(&value.to_string()),
            Err(ConfigError::NotHttps { field, value: url })
        );
    }
}
