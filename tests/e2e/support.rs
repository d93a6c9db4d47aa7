//! The harness of these tests is the `e2e-harness` crate (`harness/`), shared with the
//! benchmarks: the release build served by the emulator, a browser (Chromium or Firefox ESR)
//! that fails the test on a console error or CSP violation, and the [`AppPage`] page object.

pub use e2e_harness::*;
