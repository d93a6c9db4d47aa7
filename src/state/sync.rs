//! The sync controller: starts a read-and-compare or a sync for the signed-in user, keeps its
//! progress in a signal the sync screen renders, and decides what happens after a refusal —
//! renew the tokens silently and run once more, then sign in again. One run at a time, and
//! none outliving its screen: when the view that made the controller goes, the run in flight
//! is stopped before its next step ([`Cancel`]), so no write starts for a screen that is gone.
//!
//! The policy is [`renewing`], generic over the run and the renewal so it is tested natively;
//! the I/O is [`crate::sync`]'s.

use std::future::Future;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::address::{autostart_requested, forget_autostart};
use super::auth::AuthContext;
use crate::config::AppConfig;
use crate::sync::{
    self, Cancel, Comparison, PhotoSummary, SharePointSummary, SyncFailure, SyncPhase,
};

/// The last two photos compared: what the screen shows beside every later phase of the run
/// (writing, the result, a failure after the read), until a new comparison replaces them.
#[derive(Debug, Clone, PartialEq)]
pub struct ShownPhotos {
    /// The Exchange photo, as it would be written.
    pub exchange: PhotoSummary,
    /// SharePoint's picture when it was read: after a write, the one it had before.
    pub sharepoint: SharePointSummary,
    /// Whether SharePoint already showed the Exchange photo.
    pub in_sync: bool,
}

/// The photos to show once `phase` is reported, after `shown`: a comparison replaces them, a
/// new start (`Idle`) clears them, and every other phase keeps them. Kept by the controller
/// from every phase the run reports, so no comparison is missed when the next phase follows it
/// at once, before the page renders (a help-article link's sync goes from the comparison
/// straight to writing, or to "nothing to do").
///
/// ```
/// use profile_photo_sync::state::sync::photos_after;
/// use profile_photo_sync::sync::SyncPhase;
/// assert_eq!(photos_after(None, &SyncPhase::NothingToDo), None);
/// ```
pub fn photos_after(shown: Option<ShownPhotos>, phase: &SyncPhase) -> Option<ShownPhotos> {
    match phase {
        SyncPhase::Compared {
            exchange,
            sharepoint,
            in_sync,
        } => Some(ShownPhotos {
            exchange: exchange.clone(),
            sharepoint: sharepoint.clone(),
            in_sync: *in_sync,
        }),
        SyncPhase::Idle => None,
        _ => shown,
    }
}

/// One user's sync on screen. Made by the view that shows it ([`SyncController::new`]), and
/// stopped when that view goes.
#[derive(Clone, Copy)]
pub struct SyncController {
    /// Where the sync is, as [`crate::sync::run_sync`] and [`crate::sync::run_compare`]
    /// report it.
    pub phase: RwSignal<SyncPhase>,
    /// The photos the last comparison read ([`photos_after`]).
    pub photos: RwSignal<Option<ShownPhotos>>,
    /// Whether a sync runs or follows the run in flight: false while the photos are read for
    /// the comparison alone, when the button offers the sync at once rather than waiting for it.
    pub sync_asked: RwSignal<bool>,
    auth: AuthContext,
    config: StoredValue<AppConfig>,
    /// What the last comparison read: the click writes the photo the page shows without
    /// reading it again (while fresh; see [`crate::sync::run_sync`]).
    comparison: StoredValue<Option<Comparison>, LocalStorage>,
    /// One run at a time. The button ignores clicks while a run is busy, but only once the
    /// run's first phase has rendered: two clicks in a row (a double click) both reach `start`.
    running: StoredValue<bool>,
    /// A click's `force` while the comparison was still reading: the sync that follows it,
    /// writing what the comparison read.
    queued: StoredValue<Option<bool>>,
    cancel: StoredValue<Cancel>,
}

impl SyncController {
    /// A controller for the signed-in session in context, reporting into `phase` (given by an
    /// owner that also watches it, as the intranet widget does) or a signal of its own. Call
    /// it inside the view that shows the sync: the run in flight stops when that view goes.
    pub fn new(phase: Option<RwSignal<SyncPhase>>) -> SyncController {
        let cancel = Cancel::new();
        let stop = cancel.clone();
        // Cleanup of the calling view's owner: the screen is gone, so is its sync.
        on_cleanup(move || stop.cancel());
        SyncController {
            phase: phase.unwrap_or_else(|| RwSignal::new(SyncPhase::Idle)),
            photos: RwSignal::new(None),
            sync_asked: RwSignal::new(false),
            auth: AuthContext::get(),
            config: StoredValue::new(expect_context::<AppConfig>()),
            comparison: StoredValue::new_local(None),
            running: StoredValue::new(false),
            queued: StoredValue::new(None),
            cancel: StoredValue::new(cancel),
        }
    }

    /// What the screen does first: a help-article link with `autostart=1` syncs without a
    /// click (once: the address forgets it); otherwise the photos are read and compared.
    pub fn begin(&self) {
        if autostart_requested() {
            forget_autostart();
            self.sync(false);
        } else {
            self.compare();
        }
    }

    /// Reads and compares only.
    pub fn compare(&self) {
        self.start(None);
    }

    /// Syncs: `force` writes even when SharePoint already shows the same picture.
    pub fn sync(&self, force: bool) {
        self.start(Some(force));
    }

    /// `None` reads and compares only; `Some(force)` syncs. A sync asked while the photos are
    /// read for the comparison follows it, without reading again; any other call while a run
    /// is in flight does nothing.
    fn start(&self, sync: Option<bool>) {
        let this = *self;
        if this.running.try_get_value().unwrap_or(true) {
            if let (Some(force), Some(false)) = (sync, this.sync_asked.try_get_untracked()) {
                this.queued.set_value(Some(force));
                this.sync_asked.set(true);
            }
            return;
        }
        let Some(cancel) = this.cancel.try_get_value() else {
            return;
        };
        this.running.set_value(true);
        this.sync_asked.set(sync.is_some());
        let session = this.auth.session();
        let config = this.config.get_value();
        spawn_local(async move {
            let (phase, photos) = (this.phase, this.photos);
            let run = || async {
                let report = move |p: SyncPhase| {
                    photos.try_update(|shown| *shown = photos_after(shown.take(), &p));
                    phase.try_set(p);
                };
                match sync {
                    Some(force) => {
                        let earlier = this.comparison.try_update_value(Option::take).flatten();
                        sync::run_sync(&config, &*session, force, earlier, &cancel, report).await
                    }
                    None => {
                        let (last, read) =
                            sync::run_compare(&config, &*session, &cancel, report).await;
                        // A click while reading: the sync goes on from the comparison, in the
                        // same turn (the page never renders the comparison's button between).
                        // It stays asked until the task ends, so the run again after a token
                        // renewal (this one's read or write refused) compares and syncs again.
                        let queued = match read {
                            Some(_) => this.queued.try_get_value().flatten(),
                            None => None,
                        };
                        match queued {
                            Some(force) => {
                                sync::run_sync(&config, &*session, force, read, &cancel, report)
                                    .await
                            }
                            _ => {
                                this.comparison.try_set_value(read);
                                last
                            }
                        }
                    }
                }
            };
            let renew = || session.drop_access_tokens();
            if renewing(run, renew, &cancel).await == Outcome::SignInAgain {
                this.auth.reauthenticate();
            }
            this.running.try_set_value(false);
            this.queued.try_set_value(None);
            this.sync_asked.try_set(false);
        });
    }
}

/// How a run ended, for its controller.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// It ended in this phase, now on screen.
    Ended(SyncPhase),
    /// Services kept refusing the tokens, renewed or not: sign in again.
    SignInAgain,
    /// Its screen went; nothing more is done for it.
    Stopped,
}

/// The refusal policy around one run: when a service refused a token the cache thought fresh
/// (revoked, or expired early), `renew` forgets the access tokens (the refresh token then
/// redeems new ones silently) and the run goes once more; a second refusal means signing in
/// again. Nothing of this once `cancel` is set: a stopped run is neither repeated nor followed
/// by a sign-in.
pub async fn renewing<R, Fut>(mut run: R, renew: impl FnOnce(), cancel: &Cancel) -> Outcome
where
    R: FnMut() -> Fut,
    Fut: Future<Output = SyncPhase>,
{
    let refused = |last: &SyncPhase| {
        matches!(
            last,
            SyncPhase::Failed {
                reason: SyncFailure::SignInNeeded,
                wrote_anything: false
            }
        )
    };
    let mut last = run().await;
    if cancel.is_cancelled() {
        return Outcome::Stopped;
    }
    if refused(&last) {
        renew();
        last = run().await;
        if cancel.is_cancelled() {
            return Outcome::Stopped;
        }
    }
    if refused(&last) {
        Outcome::SignInAgain
    } else {
        Outcome::Ended(last)
    }
}

#[cfg(test)]
mod tests {
    use std::cell::{Cell, RefCell};

    use futures::executor::block_on;

    use super::*;

    fn refused() -> SyncPhase {
        SyncPhase::Failed {
            reason: SyncFailure::SignInNeeded,
            wrote_anything: false,
        }
    }

    /// Runs `renewing` over runs that end in `ends`, one after the other; `stop_during` is the
    /// run (counted from 1) during which the screen goes. Returns the outcome, how many runs
    /// started and whether the tokens were renewed.
    fn policy(ends: &[SyncPhase], stop_during: Option<usize>) -> (Outcome, usize, bool) {
        let cancel = Cancel::new();
        let started = Cell::new(0);
        let renewed = Cell::new(false);
        let ends = RefCell::new(ends.iter().cloned());
        let outcome = block_on(renewing(
            || {
                started.set(started.get() + 1);
                if stop_during == Some(started.get()) {
                    cancel.cancel();
                }
                let end = ends.borrow_mut().next().expect("no more runs expected");
                async move { end }
            },
            || renewed.set(true),
            &cancel,
        ));
        (outcome, started.get(), renewed.get())
    }

    fn compared(in_sync: bool) -> SyncPhase {
        SyncPhase::Compared {
            exchange: PhotoSummary {
                image_url: Some("blob:exchange".into()),
                source_width: 648,
                source_height: 648,
                source_format: "JPEG",
                edge: 648,
                jpeg_bytes: 1,
            },
            sharepoint: SharePointSummary::default(),
            in_sync,
        }
    }

    #[test]
    fn the_photos_of_a_comparison_stay_through_every_later_phase_of_the_run() {
        // A help-article link: the comparison, then writing in the same tick, then the result.
        let mut shown = None;
        for phase in [SyncPhase::Reading, compared(false), SyncPhase::Writing] {
            shown = photos_after(shown, &phase);
        }
        let after_compare = shown.clone().expect("photos after the comparison");
        assert!(!after_compare.in_sync);
        for phase in [
            SyncPhase::Verifying,
            SyncPhase::Done {
                elapsed_ms: 1,
                new_thumbnail: None,
            },
            SyncPhase::NothingToDo,
            SyncPhase::Failed {
                reason: SyncFailure::NoMailbox,
                wrote_anything: true,
            },
            SyncPhase::Reading,
        ] {
            shown = photos_after(shown, &phase);
            assert_eq!(shown.as_ref(), Some(&after_compare), "{}", phase.name());
        }
        let again = photos_after(shown.clone(), &compared(true)).unwrap();
        assert!(again.in_sync, "a new comparison replaces them");
        assert_eq!(photos_after(shown, &SyncPhase::Idle), None);
    }

    #[test]
    fn a_run_that_ends_is_run_once() {
        assert_eq!(
            policy(&[SyncPhase::NothingToDo], None),
            (Outcome::Ended(SyncPhase::NothingToDo), 1, false)
        );
    }

    #[test]
    fn a_refused_token_is_renewed_and_the_run_goes_once_more() {
        assert_eq!(
            policy(&[refused(), SyncPhase::NothingToDo], None),
            (Outcome::Ended(SyncPhase::NothingToDo), 2, true)
        );
    }

    #[test]
    fn a_second_refusal_asks_for_sign_in() {
        assert_eq!(
            policy(&[refused(), refused()], None),
            (Outcome::SignInAgain, 2, true)
        );
    }

    #[test]
    fn a_refusal_after_writing_is_not_run_again() {
        let wrote = SyncPhase::Failed {
            reason: SyncFailure::SignInNeeded,
            wrote_anything: true,
        };
        assert_eq!(
            policy(std::slice::from_ref(&wrote), None),
            (Outcome::Ended(wrote), 1, false)
        );
    }

    #[test]
    fn a_run_whose_screen_went_is_neither_repeated_nor_followed_by_a_sign_in() {
        assert_eq!(
            policy(&[refused()], Some(1)),
            (Outcome::Stopped, 1, false),
            "stopped during the first run"
        );
        assert_eq!(
            policy(&[refused(), refused()], Some(2)),
            (Outcome::Stopped, 2, true),
            "stopped during the run after renewal: no sign-in"
        );
    }
}
