//! Throttling budgets as data: what was spent in a fixed window that opens with its first use
//! (a window the services document as "per minute", "per 5 minutes", "per 10 minutes"). The
//! throttling models (`pipeline::limits`) keep one budget per app, user, mailbox or tenant and
//! decide what to answer; this file only does the arithmetic, on a clock it is given.

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
    fn windows_scale() {
        assert_eq!(window_ms(600, 1.0), 600_000);
        assert_eq!(window_ms(600, 0.01), 6_000);
        assert_eq!(window_ms(60, 0.01), 600);
        assert_eq!(window_ms(1, 0.0001), 1, "never shorter than 1 ms");
        assert_eq!(window_ms(60, f64::NAN), 60_000);
        assert_eq!(window_ms(60, -2.0), 60_000);
    }
}
