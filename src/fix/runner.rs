//! The direct writes in the browser, one user at a time, each ending verified or put back.
//!
//! Thumbnails: read the Exchange photo, read the three current thumbnails (their bytes kept to
//! put back, their pixel sizes learnt), make three JPEGs at those sizes with the browser's
//! canvas, write each, read each back and compare its fingerprint with the Exchange photo's.
//! If a write or a check fails, the originals already overwritten are written back.
//!
//! Profile write (no picture yet): the profile is read again (where the pictures belong, what
//! to put back), then `PictureURL` is written FIRST, through the admin host: SharePoint Online
//! refuses it for other users with a delegated token, and then nothing at all has been written.
//! The first documented refusal stops every later profile write of the run. When it is
//! accepted, the thumbnails follow, then the placeholder state; a failure puts back the files
//! overwritten and the two properties' previous values, through the same write.
//!
//! Every user ends with an [`Outcome`] that says exactly what SharePoint holds for them.

use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;

use crate::auth::{Resource, TokenSource};
use crate::config::MySiteOrigin;
use crate::graph::directory::{self, DirectoryUser};
use crate::graph::{GraphCall, GraphProblem};
use crate::http::{HttpRequest, HttpResponse};
use crate::photo::{self, browser::fingerprint};
use crate::service::{self, ServiceError};
use crate::sharepoint::library::{self, ThumbnailSet, ThumbnailSize};
use crate::sharepoint::response::parse_profile;
use crate::sharepoint::{profiles, SharePointCall, SharePointError, SharePointProfile};
use crate::sync::compare::same_picture;

use super::plan::{personal_site_host, Treatment};

/// Where the writes go: the Graph base and the tenant's My Site host.
#[derive(Debug, Clone)]
pub struct Target {
    pub graph_base: String,
    pub my_site: MySiteOrigin,
    /// The deployment talks to the local emulator (plain-http `.localhost` hosts allowed).
    pub local: bool,
}

/// The step a failure happened at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Reading the Exchange photo.
    ExchangePhoto,
    /// Reading the user's SharePoint profile again before writing.
    ReadProfile,
    /// Reading a current thumbnail.
    ReadThumbnail(ThumbnailSize),
    /// Making the new thumbnails with the browser's canvas.
    Resize,
    /// Writing `PictureURL` or the placeholder state.
    WriteProperty,
    /// Writing a thumbnail.
    Upload(ThumbnailSize),
    /// Reading back what was written and comparing it with the Exchange photo.
    Verify,
}

/// How one user's write ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Written and read back: SharePoint shows the Exchange photo.
    Verified,
    /// SharePoint refused the profile write for another user (the documented refusal of
    /// delegated tokens), now or earlier in this run; nothing was written.
    Refused,
    /// The admin may not write to the `User Photos` library of `host`; nothing was written.
    NoLibraryRights { host: String },
    /// Failed before anything was written; `detail` is the service's own words.
    NotWritten { step: Step, detail: String },
    /// Failed after writing; everything written was put back as it was.
    RolledBack { step: Step, detail: String },
    /// Failed, and putting back failed too: `left` names exactly what SharePoint now holds that
    /// was not there before (files with the new picture, properties with new values).
    Incomplete {
        step: Step,
        detail: String,
        left: Vec<String>,
    },
    /// The admin stopped the run before this user.
    Cancelled,
}

impl Outcome {
    /// A stable name (`data-` attributes, tests).
    pub fn name(&self) -> &'static str {
        match self {
            Outcome::Verified => "verified",
            Outcome::Refused => "refused",
            Outcome::NoLibraryRights { .. } => "no-library-rights",
            Outcome::NotWritten { .. } => "not-written",
            Outcome::RolledBack { .. } => "rolled-back",
            Outcome::Incomplete { .. } => "incomplete",
            Outcome::Cancelled => "cancelled",
        }
    }
}

/// One user to write: their place in the audit's list, who they are, and the treatment.
#[derive(Debug, Clone)]
pub struct Job {
    pub index: usize,
    pub user: DirectoryUser,
    pub treatment: Treatment,
}

/// What the run learnt for everyone after it: the profile write is refused, the library of a
/// host is closed to the admin. Read by the page to explain.
#[derive(Debug, Default)]
pub struct RunState {
    pub profile_writes_refused: Cell<bool>,
    pub closed_libraries: RefCell<BTreeSet<String>>,
    pub cancelled: Cell<bool>,
}

/// Writes every job in order, reporting each outcome as it is known.
pub async fn run(
    jobs: &[Job],
    target: &Target,
    tokens: &impl TokenSource,
    state: &RunState,
    on_start: impl Fn(usize),
    on_result: impl Fn(usize, Outcome),
) {
    for job in jobs {
        if state.cancelled.get() {
            on_result(job.index, Outcome::Cancelled);
            continue;
        }
        on_start(job.index);
        let writer = Writer {
            target,
            tokens,
            state,
        };
        let outcome = match &job.treatment {
            Treatment::Thumbnails(set) => writer.thumbnails(&job.user, set).await,
            Treatment::ProfileWrite => writer.profile_write(&job.user).await,
            Treatment::Nothing(_) => continue,
        };
        on_result(job.index, outcome);
    }
}

struct Writer<'a, T: TokenSource> {
    target: &'a Target,
    tokens: &'a T,
    state: &'a RunState,
}

/// The three new thumbnails, the originals they replace (`None`: there was no such file).
struct Prepared {
    exchange_fingerprint: Vec<u8>,
    new: Vec<(ThumbnailSize, web_sys::Blob)>,
    originals: Vec<(ThumbnailSize, Option<Vec<u8>>)>,
}

/// What has been written so far for one user, to put back.
#[derive(Default)]
struct Written {
    files: Vec<ThumbnailSize>,
    /// Properties written, with their previous values.
    properties: Vec<(&'static str, String)>,
}

impl<T: TokenSource> Writer<'_, T> {
    async fn thumbnails(&self, user: &DirectoryUser, set: &ThumbnailSet) -> Outcome {
        let Some(host) = MySiteOrigin::from_service(&set.host, self.target.local) else {
            return Outcome::NotWritten {
                step: Step::Upload(ThumbnailSize::Medium),
                detail: set.host.clone(),
            };
        };
        if self.state.closed_libraries.borrow().contains(host.as_str()) {
            return Outcome::NoLibraryRights {
                host: host.to_string(),
            };
        }
        let prepared = match self.prepare(user, set, &host).await {
            Ok(p) => p,
            Err((step, detail)) => return Outcome::NotWritten { step, detail },
        };
        let mut written = Written::default();
        if let Err(outcome) = self.upload_all(set, &host, &prepared, &mut written).await {
            return self
                .put_back(set, &host, user, &prepared, written, outcome)
                .await;
        }
        match self.verify_files(set, &host, &prepared).await {
            Ok(()) => Outcome::Verified,
            Err(detail) => {
                let failure = Outcome::RolledBack {
                    step: Step::Verify,
                    detail,
                };
                self.put_back(set, &host, user, &prepared, written, failure)
                    .await
            }
        }
    }

    async fn profile_write(&self, user: &DirectoryUser) -> Outcome {
        if self.state.profile_writes_refused.get() {
            return Outcome::Refused;
        }
        let upn = &user.user_principal_name;
        // The profile now: what to put back, and which geo's host the pictures belong on.
        let home = self.target.my_site.clone();
        let (profile, personal_host) = match self.read_profile(&home, upn).await {
            Ok(read) => read,
            Err(detail) => {
                return Outcome::NotWritten {
                    step: Step::ReadProfile,
                    detail,
                }
            }
        };
        let Some(host) = personal_site_host(personal_host.as_deref(), &home, self.target.local)
        else {
            return Outcome::NotWritten {
                step: Step::ReadProfile,
                detail: personal_host.unwrap_or_default(),
            };
        };
        if self.state.closed_libraries.borrow().contains(host.as_str()) {
            return Outcome::NoLibraryRights {
                host: host.to_string(),
            };
        }
        let set = profile
            .picture_url
            .as_deref()
            .and_then(|p| library::standard_thumbnails(p, host.as_str()))
            .unwrap_or_else(|| ThumbnailSet {
                host: host.to_string(),
                base: library::thumbnail_base(upn),
            });
        let prepared = match self.prepare(user, &set, &host).await {
            Ok(p) => p,
            Err((step, detail)) => return Outcome::NotWritten { step, detail },
        };
        let previous_picture = profile.picture_url.clone().unwrap_or_default();
        let previous_placeholder = profile
            .placeholder_state
            .map(|s| s.to_string())
            .unwrap_or_else(|| "1".to_owned());

        // The property first: refused, nothing is written at all.
        match self
            .set_property(upn, "PictureURL", &set.picture_url())
            .await
        {
            Ok(()) => {}
            Err(ServiceError::Forbidden { detail })
                if library::is_profile_write_refusal(&detail) =>
            {
                self.state.profile_writes_refused.set(true);
                return Outcome::Refused;
            }
            Err(e) if e.answer_lost() => {
                // It may have been written: put the previous value back.
                let mut written = Written::default();
                written.properties.push(("PictureURL", previous_picture));
                let failure = Outcome::RolledBack {
                    step: Step::WriteProperty,
                    detail: e.to_string(),
                };
                return self
                    .put_back(&set, &host, user, &prepared, written, failure)
                    .await;
            }
            Err(e) => {
                return Outcome::NotWritten {
                    step: Step::WriteProperty,
                    detail: e.to_string(),
                }
            }
        }
        let mut written = Written::default();
        written.properties.push(("PictureURL", previous_picture));
        if let Err(outcome) = self.upload_all(&set, &host, &prepared, &mut written).await {
            return self
                .put_back(&set, &host, user, &prepared, written, outcome)
                .await;
        }
        written
            .properties
            .push(("SPS-PicturePlaceholderState", previous_placeholder));
        if let Err(e) = self
            .set_property(upn, "SPS-PicturePlaceholderState", "0")
            .await
        {
            let failure = Outcome::RolledBack {
                step: Step::WriteProperty,
                detail: e.to_string(),
            };
            return self
                .put_back(&set, &host, user, &prepared, written, failure)
                .await;
        }
        let verified = match self.verify_files(&set, &host, &prepared).await {
            Ok(()) => self.verify_profile(&home, upn, &set).await,
            Err(detail) => Err(detail),
        };
        match verified {
            Ok(()) => Outcome::Verified,
            Err(detail) => {
                let failure = Outcome::RolledBack {
                    step: Step::Verify,
                    detail,
                };
                self.put_back(&set, &host, user, &prepared, written, failure)
                    .await
            }
        }
    }

    /// The Exchange photo, the current thumbnails, and the new ones at their sizes.
    async fn prepare(
        &self,
        user: &DirectoryUser,
        set: &ThumbnailSet,
        host: &MySiteOrigin,
    ) -> Result<Prepared, (Step, String)> {
        let exchange = self.exchange_photo(user).await?;
        let exchange_fingerprint = fingerprint(&exchange)
            .await
            .map_err(|e| (Step::ExchangePhoto, e.to_string()))?;
        let mut originals = Vec::new();
        let mut new = Vec::new();
        for size in ThumbnailSize::ALL {
            let original = match self
                .sharepoint(SharePointCall::Thumbnail, library_resource(host), &|t| {
                    library::read(set, size, t)
                })
                .await
            {
                Ok(response) => Some(response.body),
                Err(ServiceError::Service { status: 404, .. }) => None,
                Err(e) => return Err((Step::ReadThumbnail(size), e.to_string())),
            };
            let edge = original
                .as_deref()
                .and_then(|bytes| {
                    let format = photo::plan::check_source(bytes).ok()?;
                    photo::plan::declared_dimensions(bytes, format)
                })
                .map(|(w, h)| w.max(h))
                .filter(|edge| (16..=photo::DEFAULT_EDGE).contains(edge))
                .unwrap_or(size.default_edge());
            let jpeg = photo::browser::process(&exchange, edge)
                .await
                .map_err(|e| (Step::Resize, e.to_string()))?
                .jpeg;
            originals.push((size, original));
            new.push((size, jpeg));
        }
        Ok(Prepared {
            exchange_fingerprint,
            new,
            originals,
        })
    }

    /// The Exchange photo at its largest (`/users/{id}/photo/$value`).
    async fn exchange_photo(&self, user: &DirectoryUser) -> Result<Vec<u8>, (Step, String)> {
        let url = format!(
            "{}/users/{}/photo/$value",
            self.target.graph_base.trim_end_matches('/'),
            user.id
        );
        let response = service::call(GraphCall::PhotoBytes, &Resource::Graph, self.tokens, |t| {
            directory::get(url, t).max_body_bytes(photo::MAX_SOURCE_BYTES)
        })
        .await;
        match response {
            Ok(r) => photo::plan::check_source(&r.body)
                .map(|_| r.body)
                .map_err(|e| (Step::ExchangePhoto, e.to_string())),
            Err(ServiceError::Specific(GraphProblem::NoExchangePhoto)) => {
                Err((Step::ExchangePhoto, "ImageNotFound".to_owned()))
            }
            Err(e) => Err((Step::ExchangePhoto, e.to_string())),
        }
    }

    /// Writes the three new thumbnails, noting each one written (or perhaps written).
    async fn upload_all(
        &self,
        set: &ThumbnailSet,
        host: &MySiteOrigin,
        prepared: &Prepared,
        written: &mut Written,
    ) -> Result<(), Outcome> {
        for (size, jpeg) in &prepared.new {
            let result = self
                .sharepoint(
                    SharePointCall::UploadThumbnail,
                    library_resource(host),
                    &|t| library::upload(set, *size, t, jpeg.clone()),
                )
                .await;
            match result {
                Ok(_) => written.files.push(*size),
                Err(ServiceError::Forbidden { detail }) => {
                    // The library is closed to the admin: the same for every user on this host.
                    self.state
                        .closed_libraries
                        .borrow_mut()
                        .insert(host.to_string());
                    return Err(
                        if written.files.is_empty() && written.properties.is_empty() {
                            Outcome::NoLibraryRights {
                                host: host.to_string(),
                            }
                        } else {
                            Outcome::RolledBack {
                                step: Step::Upload(*size),
                                detail,
                            }
                        },
                    );
                }
                Err(e) => {
                    if e.answer_lost() {
                        written.files.push(*size);
                    }
                    return Err(Outcome::RolledBack {
                        step: Step::Upload(*size),
                        detail: e.to_string(),
                    });
                }
            }
        }
        Ok(())
    }

    /// Reads each thumbnail back and compares it with the Exchange photo.
    async fn verify_files(
        &self,
        set: &ThumbnailSet,
        host: &MySiteOrigin,
        prepared: &Prepared,
    ) -> Result<(), String> {
        for (size, _) in &prepared.new {
            let back = self
                .sharepoint(SharePointCall::Thumbnail, library_resource(host), &|t| {
                    library::read(set, *size, t)
                })
                .await
                .map_err(|e| format!("{}: {e}", set.file_name(*size)))?;
            let print = fingerprint(&back.body)
                .await
                .map_err(|e| format!("{}: {e}", set.file_name(*size)))?;
            if !same_picture(&print, &prepared.exchange_fingerprint) {
                return Err(format!("{}: not the Exchange photo", set.file_name(*size)));
            }
        }
        Ok(())
    }

    /// Reads the profile again: `PictureURL` names the new thumbnails, no placeholder.
    async fn verify_profile(
        &self,
        home: &MySiteOrigin,
        upn: &str,
        set: &ThumbnailSet,
    ) -> Result<(), String> {
        let (profile, _) = self.read_profile(home, upn).await?;
        let names_set = profile
            .picture_url
            .as_deref()
            .and_then(|p| library::standard_thumbnails(p, &set.host))
            .is_some_and(|s| s.base.eq_ignore_ascii_case(&set.base));
        if names_set && profile.placeholder_state == Some(0) {
            Ok(())
        } else {
            Err(format!(
                "PictureURL {:?}, SPS-PicturePlaceholderState {:?}",
                profile.picture_url, profile.placeholder_state
            ))
        }
    }

    /// Puts back what was written, newest first; `failure` is how the user ends when all of it
    /// could be put back.
    async fn put_back(
        &self,
        set: &ThumbnailSet,
        host: &MySiteOrigin,
        user: &DirectoryUser,
        prepared: &Prepared,
        written: Written,
        failure: Outcome,
    ) -> Outcome {
        let mut left = Vec::new();
        for size in written.files.iter().rev() {
            let original = prepared
                .originals
                .iter()
                .find(|(s, _)| s == size)
                .and_then(|(_, o)| o.clone());
            let Some(original) = original else {
                // There was no such file and nothing here deletes one: it stays, reported.
                left.push(format!("{} (new file)", set.url(*size)));
                continue;
            };
            let restored = self
                .sharepoint(
                    SharePointCall::UploadThumbnail,
                    library_resource(host),
                    &|t| library::upload(set, *size, t, original.clone()),
                )
                .await;
            if restored.is_err() {
                left.push(set.url(*size));
            }
        }
        for (property, previous) in written.properties.iter().rev() {
            if self
                .set_property(&user.user_principal_name, property, previous)
                .await
                .is_err()
            {
                left.push(format!("{property} (previous value {previous:?})"));
            }
        }
        if left.is_empty() {
            return failure;
        }
        let (step, detail) = match failure {
            Outcome::RolledBack { step, detail } => (step, detail),
            Outcome::NoLibraryRights { host } => (Step::Upload(ThumbnailSize::Small), host),
            other => (Step::Verify, other.name().to_owned()),
        };
        Outcome::Incomplete { step, detail, left }
    }

    async fn read_profile(
        &self,
        home: &MySiteOrigin,
        upn: &str,
    ) -> Result<(SharePointProfile, Option<String>), String> {
        let response = self
            .sharepoint(
                SharePointCall::GetPropertiesFor,
                library_resource(home),
                &|t| profiles::properties_for(home.as_str(), t, upn),
            )
            .await
            .map_err(|e| e.to_string())?;
        let profile = parse_profile(&response.body).map_err(|e| e.to_string())?;
        let value = crate::http::json::parse(&response.body).unwrap_or_default();
        let value = value.get("d").unwrap_or(&value);
        let personal = value
            .get("PersonalSiteHostUrl")
            .and_then(|v| v.as_str())
            .map(str::to_owned);
        Ok((profile, personal))
    }

    async fn set_property(
        &self,
        upn: &str,
        property: &str,
        value: &str,
    ) -> Result<(), SharePointError> {
        let admin = crate::auth::sharepoint_admin_origin(&self.target.my_site);
        let resource = Resource::SharePointAdmin {
            my_site: self.target.my_site.clone(),
        };
        self.sharepoint(SharePointCall::SetProfileProperty, resource, &|t| {
            library::set_profile_property(&admin, t, upn, property, value)
        })
        .await
        .map(drop)
    }

    /// One SharePoint call, sent again once after a throttled answer (its `Retry-After`
    /// waited out, at most a minute).
    async fn sharepoint(
        &self,
        which: SharePointCall,
        resource: Resource,
        // One instance of the retry loop for every call (a `dyn`, not a generic: the page's
        // wasm would carry a copy per call site).
        build: &dyn Fn(&str) -> HttpRequest,
    ) -> Result<HttpResponse, SharePointError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = service::call(which, &resource, self.tokens, build).await;
            match result {
                Err(e) if e.is_transient() && attempt < 3 => {
                    let wait = e
                        .retry_after()
                        .and_then(|v| v.trim().parse::<f64>().ok())
                        .map_or(2_000.0, |s| s * 1000.0);
                    crate::browser::sleep(wait.clamp(100.0, 60_000.0) as u32).await;
                }
                other => return other,
            }
        }
    }
}

fn library_resource(host: &MySiteOrigin) -> Resource {
    Resource::SharePointLibrary {
        origin: host.clone(),
    }
}
