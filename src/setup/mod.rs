//! The setup check (`#/setup`): whoever deploys the page learns, step by step, whether
//! `config.json`, the authority, the app registration (its redirect URI and its permissions,
//! read from what the identity platform granted), Graph and the My Site host work, and exactly
//! what to fix when one does not. It only reads: a green check means a sync will work, without
//! having written anything.
//!
//! `check` holds the steps and their outcomes (pure, tested natively); `runner` performs each
//! step through [`crate::auth`], [`crate::graph`] and [`crate::sharepoint`] — the same calls
//! the sync makes, so a green row means the sync's own request works. No UI here: the screen
//! ([`crate::ui`]) renders [`CheckOutcome`]s.

pub mod check;
mod runner;

pub use check::{CheckOutcome, Evidence, SetupProblem, SetupStep};
pub use runner::{check_discovery, check_graph, check_my_site, test_sign_in};
