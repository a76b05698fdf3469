//! `rate_limit`: every limit a call is under, checked after authentication so the
//! consumer is known.
//!
//! In order — consumer rates first, then quotas (a call refused by a rate does not use
//! quota), then concurrency, and the backend limit last (a refused consumer never takes
//! backend capacity):
//!
//! | limit | counted per | key |
//! |---|---|---|
//! | application tier rate | application | `app:{app}` |
//! | subscription tier rate | application × API | `sub:{app}:{api}` |
//! | API / operation limits | the limit's key source | `api:{api}:{scope}:{source}:{period}s:{value}` |
//! | application / subscription quota | as above | `app:…` / `sub:…` in the quota space |
//! | concurrent requests | API, on this node | `api:{api}` |
//! | backend limit | API in this environment | `backend:{env}:{api}` |
//!
//! Keys never name the limit's size, so a limit changed by a config push applies to
//! what was already counted. The most constrained limit is shown to the client in the
//! IETF `RateLimit-Policy` / `RateLimit` fields; a refusal carries `Retry-After`.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use http::header::HeaderName;
use http::{request, response};
use sha2::{Digest, Sha256};

use super::key_auth::form_urlencoded_value;
use super::{Flow, Policy, RequestCtx};
use crate::error::{ProxyError, Throttle, ThrottleKind};
use crate::ratelimit::headers;
use crate::spec::{ApiSpec, KeySource, LimitSpec, LoadError, RateSpec};
use crate::tiers::{self, Limit, Quota, Tier, Tiers};

/// The limit shown to the client: the one with the fewest requests left.
#[derive(Debug, Clone)]
pub struct Shown {
    policy: Arc<str>,
    remaining: u64,
    reset: Duration,
}

impl Shown {
    fn keep_tightest(slot: &mut Option<Shown>, candidate: Shown) {
        if slot.as_ref().is_none_or(|shown| candidate.remaining < shown.remaining) {
            *slot = Some(candidate);
        }
    }

    /// Writes `RateLimit-Policy` and `RateLimit`.
    pub fn write(&self, headers: &mut http::HeaderMap) {
        headers::write(headers, &self.policy, self.remaining, self.reset);
    }
}

/// Where an API-level limit reads its key.
enum Source {
    Consumer,
    Ip,
    Header(HeaderName),
    Claim(String),
    Query(String),
}

/// An API- or operation-level limit.
struct KeyedLimit {
    source: Source,
    limit: Limit,
    /// Every key of this limit starts with it.
    prefix: String,
}

impl KeyedLimit {
    fn compile(at: &str, api: &str, scope: &str, spec: &LimitSpec) -> Result<Self, LoadError> {
        let source = match &spec.key {
            KeySource::Consumer => Source::Consumer,
            KeySource::Ip => Source::Ip,
            KeySource::Header(name) => Source::Header(
                HeaderName::from_bytes(name.as_bytes())
                    .map_err(|_| LoadError::at(format!("{at}.key"), format!("`{name}` is not a header name")))?,
            ),
            KeySource::Claim(name) => Source::Claim(name.clone()),
            KeySource::Query(name) => Source::Query(name.clone()),
        };
        let name = format!("{scope}-{}", spec.key).replace(['{', '}', ' '], "");
        let limit = tiers::limit(at, &name, &spec.rate(), spec.approximate)?;
        let prefix = format!("api:{api}:{scope}:{}:{}s:", spec.key, spec.period_secs);
        Ok(Self { source, limit, prefix })
    }

    /// This request's key: the source's value, else the client IP. Long values are
    /// hashed, so a key stays small whatever a client sends.
    fn key(&self, req: &request::Parts, cx: &RequestCtx) -> String {
        let ip = |ip: IpAddr| ip.to_string();
        let value: Option<String> = match &self.source {
            Source::Consumer => cx.application.as_ref().map(|a| a.id.to_string()),
            Source::Ip => None,
            Source::Header(name) => req.headers.get(name).map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()),
            Source::Claim(name) => cx.token.as_ref().and_then(|t| t.claim(name)).map(str::to_owned),
            Source::Query(name) => req
                .uri
                .query()
                .and_then(|q| form_urlencoded_value(q, name))
                .map(|v| String::from_utf8_lossy(&v).into_owned()),
        };
        let value = value.unwrap_or_else(|| ip(cx.client_ip));
        if value.len() > 64 {
            format!("{}#{}", self.prefix, hex::encode(Sha256::digest(&value)))
        } else {
            self.prefix.clone() + &value
        }
    }
}

/// The compiled rate-limit policy of one API.
pub struct RateLimit {
    api: usize,
    /// API-level limits.
    limits: Vec<KeyedLimit>,
    /// Each operation's limits (by position).
    operations: Vec<Vec<KeyedLimit>>,
    /// The backend limit and its key.
    backend: Option<(Limit, String)>,
    /// Concurrent requests per node, and the counter's key.
    max_concurrent: Option<(u32, String)>,
    /// Distinct tier priorities (the backend limit's reserve steps).
    levels: u64,
}

impl RateLimit {
    /// Compiles the API's limits, or `None` when no request of it could be limited.
    pub fn compile(
        index: usize,
        spec: &ApiSpec,
        tiers: &Tiers,
        environment: &str,
        consumers_limited: bool,
    ) -> Result<Option<Self>, LoadError> {
        let at = |field: String| format!("apis[{index}].{field}");
        let limits = keyed(&at("rate_limits".into()), &spec.id, "*", &spec.rate_limits)?;
        let mut operations = Vec::with_capacity(spec.operations.len());
        for (o, operation) in spec.operations.iter().enumerate() {
            let scope = format!("{} {}", operation.method, operation.path);
            operations.push(keyed(
                &at(format!("operations[{o}].rate_limits")),
                &spec.id,
                &scope,
                &operation.rate_limits,
            )?);
        }
        let backend = spec
            .backend_limit
            .as_ref()
            .map(|rate: &RateSpec| {
                let limit = tiers::limit(&at("backend_limit".into()), "backend", rate, false)?;
                Ok::<_, LoadError>((limit, format!("backend:{environment}:{}", spec.id)))
            })
            .transpose()?;
        if spec.max_concurrent == Some(0) {
            return Err(LoadError::at(at("max_concurrent".into()), "at least 1 request must be allowed in flight"));
        }
        let max_concurrent = spec.max_concurrent.map(|max| (max, format!("api:{}", spec.id)));
        let any_api_limit = !limits.is_empty() || operations.iter().any(|o| !o.is_empty());
        if !any_api_limit && backend.is_none() && max_concurrent.is_none() && !consumers_limited {
            return Ok(None);
        }
        Ok(Some(Self { api: index, limits, operations, backend, max_concurrent, levels: tiers.levels }))
    }
}

fn keyed(at: &str, api: &str, scope: &str, specs: &[LimitSpec]) -> Result<Vec<KeyedLimit>, LoadError> {
    specs.iter().enumerate().map(|(l, spec)| KeyedLimit::compile(&format!("{at}[{l}]"), api, scope, spec)).collect()
}

#[async_trait]
impl Policy for RateLimit {
    fn name(&self) -> &'static str {
        "rate_limit"
    }

    async fn on_request(&self, req: &mut request::Parts, cx: &mut RequestCtx) -> Result<Flow, ProxyError> {
        let limiter = cx.limiter.clone();
        let mut shown = None;
        let application = cx.application.clone();
        let subscription = application.as_ref().and_then(|a| a.subscription_to(self.api));
        let subscription_tier = subscription.and_then(|s| s.tier.as_ref());
        let application_tier = application.as_ref().and_then(|a| a.tier.as_ref());
        let tiered: [(Option<&Arc<Tier>>, &str); 2] = [
            (application_tier, application.as_ref().map_or("", |a| &a.limit_key)),
            (subscription_tier, subscription.map_or("", |s| &s.limit_key)),
        ];
        for (tier, key) in tiered {
            if let Some(limit) = tier.and_then(|t| t.rate.as_ref()) {
                check_rate(&limiter, key, limit, &mut shown).await?;
            }
        }
        let operation = cx.operation.and_then(|o| self.operations.get(o)).map_or(&[][..], Vec::as_slice);
        for keyed in self.limits.iter().chain(operation) {
            check_rate(&limiter, &keyed.key(req, cx), &keyed.limit, &mut shown).await?;
        }
        for (tier, key) in tiered {
            if let Some(quota) = tier.and_then(|t| t.quota.as_ref()) {
                check_quota(&limiter, key, quota, &mut shown).await?;
            }
        }
        if let Some((max, key)) = &self.max_concurrent {
            match limiter.enter(key, *max) {
                Some(place) => cx.in_flight = Some(place),
                None => {
                    limiter.count_throttled();
                    return Err(ProxyError::Throttled(Box::new(Throttle::concurrency())));
                }
            }
        }
        if let Some((limit, key)) = &self.backend {
            let rank = subscription_tier.or(application_tier).map_or(self.levels - 1, |t| t.rank);
            let reserved = limit.rate.reserved(self.levels - rank.min(self.levels - 1), self.levels);
            let (decision, _) = limiter.check(key, &reserved, 1).await;
            if !decision.allowed {
                limiter.count_throttled();
                let throttle = Throttle::new(ThrottleKind::Backend, &limit.policy, 0, decision.retry_after);
                return Err(ProxyError::Throttled(Box::new(throttle)));
            }
        }
        cx.shown_limit = shown;
        Ok(Flow::Continue)
    }

    fn on_response(&self, resp: &mut response::Parts, cx: &RequestCtx) {
        if let Some(shown) = &cx.shown_limit {
            shown.write(&mut resp.headers);
        }
    }
}

async fn check_rate(
    limiter: &crate::ratelimit::limiter::Limiter,
    key: &str,
    limit: &Limit,
    shown: &mut Option<Shown>,
) -> Result<(), ProxyError> {
    let (decision, _) = if limit.approximate {
        limiter.check_approximate(key, &limit.rate, 1)
    } else {
        limiter.check(key, &limit.rate, 1).await
    };
    if !decision.allowed {
        limiter.count_throttled();
        let throttle = Throttle::new(ThrottleKind::Rate, &limit.policy, decision.remaining, decision.retry_after);
        return Err(ProxyError::Throttled(Box::new(throttle)));
    }
    let candidate = Shown { policy: limit.policy.clone(), remaining: decision.remaining, reset: decision.reset_after };
    Shown::keep_tightest(shown, candidate);
    Ok(())
}

async fn check_quota(
    limiter: &crate::ratelimit::limiter::Limiter,
    key: &str,
    quota: &Quota,
    shown: &mut Option<Shown>,
) -> Result<(), ProxyError> {
    let (decision, _) = limiter.quota(key, quota.period, quota.limit, 1).await;
    let reset = Duration::from_secs(decision.reset_secs);
    if !decision.allowed {
        limiter.count_throttled();
        let throttle = Throttle::new(ThrottleKind::Quota, &quota.policy, decision.remaining, reset);
        return Err(ProxyError::Throttled(Box::new(throttle)));
    }
    Shown::keep_tightest(shown, Shown { policy: quota.policy.clone(), remaining: decision.remaining, reset });
    Ok(())
}
