//! A Redis connection for state shared between instances (rate limits, the login
//! throttle) that tolerates Redis being away: opened on first use with short timeouts;
//! after a failure it is dropped and no new attempt is made for a pause, so callers fall
//! back to in-process state at once instead of waiting on every request. Both switches
//! are logged.
//!
//! The URL names one Redis (`redis://host:6379/0`) or, as a comma-separated list of
//! nodes (`redis://a:7000,redis://b:7001,redis://c:7002`), a Redis Cluster: every key
//! Portico uses is one counter touched by one command or script, so each call goes to the
//! one node owning its slot.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use redis::aio::{ConnectionLike, MultiplexedConnection};
use redis::cluster::ClusterClient;
use redis::cluster_async::ClusterConnection;
use redis::{Cmd, Pipeline, RedisFuture, Value};

/// Where the link connects.
enum Client {
    /// One Redis.
    Single(redis::Client),
    /// A Redis Cluster, by its seed nodes.
    Cluster(ClusterClient),
}

/// An open connection: to one Redis, or to a cluster (routed per key).
#[derive(Clone)]
pub enum Connection {
    /// One Redis, multiplexed.
    Single(MultiplexedConnection),
    /// A Redis Cluster.
    Cluster(ClusterConnection),
}

impl ConnectionLike for Connection {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            Connection::Single(conn) => conn.req_packed_command(cmd),
            Connection::Cluster(conn) => conn.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        cmd: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            Connection::Single(conn) => conn.req_packed_commands(cmd, offset, count),
            Connection::Cluster(conn) => conn.req_packed_commands(cmd, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Connection::Single(conn) => conn.get_db(),
            Connection::Cluster(conn) => conn.get_db(),
        }
    }
}

/// A lazily opened, self-pausing Redis connection; see the module documentation.
pub struct RedisLink {
    client: Client,
    /// Who uses it, in log messages ("rate limits").
    user: &'static str,
    timeout: Duration,
    pause: Duration,
    conn: tokio::sync::Mutex<Option<Connection>>,
    down_until: Mutex<Option<Instant>>,
}

impl std::fmt::Debug for RedisLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisLink").field("user", &self.user).finish_non_exhaustive()
    }
}

impl RedisLink {
    /// A link to the Redis (or Redis Cluster, see the module documentation) at `url` for
    /// `user`, with connect and response `timeout` and a `pause` after a failure. Fails
    /// only on a malformed URL.
    pub fn new(url: &str, user: &'static str, timeout: Duration, pause: Duration) -> Result<Self, redis::RedisError> {
        let nodes: Vec<&str> = url.split(',').map(str::trim).filter(|n| !n.is_empty()).collect();
        let client = if nodes.len() > 1 {
            let builder = ClusterClient::builder(nodes).connection_timeout(timeout).response_timeout(timeout);
            Client::Cluster(builder.retries(1).build()?)
        } else {
            Client::Single(redis::Client::open(url)?)
        };
        Ok(Self { client, user, timeout, pause, conn: tokio::sync::Mutex::new(None), down_until: Mutex::new(None) })
    }

    /// The connection, opened if needed; `None` while Redis is unreachable (the caller
    /// uses its in-process state).
    pub async fn connection(&self) -> Option<Connection> {
        let mut slot = self.conn.lock().await;
        if let Some(conn) = slot.as_ref() {
            return Some(conn.clone());
        }
        let down_until = *self.down_until.lock().unwrap_or_else(PoisonError::into_inner);
        if down_until.is_some_and(|until| Instant::now() < until) {
            return None;
        }
        let opened = match &self.client {
            Client::Single(client) => {
                let config = redis::AsyncConnectionConfig::new()
                    .set_connection_timeout(self.timeout)
                    .set_response_timeout(self.timeout);
                client.get_multiplexed_async_connection_with_config(&config).await.map(Connection::Single)
            }
            Client::Cluster(client) => {
                match tokio::time::timeout(self.timeout * 3, client.get_async_connection()).await {
                    Ok(opened) => opened.map(Connection::Cluster),
                    Err(_) => Err(redis::RedisError::from((redis::ErrorKind::IoError, "cluster connect timed out"))),
                }
            }
        };
        match opened {
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
