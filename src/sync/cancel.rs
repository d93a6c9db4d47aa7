//! Stopping a sync whose screen is gone: a flag its owner sets when the view is cleaned up,
//! and that the runner reads between steps, so that no request — above all no write — starts
//! for a screen nobody sees any more. A request already on the wire is left to finish; its
//! answer is not reported. Pure (no `web_sys`), so the rule is tested natively.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use super::phase::SyncPhase;

/// A sync's stop flag: every clone sees the same flag, and it never goes back. (Atomic only
/// because Leptos's cleanup callbacks must be `Send`; the page has one thread.)
///
/// ```
/// use profile_photo_sync::sync::Cancel;
/// let cancel = Cancel::new();
/// let runner_side = cancel.clone();
/// cancel.cancel();
/// assert!(runner_side.is_cancelled());
/// ```
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    pub fn new() -> Cancel {
        Cancel::default()
    }

    /// Stops the sync at its next step.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// `on_phase`, silent once cancelled: a screen that is gone hears nothing more.
    pub fn silenced<'a>(&'a self, on_phase: impl Fn(SyncPhase) + 'a) -> impl Fn(SyncPhase) + 'a {
        move |phase| {
            if !self.is_cancelled() {
                on_phase(phase);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;

    #[test]
    fn every_clone_sees_the_stop_and_it_stays() {
        let cancel = Cancel::new();
        let runner = cancel.clone();
        assert!(!runner.is_cancelled());
        cancel.cancel();
        assert!(runner.is_cancelled());
        cancel.cancel();
        assert!(runner.is_cancelled(), "stopping twice does not resume");
    }

    #[test]
    fn nothing_is_reported_after_the_stop() {
        let cancel = Cancel::new();
        let heard = RefCell::new(Vec::new());
        let report = cancel.silenced(|p: SyncPhase| heard.borrow_mut().push(p.name()));
        report(SyncPhase::Reading);
        cancel.cancel();
        report(SyncPhase::Writing);
        assert_eq!(*heard.borrow(), vec![SyncPhase::Reading.name()]);
    }
}
