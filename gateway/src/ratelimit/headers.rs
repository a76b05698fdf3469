//! The response fields that tell a client its limits (IETF draft
//! `draft-ietf-httpapi-ratelimit-headers`, structured-field lists):
//!
//! * `RateLimit-Policy: "per-minute";q=100;w=60` — the policy: quota `q` per window `w`
//!   seconds;
//! * `RateLimit: "per-minute";r=42;t=18` — its state: `r` requests remaining, `t` seconds
//!   until the quota is fully available again;
//! * `Retry-After: 3` on a refusal, in whole seconds, rounded up.

use std::time::Duration;

use http::header::HeaderName;
use http::{HeaderMap, HeaderValue};

/// Header naming a limit: its `RateLimit-Policy` item.
pub const RATELIMIT_POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");
/// Header with that limit's state.
pub const RATELIMIT: HeaderName = HeaderName::from_static("ratelimit");

/// Writes `RateLimit-Policy: {policy}` and the matching `RateLimit` state.
pub fn write(headers: &mut HeaderMap, policy: &str, remaining: u64, reset: Duration) {
    let state = state_of_item(policy, remaining, reset);
    if let (Ok(policy), Ok(state)) = (HeaderValue::from_str(policy), HeaderValue::from_str(&state)) {
        headers.insert(RATELIMIT_POLICY, policy);
        headers.insert(RATELIMIT, state);
    }
}

/// The `RateLimit-Policy` item of a policy called `name`.
pub fn policy(name: &str, quota: u64, window_secs: u64) -> String {
    format!("\"{}\";q={quota};w={window_secs}", quoted(name))
}

/// The `RateLimit` item of a policy called `name`.
pub fn state(name: &str, remaining: u64, reset: Duration) -> String {
    state_of_item(&format!("\"{}\"", quoted(name)), remaining, reset)
}

/// The `RateLimit` item of the policy whose `RateLimit-Policy` item is `policy` (its name
/// is reused as written there).
pub fn state_of_item(policy: &str, remaining: u64, reset: Duration) -> String {
    let name = policy.split(';').next().unwrap_or_default();
    format!("{name};r={remaining};t={}", whole_seconds(reset))
}

/// The `Retry-After` value: seconds, rounded up, at least 1.
pub fn retry_after(wait: Duration) -> String {
    whole_seconds(wait).max(1).to_string()
}

fn whole_seconds(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

/// A name as a structured-field string: only printable ASCII, `"` and `\` escaped.
fn quoted(name: &str) -> String {
    name.chars()
        .filter(|c| (' '..='~').contains(c))
        .flat_map(|c| matches!(c, '"' | '\\').then_some('\\').into_iter().chain([c]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_written_as_the_draft_says() {
        assert_eq!(policy("gold", 5000, 60), "\"gold\";q=5000;w=60");
        assert_eq!(state("gold", 42, Duration::from_millis(17_200)), "\"gold\";r=42;t=18");
        assert_eq!(state("gold", 0, Duration::ZERO), "\"gold\";r=0;t=0");
        assert_eq!(retry_after(Duration::from_millis(100)), "1");
        assert_eq!(retry_after(Duration::from_secs(3)), "3");
        assert_eq!(policy("a\"b\\c\né", 1, 1), "\"a\\\"b\\\\c\";q=1;w=1");
    }
}
