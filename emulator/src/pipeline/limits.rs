//! Throttling models, called by the services they model; each refuses like the real service
//! (429 with `Retry-After`, in the service's error shape) and marks the answer for the log.
//!
//! - Outlook (Graph's photo calls): concurrent requests per app (or per app and mailbox), and
//!   requests per app and mailbox per 10 minutes (Microsoft Graph throttling limits, "Outlook
//!   service limits": <https://learn.microsoft.com/graph/throttling-limits#outlook-service-limits>).
//! - Graph: an optional per-app rate per second (not a documented figure).
//! - SharePoint: requests per user per 5 minutes, PeopleManager calls per tenant per 5 minutes,
//!   resource units per app per minute, with `RateLimit-*` headers once most of the minute's
//!   units are spent ("Avoid getting throttled or blocked in SharePoint Online":
//!   <https://learn.microsoft.com/sharepoint/dev/general-development/how-to-avoid-getting-throttled-or-blocked-in-sharepoint-online>).
//! - Exchange Online's sending limits, per mailbox, for Graph's `sendMail`: recipients per
//!   message, messages per rolling minute, recipients per rolling 24 hours (Exchange Online
//!   limits, "Sending limits":
//!   <https://learn.microsoft.com/office365/servicedescriptions/exchange-online-service-description/exchange-online-limits>).
//!
//! Windows are fixed and open with their first use (`state::budget`), except the sending
//! limits', which roll; every window is `Limits::window_scale` times as long, and so are the
//! waits it announces.

use std::sync::Arc;

use axum::http::StatusCode;

use crate::model::{Limits, MailOverRate};
use crate::state::budget::{window_ms, BudgetKind, Over, Spent};
use crate::state::{Inner, Shared};
use crate::wire::codec::now_ms;
use crate::wire::odata::{self, Fmt};
use crate::wire::{self, Resp};

/// Outlook's window for requests per app and mailbox.
const OUTLOOK_WINDOW_SECS: u64 = 600;
/// SharePoint's windows.
const UNITS_WINDOW_SECS: u64 = 60;
const PEOPLE_MANAGER_WINDOW_SECS: u64 = 300;
const USER_WINDOW_SECS: u64 = 300;
/// Exchange Online's windows for the message rate and the recipient rate.
const MAIL_MESSAGES_WINDOW_SECS: u64 = 60;
const MAIL_RECIPIENTS_WINDOW_SECS: u64 = 86_400;
/// Budgets kept before idle ones are forgotten.
const BUDGETS_KEPT: usize = 50_000;

/// A wait as `Retry-After` writes it: whole seconds (at least 1) at the real windows' scale;
/// with shortened windows, seconds with up to three decimals (as Graph's own documented example,
/// `Retry-After: 2.128`).
pub fn retry_after_value(ms: u64, scale: f64) -> String {
    if scale >= 1.0 {
        return ms.div_ceil(1000).max(1).to_string();
    }
    let ms = ms.max(1);
    let text = format!("{}.{:03}", ms / 1000, ms % 1000);
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Spends `cost` of the budget of `kind` for `key`; idle budgets are forgotten when there are
/// many.
fn spend(
    inner: &mut Inner,
    kind: BudgetKind,
    key: &str,
    window: u64,
    limit: u32,
    cost: u32,
    now: u64,
) -> Result<Spent, Over> {
    if inner.budgets.len() > BUDGETS_KEPT {
        inner.budgets.retain(|_, b| !b.is_idle(now, window));
    }
    inner
        .budgets
        .entry((kind, key.to_string()))
        .or_default()
        .spend(now, window, limit as u64, cost as u64)
}

// ---------------------------------------------------------------------------------------------
// Outlook

/// A held Outlook concurrency slot; released on drop.
pub struct OutlookSlot {
    shared: Arc<Shared>,
    key: String,
}

impl Drop for OutlookSlot {
    fn drop(&mut self) {
        let mut inner = self.shared.lock();
        if let Some(n) = inner.outlook_inflight.get_mut(&self.key) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                inner.outlook_inflight.remove(&self.key);
            }
        }
    }
}

fn outlook_throttled(message: &str, retry_after: &str) -> Resp {
    let mut r = crate::wire::graph::error(
        StatusCode::TOO_MANY_REQUESTS,
        "ApplicationThrottled",
        message,
    );
    wire::set_header(&mut r, "retry-after", retry_after);
    wire::mark_throttled(&mut r);
    r
}

/// Admits one Outlook (photo) call of `app` on `mailbox`: a request of the app's budget for
/// that mailbox, then a concurrency slot, held until the answer is made (`None` when the
/// concurrency model is off).
pub fn outlook_admit(
    shared: &Arc<Shared>,
    app: &str,
    mailbox: &str,
) -> Result<Option<OutlookSlot>, Resp> {
    let mut inner = shared.lock();
    let limits = inner.limits.clone();
    if let Some(limit) = limits.outlook_requests_per_mailbox {
        let window = window_ms(OUTLOOK_WINDOW_SECS, limits.window_scale);
        let key = format!("{app}|{}", mailbox.to_ascii_lowercase());
        let spent = spend(
            &mut inner,
            BudgetKind::OutlookMailbox,
            &key,
            window,
            limit,
            1,
            now_ms(),
        );
        if let Err(over) = spent {
            drop(inner);
            return Err(outlook_throttled(
                "Application is over its request limit for this mailbox.",
                &retry_after_value(over.retry_in_ms, limits.window_scale),
            ));
        }
    }
    let Some(limit) = limits.outlook_concurrency else {
        return Ok(None);
    };
    let key = if limits.outlook_concurrency_per_mailbox {
        format!("{app}|{}", mailbox.to_ascii_lowercase())
    } else {
        app.to_string()
    };
    let n = inner.outlook_inflight.entry(key.clone()).or_insert(0);
    if *n >= limit {
        drop(inner);
        return Err(outlook_throttled(
            "Application is over its MailboxConcurrency limit.",
            &limits.outlook_retry_after_secs.to_string(),
        ));
    }
    *n += 1;
    Ok(Some(OutlookSlot {
        shared: shared.clone(),
        key,
    }))
}

// ---------------------------------------------------------------------------------------------
// Graph

/// Graph's per-app request rate (sliding one second, scaled).
pub fn graph_rate(shared: &Shared, app: &str) -> Result<(), Resp> {
    let mut inner = shared.lock();
    let Some(limit) = inner.limits.graph_requests_per_second else {
        return Ok(());
    };
    let scale = inner.limits.window_scale;
    let window = window_ms(1, scale);
    let now = now_ms();
    let w = inner.graph_window.entry(app.to_string()).or_default();
    while w.front().is_some_and(|t| now.saturating_sub(*t) >= window) {
        w.pop_front();
    }
    if w.len() as u32 >= limit {
        let wait = w
            .front()
            .map(|t| (t + window).saturating_sub(now))
            .unwrap_or(window);
        drop(inner);
        let mut r = crate::wire::graph::error(
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequests",
            "Too many requests",
        );
        wire::set_header(&mut r, "retry-after", &retry_after_value(wait, scale));
        wire::mark_throttled(&mut r);
        return Err(r);
    }
    w.push_back(now);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// SharePoint

/// One SharePoint call, as its throttling sees it.
#[derive(Clone, Debug)]
pub struct SharePointCall {
    /// The app (the token's `appid`).
    pub app: String,
    /// The user the call is made for (the token's `upn`), if any.
    pub user: Option<String>,
    /// A call to `SP.UserProfiles.PeopleManager`.
    pub people_manager: bool,
    /// Anything but `GET` and `HEAD`.
    pub write: bool,
}

/// What an admitted call's answer carries: `RateLimit-*` once most of the minute's resource
/// units are spent.
#[derive(Clone, Debug, Default)]
pub struct SharePointUsage {
    rate_limit: Option<(u64, u64, String)>,
}

impl SharePointUsage {
    /// Adds the `RateLimit-*` headers to the answer, when due.
    pub fn decorate(&self, r: &mut Resp) {
        if let Some((limit, remaining, reset)) = &self.rate_limit {
            wire::set_header(r, "ratelimit-limit", &limit.to_string());
            wire::set_header(r, "ratelimit-remaining", &remaining.to_string());
            wire::set_header(r, "ratelimit-reset", reset);
        }
    }
}

fn sharepoint_throttled(limits: &Limits, message: &str, retry_in_ms: u64) -> Resp {
    let status = StatusCode::from_u16(limits.sharepoint_throttle_status)
        .unwrap_or(StatusCode::TOO_MANY_REQUESTS);
    let code = if status == StatusCode::TOO_MANY_REQUESTS {
        "-2147024860, Microsoft.SharePoint.SPQueryThrottledException"
    } else {
        "-1, Microsoft.SharePoint.Client.ServerException"
    };
    let mut r = odata::error(Fmt::NoMeta, status, code, message);
    wire::set_header(
        &mut r,
        "retry-after",
        &retry_after_value(retry_in_ms, limits.window_scale),
    );
    wire::mark_throttled(&mut r);
    r
}

/// Admits one SharePoint call: the user's requests, the tenant's PeopleManager calls, then the
/// app's resource units (in that order; a refusal stops there, and what was spent before it
/// stays spent).
pub fn sharepoint_admit(shared: &Shared, call: &SharePointCall) -> Result<SharePointUsage, Resp> {
    let mut inner = shared.lock();
    let limits = inner.limits.clone();
    let now = now_ms();
    let scale = limits.window_scale;
    if let (Some(limit), Some(user)) = (limits.sharepoint_requests_per_user, &call.user) {
        let window = window_ms(USER_WINDOW_SECS, scale);
        let key = user.to_ascii_lowercase();
        if let Err(over) = spend(
            &mut inner,
            BudgetKind::SharePointUser,
            &key,
            window,
            limit,
            1,
            now,
        ) {
            drop(inner);
            return Err(sharepoint_throttled(
                &limits,
                "The request has been throttled: the user is over the number of requests allowed in this time window.",
                over.retry_in_ms,
            ));
        }
    }
    if let (Some(limit), true) = (
        limits.sharepoint_people_manager_per_tenant,
        call.people_manager,
    ) {
        let window = window_ms(PEOPLE_MANAGER_WINDOW_SECS, scale);
        if let Err(over) = spend(
            &mut inner,
            BudgetKind::PeopleManager,
            "tenant",
            window,
            limit,
            1,
            now,
        ) {
            drop(inner);
            return Err(sharepoint_throttled(
                &limits,
                "The request has been throttled: the tenant is over its PeopleManager calls for this time window.",
                over.retry_in_ms,
            ));
        }
    }
    let mut usage = SharePointUsage::default();
    if let Some(budget) = limits.sharepoint_units_per_minute {
        let cost = if call.write {
            limits.sharepoint_write_units
        } else {
            limits.sharepoint_read_units
        };
        let window = window_ms(UNITS_WINDOW_SECS, scale);
        match spend(
            &mut inner,
            BudgetKind::SharePointUnits,
            &call.app,
            window,
            budget,
            cost,
            now,
        ) {
            Ok(spent) => {
                if spent.used as f64 >= limits.sharepoint_ratelimit_headers_at * budget as f64 {
                    usage.rate_limit = Some((
                        spent.limit,
                        spent.remaining(),
                        retry_after_value(spent.reset_in_ms, scale),
                    ));
                }
            }
            Err(over) => {
                drop(inner);
                let mut r = sharepoint_throttled(
                    &limits,
                    "The request has been throttled: the application is over its resource unit budget for this minute.",
                    over.retry_in_ms,
                );
                SharePointUsage {
                    rate_limit: Some((
                        budget as u64,
                        0,
                        retry_after_value(over.retry_in_ms, scale),
                    )),
                }
                .decorate(&mut r);
                return Err(r);
            }
        }
    }
    Ok(usage)
}

// ---------------------------------------------------------------------------------------------
// Exchange Online's sending limits

/// When an admitted message is sent (ms since the epoch): now, or later for a message over the
/// message rate that waits its turn (`MailOverRate::Delay`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MailAdmitted {
    pub sent_ms: u64,
}

/// Admits one message from `mailbox` to `recipients` recipients (To, Cc and Bcc, each counted):
/// the recipients of one message (400 `ErrorInvalidRecipients`), the messages of the rolling
/// minute (429 `ApplicationThrottled`, or a later sending time), the recipients of the rolling
/// 24 hours (429 `ErrorSubmissionQuotaExceeded`), in that order. A refused message counts in
/// no window (it is not sent); an admitted one in both.
pub fn mail_admit(shared: &Shared, mailbox: &str, recipients: u32) -> Result<MailAdmitted, Resp> {
    let mut inner = shared.lock();
    let limits = inner.limits.clone();
    let scale = limits.window_scale;
    let now = now_ms();
    let key = mailbox.to_ascii_lowercase();
    if let Some(most) = limits.mail_recipients_per_message {
        if recipients > most {
            return Err(crate::wire::graph::error(
                StatusCode::BAD_REQUEST,
                "ErrorInvalidRecipients",
                &format!("At least one recipient is not valid., The message has {recipients} recipients; at most {most} are allowed."),
            ));
        }
    }
    if inner.rolling.len() > BUDGETS_KEPT {
        let longest = window_ms(MAIL_RECIPIENTS_WINDOW_SECS, scale);
        inner.rolling.retain(|_, r| !r.is_idle(now, longest));
    }
    let messages_window = window_ms(MAIL_MESSAGES_WINDOW_SECS, scale);
    let mut sent_ms = now;
    if let Some(limit) = limits.mail_messages_per_minute {
        let turn = inner
            .rolling
            .entry((BudgetKind::MailMessages, key.clone()))
            .or_default()
            .fits_at(now, messages_window, limit as u64, 1);
        match (turn, limits.mail_over_rate) {
            (Some(at), _) if at <= now => {}
            (Some(at), MailOverRate::Delay) => sent_ms = at,
            (turn, _) => {
                drop(inner);
                let wait = turn.map_or(messages_window, |at| at - now);
                let mut r = crate::wire::graph::error(
                    StatusCode::TOO_MANY_REQUESTS,
                    "ApplicationThrottled",
                    &format!("The mailbox is over its message rate limit of {limit} messages per minute."),
                );
                wire::set_header(&mut r, "retry-after", &retry_after_value(wait, scale));
                wire::mark_throttled(&mut r);
                return Err(r);
            }
        }
    }
    let recipients_window = window_ms(MAIL_RECIPIENTS_WINDOW_SECS, scale);
    if let Some(limit) = limits.mail_recipients_per_day {
        let turn = inner
            .rolling
            .entry((BudgetKind::MailRecipients, key.clone()))
            .or_default()
            .fits_at(now, recipients_window, limit as u64, recipients as u64);
        match turn {
            Some(at) if at <= now => {}
            turn => {
                drop(inner);
                let wait = turn.map_or(recipients_window, |at| at - now);
                let mut r = crate::wire::graph::error(
                    StatusCode::TOO_MANY_REQUESTS,
                    "ErrorSubmissionQuotaExceeded",
                    "The message couldn't be sent because the sender's submission quota was exceeded. Please try again later.",
                );
                wire::set_header(&mut r, "retry-after", &retry_after_value(wait, scale));
                wire::mark_throttled(&mut r);
                return Err(r);
            }
        }
    }
    if limits.mail_messages_per_minute.is_some() {
        inner
            .rolling
            .entry((BudgetKind::MailMessages, key.clone()))
            .or_default()
            .spend_at(sent_ms, 1);
    }
    if limits.mail_recipients_per_day.is_some() {
        inner
            .rolling
            .entry((BudgetKind::MailRecipients, key))
            .or_default()
            .spend_at(now, recipients as u64);
    }
    Ok(MailAdmitted { sent_ms })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{sharepoint_tier, Limits};

    fn header<'a>(r: &'a Resp, name: &str) -> Option<&'a str> {
        r.headers().get(name).map(|v| v.to_str().unwrap())
    }

    fn retry_after(r: &Resp) -> f64 {
        header(r, "retry-after").unwrap().parse().unwrap()
    }

    fn call(app: &str, user: &str, people_manager: bool, write: bool) -> SharePointCall {
        SharePointCall {
            app: app.into(),
            user: Some(user.into()),
            people_manager,
            write,
        }
    }

    fn only(limits: Limits) -> Arc<Shared> {
        let shared = Shared::for_tests();
        shared.lock().limits = limits;
        shared
    }

    #[test]
    fn the_licence_table_is_the_documented_one() {
        let tier = |n| {
            let t = sharepoint_tier(n);
            (t.people_manager_per_5_min, t.units_per_app_per_minute)
        };
        assert_eq!(tier(0), (3_000, 1_250));
        assert_eq!(tier(1_000), (3_000, 1_250));
        assert_eq!(tier(1_001), (6_000, 2_500));
        assert_eq!(tier(5_000), (6_000, 2_500));
        assert_eq!(tier(8_500), (9_000, 3_750));
        assert_eq!(tier(15_000), (9_000, 3_750));
        assert_eq!(tier(50_000), (12_000, 5_000));
        assert_eq!(tier(50_001), (15_000, 6_250));
        let d = Limits::documented(8_500);
        assert_eq!(d.sharepoint_units_per_minute, Some(3_750));
        assert_eq!(d.sharepoint_people_manager_per_tenant, Some(9_000));
        assert_eq!(d.sharepoint_requests_per_user, Some(3_000));
        assert_eq!(d.outlook_concurrency, Some(4));
        assert_eq!(d.outlook_requests_per_mailbox, Some(10_000));
        assert_eq!(Limits::default().outlook_concurrency, None, "default: off");
    }

    #[test]
    fn the_emulator_starts_with_the_documented_limits_for_its_licences() {
        let shared = Shared::for_tests();
        assert_eq!(shared.lock().limits, Limits::documented(7));
    }

    #[test]
    fn retry_after_is_whole_seconds_unless_windows_are_shortened() {
        assert_eq!(retry_after_value(0, 1.0), "1");
        assert_eq!(retry_after_value(1_001, 1.0), "2");
        assert_eq!(retry_after_value(60_000, 1.0), "60");
        assert_eq!(retry_after_value(350, 0.01), "0.35");
        assert_eq!(retry_after_value(6_000, 0.01), "6");
        assert_eq!(retry_after_value(0, 0.01), "0.001");
    }

    #[test]
    fn sharepoint_units_per_app_with_ratelimit_headers_from_80_percent() {
        let shared = only(Limits {
            sharepoint_units_per_minute: Some(10),
            ..Limits::default()
        });
        // 7 units: no headers yet; the 8th unit is 80 %.
        for _ in 0..7 {
            let mut r = wire::empty(StatusCode::OK);
            sharepoint_admit(&shared, &call("app-a", "u", false, false))
                .unwrap()
                .decorate(&mut r);
            assert!(header(&r, "ratelimit-limit").is_none());
        }
        let mut r = wire::empty(StatusCode::OK);
        sharepoint_admit(&shared, &call("app-a", "u", false, false))
            .unwrap()
            .decorate(&mut r);
        assert_eq!(header(&r, "ratelimit-limit"), Some("10"));
        assert_eq!(header(&r, "ratelimit-remaining"), Some("2"));
        let reset: u64 = header(&r, "ratelimit-reset").unwrap().parse().unwrap();
        assert!((1..=60).contains(&reset), "{reset}");
        // A write costs 2: exactly the rest; then even a read is over.
        sharepoint_admit(&shared, &call("app-a", "u", false, true)).unwrap();
        let r = sharepoint_admit(&shared, &call("app-a", "u", false, false)).unwrap_err();
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(r.headers().contains_key("x-emulator-throttled"));
        assert_eq!(header(&r, "ratelimit-remaining"), Some("0"));
        assert!((1.0..=60.0).contains(&retry_after(&r)));
        // Per app.
        assert!(sharepoint_admit(&shared, &call("app-b", "u", false, true)).is_ok());
    }

    #[test]
    fn sharepoint_windows_roll_over_at_the_scaled_time() {
        let shared = only(Limits {
            sharepoint_units_per_minute: Some(2),
            window_scale: 0.002, // a minute is 120 ms
            ..Limits::default()
        });
        let c = call("app", "u", false, false);
        sharepoint_admit(&shared, &c).unwrap();
        sharepoint_admit(&shared, &c).unwrap();
        let r = sharepoint_admit(&shared, &c).unwrap_err();
        let wait = retry_after(&r);
        assert!(wait > 0.0 && wait <= 0.12, "{wait}");
        std::thread::sleep(std::time::Duration::from_millis(130));
        assert!(sharepoint_admit(&shared, &c).is_ok(), "a new window");
    }

    #[test]
    fn people_manager_calls_per_tenant_and_requests_per_user() {
        let shared = only(Limits {
            sharepoint_people_manager_per_tenant: Some(2),
            sharepoint_requests_per_user: Some(3),
            sharepoint_throttle_status: 503,
            ..Limits::default()
        });
        // PeopleManager calls count for the whole tenant, whoever and whichever app calls.
        assert!(sharepoint_admit(&shared, &call("a", "u1", true, false)).is_ok());
        assert!(sharepoint_admit(&shared, &call("b", "u2", true, false)).is_ok());
        let r = sharepoint_admit(&shared, &call("c", "u3", true, false)).unwrap_err();
        assert_eq!(
            r.status(),
            StatusCode::SERVICE_UNAVAILABLE,
            "the chosen status"
        );
        assert!((1.0..=300.0).contains(&retry_after(&r)));
        // Other calls are not PeopleManager calls.
        assert!(sharepoint_admit(&shared, &call("c", "u3", false, false)).is_ok());
        // u1 has made 1 request; 2 more, then the user is over (across apps).
        assert!(sharepoint_admit(&shared, &call("x", "u1", false, false)).is_ok());
        assert!(sharepoint_admit(&shared, &call("y", "u1", false, false)).is_ok());
        assert!(sharepoint_admit(&shared, &call("z", "U1", false, false)).is_err());
        assert!(sharepoint_admit(&shared, &call("z", "u2", false, false)).is_ok());
    }

    #[test]
    fn outlook_concurrency_counts_held_slots_per_app() {
        let shared = only(Limits {
            outlook_concurrency: Some(2),
            outlook_retry_after_secs: 7,
            ..Limits::default()
        });
        let a = outlook_admit(&shared, "app", "m1").unwrap();
        let b = outlook_admit(&shared, "app", "m2").unwrap();
        assert!(a.is_some() && b.is_some());
        let r = outlook_admit(&shared, "app", "m3")
            .err()
            .expect("third concurrent call refused, whichever mailbox");
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(retry_after(&r), 7.0);
        assert!(outlook_admit(&shared, "other-app", "m1").is_ok(), "per app");
        drop(a);
        assert!(
            outlook_admit(&shared, "app", "m1").unwrap().is_some(),
            "a released slot is free again"
        );
        drop(b);
    }

    #[test]
    fn outlook_concurrency_per_mailbox_when_switched() {
        let shared = only(Limits {
            outlook_concurrency: Some(1),
            outlook_concurrency_per_mailbox: true,
            ..Limits::default()
        });
        let _a = outlook_admit(&shared, "app", "m1").unwrap();
        assert!(outlook_admit(&shared, "app", "M1").is_err());
        assert!(outlook_admit(&shared, "app", "m2").is_ok());
    }

    #[test]
    fn outlook_requests_per_app_and_mailbox_per_window() {
        let shared = only(Limits {
            outlook_requests_per_mailbox: Some(3),
            window_scale: 0.0002, // 10 minutes are 120 ms
            ..Limits::default()
        });
        for _ in 0..3 {
            assert!(outlook_admit(&shared, "app", "m1").is_ok());
        }
        let r = outlook_admit(&shared, "app", "m1").err().unwrap();
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        let wait = retry_after(&r);
        assert!(wait > 0.0 && wait <= 0.12, "{wait}");
        assert!(outlook_admit(&shared, "app", "m2").is_ok(), "per mailbox");
        assert!(outlook_admit(&shared, "app2", "m1").is_ok(), "per app");
        std::thread::sleep(std::time::Duration::from_millis(130));
        assert!(
            outlook_admit(&shared, "app", "m1").is_ok(),
            "the window rolled over"
        );
    }

    #[test]
    fn the_sending_limits_are_the_documented_ones() {
        let d = Limits::documented(7);
        assert_eq!(d.mail_messages_per_minute, Some(30));
        assert_eq!(d.mail_recipients_per_day, Some(10_000));
        assert_eq!(d.mail_recipients_per_message, Some(500));
        assert_eq!(d.mail_over_rate, MailOverRate::Delay);
        let off = Limits::default();
        assert_eq!(
            (
                off.mail_messages_per_minute,
                off.mail_recipients_per_day,
                off.mail_recipients_per_message
            ),
            (None, None, None),
            "--limits off"
        );
    }

    #[test]
    fn a_message_over_the_recipient_limit_is_refused_and_counts_nowhere() {
        let shared = only(Limits::documented(7));
        let r = mail_admit(&shared, "a@x", 501).unwrap_err();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        assert!(!r.headers().contains_key("x-emulator-throttled"));
        assert!(mail_admit(&shared, "a@x", 500).is_ok());
        assert_eq!(
            shared.lock().rolling.len(),
            2,
            "the admitted one's windows only"
        );
    }

    #[test]
    fn the_31st_message_of_a_rolling_minute_waits_for_the_first_to_leave() {
        let shared = only(Limits {
            mail_messages_per_minute: Some(30),
            mail_over_rate: MailOverRate::Refuse,
            window_scale: 0.002, // a minute is 120 ms
            ..Limits::default()
        });
        for _ in 0..30 {
            assert!(mail_admit(&shared, "a@x", 1).is_ok());
        }
        let r = mail_admit(&shared, "A@X", 1).unwrap_err();
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(r.headers().contains_key("x-emulator-throttled"));
        let wait = retry_after(&r);
        assert!(wait > 0.0 && wait <= 0.12, "{wait}");
        assert!(mail_admit(&shared, "b@x", 1).is_ok(), "per mailbox");
        std::thread::sleep(std::time::Duration::from_millis(130));
        assert!(
            mail_admit(&shared, "a@x", 1).is_ok(),
            "the minute rolled on"
        );
    }

    #[test]
    fn over_the_message_rate_a_message_may_wait_instead() {
        let shared = only(Limits {
            mail_messages_per_minute: Some(2),
            mail_over_rate: MailOverRate::Delay,
            ..Limits::default()
        });
        let first = mail_admit(&shared, "a@x", 1).unwrap().sent_ms;
        mail_admit(&shared, "a@x", 1).unwrap();
        let third = mail_admit(&shared, "a@x", 1).unwrap().sent_ms;
        assert!(
            (59_900..=60_100).contains(&(third - first)),
            "sent when the first leaves the minute: {}",
            third - first
        );
        let fifth = {
            mail_admit(&shared, "a@x", 1).unwrap();
            mail_admit(&shared, "a@x", 1).unwrap().sent_ms
        };
        assert!(
            fifth - first >= 119_900,
            "two minutes on: {}",
            fifth - first
        );
    }

    #[test]
    fn recipients_per_rolling_day_block_the_mailbox_until_they_age() {
        let shared = only(Limits {
            mail_recipients_per_day: Some(10),
            window_scale: 0.000_002, // 24 hours are about 173 ms
            ..Limits::default()
        });
        assert!(mail_admit(&shared, "a@x", 6).is_ok());
        assert!(mail_admit(&shared, "a@x", 4).is_ok());
        let r = mail_admit(&shared, "a@x", 1).unwrap_err();
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(r.headers().contains_key("x-emulator-throttled"));
        let wait = retry_after(&r);
        assert!(wait > 0.0 && wait <= 0.173, "{wait}");
        assert!(mail_admit(&shared, "b@x", 10).is_ok(), "per mailbox");
        std::thread::sleep(std::time::Duration::from_millis(180));
        assert!(mail_admit(&shared, "a@x", 10).is_ok(), "a day later");
    }

    #[test]
    fn a_message_refused_for_its_recipients_is_not_counted_as_sent() {
        let shared = only(Limits {
            mail_recipients_per_day: Some(10),
            mail_messages_per_minute: Some(3),
            mail_over_rate: MailOverRate::Refuse,
            ..Limits::default()
        });
        assert!(mail_admit(&shared, "a@x", 6).is_ok());
        assert!(mail_admit(&shared, "a@x", 4).is_ok());
        assert!(mail_admit(&shared, "a@x", 1).is_err());
        // With the day's limit lifted (windows kept), the third message of the minute goes.
        shared.lock().limits.mail_recipients_per_day = None;
        assert!(mail_admit(&shared, "a@x", 1).is_ok());
        assert!(mail_admit(&shared, "a@x", 1).is_err(), "the fourth is over");
    }

    #[test]
    fn graph_rate_per_second() {
        let shared = only(Limits {
            graph_requests_per_second: Some(3),
            ..Limits::default()
        });
        for _ in 0..3 {
            assert!(graph_rate(&shared, "app").is_ok());
        }
        let r = graph_rate(&shared, "app").unwrap_err();
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(retry_after(&r), 1.0);
        assert!(graph_rate(&shared, "another").is_ok());
    }
}
