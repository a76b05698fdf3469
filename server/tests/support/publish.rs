//! Publishing through the domain as a publisher would: an API with one production
//! endpoint, revised, deployed to production, published, made the default version; an
//! application subscribed to it with a production key.
#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)]

use domain::actor::RequestOrigin;
use domain::api_definition::ApiDefinition;
use domain::apis::{NewApi, Visibility};
use domain::audit::AuditActor;
use domain::lifecycle::ApiState;
use domain::{Actor, api_keys, apis, applications, deployments, entities::user, sessions, setup};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

/// What was published.
pub struct Published {
    pub actor: Actor,
    pub api_id: uuid::Uuid,
    pub app_id: uuid::Uuid,
    pub key: String,
}

/// The platform administrator `root@example.com` (created if missing) and the default org.
pub async fn admin(db: &DatabaseConnection) -> (Actor, uuid::Uuid) {
    let org = domain::orgs::ensure_default(db).await.unwrap();
    let email = "root@example.com";
    let existing = user::Entity::find().filter(user::Column::Email.eq(email)).one(db).await.unwrap();
    let row = match existing {
        Some(row) => row,
        None => {
            let system = AuditActor::system("test");
            let created =
                setup::create_platform_admin(db, email, "Root", "correct horse battery", &system).await.unwrap();
            user::Entity::find_by_id(created.id).one(db).await.unwrap().unwrap()
        }
    };
    (sessions::load_actor(db, row, RequestOrigin::default()).await.unwrap(), org.id)
}

/// Publishes `/{context}/v1` (default version) in front of `upstream` with a key.
pub async fn publish(db: &DatabaseConnection, context: &str, upstream: &str) -> Published {
    let (actor, org) = admin(db).await;
    let mut definition = ApiDefinition::default();
    definition.production.endpoints.push(gateway::spec::EndpointSpec { url: upstream.into(), weight: 1 });
    let input = NewApi {
        org_id: org,
        name: "Bench".into(),
        context: context.into(),
        version: "v1".into(),
        description: String::new(),
        tags: Vec::new(),
        visibility: Visibility::Public,
        visible_roles: Vec::new(),
        definition,
        openapi: None,
    };
    let api = apis::create(db, &actor, input).await.unwrap();
    apis::set_default_version(db, &actor, api.id).await.unwrap();
    let revision = deployments::create_revision(db, &actor, api.id, "").await.unwrap();
    deployments::deploy(db, &actor, api.id, revision.id, "production").await.unwrap();
    apis::transition(db, &actor, api.id, ApiState::Published, "").await.unwrap();
    let app = applications::NewApplication {
        org_id: org,
        name: "App".into(),
        description: String::new(),
        shared: false,
        tier: None,
    };
    let app = applications::create(db, &actor, app).await.unwrap();
    applications::subscribe(db, &actor, app.id, api.id, "Unlimited").await.unwrap();
    let key = api_keys::NewKey { environment: "production".into(), expires_in_days: None };
    let key = api_keys::create(db, &actor, app.id, key).await.unwrap();
    Published { actor, api_id: api.id, app_id: app.id, key: key.secret }
}
