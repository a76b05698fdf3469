//! WebSocket pass-through with a real tokio-tungstenite client and server: the handshake
//! is authenticated like any call (no key → 401, the key never reaches the upstream, the
//! application's id does), messages of every size go both ways, the close handshake
//! completes, an upstream that refuses the upgrade is answered as it answered, and with
//! `websocket.log_frames` each frame's header is in the access log beside the
//! handshake's line, joined by its request id — payloads never.
// The handshake callback's error type is tungstenite's own (a whole response).
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::result_large_err)]

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use gateway::GatewaySettings;
use http::HeaderMap;
use support::{MockUpstream, TestGateway, snapshot};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::{Error, Message};

/// An echo WebSocket server; the handshake headers it saw.
async fn echo_server() -> (String, Arc<Mutex<Vec<HeaderMap>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let record = record.clone();
            tokio::spawn(async move {
                let callback = |request: &Request, response: Response| {
                    record.lock().unwrap().push(request.headers().clone());
                    Ok(response)
                };
                let Ok(mut ws) = tokio_tungstenite::accept_hdr_async(stream, callback).await else { return };
                while let Some(Ok(message)) = ws.next().await {
                    if message.is_text() || message.is_binary() {
                        ws.send(message).await.unwrap();
                    }
                }
            });
        }
    });
    (url, seen)
}

fn config(chat: &str, plain: &str) -> String {
    format!(
        r#"
version: 1
apis:
  - id: chat
    name: Chat
    context: /chat
    version: v1
    upstream: {{ endpoints: [{{ url: "{chat}" }}] }}
    websocket: {{ log_frames: true }}
  - id: plain
    name: Plain
    context: /plain
    version: v1
    auth: none
    upstream: {{ endpoints: [{{ url: "{plain}" }}] }}
applications:
  - id: app-ws
    keys: [{{ key: ws-key-1 }}]
    subscriptions: [{{ api: chat }}]
"#
    )
}

#[tokio::test]
async fn sessions_pass_through_authenticated_with_their_frames_logged() {
    let ((chat, seen), plain) = (echo_server().await, MockUpstream::start("plain").await);
    let dir = std::env::temp_dir().join(format!("portico-ws-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let log_path = dir.join("access.log");
    let mut settings = GatewaySettings::ephemeral();
    settings.access_log = Some(log_path.display().to_string());
    let gateway = TestGateway::start_with(&snapshot(&config(&chat, &plain.url())), settings).await;
    let ws_url = format!("ws://{}/chat/v1/room", gateway.proxy);

    // No key: the handshake is refused by the gateway.
    match tokio_tungstenite::connect_async(&ws_url).await {
        Err(Error::Http(response)) => assert_eq!(response.status(), 401),
        other => panic!("expected a 401, got {other:?}"),
    }

    let mut request = ws_url.as_str().into_client_request().unwrap();
    request.headers_mut().insert("x-api-key", "ws-key-1".parse().unwrap());
    request.headers_mut().insert("x-request-id", "ws-session-1".parse().unwrap());
    let (mut ws, response) = tokio_tungstenite::connect_async(request).await.unwrap();
    assert_eq!(response.status(), 101);
    assert_eq!(response.headers()["x-request-id"], "ws-session-1");
    let handshake = seen.lock().unwrap().last().cloned().unwrap();
    assert_eq!(handshake["x-application-id"], "app-ws");
    assert!(handshake.get("x-api-key").is_none(), "the key stays at the gateway");

    ws.send(Message::text("hello")).await.unwrap();
    assert_eq!(ws.next().await.unwrap().unwrap(), Message::text("hello"));
    let big = vec![7u8; 70_000];
    ws.send(Message::binary(big.clone())).await.unwrap();
    assert_eq!(ws.next().await.unwrap().unwrap(), Message::binary(big));
    ws.close(None).await.unwrap();
    assert!(matches!(ws.next().await, Some(Ok(Message::Close(_))) | None));

    // An upstream that does not upgrade: its answer goes back as it is.
    match tokio_tungstenite::connect_async(format!("ws://{}/plain/v1/socket", gateway.proxy)).await {
        Err(Error::Http(response)) => assert_eq!(response.status(), 200),
        other => panic!("expected the upstream's 200, got {other:?}"),
    }

    let lines: Vec<serde_json::Value> = loop {
        let text = std::fs::read_to_string(&log_path).unwrap_or_default();
        let lines: Vec<serde_json::Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        if lines.iter().filter(|l| l["event"] == "websocket_frame").count() >= 6 {
            break lines;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let handshake_line = lines.iter().find(|l| l["request_id"] == "ws-session-1" && l["status"].is_number()).unwrap();
    assert_eq!(handshake_line["status"], 101);
    let frames: Vec<(String, String, u64)> = lines
        .iter()
        .filter(|l| l["event"] == "websocket_frame" && l["request_id"] == "ws-session-1")
        .map(|l| {
            (
                l["direction"].as_str().unwrap().into(),
                l["opcode"].as_str().unwrap().into(),
                l["length"].as_u64().unwrap(),
            )
        })
        .collect();
    for expected in
        [("client", "text", 5), ("upstream", "text", 5), ("client", "binary", 70_000), ("upstream", "binary", 70_000)]
    {
        assert!(frames.contains(&(expected.0.into(), expected.1.into(), expected.2)), "{expected:?} not in {frames:?}");
    }
    assert!(frames.iter().any(|(d, o, _)| d == "client" && o == "close"), "{frames:?}");
    let text = std::fs::read_to_string(&log_path).unwrap();
    assert!(!text.contains("hello") && !text.contains("ws-key-1"), "payloads and keys are never logged");
    std::fs::remove_dir_all(dir).unwrap();
}
