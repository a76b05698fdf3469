//! Shared fixtures for the domain tests: a fresh database and ready-made users.
#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)]

use domain::actor::RequestOrigin;
use domain::audit::AuditActor;
use domain::entities::user;
use domain::orgs::{self, NewOrg, OrgKind};
use domain::{Actor, Role, sessions, setup, users};
use migrations::testkit::{TestDatabase, fresh_database};
use sea_orm::EntityTrait;

pub const PASSWORD: &str = "correct horse battery";

pub struct World {
    pub db: TestDatabase,
    pub root: Actor,
}

pub async fn world(test: &str) -> World {
    let db = fresh_database(test).await;
    let admin =
        setup::create_platform_admin(&db.conn, "root@example.com", "Root", PASSWORD, &AuditActor::system("test"))
            .await
            .expect("admin");
    let root = actor(&db, admin.id).await;
    World { db, root }
}

pub async fn actor(db: &TestDatabase, id: uuid::Uuid) -> Actor {
    let model = user::Entity::find_by_id(id).one(&db.conn).await.expect("query").expect("user");
    sessions::load_actor(&db.conn, model, RequestOrigin::default()).await.expect("actor")
}

impl World {
    pub async fn org(&self, slug: &str) -> orgs::OrgView {
        orgs::create(
            &self.db.conn,
            &self.root,
            NewOrg { slug: slug.into(), name: slug.into(), kind: OrgKind::Provider, require_approval: false },
        )
        .await
        .expect("org")
    }

    pub async fn member(&self, email: &str, org: uuid::Uuid, role: Role) -> Actor {
        let input = users::NewUser {
            email: email.into(),
            display_name: email.into(),
            password: PASSWORD.into(),
            org_id: Some(org),
            role: Some(role),
            is_platform_admin: false,
        };
        let user = users::create(&self.db.conn, &self.root, input).await.expect("user");
        actor(&self.db, user.id).await
    }
}
