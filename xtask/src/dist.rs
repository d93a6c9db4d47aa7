//! `cargo xtask dist`: the release build of the page into `dist/`, and Trunk's post-build hook.
//!
//! Trunk builds one page at a time; its `post_build` hook (`Trunk.toml`) runs
//! `cargo xtask trunk-post-build`, which makes each page CSP-safe and light before Trunk moves it
//! into place: the inline `<script type="module">` loader moves into a file (no
//! `'unsafe-inline'` needed) and the stylesheets are joined into one. This module must not
//! change what the page does, only how its files are laid out.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::process::{cmd, dist_dir, root, run};

/// Builds `index.html` (with its first module) into `dist/`, then the sync page's app module
/// beside it (from `app.html`, named in `index.html`), then `tools.html` (the setup check and
/// the link builder) and `admin.html` (the admin audit), each a page with a wasm module of its
/// own.
pub fn dist() -> Result {
    // Trunk's offline mode still needs every crate in the local cache.
    run("cargo fetch", cmd("cargo").args(["fetch", "--locked"]))?;
    run(
        "trunk build --release",
        cmd("trunk").args(["build", "--release", "--offline"]),
    )?;
    app_module()?;
    for page in SECOND_PAGES {
        second_page(page)?;
    }
    Ok(())
}

/// The source page of the sync page's app module: built aside, never shipped.
const APP_MODULE_PAGE: &str = "app.html";
/// Its title, by which the post-build hook knows it.
const APP_MODULE_TITLE: &str = "<title>Profile Photo Sync app module</title>";

/// Builds the app module aside, copies its loader (Trunk's, moved into `boot-<hash>.js` by the
/// post-build hook), its glue and its wasm into `dist/`, and names the three in
/// `dist/index.html`'s `<meta name="pps-app" content="">`, where the first module
/// (`src/first.rs`) reads them.
fn app_module() -> Result {
    let aside = root().join("target/dist-app");
    run(
        "trunk build --release app.html",
        cmd("trunk")
            .args(["build", "--release", "--offline", "--dist"])
            .arg(&aside)
            .arg(APP_MODULE_PAGE),
    )?;
    let dist = dist_dir();
    let (mut loader, mut js, mut wasm) = (None, None, None);
    for entry in fs::read_dir(&aside).map_err(Error::file(&aside))? {
        let from = entry.map_err(Error::file(&aside))?.path();
        let name = from
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        if name.starts_with("boot-") && name.ends_with(".js") {
            loader = Some(name.clone());
        } else if !name.starts_with("profile-photo-sync-") {
            continue;
        } else if name.ends_with("_bg.wasm") {
            wasm = Some(name.clone());
        } else if name.ends_with(".js") {
            js = Some(name.clone());
        } else {
            continue;
        }
        let to = dist.join(&name);
        fs::copy(&from, &to).map_err(Error::file(&to))?;
    }
    let (Some(loader), Some(js), Some(wasm)) = (loader, js, wasm) else {
        return Err(Error::TrunkOutput(format!(
            "Trunk wrote no app module for {APP_MODULE_PAGE}"
        )));
    };
    let glue = fs::read_to_string(dist.join(&js)).map_err(Error::file(dist.join(&js)))?;
    if glue.contains("./snippets/") {
        // wasm-bindgen's snippet files are not content-hashed, so they could not be cached as
        // the guide says for every other script; none is copied.
        return Err(Error::TrunkOutput(
            "the app module imports wasm-bindgen snippets: keep its JavaScript in hashed files"
                .into(),
        ));
    }
    let index = dist.join("index.html");
    let html = fs::read_to_string(&index).map_err(Error::file(&index))?;
    let named = name_app_module(&html, &[&loader, &js, &wasm])?;
    fs::write(&index, named).map_err(Error::file(&index))
}

/// `html` with its `<meta name="pps-app" content="">` naming `files` (beside the page).
pub fn name_app_module(html: &str, files: &[&str]) -> Result<String> {
    let empty = "<meta name=\"pps-app\" content=\"\">";
    if html.matches(empty).count() != 1 {
        return Err(Error::TrunkOutput(
            "index.html must hold one <meta name=\"pps-app\" content=\"\">".into(),
        ));
    }
    Ok(html.replace(
        empty,
        &format!(
            "<meta name=\"pps-app\" content=\"{}\">",
            files
                .iter()
                .map(|f| format!("./{f}"))
                .collect::<Vec<_>>()
                .join(" ")
        ),
    ))
}

/// The pages built beside `index.html`.
pub const SECOND_PAGES: [&str; 2] = ["tools.html", "admin.html"];

/// Builds `page` aside (Trunk empties its output folder first), then copies it into `dist/`.
fn second_page(page: &str) -> Result {
    let stem = page.trim_end_matches(".html");
    let aside = root().join(format!("target/dist-{stem}"));
    run(
        &format!("trunk build --release {page}"),
        cmd("trunk")
            .args(["build", "--release", "--offline", "--dist"])
            .arg(&aside)
            .arg(page),
    )?;
    let built = [page, "index.html"]
        .iter()
        .map(|name| aside.join(name))
        .find(|path| path.is_file())
        .ok_or_else(|| Error::TrunkOutput(format!("Trunk wrote no page for {page}")))?;
    let dist = dist_dir();
    for entry in fs::read_dir(&aside).map_err(Error::file(&aside))? {
        let from = entry.map_err(Error::file(&aside))?.path();
        let name = if from == built {
            page.into()
        } else {
            from.file_name().unwrap_or_default().to_owned()
        };
        if from.is_file() {
            let to = dist.join(&name);
            fs::copy(&from, &to).map_err(Error::file(&to))?;
        }
    }
    Ok(())
}

/// Trunk's `post_build` hook: every page in `$TRUNK_STAGING_DIR` gets its loader moved into a
/// file and its stylesheets joined.
pub fn post_build() -> Result {
    let staging = env::var_os("TRUNK_STAGING_DIR")
        .map(PathBuf::from)
        .ok_or_else(|| {
            Error::Usage("trunk-post-build runs as Trunk's post_build hook (see Trunk.toml)".into())
        })?;
    let mut pages = 0;
    for entry in fs::read_dir(&staging).map_err(Error::file(&staging))? {
        let path = entry.map_err(Error::file(&staging))?.path();
        if path.extension().is_some_and(|e| e == "html") {
            externalize_loader(&path)?;
            bundle_stylesheets(&path)?;
            pages += 1;
        }
    }
    if pages == 0 {
        return Err(Error::TrunkOutput(format!(
            "no page in Trunk's staging folder {}",
            staging.display()
        )));
    }
    Ok(())
}

/// Joins the stylesheets Trunk emitted (one per `style/*.css`, in the order of index.html)
/// into one file: one request instead of four, so the wasm is not left waiting for a
/// connection (browsers open six per host over HTTP/1.1). Same-origin files need no
/// `integrity`, so the joined file has none.
fn bundle_stylesheets(index: &Path) -> Result {
    let dist = index.parent().unwrap_or(Path::new("."));
    let html = fs::read_to_string(index).map_err(Error::file(index))?;
    let mut kept = String::with_capacity(html.len());
    let (mut css, mut names, mut first_link) = (String::new(), Vec::new(), None);
    for line in html.split_inclusive('\n') {
        let link = line.trim();
        let href = link
            .strip_prefix("<link rel=\"stylesheet\" href=\"./")
            .and_then(|rest| rest.split('"').next())
            .filter(|name| name.ends_with(".css") && !name.contains('/'));
        match href {
            Some(name) => {
                let path = dist.join(name);
                let text = fs::read_to_string(&path).map_err(Error::file(&path))?;
                css.push_str(&text);
                css.push('\n');
                names.push(name.to_owned());
                first_link.get_or_insert(kept.len());
            }
            None => kept.push_str(line),
        }
    }
    let Some(at) = first_link else {
        // `app.html` (the app module's build, written as `index.html` aside) has none;
        // every page shipped does.
        if html.contains(APP_MODULE_TITLE) {
            return Ok(());
        }
        return Err(Error::TrunkOutput(format!(
            "{} links no stylesheet",
            index.display()
        )));
    };
    let name = format!("style-{:016x}.css", fnv1a(css.as_bytes()));
    let path = dist.join(&name);
    fs::write(&path, css).map_err(Error::file(&path))?;
    for old in &names {
        let path = dist.join(old);
        fs::remove_file(&path).map_err(Error::file(&path))?;
    }
    kept.insert_str(
        at,
        &format!("  <link rel=\"stylesheet\" href=\"./{name}\"/>\n"),
    );
    fs::write(index, kept).map_err(Error::file(index))?;
    Ok(())
}

/// Moves Trunk's inline `<script type="module">` loader into a file beside it, so the page
/// runs under a Content-Security-Policy without `'unsafe-inline'`.
fn externalize_loader(index: &Path) -> Result {
    let dist = index.parent().unwrap_or(Path::new("."));
    let html = fs::read_to_string(index).map_err(Error::file(index))?;
    let open = "<script type=\"module\">";
    let Some(start) = html.find(open) else {
        return Err(Error::TrunkOutput(format!(
            "{} has no inline loader to move",
            index.display()
        )));
    };
    let end = html[start..]
        .find("</script>")
        .map(|i| start + i)
        .ok_or_else(|| Error::TrunkOutput("an unterminated loader script".into()))?;
    let script = html[start + open.len()..end].trim();
    if script.contains("unsafe") {
        return Err(Error::TrunkOutput("unexpected loader content".into()));
    }
    let name = format!("boot-{:016x}.js", fnv1a(script.as_bytes()));
    let path = dist.join(&name);
    fs::write(&path, format!("{script}\n")).map_err(Error::file(&path))?;
    let tag = format!("<script type=\"module\" src=\"./{name}\"></script>");
    let rewritten = format!(
        "{}{}{}",
        &html[..start],
        tag,
        &html[end + "</script>".len()..]
    );
    fs::write(index, rewritten).map_err(Error::file(index))?;
    Ok(())
}

/// A stable content hash for cache-busting file names.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_app_module_is_named_in_the_one_empty_meta() {
        let html = "<head><meta name=\"pps-app\" content=\"\"></head>";
        let files = ["boot-2.js", "a-1.js", "a-1_bg.wasm"];
        assert_eq!(
            name_app_module(html, &files).unwrap(),
            "<head><meta name=\"pps-app\" content=\"./boot-2.js ./a-1.js ./a-1_bg.wasm\"></head>"
        );
        assert!(name_app_module("<head></head>", &files).is_err());
        let twice = format!("{html}{html}");
        assert!(name_app_module(&twice, &files).is_err());
    }

    #[test]
    fn the_app_module_page_is_known_by_its_title() {
        let page = fs::read_to_string(root().join(APP_MODULE_PAGE)).unwrap();
        assert!(page.contains(APP_MODULE_TITLE));
    }
}
