//! The `portico-gateway` binary in DB-less mode: it serves a hand-written file (clear-text
//! key), reloads it on change and on SIGHUP, keeps serving when a reload is invalid, refuses
//! to start on an invalid file with the error's location, streams a 100 MB body without
//! buffering it, and stops cleanly on SIGTERM.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Channel, Full};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use support::{MockUpstream, get};

fn free_addr() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap()
}

struct Running {
    child: Child,
    proxy: SocketAddr,
    status: SocketAddr,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

fn spawn(config: &Path) -> Child {
    spawn_on(config, free_addr(), free_addr())
}

fn spawn_on(config: &Path, proxy: SocketAddr, status: SocketAddr) -> Child {
    Command::new(env!("CARGO_BIN_EXE_portico-gateway"))
        .arg("--config")
        .arg(config)
        .env("PORTICO_GATEWAY_LISTEN", proxy.to_string())
        .env("PORTICO_GATEWAY_STATUS_LISTEN", status.to_string())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap()
}

async fn start(config: &Path) -> Running {
    let (proxy, status) = (free_addr(), free_addr());
    let child = spawn_on(config, proxy, status);
    let running = Running { child, proxy, status };
    let ready = format!("http://{status}/readyz");
    wait_until(|| async { support::try_status(&ready).await == Some(StatusCode::OK) }).await;
    running
}

async fn wait_until<F: std::future::Future<Output = bool>>(mut check: impl FnMut() -> F) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let ok = tokio::time::timeout(Duration::from_secs(2), check()).await.unwrap_or(false);
        if ok {
            return;
        }
        assert!(Instant::now() < deadline, "condition not reached in time");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn file(upstream: &str, greeting: &str) -> String {
    format!(
        "# hand-written\napis:\n  - id: hello\n    name: Hello\n    context: /hello\n    version: v1\n    upstream:\n      endpoints: [{{ url: \"{upstream}\" }}]\n    request_headers: {{ add: {{ X-Config-Version: {greeting} }} }}\napplications:\n  - id: me\n    keys: [{{ key: my-clear-text-key }}]\n    subscriptions: [{{ api: hello }}]\n"
    )
}

async fn config_version(gw: &Running) -> Option<String> {
    let (status, _, body) =
        get(&format!("http://{}/hello/v1/x", gw.proxy), &[("x-api-key", "my-clear-text-key")]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["config_version"].as_str().map(str::to_owned)
}

#[tokio::test]
async fn a_hand_written_file_serves_reloads_and_survives_bad_edits() {
    let upstream = MockUpstream::start("u").await;
    let dir = tempdir();
    let path = dir.join("gateway.yaml");
    std::fs::write(&path, file(&upstream.url(), "first")).unwrap();
    let gw = start(&path).await;
    assert_eq!(config_version(&gw).await.as_deref(), Some("first"));
    let (status, _, body) = get(&format!("http://{}/hello/v1/x", gw.proxy), &[("x-api-key", "nope-nope-nope")]).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_api_key")));

    std::fs::write(&path, file(&upstream.url(), "second")).unwrap();
    wait_until(|| async { config_version(&gw).await.as_deref() == Some("second") }).await;

    let (_, _, before) = get(&format!("http://{}/config", gw.status), &[]).await;
    std::fs::write(&path, file(&upstream.url(), "third").replace("version: v1", "version: [v1]")).unwrap();
    Command::new("kill").arg("-HUP").arg(gw.child.id().to_string()).status().unwrap();
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(config_version(&gw).await.as_deref(), Some("second"), "an invalid file changes nothing");
    let (_, _, after) = get(&format!("http://{}/config", gw.status), &[]).await;
    assert_eq!(before["hash"], after["hash"]);
}

#[tokio::test]
async fn an_invalid_file_stops_start_up_with_its_location() {
    let dir = tempdir();
    let path = dir.join("bad.yaml");
    std::fs::write(&path, "apis:\n  - id: a\n    name: A\n    context: /a\n    version: v1\n    upstream:\n      endpoints: [{ url: 'ftp://x' }]\n").unwrap();
    let output = spawn(&path).wait_with_output().unwrap();
    assert!(!output.status.success());
    let log = String::from_utf8_lossy(&output.stdout);
    assert!(log.contains("apis[0].upstream.endpoints[0].url"), "{log}");
    std::fs::write(&path, "apis:\n  - id: a\n    name: A\n    contxt: /a\n").unwrap();
    let output = spawn(&path).wait_with_output().unwrap();
    let log = String::from_utf8_lossy(&output.stdout);
    assert!(log.contains("apis[0].contxt (line 4 column 5)"), "{log}");
}

/// An upstream that counts body bytes as they arrive and notes when the first came.
async fn counting_upstream(first_at: Arc<AtomicU64>, total: Arc<AtomicU64>) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let (first_at, total) = (first_at.clone(), total.clone());
            let service = service_fn(move |req: Request<hyper::body::Incoming>| {
                let (first_at, total) = (first_at.clone(), total.clone());
                async move {
                    let mut body = req.into_body();
                    while let Some(frame) = body.frame().await {
                        let Ok(data) = frame.unwrap().into_data() else { continue };
                        if total.fetch_add(data.len() as u64, Ordering::SeqCst) == 0 {
                            first_at.store(1, Ordering::SeqCst);
                        }
                    }
                    let json = format!("{{\"bytes\":{}}}", total.load(Ordering::SeqCst));
                    Ok::<_, std::convert::Infallible>(Response::new(Full::new(Bytes::from(json))))
                }
            });
            tokio::spawn(
                hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), service)
                    .into_owned(),
            );
        }
    });
    addr
}

#[tokio::test]
async fn a_100_mb_body_streams_through_without_buffering() {
    const CHUNK: usize = 64 * 1024;
    const TOTAL: usize = 100 * 1024 * 1024;
    let (first_at, total) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let upstream = counting_upstream(first_at.clone(), total.clone()).await;
    let dir = tempdir();
    let path = dir.join("gateway.yaml");
    let api = format!(
        "apis:\n  - {{ id: up, name: Up, context: /up, version: v1, auth: none, max_body_bytes: 200000000, upstream: {{ endpoints: [{{ url: 'http://{upstream}' }}] }} }}\n"
    );
    std::fs::write(&path, api).unwrap();
    let gw = start(&path).await;

    let (mut sender, body) = Channel::<Bytes>::new(4);
    let request = Request::post(format!("http://{}/up/v1/upload", gw.proxy)).body(body).unwrap();
    let client = hyper_util::client::legacy::Client::builder(TokioExecutor::new()).build_http();
    let response = tokio::spawn(client.request(request));
    let chunk = Bytes::from(vec![7u8; CHUNK]);
    for _ in 0..16 {
        sender.send_data(chunk.clone()).await.unwrap();
    }
    // The client has sent 1 MB of 100: the upstream must already be receiving.
    wait_until(|| async { first_at.load(Ordering::SeqCst) == 1 }).await;
    for _ in 16..TOTAL / CHUNK {
        sender.send_data(chunk.clone()).await.unwrap();
    }
    drop(sender);
    let response = response.await.unwrap().unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(total.load(Ordering::SeqCst), TOTAL as u64);
    let peak_kib = peak_rss_kib(gw.child.id());
    assert!(peak_kib < 64 * 1024, "the gateway's peak RSS was {peak_kib} KiB for a 100 MB body");
}

fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[tokio::test]
async fn sigterm_stops_the_gateway_cleanly() {
    let dir = tempdir();
    let path = dir.join("empty.yaml");
    std::fs::write(&path, "apis: []\n").unwrap();
    let mut gw = start(&path).await;
    let (status, _, body) = get(&format!("http://{}/petstore/v1/pets", gw.proxy), &[]).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::NOT_FOUND, Some("no_route")));
    Command::new("kill").arg("-TERM").arg(gw.child.id().to_string()).status().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let exit = loop {
        if let Some(exit) = gw.child.try_wait().unwrap() {
            break exit;
        }
        assert!(Instant::now() < deadline, "portico-gateway did not stop");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(exit.success());
}

/// A fresh directory under the target's temp dir.
fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("portico-gateway-test-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
