//! The admin audit (`admin.html`): whom to read, progress with pause and cancel, the result
//! as a chart and a table that stays quick at 10,000 rows (filtered, searched, sorted, shown a
//! page at a time), each row's details, and the CSV export. Renders
//! [`crate::state::audit::AuditController`]; no I/O of its own beyond the browser's download.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::audit::csv;
use crate::audit::progress::Progress;
use crate::audit::scope::{is_guid, read_accounts, AuditScope};
use crate::audit::status::{Status, StatusKind};
use crate::auth::request::Interaction;
use crate::i18n::admin::AdminCatalogue;
use crate::i18n::Lang;
use crate::links::{HelpLink, LinkAction};
use crate::state::audit::{AuditController, AuditPhase, Shown};
use crate::state::auth::{AuthContext, AuthState};

use super::Loading;

/// Rows shown at a time.
const PAGE_ROWS: usize = 50;

fn text() -> impl Fn() -> &'static AdminCatalogue + Copy {
    let lang = expect_context::<RwSignal<Lang>>();
    move || lang.get().admin_text()
}

/// The audit page: sign-in first, then the audit.
#[component]
pub fn AdminView() -> impl IntoView {
    let t = text();
    let auth = AuthContext::get();
    let state = auth.state();
    // The audit stays mounted while the same account is signed in (a consent in a popup
    // signs in again as the same account).
    let signed_in = Memo::new(move |_| match state.get() {
        AuthState::SignedIn(account) | AuthState::OtherAccount { account, .. } => {
            Some(account.username)
        }
        _ => None,
    });
    let checking =
        Memo::new(move |_| matches!(state.get(), AuthState::Checking | AuthState::InPopup));
    view! {
        <main id="main" class="admin" data-testid="admin">
            <h1 tabindex="-1">{move || t().page_title}</h1>
            <p class="admin-intro">{move || t().intro}</p>
            {move || match (checking.get(), signed_in.get()) {
                (true, _) => view! { <Loading/> }.into_any(),
                (false, Some(account)) => view! { <Audit account=account/> }.into_any(),
                (false, None) => view! {
                    <section class="card" data-testid="admin-sign-in">
                        <p>{move || t().sign_in_prompt}</p>
                        <button class="button primary" data-testid="admin-sign-in-button"
                            on:click=move |_| auth.sign_in(Interaction::Popup)>
                            {move || t().sign_in}
                        </button>
                    </section>
                }
                .into_any(),
            }}
        </main>
    }
}

/// The audit itself, for the signed-in `account`.
#[component]
fn Audit(account: String) -> impl IntoView {
    let audit = AuditController::new();
    let outreach = crate::state::outreach::OutreachController::provide(audit, account.clone());
    let link_scope =
        crate::state::address::query_param("audit").and_then(|v| AuditScope::from_link_value(&v));
    audit.look_for_saved(account, link_scope.clone());
    if let Some(scope) = link_scope.clone() {
        if crate::state::address::autostart_requested() {
            audit.start(scope, false);
        }
    }
    let busy = move || {
        matches!(
            audit.phase.get(),
            AuditPhase::Listing | AuditPhase::Running { .. }
        )
    };
    view! {
        <ScopeForm audit=audit initial=link_scope busy=Signal::derive(busy)/>
        <PhaseView audit=audit/>
        {move || audit.progress.with(|p| p.is_some()).then(|| view! {
            <Chart audit=audit/>
            <Results audit=audit/>
            <super::fix_view::FixPanel audit=audit/>
        })}
        <super::outreach_view::OutreachPanel audit=audit outreach=outreach/>
    }
}

#[component]
fn ScopeForm(
    audit: AuditController,
    initial: Option<AuditScope>,
    busy: Signal<bool>,
) -> impl IntoView {
    let t = text();
    let (kind, group) = match &initial {
        Some(AuditScope::Group(id)) => ("group", id.clone()),
        _ => ("all", String::new()),
    };
    let kind = RwSignal::new(kind);
    let group = RwSignal::new(group);
    let list = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<&'static str>);
    let accounts = Memo::new(move |_| read_accounts(&list.get()));
    let on_file = move |ev: leptos::ev::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        if let Some(file) = input.files().and_then(|f| f.get(0)) {
            leptos::task::spawn_local(async move {
                if let Ok(text) = wasm_bindgen_futures::JsFuture::from(file.text()).await {
                    list.set(text.as_string().unwrap_or_default());
                }
            });
        }
    };
    let start = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let scope = match kind.get_untracked() {
            "group" => {
                let id = group.get_untracked().trim().to_ascii_lowercase();
                if !is_guid(&id) {
                    problem.set(Some(t().group_id_invalid));
                    return;
                }
                AuditScope::Group(id)
            }
            "list" => {
                let found = accounts.get_untracked().accounts;
                if found.is_empty() {
                    problem.set(Some(t().list_empty));
                    return;
                }
                AuditScope::Accounts(found)
            }
            _ => AuditScope::Tenant,
        };
        problem.set(None);
        audit.start(scope, true);
    };
    view! {
        <form class="card scope" data-testid="audit-scope" on:submit=start>
            <fieldset>
                <legend>{move || t().scope_legend}</legend>
                <label><input type="radio" name="scope" value="all" data-testid="scope-all"
                    prop:checked=move || kind.get() == "all" on:change=move |_| kind.set("all")/>
                    " " {move || t().scope_tenant}</label>
                <label><input type="radio" name="scope" value="group" data-testid="scope-group"
                    prop:checked=move || kind.get() == "group" on:change=move |_| kind.set("group")/>
                    " " {move || t().scope_group}</label>
                <Show when=move || kind.get() == "group">
                    <label class="field">{move || t().group_id_label}
                        <input type="text" data-testid="group-id" spellcheck="false" autocomplete="off"
                            prop:value=move || group.get()
                            on:input=move |ev| group.set(event_target_value(&ev))/>
                    </label>
                </Show>
                <label><input type="radio" name="scope" value="list" data-testid="scope-list"
                    prop:checked=move || kind.get() == "list" on:change=move |_| kind.set("list")/>
                    " " {move || t().scope_list}</label>
                <Show when=move || kind.get() == "list">
                    <label class="field">{move || t().list_label}
                        <textarea rows="5" data-testid="account-list" spellcheck="false"
                            prop:value=move || list.get()
                            on:input=move |ev| list.set(event_target_value(&ev))></textarea>
                    </label>
                    <label class="field">{move || t().upload_label}
                        <input type="file" accept=".csv,.txt,text/csv,text/plain" data-testid="account-file" on:change=on_file/>
                    </label>
                    <p class="hint" data-testid="account-count">
                        {move || (t().list_found)(accounts.with(|a| a.accounts.len()))}
                        {move || accounts.with(|a| (!a.rejected.is_empty()).then(|| format!(" {}", (t().list_rejected)(&a.rejected.join(", ")))))}
                    </p>
                </Show>
            </fieldset>
            <p class="hint">{move || t().permissions_note}</p>
            {move || problem.get().map(|p| view! { <p class="problem" role="alert" data-testid="scope-problem">{p}</p> })}
            <button type="submit" class="button primary" data-testid="audit-start"
                aria-disabled=move || busy.get().to_string()>
                {move || t().start}
            </button>
        </form>
    }
}

#[component]
fn PhaseView(audit: AuditController) -> impl IntoView {
    let t = text();
    let total = move || {
        audit
            .progress
            .with(|p| p.as_ref().map_or(0, |p| p.entries.len()))
    };
    let done = move || {
        audit
            .progress
            .with(|p| p.as_ref().map_or(0, Progress::done))
    };
    view! {
        <section class="card phase" data-testid="audit-phase" aria-live="polite">
            {move || match audit.phase.get() {
                AuditPhase::Idle { resumable: Some((done, total)) } => view! {
                    <p data-testid="resume-offer">{(t().resume_offer)(done, total)}</p>
                    <button class="button primary" data-testid="audit-resume" on:click=move |_| audit.resume_saved()>
                        {move || t().resume_button}
                    </button>
                }.into_any(),
                AuditPhase::Idle { resumable: None } => ().into_any(),
                AuditPhase::NeedsConsent => view! {
                    <p data-testid="consent-needed">{move || t().permissions_note}</p>
                    <button class="button primary" data-testid="audit-consent"
                        on:click=move |_| audit.consent(Interaction::Popup)>
                        {move || t().sign_in}
                    </button>
                }.into_any(),
                AuditPhase::Listing => view! { <p data-testid="audit-listing">{move || t().listing}</p> }.into_any(),
                AuditPhase::Running { paused } => view! {
                    <progress data-testid="audit-progress" max=move || total().max(1) value=done></progress>
                    <p data-testid="audit-count">
                        {move || (t().progress)(done(), total())}
                        {move || audit.time_left_ms().map(|ms| format!(", {}", (t().time_left)((ms / 60_000.0) as u64)))}
                    </p>
                    {paused.then(|| view! { <p data-testid="audit-paused">{move || t().paused}</p> })}
                    <div class="actions">
                        <button class="button" data-testid="audit-pause" on:click=move |_| audit.pause(!paused)>
                            {move || if paused { t().resume } else { t().pause }}
                        </button>
                        <button class="button" data-testid="audit-cancel" on:click=move |_| audit.cancel()>
                            {move || t().cancel}
                        </button>
                    </div>
                }.into_any(),
                AuditPhase::Finished => view! {
                    <p data-testid="audit-finished">
                        {move || if total() == 0 { t().no_users.to_owned() } else { (t().finished)(total()) }}
                    </p>
                    {move || (audit.throttled.get() > 0).then(|| view! {
                        <p class="hint" data-testid="audit-throttled">{(t().throttled)(audit.throttled.get())}</p>
                    })}
                }.into_any(),
                AuditPhase::Cancelled => view! {
                    <p data-testid="audit-cancelled">{move || (t().cancelled)(done(), total())}</p>
                }.into_any(),
                AuditPhase::Failed(failure) => {
                    use crate::audit::runner::AuditFailure;
                    let message = match &failure {
                        AuditFailure::SignIn(_) => t().sign_in_failed.to_owned(),
                        AuditFailure::MissingPermission { service, detail } => {
                            let name = match service {
                                crate::audit::Service::Graph => "Microsoft Graph",
                                crate::audit::Service::SharePoint => "SharePoint",
                            };
                            (t().missing_permission)(name, detail)
                        }
                        AuditFailure::GroupNotFound => t().group_not_found.to_owned(),
                        AuditFailure::Listing(detail) => (t().listing_failed)(detail),
                    };
                    view! { <p class="problem" role="alert" data-testid="audit-failed">{message}</p> }.into_any()
                }
            }}
        </section>
    }
}

/// The statuses as horizontal bars, with the numbers in text (the chart is an image with a
/// text equivalent, and each bar has its own label).
#[component]
fn Chart(audit: AuditController) -> impl IntoView {
    let t = text();
    let counts = Memo::new(move |_| {
        audit
            .progress
            .with(|p| p.as_ref().map(Progress::counts).unwrap_or_default())
    });
    let total = move || {
        audit
            .progress
            .with(|p| p.as_ref().map_or(0, |p| p.entries.len()))
    };
    view! {
        <section class="card chart" data-testid="audit-chart">
            <h2>{move || t().chart_title}</h2>
            <svg role="img" viewBox="0 0 100 60" preserveAspectRatio="none" class="bars"
                aria-label=move || {
                    let c = counts.get();
                    Status::KINDS.iter().enumerate()
                        .map(|(i, _)| (t().chart_label)(t().statuses[i], c[i], total()))
                        .collect::<Vec<_>>().join("; ")
                }>
                {move || {
                    let c = counts.get();
                    let max = c.iter().copied().max().unwrap_or(0).max(1) as f64;
                    Status::KINDS.iter().enumerate().map(|(i, kind)| {
                        let width = c[i] as f64 / max * 100.0;
                        view! {
                            <rect class=format!("bar bar-{}", kind.name()) x="0" y=(i * 10 + 1).to_string()
                                width=format!("{width:.2}") height="8"/>
                        }
                    }).collect_view()
                }}
            </svg>
            <ul class="legend">
                {move || {
                    let c = counts.get();
                    Status::KINDS.iter().enumerate().map(|(i, kind)| view! {
                        <li data-testid=format!("count-{}", kind.name())>
                            <span class=format!("swatch bar-{}", kind.name()) aria-hidden="true"></span>
                            <span class="legend-name">{t().statuses[i]}</span>
                            <span class="legend-count" data-testid=format!("count-{}-n", kind.name())>{c[i]}</span>
                        </li>
                    }).collect_view()
                }}
            </ul>
        </section>
    }
}

#[component]
fn Results(audit: AuditController) -> impl IntoView {
    let t = text();
    let filter = RwSignal::new(String::new());
    let search = RwSignal::new(String::new());
    let by_status = RwSignal::new(false);
    let page = RwSignal::new(0usize);
    let open = RwSignal::new(None::<usize>);
    // The outreach campaign's record of each user's message (shown in the status cell).
    let outreach = use_context::<crate::state::outreach::OutreachController>();
    let lang = expect_context::<RwSignal<Lang>>();
    // The rows that pass the filter and the search, sorted: indexes into the progress.
    let shown = Memo::new(move |_| {
        let filter = StatusKind::from_name(&filter.get());
        let needle = search.get().trim().to_lowercase();
        let sort_status = by_status.get();
        audit.progress.with(|p| {
            let Some(p) = p else { return Vec::new() };
            let mut rows: Vec<usize> = p
                .entries
                .iter()
                .enumerate()
                .filter(|(_, e)| filter.is_none() || e.status.as_ref().map(Status::kind) == filter)
                .filter(|(_, e)| {
                    needle.is_empty()
                        || e.user.display_name.to_lowercase().contains(&needle)
                        || e.user.user_principal_name.to_lowercase().contains(&needle)
                })
                .map(|(i, _)| i)
                .collect();
            let key = |i: &usize| {
                let e = &p.entries[*i];
                (
                    if sort_status {
                        e.status.as_ref().map(|s| s.kind() as u8).unwrap_or(99)
                    } else {
                        0
                    },
                    e.user.display_name.to_lowercase(),
                    e.user.user_principal_name.clone(),
                )
            };
            rows.sort_by_cached_key(key);
            rows
        })
    });
    Effect::new(move |_| {
        filter.track();
        search.track();
        by_status.track();
        page.set(0);
    });
    let pages = move || shown.with(|s| s.len().div_ceil(PAGE_ROWS)).max(1);
    let export = move |_| {
        audit.progress.with_untracked(|p| {
            if let Some(p) = p {
                download("photo-audit.csv", &export_csv(p, t()));
            }
        });
    };
    view! {
        <section class="card results" data-testid="audit-results">
            <h2>{move || t().results_title}</h2>
            <div class="controls">
                <label>{move || t().filter_label}
                    <select data-testid="filter-status" on:change=move |ev| filter.set(event_target_value(&ev))>
                        <option value="">{move || t().all_statuses}</option>
                        {Status::KINDS.iter().enumerate().map(|(i, kind)| view! {
                            <option value=kind.name()>{move || t().statuses[i]}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>{move || t().search_label}
                    <input type="search" data-testid="search" on:input=move |ev| search.set(event_target_value(&ev))/>
                </label>
                <label>{move || t().sort_label}
                    <select data-testid="sort" on:change=move |ev| by_status.set(event_target_value(&ev) == "status")>
                        <option value="name">{move || t().sort_name}</option>
                        <option value="status">{move || t().sort_status}</option>
                    </select>
                </label>
                <button class="button" data-testid="export-csv" on:click=export>{move || t().export_csv}</button>
            </div>
            <table data-testid="audit-table">
                <thead><tr>
                    <th scope="col">{move || t().col_name}</th>
                    <th scope="col">{move || t().col_account}</th>
                    <th scope="col">{move || t().col_status}</th>
                    <th scope="col">{move || t().col_reason}</th>
                    <th scope="col"><span class="visually-hidden">{move || t().details}</span></th>
                </tr></thead>
                <tbody>
                    {move || {
                        let from = page.get() * PAGE_ROWS;
                        let rows: Vec<usize> = shown.with(|s| s.iter().skip(from).take(PAGE_ROWS).copied().collect());
                        audit.progress.with(|p| {
                            let Some(p) = p else { return Vec::new() };
                            rows.into_iter().map(|i| {
                                let e = &p.entries[i];
                                let (status, kind, reason) = match &e.status {
                                    None => (t().not_read_yet.to_owned(), "pending", String::new()),
                                    Some(s) => {
                                        let at = Status::KINDS.iter().position(|k| *k == s.kind()).unwrap_or(5);
                                        (t().statuses[at].to_owned(), s.kind().name(), s.reason().map(|r| (t().reason)(&r.code())).unwrap_or_default())
                                    }
                                };
                                let mailed = outreach.and_then(|o| o.delivery_of(&e.user.user_principal_name));
                                let mailed_state = mailed.as_ref().map(|d| d.name());
                                view! {
                                    <tr data-testid="audit-row" data-account=e.user.user_principal_name.clone() data-status=kind
                                        data-mailed=mailed_state>
                                        <td>{e.user.display_name.clone()}</td>
                                        <td>{e.user.user_principal_name.clone()}</td>
                                        <td><span class=format!("status status-{kind}")>{status}</span>
                                            {mailed.map(|d| view! { <span class="mailed" data-testid="row-mailed">{super::outreach_view::row_note(&d, lang.get())}</span> })}</td>
                                        <td>{reason}</td>
                                        <td><button class="button link" data-testid="row-details" on:click=move |_| open.set(Some(i))>{move || t().details}</button></td>
                                    </tr>
                                }
                            }).collect::<Vec<_>>()
                        })
                    }}
                </tbody>
            </table>
            <nav class="pager" aria-label=move || t().results_title>
                <button class="button" data-testid="page-previous" aria-disabled=move || (page.get() == 0).to_string()
                    on:click=move |_| { if page.get() > 0 { page.update(|p| *p -= 1) } }>{move || t().previous}</button>
                <span data-testid="rows-shown">{move || {
                    let n = shown.with(Vec::len);
                    let from = (page.get() * PAGE_ROWS + 1).min(n);
                    (t().rows_shown)(from, ((page.get() + 1) * PAGE_ROWS).min(n), n)
                }}</span>
                <button class="button" data-testid="page-next" aria-disabled=move || (page.get() + 1 >= pages()).to_string()
                    on:click=move |_| { if page.get() + 1 < pages() { page.update(|p| *p += 1) } }>{move || t().next}</button>
            </nav>
            {move || open.get().map(|i| view! { <Details audit=audit index=i on_close=move || open.set(None)/> })}
        </section>
    }
}

/// One user's details: the properties SharePoint gave in this visit, and the status.
#[component]
fn Details(
    audit: AuditController,
    index: usize,
    on_close: impl Fn() + Copy + 'static,
) -> impl IntoView {
    let t = text();
    let entry = audit
        .progress
        .with_untracked(|p| p.as_ref().and_then(|p| p.entries.get(index).cloned()));
    let profile = audit
        .profiles
        .with_untracked(|all| all.get(index).cloned().flatten());
    let Some(entry) = entry else {
        return ().into_any();
    };
    let status = entry.status.as_ref().map(|s| {
        let at = Status::KINDS
            .iter()
            .position(|k| *k == s.kind())
            .unwrap_or(5);
        format!("{} — {}", t().statuses[at], t().status_help[at])
    });
    let rows: Vec<(&'static str, String)> = profile
        .map(|p| {
            vec![
                ("PictureURL", p.picture_url.unwrap_or_default()),
                (
                    "SPS-PicturePlaceholderState",
                    p.placeholder_state
                        .map(|v| v.to_string())
                        .unwrap_or_default(),
                ),
                (
                    "SPS-PictureExchangeSyncState",
                    p.exchange_sync_state
                        .map(|v| v.to_string())
                        .unwrap_or_default(),
                ),
                (
                    "SPS-PictureTimestamp",
                    p.picture_timestamp.unwrap_or_default(),
                ),
            ]
        })
        .unwrap_or_default();
    // The details open below the table: their title takes the focus, which brings them into
    // view and tells a screen reader what opened.
    let title = NodeRef::<leptos::html::H3>::new();
    Effect::new(move |_| {
        if let Some(h) = title.get() {
            let _ = h.focus();
        }
    });
    view! {
        <section class="details" role="dialog" aria-modal="false" aria-labelledby="details-title" data-testid="row-details-panel">
            <h3 id="details-title" tabindex="-1" node_ref=title>{entry.user.display_name.clone()} " (" {entry.user.user_principal_name.clone()} ")"</h3>
            <p data-testid="details-status">{status.unwrap_or_else(|| t().not_read_yet.to_owned())}</p>
            <DetailsPhotos audit=audit index=index name=entry.user.display_name.clone()/>
            {(!rows.is_empty()).then(|| view! {
                <h4>{move || t().properties}</h4>
                <dl data-testid="details-properties">
                    {rows.into_iter().map(|(k, v)| view! { <dt>{k}</dt><dd>{v}</dd> }).collect_view()}
                </dl>
            })}
            <button class="button" data-testid="details-close" on:click=move |_| on_close()>{move || t().close}</button>
        </section>
    }
    .into_any()
}

/// The user's Exchange and SharePoint photos side by side, read when the details open.
#[component]
fn DetailsPhotos(audit: AuditController, index: usize, name: String) -> impl IntoView {
    let t = text();
    // Read once when the details open (a signal and a task: a `LocalResource` would bring
    // its machinery into the page for this one use); the object URLs are released when the
    // details close, or at once if they closed before the photos came.
    let photos = RwSignal::new(None::<(Shown, Shown)>);
    leptos::task::spawn_local(async move {
        let read = audit.photos(index).await;
        // A disposed signal (the details closed) hands the value back.
        if let Some(Some((a, b))) = photos.try_set(Some(read)) {
            revoke(&a);
            revoke(&b);
        }
    });
    on_cleanup(move || {
        if let Some((a, b)) = photos.get_untracked() {
            revoke(&a);
            revoke(&b);
        }
    });
    let figure = move |shown: Option<Shown>, caption: &'static str, testid: &'static str| {
        let state = match &shown {
            None => "loading",
            Some(Shown::Photo(_)) => "photo",
            Some(Shown::NoPhoto) => "none",
            Some(Shown::Unreadable) => "unreadable",
        };
        let body = match shown {
            None => view! { <span class="photo-frame" aria-busy="true"></span> }.into_any(),
            Some(Shown::Photo(url)) => view! {
                <img class="photo-frame" src=url width="96" height="96" alt=format!("{name} — {caption}")/>
            }
            .into_any(),
            Some(Shown::NoPhoto) => {
                view! { <span class="photo-frame empty">{move || t().no_picture}</span> }.into_any()
            }
            Some(Shown::Unreadable) => {
                view! { <span class="photo-frame empty">{move || t().photo_unreadable}</span> }.into_any()
            }
        };
        view! {
            <figure data-testid=testid data-state=state>
                {body}
                <figcaption>{caption}</figcaption>
            </figure>
        }
    };
    view! {
        <div class="details-photos">
            {move || {
                let (exchange, sharepoint) = match photos.get() {
                    Some((a, b)) => (Some(a), Some(b)),
                    None => (None, None),
                };
                view! {
                    {figure.clone()(exchange, t().exchange_photo, "details-exchange-photo")}
                    {figure.clone()(sharepoint, t().sharepoint_photo, "details-sharepoint-photo")}
                }
            }}
        </div>
    }
}

fn revoke(shown: &Shown) {
    if let Shown::Photo(url) = shown {
        crate::photo::browser::revoke_object_url(url);
    }
}

/// The CSV of an audit: a row per user with status, reason and their self-service link.
pub fn export_csv(progress: &Progress, t: &AdminCatalogue) -> String {
    let page = self_service_page();
    let rows = progress.entries.iter().map(|e| {
        let (kind, reason) = match &e.status {
            None => ("pending".to_owned(), String::new()),
            Some(s) => (
                s.kind().name().to_owned(),
                s.reason().map(|r| r.code()).unwrap_or_default(),
            ),
        };
        let link = HelpLink {
            action: LinkAction::SyncMyPhoto,
            login_hint: e.user.user_principal_name.clone(),
            domain_hint: String::new(),
            autostart: true,
        }
        .url(&page);
        vec![
            e.user.display_name.clone(),
            e.user.user_principal_name.clone(),
            kind,
            reason,
            link,
        ]
    });
    csv::document(
        &[
            t.col_name,
            t.col_account,
            t.col_status,
            t.col_reason,
            t.col_link,
        ],
        rows,
    )
}

/// The sync page beside this one (the folder of `admin.html`), which the self-service links
/// open.
fn self_service_page() -> String {
    let path = crate::browser::pathname();
    let folder = path.rfind('/').map_or("/", |i| &path[..=i]);
    format!("{}{folder}", crate::browser::origin())
}

/// Offers `text` as a file download (a `blob:` link clicked once).
fn download(name: &str, text: &str) {
    let Some(url) = crate::photo::browser::object_url(text.as_bytes(), "text/csv;charset=utf-8")
    else {
        return;
    };
    if let Some(a) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.create_element("a").ok())
        .and_then(|a| a.dyn_into::<web_sys::HtmlAnchorElement>().ok())
    {
        a.set_href(&url);
        a.set_download(name);
        a.set_attribute("data-testid", "csv-download").ok();
        if let Some(body) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.body())
        {
            let _ = body.append_child(&a);
            a.click();
            let _ = body.remove_child(&a);
        }
    }
    // The browser has taken its copy; keep the URL a moment for slow downloads.
    std::mem::forget(crate::browser::Timer::start(60_000, move || {
        crate::photo::browser::revoke_object_url(&url)
    }));
}
