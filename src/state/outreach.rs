//! The outreach panel's controller: whom to message (from the audit's results), the templates,
//! the plan, the dry run, and the send with its campaign kept in IndexedDB, so that a reload or
//! a second click never sends anyone a second message. Policy lives in [`crate::outreach`];
//! this wires it to signals, the sign-in and the browser.

use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::audit::progress::Progress;
use crate::audit::runner::Control;
use crate::audit::saved;
use crate::audit::status::{Status, StatusKind};
use crate::auth::request::Interaction;
use crate::auth::{AuthError, Resource, TokenSource};
use crate::browser::now_ms;
use crate::config::AppConfig;
use crate::graph::mail::Message;
use crate::i18n::Lang;
use crate::outreach::campaign::{self, Campaign, Delivery, Effect, Recipient};
use crate::outreach::compose::{self, compose, Links};
use crate::outreach::plan::{self, Plan, SendingLimits};
use crate::outreach::sender::{self, Finish, Outbox, Stop};
use crate::outreach::template::{language_of, Template, TemplateProblem};

use super::audit::{AuditController, AuditPhase};
use super::auth::AuthContext;

/// Which of the audit's users to message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selection {
    /// SharePoint shows the placeholder or an older photo.
    OutOfSync,
    Placeholder,
    Older,
}

impl Selection {
    pub const ALL: [Selection; 3] = [
        Selection::OutOfSync,
        Selection::Placeholder,
        Selection::Older,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Selection::OutOfSync => "out-of-sync",
            Selection::Placeholder => "placeholder",
            Selection::Older => "older",
        }
    }

    fn takes(self, status: Option<&Status>) -> bool {
        let kind = status.map(Status::kind);
        match self {
            Selection::OutOfSync => {
                matches!(kind, Some(StatusKind::Placeholder | StatusKind::Older))
            }
            Selection::Placeholder => kind == Some(StatusKind::Placeholder),
            Selection::Older => kind == Some(StatusKind::Older),
        }
    }
}

/// Where sending stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendPhase {
    Idle,
    /// Looking for the permission to send, silently.
    Checking,
    /// The admin must allow sending mail (a click opens the consent).
    NeedsConsent,
    Sending {
        paused: bool,
    },
    Ended(Finish),
}

/// The outreach panel's state.
#[derive(Clone, Copy)]
pub struct OutreachController {
    /// The campaign of this account, once read from IndexedDB (or made by the first send).
    pub campaign: RwSignal<Option<Campaign>>,
    /// True once the kept campaign was looked for: nothing is sent before, so a send cannot
    /// start a campaign over one it has not seen.
    pub loaded: RwSignal<bool>,
    pub phase: RwSignal<SendPhase>,
    /// English, then Latvian.
    pub templates: RwSignal<[Template; 2]>,
    pub threshold: RwSignal<usize>,
    pub selection: RwSignal<Selection>,
    /// The messages of the last dry run.
    pub dry_run: RwSignal<Option<Vec<Message>>>,
    /// Users in the send under way, and how many of them have an answer.
    pub sending_total: RwSignal<usize>,
    pub sending_done: RwSignal<usize>,
    audit: AuditController,
    account: StoredValue<String>,
    control: StoredValue<Rc<Control>, LocalStorage>,
    auth: AuthContext,
    config: StoredValue<AppConfig>,
}

impl OutreachController {
    /// The controller for `account`'s audit, provided to the page (the results table reads
    /// it), with its kept campaign read in the background.
    pub fn provide(audit: AuditController, account: String) -> OutreachController {
        let campaign = RwSignal::new(None::<Campaign>);
        let ctl = OutreachController {
            campaign,
            loaded: RwSignal::new(false),
            phase: RwSignal::new(SendPhase::Idle),
            templates: RwSignal::new([
                Template::default_for(Lang::En),
                Template::default_for(Lang::Lv),
            ]),
            threshold: RwSignal::new(plan::DEFAULT_PERSONAL),
            selection: RwSignal::new(Selection::OutOfSync),
            dry_run: RwSignal::new(None),
            sending_total: RwSignal::new(0),
            sending_done: RwSignal::new(0),
            audit,
            account: StoredValue::new(account.clone()),
            control: StoredValue::new_local(Rc::new(Control::default())),
            auth: AuthContext::get(),
            config: StoredValue::new(expect_context::<AppConfig>()),
        };
        provide_context(ctl);
        spawn_local(async move {
            let kept = saved::load(&campaign::key(&account))
                .await
                .and_then(|t| Campaign::from_json(&t))
                .filter(|c| c.account.eq_ignore_ascii_case(&account));
            if let Some(kept) = kept {
                ctl.templates.set(kept.templates.clone());
                ctl.campaign.set(Some(kept));
            }
            ctl.loaded.set(true);
        });
        ctl
    }

    /// Where the campaign's message to `upn` stands, if they are in it.
    pub fn delivery_of(&self, upn: &str) -> Option<Delivery> {
        // A list searched in order, as the sign-in cache does: smaller in the page than a map,
        // and quick enough for the 50 rows shown at a time.
        self.campaign.with(|c| {
            let c = c.as_ref()?;
            c.position(upn).map(|i| c.recipients[i].delivery.clone())
        })
    }

    /// The audit's users the selection takes, as campaign members (not sent yet).
    fn selected(&self, progress: &Progress) -> Vec<Recipient> {
        let selection = self.selection.get();
        progress
            .entries
            .iter()
            .filter(|e| selection.takes(e.status.as_ref()))
            .map(|e| Recipient {
                upn: e.user.user_principal_name.clone(),
                name: e.user.display_name.clone(),
                address: e
                    .user
                    .mail
                    .clone()
                    .filter(|m| !m.trim().is_empty())
                    .unwrap_or_else(|| e.user.user_principal_name.clone()),
                lang: language_of(e.user.preferred_language.as_deref()),
                delivery: Delivery::NotSent,
            })
            .collect()
    }

    /// How many users the selection takes, and how many of them the campaign already has.
    pub fn selected_counts(&self) -> (usize, usize) {
        let selected = self
            .audit
            .progress
            .with(|p| p.as_ref().map(|p| self.selected(p)).unwrap_or_default());
        let known = self.campaign.with(|c| {
            c.as_ref().map_or(0, |c| {
                selected
                    .iter()
                    .filter(|r| c.position(&r.upn).is_some())
                    .count()
            })
        });
        (selected.len(), known)
    }

    /// The campaign as a send now would make it (the kept one with the selected users added)
    /// and its plan.
    pub fn prospect(&self) -> (Campaign, Plan) {
        let mut campaign = self.campaign.get().unwrap_or_else(|| {
            // The templates are the send's, not the plan's: no new plan on every keystroke.
            Campaign::new(
                &self.account.get_value(),
                now_ms(),
                self.templates.get_untracked(),
            )
        });
        let selected = self
            .audit
            .progress
            .with(|p| p.as_ref().map(|p| self.selected(p)).unwrap_or_default());
        campaign.add(selected);
        let now = now_ms();
        let plan = plan::plan(
            &campaign.to_send(),
            self.threshold.get(),
            campaign.recipients_in_last_day(now),
            SendingLimits::default(),
        );
        (campaign, plan)
    }

    /// The links of the messages: the sync page beside this one, the admin's domain.
    pub fn links(&self) -> Links {
        Links {
            page: compose::self_service_page(
                &crate::browser::origin(),
                &crate::browser::pathname(),
            ),
            domain: compose::domain_of(&self.account.get_value()),
        }
    }

    /// The first problem of the templates, with the language of the template that has it.
    pub fn template_problem(&self) -> Option<(Lang, TemplateProblem)> {
        self.templates.with(|t| {
            Lang::ALL
                .into_iter()
                .zip(t.iter())
                .find_map(|(lang, t)| t.check().err().map(|p| (lang, p)))
        })
    }

    /// The messages `plan` makes of `campaign` with the current templates.
    fn messages(&self, campaign: &Campaign, plan: &Plan) -> Vec<Message> {
        let links = self.links();
        self.templates.with_untracked(|templates| {
            plan.messages
                .iter()
                .map(|m| compose(m, campaign, templates, &links))
                .collect()
        })
    }

    /// Shows exactly what a send would send now; sends nothing.
    pub fn dry_run_now(&self) {
        if self.template_problem().is_some() {
            return;
        }
        let (campaign, plan) = untrack(|| self.prospect());
        self.dry_run.set(Some(self.messages(&campaign, &plan)));
    }

    fn busy(&self) -> bool {
        matches!(
            self.phase.get_untracked(),
            SendPhase::Checking | SendPhase::Sending { .. }
        )
    }

    /// Sends the plan: first the permission to send (silently if granted before), then the
    /// messages. A second click while one is under way does nothing.
    pub fn send(&self) {
        if self.busy() || !self.loaded.get_untracked() || self.template_problem().is_some() {
            return;
        }
        self.phase.set(SendPhase::Checking);
        let ctl = *self;
        spawn_local(async move {
            match ctl.auth.session().access_token(&Resource::GraphMail).await {
                Ok(_) => ctl.run().await,
                Err(e) if needs_interaction(&e) => ctl.phase.set(SendPhase::NeedsConsent),
                Err(e) => ctl
                    .phase
                    .set(SendPhase::Ended(Finish::Stopped(Stop::SignIn(e)))),
            }
        });
    }

    /// Opens the consent to send mail (from the click), then sends.
    pub fn consent(&self) {
        let ctl = *self;
        self.auth.consent_to(
            Resource::GraphMail.scopes(&[]),
            Interaction::Popup,
            move || {
                ctl.phase.set(SendPhase::Idle);
                ctl.send();
            },
        );
    }

    async fn run(&self) {
        let (mut campaign, plan) = untrack(|| self.prospect());
        campaign.templates = self.templates.get_untracked();
        let messages = self.messages(&campaign, &plan);
        let key = campaign::key(&campaign.account);
        self.campaign.set(Some(campaign));
        self.dry_run.set(None);
        let outbox = CampaignOutbox {
            campaign: self.campaign,
            key,
            done: Some(self.sending_done),
        };
        if !outbox.keep().await {
            self.phase
                .set(SendPhase::Ended(Finish::Stopped(Stop::Storage)));
            return;
        }
        let control = Rc::new(Control::default());
        self.control.set_value(control.clone());
        self.sending_total.set(plan.recipients());
        self.sending_done.set(0);
        self.phase.set(SendPhase::Sending { paused: false });
        let tokens = self.auth.session();
        let graph_base = self.config.with_value(|c| c.graph_base_url.clone());
        let finish = sender::send_all(
            plan.messages.into_iter().zip(messages).collect(),
            &graph_base,
            &*tokens,
            &control,
            SendingLimits::default(),
            &outbox,
        )
        .await;
        self.phase.set(SendPhase::Ended(finish));
    }

    pub fn pause(&self, paused: bool) {
        self.control.get_value().pause(paused);
        if let SendPhase::Sending { .. } = self.phase.get_untracked() {
            self.phase.set(SendPhase::Sending { paused });
        }
    }

    pub fn cancel(&self) {
        self.control.get_value().cancel();
    }

    /// The users whose message failed or may have gone out are to be sent again: the admin's
    /// explicit request.
    pub fn retry(&self) {
        if self.busy() {
            return;
        }
        self.campaign.update(|c| {
            if let Some(c) = c {
                c.retry();
            }
        });
        let outbox = CampaignOutbox {
            campaign: self.campaign,
            key: campaign::key(&self.account.get_value()),
            done: None,
        };
        spawn_local(async move {
            outbox.keep().await;
        });
    }

    /// Forgets the campaign: the next send may message everyone again.
    pub fn new_campaign(&self) {
        if self.busy() {
            return;
        }
        let key = campaign::key(&self.account.get_value());
        self.campaign.set(None);
        self.dry_run.set(None);
        self.phase.set(SendPhase::Idle);
        spawn_local(async move { saved::forget(&key).await });
    }

    /// The campaign's effect, once an audit that started after its first message finished.
    pub fn effect(&self) -> Option<Effect> {
        if self.audit.phase.get() != AuditPhase::Finished {
            return None;
        }
        let campaign = self.campaign.get()?;
        self.audit.progress.with(|p| {
            let p = p.as_ref()?;
            if p.started_ms <= campaign.first_sent_ms()? {
                return None;
            }
            // The campaign lists its users in the audit's order: each is looked for from where
            // the last was found, so the whole walk is about one pass.
            let entries = &p.entries;
            let mut from = 0;
            campaign.effect(|upn| {
                let n = entries.len();
                let i = (0..n).map(|k| (from + k) % n).find(|&i| {
                    entries[i]
                        .user
                        .user_principal_name
                        .eq_ignore_ascii_case(upn)
                })?;
                from = i + 1;
                let status = entries[i].status.as_ref()?;
                Some(status.kind() == StatusKind::InSync)
            })
        })
    }

    /// The selected users with their link and message, for a mail merge: name, address,
    /// language, link, subject, message.
    pub fn mail_merge_rows(&self) -> Vec<Vec<String>> {
        let selected = self.audit.progress.with_untracked(|p| {
            p.as_ref()
                .map(|p| untrack(|| self.selected(p)))
                .unwrap_or_default()
        });
        let links = self.links();
        self.templates.with_untracked(|templates| {
            selected
                .into_iter()
                .map(|r| {
                    let link = links.personal(&r.upn);
                    let template = compose::template_of(templates, r.lang);
                    let name = if r.name.trim().is_empty() {
                        &r.upn
                    } else {
                        &r.name
                    };
                    let (subject, body) = template.render(name, &link);
                    vec![
                        r.name,
                        r.address,
                        r.lang.tag().to_owned(),
                        link,
                        subject,
                        body,
                    ]
                })
                .collect()
        })
    }
}

fn needs_interaction(e: &AuthError) -> bool {
    matches!(
        e,
        AuthError::InteractionRequired
            | AuthError::InvalidGrant { .. }
            | AuthError::AdminConsentRequired { .. }
    )
}

/// The campaign signal and its place in IndexedDB: every state is kept before the run goes on.
struct CampaignOutbox {
    campaign: RwSignal<Option<Campaign>>,
    key: String,
    /// Counts the users with an answer.
    done: Option<RwSignal<usize>>,
}

impl CampaignOutbox {
    async fn keep(&self) -> bool {
        match self
            .campaign
            .with_untracked(|c| c.as_ref().map(Campaign::to_json))
        {
            Some(text) => saved::save(&self.key, &text).await,
            None => false,
        }
    }
}

impl Outbox for CampaignOutbox {
    async fn record(&self, entries: &[usize], delivery: Delivery) -> bool {
        self.campaign.update(|c| {
            if let Some(c) = c {
                for i in entries {
                    if let Some(r) = c.recipients.get_mut(*i) {
                        r.delivery = delivery.clone();
                    }
                }
            }
        });
        if let (Some(done), Delivery::Sent { .. } | Delivery::Failed { .. }) =
            (self.done, &delivery)
        {
            done.update(|n| *n += entries.len());
        }
        self.keep().await
    }
}
