//! The audit in the browser: lists whom to read, then reads each user from both services at
//! the pace the limits allow, and reports every user's status as it is known. Read-only.
//!
//! Per user: SharePoint's profile (`GetPropertiesFor`), the Exchange photo at 48 × 48 through
//! a Graph `$batch` (one call gives both whether there is a photo and its fingerprint), and,
//! only when both have a picture, SharePoint's small thumbnail. Users go in chunks of 20, the
//! most a `$batch` takes: the chunk's profile reads and its batch go at once, then its
//! thumbnails, while the next chunk starts. Graph's photos are an Outlook resource with 4 calls
//! at a time per app, and Graph runs a batch's Outlook calls 4 at a time, so one batch is in
//! flight at a time; SharePoint calls share the per-user budget of the signed-in admin. A batch
//! also saves the browser a CORS preflight per user (one address for all), which single calls
//! to per-user addresses would each need.

use std::cell::{Cell, RefCell};

use futures::future::join_all;
use futures::StreamExt as _;

use crate::auth::{AuthError, Resource, TokenSource};
use crate::browser::{now_ms, sleep};
use crate::config::MySiteOrigin;
use crate::graph::directory::{self, BatchCall, DirectoryUser};
use crate::graph::{GraphCall, GraphError, GraphProblem};
use crate::http::HttpResponse;
use crate::photo::{self, browser::fingerprint};
use crate::service::{self, ServiceError};
use crate::sharepoint::profiles;
use crate::sharepoint::response::parse_profile;
use crate::sharepoint::{SharePointCall, SharePointError, SharePointProfile};

use super::pace::{Budget, Outcome, Pace, MAX_ATTEMPTS};
use super::scope::AuditScope;
use super::status::{classify, ExchangeFacts, Reason, Service, SharePointFacts, Status};

/// Users read together: one Graph batch of the most it takes, 20
/// (<https://learn.microsoft.com/graph/json-batching>); Graph runs its Outlook calls 4 at a time
/// ("executes up to 4 requests in parallel at any point",
/// <https://learn.microsoft.com/graph/throttling-limits#outlook-service-limits>).
pub const CHUNK: usize = 20;
/// Chunks under way at once: the next chunk's reads start while one waits for its thumbnails.
const CHUNKS_IN_FLIGHT: usize = 2;

/// The limits the audit paces itself to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// SharePoint calls of the signed-in admin per window: 3,000 per 5 minutes per user
    /// (<https://learn.microsoft.com/sharepoint/dev/general-development/how-to-avoid-getting-throttled-or-blocked-in-sharepoint-online>).
    pub sharepoint: Budget,
    /// SharePoint calls in flight (a browser keeps 6 connections per host on HTTP/1.1).
    pub sharepoint_in_flight: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            sharepoint: Budget {
                calls: 3_000,
                window_ms: 300_000.0,
            },
            sharepoint_in_flight: 6,
        }
    }
}

/// Where the audit reads: the Graph base and the My Site host (both from configuration).
#[derive(Debug, Clone)]
pub struct Target {
    pub graph_base: String,
    pub my_site: MySiteOrigin,
    /// The deployment talks to the local emulator (plain-http `-my.localhost` hosts allowed).
    pub local: bool,
}

/// Why the audit as a whole stopped (users already read keep their status).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditFailure {
    /// No token: sign in again, or an administrator must consent.
    SignIn(AuthError),
    /// The service refused the listing or the first reads: a permission is missing.
    MissingPermission { service: Service, detail: String },
    /// The group does not exist (or the admin may not see it).
    GroupNotFound,
    /// Listing failed after retries.
    Listing(String),
}

/// Pause and cancel, set by the page, read by the run between calls.
#[derive(Debug, Default)]
pub struct Control {
    paused: Cell<bool>,
    cancelled: Cell<bool>,
}

impl Control {
    pub fn pause(&self, paused: bool) {
        self.paused.set(paused);
    }
    pub fn is_paused(&self) -> bool {
        self.paused.get()
    }
    pub fn cancel(&self) {
        self.cancelled.set(true);
    }
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.get()
    }
    /// Waits while paused; false once cancelled.
    async fn go_on(&self) -> bool {
        while self.paused.get() && !self.cancelled.get() {
            sleep(200).await;
        }
        !self.cancelled.get()
    }
}

/// One user's outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct UserResult {
    /// The user's place in the list being audited.
    pub index: usize,
    pub status: Status,
    /// What SharePoint's profile said, when it could be read.
    pub profile: Option<SharePointProfile>,
}

/// Lists the users in `scope`: enabled members of the tenant or of the group, or the pasted
/// accounts (each looked up; one not in the directory still gets a row, with that reason).
pub async fn list(
    scope: &AuditScope,
    target: &Target,
    tokens: &impl TokenSource,
    control: &Control,
) -> Result<Vec<Listed>, AuditFailure> {
    match scope {
        AuditScope::Tenant => {
            pages(
                directory::enabled_members_url(&target.graph_base),
                target,
                tokens,
                control,
            )
            .await
        }
        AuditScope::Group(id) => pages(
            directory::transitive_members_url(&target.graph_base, id),
            target,
            tokens,
            control,
        )
        .await
        .map_err(|e| match e {
            AuditFailure::Listing(detail) if detail.contains("404") => AuditFailure::GroupNotFound,
            other => other,
        }),
        AuditScope::Accounts(accounts) => lookup(accounts, target, tokens, control).await,
    }
}

/// A user to audit, or an account of a pasted list the directory does not know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listed {
    User(DirectoryUser),
    Unknown(String),
}

impl Listed {
    pub fn account(&self) -> &str {
        match self {
            Listed::User(u) => &u.user_principal_name,
            Listed::Unknown(a) => a,
        }
    }
}

async fn pages(
    first: String,
    target: &Target,
    tokens: &impl TokenSource,
    control: &Control,
) -> Result<Vec<Listed>, AuditFailure> {
    let mut users = Vec::new();
    let mut next = Some(first);
    while let Some(url) = next.take() {
        if !control.go_on().await {
            break;
        }
        let response = with_retries(|| {
            service::call(GraphCall::Directory, &Resource::Graph, tokens, |t| {
                directory::get(url.clone(), t)
            })
        })
        .await
        .map_err(|e| listing_failure(Service::Graph, &e))?;
        let page = directory::parse_user_page(&response.body, &target.graph_base)
            .map_err(AuditFailure::Listing)?;
        users.extend(page.users.into_iter().map(Listed::User));
        next = page.next;
    }
    Ok(users)
}

/// Looks pasted accounts up, 20 to a batch (directory reads, not Outlook's).
async fn lookup(
    accounts: &[String],
    target: &Target,
    tokens: &impl TokenSource,
    control: &Control,
) -> Result<Vec<Listed>, AuditFailure> {
    let mut listed = Vec::with_capacity(accounts.len());
    for group in accounts.chunks(directory::BATCH_LIMIT) {
        if !control.go_on().await {
            break;
        }
        let calls: Vec<BatchCall> = group
            .iter()
            .enumerate()
            .map(|(i, upn)| BatchCall {
                id: i.to_string(),
                path: directory::user_url("", upn),
            })
            .collect();
        let answers = batch(&calls, target, tokens, &RefCell::new(Pace::new(1, None)))
            .await
            .map_err(|e| listing_failure(Service::Graph, &e))?;
        for (i, upn) in group.iter().enumerate() {
            let answer = answers.get(i).and_then(|a| a.as_ref().ok());
            let user = answer
                .filter(|a| a.status == 200)
                .and_then(|a| directory::parse_directory_user(&a.body).ok());
            match (user, answer.map(|a| a.status)) {
                (Some(user), _) => listed.push(Listed::User(user)),
                (None, Some(404)) | (None, None) => listed.push(Listed::Unknown(upn.clone())),
                (None, Some(status)) => {
                    return Err(AuditFailure::Listing(format!("{upn}: HTTP {status}")))
                }
            }
        }
    }
    Ok(listed)
}

fn listing_failure(service: Service, e: &GraphError) -> AuditFailure {
    match e {
        ServiceError::Auth(auth) => AuditFailure::SignIn(auth.clone()),
        ServiceError::Forbidden { detail } => AuditFailure::MissingPermission {
            service,
            detail: detail.clone(),
        },
        ServiceError::Unauthorized => AuditFailure::SignIn(AuthError::InteractionRequired),
        other => AuditFailure::Listing(other.to_string()),
    }
}

/// Audits `users` (with their places in the list), reporting each user's result as it is
/// known. Stops early, without reporting the rest, when cancelled, or when no token can be
/// had (returned).
pub async fn audit(
    users: &[(usize, DirectoryUser)],
    target: &Target,
    limits: Limits,
    tokens: &impl TokenSource,
    control: &Control,
    on_result: impl Fn(UserResult),
) -> Result<Stats, AuditFailure> {
    let run = Run {
        target,
        tokens,
        control,
        sharepoint: RefCell::new(Pace::new(
            limits.sharepoint_in_flight,
            Some(limits.sharepoint),
        )),
        photos: RefCell::new(Pace::new(1, None)),
        stop: RefCell::new(None),
    };
    futures::stream::iter(users.chunks(CHUNK))
        .for_each_concurrent(CHUNKS_IN_FLIGHT, |group| {
            let run = &run;
            let on_result = &on_result;
            async move {
                if run.stop.borrow().is_some() || !run.control.go_on().await {
                    return;
                }
                for result in run.chunk(group).await {
                    on_result(result);
                }
            }
        })
        .await;
    if let Some(failure) = run.stop.take() {
        return Err(failure);
    }
    let throttled = run.sharepoint.borrow().throttled + run.photos.borrow().throttled;
    Ok(Stats { throttled })
}

/// What the run counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Stats {
    /// Throttled answers received (each retried).
    pub throttled: u32,
}

struct Run<'a, T: TokenSource> {
    target: &'a Target,
    tokens: &'a T,
    control: &'a Control,
    sharepoint: RefCell<Pace>,
    photos: RefCell<Pace>,
    /// Set when the whole audit must stop (no token).
    stop: RefCell<Option<AuditFailure>>,
}

impl<T: TokenSource> Run<'_, T> {
    async fn chunk(&self, group: &[(usize, DirectoryUser)]) -> Vec<UserResult> {
        let (profiles, exchange) = futures::join!(
            join_all(group.iter().map(|(_, u)| self.profile(u))),
            self.exchange(group)
        );
        if self.stopped() {
            return Vec::new();
        }
        let results = join_all(group.iter().zip(profiles).zip(exchange).map(
            |(((index, _), profile), exchange)| async move {
                let (facts, profile) = match profile {
                    Ok(p) => (self.picture(&p, &exchange).await, Some(p)),
                    Err(reason) => (SharePointFacts::Unreadable(reason), None),
                };
                UserResult {
                    index: *index,
                    status: classify(&exchange, &facts),
                    profile,
                }
            },
        ))
        .await;
        if self.stopped() {
            Vec::new()
        } else {
            results
        }
    }

    fn stopped(&self) -> bool {
        self.stop.borrow().is_some() || self.control.is_cancelled()
    }

    async fn profile(&self, user: &DirectoryUser) -> Result<SharePointProfile, Reason> {
        let host = self.target.my_site.as_str();
        let response = self
            .paced_sharepoint(
                SharePointCall::GetPropertiesFor,
                &self.target.my_site,
                |t| profiles::properties_for(host, t, &user.user_principal_name),
            )
            .await;
        let response = match response {
            Ok(r) => r,
            Err(ServiceError::Service { status: 404, .. }) => return Err(Reason::NoProfile),
            Err(e) => return Err(self.reason(Service::SharePoint, &e)),
        };
        parse_profile(&response.body).map_err(|_| {
            // An account without a profile answers `PersonProperties` with a null AccountName.
            let value = crate::http::json::parse(&response.body).unwrap_or_default();
            let value = value.get("d").unwrap_or(&value);
            if value
                .get("AccountName")
                .is_none_or(serde_json::Value::is_null)
            {
                Reason::NoProfile
            } else {
                Reason::Malformed(Service::SharePoint)
            }
        })
    }

    /// SharePoint's picture for a profile: the placeholder, or the small thumbnail's
    /// fingerprint (read only when Exchange has a photo to compare it with).
    async fn picture(
        &self,
        profile: &SharePointProfile,
        exchange: &ExchangeFacts,
    ) -> SharePointFacts {
        if !profile.has_picture() {
            return SharePointFacts::Placeholder;
        }
        if !matches!(exchange, ExchangeFacts::Photo { .. }) {
            return SharePointFacts::Picture { fingerprint: None };
        }
        let picture = profile.picture_url.as_deref().unwrap_or_default();
        // The picture is on the home My Site host, or on another geo's of the same tenant.
        let host = profiles::other_geo_host(picture, &self.target.my_site, self.target.local)
            .unwrap_or_else(|| self.target.my_site.clone());
        let Some(url) = profiles::small_thumbnail_url(picture, host.as_str()) else {
            return SharePointFacts::Unreadable(Reason::OtherHost);
        };
        let bytes = self
            .paced_sharepoint(SharePointCall::Thumbnail, &host, |t| {
                crate::sharepoint::request::file(&url, t)
            })
            .await;
        match bytes {
            Ok(response) => SharePointFacts::Picture {
                fingerprint: fingerprint(&response.body).await.ok(),
            },
            Err(ServiceError::Service { status: 404, .. }) => {
                SharePointFacts::Picture { fingerprint: None }
            }
            Err(e) => SharePointFacts::Unreadable(self.reason(Service::SharePoint, &e)),
        }
    }

    /// The Exchange photos of a chunk, in one batch; throttled answers are sent again.
    async fn exchange(&self, group: &[(usize, DirectoryUser)]) -> Vec<ExchangeFacts> {
        let calls: Vec<BatchCall> = group
            .iter()
            .enumerate()
            .map(|(i, (_, user))| BatchCall {
                id: i.to_string(),
                path: format!("/users/{}/photos/48x48/$value", user.id),
            })
            .collect();
        let answers = match batch(&calls, self.target, self.tokens, &self.photos).await {
            Ok(answers) => answers,
            Err(e) => {
                let reason = self.reason(Service::Graph, &e);
                return vec![ExchangeFacts::Unreadable(reason); group.len()];
            }
        };
        let mut facts = Vec::with_capacity(group.len());
        for answer in answers {
            facts.push(match answer {
                Ok(a) if a.status == 200 => exchange_photo(&a.body).await,
                Ok(a) => match service::classify(GraphCall::PhotoBytes, a.status, None, &a.body) {
                    ServiceError::Specific(GraphProblem::NoExchangePhoto) => ExchangeFacts::NoPhoto,
                    ServiceError::Specific(GraphProblem::NoMailbox { .. }) => {
                        ExchangeFacts::NoMailbox
                    }
                    e => ExchangeFacts::Unreadable(self.reason(Service::Graph, &e)),
                },
                Err(reason) => ExchangeFacts::Unreadable(reason),
            });
        }
        facts
    }

    /// A SharePoint call at the pace of SharePoint's budget, retried while throttled.
    async fn paced_sharepoint(
        &self,
        which: SharePointCall,
        host: &MySiteOrigin,
        build: impl Fn(&str) -> crate::http::HttpRequest,
    ) -> Result<HttpResponse, SharePointError> {
        let resource = Resource::SharePoint {
            origin: host.clone(),
        };
        let mut attempt = 0;
        loop {
            attempt += 1;
            wait_for(&self.sharepoint).await;
            let result = service::call(which, &resource, self.tokens, &build).await;
            let now = now_ms();
            match &result {
                Err(e) if e.is_transient() && attempt < MAX_ATTEMPTS => {
                    self.sharepoint
                        .borrow_mut()
                        .end(now, throttled(e.retry_after()));
                    continue;
                }
                Ok(response) => {
                    let mut pace = self.sharepoint.borrow_mut();
                    pace.end(now, Outcome::Answered);
                    if let (Some(remaining), Some(reset)) = (
                        response
                            .header("RateLimit-Remaining")
                            .and_then(|v| v.trim().parse().ok()),
                        response
                            .header("RateLimit-Reset")
                            .and_then(|v| v.trim().parse().ok()),
                    ) {
                        pace.rate_limit(now, remaining, reset);
                    }
                }
                Err(_) => self.sharepoint.borrow_mut().end(now, Outcome::Answered),
            }
            return result;
        }
    }

    /// The reason a user could not be read; a failure to get any token stops the audit.
    fn reason<C: service::Call>(&self, service: Service, e: &ServiceError<C>) -> Reason {
        match e {
            ServiceError::Auth(auth) => {
                self.stop
                    .borrow_mut()
                    .get_or_insert(AuditFailure::SignIn(auth.clone()));
                Reason::Denied(service)
            }
            ServiceError::Unauthorized | ServiceError::Forbidden { .. } => Reason::Denied(service),
            ServiceError::Transient { .. } => Reason::Throttled(service),
            ServiceError::Service { status, .. } => Reason::ServiceError(service, *status),
            ServiceError::Malformed { .. } => Reason::Malformed(service),
            ServiceError::Http(_) => Reason::Network(service),
            ServiceError::Specific(_) => Reason::ServiceError(service, 400),
        }
    }
}

/// One user's two photos for a look side by side: Exchange's at 96 × 96 through Graph, and
/// SharePoint's medium thumbnail (the one `PictureURL` names, on the home My Site host or
/// another geo's of the tenant). Each is its bytes, `Ok(None)` when the service has none, or
/// `Err` when it could not be read. Two calls, unpaced: one look, opened by a click.
pub async fn photos(
    user: &DirectoryUser,
    picture_url: Option<&str>,
    target: &Target,
    tokens: &impl TokenSource,
) -> (Result<Option<Vec<u8>>, ()>, Result<Option<Vec<u8>>, ()>) {
    let exchange = async {
        if user.id.is_empty() {
            return Ok(None);
        }
        let url = format!(
            "{}/users/{}/photos/96x96/$value",
            target.graph_base.trim_end_matches('/'),
            user.id
        );
        match service::call(GraphCall::PhotoBytes, &Resource::Graph, tokens, |t| {
            directory::get(url, t)
        })
        .await
        {
            Ok(response) => match is_placeholder(&response.body) {
                Some(true) => Ok(None),
                Some(false) => Ok(Some(response.body)),
                None => Err(()),
            },
            Err(ServiceError::Specific(
                GraphProblem::NoExchangePhoto | GraphProblem::NoMailbox { .. },
            )) => Ok(None),
            Err(_) => Err(()),
        }
    };
    let sharepoint = async {
        let Some(picture) = picture_url.filter(|p| !p.trim().is_empty()) else {
            return Ok(None);
        };
        let host = profiles::other_geo_host(picture, &target.my_site, target.local)
            .unwrap_or_else(|| target.my_site.clone());
        let url = profiles::medium_thumbnail_url(picture, host.as_str()).ok_or(())?;
        let resource = Resource::SharePoint { origin: host };
        match service::call(SharePointCall::Thumbnail, &resource, tokens, |t| {
            crate::sharepoint::request::file(&url, t)
        })
        .await
        {
            Ok(response) if photo::plan::check_source(&response.body).is_ok() => {
                Ok(Some(response.body))
            }
            Err(ServiceError::Service { status: 404, .. }) => Ok(None),
            _ => Err(()),
        }
    };
    futures::join!(exchange, sharepoint)
}

/// The Exchange photo's facts from its 48 × 48 bytes: a 1 × 1 image is Exchange's placeholder.
async fn exchange_photo(bytes: &[u8]) -> ExchangeFacts {
    match is_placeholder(bytes) {
        None => return ExchangeFacts::Unreadable(Reason::Malformed(Service::Graph)),
        Some(true) => return ExchangeFacts::NoPhoto,
        Some(false) => {}
    }
    match fingerprint(bytes).await {
        Ok(fingerprint) => ExchangeFacts::Photo { fingerprint },
        Err(_) => ExchangeFacts::Unreadable(Reason::Malformed(Service::Graph)),
    }
}

/// Whether an Exchange photo is its 1 × 1 placeholder (no photo); `None` when the bytes are
/// no image a browser shows.
fn is_placeholder(bytes: &[u8]) -> Option<bool> {
    let format = photo::plan::check_source(bytes).ok()?;
    Some(photo::plan::declared_dimensions(bytes, format) == Some((1, 1)))
}

/// Sends a batch at `pace`, sending throttled answers again (up to [`MAX_ATTEMPTS`]); each
/// answer in the calls' order, or the reason it could not be had.
async fn batch(
    calls: &[BatchCall],
    target: &Target,
    tokens: &impl TokenSource,
    pace: &RefCell<Pace>,
) -> Result<Vec<Result<directory::BatchAnswer, Reason>>, GraphError> {
    let mut answers: Vec<Option<Result<directory::BatchAnswer, Reason>>> = vec![None; calls.len()];
    let mut attempt = 0;
    while answers.iter().any(Option::is_none) {
        attempt += 1;
        let pending: Vec<BatchCall> = calls
            .iter()
            .zip(&answers)
            .filter(|(_, a)| a.is_none())
            .map(|(c, _)| c.clone())
            .collect();
        wait_for(pace).await;
        let result = service::call(GraphCall::Batch, &Resource::Graph, tokens, |t| {
            directory::batch(&target.graph_base, t, &pending)
        })
        .await;
        let now = now_ms();
        let response = match result {
            Err(e) if e.is_transient() && attempt < MAX_ATTEMPTS => {
                pace.borrow_mut().end(now, throttled(e.retry_after()));
                continue;
            }
            Err(e) => {
                pace.borrow_mut().end(now, Outcome::Answered);
                return Err(e);
            }
            Ok(response) => response,
        };
        let parsed = directory::parse_batch(&response.body)
            .map_err(|detail| ServiceError::Malformed { detail })?;
        let mut retry_after: Option<f64> = None;
        let mut any_throttled = false;
        for answer in parsed {
            let Some(slot) = calls.iter().position(|c| c.id == answer.id) else {
                continue;
            };
            if answers[slot].is_some() {
                continue;
            }
            if matches!(answer.status, 429 | 503) {
                any_throttled = true;
                if let Some(seconds) = answer.retry_after_seconds() {
                    retry_after = Some(retry_after.unwrap_or(0.0).max(seconds * 1000.0));
                }
                if attempt >= MAX_ATTEMPTS {
                    answers[slot] = Some(Err(Reason::Throttled(Service::Graph)));
                }
                continue;
            }
            answers[slot] = Some(Ok(answer));
        }
        pace.borrow_mut().end(
            now,
            if any_throttled {
                Outcome::Throttled {
                    retry_after_ms: retry_after,
                }
            } else {
                Outcome::Answered
            },
        );
        if attempt >= MAX_ATTEMPTS {
            for slot in answers.iter_mut().filter(|a| a.is_none()) {
                *slot = Some(Err(Reason::Malformed(Service::Graph)));
            }
        }
    }
    Ok(answers.into_iter().flatten().collect())
}

fn throttled(retry_after: Option<&str>) -> Outcome {
    Outcome::Throttled {
        retry_after_ms: retry_after
            .and_then(|v| v.trim().parse::<f64>().ok())
            .map(|s| s * 1000.0),
    }
}

/// Waits until the pace lets a call start, then counts it as started.
async fn wait_for(pace: &RefCell<Pace>) {
    loop {
        let wait = pace.borrow_mut().ready(now_ms());
        match wait {
            Ok(()) => {
                pace.borrow_mut().start(now_ms());
                return;
            }
            Err(wait) => {
                sleep(wait.unwrap_or(25.0).clamp(5.0, 60_000.0) as u32).await;
            }
        }
    }
}

/// Retries a call while it fails transiently (listing: not paced, one call at a time).
async fn with_retries<F, Fut>(call: F) -> Result<HttpResponse, GraphError>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<HttpResponse, GraphError>>,
{
    let mut attempt = 0;
    loop {
        attempt += 1;
        match call().await {
            Err(e) if e.is_transient() && attempt < MAX_ATTEMPTS => {
                let wait = e
                    .retry_after()
                    .and_then(|v| v.trim().parse::<f64>().ok())
                    .map(|s| s * 1000.0)
                    .unwrap_or(1000.0 * f64::from(attempt));
                sleep(wait.min(60_000.0) as u32).await;
            }
            other => return other,
        }
    }
}
