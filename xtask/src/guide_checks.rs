//! The deployment guide held to the rules it cites, natively: IIS's `web.config` and Azure
//! Static Web Apps' `staticwebapp.config.json` (read out of the guide) against their documented
//! rules and the headers the guide promises, and the help-desk table against every reason code
//! the app's source maps its errors to. (nginx and Apache are proved by serving the page with
//! their snippets: `tests/e2e/hosting.rs`.)

use std::collections::BTreeSet;
use std::fs;

use regex::Regex;
use serde_json::Value;
use syn::visit::Visit;

use crate::guide;
use crate::process::root;

/// The long-lived answer for files whose name has a hash.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// Names as the build writes them: Trunk's hashes are hex without leading zeros (so 15 digits
/// now and then), the loaders' and the stylesheet's 16.
const HASHED: [&str; 7] = [
    "boot-0123456789abcdef.js",
    "profile-photo-sync-a1b2c3d4e5f60718.js",
    "profile-photo-sync-a1b2c3d4e5f60718_bg.wasm",
    "profile-photo-sync-tools-123456789abcdef_bg.wasm",
    "profile-photo-sync-tools-123456789abcdef.js",
    "style-00112233445566ff.css",
    "favicon-0f1e2d3c4b5a6978.svg",
];
/// Files that must be revalidated on every load.
const UNHASHED: [&str; 4] = ["index.html", "tools.html", "admin.html", "config.json"];

fn guide_text() -> String {
    guide::read().expect("docs/deploy.md is readable")
}

/// The headers of the guide's "Headers" block, as (name, value).
fn promised_headers(guide_text: &str) -> Vec<(String, String)> {
    let block = guide::block_under(guide_text, "Headers").expect("a block under ### Headers");
    let headers: Vec<_> = block
        .lines()
        .filter_map(|line| line.split_once(": "))
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect();
    let names: Vec<_> = headers.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "Content-Security-Policy",
            "Referrer-Policy",
            "X-Content-Type-Options"
        ]
    );
    headers
}

// --- IIS -------------------------------------------------------------------------------------

#[test]
fn iis_web_config_follows_the_guide() {
    let guide_text = guide_text();
    let xml = guide::block_under(&guide_text, "IIS").expect("a web.config block");
    let doc = roxmltree::Document::parse(&xml).expect("web.config is well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "configuration");
    let server = child(root, "system.webServer");

    // .wasm as application/wasm; <remove> first, or IIS versions that know .wasm refuse the
    // duplicate entry.
    let content = child(server, "staticContent");
    let entries: Vec<_> = content.children().filter(|n| n.is_element()).collect();
    let remove = entries
        .iter()
        .position(|n| n.has_tag_name("remove") && n.attribute("fileExtension") == Some(".wasm"))
        .expect("<remove fileExtension=\".wasm\"/>");
    let map = entries
        .iter()
        .position(|n| n.has_tag_name("mimeMap") && n.attribute("fileExtension") == Some(".wasm"))
        .expect("<mimeMap fileExtension=\".wasm\"/>");
    assert!(remove < map, "<remove> must come before <mimeMap>");
    assert_eq!(entries[map].attribute("mimeType"), Some("application/wasm"));
    // DisableCache sends Cache-Control: no-cache on every static file.
    assert_eq!(
        child(content, "clientCache").attribute("cacheControlMode"),
        Some("DisableCache")
    );

    // The same headers as the guide, once each, and no X-Frame-Options.
    let custom = child(child(server, "httpProtocol"), "customHeaders");
    let sent: Vec<(String, String)> = custom
        .children()
        .filter(|n| n.has_tag_name("add"))
        .map(|n| {
            (
                n.attribute("name").unwrap_or_default().to_owned(),
                n.attribute("value").unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(sent, promised_headers(&guide_text));

    // One outbound rule rewrites Cache-Control for hashed names only (URL Rewrite patterns
    // ignore case unless told otherwise).
    let rules = child(child(server, "rewrite"), "outboundRules");
    let rule = child(rules, "rule");
    let matched = child(rule, "match");
    assert_eq!(
        matched.attribute("serverVariable"),
        Some("RESPONSE_Cache_Control")
    );
    let action = child(rule, "action");
    assert_eq!(action.attribute("type"), Some("Rewrite"));
    assert_eq!(action.attribute("value"), Some(IMMUTABLE));
    let condition = child(child(rule, "conditions"), "add");
    assert_eq!(condition.attribute("input"), Some("{REQUEST_URI}"));
    let pattern = Regex::new(&format!(
        "(?i){}",
        condition.attribute("pattern").expect("a pattern")
    ))
    .expect("the condition's pattern is a valid regular expression");
    for name in HASHED {
        assert!(
            pattern.is_match(&format!("/photo/{name}")),
            "{name} is cached"
        );
    }
    for name in UNHASHED {
        assert!(
            !pattern.is_match(&format!("/photo/{name}")),
            "{name} is revalidated"
        );
    }
}

/// The one child element named `name`.
fn child<'a, 'i>(node: roxmltree::Node<'a, 'i>, name: &str) -> roxmltree::Node<'a, 'i> {
    let mut found = node.children().filter(|n| n.has_tag_name(name));
    let first = found
        .next()
        .unwrap_or_else(|| panic!("<{}> has no <{name}>", node.tag_name().name()));
    assert!(
        found.next().is_none(),
        "<{}> has more than one <{name}>",
        node.tag_name().name()
    );
    first
}

// --- Azure Static Web Apps --------------------------------------------------------------------

/// Whether a `route` (or `navigationFallback.exclude`) pattern is valid: a path from the root
/// with at most one wildcard, at the end of the path, optionally filtered by extensions
/// (`/calendar*`, `/images/*`, `/articles/*.html`, `/images/*.{png,jpg}`). Microsoft Learn,
/// "Configure Azure Static Web Apps", Wildcard pattern: wildcards "are only supported at the
/// end of a path, and may be filtered by file extension".
fn valid_route(pattern: &str) -> bool {
    if !pattern.starts_with('/') {
        return false;
    }
    let Some(star) = pattern.find('*') else {
        return !pattern.contains(['{', '}']);
    };
    let (head, tail) = (&pattern[..star], &pattern[star + 1..]);
    let extension = |e: &str| !e.is_empty() && e.chars().all(|c| c.is_ascii_alphanumeric());
    !head.contains(['{', '}'])
        && match tail.strip_prefix('.') {
            None => tail.is_empty(),
            Some(ext) => match ext.strip_prefix('{').and_then(|e| e.strip_suffix('}')) {
                Some(list) => list.split(',').all(extension),
                None => extension(ext),
            },
        }
}

/// Whether a valid route pattern matches a request path.
fn route_matches(pattern: &str, path: &str) -> bool {
    let Some(star) = pattern.find('*') else {
        return pattern == path;
    };
    let (head, tail) = (&pattern[..star], &pattern[star + 1..]);
    let Some(rest) = path.strip_prefix(head) else {
        return false;
    };
    match tail.strip_prefix('.') {
        None => true,
        Some(ext) => {
            let list = ext
                .strip_prefix('{')
                .and_then(|e| e.strip_suffix('}'))
                .unwrap_or(ext);
            list.split(',').any(|e| rest.ends_with(&format!(".{e}")))
        }
    }
}

#[test]
fn route_pattern_rules_are_microsofts() {
    // Microsoft's own examples are valid.
    for pattern in [
        "/profile/index.html",
        "/calendar*",
        "/calendar/*",
        "/images/*",
        "/articles/*.html",
        "/images/thumbnails/*.{png,jpg,gif}",
        "/css/*",
    ] {
        assert!(valid_route(pattern), "{pattern}");
    }
    // A wildcard in the middle, two wildcards, no leading slash: not valid.
    for pattern in [
        "/*-*.wasm",
        "/*-*.js",
        "/a/*/b",
        "*.{js,css}",
        "/a*b",
        "/*.{}",
    ] {
        assert!(!valid_route(pattern), "{pattern}");
    }
    assert!(route_matches("/calendar*", "/calendar/2020"));
    assert!(!route_matches("/calendar/*", "/calendar"));
    assert!(route_matches("/images/*.{png,jpg}", "/images/logo.png"));
    assert!(!route_matches("/images/*.{png,jpg}", "/images/icon.svg"));
}

#[test]
fn static_web_apps_config_follows_the_documented_rules() {
    let guide_text = guide_text();
    let text = guide::block_under(&guide_text, "Azure Static Web Apps").expect("a block");
    assert!(text.len() < 20 * 1024, "the file is limited to 20 KB");
    let config: Value = serde_json::from_str(&text).expect("valid JSON");
    let known = [
        "routes",
        "navigationFallback",
        "responseOverrides",
        "globalHeaders",
        "mimeTypes",
        "networking",
        "auth",
        "forwardingGateway",
        "platform",
        "trailingSlash",
    ];
    for key in config.as_object().expect("an object").keys() {
        assert!(known.contains(&key.as_str()), "unknown key {key}");
    }

    // The guide's headers on every answer, and revalidation unless a route says otherwise.
    let global = config["globalHeaders"].as_object().expect("globalHeaders");
    let mut expected = promised_headers(&guide_text);
    expected.push(("Cache-Control".into(), "no-cache".into()));
    let sent: Vec<_> = global
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
        .collect();
    let (mut sent_sorted, mut expected_sorted) = (sent.clone(), expected.clone());
    sent_sorted.sort();
    expected_sorted.sort();
    assert_eq!(sent_sorted, expected_sorted);

    // Every route valid; the first route a path matches decides its Cache-Control.
    let routes = config["routes"].as_array().expect("routes");
    for route in routes {
        let pattern = route["route"].as_str().expect("a route pattern");
        assert!(valid_route(pattern), "invalid route pattern {pattern}");
    }
    let cache_control = |path: &str| {
        routes
            .iter()
            .find(|r| route_matches(r["route"].as_str().unwrap(), path))
            .and_then(|r| r["headers"]["Cache-Control"].as_str())
            .unwrap_or("no-cache")
            .to_owned()
    };
    for name in HASHED {
        assert_eq!(cache_control(&format!("/{name}")), IMMUTABLE, "{name}");
    }
    for name in UNHASHED {
        assert_eq!(cache_control(&format!("/{name}")), "no-cache", "{name}");
    }

    // Views as paths fall back to index.html; files never do.
    let fallback = &config["navigationFallback"];
    assert_eq!(fallback["rewrite"], "/index.html");
    let exclude: Vec<&str> = fallback["exclude"]
        .as_array()
        .expect("navigationFallback.exclude")
        .iter()
        .map(|p| p.as_str().expect("a pattern"))
        .collect();
    for pattern in &exclude {
        assert!(valid_route(pattern), "invalid exclude pattern {pattern}");
    }
    for name in HASHED.iter().chain(&["config.json"]) {
        assert!(
            exclude
                .iter()
                .any(|p| route_matches(p, &format!("/{name}"))),
            "a missing {name} must be a 404, not the page"
        );
    }
    for view in ["/setup", "/links", "/admin"] {
        assert!(!exclude.iter().any(|p| route_matches(p, view)), "{view}");
    }
    assert_eq!(config["mimeTypes"][".wasm"], "application/wasm");
}

// --- The help-desk table ----------------------------------------------------------------------

/// Every `Enum::Variant … => "kebab-code"` arm in the app's source whose enum is an error
/// (`…Error`, `…Failure`, `…Problem`): the reason codes the page and the widget show.
struct ReasonCodes(BTreeSet<(String, String)>);

impl<'ast> Visit<'ast> for ReasonCodes {
    fn visit_arm(&mut self, arm: &'ast syn::Arm) {
        if let Some(code) = string_of(&arm.body) {
            let kebab = Regex::new("^[a-z0-9]+(-[a-z0-9]+)*$").unwrap();
            for name in enum_names(&arm.pat) {
                let is_error = ["Error", "Failure", "Problem"]
                    .iter()
                    .any(|s| name.ends_with(s));
                if is_error && kebab.is_match(&code) {
                    self.0.insert((name, code.clone()));
                }
            }
        }
        syn::visit::visit_arm(self, arm);
    }
}

fn string_of(expr: &syn::Expr) -> Option<String> {
    match expr {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => Some(s.value()),
        syn::Expr::Block(block) => match block.block.stmts.as_slice() {
            [syn::Stmt::Expr(inner, None)] => string_of(inner),
            _ => None,
        },
        _ => None,
    }
}

fn enum_names(pat: &syn::Pat) -> Vec<String> {
    let path = match pat {
        syn::Pat::Path(p) => &p.path,
        syn::Pat::TupleStruct(p) => &p.path,
        syn::Pat::Struct(p) => &p.path,
        syn::Pat::Or(or) => return or.cases.iter().flat_map(enum_names).collect(),
        _ => return Vec::new(),
    };
    let segments: Vec<_> = path.segments.iter().collect();
    match segments.as_slice() {
        [.., enum_name, _variant] => vec![enum_name.ident.to_string()],
        _ => Vec::new(),
    }
}

/// The reason codes in `src/`, as (enum, code).
fn reason_codes_in_source() -> BTreeSet<(String, String)> {
    let mut codes = ReasonCodes(BTreeSet::new());
    for entry in walkdir::WalkDir::new(root().join("src")) {
        let entry = entry.expect("src/ is readable");
        if entry.path().extension().is_some_and(|e| e == "rs") {
            let text = fs::read_to_string(entry.path()).unwrap();
            let file = syn::parse_file(&text)
                .unwrap_or_else(|e| panic!("{} does not parse: {e}", entry.path().display()));
            codes.visit_file(&file);
        }
    }
    codes.0
}

/// The codes in the first column of the help-desk section's tables.
fn help_desk_rows(guide_text: &str) -> BTreeSet<String> {
    let section = guide::section(guide_text, "8. Help desk").expect("a help-desk section");
    section
        .lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|rest| rest.split('`').next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_reason_code_has_a_help_desk_row() {
    let codes = reason_codes_in_source();
    let enums: BTreeSet<_> = codes.iter().map(|(e, _)| e.as_str()).collect();
    // The scan still finds the app's error mappings (sync, sign-in, configuration, setup).
    assert!(
        codes.len() >= 40 && enums.len() >= 4,
        "the scan found only {} codes in {enums:?}: has the mapping changed shape?",
        codes.len()
    );
    let rows = help_desk_rows(&guide_text());
    let missing: Vec<_> = codes
        .iter()
        .filter(|(_, code)| !rows.contains(code))
        .map(|(e, code)| format!("{code} ({e})"))
        .collect();
    assert!(
        missing.is_empty(),
        "reason codes without a row in docs/deploy.md's help-desk table: {missing:?}"
    );
    let known: BTreeSet<_> = codes.iter().map(|(_, c)| c.clone()).collect();
    let stale: Vec<_> = rows.difference(&known).collect();
    assert!(
        stale.is_empty(),
        "rows in the help-desk table for codes the app no longer has: {stale:?}"
    );
}

#[test]
fn the_reason_code_scan_reads_match_arms_of_error_enums_only() {
    let file: syn::File = syn::parse_str(
        r#"
        fn kind(e: &SyncFailure) -> &'static str {
            match e {
                SyncFailure::NoMailbox => "no-mailbox",
                SyncFailure::TooLarge { .. } => "too-large",
                SetupProblem::SignIn(AuthError::Cancelled) => {
                    "sign-in-cancelled"
                }
                ImageFormat::Other => "unknown",
                ConfigError::Empty => "Not kebab case",
            }
        }
        "#,
    )
    .unwrap();
    let mut codes = ReasonCodes(BTreeSet::new());
    codes.visit_file(&file);
    let found: Vec<_> = codes.0.iter().map(|(_, c)| c.as_str()).collect();
    // Sorted by enum, then code.
    assert_eq!(found, ["sign-in-cancelled", "no-mailbox", "too-large"]);
}
