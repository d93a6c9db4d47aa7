//! How fast the audit may call a service: a cap on calls in flight, a budget of calls per
//! time window, and adaptive back-off when the service throttles anyway. Pure: the clock is
//! passed in (milliseconds), so every rule is tested natively.
//!
//! The limits it paces against are documented by Microsoft: Outlook resources (the photos)
//! take 4 concurrent requests and 10,000 requests per 10 minutes per app and mailbox
//! (<https://learn.microsoft.com/graph/throttling-limits#outlook-service-limits>); SharePoint
//! meters requests per user, per app and per tenant and answers 429 or 503 with `Retry-After`,
//! and sends `RateLimit-Remaining` / `RateLimit-Reset` once 80 % of a budget is used
//! (<https://learn.microsoft.com/sharepoint/dev/general-development/how-to-avoid-getting-throttled-or-blocked-in-sharepoint-online>).
//! The budgets are kept a little under the limit (see [`HEADROOM`]); when a service throttles
//! all the same (other apps share its tenant budget), the pace halves its concurrency, waits
//! what `Retry-After` says, and grows back one call at a time (additive increase,
//! multiplicative decrease).

use std::collections::VecDeque;

/// The share of a window's budget the pace uses: the rest is left for other apps and for the
/// calls a retry adds.
pub const HEADROOM: f64 = 0.95;

/// How long to wait after a throttled answer without `Retry-After` (milliseconds).
pub const DEFAULT_BACKOFF_MS: f64 = 2_000.0;

/// The longest single wait the pace accepts from a service (milliseconds); longer
/// `Retry-After` values are capped so that pause and cancel stay responsive.
pub const MAX_WAIT_MS: f64 = 120_000.0;

/// A budget of calls per time window.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Budget {
    pub calls: u32,
    pub window_ms: f64,
}

/// What became of a call, as the pace needs to know it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Outcome {
    /// Answered (successfully or with a final error): not the pace's concern.
    Answered,
    /// 429 or 503: throttled, with the service's `Retry-After` in milliseconds when it gave one.
    Throttled { retry_after_ms: Option<f64> },
}

/// The pace of one service.
#[derive(Debug, Clone)]
pub struct Pace {
    max_in_flight: u32,
    /// The current cap, between 1 and `max_in_flight`.
    allowed: u32,
    in_flight: u32,
    budget: Option<Budget>,
    /// When each call of the current window started.
    starts: VecDeque<f64>,
    /// No call starts before this time (a `Retry-After`, or a spent `RateLimit` budget).
    resume_at: f64,
    /// Answers since the last change of `allowed`.
    answered_since_change: u32,
    /// Throttled answers received in all.
    pub throttled: u32,
}

impl Pace {
    pub fn new(max_in_flight: u32, budget: Option<Budget>) -> Pace {
        let max_in_flight = max_in_flight.max(1);
        Pace {
            max_in_flight,
            allowed: max_in_flight,
            in_flight: 0,
            budget,
            starts: VecDeque::new(),
            resume_at: 0.0,
            answered_since_change: 0,
            throttled: 0,
        }
    }

    /// The current cap on calls in flight.
    pub fn allowed(&self) -> u32 {
        self.allowed
    }

    pub fn in_flight(&self) -> u32 {
        self.in_flight
    }

    /// `Ok` when a call may start at `now`; otherwise how long to wait before asking again
    /// (`None`: until a call in flight answers).
    pub fn ready(&mut self, now: f64) -> Result<(), Option<f64>> {
        if now < self.resume_at {
            return Err(Some(self.resume_at - now));
        }
        if self.in_flight >= self.allowed {
            return Err(None);
        }
        if let Some(budget) = self.budget {
            while self
                .starts
                .front()
                .is_some_and(|&t| t <= now - budget.window_ms)
            {
                self.starts.pop_front();
            }
            let usable = ((f64::from(budget.calls) * HEADROOM).floor() as usize).max(1);
            if self.starts.len() >= usable {
                let oldest = self.starts[self.starts.len() - usable];
                return Err(Some((oldest + budget.window_ms - now).max(1.0)));
            }
        }
        Ok(())
    }

    /// A call starts at `now` (after [`Pace::ready`] said yes).
    pub fn start(&mut self, now: f64) {
        self.in_flight += 1;
        if self.budget.is_some() {
            self.starts.push_back(now);
        }
    }

    /// A call that started has ended at `now`.
    pub fn end(&mut self, now: f64, outcome: Outcome) {
        self.in_flight = self.in_flight.saturating_sub(1);
        match outcome {
            Outcome::Answered => {
                self.answered_since_change += 1;
                // One more in flight after a full round of calls without throttling.
                if self.answered_since_change >= self.allowed && self.allowed < self.max_in_flight {
                    self.allowed += 1;
                    self.answered_since_change = 0;
                }
            }
            Outcome::Throttled { retry_after_ms } => {
                self.throttled += 1;
                self.allowed = (self.allowed / 2).max(1);
                self.answered_since_change = 0;
                let wait = retry_after_ms
                    .filter(|ms| ms.is_finite() && *ms >= 0.0)
                    .unwrap_or(DEFAULT_BACKOFF_MS)
                    .min(MAX_WAIT_MS);
                self.resume_at = self.resume_at.max(now + wait);
            }
        }
    }

    /// SharePoint's `RateLimit-Remaining` and `RateLimit-Reset` (seconds) seen at `now`: with
    /// nothing left, nothing starts until the window resets; with little left, the rest of
    /// the window is spread evenly over it.
    pub fn rate_limit(&mut self, now: f64, remaining: u32, reset_seconds: f64) {
        if !reset_seconds.is_finite() || reset_seconds < 0.0 {
            return;
        }
        let reset_ms = (reset_seconds * 1000.0).min(MAX_WAIT_MS);
        let gap = if remaining == 0 {
            reset_ms
        } else {
            reset_ms / f64::from(remaining)
        };
        self.resume_at = self.resume_at.max(now + gap);
    }
}

/// How many times a call is tried in all before the user is marked unreadable.
pub const MAX_ATTEMPTS: u32 = 6;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_in_flight_are_capped() {
        let mut pace = Pace::new(4, None);
        for _ in 0..4 {
            assert_eq!(pace.ready(0.0), Ok(()));
            pace.start(0.0);
        }
        assert_eq!(pace.ready(0.0), Err(None));
        pace.end(10.0, Outcome::Answered);
        assert_eq!(pace.ready(10.0), Ok(()));
    }

    #[test]
    fn a_window_budget_is_kept_nearly_full_but_never_overrun() {
        // 100 calls per second: 95 start, the 96th waits for the first to leave the window.
        let mut pace = Pace::new(
            1000,
            Some(Budget {
                calls: 100,
                window_ms: 1000.0,
            }),
        );
        for i in 0..95 {
            assert_eq!(pace.ready(i as f64), Ok(()), "call {i}");
            pace.start(i as f64);
            pace.end(i as f64, Outcome::Answered);
        }
        assert_eq!(pace.ready(95.0), Err(Some(905.0)));
        assert_eq!(pace.ready(1000.0), Ok(()));
        // Over any window, no more than the budget starts.
        let mut pace = Pace::new(
            1000,
            Some(Budget {
                calls: 10,
                window_ms: 100.0,
            }),
        );
        let mut starts = vec![];
        let mut now = 0.0;
        while starts.len() < 200 {
            match pace.ready(now) {
                Ok(()) => {
                    pace.start(now);
                    pace.end(now, Outcome::Answered);
                    starts.push(now);
                }
                Err(wait) => now += wait.unwrap_or(1.0),
            }
        }
        for (i, &t) in starts.iter().enumerate() {
            let in_window = starts[i..].iter().take_while(|&&s| s < t + 100.0).count();
            assert!(in_window <= 10, "{in_window} calls in the window from {t}");
        }
        // ... and the pace stays close to the budget: 200 calls at 9.5 per 100 ms.
        assert!(now < 200.0 / 9.0 * 100.0, "took {now} ms");
    }

    #[test]
    fn throttling_halves_the_cap_and_waits_retry_after() {
        let mut pace = Pace::new(8, None);
        pace.start(0.0);
        pace.end(
            5.0,
            Outcome::Throttled {
                retry_after_ms: Some(3000.0),
            },
        );
        assert_eq!(pace.allowed(), 4);
        assert_eq!(pace.ready(5.0), Err(Some(3000.0)));
        assert_eq!(pace.ready(3005.0), Ok(()));
        pace.start(3005.0);
        pace.end(
            3006.0,
            Outcome::Throttled {
                retry_after_ms: None,
            },
        );
        assert_eq!(pace.allowed(), 2);
        assert_eq!(pace.ready(3006.0), Err(Some(DEFAULT_BACKOFF_MS)));
        assert_eq!(pace.throttled, 2);
        // Never below one, and an absurd Retry-After is capped.
        for _ in 0..5 {
            pace.end(
                4000.0,
                Outcome::Throttled {
                    retry_after_ms: Some(1e12),
                },
            );
        }
        assert_eq!(pace.allowed(), 1);
        assert_eq!(pace.ready(4000.0), Err(Some(MAX_WAIT_MS)));
    }

    #[test]
    fn the_cap_grows_back_one_call_per_clean_round() {
        let mut pace = Pace::new(4, None);
        pace.end(
            0.0,
            Outcome::Throttled {
                retry_after_ms: Some(0.0),
            },
        );
        pace.end(
            0.0,
            Outcome::Throttled {
                retry_after_ms: Some(0.0),
            },
        );
        assert_eq!(pace.allowed(), 1);
        pace.end(1.0, Outcome::Answered);
        assert_eq!(pace.allowed(), 2);
        pace.end(2.0, Outcome::Answered);
        assert_eq!(pace.allowed(), 2);
        pace.end(3.0, Outcome::Answered);
        assert_eq!(pace.allowed(), 3);
        for t in 4..20 {
            pace.end(t as f64, Outcome::Answered);
        }
        assert_eq!(pace.allowed(), 4, "never above the maximum");
    }

    #[test]
    fn ratelimit_headers_spread_what_is_left() {
        let mut pace = Pace::new(4, None);
        pace.rate_limit(0.0, 10, 5.0);
        assert_eq!(pace.ready(0.0), Err(Some(500.0)));
        pace.rate_limit(600.0, 0, 30.0);
        assert_eq!(pace.ready(600.0), Err(Some(30_000.0)));
        pace.rate_limit(700.0, 0, f64::NAN);
        assert_eq!(pace.ready(30_600.0), Ok(()));
    }
}
