//! Password reset through the REST API: the same answer for every address, one mail a
//! minute, single-use links that expire, older links invalidated by a newer one and by a
//! password change, field errors for weak passwords, and every session ended on success.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use domain::entities::{mail, one_time_token};
use http::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::json;
use support::{PASSWORD, mailed_link, token_of};

const NEW_PASSWORD: &str = "a brand new passphrase";

async fn mails_to(app: &support::TestApp, to: &str) -> u64 {
    mail::Entity::find().filter(mail::Column::ToAddress.eq(to)).count(&app.state.db).await.unwrap()
}

#[tokio::test]
async fn a_reset_link_sets_a_new_password_once_and_ends_every_session() {
    let app = support::app("server::password_reset::link_sets_password").await;
    app.org_with_member("acme", "alice@example.com", "publisher").await;
    let laptop = app.signed_in("alice@example.com").await;
    let phone = app.signed_in("alice@example.com").await;
    let mut visitor = app.client();

    let asked = visitor.post("/api/auth/password-reset", json!({ "email": "Alice@Example.com" })).await;
    assert_eq!(asked.status, StatusCode::ACCEPTED, "{}", asked.text);
    let unknown = visitor.post("/api/auth/password-reset", json!({ "email": "nobody@example.com" })).await;
    assert_eq!((unknown.status, unknown.text.as_str()), (asked.status, asked.text.as_str()), "no account oracle");
    assert_eq!(mails_to(&app, "nobody@example.com").await, 0);
    let malformed = visitor.post("/api/auth/password-reset", json!({ "email": "not-an-address" })).await;
    assert_eq!(malformed.status, StatusCode::UNPROCESSABLE_ENTITY);

    let link = mailed_link(&app, "alice@example.com", "/reset-password?token=").await;
    let token = token_of(&link);
    let weak = visitor.post("/api/auth/password-reset/confirm", json!({ "token": token, "password": "short" })).await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", weak.text);
    assert_eq!(
        (weak.body["errors"][0]["field"].as_str(), weak.body["errors"][0]["code"].as_str()),
        (Some("password"), Some("too_short"))
    );

    let done =
        visitor.post("/api/auth/password-reset/confirm", json!({ "token": token, "password": NEW_PASSWORD })).await;
    assert_eq!(done.status, StatusCode::NO_CONTENT, "{}", done.text);
    let again =
        visitor.post("/api/auth/password-reset/confirm", json!({ "token": token, "password": NEW_PASSWORD })).await;
    assert_eq!((again.status, again.code()), (StatusCode::BAD_REQUEST, "link_used"));

    assert_eq!(laptop.get("/api/me").await.status, StatusCode::UNAUTHORIZED, "every session ended");
    assert_eq!(phone.get("/api/me").await.status, StatusCode::UNAUTHORIZED);
    let mut browser = app.client();
    let old = browser.post("/api/auth/login", json!({ "email": "alice@example.com", "password": PASSWORD })).await;
    assert_eq!((old.status, old.code()), (StatusCode::UNAUTHORIZED, "invalid_credentials"));
    let new = browser.post("/api/auth/login", json!({ "email": "alice@example.com", "password": NEW_PASSWORD })).await;
    assert_eq!(new.status, StatusCode::OK, "{}", new.text);

    let bogus =
        visitor.post("/api/auth/password-reset/confirm", json!({ "token": "nope", "password": NEW_PASSWORD })).await;
    assert_eq!((bogus.status, bogus.code()), (StatusCode::BAD_REQUEST, "link_invalid"));
    let audit = domain::entities::audit_entry::Entity::find()
        .filter(
            domain::entities::audit_entry::Column::Action.is_in(["user.password_reset_request", "user.password_reset"]),
        )
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(audit, 2);
}

#[tokio::test]
async fn requests_are_limited_and_newer_links_or_password_changes_invalidate_older_ones() {
    let app = support::app("server::password_reset::limits").await;
    app.org_with_member("acme", "bob@example.com", "publisher").await;
    let mut visitor = app.client();
    visitor.post("/api/auth/password-reset", json!({ "email": "bob@example.com" })).await;
    let first = token_of(&mailed_link(&app, "bob@example.com", "/reset-password?token=").await);
    let flood = visitor.post("/api/auth/password-reset", json!({ "email": "bob@example.com" })).await;
    assert_eq!(flood.status, StatusCode::ACCEPTED);
    assert_eq!(mails_to(&app, "bob@example.com").await, 1, "one mail a minute");

    // A minute later a new link replaces the first.
    let minute_ago = chrono::Utc::now() - chrono::Duration::seconds(61);
    one_time_token::Entity::update_many()
        .col_expr(one_time_token::Column::CreatedAt, sea_orm::sea_query::Expr::value(minute_ago))
        .exec(&app.state.db)
        .await
        .unwrap();
    visitor.post("/api/auth/password-reset", json!({ "email": "bob@example.com" })).await;
    assert_eq!(mails_to(&app, "bob@example.com").await, 2);
    let second = token_of(&mailed_link(&app, "bob@example.com", "/reset-password?token=").await);
    assert_ne!(first, second);
    let stale =
        visitor.post("/api/auth/password-reset/confirm", json!({ "token": first, "password": NEW_PASSWORD })).await;
    assert_eq!((stale.status, stale.code()), (StatusCode::BAD_REQUEST, "link_invalid"));

    // Changing the password in the profile invalidates the outstanding link.
    let mut bob = app.signed_in("bob@example.com").await;
    let changed =
        bob.patch("/api/me", json!({ "current_password": PASSWORD, "new_password": "another long passphrase" })).await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    let after_change =
        visitor.post("/api/auth/password-reset/confirm", json!({ "token": second, "password": NEW_PASSWORD })).await;
    assert_eq!((after_change.status, after_change.code()), (StatusCode::BAD_REQUEST, "link_invalid"));
}

#[tokio::test]
async fn expired_links_and_inactive_accounts_get_no_new_password() {
    let app = support::app("server::password_reset::expired").await;
    let (_, carol_id) = app.org_with_member("acme", "carol@example.com", "publisher").await;
    let mut visitor = app.client();
    visitor.post("/api/auth/password-reset", json!({ "email": "carol@example.com" })).await;
    let token = token_of(&mailed_link(&app, "carol@example.com", "/reset-password?token=").await);
    let row = one_time_token::Entity::find().one(&app.state.db).await.unwrap().unwrap();
    let mut expired: one_time_token::ActiveModel = row.into();
    expired.expires_at = Set(chrono::Utc::now() - chrono::Duration::seconds(1));
    sea_orm::ActiveModelTrait::update(expired, &app.state.db).await.unwrap();
    let late =
        visitor.post("/api/auth/password-reset/confirm", json!({ "token": token, "password": NEW_PASSWORD })).await;
    assert_eq!((late.status, late.code()), (StatusCode::BAD_REQUEST, "link_expired"));

    let mut root = app.signed_in("root@example.com").await;
    let user = root.get(&format!("/api/admin/v1/users/{carol_id}")).await;
    let etag = user.headers["etag"].to_str().unwrap().to_owned();
    let disabled = root
        .send(
            http::Method::PATCH,
            &format!("/api/admin/v1/users/{carol_id}"),
            Some(json!({ "status": "disabled" })),
            &[("if-match", &etag)],
        )
        .await;
    assert_eq!(disabled.status, StatusCode::OK, "{}", disabled.text);
    let before = mails_to(&app, "carol@example.com").await;
    one_time_token::Entity::delete_many().exec(&app.state.db).await.unwrap();
    visitor.post("/api/auth/password-reset", json!({ "email": "carol@example.com" })).await;
    assert_eq!(mails_to(&app, "carol@example.com").await, before, "no link for a disabled account");
}
