//! The direct-write panel under the audit's results: a dry run first (exactly what would be
//! written for whom), then a deliberate write (a confirmation ticked, a button), its progress,
//! every user's result, and, when SharePoint refuses, why in plain words with the outreach
//! offered instead. Renders [`crate::state::fix::FixController`]; no I/O of its own.

use leptos::prelude::*;

use crate::fix::plan::Treatment;
use crate::fix::runner::{Outcome, Step};
use crate::i18n::fix::FixCatalogue;
use crate::i18n::Lang;
use crate::state::audit::{AuditController, AuditPhase};
use crate::state::fix::{FixController, FixPhase, RowState};

fn text() -> impl Fn() -> &'static FixCatalogue + Copy {
    let lang = expect_context::<RwSignal<Lang>>();
    move || lang.get().fix_text()
}

/// The panel, shown once the audit has finished.
#[component]
pub fn FixPanel(audit: AuditController) -> impl IntoView {
    let t = text();
    let fix = FixController::new(audit);
    let confirmed = RwSignal::new(false);
    let finished = move || matches!(audit.phase.get(), AuditPhase::Finished);
    let to_write = move || {
        fix.rows
            .with(|rows| rows.iter().filter(|r| r.state == RowState::Planned).count())
    };
    let done = move || {
        fix.rows.with(|rows| {
            rows.iter()
                .filter(|r| matches!(r.state, RowState::Done(_)))
                .count()
        })
    };
    let verified = move || {
        fix.rows.with(|rows| {
            rows.iter()
                .filter(|r| r.state == RowState::Done(Outcome::Verified))
                .count()
        })
    };
    let refused_count = move || {
        fix.rows.with(|rows| {
            rows.iter()
                .filter(|r| r.state == RowState::Done(Outcome::Refused))
                .count()
        })
    };
    view! {
        <Show when=finished>
            <section class="card fix" data-testid="fix-panel" aria-labelledby="fix-title">
                <h2 id="fix-title">{move || t().title}</h2>
                <p>{move || t().intro}</p>
                <button class="button" data-testid="fix-dry-run"
                    disabled=move || fix.phase.get() == FixPhase::Writing
                    on:click=move |_| { confirmed.set(false); fix.dry_run() }>{move || t().dry_run}</button>
                {move || (fix.phase.get() != FixPhase::Idle).then(|| {
                    let counts = move || {
                        let rows = fix.rows.get();
                        let thumbs = rows.iter().filter(|r| matches!(r.treatment, Treatment::Thumbnails(_))).count();
                        let nothing: usize = fix.skipped.get().iter().map(|(_, n)| n).sum();
                        (t().plan_summary)(thumbs, rows.len() - thumbs, nothing)
                    };
                    view! {
                        <p data-testid="fix-plan-summary">{counts}</p>
                        {move || (fix.phase.get() == FixPhase::Planned).then(|| view! {
                            <p class="note" data-testid="fix-dry-run-note">{move || t().dry_run_note}</p>
                        })}
                        <FixTable fix=fix/>
                    }
                })}
                {move || match fix.phase.get() {
                    FixPhase::Planned if to_write() > 0 => view! {
                        <div class="fix-write">
                            <label>
                                <input type="checkbox" data-testid="fix-confirm"
                                    prop:checked=move || confirmed.get()
                                    on:change=move |ev| confirmed.set(event_target_checked(&ev))/>
                                " " {move || t().write_confirm}
                            </label>
                            <button class="button primary" data-testid="fix-write"
                                disabled=move || !confirmed.get()
                                on:click=move |_| if confirmed.get_untracked() { fix.write() }>
                                {move || (t().write)(to_write())}
                            </button>
                        </div>
                    }.into_any(),
                    FixPhase::Planned if fix.rows.with(Vec::is_empty) => view! {
                        <p data-testid="fix-nobody">{move || t().nobody}</p>
                    }.into_any(),
                    FixPhase::NeedsConsent => view! {
                        <p data-testid="fix-needs-consent">{move || t().needs_consent}</p>
                        <button class="button primary" data-testid="fix-consent" on:click=move |_| fix.consent()>{move || t().consent}</button>
                    }.into_any(),
                    FixPhase::Writing => view! {
                        <p role="status" data-testid="fix-progress">{move || (t().progress)(done(), fix.rows.with(Vec::len))}</p>
                        <button class="button" data-testid="fix-cancel" on:click=move |_| fix.cancel()>{move || t().cancel}</button>
                    }.into_any(),
                    FixPhase::Done => view! {
                        <p role="status" data-testid="fix-finished">{move || (t().finished)(verified(), fix.rows.with(Vec::len))}</p>
                    }.into_any(),
                    FixPhase::Failed(e) => view! {
                        <p class="problem" role="alert" data-testid="fix-failed">{e.to_string()}</p>
                    }.into_any(),
                    _ => ().into_any(),
                }}
                {move || fix.refused.get().then(|| view! {
                    <div class="notice" role="alert" data-testid="fix-refusal">
                        <h3>{move || t().refusal_title}</h3>
                        <p>{move || t().refusal_text}</p>
                        <p data-testid="fix-outreach">{move || (t().outreach_offer)(refused_count())}</p>
                    </div>
                })}
                {move || fix.closed_libraries.get().into_iter().map(|host| view! {
                    <div class="notice" role="alert" data-testid="fix-library-rights">
                        <h3>{move || t().library_title}</h3>
                        <p>{(t().library_text)(&host)}</p>
                    </div>
                }).collect_view()}
            </section>
        </Show>
    }
}

/// The planned users: what is written for each, and then the result.
#[component]
fn FixTable(fix: FixController) -> impl IntoView {
    let t = text();
    view! {
        <table data-testid="fix-table">
            <thead><tr>
                <th scope="col">{move || t().col_user}</th>
                <th scope="col">{move || t().col_write}</th>
                <th scope="col">{move || t().col_result}</th>
            </tr></thead>
            <tbody>
                {move || fix.rows.get().into_iter().map(|row| {
                    let what = match &row.treatment {
                        Treatment::Thumbnails(set) => {
                            let files = format!("{}_{{S,M,L}}Thumb.jpg", set.base);
                            (t().would_overwrite)(&files, &set.host)
                        }
                        _ => (t().would_profile_write)(&row.user.user_principal_name),
                    };
                    let (name, result) = match &row.state {
                        RowState::Planned => ("planned", t().waiting.to_owned()),
                        RowState::Writing => ("writing", t().writing.to_owned()),
                        RowState::Done(outcome) => (outcome.name(), outcome_text(outcome, t())),
                    };
                    view! {
                        <tr data-testid="fix-row" data-account=row.user.user_principal_name.clone()
                            data-treatment=row.treatment.name() data-outcome=name>
                            <td>{row.user.display_name.clone()}<br/><span class="muted">{row.user.user_principal_name.clone()}</span></td>
                            <td>{what}</td>
                            <td>{result}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

fn outcome_text(outcome: &Outcome, t: &FixCatalogue) -> String {
    match outcome {
        Outcome::Verified => t.verified.to_owned(),
        Outcome::Refused => t.refused.to_owned(),
        Outcome::NoLibraryRights { .. } => t.no_library_rights.to_owned(),
        Outcome::NotWritten { step, detail } => (t.not_written)(&step_detail(*step, detail)),
        Outcome::RolledBack { step, detail } => (t.rolled_back)(&step_detail(*step, detail)),
        Outcome::Incomplete { step, detail, left } => {
            (t.incomplete)(&step_detail(*step, detail), &left.join("; "))
        }
        Outcome::Cancelled => t.cancelled.to_owned(),
    }
}

/// The step and the service's own words (technical, as details are).
fn step_detail(step: Step, detail: &str) -> String {
    let step = match step {
        Step::ExchangePhoto => "Exchange photo".to_owned(),
        Step::ReadProfile => "GetPropertiesFor".to_owned(),
        Step::ReadThumbnail(s) => format!("GET {}", s.suffix()),
        Step::Resize => "canvas".to_owned(),
        Step::WriteProperty => "SetSingleValueProfileProperty".to_owned(),
        Step::Upload(s) => format!("Files/add {}", s.suffix()),
        Step::Verify => "verify".to_owned(),
    };
    format!("{step}: {detail}")
}
