//! Role guards of the admin API: anonymous callers get 401, non-admins 404 (the admin
//! API does not exist for them), org admins 403 for platform-level actions, and the
//! UI's admin area redirects anonymous visitors and shows consumers a 403 page.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use http::StatusCode;
use serde_json::json;

#[tokio::test]
async fn admin_api_answers_by_role() {
    let app = support::app("server::guards::admin_api_answers_by_role").await;
    let (org, _) = app.org_with_member("acme", "consumer@example.com", "consumer").await;
    let root = app.signed_in("root@example.com").await;
    let mut add_admin = root.clone();
    let admin = add_admin
        .post("/api/admin/v1/users", json!({ "email": "admin@example.com", "display_name": "Admin", "password": support::PASSWORD, "org_id": org, "role": "org_admin" }))
        .await;
    assert_eq!(admin.status, StatusCode::CREATED);

    let anonymous = app.client();
    let reply = anonymous.get("/api/admin/v1/orgs").await;
    assert_eq!((reply.status, reply.code()), (StatusCode::UNAUTHORIZED, "unauthenticated"));

    let consumer = app.signed_in("consumer@example.com").await;
    assert_eq!(consumer.get("/api/admin/v1/orgs").await.status, StatusCode::NOT_FOUND);
    assert_eq!(consumer.get("/api/admin/v1/users").await.status, StatusCode::NOT_FOUND);
    assert_eq!(consumer.get("/api/admin/v1/audit-log").await.status, StatusCode::NOT_FOUND);

    let mut org_admin = app.signed_in("admin@example.com").await;
    assert_eq!(org_admin.get("/api/admin/v1/orgs").await.body["total"], 1);
    let create = org_admin.post("/api/admin/v1/orgs", json!({ "slug": "mine", "name": "Mine" })).await;
    assert_eq!((create.status, create.code()), (StatusCode::FORBIDDEN, "forbidden"));
    assert_eq!(org_admin.get("/api/admin/v1/outbox").await.status, StatusCode::FORBIDDEN);
    assert_eq!(root.get("/api/admin/v1/outbox").await.status, StatusCode::OK);
}

#[tokio::test]
async fn updates_honour_if_match_and_lists_page_filter_and_sort() {
    let app = support::app("server::guards::if_match_and_lists").await;
    let mut root = app.signed_in("root@example.com").await;
    for slug in ["beta", "alpha", "gamma"] {
        root.post("/api/admin/v1/orgs", json!({ "slug": slug, "name": slug.to_uppercase() })).await;
    }
    let page = root.get("/api/admin/v1/orgs?sort=-slug&per_page=2&page=1").await;
    assert_eq!(page.body["total"], 4);
    let slugs: Vec<&str> = page.body["items"].as_array().unwrap().iter().map(|o| o["slug"].as_str().unwrap()).collect();
    assert_eq!(slugs, ["gamma", "default"]);
    let filtered = root.get("/api/admin/v1/orgs?q=alp").await;
    assert_eq!(filtered.body["total"], 1);
    let bad_sort = root.get("/api/admin/v1/orgs?sort=password").await;
    assert_eq!(bad_sort.body["errors"][0]["code"], "invalid_sort");
    let bad_page = root.get("/api/admin/v1/orgs?page=first").await;
    assert_eq!((bad_page.status, bad_page.code()), (StatusCode::BAD_REQUEST, "invalid_query"));

    let id = filtered.body["items"][0]["id"].as_str().unwrap().to_owned();
    let read = root.get(&format!("/api/admin/v1/orgs/{id}")).await;
    let etag = read.headers["etag"].to_str().unwrap().to_owned();
    let path = format!("/api/admin/v1/orgs/{id}");
    let first =
        root.send(http::Method::PATCH, &path, Some(json!({ "name": "Alpha One" })), &[("if-match", &etag)]).await;
    assert_eq!(first.status, StatusCode::OK);
    assert_ne!(first.headers["etag"].to_str().unwrap(), etag);
    let second =
        root.send(http::Method::PATCH, &path, Some(json!({ "name": "Alpha Two" })), &[("if-match", &etag)]).await;
    assert_eq!((second.status, second.code()), (StatusCode::PRECONDITION_FAILED, "precondition_failed"));
    let bad_id = root.get("/api/admin/v1/orgs/not-a-uuid").await;
    assert_eq!((bad_id.status, bad_id.code()), (StatusCode::BAD_REQUEST, "invalid_path"));
    let audit = root.get("/api/admin/v1/audit-log?action=org.update").await;
    assert_eq!(audit.body["total"], 1);
    assert_eq!(audit.body["items"][0]["after"]["name"], "Alpha One");
}

#[tokio::test]
async fn ui_guards_redirect_anonymous_visitors_and_refuse_consumers() {
    let app = support::app("server::guards::ui_guards").await;
    app.org_with_member("acme", "consumer@example.com", "consumer").await;
    let anonymous = app.client();
    let page = anonymous.get("/portal").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("Build on our APIs"));
    let admin = anonymous.clone().send(http::Method::GET, "/admin", None, &[("accept", "text/html")]).await;
    assert_eq!(admin.status, StatusCode::FOUND, "{}", admin.text);
    assert!(
        admin.headers["location"].to_str().unwrap().starts_with("/login?next=%2Fadmin")
            || admin.headers["location"].to_str().unwrap().starts_with("/login?next=/admin")
    );
    let consumer = app.signed_in("consumer@example.com").await;
    let refused = consumer.get("/admin").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.text.contains("does not have access to the admin area"));
    let root = app.signed_in("root@example.com").await;
    let allowed = root.get("/admin/users").await;
    assert_eq!(allowed.status, StatusCode::OK);
    assert!(allowed.text.contains("root@example.com"));
    assert_eq!(anonymous.get("/no/such/page").await.status, StatusCode::NOT_FOUND);
    let unknown_api = anonymous.get("/api/nothing-here").await;
    assert_eq!((unknown_api.status, unknown_api.code()), (StatusCode::NOT_FOUND, "not_found"));
}

#[tokio::test]
async fn operational_endpoints() {
    let app = support::app("server::guards::operational_endpoints").await;
    let client = app.client();
    let health = client.get("/healthz").await;
    assert_eq!((health.status, health.body["status"].as_str()), (StatusCode::OK, Some("ok")));
    let ready = client.get("/readyz").await;
    assert_eq!((ready.status, ready.body["status"].as_str()), (StatusCode::OK, Some("ready")));
    assert!(ready.headers.contains_key("x-request-id"));
    let echoed = app.client().send(http::Method::GET, "/healthz", None, &[("x-request-id", "abc-123")]).await;
    assert_eq!(echoed.headers["x-request-id"], "abc-123");
}
