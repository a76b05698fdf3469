//! `GET /api/gateway/v1/connect`: the config stream of remote gateways (WebSocket). The
//! gateway authenticates with a gateway token (`Authorization: Bearer gwt_…`) issued for
//! the environment it names; it receives the full snapshot on connect (unless it already
//! runs the current one) and a delta for every change after that, and answers with ACKs,
//! NACKs, key-usage reports and analytics batches (each stored, then acknowledged;
//! `gateway::control_plane::protocol`). What it reports is kept in the gateway registry
//! the admin UI lists.

use std::sync::Arc;
use std::time::Duration;

use app::state::AppState;
use axum::extract::State;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::{IntoResponse, Response};
use axum::{Extension, http::HeaderMap};
use domain::gateways::{self, GatewayGrant, NodeReport};
use futures_util::{SinkExt, StreamExt};
use gateway::control_plane::protocol::{ControlMessage, Delta, GatewayMessage};
use sea_orm::DatabaseConnection;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::params::ApiQuery;
use crate::distribution::{ConfigHub, Published};
use crate::error::{ApiError, ApiResult, Problem};

/// Largest analytics batch accepted (2,000 events of a few hundred bytes each, with room).
const MAX_BATCH_BYTES: usize = 32 * 1024 * 1024;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(connect))
        .routes(routes!(ingest_analytics))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BATCH_BYTES))
}

/// The gateway token of a request, checked: the grant it carries.
async fn grant_of(state: &AppState, headers: &HeaderMap) -> ApiResult<GatewayGrant> {
    let unauthorized = || {
        ApiError::new(
            http::StatusCode::UNAUTHORIZED,
            "invalid_gateway_token",
            "The gateway token is unknown or revoked.",
        )
    };
    let secret = crate::auth::bearer(headers).ok_or_else(unauthorized)?;
    gateways::verify(&state.db, &secret).await.map_err(|_| unauthorized())
}

/// What became of an analytics batch.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
struct Stored {
    /// Events stored now (0 when the batch had been stored before).
    stored: usize,
    /// The batch (node and number) had been stored before; nothing changed.
    duplicate: bool,
}

/// Stores a batch of analytics events from a gateway that is not on the stream (a
/// DB-less gateway with `PORTICO_ANALYTICS_HTTP_URL`), in the token's environment. A
/// batch sent again (same node and number) is stored once.
#[utoipa::path(post, path = "/api/gateway/v1/analytics", tag = "gateway", security(("token" = [])),
    request_body(content = Object, description = "A batch: `node`, `seq`, `dropped`, `events` (see the gateway's analytics event)"),
    responses((status = 200, body = Stored), (status = 400, body = Problem, description = "`invalid_batch`"),
        (status = 401, body = Problem, description = "`invalid_gateway_token`")))]
async fn ingest_analytics(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<axum::Json<Stored>> {
    let grant = grant_of(&state, &headers).await?;
    let batch: gateway::analytics::Batch = serde_json::from_slice(&body).map_err(|error| {
        let message = format!("The body is not an analytics batch: {error}");
        ApiError::new(http::StatusCode::BAD_REQUEST, "invalid_batch", &message)
    })?;
    let stored = match domain::analytics::ingest(&state.db, Some(&grant.environment), &batch).await? {
        domain::analytics::Ingested::Stored(n) => Stored { stored: n, duplicate: false },
        domain::analytics::Ingested::Duplicate => Stored { stored: 0, duplicate: true },
    };
    Ok(axum::Json(stored))
}

/// Which environment the gateway serves.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct ConnectQuery {
    /// Must be the environment the token was issued for.
    environment: String,
}

/// Opens a gateway's config stream (WebSocket upgrade).
#[utoipa::path(get, path = "/api/gateway/v1/connect", tag = "gateway", params(ConnectQuery), security(("token" = [])),
    responses((status = 101, description = "The config stream (JSON text frames)"),
        (status = 401, body = Problem, description = "`invalid_gateway_token`"),
        (status = 403, body = Problem, description = "`wrong_environment`"),
        (status = 426, body = Problem, description = "`websocket_required`")))]
async fn connect(
    State(state): State<AppState>,
    hub: Option<Extension<Arc<ConfigHub>>>,
    headers: HeaderMap,
    ApiQuery(query): ApiQuery<ConnectQuery>,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> ApiResult<Response> {
    let grant = grant_of(&state, &headers).await?;
    if grant.environment != query.environment {
        let message = format!("This token is for the environment `{}`.", grant.environment);
        return Err(ApiError::new(http::StatusCode::FORBIDDEN, "wrong_environment", &message));
    }
    let upgrade = upgrade.map_err(|_| {
        ApiError::new(http::StatusCode::UPGRADE_REQUIRED, "websocket_required", "Connect with a WebSocket.")
    })?;
    let Some(Extension(hub)) = hub else {
        return Err(ApiError::new(
            http::StatusCode::SERVICE_UNAVAILABLE,
            "distribution_unavailable",
            "Config distribution is not running.",
        ));
    };
    let db = state.db.clone();
    Ok(upgrade
        .on_upgrade(move |socket| async move { Session { db, hub, grant, node_id: None }.run(socket).await })
        .into_response())
}

struct Session {
    db: DatabaseConnection,
    hub: Arc<ConfigHub>,
    grant: GatewayGrant,
    node_id: Option<String>,
}

impl Session {
    async fn run(mut self, socket: WebSocket) {
        let _connected = crate::metrics::GATEWAY_STREAMS.opened();
        let (mut sink, mut stream) = socket.split();
        let mut updates = self.hub.subscribe(&self.grant.environment);
        let mut sent: Option<Arc<Published>> = None;
        let mut ping = tokio::time::interval(Duration::from_secs(20));
        loop {
            let outgoing = tokio::select! {
                changed = updates.changed() => {
                    if changed.is_err() { break }
                    let next = updates.borrow_and_update().clone();
                    next.map(|next| (message_for(sent.as_deref(), &next), next))
                }
                incoming = stream.next() => {
                    let Some(Ok(frame)) = incoming else { break };
                    match self.handle(frame).await {
                        Handled::Continue => None,
                        Handled::Close => break,
                        Handled::Reply(message) => {
                            let Ok(text) = serde_json::to_string(&message) else { continue };
                            if sink.send(Message::Text(text.into())).await.is_err() { break }
                            None
                        }
                        Handled::SendFull(have) => {
                            let current = updates.borrow().clone();
                            current.filter(|c| have != Some((c.version, c.hash.clone()))).map(|c| (full(&c), c))
                        }
                    }
                }
                _ = ping.tick() => {
                    if sink.send(Message::Ping(Vec::new().into())).await.is_err() { break }
                    None
                }
            };
            if let Some((message, published)) = outgoing {
                let Ok(text) = serde_json::to_string(&message) else { continue };
                if sink.send(Message::Text(text.into())).await.is_err() {
                    break;
                }
                sent = Some(published);
            }
        }
        if let Some(node) = &self.node_id {
            let report = NodeReport { connected: Some(false), ..NodeReport::default() };
            let _ = gateways::report(&self.db, &self.grant, node, report).await;
        }
    }

    async fn handle(&mut self, frame: Message) -> Handled {
        let text = match frame {
            Message::Text(text) => text,
            Message::Close(_) => return Handled::Close,
            _ => return Handled::Continue,
        };
        let message = match serde_json::from_str::<GatewayMessage>(text.as_str()) {
            Ok(message) => message,
            Err(error) => {
                tracing::warn!(%error, "gateway sent a message this control plane does not understand");
                return Handled::Continue;
            }
        };
        let (node, report, reply) = match message {
            GatewayMessage::Hello { node_id, hostname, software_version, config_version, config_hash } => {
                self.node_id = Some(node_id.clone());
                let have = config_version.zip(config_hash.clone());
                let report = NodeReport {
                    hostname: Some(hostname),
                    software_version: Some(software_version),
                    config: config_version.and_then(|v| i64::try_from(v).ok()).zip(config_hash),
                    connected: Some(true),
                    ..NodeReport::default()
                };
                (node_id, report, Handled::SendFull(have))
            }
            GatewayMessage::Ack { version, hash } => {
                let config = i64::try_from(version).ok().map(|v| (v, hash));
                (self.node(), NodeReport { config, ..NodeReport::default() }, Handled::Continue)
            }
            GatewayMessage::Nack { version, error } => {
                tracing::warn!(environment = %self.grant.environment, version, %error, "a gateway refused a configuration");
                (self.node(), NodeReport { error: Some(error), ..NodeReport::default() }, Handled::Continue)
            }
            GatewayMessage::Resync { .. } => (self.node(), NodeReport::default(), Handled::SendFull(None)),
            GatewayMessage::Analytics(batch) => {
                // A batch that cannot be stored is not acknowledged: the gateway keeps it
                // and sends it again.
                let reply = match domain::analytics::ingest(&self.db, Some(&self.grant.environment), &batch).await {
                    Ok(_) => Handled::Reply(ControlMessage::AnalyticsStored { seq: batch.seq }),
                    Err(error) => {
                        tracing::warn!(%error, node = %batch.node, "cannot store a gateway's analytics batch");
                        Handled::Continue
                    }
                };
                return reply;
            }
            GatewayMessage::Usage { keys } => {
                let uses: Vec<_> = keys
                    .iter()
                    .filter_map(|k| {
                        Some((k.key_id.parse().ok()?, chrono::DateTime::from_timestamp(k.last_used_at, 0)?))
                    })
                    .collect();
                if let Err(error) = domain::api_keys::record_usage(&self.db, &uses).await {
                    tracing::warn!(%error, "cannot record key usage");
                }
                (self.node(), NodeReport::default(), Handled::Continue)
            }
        };
        if !node.is_empty()
            && let Err(error) = gateways::report(&self.db, &self.grant, &node, report).await
        {
            tracing::warn!(%error, "cannot record a gateway's report");
        }
        reply
    }

    fn node(&self) -> String {
        self.node_id.clone().unwrap_or_default()
    }
}

enum Handled {
    Continue,
    Close,
    /// Send this answer.
    Reply(ControlMessage),
    /// Send the full snapshot unless the gateway has this (version, hash).
    SendFull(Option<(u64, String)>),
}

fn full(published: &Published) -> ControlMessage {
    ControlMessage::Snapshot {
        version: published.version,
        hash: published.hash.clone(),
        snapshot: Box::new((*published.snapshot).clone()),
    }
}

/// A delta from what the gateway was last sent, or the full snapshot if nothing was.
fn message_for(sent: Option<&Published>, next: &Published) -> ControlMessage {
    match sent {
        Some(sent) => {
            ControlMessage::Delta(Box::new(Delta::between(&sent.snapshot, &next.snapshot, next.hash.clone())))
        }
        None => full(next),
    }
}
