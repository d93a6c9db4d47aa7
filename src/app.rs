//! The top of the pages: loads the configuration, picks the language, and routes views.
//!
//! Two pages, two wasm modules: `index.html` (the self-service sync and the intranet widget,
//! what nearly every visit needs: [`mount`]) and `tools.html` (the setup check and the link
//! builder, for whoever deploys the page: [`mount_tools`]), so that the first does not carry
//! the second. `…/setup`, `…/links` and their `#/setup`-style forms on the first page go to
//! `tools.html#/setup` and `tools.html#/links`. Views of the first page live at paths under its
//! folder (`/`, `/admin`); `#/admin`-style links, which work on any static host, are turned into
//! those paths at start. Here, once, the sync page chooses between the intranet widget
//! (`?embed=1` or framed) and the full page. This module renders no screen of its own beyond
//! the shell: screens live in [`crate::ui`], their controllers in [`crate::state`].

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::config::{AppConfig, ConfigError, SupportContact, CONFIG_HANDOVER, CONFIG_PATH};
use crate::embed::WidgetLook;
use crate::http::{self, HttpRequest};
use crate::i18n::Lang;
use crate::state::auth::AuthContext;
use crate::state::language::{self, Page};
use crate::ui;

/// Mounts the sync page (`index.html`) on `<body>`, or sends the address to `tools.html` when
/// it asks for the setup check or the link builder.
pub fn mount() {
    // When the wasm has been compiled and started (the benchmarks' start-up timeline).
    crate::browser::mark("pps:app");
    console_error_panic_hook_lite();
    let location = window().location();
    let (pathname, hash) = (
        location.pathname().unwrap_or_default(),
        location.hash().unwrap_or_default(),
    );
    let search = location.search().unwrap_or_default();
    let origin = location.origin().unwrap_or_default();
    if let Some(target) = admin_target(&origin, &pathname, &search, &hash) {
        let _ = location.replace(&target);
        return;
    }
    if let Some(view) = tool_view(&pathname, &hash) {
        let _ = location.replace(&tools_target(&origin, &pathname, &search, view));
        return;
    }
    let base = take_hash_route();
    let embedded = crate::embed::browser::is_embedded();
    // The host page's `lang=` and `theme=`: the widget's only (the full page has its switcher).
    let look = if embedded {
        WidgetLook::from_query(&location.search().unwrap_or_default())
    } else {
        WidgetLook::default()
    };
    if embedded {
        // The compact widget's layout (style/embed.css).
        if let Some(body) = document().body() {
            let _ = body.class_list().add_1("embedded");
        }
        crate::embed::browser::apply_theme(look.theme);
    }
    // The configuration first (index.html has preloaded it): the app's first screen is then
    // its real one, drawn once, and until then the header index.html painted stays.
    wasm_bindgen_futures::spawn_local(async move {
        let (config, support) = load_config().await;
        crate::browser::mark("pps:config");
        let lang = look.lang;
        show(
            move || view! { <App base=base config=config support=support embedded=embedded lang=lang/> },
        );
        crate::browser::mark("pps:mounted");
    });
}

/// Mounts the tools page (`tools.html`: `#/setup`, the default, or `#/links`) on `<body>`.
pub fn mount_tools() {
    console_error_panic_hook_lite();
    let location = window().location();
    let base = route_base(&location.pathname().unwrap_or_default());
    let view = RwSignal::new(tools_view(&location.hash().unwrap_or_default()));
    let on_hash = wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || {
        let hash = window().location().hash().unwrap_or_default();
        view.set(tools_view(&hash));
    });
    window().set_onhashchange(Some(wasm_bindgen::JsCast::unchecked_ref(on_hash.as_ref())));
    on_hash.forget();
    wasm_bindgen_futures::spawn_local(async move {
        let (config, support) = load_config().await;
        show(move || view! { <ToolsApp base=base config=config support=support view=view/> });
    });
}

/// Mounts the admin audit page (`admin.html`) on `<body>`.
pub fn mount_admin() {
    console_error_panic_hook_lite();
    let base = route_base(&window().location().pathname().unwrap_or_default());
    wasm_bindgen_futures::spawn_local(async move {
        let (config, support) = load_config().await;
        show(move || view! { <AdminApp base=base config=config support=support/> });
    });
}

/// The admin audit page.
#[component]
fn AdminApp(
    base: String,
    config: Result<AppConfig, ConfigError>,
    support: Option<SupportContact>,
) -> impl IntoView {
    language::provide(language::Page::Admin, None);
    let screen = match config {
        Err(error) => view! {
            <ui::ConfigProblem error=error support=support setup_href="tools.html#/setup"/>
        }
        .into_any(),
        Ok(config) => {
            AuthContext::start(config, base);
            view! { <ui::AdminView/> }.into_any()
        }
    };
    view! { <ui::Shell>{screen}</ui::Shell> }
}

/// Replaces what the page painted before the app (the static header of `index.html` or
/// `tools.html`, or the first module's landing) with the app. A person already at work on the
/// first module's landing keeps the focus: on the app's control with the same test id.
fn show<F, N>(app: F)
where
    F: FnOnce() -> N + 'static,
    N: IntoView,
{
    let document = document();
    let focused = document.active_element().and_then(|active| {
        let first = document.get_element_by_id(FIRST)?;
        first
            .contains(Some(&active))
            .then(|| active.get_attribute("data-testid"))
            .flatten()
            .filter(|id| id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
    });
    for drawn_before in ["boot", FIRST] {
        if let Some(element) = document.get_element_by_id(drawn_before) {
            element.remove();
        }
    }
    leptos::mount::mount_to_body(app);
    if let Some(test_id) = focused {
        // The app draws its landing once the session has started, in the same turn; the
        // next frame comes after it.
        let again = wasm_bindgen::closure::Closure::once_into_js(move || {
            let selector = format!("[data-testid=\"{test_id}\"]");
            if let Some(element) = crate::browser::document()
                .query_selector(&selector)
                .ok()
                .flatten()
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
            {
                let _ = element.focus();
            }
        });
        let _ = window().request_animation_frame(again.unchecked_ref());
    }
}

/// The element the sync page's first module ([`crate::first`]) draws its landing in; the app
/// replaces it.
pub const FIRST: &str = "first";

/// The sync page, given the folder it is served from (`""` at the root of its host), its
/// configuration (or what is wrong with it, and the support contact it still names), and
/// whether it is the intranet widget.
#[component]
pub fn App(
    base: String,
    config: Result<AppConfig, ConfigError>,
    support: Option<SupportContact>,
    /// `?embed=1` or framed: the compact widget instead of the full page.
    embedded: bool,
    /// The language the address asks for (the widget's `lang=`), over any other choice.
    lang: Option<Lang>,
) -> impl IntoView {
    language::provide(Page::Sync, lang);
    let screen = match config {
        Err(error) => {
            let setup_href = format!("{base}/{TOOLS_PAGE}#/setup");
            view! { <ui::ConfigProblem error=error support=support setup_href=setup_href/> }
                .into_any()
        }
        Ok(config) => view! { <SignedInApp config=config base=base embedded=embedded/> }.into_any(),
    };
    view! { <ui::Shell>{screen}</ui::Shell> }
}

/// The tools page: the setup check (which shows a broken `config.json` as its first red row)
/// or the link builder, as `view` says.
#[component]
fn ToolsApp(
    base: String,
    config: Result<AppConfig, ConfigError>,
    support: Option<SupportContact>,
    view: RwSignal<&'static str>,
) -> impl IntoView {
    language::provide(Page::Tools, None);
    let screen = match config {
        Err(error) => (move || match view.get() {
            "links" => view! {
                <ui::ConfigProblem error=error.clone() support=support.clone() setup_href="#/setup"/>
            }
            .into_any(),
            _ => view! { <ui::SetupConfigFailed error=error.clone()/> }.into_any(),
        })
        .into_any(),
        Ok(config) => {
            AuthContext::start(config, base);
            (move || match view.get() {
                "links" => view! { <ui::LinksView/> }.into_any(),
                _ => view! { <ui::SetupView/> }.into_any(),
            })
            .into_any()
        }
    };
    view! { <ui::Shell>{screen}</ui::Shell> }
}

/// The sync page once its configuration is known: the session and the routes. The start
/// view is the widget when `embedded`, else the full page.
#[component]
fn SignedInApp(config: AppConfig, base: String, embedded: bool) -> impl IntoView {
    AuthContext::start(config, base.clone());
    let start = move || {
        if embedded {
            view! { <ui::EmbedHome/> }.into_any()
        } else {
            view! { <ui::Home/> }.into_any()
        }
    };
    // One view, so no router: the page at its folder, and "not found" for any other path the
    // history reaches (a `pushState` by a host page, the back button), which ends the sync view
    // and with it any sync under way.
    let pathname = RwSignal::new(window().location().pathname().unwrap_or_default());
    let on_popstate = wasm_bindgen::closure::Closure::<dyn Fn()>::new(move || {
        pathname.set(window().location().pathname().unwrap_or_default());
    });
    let _ = window().add_event_listener_with_callback(
        "popstate",
        wasm_bindgen::JsCast::unchecked_ref(on_popstate.as_ref()),
    );
    on_popstate.forget();
    move || {
        if is_the_page(&pathname.get(), &base) {
            start()
        } else {
            view! { <ui::NotFound/> }.into_any()
        }
    }
}

/// Whether `pathname` is the sync page in the folder `base` ([`route_base`]): the folder
/// itself, with or without its slash, or its `index.html`.
pub fn is_the_page(pathname: &str, base: &str) -> bool {
    let normalised: String = pathname
        .split(['/', '\\'])
        .filter(|segment| !segment.is_empty())
        .flat_map(|segment| ["/", segment])
        .collect();
    let path = normalised
        .strip_suffix("/index.html")
        .unwrap_or(&normalised);
    path == base
}

/// Fetches and validates `config.json` from beside the page; when it is not valid, also the
/// support contact it names, if that much can be read.
pub async fn load_config() -> (Result<AppConfig, ConfigError>, Option<SupportContact>) {
    // index.html preloads it while the wasm loads; this request is answered from that, or
    // the first module's, which asked for it already, is read.
    const TIMEOUT_MS: u32 = 15_000;
    let request = HttpRequest::get(CONFIG_PATH)
        .own_file()
        .timeout_ms(TIMEOUT_MS);
    let received = match handed_over_config() {
        Some(asked) => http::receive(asked, &request).await,
        None => http::send(request).await,
    };
    let response = match received {
        Ok(response) => response,
        Err(e) => {
            let reason = e.to_string();
            return (Err(ConfigError::Unreachable { reason }), None);
        }
    };
    if response.status == 404 || response.status == 410 {
        let status = response.status;
        return (Err(ConfigError::Missing { status }), None);
    }
    if !response.is_success() {
        let reason = format!("HTTP {}", response.status);
        return (Err(ConfigError::Unreachable { reason }), None);
    }
    let text = response.text();
    match AppConfig::parse(&text) {
        Ok(config) => (Ok(config), None),
        Err(error) => (Err(error), AppConfig::support_in(&text)),
    }
}

/// The first module's request for `config.json`, once ([`CONFIG_HANDOVER`]).
fn handed_over_config() -> Option<js_sys::Promise> {
    let key = wasm_bindgen::JsValue::from_str(CONFIG_HANDOVER);
    let asked = js_sys::Reflect::get(&window(), &key).ok()?;
    let _ = js_sys::Reflect::delete_property(&window(), &key);
    asked.dyn_into::<js_sys::Promise>().ok()
}

/// Turns `…/#/setup` into `…/setup` (keeping the query) and returns the page's base folder.
fn take_hash_route() -> String {
    let location = window().location();
    let pathname = location.pathname().unwrap_or_default();
    let hash = location.hash().unwrap_or_default();
    let search = location.search().unwrap_or_default();
    let base = route_base(&pathname);
    if let Some(route) = hash_route(&hash) {
        let origin = location.origin().unwrap_or_default();
        let target = format!("{origin}{base}{route}{search}");
        if let Ok(history) = window().history() {
            let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&target));
        }
    }
    base
}

/// The views of the sync page's router, as the last path segment.
pub const VIEWS: [&str; 1] = ["admin"];

/// The page beside `index.html` with the setup check and the link builder.
pub const TOOLS_PAGE: &str = "tools.html";

/// The views of [`TOOLS_PAGE`].
pub const TOOL_VIEWS: [&str; 2] = ["setup", "links"];

/// The folder the page is served from, without a trailing slash: `/tools/photo/admin` →
/// `/tools/photo`, `/photo/tools.html` → `/photo`. Always `""` or an absolute path with one
/// slash between segments: empty segments (`//evil.example`) and backslashes, which browsers
/// read as slashes, are dropped, so the base never reads as another host.
pub fn route_base(pathname: &str) -> String {
    let normalised: String = pathname
        .split(['/', '\\'])
        .filter(|segment| !segment.is_empty())
        .flat_map(|segment| ["/", segment])
        .collect();
    let mut path = normalised.as_str();
    for page in ["/index.html", "/tools.html", "/admin.html"] {
        if let Some(stripped) = path.strip_suffix(page) {
            path = stripped;
        }
    }
    if let Some((parent, last)) = path.rsplit_once('/') {
        if VIEWS.contains(&last) || TOOL_VIEWS.contains(&last) {
            path = parent;
        }
    }
    path.to_owned()
}

/// The address of `tools.html` showing `view`, for the sync page at `pathname` (with its
/// query `search`) on `origin`.
///
/// Built from `origin` (never from the path alone: `https://host//evil.example` has the path
/// `//evil.example`, which a browser reads as another host), with the query kept only when it
/// is one.
pub fn tools_target(origin: &str, pathname: &str, search: &str, view: &str) -> String {
    let search = if search.starts_with('?') { search } else { "" };
    let search = search.split('#').next().unwrap_or_default();
    format!(
        "{origin}{}/{TOOLS_PAGE}{search}#/{view}",
        route_base(pathname)
    )
}

/// The admin audit's address when the sync page is opened as `…/admin` or `…/#/admin` (the
/// form of older links): `admin.html` in the same folder, with the query kept.
pub fn admin_target(origin: &str, pathname: &str, search: &str, hash: &str) -> Option<String> {
    let in_hash = hash.strip_prefix("#/").map(|r| r.trim_end_matches('/'));
    let last = pathname.trim_end_matches('/').rsplit('/').next();
    let asks = in_hash == Some("admin") || (in_hash.is_none() && last == Some("admin"));
    let search = if search.starts_with('?') { search } else { "" };
    let search = search.split('#').next().unwrap_or_default();
    asks.then(|| format!("{origin}{}/admin.html{search}", route_base(pathname)))
}

/// `#/admin` → `/admin`; anything else (including OAuth fragments) is not a route.
pub fn hash_route(hash: &str) -> Option<String> {
    let route = hash.strip_prefix("#/")?;
    let route = route.trim_end_matches('/');
    (route.is_empty() || VIEWS.contains(&route)).then(|| format!("/{route}"))
}

/// The tools view an address of the sync page asks for (`…/setup`, `…/#/links`), if any.
pub fn tool_view(pathname: &str, hash: &str) -> Option<&'static str> {
    let in_hash = hash
        .strip_prefix("#/")
        .map(|route| route.trim_end_matches('/'));
    let last = pathname.trim_end_matches('/').rsplit('/').next();
    TOOL_VIEWS
        .into_iter()
        .find(|view| in_hash == Some(*view) || (in_hash.is_none() && last == Some(*view)))
}

/// The view `tools.html` shows for its fragment: `#/links`, else the setup check.
pub fn tools_view(hash: &str) -> &'static str {
    match hash.trim_start_matches("#/").trim_end_matches('/') {
        "links" => "links",
        _ => "setup",
    }
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
    fn the_sync_page_is_its_folder_or_its_index_html_and_nothing_else() {
        for (pathname, base) in [
            ("/", ""),
            ("", ""),
            ("/index.html", ""),
            ("/photo", "/photo"),
            ("/photo/", "/photo"),
            ("/photo//index.html", "/photo"),
        ] {
            assert!(is_the_page(pathname, base), "{pathname} in {base:?}");
        }
        for (pathname, base) in [
            ("/elsewhere", ""),
            ("/photo/elsewhere", "/photo"),
            ("/photo/index.html/x", "/photo"),
            ("/", "/photo"),
        ] {
            assert!(!is_the_page(pathname, base), "{pathname} in {base:?}");
        }
    }

    #[test]
    fn admin_links_of_the_sync_page_go_to_admin_html() {
        let o = "https://intranet.example";
        assert_eq!(
            admin_target(o, "/photo/", "?login_hint=a%40b.c", "#/admin").as_deref(),
            Some("https://intranet.example/photo/admin.html?login_hint=a%40b.c")
        );
        assert_eq!(
            admin_target(o, "/photo/admin", "", "").as_deref(),
            Some("https://intranet.example/photo/admin.html")
        );
        assert_eq!(admin_target(o, "/photo/", "", ""), None);
        assert_eq!(admin_target(o, "/photo/admin", "", "#/setup"), None);
        assert_eq!(
            admin_target(o, "//evil.example/admin", "", "").as_deref(),
            Some("https://intranet.example/evil.example/admin.html")
        );
    }

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
    fn base_of_the_tools_page() {
        assert_eq!(route_base("/tools.html"), "");
        assert_eq!(route_base("/tools/photo/tools.html"), "/tools/photo");
        assert_eq!(route_base("/tools/photo/setup"), "/tools/photo");
        assert_eq!(route_base("/tools/photo/links/"), "/tools/photo");
    }

    #[test]
    fn the_setup_check_and_the_link_builder_are_on_the_tools_page() {
        assert_eq!(tool_view("/photo/", "#/setup"), Some("setup"));
        assert_eq!(tool_view("/photo/index.html", "#/links/"), Some("links"));
        assert_eq!(tool_view("/photo/setup", ""), Some("setup"));
        assert_eq!(tool_view("/photo/links/", ""), Some("links"));
        assert_eq!(tool_view("/photo/", ""), None);
        assert_eq!(tool_view("/photo/", "#/admin"), None);
        assert_eq!(
            tool_view("/photo/setup", "#/admin"),
            None,
            "the fragment decides"
        );
        assert_eq!(tool_view("/setup-guide/", ""), None);
        assert_eq!(tools_view("#/links"), "links");
        assert_eq!(tools_view("#/setup"), "setup");
        assert_eq!(tools_view(""), "setup");
    }

    /// Where a target resolves when the page at `https://intranet.example{pathname}` goes there.
    fn resolved(pathname: &str, target: &str) -> url::Url {
        let page = url::Url::parse(&format!("https://intranet.example{pathname}")).unwrap();
        page.join(target).unwrap()
    }

    #[test]
    fn open_redirect_double_slash_path_stays_on_origin() {
        // https://intranet.example//evil.example#/setup: the browser's pathname is `//evil.example`.
        for pathname in ["//evil.example", "//evil.example/", "///evil.example/setup"] {
            let target = tools_target("https://intranet.example", pathname, "", "setup");
            let url = resolved(pathname, &target);
            assert_eq!(
                url.origin().ascii_serialization(),
                "https://intranet.example",
                "{pathname} -> {target}"
            );
            assert!(url.path().ends_with("/tools.html"), "{url}");
        }
    }

    // Property tests run natively (`cargo test`); proptest is a native dev-dependency.

    #[cfg(not(target_arch = "wasm32"))]

    proptest::proptest! {
        /// No address the page can be opened at sends it to another origin: the tools page's
        /// address resolves on the page's own origin, and the base is a plain absolute path.
        #[test]
        fn no_path_yields_a_target_on_another_origin(
            pathname in proptest::prop_oneof![
                "/[ -~]{0,40}",
                proptest::string::string_regex("(/|\\\\){1,4}[a-z.@:]{0,20}(/(setup|links|admin|index\\.html|tools\\.html))?/?").unwrap(),
            ],
            search in "[ -~]{0,20}",
            view in proptest::sample::select(TOOL_VIEWS.to_vec()),
        ) {
            // The page as the browser has it: `location.pathname` is the path after the host.
            let Ok(page) = url::Url::parse(&format!("https://intranet.example{pathname}")) else {
                return Ok(());
            };
            proptest::prop_assume!(page.host_str() == Some("intranet.example"));
            let target = tools_target("https://intranet.example", page.path(), &search, view);
            let url = page.join(&target).unwrap();
            proptest::prop_assert_eq!(url.origin().ascii_serialization(), "https://intranet.example");
            let base = route_base(page.path());
            proptest::prop_assert!(base.is_empty() || (base.starts_with('/') && !base.starts_with("//")), "{}", base);
            let routed = page.join(&format!("{base}/admin")).unwrap();
            proptest::prop_assert_eq!(routed.origin().ascii_serialization(), "https://intranet.example");
        }
    }

    #[test]
    fn hash_routes() {
        assert_eq!(hash_route("#/setup"), None, "on the tools page");
        assert_eq!(hash_route("#/admin/").as_deref(), Some("/admin"));
        assert_eq!(hash_route("#/").as_deref(), Some("/"));
        assert_eq!(hash_route("#code=abc"), None);
        assert_eq!(hash_route("#/unknown"), None);
        assert_eq!(hash_route(""), None);
    }
}
