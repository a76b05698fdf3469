//! Self-service accounts: sign-up, verification, approval, sign-in, sessions, personal
//! access tokens and invitations, with the refusals users see.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use domain::accounts::{self, SignupInput};
use domain::actor::RequestOrigin;
use domain::entities::mail;
use domain::invitations::{self, AcceptInvitation, NewInvitation};
use domain::orgs::{self, OrgUpdate};
use domain::sessions::SessionPolicy;
use domain::throttle::LoginThrottle;
use domain::tokens::{self, NewToken};
use domain::users::{self, UserStatus, UserUpdate};
use domain::{DomainError, Role, sessions};
use sea_orm::{EntityTrait, QueryOrder};

const BASE: &str = "http://portico.test";

fn signup(email: &str, password: &str) -> SignupInput {
    SignupInput { email: email.into(), password: password.into(), display_name: "Alice".into(), portal: None }
}

async fn last_link(db: &sea_orm::DatabaseConnection, path: &str) -> String {
    let last = mail::Entity::find().order_by_desc(mail::Column::CreatedAt).one(db).await.unwrap().expect("a mail");
    let start = last.body_text.find(path).expect("link in mail");
    let token = last.body_text[start..].split_whitespace().next().unwrap();
    token.split("token=").nth(1).unwrap().to_owned()
}

#[tokio::test]
async fn sign_up_verify_sign_in_and_out() {
    let w = support::world("domain::accounts::sign_up_verify_sign_in_and_out").await;
    let db = &w.db.conn;
    let origin = RequestOrigin { ip: Some("203.0.113.9".into()), request_id: None };
    let throttle = LoginThrottle::in_process();

    let user = accounts::signup(db, signup("Alice@Example.com", support::PASSWORD), BASE, &origin).await.unwrap();
    assert_eq!((user.email.as_str(), user.status.as_str()), ("alice@example.com", "pending_verification"));
    assert_eq!(user.memberships.len(), 2, "personal org + portal org");
    assert!(user.memberships.iter().any(|m| m.role == Role::OrgAdmin && m.org_slug.starts_with("alice-")));
    assert!(user.memberships.iter().any(|m| m.role == Role::Consumer && m.org_slug == "default"));

    let err = accounts::signup(db, signup("alice@example.com", support::PASSWORD), BASE, &origin).await.unwrap_err();
    assert!(matches!(&err, DomainError::Invalid(f) if f[0].code == "email_taken"));
    let err = accounts::signup(db, signup("not-an-email", "short"), BASE, &origin).await.unwrap_err();
    assert!(
        matches!(&err, DomainError::Invalid(f) if f.len() == 2 && f[0].field == "email" && f[1].code == "too_short")
    );
    let consumer_org = orgs::create(
        db,
        &w.root,
        orgs::NewOrg {
            slug: "customer".into(),
            name: "Customer".into(),
            kind: orgs::OrgKind::Consumer,
            require_approval: false,
        },
    )
    .await
    .unwrap();
    let sneaky = SignupInput { portal: Some(consumer_org.slug), ..signup("mallory@example.com", support::PASSWORD) };
    assert!(
        matches!(accounts::signup(db, sneaky, BASE, &origin).await, Err(DomainError::NotFound("portal"))),
        "consumer orgs are joined by invitation only"
    );

    let err = sessions::login(
        db,
        &throttle,
        &SessionPolicy::default(),
        "alice@example.com",
        support::PASSWORD,
        &origin,
        None,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, DomainError::AccountUnusable { code: "email_not_verified", .. }));

    let token = last_link(db, "/verify-email?token=").await;
    let verified = accounts::verify_email(db, &token, &origin).await.unwrap();
    assert_eq!(verified.status, "active");
    let reused = accounts::verify_email(db, &token, &origin).await.unwrap_err();
    assert!(matches!(reused, DomainError::LinkUnusable { code: "link_used", .. }));
    let bogus = accounts::verify_email(db, "nope", &origin).await.unwrap_err();
    assert!(matches!(bogus, DomainError::LinkUnusable { code: "link_invalid", .. }));

    let wrong = sessions::login(
        db,
        &throttle,
        &SessionPolicy::default(),
        "alice@example.com",
        "wrong password!",
        &origin,
        None,
    )
    .await
    .unwrap_err();
    assert!(matches!(wrong, DomainError::InvalidCredentials));
    let unknown = sessions::login(
        db,
        &throttle,
        &SessionPolicy::default(),
        "nobody@example.com",
        support::PASSWORD,
        &origin,
        None,
    )
    .await
    .unwrap_err();
    assert!(matches!(unknown, DomainError::InvalidCredentials));

    let session = sessions::login(
        db,
        &throttle,
        &SessionPolicy::default(),
        "ALICE@example.com",
        support::PASSWORD,
        &origin,
        Some("test"),
    )
    .await
    .unwrap();
    let resolved = sessions::resolve(db, &SessionPolicy::default(), &session.secret, &origin).await.unwrap();
    assert_eq!(resolved.actor.email, "alice@example.com");
    assert_eq!(resolved.csrf_token, session.csrf_token);
    sessions::logout(db, &session.secret, &origin).await.unwrap();
    assert!(matches!(
        sessions::resolve(db, &SessionPolicy::default(), &session.secret, &origin).await,
        Err(DomainError::Unauthenticated)
    ));
}

#[tokio::test]
async fn repeated_failures_slow_sign_in_down() {
    let w = support::world("domain::accounts::repeated_failures_slow_sign_in_down").await;
    let throttle = LoginThrottle::in_process();
    let origin = RequestOrigin { ip: Some("203.0.113.10".into()), request_id: None };
    for _ in 0..domain::throttle::ACCOUNT_FREE_FAILURES {
        let err = sessions::login(
            &w.db.conn,
            &throttle,
            &SessionPolicy::default(),
            "root@example.com",
            "wrong password!",
            &origin,
            None,
        )
        .await
        .unwrap_err();
        assert!(matches!(err, DomainError::InvalidCredentials));
    }
    let err = sessions::login(
        &w.db.conn,
        &throttle,
        &SessionPolicy::default(),
        "root@example.com",
        support::PASSWORD,
        &origin,
        None,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, DomainError::Throttled { .. }), "even the right password waits: {err:?}");
}

#[tokio::test]
async fn approval_required_by_the_portal_org() {
    let w = support::world("domain::accounts::approval_required_by_the_portal_org").await;
    let db = &w.db.conn;
    let origin = RequestOrigin::default();
    let default = orgs::find_portal(db, "default").await.unwrap().unwrap();
    orgs::update(db, &w.root, default.id, OrgUpdate { require_approval: Some(true), ..Default::default() }, None)
        .await
        .unwrap();
    let user = accounts::signup(db, signup("bob@example.com", support::PASSWORD), BASE, &origin).await.unwrap();
    let token = last_link(db, "/verify-email?token=").await;
    assert_eq!(accounts::verify_email(db, &token, &origin).await.unwrap().status, "pending_approval");
    let err = sessions::login(
        db,
        &LoginThrottle::in_process(),
        &SessionPolicy::default(),
        "bob@example.com",
        support::PASSWORD,
        &origin,
        None,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, DomainError::AccountUnusable { code: "approval_pending", .. }));
    let approve = UserUpdate { status: Some(UserStatus::Active), ..Default::default() };
    let approved = users::update(db, &w.root, user.id, approve, None, BASE).await.unwrap();
    assert_eq!(approved.status, "active");
    assert!(
        sessions::login(
            db,
            &LoginThrottle::in_process(),
            &SessionPolicy::default(),
            "bob@example.com",
            support::PASSWORD,
            &origin,
            None
        )
        .await
        .is_ok()
    );
}

#[tokio::test]
async fn personal_access_tokens_work_until_revoked_and_stay_private() {
    let w = support::world("domain::accounts::personal_access_tokens").await;
    let db = &w.db.conn;
    let origin = RequestOrigin::default();
    let org = w.org("org-a").await;
    let other = w.member("other@example.com", org.id, Role::OrgAdmin).await;
    let created = tokens::create(db, &w.root, NewToken { name: "ci".into(), expires_in_days: Some(30), scopes: None })
        .await
        .unwrap();
    assert!(created.secret.starts_with("pat_"));
    assert!(created.secret.starts_with(&created.token.prefix));
    let actor = tokens::resolve(db, &created.secret, &origin).await.unwrap();
    assert_eq!(actor.user_id, w.root.user_id);
    assert!(tokens::list(db, &other).await.unwrap().is_empty());
    assert!(matches!(tokens::revoke(db, &other, created.token.id).await, Err(DomainError::NotFound(_))));
    let bad = tokens::create(db, &w.root, NewToken { name: " ".into(), expires_in_days: Some(0), scopes: None })
        .await
        .unwrap_err();
    assert!(matches!(bad, DomainError::Invalid(_)));
    tokens::revoke(db, &w.root, created.token.id).await.unwrap();
    assert!(matches!(tokens::resolve(db, &created.secret, &origin).await, Err(DomainError::Unauthenticated)));
    assert!(matches!(tokens::resolve(db, "pat_unknown", &origin).await, Err(DomainError::Unauthenticated)));
}

#[tokio::test]
async fn invitations_bring_new_and_existing_users_into_the_org() {
    let w = support::world("domain::accounts::invitations").await;
    let db = &w.db.conn;
    let origin = RequestOrigin::default();
    let org = w.org("acme").await;
    let invite = |email: &str, role| NewInvitation { email: email.into(), role: Some(role) };

    invitations::create(db, &w.root, org.id, invite("new@example.com", Role::Publisher), BASE).await.unwrap();
    let token = last_link(db, "/invitations/accept?token=").await;
    let preview = invitations::preview(db, &token).await.unwrap();
    assert!(!preview.account_exists && preview.role == Role::Publisher && preview.org_name == "acme");
    let missing =
        invitations::accept(db, AcceptInvitation { token: token.clone(), ..Default::default() }, &origin, None)
            .await
            .unwrap_err();
    assert!(matches!(&missing, DomainError::Invalid(f) if f.len() == 2));
    let accept = AcceptInvitation {
        token: token.clone(),
        display_name: Some("New".into()),
        password: Some(support::PASSWORD.into()),
    };
    assert_eq!(invitations::accept(db, accept.clone(), &origin, None).await.unwrap(), "new@example.com");
    assert!(matches!(
        invitations::accept(db, accept, &origin, None).await,
        Err(DomainError::LinkUnusable { code: "link_used", .. })
    ));
    let session = sessions::login(
        db,
        &LoginThrottle::in_process(),
        &SessionPolicy::default(),
        "new@example.com",
        support::PASSWORD,
        &origin,
        None,
    )
    .await
    .unwrap();
    let actor = sessions::resolve(db, &SessionPolicy::default(), &session.secret, &origin).await.unwrap().actor;
    assert_eq!(actor.role_in(org.id), Some(Role::Publisher));

    let again =
        invitations::create(db, &w.root, org.id, invite("new@example.com", Role::Consumer), BASE).await.unwrap_err();
    assert!(matches!(&again, DomainError::Invalid(f) if f[0].code == "already_member"));

    invitations::create(db, &w.root, org.id, invite("root@example.com", Role::Consumer), BASE).await.unwrap();
    let token = last_link(db, "/invitations/accept?token=").await;
    assert!(invitations::preview(db, &token).await.unwrap().account_exists);
    let existing = AcceptInvitation { token, ..Default::default() };
    let anonymous = invitations::accept(db, existing.clone(), &origin, None).await.unwrap_err();
    assert!(
        matches!(anonymous, DomainError::AccountUnusable { code: "sign_in_required", .. }),
        "an existing account must be signed in to accept"
    );
    let wrong = invitations::accept(db, existing.clone(), &origin, Some(&actor)).await.unwrap_err();
    assert!(matches!(wrong, DomainError::AccountUnusable { code: "wrong_account", .. }));
    invitations::accept(db, existing, &origin, Some(&w.root)).await.unwrap();
}
