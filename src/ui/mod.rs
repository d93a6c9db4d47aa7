//! Screens and their parts, as Leptos components.
//!
//! Components render state and call the controllers in [`crate::state`]; they do no I/O and
//! hold no policy of their own. The two start pages — the full page ([`Home`]) and the
//! intranet widget ([`EmbedHome`]) — share their pieces through `parts`, never through each
//! other; which one shows is [`crate::app`]'s choice. Every string comes from
//! [`crate::i18n`]; every element a test reads carries a `data-testid`.

mod admin_view;
mod auth_view;
mod embed_view;
mod fix_view;
mod home;
mod links_view;
mod outreach_view;
mod parts;
mod setup_view;
mod shell;
mod sync_view;

pub use admin_view::AdminView;
pub use embed_view::EmbedHome;
pub use home::Home;
pub use links_view::LinksView;
pub use parts::Loading;
pub use setup_view::{SetupConfigFailed, SetupView};
pub use shell::{ConfigProblem, NotFound, Shell};
pub use sync_view::SyncView;

use leptos::prelude::*;

use crate::i18n::{Catalogue, Lang};

/// The catalogue of the language in use, reactively.
pub fn text() -> impl Fn() -> &'static Catalogue + Copy {
    let lang = expect_context::<RwSignal<Lang>>();
    move || lang.get().text()
}

/// Keeps the document's title on the view, in the page's language: "(part) — Profile Photo
/// Sync".
pub fn use_document_title(part: fn(&'static Catalogue) -> &'static str) {
    let t = text();
    Effect::new(move |_| set_document_title(t(), part(t())));
}

/// Sets the document's title to "(part) — Profile Photo Sync" in `t`'s language.
pub fn set_document_title(t: &'static Catalogue, part: &'static str) {
    document().set_title(&(t.page_title)(part));
}

/// Marks the moment the first screen can be used, for the start-up benchmark.
pub fn mark_interactive() {
    if let Some(performance) = window().performance() {
        let _ = performance.mark("pps:interactive");
    }
}
