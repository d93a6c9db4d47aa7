//! View pieces both start pages use — the full page's ([`super::home`]) and the intranet
//! widget's ([`super::embed_view`]): the loading notice and the signed-in home (who is signed in, over the sync screen and its controller).

use leptos::prelude::*;

use super::auth_view::UserBadge;
use super::shell::HeaderAccount;
use super::sync_view::SyncView;
use super::{mark_interactive, text};
use crate::auth::Account;
use crate::state::auth::AuthContext;
use crate::state::sync::SyncController;
use crate::sync::SyncPhase;

#[component]
pub fn Loading() -> impl IntoView {
    let t = text();
    view! {
        <p class="loading" role="status" data-testid="loading">{move || t().loading}</p>
    }
}

/// Signed in: who (in the header; in the widget, which has none, above the task), and the
/// self-service flow. The photos are read and compared at once; a help-article link with
/// `autostart=1` also syncs without a click. The sync stops when this view goes.
#[component]
pub fn SignedInHome(
    account: Account,
    /// Where the sync is; given by an owner that also watches it (the intranet widget).
    #[prop(optional)]
    phase: Option<RwSignal<SyncPhase>>,
) -> impl IntoView {
    let sync = SyncController::new(phase);
    let auth = AuthContext::get();
    mark_interactive();
    sync.begin();
    let on_sync = UnsyncCallback::new(move |force: bool| sync.sync(force));
    let on_sign_in_again = UnsyncCallback::new(move |()| auth.sign_in_again());
    let username = account.username.clone();
    let badge = if crate::embed::browser::is_embedded() {
        Some(view! {
            <section class="card" data-testid="signed-in">
                <UserBadge account=account/>
            </section>
        })
    } else {
        HeaderAccount::show(account, auth);
        None
    };
    view! {
        {badge}
        <SyncView phase=sync.phase photos=sync.photos on_sync=on_sync sync_asked=sync.sync_asked
            on_sign_in_again=on_sign_in_again account=username/>
    }
}
