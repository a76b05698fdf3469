//! Limits shared through Redis (`PORTICO_TEST_REDIS_URL`): two `portico-gateway`
//! processes admit exactly the limit between them; when Redis goes away — through a TCP
//! proxy this test owns and cuts, never by stopping the shared server — every request is
//! still answered under this gateway's share of the limit, and the shared counts are back
//! in charge once Redis answers again.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use std::net::{SocketAddr, TcpListener};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use gateway::ratelimit::limiter::Limiter;
use gateway::ratelimit::redis::RedisLimiter;
use gateway::{ConfigStore, GatewaySettings};
use http::StatusCode;
use support::cuttable::Cuttable;
use support::{MockUpstream, TestGateway, get, snapshot, try_status};

/// One application with key `metered-key-1` on `/m`, its subscription in tier `Metered`.
fn config(upstream: &str, rate: &str) -> String {
    tiered(upstream, &format!("{{ name: Metered, rate: {rate} }}"))
}

fn tiered(upstream: &str, tier: &str) -> String {
    format!(
        r#"
tiers: [{tier}]
apis:
  - {{ id: m, name: M, context: /m, version: v1, upstream: {{ endpoints: [{{ url: "{upstream}" }}] }} }}
applications:
  - id: app
    keys: [{{ key: metered-key-1 }}]
    subscriptions: [{{ api: m, tier: Metered }}]
"#
    )
}

struct Process {
    child: Child,
    proxy: SocketAddr,
    status: SocketAddr,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

fn free_addr() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap()
}

async fn gateway_process(file: &std::path::Path, redis: &str, prefix: &str) -> Process {
    let (proxy, status) = (free_addr(), free_addr());
    let child = Command::new(env!("CARGO_BIN_EXE_portico-gateway"))
        .arg("--config")
        .arg(file)
        .env("PORTICO_GATEWAY_LISTEN", proxy.to_string())
        .env("PORTICO_GATEWAY_STATUS_LISTEN", status.to_string())
        .env("PORTICO_REDIS_URL", redis)
        .env("PORTICO_REDIS_PREFIX", prefix)
        .env("PORTICO_GATEWAY_NODES", "2")
        .env("PORTICO_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while try_status(&format!("http://{status}/readyz")).await != Some(StatusCode::OK) {
        assert!(Instant::now() < deadline, "the gateway did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Process { child, proxy, status }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_gateway_processes_sharing_redis_admit_the_limit_within_one_percent() {
    let Some((url, prefix)) = migrations::testkit::redis("gateway::traffic_redis::accuracy") else {
        eprintln!("no PORTICO_TEST_REDIS_URL: the shared limit is tested in CI");
        return;
    };
    let admitted = accuracy("one Redis", &url, &prefix, false).await;
    assert!(admitted.abs() <= 1.0, "exact: within 1 % ({admitted:+.2} %)");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approximate_limits_share_their_counts_within_the_sync_bound() {
    let Some((url, prefix)) = migrations::testkit::redis("gateway::traffic_redis::approximate") else {
        eprintln!("no PORTICO_TEST_REDIS_URL: approximate limits are tested in CI");
        return;
    };
    // Each gateway decides alone between two shares 100 ms apart: at most about
    // 2 gateways × (100/s × 0.1 s + a burst of 10) = 40 too many of ~1,010.
    let error = accuracy("one Redis, approximate", &url, &prefix, true).await;
    assert!((-1.0..=4.0).contains(&error), "approximate: {error:+.2} %");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_gateway_processes_sharing_a_redis_cluster_admit_the_limit_within_one_percent() {
    let Some(cluster) = support::redis_cluster::RedisCluster::start(3) else {
        assert!(std::env::var("CI").map_or(true, |v| v != "true"), "CI=true but redis-server is absent");
        eprintln!("redis-server is not installed: the Redis Cluster test is skipped");
        return;
    };
    let error = accuracy("a 3-node Redis Cluster", &cluster.url(), "portico-test:cluster:", false).await;
    assert!(error.abs() <= 1.0, "exact: within 1 % ({error:+.2} %)");
}

/// Two gateway processes on the Redis at `url`; a client at 3× the limit for 10 s.
/// Returns the admitted count's error against the limit, in percent.
async fn accuracy(what: &str, url: &str, prefix: &str, approximate: bool) -> f64 {
    let upstream = MockUpstream::start("u").await;
    let file = std::env::temp_dir().join(format!("portico-accuracy-{}.yaml", uuid::Uuid::new_v4()));
    // 100 requests a second, bursts of 10.
    let tier =
        format!("{{ name: Metered, rate: {{ limit: 100, period_secs: 1, burst: 10 }}, approximate: {approximate} }}");
    std::fs::write(&file, tiered(&upstream.url(), &tier)).unwrap();
    let gateways = [gateway_process(&file, url, prefix).await, gateway_process(&file, url, prefix).await];
    let targets: Vec<String> = gateways.iter().map(|g| format!("http://{}/m/v1/x", g.proxy)).collect();

    // 6 clients × 50 requests a second = 3× the limit, for 10 s, alternating gateways.
    let admitted = Arc::new(AtomicU64::new(0));
    let sent = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let duration = Duration::from_secs(10);
    let clients: Vec<_> = (0..6)
        .map(|c| {
            let (targets, admitted, sent, failed) = (targets.clone(), admitted.clone(), sent.clone(), failed.clone());
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(Duration::from_millis(20));
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                let mut last = started;
                let mut n = c;
                while started.elapsed() < duration {
                    tick.tick().await;
                    last = Instant::now();
                    let (status, _, _) = get(&targets[n % 2], &[("x-api-key", "metered-key-1")]).await;
                    n += 1;
                    sent.fetch_add(1, Ordering::Relaxed);
                    match status {
                        StatusCode::OK => admitted.fetch_add(1, Ordering::Relaxed),
                        StatusCode::TOO_MANY_REQUESTS => 0,
                        _ => failed.fetch_add(1, Ordering::Relaxed),
                    };
                }
                last
            })
        })
        .collect();
    let mut last_sent = started;
    for client in clients {
        last_sent = last_sent.max(client.await.unwrap());
    }
    let elapsed = (last_sent - started).as_secs_f64();
    let expected = 10.0 + 100.0 * elapsed;
    let admitted = admitted.load(Ordering::Relaxed) as f64;
    let error = (admitted - expected) / expected * 100.0;
    println!(
        "accuracy ({what}): {} requests sent over {elapsed:.2} s to 2 gateways; admitted {admitted}, limit allows {expected:.0} \
         (burst 10 + 100/s); error {error:+.2} %",
        sent.load(Ordering::Relaxed)
    );
    assert_eq!(failed.load(Ordering::Relaxed), 0, "every request is answered 200 or 429");
    for gateway in &gateways {
        let (_, _, limits) = get(&format!("http://{}/limits", gateway.status), &[]).await;
        assert_eq!(limits["mode"], "shared", "decided by Redis, not by local shares: {limits}");
    }
    assert!(sent.load(Ordering::Relaxed) as f64 > 2.5 * expected, "the client kept sending at about 3× the limit");
    let _ = std::fs::remove_file(file);
    error
}

#[tokio::test]
async fn when_redis_goes_away_requests_are_served_under_local_shares_and_redis_comes_back() {
    let Some((url, prefix)) = migrations::testkit::redis("gateway::traffic_redis::fallback") else {
        eprintln!("no PORTICO_TEST_REDIS_URL: the fallback is tested in CI");
        return;
    };
    let target = url.trim_start_matches("redis://").trim_end_matches('/').to_owned();
    let proxy = Cuttable::start(target).await;
    let redis = RedisLimiter::new(&format!("redis://{}", proxy.addr), &prefix).unwrap();
    let store = ConfigStore::with_limiter(Limiter::shared(redis, 1000, 2));
    let upstream = MockUpstream::start("u").await;
    let snapshot = snapshot(&config(&upstream.url(), "{ limit: 20, period_secs: 3600 }"));
    let gw = TestGateway::start_on(store, &snapshot, GatewaySettings::ephemeral()).await;
    let call = || async { get(&gw.url("/m/v1/x"), &[("x-api-key", "metered-key-1")]).await };
    let mode = || async { get(&format!("http://{}/limits", gw.status), &[]).await.2["mode"].clone() };

    for _ in 0..5 {
        assert_eq!(call().await.0, StatusCode::OK);
    }
    assert_eq!(mode().await, "shared");

    proxy.cut().await;
    let started = Instant::now();
    let mut admitted = 0;
    for _ in 0..30 {
        let (status, _, body) = call().await;
        assert!(matches!(status, StatusCode::OK | StatusCode::TOO_MANY_REQUESTS), "{status}: {body}");
        admitted += usize::from(status == StatusCode::OK);
    }
    assert_eq!(admitted, 10, "this gateway's share: 20 an hour / 2 gateways");
    assert_eq!(mode().await, "fallback");
    assert!(started.elapsed() < Duration::from_secs(3), "no request waited for Redis: {:?}", started.elapsed());

    proxy.restore();
    let back = Instant::now();
    loop {
        let (status, headers, _) = call().await;
        if mode().await == "shared" {
            assert_eq!(status, StatusCode::OK);
            let state = headers["ratelimit"].to_str().unwrap().to_owned();
            assert!(state.starts_with("\"Metered\";r=14;"), "Redis kept its count (5 before, 1 now): {state}");
            break;
        }
        assert!(back.elapsed() < Duration::from_secs(10), "Redis never came back");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
