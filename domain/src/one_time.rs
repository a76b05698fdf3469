//! Single-use secrets behind e-mailed links (e-mail verification, password reset) and the first-admin
//! setup link: issued with a lifetime, stored hashed, consumed once.

use chrono::{Duration, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

use crate::entities::one_time_token;
use crate::secrets::{hash_token, random_token};
use crate::{Db, DomainError, DomainResult};

/// What a single-use token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Proves ownership of the account's e-mail address.
    VerifyEmail,
    /// Creates the first platform administrator.
    Setup,
    /// Sets a new password for an account whose owner forgot theirs.
    PasswordReset,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::VerifyEmail => "verify_email",
            Purpose::Setup => "setup",
            Purpose::PasswordReset => "password_reset",
        }
    }
}

/// Issues a token; returns the secret for the link.
pub async fn issue(db: &impl Db, purpose: Purpose, user_id: Option<Uuid>, lifetime: Duration) -> DomainResult<String> {
    let secret = random_token();
    let now = Utc::now();
    one_time_token::ActiveModel {
        id: Set(Uuid::now_v7()),
        purpose: Set(purpose.as_str().to_owned()),
        token_hash: Set(hash_token(&secret)),
        user_id: Set(user_id),
        created_at: Set(now),
        expires_at: Set(now + lifetime),
        used_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(secret)
}

/// Finds a usable token without consuming it (to show a form before acting).
pub async fn peek(db: &impl Db, purpose: Purpose, secret: &str) -> DomainResult<one_time_token::Model> {
    let row = one_time_token::Entity::find()
        .filter(one_time_token::Column::TokenHash.eq(hash_token(secret.trim())))
        .filter(one_time_token::Column::Purpose.eq(purpose.as_str()))
        .one(db)
        .await?
        .ok_or_else(|| unusable("link_invalid", "This link is not valid. Check that you copied all of it."))?;
    if row.used_at.is_some() {
        return Err(unusable("link_used", "This link has already been used."));
    }
    if row.expires_at <= Utc::now() {
        return Err(unusable("link_expired", "This link has expired. Ask for a new one."));
    }
    Ok(row)
}

/// Consumes a token: it is usable exactly once. Run inside the transaction of the change
/// the token authorises, so a failed change leaves the token usable.
pub async fn consume(db: &impl Db, purpose: Purpose, secret: &str) -> DomainResult<one_time_token::Model> {
    let row = peek(db, purpose, secret).await?;
    let result = one_time_token::Entity::update_many()
        .col_expr(one_time_token::Column::UsedAt, sea_orm::sea_query::Expr::value(Utc::now()))
        .filter(one_time_token::Column::Id.eq(row.id))
        .filter(one_time_token::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    if result.rows_affected == 0 {
        return Err(unusable("link_used", "This link has already been used."));
    }
    Ok(row)
}

/// Whether a token of `purpose` was issued for `user_id` after `since`.
pub async fn issued_since(
    db: &impl Db,
    purpose: Purpose,
    user_id: Uuid,
    since: chrono::DateTime<Utc>,
) -> DomainResult<bool> {
    use sea_orm::PaginatorTrait;
    Ok(one_time_token::Entity::find()
        .filter(one_time_token::Column::Purpose.eq(purpose.as_str()))
        .filter(one_time_token::Column::UserId.eq(user_id))
        .filter(one_time_token::Column::CreatedAt.gt(since))
        .count(db)
        .await?
        > 0)
}

/// Invalidates every unused token of a purpose (and user, if given).
pub async fn invalidate(db: &impl Db, purpose: Purpose, user_id: Option<Uuid>) -> DomainResult<()> {
    let mut delete = one_time_token::Entity::delete_many()
        .filter(one_time_token::Column::Purpose.eq(purpose.as_str()))
        .filter(one_time_token::Column::UsedAt.is_null());
    if let Some(user) = user_id {
        delete = delete.filter(one_time_token::Column::UserId.eq(user));
    }
    delete.exec(db).await?;
    Ok(())
}

fn unusable(code: &'static str, message: &str) -> DomainError {
    DomainError::LinkUnusable { code, message: message.to_owned() }
}
