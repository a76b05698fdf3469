//! Building an environment's gateway snapshot from the database: every API deployed there
//! in a routed state (with the definition of its deployed revision) and every application
//! subscribed to one of them, with its keys for this environment (as SHA-256). The
//! snapshot is versioned by the environment's `config_version` and in canonical order, so
//! its hash is stable. The same build, with one deployment swapped, checks a deploy
//! before it is accepted (the gateway's own compile step: collisions name the other API).

use std::collections::{BTreeMap, HashMap};

use gateway::spec::{ApplicationSpec, KeySpec, Snapshot, SubscriptionSpec, SubscriptionState};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::api_definition::{ApiDefinition, Routing};
use crate::entities::{api, api_key, api_revision, application, deployment, environment, subscription};
use crate::lifecycle::ApiState;
use crate::{Db, DomainError, DomainResult};

mod identity;

/// The snapshot of `env` as the database has it now.
pub async fn build(db: &impl Db, env: &environment::Model) -> DomainResult<Snapshot> {
    build_with(db, env, None).await
}

/// The snapshot of the environment called `name` (for `portico export`).
pub async fn build_named(db: &impl Db, name: &str) -> DomainResult<Snapshot> {
    let env = crate::environments::by_name(db, name).await?;
    build(db, &env).await
}

/// Checks that `env`'s snapshot compiles, optionally with `api` running `revision` there
/// (and counted as routed even if not published yet, so that collisions are found at
/// deploy time). A failure is a `route_collision` / `invalid_deployment` conflict.
pub(crate) async fn check_with(
    db: &impl Db,
    env: &environment::Model,
    candidate: Option<(Uuid, Uuid)>,
) -> DomainResult<()> {
    let snapshot = build_with(db, env, candidate).await?;
    gateway::Config::compile(&snapshot).map(|_| ()).map_err(|error| {
        let code = if error.message.contains("collides") { "route_collision" } else { "invalid_deployment" };
        DomainError::Conflict { code, message: format!("{} cannot take this deployment: {}", env.name, error.message) }
    })
}

async fn build_with(db: &impl Db, env: &environment::Model, candidate: Option<(Uuid, Uuid)>) -> DomainResult<Snapshot> {
    let mut deployed: HashMap<Uuid, Uuid> = deployment::Entity::find()
        .filter(deployment::Column::EnvironmentId.eq(env.id))
        .all(db)
        .await?
        .into_iter()
        .map(|d| (d.api_id, d.revision_id))
        .collect();
    if let Some((api_id, revision_id)) = candidate {
        deployed.insert(api_id, revision_id);
    }
    let api_ids: Vec<Uuid> = deployed.keys().copied().collect();
    let apis = api::Entity::find().filter(api::Column::Id.is_in(api_ids.clone())).all(db).await?;
    let revisions: HashMap<Uuid, api_revision::Model> = api_revision::Entity::find()
        .filter(api_revision::Column::Id.is_in(deployed.values().copied().collect::<Vec<_>>()))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r))
        .collect();
    let mut snapshot =
        Snapshot { environment: Some(env.name.clone()), version: env.config_version as u64, ..Default::default() };
    let mut routed = Vec::new();
    for api in &apis {
        let state = ApiState::parse(&api.state);
        let at_gateway = match (state.at_gateway(), candidate) {
            (Some(state), _) => state,
            (None, Some((id, _))) if id == api.id && state != ApiState::Retired => gateway::spec::ApiState::Published,
            (None, _) => continue,
        };
        let Some(revision) = deployed.get(&api.id).and_then(|r| revisions.get(r)) else { continue };
        let definition: ApiDefinition =
            serde_json::from_value(revision.definition.clone()).map_err(|e| DomainError::Internal(e.to_string()))?;
        let routing = Routing {
            id: api.id.to_string(),
            name: &api.name,
            context: &api.context,
            version: &api.api_version,
            default_version: api.is_default_version,
            state: at_gateway,
            cache_generation: u64::try_from(api.cache_generation).unwrap_or(0),
        };
        snapshot.apis.push(definition.to_spec(routing, &env.name));
        routed.push(api.id);
    }
    let (applications, identity) = applications(db, &routed, &env.name).await?;
    snapshot.applications = applications;
    snapshot.issuers = identity.issuers;
    snapshot.revoked_tokens = identity.revoked;
    snapshot.tiers = crate::tiers::specs(db).await?;
    snapshot.canonicalize();
    Ok(snapshot)
}

/// Applications subscribed to any of `apis`, with their keys, OAuth2 clients and basic
/// credentials for `environment`, and the environment's identity settings.
async fn applications(
    db: &impl Db,
    apis: &[Uuid],
    environment: &str,
) -> DomainResult<(Vec<ApplicationSpec>, identity::Identity)> {
    let subscriptions =
        subscription::Entity::find().filter(subscription::Column::ApiId.is_in(apis.to_vec())).all(db).await?;
    let mut by_app: BTreeMap<Uuid, Vec<SubscriptionSpec>> = BTreeMap::new();
    for s in subscriptions {
        let state = if s.state == "blocked" { SubscriptionState::Blocked } else { SubscriptionState::Active };
        by_app.entry(s.application_id).or_default().push(SubscriptionSpec {
            api: s.api_id.to_string(),
            state,
            tier: Some(s.tier),
        });
    }
    let app_ids: Vec<Uuid> = by_app.keys().copied().collect();
    let mut identity = identity::build(db, environment, &app_ids).await?;
    let apps: HashMap<Uuid, application::Model> = application::Entity::find()
        .filter(application::Column::Id.is_in(app_ids.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let mut keys: HashMap<Uuid, Vec<KeySpec>> = HashMap::new();
    let now = chrono::Utc::now();
    for key in api_key::Entity::find()
        .filter(api_key::Column::ApplicationId.is_in(app_ids))
        .filter(api_key::Column::Environment.eq(environment))
        .filter(api_key::Column::RevokedAt.is_null())
        .all(db)
        .await?
    {
        if key.expires_at.is_some_and(|at| at <= now) {
            continue;
        }
        keys.entry(key.application_id).or_default().push(KeySpec {
            id: Some(key.id.to_string()),
            sha256: Some(key.key_hash),
            key: None,
            expires_at: key.expires_at,
        });
    }
    let specs = by_app
        .into_iter()
        .map(|(id, mut subscriptions)| {
            subscriptions.sort_by(|a, b| a.api.cmp(&b.api));
            let mut app_keys = keys.remove(&id).unwrap_or_default();
            app_keys.sort_by(|a, b| a.id.cmp(&b.id));
            ApplicationSpec {
                id: id.to_string(),
                name: apps.get(&id).map(|a| a.name.clone()).unwrap_or_default(),
                tier: apps.get(&id).and_then(|a| a.tier.clone()),
                keys: app_keys,
                subscriptions,
                oauth_clients: identity.clients.remove(&id).unwrap_or_default(),
                basic_auth: identity.basic.remove(&id).unwrap_or_default(),
            }
        })
        .collect();
    Ok((specs, identity))
}
