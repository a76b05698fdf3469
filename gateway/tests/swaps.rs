//! Configuration swaps under load: 100 swaps while clients keep calling; every swap
//! changes what the gateway answers, and no request fails.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use support::{MockUpstream, TestGateway, get, snapshot};

fn version(upstream: &str, n: u64) -> gateway::Snapshot {
    let mut s = snapshot(&format!(
        "apis:\n  - {{ id: a, name: A, context: /a, version: v1, auth: none, upstream: {{ endpoints: [{{ url: '{upstream}' }}] }}, request_headers: {{ add: {{ X-Config-Version: '{n}' }} }} }}\n"
    ));
    s.version = n;
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_swaps_under_load_all_take_effect_and_fail_nothing() {
    let upstream = MockUpstream::start("u").await;
    let gw = Arc::new(TestGateway::start(&version(&upstream.url(), 0)).await);
    let counts: Arc<Mutex<BTreeMap<u64, u64>>> = Arc::default();
    let failures: Arc<Mutex<Vec<String>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let mut clients = Vec::new();
    for _ in 0..4 {
        let (gw, counts, failures, stop) = (gw.clone(), counts.clone(), failures.clone(), stop.clone());
        clients.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let (status, _, body) = get(&gw.url("/a/v1/x"), &[]).await;
                match body["config_version"].as_str().and_then(|v| v.parse::<u64>().ok()) {
                    Some(v) if status.is_success() => *counts.lock().unwrap().entry(v).or_default() += 1,
                    _ => failures.lock().unwrap().push(format!("{status} {body}")),
                }
            }
        }));
    }
    for n in 0..=100u64 {
        if n > 0 {
            gw.store.apply(&version(&upstream.url(), n)).unwrap();
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while !counts.lock().unwrap().contains_key(&n) {
            assert!(Instant::now() < deadline, "version {n} was never answered");
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
    stop.store(true, Ordering::Relaxed);
    for client in clients {
        client.await.unwrap();
    }
    let counts = counts.lock().unwrap();
    assert!(failures.lock().unwrap().is_empty(), "{:?}", failures.lock().unwrap());
    assert_eq!(counts.len(), 101, "every configuration answered: {counts:?}");
    let total: u64 = counts.values().sum();
    assert!(total >= 101);
    assert_eq!(*counts.keys().last().unwrap(), 100);
}
