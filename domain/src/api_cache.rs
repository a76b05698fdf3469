//! Purging an API's cached responses. The gateways key every cached response by the API's
//! purge generation (`ApiSpec::cache_generation`), so a purge raises it and pushes the
//! new configuration: every gateway of every environment the API runs in stops serving
//! the older entries as soon as it applies the push (the entries then expire on their own).

use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set, TransactionSession};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::apis::{deployed_environments, find_for_publisher};
use crate::audit::{self, Change};
use crate::entities::environment;
use crate::{Actor, Db, DomainResult, Permission, environments};

/// The outcome of a purge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CachePurge {
    /// The API's purge generation now.
    pub generation: i64,
    /// Environments whose gateways were told (where the API is deployed).
    pub environments: Vec<String>,
}

/// Drops every response cached for an API on every gateway (`apis_deploy`: it changes
/// what live traffic gets).
pub async fn purge(db: &impl Db, actor: &Actor, api_id: Uuid) -> DomainResult<CachePurge> {
    let txn = db.begin_write().await?;
    let api = find_for_publisher(&txn, actor, api_id, Permission::ApisDeploy).await?;
    let (org_id, generation) = (api.org_id, api.cache_generation + 1);
    let mut row = api.into_active_model();
    row.cache_generation = Set(generation);
    row.update(&txn).await?;
    let ids = deployed_environments(&txn, &[api_id]).await?;
    environments::bump(&txn, ids.iter().copied()).await?;
    let mut names: Vec<String> = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(env) = environment::Entity::find_by_id(id).one(&txn).await? {
            names.push(env.name);
        }
    }
    names.sort();
    let purge = CachePurge { generation, environments: names };
    let change = Change {
        org_id: Some(org_id),
        action: "api.cache_purge",
        target_type: "api",
        target_id: Some(api_id.to_string()),
        before: None,
        after: audit::snapshot(&purge),
    };
    audit::record(&txn, &actor.into(), change).await?;
    txn.commit().await?;
    Ok(purge)
}
