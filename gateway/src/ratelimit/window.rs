//! Quotas per calendar period: requests per UTC day or month, counted in a fixed window
//! that starts at midnight (or the first of the month) and resets exactly at the next
//! boundary — what "10,000 calls a month" means to the consumer paying for it, unlike a
//! rolling window.

use chrono::{DateTime, Datelike, Months, NaiveTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// The calendar period of a quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuotaPeriod {
    /// A UTC day.
    Day,
    /// A calendar month (UTC).
    Month,
}

/// The window containing `now`: its start and its end (the next window's start).
pub fn window(period: QuotaPeriod, now: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    let midnight = Utc.from_utc_datetime(&now.date_naive().and_time(NaiveTime::MIN));
    match period {
        QuotaPeriod::Day => (midnight, midnight + chrono::Days::new(1)),
        QuotaPeriod::Month => {
            let start = midnight - chrono::Days::new(u64::from(now.day0()));
            (start, start + Months::new(1))
        }
    }
}

/// A quota's state for one key: the window it counts in and the requests counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct QuotaCount {
    /// Start of the window counted, Unix seconds (0: nothing counted yet).
    pub window_start: i64,
    /// Requests admitted in that window.
    pub used: u64,
}

/// What one request got from a quota.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaDecision {
    pub allowed: bool,
    /// The state to store (unchanged when refused).
    pub count: QuotaCount,
    /// Requests left in this window.
    pub remaining: u64,
    /// Seconds until the window resets.
    pub reset_secs: u64,
}

/// Decides a request costing `cost` against `quota` requests per `period`, given the
/// stored `count`; a count from an earlier window starts again from zero.
pub fn check(period: QuotaPeriod, quota: u64, count: QuotaCount, now: DateTime<Utc>, cost: u64) -> QuotaDecision {
    let (start, end) = window(period, now);
    let used = if count.window_start == start.timestamp() { count.used } else { 0 };
    let reset_secs = u64::try_from((end - now).num_seconds()).unwrap_or(0).max(1);
    let after = used.saturating_add(cost);
    if after <= quota {
        QuotaDecision {
            allowed: true,
            count: QuotaCount { window_start: start.timestamp(), used: after },
            remaining: quota - after,
            reset_secs,
        }
    } else {
        QuotaDecision { allowed: false, count, remaining: quota.saturating_sub(used), reset_secs }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn windows_follow_the_calendar() {
        let (start, end) = window(QuotaPeriod::Day, at("2026-11-28T13:45:10Z"));
        assert_eq!((start, end), (at("2026-11-28T00:00:00Z"), at("2026-11-29T00:00:00Z")));
        let (start, end) = window(QuotaPeriod::Month, at("2026-02-28T23:59:59Z"));
        assert_eq!((start, end), (at("2026-02-01T00:00:00Z"), at("2026-03-01T00:00:00Z")));
        let (start, end) = window(QuotaPeriod::Month, at("2026-12-31T12:00:00Z"));
        assert_eq!((start, end), (at("2026-12-01T00:00:00Z"), at("2027-01-01T00:00:00Z")));
    }

    #[test]
    fn a_quota_is_used_up_then_resets_at_the_boundary() {
        let mut count = QuotaCount::default();
        let now = at("2026-11-30T23:59:58Z");
        for n in 1..=3 {
            let d = check(QuotaPeriod::Month, 3, count, now, 1);
            assert!(d.allowed);
            assert_eq!(d.remaining, 3 - n);
            count = d.count;
        }
        let refused = check(QuotaPeriod::Month, 3, count, now, 1);
        assert!(!refused.allowed);
        assert_eq!(refused.reset_secs, 2, "two seconds to December");
        assert_eq!(refused.count, count, "a refusal counts nothing");
        let december = check(QuotaPeriod::Month, 3, count, at("2026-12-01T00:00:00Z"), 1);
        assert!(december.allowed, "a new month, a new quota");
        assert_eq!(december.remaining, 2);
    }
}
