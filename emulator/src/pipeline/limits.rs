//! Throttling models: Outlook photo concurrency per app, SharePoint resource units per minute,
//! Graph requests per second. Each answers 429 with `Retry-After` like the real service.

use std::sync::Arc;

use axum::http::StatusCode;

use crate::state::Shared;
use crate::wire::codec::now_ms;
use crate::wire::odata::{self, Fmt};
use crate::wire::{self, Resp};

/// A held Outlook concurrency slot; released on drop.
pub struct OutlookSlot {
    shared: Arc<Shared>,
    app: String,
}

impl Drop for OutlookSlot {
    fn drop(&mut self) {
        let mut inner = self.shared.lock();
        if let Some(n) = inner.outlook_inflight.get_mut(&self.app) {
            *n = n.saturating_sub(1);
        }
    }
}

/// Takes a slot of the Outlook photo API concurrency limit (None when the model is off).
pub fn outlook_acquire(shared: &Arc<Shared>, app: &str) -> Result<Option<OutlookSlot>, Resp> {
    let mut inner = shared.lock();
    let Some(limit) = inner.limits.outlook_concurrency else {
        return Ok(None);
    };
    let retry = inner.limits.outlook_retry_after_secs;
    let n = inner.outlook_inflight.entry(app.to_string()).or_insert(0);
    if *n >= limit {
        drop(inner);
        let mut r = crate::wire::graph::error(
            StatusCode::TOO_MANY_REQUESTS,
            "ApplicationThrottled",
            "Application is over its MailboxConcurrency limit.",
        );
        wire::set_header(&mut r, "retry-after", &retry.to_string());
        wire::mark_throttled(&mut r);
        return Err(r);
    }
    *n += 1;
    Ok(Some(OutlookSlot {
        shared: shared.clone(),
        app: app.to_string(),
    }))
}

/// Graph's per-app request rate (sliding one second).
pub fn graph_rate(shared: &Shared, app: &str) -> Result<(), Resp> {
    let mut inner = shared.lock();
    let Some(limit) = inner.limits.graph_requests_per_second else {
        return Ok(());
    };
    let now = now_ms();
    let w = inner.graph_window.entry(app.to_string()).or_default();
    while w.front().is_some_and(|t| now.saturating_sub(*t) >= 1000) {
        w.pop_front();
    }
    if w.len() as u32 >= limit {
        drop(inner);
        let mut r = crate::wire::graph::error(
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequests",
            "Too many requests",
        );
        wire::set_header(&mut r, "retry-after", "1");
        wire::mark_throttled(&mut r);
        return Err(r);
    }
    w.push_back(now);
    Ok(())
}

/// SharePoint resource units per app per minute (sliding window).
pub fn sharepoint_units(shared: &Shared, app: &str, write: bool) -> Result<(), Resp> {
    let mut inner = shared.lock();
    let Some(budget) = inner.limits.sharepoint_units_per_minute else {
        return Ok(());
    };
    let cost = if write {
        inner.limits.sharepoint_write_units
    } else {
        inner.limits.sharepoint_read_units
    };
    let now = now_ms();
    let w = inner.sp_window.entry(app.to_string()).or_default();
    while w
        .front()
        .is_some_and(|(t, _)| now.saturating_sub(*t) >= 60_000)
    {
        w.pop_front();
    }
    let used: u32 = w.iter().map(|(_, u)| *u).sum();
    if used + cost > budget {
        // Seconds until enough units have left the window.
        let mut freed = 0;
        let mut until = now + 60_000;
        for (t, u) in w.iter() {
            freed += u;
            if used - freed + cost <= budget {
                until = t + 60_000;
                break;
            }
        }
        let secs = until.saturating_sub(now).div_ceil(1000).max(1);
        drop(inner);
        let mut r = odata::error(
            Fmt::NoMeta,
            StatusCode::TOO_MANY_REQUESTS,
            "-2147024860, Microsoft.SharePoint.SPQueryThrottledException",
            "The request has been throttled: the application is over its resource unit budget for this minute.",
        );
        wire::set_header(&mut r, "retry-after", &secs.to_string());
        wire::mark_throttled(&mut r);
        return Err(r);
    }
    w.push_back((now, cost));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Limits;

    fn retry_after(r: &Resp) -> u64 {
        r.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap()
    }

    #[test]
    fn sharepoint_units_are_a_sliding_budget_per_app() {
        let shared = Shared::for_tests();
        shared.lock().limits = Limits {
            sharepoint_units_per_minute: Some(5),
            ..Limits::default()
        };
        // 2 writes (2 units each) + 1 read = 5 units: the budget.
        assert!(sharepoint_units(&shared, "app-a", true).is_ok());
        assert!(sharepoint_units(&shared, "app-a", true).is_ok());
        assert!(sharepoint_units(&shared, "app-a", false).is_ok());
        let r = sharepoint_units(&shared, "app-a", false).unwrap_err();
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(r.headers().contains_key("x-emulator-throttled"));
        let secs = retry_after(&r);
        assert!((1..=60).contains(&secs), "{secs}");
        // Another app has its own budget; switching the model off lets everything through.
        assert!(sharepoint_units(&shared, "app-b", true).is_ok());
        shared.lock().limits = Limits::default();
        assert!(sharepoint_units(&shared, "app-a", true).is_ok());
    }

    #[test]
    fn outlook_concurrency_counts_held_slots() {
        let shared = Shared::for_tests();
        shared.lock().limits = Limits {
            outlook_concurrency: Some(2),
            outlook_retry_after_secs: 7,
            ..Limits::default()
        };
        let a = outlook_acquire(&shared, "app").unwrap();
        let b = outlook_acquire(&shared, "app").unwrap();
        assert!(a.is_some() && b.is_some());
        let r = outlook_acquire(&shared, "app")
            .err()
            .expect("third concurrent call refused");
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(retry_after(&r), 7);
        assert!(outlook_acquire(&shared, "other-app").is_ok(), "per app");
        drop(a);
        assert!(
            outlook_acquire(&shared, "app").unwrap().is_some(),
            "a released slot is free again"
        );
        drop(b);
    }

    #[test]
    fn graph_rate_per_second() {
        let shared = Shared::for_tests();
        shared.lock().limits = Limits {
            graph_requests_per_second: Some(3),
            ..Limits::default()
        };
        for _ in 0..3 {
            assert!(graph_rate(&shared, "app").is_ok());
        }
        let r = graph_rate(&shared, "app").unwrap_err();
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(retry_after(&r), 1);
        assert!(graph_rate(&shared, "another").is_ok());
    }
}
