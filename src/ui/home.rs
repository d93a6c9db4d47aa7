//! The full page's start (the page opened at top level, not as the intranet widget): what
//! sign-in stands at decides the screen — loading, the popup's return, the landing with the
//! way in, the signed-in home, or the question when a link names another account.

use leptos::prelude::*;

use super::auth_view::{AuthProblem, OtherAccount, PopupReturn, SignInButtons};
use super::parts::{Loading, SignedInHome};
use super::{mark_interactive, text, use_document_title};
use crate::auth::AuthError;
use crate::state::auth::{AuthContext, AuthState};

/// The start page: what the page does and sign-in, then (signed in) the self-service flow.
#[component]
pub fn Home() -> impl IntoView {
    let auth = AuthContext::get();
    move || match auth.state().get() {
        AuthState::Checking => view! { <Loading/> }.into_any(),
        AuthState::InPopup => view! { <PopupReturn/> }.into_any(),
        AuthState::SignedOut(error) => view! { <Landing error=error/> }.into_any(),
        AuthState::SignedIn(account) => view! { <SignedInHome account=account/> }.into_any(),
        AuthState::OtherAccount { account, hint } => {
            view! { <OtherAccount account=account hint=hint/> }.into_any()
        }
    }
}

/// Before sign-in: what the page does, and the way in (after a failed sign-in, with the
/// pop-up window as a second way). A help-article link with `autostart=1` signs in by itself
/// (unless that just failed).
#[component]
fn Landing(error: Option<AuthError>) -> impl IntoView {
    let t = text();
    let auth = AuthContext::get();
    mark_interactive();
    use_document_title(|t| t.sign_in);
    let failed = error.is_some();
    auth.sign_in_if_link_asks(failed);
    view! {
        <section class="card landing" data-testid="landing" aria-labelledby="landing-title">
            <h1 id="landing-title">{move || t().landing_title}</h1>
            <p class="lead">{move || t().landing_intro}</p>
            <ol class="steps">
                {move || t().landing_steps.iter().map(|s| view! { <li>{*s}</li> }).collect_view()}
            </ol>
            {error.map(|error| view! { <AuthProblem error=error/> })}
            <SignInButtons failed=failed/>
        </section>
    }
}
