//! The publishing flow in the domain, against a real database: import an OpenAPI document,
//! revise, deploy, publish; an application subscribes and gets a key; the environment's
//! snapshot compiles at the gateway and knows the key. Collisions, lifecycle rules, key
//! rotation and tenant scoping are checked on the way.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use domain::api_definition::ApiDefinition;
use domain::apis::{self, NewApi, Visibility};
use domain::lifecycle::ApiState;
use domain::{DomainError, Role, api_keys, applications, deployments, environments, snapshots};
use gateway::spec::{EndpointSpec, SubscriptionState};

const SPEC: &str = r#"{
  "openapi": "3.0.3",
  "info": { "title": "Pets", "version": "1.0.0", "description": "Pets for everyone" },
  "paths": {
    "/pets": { "get": { "responses": { "200": { "description": "ok" } }, "security": [] } },
    "/pets/{id}": {
      "parameters": [{ "name": "id", "in": "path", "required": true, "schema": { "type": "string" } }],
      "get": { "responses": { "200": { "description": "ok" } }, "security": [{ "key": [] }] }
    }
  },
  "components": { "securitySchemes": { "key": { "type": "apiKey", "in": "header", "name": "X-API-Key" } } }
}"#;

fn new_api(org: uuid::Uuid, context: &str, version: &str) -> NewApi {
    let mut definition = ApiDefinition::default();
    definition.production.endpoints.push(EndpointSpec { url: "http://127.0.0.1:9".into(), weight: 1 });
    NewApi {
        org_id: org,
        name: String::new(),
        context: context.into(),
        version: version.into(),
        description: String::new(),
        tags: vec!["Animals".into()],
        visibility: Visibility::Public,
        visible_roles: Vec::new(),
        definition,
        openapi: None,
    }
}

#[tokio::test]
async fn import_deploy_publish_subscribe_and_the_snapshot_serves_the_key() {
    let w = support::world("publishing_flow").await;
    let db = &w.db.conn;
    let acme = w.org("acme").await;
    let publisher = w.member("pub@acme.test", acme.id, Role::Publisher).await;
    let consumer = w.member("dev@acme.test", acme.id, Role::Consumer).await;

    let spec = domain::openapi::import(SPEC.as_bytes()).unwrap();
    let api = apis::create_from_spec(db, &publisher, new_api(acme.id, "/pets/", "v1"), spec).await.unwrap();
    assert_eq!((api.name.as_str(), api.context.as_str(), api.state), ("Pets", "/pets", ApiState::Created));
    assert_eq!(api.definition.operations.len(), 2);
    assert_eq!(api.tags, vec!["animals"]);

    let refused = apis::create(db, &consumer, new_api(acme.id, "/x", "v1")).await.unwrap_err();
    assert!(matches!(refused, DomainError::NotFound(_)), "consumers do not publish");
    let mut duplicate = new_api(acme.id, "/pets", "v1");
    duplicate.name = "Copy".into();
    let duplicate = apis::create(db, &publisher, duplicate).await.unwrap_err();
    assert!(matches!(duplicate, DomainError::Conflict { code: "api_exists", .. }));

    let revision = deployments::create_revision(db, &publisher, api.id, "first").await.unwrap();
    assert_eq!(revision.number, 1);
    let sandbox = deployments::deploy(db, &publisher, api.id, revision.id, "sandbox").await.unwrap_err();
    assert!(
        matches!(sandbox, DomainError::Invalid(ref e) if e[0].field == "definition.sandbox.endpoints"),
        "{sandbox:?}"
    );
    let before = environments::by_name(db, "production").await.unwrap().config_version;
    deployments::deploy(db, &publisher, api.id, revision.id, "production").await.unwrap();
    assert!(environments::by_name(db, "production").await.unwrap().config_version > before, "deploys bump the version");
    let snapshot = snapshots::build_named(db, "production").await.unwrap();
    assert!(snapshot.apis.is_empty(), "a created API is not routed");

    apis::transition(db, &publisher, api.id, ApiState::Published, "ready").await.unwrap();
    let app = applications::create(
        db,
        &consumer,
        applications::NewApplication {
            org_id: acme.id,
            name: "My app".into(),
            description: String::new(),
            shared: false,
            tier: None,
        },
    )
    .await
    .unwrap();
    applications::subscribe(db, &consumer, app.id, api.id, "Gold").await.unwrap();
    let key = api_keys::create(
        db,
        &consumer,
        app.id,
        api_keys::NewKey { environment: "production".into(), expires_in_days: None },
    )
    .await
    .unwrap();
    assert!(key.secret.starts_with("pk_live_") && key.key.prefix.starts_with("pk_live_"));
    assert!(key.secret.ends_with(&key.key.last_four));

    let snapshot = snapshots::build_named(db, "production").await.unwrap();
    assert_eq!(snapshot.apis.len(), 1);
    let config = gateway::Config::compile(&snapshot).unwrap();
    let entry = config.credentials.find(key.secret.as_bytes()).expect("the gateway knows the key");
    assert_eq!(entry.application.subscription(0), Some(SubscriptionState::Active));
    let tier = entry.application.subscription_to(0).and_then(|s| s.tier.clone()).expect("the subscription's tier");
    assert_eq!(tier.rate.as_ref().map(|r| r.rate.limit), Some(5000), "the seeded Gold tier is enforced");
    let gold = domain::tiers::list(db).await.unwrap().into_iter().find(|t| t.name == "Gold").unwrap();
    let in_use = domain::tiers::delete(db, &w.root, gold.id).await.unwrap_err();
    assert!(matches!(in_use, DomainError::Conflict { code: "tier_in_use", .. }), "{in_use:?}");
    assert_eq!(
        gateway::config::hash(&snapshot),
        gateway::config::hash(&snapshots::build_named(db, "production").await.unwrap())
    );
    let sandbox = snapshots::build_named(db, "sandbox").await.unwrap();
    assert!(sandbox.apis.is_empty() && sandbox.applications.is_empty());
    // An application tier: one limit across all the application's APIs.
    let unknown = applications::set_tier(db, &consumer, app.id, Some("Mythril".into())).await.unwrap_err();
    assert!(matches!(unknown, DomainError::Invalid(ref e) if e[0].field == "tier"), "{unknown:?}");
    applications::set_tier(db, &consumer, app.id, Some("Silver".into())).await.unwrap();
    let config = gateway::Config::compile(&snapshots::build_named(db, "production").await.unwrap()).unwrap();
    let entry = config.credentials.find(key.secret.as_bytes()).unwrap();
    let tier = entry.application.tier.clone().expect("the application tier reaches the gateway");
    assert_eq!(tier.rate.as_ref().map(|r| r.rate.limit), Some(2000));

    // Rotation with a grace period: both keys work until it ends.
    let rotated = api_keys::rotate(db, &consumer, key.key.id, 24).await.unwrap();
    let snapshot = snapshots::build_named(db, "production").await.unwrap();
    let config = gateway::Config::compile(&snapshot).unwrap();
    assert!(config.credentials.find(key.secret.as_bytes()).unwrap().expires_at.is_some());
    assert!(config.credentials.find(rotated.secret.as_bytes()).is_some());
    api_keys::revoke(db, &consumer, key.key.id).await.unwrap();
    let config = gateway::Config::compile(&snapshots::build_named(db, "production").await.unwrap()).unwrap();
    assert!(config.credentials.find(key.secret.as_bytes()).is_none(), "revoked keys leave the snapshot");

    // The publisher sees and blocks the subscription; the gateway gets it blocked.
    let subscribers = applications::subscribers(db, &publisher, api.id).await.unwrap();
    assert_eq!(subscribers.len(), 1);
    applications::set_blocked(db, &publisher, subscribers[0].id, true).await.unwrap();
    let config = gateway::Config::compile(&snapshots::build_named(db, "production").await.unwrap()).unwrap();
    let entry = config.credentials.find(rotated.secret.as_bytes()).unwrap();
    assert_eq!(entry.application.subscription(0), Some(SubscriptionState::Blocked));
}

#[tokio::test]
async fn collisions_lifecycle_rules_and_tenancy() {
    let w = support::world("publishing_rules").await;
    let db = &w.db.conn;
    let (acme, other) = (w.org("acme").await, w.org("other").await);
    let publisher = w.member("pub@acme.test", acme.id, Role::Publisher).await;
    let stranger = w.member("pub@other.test", other.id, Role::Publisher).await;

    let mut first = new_api(acme.id, "/pets", "v1");
    first.name = "Pets".into();
    first.definition.operations.push(gateway::spec::OperationSpec {
        method: "GET".into(),
        path: "/pets".into(),
        auth: None,
        scopes: Vec::new(),
        rate_limits: Vec::new(),
        cache: None,
    });
    let first = apis::create(db, &publisher, first).await.unwrap();
    let revision = deployments::create_revision(db, &publisher, first.id, "").await.unwrap();
    deployments::deploy(db, &publisher, first.id, revision.id, "production").await.unwrap();
    apis::transition(db, &publisher, first.id, ApiState::Published, "go").await.unwrap();

    let mut clash = new_api(other.id, "/pets/v1", "pets");
    clash.name = "Clash".into();
    let clash = apis::create(db, &stranger, clash).await.unwrap();
    let revision = deployments::create_revision(db, &stranger, clash.id, "").await.unwrap();
    let refused = deployments::deploy(db, &stranger, clash.id, revision.id, "production").await.unwrap_err();
    match refused {
        DomainError::Conflict { code: "route_collision", message } => {
            assert!(message.contains("Pets (/pets v1)"), "{message}")
        }
        other => panic!("expected a collision, got {other:?}"),
    }

    assert!(
        matches!(apis::get(db, &stranger, first.id).await, Err(DomainError::NotFound(_))),
        "other tenants see nothing"
    );
    let foreign = deployments::undeploy(db, &stranger, first.id, "production").await.unwrap_err();
    assert!(matches!(foreign, DomainError::NotFound(_)));

    let invalid = apis::transition(db, &publisher, first.id, ApiState::Retired, "skip").await.unwrap_err();
    assert!(matches!(invalid, DomainError::Conflict { code: "invalid_transition", .. }));
    apis::transition(db, &publisher, first.id, ApiState::Blocked, "abuse").await.unwrap();
    let snapshot = snapshots::build_named(db, "production").await.unwrap();
    assert_eq!(snapshot.apis[0].state, gateway::spec::ApiState::Blocked);
    apis::transition(db, &publisher, first.id, ApiState::Deprecated, "v2 is out").await.unwrap();
    apis::transition(db, &publisher, first.id, ApiState::Retired, "gone").await.unwrap();
    assert!(snapshots::build_named(db, "production").await.unwrap().apis.is_empty());
    assert!(
        deployments::deployments(db, &publisher, first.id).await.unwrap().is_empty(),
        "retired APIs are undeployed"
    );
    let history = apis::history(db, &publisher, first.id).await.unwrap();
    let states: Vec<ApiState> = history.iter().map(|e| e.to).collect();
    use ApiState::*;
    assert_eq!(states, vec![Created, Published, Blocked, Deprecated, Retired]);
    assert_eq!(history[2].reason, "abuse");

    let v2 = apis::new_version(db, &publisher, first.id, "v2").await.unwrap();
    assert_eq!((v2.version.as_str(), v2.state, v2.context.as_str()), ("v2", Created, "/pets"));
    let v2 = apis::set_default_version(db, &publisher, v2.id).await.unwrap();
    assert!(v2.is_default_version && !apis::get(db, &publisher, first.id).await.unwrap().is_default_version);
}

#[tokio::test]
async fn caching_reaches_the_snapshot_and_a_purge_raises_the_generation_everywhere_it_runs() {
    use domain::api_definition::CacheSpec;
    let w = support::world("publishing_cache").await;
    let db = &w.db.conn;
    let acme = w.org("acme").await;
    let publisher = w.member("pub@acme.test", acme.id, Role::Publisher).await;
    let consumer = w.member("dev@acme.test", acme.id, Role::Consumer).await;

    let mut bad = new_api(acme.id, "/cached", "v1");
    bad.name = "Cached".into();
    bad.definition.cache = Some(CacheSpec::ttl(604_801));
    let refused = apis::create(db, &publisher, bad).await.unwrap_err();
    assert!(
        matches!(refused, DomainError::Invalid(ref e) if e[0].field == "definition.cache.ttl_secs"),
        "a TTL out of range is a field error: {refused:?}"
    );
    let mut cached = new_api(acme.id, "/cached", "v1");
    cached.name = "Cached".into();
    cached.definition.cache = Some(CacheSpec::ttl(60));
    let api = apis::create(db, &publisher, cached).await.unwrap();
    let revision = deployments::create_revision(db, &publisher, api.id, "cached").await.unwrap();
    deployments::deploy(db, &publisher, api.id, revision.id, "production").await.unwrap();
    apis::transition(db, &publisher, api.id, ApiState::Published, "ready").await.unwrap();
    let snapshot = snapshots::build_named(db, "production").await.unwrap();
    assert_eq!(snapshot.apis[0].cache.as_ref().map(|c| c.ttl_secs), Some(60));
    assert_eq!(snapshot.apis[0].cache_generation, 0);

    let refused = domain::api_cache::purge(db, &consumer, api.id).await.unwrap_err();
    assert!(matches!(refused, DomainError::NotFound(_) | DomainError::Forbidden), "{refused:?}");
    let before = environments::by_name(db, "production").await.unwrap().config_version;
    let purged = domain::api_cache::purge(db, &publisher, api.id).await.unwrap();
    assert_eq!((purged.generation, purged.environments), (1, vec!["production".to_owned()]));
    assert!(environments::by_name(db, "production").await.unwrap().config_version > before, "pushed to gateways");
    let snapshot = snapshots::build_named(db, "production").await.unwrap();
    assert_eq!(snapshot.apis[0].cache_generation, 1);
    gateway::Config::compile(&snapshot).unwrap();
}
