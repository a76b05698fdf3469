//! A test receiver for what the gateway exports: a hyper server on port 0 that records
//! every request (path, headers, body) and answers with a chosen status and body — or,
//! in black-hole mode, reads the request and never answers.
#![allow(dead_code)]

use std::sync::atomic::{AtomicBool, AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderMap, Response};
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::net::TcpListener;

/// One request the collector received.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// Makes the answer body for a request.
pub type Answer = Box<dyn Fn(&Received) -> String + Send>;

/// The collector.
pub struct Collector {
    pub addr: std::net::SocketAddr,
    pub received: Mutex<Vec<Received>>,
    pub status: AtomicU16,
    /// Answer body (the bulk API's answers are JSON).
    pub answer: Mutex<Answer>,
    pub black_hole: AtomicBool,
}

impl Collector {
    /// Starts one answering 200 with an empty body.
    pub async fn start() -> Arc<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let collector = Arc::new(Self {
            addr: listener.local_addr().unwrap(),
            received: Mutex::new(Vec::new()),
            status: AtomicU16::new(200),
            answer: Mutex::new(Box::new(|_| String::new())),
            black_hole: AtomicBool::new(false),
        });
        let server = collector.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { continue };
                let server = server.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req: http::Request<hyper::body::Incoming>| {
                        let server = server.clone();
                        async move {
                            let path = req.uri().path().to_owned();
                            let (head, body) = req.into_parts();
                            let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                            let received = Received { path, headers: head.headers, body };
                            let answer = (server.answer.lock().unwrap())(&received);
                            server.received.lock().unwrap().push(received);
                            if server.black_hole.load(Ordering::Relaxed) {
                                std::future::pending::<()>().await;
                            }
                            let mut response = Response::new(Full::new(Bytes::from(answer)));
                            *response.status_mut() =
                                http::StatusCode::from_u16(server.status.load(Ordering::Relaxed)).unwrap();
                            Ok::<_, std::convert::Infallible>(response)
                        }
                    });
                    let _ =
                        auto::Builder::new(TokioExecutor::new()).serve_connection(TokioIo::new(stream), service).await;
                });
            }
        });
        collector
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Everything received at `path` so far.
    pub fn at(&self, path: &str) -> Vec<Received> {
        self.received.lock().unwrap().iter().filter(|r| r.path == path).cloned().collect()
    }

    /// Waits (at most 10 s) until `done` holds for what was received at `path`.
    pub async fn wait_for<T>(&self, path: &str, mut done: impl FnMut(&[Received]) -> Option<T>) -> T {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(found) = done(&self.at(path)) {
                return found;
            }
            assert!(Instant::now() < deadline, "the collector did not receive what was expected at {path}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
