//! WebSocket pass-through: an HTTP/1.1 `Upgrade: websocket` request that passed the API's
//! policies (authentication and limits apply to the handshake) is sent to the upstream on
//! a connection of its own; when the upstream answers `101 Switching Protocols`, both
//! connections are handed over and bytes are copied both ways as they come, nothing
//! buffered beyond one read. With the API's `websocket.log_frames` on, each frame's
//! header (direction, opcode, FIN, length — never the payload) is logged as it passes,
//! as a JSON line of the access log (or the gateway's log when the access log is off),
//! with the handshake's request id.

use std::sync::Arc;

use http::header::{CONNECTION, UPGRADE};
use http::{HeaderMap, HeaderValue, Method, Response, StatusCode, Version, request};
use hyper::upgrade::OnUpgrade;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::access_log::AccessLog;
use crate::forwarding::strip_hop_by_hop;

mod frames;

pub use frames::{FrameHeader, FrameReader};

/// Bytes read (and forwarded) at once.
const CHUNK: usize = 16 * 1024;
/// How long one direction may go on after the other has ended.
const LINGER: std::time::Duration = std::time::Duration::from_secs(5);

/// The protocol a request asks to upgrade to, when it is a WebSocket handshake the
/// gateway can pass through (HTTP/1.1 `GET` with `Connection: upgrade` and `Upgrade:
/// websocket`).
pub fn requested(head: &request::Parts) -> Option<HeaderValue> {
    if head.method != Method::GET || head.version != Version::HTTP_11 {
        return None;
    }
    let upgrade = head.headers.get(UPGRADE)?;
    let connection_upgrade = head
        .headers
        .get_all(CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|token| token.trim().eq_ignore_ascii_case("upgrade"));
    let websocket = upgrade.to_str().is_ok_and(|v| v.split(',').any(|p| p.trim().eq_ignore_ascii_case("websocket")));
    (connection_upgrade && websocket).then(|| upgrade.clone())
}

/// Puts the upgrade back on headers that lost their hop-by-hop fields.
pub fn mark_upgrade(headers: &mut HeaderMap, protocol: &HeaderValue) {
    headers.insert(CONNECTION, HeaderValue::from_static("upgrade"));
    headers.insert(UPGRADE, protocol.clone());
}

/// Where frame headers are logged, for one connection.
pub struct FrameLog {
    /// The handshake's request id.
    pub request_id: String,
    /// The API's id.
    pub api: Arc<str>,
    /// The access log, when on (else the gateway's log).
    pub access_log: Option<Arc<AccessLog>>,
}

impl FrameLog {
    fn frame(&self, direction: &'static str, frame: FrameHeader) {
        match &self.access_log {
            Some(log) => {
                let line = serde_json::json!({
                    "time": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                    "event": "websocket_frame",
                    "request_id": self.request_id,
                    "api": &*self.api,
                    "direction": direction,
                    "opcode": frame.kind(),
                    "fin": frame.fin,
                    "length": frame.length,
                });
                log.write_line(line.to_string());
            }
            None => tracing::info!(
                target: "portico::websocket",
                request_id = %self.request_id,
                api = %self.api,
                direction,
                opcode = frame.kind(),
                fin = frame.fin,
                length = frame.length,
                "websocket frame"
            ),
        }
    }
}

/// The client's answer to the upstream's handshake answer `response`: on `101`, the two
/// upgraded connections are spliced on a task of their own and the client gets the
/// upstream's head; otherwise `None` (the upstream refused: its answer goes back as any
/// other response).
pub fn answer<B>(
    client: OnUpgrade,
    mut response: Response<B>,
    protocol: &HeaderValue,
    frames: Option<FrameLog>,
) -> Result<http::response::Parts, Response<B>> {
    if response.status() != StatusCode::SWITCHING_PROTOCOLS {
        return Err(response);
    }
    let upstream = hyper::upgrade::on(&mut response);
    let (mut head, _) = response.into_parts();
    strip_hop_by_hop(&mut head.headers);
    mark_upgrade(&mut head.headers, protocol);
    tokio::spawn(async move {
        match tokio::try_join!(client, upstream) {
            Ok((client, upstream)) => splice(TokioIo::new(client), TokioIo::new(upstream), frames).await,
            Err(error) => tracing::debug!(%error, "a WebSocket upgrade did not complete"),
        }
    });
    Ok(head)
}

/// Copies bytes both ways until either side closes, logging frames when asked.
async fn splice<C, U>(client: C, upstream: U, frames: Option<FrameLog>)
where
    C: AsyncRead + AsyncWrite + Unpin,
    U: AsyncRead + AsyncWrite + Unpin,
{
    let (mut client_read, mut client_write) = tokio::io::split(client);
    let (mut upstream_read, mut upstream_write) = tokio::io::split(upstream);
    let frames = frames.as_ref();
    let outbound = pump(&mut client_read, &mut upstream_write, frames.map(|f| (f, "client")));
    let inbound = pump(&mut upstream_read, &mut client_write, frames.map(|f| (f, "upstream")));
    tokio::pin!(outbound, inbound);
    // When one side is done, the other gets a moment to finish (the end of a close
    // handshake), then the session ends.
    tokio::select! {
        _ = &mut outbound => { let _ = tokio::time::timeout(LINGER, inbound).await; }
        _ = &mut inbound => { let _ = tokio::time::timeout(LINGER, outbound).await; }
    }
}

/// Copies `from` to `to` chunk by chunk; shuts `to` down at the end.
async fn pump<R, W>(from: &mut R, to: &mut W, frames: Option<(&FrameLog, &'static str)>) -> std::io::Result<()>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut buffer = vec![0u8; CHUNK];
    let mut reader = FrameReader::default();
    loop {
        let read = from.read(&mut buffer).await?;
        if read == 0 {
            return to.shutdown().await;
        }
        let chunk = &buffer[..read];
        if let Some((log, direction)) = frames {
            reader.feed(chunk, |frame| log.frame(direction, frame));
        }
        to.write_all(chunk).await?;
        to.flush().await?;
    }
}
