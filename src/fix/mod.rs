//! The admin page's direct writes, where SharePoint allows them: the Exchange photo written
//! into SharePoint for other users after an audit.
//!
//! [`plan`] (pure, tested natively) decides from the audit's results who gets which write:
//! the three thumbnails overwritten where the picture already is them, the profile write where
//! there is no picture, nothing (with the reason) for everyone else. [`runner`] does the
//! writes in the browser, one user at a time, each ending verified (read back, fingerprints
//! compared) or put back as it was, and stops trying the profile write at SharePoint Online's
//! first documented refusal. Nothing here writes unless the admin asked for it after seeing
//! the plan (a dry run is the default, in the page).

pub mod plan;
pub mod runner;
