//! The limiter without Redis. With Redis — shared counts, the fallback while it is cut
//! and the return — it is tested through real gateways in `tests/traffic_redis.rs`.

use std::time::Duration;

use super::*;

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
    let (quota, mode) = limiter.quota("k", QuotaPeriod::Day, 1, 1).await;
    assert!(quota.allowed && mode == Mode::Local);
    assert!(!limiter.quota("k", QuotaPeriod::Day, 1, 1).await.0.allowed);
}
