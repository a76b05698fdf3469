//! The gateway server over real sockets: JSON `no_route` answers on HTTP/1.1 and HTTP/2,
//! the status endpoints, and graceful shutdown.

use bytes::Bytes;
use http::{Request, StatusCode};
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpStream;
use tokio::sync::oneshot;

use super::*;

async fn start() -> (SocketAddr, SocketAddr, oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
    let store = ConfigStore::new();
    store.apply(&crate::Snapshot::default()).expect("empty configuration");
    start_with(store).await
}

async fn start_with(
    store: Arc<ConfigStore>,
) -> (SocketAddr, SocketAddr, oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
    let bound = Gateway::new(GatewaySettings::ephemeral(), store).bind().await.expect("bind");
    let (proxy, status) = (bound.proxy_addr, bound.status_addr);
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(bound.serve(async move {
        let _ = stopped.await;
    }));
    (proxy, status, stop, task)
}

async fn get_http1(
    addr: SocketAddr,
    path: &str,
    request_id: Option<&str>,
) -> (StatusCode, http::HeaderMap, serde_json::Value) {
    let stream = TcpStream::connect(addr).await.expect("connect");
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.expect("handshake");
    tokio::spawn(conn);
    let mut req = Request::get(path).header("host", "localhost");
    if let Some(id) = request_id {
        req = req.header("x-request-id", id);
    }
    let resp = sender.send_request(req.body(Empty::<Bytes>::new()).expect("request")).await.expect("response");
    let (parts, body) = resp.into_parts();
    let bytes = body.collect().await.expect("body").to_bytes();
    (parts.status, parts.headers, serde_json::from_slice(&bytes).expect("json body"))
}

#[tokio::test]
async fn every_proxied_request_is_a_json_no_route() {
    let (proxy, _, _stop, _) = start().await;
    let (status, headers, body) = get_http1(proxy, "/petstore/v1/pets?limit=1", Some("req-42")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(headers["x-request-id"], "req-42");
    assert_eq!(body["error"], "no_route");
    assert_eq!(body["request_id"], "req-42");
    assert!(body["message"].as_str().expect("message").contains("GET /petstore/v1/pets"));
    let (_, headers, body) = get_http1(proxy, "/", None).await;
    assert_eq!(body["request_id"].as_str(), headers["x-request-id"].to_str().ok());
}

#[tokio::test]
async fn http2_with_prior_knowledge_is_served() {
    let (proxy, _, _stop, _) = start().await;
    let stream = TcpStream::connect(proxy).await.expect("connect");
    let (mut sender, conn) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream)).await.expect("h2");
    tokio::spawn(conn);
    let req = Request::get(format!("http://{proxy}/x")).body(Empty::<Bytes>::new()).expect("request");
    let resp = sender.send_request(req).await.expect("response");
    assert_eq!(resp.version(), http::Version::HTTP_2);
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn status_listener_answers_health_and_readiness_apart_from_the_proxy() {
    let (proxy, status, _stop, _) = start().await;
    assert_eq!(get_http1(status, "/healthz", None).await.0, StatusCode::OK);
    let (code, _, body) = get_http1(status, "/readyz", None).await;
    assert_eq!((code, body["status"].as_str()), (StatusCode::OK, Some("ready")));
    assert_eq!(get_http1(status, "/nope", None).await.0, StatusCode::NOT_FOUND);
    let (_, _, body) = get_http1(proxy, "/healthz", None).await;
    assert_eq!(body["error"], "no_route", "status paths do not shadow APIs on the proxy port");
}

#[tokio::test]
async fn without_a_configuration_the_gateway_is_not_ready() {
    let (proxy, status, _stop, _) = start_with(ConfigStore::new()).await;
    let (code, _, body) = get_http1(status, "/readyz", None).await;
    assert_eq!((code, body["status"].as_str()), (StatusCode::SERVICE_UNAVAILABLE, Some("no_configuration")));
    let (code, _, body) = get_http1(proxy, "/a/v1/b", None).await;
    assert_eq!((code, body["error"].as_str()), (StatusCode::SERVICE_UNAVAILABLE, Some("not_ready")));
}

#[tokio::test]
async fn the_config_endpoint_reports_version_and_hash() {
    let store = ConfigStore::new();
    let snapshot = crate::Snapshot { version: 7, ..Default::default() };
    store.apply(&snapshot).expect("configuration");
    let (_, status, _stop, _) = start_with(store).await;
    let (code, _, body) = get_http1(status, "/config", None).await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(body["version"], 7);
    assert_eq!(body["hash"], crate::config::hash(&snapshot));
}

#[tokio::test]
async fn shutdown_stops_accepting_and_finishes() {
    let (proxy, _, stop, task) = start().await;
    let stream = TcpStream::connect(proxy).await.expect("connect");
    stop.send(()).expect("stop");
    tokio::time::timeout(Duration::from_secs(10), task).await.expect("drained in time").expect("task");
    drop(stream);
    assert!(TcpStream::connect(proxy).await.is_err(), "listener closed");
}

#[tokio::test]
async fn bind_failure_names_the_address() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr");
    let settings = GatewaySettings { proxy_listen: addr, ..GatewaySettings::ephemeral() };
    let err = Gateway::new(settings, ConfigStore::new()).bind().await.err().expect("must fail");
    assert!(err.contains(&addr.to_string()), "{err}");
}

#[tokio::test]
async fn slow_and_idle_clients_are_cut_off_after_the_header_timeout() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let store = ConfigStore::new();
    store.apply(&crate::Snapshot::default()).expect("configuration");
    let settings = GatewaySettings { header_timeout_ms: 300, ..GatewaySettings::ephemeral() };
    let bound = Gateway::new(settings, store).bind().await.expect("bind");
    let proxy = bound.proxy_addr;
    tokio::spawn(bound.serve(std::future::pending()));
    for partial in [&b"GET /a/v1/x HTTP/1.1\r\nHost: x\r\n"[..], b""] {
        let mut stream = TcpStream::connect(proxy).await.expect("connect");
        stream.write_all(partial).await.expect("write");
        let started = std::time::Instant::now();
        let mut buffer = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut buffer)).await;
        assert!(read.is_ok(), "the gateway closed the connection after {:?}", String::from_utf8_lossy(partial));
        assert!(started.elapsed() >= Duration::from_millis(250), "not before the timeout");
    }
}
