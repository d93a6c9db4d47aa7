//! Screens and their parts, as Leptos components.
//!
//! Components render state and call down into `sync` (and `auth` for sign-in); they do no I/O
//! of their own. Every string comes from [`crate::i18n`]; every element a test reads carries a
//! `data-testid`.

mod auth_view;
mod embed_view;
mod links_view;
mod setup_view;
mod shell;
mod sync_view;

pub use auth_view::{AuthContext, AuthState};
pub use links_view::LinksView;
pub use setup_view::{SetupConfigFailed, SetupView};
pub use shell::{ConfigProblem, Home, Loading, NotFound, Shell};
pub use sync_view::SyncView;

use leptos::prelude::*;

use crate::i18n::{Catalogue, Lang};

/// The catalogue of the language in use, reactively.
pub fn text() -> impl Fn() -> &'static Catalogue + Copy {
    let lang = expect_context::<RwSignal<Lang>>();
    move || lang.get().text()
}

/// Marks the moment the first screen can be used, for the start-up benchmark.
pub fn mark_interactive() {
    if let Some(performance) = window().performance() {
        let _ = performance.mark("pps:interactive");
    }
}
