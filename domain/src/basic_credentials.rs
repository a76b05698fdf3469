//! Basic-authentication credentials of applications: a username (unique per environment)
//! and a password the consumer chooses, stored as argon2id (human-chosen, so a slow
//! hash), for APIs whose operations use `basic` authentication. Gateways get the hash
//! and cache verified credentials briefly, so no slow hash runs per request.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionSession};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::applications::find_with_keys;
use crate::audit::{self, Change};
use crate::entities::basic_credential;
use crate::{Actor, Db, DomainError, DomainResult, environments, passwords};

/// A credential as lists show it (never the password or its hash).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BasicCredentialView {
    pub id: Uuid,
    pub application_id: Uuid,
    pub environment: String,
    pub username: String,
    pub created_at: DateTime<Utc>,
}

impl From<basic_credential::Model> for BasicCredentialView {
    fn from(m: basic_credential::Model) -> Self {
        Self {
            id: m.id,
            application_id: m.application_id,
            environment: m.environment,
            username: m.username,
            created_at: m.created_at,
        }
    }
}

/// Input to create a credential.
#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct NewBasicCredential {
    /// The environment it works in.
    pub environment: String,
    /// 3–64 characters of letters, digits, `.`, `_`, `-` or `@`; unique in the environment.
    pub username: String,
    /// At least 12 characters.
    pub password: String,
}

/// Creates a credential for an application the caller may use.
pub async fn create(
    db: &impl Db,
    actor: &Actor,
    app_id: Uuid,
    input: NewBasicCredential,
) -> DomainResult<BasicCredentialView> {
    find_with_keys(db, actor, app_id).await?;
    let username = input.username.trim().to_owned();
    let valid = (3..=64).contains(&username.len())
        && username.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'));
    let mut errors = Vec::new();
    if !valid {
        let message = "3–64 letters, digits, dots, dashes, underscores or @.";
        errors.push(crate::FieldError::new("username", "invalid_username", message));
    }
    if let Err(mut error) = passwords::validate("password", &input.password, &username) {
        if error.code == "contains_email" {
            error =
                crate::FieldError::new("password", "contains_username", "The password may not contain the username.");
        }
        errors.push(error);
    }
    if !errors.is_empty() {
        return Err(DomainError::Invalid(errors));
    }
    let hash = passwords::hash(input.password).await?;
    let txn = db.begin_write().await?;
    let app = find_with_keys(&txn, actor, app_id).await?;
    let env = environments::by_name(&txn, &input.environment)
        .await
        .map_err(|_| DomainError::field("environment", "unknown_environment", "Choose an existing environment."))?;
    let row = basic_credential::ActiveModel {
        id: Set(Uuid::now_v7()),
        org_id: Set(app.org_id),
        application_id: Set(app.id),
        environment: Set(env.name.clone()),
        username: Set(username),
        password_hash: Set(hash),
        created_by: Set(Some(actor.user_id)),
        created_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await
    .map_err(|e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => {
            DomainError::field("username", "username_taken", "This username is taken in this environment.")
        }
        _ => DomainError::Database(e),
    })?;
    environments::bump(&txn, [env.id]).await?;
    let view = BasicCredentialView::from(row);
    record(&txn, actor, app.org_id, "basic_credential.create", Some(&view), None).await?;
    txn.commit().await?;
    Ok(view)
}

/// The application's credentials.
pub async fn list(db: &impl Db, actor: &Actor, app_id: Uuid) -> DomainResult<Vec<BasicCredentialView>> {
    let app = find_with_keys(db, actor, app_id).await?;
    let rows = basic_credential::Entity::find()
        .filter(basic_credential::Column::ApplicationId.eq(app.id))
        .order_by_asc(basic_credential::Column::Username)
        .all(db)
        .await?;
    Ok(rows.into_iter().map(BasicCredentialView::from).collect())
}

/// Deletes a credential; gateways refuse it from their next configuration.
pub async fn delete(db: &impl Db, actor: &Actor, id: Uuid) -> DomainResult<()> {
    let txn = db.begin_write().await?;
    let row = basic_credential::Entity::find_by_id(id).one(&txn).await?.ok_or(DomainError::NotFound("credential"))?;
    let app = find_with_keys(&txn, actor, row.application_id).await.map_err(|_| DomainError::NotFound("credential"))?;
    basic_credential::Entity::delete_by_id(id).exec(&txn).await?;
    environments::bump(&txn, [environments::by_name(&txn, &row.environment).await?.id]).await?;
    record(&txn, actor, app.org_id, "basic_credential.delete", None, Some(&row.into())).await?;
    txn.commit().await?;
    Ok(())
}

async fn record(
    db: &impl Db,
    actor: &Actor,
    org: Uuid,
    action: &str,
    after: Option<&BasicCredentialView>,
    before: Option<&BasicCredentialView>,
) -> DomainResult<()> {
    let change = Change {
        org_id: Some(org),
        action,
        target_type: "basic_credential",
        target_id: after.or(before).map(|v| v.id.to_string()),
        before: before.and_then(audit::snapshot),
        after: after.and_then(audit::snapshot),
    };
    audit::record(db, &actor.into(), change).await
}
