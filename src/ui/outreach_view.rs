//! The outreach panel under the audit's results: whom to message, the message in English and
//! Latvian with a preview, the plan within Exchange Online's sending limits, a dry run, the
//! send with its progress, the campaign's record and effect, and, without `Mail.Send`, the
//! links as CSV for a mail merge or a ready Teams message. Renders
//! [`crate::state::outreach::OutreachController`]; no I/O of its own beyond the browser's
//! download.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::audit::csv;
use crate::graph::mail::Message;
use crate::i18n::outreach::OutreachCatalogue;
use crate::i18n::Lang;
use crate::outreach::campaign::Delivery;

use crate::outreach::sender::{Finish, Stop};
use crate::outreach::template::{Template, TemplateProblem};
use crate::state::audit::AuditController;
use crate::state::outreach::{OutreachController, Selection, SendPhase};

use super::links_view::CopyButton;

/// Messages of the dry run shown at first, and added by "Show more".
const DRY_RUN_ROWS: usize = 25;

/// The source of the sending limits.
const LIMITS_SOURCE: &str = "https://learn.microsoft.com/office365/servicedescriptions/exchange-online-service-description/exchange-online-limits#sending-limits";

fn lang() -> RwSignal<Lang> {
    expect_context::<RwSignal<Lang>>()
}

fn text() -> impl Fn() -> &'static OutreachCatalogue + Copy {
    let lang = lang();
    move || lang.get().outreach_text()
}

/// A time as the page's language writes it, in the browser's time zone (`1 Dec 2026, 17:32`).
pub fn local_time(ms: f64, lang: Lang) -> String {
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"dateStyle".into(), &"medium".into());
    let _ = js_sys::Reflect::set(&options, &"timeStyle".into(), &"short".into());
    js_sys::Date::new(&ms.into())
        .to_locale_string(lang.tag(), &options)
        .into()
}

/// The Results table's note on a user's row: whether and when their link went out.
pub fn row_note(delivery: &Delivery, lang: Lang) -> String {
    let t = lang.outreach_text();
    match delivery {
        Delivery::Sent { at_ms, .. } => (t.row_sent)(&local_time(*at_ms, lang)),
        Delivery::Sending { .. } | Delivery::Uncertain { .. } => t.row_uncertain.to_owned(),
        Delivery::Failed { reason } => (t.row_failed)(reason),
        Delivery::NotSent => t.row_queued.to_owned(),
    }
}

/// The panel, once there are audit results or a kept campaign.
#[component]
pub fn OutreachPanel(audit: AuditController, outreach: OutreachController) -> impl IntoView {
    move || {
        (audit.progress.with(Option::is_some) || outreach.campaign.with(Option::is_some))
            .then(|| view! { <Panel outreach=outreach/> })
    }
}

#[component]
fn Panel(outreach: OutreachController) -> impl IntoView {
    let t = text();
    let prospect = Memo::new(move |_| outreach.prospect().1);
    let counts = Memo::new(move |_| outreach.selected_counts());
    let busy = move || {
        matches!(
            outreach.phase.get(),
            SendPhase::Checking | SendPhase::Sending { .. }
        )
    };
    let problem = Memo::new(move |_| outreach.template_problem());
    // The template's language being edited; the preview shows a message in it.
    let tab = RwSignal::new(lang().get_untracked());
    let blocked = move || {
        busy()
            || !outreach.loaded.get()
            || problem.get().is_some()
            || prospect.with(|p| p.messages.is_empty())
    };
    view! {
        <section class="card outreach" data-testid="outreach" aria-labelledby="outreach-title">
            <h2 id="outreach-title">{move || t().title}</h2>
            <p>{move || t().intro}</p>
            <CampaignEffect outreach=outreach/>
            <CampaignSummary outreach=outreach busy=Signal::derive(busy)/>
            <fieldset>
                <legend>{move || t().select_legend}</legend>
                {Selection::ALL.into_iter().map(|s| {
                    let label = move || match s {
                        Selection::OutOfSync => t().select_out_of_sync,
                        Selection::Placeholder => t().select_placeholder,
                        Selection::Older => t().select_older,
                    };
                    view! {
                        <label><input type="radio" name="outreach-selection" value=s.name()
                            data-testid=format!("outreach-select-{}", s.name())
                            prop:checked=move || outreach.selection.get() == s
                            on:change=move |_| outreach.selection.set(s)/>
                            " " {label}</label>
                    }
                }).collect_view()}
                <p class="hint" data-testid="outreach-selected">
                    {move || { let (n, known) = counts.get(); (t().selected)(n, known) }}
                </p>
            </fieldset>
            <TemplateEditor outreach=outreach problem=problem tab=tab/>
            <label class="field">{move || t().threshold_label}
                <input type="number" min="0" step="1" data-testid="outreach-threshold"
                    prop:value=move || outreach.threshold.get().to_string()
                    on:change=move |ev| {
                        if let Ok(n) = event_target_value(&ev).trim().parse::<usize>() {
                            outreach.threshold.set(n);
                        }
                    }/>
            </label>
            <p class="hint">{move || t().threshold_hint}</p>
            <Preview outreach=outreach tab=tab/>
            <h3>{move || t().plan_title}</h3>
            <div data-testid="outreach-plan" aria-live="polite">
                {move || prospect.with(|p| {
                    if p.messages.is_empty() && p.waiting.is_empty() {
                        return view! { <p>{t().plan_nothing}</p> }.into_any();
                    }
                    let bcc_messages = p.messages.len() - p.personal;
                    let minutes = (p.duration_ms / 60_000.0).ceil() as u64;
                    view! {
                        <p data-testid="outreach-plan-messages" data-messages=p.messages.len().to_string()>
                            {(t().plan_messages)(p.messages.len(), p.personal, p.in_bcc, bcc_messages)}
                            " " {(t().plan_duration)(minutes)}
                        </p>
                        {(!p.waiting.is_empty()).then(|| view! { <p data-testid="outreach-plan-waiting">{(t().plan_waiting)(p.waiting.len())}</p> })}
                    }.into_any()
                })}
                <p class="hint">{move || t().limits_note} " "
                    <a href=LIMITS_SOURCE target="_blank" rel="noopener">{move || t().limits_source}</a></p>
            </div>
            <div class="actions">
                <button class="button" data-testid="outreach-dry-run"
                    aria-disabled=move || (problem.get().is_some() || busy()).to_string()
                    on:click=move |_| outreach.dry_run_now()>{move || t().dry_run}</button>
                <button class="button primary" data-testid="outreach-send"
                    aria-disabled=move || blocked().to_string()
                    on:click=move |_| { if !blocked() { outreach.send() } }>
                    {move || (t().send)(prospect.with(|p| p.messages.len()))}
                </button>
            </div>
            <SendView outreach=outreach/>
            <DryRun outreach=outreach/>
            <WithoutMail outreach=outreach/>
        </section>
    }
}

/// The campaign's effect, by the audit that finished after it.
#[component]
fn CampaignEffect(outreach: OutreachController) -> impl IntoView {
    let t = text();
    let lang = lang();
    move || {
        outreach.effect().map(|e| {
            view! {
                <p class="effect" role="status" data-testid="outreach-effect"
                    data-fixed=e.fixed.to_string() data-messaged=e.messaged.to_string()>
                    {(t().effect)(e.fixed, e.messaged, &local_time(e.since_ms, lang.get()))}
                </p>
            }
        })
    }
}

/// The kept campaign: how many were sent, failed, may have gone out; the explicit retry and a
/// new campaign.
#[component]
fn CampaignSummary(outreach: OutreachController, busy: Signal<bool>) -> impl IntoView {
    let t = text();
    let lang = lang();
    let confirm = RwSignal::new(false);
    move || {
        outreach.campaign.with(|c| {
            let c = c.as_ref()?;
            let (left, sent, failed, uncertain) = c.counts();
            let date = local_time(c.created_ms, lang.get());
            let again = failed + uncertain;
            Some(view! {
                <div class="campaign" data-testid="outreach-campaign" data-sent=sent.to_string()
                    data-failed=failed.to_string() data-uncertain=uncertain.to_string() data-left=left.to_string()>
                    <p>{(t().campaign_summary)(&date, sent, failed, uncertain, left)}</p>
                    <div class="actions">
                        {(again > 0).then(|| view! {
                            <button class="button" data-testid="outreach-retry"
                                aria-disabled=move || busy.get().to_string()
                                on:click=move |_| outreach.retry()>{(t().retry)(again)}</button>
                        })}
                        <button class="button" data-testid="outreach-new-campaign"
                            aria-disabled=move || busy.get().to_string()
                            on:click=move |_| {
                                if busy.get_untracked() { return; }
                                if confirm.get_untracked() { confirm.set(false); outreach.new_campaign(); } else { confirm.set(true); }
                            }>{move || t().new_campaign}</button>
                    </div>
                    {move || confirm.get().then(|| view! { <p class="hint" role="status">{t().new_campaign_confirm}</p> })}
                </div>
            })
        })
    }
}

/// The templates, one language at a time, with what is wrong with them.
#[component]
fn TemplateEditor(
    outreach: OutreachController,
    problem: Memo<Option<(Lang, TemplateProblem)>>,
    tab: RwSignal<Lang>,
) -> impl IntoView {
    let t = text();
    let at = move |l: Lang| usize::from(l == Lang::Lv);
    let edit = move |f: fn(&mut Template, String), value: String| {
        outreach
            .templates
            .update(|all| f(&mut all[at(tab.get_untracked())], value));
        outreach.dry_run.set(None);
    };
    view! {
        <h3>{move || t().template_title}</h3>
        <div role="tablist" class="tabs" aria-label=move || t().language_tabs>
            {Lang::ALL.into_iter().map(|l| view! {
                <button type="button" role="tab" id=format!("outreach-tab-{}", l.tag())
                    aria-controls="outreach-template" data-testid=format!("outreach-tab-{}", l.tag())
                    aria-selected=move || (tab.get() == l).to_string()
                    class:selected=move || tab.get() == l
                    on:click=move |_| tab.set(l)>{l.name()}</button>
            }).collect_view()}
        </div>
        <div role="tabpanel" id="outreach-template" class="template"
            aria-labelledby=move || format!("outreach-tab-{}", tab.get().tag())>
            <label class="field">{move || t().subject_label}
                <input type="text" data-testid="outreach-subject"
                    prop:value=move || outreach.templates.with(|all| all[at(tab.get())].subject.clone())
                    on:input=move |ev| edit(|t, v| t.subject = v, event_target_value(&ev))/>
            </label>
            <label class="field">{move || t().body_label}
                <textarea rows="12" data-testid="outreach-body"
                    prop:value=move || outreach.templates.with(|all| all[at(tab.get())].body.clone())
                    on:input=move |ev| edit(|t, v| t.body = v, event_target_value(&ev))></textarea>
            </label>
            <p class="hint">{move || t().placeholders_hint}</p>
            <button type="button" class="button subtle" data-testid="outreach-reset-template"
                on:click=move |_| {
                    let l = tab.get_untracked();
                    outreach.templates.update(|all| all[at(l)] = Template::default_for(l));
                }>{move || t().reset_template}</button>
        </div>
        {move || problem.get().map(|(l, p)| {
            let words = match p {
                TemplateProblem::NoLink => t().problem_no_link.to_owned(),
                TemplateProblem::NoSubject => t().problem_no_subject.to_owned(),
                TemplateProblem::SubjectTooLong => t().problem_subject_too_long.to_owned(),
                TemplateProblem::UnknownPlaceholder(w) => (t().problem_unknown_placeholder)(&w),
            };
            view! { <p class="problem" role="alert" data-testid="outreach-template-problem">{format!("{}: {words}", l.name())}</p> }
        })}
    }
}

/// The message the first selected user of the edited language would get (or the first
/// selected user, when nobody speaks it).
#[component]
fn Preview(outreach: OutreachController, tab: RwSignal<Lang>) -> impl IntoView {
    let t = text();
    let message = Memo::new(move |_| {
        let (campaign, plan) = outreach.prospect();
        let lang = tab.get();
        let first = plan
            .messages
            .iter()
            .find(|m| m.lang() == lang)
            .or(plan.messages.first())?
            .clone();
        let links = outreach.links();
        Some(outreach.templates.with(|templates| {
            crate::outreach::compose::compose(&first, &campaign, templates, &links)
        }))
    });
    view! {
        <h3>{move || t().preview_title}</h3>
        <div data-testid="outreach-preview">
            {move || match message.get() {
                None => view! { <p>{t().preview_none}</p> }.into_any(),
                Some(m) => view! { <MessageView message=m/> }.into_any(),
            }}
        </div>
    }
}

/// One message: its recipients, subject and text.
#[component]
fn MessageView(message: Message) -> impl IntoView {
    let t = text();
    let list = |people: &[crate::graph::mail::Recipient]| {
        people
            .iter()
            .map(|r| format!("{} <{}>", r.name, r.address))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let to = list(&message.to);
    let bcc = list(&message.bcc);
    view! {
        <dl class="message">
            {(!to.is_empty()).then(|| view! { <dt>{move || t().to_label}</dt><dd data-testid="message-to">{to}</dd> })}
            {(!bcc.is_empty()).then(|| view! { <dt>{move || t().bcc_label}</dt><dd data-testid="message-bcc">{bcc}</dd> })}
            <dt>{move || t().subject_heading}</dt><dd data-testid="message-subject">{message.subject}</dd>
        </dl>
        <pre class="message-body" data-testid="message-body">{message.body}</pre>
    }
}

/// What the send is doing, or why it stopped.
#[component]
fn SendView(outreach: OutreachController) -> impl IntoView {
    let t = text();
    move || {
        match outreach.phase.get() {
        SendPhase::Idle => ().into_any(),
        SendPhase::Checking => view! { <p data-testid="outreach-checking" role="status">{t().checking}</p> }.into_any(),
        SendPhase::NeedsConsent => view! {
            <div data-testid="outreach-consent-needed">
                <p>{t().consent_needed}</p>
                <button class="button primary" data-testid="outreach-consent"
                    on:click=move |_| outreach.consent()>{t().consent_button}</button>
            </div>
        }.into_any(),
        SendPhase::Sending { paused } => view! {
            <div data-testid="outreach-sending" role="status">
                <progress max=move || outreach.sending_total.get().max(1) value=move || outreach.sending_done.get()></progress>
                <p data-testid="outreach-sending-count">{move || (t().sending)(outreach.sending_done.get(), outreach.sending_total.get())}</p>
                {paused.then(|| view! { <p data-testid="outreach-paused">{t().paused}</p> })}
                <div class="actions">
                    <button class="button" data-testid="outreach-pause" on:click=move |_| outreach.pause(!paused)>
                        {if paused { t().resume } else { t().pause }}
                    </button>
                    <button class="button" data-testid="outreach-cancel" on:click=move |_| outreach.cancel()>{t().cancel}</button>
                </div>
            </div>
        }.into_any(),
        SendPhase::Ended(finish) => {
            let (testid, words, alert) = match finish {
                Finish::Done => ("outreach-finished", t().finished.to_owned(), false),
                Finish::Cancelled => ("outreach-cancelled", t().cancelled.to_owned(), false),
                Finish::Stopped(stop) => ("outreach-stopped", match stop {
                    Stop::SignIn(_) => t().stop_sign_in.to_owned(),
                    Stop::Refused { detail } => (t().stop_refused)(&detail),
                    Stop::Throttled => t().stop_throttled.to_owned(),
                    Stop::AnswerLost => t().stop_answer_lost.to_owned(),
                    Stop::Storage => t().stop_storage.to_owned(),
                }, true),
            };
            if alert {
                view! { <p class="problem" role="alert" data-testid=testid>{words}</p> }.into_any()
            } else {
                view! { <p role="status" data-testid=testid>{words}</p> }.into_any()
            }
        }
    }
    }
}

/// The dry run's messages, a page at a time.
#[component]
fn DryRun(outreach: OutreachController) -> impl IntoView {
    let t = text();
    let shown = RwSignal::new(DRY_RUN_ROWS);
    move || {
        outreach.dry_run.get().map(|messages| {
            let total = messages.len();
            view! {
                <section class="dry-run" data-testid="outreach-dry-run-list" data-messages=total.to_string()>
                    <h3>{move || t().dry_run_title}</h3>
                    <p role="status">{move || (t().dry_run_nothing_sent)(total)}</p>
                    <ol>
                        {move || messages.iter().take(shown.get()).map(|m| {
                            let to: Vec<&str> = m.to.iter().chain(&m.bcc).map(|r| r.address.as_str()).collect();
                            view! {
                                <li data-testid="dry-run-message" data-to=to.join(";")>
                                    <MessageView message=m.clone()/>
                                </li>
                            }
                        }).collect_view()}
                    </ol>
                    {move || (shown.get() < total).then(|| view! {
                        <button class="button" data-testid="outreach-dry-run-more"
                            on:click=move |_| shown.update(|n| *n += DRY_RUN_ROWS)>{t().show_more}</button>
                    })}
                </section>
            }
        })
    }
}

/// Without `Mail.Send`: the CSV for a mail merge and a ready Teams message.
#[component]
fn WithoutMail(outreach: OutreachController) -> impl IntoView {
    let t = text();
    let teams = Signal::derive(move || (t().teams_message)(&outreach.links().generic()));
    let export = move |_| {
        let rows = outreach.mail_merge_rows();
        download("photo-links.csv", &csv::document(&t().csv_header, rows));
    };
    view! {
        <h3>{move || t().without_mail_title}</h3>
        <p>{move || t().without_mail_intro}</p>
        <div class="actions">
            <button class="button" data-testid="outreach-csv" on:click=export>{move || t().export_csv}</button>
        </div>
        <label class="field">{move || t().teams_label}
            <textarea rows="3" readonly data-testid="outreach-teams" prop:value=move || teams.get()></textarea>
        </label>
        <CopyButton text=teams testid="outreach-teams-copy"/>
    }
}

/// Offers `text` as a CSV download (a `blob:` link clicked once).
fn download(name: &str, text: &str) {
    let Some(url) = crate::photo::browser::object_url(text.as_bytes(), "text/csv;charset=utf-8")
    else {
        return;
    };
    let document = web_sys::window().and_then(|w| w.document());
    if let (Some(a), Some(body)) = (
        document
            .as_ref()
            .and_then(|d| d.create_element("a").ok())
            .and_then(|a| a.dyn_into::<web_sys::HtmlAnchorElement>().ok()),
        document.as_ref().and_then(|d| d.body()),
    ) {
        a.set_href(&url);
        a.set_download(name);
        let _ = body.append_child(&a);
        a.click();
        let _ = body.remove_child(&a);
    }
    std::mem::forget(crate::browser::Timer::start(60_000, move || {
        crate::photo::browser::revoke_object_url(&url)
    }));
}
