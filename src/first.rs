//! The sync page's first module: what `index.html` runs before anything else, small enough
//! that the first screen does not wait for the app (issue 16; bench/README.md, "The first
//! module").
//!
//! Most first visits are signed out: someone opens the page, or a help-article link signs them
//! in by itself (`autostart=1`). Neither needs the app's views, only sign-in. So for a signed-out
//! visit to the page itself, at top level, this module
//!
//! - with `autostart`, leaves for the identity platform at once, and
//! - otherwise shows the landing (the same markup and words as [`crate::ui`]'s, drawn with
//!   the DOM) and leaves for the identity platform from its button,
//!
//! through the same [`Session`] as the app, so the app finishes the sign-in when the identity
//! platform sends the user back. Meanwhile the browser fetches the app's module into its cache
//! ([`warm_up`]: behind the landing, or alongside the link's discovery request), so it is there
//! when the page comes back.
//!
//! Everything else — a sign-in coming back, a signed-in session, the widget, a frame, another
//! path or hash, a configuration problem, a browser without sessionStorage, or a sign-in that
//! could not start — goes to the app ([`load_app`]), which does all of it as before.
//!
//! The app module's files are named in `index.html` by `cargo xtask dist`
//! (`<meta name="pps-app">`): its loader (Trunk's, which imports the glue and starts the wasm),
//! its glue and its wasm, all with hashed names. Starting the app is adding its loader as a
//! module script: no script of this module's own, nothing run from a string.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::app::{is_the_page, load_config, route_base, FIRST};
use crate::auth::request::{parse_response, SignInOptions};
use crate::auth::Session;
use crate::browser::{self, window};
use crate::config::VERSION;
use crate::i18n::{FirstScreen, Lang};
use crate::state::address::autostart_requested;
use crate::state::auth::{session_storage_keeps_values, sign_in_options_for, SIGN_IN_ASKED};
use crate::state::language;

/// Runs the first module: the landing or the sign-in it can do itself, else the app.
pub fn start() {
    browser::mark("pps:start");
    let location = window().location();
    let pathname = location.pathname().unwrap_or_default();
    let search = location.search().unwrap_or_default();
    let hash = location.hash().unwrap_or_default();
    let base = route_base(&pathname);
    let signed_out_visit = hash.is_empty()
        && is_the_page(&pathname, &base)
        && parse_response(&search).is_none()
        && !crate::embed::browser::is_embedded()
        && session_storage_keeps_values()
        && !Session::account_kept_in_tab();
    if !signed_out_visit {
        load_app();
        return;
    }
    wasm_bindgen_futures::spawn_local(async move {
        let Ok(config) = load_config().await.0 else {
            // The app names the problem and who to ask.
            load_app();
            return;
        };
        let session = Session::new(config, &base);
        let lang = language::initial();
        if autostart_requested() {
            // The app module comes in while the identity platform's discovery document is
            // read; the page leaves when both are done (or the cap is reached).
            let warm = futures::future::select(
                Box::pin(warm_up()),
                Box::pin(browser::sleep(WARM_UP_CAP_MS)),
            );
            let _ = futures::future::join(warm, session.metadata()).await;
            sign_in(&session, &base, lang).await;
            return;
        }
        Landing { session, base }.show(lang);
    });
}

/// Leaves for the identity platform (the whole window, as the app's sign-in button does by
/// default at top level). When the sign-in cannot start (the discovery document cannot be
/// read, storage is full), the app takes over and asks for it again, so that its screens
/// show the problem and the other way in.
async fn sign_in(session: &Session, base: &str, lang: Lang) {
    let options = SignInOptions {
        ui_locales: Some(lang.tag().to_owned()),
        ..sign_in_options_for(base, &browser::pathname(), &browser::query())
    };
    if session.sign_in_redirect(options).await.is_err() {
        if let Some(storage) = window().session_storage().ok().flatten() {
            let _ = storage.set_item(SIGN_IN_ASKED, "1");
        }
        load_app();
    }
}

/// The signed-out landing, drawn by this module until its button leaves the page.
struct Landing {
    session: Session,
    base: String,
}

impl Landing {
    /// Draws the landing in `lang` (again, when the language changes), then marks the page
    /// ready for its first click and lets the app's module come in behind it.
    fn show(self, lang: Lang) {
        let landing = std::rc::Rc::new(self);
        landing.draw(lang);
        crate::ui::mark_interactive();
        wasm_bindgen_futures::spawn_local(warm_up());
    }

    fn draw(self: &std::rc::Rc<Self>, lang: Lang) {
        let document = browser::document();
        let t = lang.first_screen();
        // What `state::language` and the app's landing write into the document.
        if let Some(html) = document.document_element() {
            let _ = html.set_attribute("lang", lang.tag());
        }
        document.set_title(&(t.page_title)(t.sign_in));
        if let Ok(Some(meta)) = document.query_selector("meta[name=\"description\"]") {
            let _ = meta.set_attribute("content", t.page_description);
        }
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

        let landing = self.clone();
        on(&root, "[data-testid=\"sign-in\"]", "click", move |_| {
            let landing = landing.clone();
            wasm_bindgen_futures::spawn_local(async move {
                sign_in(&landing.session, &landing.base, lang).await;
            });
        });
        let landing = self.clone();
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
                    landing.draw(chosen);
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

/// Fetches the app module's files into the browser's HTTP cache, each read to its end, so
/// that the page coming back from the sign-in has them at once: hosts cache hashed files for a
/// year (docs/deploy.md, "Headers"), and the cache serves a module script or the glue's wasm
/// `fetch` from what a plain `fetch` of the same address stored. (A `<link rel="prefetch">`
/// would do the same at lower priority, but Firefox checks it against `default-src`, which the
/// page's policy keeps at `'none'`.)
async fn warm_up() {
    let Some(app) = app_files() else {
        return;
    };
    let fetches = [app.loader, app.glue, app.wasm].map(|file| async move {
        let Ok(response) = JsFuture::from(window().fetch_with_str(&file)).await else {
            return;
        };
        let response: web_sys::Response = response.unchecked_into();
        if let Ok(body) = response.array_buffer() {
            let _ = JsFuture::from(body).await;
        }
    });
    futures::future::join_all(fetches).await;
}

/// The longest a help-article link's sign-in waits for [`warm_up`] before it leaves anyway.
const WARM_UP_CAP_MS: u32 = 2_000;

/// Starts the app: its loader as a module script. If the app cannot be had (the network went
/// away: the loader, the glue or the wasm did not come), says so where the app would have
/// drawn its first screen.
fn load_app() {
    let document = browser::document();
    let script = app_files().and_then(|app| {
        let script = document.create_element("script").ok()?;
        script.set_attribute("type", "module").ok()?;
        script.set_attribute("src", &app.loader).ok()?;
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
