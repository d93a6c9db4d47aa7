//! Throttling budgets as data: what was spent in a fixed window that opens with its first use
//! (a window the services document as "per minute", "per 5 minutes", "per 10 minutes"), or in
//! a rolling window (`Rolling`: Exchange Online's sending limits, "in the past 24 hours"). The
//! throttling models (`pipeline::limits`) keep one budget per app, user, mailbox or tenant and
//! decide what to answer; this file only does the arithmetic, on a clock it is given.

use std::collections::VecDeque;

/// Which limit a budget belongs to (with the key of the app, user, mailbox or tenant).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BudgetKind {
    /// Outlook: requests per app and mailbox per 10 minutes.
    OutlookMailbox,
    /// SharePoint: resource units per app per minute.
    SharePointUnits,
    /// SharePoint: PeopleManager calls per tenant per 5 minutes.
    PeopleManager,
    /// SharePoint: requests per user per 5 minutes.
    SharePointUser,
    /// Exchange Online: messages a mailbox sends per rolling minute.
    MailMessages,
    /// Exchange Online: recipients a mailbox sends to per rolling 24 hours.
    MailRecipients,
}

/// A fixed-window budget.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Budget {
    start_ms: u64,
    used: u64,
    open: bool,
}

/// What a spend left: the budget's `limit`, what is `used` of it in this window (this spend
/// included) and when the window ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spent {
    pub limit: u64,
    pub used: u64,
    pub reset_in_ms: u64,
}

impl Spent {
    pub fn remaining(&self) -> u64 {
        self.limit.saturating_sub(self.used)
    }
}

/// A spend over the budget: try again when the window ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Over {
    pub retry_in_ms: u64,
}

impl Budget {
    /// Spends `cost` of `limit` in the window of `window_ms` that is open at `now_ms` (a new one
    /// opens when none is, or the last one has ended). Over the limit, the spend is refused, and
    /// still counted: the services count throttled requests too.
    pub fn spend(
        &mut self,
        now_ms: u64,
        window_ms: u64,
        limit: u64,
        cost: u64,
    ) -> Result<Spent, Over> {
        if self.is_idle(now_ms, window_ms) {
            *self = Budget {
                start_ms: now_ms,
                used: 0,
                open: true,
            };
        }
        let reset_in_ms = (self.start_ms + window_ms).saturating_sub(now_ms);
        let over = self.used + cost > limit;
        self.used += cost;
        if over {
            Err(Over {
                retry_in_ms: reset_in_ms,
            })
        } else {
            Ok(Spent {
                limit,
                used: self.used,
                reset_in_ms,
            })
        }
    }

    /// No window is open at `now_ms`: the budget can be forgotten.
    pub fn is_idle(&self, now_ms: u64, window_ms: u64) -> bool {
        !self.open || now_ms >= self.start_ms + window_ms
    }
}

/// A rolling-window budget: the spends of the last window, each at its own moment. A spend fits
/// at a moment when the spends of the window before it (that moment included), plus itself,
/// are within the limit. Spends are made in order of time (a later spend is never before an
/// earlier one), and may be in the future (a message that waits its turn).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rolling {
    /// (moment in ms, cost), oldest first.
    spends: VecDeque<(u64, u64)>,
}

impl Rolling {
    /// The earliest moment, not before `now_ms` nor before the last spend, at which `cost` fits
    /// in `limit` over the `window_ms` before it; `None` if it never does (`cost` above
    /// `limit`). Spends that left the window by `now_ms` are forgotten.
    pub fn fits_at(&mut self, now_ms: u64, window_ms: u64, limit: u64, cost: u64) -> Option<u64> {
        while self
            .spends
            .front()
            .is_some_and(|(at, _)| at + window_ms <= now_ms)
        {
            self.spends.pop_front();
        }
        if cost > limit {
            return None;
        }
        let start = self.spends.back().map_or(now_ms, |(at, _)| now_ms.max(*at));
        let mut left: u64 = self.spends.iter().map(|(_, c)| c).sum();
        for (at, c) in &self.spends {
            // Still in the window at `start`: it must leave before the spend fits.
            if left + cost <= limit && at + window_ms > start {
                return Some(start);
            }
            left -= c;
            if left + cost <= limit {
                return Some(start.max(at + window_ms));
            }
        }
        Some(start)
    }

    /// Records a spend of `cost` at `at_ms` (not before the last spend).
    pub fn spend_at(&mut self, at_ms: u64, cost: u64) {
        self.spends.push_back((at_ms, cost));
    }

    /// Nothing of it is in a window at `now_ms` or later: it can be forgotten.
    pub fn is_idle(&self, now_ms: u64, window_ms: u64) -> bool {
        self.spends
            .back()
            .is_none_or(|(at, _)| at + window_ms <= now_ms)
    }
}

/// A window of `secs` seconds scaled by `scale` (at least 1 ms).
pub fn window_ms(secs: u64, scale: f64) -> u64 {
    let scale = if scale.is_finite() && scale > 0.0 {
        scale
    } else {
        1.0
    };
    ((secs as f64 * 1000.0 * scale).round() as u64).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_opens_with_its_first_use_and_rolls_over_when_it_ends() {
        let mut b = Budget::default();
        assert!(b.is_idle(0, 1000));
        let s = b.spend(5_000, 1_000, 3, 1).unwrap();
        assert_eq!((s.used, s.remaining(), s.reset_in_ms), (1, 2, 1_000));
        b.spend(5_400, 1_000, 3, 2).unwrap();
        let over = b.spend(5_900, 1_000, 3, 1).unwrap_err();
        assert_eq!(
            over.retry_in_ms, 100,
            "until the window that opened at 5000 ends"
        );
        // Refused spends count too: still over at the last moment of the window.
        assert!(b.spend(5_999, 1_000, 3, 1).is_err());
        // The next window starts empty.
        let s = b.spend(6_000, 1_000, 3, 3).unwrap();
        assert_eq!((s.used, s.remaining(), s.reset_in_ms), (3, 0, 1_000));
        assert!(!b.is_idle(6_999, 1_000));
        assert!(b.is_idle(7_000, 1_000));
    }

    #[test]
    fn a_cost_larger_than_what_is_left_is_refused() {
        let mut b = Budget::default();
        b.spend(0, 60_000, 5, 4).unwrap();
        assert!(b.spend(1, 60_000, 5, 2).is_err());
    }

    #[test]
    fn a_rolling_window_counts_what_the_last_window_holds() {
        let mut r = Rolling::default();
        // 3 per 1000 ms: spends at 0, 100, 200 fill it.
        for at in [0, 100, 200] {
            assert_eq!(r.fits_at(at, 1_000, 3, 1), Some(at));
            r.spend_at(at, 1);
        }
        // At 500 the fourth fits when the first leaves: at 1000.
        assert_eq!(r.fits_at(500, 1_000, 3, 1), Some(1_000));
        // Rolling, not fixed: at 1050 the spend of 0 is gone, those of 100 and 200 are not.
        assert_eq!(r.fits_at(1_050, 1_000, 3, 1), Some(1_050));
        r.spend_at(1_050, 1);
        assert_eq!(r.fits_at(1_060, 1_000, 3, 1), Some(1_100));
        assert!(!r.is_idle(2_049, 1_000));
        assert!(r.is_idle(2_050, 1_000));
    }

    #[test]
    fn a_rolling_window_weighs_costs_and_refuses_what_never_fits() {
        let mut r = Rolling::default();
        r.spend_at(0, 6);
        r.spend_at(10, 3);
        // 10 per 100: 2 more fit only when the 6 leave, at 100.
        assert_eq!(r.fits_at(20, 100, 10, 2), Some(100));
        assert_eq!(r.fits_at(20, 100, 10, 1), Some(20));
        assert_eq!(r.fits_at(20, 100, 10, 11), None, "more than the limit");
        // A spend that left its window is forgotten; a cost of the whole limit then fits once
        // the 3 have left too.
        assert_eq!(r.fits_at(105, 100, 10, 10), Some(110));
    }

    #[test]
    fn spends_waiting_their_turn_count_where_they_will_be() {
        let mut r = Rolling::default();
        // 2 per 1000: two now, the third waits until 1000, the fourth until 1000 too (the
        // second leaves then), the fifth until 2000.
        r.spend_at(0, 1);
        r.spend_at(0, 1);
        let third = r.fits_at(10, 1_000, 2, 1).unwrap();
        assert_eq!(third, 1_000);
        r.spend_at(third, 1);
        let fourth = r.fits_at(20, 1_000, 2, 1).unwrap();
        assert_eq!(fourth, 1_000);
        r.spend_at(fourth, 1);
        assert_eq!(r.fits_at(30, 1_000, 2, 1), Some(2_000));
    }

    #[test]
    fn windows_scale() {
        assert_eq!(window_ms(600, 1.0), 600_000);
        assert_eq!(window_ms(600, 0.01), 6_000);
        assert_eq!(window_ms(60, 0.01), 600);
        assert_eq!(window_ms(1, 0.0001), 1, "never shorter than 1 ms");
        assert_eq!(window_ms(60, f64::NAN), 60_000);
        assert_eq!(window_ms(60, -2.0), 60_000);
    }
}
