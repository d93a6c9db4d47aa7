//! End-to-end tests: the release build in headless Chromium against the local Microsoft 365
//! emulator, over real HTTP with real CORS and redirects; the core journeys in Firefox ESR too.
//! See `support.rs` for the harness.
#![cfg(not(target_arch = "wasm32"))]

/// Declares each journey, an `async fn(Engine)` of the calling module, as two tests:
/// `chromium::<journey>` in Chromium and `firefox::<journey>` in Firefox ESR.
#[macro_export]
macro_rules! in_chromium_and_firefox {
    ($($journey:ident),+ $(,)?) => {
        mod chromium {
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $journey() {
                    super::$journey($crate::support::Engine::Chromium).await
                }
            )+
        }
        mod firefox {
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $journey() {
                    super::$journey($crate::support::Engine::Firefox).await
                }
            )+
        }
    };
}

mod admin;
mod embed;
mod faults;
mod first;
mod fix;
mod hosting;
mod latvian;
mod links;
mod outreach;
mod permissions;
mod setup;
mod shell;
mod signin;
mod support;
mod sync;
mod trust;
mod watch;
