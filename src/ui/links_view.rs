//! The link builder (`#/links`) for admins and help-desk writers: what the link does, optional
//! hints, autostart (off until asked for); then the link with a copy button, a sentence for
//! the article, and the QR code. The link and the QR code come from [`crate::links`]; nothing
//! here builds a URL.
//!
//! The link is shown as text to copy, never as a live anchor: opened here, in the writer's own
//! browser, it would sign the writer in and (with `autostart`) sync the writer's own photo.

use leptos::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::browser::{async_clipboard, copy_by_selection};

use super::{mark_interactive, text};
use crate::embed::browser::page_url;
use crate::links::{qr_path, HelpLink, LinkAction};
use crate::state::auth::AuthContext;

/// The link builder screen.
#[component]
pub fn LinksView() -> impl IntoView {
    let t = text();
    let auth = AuthContext::get();
    mark_interactive();
    let page = StoredValue::new(page_url(&auth.base()));
    let action = RwSignal::new(LinkAction::SyncMyPhoto);
    let login_hint = RwSignal::new(String::new());
    let domain_hint = RwSignal::new(String::new());
    // Off until the writer asks: a link that syncs by itself is a choice, not the default.
    let autostart = RwSignal::new(false);
    let url = Memo::new(move |_| {
        HelpLink {
            action: action.get(),
            login_hint: login_hint.get(),
            domain_hint: domain_hint.get(),
            autostart: autostart.get(),
        }
        .url(&page.get_value())
    });
    let sentence = Signal::derive(move || {
        let url = url.get();
        match (action.get(), autostart.get()) {
            (LinkAction::AdminAudit, _) => (t().links_sentence_admin)(&url),
            (LinkAction::SyncMyPhoto, true) => (t().links_sentence_sync_auto)(&url),
            (LinkAction::SyncMyPhoto, false) => (t().links_sentence_sync)(&url),
        }
    });
    let qr = Memo::new(move |_| qr_path(&url.get()));
    let action_label = move |a: LinkAction| match a {
        LinkAction::SyncMyPhoto => t().links_action_sync,
        LinkAction::AdminAudit => t().links_action_admin,
    };

    view! {
        <section class="card links" data-testid="links" aria-labelledby="links-title">
            <h1 id="links-title">{move || t().links_title}</h1>
            <p class="lead">{move || t().links_intro}</p>
            <form class="form" on:submit=|ev| ev.prevent_default()>
                <fieldset class="field">
                    <legend>{move || t().links_action_label}</legend>
                    {LinkAction::ALL.into_iter().map(|a| view! {
                        <label class="choice">
                            <input type="radio" name="link-action" value=a.name()
                                data-testid=format!("link-action-{}", a.name())
                                prop:checked=move || action.get() == a
                                on:change=move |_| action.set(a)/>
                            {move || action_label(a)}
                        </label>
                    }).collect_view()}
                </fieldset>
                <div class="field">
                    <label for="link-login-hint">{move || t().links_login_hint_label}</label>
                    <input id="link-login-hint" type="email" autocomplete="off" spellcheck="false"
                        data-testid="link-login-hint" aria-describedby="link-login-hint-help"
                        prop:value=move || login_hint.get()
                        on:input=move |ev| login_hint.set(event_target_value(&ev))/>
                    <p id="link-login-hint-help" class="muted field-help">{move || t().links_login_hint_help}</p>
                </div>
                <div class="field">
                    <label for="link-domain-hint">{move || t().links_domain_hint_label}</label>
                    <input id="link-domain-hint" type="text" autocomplete="off" spellcheck="false"
                        data-testid="link-domain-hint" aria-describedby="link-domain-hint-help"
                        prop:value=move || domain_hint.get()
                        on:input=move |ev| domain_hint.set(event_target_value(&ev))/>
                    <p id="link-domain-hint-help" class="muted field-help">{move || t().links_domain_hint_help}</p>
                </div>
                <div class="field">
                    <label class="choice">
                        <input type="checkbox" data-testid="link-autostart" aria-describedby="link-autostart-help"
                            prop:checked=move || autostart.get()
                            on:change=move |ev| autostart.set(event_target_checked(&ev))/>
                        {move || t().links_autostart_label}
                    </label>
                    <p id="link-autostart-help" class="muted field-help">{move || t().links_autostart_help}</p>
                </div>
            </form>
            <div class="links-output">
                <div class="links-texts">
                    <h2 class="field-title" id="link-url-title">{move || t().links_url_label}</h2>
                    // Text to copy, not an anchor: see the module's note.
                    <input class="copyable link-url" type="text" readonly spellcheck="false"
                        data-testid="link-url" aria-labelledby="link-url-title"
                        aria-describedby="link-url-help" prop:value=move || url.get()
                        on:focus=move |ev| select_all(&ev)/>
                    <p id="link-url-help" class="muted field-help">{move || t().links_try_help}</p>
                    <CopyButton text=Signal::derive(move || url.get()) testid="copy-link"/>
                    <h2 class="field-title">{move || t().links_sentence_label}</h2>
                    <p class="copyable" data-testid="link-sentence">{move || sentence.get()}</p>
                    <CopyButton text=sentence testid="copy-sentence"/>
                </div>
                <figure class="links-qr">
                    {move || match qr.get() {
                        Some(qr) => {
                            let size = qr.size.to_string();
                            view! {
                                <svg class="qr" data-testid="link-qr" role="img"
                                    viewBox=format!("0 0 {size} {size}") shape-rendering="crispEdges">
                                    <title>{move || t().links_qr_alt}</title>
                                    <rect width=size.clone() height=size.clone() fill="#fff"/>
                                    <path d=qr.path fill="#000"/>
                                </svg>
                            }.into_any()
                        }
                        None => view! { <p class="muted">{move || t().links_qr_too_long}</p> }.into_any(),
                    }}
                    <figcaption>{move || t().links_qr_label}</figcaption>
                </figure>
            </div>
        </section>
    }
}

/// Selects the whole value of the text field an event came from (a click or tab into the link
/// selects it, ready to copy).
fn select_all(ev: &leptos::ev::FocusEvent) {
    use wasm_bindgen::JsCast;
    if let Some(input) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
    {
        input.select();
    }
}

/// Copies `text` and says whether it worked: with the asynchronous clipboard API where the page
/// has it, else (or when it refuses) by selecting a scratch copy and `execCommand("copy")`.
#[component]
pub fn CopyButton(
    /// What to copy.
    #[prop(into)]
    text: Signal<String>,
    /// The button's `data-testid`.
    testid: &'static str,
) -> impl IntoView {
    let t = super::text();
    // `None` before any click; then whether the copy worked.
    let copied = RwSignal::new(None::<bool>);
    let copy = move |_| {
        let value = text.get_untracked();
        match async_clipboard() {
            Some(clipboard) => leptos::task::spawn_local(async move {
                let worked = JsFuture::from(clipboard.write_text(&value)).await.is_ok()
                    || copy_by_selection(&value);
                copied.set(Some(worked));
            }),
            // Not a secure context: the older way, inside the click, as it must be.
            None => copied.set(Some(copy_by_selection(&value))),
        }
    };
    Effect::new(move |_| {
        text.track();
        copied.set(None);
    });
    view! {
        <span class="copy">
            <button type="button" class="button subtle" data-testid=testid on:click=copy>
                {move || t().copy}
            </button>
            <span class="muted copy-status" role="status">
                {move || match copied.get() {
                    Some(true) => t().copied,
                    Some(false) => t().copy_failed,
                    None => "",
                }}
            </span>
        </span>
    }
}
