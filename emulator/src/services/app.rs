//! `app.localhost` (the app's files and its generated `config.json`) and `intranet.localhost`
//! (a host page for embedding tests).

use std::sync::Arc;

use axum::extract::State;
use axum::http::{Method, StatusCode};
use axum::Router;
use serde_json::json;

use crate::model::AppConfig;
use crate::state::{Shared, TENANT_DOMAIN};
use crate::wire::{self, Req, Resp};

/// The generated `config.json` for the app.
pub fn generated_config(shared: &Shared) -> serde_json::Value {
    let client_id = shared.lock().registration.client_id.clone();
    json!({
        "clientId": client_id,
        "authority": format!("{}/{}", shared.origin("login"), TENANT_DOMAIN),
        "graphBaseUrl": format!("{}/v1.0", shared.origin("graph")),
        "mySiteHost": shared.my_site(),
        "adminHost": shared.admin_site(),
        "embedOrigins": embed_origins(shared),
    })
}

/// The headers docs/deploy.md tells a static host to send with the app's files: the page's own
/// Content-Security-Policy with `connect-src` narrowed to the services in the generated
/// `config.json` (and the second geo's My Site host, where the pictures of users in that geo
/// live) and `frame-ancestors` listing `'self'` and its `embedOrigins`, plus
/// `Referrer-Policy: no-referrer` and `X-Content-Type-Options: nosniff`.
pub fn production_headers(shared: &Shared) -> [(&'static str, String); 3] {
    let csp = format!(
        "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
img-src 'self' blob: data:; connect-src 'self' {login} {graph} {my} {eu_my} {admin}; font-src 'self'; \
manifest-src 'self'; base-uri 'self'; form-action 'none'; object-src 'none'; \
frame-ancestors 'self' {embed}",
        login = shared.origin("login"),
        graph = shared.origin("graph"),
        my = shared.my_site(),
        eu_my = shared.my_site_of(crate::state::Geo::Eur),
        admin = shared.admin_site(),
        embed = embed_origins(shared).join(" "),
    );
    [
        ("content-security-policy", csp),
        ("referrer-policy", "no-referrer".to_string()),
        ("x-content-type-options", "nosniff".to_string()),
    ]
}

/// The origins that may frame the app (`embedOrigins` of the generated config).
fn embed_origins(shared: &Shared) -> Vec<String> {
    vec![shared.origin("intranet")]
}

pub fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match ext.as_deref() {
        Some("html") | Some("htm") => "text/html; charset=utf-8",
        Some("js") | Some("mjs") => "text/javascript; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css; charset=utf-8",
        Some("json") | Some("map") => "application/json",
        Some("webmanifest") => "application/manifest+json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg") | Some("jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("woff") => "font/woff",
        Some("txt") => "text/plain; charset=utf-8",
        Some("csv") => "text/csv; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// `app.localhost`: every path goes to `app`.
pub fn app_router() -> Router<Arc<Shared>> {
    Router::new().fallback(|State(shared): State<Arc<Shared>>, req: Req| async move {
        app(&shared, &req).await
    })
}

/// `intranet.localhost`: every path goes to `intranet`.
pub fn intranet_router() -> Router<Arc<Shared>> {
    Router::new().fallback(|State(shared): State<Arc<Shared>>, req: Req| async move {
        intranet(&shared, &req)
    })
}

pub async fn app(shared: &Shared, req: &Req) -> Resp {
    let mut r = app_file(shared, req).await;
    if shared.lock().production_headers {
        for (name, value) in production_headers(shared) {
            wire::set_header(&mut r, name, &value);
        }
    }
    r
}

async fn app_file(shared: &Shared, req: &Req) -> Resp {
    if req.method != Method::GET && req.method != Method::HEAD {
        return wire::text(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed");
    }
    let path = req.decoded_path();
    if path == "/config.json" {
        let mode = shared.lock().app_config.clone();
        let mut r = match mode {
            AppConfig::Generated => wire::json(StatusCode::OK, &generated_config(shared)),
            AppConfig::Raw { text } => wire::with_type(StatusCode::OK, "application/json", text),
            AppConfig::Missing => wire::text(StatusCode::NOT_FOUND, "Not found"),
        };
        wire::set_header(&mut r, "cache-control", "no-cache");
        return r;
    }
    let Some(dir) = shared.app_dir.clone() else {
        return wire::html(
            StatusCode::OK,
            "<!doctype html><title>Microsoft 365 emulator</title><h1>Microsoft 365 emulator</h1>\
<p>No app directory was given (<code>--app-dir</code>). <a href=\"/config.json\">config.json</a></p>"
                .to_string(),
        );
    };
    let rel = path.trim_start_matches('/');
    if rel
        .split('/')
        .any(|s| s == ".." || s.starts_with('.') && s.len() > 1 && s != ".well-known")
    {
        return wire::text(StatusCode::NOT_FOUND, "Not found");
    }
    let rel = if rel.is_empty() { "index.html" } else { rel };
    let mut file = dir.join(rel);
    if tokio::fs::metadata(&file)
        .await
        .map(|m| m.is_dir())
        .unwrap_or(false)
    {
        file = file.join("index.html");
    }
    let last = rel.rsplit('/').next().unwrap_or("");
    let bytes = match tokio::fs::read(&file).await {
        Ok(b) => b,
        Err(_) if !last.contains('.') => match tokio::fs::read(dir.join("index.html")).await {
            Ok(b) => {
                file = dir.join("index.html");
                b
            }
            Err(_) => return wire::text(StatusCode::NOT_FOUND, "Not found"),
        },
        Err(_) => return wire::text(StatusCode::NOT_FOUND, "Not found"),
    };
    let kind = content_type(&file.to_string_lossy());
    let gzipped = (accepts_gzip(req) && compressible(kind) && bytes.len() >= MIN_COMPRESSED)
        .then(|| compressed(&file, &bytes))
        .flatten();
    let gzip = gzipped.is_some();
    let bytes = gzipped.unwrap_or(bytes);
    let mut r = wire::with_type(StatusCode::OK, kind, bytes);
    if gzip {
        wire::set_header(&mut r, "content-encoding", "gzip");
    }
    if compressible(kind) {
        wire::set_header(&mut r, "vary", "Accept-Encoding");
    }
    // As docs/deploy.md tells a static host: a year for files whose name carries a hash, a
    // check on every load for the rest.
    let caching = if is_hashed(last) && file.ends_with(last) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    wire::set_header(&mut r, "cache-control", caching);
    r
}

/// Files smaller than this go out as they are (nginx's `gzip_min_length` is 20 bytes; a
/// kilobyte saves a round trip's worth of nothing).
const MIN_COMPRESSED: usize = 1024;

/// The text and WebAssembly types docs/deploy.md has a static host compress.
fn compressible(content_type: &str) -> bool {
    let mime = content_type.split(';').next().unwrap_or_default();
    matches!(
        mime,
        "text/html"
            | "text/javascript"
            | "text/css"
            | "application/json"
            | "application/wasm"
            | "image/svg+xml"
    )
}

/// Whether the request's `Accept-Encoding` takes gzip (and does not refuse it with `q=0`).
fn accepts_gzip(req: &Req) -> bool {
    req.header("accept-encoding").is_some_and(|accepted| {
        accepted.split(',').any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            let name = parts.next().unwrap_or_default();
            let refused = parts.any(|p| p.replace(' ', "") == "q=0");
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
    })
}

/// `bytes` (the content of `file`) gzipped, from a cache kept per file and content: the build's
/// wasm is a megabyte, and every page load of every test asks for it. `None` if the encoder
/// failed: the file then goes out as it is.
fn compressed(file: &std::path::Path, bytes: &[u8]) -> Option<Vec<u8>> {
    use std::collections::HashMap;
    use std::io::Write;
    use std::sync::{Mutex, OnceLock};
    type Cache = Mutex<HashMap<std::path::PathBuf, (Vec<u8>, Vec<u8>)>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some((plain, gzipped)) = cache.lock().ok()?.get(file) {
        if plain.as_slice() == bytes {
            return Some(gzipped.clone());
        }
    }
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).ok()?;
    let gzipped = encoder.finish().ok()?;
    cache
        .lock()
        .ok()?
        .insert(file.to_path_buf(), (bytes.to_vec(), gzipped.clone()));
    Some(gzipped)
}

/// A build file whose name carries its content's hash (`app-0123abcd.js`,
/// `app-0123abcd_bg.wasm`: 8 to 16 hex digits, as docs/deploy.md's patterns take them).
fn is_hashed(file: &str) -> bool {
    let Some((stem, extension)) = file.rsplit_once('.') else {
        return false;
    };
    if !matches!(extension, "js" | "wasm" | "css" | "svg") {
        return false;
    }
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    stem.rsplit_once('-').is_some_and(|(_, hash)| {
        (8..=16).contains(&hash.len()) && hash.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

pub fn intranet(shared: &Shared, req: &Req) -> Resp {
    if req.method != Method::GET && req.method != Method::HEAD {
        return wire::text(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed");
    }
    if req.path == "/favicon.ico" {
        return wire::text(StatusCode::NOT_FOUND, "Not found");
    }
    let custom = shared.lock().intranet_html.clone();
    let html = custom.unwrap_or_else(|| {
        format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Contoso intranet</title>\
<style>body{{font-family:'Segoe UI',sans-serif;margin:0;background:#faf9f8}}header{{background:#0078d4;color:#fff;padding:12px 24px;font-weight:600}}\
main{{padding:24px}}iframe{{width:100%;height:720px;border:1px solid #c8c6c4;background:#fff}}</style></head>\
<body><header>Contoso intranet</header><main><h1>Update your profile photo</h1>\
<iframe title=\"Profile Photo Sync\" src=\"{}/\"></iframe></main></body></html>",
            shared.origin("app")
        )
    });
    wire::html(StatusCode::OK, html)
}

#[cfg(test)]
mod tests {
    use super::is_hashed;

    #[test]
    fn only_files_named_by_their_hash_are_cached_for_a_year() {
        for hashed in [
            "profile-photo-sync-a79001612191d71e.js",
            "profile-photo-sync-a79001612191d71e_bg.wasm",
            "style-609fb503.css",
            "favicon-406226ee4fc4a31e.svg",
        ] {
            assert!(is_hashed(hashed), "{hashed}");
        }
        for other in [
            "index.html",
            "config.json",
            "main.js",
            "style-609fb50.css",
            "boot-9f3b2a0d27b3772c.html",
            "app-notahexhashxx.js",
        ] {
            assert!(!is_hashed(other), "{other}");
        }
    }
}
