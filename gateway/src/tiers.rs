//! Throttling tiers compiled for the request path: each tier's rate and quota checked
//! once per snapshot, with the `RateLimit-Policy` text it shows clients, and its rank
//! among the snapshot's priorities (what a saturated backend limit sorts callers by).

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use crate::ratelimit::gcra::Rate;
use crate::ratelimit::headers;
use crate::ratelimit::window::QuotaPeriod;
use crate::spec::{LoadError, QuotaSpec, RateSpec, TierSpec};

/// Longest rate period accepted: a day (longer periods are quotas).
pub const MAX_PERIOD_SECS: u64 = 86_400;

/// A rate as a request sees it: the rate and its `RateLimit-Policy` text.
#[derive(Debug, Clone)]
pub struct Limit {
    /// The GCRA rate.
    pub rate: Rate,
    /// Decided locally, shared through Redis periodically.
    pub approximate: bool,
    /// `"name";q=…;w=…`.
    pub policy: Arc<str>,
}

/// A quota as a request sees it.
#[derive(Debug, Clone)]
pub struct Quota {
    /// The calendar period.
    pub period: QuotaPeriod,
    /// Requests per period.
    pub limit: u64,
    /// `"name";q=…;w=…` (the window is the period's length in seconds).
    pub policy: Arc<str>,
}

/// One compiled tier.
#[derive(Debug)]
pub struct Tier {
    /// Its name.
    pub name: Arc<str>,
    /// Its rate, if limited.
    pub rate: Option<Limit>,
    /// Its quota, if any.
    pub quota: Option<Quota>,
    /// Position among the snapshot's distinct priorities, 0 for the most important.
    pub rank: u64,
}

/// Every tier of a snapshot, by name.
#[derive(Debug, Default)]
pub struct Tiers {
    by_name: HashMap<String, Arc<Tier>>,
    /// Distinct priorities in the snapshot (at least 1).
    pub levels: u64,
}

impl Tiers {
    /// Checks and compiles the snapshot's tiers.
    pub fn compile(specs: &[TierSpec]) -> Result<Self, LoadError> {
        let priorities: BTreeSet<u32> = specs.iter().map(|t| t.priority).collect();
        let levels = u64::try_from(priorities.len()).unwrap_or(1).max(1);
        let mut by_name = HashMap::with_capacity(specs.len());
        for (i, spec) in specs.iter().enumerate() {
            let at = |field: &str| format!("tiers[{i}].{field}");
            if spec.name.trim().is_empty() {
                return Err(LoadError::at(at("name"), "a tier needs a name"));
            }
            let rank = priorities.iter().rev().position(|p| *p == spec.priority).unwrap_or(0);
            let tier = Tier {
                name: Arc::from(spec.name.as_str()),
                rate: spec.rate.as_ref().map(|r| limit(&at("rate"), &spec.name, r, spec.approximate)).transpose()?,
                quota: spec.quota.as_ref().map(|q| quota(&at("quota"), &spec.name, q)).transpose()?,
                rank: u64::try_from(rank).unwrap_or(0),
            };
            if by_name.insert(spec.name.clone(), Arc::new(tier)).is_some() {
                return Err(LoadError::at(at("name"), format!("tier `{}` is defined twice", spec.name)));
            }
        }
        Ok(Self { by_name, levels })
    }

    /// The tier called `name`.
    pub fn get(&self, name: &str) -> Option<&Arc<Tier>> {
        self.by_name.get(name)
    }

    /// The tier a spec names, or the error at `path` when it names none.
    pub fn named(&self, path: impl FnOnce() -> String, name: Option<&str>) -> Result<Option<Arc<Tier>>, LoadError> {
        let Some(name) = name else { return Ok(None) };
        match self.get(name) {
            Some(tier) => Ok(Some(tier.clone())),
            None => Err(LoadError::at(path(), format!("`{name}` is not a tier of this configuration"))),
        }
    }
}

/// Checks a rate: at least one request per period of 1 s to a day, a burst of 1 to the
/// limit.
pub fn rate(at: &str, spec: &RateSpec) -> Result<Rate, LoadError> {
    if spec.limit == 0 {
        return Err(LoadError::at(format!("{at}.limit"), "a rate allows at least 1 request"));
    }
    if spec.period_secs == 0 || spec.period_secs > MAX_PERIOD_SECS {
        return Err(LoadError::at(
            format!("{at}.period_secs"),
            format!("the period is 1 to {MAX_PERIOD_SECS} seconds (use a quota for longer ones)"),
        ));
    }
    if let Some(burst) = spec.burst
        && (burst == 0 || burst > spec.limit)
    {
        return Err(LoadError::at(format!("{at}.burst"), "the burst is 1 to the limit"));
    }
    Rate::new(spec.limit, Duration::from_secs(spec.period_secs), spec.burst)
        .ok_or_else(|| LoadError::at(at.to_owned(), "not a valid rate"))
}

/// A checked rate with the `RateLimit-Policy` text naming it `name`.
pub fn limit(at: &str, name: &str, spec: &RateSpec, approximate: bool) -> Result<Limit, LoadError> {
    let rate = rate(at, spec)?;
    Ok(Limit { rate, approximate, policy: Arc::from(headers::policy(name, spec.limit, spec.period_secs)) })
}

fn quota(at: &str, name: &str, spec: &QuotaSpec) -> Result<Quota, LoadError> {
    if spec.limit == 0 {
        return Err(LoadError::at(format!("{at}.limit"), "a quota allows at least 1 request"));
    }
    let window = match spec.period {
        QuotaPeriod::Day => 86_400,
        QuotaPeriod::Month => 30 * 86_400,
    };
    let policy = headers::policy(&format!("{name}-quota"), spec.limit, window);
    Ok(Quota { period: spec.period, limit: spec.limit, policy: Arc::from(policy) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tier(name: &str, limit: u64, priority: u32) -> TierSpec {
        TierSpec {
            name: name.into(),
            rate: Some(RateSpec { limit, period_secs: 60, burst: None }),
            quota: None,
            priority,
            approximate: false,
        }
    }

    #[test]
    fn tiers_are_ranked_by_priority_and_bad_ones_refused_with_their_path() {
        let tiers = Tiers::compile(&[tier("Gold", 50, 2), tier("Silver", 20, 1), tier("Bronze", 10, 1)]).unwrap();
        assert_eq!(tiers.levels, 2);
        assert_eq!(tiers.get("Gold").unwrap().rank, 0);
        assert_eq!(tiers.get("Bronze").unwrap().rank, 1);
        assert_eq!(&*tiers.get("Gold").unwrap().rate.as_ref().unwrap().policy, "\"Gold\";q=50;w=60");

        let error = Tiers::compile(&[tier("Gold", 0, 0)]).unwrap_err();
        assert_eq!(error.path, "tiers[0].rate.limit");
        let mut long = tier("Gold", 5, 0);
        long.rate = Some(RateSpec { limit: 5, period_secs: 90_000, burst: None });
        assert_eq!(Tiers::compile(&[long]).unwrap_err().path, "tiers[0].rate.period_secs");
        let mut bursty = tier("Gold", 5, 0);
        bursty.rate = Some(RateSpec { limit: 5, period_secs: 1, burst: Some(6) });
        assert_eq!(Tiers::compile(&[bursty]).unwrap_err().path, "tiers[0].rate.burst");
        let error = Tiers::compile(&[tier("Gold", 5, 0), tier("Gold", 6, 0)]).unwrap_err();
        assert_eq!(error.path, "tiers[1].name");
        let mut no_quota = tier("Gold", 5, 0);
        no_quota.quota = Some(QuotaSpec { limit: 0, period: QuotaPeriod::Day });
        assert_eq!(Tiers::compile(&[no_quota]).unwrap_err().path, "tiers[0].quota.limit");
    }
}
