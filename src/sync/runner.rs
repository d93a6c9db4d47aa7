//! The pipeline in the browser: the I/O of a sync, in order, reporting each [`SyncPhase`].

use std::cell::RefCell;
use std::future::Future;

use futures::future::join;

use crate::auth::navigation::Navigation;
use crate::auth::token_endpoint::TokenEndpoint;
use crate::auth::{Session, TokenSource};
use crate::browser::{now_ms, sleep};
use crate::config::{AppConfig, MySiteOrigin};
use crate::graph::{self, my_site_host, BatchedReads, GraphError, GraphUser};
use crate::photo::{self, browser, DEFAULT_EDGE};
use crate::sharepoint::{self, large_thumbnail_url, SharePointProfile};

use super::cancel::Cancel;
use super::compare::{
    can_reuse, check_written, decide, is_in_sync, same_picture, Decision, VerificationProblem,
};
use super::phase::{
    after_lost_write, sharepoint_failure, write_failed, PhotoSummary, SharePointSummary,
    SyncFailure, SyncPhase, WriteFailure,
};
use super::retry::{RetryPolicy, Retryable};

/// How often the profile is read back before a write is declared not to have taken effect.
const VERIFY_ATTEMPTS: u32 = 3;
/// Pause between those reads.
const VERIFY_PAUSE_MS: u32 = 1_000;

/// Syncs the signed-in user's photo: reads, compares, and writes unless SharePoint already
/// shows the same picture (`force` writes anyway), then verifies. Calls `on_phase` with every
/// phase (`Reading`, `Compared`, `Writing`, `Verifying`, then `Done`, `NothingToDo` or
/// `Failed`) and returns the last one.
///
/// `earlier` is what [`run_compare`] read before the click. When it is still fresh
/// ([`can_reuse`]) nothing is read again: the photo the user was shown is the one written,
/// and the sync starts at `Writing`. It is used once: the write makes it stale.
///
/// Once `cancel` is set (its screen is gone) the run reports nothing more, sends no further
/// request, starts no write, and returns [`SyncPhase::Idle`].
///
/// ```ignore
/// let phase = RwSignal::new(SyncPhase::Idle);
/// let cancel = Cancel::new();
/// spawn_local(async move {
///     sync::run_sync(&config, &session, false, None, &cancel, move |p| phase.set(p)).await;
/// });
/// ```
pub async fn run_sync(
    config: &AppConfig,
    tokens: &(impl TokenSource + SignedIn),
    force: bool,
    earlier: Option<Comparison>,
    cancel: &Cancel,
    on_phase: impl Fn(SyncPhase),
) -> SyncPhase {
    let on_phase = cancel.silenced(on_phase);
    let started = now_ms();
    let written_elsewhere = super::tabs::last_written();
    let snapshot = match earlier.filter(|c| can_reuse(c.read_at_ms, now_ms(), written_elsewhere)) {
        Some(earlier) => earlier.snapshot,
        None => {
            let mut comparison = match read_and_compare(config, tokens, cancel, &on_phase).await {
                Ok(comparison) => comparison,
                Err(failed) => return failed,
            };
            // Another tab wrote while this one read: read again rather than write over it.
            if !can_reuse(comparison.read_at_ms, now_ms(), super::tabs::last_written()) {
                comparison = match read_and_compare(config, tokens, cancel, &on_phase).await {
                    Ok(comparison) => comparison,
                    Err(failed) => return failed,
                };
            }
            comparison.snapshot
        }
    };
    write_and_verify(tokens, snapshot, force, started, cancel, &on_phase).await
}

/// Reads and compares only (`Reading`, then `Compared` or `Failed`): what the page shows
/// before the user clicks. Writes nothing. Returns the last phase and, when both photos were
/// read, what [`run_sync`] may write without reading again. Stops as [`run_sync`] does once
/// `cancel` is set.
pub async fn run_compare(
    config: &AppConfig,
    tokens: &(impl TokenSource + SignedIn),
    cancel: &Cancel,
    on_phase: impl Fn(SyncPhase),
) -> (SyncPhase, Option<Comparison>) {
    let on_phase = cancel.silenced(on_phase);
    match read_and_compare(config, tokens, cancel, &on_phase).await {
        Ok(comparison) => (comparison.phase(), Some(comparison)),
        Err(failed) => (failed, None),
    }
}

/// Both photos as read and compared at one moment: the JPEG that would be written and
/// SharePoint's profile before the write.
pub struct Comparison {
    snapshot: Snapshot,
    read_at_ms: f64,
}

impl Comparison {
    fn phase(&self) -> SyncPhase {
        SyncPhase::Compared {
            exchange: self.snapshot.exchange.clone(),
            sharepoint: self.snapshot.sharepoint.clone(),
            in_sync: self.snapshot.in_sync,
        }
    }
}

/// What was read, and what it became.
struct Snapshot {
    upn: String,
    host: MySiteOrigin,
    profile: SharePointProfile,
    /// The address the current large thumbnail was read from, if one was asked for (the
    /// predicted one or the profile's): the verification asks it again, whose preflight the
    /// browser then still has.
    thumbnail_url: Option<String>,
    jpeg: web_sys::Blob,
    fingerprint: Vec<u8>,
    exchange: PhotoSummary,
    sharepoint: SharePointSummary,
    in_sync: bool,
}

/// `Reading`, then `Compared` (returned with what was read) or `Failed` (returned as the
/// error); `Idle` as the error when cancelled.
async fn read_and_compare(
    config: &AppConfig,
    tokens: &(impl TokenSource + SignedIn),
    cancel: &Cancel,
    on_phase: &dyn Fn(SyncPhase),
) -> Result<Comparison, SyncPhase> {
    if cancel.is_cancelled() {
        return Err(SyncPhase::Idle);
    }
    on_phase(SyncPhase::Reading);
    let read_at_ms = now_ms();
    match read(config, tokens, cancel).await {
        Ok(snapshot) => {
            let comparison = Comparison {
                snapshot,
                read_at_ms,
            };
            if cancel.is_cancelled() {
                return Err(SyncPhase::Idle);
            }
            on_phase(comparison.phase());
            Ok(comparison)
        }
        Err(reason) => {
            let failed = SyncPhase::Failed {
                reason,
                wrote_anything: false,
            };
            on_phase(failed.clone());
            Err(failed)
        }
    }
}

/// `Writing` (unless already in sync and not forced), `Verifying`, then `Done` with the time
/// since `started`, `NothingToDo` or `Failed`; `Idle`, with nothing written, when cancelled
/// before the write.
async fn write_and_verify(
    tokens: &impl TokenSource,
    snapshot: Snapshot,
    force: bool,
    started: f64,
    cancel: &Cancel,
    on_phase: &dyn Fn(SyncPhase),
) -> SyncPhase {
    // The last moment to stop without writing anything.
    if cancel.is_cancelled() {
        return SyncPhase::Idle;
    }
    let emit = |phase: SyncPhase| {
        on_phase(phase.clone());
        phase
    };
    if decide(snapshot.in_sync, force) == Decision::NothingToDo {
        return emit(SyncPhase::NothingToDo);
    }

    emit(SyncPhase::Writing);
    if let Err(e) = retrying(cancel, || write(tokens, &snapshot, cancel)).await {
        let granted = sharepoint::granted_scopes(&snapshot.host, tokens);
        return emit(write_failed(&e.error, granted));
    }
    super::tabs::note_written(now_ms());
    if cancel.is_cancelled() {
        return SyncPhase::Idle;
    }

    emit(SyncPhase::Verifying);
    request_pull(tokens, &snapshot).await;
    let verified = verify(tokens, &snapshot, cancel).await;
    if cancel.is_cancelled() {
        return SyncPhase::Idle;
    }
    match verified {
        Ok(new_thumbnail) => emit(SyncPhase::Done {
            elapsed_ms: (now_ms() - started).max(0.0) as u32,
            new_thumbnail,
        }),
        Err(reason) => emit(SyncPhase::Failed {
            reason,
            wrote_anything: true,
        }),
    }
}

/// Sends the photo once. When the answer is lost, the profile is read back: a photo SharePoint
/// stored is not sent again ([`after_lost_write`]).
async fn write(
    tokens: &impl TokenSource,
    snapshot: &Snapshot,
    cancel: &Cancel,
) -> Result<(), WriteFailure> {
    let host = &snapshot.host;
    match sharepoint::set_my_profile_picture(host, tokens, &snapshot.jpeg).await {
        Err(lost) if lost.answer_lost() => {
            let read_back = retrying(cancel, || sharepoint::my_properties(host, tokens)).await;
            after_lost_write(lost, &snapshot.profile, read_back)
        }
        written => written.map_err(WriteFailure::answered),
    }
}

/// Asks for `userphoto.aspx` (SharePoint's documented trigger of its own pull from Exchange)
/// and does not wait for its answer: the write already did the work, so the answer changes
/// nothing the verification would not see, and its preflight (an address the page has not
/// asked before) would make the verification a round trip longer. Sent once, with the token
/// the write used; what becomes of it is not the user's concern.
async fn request_pull(tokens: &impl TokenSource, snapshot: &Snapshot) {
    let resource = crate::auth::Resource::SharePoint {
        origin: snapshot.host.clone(),
    };
    let Ok(token) = tokens.access_token(&resource).await else {
        return;
    };
    let request = sharepoint::request::user_photo(&snapshot.host, &token, &snapshot.upn);
    wasm_bindgen_futures::spawn_local(async move {
        let _ = crate::http::send(request).await;
    });
}

/// Reads Graph (user, photo metadata and bytes, in one `$batch`) and SharePoint (token,
/// properties, current thumbnail) concurrently, then compares the photos. The Exchange photo is
/// processed as soon as it is in, while SharePoint is still being read; the current large
/// thumbnail is fetched at its predicted address alongside the profile
/// ([`sharepoint::predicted_large_thumbnail_url`]), and used only if the profile names that
/// file.
async fn read(
    config: &AppConfig,
    tokens: &(impl TokenSource + SignedIn),
    cancel: &Cancel,
) -> Result<Snapshot, SyncFailure> {
    let base = config.graph_base_url.as_str();
    // With the My Site host in `config.json` SharePoint is read alongside Graph; without it, as
    // soon as Graph's `mySite` names it. Either way the photo is processed alongside SharePoint.
    let (graph, exchange, sharepoint_side) = match &config.my_site_host {
        Some(host) => {
            let graph_side = async {
                let reads = read_graph(base, tokens, cancel).await;
                let exchange = process_exchange(&reads).await;
                (reads, exchange)
            };
            let sharepoint_side = read_sharepoint(host.clone(), tokens, cancel);
            let ((reads, exchange), sharepoint_side) = join(graph_side, sharepoint_side).await;
            (reads, exchange, sharepoint_side)
        }
        None => {
            let reads = read_graph(base, tokens, cancel).await;
            let host = user_of(&reads)
                .map_err(|e| SyncFailure::from(&e))
                .and_then(|user| {
                    my_site_host(None, user.my_site.as_deref(), config.is_local())
                        .map_err(|e| SyncFailure::from(&e))
                });
            let sharepoint_side = async {
                match host {
                    Ok(host) => read_sharepoint(host, tokens, cancel).await,
                    Err(e) => Err(e),
                }
            };
            let (exchange, sharepoint_side) = join(process_exchange(&reads), sharepoint_side).await;
            (reads, exchange, sharepoint_side)
        }
    };
    // The most specific reason first: who the user is, then their photo, then SharePoint, then
    // what the photo turned out to be.
    let user = user_of(&graph).map_err(|e| SyncFailure::from(&e))?;
    let exchange = exchange.map_err(|e| SyncFailure::from(&e))?;
    let SharePointSide {
        host,
        profile,
        thumbnail,
        thumbnail_url,
    } = sharepoint_side?;
    let (processed, fingerprint) = exchange?;

    let sharepoint_fingerprint = match &thumbnail {
        Some(bytes) => browser::fingerprint(bytes).await.ok(),
        None => None,
    };
    let in_sync = is_in_sync(&profile, &fingerprint, sharepoint_fingerprint.as_deref());

    let exchange = PhotoSummary {
        image_url: browser::blob_url(&processed.jpeg),
        source_width: processed.source_width,
        source_height: processed.source_height,
        source_format: processed.source_format.name(),
        edge: processed.width,
        jpeg_bytes: processed.jpeg.size() as usize,
    };
    let sharepoint = SharePointSummary {
        image_url: thumbnail
            .as_deref()
            .and_then(|b| browser::object_url(b, photo::sniff(b).mime())),
        has_picture: profile.has_picture(),
        picture_timestamp: profile.picture_timestamp.clone(),
    };
    Ok(Snapshot {
        upn: user.user_principal_name.clone(),
        host,
        profile,
        thumbnail_url,
        jpeg: processed.jpeg,
        fingerprint,
        exchange,
        sharepoint,
        in_sync,
    })
}

/// The Exchange photo processed and fingerprinted: Graph's failure (outer) or the photo's
/// (inner).
async fn process_exchange(
    reads: &BatchedReads,
) -> Result<Result<(browser::ProcessedPhoto, Vec<u8>), SyncFailure>, GraphError> {
    if let Some(Err(e)) = &reads.metadata {
        return Err(e.clone());
    }
    let bytes = match &reads.bytes {
        Some(Ok(bytes)) => bytes,
        Some(Err(e)) => return Err(e.clone()),
        None => return Err(unanswered()),
    };
    let processed = match browser::process(bytes, DEFAULT_EDGE).await {
        Ok(processed) => processed,
        Err(e) => return Ok(Err(SyncFailure::from(&e))),
    };
    Ok(browser::fingerprint_of(&processed.jpeg)
        .await
        .map(|fingerprint| (processed, fingerprint))
        .map_err(|e| SyncFailure::from(&e)))
}

/// What SharePoint's side of the reading found.
struct SharePointSide {
    host: MySiteOrigin,
    profile: SharePointProfile,
    /// The current large thumbnail, when the profile shows a real picture and it was read.
    thumbnail: Option<Vec<u8>>,
    /// Where a large thumbnail was last asked for, whatever came back.
    thumbnail_url: Option<String>,
}

/// SharePoint's side of the reading: the profile and, alongside it, the large thumbnail at the
/// address predicted from the account; the thumbnail the profile names when that was not it.
async fn read_sharepoint(
    host: MySiteOrigin,
    tokens: &(impl TokenSource + SignedIn),
    cancel: &Cancel,
) -> Result<SharePointSide, SyncFailure> {
    let version = format!("{}", now_ms() as u64);
    let predicted_url = tokens
        .object_id()
        .and_then(|oid| sharepoint::predicted_large_thumbnail_url(&host, &oid, &version));
    // One attempt: a guess that fails costs nothing but the fetch it would have saved.
    let predicted = async {
        match &predicted_url {
            Some(url) => sharepoint::thumbnail(&host, tokens, url).await.ok(),
            None => None,
        }
    };
    let profile = retrying(cancel, || sharepoint::my_properties(&host, tokens));
    let (profile, predicted) = join(profile, predicted).await;
    let profile =
        profile.map_err(|e| sharepoint_failure(&e, sharepoint::granted_scopes(&host, tokens)))?;
    let predicted = predicted_url.clone().zip(predicted);
    let (thumbnail, fetched_url) =
        current_thumbnail(&host, tokens, &profile, predicted, cancel).await;
    Ok(SharePointSide {
        thumbnail_url: fetched_url.or(predicted_url),
        host,
        profile,
        thumbnail,
    })
}

/// Graph's three reads in one `$batch`; the reads that failed transiently are sent again (in a
/// smaller batch) by the retry policy, with the longest `Retry-After` among them.
async fn read_graph(base: &str, tokens: &impl TokenSource, cancel: &Cancel) -> BatchedReads {
    let origin = crate::http::origin_of(base);
    let reads = RefCell::new(BatchedReads::default());
    let _ = retrying(cancel, || async {
        let pending = reads.borrow().pending();
        if pending.is_empty() {
            return Ok(());
        }
        let answered = graph::reads::send(base, tokens, &pending).await;
        let mut reads = reads.borrow_mut();
        reads.settle(&origin, &pending, answered);
        reads.transient().map_or(Ok(()), Err)
    })
    .await;
    reads.into_inner()
}

/// The user Graph gave, or why not.
fn user_of(reads: &BatchedReads) -> Result<&GraphUser, GraphError> {
    match &reads.user {
        Some(Ok(user)) => Ok(user),
        Some(Err(e)) => Err(e.clone()),
        None => Err(unanswered()),
    }
}

fn unanswered() -> GraphError {
    GraphError::Malformed {
        detail: "$batch: no answer".to_owned(),
    }
}

/// SharePoint's current large thumbnail, when it shows a real picture and it can be read:
/// `predicted` (an address and what it gave) when the profile names that same file, else
/// fetched from the address the profile gives (returned too, when it was asked for).
async fn current_thumbnail(
    host: &MySiteOrigin,
    tokens: &impl TokenSource,
    profile: &SharePointProfile,
    predicted: Option<(String, Vec<u8>)>,
    cancel: &Cancel,
) -> (Option<Vec<u8>>, Option<String>) {
    if !profile.has_picture() {
        return (None, None);
    }
    let Some(url) = profile.picture_url.as_deref().and_then(|picture| {
        large_thumbnail_url(picture, host, profile.picture_timestamp.as_deref())
    }) else {
        return (None, None);
    };
    if let Some((predicted_url, bytes)) = predicted {
        if sharepoint::same_file(&predicted_url, &url) {
            return (Some(bytes), None);
        }
    }
    let bytes = retrying(cancel, || sharepoint::thumbnail(host, tokens, &url))
        .await
        .ok();
    (bytes, Some(url))
}

/// Who is signed in, as far as the sync's guesses need it: the account's Entra object id, which
/// SharePoint's thumbnail names are predicted from. Without one (the default) nothing is
/// guessed.
pub trait SignedIn {
    fn object_id(&self) -> Option<String> {
        None
    }
}

impl<N: Navigation, E: TokenEndpoint> SignedIn for Session<N, E> {
    fn object_id(&self) -> Option<String> {
        self.account().map(|account| account.oid)
    }
}

/// Reads SharePoint back until it shows a new real picture, then checks that its new large
/// thumbnail is the photo written. Returns a `blob:` URL of that thumbnail.
///
/// SharePoint keeps a user's thumbnails at the same address, so the thumbnail is fetched
/// alongside the first read-back, from the very address the reading asked: its preflight is
/// then one the browser still has when the reading was moments ago (the Fetch standard keeps a
/// preflight 5 s when the answer names no `Access-Control-Max-Age`), as is the read-back's,
/// and the verification is one round trip. The request keeps the default cache mode: with
/// `no-cache` or `no-store` Chromium does not use its preflight cache. The emulator's files
/// answer `Cache-Control: private, max-age=0` (SharePoint's headers for them are not
/// documented), so the browser asks again (a conditional request at most); and should an old
/// copy come back from a browser's cache, it is not the photo written. What it returns counts only when the profile now names that same file and it
/// is the photo written; otherwise the thumbnail is fetched again from the address the profile
/// gives (with the new picture's version). Without an address the reading asked, the profile's
/// is asked with a fresh version.
async fn verify(
    tokens: &impl TokenSource,
    snapshot: &Snapshot,
    cancel: &Cancel,
) -> Result<Option<String>, SyncFailure> {
    let host = &snapshot.host;
    let early_url = snapshot.thumbnail_url.clone().or_else(|| {
        snapshot.profile.picture_url.as_deref().and_then(|picture| {
            let version = format!("{}", now_ms() as u64);
            large_thumbnail_url(picture, host, Some(&version))
        })
    });
    let early = async {
        match &early_url {
            Some(url) => retrying(cancel, || sharepoint::thumbnail(host, tokens, url))
                .await
                .ok(),
            None => None,
        }
    };
    let (after, early) = join(read_back(tokens, snapshot, cancel), early).await;
    let after = after?;

    let missing = SyncFailure::VerificationFailed {
        problem: VerificationProblem::ThumbnailMissing,
    };
    let url = large_thumbnail_url(
        after.picture_url.as_deref().unwrap_or_default(),
        host,
        after.picture_timestamp.as_deref(),
    )
    .ok_or_else(|| missing.clone())?;
    if let (Some(early_url), Some(bytes)) = (&early_url, early) {
        if sharepoint::same_file(early_url, &url) && written_photo(snapshot, &bytes).await {
            return Ok(browser::object_url(&bytes, photo::sniff(&bytes).mime()));
        }
    }
    let bytes = retrying(cancel, || sharepoint::thumbnail(host, tokens, &url))
        .await
        .map_err(|_| missing.clone())?;
    let fingerprint = browser::fingerprint(&bytes)
        .await
        .map_err(|_| missing.clone())?;
    if !same_picture(&snapshot.fingerprint, &fingerprint) {
        return Err(SyncFailure::VerificationFailed {
            problem: VerificationProblem::ThumbnailDiffers,
        });
    }
    Ok(browser::object_url(&bytes, photo::sniff(&bytes).mime()))
}

/// Reads the profile until it shows a new real picture ([`check_written`]), at most
/// [`VERIFY_ATTEMPTS`] times.
async fn read_back(
    tokens: &impl TokenSource,
    snapshot: &Snapshot,
    cancel: &Cancel,
) -> Result<SharePointProfile, SyncFailure> {
    let host = &snapshot.host;
    let mut attempt = 1;
    loop {
        let after = retrying(cancel, || sharepoint::my_properties(host, tokens))
            .await
            .map_err(|e| SyncFailure::from(&e))?;
        match check_written(&snapshot.profile, &after) {
            Ok(()) => return Ok(after),
            Err(problem) if attempt >= VERIFY_ATTEMPTS => {
                return Err(SyncFailure::VerificationFailed { problem })
            }
            Err(problem) => {
                attempt += 1;
                sleep(VERIFY_PAUSE_MS).await;
                if cancel.is_cancelled() {
                    return Err(SyncFailure::VerificationFailed { problem });
                }
            }
        }
    }
}

/// True when `thumbnail` decodes to the picture that was written.
async fn written_photo(snapshot: &Snapshot, thumbnail: &[u8]) -> bool {
    match browser::fingerprint(thumbnail).await {
        Ok(fingerprint) => same_picture(&snapshot.fingerprint, &fingerprint),
        Err(_) => false,
    }
}

/// Sends a request through `call` until it succeeds, fails for good, the [`RetryPolicy`]
/// gives up, or `cancel` is set while it waits (then the last failure is the answer).
async fn retrying<T, E, F, Fut>(cancel: &Cancel, mut call: F) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
    E: Retryable,
{
    let policy = RetryPolicy::default();
    let (mut retry, mut waited) = (0, 0);
    loop {
        match call().await {
            Err(e) if e.is_transient() => {
                let delay = policy.delay_ms(
                    retry,
                    waited,
                    e.retry_after(),
                    now_ms(),
                    crate::browser::random(),
                );
                let Some(delay) = delay else {
                    return Err(e);
                };
                sleep(delay).await;
                if cancel.is_cancelled() {
                    return Err(e);
                }
                waited += delay;
                retry += 1;
            }
            done => return done,
        }
    }
}
