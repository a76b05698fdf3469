//! Sign-up, verification, sign-in and sign-out through the REST API, and the clear
//! errors for bad input: taken or malformed e-mail, weak password, oversize body,
//! reused link, wrong password, expired session, repeated failures.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use http::StatusCode;
use serde_json::json;
use support::{PASSWORD, mailed_link, token_of};

#[tokio::test]
async fn sign_up_verify_sign_in_and_out() {
    let app = support::app("server::accounts::sign_up_verify_sign_in_and_out").await;
    let mut visitor = app.client();
    let signup = json!({ "email": "Alice@Example.com", "password": PASSWORD, "display_name": "Alice" });
    let reply = visitor.post("/api/auth/signup", signup.clone()).await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text);
    assert_eq!(reply.body["status"], "pending_verification");
    assert!(reply.body.get("password_hash").is_none());

    let again = visitor.post("/api/auth/signup", signup).await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(again.headers["content-type"], "application/problem+json");
    assert_eq!(again.body["errors"][0]["field"], "email");
    assert_eq!(again.body["errors"][0]["code"], "email_taken");

    let early = visitor.post("/api/auth/login", json!({ "email": "alice@example.com", "password": PASSWORD })).await;
    assert_eq!((early.status, early.code()), (StatusCode::FORBIDDEN, "email_not_verified"));

    let link = mailed_link(&app, "alice@example.com", "/verify-email?token=").await;
    let token = token_of(&link);
    let verified = visitor.post("/api/auth/verify-email", json!({ "token": token })).await;
    assert_eq!((verified.status, verified.body["status"].as_str()), (StatusCode::OK, Some("active")));
    let reused = visitor.post("/api/auth/verify-email", json!({ "token": token })).await;
    assert_eq!((reused.status, reused.code()), (StatusCode::BAD_REQUEST, "link_used"));

    let wrong =
        visitor.post("/api/auth/login", json!({ "email": "alice@example.com", "password": "not the password" })).await;
    assert_eq!((wrong.status, wrong.code()), (StatusCode::UNAUTHORIZED, "invalid_credentials"));

    let login = visitor.post("/api/auth/login", json!({ "email": "alice@example.com", "password": PASSWORD })).await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text);
    let cookie = login
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("portico_session="))
        .unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && !cookie.contains("Secure"), "{cookie}");
    let me = visitor.get("/api/me").await;
    assert_eq!((me.status, me.body["email"].as_str()), (StatusCode::OK, Some("alice@example.com")));
    assert_eq!(me.body["memberships"].as_array().unwrap().len(), 2);

    let out = visitor.post("/api/auth/logout", json!({})).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert_eq!(visitor.get("/api/me").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn bad_sign_up_input_gets_field_errors_never_a_500() {
    let app = support::app("server::accounts::bad_sign_up_input").await;
    let mut visitor = app.client();
    let reply = visitor
        .post("/api/auth/signup", json!({ "email": "not-an-email", "password": "short", "display_name": "" }))
        .await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    let codes: Vec<(&str, &str)> = reply.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["field"].as_str().unwrap(), e["code"].as_str().unwrap()))
        .collect();
    assert_eq!(codes, [("email", "invalid_email"), ("display_name", "required"), ("password", "too_short")]);
    assert!(reply.body["request_id"].as_str().is_some_and(|id| !id.is_empty()));

    let missing = visitor.post("/api/auth/signup", json!({ "email": "a@example.com" })).await;
    assert_eq!((missing.status, missing.code()), (StatusCode::UNPROCESSABLE_ENTITY, "invalid_body"));
    let malformed =
        visitor.send(http::Method::POST, "/api/auth/signup", None, &[("content-type", "application/json")]).await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    let huge = json!({ "email": "a@example.com", "password": PASSWORD, "display_name": "x".repeat(100 * 1024) });
    let too_big = visitor.post("/api/auth/signup", huge).await;
    assert_eq!((too_big.status, too_big.code()), (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"));
}

#[tokio::test]
async fn expired_sessions_are_told_apart_from_missing_ones() {
    use domain::entities::session;
    use sea_orm::{EntityTrait, Set};
    let app = support::app("server::accounts::expired_sessions").await;
    let client = app.signed_in("root@example.com").await;
    assert_eq!(client.get("/api/me").await.status, StatusCode::OK);
    let expired = chrono::Utc::now() - chrono::Duration::minutes(1);
    session::Entity::update_many()
        .set(session::ActiveModel { expires_at: Set(expired), ..Default::default() })
        .exec(&app.state.db)
        .await
        .unwrap();
    let reply = client.get("/api/me").await;
    assert_eq!((reply.status, reply.code()), (StatusCode::UNAUTHORIZED, "session_expired"));
    assert!(reply.headers.get_all("set-cookie").iter().any(|c| c.to_str().unwrap().starts_with("portico_session=;")));
}

#[tokio::test]
async fn repeated_failed_sign_ins_are_slowed_down() {
    let app = support::app("server::accounts::repeated_failed_sign_ins").await;
    let mut client = app.client();
    for _ in 0..domain::throttle::ACCOUNT_FREE_FAILURES {
        let reply =
            client.post("/api/auth/login", json!({ "email": "root@example.com", "password": "wrong password!" })).await;
        assert_eq!(reply.code(), "invalid_credentials");
    }
    let reply = client.post("/api/auth/login", json!({ "email": "root@example.com", "password": PASSWORD })).await;
    assert_eq!((reply.status, reply.code()), (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts"));
    assert!(reply.headers.contains_key("retry-after"));
}

#[tokio::test]
async fn invitations_bring_people_into_an_org() {
    let app = support::app("server::accounts::invitations").await;
    let (org, _) = app.org_with_member("acme", "boss@example.com", "org_admin").await;
    let mut boss = app.signed_in("boss@example.com").await;
    let invite = boss
        .post(
            &format!("/api/admin/v1/orgs/{org}/invitations"),
            json!({ "email": "new@example.com", "role": "publisher" }),
        )
        .await;
    assert_eq!(invite.status, StatusCode::CREATED, "{}", invite.text);
    let token = token_of(&mailed_link(&app, "new@example.com", "/invitations/accept?token=").await);
    let mut visitor = app.client();
    let preview = visitor.post("/api/auth/invitations/preview", json!({ "token": token })).await;
    assert_eq!(
        (preview.body["org_name"].as_str(), preview.body["account_exists"].as_bool()),
        (Some("acme"), Some(false))
    );
    let weak = visitor
        .post("/api/auth/invitations/accept", json!({ "token": token, "display_name": "New", "password": "weak" }))
        .await;
    assert_eq!(weak.body["errors"][0]["field"], "password");
    let accepted = visitor
        .post("/api/auth/invitations/accept", json!({ "token": token, "display_name": "New", "password": PASSWORD }))
        .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.text);
    let newcomer = app.signed_in("new@example.com").await;
    let me = newcomer.get("/api/me").await;
    assert_eq!(me.body["memberships"][0]["role"], "publisher");
    let members = boss.get(&format!("/api/admin/v1/orgs/{org}/members")).await;
    assert_eq!(members.body["total"], 2);
}

#[tokio::test]
async fn the_setup_link_creates_the_first_admin_once() {
    let db = migrations::testkit::fresh_database("server::accounts::setup_link").await;
    let bootstrap = domain::setup::bootstrap(&db.conn, None, None, support::ORIGIN).await.unwrap();
    let domain::setup::Bootstrap::SetupLink { url } = bootstrap else {
        panic!("expected a setup link, got {bootstrap:?}")
    };
    let app = support::app("server::accounts::setup_link_router").await;
    // The link belongs to `db`; exercise the REST endpoint on a second database where
    // an admin exists already, then on `db` itself through the domain.
    let mut visitor = app.client();
    let refused = visitor
        .post(
            "/api/auth/setup",
            json!({ "token": token_of(&url), "email": "a@example.com", "display_name": "A", "password": PASSWORD }),
        )
        .await;
    assert_eq!((refused.status, refused.code()), (StatusCode::BAD_REQUEST, "link_invalid"));
    let input = domain::setup::SetupInput {
        token: token_of(&url),
        email: "first@example.com".into(),
        display_name: "First".into(),
        password: PASSWORD.into(),
    };
    let who = domain::audit::AuditActor::system("test");
    assert!(domain::setup::complete(&db.conn, input.clone(), &who).await.is_ok());
    assert!(matches!(
        domain::setup::complete(&db.conn, input, &who).await,
        Err(domain::DomainError::LinkUnusable { code: "link_used", .. })
    ));
}
