//! CSRF protection of cookie-authenticated changes, and personal-access-token
//! authentication (which needs no CSRF token).
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use http::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn cookie_requests_need_the_session_csrf_token_and_our_origin() {
    let app = support::app("server::csrf::cookie_requests_need_the_token").await;
    let mut client = app.signed_in("root@example.com").await;
    let good = client.csrf.clone().unwrap();
    let body = json!({ "name": "ci" });

    client.csrf = None;
    let missing = client.post("/api/me/tokens", body.clone()).await;
    assert_eq!((missing.status, missing.code()), (StatusCode::FORBIDDEN, "csrf_failed"));
    assert!(missing.body["detail"].as_str().unwrap().contains("missing"));

    client.csrf = Some("forged".into());
    let forged = client.post("/api/me/tokens", body.clone()).await;
    assert_eq!((forged.status, forged.code()), (StatusCode::FORBIDDEN, "csrf_failed"));

    client.csrf = Some(good);
    let foreign =
        client.send(Method::POST, "/api/me/tokens", Some(body.clone()), &[("origin", "https://evil.example")]).await;
    assert_eq!(foreign.code(), "csrf_failed", "a foreign Origin is refused even with the token");

    let ok = client.post("/api/me/tokens", body).await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.text);
}

#[tokio::test]
async fn anonymous_browser_forms_need_the_double_submit_token() {
    let app = support::app("server::csrf::anonymous_forms").await;
    let mut browser = app.client();
    let session = browser.send(Method::GET, "/api/auth/session", None, &[]).await;
    let token = session.body["csrf_token"].as_str().unwrap().to_owned();
    assert!(browser.has_cookie("portico_csrf"));
    browser.csrf = None;
    let credentials = format!("email=root%40example.com&password={}", support::PASSWORD.replace(' ', "+"));
    let without = browser.post_form("/ui/fn/login", &credentials).await;
    assert_eq!(without.status, StatusCode::FORBIDDEN);
    assert_eq!(
        without.body["Refused"]["code"], "csrf_failed",
        "UI functions get errors the page can show: {}",
        without.text
    );
    let forged = browser.post_form("/ui/fn/login", &format!("csrf_token=forged&{credentials}")).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let signed_in = browser.post_form("/ui/fn/login", &format!("csrf_token={token}&{credentials}")).await;
    assert!(
        signed_in.status.is_success() || signed_in.status.is_redirection(),
        "{} {}",
        signed_in.status,
        signed_in.text
    );
    assert!(browser.has_cookie("portico_session"), "the sign-in form set the session cookie");
}

#[tokio::test]
async fn personal_access_tokens_authenticate_without_csrf_until_revoked() {
    let app = support::app("server::csrf::personal_access_tokens").await;
    let mut owner = app.signed_in("root@example.com").await;
    let created = owner.post("/api/me/tokens", json!({ "name": "ci", "expires_in_days": 30 })).await;
    assert_eq!(created.status, StatusCode::CREATED);
    let secret = created.body["secret"].as_str().unwrap().to_owned();
    let id = created.body["token"]["id"].as_str().unwrap().to_owned();
    let listed = owner.get("/api/me/tokens").await;
    assert!(listed.text.contains(&id) && !listed.text.contains(&secret), "the secret is shown once only");

    let mut script = app.client();
    script.bearer = Some(secret.clone());
    assert_eq!(script.get("/api/me").await.body["email"], "root@example.com");
    let org = script.post("/api/admin/v1/orgs", json!({ "slug": "from-ci", "name": "From CI" })).await;
    assert_eq!(org.status, StatusCode::CREATED, "token requests need no CSRF token: {}", org.text);

    let minted = script.post("/api/me/tokens", json!({ "name": "forever" })).await;
    assert_eq!(
        (minted.status, minted.code()),
        (StatusCode::FORBIDDEN, "session_required"),
        "a token cannot mint tokens"
    );

    assert_eq!(owner.delete(&format!("/api/me/tokens/{id}")).await.status, StatusCode::OK);
    let refused = script.get("/api/me").await;
    assert_eq!((refused.status, refused.code()), (StatusCode::UNAUTHORIZED, "invalid_token"));
    script.bearer = Some("pat_not-a-real-token".into());
    assert_eq!(script.get("/api/me").await.code(), "invalid_token");
}
