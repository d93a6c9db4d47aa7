//! The admin audit's controller: whom to read, the run, pause, resume and cancel, the
//! progress kept between visits, and the results as signals the audit page renders.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::audit::pace::Budget;
use crate::audit::progress::{self, Progress};
use crate::audit::runner::{self, AuditFailure, Control, Limits, Listed, Target, UserResult};
use crate::audit::saved;
use crate::audit::scope::AuditScope;
use crate::audit::status::{Reason, Status};
use crate::auth::request::Interaction;
use crate::auth::{AuthError, Resource, TokenSource};
use crate::browser::now_ms;
use crate::config::AppConfig;
use crate::sharepoint::SharePointProfile;

use super::auth::AuthContext;

/// Where the audit stands.
#[derive(Debug, Clone, PartialEq)]
pub enum AuditPhase {
    /// Nothing started; `resumable` is an interrupted audit of this account, with how many of
    /// how many were read.
    Idle {
        resumable: Option<(usize, usize)>,
    },
    /// The permissions must be granted first (a click opens the consent).
    NeedsConsent,
    Listing,
    Running {
        paused: bool,
    },
    Finished,
    Cancelled,
    Failed(AuditFailure),
}

/// The audit page's state.
#[derive(Clone, Copy)]
pub struct AuditController {
    pub phase: RwSignal<AuditPhase>,
    /// Everyone in scope, with their status once read (in listing order).
    pub progress: RwSignal<Option<Progress>>,
    /// SharePoint's profile of each user read in this visit (by index), for the details.
    pub profiles: RwSignal<Vec<Option<SharePointProfile>>>,
    /// Throttled answers the run received (each waited out and retried).
    pub throttled: RwSignal<u32>,
    /// When the current run (or the resumed part of it) started, and how many were done then:
    /// the time left is estimated from this run's own pace.
    run_start: RwSignal<(f64, usize)>,
    control: StoredValue<Rc<Control>, LocalStorage>,
    scope: StoredValue<Option<AuditScope>>,
    /// Where the audit reads, once known.
    target: StoredValue<Option<Target>>,
    /// The sign-in controller and the configuration, taken from the context when the page
    /// makes the controller (the audit's tasks run outside any reactive owner).
    auth: AuthContext,
    config: StoredValue<AppConfig>,
}

impl AuditController {
    pub fn new() -> AuditController {
        AuditController {
            phase: RwSignal::new(AuditPhase::Idle { resumable: None }),
            progress: RwSignal::new(None),
            profiles: RwSignal::new(Vec::new()),
            throttled: RwSignal::new(0),
            run_start: RwSignal::new((0.0, 0)),
            control: StoredValue::new_local(Rc::new(Control::default())),
            scope: StoredValue::new(None),
            target: StoredValue::new(None),
            auth: AuthContext::get(),
            config: StoredValue::new(expect_context::<AppConfig>()),
        }
    }

    /// The Graph base and the My Site host: from the configuration, else from Graph's
    /// `mySite` for the signed-in admin (as the sync finds it).
    async fn target(&self) -> Result<Target, AuditFailure> {
        if let Some(target) = self.target.get_value() {
            return Ok(target);
        }
        let config = self.config.get_value();
        let my_site = match &config.my_site_host {
            Some(host) => host.clone(),
            None => {
                let session = self.auth.session();
                let me = crate::graph::me(&config.graph_base_url, &*session)
                    .await
                    .map_err(|e| AuditFailure::Listing(e.to_string()))?;
                crate::graph::my_site_host(None, me.my_site.as_deref(), config.is_local())
                    .map_err(|e| AuditFailure::Listing(e.to_string()))?
            }
        };
        let target = Target {
            graph_base: config.graph_base_url.clone(),
            my_site,
            local: config.is_local(),
        };
        self.target.set_value(Some(target.clone()));
        Ok(target)
    }

    /// Looks for an interrupted audit of `account` and offers to resume it: the one of the
    /// link's scope, or without one in the link the most recent of any scope (the tenant, a
    /// group or a list).
    pub fn look_for_saved(&self, account: String, scope: Option<AuditScope>) {
        let phase = self.phase;
        let progress = self.progress;
        let key = scope
            .as_ref()
            .and_then(AuditScope::link_value)
            .map(|scope| progress::key(&account, &scope));
        spawn_local(async move {
            let key = match key {
                Some(key) => key,
                None => match saved::load(&progress::latest_key(&account)).await {
                    Some(key) => key,
                    None => return,
                },
            };
            let Some(saved) = saved::load(&key)
                .await
                .and_then(|t| Progress::from_json(&t))
            else {
                return;
            };
            if saved.finished || !saved.account.eq_ignore_ascii_case(&account) {
                return;
            }
            if matches!(phase.get_untracked(), AuditPhase::Idle { .. }) {
                phase.set(AuditPhase::Idle {
                    resumable: Some((saved.done(), saved.entries.len())),
                });
                progress.set(Some(saved));
            }
        });
    }

    /// Starts an audit of `scope`: permissions first (from a click: a popup; from a link: the
    /// whole window), then the listing, then the reads.
    pub fn start(&self, scope: AuditScope, from_click: bool) {
        self.scope.set_value(Some(scope.clone()));
        self.progress.set(None);
        self.profiles.set(Vec::new());
        self.throttled.set(0);
        let audit = *self;
        spawn_local(async move {
            if !audit.permitted().await {
                if matches!(audit.phase.get_untracked(), AuditPhase::Failed(_)) {
                    return;
                }
                audit.phase.set(AuditPhase::NeedsConsent);
                if !from_click {
                    // From a link: the whole window goes to consent and comes back to the
                    // same link, which starts the audit then.
                    audit.consent(Interaction::Redirect);
                }
                return;
            }
            super::address::forget_autostart();
            audit.list_then_run(scope).await;
        });
    }

    /// Opens the consent for the audit's permissions (a popup needs the click that calls this).
    pub fn consent(&self, interaction: Interaction) {
        let auth = self.auth;
        let mut scopes = Resource::GraphDirectory.scopes(&[]);
        if let Some(target) = self.target.get_value() {
            scopes.extend(
                Resource::SharePointProfiles {
                    origin: target.my_site,
                }
                .scopes(&[]),
            );
        }
        let audit = *self;
        auth.consent_to(scopes, interaction, move || {
            // Granted (in a popup): the audit the admin asked for starts now.
            if let Some(scope) = audit.scope.get_value() {
                audit.start(scope, true);
            }
        });
    }

    /// Resumes the interrupted audit shown by [`AuditController::look_for_saved`].
    pub fn resume_saved(&self) {
        let Some(saved) = self.progress.get_untracked() else {
            return;
        };
        let audit = *self;
        self.profiles.set(vec![None; saved.entries.len()]);
        spawn_local(async move {
            if !audit.permitted().await {
                audit.phase.set(AuditPhase::NeedsConsent);
                return;
            }
            audit.run(saved).await;
        });
    }

    pub fn pause(&self, paused: bool) {
        self.control.get_value().pause(paused);
        if let AuditPhase::Running { .. } = self.phase.get_untracked() {
            self.phase.set(AuditPhase::Running { paused });
        }
    }

    pub fn cancel(&self) {
        self.control.get_value().cancel();
    }

    /// Whether both tokens of the audit come silently (the permissions were granted).
    async fn permitted(&self) -> bool {
        let target = match self.target().await {
            Ok(target) => target,
            Err(failure) => {
                self.phase.set(AuditPhase::Failed(failure));
                return false;
            }
        };
        let session = self.auth.session();
        let graph = session.access_token(&Resource::GraphDirectory).await;
        let sharepoint = session
            .access_token(&Resource::SharePointProfiles {
                origin: target.my_site,
            })
            .await;
        match (graph, sharepoint) {
            (Ok(_), Ok(_)) => true,
            (Err(e), _) | (_, Err(e)) => {
                if !needs_interaction(&e) {
                    self.phase.set(AuditPhase::Failed(AuditFailure::SignIn(e)));
                }
                false
            }
        }
    }

    async fn list_then_run(&self, scope: AuditScope) {
        let Some(target) = self.target.get_value() else {
            return;
        };
        let session = self.auth.session();
        let account = session.account().map(|a| a.username).unwrap_or_default();
        let control = Rc::new(Control::default());
        self.control.set_value(control.clone());
        self.phase.set(AuditPhase::Listing);
        let tokens = AuditTokens(session.clone());
        let listed = match runner::list(&scope, &target, &tokens, &control).await {
            Ok(listed) => listed,
            Err(failure) => {
                self.phase.set(AuditPhase::Failed(failure));
                return;
            }
        };
        let mut users = Vec::with_capacity(listed.len());
        let mut unknown = Vec::new();
        for (i, item) in listed.into_iter().enumerate() {
            match item {
                Listed::User(user) => users.push(user),
                Listed::Unknown(upn) => {
                    unknown.push(i);
                    users.push(crate::graph::directory::DirectoryUser {
                        id: String::new(),
                        display_name: String::new(),
                        user_principal_name: upn,
                        mail: None,
                        preferred_language: None,
                    });
                }
            }
        }
        let mut progress = Progress::new(&account, &scope, users, now_ms());
        for i in unknown {
            progress.entries[i].status = Some(Status::Unreadable(Reason::NotInDirectory));
        }
        self.profiles.set(vec![None; progress.entries.len()]);
        self.run(progress).await;
    }

    async fn run(&self, progress: Progress) {
        let Some(target) = self.target.get_value() else {
            return;
        };
        let session = self.auth.session();
        let control = Rc::new(Control::default());
        self.control.set_value(control.clone());
        let key = progress::key(&progress.account, &progress.scope);
        let pending = progress.pending();
        self.run_start.set((now_ms(), progress.done()));
        self.progress.set(Some(progress));
        self.phase.set(AuditPhase::Running { paused: false });
        save(self.progress, &key).await;
        if let Some(account) = self
            .progress
            .with_untracked(|p| p.as_ref().map(|p| p.account.clone()))
        {
            saved::save(&progress::latest_key(&account), &key).await;
        }

        let buffer: Rc<RefCell<Vec<UserResult>>> = Rc::default();
        let last_flush = Rc::new(RefCell::new(now_ms()));
        let flush = {
            let buffer = buffer.clone();
            let (progress, profiles) = (self.progress, self.profiles);
            move || {
                let results: Vec<UserResult> = buffer.borrow_mut().drain(..).collect();
                if results.is_empty() {
                    return;
                }
                progress.update(|p| {
                    if let Some(p) = p {
                        for r in &results {
                            if let Some(entry) = p.entries.get_mut(r.index) {
                                entry.status = Some(r.status.clone());
                            }
                        }
                    }
                });
                profiles.update(|all| {
                    for r in results {
                        if let Some(slot) = all.get_mut(r.index) {
                            *slot = r.profile;
                        }
                    }
                });
            }
        };
        let on_result = {
            let (buffer, last_flush, flush) = (buffer.clone(), last_flush.clone(), flush.clone());
            let progress = self.progress;
            let key = key.clone();
            move |result: UserResult| {
                buffer.borrow_mut().push(result);
                let now = now_ms();
                if now - *last_flush.borrow() > 250.0 {
                    *last_flush.borrow_mut() = now;
                    flush();
                    let key = key.clone();
                    spawn_local(async move { save(progress, &key).await });
                }
            }
        };
        let tokens = AuditTokens(session.clone());
        let outcome = runner::audit(
            &pending,
            &target,
            limits(&self.config.get_value()),
            &tokens,
            &control,
            on_result,
        )
        .await;
        flush();
        let cancelled = control.is_cancelled();
        self.progress.update(|p| {
            if let Some(p) = p {
                p.finished = cancelled || p.done() == p.entries.len();
            }
        });
        save(self.progress, &key).await;
        match outcome {
            Ok(stats) => {
                self.throttled.set(stats.throttled);
                self.phase.set(if cancelled {
                    AuditPhase::Cancelled
                } else {
                    AuditPhase::Finished
                });
            }
            Err(failure) => self.phase.set(AuditPhase::Failed(failure)),
        }
    }

    /// The two photos of the user at `index` (Exchange's, SharePoint's), read now for the
    /// details, as object URLs the caller revokes with [`crate::photo::browser::revoke_object_url`].
    pub async fn photos(&self, index: usize) -> (Shown, Shown) {
        let user = self.progress.with_untracked(|p| {
            p.as_ref()
                .and_then(|p| p.entries.get(index))
                .map(|e| e.user.clone())
        });
        let picture = self
            .profiles
            .with_untracked(|all| all.get(index).cloned().flatten())
            .and_then(|p| p.picture_url);
        let (Some(user), Some(target)) = (user, self.target.get_value()) else {
            return (Shown::Unreadable, Shown::Unreadable);
        };
        let tokens = AuditTokens(self.auth.session());
        let (exchange, sharepoint) =
            runner::photos(&user, picture.as_deref(), &target, &tokens).await;
        (Shown::from(exchange), Shown::from(sharepoint))
    }

    /// Users read per second in this run, and the estimated milliseconds left.
    pub fn time_left_ms(&self) -> Option<f64> {
        let progress = self.progress.get()?;
        let (started, done_then) = self.run_start.get();
        let done_now = progress.done().saturating_sub(done_then);
        let elapsed = now_ms() - started;
        if done_now < 8 || elapsed <= 0.0 {
            return None;
        }
        let left = progress.entries.len() - progress.done();
        Some(left as f64 * elapsed / done_now as f64)
    }
}

/// A photo in the details: one to show (an object URL), none in that service, or none that
/// could be read.
#[derive(Debug, Clone, PartialEq)]
pub enum Shown {
    Photo(String),
    NoPhoto,
    Unreadable,
}

impl From<Result<Option<Vec<u8>>, ()>> for Shown {
    fn from(read: Result<Option<Vec<u8>>, ()>) -> Shown {
        match read {
            Ok(Some(bytes)) => {
                let mime = crate::photo::plan::check_source(&bytes)
                    .map(|f| f.mime())
                    .unwrap_or("image/jpeg");
                crate::photo::browser::object_url(&bytes, mime)
                    .map_or(Shown::Unreadable, Shown::Photo)
            }
            Ok(None) => Shown::NoPhoto,
            Err(()) => Shown::Unreadable,
        }
    }
}

impl Default for AuditController {
    fn default() -> Self {
        AuditController::new()
    }
}

async fn save(progress: RwSignal<Option<Progress>>, key: &str) {
    if let Some(text) = progress.with_untracked(|p| p.as_ref().map(Progress::to_json)) {
        saved::save(key, &text).await;
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

/// The limits from the configuration (`audit` in `config.json`), else the documented ones.
fn limits(config: &AppConfig) -> Limits {
    let mut limits = Limits::default();
    if let Some(audit) = config.audit_limits {
        limits.sharepoint = Budget {
            calls: audit.sharepoint_calls,
            window_ms: f64::from(audit.sharepoint_window_seconds) * 1000.0,
        };
    }
    limits
}

/// The session's tokens, with the audit's resources: the Graph calls of the run ask for
/// [`Resource::Graph`] and get the directory token, SharePoint's the profile-reading one.
struct AuditTokens(Rc<crate::auth::Session>);

impl TokenSource for AuditTokens {
    async fn access_token(&self, resource: &Resource) -> Result<String, AuthError> {
        let resource = match resource {
            Resource::Graph => Resource::GraphDirectory,
            Resource::SharePoint { origin } => Resource::SharePointProfiles {
                origin: origin.clone(),
            },
            other => other.clone(),
        };
        self.0.access_token(&resource).await
    }
}
