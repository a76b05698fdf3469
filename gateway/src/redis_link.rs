//! A Redis connection for state shared between instances (rate limits, the login
//! throttle) that tolerates Redis being away: opened on first use with short timeouts;
//! after a failure it is dropped and no new attempt is made for a pause, so callers fall
//! back to in-process state at once instead of waiting on every request. Both switches
//! are logged.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use redis::aio::MultiplexedConnection;

/// A lazily opened, self-pausing Redis connection; see the module documentation.
pub struct RedisLink {
    client: redis::Client,
    /// Who uses it, in log messages ("rate limits").
    user: &'static str,
    timeout: Duration,
    pause: Duration,
    conn: tokio::sync::Mutex<Option<MultiplexedConnection>>,
    down_until: Mutex<Option<Instant>>,
}

impl std::fmt::Debug for RedisLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisLink").field("user", &self.user).finish_non_exhaustive()
    }
}

impl RedisLink {
    /// A link to the Redis at `url` for `user`, with connect and response `timeout` and a
    /// `pause` after a failure. Fails only on a malformed URL.
    pub fn new(url: &str, user: &'static str, timeout: Duration, pause: Duration) -> Result<Self, redis::RedisError> {
        Ok(Self {
            client: redis::Client::open(url)?,
            user,
            timeout,
            pause,
            conn: tokio::sync::Mutex::new(None),
            down_until: Mutex::new(None),
        })
    }

    /// The connection, opened if needed; `None` while Redis is unreachable (the caller
    /// uses its in-process state).
    pub async fn connection(&self) -> Option<MultiplexedConnection> {
        let mut slot = self.conn.lock().await;
        if let Some(conn) = slot.as_ref() {
            return Some(conn.clone());
        }
        let down_until = *self.down_until.lock().unwrap_or_else(PoisonError::into_inner);
        if down_until.is_some_and(|until| Instant::now() < until) {
            return None;
        }
        let config =
            redis::AsyncConnectionConfig::new().set_connection_timeout(self.timeout).set_response_timeout(self.timeout);
        match self.client.get_multiplexed_async_connection_with_config(&config).await {
            Ok(conn) => {
                tracing::info!(user = self.user, "Redis answers: state shared through it");
                *slot = Some(conn.clone());
                Some(conn)
            }
            Err(error) => {
                self.pause_after(&error);
                None
            }
        }
    }

    /// Reports a failed call: the connection is dropped and Redis left alone for a pause.
    pub async fn failed(&self, error: &redis::RedisError) {
        *self.conn.lock().await = None;
        self.pause_after(error);
    }

    fn pause_after(&self, error: &redis::RedisError) {
        tracing::warn!(user = self.user, %error, "Redis unreachable: using in-process state");
        *self.down_until.lock().unwrap_or_else(PoisonError::into_inner) = Some(Instant::now() + self.pause);
    }
}
