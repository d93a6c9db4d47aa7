//! The admin audit: for every user in scope, whether SharePoint shows the photo Exchange has,
//! and if not, why. Read-only: the audit never writes a photo.
//!
//! Pure parts, tested natively: [`status`] (the facts read per user and the one status they
//! give), [`scope`] (whom to audit, from a link or a pasted list), [`csv`] (the export), and
//! [`pace`] (how many calls may be in flight and when, inside the services' throttling limits).

pub mod csv;
pub mod pace;
pub mod progress;
pub mod runner;
pub mod saved;
pub mod scope;
pub mod status;

pub use status::{classify, ExchangeFacts, Reason, Service, SharePointFacts, Status};
