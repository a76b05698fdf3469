//! Password reset by e-mail: a single-use link (a [`Purpose::PasswordReset`] one-time
//! token, valid for [`LINK_LIFETIME`]) lets the owner of an active account choose a new
//! password. Asking for a link answers the same whether or not the address has an
//! account (no account oracle) and sends at most one mail per [`REQUEST_INTERVAL`].
//! Issuing a link invalidates the older ones; so does any password change. Setting the
//! new password ends every session of the account.

use chrono::{Duration, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, TransactionSession};

use crate::actor::RequestOrigin;
use crate::audit::{self, AuditActor, Change};
use crate::entities::{session, user};
use crate::mail::{self, templates};
use crate::one_time::{self, Purpose};
use crate::throttle::{LoginThrottle, ThrottleKey};
use crate::users::{self, UserStatus};
use crate::{Db, DomainError, DomainResult, passwords, validate};

/// How long a reset link is valid.
pub const LINK_LIFETIME: Duration = Duration::hours(1);
/// Least time between two reset mails to one account.
pub const REQUEST_INTERVAL: Duration = Duration::minutes(1);

/// Mails a reset link when `email` belongs to an active account and no link was sent to
/// it in the last [`REQUEST_INTERVAL`]. Returns `Ok(())` in every other case too, so the
/// answer does not tell whether the address has an account; only a malformed address is
/// refused.
pub async fn request(db: &impl Db, email: &str, base_url: &str, origin: &RequestOrigin) -> DomainResult<()> {
    let Ok(email) = validate::email("email", email) else {
        return Err(DomainError::field("email", "invalid_email", "Enter a valid e-mail address."));
    };
    let Some(user) = users::find_by_email(db, &email).await? else { return Ok(()) };
    if user.status != UserStatus::Active.as_str()
        || one_time::issued_since(db, Purpose::PasswordReset, user.id, Utc::now() - REQUEST_INTERVAL).await?
    {
        return Ok(());
    }
    let txn = db.begin_write().await?;
    one_time::invalidate(&txn, Purpose::PasswordReset, Some(user.id)).await?;
    let token = one_time::issue(&txn, Purpose::PasswordReset, Some(user.id), LINK_LIFETIME).await?;
    let (subject, body) = templates::password_reset(base_url, &user.display_name, &token);
    mail::enqueue(&txn, &user.email, subject, body).await?;
    let who = AuditActor { user_id: Some(user.id), label: user.email.clone(), origin: origin.clone() };
    let change = Change {
        org_id: None,
        action: "user.password_reset_request",
        target_type: "user",
        target_id: Some(user.id.to_string()),
        before: None,
        after: None,
    };
    audit::record(&txn, &who, change).await?;
    txn.commit().await?;
    Ok(())
}

/// Sets a new password with a reset link's token. The token is consumed (in the same
/// transaction as the change, so a refused password leaves it usable), the other reset
/// links of the account are invalidated, every session of the account ends, and the
/// account's sign-in throttle is cleared. Returns the account's e-mail address (to sign
/// in with).
pub async fn confirm(
    db: &impl Db,
    throttle: &LoginThrottle,
    token: &str,
    new_password: &str,
    origin: &RequestOrigin,
) -> DomainResult<String> {
    let row = one_time::peek(db, Purpose::PasswordReset, token).await?;
    let user_id = row.user_id.ok_or(DomainError::Internal("reset token without user".into()))?;
    let user = user::Entity::find_by_id(user_id).one(db).await?.ok_or_else(link_invalid)?;
    passwords::validate("password", new_password, &user.email).map_err(|e| DomainError::Invalid(vec![e]))?;
    let hash = passwords::hash(new_password.to_owned()).await?;
    let txn = db.begin_write().await?;
    one_time::consume(&txn, Purpose::PasswordReset, token).await?;
    let user = user::Entity::find_by_id(user_id).one(&txn).await?.ok_or_else(link_invalid)?;
    if user.status != UserStatus::Active.as_str() {
        return Err(DomainError::AccountUnusable {
            code: "account_disabled",
            message: "This account cannot be used any more.".into(),
        });
    }
    let mut active: user::ActiveModel = user.clone().into();
    active.password_hash = Set(Some(hash));
    active.version = Set(user.version + 1);
    active.updated_at = Set(Utc::now());
    active.update(&txn).await?;
    let ended = session::Entity::delete_many().filter(session::Column::UserId.eq(user.id)).exec(&txn).await?;
    one_time::invalidate(&txn, Purpose::PasswordReset, Some(user.id)).await?;
    let who = AuditActor { user_id: Some(user.id), label: user.email.clone(), origin: origin.clone() };
    let change = Change {
        org_id: None,
        action: "user.password_reset",
        target_type: "user",
        target_id: Some(user.id.to_string()),
        before: None,
        after: Some(serde_json::json!({ "sessions_ended": ended.rows_affected })),
    };
    audit::record(&txn, &who, change).await?;
    txn.commit().await?;
    throttle.success(&ThrottleKey::account(&user.email)).await;
    Ok(user.email)
}

fn link_invalid() -> DomainError {
    DomainError::LinkUnusable {
        code: "link_invalid",
        message: "This link is not valid. Check that you copied all of it.".into(),
    }
}
