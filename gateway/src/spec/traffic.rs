//! Traffic-control settings of the snapshot: tiers (what applications and subscriptions
//! are limited by), API- and operation-level limits with their key, backend throughput
//! limits and concurrency limits. Checked and compiled by [`crate::traffic`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use crate::ratelimit::window::QuotaPeriod;

/// A named throttling plan. Subscriptions name one (limit per application × API), and
/// so may an application (one limit across all its APIs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierSpec {
    /// Unique name, as subscriptions and applications refer to it (`Gold`).
    pub name: String,
    /// The request rate; unset means no rate limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<RateSpec>,
    /// Requests per calendar day or month; unset means no quota.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quota: Option<QuotaSpec>,
    /// Importance when a backend limit is saturated: requests of lower-priority tiers are
    /// refused first. Higher is more important; default 0.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub priority: u32,
    /// Decide the rate on each gateway and share the counts through Redis every 100 ms
    /// instead of asking Redis on every request: for very high rates, at the price of
    /// admitting up to about `gateways × rate × 100 ms` too many.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub approximate: bool,
}

fn is_zero(value: &u32) -> bool {
    *value == 0
}

/// `limit` requests per `period_secs` seconds, with bursts of up to `burst` at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateSpec {
    /// Requests allowed per period (at least 1).
    pub limit: u64,
    /// The period in seconds (default 60).
    #[serde(default = "default_period")]
    pub period_secs: u64,
    /// Requests that may arrive at once (GCRA burst); unset means the whole `limit`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub burst: Option<u64>,
}

fn default_period() -> u64 {
    60
}

impl fmt::Display for RateSpec {
    /// `100/60s`, `100/60s burst 10`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}s", self.limit, self.period_secs)?;
        match self.burst {
            Some(burst) => write!(f, " burst {burst}"),
            None => Ok(()),
        }
    }
}

impl FromStr for RateSpec {
    type Err = String;

    /// Reads what `Display` writes; the period may be given as `s`, `m`, `h` or `d`
    /// (`100/1m`), and defaults to seconds.
    fn from_str(text: &str) -> Result<Self, String> {
        let bad = || format!("`{text}` is not a rate: write LIMIT/PERIOD, e.g. 100/60s or 100/1m burst 10");
        let mut words = text.split_whitespace();
        let (limit, period) = words.next().and_then(|w| w.split_once('/')).ok_or_else(bad)?;
        let limit = limit.parse().map_err(|_| bad())?;
        let period_secs = duration_secs(period).ok_or_else(bad)?;
        let burst = match (words.next(), words.next(), words.next()) {
            (None, _, _) => None,
            (Some("burst"), Some(n), None) => Some(n.parse().map_err(|_| bad())?),
            _ => return Err(bad()),
        };
        Ok(RateSpec { limit, period_secs, burst })
    }
}

/// Seconds of a duration written as a number with an optional unit `s`, `m`, `h` or `d`
/// (`90`, `1m`, `2h`); `None` for anything else.
pub(crate) fn duration_secs(text: &str) -> Option<u64> {
    let (digits, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len()));
    let scale = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return None,
    };
    Some(digits.parse::<u64>().ok()?.saturating_mul(scale))
}

/// `limit` requests per calendar `period` (UTC), reset at the boundary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuotaSpec {
    /// Requests allowed per period (at least 1).
    pub limit: u64,
    /// `day` or `month`.
    pub period: QuotaPeriod,
}

/// A limit an API or operation sets on its callers: `limit` requests per `period_secs`
/// (bursts of `burst`), counted per value of `key`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitSpec {
    /// What the calls are counted by (default `consumer`).
    #[serde(default)]
    pub key: KeySource,
    /// Requests allowed per period (at least 1).
    pub limit: u64,
    /// The period in seconds (default 60).
    #[serde(default = "default_period")]
    pub period_secs: u64,
    /// Requests that may arrive at once; unset means the whole `limit`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub burst: Option<u64>,
    /// Counted on each gateway and shared through Redis periodically (see
    /// [`TierSpec::approximate`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub approximate: bool,
}

impl LimitSpec {
    /// The limit's rate.
    pub fn rate(&self) -> RateSpec {
        RateSpec { limit: self.limit, period_secs: self.period_secs, burst: self.burst }
    }
}

impl fmt::Display for LimitSpec {
    /// `ip 100/60s`, `header:X-Tenant 1000/3600s burst 50`, `ip 1000000/1s approximate`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.key, self.rate())?;
        if self.approximate { f.write_str(" approximate") } else { Ok(()) }
    }
}

impl FromStr for LimitSpec {
    type Err = String;

    /// Reads what `Display` writes (`KEY RATE [approximate]`).
    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let (text, approximate) = match text.strip_suffix("approximate") {
            Some(rest) if rest.ends_with(char::is_whitespace) => (rest.trim_end(), true),
            _ => (text, false),
        };
        let (key, rate) = text.split_once(char::is_whitespace).ok_or_else(|| {
            format!("`{text}` is not a limit: write KEY RATE, e.g. `ip 100/1m` or `header:X-Tenant 1000/1h burst 50`")
        })?;
        let rate: RateSpec = rate.parse()?;
        Ok(LimitSpec {
            key: key.parse()?,
            limit: rate.limit,
            period_secs: rate.period_secs,
            burst: rate.burst,
            approximate,
        })
    }
}

/// What an API-level limit counts calls by. Written as `consumer`, `ip`, `header:NAME`,
/// `claim:NAME` or `query:NAME`. A request without the value (no such header, claim or
/// parameter) is counted by its client IP.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub enum KeySource {
    /// The calling application (the client IP for anonymous calls).
    #[default]
    Consumer,
    /// The client IP (after trusted-proxy resolution).
    Ip,
    /// A request header's value.
    Header(String),
    /// A claim of the caller's access token (`jwt` authentication).
    Claim(String),
    /// A query parameter's value.
    Query(String),
}

impl fmt::Display for KeySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeySource::Consumer => f.write_str("consumer"),
            KeySource::Ip => f.write_str("ip"),
            KeySource::Header(name) => write!(f, "header:{name}"),
            KeySource::Claim(name) => write!(f, "claim:{name}"),
            KeySource::Query(name) => write!(f, "query:{name}"),
        }
    }
}

impl FromStr for KeySource {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let named = |kind: &str, name: &str, make: fn(String) -> KeySource| {
            let ok = !name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic() && !b"&=#:".contains(&b));
            if ok { Ok(make(name.to_owned())) } else { Err(format!("`{kind}:` needs a name, e.g. `{kind}:tenant`")) }
        };
        match text.split_once(':') {
            None if text == "consumer" => Ok(KeySource::Consumer),
            None if text == "ip" => Ok(KeySource::Ip),
            Some(("header", name)) => named("header", name, KeySource::Header),
            Some(("claim", name)) => named("claim", name, KeySource::Claim),
            Some(("query", name)) => named("query", name, KeySource::Query),
            _ => Err(format!("`{text}` is not a key source (consumer, ip, header:NAME, claim:NAME or query:NAME)")),
        }
    }
}

impl Serialize for KeySource {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for KeySource {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_read_and_write_as_text() {
        for text in ["ip 100/60s", "header:X-Tenant 1000/3600s burst 50", "consumer 5/1s", "ip 9/1s approximate"] {
            assert_eq!(text.parse::<LimitSpec>().unwrap().to_string(), text);
        }
        assert_eq!("query:q 10/1m".parse::<LimitSpec>().unwrap().period_secs, 60);
        assert_eq!("10/2h".parse::<RateSpec>().unwrap(), RateSpec { limit: 10, period_secs: 7200, burst: None });
        for bad in ["ip", "ip 100", "ip 100/1w", "ip x/1s", "ip 1/1s burst", "ip 1/1s bursts 2", "cookie:a 1/1s"] {
            assert!(bad.parse::<LimitSpec>().is_err(), "{bad}");
        }
    }

    #[test]
    fn key_sources_read_and_write_as_text() {
        for text in ["consumer", "ip", "header:X-Tenant", "claim:sub", "query:account"] {
            assert_eq!(text.parse::<KeySource>().unwrap().to_string(), text);
        }
        for bad in ["user", "header:", "claim", "query:a=b", ""] {
            assert!(bad.parse::<KeySource>().is_err(), "{bad}");
        }
    }
}
