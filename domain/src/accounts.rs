//! Self-service accounts: portal sign-up with e-mail verification (and, where the portal's
//! organization asks for it, an administrator's approval), and the signed-in user's own
//! profile and password.

use chrono::{Duration, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set, TransactionSession};
use serde::{Deserialize, Serialize};

use crate::actor::{AdminScope, RequestOrigin};
use crate::audit::{self, AuditActor, Change};
use crate::entities::{membership, organization, user};
use crate::mail::{self, templates};
use crate::one_time::{self, Purpose};
use crate::orgs::{self, DEFAULT_ORG_SLUG};
use crate::throttle::{LoginThrottle, ThrottleKey};
use crate::users::{self, UserStatus, UserView};
use crate::{Actor, Db, DomainError, DomainResult, Role, members, passwords, validate};

/// Least time between two verification mails to one account.
pub const RESEND_INTERVAL: Duration = Duration::minutes(1);
/// How long an e-mail verification link is valid.
pub const VERIFY_LINK_LIFETIME: Duration = Duration::hours(24);

/// Input of the portal's sign-up form.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct SignupInput {
    pub email: String,
    /// At least 12 characters.
    pub password: String,
    pub display_name: String,
    /// Slug of the provider organization whose portal the user signs up on (default
    /// `default`).
    pub portal: Option<String>,
}

/// Creates an account waiting for e-mail verification, with a personal organization
/// (the user is its org admin) and a `consumer` membership in the portal's provider
/// organization, and sends the verification link.
pub async fn signup(
    db: &impl Db,
    input: SignupInput,
    base_url: &str,
    origin: &RequestOrigin,
) -> DomainResult<UserView> {
    let email = validate::email("email", &input.email);
    let name = validate::name("display_name", &input.display_name);
    let password = passwords::validate("password", &input.password, &input.email);
    let (email, name) = match (email, name, password) {
        (Ok(email), Ok(name), Ok(())) => (email, name),
        (email, name, password) => return Err(validate::errors([email.err(), name.err(), password.err()])),
    };
    let portal_slug = input.portal.as_deref().unwrap_or(DEFAULT_ORG_SLUG);
    let portal = orgs::find_portal(db, portal_slug).await?.ok_or(DomainError::NotFound("portal"))?;
    if users::find_by_email(db, &email).await?.is_some() {
        return Err(email_taken());
    }
    let hash = passwords::hash(input.password).await?;
    let txn = db.begin_write().await?;
    let user =
        users::insert(&txn, &email, &name, Some(hash), UserStatus::PendingVerification, false).await.map_err(|e| {
            match e {
                DomainError::Conflict { .. } => email_taken(),
                other => other,
            }
        })?;
    let personal = orgs::insert_personal(&txn, &email, &name).await?;
    members::insert(&txn, personal.id, user.id, Role::OrgAdmin).await?;
    members::insert(&txn, portal.id, user.id, Role::Consumer).await?;
    send_verification(&txn, &user, base_url).await?;
    let view = users::views(&txn, vec![user.clone()], &AdminScope::All).await?.remove(0);
    // The portal's admins read this entry: they see the user with their portal membership only.
    let seen_by_portal = users::views(&txn, vec![user.clone()], &AdminScope::Orgs(vec![portal.id])).await?.remove(0);
    let who = AuditActor { user_id: Some(user.id), label: email, origin: origin.clone() };
    let change = Change {
        org_id: Some(portal.id),
        action: "user.signup",
        target_type: "user",
        target_id: Some(user.id.to_string()),
        before: None,
        after: audit::snapshot(&seen_by_portal),
    };
    audit::record(&txn, &who, change).await?;
    txn.commit().await?;
    Ok(view)
}

fn email_taken() -> DomainError {
    DomainError::Invalid(vec![crate::FieldError::new(
        "email",
        "email_taken",
        "An account with this e-mail address already exists. Sign in instead.",
    )])
}

async fn send_verification(db: &impl Db, user: &user::Model, base_url: &str) -> DomainResult<()> {
    let token = one_time::issue(db, Purpose::VerifyEmail, Some(user.id), VERIFY_LINK_LIFETIME).await?;
    let (subject, body) = templates::verify_email(base_url, &user.display_name, &token);
    mail::enqueue(db, &user.email, subject, body).await
}

/// The result of following a verification link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Verified {
    pub email: String,
    /// `active` (may sign in now) or `pending_approval`.
    pub status: String,
}

/// Verifies an e-mail address with the link's token. The account becomes active, or
/// waits for approval when a provider organization it signed up with requires it.
pub async fn verify_email(db: &impl Db, token: &str, origin: &RequestOrigin) -> DomainResult<Verified> {
    let txn = db.begin_write().await?;
    let row = one_time::consume(&txn, Purpose::VerifyEmail, token).await?;
    let user_id = row.user_id.ok_or(DomainError::Internal("verification token without user".into()))?;
    let user = user::Entity::find_by_id(user_id).one(&txn).await?.ok_or(DomainError::NotFound("user"))?;
    let needs_approval = membership::Entity::find()
        .filter(membership::Column::UserId.eq(user.id))
        .find_also_related(organization::Entity)
        .all(&txn)
        .await?
        .into_iter()
        .any(|(_, org)| org.is_some_and(|o| o.require_approval && o.kind == "provider"));
    let status = if user.status == UserStatus::PendingVerification.as_str() {
        if needs_approval { UserStatus::PendingApproval } else { UserStatus::Active }
    } else {
        return Err(DomainError::LinkUnusable {
            code: "link_used",
            message: "This address is already verified.".into(),
        });
    };
    let mut active: user::ActiveModel = user.clone().into();
    active.status = Set(status.as_str().to_owned());
    active.email_verified_at = Set(Some(Utc::now()));
    active.version = Set(user.version + 1);
    active.updated_at = Set(Utc::now());
    active.update(&txn).await?;
    let who = AuditActor { user_id: Some(user.id), label: user.email.clone(), origin: origin.clone() };
    let change = Change {
        org_id: None,
        action: "user.verify_email",
        target_type: "user",
        target_id: Some(user.id.to_string()),
        before: None,
        after: Some(serde_json::json!({ "status": status.as_str() })),
    };
    audit::record(&txn, &who, change).await?;
    txn.commit().await?;
    Ok(Verified { email: user.email, status: status.as_str().to_owned() })
}

/// Sends a fresh verification link if the address belongs to an unverified account and
/// none was sent in the last minute (no mail flooding). Answers the same either way, so
/// it does not reveal which addresses have accounts.
pub async fn resend_verification(db: &impl Db, email: &str, base_url: &str) -> DomainResult<()> {
    let Ok(email) = validate::email("email", email) else {
        return Err(DomainError::field("email", "invalid_email", "Enter a valid e-mail address."));
    };
    let Some(user) = users::find_by_email(db, &email).await? else { return Ok(()) };
    if user.status != UserStatus::PendingVerification.as_str()
        || one_time::issued_since(db, Purpose::VerifyEmail, user.id, Utc::now() - RESEND_INTERVAL).await?
    {
        return Ok(());
    }
    let txn = db.begin_write().await?;
    one_time::invalidate(&txn, Purpose::VerifyEmail, Some(user.id)).await?;
    send_verification(&txn, &user, base_url).await?;
    txn.commit().await?;
    Ok(())
}

/// The signed-in user's own account.
pub async fn me(db: &impl Db, actor: &Actor) -> DomainResult<UserView> {
    let user = user::Entity::find_by_id(actor.user_id).one(db).await?.ok_or(DomainError::Unauthenticated)?;
    Ok(users::views(db, vec![user], &AdminScope::All).await?.remove(0))
}

/// Changes to one's own account; absent fields stay.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ProfileUpdate {
    pub display_name: Option<String>,
    /// Required to set `new_password`.
    pub current_password: Option<String>,
    /// At least 12 characters. Other sessions are signed out.
    pub new_password: Option<String>,
}

/// Updates the signed-in user's display name and/or password. Checking the current
/// password counts as a sign-in attempt for the throttle, so a stolen session cannot be
/// used to guess it.
pub async fn update_me(
    db: &impl Db,
    throttle: &LoginThrottle,
    actor: &Actor,
    input: ProfileUpdate,
    keep_session: Option<uuid::Uuid>,
) -> DomainResult<UserView> {
    actor.require_own(crate::Permission::AccountManage)?;
    let user = user::Entity::find_by_id(actor.user_id).one(db).await?.ok_or(DomainError::Unauthenticated)?;
    let name = input
        .display_name
        .as_deref()
        .map(|n| validate::name("display_name", n))
        .transpose()
        .map_err(|e| DomainError::Invalid(vec![e]))?;
    let new_hash = match input.new_password {
        Some(new) => {
            passwords::validate("new_password", &new, &user.email).map_err(|e| DomainError::Invalid(vec![e]))?;
            let current = input.current_password.unwrap_or_default();
            let account = ThrottleKey::account(&user.email);
            throttle.attempt(&account).await.map_err(|retry_after| DomainError::Throttled { retry_after })?;
            if !passwords::verify(current, user.password_hash.clone()).await {
                return Err(DomainError::field("current_password", "incorrect", "The current password is incorrect."));
            }
            throttle.success(&account).await;
            Some(passwords::hash(new).await?)
        }
        None => None,
    };
    let txn = db.begin_write().await?;
    let before = users::views(&txn, vec![user.clone()], &AdminScope::All).await?.remove(0);
    let mut active: user::ActiveModel = user.clone().into();
    if let Some(name) = name {
        active.display_name = Set(name);
    }
    let password_changed = new_hash.is_some();
    if let Some(hash) = new_hash {
        active.password_hash = Set(Some(hash));
        let mut others = crate::entities::session::Entity::delete_many()
            .filter(crate::entities::session::Column::UserId.eq(user.id));
        if let Some(keep) = keep_session {
            others = others.filter(crate::entities::session::Column::Id.ne(keep));
        }
        others.exec(&txn).await?;
        one_time::invalidate(&txn, Purpose::PasswordReset, Some(user.id)).await?;
    }
    active.version = Set(user.version + 1);
    active.updated_at = Set(Utc::now());
    let updated = active.update(&txn).await?;
    let after = users::views(&txn, vec![updated], &AdminScope::All).await?.remove(0);
    let change = Change {
        org_id: None,
        action: if password_changed { "user.change_password" } else { "user.update_profile" },
        target_type: "user",
        target_id: Some(user.id.to_string()),
        before: audit::snapshot(&before),
        after: audit::snapshot(&after),
    };
    audit::record(&txn, &actor.into(), change).await?;
    txn.commit().await?;
    Ok(after)
}
