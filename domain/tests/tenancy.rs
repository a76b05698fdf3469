//! Every admin query is scoped by the caller's organizations: an org admin of A sees
//! and changes only A; B's resources are "not found".
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use domain::audit::{self, AuditFilter};
use domain::invitations::{self, NewInvitation};
use domain::orgs::{self, OrgFilter, OrgUpdate};
use domain::users::{self, UserFilter, UserUpdate};
use domain::{DomainError, PageRequest, Role, members};

#[tokio::test]
async fn org_admins_only_see_and_change_their_own_org() {
    let w = support::world("domain::tenancy::org_admins_only_see_and_change_their_own_org").await;
    let db = &w.db.conn;
    let (a, b) = (w.org("org-a").await, w.org("org-b").await);
    let admin_a = w.member("admin-a@example.com", a.id, Role::OrgAdmin).await;
    let user_b = w.member("user-b@example.com", b.id, Role::Consumer).await;
    let page = PageRequest::default();

    let listed = orgs::list(db, &admin_a, &OrgFilter::default(), page).await.unwrap();
    assert_eq!(listed.items.iter().map(|o| o.slug.as_str()).collect::<Vec<_>>(), ["org-a"]);
    assert_eq!(listed.total, 1);
    assert!(matches!(orgs::get(db, &admin_a, b.id).await, Err(DomainError::NotFound(_))));
    let rename = OrgUpdate { name: Some("Hijacked".into()), ..OrgUpdate::default() };
    assert!(matches!(orgs::update(db, &admin_a, b.id, rename, None).await, Err(DomainError::NotFound(_))));

    let users = users::list(db, &admin_a, &UserFilter::default(), page).await.unwrap();
    assert!(users.items.iter().all(|u| u.email != "user-b@example.com"));
    assert!(matches!(users::get(db, &admin_a, user_b.user_id).await, Err(DomainError::NotFound(_))));
    let disable = UserUpdate { display_name: Some("x".into()), ..UserUpdate::default() };
    assert!(matches!(
        users::update(db, &admin_a, user_b.user_id, disable, None, "http://x").await,
        Err(DomainError::NotFound(_))
    ));

    assert!(matches!(members::list(db, &admin_a, b.id, page).await, Err(DomainError::NotFound(_))));
    assert!(matches!(members::remove(db, &admin_a, b.id, user_b.user_id).await, Err(DomainError::NotFound(_))));
    let invite = NewInvitation { email: "x@example.com".into(), role: None };
    assert!(matches!(invitations::create(db, &admin_a, b.id, invite, "http://x").await, Err(DomainError::NotFound(_))));

    members::set_role(db, &w.root, b.id, admin_a.user_id, Role::Consumer, None).await.unwrap();
    let seen_by_a = users::get(db, &admin_a, admin_a.user_id).await.unwrap();
    assert!(
        seen_by_a.memberships.iter().all(|m| m.org_id == a.id),
        "org A's admin must not learn about memberships in B: {:?}",
        seen_by_a.memberships
    );

    let log = audit::list(db, &admin_a, &AuditFilter::default(), page).await.unwrap();
    assert!(log.total > 0);
    assert!(log.items.iter().all(|e| e.org_id == Some(a.id)), "only org A's audit entries");
    let everything = audit::list(db, &w.root, &AuditFilter::default(), page).await.unwrap();
    assert!(everything.items.iter().any(|e| e.org_id == Some(b.id)));
}

#[tokio::test]
async fn non_admins_do_not_see_the_admin_area_and_org_admins_cannot_create_orgs() {
    let w = support::world("domain::tenancy::non_admins_do_not_see_the_admin_area").await;
    let db = &w.db.conn;
    let a = w.org("org-a").await;
    let publisher = w.member("pub@example.com", a.id, Role::Publisher).await;
    let admin = w.member("admin@example.com", a.id, Role::OrgAdmin).await;
    let page = PageRequest::default();
    assert!(matches!(orgs::list(db, &publisher, &OrgFilter::default(), page).await, Err(DomainError::NotFound(_))));
    assert!(matches!(users::list(db, &publisher, &UserFilter::default(), page).await, Err(DomainError::NotFound(_))));
    let new = orgs::NewOrg {
        slug: "other".into(),
        name: "Other".into(),
        kind: orgs::OrgKind::Provider,
        require_approval: false,
    };
    assert!(matches!(orgs::create(db, &admin, new).await, Err(DomainError::Forbidden)));
    let disable = OrgUpdate { status: Some(orgs::OrgStatus::Disabled), ..OrgUpdate::default() };
    assert!(matches!(orgs::update(db, &admin, a.id, disable, None).await, Err(DomainError::Forbidden)));
    let squat = users::NewUser {
        email: "ceo@victim.example".into(),
        display_name: "CEO".into(),
        password: "correct horse battery".into(),
        org_id: Some(a.id),
        role: None,
        is_platform_admin: false,
    };
    assert!(
        matches!(users::create(db, &admin, squat).await, Err(DomainError::Forbidden)),
        "org admins invite; they cannot create accounts for any address"
    );
    let promote = users::UserUpdate { is_platform_admin: Some(true), ..Default::default() };
    assert!(matches!(
        users::update(db, &admin, admin.user_id, promote, None, "http://x").await,
        Err(DomainError::Forbidden)
    ));
    let approve = users::UserUpdate { status: Some(users::UserStatus::Active), ..Default::default() };
    assert!(
        users::update(db, &admin, publisher.user_id, approve, None, "http://x").await.is_err(),
        "only pending users of an org requiring approval"
    );
}

#[tokio::test]
async fn updates_honour_the_version_and_are_audited() {
    let w = support::world("domain::tenancy::updates_honour_the_version").await;
    let db = &w.db.conn;
    let a = w.org("org-a").await;
    let stale = a.version;
    let renamed =
        orgs::update(db, &w.root, a.id, OrgUpdate { name: Some("Acme".into()), ..Default::default() }, Some(stale))
            .await
            .unwrap();
    assert_eq!(renamed.version, stale + 1);
    let again =
        orgs::update(db, &w.root, a.id, OrgUpdate { name: Some("Other".into()), ..Default::default() }, Some(stale))
            .await;
    assert!(
        matches!(again, Err(DomainError::VersionMismatch { expected, current }) if expected == stale && current == stale + 1)
    );
    let filter = AuditFilter { action: Some("org.update".into()), ..Default::default() };
    let log = audit::list(db, &w.root, &filter, PageRequest::default()).await.unwrap();
    assert_eq!(log.total, 1);
    let entry = &log.items[0];
    assert_eq!(entry.actor.as_deref(), Some("root@example.com"));
    assert_eq!(entry.before.as_ref().unwrap()["name"], "org-a");
    assert_eq!(entry.after.as_ref().unwrap()["name"], "Acme");
}

#[tokio::test]
async fn an_org_keeps_its_last_admin_and_portico_its_last_platform_admin() {
    let w = support::world("domain::tenancy::last_admins").await;
    let db = &w.db.conn;
    let a = w.org("org-a").await;
    let admin = w.member("admin@example.com", a.id, Role::OrgAdmin).await;
    let err = members::set_role(db, &admin, a.id, admin.user_id, Role::Consumer, None).await.unwrap_err();
    assert!(matches!(err, DomainError::Conflict { code: "last_org_admin", .. }));
    let demote = UserUpdate { is_platform_admin: Some(false), ..Default::default() };
    let err = users::update(db, &w.root, w.root.user_id, demote, None, "http://x").await.unwrap_err();
    assert!(matches!(err, DomainError::Conflict { code: "last_platform_admin", .. }));
}
