//! The top of the page: loads the configuration, picks the language, and routes views.
//!
//! Views live at paths under the page's own folder (`/`, `/setup`, `/links`, `/admin`);
//! `#/setup`-style links, which work on any static host, are turned into those paths at start.
//! This module renders no screen of its own beyond the shell: screens live in [`crate::ui`].

use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use std::rc::Rc;

use leptos::task::spawn_local;

use crate::auth::{Session, Startup};
use crate::config::{AppConfig, ConfigError, CONFIG_PATH};
use crate::http::{self, HttpRequest};
use crate::i18n::Lang;
use crate::ui;

/// Mounts the app on `<body>`.
pub fn mount() {
    // When the wasm has been compiled and started (the benchmarks' start-up timeline).
    mark("pps:start");
    console_error_panic_hook_lite();
    let base = take_hash_route();
    if crate::embed::browser::is_embedded() {
        // The compact widget's layout (style/embed.css).
        if let Some(body) = document().body() {
            let _ = body.class_list().add_1("embedded");
        }
    }
    // The configuration first (index.html has preloaded it): the app's first screen is then
    // its real one, drawn once, and until then the header index.html painted stays.
    wasm_bindgen_futures::spawn_local(async move {
        let config = load_config().await;
        mark("pps:config");
        if let Some(boot) = document().get_element_by_id("boot") {
            boot.remove();
        }
        leptos::mount::mount_to_body(move || view! { <App base=base config=config/> });
        mark("pps:mounted");
    });
}

/// A `performance.mark` for the benchmarks' start-up timeline.
fn mark(name: &str) {
    if let Some(performance) = window().performance() {
        let _ = performance.mark(name);
    }
}

/// The app, given the folder the page is served from (`""` at the root of its host) and its
/// configuration (or what is wrong with it).
#[component]
pub fn App(base: String, config: Result<AppConfig, ConfigError>) -> impl IntoView {
    let lang = RwSignal::new(initial_language());
    provide_context(lang);
    Effect::new(move |_| {
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("lang", lang.get().tag());
        }
    });
    let screen = match config {
        Err(error) if on_setup_page(&base) => {
            view! { <ui::SetupConfigFailed error=error/> }.into_any()
        }
        Err(error) => view! { <ui::ConfigProblem error=error/> }.into_any(),
        Ok(config) => view! { <SignedInApp config=config base=base/> }.into_any(),
    };
    view! { <ui::Shell>{screen}</ui::Shell> }
}

/// The app once its configuration is known: the session, finishing a sign-in that came back,
/// and the routes.
#[component]
fn SignedInApp(config: AppConfig, base: String) -> impl IntoView {
    let session = Rc::new(Session::new(config.clone(), &base));
    provide_context(config);
    let auth = ui::AuthContext {
        session: StoredValue::new_local(session.clone()),
        state: RwSignal::new(ui::AuthState::Checking),
        base: StoredValue::new(base.clone()),
    };
    provide_context(auth);
    let start_base = base.clone();
    spawn_local(async move {
        let state = match session.start(&start_base).await {
            Startup::InPopup => ui::AuthState::InPopup,
            Startup::Failed(error) => ui::AuthState::SignedOut(Some(error)),
            Startup::Ready | Startup::SignedIn { .. } => match session.account() {
                Some(account) => ui::AuthState::SignedIn(account),
                None => ui::AuthState::SignedOut(None),
            },
        };
        auth.state.set(state);
    });
    view! {
        <Router base=base>
            <Routes fallback=|| view! { <ui::NotFound/> }>
                <Route path=path!("/") view=ui::Home/>
                <Route path=path!("/setup") view=ui::SetupView/>
                <Route path=path!("/links") view=ui::LinksView/>
            </Routes>
        </Router>
    }
}

/// True on the setup check, which shows a broken `config.json` as its first red row.
fn on_setup_page(base: &str) -> bool {
    let path = window().location().pathname().unwrap_or_default();
    path.strip_prefix(base).map(|p| p.trim_end_matches('/')) == Some("/setup")
}

/// Fetches and validates `config.json` from beside the page.
async fn load_config() -> Result<AppConfig, ConfigError> {
    // index.html preloads it while the wasm loads; this request is answered from that.
    let request = HttpRequest::get(CONFIG_PATH).own_file().timeout_ms(15_000);
    let response = http::send(request)
        .await
        .map_err(|e| ConfigError::Unreachable {
            reason: e.to_string(),
        })?;
    if response.status == 404 || response.status == 410 {
        return Err(ConfigError::Missing {
            status: response.status,
        });
    }
    if !response.is_success() {
        return Err(ConfigError::Unreachable {
            reason: format!("HTTP {}", response.status),
        });
    }
    AppConfig::parse(&response.text())
}

const LANG_KEY: &str = "pps.lang";

/// The language the user chose before, else the browser's preference.
fn initial_language() -> Lang {
    let window = window();
    let chosen = window
        .local_storage()
        .ok()
        .flatten()
        .and_then(|s| s.get_item(LANG_KEY).ok().flatten())
        .and_then(|tag| Lang::from_tag(&tag));
    chosen.unwrap_or_else(|| {
        let languages: Vec<String> = window
            .navigator()
            .languages()
            .iter()
            .filter_map(|l| l.as_string())
            .collect();
        Lang::negotiate(languages.iter().map(String::as_str))
    })
}

/// Remembers the user's choice of language (a preference, not session data).
pub fn remember_language(lang: Lang) {
    if let Some(storage) = window().local_storage().ok().flatten() {
        let _ = storage.set_item(LANG_KEY, lang.tag());
    }
}

/// Turns `…/#/setup` into `…/setup` (keeping the query) and returns the page's base folder.
fn take_hash_route() -> String {
    let location = window().location();
    let pathname = location.pathname().unwrap_or_default();
    let hash = location.hash().unwrap_or_default();
    let search = location.search().unwrap_or_default();
    let base = route_base(&pathname);
    if let Some(route) = hash_route(&hash) {
        let target = format!("{base}{route}{search}");
        if let Ok(history) = window().history() {
            let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&target));
        }
    }
    base
}

/// The views the router knows, as the last path segment.
pub const VIEWS: [&str; 3] = ["setup", "links", "admin"];

/// The folder the page is served from, without a trailing slash: `/tools/photo/setup` → `/tools/photo`.
pub fn route_base(pathname: &str) -> String {
    let mut path = pathname.trim_end_matches('/');
    if let Some(stripped) = path.strip_suffix("/index.html") {
        path = stripped;
    }
    if let Some((parent, last)) = path.rsplit_once('/') {
        if VIEWS.contains(&last) {
            path = parent;
        }
    }
    path.to_owned()
}

/// `#/setup` → `/setup`; anything else (including OAuth fragments) is not a route.
pub fn hash_route(hash: &str) -> Option<String> {
    let route = hash.strip_prefix("#/")?;
    let route = route.trim_end_matches('/');
    (route.is_empty() || VIEWS.contains(&route)).then(|| format!("/{route}"))
}

/// Panics show up in the console with their message (the page also shows a generic error).
fn console_error_panic_hook_lite() {
    std::panic::set_hook(Box::new(|info| {
        web_sys::console::error_1(&info.to_string().into());
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_of_a_page_at_the_root() {
        assert_eq!(route_base("/"), "");
        assert_eq!(route_base("/index.html"), "");
        assert_eq!(route_base("/setup"), "");
    }

    #[test]
    fn base_of_a_page_in_a_folder() {
        assert_eq!(route_base("/tools/photo/"), "/tools/photo");
        assert_eq!(route_base("/tools/photo/index.html"), "/tools/photo");
        assert_eq!(route_base("/tools/photo/admin"), "/tools/photo");
        assert_eq!(route_base("/tools/photo/admin/"), "/tools/photo");
    }

    #[test]
    fn hash_routes() {
        assert_eq!(hash_route("#/setup").as_deref(), Some("/setup"));
        assert_eq!(hash_route("#/admin/").as_deref(), Some("/admin"));
        assert_eq!(hash_route("#/").as_deref(), Some("/"));
        assert_eq!(hash_route("#code=abc"), None);
        assert_eq!(hash_route("#/unknown"), None);
        assert_eq!(hash_route(""), None);
    }
}
