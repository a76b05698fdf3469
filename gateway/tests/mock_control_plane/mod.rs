//! A mock control plane for the `portico-gateway` tests: a tokio-tungstenite server on
//! 127.0.0.1 that serves `/api/gateway/v1/connect`, refuses a wrong bearer token with 401,
//! records every connection attempt and every message a gateway sends, and sends what the
//! test tells it to on the latest connection.
#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt as _, StreamExt as _};
use gateway::control_plane::protocol::{ControlMessage, GatewayMessage};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::StatusCode;

/// One connection attempt as the mock saw it.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// When the handshake request arrived.
    pub at: Instant,
    /// Path and query requested.
    pub uri: String,
    /// The `Authorization` header.
    pub authorization: Option<String>,
    /// 101 (accepted), 401 (wrong token) or 404 (wrong path).
    pub status: u16,
}

#[derive(Default)]
struct Shared {
    attempts: Mutex<Vec<Attempt>>,
    received: Mutex<Vec<GatewayMessage>>,
    current: Mutex<Option<mpsc::UnboundedSender<Message>>>,
    connections: Mutex<Vec<JoinHandle<()>>>,
}

/// The mock; stopped (listener and connections closed) by [`MockControlPlane::stop`] or drop.
pub struct MockControlPlane {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    accept: JoinHandle<()>,
}

impl MockControlPlane {
    /// Starts one on a free port, accepting `token`.
    pub async fn start(token: &str) -> Self {
        Self::start_on("127.0.0.1:0".parse().unwrap(), token).await
    }

    /// Starts one on `addr` (to bring a stopped control plane back on the same address).
    pub async fn start_on(addr: SocketAddr, token: &str) -> Self {
        let listener = TcpListener::bind(addr).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared::default());
        let (state, token) = (shared.clone(), format!("Bearer {token}"));
        let accept = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { continue };
                let connection = tokio::spawn(serve(stream, state.clone(), token.clone()));
                state.connections.lock().unwrap().push(connection);
            }
        });
        Self { addr, shared, accept }
    }

    /// `ws://127.0.0.1:port`.
    pub fn url(&self) -> String {
        format!("ws://{}", self.addr)
    }

    /// Closes the listener and every connection.
    pub fn stop(&self) {
        self.accept.abort();
        for connection in self.shared.connections.lock().unwrap().drain(..) {
            connection.abort();
        }
        self.shared.current.lock().unwrap().take();
    }

    /// Every connection attempt so far.
    pub fn attempts(&self) -> Vec<Attempt> {
        self.shared.attempts.lock().unwrap().clone()
    }

    /// Every message received so far, in order.
    pub fn received(&self) -> Vec<GatewayMessage> {
        self.shared.received.lock().unwrap().clone()
    }

    /// Sends a control message on the latest connection.
    pub fn send(&self, message: &ControlMessage) {
        self.send_text(serde_json::to_string(message).unwrap());
    }

    /// Sends a raw text frame on the latest connection.
    pub fn send_text(&self, text: String) {
        let current = self.shared.current.lock().unwrap();
        current.as_ref().expect("a gateway is connected").send(Message::text(text)).unwrap();
    }

    /// The first received message (from index `from` on) that `pick` accepts; waits for it
    /// up to 30 s.
    pub async fn wait_for<T>(&self, from: usize, what: &str, pick: impl Fn(&GatewayMessage) -> Option<T>) -> T {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(found) = self.shared.received.lock().unwrap().iter().skip(from).find_map(&pick) {
                return found;
            }
            assert!(Instant::now() < deadline, "the gateway never sent {what}; got {:?}", self.received());
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    /// Waits for the next `Hello` (from index `from` on) and returns it.
    pub async fn hello(&self, from: usize) -> GatewayMessage {
        self.wait_for(from, "hello", |m| matches!(m, GatewayMessage::Hello { .. }).then(|| m.clone())).await
    }

    /// Waits for the ACK of `version`; returns its hash.
    pub async fn ack(&self, version: u64) -> String {
        self.wait_for(0, &format!("the ACK of {version}"), |m| match m {
            GatewayMessage::Ack { version: v, hash } if *v == version => Some(hash.clone()),
            _ => None,
        })
        .await
    }
}

impl Drop for MockControlPlane {
    fn drop(&mut self) {
        self.stop();
    }
}

/// One connection: the handshake (token and path checked), then messages both ways.
#[allow(clippy::result_large_err)] // tungstenite's handshake callback type
async fn serve(stream: TcpStream, shared: Arc<Shared>, token: String) {
    let recorder = shared.clone();
    let check = move |request: &Request, response: Response| -> Result<Response, ErrorResponse> {
        let authorization = request.headers().get("authorization").map(|v| v.to_str().unwrap().to_owned());
        let status = if request.uri().path() != "/api/gateway/v1/connect" {
            StatusCode::NOT_FOUND
        } else if authorization.as_deref() != Some(token.as_str()) {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::SWITCHING_PROTOCOLS
        };
        recorder.attempts.lock().unwrap().push(Attempt {
            at: Instant::now(),
            uri: request.uri().to_string(),
            authorization,
            status: status.as_u16(),
        });
        if status == StatusCode::SWITCHING_PROTOCOLS {
            return Ok(response);
        }
        let mut refusal = ErrorResponse::new(Some(r#"{"error":"invalid_token"}"#.to_owned()));
        *refusal.status_mut() = status;
        Err(refusal)
    };
    let Ok(mut ws) = tokio_tungstenite::accept_hdr_async(stream, check).await else { return };
    let (outgoing, mut queue) = mpsc::unbounded_channel();
    *shared.current.lock().unwrap() = Some(outgoing);
    loop {
        tokio::select! {
            frame = ws.next() => match frame {
                Some(Ok(Message::Text(text))) => {
                    let message: GatewayMessage = serde_json::from_str(&text).expect("a gateway message");
                    shared.received.lock().unwrap().push(message);
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
            Some(message) = queue.recv() => {
                if ws.send(message).await.is_err() {
                    return;
                }
            }
        }
    }
}
