//! The direct-write panel's controller: the plan from the audit's results (a dry run, always
//! first), the permissions, the deliberate write, its progress and every user's outcome, and
//! what the run learnt (the profile write refused, a library closed to the admin).

use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::auth::request::Interaction;
use crate::auth::{AuthError, Resource, TokenSource};
use crate::config::{AppConfig, MySiteOrigin};
use crate::fix::plan::{self, Skip, Treatment};
use crate::fix::runner::{self, Job, Outcome, RunState, Target};
use crate::graph::directory::DirectoryUser;

use super::audit::AuditController;
use super::auth::AuthContext;

/// Where the panel stands.
#[derive(Debug, Clone, PartialEq)]
pub enum FixPhase {
    /// Nothing planned yet.
    Idle,
    /// The dry run is shown: nothing written.
    Planned,
    /// The write permissions must be granted first.
    NeedsConsent,
    Writing,
    Done,
    /// No token could be had for the writes.
    Failed(AuthError),
}

/// Where one planned user stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowState {
    Planned,
    Writing,
    Done(Outcome),
}

/// One user the plan writes.
#[derive(Debug, Clone, PartialEq)]
pub struct FixRow {
    pub index: usize,
    pub user: DirectoryUser,
    pub treatment: Treatment,
    pub state: RowState,
}

#[derive(Clone, Copy)]
pub struct FixController {
    pub phase: RwSignal<FixPhase>,
    pub rows: RwSignal<Vec<FixRow>>,
    /// Users the plan leaves alone, by reason.
    pub skipped: RwSignal<Vec<(Skip, usize)>>,
    /// SharePoint refused the profile write for another user in this run.
    pub refused: RwSignal<bool>,
    /// My Site hosts whose `User Photos` library is closed to the admin.
    pub closed_libraries: RwSignal<Vec<String>>,
    run: StoredValue<Rc<RunState>, LocalStorage>,
    target: StoredValue<Option<Target>>,
    audit: AuditController,
    auth: AuthContext,
    config: StoredValue<AppConfig>,
}

impl FixController {
    pub fn new(audit: AuditController) -> FixController {
        FixController {
            phase: RwSignal::new(FixPhase::Idle),
            rows: RwSignal::new(Vec::new()),
            skipped: RwSignal::new(Vec::new()),
            refused: RwSignal::new(false),
            closed_libraries: RwSignal::new(Vec::new()),
            run: StoredValue::new_local(Rc::new(RunState::default())),
            target: StoredValue::new(None),
            audit,
            auth: AuthContext::get(),
            config: StoredValue::new(expect_context::<AppConfig>()),
        }
    }

    /// The dry run: who would get which write, from the audit as it stands. Writes nothing.
    pub fn dry_run(&self) {
        let fix = *self;
        spawn_local(async move {
            let Some(target) = fix.target().await else {
                return;
            };
            let Some(progress) = fix.audit.progress.get_untracked() else {
                return;
            };
            let profiles = fix.audit.profiles.get_untracked();
            let planned = plan::plan(&progress.entries, &profiles, &target.my_site, target.local);
            let mut skipped: Vec<(Skip, usize)> = Vec::new();
            let mut rows = Vec::new();
            for p in planned {
                match p.treatment {
                    Treatment::Nothing(skip) => {
                        match skipped.iter_mut().find(|(s, _)| *s == skip) {
                            Some((_, n)) => *n += 1,
                            None => skipped.push((skip, 1)),
                        }
                    }
                    treatment => rows.push(FixRow {
                        index: p.index,
                        user: progress.entries[p.index].user.clone(),
                        treatment,
                        state: RowState::Planned,
                    }),
                }
            }
            fix.rows.set(rows);
            fix.skipped.set(skipped);
            fix.refused.set(false);
            fix.closed_libraries.set(Vec::new());
            fix.phase.set(FixPhase::Planned);
        });
    }

    /// The deliberate write of the planned users (after the dry run): permissions first.
    pub fn write(&self) {
        let fix = *self;
        spawn_local(async move {
            let Some(target) = fix.target().await else {
                return;
            };
            if !fix.permitted(&target).await {
                return;
            }
            fix.run_writes(target).await;
        });
    }

    /// Opens the consent for the write permissions (a popup: needs the click that calls this).
    pub fn consent(&self) {
        let Some(target) = self.target.get_value() else {
            return;
        };
        let mut scopes = Resource::GraphDirectory.scopes(&[]);
        scopes.extend(
            write_resources(&target.my_site)
                .iter()
                .flat_map(|r| r.scopes(&[])),
        );
        let fix = *self;
        self.auth
            .consent_to(scopes, Interaction::Popup, move || fix.write());
    }

    /// Stops after the user being written.
    pub fn cancel(&self) {
        self.run.get_value().cancelled.set(true);
    }

    async fn permitted(&self, target: &Target) -> bool {
        let session = self.auth.session();
        let mut resources = vec![Resource::GraphDirectory];
        resources.extend(write_resources(&target.my_site));
        for resource in resources {
            if let Err(e) = session.access_token(&resource).await {
                self.phase.set(match e {
                    AuthError::InteractionRequired
                    | AuthError::InvalidGrant { .. }
                    | AuthError::AdminConsentRequired { .. } => FixPhase::NeedsConsent,
                    other => FixPhase::Failed(other),
                });
                return false;
            }
        }
        true
    }

    async fn run_writes(&self, target: Target) {
        let jobs: Vec<Job> = self.rows.with_untracked(|rows| {
            rows.iter()
                .filter(|r| r.state == RowState::Planned)
                .map(|r| Job {
                    index: r.index,
                    user: r.user.clone(),
                    treatment: r.treatment.clone(),
                })
                .collect()
        });
        let run = Rc::new(RunState::default());
        self.run.set_value(run.clone());
        self.phase.set(FixPhase::Writing);
        let rows = self.rows;
        let set_state = move |index: usize, state: RowState| {
            rows.update(|rows| {
                if let Some(row) = rows.iter_mut().find(|r| r.index == index) {
                    row.state = state;
                }
            });
        };
        let (refused, closed) = (self.refused, self.closed_libraries);
        let learnt = {
            let run = run.clone();
            move || {
                if run.profile_writes_refused.get() && !refused.get_untracked() {
                    refused.set(true);
                }
                let hosts: Vec<String> = run.closed_libraries.borrow().iter().cloned().collect();
                if hosts != closed.get_untracked() {
                    closed.set(hosts);
                }
            }
        };
        let tokens = FixTokens(self.auth.session());
        runner::run(
            &jobs,
            &target,
            &tokens,
            &run,
            |index| set_state(index, RowState::Writing),
            |index, outcome| {
                set_state(index, RowState::Done(outcome));
                learnt();
            },
        )
        .await;
        learnt();
        self.phase.set(FixPhase::Done);
    }

    /// The Graph base and the My Site host, as the audit finds them: the configuration, else
    /// Graph's `mySite` for the signed-in admin.
    async fn target(&self) -> Option<Target> {
        if let Some(target) = self.target.get_value() {
            return Some(target);
        }
        let config = self.config.get_value();
        let my_site = match &config.my_site_host {
            Some(host) => host.clone(),
            None => {
                let session = self.auth.session();
                let me = crate::graph::me(&config.graph_base_url, &*session)
                    .await
                    .ok()?;
                crate::graph::my_site_host(None, me.my_site.as_deref(), config.is_local()).ok()?
            }
        };
        let target = Target {
            graph_base: config.graph_base_url.clone(),
            my_site,
            local: config.is_local(),
        };
        self.target.set_value(Some(target.clone()));
        Some(target)
    }
}

/// The write path's SharePoint resources: the home My Site host's library and the admin host.
/// (An admin consent on one SharePoint host counts on every host of the tenant, other geos'
/// too.)
fn write_resources(my_site: &MySiteOrigin) -> [Resource; 2] {
    [
        Resource::SharePointLibrary {
            origin: my_site.clone(),
        },
        Resource::SharePointAdmin {
            my_site: my_site.clone(),
        },
    ]
}

/// The session's tokens with the write path's resources: Graph calls get the directory token
/// (other users' photos).
struct FixTokens(Rc<crate::auth::Session>);

impl TokenSource for FixTokens {
    async fn access_token(&self, resource: &Resource) -> Result<String, AuthError> {
        let resource = match resource {
            Resource::Graph => Resource::GraphDirectory,
            other => other.clone(),
        };
        self.0.access_token(&resource).await
    }
}
