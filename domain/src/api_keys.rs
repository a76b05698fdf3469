//! API keys: per application and environment, random (256 bits) with a recognisable
//! prefix (`pk_live_` in production, `pk_test_` in sandbox, `pk_<env>_` elsewhere), shown
//! once and stored as SHA-256 (a fast hash is right for random keys — DESIGN.md §4). Keys
//! can be revoked, regenerated (new key, old one revoked at once), or rotated with a
//! grace period (both work until it ends), and may expire. Gateways report when keys were
//! last used, in batches.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionSession};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::applications::find_usable;
use crate::audit::{self, Change};
use crate::entities::api_key;
use crate::secrets::{hash_token, last_four, random_token};
use crate::{Actor, Db, DomainError, DomainResult, Permission, environments};

/// Longest rotation grace period, in hours.
pub const MAX_GRACE_HOURS: u32 = 24 * 30;

/// A key as lists show it (never the secret).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct KeyView {
    pub id: Uuid,
    pub application_id: Uuid,
    pub environment: String,
    /// The key's first characters (`pk_live_AbCd`).
    pub prefix: String,
    /// Its last four characters.
    pub last_four: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// The key that replaced this one (rotation).
    pub replaced_by: Option<Uuid>,
}

impl From<api_key::Model> for KeyView {
    fn from(m: api_key::Model) -> Self {
        Self {
            id: m.id,
            application_id: m.application_id,
            environment: m.environment,
            prefix: m.prefix,
            last_four: m.last_four,
            created_at: m.created_at,
            last_used_at: m.last_used_at,
            expires_at: m.expires_at,
            revoked_at: m.revoked_at,
            replaced_by: m.replaced_by,
        }
    }
}

/// A key just created: `secret` is shown this once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CreatedKey {
    pub key: KeyView,
    /// The key, to send in the API's key header (`X-API-Key` by default).
    pub secret: String,
}

/// Input to create a key.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewKey {
    /// The environment the key works in (`production`, `sandbox`, …).
    pub environment: String,
    /// Days until it expires (1–3660); absent: never.
    pub expires_in_days: Option<u32>,
}

/// The key prefix of an environment.
pub fn prefix_for(environment: &str) -> String {
    match environment {
        "production" => "pk_live_".into(),
        "sandbox" => "pk_test_".into(),
        other => format!("pk_{}_", other.replace('-', "")),
    }
}

/// Creates a key for an application the caller may use.
pub async fn create(db: &impl Db, actor: &Actor, app_id: Uuid, input: NewKey) -> DomainResult<CreatedKey> {
    if input.expires_in_days.is_some_and(|d| d == 0 || d > 3660) {
        return Err(DomainError::field("expires_in_days", "out_of_range", "Choose between 1 and 3660 days."));
    }
    let txn = db.begin_write().await?;
    let app = find_usable(&txn, actor, app_id).await?;
    actor.require_or(app.org_id, Permission::KeysManage, "application")?;
    let env = environments::by_name(&txn, &input.environment)
        .await
        .map_err(|_| DomainError::field("environment", "unknown_environment", "Choose an existing environment."))?;
    let expires = input.expires_in_days.map(|d| Utc::now() + Duration::days(i64::from(d)));
    let created = insert(&txn, actor, app.id, app.org_id, &env.name, expires).await?;
    environments::bump(&txn, [env.id]).await?;
    record(&txn, actor, app.org_id, "api_key.create", &created.key, None).await?;
    txn.commit().await?;
    Ok(created)
}

/// The keys of an application, newest first (revoked ones included, marked).
pub async fn list(db: &impl Db, actor: &Actor, app_id: Uuid) -> DomainResult<Vec<KeyView>> {
    let app = find_usable(db, actor, app_id).await?;
    actor.require_or(app.org_id, Permission::KeysManage, "application")?;
    let rows = api_key::Entity::find()
        .filter(api_key::Column::ApplicationId.eq(app.id))
        .order_by_desc(api_key::Column::CreatedAt)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(KeyView::from).collect())
}

/// Revokes a key at once.
pub async fn revoke(db: &impl Db, actor: &Actor, key_id: Uuid) -> DomainResult<KeyView> {
    let txn = db.begin_write().await?;
    let (row, org) = find_key(&txn, actor, key_id).await?;
    let before = KeyView::from(row.clone());
    let after = close(&txn, row, Utc::now(), None).await?;
    environments::bump(&txn, [environments::by_name(&txn, &after.environment).await?.id]).await?;
    record(&txn, actor, org, "api_key.revoke", &after, Some(&before)).await?;
    txn.commit().await?;
    Ok(after)
}

/// Replaces a key with a new one. With `grace_hours` = 0 the old key stops at once
/// (regenerate); otherwise both work until the grace period ends (rotate).
pub async fn rotate(db: &impl Db, actor: &Actor, key_id: Uuid, grace_hours: u32) -> DomainResult<CreatedKey> {
    if grace_hours > MAX_GRACE_HOURS {
        return Err(DomainError::field("grace_hours", "out_of_range", format!("Use at most {MAX_GRACE_HOURS} hours.")));
    }
    let txn = db.begin_write().await?;
    let (row, org) = find_key(&txn, actor, key_id).await?;
    if row.revoked_at.is_some() || row.expires_at.is_some_and(|at| at <= Utc::now()) {
        return Err(DomainError::Conflict { code: "key_inactive", message: "This key no longer works.".into() });
    }
    let created = insert(&txn, actor, row.application_id, org, &row.environment, row.expires_at).await?;
    let before = KeyView::from(row.clone());
    let end = Utc::now() + Duration::hours(i64::from(grace_hours));
    let after = close(&txn, row, end, Some(created.key.id)).await?;
    environments::bump(&txn, [environments::by_name(&txn, &after.environment).await?.id]).await?;
    let action = if grace_hours == 0 { "api_key.regenerate" } else { "api_key.rotate" };
    record(&txn, actor, org, action, &after, Some(&before)).await?;
    txn.commit().await?;
    Ok(created)
}

/// Records when gateways saw keys used (batched reports; only ever moves forward).
pub async fn record_usage(db: &impl Db, uses: &[(Uuid, DateTime<Utc>)]) -> DomainResult<()> {
    for (id, at) in uses {
        api_key::Entity::update_many()
            .col_expr(api_key::Column::LastUsedAt, sea_orm::sea_query::Expr::value(*at))
            .filter(api_key::Column::Id.eq(*id))
            .filter(
                sea_orm::Condition::any()
                    .add(api_key::Column::LastUsedAt.is_null())
                    .add(api_key::Column::LastUsedAt.lt(*at)),
            )
            .exec(db)
            .await?;
    }
    Ok(())
}

async fn insert(
    db: &impl Db,
    actor: &Actor,
    app: Uuid,
    org: Uuid,
    environment: &str,
    expires_at: Option<DateTime<Utc>>,
) -> DomainResult<CreatedKey> {
    let secret = format!("{}{}", prefix_for(environment), random_token());
    let row = api_key::ActiveModel {
        id: Set(Uuid::now_v7()),
        application_id: Set(app),
        org_id: Set(org),
        environment: Set(environment.to_owned()),
        prefix: Set(secret.chars().take(prefix_for(environment).len() + 4).collect()),
        last_four: Set(last_four(&secret)),
        key_hash: Set(hash_token(&secret)),
        created_by: Set(Some(actor.user_id)),
        created_at: Set(Utc::now()),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
        last_used_at: Set(None),
        replaced_by: Set(None),
    }
    .insert(db)
    .await?;
    Ok(CreatedKey { key: row.into(), secret })
}

/// Ends a key: revoked now (`replaced_by` None) or expiring at `end` (rotation).
async fn close(
    db: &impl Db,
    row: api_key::Model,
    end: DateTime<Utc>,
    replaced_by: Option<Uuid>,
) -> DomainResult<KeyView> {
    let mut active: api_key::ActiveModel = row.clone().into();
    match replaced_by {
        Some(new) if end > Utc::now() => {
            active.expires_at = Set(Some(row.expires_at.map_or(end, |at| at.min(end))));
            active.replaced_by = Set(Some(new));
        }
        _ => {
            active.revoked_at = Set(Some(Utc::now()));
            active.replaced_by = Set(replaced_by);
        }
    }
    Ok(active.update(db).await?.into())
}

async fn find_key(db: &impl Db, actor: &Actor, key_id: Uuid) -> DomainResult<(api_key::Model, Uuid)> {
    let row = api_key::Entity::find_by_id(key_id).one(db).await?.ok_or(DomainError::NotFound("key"))?;
    let app = find_usable(db, actor, row.application_id).await.map_err(|_| DomainError::NotFound("key"))?;
    actor.require_or(app.org_id, Permission::KeysManage, "key")?;
    Ok((row, app.org_id))
}

async fn record(
    db: &impl Db,
    actor: &Actor,
    org: Uuid,
    action: &str,
    after: &KeyView,
    before: Option<&KeyView>,
) -> DomainResult<()> {
    let change = Change {
        org_id: Some(org),
        action,
        target_type: "api_key",
        target_id: Some(after.id.to_string()),
        before: before.and_then(audit::snapshot),
        after: audit::snapshot(after),
    };
    audit::record(db, &actor.into(), change).await
}
