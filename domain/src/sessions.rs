//! Browser sessions: sign-in (password check, throttling, account state), sign-out,
//! turning a session cookie into an [`Actor`] under the [`SessionPolicy`] (idle and
//! absolute lifetime), and the user's own list of sessions (`mine`: list, revoke one,
//! revoke all). The cookie carries a random secret; the database keeps its SHA-256 hash
//! and a CSRF synchronizer token per session.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, TransactionSession};
use uuid::Uuid;

use crate::actor::RequestOrigin;
use crate::audit::{self, AuditActor, Change};
use crate::entities::{session, user};
use crate::secrets::{hash_token, random_token};
use crate::throttle::{LoginThrottle, ThrottleKey};
use crate::users::UserStatus;
use crate::{Actor, Db, DomainError, DomainResult, passwords};

mod mine;

pub use mine::{RevokedAll, SessionView, list_mine, revoke_all, revoke_mine};

/// Default of [`SessionPolicy::idle`]: a session ends after this long without use.
pub const IDLE_TIMEOUT: Duration = Duration::days(7);
/// Default of [`SessionPolicy::max`]: a session ends this long after sign-in, however
/// active.
pub const ABSOLUTE_TIMEOUT: Duration = Duration::days(30);
/// `last_seen_at` is written at most this often per session (so the idle time is
/// measured up to this much early).
const TOUCH_INTERVAL: Duration = Duration::minutes(1);

/// How long sessions live (`PORTICO_SESSION_IDLE_MINUTES`, `PORTICO_SESSION_MAX_HOURS`).
/// Applied when a session is resolved, so a shortened lifetime also ends sessions that
/// already exist (a session's stored expiry, set under the policy of its last use, is
/// honoured too).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// A session ends after this long without use.
    pub idle: Duration,
    /// A session ends this long after sign-in, however active.
    pub max: Duration,
}

impl Default for SessionPolicy {
    /// 7 days idle, 30 days at most.
    fn default() -> Self {
        Self { idle: IDLE_TIMEOUT, max: ABSOLUTE_TIMEOUT }
    }
}

impl SessionPolicy {
    /// When a session created at `created_at` and last used at `last_seen_at` ends.
    pub fn ends_at(&self, created_at: DateTime<Utc>, last_seen_at: DateTime<Utc>) -> DateTime<Utc> {
        (last_seen_at + self.idle).min(created_at + self.max)
    }
}

/// A session just created: the secret goes into the cookie and is never stored.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// The cookie value.
    pub secret: String,
    /// When the cookie should expire.
    pub expires_at: DateTime<Utc>,
    /// The session's CSRF token.
    pub csrf_token: String,
    /// The signed-in user.
    pub user_id: Uuid,
}

/// A session resolved from its cookie.
#[derive(Debug, Clone)]
pub struct ResolvedSession {
    /// The session's id.
    pub id: Uuid,
    /// Who is signed in.
    pub actor: Actor,
    /// The token state-changing requests must carry.
    pub csrf_token: String,
    /// The user's display name (for the UI).
    pub display_name: String,
    /// Set when this request extended the session: the cookie must be re-sent with the
    /// new expiry.
    pub renewed_until: Option<DateTime<Utc>>,
}

/// Signs in with e-mail and password.
///
/// Refuses with `Throttled` while the account or IP must wait, `InvalidCredentials`
/// for a wrong e-mail or password (same answer and timing for both), and
/// `AccountUnusable` for accounts that are not active.
pub async fn login(
    db: &impl Db,
    throttle: &LoginThrottle,
    policy: &SessionPolicy,
    email: &str,
    password: &str,
    origin: &RequestOrigin,
    user_agent: Option<&str>,
) -> DomainResult<NewSession> {
    let user = authenticate(db, throttle, email, password, origin).await?;
    create(db, policy, &user, origin, user_agent).await
}

/// Checks an e-mail and password (with sign-in throttling, the same refusals as
/// [`login`]) and returns the usable account, without creating a session (the OAuth2
/// password grant).
pub async fn authenticate(
    db: &impl Db,
    throttle: &LoginThrottle,
    email: &str,
    password: &str,
    origin: &RequestOrigin,
) -> DomainResult<user::Model> {
    let email = email.trim().to_lowercase();
    let account = ThrottleKey::account(&email);
    let address: Vec<ThrottleKey> = origin.ip.as_deref().map(ThrottleKey::ip).into_iter().collect();
    let throttled = |retry_after| DomainError::Throttled { retry_after };
    throttle.check(&address).await.map_err(throttled)?;
    throttle.attempt(&account).await.map_err(throttled)?;
    let user = crate::users::find_by_email(db, &email).await?;
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    if !passwords::verify(password.to_owned(), stored).await {
        throttle.failure(&address).await;
        if let Some(user) = &user {
            let who = AuditActor { user_id: Some(user.id), label: user.email.clone(), origin: origin.clone() };
            let change = Change {
                org_id: None,
                action: "session.login_failed",
                target_type: "user",
                target_id: Some(user.id.to_string()),
                before: None,
                after: None,
            };
            audit::record(db, &who, change).await?;
        }
        return Err(DomainError::InvalidCredentials);
    }
    let Some(user) = user else { return Err(DomainError::InvalidCredentials) };
    throttle.success(&account).await;
    ensure_usable(&user)?;
    Ok(user)
}

/// Refuses accounts that may not sign in, saying why.
pub fn ensure_usable(user: &user::Model) -> DomainResult<()> {
    let (code, message) = match user.status.as_str() {
        s if s == UserStatus::Active.as_str() => return Ok(()),
        s if s == UserStatus::PendingVerification.as_str() => {
            ("email_not_verified", "Verify your e-mail address first: follow the link we sent you.")
        }
        s if s == UserStatus::PendingApproval.as_str() => {
            ("approval_pending", "Your account is waiting for an administrator's approval.")
        }
        _ => ("account_disabled", "This account has been disabled."),
    };
    Err(DomainError::AccountUnusable { code, message: message.into() })
}

/// Creates a session for a user who just proved who they are.
pub(crate) async fn create(
    db: &impl Db,
    policy: &SessionPolicy,
    user: &user::Model,
    origin: &RequestOrigin,
    user_agent: Option<&str>,
) -> DomainResult<NewSession> {
    let now = Utc::now();
    let secret = random_token();
    let csrf_token = random_token();
    let expires_at = policy.ends_at(now, now);
    let txn = db.begin_write().await?;
    let row = session::ActiveModel {
        id: Set(Uuid::now_v7()),
        token_hash: Set(hash_token(&secret)),
        user_id: Set(user.id),
        csrf_token: Set(csrf_token.clone()),
        ip: Set(origin.ip.clone()),
        user_agent: Set(user_agent.map(|ua| ua.chars().take(255).collect())),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(expires_at),
    }
    .insert(&txn)
    .await?;
    let mut active: user::ActiveModel = user.clone().into();
    active.last_login_at = Set(Some(now));
    active.update(&txn).await?;
    let who = AuditActor { user_id: Some(user.id), label: user.email.clone(), origin: origin.clone() };
    let change = Change {
        org_id: None,
        action: "session.create",
        target_type: "session",
        target_id: Some(row.id.to_string()),
        before: None,
        after: None,
    };
    audit::record(&txn, &who, change).await?;
    txn.commit().await?;
    Ok(NewSession { secret, expires_at, csrf_token, user_id: user.id })
}

/// Resolves a session cookie. Unknown secrets are `Unauthenticated`; sessions idle for
/// longer than `policy.idle`, older than `policy.max` or past their stored expiry are
/// deleted and `SessionExpired`; sessions of accounts no longer active end. A session in use is
/// extended (at most once a minute) up to its absolute end.
pub async fn resolve(
    db: &impl Db,
    policy: &SessionPolicy,
    secret: &str,
    origin: &RequestOrigin,
) -> DomainResult<ResolvedSession> {
    let row = session::Entity::find()
        .filter(session::Column::TokenHash.eq(hash_token(secret)))
        .one(db)
        .await?
        .ok_or(DomainError::Unauthenticated)?;
    let now = Utc::now();
    if row.expires_at <= now || policy.ends_at(row.created_at, row.last_seen_at) <= now {
        session::Entity::delete_by_id(row.id).exec(db).await?;
        return Err(DomainError::SessionExpired);
    }
    let user = user::Entity::find_by_id(row.user_id).one(db).await?.ok_or(DomainError::Unauthenticated)?;
    if ensure_usable(&user).is_err() {
        session::Entity::delete_by_id(row.id).exec(db).await?;
        return Err(DomainError::Unauthenticated);
    }
    let mut renewed_until = None;
    if now - row.last_seen_at > TOUCH_INTERVAL {
        let expires_at = policy.ends_at(row.created_at, now);
        let mut active: session::ActiveModel = row.clone().into();
        active.last_seen_at = Set(now);
        active.expires_at = Set(expires_at);
        active.update(db).await?;
        renewed_until = Some(expires_at);
    }
    let display_name = user.display_name.clone();
    let actor = load_actor(db, user, origin.clone()).await?;
    Ok(ResolvedSession { id: row.id, actor, csrf_token: row.csrf_token, display_name, renewed_until })
}

/// Ends a session (sign-out). Unknown secrets are ignored: signing out twice is fine.
pub async fn logout(db: &impl Db, secret: &str, origin: &RequestOrigin) -> DomainResult<()> {
    let Some(row) = session::Entity::find().filter(session::Column::TokenHash.eq(hash_token(secret))).one(db).await?
    else {
        return Ok(());
    };
    let txn = db.begin_write().await?;
    session::Entity::delete_by_id(row.id).exec(&txn).await?;
    let label = user::Entity::find_by_id(row.user_id).one(&txn).await?.map(|u| u.email).unwrap_or_default();
    let who = AuditActor { user_id: Some(row.user_id), label, origin: origin.clone() };
    let change = Change {
        org_id: None,
        action: "session.delete",
        target_type: "session",
        target_id: Some(row.id.to_string()),
        before: None,
        after: None,
    };
    audit::record(&txn, &who, change).await?;
    txn.commit().await?;
    Ok(())
}

/// Builds the [`Actor`] of a user: their memberships in active organizations.
pub async fn load_actor(db: &impl Db, user: user::Model, origin: RequestOrigin) -> DomainResult<Actor> {
    let memberships = crate::roles::memberships_of(db, user.id).await?;
    Ok(Actor {
        user_id: user.id,
        email: user.email,
        is_platform_admin: user.is_platform_admin,
        memberships,
        scopes: None,
        origin,
    })
}
