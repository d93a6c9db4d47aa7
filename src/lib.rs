//! Profile Photo Sync: a client-side page that makes SharePoint Online show the same
//! profile photo as Exchange Online.
//!
//! Dependencies run one way, down the flow: `app → ui → state → sync | setup → graph |
//! sharepoint → auth → http`, with `photo`, `i18n` and `config` at the bottom (the order
//! `tests/layers.rs` keeps). Pure logic (URL and request building,
//! parsing, classification, crop maths, retry timing) has no `web_sys` in it and is tested
//! natively with `cargo test`; only `auth`, `graph`, `sharepoint` and `http` touch the network.

pub mod app;
pub mod audit;
pub mod auth;
pub mod browser;
pub mod config;
pub mod embed;
pub mod first;
pub mod fix;
pub mod graph;
pub mod http;
pub mod i18n;
pub mod links;
pub mod outreach;
pub mod photo;
pub mod service;
pub mod setup;
pub mod sharepoint;
pub mod state;
pub mod sync;
pub mod ui;
