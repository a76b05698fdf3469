//! Active health checks: a task per upstream probes `GET {path}` on every endpoint each
//! interval and marks endpoints down after `unhealthy_threshold` failed probes in a row,
//! up again after `healthy_threshold` good ones. The task lives as long as the upstream's
//! configuration is active and stops when it is swapped out.

use std::sync::Weak;
use std::time::Duration;

use http::uri::PathAndQuery;
use http::{Method, Request};
use tokio::task::JoinHandle;

use super::Upstream;
use crate::spec::{HealthCheckSpec, LoadError};

/// Checks a health-check spec.
pub fn validate(at: &str, spec: &HealthCheckSpec) -> Result<(), LoadError> {
    if !spec.path.starts_with('/') || spec.path.parse::<PathAndQuery>().is_err() {
        return Err(LoadError::at(format!("{at}.path"), "must be a path starting with `/`"));
    }
    if spec.interval_ms < 100 || spec.timeout_ms == 0 {
        return Err(LoadError::at(at, "interval_ms must be at least 100 and timeout_ms at least 1"));
    }
    if spec.healthy_threshold == 0 || spec.unhealthy_threshold == 0 {
        return Err(LoadError::at(at, "thresholds must be at least 1"));
    }
    Ok(())
}

/// The running checker; stops its task when dropped.
pub struct Checker(JoinHandle<()>);

impl Drop for Checker {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Checker {
    /// Starts probing the upstream's endpoints.
    pub fn start(upstream: Weak<Upstream>, spec: HealthCheckSpec) -> Self {
        Self(tokio::spawn(run(upstream, spec)))
    }
}

async fn run(upstream: Weak<Upstream>, spec: HealthCheckSpec) {
    let mut streaks: Vec<i64> = Vec::new();
    let mut interval = tokio::time::interval(Duration::from_millis(spec.interval_ms));
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        let Some(upstream) = upstream.upgrade() else { return };
        streaks.resize(upstream.endpoints.len(), 0);
        let probes = upstream.endpoints.iter().map(|endpoint| probe(&upstream, endpoint, &spec));
        let results = futures_util::future::join_all(probes).await;
        for ((endpoint, streak), ok) in upstream.endpoints.iter().zip(streaks.iter_mut()).zip(results) {
            // Positive streak: good probes in a row; negative: failed ones.
            *streak = match (ok, *streak > 0) {
                (true, true) => *streak + 1,
                (true, false) => 1,
                (false, false) => *streak - 1,
                (false, true) => -1,
            };
            if *streak >= i64::from(spec.healthy_threshold) {
                endpoint.set_healthy(true);
            } else if -*streak >= i64::from(spec.unhealthy_threshold) {
                endpoint.set_healthy(false);
            }
        }
    }
}

async fn probe(upstream: &Upstream, endpoint: &super::Endpoint, spec: &HealthCheckSpec) -> bool {
    let Ok(path) = spec.path.parse::<PathAndQuery>() else { return false };
    let Ok(mut request) = Request::builder()
        .method(Method::GET)
        .header(http::header::USER_AGENT, "portico-gateway-health-check")
        .body(http_body_util::Either::Right(http_body_util::Empty::new()))
    else {
        return false;
    };
    upstream.set_host(endpoint, request.headers_mut());
    let exchange = upstream.exchange(endpoint, request, &path);
    let answer = tokio::time::timeout(Duration::from_millis(spec.timeout_ms), exchange).await;
    matches!(answer, Ok(Ok(response)) if response.status().is_success() || response.status().is_redirection())
}
