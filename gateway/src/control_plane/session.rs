//! One connection to the control plane: the WebSocket handshake (bearer token, `ws://` or
//! `wss://` with rustls and the web PKI roots), `Hello`, then each control message
//! answered in turn, a key-usage report every interval, analytics batches as they come
//! (see [`super::outbox`]), and a ping when the line is
//! quiet (a connection silent for [`IDLE_TIMEOUT`] is given up).

use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use tokio::net::TcpStream;
use tokio::time::{Instant, MissedTickBehavior, interval_at, timeout};
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::tungstenite::http::{HeaderValue, header};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{Connector, MaybeTlsStream, WebSocketStream};

use super::Client;
use super::apply::{self, ParseError};
use super::protocol::GatewayMessage;
use super::settings::ClientSettings;

/// Longest wait for the TCP, TLS and WebSocket handshakes.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Longest wait to send one message.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(30);
/// A ping goes out this often.
pub const PING_EVERY: Duration = Duration::from_secs(15);
/// A connection with no frame from the control plane for this long is dead.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Largest message accepted (a snapshot with many applications and keys is large).
pub const MAX_MESSAGE_BYTES: usize = 1 << 30;

type Stream = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How a session ended.
#[derive(Debug)]
pub struct SessionEnd {
    /// The control plane accepted the connection and sent at least one message.
    pub established: bool,
    /// Why it ended (never contains the token).
    pub reason: String,
}

/// Runs one session until the connection fails or ends.
pub async fn run(client: &mut Client) -> SessionEnd {
    let mut ws = match connect(&client.settings).await {
        Ok(ws) => ws,
        Err(reason) => return SessionEnd { established: false, reason },
    };
    tracing::info!(control_plane = %client.settings.url, "connected to the control plane");
    let mut established = false;
    let reason = serve(&mut ws, client, &mut established).await;
    let _ = timeout(Duration::from_secs(1), ws.close(None)).await;
    SessionEnd { established, reason }
}

/// Opens the WebSocket.
async fn connect(settings: &ClientSettings) -> Result<Stream, String> {
    let mut request = settings.connect_url().into_client_request().map_err(|e| format!("invalid URL: {e}"))?;
    let mut bearer = HeaderValue::from_str(&format!("Bearer {}", settings.token))
        .map_err(|_| "the token is not a valid header value".to_owned())?;
    bearer.set_sensitive(true);
    request.headers_mut().insert(header::AUTHORIZATION, bearer);
    request
        .headers_mut()
        .insert(header::USER_AGENT, HeaderValue::from_static(concat!("portico-gateway/", env!("CARGO_PKG_VERSION"))));
    let config =
        WebSocketConfig::default().max_message_size(Some(MAX_MESSAGE_BYTES)).max_frame_size(Some(MAX_MESSAGE_BYTES));
    let connector = Connector::Rustls(tls_config()?);
    let connecting = tokio_tungstenite::connect_async_tls_with_config(request, Some(config), true, Some(connector));
    match timeout(CONNECT_TIMEOUT, connecting).await {
        Ok(Ok((ws, _))) => Ok(ws),
        Ok(Err(error)) => Err(describe(error)),
        Err(_) => Err(format!("no answer within {} s", CONNECT_TIMEOUT.as_secs())),
    }
}

/// rustls (ring) with the web PKI roots, for `wss://`.
fn tls_config() -> Result<std::sync::Arc<rustls::ClientConfig>, String> {
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let config =
        rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS set-up: {e}"))?
            .with_root_certificates(roots)
            .with_no_client_auth();
    Ok(std::sync::Arc::new(config))
}

/// A handshake error as a log line: for a refusal, the status and the start of the body.
fn describe(error: tungstenite::Error) -> String {
    match error {
        tungstenite::Error::Http(response) => {
            let body = response.body().as_deref().map(String::from_utf8_lossy).unwrap_or_default();
            let body: String = body.chars().take(200).collect();
            format!(
                "the control plane answered HTTP {}{}",
                response.status(),
                if body.is_empty() { String::new() } else { format!(": {body}") }
            )
        }
        other => other.to_string(),
    }
}

/// Says hello and answers messages until the connection ends; returns why it ended.
async fn serve(ws: &mut Stream, client: &mut Client, established: &mut bool) -> String {
    if let Err(reason) = send(ws, &client.hello()).await {
        return reason;
    }
    let every = client.settings.usage_interval;
    let mut usage = interval_at(Instant::now() + every, every);
    usage.set_missed_tick_behavior(MissedTickBehavior::Delay);
    if let Some(outbox) = &mut client.outbox {
        outbox.reconnected();
    }
    let mut shipping = interval_at(Instant::now() + client.analytics_every, client.analytics_every);
    shipping.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut keepalive = interval_at(Instant::now() + PING_EVERY, PING_EVERY);
    keepalive.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut last_heard = Instant::now();
    loop {
        tokio::select! {
            frame = ws.next() => {
                last_heard = Instant::now();
                let parsed = match frame {
                    None => return "the control plane closed the connection".into(),
                    Some(Err(error)) => return format!("connection error: {error}"),
                    Some(Ok(Message::Text(text))) => apply::parse(text).await,
                    Some(Ok(Message::Binary(bytes))) => match tungstenite::Utf8Bytes::try_from(bytes) {
                        Ok(text) => apply::parse(text).await,
                        Err(_) => Err(ParseError { version: None, error: "a binary frame that is not UTF-8".into() }),
                    },
                    Some(Ok(Message::Close(frame))) => {
                        let why = frame.map(|f| format!(" ({} {})", f.code, f.reason)).unwrap_or_default();
                        return format!("the control plane closed the connection{why}");
                    }
                    Some(Ok(_)) => continue,
                };
                let reply = match parsed {
                    Ok(message) => {
                        *established = true;
                        match client.handle(message).await {
                            Some(reply) => reply,
                            None => continue,
                        }
                    }
                    Err(ParseError { version: Some(version), error }) => {
                        *established = true;
                        tracing::error!(version, %error, "configuration refused; the running one keeps serving");
                        GatewayMessage::Nack { version, error }
                    }
                    Err(ParseError { version: None, error }) => {
                        tracing::warn!(%error, "ignored a message from the control plane");
                        continue;
                    }
                };
                if let Err(reason) = send(ws, &reply).await {
                    return reason;
                }
            }
            _ = usage.tick() => {
                if let Some(report) = client.usage.report(&client.store) {
                    if let Err(reason) = send(ws, &report).await {
                        return reason;
                    }
                    client.usage.sent();
                }
            }
            _ = shipping.tick(), if client.outbox.is_some() => {
                if let Some(message) = client.outbox.as_mut().and_then(super::outbox::Outbox::due)
                    && let Err(reason) = send(ws, &message).await
                {
                    return reason;
                }
            }
            _ = keepalive.tick() => {
                if last_heard.elapsed() >= IDLE_TIMEOUT {
                    return format!("nothing heard from the control plane for {} s", IDLE_TIMEOUT.as_secs());
                }
                if let Err(reason) = send_frame(ws, Message::Ping(Default::default())).await {
                    return reason;
                }
            }
        }
    }
}

/// Sends one gateway message as a JSON text frame (an analytics batch is encoded on the
/// blocking pool, off the workers serving requests).
async fn send(ws: &mut Stream, message: &GatewayMessage) -> Result<(), String> {
    let json = match message {
        GatewayMessage::Analytics(_) => crate::analytics::encode(message).await?,
        _ => serde_json::to_vec(message).map_err(|e| format!("cannot encode a message: {e}"))?,
    };
    let text = tungstenite::Utf8Bytes::try_from(bytes::Bytes::from(json)).map_err(|e| e.to_string())?;
    send_frame(ws, Message::Text(text)).await
}

async fn send_frame(ws: &mut Stream, frame: Message) -> Result<(), String> {
    match timeout(SEND_TIMEOUT, ws.send(frame)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(error)) => Err(format!("cannot send: {error}")),
        Err(_) => Err(format!("a send took more than {} s", SEND_TIMEOUT.as_secs())),
    }
}
