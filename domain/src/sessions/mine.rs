//! A user's own sessions: the list ("where am I signed in?"), ending one, and "log out
//! everywhere" (every session, optionally every personal access token too). Other
//! users' sessions are *not found*, whoever asks.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, TransactionSession};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::SessionPolicy;
use crate::audit::{self, Change};
use crate::entities::session;
use crate::{Actor, Db, DomainError, DomainResult, tokens};

/// A session as its owner sees it (never its secret or CSRF token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SessionView {
    pub id: Uuid,
    /// When the user signed in.
    pub created_at: DateTime<Utc>,
    /// Last request seen (updated at most once a minute).
    pub last_seen_at: DateTime<Utc>,
    /// When it ends unless used again (never later than its absolute end).
    pub expires_at: DateTime<Utc>,
    /// Client address at sign-in.
    pub ip: Option<String>,
    /// Browser at sign-in (first 255 characters).
    pub user_agent: Option<String>,
    /// The session this request came from.
    pub current: bool,
}

/// The caller's live sessions, most recently used first; `current` marks the caller's
/// own. Sessions that have ended under `policy` are deleted on the way.
pub async fn list_mine(
    db: &impl Db,
    actor: &Actor,
    policy: &SessionPolicy,
    current: Option<Uuid>,
) -> DomainResult<Vec<SessionView>> {
    actor.require_own(crate::Permission::AccountManage)?;
    let rows = session::Entity::find()
        .filter(session::Column::UserId.eq(actor.user_id))
        .order_by_desc(session::Column::LastSeenAt)
        .order_by_desc(session::Column::Id)
        .all(db)
        .await?;
    let now = Utc::now();
    let (live, ended): (Vec<_>, Vec<_>) =
        rows.into_iter().partition(|row| policy.ends_at(row.created_at, row.last_seen_at) > now);
    if !ended.is_empty() {
        session::Entity::delete_many()
            .filter(session::Column::Id.is_in(ended.iter().map(|row| row.id)))
            .exec(db)
            .await?;
    }
    Ok(live
        .into_iter()
        .map(|row| SessionView {
            id: row.id,
            created_at: row.created_at,
            last_seen_at: row.last_seen_at,
            expires_at: policy.ends_at(row.created_at, row.last_seen_at),
            ip: row.ip,
            user_agent: row.user_agent,
            current: Some(row.id) == current,
        })
        .collect())
}

/// Ends one of the caller's sessions (the current one too: that is signing out).
pub async fn revoke_mine(db: &impl Db, actor: &Actor, id: Uuid) -> DomainResult<()> {
    actor.require_own(crate::Permission::AccountManage)?;
    let row = session::Entity::find_by_id(id)
        .filter(session::Column::UserId.eq(actor.user_id))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound("session"))?;
    let txn = db.begin_write().await?;
    session::Entity::delete_by_id(row.id).exec(&txn).await?;
    let change = Change {
        org_id: None,
        action: "session.revoke",
        target_type: "session",
        target_id: Some(row.id.to_string()),
        before: Some(serde_json::json!({ "ip": row.ip, "user_agent": row.user_agent, "created_at": row.created_at })),
        after: None,
    };
    audit::record(&txn, &actor.into(), change).await?;
    txn.commit().await?;
    Ok(())
}

/// What "log out everywhere" ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RevokedAll {
    /// Sessions ended (the caller's own included).
    pub sessions: u64,
    /// Personal access tokens revoked (0 unless asked for).
    pub tokens: u64,
}

/// "Log out everywhere": ends every session of the caller, the current one included,
/// and with `include_tokens` revokes every active personal access token as well.
pub async fn revoke_all(db: &impl Db, actor: &Actor, include_tokens: bool) -> DomainResult<RevokedAll> {
    actor.require_own(crate::Permission::AccountManage)?;
    let txn = db.begin_write().await?;
    let sessions = session::Entity::delete_many()
        .filter(session::Column::UserId.eq(actor.user_id))
        .exec(&txn)
        .await?
        .rows_affected;
    let mut revoked_tokens = 0;
    if include_tokens {
        let now = Utc::now();
        for token in tokens::list(&txn, actor).await? {
            if token.revoked_at.is_none() && token.expires_at.is_none_or(|at| at > now) {
                tokens::revoke(&txn, actor, token.id).await?;
                revoked_tokens += 1;
            }
        }
    }
    let outcome = RevokedAll { sessions, tokens: revoked_tokens };
    let change = Change {
        org_id: None,
        action: "session.revoke_all",
        target_type: "user",
        target_id: Some(actor.user_id.to_string()),
        before: None,
        after: audit::snapshot(&outcome),
    };
    audit::record(&txn, &actor.into(), change).await?;
    txn.commit().await?;
    Ok(outcome)
}
