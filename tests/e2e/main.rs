//! End-to-end tests: the release build in headless Chromium against the local Microsoft 365
//! emulator, over real HTTP with real CORS and redirects. See `support.rs` for the harness.
#![cfg(not(target_arch = "wasm32"))]

mod embed;
mod faults;
mod links;
mod setup;
mod shell;
mod signin;
mod support;
mod sync;
