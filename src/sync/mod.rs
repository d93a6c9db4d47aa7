//! The self-service pipeline for one user: read the Exchange photo and SharePoint's picture,
//! compare them, write, verify — as an explicit state machine ([`SyncPhase`]) that the UI
//! only renders.
//!
//! `phase` (states and failures), `report` (a failure as a help desk reads it), `compare`
//! (same picture? did the write take?) and `retry` (when to send again) are pure and tested
//! natively. `runner` drives them in the browser:
//! it calls [`crate::graph`], [`crate::sharepoint`] and [`crate::photo::browser`], sends
//! independent requests concurrently, retries transient failures through [`RetryPolicy`], and
//! reports every phase through a callback. It writes nothing unless the photo was read and
//! processed successfully, and never writes when SharePoint is already in sync unless forced.
//! A [`Cancel`] stops a run between steps when its screen goes, so no write starts after.
//! No UI here, and no token handling beyond passing a [`crate::auth::TokenSource`] down.

mod cancel;
pub mod compare;
pub mod phase;
pub mod report;
pub mod retry;
mod runner;
pub mod tabs;

pub use cancel::Cancel;
pub use phase::{PhotoSummary, Service, SharePointSummary, SyncFailure, SyncPhase};
pub use retry::RetryPolicy;
pub use runner::{run_compare, run_sync, Comparison, SignedIn};
