//! The caller's own sessions through the REST API: listing (with the current one marked),
//! ending one (another user's is *not found*), "log out everywhere" with and without
//! personal access tokens, and a password change ending the other sessions.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use http::StatusCode;
use serde_json::{Value, json};
use support::PASSWORD;

fn ids(list: &Value) -> Vec<String> {
    list.as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn users_list_and_end_their_own_sessions_only() {
    let app = support::app("server::sessions::list_and_end").await;
    app.org_with_member("acme", "alice@example.com", "publisher").await;
    app.org_with_member("other", "mallory@example.com", "org_admin").await;
    let mut laptop = app.signed_in("alice@example.com").await;
    let phone = app.signed_in("alice@example.com").await;
    let mut mallory = app.signed_in("mallory@example.com").await;

    let list = laptop.get("/api/me/sessions").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    let sessions = list.body.as_array().unwrap();
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);
    assert!(sessions.iter().all(|s| s.get("token_hash").is_none() && s.get("csrf_token").is_none()));
    let phone_id = phone
        .get("/api/me/sessions")
        .await
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == true)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(ids(&list.body).contains(&phone_id));

    let stolen = mallory.delete(&format!("/api/me/sessions/{phone_id}")).await;
    assert_eq!(stolen.status, StatusCode::NOT_FOUND, "another user's session is not found");
    assert!(!mallory.get("/api/me/sessions").await.text.contains(&phone_id));

    let ended = laptop.delete(&format!("/api/me/sessions/{phone_id}")).await;
    assert_eq!(ended.status, StatusCode::NO_CONTENT, "{}", ended.text);
    assert_eq!(phone.get("/api/me").await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(laptop.get("/api/me").await.status, StatusCode::OK, "the laptop stays signed in");
    assert_eq!(ids(&laptop.get("/api/me/sessions").await.body).len(), 1);
    let twice = laptop.delete(&format!("/api/me/sessions/{phone_id}")).await;
    assert_eq!(twice.status, StatusCode::NOT_FOUND);

    // Ending the current session signs this browser out and clears its cookie.
    let own = ids(&laptop.get("/api/me/sessions").await.body).remove(0);
    let out = laptop.delete(&format!("/api/me/sessions/{own}")).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert!(!laptop.has_cookie("portico_session"));
    assert_eq!(laptop.get("/api/me").await.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn log_out_everywhere_ends_every_session_and_optionally_every_token() {
    let app = support::app("server::sessions::everywhere").await;
    app.org_with_member("acme", "alice@example.com", "publisher").await;
    let mut laptop = app.signed_in("alice@example.com").await;
    let phone = app.signed_in("alice@example.com").await;
    let bob = app.signed_in("root@example.com").await;
    let created = laptop.post("/api/me/tokens", json!({ "name": "ci" })).await;
    let mut script = app.client();
    script.bearer = Some(created.body["secret"].as_str().unwrap().to_owned());
    assert_eq!(script.get("/api/me").await.status, StatusCode::OK);

    let all = laptop.post("/api/me/sessions/revoke-all", json!({})).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.text);
    assert_eq!(all.body, json!({ "sessions": 2, "tokens": 0 }));
    assert!(!laptop.has_cookie("portico_session"));
    assert_eq!(laptop.get("/api/me").await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(phone.get("/api/me").await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(bob.get("/api/me").await.status, StatusCode::OK, "other users keep their sessions");
    assert_eq!(script.get("/api/me").await.status, StatusCode::OK, "tokens stay unless asked for");

    let mut laptop = app.signed_in("alice@example.com").await;
    let all = laptop.post("/api/me/sessions/revoke-all", json!({ "include_tokens": true })).await;
    assert_eq!(all.body, json!({ "sessions": 1, "tokens": 1 }), "{}", all.text);
    assert_eq!(script.get("/api/me").await.status, StatusCode::UNAUTHORIZED);
    let unknown = app
        .signed_in("alice@example.com")
        .await
        .post("/api/me/sessions/revoke-all", json!({ "everything": true }))
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn changing_the_password_ends_the_other_sessions() {
    let app = support::app("server::sessions::password_change").await;
    app.org_with_member("acme", "alice@example.com", "publisher").await;
    let mut laptop = app.signed_in("alice@example.com").await;
    let phone = app.signed_in("alice@example.com").await;
    let changed = laptop
        .patch("/api/me", json!({ "current_password": PASSWORD, "new_password": "another long passphrase" }))
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.text);
    assert_eq!(phone.get("/api/me").await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(laptop.get("/api/me").await.status, StatusCode::OK);
    assert_eq!(ids(&laptop.get("/api/me/sessions").await.body).len(), 1);
}
