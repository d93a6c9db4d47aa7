//! The sync page's first module: what `index.html` runs before anything else, small enough
//! that the first screen does not wait for the app (issue 16; bench/README.md, "The first
//! module").
//!
//! Most first visits are signed out: someone opens the page and reads what it does before
//! signing in. That screen needs no sign-in code, no configuration and none of the app's
//! views. So for a signed-out visit to the page itself, at top level, this module draws the
//! landing at once (the same markup, classes, test ids and words as [`crate::ui`]'s, drawn
//! with the DOM; its language switcher works), and then starts the app ([`load_app`]), which
//! comes in behind it and takes the screen over when it is ready: the same landing, drawn by
//! the app, with the focus where the person left it (`app::show`). A click on the sign-in
//! button before then is kept ([`SIGN_IN_ASKED`]) and the app signs in as soon as it is up.
//!
//! Everything else — a help-article link that signs in by itself (`autostart`), a sign-in
//! coming back, a signed-in session, the widget, a frame, another path or hash, a browser
//! without sessionStorage — goes to the app at once, which does all of it as before. This
//! module holds no sign-in code of its own (no `oauth2`, no `url`, no `serde_json`): the
//! sign-in lives in one place, the app's [`crate::auth::Session`]. For a help-article link it
//! only asks, beside the app's files, for the discovery document the app's sign-in will need
//! first ([`prefetch_discovery`], with the browser's JSON and URL parsers).
//!
//! The app module's files are named in `index.html` by `cargo xtask dist`
//! (`<meta name="pps-app">`): its loader (Trunk's, which imports the glue and starts the wasm),
//! its glue and its wasm, all with hashed names. Starting the app is adding its loader as a
//! module script: no script of this module's own, nothing run from a string.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::app::{is_the_page, route_base, FIRST};
use crate::auth::request::parse_response;
use crate::auth::Session;
use crate::browser::{self, window};
use crate::config::{CONFIG_HANDOVER, VERSION};
use crate::i18n::{FirstScreen, Lang};
use crate::state::address::autostart_requested;
use crate::state::auth::{session_storage_keeps_values, SIGN_IN_ASKED};
use crate::state::language;

/// Runs the first module: the landing, with the app coming in behind it, or the app at once.
pub fn start() {
    browser::mark("pps:start");
    let location = window().location();
    let pathname = location.pathname().unwrap_or_default();
    let search = location.search().unwrap_or_default();
    let hash = location.hash().unwrap_or_default();
    let landing = hash.is_empty()
        && is_the_page(&pathname, &route_base(&pathname))
        && parse_response(&search).is_none()
        && !autostart_requested()
        && !crate::embed::browser::is_embedded()
        && session_storage_keeps_values()
        && !Session::account_kept_in_tab();
    if landing {
        draw_landing(language::initial());
        crate::ui::mark_interactive();
    }
    // What the app asks for first when a help-article link signs in by itself, asked now,
    // beside the app's own files (see `prefetch_discovery`).
    if autostart_requested() && hash.is_empty() && !browser::is_framed() {
        prefetch_discovery();
    }
    load_app();
}

/// On a help-article link (`autostart`) the app starts a sign-in as soon as it runs, and the
/// first thing the sign-in needs is the authority's discovery document: one round trip before
/// the page can leave for the identity platform. Asked here instead, while the app's files are
/// still coming, it waits in the browser's HTTP cache (Entra ID answers it with
/// `Cache-Control: max-age=86400, private`), where the app's own request finds it. The
/// authority comes from `config.json` (`index.html` preloaded it for the app: this request is
/// answered from that preload and handed to the app, [`CONFIG_HANDOVER`]); the browser's URL
/// parser checks it as the app's configuration does (`https`, or `http` on a loopback host),
/// and nothing is asked of an authority the app would refuse. Nothing here is needed: whatever
/// fails, the app asks for what it lacks.
fn prefetch_discovery() {
    let init = web_sys::RequestInit::new();
    init.set_credentials(web_sys::RequestCredentials::SameOrigin);
    let config = window().fetch_with_str_and_init(crate::config::CONFIG_PATH, &init);
    let _ = js_sys::Reflect::set(&window(), &JsValue::from_str(CONFIG_HANDOVER), &config);
    wasm_bindgen_futures::spawn_local(async move {
        let Ok(response) = JsFuture::from(config).await else {
            return;
        };
        let response: web_sys::Response = response.unchecked_into();
        // A copy to read: the app reads the response itself.
        let (true, Ok(copy)) = (response.ok(), response.clone()) else {
            return;
        };
        let Ok(text) = copy.text() else {
            return;
        };
        let text = JsFuture::from(text).await.ok().and_then(|t| t.as_string());
        if let Some(url) = text.as_deref().and_then(discovery_url) {
            let init = web_sys::RequestInit::new();
            // As the app asks for it (`http::send`): no credentials.
            init.set_credentials(web_sys::RequestCredentials::Omit);
            if let Ok(request) = web_sys::Request::new_with_str_and_init(&url, &init) {
                fetch_into_cache(request).await;
            }
        }
    });
}

/// The discovery document's address for the `authority` in `config.json`'s text, when the
/// app's configuration would take that authority.
fn discovery_url(config: &str) -> Option<String> {
    let parsed = js_sys::JSON::parse(config).ok()?;
    let authority = js_sys::Reflect::get(&parsed, &JsValue::from_str("authority"))
        .ok()?
        .as_string()?;
    let url = web_sys::Url::new(authority.trim()).ok()?;
    let protocol = url.protocol();
    let safe = crate::config::is_safe_origin(protocol.trim_end_matches(':'), &url.hostname());
    (safe && url.search().is_empty() && url.hash().is_empty())
        .then(|| crate::auth::request::discovery_url(&url.href()))
}

/// Draws the signed-out landing in `lang` (again, when the language changes).
fn draw_landing(lang: Lang) {
    let document = browser::document();
    let t = lang.first_screen();
    // What the app's landing writes into the document.
    language::write_document(lang, &(t.page_title)(t.sign_in), t.page_description);
    let Some(body) = document.body() else {
        return;
    };
    let root = match document.get_element_by_id(FIRST) {
        Some(root) => root,
        None => {
            let Ok(root) = document.create_element("div") else {
                return;
            };
            root.set_id(FIRST);
            let _ = body.append_child(&root);
            root
        }
    };
    root.set_inner_html(&landing_html(t, lang));
    if let Some(boot) = document.get_element_by_id("boot") {
        boot.remove();
    }

    on(&root, "[data-testid=\"sign-in\"]", "click", |event| {
        // Kept for the app, which signs in as soon as it has taken over (`state::auth`);
        // until then the button says it is busy.
        if let Some(html) = browser::document().document_element() {
            let _ = html.set_attribute(SIGN_IN_ASKED, "");
        }
        if let Some(button) = event
            .current_target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        {
            let _ = button.set_attribute("aria-busy", "true");
            let _ = button.set_attribute("aria-disabled", "true");
        }
    });
    on(
        &root,
        "[data-testid=\"language\"]",
        "change",
        move |event| {
            let chosen = event
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok())
                .and_then(|select| Lang::from_tag(&select.value()));
            if let Some(chosen) = chosen {
                language::remember(chosen);
                draw_landing(chosen);
                if let Some(select) = browser::document()
                    .query_selector(&format!("#{FIRST} [data-testid=\"language\"]"))
                    .ok()
                    .flatten()
                    .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
                {
                    let _ = select.focus();
                }
            }
        },
    );
}

/// Calls `handler` for `event` on the element under `root` that `selector` finds.
fn on(
    root: &web_sys::Element,
    selector: &str,
    event: &str,
    handler: impl FnMut(web_sys::Event) + 'static,
) {
    let Some(element) = root.query_selector(selector).ok().flatten() else {
        return;
    };
    let closure = Closure::<dyn FnMut(web_sys::Event)>::new(handler);
    let _ = element.add_event_listener_with_callback(event, closure.as_ref().unchecked_ref());
    closure.forget();
}

/// The app module's files, as `cargo xtask dist` named them in `index.html`:
/// `<meta name="pps-app" content="./boot-1.js ./app-2.js ./app-2_bg.wasm">`.
#[derive(Debug, PartialEq, Eq)]
pub struct AppFiles {
    /// Trunk's loader: imports the glue and starts the wasm.
    pub loader: String,
    pub glue: String,
    pub wasm: String,
}

fn app_files() -> Option<AppFiles> {
    let meta = browser::document()
        .query_selector("meta[name=\"pps-app\"]")
        .ok()
        .flatten()?;
    parse_app_files(&meta.get_attribute("content")?)
}

/// The three names of `<meta name="pps-app">`, when they are files beside the page.
pub fn parse_app_files(content: &str) -> Option<AppFiles> {
    let names: Vec<&str> = content.split_whitespace().collect();
    let [loader, glue, wasm] = names[..] else {
        return None;
    };
    let beside = |name: &str, ext: &str| {
        name.strip_prefix("./").is_some_and(|rest| {
            rest.len() > ext.len()
                && rest.ends_with(ext)
                && !rest.contains(['/', '\\', ':', '?', '#'])
        })
    };
    (beside(loader, ".js") && beside(glue, ".js") && beside(wasm, ".wasm")).then(|| AppFiles {
        loader: loader.to_owned(),
        glue: glue.to_owned(),
        wasm: wasm.to_owned(),
    })
}

/// Starts the app: its loader as a module script, with its glue and wasm fetched alongside
/// ([`fetch_into_cache`]), where the loader alone would ask for them one after the other (the
/// loader imports the glue, which fetches the wasm: three round trips in a row on a cold
/// cache). If the app cannot be had (the network went away: the loader, the glue or the wasm
/// did not come), says so where the app would have drawn its first screen.
fn load_app() {
    let document = browser::document();
    let script = app_files().and_then(|app| {
        let script = document.create_element("script").ok()?;
        script.set_attribute("type", "module").ok()?;
        script.set_attribute("src", &app.loader).ok()?;
        for file in [app.glue, app.wasm] {
            if let Ok(request) = web_sys::Request::new_with_str(&file) {
                wasm_bindgen_futures::spawn_local(fetch_into_cache(request));
            }
        }
        Some(script)
    });
    let (Some(script), Some(body)) = (script, document.body()) else {
        cannot_load();
        return;
    };
    // The loader or the glue not fetched: the script's `error`. The wasm not fetched or not
    // started: the loader's top-level `await` rejects, which reaches the window.
    let failed = Closure::<dyn FnMut(web_sys::Event)>::new(|_| {
        if !app_started() {
            cannot_load();
        }
    });
    let on_failure = failed.as_ref().unchecked_ref();
    let _ = script.add_event_listener_with_callback("error", on_failure);
    let _ = window().add_event_listener_with_callback("error", on_failure);
    let _ = window().add_event_listener_with_callback("unhandledrejection", on_failure);
    failed.forget();
    let _ = body.append_child(&script);
}

/// Fetches `request` (one of the app module's files, hashed and cached for a year:
/// docs/deploy.md, "Headers"; the discovery document) to its end, into the browser's HTTP
/// cache, where the page's own later request for it finds it, or waits for it while it is on
/// its way. (A `<link rel="prefetch">` would do the same at lower priority, but Firefox checks
/// it against `default-src`, which the page's policy keeps at `'none'`.)
async fn fetch_into_cache(request: web_sys::Request) {
    // Asked when the spawned task first runs, after `start` has returned: the landing is
    // marked ready before its app module is asked for.
    let Ok(response) = JsFuture::from(window().fetch_with_request(&request)).await else {
        return;
    };
    let response: web_sys::Response = response.unchecked_into();
    // Read to the end chunk by chunk, keeping none: the cache has it, and the page holds no
    // copy of the app's wasm beside the one it runs.
    let Some(body) = response.body() else {
        return;
    };
    let reader: web_sys::ReadableStreamDefaultReader = body.get_reader().unchecked_into();
    while let Ok(Some(_)) = crate::http::next_chunk(&reader).await {}
}

/// Whether the app has started (`app::mount` marks `pps:app`).
fn app_started() -> bool {
    window()
        .performance()
        .is_some_and(|p| p.get_entries_by_name("pps:app").length() > 0)
}

/// The id of the notice [`cannot_load`] shows.
const LOAD_FAILED: &str = "app-load-failed";

/// The app's module did not load: what to do, in the page's language.
fn cannot_load() {
    let document = browser::document();
    if document.get_element_by_id(LOAD_FAILED).is_some() {
        return;
    }
    let t = language::initial().first_screen();
    if let Some(boot) = document.get_element_by_id("boot") {
        boot.remove();
    }
    let Some(body) = document.body() else {
        return;
    };
    if let Ok(notice) = document.create_element("p") {
        notice.set_id(LOAD_FAILED);
        notice.set_class_name("notice notice-error app-main");
        let _ = notice.set_attribute("role", "alert");
        let _ = notice.set_attribute("data-testid", "app-load-failed");
        notice.set_text_content(Some(t.app_load_failed));
        let _ = body.append_child(&notice);
    }
}

/// The landing's markup: the app's shell (`ui::Shell`) around its landing (`ui::home`), with
/// the same classes, test ids and words.
pub fn landing_html(t: &FirstScreen, lang: Lang) -> String {
    let options: String = Lang::ALL
        .iter()
        .map(|l| {
            format!(
                "<option value=\"{tag}\" lang=\"{tag}\"{selected}>{name}</option>",
                tag = l.tag(),
                selected = if *l == lang { " selected" } else { "" },
                name = escape(l.name()),
            )
        })
        .collect();
    let steps: String = t
        .landing_steps
        .iter()
        .map(|s| format!("<li>{}</li>", escape(s)))
        .collect();
    format!(
        "<a class=\"skip-link\" href=\"#main\">{skip}</a>\
<header class=\"app-header\"><div class=\"brand\">\
<svg class=\"brand-mark\" viewBox=\"0 0 32 32\" aria-hidden=\"true\" focusable=\"false\">\
<circle cx=\"16\" cy=\"16\" r=\"15\" class=\"brand-ring\"/>\
<circle cx=\"16\" cy=\"13\" r=\"5\" class=\"brand-head\"/>\
<path d=\"M7 26c2-5 5.5-7 9-7s7 2 9 7\" class=\"brand-body\"/></svg>\
<span class=\"brand-name\" data-testid=\"app-title\">{product}</span></div>\
<div class=\"header-end\"><label class=\"lang-switcher\">\
<span class=\"visually-hidden\">{language}</span>\
<select data-testid=\"language\">{options}</select></label></div></header>\
<main id=\"main\" class=\"app-main\" tabindex=\"-1\">\
<section class=\"card landing\" data-testid=\"landing\" aria-labelledby=\"landing-title\">\
<h1 id=\"landing-title\">{title}</h1><p class=\"lead\">{intro}</p>\
<ol class=\"steps\">{steps}</ol><div class=\"actions\">\
<button class=\"button primary\" type=\"button\" data-testid=\"sign-in\" \
data-interaction=\"redirect\">{sign_in}</button></div></section></main>\
<footer class=\"app-footer\"><span data-testid=\"app-version\">{version}</span></footer>",
        skip = escape(t.skip_to_content),
        product = escape(t.product_name),
        language = escape(t.language_label),
        title = escape(t.landing_title),
        intro = escape(t.landing_intro),
        sign_in = escape(t.sign_in),
        version = escape(&(t.version)(VERSION)),
    )
}

/// Text made safe to place in HTML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_for_html() {
        assert_eq!(
            escape("<b>\"Tom\" & 'Jerry'</b>"),
            "&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;"
        );
    }

    #[test]
    fn the_app_files_are_three_files_beside_the_page() {
        assert_eq!(
            parse_app_files("./boot-9f.js ./pps-1a.js ./pps-1a_bg.wasm"),
            Some(AppFiles {
                loader: "./boot-9f.js".to_owned(),
                glue: "./pps-1a.js".to_owned(),
                wasm: "./pps-1a_bg.wasm".to_owned(),
            })
        );
        for bad in [
            "",
            "./b.js ./a.js",
            "./b.js ./a.js ./a_bg.wasm ./c.js",
            "https://evil.example/b.js ./a.js ./a_bg.wasm",
            "./b.js ./a.js //evil.example/a_bg.wasm",
            ".//evil.example/b.js ./a.js ./a_bg.wasm",
            "./dir/b.js ./a.js ./a_bg.wasm",
            "./b.js ./a.wasm ./a.js",
            "./.js ./a.js ./a_bg.wasm",
        ] {
            assert_eq!(parse_app_files(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_landing_speaks_the_language_it_is_drawn_in() {
        for lang in Lang::ALL {
            let t = lang.first_screen();
            let html = landing_html(t, lang);
            assert!(html.contains(&escape(t.landing_title)));
            for step in t.landing_steps {
                assert!(html.contains(&format!("<li>{}</li>", escape(step))));
            }
            assert!(html.contains(&format!(
                "value=\"{}\" lang=\"{}\" selected",
                lang.tag(),
                lang.tag()
            )));
            assert_eq!(html.matches("<option").count(), Lang::ALL.len());
            assert!(html.contains("data-testid=\"sign-in\""));
        }
    }
}
