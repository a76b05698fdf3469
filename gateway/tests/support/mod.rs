//! Test support: mock upstreams (real hyper servers on port 0, plain or TLS), a gateway
//! started in-process on a snapshot, and a small client; TLS helpers in [`tls`].
#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)]

pub mod collector;
pub mod cuttable;
pub mod redis_cluster;
pub mod tls;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU16, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use gateway::{ConfigStore, Gateway, GatewaySettings, Snapshot};
use http::{HeaderMap, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;

/// What a mock upstream saw of one request.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub uri: String,
    pub headers: HeaderMap,
    pub body_len: usize,
}

/// A mock upstream: answers `{"upstream": name, "uri": …}` with `status`, after `delay_ms`.
pub struct MockUpstream {
    pub addr: SocketAddr,
    pub name: String,
    pub seen: Mutex<Vec<Seen>>,
    pub hits: AtomicUsize,
    pub status: AtomicU16,
    pub health_status: AtomicU16,
    pub delay_ms: AtomicU64,
    /// Extra headers of every answer.
    pub response_headers: Mutex<Vec<(&'static str, String)>>,
    /// Served over TLS (`https://`).
    pub tls: bool,
}

impl MockUpstream {
    /// Starts one (HTTP/1.1 and h2c).
    pub async fn start(name: &str) -> Arc<Self> {
        Self::start_with(name, None).await
    }

    /// Starts one behind TLS with this configuration (HTTP/1.1, and HTTP/2 when its ALPN
    /// offers `h2`).
    pub async fn start_tls(name: &str, config: Arc<rustls::ServerConfig>) -> Arc<Self> {
        Self::start_with(name, Some(tokio_rustls::TlsAcceptor::from(config))).await
    }

    async fn start_with(name: &str, tls: Option<tokio_rustls::TlsAcceptor>) -> Arc<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let upstream = Arc::new(Self {
            addr: listener.local_addr().unwrap(),
            name: name.to_owned(),
            seen: Mutex::new(Vec::new()),
            hits: AtomicUsize::new(0),
            status: AtomicU16::new(200),
            health_status: AtomicU16::new(200),
            delay_ms: AtomicU64::new(0),
            response_headers: Mutex::new(Vec::new()),
            tls: tls.is_some(),
        });
        let server = upstream.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { continue };
                let (server, tls) = (server.clone(), tls.clone());
                tokio::spawn(async move {
                    let service = service_fn(move |req| server.clone().answer(req));
                    let builder = auto::Builder::new(TokioExecutor::new());
                    match tls {
                        None => {
                            let _ = builder.serve_connection(TokioIo::new(stream), service).await;
                        }
                        Some(tls) => {
                            let Ok(stream) = tls.accept(stream).await else { return };
                            let _ = builder.serve_connection(TokioIo::new(stream), service).await;
                        }
                    }
                });
            }
        });
        upstream
    }

    async fn answer(self: Arc<Self>, req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
        let (head, body) = req.into_parts();
        if head.uri.path() == "/health" {
            let status = StatusCode::from_u16(self.health_status.load(Ordering::Relaxed)).unwrap();
            return Ok(Response::builder().status(status).body(Full::new(Bytes::new())).unwrap());
        }
        let body_len = body.collect().await.map(|b| b.to_bytes().len()).unwrap_or(0);
        self.hits.fetch_add(1, Ordering::Relaxed);
        self.seen.lock().unwrap().push(Seen {
            method: head.method.to_string(),
            uri: head.uri.to_string(),
            headers: head.headers.clone(),
            body_len,
        });
        let delay = self.delay_ms.load(Ordering::Relaxed);
        if delay > 0 {
            tokio::time::sleep(Duration::from_millis(delay)).await;
        }
        let version = head.headers.get("x-config-version").map(|v| v.to_str().unwrap().to_owned());
        let body = serde_json::json!({
            "upstream": self.name, "uri": head.uri.to_string(), "version": format!("{:?}", head.version),
            "config_version": version, "application": head.headers.get("x-application-id").map(|v| v.to_str().unwrap()),
            "hit": self.hits.load(Ordering::Relaxed),
        });
        let status = StatusCode::from_u16(self.status.load(Ordering::Relaxed)).unwrap();
        let mut response = Response::builder();
        for (name, value) in self.response_headers.lock().unwrap().iter() {
            response = response.header(*name, value);
        }
        Ok(response
            .status(status)
            .header("content-type", "application/json")
            .header("connection", "x-hop")
            .header("x-hop", "must not pass")
            .body(Full::new(Bytes::from(body.to_string())))
            .unwrap())
    }

    /// The last request seen.
    pub fn last(&self) -> Seen {
        self.seen.lock().unwrap().last().cloned().expect("the upstream saw a request")
    }

    /// `http://127.0.0.1:port` (`https://` when served over TLS).
    pub fn url(&self) -> String {
        format!("{}://{}", if self.tls { "https" } else { "http" }, self.addr)
    }
}

/// A gateway serving a snapshot in-process.
pub struct TestGateway {
    pub proxy: SocketAddr,
    /// The TLS proxy listener, when the settings configure one.
    pub tls: Option<SocketAddr>,
    pub status: SocketAddr,
    pub store: Arc<ConfigStore>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl TestGateway {
    pub async fn start(snapshot: &Snapshot) -> Self {
        Self::start_with(snapshot, GatewaySettings::ephemeral()).await
    }

    pub async fn start_with(snapshot: &Snapshot, settings: GatewaySettings) -> Self {
        Self::start_on(ConfigStore::new(), snapshot, settings).await
    }

    /// Serves `snapshot` from `store` (e.g. one with its own limiter).
    pub async fn start_on(store: Arc<ConfigStore>, snapshot: &Snapshot, settings: GatewaySettings) -> Self {
        Self::start_full(store, snapshot, settings, None).await
    }

    /// Serves `snapshot`, recording an analytics event per request in `analytics`.
    pub async fn start_recording(snapshot: &Snapshot, analytics: Arc<gateway::analytics::Analytics>) -> Self {
        Self::start_full(ConfigStore::new(), snapshot, GatewaySettings::ephemeral(), Some(analytics)).await
    }

    /// Serves `snapshot` with `settings`, recording analytics events in `analytics`.
    pub async fn start_observed(
        snapshot: &Snapshot,
        settings: GatewaySettings,
        analytics: Arc<gateway::analytics::Analytics>,
    ) -> Self {
        Self::start_full(ConfigStore::new(), snapshot, settings, Some(analytics)).await
    }

    async fn start_full(
        store: Arc<ConfigStore>,
        snapshot: &Snapshot,
        settings: GatewaySettings,
        analytics: Option<Arc<gateway::analytics::Analytics>>,
    ) -> Self {
        store.apply(snapshot).expect("the snapshot compiles");
        let mut gateway = Gateway::new(settings, store.clone());
        if let Some(analytics) = analytics {
            gateway = gateway.with_analytics(analytics);
        }
        let bound = gateway.bind().await.unwrap();
        let (proxy, tls, status) = (bound.proxy_addr, bound.tls_addr, bound.status_addr);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(bound.serve(async move {
            let _ = stopped.await;
        }));
        Self { proxy, tls, status, store, _stop: stop }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.proxy)
    }
}

/// Parses a YAML snapshot.
pub fn snapshot(yaml: &str) -> Snapshot {
    gateway::spec::parse(yaml.as_bytes()).unwrap()
}

/// A plain HTTP/1.1 client.
pub fn client() -> Client<HttpConnector, Full<Bytes>> {
    client_for()
}

/// A plain HTTP/1.1 client sending bodies of type `B`.
pub fn client_for<B>() -> Client<HttpConnector, B>
where
    B: hyper::body::Body + Send + 'static + Unpin,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    Client::builder(TokioExecutor::new()).build(HttpConnector::new())
}

/// Sends a request; returns status, headers and the body as JSON (Null if not JSON).
pub async fn call(request: Request<Full<Bytes>>) -> (StatusCode, HeaderMap, serde_json::Value) {
    let response = client().request(request).await.expect("the gateway answers");
    let (head, body) = response.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    (head.status, head.headers, serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null))
}

/// `GET url` with extra headers.
pub async fn get(url: &str, headers: &[(&str, &str)]) -> (StatusCode, HeaderMap, serde_json::Value) {
    let mut request = Request::get(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    call(request.body(Full::new(Bytes::new())).unwrap()).await
}

/// The status of `GET url`, or `None` when nothing answers (yet).
pub async fn try_status(url: &str) -> Option<StatusCode> {
    let request = Request::get(url).body(Full::new(Bytes::new())).ok()?;
    client().request(request).await.ok().map(|r| r.status())
}

/// The body of `GET url` as text.
pub async fn get_text(url: &str) -> String {
    let response = client().request(Request::get(url).body(Full::new(Bytes::new())).unwrap()).await.unwrap();
    String::from_utf8(response.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap()
}

/// A snapshot with one open API, `orders` at `/orders/v1` with the operation
/// `GET /orders/{id}`, in front of `upstream`.
pub fn orders_config(upstream: &str) -> String {
    format!(
        r#"
version: 1
environment: production
apis:
  - id: orders
    name: Orders
    context: /orders
    version: v1
    auth: none
    upstream: {{ endpoints: [{{ url: "{upstream}" }}] }}
    operations:
      - {{ method: GET, path: "/orders/{{id}}" }}
"#
    )
}
