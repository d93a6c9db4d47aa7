//! What a help desk needs to know about a failed sync, as text the user copies into a message:
//! the reason code, what happened in the services' words, whether SharePoint may have changed,
//! when, for which account, and the page's version. A technical record in a fixed form (its
//! keys are not translated), so that one help desk reads every user's report the same way,
//! whatever language the page spoke. Pure: the view gives the clock's reading and the account.

use super::phase::SyncFailure;

/// One failed sync, as reported.
///
/// ```
/// use profile_photo_sync::sync::{report::FailureReport, SyncFailure};
/// let text = FailureReport {
///     failure: &SyncFailure::NoMySite,
///     wrote_anything: false,
///     time: "2025-03-01T09:30:00.000Z",
///     account: Some("adele@contoso.com"),
///     page: "https://intranet.contoso.com/photo/",
///     version: "1.2.0",
/// }
/// .text();
/// assert!(text.contains("reason: no-my-site"));
/// assert!(text.contains("version: 1.2.0"));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct FailureReport<'a> {
    pub failure: &'a SyncFailure,
    /// Whether SharePoint may have been changed.
    pub wrote_anything: bool,
    /// When the sync stopped, by the device's clock (ISO 8601, UTC).
    pub time: &'a str,
    /// The signed-in account's user name, when the page knows it.
    pub account: Option<&'a str>,
    /// The page's address, without its query.
    pub page: &'a str,
    /// The page's version (`config::VERSION`).
    pub version: &'a str,
}

impl FailureReport<'_> {
    /// The report, one `key: value` a line.
    pub fn text(&self) -> String {
        let changed = if self.wrote_anything { "maybe" } else { "no" };
        let mut lines = vec![
            "Profile Photo Sync: sync failed".to_owned(),
            format!("reason: {}", self.failure.code()),
            format!("detail: {}", self.failure),
            format!("sharepoint-changed: {changed}"),
            format!("time: {}", self.time),
        ];
        if let Some(account) = self.account.filter(|a| !a.is_empty()) {
            lines.push(format!("account: {account}"));
        }
        lines.push(format!("page: {}", self.page));
        lines.push(format!("version: {}", self.version));
        lines.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::Service;

    fn report(failure: &SyncFailure, wrote_anything: bool, account: Option<&str>) -> String {
        FailureReport {
            failure,
            wrote_anything,
            time: "2025-03-01T09:30:00.000Z",
            account,
            page: "https://intranet.contoso.com/photo/",
            version: "1.2.0",
        }
        .text()
    }

    #[test]
    fn a_report_names_the_reason_what_happened_when_who_and_the_version() {
        let failure = SyncFailure::Unexpected {
            service: Service::SharePoint,
            detail: "SharePoint answered HTTP 500 -1: boom".into(),
        };
        let text = report(&failure, true, Some("adele@contoso.com"));
        assert_eq!(
            text,
            "Profile Photo Sync: sync failed\n\
             reason: unexpected\n\
             detail: unexpected_answer: SharePoint answered HTTP 500 -1: boom\n\
             sharepoint-changed: maybe\n\
             time: 2025-03-01T09:30:00.000Z\n\
             account: adele@contoso.com\n\
             page: https://intranet.contoso.com/photo/\n\
             version: 1.2.0"
        );
    }

    #[test]
    fn an_unknown_account_is_left_out_and_nothing_written_says_no() {
        let text = report(&SyncFailure::NoExchangePhoto, false, None);
        assert!(!text.contains("account:"), "{text}");
        assert!(text.contains("sharepoint-changed: no"), "{text}");
        assert!(text.contains("reason: no-exchange-photo"), "{text}");
        assert!(!report(&SyncFailure::NoMailbox, false, Some("")).contains("account:"));
    }
}
