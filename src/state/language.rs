//! The page's language: the user's choice (remembered in `localStorage`, a preference, not
//! session data), else the browser's preference; given to every view as context (a
//! `RwSignal<Lang>`) and written into `<html lang>`.

use leptos::prelude::*;

use crate::i18n::Lang;

const LANG_KEY: &str = "pps.lang";

/// Puts the page's language in context and keeps `<html lang>` in step with it.
pub fn provide() -> RwSignal<Lang> {
    let lang = RwSignal::new(initial());
    provide_context(lang);
    Effect::new(move |_| {
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("lang", lang.get().tag());
        }
    });
    lang
}

/// The user picked `chosen`: show it, and remember it for the next visit.
pub fn choose(chosen: Lang) {
    expect_context::<RwSignal<Lang>>().set(chosen);
    remember(chosen);
}

/// The language the user chose before, else the browser's preference.
fn initial() -> Lang {
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

fn remember(lang: Lang) {
    if let Some(storage) = window().local_storage().ok().flatten() {
        let _ = storage.set_item(LANG_KEY, lang.tag());
    }
}
