//! Response-caching settings of the snapshot, per API and per operation, and their text
//! form (`5m query=page headers=Accept-Language`, `off`) used by the publisher's forms.
//! Checked and compiled by [`crate::cache::CacheRules`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Longest time-to-live a cache setting may give (one week).
pub const MAX_CACHE_TTL_SECS: u64 = 7 * 86_400;

/// Largest body stored per response unless a setting says otherwise (1 MiB).
pub const DEFAULT_CACHE_BODY_BYTES: u64 = 1024 * 1024;

/// How responses of an API (or one operation) are cached. Only `GET` and `HEAD` calls
/// are looked up; a cached entry is found again by method, path, the chosen query
/// parameters and headers, and the calling application when the call is authenticated,
/// so one consumer's responses are never served to another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheSpec {
    /// Seconds a response is served from the cache when the upstream's `Cache-Control`
    /// gives no `s-maxage`/`max-age` (or is overridden): 1 to 604,800 (a week); default 300.
    #[serde(default = "default_ttl")]
    pub ttl_secs: u64,
    /// Query parameters that are part of the key, the others ignored; empty means the
    /// whole query (in any parameter order).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub query_params: Vec<String>,
    /// Request headers whose values are part of the key (`Accept-Language`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<String>,
    /// Ignore `Cache-Control` (and `Pragma`) of requests and responses: every cacheable
    /// response is kept for `ttl_secs`, and clients cannot ask to bypass the cache.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub override_cache_control: bool,
    /// Largest body stored, in bytes (default 1 MiB); larger responses pass uncached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_body_bytes: Option<u64>,
    /// `false` turns caching off: an operation opting out of its API's cache.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub enabled: bool,
}

fn default_ttl() -> u64 {
    300
}

fn yes() -> bool {
    true
}

fn is_true(value: &bool) -> bool {
    *value
}

impl CacheSpec {
    /// The setting that turns caching off.
    pub fn off() -> Self {
        Self { enabled: false, ..Self::ttl(default_ttl()) }
    }

    /// Caching for `ttl_secs`, keyed by method, path, whole query and consumer.
    pub fn ttl(ttl_secs: u64) -> Self {
        Self {
            ttl_secs,
            query_params: Vec::new(),
            headers: Vec::new(),
            override_cache_control: false,
            max_body_bytes: None,
            enabled: true,
        }
    }
}

impl fmt::Display for CacheSpec {
    /// `off`, or `300s [query=a,b] [headers=H1,H2] [override] [max=BYTES]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.enabled {
            return f.write_str("off");
        }
        write!(f, "{}s", self.ttl_secs)?;
        if !self.query_params.is_empty() {
            write!(f, " query={}", self.query_params.join(","))?;
        }
        if !self.headers.is_empty() {
            write!(f, " headers={}", self.headers.join(","))?;
        }
        if self.override_cache_control {
            f.write_str(" override")?;
        }
        match self.max_body_bytes {
            Some(max) => write!(f, " max={max}"),
            None => Ok(()),
        }
    }
}

impl FromStr for CacheSpec {
    type Err = String;

    /// Reads what `Display` writes; the TTL may be given in `s`, `m`, `h` or `d` (`5m`).
    /// Range checks are the compile step's (so the message names the field).
    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if text == "off" {
            return Ok(Self::off());
        }
        let bad = |why: String| {
            format!(
                "{why}; write `off` or TTL [query=A,B] [headers=H1,H2] [override] [max=BYTES], e.g. `5m query=page`"
            )
        };
        let mut words = text.split_whitespace();
        let ttl = words.next().ok_or_else(|| bad("empty cache setting".into()))?;
        let ttl_secs = super::traffic::duration_secs(ttl).ok_or_else(|| bad(format!("`{ttl}` is not a duration")))?;
        let mut spec = Self::ttl(ttl_secs);
        let list = |value: &str| value.split(',').filter(|v| !v.is_empty()).map(str::to_owned).collect();
        for word in words {
            match word.split_once('=') {
                Some(("query", names)) => spec.query_params = list(names),
                Some(("headers", names)) => spec.headers = list(names),
                Some(("max", bytes)) => {
                    spec.max_body_bytes = Some(bytes.parse().map_err(|_| bad(format!("`{bytes}` is not a size")))?);
                }
                None if word == "override" => spec.override_cache_control = true,
                _ => return Err(bad(format!("`{word}` is not a cache option"))),
            }
        }
        Ok(spec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_settings_read_and_write_as_text() {
        for text in ["off", "300s", "60s query=page,size headers=Accept-Language override max=2048"] {
            assert_eq!(text.parse::<CacheSpec>().unwrap().to_string(), text);
        }
        assert_eq!("5m".parse::<CacheSpec>().unwrap().ttl_secs, 300);
        for bad in ["", "5w", "x", "60s vary=a", "60s max=lots"] {
            assert!(bad.parse::<CacheSpec>().is_err(), "{bad}");
        }
    }
}
