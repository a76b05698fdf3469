//! The throttle's rules, in-process and against Redis (when `PORTICO_TEST_REDIS_URL` is
//! set), and its fallback when Redis is unreachable.

use super::*;

#[test]
fn waits_double_after_the_free_failures_and_are_capped() {
    assert_eq!(wait_after(4, 5), None);
    assert_eq!(wait_after(5, 5), Some(Duration::from_secs(1)));
    assert_eq!(wait_after(6, 5), Some(Duration::from_secs(2)));
    assert_eq!(wait_after(8, 5), Some(Duration::from_secs(8)));
    assert_eq!(wait_after(40, 5), Some(MAX_WAIT));
}

async fn exercise(throttle: &LoginThrottle, email: &str) {
    let account = ThrottleKey::account(email);
    for _ in 0..ACCOUNT_FREE_FAILURES {
        assert!(throttle.attempt(&account).await.is_ok(), "five attempts pass");
    }
    let wait = throttle.attempt(&account).await.expect_err("the sixth waits");
    assert!(wait > Duration::from_millis(500) && wait <= Duration::from_secs(1), "{wait:?}");
    assert!(throttle.check(std::slice::from_ref(&account)).await.is_err());
    assert!(throttle.attempt(&ThrottleKey::account("someone-else@example.com")).await.is_ok());
    throttle.success(&account).await;
    assert!(throttle.attempt(&account).await.is_ok(), "success clears the account");

    let ip = [ThrottleKey::ip("198.51.100.7")];
    for _ in 0..IP_FREE_FAILURES - 1 {
        throttle.failure(&ip).await;
    }
    assert!(throttle.check(&ip).await.is_ok(), "nineteen failures from one address are free");
    throttle.failure(&ip).await;
    assert!(throttle.check(&ip).await.is_err());
}

#[tokio::test]
async fn in_process_counters_throttle_and_clear() {
    exercise(&LoginThrottle::in_process(), "alice@example.com").await;
}

#[tokio::test]
async fn redis_counters_are_shared_between_instances() {
    let Some((url, prefix)) = migrations::testkit::redis("domain::throttle::redis_counters_are_shared") else {
        return exercise(&LoginThrottle::in_process(), "bob@example.com").await;
    };
    let first = LoginThrottle::redis(&url, &prefix).expect("url");
    assert!(first.is_shared().await, "Redis at {url} must answer");
    exercise(&first, "bob@example.com").await;
    let second = LoginThrottle::redis(&url, &prefix).expect("url");
    let carol = ThrottleKey::account("carol@example.com");
    for _ in 0..ACCOUNT_FREE_FAILURES {
        first.attempt(&carol).await.expect("free attempt");
    }
    assert!(second.attempt(&carol).await.is_err(), "a second instance sees the first one's attempts");
    second.success(&carol).await;
}

#[tokio::test]
async fn unreachable_redis_falls_back_to_local_counters() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    let throttle = LoginThrottle::redis(&format!("redis://127.0.0.1:{port}"), "t:").expect("url");
    assert!(!throttle.is_shared().await);
    exercise(&throttle, "dave@example.com").await;
}
