//! When to send a failed request again. Pure: the clock and the random source are arguments.
//!
//! Transient failures (429, 503, 504, network) are retried at most [`RetryPolicy::max_retries`]
//! times, and never after more than [`RetryPolicy::max_total_wait_ms`] of waiting in all. The
//! wait is the server's `Retry-After` (seconds or an HTTP date) when the browser could read it
//! (SharePoint exposes it; Graph does not), otherwise exponential backoff with full jitter:
//! a uniformly random wait in `0..min(cap, base · 2^retry)`.

use crate::service::{Call, ServiceError};

use super::phase::WriteFailure;

/// How failed requests are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The backoff ceiling of the first retry, in ms.
    pub base_ms: u32,
    /// No backoff wait is longer than this, in ms.
    pub cap_ms: u32,
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// All waits of one request together stay under this, in ms; a `Retry-After` that would
    /// go beyond it ends the retries.
    pub max_total_wait_ms: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            base_ms: 500,
            cap_ms: 8_000,
            max_retries: 4,
            max_total_wait_ms: 30_000,
        }
    }
}

/// A failure the policy can judge.
pub trait Retryable {
    /// True when sending the same request again later may succeed.
    fn is_transient(&self) -> bool;
    /// The raw `Retry-After` header, when the browser exposed it.
    fn retry_after(&self) -> Option<&str>;
}

/// Every service's failures, judged the one way [`ServiceError`] says.
impl<C: Call> Retryable for ServiceError<C> {
    fn is_transient(&self) -> bool {
        ServiceError::is_transient(self)
    }
    fn retry_after(&self) -> Option<&str> {
        ServiceError::retry_after(self)
    }
}

/// A write is sent again only when that cannot store the photo twice.
impl Retryable for WriteFailure {
    fn is_transient(&self) -> bool {
        self.may_send_again
    }
    fn retry_after(&self) -> Option<&str> {
        self.error.retry_after()
    }
}

impl RetryPolicy {
    /// How long to wait before retry number `retry` (0 for the first retry) after `error`, or
    /// `None` to give up. `waited_ms` is what this request has waited so far, `now_ms` the
    /// current time (Unix ms, for `Retry-After` dates) and `jitter` a random number in `0..1`.
    ///
    /// ```
    /// use profile_photo_sync::sync::retry::RetryPolicy;
    /// let policy = RetryPolicy::default();
    /// // No Retry-After: full jitter under 500 · 2^2 = 2000 ms.
    /// assert_eq!(policy.delay_ms(2, 0, None, 0.0, 0.5), Some(1000));
    /// // Retry-After in seconds wins.
    /// assert_eq!(policy.delay_ms(0, 0, Some("3"), 0.0, 0.5), Some(3000));
    /// // The fifth retry is one too many.
    /// assert_eq!(policy.delay_ms(4, 0, None, 0.0, 0.5), None);
    /// ```
    pub fn delay_ms(
        &self,
        retry: u32,
        waited_ms: u32,
        retry_after: Option<&str>,
        now_ms: f64,
        jitter: f64,
    ) -> Option<u32> {
        if retry >= self.max_retries {
            return None;
        }
        let budget = self.max_total_wait_ms.saturating_sub(waited_ms);
        match retry_after.and_then(|v| parse_retry_after(v, now_ms)) {
            Some(wait) if wait <= budget => Some(wait),
            Some(_) => None,
            None => Some(self.backoff_ms(retry, jitter).min(budget)),
        }
    }

    /// Exponential backoff with full jitter for retry number `retry`.
    pub fn backoff_ms(&self, retry: u32, jitter: f64) -> u32 {
        let ceiling = u64::from(self.base_ms)
            .saturating_mul(1u64 << retry.min(32))
            .min(u64::from(self.cap_ms));
        let jitter = if jitter.is_finite() {
            jitter.clamp(0.0, 1.0)
        } else {
            0.0
        };
        ((ceiling as f64) * jitter).floor().min(ceiling as f64) as u32
    }

    /// The most a request can wait in all under this policy.
    pub fn worst_case_wait_ms(&self) -> u32 {
        self.max_total_wait_ms
    }
}

/// A `Retry-After` value as a wait in ms: delay-seconds (`"120"`) or an HTTP date
/// (`"Wed, 21 Oct 2015 07:28:00 GMT"`, relative to `now_ms`, never negative). `None` when it
/// is neither.
pub fn parse_retry_after(value: &str, now_ms: f64) -> Option<u32> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(seconds.saturating_mul(1000).min(u64::from(u32::MAX)) as u32);
    }
    let at = parse_http_date(value)?;
    Some((at - now_ms).clamp(0.0, f64::from(u32::MAX)) as u32)
}

/// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) as Unix ms.
pub fn parse_http_date(value: &str) -> Option<f64> {
    let mut parts = value.split_ascii_whitespace();
    let _weekday = parts.next()?.strip_suffix(',')?;
    let day: i64 = parts.next()?.parse().ok()?;
    let month = match parts.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let year: i64 = parts.next()?.parse().ok()?;
    let mut time = parts.next()?.split(':').map(|p| p.parse::<i64>().ok());
    let (h, m, s) = (time.next()??, time.next()??, time.next()??);
    if parts.next()? != "GMT" || parts.next().is_some() || time.next().is_some() {
        return None;
    }
    // Four-digit years only (RFC 9110 §5.6.7), and no negative times: the sums below stay
    // far inside an i64 whatever the header says.
    if !(1..=31).contains(&day)
        || !(1..=9999).contains(&year)
        || !(0..=23).contains(&h)
        || !(0..=59).contains(&m)
        || !(0..=60).contains(&s)
    {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(((days * 86_400 + h * 3600 + m * 60 + s) * 1000) as f64)
}

/// Days since 1970-01-01 (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{GraphError, GraphProblem};
    use crate::sharepoint::SharePointError;

    const P: RetryPolicy = RetryPolicy {
        base_ms: 500,
        cap_ms: 8_000,
        max_retries: 4,
        max_total_wait_ms: 30_000,
    };

    #[test]
    fn default_policy_is_the_documented_one() {
        assert_eq!(RetryPolicy::default(), P);
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        // jitter just under 1 shows the ceiling of each retry.
        let ceilings: Vec<u32> = (0..6).map(|r| P.backoff_ms(r, 0.999_999_9)).collect();
        assert_eq!(ceilings, vec![499, 999, 1999, 3999, 7999, 7999]);
        assert_eq!(
            P.backoff_ms(40, 1.0),
            8_000,
            "no overflow on huge retry numbers"
        );
    }

    #[test]
    fn full_jitter_spans_zero_to_the_ceiling() {
        assert_eq!(P.backoff_ms(3, 0.0), 0);
        assert_eq!(P.backoff_ms(3, 0.25), 1000);
        assert_eq!(P.backoff_ms(3, 1.0), 4000);
        assert_eq!(P.backoff_ms(3, -1.0), 0, "out-of-range jitter is clamped");
        assert_eq!(P.backoff_ms(3, f64::NAN), 0);
    }

    #[test]
    fn at_most_four_retries() {
        for retry in 0..4 {
            assert!(P.delay_ms(retry, 0, None, 0.0, 0.5).is_some(), "{retry}");
        }
        assert_eq!(P.delay_ms(4, 0, None, 0.0, 0.5), None);
        assert_eq!(P.delay_ms(4, 0, Some("1"), 0.0, 0.5), None);
    }

    #[test]
    fn retry_after_seconds_is_honoured() {
        assert_eq!(P.delay_ms(0, 0, Some("2"), 0.0, 0.9), Some(2000));
        assert_eq!(P.delay_ms(1, 0, Some(" 0 "), 0.0, 0.9), Some(0));
    }

    #[test]
    fn retry_after_date_is_relative_to_now() {
        let now = parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT").unwrap();
        assert_eq!(
            P.delay_ms(0, 0, Some("Wed, 21 Oct 2015 07:28:05 GMT"), now, 0.9),
            Some(5000)
        );
        assert_eq!(
            P.delay_ms(0, 0, Some("Wed, 21 Oct 2015 07:27:00 GMT"), now, 0.9),
            Some(0),
            "a date in the past means now"
        );
    }

    #[test]
    fn unreadable_retry_after_falls_back_to_backoff() {
        assert_eq!(P.delay_ms(1, 0, Some("soon"), 0.0, 0.5), Some(500));
        assert_eq!(P.delay_ms(1, 0, Some("-3"), 0.0, 0.5), Some(500));
    }

    #[test]
    fn total_wait_is_bounded() {
        // A Retry-After beyond what is left of the budget ends the retries.
        assert_eq!(P.delay_ms(0, 0, Some("31"), 0.0, 0.5), None);
        assert_eq!(P.delay_ms(2, 25_000, Some("6"), 0.0, 0.5), None);
        assert_eq!(P.delay_ms(2, 25_000, Some("5"), 0.0, 0.5), Some(5000));
        // Backoff is cut to what is left.
        assert_eq!(P.delay_ms(3, 29_000, None, 0.0, 0.999), Some(1000));
        // Whatever the server says and whatever the jitter, the sum stays under the budget.
        let mut waited = 0;
        let mut retry = 0;
        while let Some(wait) = P.delay_ms(retry, waited, Some("9"), 0.0, 0.7) {
            waited += wait;
            retry += 1;
        }
        assert!(waited <= P.worst_case_wait_ms(), "{waited}");
        assert_eq!(retry, 3, "three 9 s waits fit in 30 s, a fourth does not");
    }

    #[test]
    fn http_dates() {
        assert_eq!(parse_http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0.0));
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777_000.0)
        );
        assert_eq!(
            parse_http_date("Tue, 29 Feb 2028 12:00:00 GMT"),
            Some(1_835_438_400_000.0)
        );
        for bad in [
            "",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "Sun, 06 Nov 1994 08:49:37 PST",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 25:49:37 GMT",
        ] {
            assert_eq!(parse_http_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn errors_say_whether_they_are_worth_retrying() {
        let g = GraphError::Transient {
            status: 429,
            retry_after: None,
        };
        assert!(Retryable::is_transient(&g));
        assert_eq!(Retryable::retry_after(&g), None);
        let s = SharePointError::Transient {
            status: 503,
            retry_after: Some("4".into()),
        };
        assert!(Retryable::is_transient(&s));
        assert_eq!(Retryable::retry_after(&s), Some("4"));
        assert!(!Retryable::is_transient(&GraphError::from(
            GraphProblem::NoExchangePhoto
        )));
    }

    #[test]
    fn a_write_is_sent_again_only_when_that_cannot_store_it_twice() {
        use crate::http::HttpError;
        let busy = WriteFailure::answered(SharePointError::Transient {
            status: 429,
            retry_after: Some("4".into()),
        });
        assert!(Retryable::is_transient(&busy));
        assert_eq!(Retryable::retry_after(&busy), Some("4"));
        let lost = SharePointError::Http(HttpError::Network {
            origin: "o".into(),
            detail: "d".into(),
        });
        assert!(Retryable::is_transient(&lost), "a read is sent again");
        let write = WriteFailure::answered(lost.clone());
        assert!(!Retryable::is_transient(&write), "a write is not, blindly");
        let not_stored = WriteFailure {
            error: lost,
            may_send_again: true,
        };
        assert!(Retryable::is_transient(&not_stored));
        assert_eq!(Retryable::retry_after(&not_stored), None, "backoff");
    }

    #[test]
    fn retry_after_http_date_in_a_far_year_does_not_overflow() {
        for value in [
            "Sun, 06 Nov 9223372036854775807 08:49:37 GMT",
            "Sun, 06 Nov -9223372036854775808 08:49:37 GMT",
            "Sun, 06 Jan -9223372036854775808 08:49:37 GMT",
            "Sun, 06 Nov 1994 -9223372036854775808:49:37 GMT",
        ] {
            let wait = parse_retry_after(value, 0.0);
            assert!(wait.is_none() || wait == Some(0), "{value}: {wait:?}");
        }
        assert_eq!(
            parse_retry_after("18446744073709551615", 0.0),
            Some(u32::MAX)
        );
    }

    // Property tests run natively (`cargo test`); proptest is a native dev-dependency.

    #[cfg(not(target_arch = "wasm32"))]

    proptest::proptest! {
        /// No `Retry-After` value panics, and a wait is never beyond the policy's budget.
        #[test]
        fn any_retry_after_value_is_read_without_panic(
            value in proptest::prop_oneof![
                "[ -~]{0,40}",
                proptest::string::string_regex(
                    "(Mon|Sun), -?[0-9]{1,20} (Jan|Feb|Nov) -?[0-9]{1,20} -?[0-9]{1,20}:[0-9]{1,3}:[0-9]{1,3} GMT"
                ).unwrap(),
            ],
            now in proptest::num::f64::ANY,
            retry in 0u32..8,
            waited in proptest::num::u32::ANY,
        ) {
            let _ = parse_retry_after(&value, now);
            if let Some(wait) = P.delay_ms(retry, waited, Some(&value), now, 0.5) {
                proptest::prop_assert!(wait <= P.max_total_wait_ms.saturating_sub(waited));
            }
        }
    }
}
