//! Revisions and deployments: a revision is an immutable, numbered snapshot of an API's
//! runtime definition; deploying puts a revision in an environment (one per API and
//! environment; deploying an older one is a rollback); undeploying takes it out. A deploy
//! that would not compile at the gateway (e.g. its routes collide with another API's) is
//! refused, naming the other API.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionSession};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::api_definition::ApiDefinition;
use crate::apis::{ApiView, find_for_publisher};
use crate::audit::{self, Change};
use crate::entities::{api_revision as revision, deployment, environment};
use crate::lifecycle::ApiState;
use crate::{Actor, Db, DomainError, DomainResult, Permission, environments, snapshots};

/// A revision as listed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RevisionView {
    pub id: Uuid,
    pub api_id: Uuid,
    /// 1, 2, 3… per API.
    pub number: i32,
    pub description: String,
    pub created_at: DateTime<Utc>,
    /// Environments this revision runs in now.
    pub deployed_in: Vec<String>,
}

/// Where an API runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeploymentView {
    pub environment: String,
    pub revision_id: Uuid,
    pub revision_number: i32,
    pub deployed_at: DateTime<Utc>,
    pub deployed_by: Option<Uuid>,
}

/// Creates a revision from the API's current definition.
pub async fn create_revision(
    db: &impl Db,
    actor: &Actor,
    api_id: Uuid,
    description: &str,
) -> DomainResult<RevisionView> {
    let txn = db.begin_write().await?;
    let api = ApiView::from_row(find_for_publisher(&txn, actor, api_id, Permission::ApisDeploy).await?)?;
    if api.state == ApiState::Retired {
        return Err(DomainError::Conflict { code: "api_retired", message: "A retired API cannot change.".into() });
    }
    let last = revision::Entity::find()
        .filter(revision::Column::ApiId.eq(api_id))
        .order_by_desc(revision::Column::Number)
        .one(&txn)
        .await?;
    let row = revision::ActiveModel {
        id: Set(Uuid::now_v7()),
        api_id: Set(api_id),
        org_id: Set(api.org_id),
        number: Set(last.map_or(1, |r| r.number + 1)),
        description: Set(description.trim().chars().take(500).collect()),
        definition: Set(serde_json::to_value(&api.definition).map_err(|e| DomainError::Internal(e.to_string()))?),
        created_by: Set(Some(actor.user_id)),
        created_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await?;
    let view = RevisionView {
        id: row.id,
        api_id,
        number: row.number,
        description: row.description,
        created_at: row.created_at,
        deployed_in: Vec::new(),
    };
    record(&txn, actor, api.org_id, "api.revision.create", &view.id.to_string(), None, audit::snapshot(&view)).await?;
    txn.commit().await?;
    Ok(view)
}

/// The revisions of an API, newest first, with where each runs.
pub async fn revisions(db: &impl Db, actor: &Actor, api_id: Uuid) -> DomainResult<Vec<RevisionView>> {
    find_for_publisher(db, actor, api_id, Permission::ApisRead).await?;
    let rows = revision::Entity::find()
        .filter(revision::Column::ApiId.eq(api_id))
        .order_by_desc(revision::Column::Number)
        .all(db)
        .await?;
    let deployed = deployments(db, actor, api_id).await?;
    Ok(rows
        .into_iter()
        .map(|r| RevisionView {
            deployed_in: deployed.iter().filter(|d| d.revision_id == r.id).map(|d| d.environment.clone()).collect(),
            id: r.id,
            api_id,
            number: r.number,
            description: r.description,
            created_at: r.created_at,
        })
        .collect())
}

/// Where an API runs.
pub async fn deployments(db: &impl Db, actor: &Actor, api_id: Uuid) -> DomainResult<Vec<DeploymentView>> {
    find_for_publisher(db, actor, api_id, Permission::ApisRead).await?;
    let rows = deployment::Entity::find().filter(deployment::Column::ApiId.eq(api_id)).all(db).await?;
    let names: std::collections::HashMap<Uuid, String> =
        environment::Entity::find().all(db).await?.into_iter().map(|e| (e.id, e.name)).collect();
    let mut views = Vec::with_capacity(rows.len());
    for d in rows {
        let number = revision::Entity::find_by_id(d.revision_id).one(db).await?.map_or(0, |r| r.number);
        views.push(DeploymentView {
            environment: names.get(&d.environment_id).cloned().unwrap_or_default(),
            revision_id: d.revision_id,
            revision_number: number,
            deployed_at: d.deployed_at,
            deployed_by: d.deployed_by,
        });
    }
    views.sort_by(|a, b| a.environment.cmp(&b.environment));
    Ok(views)
}

/// Deploys a revision of an API to an environment (replacing what ran there: deploying
/// an older revision is a rollback).
pub async fn deploy(
    db: &impl Db,
    actor: &Actor,
    api_id: Uuid,
    revision_id: Uuid,
    env: &str,
) -> DomainResult<DeploymentView> {
    let txn = db.begin_write().await?;
    let api = ApiView::from_row(find_for_publisher(&txn, actor, api_id, Permission::ApisDeploy).await?)?;
    if api.state == ApiState::Retired {
        return Err(DomainError::Conflict { code: "api_retired", message: "A retired API cannot be deployed.".into() });
    }
    let environment = environments::by_name(&txn, env).await?;
    let revision = revision::Entity::find_by_id(revision_id)
        .filter(revision::Column::ApiId.eq(api_id))
        .one(&txn)
        .await?
        .ok_or(DomainError::NotFound("revision"))?;
    let definition: ApiDefinition =
        serde_json::from_value(revision.definition.clone()).map_err(|e| DomainError::Internal(e.to_string()))?;
    if definition.endpoints_for(env).endpoints.is_empty() {
        let kind = if env == crate::api_definition::SANDBOX { "sandbox" } else { "production" };
        return Err(DomainError::field(
            &format!("definition.{kind}.endpoints"),
            "required",
            format!("Add {kind} endpoints before deploying to {env}."),
        ));
    }
    snapshots::check_with(&txn, &environment, Some((api_id, revision.id))).await?;
    let existing = deployment::Entity::find()
        .filter(deployment::Column::ApiId.eq(api_id))
        .filter(deployment::Column::EnvironmentId.eq(environment.id))
        .one(&txn)
        .await?;
    let now = Utc::now();
    match existing {
        Some(row) => {
            let mut active: deployment::ActiveModel = row.into();
            active.revision_id = Set(revision.id);
            active.deployed_by = Set(Some(actor.user_id));
            active.deployed_at = Set(now);
            active.update(&txn).await?;
        }
        None => {
            deployment::ActiveModel {
                id: Set(Uuid::now_v7()),
                api_id: Set(api_id),
                org_id: Set(api.org_id),
                revision_id: Set(revision.id),
                environment_id: Set(environment.id),
                deployed_by: Set(Some(actor.user_id)),
                deployed_at: Set(now),
            }
            .insert(&txn)
            .await?;
        }
    }
    environments::bump(&txn, [environment.id]).await?;
    let view = DeploymentView {
        environment: environment.name,
        revision_id: revision.id,
        revision_number: revision.number,
        deployed_at: now,
        deployed_by: Some(actor.user_id),
    };
    record(&txn, actor, api.org_id, "api.deploy", &api_id.to_string(), None, audit::snapshot(&view)).await?;
    txn.commit().await?;
    Ok(view)
}

/// Takes an API out of an environment.
pub async fn undeploy(db: &impl Db, actor: &Actor, api_id: Uuid, env: &str) -> DomainResult<()> {
    let txn = db.begin_write().await?;
    let api = find_for_publisher(&txn, actor, api_id, Permission::ApisDeploy).await?;
    let environment = environments::by_name(&txn, env).await?;
    let removed = deployment::Entity::delete_many()
        .filter(deployment::Column::ApiId.eq(api_id))
        .filter(deployment::Column::EnvironmentId.eq(environment.id))
        .exec(&txn)
        .await?;
    if removed.rows_affected == 0 {
        return Err(DomainError::NotFound("deployment"));
    }
    environments::bump(&txn, [environment.id]).await?;
    let before = Some(serde_json::json!({ "environment": env }));
    record(&txn, actor, api.org_id, "api.undeploy", &api_id.to_string(), before, None).await?;
    txn.commit().await?;
    Ok(())
}

async fn record(
    db: &impl Db,
    actor: &Actor,
    org: Uuid,
    action: &str,
    target: &str,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> DomainResult<()> {
    let change =
        Change { org_id: Some(org), action, target_type: "api", target_id: Some(target.to_owned()), before, after };
    audit::record(db, &actor.into(), change).await
}
