//! The self-service screen: the two photos, the three steps of a sync (read, write, check),
//! one button whose label says what is happening, and the outcome — the comparison, the
//! result with SharePoint's photo before and after, or the failure with what happened, what
//! changed and what can be done (try again, sign in again, copy the details for the help desk,
//! the deployment's support contact).
//!
//! Renders a [`SyncPhase`] and the photos its controller keeps ([`ShownPhotos`]); it starts
//! work only through the callbacks its owner gives it (usually
//! [`crate::state::sync::SyncController`]'s). Accessibility is part of the rendering: the one
//! button is never disabled, so it keeps focus while busy (`aria-disabled`, and clicks are
//! ignored); after each phase focus goes to the outcome's heading; one polite live region says
//! each event once (no `role="alert"` beside it); the document's title follows the phase. No
//! I/O here but the clipboard.
//!
//! ```ignore
//! let sync = SyncController::new(None);
//! let on_sync = UnsyncCallback::new(move |force: bool| sync.sync(force));
//! view! { <SyncView phase=sync.phase photos=sync.photos on_sync=on_sync/> }
//! ```

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::shell::support_line;
use super::{set_document_title, text};
use crate::auth::{api_of, permission_names};
use crate::config::{AppConfig, SupportContact, VERSION};
use crate::i18n::Catalogue;
use crate::state::sync::ShownPhotos;
use crate::sync::report::FailureReport;
use crate::sync::{SyncFailure, SyncPhase};

/// Where someone without a photo in Exchange adds one, and Microsoft's instructions for it.
/// Microsoft Learn, "Profile picture not showing in SharePoint Online" (SharePoint Online
/// troubleshooting, "If you have an Exchange Online mailbox"): sign in to Microsoft 365 at
/// office.com (now www.microsoft365.com), select the circle with your initials in the upper
/// corner, select the camera icon, then "Upload a new photo"; it links to Microsoft Support,
/// "Add your profile photo to Microsoft 365", the second address.
const MICROSOFT_365: &str = "https://www.microsoft365.com/";
const ADD_PHOTO_INSTRUCTIONS: &str = "https://support.microsoft.com/office/add-your-profile-photo-to-microsoft-365-2eaf93fd-b3f1-43b9-9cdc-bdcd548435b7";

/// The `id` of the outcome's heading, where focus goes after each phase.
const OUTCOME_TITLE: &str = "sync-outcome-title";

/// The `id`s of the report's disclosure and of its text.
const REPORT: &str = "sync-report";
const REPORT_TEXT: &str = "sync-report-text";

/// The two photos, the steps, the one button and the outcome.
///
/// Rendered with few reactive closures: what changes with the phase (the outcome, the photos,
/// the steps) is drawn by one closure each from plain strings of the catalogue in use, so the
/// page carries little code per message. The button is the exception: it is one element whose
/// attributes follow the phase, so that it keeps focus while the sync runs.
#[component]
pub fn SyncView(
    /// Where the sync is, as `sync::run_sync` / `sync::run_compare` report it.
    #[prop(into)]
    phase: Signal<SyncPhase>,
    /// The photos the last comparison read, kept by the controller from every phase it was
    /// told ([`crate::state::sync::photos_after`]).
    #[prop(into)]
    photos: Signal<Option<ShownPhotos>>,
    /// Starts a sync. The argument is `force`: `false` from "Sync my photo" and "Try again"
    /// (nothing is written when SharePoint is already in sync), `true` from "Sync anyway".
    /// Any `Fn(bool)` closure; it need not be `Send` (the signed-in session usually is not).
    #[prop(into)]
    on_sync: UnsyncCallback<bool>,
    /// Whether a sync runs or is asked for ([`crate::state::sync::SyncController::sync_asked`]).
    /// While it is false, reading is for the comparison alone and the button offers the sync
    /// at once (the controller runs it after the comparison). Without it, reading is busy.
    #[prop(optional, into)]
    sync_asked: Option<Signal<bool>>,
    /// Signs in again; offered beside a failure of the session's.
    #[prop(optional)]
    on_sign_in_again: Option<UnsyncCallback<()>>,
    /// The signed-in account's user name, for the report a failure's "Copy details" copies.
    #[prop(optional)]
    account: Option<String>,
) -> impl IntoView {
    let t = text();
    let support = StoredValue::new(use_context::<AppConfig>().and_then(|config| config.support));
    let account = StoredValue::new(account);
    let sync_asked = move || sync_asked.is_none_or(|asked| asked.get());
    let busy = move || phase.with(SyncPhase::is_busy);
    let action = move || phase.with(|p| action(p, sync_asked()));
    let button_busy = move || matches!(action(), Some(Action::Busy(_)));
    let failed_for_sign_in = move || {
        phase.with(|p| matches!(p, SyncPhase::Failed { reason, .. } if reason.needs_sign_in()))
    };
    let failed = move || phase.with(|p| matches!(p, SyncPhase::Failed { .. }));
    // The step a run was at, where a failure stopped it: kept by the effect below, which sees
    // every busy phase (each lasts while requests are on the wire, so each renders).
    let stopped_at = StoredValue::new(Step::Read);
    // What a click on "Copy details" did, said by the live region until the next phase.
    let copy_state = RwSignal::new(None::<bool>);
    // The `blob:` URLs of the photos are this view's: each is released once it is no longer
    // shown (a new comparison, the result, which shows SharePoint's photos only), and all of
    // them when the view goes.
    let shown = StoredValue::new_local(Vec::<String>::new());
    on_cleanup(move || {
        for url in shown.try_get_value().unwrap_or_default() {
            release(&url);
        }
    });
    let clicked = StoredValue::new(false);
    let embedded = crate::embed::browser::is_embedded();

    // After each phase (one effect for all, as each is small): the document's title, the
    // photos no longer shown released, the step reached, the copy notice gone, and focus on the
    // outcome's heading when the phase settles — in the intranet widget only after a click, so
    // that loading the widget never takes focus from the page around it.
    Effect::new(move |previous: Option<&'static str>| {
        let phase = phase.get();
        set_document_title(t(), title_part(t(), &phase));

        let mut now: Vec<String> = Vec::new();
        if let Some(p) = photos.get() {
            if !matches!(phase, SyncPhase::Done { .. }) {
                now.extend(p.exchange.image_url);
            }
            now.extend(p.sharepoint.image_url);
        }
        if let SyncPhase::Done { new_thumbnail, .. } = &phase {
            now.extend(new_thumbnail.clone());
        }
        for old in shown.get_value().iter().filter(|url| !now.contains(url)) {
            release(old);
        }
        shown.set_value(now);

        if let Some(step) = busy_step(&phase) {
            stopped_at.set_value(step);
        }
        let name = phase.name();
        if previous != Some(name) {
            copy_state.set(None);
            let settled = phase.is_final() || matches!(phase, SyncPhase::Compared { .. });
            if settled && (!embedded || clicked.get_value()) {
                focus_outcome_title();
            }
        }
        name
    });

    let status = move || match copy_state.get() {
        Some(true) => t().sync_details_copied.to_owned(),
        Some(false) => t().sync_copy_failed.to_owned(),
        None => status_text(t(), &phase.get()),
    };
    let copy = move |_| {
        let area = document()
            .get_element_by_id(REPORT_TEXT)
            .and_then(|e| e.dyn_into::<web_sys::HtmlTextAreaElement>().ok());
        let text = area.as_ref().map(|a| a.value()).unwrap_or_default();
        spawn_local(async move {
            let copied = write_to_clipboard(&text).await;
            copy_state.set(Some(copied));
            if !copied {
                // The visible fallback: the details open, selected, ready to be copied.
                if let Some(details) = document().get_element_by_id(REPORT) {
                    let _ = details.set_attribute("open", "");
                }
                if let Some(area) = area {
                    let _ = area.focus();
                    area.select();
                }
            }
        });
    };

    // What changes with the phase, each drawn whole from plain strings.
    let body = move || {
        let t = t();
        let phase = phase.get();
        let shown = photos.get();
        let intro = (!matches!(phase, SyncPhase::Done { .. } | SyncPhase::Failed { .. }))
            .then(|| view! { <p class="lead">{t.sync_intro}</p> });
        let outcome = outcome(t, &phase, shown.as_ref(), support.get_value());
        let photos_row = photos_row(t, &phase, shown);
        let steps = steps(t, &phase, stopped_at.get_value());
        (
            intro,
            view! { <div class="sync-outcome">{outcome}</div> },
            photos_row,
            steps,
        )
    };

    let primary = move || match action() {
        Some(Action::SyncAnyway | Action::CheckAgain) | None => false,
        Some(Action::TryAgain) => !failed_for_sign_in(),
        Some(Action::Sync | Action::Busy(_)) => true,
    };
    let click = move |_| {
        if button_busy() {
            return;
        }
        if let Some(action) = action() {
            clicked.set_value(true);
            stopped_at.set_value(Step::Read);
            on_sync.run(action.force());
        }
    };
    let failure_actions = move || {
        failed().then(|| {
            let t = t();
            let sign_in_again = on_sign_in_again
                .filter(|_| failed_for_sign_in())
                .map(|callback| {
                    view! {
                        <button type="button" class="button primary" data-testid="sign-in-again"
                            on:click=move |_| callback.run(())>
                            {t.sync_sign_in_again}
                        </button>
                    }
                });
            (
                sign_in_again,
                view! {
                    <button type="button" class="button" data-testid="copy-details" on:click=copy>
                        {t.sync_copy_details}
                    </button>
                },
            )
        })
    };
    let report = move || {
        let t = t();
        let report = phase.with(|p| report_text(p, account.get_value().as_deref()))?;
        Some(view! {
            <details class="sync-report" id=REPORT data-testid="sync-report">
                <summary>{t.sync_report_label}</summary>
                <textarea class="sync-report-text" id=REPORT_TEXT readonly rows="8"
                    aria-label=t.sync_report_label data-testid="sync-report-text">{report}</textarea>
            </details>
        })
    };

    view! {
        <section class="card sync-view" data-testid="sync-view" data-phase=move || phase.with(SyncPhase::name)
            aria-labelledby="sync-title" aria-busy=move || busy().to_string()>
            <h1 id="sync-title">{move || t().sync_title}</h1>
            {body}
            <div class="actions sync-actions">
                <Show when=move || action().is_some()>
                    <button type="button" class=move || if primary() { "button primary" } else { "button" }
                        data-testid=move || action().map_or("sync-button", Action::testid)
                        aria-disabled=move || button_busy().then_some("true")
                        on:click=click>
                        {move || action().map(|a| a.label(t())).unwrap_or_default()}
                    </button>
                </Show>
                {failure_actions}
            </div>
            {report}
            <p class="visually-hidden" role="status" aria-live="polite" data-testid="sync-status">{status}</p>
        </section>
    }
}

/// The step `phase` works on, if it is busy.
fn busy_step(phase: &SyncPhase) -> Option<Step> {
    match phase {
        SyncPhase::Reading => Some(Step::Read),
        SyncPhase::Writing => Some(Step::Write),
        SyncPhase::Verifying => Some(Step::Check),
        _ => None,
    }
}

/// The report "Copy details" copies in `phase`, once it failed: with the time it is drawn,
/// which is when the failure arrived.
fn report_text(phase: &SyncPhase, account: Option<&str>) -> Option<String> {
    let SyncPhase::Failed {
        reason,
        wrote_anything,
    } = phase
    else {
        return None;
    };
    let location = window().location();
    let page = format!(
        "{}{}",
        location.origin().unwrap_or_default(),
        location.pathname().unwrap_or_default()
    );
    let time = String::from(js_sys::Date::new_0().to_iso_string());
    Some(
        FailureReport {
            failure: reason,
            wrote_anything: *wrote_anything,
            time: &time,
            account,
            page: &page,
            version: VERSION,
        }
        .text(),
    )
}

/// The outcome's heading, where focus goes after each phase.
fn outcome_title(text: &'static str) -> impl IntoView {
    view! { <h2 id=OUTCOME_TITLE tabindex="-1" data-testid="sync-outcome-title">{text}</h2> }
}

/// What `phase` came to: the comparison's heading (kept while the sync it leads to runs), the
/// result, nothing to do, or the failure.
fn outcome(
    t: &'static Catalogue,
    phase: &SyncPhase,
    shown: Option<&ShownPhotos>,
    support: Option<SupportContact>,
) -> Option<AnyView> {
    let compared = |in_sync: bool| {
        let text = if in_sync {
            t.sync_compared_same
        } else {
            t.sync_compared_differs
        };
        outcome_title(text).into_any()
    };
    match phase {
        SyncPhase::Compared { in_sync, .. } => Some(compared(*in_sync)),
        SyncPhase::Idle | SyncPhase::Reading | SyncPhase::Writing | SyncPhase::Verifying => {
            shown.map(|p| compared(p.in_sync))
        }
        SyncPhase::Done { elapsed_ms, .. } => Some(
            view! {
                <div class="sync-result" data-testid="sync-result">
                    {outcome_title(t.sync_done_title)}
                    <p data-testid="sync-elapsed" data-elapsed-ms=*elapsed_ms>
                        {(t.sync_done_elapsed)(f64::from(*elapsed_ms) / 1000.0)}" "
                        <span class="muted">{t.sync_done_note}</span>
                    </p>
                </div>
            }
            .into_any(),
        ),
        SyncPhase::NothingToDo => Some(
            view! {
                <div class="sync-result sync-nothing" data-testid="sync-nothing-to-do">
                    {outcome_title(t.sync_compared_same)}
                    <p>{t.sync_nothing_to_do}</p>
                </div>
            }
            .into_any(),
        ),
        SyncPhase::Failed {
            reason,
            wrote_anything,
        } => Some(failure_notice(t, reason, *wrote_anything, support).into_any()),
    }
}

/// A failed sync: its title (a warning when the photo may have been saved), what happened, what
/// to do, what changed in SharePoint, the technical detail when it says more, where to add a
/// photo when there is none, and the support contact.
fn failure_notice(
    t: &'static Catalogue,
    reason: &SyncFailure,
    wrote_anything: bool,
    support: Option<SupportContact>,
) -> impl IntoView {
    let (message, fix) = failure_text(t, reason);
    let technical = has_technical_details(reason).then(|| {
        view! {
            <p class="sync-details muted">{t.sync_details_label}" "<code>{reason.to_string()}</code></p>
        }
    });
    let no_photo = (*reason == SyncFailure::NoExchangePhoto).then(|| {
        view! {
            <p class="sync-help-links" data-testid="no-photo-help">
                <a href=MICROSOFT_365 target="_blank" rel="noopener" data-testid="add-photo-link">
                    {t.sync_open_microsoft_365}
                </a>
                <a href=ADD_PHOTO_INSTRUCTIONS target="_blank" rel="noopener"
                    data-testid="add-photo-instructions">
                    {t.sync_photo_instructions}
                </a>
            </p>
        }
    });
    let class = if wrote_anything {
        "sync-error maybe-written"
    } else {
        "sync-error"
    };
    view! {
        <div class=class data-testid="sync-error" data-reason=failure_kind(reason)
            data-wrote-anything=wrote_anything.to_string()>
            {outcome_title(failure_title(t, wrote_anything))}
            <p class="error-message" data-testid="sync-error-message">{message}</p>
            <p data-testid="sync-error-fix">{fix}</p>
            {no_photo}
            <p class="sync-changed" data-testid="sync-error-changed">
                {written_note(t, reason, wrote_anything)}
            </p>
            {technical}
            {support.map(|support| support_line(t, support))}
        </div>
    }
}

/// One photo in its round frame.
fn photo(url: String, alt: &'static str, testid: &'static str) -> AnyView {
    view! { <img class="sync-photo-image" src=url alt=alt data-testid=testid/> }.into_any()
}

/// A frame with no photo in it: SharePoint's placeholder (`text`), or (no text) a photo on
/// its way.
fn no_photo(text: Option<&'static str>, testid: &'static str) -> AnyView {
    let class = if text.is_some() {
        "sync-photo-empty"
    } else {
        "sync-photo-empty sync-photo-loading"
    };
    view! {
        <div class=class aria-hidden=text.is_none().then_some("true") data-testid=testid>{text}</div>
    }
    .into_any()
}

/// A photo (or its empty frame) with its caption.
fn figure(image: AnyView, caption: &'static str) -> impl IntoView {
    view! {
        <figure class="sync-photo">
            <div class="sync-photo-frame">{image}</div>
            <figcaption>{caption}</figcaption>
        </figure>
    }
}

/// The two photos: Exchange's beside SharePoint's; once done, SharePoint's before and after.
/// None after a failure before anything was read: no empty frames stand beside it.
fn photos_row(
    t: &'static Catalogue,
    phase: &SyncPhase,
    shown: Option<ShownPhotos>,
) -> Option<impl IntoView> {
    if matches!(phase, SyncPhase::Failed { .. }) && shown.is_none() {
        return None;
    }
    let done = match phase {
        SyncPhase::Done { new_thumbnail, .. } => Some(new_thumbnail.clone()),
        _ => None,
    };
    let sharepoint = |before: bool| {
        let (alt, caption) = if before {
            (t.sync_before_alt, t.sync_before_label)
        } else {
            (t.sync_sharepoint_alt, t.sync_sharepoint_label)
        };
        let image = match shown.as_ref().map(|p| p.sharepoint.image_url.clone()) {
            Some(Some(url)) => photo(url, alt, "sharepoint-photo"),
            Some(None) => no_photo(Some(t.sync_placeholder), "sharepoint-photo-empty"),
            None => no_photo(None, "sharepoint-photo-loading"),
        };
        figure(image, caption)
    };
    let exchange_url = shown.as_ref().and_then(|p| p.exchange.image_url.clone());
    let (left, right, layout) = match done {
        Some(new_thumbnail) => {
            // The verified thumbnail is the Exchange photo; that stands in when it has no URL.
            let image = match new_thumbnail.or(exchange_url) {
                Some(url) => photo(url, t.sync_new_photo_alt, "new-sharepoint-photo"),
                None => no_photo(None, "new-sharepoint-photo-loading"),
            };
            (
                sharepoint(true),
                figure(image, t.sync_after_label),
                "before-after",
            )
        }
        None => {
            let image = match exchange_url {
                Some(url) => photo(url, t.sync_exchange_alt, "exchange-photo"),
                None => no_photo(None, "exchange-photo-loading"),
            };
            (
                figure(image, t.sync_exchange_label),
                sharepoint(false),
                "compare",
            )
        }
    };
    Some(view! {
        <div class="sync-photos" data-testid="sync-photos" data-layout=layout>
            {left}
            <span class="sync-arrow" aria-hidden="true">"→"</span>
            {right}
        </div>
    })
}

/// Read, write, check: each with its mark and, for a screen reader, its state.
fn steps(t: &'static Catalogue, phase: &SyncPhase, stopped_at: Step) -> impl IntoView {
    let items = [Step::Read, Step::Write, Step::Check]
        .into_iter()
        .zip(step_states(phase, stopped_at))
        .enumerate()
        .map(|(i, (step, state))| {
            let mark = match state {
                StepState::Done => "✓".to_owned(),
                StepState::Failed => "✕".to_owned(),
                StepState::Skipped => "–".to_owned(),
                StepState::Active => String::new(),
                StepState::Pending => (i + 1).to_string(),
            };
            let said = state.text(t).map(|s| format!(": {s}"));
            view! {
                <li class="sync-step" data-step=step.name() data-state=state.name()
                    aria-current=(state == StepState::Active).then_some("step")>
                    <span class="sync-step-mark" aria-hidden="true">{mark}</span>
                    <span class="sync-step-label">{step.label(t)}</span>
                    <span class="visually-hidden">{said}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <ol class="sync-steps" data-testid="sync-steps" aria-label=t.sync_steps_label>{items}</ol>
    }
}

/// Moves focus to the outcome's heading once the phase has rendered.
fn focus_outcome_title() {
    set_timeout(
        || {
            let heading = document()
                .get_element_by_id(OUTCOME_TITLE)
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
            if let Some(heading) = heading {
                let _ = heading.focus();
            }
        },
        Duration::ZERO,
    );
}

/// Copies `text` with the asynchronous clipboard API; false where the browser has none (an
/// insecure page) or refuses (no permission, the document not focused).
async fn write_to_clipboard(text: &str) -> bool {
    let navigator = window().navigator();
    let clipboard = js_sys::Reflect::get(&navigator, &"clipboard".into())
        .ok()
        .filter(|c| !c.is_undefined() && !c.is_null());
    let Some(clipboard) = clipboard else {
        return false;
    };
    let clipboard: web_sys::Clipboard = clipboard.unchecked_into();
    JsFuture::from(clipboard.write_text(text)).await.is_ok()
}

/// The three steps of a sync, as the progress shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Read,
    Write,
    Check,
}

impl Step {
    fn name(self) -> &'static str {
        match self {
            Step::Read => "read",
            Step::Write => "write",
            Step::Check => "check",
        }
    }

    fn label(self, t: &'static Catalogue) -> &'static str {
        match self {
            Step::Read => t.sync_step_read,
            Step::Write => t.sync_step_write,
            Step::Check => t.sync_step_check,
        }
    }
}

/// Where a step stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum StepState {
    Pending,
    Active,
    Done,
    Failed,
    Skipped,
}

impl StepState {
    fn name(self) -> &'static str {
        match self {
            StepState::Pending => "pending",
            StepState::Active => "active",
            StepState::Done => "done",
            StepState::Failed => "failed",
            StepState::Skipped => "skipped",
        }
    }

    /// What a screen reader hears after the step's name (nothing for a step not reached).
    fn text(self, t: &'static Catalogue) -> Option<&'static str> {
        match self {
            StepState::Pending => None,
            StepState::Active => Some(t.sync_step_active),
            StepState::Done => Some(t.sync_step_done),
            StepState::Failed => Some(t.sync_step_failed),
            StepState::Skipped => Some(t.sync_step_skipped),
        }
    }
}

/// Each step's state in `phase`; `stopped_at` is the step a failed run stopped at.
fn step_states(phase: &SyncPhase, stopped_at: Step) -> [StepState; 3] {
    use StepState::{Active, Done, Failed, Pending, Skipped};
    match phase {
        SyncPhase::Idle => [Pending; 3],
        SyncPhase::Reading => [Active, Pending, Pending],
        SyncPhase::Compared { .. } => [Done, Pending, Pending],
        SyncPhase::Writing => [Done, Active, Pending],
        SyncPhase::Verifying => [Done, Done, Active],
        SyncPhase::Done { .. } => [Done; 3],
        SyncPhase::NothingToDo => [Done, Skipped, Skipped],
        SyncPhase::Failed { .. } => match stopped_at {
            Step::Read => [Failed, Pending, Pending],
            Step::Write => [Done, Failed, Pending],
            Step::Check => [Done, Done, Failed],
        },
    }
}

/// What the one button offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    /// "Sync my photo".
    Sync,
    /// "Sync anyway": SharePoint already shows the photo.
    SyncAnyway,
    /// Working on this step; clicks are ignored.
    Busy(Step),
    /// After a failure that may pass as it is ([`worth_trying_again`]).
    TryAgain,
    /// After a failure that needs something done first (a photo set, consent granted).
    CheckAgain,
}

impl Action {
    fn label(self, t: &'static Catalogue) -> &'static str {
        match self {
            Action::Sync => t.sync_button,
            Action::SyncAnyway => t.sync_anyway,
            Action::Busy(Step::Read) => t.sync_button_reading,
            Action::Busy(Step::Write) => t.sync_button_writing,
            Action::Busy(Step::Check) => t.sync_button_verifying,
            Action::TryAgain => t.sync_try_again,
            Action::CheckAgain => t.sync_check_again,
        }
    }

    fn testid(self) -> &'static str {
        match self {
            Action::SyncAnyway => "sync-anyway",
            _ => "sync-button",
        }
    }

    /// The `force` of the sync a click starts.
    fn force(self) -> bool {
        self == Action::SyncAnyway
    }
}

/// The button in `phase`: none once done (nothing to sync again). While the photos are read
/// for the comparison alone (no sync `asked`), it offers the sync: a person back from signing
/// in need not wait for the comparison to ask for it.
fn action(phase: &SyncPhase, asked: bool) -> Option<Action> {
    match phase {
        SyncPhase::Idle | SyncPhase::Compared { in_sync: false, .. } => Some(Action::Sync),
        SyncPhase::Reading if !asked => Some(Action::Sync),
        SyncPhase::Compared { in_sync: true, .. } | SyncPhase::NothingToDo => {
            Some(Action::SyncAnyway)
        }
        SyncPhase::Reading => Some(Action::Busy(Step::Read)),
        SyncPhase::Writing => Some(Action::Busy(Step::Write)),
        SyncPhase::Verifying => Some(Action::Busy(Step::Check)),
        SyncPhase::Done { .. } => None,
        SyncPhase::Failed { reason, .. } if worth_trying_again(reason) => Some(Action::TryAgain),
        SyncPhase::Failed { .. } => Some(Action::CheckAgain),
    }
}

/// True when the same sync may pass as it is, now or a little later: busy or unreachable
/// services, an unexpected answer, a session to renew. The rest wait for something to be done
/// first (a photo set, consent granted), so the button offers to check again.
fn worth_trying_again(failure: &SyncFailure) -> bool {
    failure.is_worth_retrying()
        || failure.needs_sign_in()
        || matches!(failure, SyncFailure::Unexpected { .. })
}

/// The view's part of the document's title in `phase`.
fn title_part(t: &'static Catalogue, phase: &SyncPhase) -> &'static str {
    match phase {
        SyncPhase::Idle | SyncPhase::Reading | SyncPhase::Compared { .. } => t.sync_title,
        SyncPhase::Writing | SyncPhase::Verifying => t.title_syncing,
        SyncPhase::Done { .. } => t.title_done,
        SyncPhase::NothingToDo => t.title_nothing_to_do,
        SyncPhase::Failed { .. } => t.title_failed,
    }
}

/// A failure's heading: not synced, or (the photo was sent) maybe saved.
fn failure_title(t: &'static Catalogue, wrote_anything: bool) -> &'static str {
    if wrote_anything {
        t.sync_maybe_written_title
    } else {
        t.sync_failed_title
    }
}

/// What the live region says in each phase: once per event, the failure with what happened.
fn status_text(t: &'static Catalogue, phase: &SyncPhase) -> String {
    let said = match phase {
        SyncPhase::Idle => t.sync_status_idle,
        SyncPhase::Reading => t.sync_status_reading,
        SyncPhase::Compared { in_sync: true, .. } | SyncPhase::NothingToDo => t.sync_status_same,
        SyncPhase::Compared { in_sync: false, .. } => t.sync_status_differs,
        SyncPhase::Writing => t.sync_status_writing,
        SyncPhase::Verifying => t.sync_status_verifying,
        SyncPhase::Done { .. } => t.sync_status_done,
        SyncPhase::Failed { reason, .. } => {
            return format!("{} {}", t.sync_status_failed, failure_text(t, reason).0);
        }
    };
    said.to_owned()
}

/// Releases a `blob:` URL (other URLs, as in tests, are left alone).
fn release(url: &str) {
    if url.starts_with("blob:") {
        crate::photo::browser::revoke_object_url(url);
    }
}

/// What a failed run says about SharePoint: nothing changed; or the photo was sent and no
/// answer came back (the page cannot know whether it was saved); or it was sent and the check
/// afterwards did not pass.
fn written_note(
    t: &'static Catalogue,
    failure: &SyncFailure,
    wrote_anything: bool,
) -> &'static str {
    match (wrote_anything, failure) {
        (false, _) => t.sync_nothing_written,
        (true, SyncFailure::Network { .. }) => t.sync_answer_lost,
        (true, _) => t.sync_maybe_written,
    }
}

/// A failure in the page's language: what happened, and what to do.
pub fn failure_text(t: &'static Catalogue, failure: &SyncFailure) -> (String, String) {
    let s = |v: &'static str| v.to_owned();
    match failure {
        SyncFailure::NoExchangePhoto => {
            (s(t.fail_no_exchange_photo), s(t.fail_no_exchange_photo_fix))
        }
        SyncFailure::NoMailbox => (s(t.fail_no_mailbox), s(t.fail_no_mailbox_fix)),
        SyncFailure::NotAnImage => (s(t.fail_not_an_image), s(t.fail_bad_photo_fix)),
        SyncFailure::UnsupportedFormat { format } => {
            ((t.fail_unsupported_format)(format), s(t.fail_bad_photo_fix))
        }
        SyncFailure::TooLarge { bytes } => (
            (t.fail_too_large)(*bytes as f64 / (1024.0 * 1024.0)),
            s(t.fail_bad_photo_fix),
        ),
        SyncFailure::TooManyPixels { width, height } => (
            (t.fail_too_many_pixels)(*width, *height),
            s(t.fail_bad_photo_fix),
        ),
        SyncFailure::ImageUnreadable => (s(t.fail_unreadable), s(t.fail_bad_photo_fix)),
        SyncFailure::PhotoRejected => (s(t.fail_rejected), s(t.fail_bad_photo_fix)),
        SyncFailure::Throttled { service } => {
            ((t.fail_throttled)(service.name()), s(t.fail_try_later_fix))
        }
        SyncFailure::ServiceUnavailable { service } => (
            (t.fail_unavailable)(service.name()),
            s(t.fail_try_later_fix),
        ),
        SyncFailure::SignInNeeded => (s(t.fail_sign_in), s(t.fail_sign_in_fix)),
        SyncFailure::AdminConsentRequired { scopes } => {
            let permissions = permission_names(scopes);
            if permissions.is_empty() {
                (s(t.fail_admin_consent), s(t.fail_admin_consent_fix))
            } else {
                let (api, names) = (api_of(scopes), permissions.join(", "));
                (
                    (t.fail_admin_consent_for)(api, &names),
                    (t.fail_admin_consent_for_fix)(api, &names),
                )
            }
        }
        SyncFailure::SignInFailed { detail } => {
            ((t.fail_sign_in_failed)(detail), s(t.fail_sign_in_fix))
        }
        SyncFailure::AccessDenied { service, detail } => (
            (t.fail_access_denied)(service.name(), detail),
            s(t.fail_access_denied_fix),
        ),
        SyncFailure::ProfilePermissionMissing {
            missing, granted, ..
        } => {
            let missing = missing.join(", ");
            (
                (t.fail_profile_permission_missing)(&missing, &granted.join(", ")),
                (t.fail_profile_permission_missing_fix)(&missing),
            )
        }
        SyncFailure::Network { origin } => ((t.fail_network)(origin), s(t.fail_network_fix)),
        SyncFailure::NoMySite => (s(t.fail_no_my_site), s(t.fail_no_my_site_fix)),
        SyncFailure::UntrustedMySite { value } => {
            ((t.fail_untrusted_my_site)(value), s(t.fail_tell_it_fix))
        }
        SyncFailure::VerificationFailed { .. } => {
            (s(t.fail_verification), s(t.fail_verification_fix))
        }
        SyncFailure::Unexpected { service, .. } => {
            ((t.fail_unexpected)(service.name()), s(t.fail_tell_it_fix))
        }
    }
}

/// True when the failure's technical text tells an IT department more than the message does.
fn has_technical_details(failure: &SyncFailure) -> bool {
    matches!(
        failure,
        SyncFailure::SignInFailed { .. }
            | SyncFailure::AccessDenied { .. }
            | SyncFailure::ProfilePermissionMissing { .. }
            | SyncFailure::Network { .. }
            | SyncFailure::UntrustedMySite { .. }
            | SyncFailure::VerificationFailed { .. }
            | SyncFailure::Unexpected { .. }
    )
}

/// A stable name per failure, for the `data-reason` attribute tests read (and the widget's
/// events): [`SyncFailure::code`].
pub fn failure_kind(failure: &SyncFailure) -> &'static str {
    failure.code()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;
    use crate::sync::Service;

    fn every_failure() -> Vec<SyncFailure> {
        use crate::sync::compare::VerificationProblem;
        vec![
            SyncFailure::NoExchangePhoto,
            SyncFailure::NoMailbox,
            SyncFailure::NotAnImage,
            SyncFailure::UnsupportedFormat { format: "WebP" },
            SyncFailure::TooLarge { bytes: 5_242_880 },
            SyncFailure::ImageUnreadable,
            SyncFailure::PhotoRejected,
            SyncFailure::Throttled {
                service: Service::Graph,
            },
            SyncFailure::ServiceUnavailable {
                service: Service::SharePoint,
            },
            SyncFailure::SignInNeeded,
            SyncFailure::AdminConsentRequired { scopes: vec![] },
            SyncFailure::SignInFailed { detail: "x".into() },
            SyncFailure::AccessDenied {
                service: Service::SharePoint,
                detail: "d".into(),
            },
            SyncFailure::ProfilePermissionMissing {
                missing: vec!["User.ReadWrite.All".into()],
                granted: vec!["AllSites.Write".into()],
                detail: "d".into(),
            },
            SyncFailure::Network {
                origin: "https://graph.microsoft.com".into(),
            },
            SyncFailure::NoMySite,
            SyncFailure::UntrustedMySite {
                value: "https://evil.example".into(),
            },
            SyncFailure::VerificationFailed {
                problem: VerificationProblem::TimestampUnchanged,
            },
            SyncFailure::Unexpected {
                service: Service::Graph,
                detail: "d".into(),
            },
        ]
    }

    #[test]
    fn every_failure_says_what_happened_and_what_to_do_in_each_language() {
        for lang in Lang::ALL {
            for failure in every_failure() {
                let (message, fix) = failure_text(lang.text(), &failure);
                assert!(
                    !message.is_empty() && !fix.is_empty(),
                    "{lang:?} {failure:?}"
                );
            }
        }
        let (en, _) = failure_text(Lang::En.text(), &SyncFailure::NoExchangePhoto);
        let (lv, _) = failure_text(Lang::Lv.text(), &SyncFailure::NoExchangePhoto);
        assert_ne!(en, lv);
    }

    #[test]
    fn a_lost_answer_is_not_called_a_failed_check_nor_nothing_changed() {
        let t = Lang::En.text();
        let lost = SyncFailure::Network {
            origin: "https://contoso-my.sharepoint.com".into(),
        };
        assert_eq!(written_note(t, &lost, true), t.sync_answer_lost);
        assert_eq!(written_note(t, &lost, false), t.sync_nothing_written);
        assert_eq!(
            written_note(t, &SyncFailure::SignInNeeded, true),
            t.sync_maybe_written
        );
        for lang in Lang::ALL {
            let t = lang.text();
            assert_ne!(t.sync_answer_lost, t.sync_maybe_written);
        }
    }

    #[test]
    fn a_missing_sharepoint_permission_says_access_denied_and_what_to_grant() {
        let failure = SyncFailure::ProfilePermissionMissing {
            missing: vec!["User.ReadWrite.All".into()],
            granted: vec!["AllSites.Read".into(), "AllSites.Write".into()],
            detail: "Access denied.".into(),
        };
        for lang in Lang::ALL {
            let (message, fix) = failure_text(lang.text(), &failure);
            assert!(
                message.contains("Access denied")
                    && message.contains("User.ReadWrite.All")
                    && message.contains("AllSites.Read, AllSites.Write"),
                "{lang:?}: {message}"
            );
            assert!(
                fix.contains("User.ReadWrite.All") && fix.contains("Entra ID"),
                "{lang:?}: {fix}"
            );
        }
        let consent = SyncFailure::AdminConsentRequired {
            scopes: vec![
                "https://contoso-my.sharepoint.com/User.ReadWrite.All".into(),
                "https://contoso-my.sharepoint.com/AllSites.Read".into(),
            ],
        };
        for lang in Lang::ALL {
            let (message, fix) = failure_text(lang.text(), &consent);
            for text in [&message, &fix] {
                assert!(
                    text.contains("SharePoint")
                        && text.contains("User.ReadWrite.All, AllSites.Read"),
                    "{lang:?}: {text}"
                );
            }
        }
    }

    #[test]
    fn too_large_is_shown_in_megabytes() {
        let (message, _) =
            failure_text(Lang::En.text(), &SyncFailure::TooLarge { bytes: 5_242_880 });
        assert!(message.contains("5.0 MB"), "{message}");
    }

    #[test]
    fn failure_kinds_are_distinct() {
        let kinds: std::collections::HashSet<_> =
            every_failure().iter().map(failure_kind).collect();
        assert_eq!(kinds.len(), every_failure().len());
    }

    fn failed(reason: SyncFailure) -> SyncPhase {
        SyncPhase::Failed {
            reason,
            wrote_anything: false,
        }
    }

    #[test]
    fn the_steps_follow_the_run_and_a_failure_marks_where_it_stopped() {
        use StepState::*;
        let done = SyncPhase::Done {
            elapsed_ms: 1,
            new_thumbnail: None,
        };
        assert_eq!(
            step_states(&SyncPhase::Reading, Step::Read),
            [Active, Pending, Pending]
        );
        assert_eq!(
            step_states(&SyncPhase::Writing, Step::Write),
            [Done, Active, Pending]
        );
        assert_eq!(
            step_states(&SyncPhase::Verifying, Step::Check),
            [Done, Done, Active]
        );
        assert_eq!(step_states(&done, Step::Check), [Done; 3]);
        assert_eq!(
            step_states(&SyncPhase::NothingToDo, Step::Read),
            [Done, Skipped, Skipped]
        );
        let network = failed(SyncFailure::Network { origin: "o".into() });
        assert_eq!(
            step_states(&network, Step::Read),
            [Failed, Pending, Pending]
        );
        assert_eq!(step_states(&network, Step::Write), [Done, Failed, Pending]);
        assert_eq!(step_states(&network, Step::Check), [Done, Done, Failed]);
    }

    #[test]
    fn one_button_says_what_is_happening_and_none_offers_to_sync_again_when_done() {
        assert_eq!(
            action(&SyncPhase::Reading, true),
            Some(Action::Busy(Step::Read))
        );
        // Reading for the comparison alone: the sync is offered at once.
        assert_eq!(action(&SyncPhase::Reading, false), Some(Action::Sync));
        assert_eq!(
            action(&SyncPhase::Writing, false),
            Some(Action::Busy(Step::Write))
        );
        assert_eq!(
            action(&SyncPhase::Writing, true),
            Some(Action::Busy(Step::Write))
        );
        assert_eq!(
            action(&SyncPhase::Verifying, true),
            Some(Action::Busy(Step::Check))
        );
        let done = SyncPhase::Done {
            elapsed_ms: 1,
            new_thumbnail: None,
        };
        assert_eq!(action(&done, true), None);
        assert_eq!(
            action(&SyncPhase::NothingToDo, true),
            Some(Action::SyncAnyway)
        );
        assert!(Action::SyncAnyway.force() && !Action::Sync.force() && !Action::TryAgain.force());
        let busy = failed(SyncFailure::Throttled {
            service: Service::Graph,
        });
        assert_eq!(action(&busy, true), Some(Action::TryAgain));
        assert_eq!(
            action(&failed(SyncFailure::NoExchangePhoto), true),
            Some(Action::CheckAgain),
            "after adding a photo, not as it is"
        );
        for lang in Lang::ALL {
            let t = lang.text();
            for a in [
                Action::Busy(Step::Read),
                Action::Busy(Step::Write),
                Action::Busy(Step::Check),
            ] {
                assert_ne!(
                    a.label(t),
                    t.sync_button,
                    "{lang:?}: the busy button says what it does"
                );
            }
        }
    }

    #[test]
    fn a_failure_is_announced_once_with_what_happened_and_titled_by_what_changed() {
        let t = Lang::En.text();
        let said = status_text(t, &failed(SyncFailure::NoExchangePhoto));
        assert!(said.contains(t.fail_no_exchange_photo), "{said}");
        assert_eq!(failure_title(t, false), t.sync_failed_title);
        assert_eq!(failure_title(t, true), t.sync_maybe_written_title);
        assert_eq!(
            title_part(t, &failed(SyncFailure::NoMailbox)),
            t.title_failed
        );
        assert_eq!(title_part(t, &SyncPhase::Writing), t.title_syncing);
    }

    #[test]
    fn every_phase_has_a_status() {
        for phase in [
            SyncPhase::Idle,
            SyncPhase::Reading,
            SyncPhase::Writing,
            SyncPhase::Verifying,
            SyncPhase::NothingToDo,
            SyncPhase::Done {
                elapsed_ms: 1200,
                new_thumbnail: None,
            },
            SyncPhase::Failed {
                reason: SyncFailure::NoMailbox,
                wrote_anything: false,
            },
        ] {
            assert!(!status_text(Lang::Lv.text(), &phase).is_empty());
        }
    }
}
