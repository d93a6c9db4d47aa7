//! Microsoft Graph, as far as the self-service sync needs it: the signed-in user (`/me`, for
//! the UPN and the My Site host) and their Exchange photo (metadata and bytes), read together
//! in one `$batch` (`reads`).
//!
//! `request` builds requests, `response` parses answers and reads Graph's own error cases
//! ([`GraphProblem`]) on top of the failures every API shares ([`crate::service`]; together
//! [`GraphError`]), `my_site` decides which SharePoint origin a token may be sent to: all pure
//! and tested natively. `client` sends them through [`crate::service::call`] with a token from
//! [`crate::auth::TokenSource`]. This module never stores tokens, never retries (the caller's
//! retry policy does, from [`crate::service::ServiceError::is_transient`]) and knows nothing of
//! SharePoint's API.

pub mod client;
pub mod directory;
pub mod mail;
pub mod my_site;
pub mod reads;
pub mod request;
pub mod response;

pub use client::me;
pub use my_site::{my_site_host, MySiteError};
pub use reads::BatchedReads;
pub use response::{GraphCall, GraphError, GraphProblem, GraphUser, PhotoMetadata};
