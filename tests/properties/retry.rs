//! `sync::retry`: `Retry-After` values and HTTP dates, and the waits the policy derives from
//! them; plus the classification of throttled Graph and SharePoint answers, whatever their
//! `Retry-After` and body, as retryable with a bounded wait.

use proptest::prelude::*;

use profile_photo_sync::graph::response::classify as classify_graph;
use profile_photo_sync::graph::GraphCall;
use profile_photo_sync::sharepoint::response::classify as classify_sharepoint;
use profile_photo_sync::sharepoint::SharePointCall;
use profile_photo_sync::sync::retry::{parse_http_date, parse_retry_after, RetryPolicy, Retryable};

use crate::strategies::{body, text};

const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
/// 9999-12-31T23:59:59Z, the last second an IMF-fixdate's four-digit year can name.
const LAST_FIXDATE_SECS: i64 = 253_402_300_799;

/// Unix seconds as an IMF-fixdate, written independently of the code under test (Howard
/// Hinnant's `civil_from_days`).
fn imf_fixdate(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let time = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{}, {day:02} {} {year:04} {:02}:{:02}:{:02} GMT",
        WEEKDAYS[days.rem_euclid(7) as usize],
        MONTHS[(month - 1) as usize],
        time / 3600,
        time % 3600 / 60,
        time % 60
    )
}

/// A date field: mostly in or near its range, sometimes any number at all.
fn date_field(range: std::ops::RangeInclusive<i64>) -> impl Strategy<Value = i64> {
    let (low, high) = (*range.start(), *range.end());
    prop_oneof![4 => range, 1 => (low - 100)..=(high + 100), 1 => any::<i64>()]
}

/// Strings shaped like an HTTP date, with any numbers in every field.
fn date_shaped() -> impl Strategy<Value = String> {
    (
        prop::sample::select(WEEKDAYS.to_vec()),
        date_field(1..=31),
        prop::sample::select(MONTHS.to_vec()),
        date_field(0..=9999),
        date_field(0..=23),
        date_field(0..=59),
        date_field(0..=60),
    )
        .prop_map(|(weekday, day, month, year, h, m, s)| {
            format!("{weekday}, {day} {month} {year} {h}:{m}:{s} GMT")
        })
}

fn graph_call() -> impl Strategy<Value = GraphCall> {
    prop::sample::select(vec![
        GraphCall::Me,
        GraphCall::PhotoMetadata,
        GraphCall::PhotoBytes,
    ])
}

fn sharepoint_call() -> impl Strategy<Value = SharePointCall> {
    prop::sample::select(vec![
        SharePointCall::GetMyProperties,
        SharePointCall::SetMyProfilePicture,
        SharePointCall::Thumbnail,
    ])
}

/// A `Retry-After` header as servers (and broken proxies) send it.
fn retry_after_value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<u64>().prop_map(|s| s.to_string()),
        (0u64..120).prop_map(|s| s.to_string()),
        (0i64..LAST_FIXDATE_SECS).prop_map(imf_fixdate),
        date_shaped(),
        text(),
    ]
}

/// The time a page may believe it is, from a clock that may be wildly off.
fn now_ms() -> impl Strategy<Value = f64> {
    prop_oneof![
        (0i64..LAST_FIXDATE_SECS).prop_map(|s| s as f64 * 1000.0),
        any::<f64>(),
    ]
}

/// What a request's waits add up to under `policy`, when every answer is `error`.
fn total_wait(policy: &RetryPolicy, error: &impl Retryable, now_ms: f64, jitters: &[f64]) -> u64 {
    let mut waited: u32 = 0;
    let mut retry = 0;
    while let Some(wait) = policy.delay_ms(
        retry,
        waited,
        error.retry_after(),
        now_ms,
        jitters[retry as usize % jitters.len()],
    ) {
        waited = waited.saturating_add(wait);
        retry += 1;
        assert!(
            retry <= policy.max_retries,
            "more retries than the policy allows"
        );
    }
    u64::from(waited)
}

proptest! {
    #![proptest_config(crate::strategies::runner())]

    #[test]
    fn parse_http_date_never_panics(value in any::<String>()) {
        let _ = parse_http_date(&value);
    }

    #[test]
    fn date_shaped_values_never_panic(value in date_shaped(), now in now_ms()) {
        let _ = parse_http_date(&value);
        let _ = parse_retry_after(&value, now);
    }

    /// Every second from 1970 to 9999, written as an IMF-fixdate, reads back as itself.
    #[test]
    fn imf_fixdates_read_back_as_their_time(secs in 0i64..=LAST_FIXDATE_SECS) {
        prop_assert_eq!(parse_http_date(&imf_fixdate(secs)), Some(secs as f64 * 1000.0));
    }

    /// A date's fields are checked: no hour past 23, no minute past 59, no negative field.
    #[test]
    fn dates_with_fields_out_of_range_are_refused(
        secs in 0i64..=LAST_FIXDATE_SECS,
        field in 0usize..3,
        bad in prop_oneof![-99i64..0, 60i64..1000],
    ) {
        let date = imf_fixdate(secs);
        let (head, time) = date.split_at(date.len() - "00:00:00 GMT".len());
        let mut parts: Vec<String> = time[..8].split(':').map(str::to_owned).collect();
        // 60 is a leap second, which a seconds field may hold.
        prop_assume!(!(field == 2 && bad == 60));
        parts[field] = format!("{bad:02}");
        let date = format!("{head}{} GMT", parts.join(":"));
        prop_assert_eq!(parse_http_date(&date), None, "{}", date);
    }

    #[test]
    fn parse_retry_after_never_panics(value in any::<String>(), now in any::<f64>()) {
        let _ = parse_retry_after(&value, now);
    }

    /// Delay-seconds are read as ms, saturating at the largest wait a `u32` holds.
    #[test]
    fn delay_seconds_are_read_as_ms(seconds in any::<u64>(), pad in "[ \t]{0,2}", now in any::<f64>()) {
        let expected = seconds.saturating_mul(1000).min(u64::from(u32::MAX)) as u32;
        prop_assert_eq!(parse_retry_after(&format!("{pad}{seconds}{pad}"), now), Some(expected));
    }

    /// A date is a wait from now: never negative, the exact distance when it is ahead.
    #[test]
    fn dates_are_waits_from_now(at in 0i64..=LAST_FIXDATE_SECS, now in 0i64..=LAST_FIXDATE_SECS) {
        let wait = parse_retry_after(&imf_fixdate(at), now as f64 * 1000.0);
        let expected = ((at - now).max(0) * 1000).min(i64::from(u32::MAX)) as u32;
        prop_assert_eq!(wait, Some(expected));
    }

    /// Whatever the server says, the clock and the jitter, no request waits longer in all than
    /// the policy's budget, or retries more often than it allows.
    #[test]
    fn waits_stay_within_the_budget(
        retry_after in prop::option::of(retry_after_value()),
        now in now_ms(),
        jitters in prop::collection::vec(any::<f64>(), 1..6),
        base_ms in any::<u32>(),
        cap_ms in any::<u32>(),
        max_retries in 0u32..10,
        max_total_wait_ms in any::<u32>(),
    ) {
        let policy = RetryPolicy { base_ms, cap_ms, max_retries, max_total_wait_ms };
        let error = profile_photo_sync::graph::GraphError::Transient { status: 429, retry_after };
        prop_assert!(total_wait(&policy, &error, now, &jitters) <= u64::from(max_total_wait_ms));
    }

    /// Backoff stays in `0..=min(cap, base · 2^retry)` for any retry number and jitter.
    #[test]
    fn backoff_is_within_its_ceiling(
        base_ms in any::<u32>(),
        cap_ms in any::<u32>(),
        retry in any::<u32>(),
        jitter in any::<f64>(),
    ) {
        let policy = RetryPolicy { base_ms, cap_ms, ..RetryPolicy::default() };
        let ceiling = u64::from(base_ms)
            .saturating_mul(1u64 << retry.min(32))
            .min(u64::from(cap_ms));
        prop_assert!(u64::from(policy.backoff_ms(retry, jitter)) <= ceiling);
    }

    /// A 429, 503 or 504 from Graph, with any `Retry-After` and any body, is retryable, keeps
    /// its `Retry-After`, and the default policy waits a bounded time before the first retry
    /// (or gives up when the server asks for more than the budget).
    #[test]
    fn throttled_graph_answers_are_retried_within_the_budget(
        call in graph_call(),
        status in prop::sample::select(vec![429u16, 503, 504]),
        retry_after in prop::option::of(retry_after_value()),
        body in prop_oneof![body(), mailbox_error_body()],
        now in now_ms(),
        jitter in any::<f64>(),
    ) {
        let error = classify_graph(call, status, retry_after.as_deref(), &body);
        prop_assert!(Retryable::is_transient(&error), "{error:?}");
        prop_assert_eq!(Retryable::retry_after(&error), retry_after.as_deref());
        assert_first_wait_is_bounded(&error, now, jitter)?;
    }

    /// The same for SharePoint.
    #[test]
    fn throttled_sharepoint_answers_are_retried_within_the_budget(
        call in sharepoint_call(),
        status in prop::sample::select(vec![429u16, 503, 504]),
        retry_after in prop::option::of(retry_after_value()),
        body in body(),
        now in now_ms(),
        jitter in any::<f64>(),
    ) {
        let error = classify_sharepoint(call, status, retry_after.as_deref(), &body);
        prop_assert!(Retryable::is_transient(&error), "{error:?}");
        prop_assert_eq!(Retryable::retry_after(&error), retry_after.as_deref());
        assert_first_wait_is_bounded(&error, now, jitter)?;
    }
}

/// Graph's error body with one of the codes Exchange gives for a missing mailbox.
fn mailbox_error_body() -> impl Strategy<Value = Vec<u8>> {
    prop::sample::select(vec![
        "MailboxNotEnabledForRESTAPI",
        "ErrorMailboxNotFound",
        "ErrorInvalidUser",
    ])
    .prop_map(|code| format!(r#"{{"error":{{"code":"{code}","message":"m"}}}}"#).into_bytes())
}

/// The first retry's wait is within the default budget; it is there unless the server's own
/// `Retry-After` asks for more than the budget.
fn assert_first_wait_is_bounded(
    error: &impl Retryable,
    now: f64,
    jitter: f64,
) -> Result<(), TestCaseError> {
    let policy = RetryPolicy::default();
    let asked = error.retry_after().and_then(|v| parse_retry_after(v, now));
    match policy.delay_ms(0, 0, error.retry_after(), now, jitter) {
        Some(wait) => {
            prop_assert!(wait <= policy.max_total_wait_ms);
            if asked.is_none() {
                prop_assert!(wait <= policy.cap_ms.min(policy.base_ms));
            }
        }
        None => prop_assert!(asked.is_some_and(|ms| ms > policy.max_total_wait_ms)),
    }
    Ok(())
}
