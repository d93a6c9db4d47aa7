//! Controllers: what the screens show and what their buttons do, as plain structs of signals
//! with methods that the views call. Sign-in ([`auth::AuthContext`]), the one-user sync
//! ([`sync::SyncController`]), the page's language ([`language`]) and what the address asks
//! for ([`address`]).
//!
//! Here lives the policy — when to sign in by itself, when to renew a token and run again,
//! when to stop a run — and the wiring of `sync` and `auth` to signals; no markup. The views in
//! [`crate::ui`] read these signals and call these methods; they decide nothing themselves.

pub mod address;
pub mod audit;
pub mod auth;
pub mod fix;
pub mod language;
pub mod outreach;
pub mod sync;
