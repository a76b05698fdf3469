//! Personal access tokens: API credentials a user creates for scripts and CI. The secret
//! (`pat_…`) is shown once at creation; only its SHA-256 hash is stored. A token acts
//! with its owner's roles, stops working when revoked, expired or when the owner is no
//! longer active, and is exempt from CSRF checks (it is not a cookie).
//!
//! Scopes: a token may be limited to a list of permission names (the same names as
//! roles use, see [`crate::permissions`]); a request made with it may then do only what
//! both its owner's roles and its scopes allow ([`Actor::scopes`]). A token without
//! scopes (`scopes: null`, and every token made before scopes existed) has its owner's
//! full rights. Scopes are checked against what the owner holds when the token is made;
//! a role lost later is lost for the token too, as the owner's roles are read at each
//! request.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionSession};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::actor::{PermissionScope, RequestOrigin};
use crate::audit::{self, Change};
use crate::entities::{personal_access_token as pat, user};
use crate::secrets::{PAT_PREFIX, hash_token, random_token};
use crate::{Actor, Db, DomainError, DomainResult, Permission, Permissions, sessions, validate};

/// Longest lifetime a token may be given, in days.
pub const MAX_DAYS: u32 = 366;
/// `last_used_at` is written at most this often per token.
const TOUCH_INTERVAL: Duration = Duration::minutes(1);

/// A token as lists show it (never with its secret).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TokenView {
    pub id: Uuid,
    pub name: String,
    /// The first characters of the secret, to tell tokens apart.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// The permissions the token is limited to; `null`: its owner's full rights.
    #[schema(value_type = Option<Vec<Permission>>)]
    pub scopes: Option<Permissions>,
}

impl From<pat::Model> for TokenView {
    fn from(m: pat::Model) -> Self {
        Self {
            id: m.id,
            name: m.name,
            prefix: m.token_prefix,
            created_at: m.created_at,
            expires_at: m.expires_at,
            last_used_at: m.last_used_at,
            revoked_at: m.revoked_at,
            scopes: m.scopes.as_ref().map(Permissions::from_json),
        }
    }
}

/// A token just created: `secret` is shown this once and cannot be retrieved again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CreatedToken {
    pub token: TokenView,
    /// The token itself, to send as `Authorization: Bearer <secret>`.
    pub secret: String,
}

/// Input to create a token.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewToken {
    /// What the token is for (1–100 characters).
    pub name: String,
    /// Days until it expires (1–366); absent: never.
    pub expires_in_days: Option<u32>,
    /// Permissions the token is limited to (each one the owner holds); absent: the
    /// owner's full rights.
    #[serde(default)]
    pub scopes: Option<Vec<Permission>>,
}

/// Whether the actor holds `p` anywhere (what a token of theirs may be scoped to).
fn holds(actor: &Actor, p: Permission) -> bool {
    match p.scope() {
        PermissionScope::Account => true,
        PermissionScope::Platform => actor.can_platform(p),
        PermissionScope::ProviderOrg | PermissionScope::AnyOrg => actor.orgs_with(p).is_some(),
    }
}

/// The permissions the actor may put on a token, in display order.
pub fn grantable_scopes(actor: &Actor) -> Vec<Permission> {
    Permission::ALL.iter().copied().filter(|p| holds(actor, *p)).collect()
}

/// Creates a token for the actor.
pub async fn create(db: &impl Db, actor: &Actor, input: NewToken) -> DomainResult<CreatedToken> {
    actor.require_own(Permission::AccountManage)?;
    let name = validate::name("name", &input.name).map_err(|e| DomainError::Invalid(vec![e]))?;
    if input.expires_in_days.is_some_and(|d| d == 0 || d > MAX_DAYS) {
        return Err(DomainError::field(
            "expires_in_days",
            "out_of_range",
            format!("Choose between 1 and {MAX_DAYS} days."),
        ));
    }
    let scopes = match &input.scopes {
        None => None,
        Some(list) if list.is_empty() => {
            return Err(DomainError::field(
                "scopes",
                "empty",
                "Choose at least one scope, or leave scopes out for full rights.",
            ));
        }
        Some(list) => {
            if let Some(p) = list.iter().find(|p| !holds(actor, **p)) {
                return Err(DomainError::field("scopes", "not_held", format!("You do not hold `{p}` yourself.")));
            }
            Some(list.iter().copied().collect::<Permissions>())
        }
    };
    let secret = format!("{PAT_PREFIX}{}", random_token());
    let now = Utc::now();
    let txn = db.begin_write().await?;
    let row = pat::ActiveModel {
        id: Set(Uuid::now_v7()),
        user_id: Set(actor.user_id),
        name: Set(name),
        token_prefix: Set(secret.chars().take(PAT_PREFIX.len() + 6).collect()),
        token_hash: Set(hash_token(&secret)),
        created_at: Set(now),
        expires_at: Set(input.expires_in_days.map(|d| now + Duration::days(i64::from(d)))),
        last_used_at: Set(None),
        revoked_at: Set(None),
        scopes: Set(scopes.map(Permissions::to_json)),
    }
    .insert(&txn)
    .await?;
    let token = TokenView::from(row);
    let change = Change {
        org_id: None,
        action: "token.create",
        target_type: "personal_access_token",
        target_id: Some(token.id.to_string()),
        before: None,
        after: audit::snapshot(&token),
    };
    audit::record(&txn, &actor.into(), change).await?;
    txn.commit().await?;
    Ok(CreatedToken { token, secret })
}

/// The actor's own tokens, newest first (revoked ones included, marked).
pub async fn list(db: &impl Db, actor: &Actor) -> DomainResult<Vec<TokenView>> {
    actor.require_own(Permission::AccountManage)?;
    Ok(pat::Entity::find()
        .filter(pat::Column::UserId.eq(actor.user_id))
        .order_by_desc(pat::Column::CreatedAt)
        .all(db)
        .await?
        .into_iter()
        .map(TokenView::from)
        .collect())
}

/// Revokes one of the actor's tokens; another user's token is *not found*.
pub async fn revoke(db: &impl Db, actor: &Actor, id: Uuid) -> DomainResult<TokenView> {
    actor.require_own(Permission::AccountManage)?;
    let txn = db.begin_write().await?;
    let row = pat::Entity::find_by_id(id)
        .filter(pat::Column::UserId.eq(actor.user_id))
        .one(&txn)
        .await?
        .ok_or(DomainError::NotFound("token"))?;
    let before = TokenView::from(row.clone());
    if row.revoked_at.is_some() {
        return Ok(before);
    }
    let mut active: pat::ActiveModel = row.into();
    active.revoked_at = Set(Some(Utc::now()));
    let after = TokenView::from(active.update(&txn).await?);
    let change = Change {
        org_id: None,
        action: "token.revoke",
        target_type: "personal_access_token",
        target_id: Some(id.to_string()),
        before: audit::snapshot(&before),
        after: audit::snapshot(&after),
    };
    audit::record(&txn, &actor.into(), change).await?;
    txn.commit().await?;
    Ok(after)
}

/// Resolves a bearer token to its owner's [`Actor`]; revoked, expired, unknown tokens
/// and tokens of inactive accounts are `Unauthenticated`.
pub async fn resolve(db: &impl Db, secret: &str, origin: &RequestOrigin) -> DomainResult<Actor> {
    if !secret.starts_with(PAT_PREFIX) {
        return Err(DomainError::Unauthenticated);
    }
    let row = pat::Entity::find()
        .filter(pat::Column::TokenHash.eq(hash_token(secret)))
        .one(db)
        .await?
        .ok_or(DomainError::Unauthenticated)?;
    let now = Utc::now();
    if row.revoked_at.is_some() || row.expires_at.is_some_and(|at| at <= now) {
        return Err(DomainError::Unauthenticated);
    }
    let user = user::Entity::find_by_id(row.user_id).one(db).await?.ok_or(DomainError::Unauthenticated)?;
    sessions::ensure_usable(&user).map_err(|_| DomainError::Unauthenticated)?;
    let scopes = row.scopes.as_ref().map(Permissions::from_json);
    if row.last_used_at.is_none_or(|at| now - at > TOUCH_INTERVAL) {
        let mut active: pat::ActiveModel = row.into();
        active.last_used_at = Set(Some(now));
        active.update(db).await?;
    }
    let mut actor = sessions::load_actor(db, user, origin.clone()).await?;
    actor.scopes = scopes;
    Ok(actor)
}
