//! The intranet widget: the compact start page shown with `?embed=1` or inside a frame — the
//! two photos, one button, the result — and the events it posts to its host page.
//!
//! Sign-in goes through a popup (the identity platform refuses to be framed). When the popup
//! cannot report back — the browser blocks it, or it never answers — the widget opens the full
//! page in a new tab with `autostart` (from the same click when it can) and says so. Sign-out
//! in a frame forgets the session in the widget only — the identity platform's sign-out page
//! refuses to be framed too — and the widget says so, since Microsoft 365 still has the person
//! signed in elsewhere in the browser. Events go
//! only to an `embedOrigins` parent ([`crate::embed::target_origin`]); framed by any other
//! page, the widget signs nobody in and syncs nothing ([`crate::embed::Placement`]). No I/O
//! here.

use leptos::prelude::*;

use super::auth_view::{auth_error_kind, AuthProblem, OtherAccount, PopupReturn};
use super::parts::{Loading, SignedInHome};
use super::sync_view::failure_kind;
use super::{mark_interactive, text};
use crate::auth::AuthError;
use crate::config::AppConfig;
use crate::embed::browser as frame;
use crate::embed::{full_page_url, EmbedEvent, Placement};
use crate::state::auth::{AuthContext, AuthState};
use crate::sync::SyncPhase;

/// How the widget fell back to a top-level tab.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fallback {
    /// The popup was blocked; the click opened the full page in a new tab.
    OpenedTab,
    /// The popup never reported back; a click on the link opens the tab.
    OfferTab,
}

/// The compact start page; inside a frame of a page `embedOrigins` does not list, only a
/// notice that says why it does nothing there.
#[component]
pub fn EmbedHome() -> impl IntoView {
    let config = expect_context::<AppConfig>();
    if let Placement::StrangerFrame { parent } = frame::placement(&config.embed_origins) {
        return view! { <StrangerFrame parent=parent/> }.into_any();
    }
    view! { <TrustedEmbedHome/> }.into_any()
}

/// Framed by a page that may not embed the widget: no sign-in, no sync, no events; the
/// notice names the framing page when the browser tells it, and the way to the page itself.
#[component]
fn StrangerFrame(parent: Option<String>) -> impl IntoView {
    let t = text();
    let auth = AuthContext::get();
    let page = frame::page_url(&auth.base());
    mark_interactive();
    let parent = parent.unwrap_or_default();
    view! {
        <section class="card embed-card" data-testid="embed-stranger" role="alert" aria-labelledby="embed-title">
            <h1 id="embed-title">{move || t().sync_title}</h1>
            <p data-testid="embed-stranger-message">{move || (t().embed_stranger)(&parent)}</p>
            <a href=page.clone() target="_blank" rel="noopener" data-testid="embed-stranger-open">
                {move || t().embed_stranger_open}
            </a>
        </section>
    }
}

/// The compact start page in a frame of an allowed page, or at top level with `?embed=1`.
#[component]
fn TrustedEmbedHome() -> impl IntoView {
    let auth = AuthContext::get();
    let config = StoredValue::new(expect_context::<AppConfig>());
    let phase = RwSignal::new(SyncPhase::Idle);
    let fallback = RwSignal::new(None::<Fallback>);
    let full_page = StoredValue::new(full_page_url(
        &frame::page_url(&auth.base()),
        &frame::query(),
    ));

    // Tell the host page what happened, once per event.
    let last_sent = StoredValue::new(None::<EmbedEvent>);
    let notify = move |event: EmbedEvent| {
        if last_sent.get_value().as_ref() != Some(&event) {
            frame::notify_parent(&event, &config.get_value().embed_origins);
            last_sent.set_value(Some(event));
        }
    };
    let ready_sent = StoredValue::new(false);
    Effect::new(move |_| {
        let state = auth.state().get();
        if matches!(state, AuthState::Checking | AuthState::InPopup) {
            return;
        }
        if !ready_sent.get_value() {
            ready_sent.set_value(true);
            notify(EmbedEvent::Ready);
        }
        match state {
            AuthState::SignedIn(_) => notify(EmbedEvent::SignedIn),
            AuthState::SignedOut(Some(error)) => {
                if matches!(error, AuthError::PopupTimedOut) {
                    fallback.set(Some(Fallback::OfferTab));
                }
                notify(EmbedEvent::Failed {
                    reason: auth_error_kind(&error).to_owned(),
                });
            }
            _ => {}
        }
    });
    Effect::new(move |_| match phase.get() {
        SyncPhase::Done { .. } | SyncPhase::NothingToDo => notify(EmbedEvent::Synced),
        SyncPhase::Failed { reason, .. } => notify(EmbedEvent::Failed {
            reason: failure_kind(&reason).to_owned(),
        }),
        _ => {}
    });

    let sign_in = move |_| {
        fallback.set(None);
        if let Err(error) = auth.sign_in_by_popup() {
            // Still inside the click: the browser lets this one window open.
            frame::open_in_new_tab(&full_page.get_value());
            fallback.set(Some(Fallback::OpenedTab));
            notify(EmbedEvent::Failed {
                reason: auth_error_kind(&error).to_owned(),
            });
        }
    };
    let t = text();
    mark_interactive();
    let signed_out = move |error: Option<AuthError>| {
        let shown_error =
            error.filter(|e| !matches!(e, AuthError::PopupBlocked | AuthError::PopupTimedOut));
        view! {
            <section class="card embed-card" data-testid="embed-landing" aria-labelledby="embed-title">
                <h1 id="embed-title">{move || t().sync_title}</h1>
                <p class="embed-intro">{move || t().embed_intro}</p>
                {move || auth.signed_out_here().get().then(|| view! {
                    <p class="notice notice-success" role="status" data-testid="embed-signed-out-here">
                        {move || t().embed_signed_out_here}
                    </p>
                })}
                {shown_error.map(|error| view! { <AuthProblem error=error/> })}
                {move || fallback.get().map(|how| {
                    let on_link = move |ev: leptos::ev::MouseEvent| {
                        ev.prevent_default();
                        frame::open_in_new_tab(&full_page.get_value());
                        fallback.set(Some(Fallback::OpenedTab));
                    };
                    view! {
                        <div class="notice" role="status" data-testid="embed-fallback"
                            data-fallback=if how == Fallback::OpenedTab { "opened-tab" } else { "offer-tab" }>
                            <p>{move || if how == Fallback::OpenedTab { t().embed_opened_tab } else { t().embed_popup_failed }}</p>
                            <a href=full_page.get_value() target="_blank" rel="noopener" data-testid="embed-open-tab"
                                on:click=on_link>
                                {move || t().embed_open_tab}
                            </a>
                        </div>
                    }
                })}
                <div class="actions">
                    <button class="button primary" type="button" data-testid="sign-in" on:click=sign_in>
                        {move || t().sign_in}
                    </button>
                </div>
            </section>
        }
    };
    move || match auth.state().get() {
        AuthState::Checking => view! { <Loading/> }.into_any(),
        AuthState::InPopup => view! { <PopupReturn/> }.into_any(),
        AuthState::SignedOut(error) => signed_out(error).into_any(),
        AuthState::SignedIn(account) => {
            view! { <SignedInHome account=account phase=phase/> }.into_any()
        }
        AuthState::OtherAccount { account, hint } => {
            view! { <OtherAccount account=account hint=hint/> }.into_any()
        }
    }
}
