//! Remote gateways: the tokens platform administrators issue for one environment (`gwt_…`,
//! shown once, stored as SHA-256, revocable), and the registry of gateways that connected
//! with them — their node id, host, software version, the configuration version and hash
//! they last acknowledged (or the error they refused one with) and when they were last
//! seen. The admin UI lists it so operators see what runs where.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionSession};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::audit::{self, AuditActor, Change};
use crate::entities::{environment, gateway_node as node, gateway_token as token};
use crate::secrets::{hash_token, random_token};
use crate::{Actor, Db, DomainError, DomainResult, environments, validate};

/// Prefix of gateway tokens, recognisable by secret scanners.
pub const TOKEN_PREFIX: &str = "gwt_";

/// A gateway token as listed (never the secret).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GatewayTokenView {
    pub id: Uuid,
    pub name: String,
    pub environment: String,
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A token just issued: `secret` is shown this once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CreatedGatewayToken {
    pub token: GatewayTokenView,
    /// Give it to `portico-gateway --token` (or `PORTICO_GATEWAY_TOKEN`).
    pub secret: String,
}

/// Input to issue a token.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewGatewayToken {
    /// What the token is for, e.g. the data centre.
    pub name: String,
    /// The environment its gateways serve.
    pub environment: String,
}

/// A gateway that connected.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GatewayNodeView {
    pub node_id: String,
    pub environment: String,
    pub hostname: String,
    pub software_version: String,
    /// Configuration version it last acknowledged.
    pub config_version: Option<i64>,
    /// Hash of that configuration.
    pub config_hash: Option<String>,
    /// Why it refused the last configuration it was sent, if it did.
    pub last_error: Option<String>,
    pub connected: bool,
    pub connected_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

/// What a verified token grants.
#[derive(Debug, Clone)]
pub struct GatewayGrant {
    pub token_id: Uuid,
    pub environment_id: Uuid,
    pub environment: String,
}

fn view(row: token::Model, environment: String) -> GatewayTokenView {
    GatewayTokenView {
        id: row.id,
        name: row.name,
        environment,
        prefix: row.prefix,
        created_at: row.created_at,
        revoked_at: row.revoked_at,
    }
}

/// Issues a token (platform administrators).
pub async fn create_token(db: &impl Db, actor: &Actor, input: NewGatewayToken) -> DomainResult<CreatedGatewayToken> {
    actor.require_platform(crate::Permission::GatewaysManage)?;
    let name = validate::name("name", &input.name).map_err(|e| DomainError::Invalid(vec![e]))?;
    let txn = db.begin_write().await?;
    let env = environments::by_name(&txn, &input.environment)
        .await
        .map_err(|_| DomainError::field("environment", "unknown_environment", "Choose an existing environment."))?;
    let secret = format!("{TOKEN_PREFIX}{}", random_token());
    let row = token::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(name),
        environment_id: Set(env.id),
        prefix: Set(secret.chars().take(TOKEN_PREFIX.len() + 6).collect()),
        token_hash: Set(hash_token(&secret)),
        created_by: Set(Some(actor.user_id)),
        created_at: Set(Utc::now()),
        revoked_at: Set(None),
    }
    .insert(&txn)
    .await?;
    let token = view(row, env.name);
    record(&txn, &actor.into(), "gateway_token.create", &token, None).await?;
    txn.commit().await?;
    Ok(CreatedGatewayToken { token, secret })
}

/// Every token (platform administrators).
pub async fn list_tokens(db: &impl Db, actor: &Actor) -> DomainResult<Vec<GatewayTokenView>> {
    actor.require_platform(crate::Permission::GatewaysManage)?;
    let names = environment_names(db).await?;
    let rows = token::Entity::find().order_by_desc(token::Column::CreatedAt).all(db).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let env = names.get(&r.environment_id).cloned().unwrap_or_default();
            view(r, env)
        })
        .collect())
}

/// Revokes a token; gateways using it are refused at their next connection.
pub async fn revoke_token(db: &impl Db, actor: &Actor, id: Uuid) -> DomainResult<GatewayTokenView> {
    actor.require_platform(crate::Permission::GatewaysManage)?;
    let txn = db.begin_write().await?;
    let row = token::Entity::find_by_id(id).one(&txn).await?.ok_or(DomainError::NotFound("gateway token"))?;
    let names = environment_names(&txn).await?;
    let env = names.get(&row.environment_id).cloned().unwrap_or_default();
    let before = view(row.clone(), env.clone());
    let mut active: token::ActiveModel = row.into();
    active.revoked_at = Set(Some(Utc::now()));
    let after = view(active.update(&txn).await?, env);
    record(&txn, &actor.into(), "gateway_token.revoke", &after, Some(&before)).await?;
    txn.commit().await?;
    Ok(after)
}

/// Verifies a presented token; unknown and revoked tokens are `Unauthenticated`.
pub async fn verify(db: &impl Db, secret: &str) -> DomainResult<GatewayGrant> {
    if !secret.starts_with(TOKEN_PREFIX) {
        return Err(DomainError::Unauthenticated);
    }
    let row = token::Entity::find()
        .filter(token::Column::TokenHash.eq(hash_token(secret)))
        .filter(token::Column::RevokedAt.is_null())
        .one(db)
        .await?
        .ok_or(DomainError::Unauthenticated)?;
    let env = environment::Entity::find_by_id(row.environment_id).one(db).await?.ok_or(DomainError::Unauthenticated)?;
    Ok(GatewayGrant { token_id: row.id, environment_id: env.id, environment: env.name })
}

/// What a gateway reported about itself.
#[derive(Debug, Clone, Default)]
pub struct NodeReport {
    pub hostname: Option<String>,
    pub software_version: Option<String>,
    pub config: Option<(i64, String)>,
    pub error: Option<String>,
    pub connected: Option<bool>,
}

/// Records what a connected gateway reported (hello, ACK, NACK, disconnect).
pub async fn report(db: &impl Db, grant: &GatewayGrant, node_id: &str, report: NodeReport) -> DomainResult<()> {
    let now = Utc::now();
    let existing = node::Entity::find().filter(node::Column::NodeId.eq(node_id)).one(db).await?;
    let is_new = existing.is_none();
    let mut row: node::ActiveModel = match existing {
        Some(row) => row.into(),
        None => node::ActiveModel {
            id: Set(Uuid::now_v7()),
            node_id: Set(node_id.chars().take(100).collect()),
            environment_id: Set(grant.environment_id),
            token_id: Set(grant.token_id),
            hostname: Set(String::new()),
            software_version: Set(String::new()),
            config_version: Set(None),
            config_hash: Set(None),
            last_error: Set(None),
            connected: Set(true),
            connected_at: Set(now),
            last_seen_at: Set(now),
        },
    };
    row.environment_id = Set(grant.environment_id);
    row.token_id = Set(grant.token_id);
    row.last_seen_at = Set(now);
    if let Some(hostname) = report.hostname {
        row.hostname = Set(hostname.chars().take(200).collect());
        row.connected_at = Set(now);
    }
    if let Some(version) = report.software_version {
        row.software_version = Set(version.chars().take(50).collect());
    }
    if let Some((version, hash)) = report.config {
        row.config_version = Set(Some(version));
        row.config_hash = Set(Some(hash));
        row.last_error = Set(None);
    }
    if let Some(error) = report.error {
        row.last_error = Set(Some(error.chars().take(2000).collect()));
    }
    if let Some(connected) = report.connected {
        row.connected = Set(connected);
    }
    if is_new {
        row.insert(db).await?;
    } else {
        row.update(db).await?;
    }
    Ok(())
}

/// Every gateway that connected (platform administrators).
pub async fn list_nodes(db: &impl Db, actor: &Actor) -> DomainResult<Vec<GatewayNodeView>> {
    actor.require_platform(crate::Permission::GatewaysManage)?;
    let names = environment_names(db).await?;
    let rows = node::Entity::find().order_by_desc(node::Column::LastSeenAt).all(db).await?;
    Ok(rows
        .into_iter()
        .map(|r| GatewayNodeView {
            environment: names.get(&r.environment_id).cloned().unwrap_or_default(),
            node_id: r.node_id,
            hostname: r.hostname,
            software_version: r.software_version,
            config_version: r.config_version,
            config_hash: r.config_hash,
            last_error: r.last_error,
            connected: r.connected,
            connected_at: r.connected_at,
            last_seen_at: r.last_seen_at,
        })
        .collect())
}

async fn environment_names(db: &impl Db) -> DomainResult<std::collections::HashMap<Uuid, String>> {
    Ok(environment::Entity::find().all(db).await?.into_iter().map(|e| (e.id, e.name)).collect())
}

async fn record(
    db: &impl Db,
    who: &AuditActor,
    action: &str,
    after: &GatewayTokenView,
    before: Option<&GatewayTokenView>,
) -> DomainResult<()> {
    let change = Change {
        org_id: None,
        action,
        target_type: "gateway_token",
        target_id: Some(after.id.to_string()),
        before: before.and_then(audit::snapshot),
        after: audit::snapshot(after),
    };
    audit::record(db, who, change).await
}
