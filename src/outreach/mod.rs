//! The admin page's outreach: from the audit's results to each out-of-sync user getting their
//! one-click self-service link by mail, sent through Graph's `sendMail` from the admin's own
//! mailbox (delegated `Mail.Send`, asked for only when sending).
//!
//! SharePoint Online refuses profile writes for other users made with delegated tokens, even
//! for Global and SharePoint admins, so the fix at scale is each user's own sync: this module
//! brings them to it. Pure parts, tested natively: [`template`] (the message per language and
//! its placeholders), [`plan`] (personal messages up to a threshold, the rest in Bcc, inside
//! Exchange Online's sending limits), [`compose`] (the messages a plan makes, for the dry run
//! and the send alike), [`campaign`] (who was messaged and when, kept in IndexedDB so that
//! nobody gets two), and the reading of `sendMail`'s errors in [`sender`], which also runs the
//! send.

pub mod campaign;
pub mod compose;
pub mod plan;
pub mod sender;
pub mod template;
