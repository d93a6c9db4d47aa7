//! The widget's window plumbing: is the page embedded, who is the parent, tell the parent,
//! open the full page in a new tab. No network requests and no decisions: those are in
//! [`super`].

use js_sys::{Object, Reflect};
use wasm_bindgen::JsValue;

use super::{embed_requested, EmbedEvent, Placement, Theme};

use crate::browser::window;
pub use crate::browser::{is_framed, query};

/// True when the page shows the compact widget: asked for (`?embed=1`) or framed.
pub fn is_embedded() -> bool {
    embed_requested(&query()) || is_framed()
}

/// The parent page's origin, if it is one of `embed_origins`.
pub fn parent_origin(embed_origins: &[String]) -> Option<String> {
    match placement(embed_origins) {
        Placement::AllowedFrame { parent } => Some(parent),
        _ => None,
    }
}

/// Where the widget is: top level, framed by an allowed page, or framed by a stranger.
pub fn placement(embed_origins: &[String]) -> Placement {
    if !is_framed() {
        return Placement::TopLevel;
    }
    let location = window().location();
    // `location.ancestorOrigins` (Chromium, Safari): the parent's origin, whatever its
    // referrer policy. Firefox has none; there `document.referrer` gives at least the origin
    // under the default policy.
    let ancestor = Reflect::get(&location, &JsValue::from_str("ancestorOrigins"))
        .ok()
        .filter(|list| !list.is_undefined() && !list.is_null())
        .and_then(|list| Reflect::get(&list, &JsValue::from_f64(0.0)).ok())
        .and_then(|first| first.as_string());
    let referrer = window().document().map(|d| d.referrer());
    super::placement(
        true,
        embed_origins,
        ancestor.as_deref(),
        referrer.as_deref(),
    )
}

/// Posts `event` to the parent page, only if its origin is one of `embed_origins`, and only
/// to that origin.
pub fn notify_parent(event: &EmbedEvent, embed_origins: &[String]) {
    let Some(target) = parent_origin(embed_origins) else {
        return;
    };
    let Ok(Some(parent)) = window().parent() else {
        return;
    };
    let message = Object::new();
    let _ = Reflect::set(&message, &"type".into(), &event.kind().into());
    if let Some(reason) = event.reason() {
        let _ = Reflect::set(&message, &"reason".into(), &reason.into());
    }
    let _ = parent.post_message(&message, &target);
}

/// Opens `url` in a new tab without giving it this window (`noopener`). Must run in a click
/// handler. With `noopener` the browser does not say whether the tab opened, so the widget
/// also shows a link to it.
pub fn open_in_new_tab(url: &str) {
    let _ = window().open_with_url_and_target_and_features(url, "_blank", "noopener");
}

/// This page's own address at the top of its folder (`https://intranet.example/photo/`).
pub fn page_url(base: &str) -> String {
    format!("{}{}/", crate::browser::origin(), base)
}

/// Gives the widget the colours its host page asked for: `<html data-theme="light|dark">`
/// (style/embed.css), or nothing for [`Theme::Auto`], which follows the system's setting.
pub fn apply_theme(theme: Theme) {
    let Some(root) = window().document().and_then(|d| d.document_element()) else {
        return;
    };
    match theme {
        Theme::Auto => {
            let _ = root.remove_attribute("data-theme");
        }
        Theme::Light | Theme::Dark => {
            let _ = root.set_attribute("data-theme", theme.name());
        }
    }
}
