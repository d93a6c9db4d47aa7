//! The page's language: what the page's address asks for (the widget's `lang=`, chosen by its
//! host page), else the user's choice (remembered in `localStorage`, a preference, not session
//! data), else the browser's preference; given to every view as context (a `RwSignal<Lang>`)
//! and written into the document itself — `<html lang>`, `<title>` and
//! `<meta name="description">` — so that what the browser shows outside the page (the tab, a
//! bookmark, a screen reader's announcement) speaks it too. The static English in `index.html`
//! and `tools.html` stays as the fallback for a browser without JavaScript.

use leptos::prelude::*;

use crate::i18n::Lang;

const LANG_KEY: &str = "pps.lang";

/// Which page the document is, for its title and description.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// `index.html`: the sync page and the widget.
    Sync,
    /// `tools.html`: the setup check and the link builder.
    Tools,
    /// `admin.html`: the admin audit.
    Admin,
}

impl Page {
    /// The document's `<title>` in `lang`.
    pub fn title(self, lang: Lang) -> &'static str {
        let t = lang.text();
        match self {
            Page::Sync => t.product_name,
            Page::Tools => t.tools_page_title,
            Page::Admin => lang.admin_text().document_title,
        }
    }

    /// The document's `<meta name="description">` in `lang`.
    pub fn description(self, lang: Lang) -> &'static str {
        let t = lang.text();
        match self {
            Page::Sync => t.page_description,
            Page::Tools => t.tools_page_description,
            Page::Admin => lang.admin_text().page_description,
        }
    }
}

/// Puts the page's language in context and keeps the document (`<html lang>`, `<title>`, the
/// description) in step with it. `requested` is the language the address asks for (the
/// widget's `lang=`), which wins over any other choice and is not remembered.
pub fn provide(page: Page, requested: Option<Lang>) -> RwSignal<Lang> {
    let lang = RwSignal::new(requested.unwrap_or_else(initial));
    provide_context(lang);
    Effect::new(move |_| apply(page, lang.get()));
    lang
}

/// Writes `lang` into the document: `<html lang>`, `<title>` and the description of `page`.
pub fn apply(page: Page, lang: Lang) {
    write_document(lang, page.title(lang), page.description(lang));
}

/// Writes `lang` into `<html lang>`, and the document's `<title>` and description: what
/// [`apply`] keeps in step, and what the first module's landing writes before the app is there.
pub fn write_document(lang: Lang, title: &str, description: &str) {
    let document = document();
    if let Some(root) = document.document_element() {
        let _ = root.set_attribute("lang", lang.tag());
    }
    document.set_title(title);
    if let Ok(Some(meta)) = document.query_selector("meta[name=\"description\"]") {
        let _ = meta.set_attribute("content", description);
    }
}

/// The user picked `chosen`: show it, and remember it for the next visit.
pub fn choose(chosen: Lang) {
    expect_context::<RwSignal<Lang>>().set(chosen);
    remember(chosen);
}

/// The language the user chose before, else the browser's preference.
pub fn initial() -> Lang {
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

/// Remembers `lang` as the user's choice, for the next visit.
pub fn remember(lang: Lang) {
    if let Some(storage) = window().local_storage().ok().flatten() {
        let _ = storage.set_item(LANG_KEY, lang.tag());
    }
}
