//! Benchmark (not a test): compile and swap time of a 10,000-API snapshot, and the
//! gateway's memory with 100,000 keys. `cargo run --release -p gateway --example scale`.

use std::time::Instant;

use gateway::spec::{ApplicationSpec, KeySpec, Snapshot, SubscriptionSpec};
use gateway::{Config, ConfigStore};

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap_or("VmRSS: 0 kB");
    line.split_whitespace().nth(1).and_then(|v| v.parse().ok()).unwrap_or(0)
}

fn api(i: usize) -> gateway::spec::ApiSpec {
    let yaml = format!(
        "apis:\n  - id: api-{i}\n    name: API {i}\n    context: /svc{i}\n    version: v1\n    upstream: {{ endpoints: [{{ url: 'http://10.0.{}.{}:8080' }}] }}\n    operations:\n      - {{ method: GET, path: /items }}\n      - {{ method: GET, path: '/items/{{id}}' }}\n      - {{ method: POST, path: /items }}\n      - {{ method: DELETE, path: '/items/{{id}}' }}\n",
        i / 250,
        i % 250
    );
    let mut parsed = gateway::spec::parse(yaml.as_bytes()).unwrap_or_default();
    parsed.apis.remove(0)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

#[tokio::main]
async fn main() {
    // Keys first, in a fresh process, so the figure is what 100,000 keys cost.
    let base = rss_kib();
    let store = ConfigStore::new();
    let digest = |i: usize| gateway::credentials::hash_key(format!("pk_live_{i:043}").as_bytes());
    let keys_snapshot = Snapshot {
        version: 1,
        apis: vec![api(0)],
        applications: (0..100_000)
            .map(|i| ApplicationSpec {
                id: format!("app-{i}"),
                name: format!("Application {i}"),
                keys: vec![KeySpec {
                    id: Some(format!("key-{i}")),
                    sha256: Some(digest(i).iter().map(|b| format!("{b:02x}")).collect()),
                    key: None,
                    expires_at: None,
                }],
                subscriptions: vec![SubscriptionSpec {
                    api: "api-0".into(),
                    state: Default::default(),
                    tier: Some("Gold".into()),
                }],
                oauth_clients: Vec::new(),
                basic_auth: Vec::new(),
                tier: None,
            })
            .collect(),
        tiers: vec![gateway::spec::TierSpec {
            name: "Gold".into(),
            rate: Some(gateway::spec::RateSpec { limit: 5000, period_secs: 60, burst: None }),
            quota: None,
            priority: 0,
            approximate: false,
        }],
        ..Default::default()
    };
    let started = Instant::now();
    let config = Config::compile(&keys_snapshot).unwrap_or_else(|e| panic!("{e}"));
    let took = started.elapsed();
    drop(keys_snapshot);
    store.install(config);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let with_keys = rss_kib();
    println!(
        "100,000 keys (one application each): compile {:.0} ms; gateway RSS {} MiB (empty process {} MiB)",
        took.as_secs_f64() * 1e3,
        with_keys / 1024,
        base / 1024
    );

    let mut snapshot = Snapshot { version: 1, ..Default::default() };
    snapshot.apis = (0..10_000).map(api).collect();
    let mut compile = Vec::new();
    let mut swap = Vec::new();
    for round in 0..5 {
        snapshot.version = round + 2;
        let started = Instant::now();
        let config = Config::compile(&snapshot).unwrap_or_else(|e| panic!("{e}"));
        compile.push(started.elapsed().as_secs_f64() * 1e3);
        let started = Instant::now();
        store.install(config);
        swap.push(started.elapsed().as_secs_f64() * 1e3);
    }
    println!(
        "10,000 APIs (40,000 operations): compile median {:.1} ms, swap median {:.3} ms (5 rounds)",
        median(compile),
        median(swap)
    );
}
