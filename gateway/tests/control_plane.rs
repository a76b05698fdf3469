//! `portico-gateway --control-plane URL` against a mock control plane: snapshots and
//! deltas are ACKed with the right hash and served; a config that does not compile is
//! NACKed and the old one keeps serving; a delta for another version gets a resync; the
//! gateway keeps serving through a control-plane outage and restarts from its disk cache;
//! a wrong token is retried with backoff; 100 pushes under load all take effect with no
//! failed request; key usage is reported in batches; analytics batches are resent until
//! acknowledged and buffered through an outage; the CLI's modes exclude each other.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod mock_control_plane;
mod support;

use std::collections::{BTreeMap, HashMap};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use gateway::Snapshot;
use gateway::config::hash;
use gateway::control_plane::protocol::{ControlMessage, Delta, GatewayMessage};
use http::{Request, StatusCode};
use http_body_util::{BodyExt as _, Full};
use mock_control_plane::MockControlPlane;
use support::{MockUpstream, get, snapshot};

const TOKEN: &str = "gw-token-5f1c0e7a";

fn free_addr() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap()
}

/// A `portico-gateway` process in control-plane mode, with its log lines.
struct Gw {
    child: Child,
    proxy: SocketAddr,
    status: SocketAddr,
    logs: Arc<Mutex<Vec<String>>>,
}

impl Drop for Gw {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Gw {
    fn spawn(control_plane: &str, token: &str, cache: &Path, env: &[(&str, &str)]) -> Self {
        let (proxy, status) = (free_addr(), free_addr());
        let mut command = Command::new(env!("CARGO_BIN_EXE_portico-gateway"));
        command
            .args(["--control-plane", control_plane, "--environment", "test"])
            .arg("--cache-dir")
            .arg(cache)
            .env("PORTICO_GATEWAY_TOKEN", token)
            .env("PORTICO_GATEWAY_LISTEN", proxy.to_string())
            .env("PORTICO_GATEWAY_STATUS_LISTEN", status.to_string())
            .stdout(Stdio::piped());
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command.spawn().unwrap();
        let logs: Arc<Mutex<Vec<String>>> = Arc::default();
        let (stdout, sink) = (child.stdout.take().unwrap(), logs.clone());
        std::thread::spawn(move || {
            use std::io::BufRead as _;
            for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        Self { child, proxy, status, logs }
    }

    fn logs(&self) -> Vec<String> {
        self.logs.lock().unwrap().clone()
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.proxy)
    }

    async fn status(&self, path: &str) -> (StatusCode, serde_json::Value) {
        let (status, _, body) = get(&format!("http://{}{path}", self.status), &[]).await;
        (status, body)
    }

    /// The `X-Config-Version` the upstream saw for `GET /a/v1/x`.
    async fn serving(&self) -> String {
        let (status, _, body) = get(&self.url("/a/v1/x"), &[]).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["config_version"].as_str().unwrap().to_owned()
    }
}

async fn wait_until<F: std::future::Future<Output = bool>>(what: &str, mut check: impl FnMut() -> F) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if tokio::time::timeout(Duration::from_secs(2), check()).await.unwrap_or(false) {
            return;
        }
        assert!(Instant::now() < deadline, "{what}: not reached in time");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Version `n`: API `a` at `/a/v1` (open) whose upstream requests carry `X-Config-Version: n`.
fn version(upstream: &str, n: u64) -> Snapshot {
    let mut s = snapshot(&format!(
        "apis:\n  - {{ id: a, name: A, context: /a, version: v1, auth: none, upstream: {{ endpoints: [{{ url: '{upstream}' }}] }}, request_headers: {{ add: {{ X-Config-Version: '{n}' }} }} }}\n"
    ));
    s.version = n;
    s
}

fn snapshot_message(s: &Snapshot) -> ControlMessage {
    ControlMessage::Snapshot { version: s.version, hash: hash(s), snapshot: Box::new(s.clone()) }
}

fn delta_message(from: &Snapshot, to: &Snapshot) -> ControlMessage {
    ControlMessage::Delta(Box::new(Delta::between(from, to, hash(to))))
}

/// A fresh cache directory (not created: the gateway creates it).
fn cache_dir() -> PathBuf {
    std::env::temp_dir().join(format!("portico-gateway-cp-test-{}", uuid::Uuid::new_v4())).join("cache")
}

/// Starts a gateway on a fresh cache, gives it `first` and waits for its ACK.
async fn connected(cp: &MockControlPlane, first: &Snapshot, env: &[(&str, &str)]) -> (Gw, PathBuf) {
    let cache = cache_dir();
    let gw = Gw::spawn(&cp.url(), TOKEN, &cache, env);
    cp.hello(0).await;
    cp.send(&snapshot_message(first));
    assert_eq!(cp.ack(first.version).await, hash(first));
    (gw, cache)
}

#[tokio::test]
async fn a_snapshot_is_acked_and_served_and_a_delta_changes_it() {
    let upstream = MockUpstream::start("u").await;
    let cp = MockControlPlane::start(TOKEN).await;
    let gw = Gw::spawn(&cp.url(), TOKEN, &cache_dir(), &[]);
    let GatewayMessage::Hello { node_id, hostname, software_version, config_version, config_hash } = cp.hello(0).await
    else {
        unreachable!()
    };
    uuid::Uuid::parse_str(&node_id).unwrap();
    assert!(!hostname.is_empty());
    assert_eq!(software_version, env!("CARGO_PKG_VERSION"));
    assert_eq!((config_version, config_hash), (None, None), "a new gateway runs nothing");
    let attempt = &cp.attempts()[0];
    assert_eq!(attempt.uri, "/api/gateway/v1/connect?environment=test");
    assert_eq!(attempt.authorization.as_deref(), Some(format!("Bearer {TOKEN}").as_str()));
    assert_eq!(gw.status("/readyz").await.0, StatusCode::SERVICE_UNAVAILABLE, "no configuration yet");

    let v1 = version(&upstream.url(), 1);
    cp.send(&snapshot_message(&v1));
    assert_eq!(cp.ack(1).await, hash(&v1));
    assert_eq!(gw.serving().await, "1");
    let (status, config) = gw.status("/config").await;
    assert_eq!(
        (status, config["version"].as_u64(), config["hash"].as_str()),
        (StatusCode::OK, Some(1), Some(&*hash(&v1)))
    );

    let mut v2 = version(&upstream.url(), 2);
    v2.apis.push(version(&upstream.url(), 2).apis.remove(0));
    (v2.apis[1].id, v2.apis[1].context) = ("b".into(), "/b".into());
    cp.send(&delta_message(&v1, &v2));
    assert_eq!(cp.ack(2).await, hash(&v2));
    assert_eq!(gw.serving().await, "2");
    let (status, _, body) = get(&gw.url("/b/v1/y"), &[]).await;
    assert_eq!((status, body["config_version"].as_str()), (StatusCode::OK, Some("2")), "the delta added /b");
}

#[tokio::test]
async fn it_keeps_serving_without_the_control_plane_and_restarts_from_the_disk_cache() {
    let upstream = MockUpstream::start("u").await;
    let cp = MockControlPlane::start(TOKEN).await;
    let v1 = version(&upstream.url(), 1);
    let (gw, cache) = connected(&cp, &v1, &[]).await;
    let GatewayMessage::Hello { node_id, .. } = cp.hello(0).await else { unreachable!() };
    let file = cache.join("snapshot.json");
    wait_until("the snapshot is cached", || async {
        std::fs::read(&file)
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .is_some_and(|c| c["version"] == 1)
    })
    .await;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&file), 0o600, "the cached snapshot is owner-only");
        assert_eq!(mode(&cache.join("node-id")), 0o600);
        assert_eq!(mode(&cache), 0o700);
    }

    cp.stop();
    for _ in 0..10 {
        assert_eq!(gw.serving().await, "1", "the gateway serves through the outage");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(gw.status("/readyz").await.0, StatusCode::OK);
    drop(gw);

    let gw = Gw::spawn(&cp.url(), TOKEN, &cache, &[]);
    let ready = format!("http://{}/readyz", gw.status);
    wait_until("ready from the cache", || async { support::try_status(&ready).await == Some(StatusCode::OK) }).await;
    assert_eq!(gw.serving().await, "1", "served from the disk cache, the control plane being down");
    assert_eq!(gw.status("/config").await.1["hash"].as_str(), Some(&*hash(&v1)));
    assert!(gw.logs().iter().any(|l| l.contains("serving the cached configuration")), "{:?}", gw.logs());

    let cp = MockControlPlane::start_on(cp.addr, TOKEN).await;
    let GatewayMessage::Hello { node_id: again, config_version, config_hash, .. } = cp.hello(0).await else {
        unreachable!()
    };
    assert_eq!(again, node_id, "the node id is kept in the cache");
    assert_eq!((config_version, config_hash), (Some(1), Some(hash(&v1))), "hello says what it runs");
    let v2 = version(&upstream.url(), 2);
    cp.send(&delta_message(&v1, &v2));
    cp.ack(2).await;
    assert_eq!(gw.serving().await, "2", "a delta on the cached version applies");
}

#[tokio::test]
async fn a_snapshot_that_does_not_compile_is_nacked_and_the_old_one_keeps_serving() {
    let upstream = MockUpstream::start("u").await;
    let cp = MockControlPlane::start(TOKEN).await;
    let v1 = version(&upstream.url(), 1);
    let (gw, _) = connected(&cp, &v1, &[]).await;

    let mut colliding = version(&upstream.url(), 2);
    colliding.apis.push(version(&upstream.url(), 2).apis.remove(0));
    colliding.apis[1].id = "b".into();
    cp.send(&snapshot_message(&colliding));
    let error = cp
        .wait_for(0, "a NACK", |m| match m {
            GatewayMessage::Nack { version: 2, error } => Some(error.clone()),
            _ => None,
        })
        .await;
    assert!(error.contains("apis[1]") && error.contains("collides"), "{error}");
    assert_eq!(gw.status("/config").await.1["hash"].as_str(), Some(&*hash(&v1)), "the old config stays");
    assert_eq!(gw.serving().await, "1");

    let unreadable = r#"{"type":"snapshot","version":3,"hash":"x","snapshot":{"apis":[],"surprise":1}}"#;
    cp.send_text(unreadable.to_owned());
    let error = cp
        .wait_for(0, "a NACK of 3", |m| match m {
            GatewayMessage::Nack { version: 3, error } => Some(error.clone()),
            _ => None,
        })
        .await;
    assert!(error.contains("surprise"), "{error}");

    let v4 = version(&upstream.url(), 4);
    cp.send(&delta_message(&v1, &v4));
    assert_eq!(cp.ack(4).await, hash(&v4), "the gateway still runs version 1");
    assert_eq!(gw.serving().await, "4");
}

#[tokio::test]
async fn a_delta_for_another_version_or_with_a_wrong_hash_gets_a_resync() {
    let upstream = MockUpstream::start("u").await;
    let cp = MockControlPlane::start(TOKEN).await;
    let v1 = version(&upstream.url(), 1);
    let (gw, _) = connected(&cp, &v1, &[]).await;
    let resyncs = || cp.received().iter().filter(|m| matches!(m, GatewayMessage::Resync { .. })).count();

    let v2 = version(&upstream.url(), 2);
    let mut stale = Delta::between(&v1, &v2, hash(&v2));
    stale.base_version = 7;
    cp.send(&ControlMessage::Delta(Box::new(stale)));
    let have = cp
        .wait_for(0, "a resync", |m| match m {
            GatewayMessage::Resync { have_version } => Some(*have_version),
            _ => None,
        })
        .await;
    assert_eq!(have, Some(1));

    let wrong_hash = Delta::between(&v1, &v2, "0".repeat(64));
    cp.send(&ControlMessage::Delta(Box::new(wrong_hash)));
    wait_until("a second resync", || async { resyncs() == 2 }).await;
    assert_eq!(gw.serving().await, "1", "neither delta was applied");

    cp.send(&snapshot_message(&v2));
    assert_eq!(cp.ack(2).await, hash(&v2));
    assert_eq!(gw.serving().await, "2");
}

#[tokio::test]
async fn a_wrong_token_is_refused_and_retried_with_backoff() {
    let cp = MockControlPlane::start(TOKEN).await;
    let wrong = "wrong-token-3b9d2c41";
    let mut gw = Gw::spawn(&cp.url(), wrong, &cache_dir(), &[]);
    wait_until("four attempts", || async { cp.attempts().len() >= 4 }).await;
    let attempts = cp.attempts();
    assert!(attempts.iter().all(|a| a.status == 401), "{attempts:?}");
    let gaps: Vec<Duration> = attempts.windows(2).map(|w| w[1].at - w[0].at).collect();
    for (i, gap) in gaps.iter().take(3).enumerate() {
        let floor = Duration::from_millis((400 << i) - 50);
        assert!(*gap >= floor, "attempt {} came after {gap:?}, before the backoff of {floor:?}: {gaps:?}", i + 2);
    }
    assert!(gaps[0] < gaps[1] && gaps[1] < gaps[2], "the delays grow: {gaps:?}");

    assert!(gw.child.try_wait().unwrap().is_none(), "the gateway keeps running");
    assert_eq!(gw.status("/healthz").await.0, StatusCode::OK);
    assert_eq!(gw.status("/readyz").await.0, StatusCode::SERVICE_UNAVAILABLE);
    let logs = gw.logs();
    let failures: Vec<&String> = logs.iter().filter(|l| l.contains("control plane connection failed")).collect();
    assert!(failures.len() >= attempts.len() - 1, "one warning per attempt: {logs:?}");
    assert!(failures.iter().all(|l| l.contains("\"WARN\"") && l.contains("401")), "{failures:?}");
    assert!(logs.iter().all(|l| !l.contains(wrong)), "the token is never logged: {logs:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_pushes_under_load_all_take_effect_and_fail_nothing() {
    let upstream = MockUpstream::start("u").await;
    let cp = MockControlPlane::start(TOKEN).await;
    let mut current = version(&upstream.url(), 0);
    let (gw, _) = connected(&cp, &current, &[]).await;
    let url = gw.url("/a/v1/x");
    let counts: Arc<Mutex<BTreeMap<u64, u64>>> = Arc::default();
    let first_seen: Arc<Mutex<HashMap<u64, Instant>>> = Arc::default();
    let failures: Arc<Mutex<Vec<String>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let mut clients = Vec::new();
    for _ in 0..4 {
        let (url, counts, first_seen, failures, stop) =
            (url.clone(), counts.clone(), first_seen.clone(), failures.clone(), stop.clone());
        clients.push(tokio::spawn(async move {
            let client = support::client();
            while !stop.load(Ordering::Relaxed) {
                let request = Request::get(&url).body(Full::new(Bytes::new())).unwrap();
                let answer = match client.request(request).await {
                    Ok(response) => {
                        let status = response.status();
                        let body = response.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                        let json: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
                        json["config_version"]
                            .as_str()
                            .and_then(|v| v.parse::<u64>().ok())
                            .filter(|_| status.is_success())
                            .ok_or(format!("{status} {json}"))
                    }
                    Err(error) => Err(error.to_string()),
                };
                match answer {
                    Ok(v) => {
                        first_seen.lock().unwrap().entry(v).or_insert_with(Instant::now);
                        *counts.lock().unwrap().entry(v).or_default() += 1;
                    }
                    Err(failure) => failures.lock().unwrap().push(failure),
                }
            }
        }));
    }
    wait_until("version 0 answered", || async { first_seen.lock().unwrap().contains_key(&0) }).await;
    let mut latencies = Vec::new();
    for n in 1..=100u64 {
        let next = version(&upstream.url(), n);
        // Mostly deltas, every tenth push a full snapshot.
        let message = if n % 10 == 0 { snapshot_message(&next) } else { delta_message(&current, &next) };
        let sent = Instant::now();
        cp.send(&message);
        let deadline = sent + Duration::from_secs(10);
        let seen = loop {
            if let Some(at) = first_seen.lock().unwrap().get(&n) {
                break *at;
            }
            assert!(Instant::now() < deadline, "version {n} was never answered");
            tokio::time::sleep(Duration::from_micros(200)).await;
        };
        latencies.push(seen.saturating_duration_since(sent));
        current = next;
    }
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        client.await.unwrap();
    }
    assert!(failures.lock().unwrap().is_empty(), "{:?}", failures.lock().unwrap());
    let counts = counts.lock().unwrap().clone();
    assert_eq!(counts.len(), 101, "every pushed configuration answered: {counts:?}");
    for n in 1..=100 {
        assert_eq!(cp.ack(n).await, hash(&version(&upstream.url(), n)), "ACK of {n}");
    }
    latencies.sort();
    let (p50, p99) = (latencies[49], latencies[98]);
    println!(
        "push → first response with that version over 100 pushes under load: p50 {p50:?}, p99 {p99:?}, max {:?}; {} requests",
        latencies[99],
        counts.values().sum::<u64>()
    );
    assert!(p99 < Duration::from_secs(5), "p99 {p99:?}");
}

#[tokio::test]
async fn key_usage_is_reported_in_batches() {
    let upstream = MockUpstream::start("u").await;
    let cp = MockControlPlane::start(TOKEN).await;
    let digest = |key: &str| hex::encode(gateway::credentials::hash_key(key.as_bytes()));
    let keyed = |n: u64| {
        let mut s = snapshot(&format!(
            "apis:\n  - {{ id: a, name: A, context: /a, version: v1, upstream: {{ endpoints: [{{ url: '{}' }}] }}, request_headers: {{ add: {{ X-Config-Version: '{n}' }} }} }}\napplications:\n  - {{ id: app, keys: [{{ id: key-1, sha256: '{}' }}, {{ sha256: '{}' }}], subscriptions: [{{ api: a }}] }}\n",
            upstream.url(),
            digest("usage-key-0001"),
            digest("anonymous-key-0002"),
        ));
        s.version = n;
        s
    };
    let v1 = keyed(1);
    let (gw, _) = connected(&cp, &v1, &[("PORTICO_GATEWAY_USAGE_INTERVAL_MS", "700")]).await;
    let usages = || -> Vec<Vec<(String, i64)>> {
        cp.received()
            .iter()
            .filter_map(|m| match m {
                GatewayMessage::Usage { keys } => {
                    Some(keys.iter().map(|k| (k.key_id.clone(), k.last_used_at)).collect())
                }
                _ => None,
            })
            .collect()
    };
    let call = |key: &'static str| {
        let url = gw.url("/a/v1/x");
        async move {
            let (status, _, body) = get(&url, &[("x-api-key", key)]).await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
    };
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert!(usages().is_empty(), "nothing used, nothing reported");

    call("usage-key-0001").await;
    call("anonymous-key-0002").await;
    // A swap right after the call: the use noted on the old configuration is still reported.
    let v2 = keyed(2);
    cp.send(&delta_message(&v1, &v2));
    cp.ack(2).await;
    wait_until("a usage report", || async { !usages().is_empty() }).await;
    let now = chrono::Utc::now().timestamp();
    let report = &usages()[0];
    assert_eq!(report.len(), 1, "only keys with an id are reported: {report:?}");
    assert_eq!(report[0].0, "key-1");
    assert!((report[0].1 - now).abs() <= 5, "last used {} vs now {now}", report[0].1);

    tokio::time::sleep(Duration::from_millis(2_000)).await;
    assert_eq!(usages().len(), 1, "no use since the last report, no report");
    call("usage-key-0001").await;
    wait_until("a second report", || async { usages().len() == 2 }).await;
}

/// The analytics batches received from index `from` on: (seq, request ids).
fn batches(cp: &MockControlPlane, from: usize) -> Vec<(u64, Vec<String>)> {
    cp.received()
        .iter()
        .skip(from)
        .filter_map(|m| match m {
            GatewayMessage::Analytics(batch) => {
                Some((batch.seq, batch.events.iter().map(|e| e.request_id.as_str().into_owned()).collect()))
            }
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn analytics_is_shipped_kept_until_stored_and_buffered_while_the_control_plane_is_away() {
    let upstream = MockUpstream::start("u").await;
    let cp = MockControlPlane::start(TOKEN).await;
    let v1 = version(&upstream.url(), 1);
    let (gw, _) = connected(&cp, &v1, &[("PORTICO_ANALYTICS_FLUSH_MS", "100")]).await;
    let call = |id: &'static str| {
        let url = gw.url("/a/v1/x");
        async move { assert_eq!(get(&url, &[("x-request-id", id)]).await.0, StatusCode::OK) }
    };
    call("one").await;
    call("two").await;
    wait_until("a batch", || async { !batches(&cp, 0).is_empty() }).await;
    let (first, ids) = batches(&cp, 0).remove(0);
    assert_eq!(ids, ["one", "two"]);
    cp.send(&ControlMessage::AnalyticsStored { seq: first });

    // A batch the control plane never acknowledges is sent again after a reconnect.
    call("three").await;
    wait_until("a second batch", || async { batches(&cp, 0).len() == 2 }).await;
    let (unacked, ids) = batches(&cp, 0).remove(1);
    assert_eq!(ids, ["three"]);
    cp.stop();
    for id in ["four", "five", "six"] {
        call(id).await;
    }
    let (_, status) = gw.status("/analytics").await;
    assert_eq!((status["queued"].as_u64(), status["dropped"].as_u64()), (Some(3), Some(0)), "{status}");

    let cp = MockControlPlane::start_on(cp.addr, TOKEN).await;
    cp.hello(0).await;
    wait_until("the unacknowledged batch again", || async { !batches(&cp, 0).is_empty() }).await;
    assert_eq!(batches(&cp, 0)[0], (unacked, vec!["three".to_owned()]), "the same batch, same number");
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(batches(&cp, 0).len(), 1, "nothing more until it is stored");
    cp.send(&ControlMessage::AnalyticsStored { seq: unacked });
    wait_until("the buffered events", || async { batches(&cp, 0).len() == 2 }).await;
    let (next, ids) = batches(&cp, 0).remove(1);
    assert_eq!(ids, ["four", "five", "six"], "buffered through the outage, in order");
    assert!(next > unacked);
    cp.send(&ControlMessage::AnalyticsStored { seq: next });
    wait_until("all shipped", || async { gw.status("/analytics").await.1["shipped"].as_u64() == Some(6) }).await;
}

#[test]
fn the_two_modes_exclude_each_other_and_one_is_required() {
    let run = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_portico-gateway"))
            .args(args)
            .env_remove("PORTICO_GATEWAY_CONFIG")
            .env_remove("PORTICO_GATEWAY_CONTROL_PLANE")
            .env_remove("PORTICO_GATEWAY_TOKEN")
            .env_remove("PORTICO_GATEWAY_ENVIRONMENT")
            .output()
            .unwrap();
        assert!(!output.status.success(), "{args:?} must not start");
        String::from_utf8_lossy(&output.stderr).into_owned()
    };
    let both =
        run(&["--config", "x.yaml", "--control-plane", "ws://127.0.0.1:1", "--environment", "e", "--token", "t"]);
    assert!(both.contains("cannot be used with"), "{both}");
    let neither = run(&[]);
    assert!(neither.contains("--config") && neither.contains("--control-plane"), "{neither}");
    let partial = run(&["--control-plane", "ws://127.0.0.1:1", "--token", "t"]);
    assert!(partial.contains("--environment"), "{partial}");
    let stray = run(&["--config", "x.yaml", "--environment", "e"]);
    assert!(stray.contains("--control-plane"), "{stray}");
    let stray = run(&["--config", "x.yaml", "--cache-dir", "/tmp/x"]);
    assert!(stray.contains("--control-plane"), "{stray}");
    let bad_url = run(&["--control-plane", "ftp://cp", "--environment", "e", "--token", "t"]);
    assert!(bad_url.contains("wss://"), "{bad_url}");
    let secret = "do-not-print-me";
    let help = Command::new(env!("CARGO_BIN_EXE_portico-gateway"))
        .arg("--help")
        .env("PORTICO_GATEWAY_TOKEN", secret)
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("--control-plane") && !help.contains(secret), "{help}");
}
