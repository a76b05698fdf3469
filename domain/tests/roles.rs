//! Custom roles and token scopes: roles are built from organization permissions, members
//! given one can do exactly that, nobody grants what they do not hold, a role in use
//! cannot be deleted, and a scoped token is limited to its scopes.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use domain::audit::{self, AuditFilter};
use domain::roles::{self, NewRole, RoleUpdate};
use domain::tokens::{self, NewToken};
use domain::{DomainError, PageRequest, Permission, Role, apis, members};

fn role(name: &str, permissions: &[Permission]) -> NewRole {
    NewRole { name: name.into(), description: format!("{name} role"), permissions: permissions.to_vec() }
}

#[tokio::test]
async fn custom_roles_grant_their_permissions_and_are_tenant_scoped() {
    let w = support::world("domain::roles::custom_roles_grant_their_permissions").await;
    let db = &w.db.conn;
    let (a, b) = (w.org("org-a").await, w.org("org-b").await);
    let admin_a = w.member("admin-a@example.com", a.id, Role::OrgAdmin).await;
    let auditor = w.member("auditor@example.com", a.id, Role::Consumer).await;

    let bad = roles::create(db, &admin_a, a.id, role("Gateway", &[Permission::GatewaysManage])).await.unwrap_err();
    assert!(matches!(bad, DomainError::Invalid(ref e) if e[0].field == "permissions"), "{bad:?}");
    let created = roles::create(db, &admin_a, a.id, role("Auditor", &[Permission::AuditRead])).await.unwrap();
    assert_eq!(created.permissions.names(), ["audit_read"]);
    let twice = roles::create(db, &admin_a, a.id, role("Auditor", &[Permission::AuditRead])).await.unwrap_err();
    assert!(matches!(twice, DomainError::Conflict { code: "role_exists", .. }));
    assert!(matches!(
        roles::create(db, &admin_a, b.id, role("Sneaky", &[Permission::AuditRead])).await,
        Err(DomainError::NotFound(_))
    ));
    assert!(matches!(roles::get(db, &admin_a, b.id, created.id).await, Err(DomainError::NotFound(_))));

    members::set_role(db, &admin_a, a.id, auditor.user_id, Role::Custom, Some(created.id)).await.unwrap();
    let auditor = support::actor(&w.db, auditor.user_id).await;
    assert_eq!(auditor.role_in(a.id), Some(Role::Custom));
    assert_eq!(audit::list(db, &auditor, &AuditFilter::default(), PageRequest::default()).await.unwrap().page, 1);
    assert!(matches!(members::list(db, &auditor, a.id, PageRequest::default()).await, Err(DomainError::Forbidden)));
    assert!(auditor.can(a.id, Permission::AuditRead) && !auditor.can(a.id, Permission::ApplicationsManage));

    let in_use = roles::delete(db, &admin_a, a.id, created.id).await.unwrap_err();
    assert!(matches!(in_use, DomainError::Conflict { code: "role_in_use", .. }), "{in_use:?}");
    let listed = roles::list(db, &admin_a, a.id, PageRequest::default()).await.unwrap();
    assert_eq!((listed.total, listed.items[0].members), (1, 1));

    let widened =
        RoleUpdate { permissions: Some(vec![Permission::AuditRead, Permission::ApisRead]), ..Default::default() };
    roles::update(db, &admin_a, a.id, created.id, widened, Some(created.version)).await.unwrap();
    let auditor = support::actor(&w.db, auditor.user_id).await;
    assert!(auditor.can(a.id, Permission::ApisRead), "a role's new permissions apply at the next request");
    let stale = RoleUpdate { name: Some("Late".into()), ..Default::default() };
    assert!(matches!(
        roles::update(db, &admin_a, a.id, created.id, stale, Some(created.version)).await,
        Err(DomainError::VersionMismatch { .. })
    ));

    members::set_role(db, &admin_a, a.id, auditor.user_id, Role::Consumer, None).await.unwrap();
    roles::delete(db, &admin_a, a.id, created.id).await.unwrap();
    let actions: Vec<String> = audit::list(db, &w.root, &AuditFilter::default(), PageRequest::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|e| e.action)
        .collect();
    for action in ["role.create", "role.update", "role.delete"] {
        assert!(actions.iter().any(|a| a == action), "{action} audited: {actions:?}");
    }
}

#[tokio::test]
async fn nobody_grants_what_they_do_not_hold() {
    let w = support::world("domain::roles::nobody_grants_what_they_do_not_hold").await;
    let db = &w.db.conn;
    let org = w.org("acme").await;
    let admin = w.member("admin@example.com", org.id, Role::OrgAdmin).await;
    let manager = w.member("manager@example.com", org.id, Role::Consumer).await;
    let other = w.member("other@example.com", org.id, Role::Consumer).await;
    let people = [Permission::MembersManage, Permission::ApplicationsManage, Permission::KeysManage];
    let people = roles::create(db, &admin, org.id, role("People", &people)).await.unwrap();
    members::set_role(db, &admin, org.id, manager.user_id, Role::Custom, Some(people.id)).await.unwrap();
    let manager = support::actor(&w.db, manager.user_id).await;

    members::set_role(db, &manager, org.id, other.user_id, Role::Consumer, None).await.unwrap();
    for escalation in [Role::Publisher, Role::OrgAdmin] {
        let err = members::set_role(db, &manager, org.id, manager.user_id, escalation, None).await.unwrap_err();
        assert!(matches!(err, DomainError::Conflict { code: "permission_not_held", .. }), "{escalation:?}: {err:?}");
    }
    let err = members::remove(db, &manager, org.id, admin.user_id).await.unwrap_err();
    assert!(matches!(err, DomainError::Conflict { code: "permission_not_held", .. }), "{err:?}");
    assert!(matches!(
        roles::create(db, &manager, org.id, role("Mine", &[Permission::ApisWrite])).await,
        Err(DomainError::Forbidden)
    ));
    let missing = members::set_role(db, &admin, org.id, other.user_id, Role::Custom, None).await.unwrap_err();
    assert!(matches!(missing, DomainError::Invalid(ref e) if e[0].field == "custom_role_id"));
}

#[tokio::test]
async fn scoped_tokens_do_only_what_owner_and_scopes_allow() {
    let w = support::world("domain::roles::scoped_tokens").await;
    let db = &w.db.conn;
    let org = w.org("acme").await;
    let publisher = w.member("publisher@example.com", org.id, Role::Publisher).await;
    let scoped = NewToken { name: "ci".into(), expires_in_days: None, scopes: Some(vec![Permission::ApisRead]) };
    let created = tokens::create(db, &publisher, scoped).await.unwrap();
    assert_eq!(created.token.scopes.unwrap().names(), ["apis_read"]);
    let held_not = NewToken { name: "x".into(), expires_in_days: None, scopes: Some(vec![Permission::MembersManage]) };
    let err = tokens::create(db, &publisher, held_not).await.unwrap_err();
    assert!(matches!(err, DomainError::Invalid(ref e) if e[0].code == "not_held"), "{err:?}");

    let actor = tokens::resolve(db, &created.secret, &Default::default()).await.unwrap();
    assert!(actor.can(org.id, Permission::ApisRead) && !actor.can(org.id, Permission::ApisWrite));
    let input = apis::NewApi {
        org_id: org.id,
        name: "Pets".into(),
        context: "/pets".into(),
        version: "v1".into(),
        description: String::new(),
        tags: vec![],
        visibility: apis::Visibility::Public,
        visible_roles: vec![],
        definition: Default::default(),
        openapi: None,
    };
    assert!(matches!(apis::create(db, &actor, input).await, Err(DomainError::Forbidden)));
    assert!(matches!(tokens::list(db, &actor).await, Err(DomainError::Forbidden)), "account_manage not in scope");

    let full = tokens::create(db, &publisher, NewToken { name: "all".into(), expires_in_days: None, scopes: None })
        .await
        .unwrap();
    assert!(full.token.scopes.is_none());
    let actor = tokens::resolve(db, &full.secret, &Default::default()).await.unwrap();
    assert!(actor.scopes.is_none() && actor.can(org.id, Permission::ApisWrite));
}
