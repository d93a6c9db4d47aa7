//! Property tests of every parser of outside input: whatever a server, an address bar, a
//! deployment's `config.json` or a stored cache entry holds, the page's pure parsers never
//! panic, and each keeps the promise its module states (a response removed from the address
//! leaves every other parameter, a thumbnail URL never leaves the My Site host, a validated
//! config names only https or loopback endpoints, sniffing never takes one format for another,
//! and so on).
//!
//! One file per module under test. Each property runs proptest's default 256 cases;
//! `cargo xtask fuzz` (`PROPTEST_CASES=10000 cargo test --release --test properties`) runs them
//! long. A failing case is printed shrunk to its smallest form; add it as a named regression
//! test in the module it breaks.
#![cfg(not(target_arch = "wasm32"))]

mod auth_cache;
mod auth_request;
mod config;
mod embed;
mod graph_response;
mod http_json;
mod photo_plan;
mod retry;
mod sharepoint_request;
mod sharepoint_response;
mod sniff;
mod strategies;
