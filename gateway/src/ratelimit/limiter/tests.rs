//! Redis going away mid-run, through a TCP proxy the test owns and cuts (never by
//! stopping the shared server): traffic keeps being decided locally with this gateway's
//! share, and Redis is back in charge once it answers again.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;
use tokio::task::JoinHandle;

use super::*;

/// A TCP proxy to `target` that can refuse and drop every connection.
struct Cuttable {
    addr: std::net::SocketAddr,
    cut: Arc<AtomicBool>,
    links: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Cuttable {
    async fn start(target: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let cut = Arc::new(AtomicBool::new(false));
        let links: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let (flag, list) = (cut.clone(), links.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if flag.load(Ordering::SeqCst) {
                    continue; // dropped: refused
                }
                let target = target.clone();
                list.lock().await.push(tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                }));
            }
        });
        Self { addr, cut, links }
    }

    async fn cut(&self) {
        self.cut.store(true, Ordering::SeqCst);
        for link in self.links.lock().await.drain(..) {
            link.abort();
        }
    }

    fn restore(&self) {
        self.cut.store(false, Ordering::SeqCst);
    }
}

#[tokio::test]
async fn when_redis_goes_away_traffic_is_limited_locally_and_comes_back() {
    let Some((url, prefix)) = migrations::testkit::redis("gateway::ratelimit::redis_fallback") else {
        eprintln!("no PORTICO_TEST_REDIS_URL: the fallback is tested in CI");
        return;
    };
    let target = url.trim_start_matches("redis://").trim_end_matches('/').to_owned();
    let proxy = Cuttable::start(target).await;
    let redis = RedisLimiter::new(&format!("redis://{}", proxy.addr), &prefix).unwrap();
    let limiter = Limiter::shared(redis, 1000, 2);
    let rate = Rate::new(20, Duration::from_secs(3600), None).unwrap();

    for _ in 0..5 {
        assert_eq!(limiter.check("sub:a", &rate, 1).await.1, Mode::Shared);
    }
    proxy.cut().await;
    let started = Instant::now();
    let mut admitted = 0;
    for _ in 0..30 {
        let (decision, mode) = limiter.check("sub:a", &rate, 1).await;
        assert_eq!(mode, Mode::Fallback, "served locally while Redis is away");
        admitted += u32::from(decision.allowed);
    }
    assert_eq!(admitted, 10, "this gateway's share: 20 / 2 gateways");
    assert_eq!(limiter.mode(), Mode::Fallback);
    assert!(started.elapsed() < Duration::from_secs(2), "no request waits for Redis: {:?}", started.elapsed());

    proxy.restore();
    let back = Instant::now();
    loop {
        let (decision, mode) = limiter.check("sub:a", &rate, 1).await;
        if mode == Mode::Shared {
            assert_eq!(decision.remaining, 20 - 6, "Redis kept its count: 5 before, 1 now");
            break;
        }
        assert!(back.elapsed() < Duration::from_secs(10), "Redis never came back");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(limiter.mode(), Mode::Shared);
}

#[tokio::test]
async fn without_redis_limits_are_local() {
    let limiter = Limiter::local(100);
    let rate = Rate::new(3, Duration::from_secs(60), None).unwrap();
    let mut admitted = 0;
    for _ in 0..5 {
        let (decision, mode) = limiter.check("k", &rate, 1).await;
        assert_eq!(mode, Mode::Local);
        admitted += u32::from(decision.allowed);
    }
    assert_eq!(admitted, 3);
}
