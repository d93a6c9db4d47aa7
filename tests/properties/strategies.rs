//! Generators shared by the properties: text with the characters parsers trip on, query
//! strings, URL-like strings that mix safe and hostile parts, and any JSON value.

use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::Value;

/// proptest's defaults (256 cases, or `PROPTEST_CASES`), without failure files: a failing
/// case is printed shrunk, and kept as a named regression test in the module it breaks, so
/// that a test run never writes into the source tree.
pub fn runner() -> Config {
    Config {
        failure_persistence: None,
        ..Config::default()
    }
}

/// Short text rich in the characters that matter to URLs, queries, JSON and HTTP headers,
/// with some non-ASCII and control characters.
pub fn text() -> BoxedStrategy<String> {
    prop_oneof![
        3 => "[a-zA-Z0-9 ?&=#%+/:;,.@_\\-\\\\\"'<>\\[\\]{}|~!$*()]{0,24}",
        1 => "[\\PC\t\r\n\u{0}\u{7f}\u{202e}\u{fffd}]{0,12}",
        1 => any::<String>(),
    ]
    .boxed()
}

/// A parameter name: mostly ordinary names, now and then the ones a sign-in answer uses.
pub fn param_name() -> BoxedStrategy<String> {
    prop_oneof![
        2 => prop::sample::select(vec![
            "code", "state", "session_state", "error", "error_description", "error_uri",
            "client_info", "login_hint", "domain_hint", "autostart", "embed", "prompt", "Code",
            "STATE", "code ", "", "t",
        ])
        .prop_map(str::to_owned),
        3 => text(),
    ]
    .boxed()
}

/// Query parameters in order (names may repeat).
pub fn params() -> BoxedStrategy<Vec<(String, String)>> {
    prop::collection::vec((param_name(), text()), 0..8).boxed()
}

/// `name=value&…`, form-urlencoded, without the leading `?`.
pub fn encode(params: &[(String, String)]) -> String {
    let mut serializer = url::form_urlencoded::Serializer::new(String::new());
    serializer.extend_pairs(params);
    serializer.finish()
}

/// `name=value&…` decoded back into pairs.
pub fn decode(query: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

/// A host name: the tenant's, loopback ones, look-alikes and junk.
pub fn host() -> BoxedStrategy<String> {
    prop_oneof![
        3 => prop::sample::select(vec![
            "contoso-my.sharepoint.com",
            "CONTOSO-MY.SharePoint.com",
            "contoso.sharepoint.com",
            "contoso-my.sharepoint.com.evil.example",
            "evil.example",
            "evil.example@contoso-my.sharepoint.com",
            "contoso-my.sharepoint.com@evil.example",
            "localhost",
            "app.localhost",
            "contoso-my.localhost",
            "localhost.evil.example",
            "127.0.0.1",
            "127.0.0.2",
            "[::1]",
            "0x7f.1",
            "login.microsoftonline.com",
            "graph.microsoft.com",
            "xn--nxasmq6b.example",
            "",
        ])
        .prop_map(str::to_owned),
        1 => "[a-z0-9.\\-]{1,20}",
        1 => text(),
    ]
    .boxed()
}

/// A string that is often a URL, sometimes a hostile or broken one.
pub fn url_like() -> BoxedStrategy<String> {
    let scheme = prop::sample::select(vec![
        "https",
        "http",
        "HTTPS",
        "HtTp",
        "ftp",
        "javascript",
        "data",
        "file",
        "blob",
        "",
    ]);
    let separator = prop::sample::select(vec!["://", ":", ":/", ":\\\\", "//", "/", ":///"]);
    let port = prop::option::of(prop_oneof![
        Just(443u32),
        Just(80u32),
        Just(8080u32),
        0u32..70_000
    ]);
    let path = prop_oneof![
        Just(String::new()),
        Just("/".to_owned()),
        "(/[a-zA-Z0-9 %._\\-]{0,10}){1,4}",
        text().prop_map(|t| format!("/{t}")),
    ];
    let query = prop::option::of(text());
    let fragment = prop::option::of(text());
    let built = (scheme, separator, host(), port, path, query, fragment).prop_map(
        |(scheme, separator, host, port, path, query, fragment)| {
            let mut url = format!("{scheme}{separator}{host}");
            if let Some(port) = port {
                url.push_str(&format!(":{port}"));
            }
            url.push_str(&path);
            if let Some(query) = query {
                url.push('?');
                url.push_str(&query);
            }
            if let Some(fragment) = fragment {
                url.push('#');
                url.push_str(&fragment);
            }
            url
        },
    );
    prop_oneof![
        4 => built,
        1 => prop::sample::select(vec![
            "//evil.example/a_MThumb.jpg",
            "\\\\evil.example\\a_MThumb.jpg",
            "/\\evil.example/a_MThumb.jpg",
            "https:evil.example/a_MThumb.jpg",
            "http:/evil.example",
            " https://evil.example ",
            "\thttps://evil.example",
            "https://contoso-my.sharepoint.com:443/",
            "https://contoso-my.sharepoint.com./",
            "null",
            "about:blank",
        ])
        .prop_map(str::to_owned),
        1 => text(),
    ]
    .boxed()
}

/// Any JSON value, a few levels deep.
pub fn json_value() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("JSON has no NaN or infinity", |f| f.is_finite())
            .prop_map(Value::from),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(text(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
    .boxed()
}

/// Bytes that are sometimes JSON and sometimes not.
pub fn body() -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        2 => json_value().prop_map(|v| v.to_string().into_bytes()),
        1 => prop::collection::vec(any::<u8>(), 0..64),
        1 => text().prop_map(String::into_bytes),
    ]
    .boxed()
}
