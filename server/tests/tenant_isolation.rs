//! Tenant isolation, table-driven over every operation in `/api/openapi.json`, so a new
//! route is covered without anyone remembering to add it here.
//!
//! Org A's admin calls every operation with org B's resources substituted for the path
//! parameters (and for id-like body fields): each must be "not found". Operations with
//! no B resource must not leak B's identifiers. Then org B's own admin (who also owns the
//! token fixture) makes the same calls and must *not* get 404 — proving the fixtures name
//! real resources, so the first half cannot pass by accident. A path parameter without a fixture fails the
//! test: give it one here.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use std::collections::HashMap;

use http::{Method, StatusCode};
use serde_json::{Map, Value, json};

/// The document org B's API is imported from.
const B_SPEC: &str = r#"{"openapi": "3.0.3", "info": {"title": "B api", "version": "1"}, "paths": {"/things": {"get": {"responses": {"200": {"description": "ok"}}}}}}"#;

/// Anonymous account flows: not tenant resources (and `logout` would end the session
/// the test uses).
const NOT_TENANT_RESOURCES: &str = "/api/auth/";

/// "Log out everywhere" ends the caller's own session (the test would go on signed out);
/// that it leaves other users alone is checked in `sessions.rs`.
const ENDS_THE_CALLERS_SESSION: &str = "/api/me/sessions/revoke-all";

/// Platform-level resources (not any org's): org admins are *forbidden* there, which
/// `platform_resources_are_forbidden_to_org_admins` checks instead.
const PLATFORM_RESOURCES: [&str; 7] = [
    "/api/admin/v1/gateway-tokens",
    "/api/admin/v1/tiers",
    "/api/gateway/",
    "/api/admin/v1/key-managers",
    "/api/admin/v1/signing-keys",
    "/api/admin/v1/platform-settings",
    "/api/admin/v1/sso-providers",
];

#[tokio::test]
async fn org_admin_of_a_gets_not_found_for_everything_of_org_b() {
    let app = support::app("server::tenant_isolation::org_admin_of_a").await;
    let (org_a, _) = app.org_with_member("org-a", "admin-a@example.com", "org_admin").await;
    let (org_b, admin_b) = app.org_with_member("org-b", "admin-b@example.com", "org_admin").await;
    let mut b = app.signed_in("admin-b@example.com").await;
    let invitation =
        b.post(&format!("/api/admin/v1/orgs/{org_b}/invitations"), json!({ "email": "guest-b@example.com" })).await;
    let token = b.post("/api/me/tokens", json!({ "name": "b-token" })).await;
    let b_api = b
        .post(
            "/api/publisher/v1/apis/import",
            json!({
                "org_id": org_b, "context": "/b-api", "version": "v1", "visibility": "org", "spec": B_SPEC,
                "definition": { "production": { "endpoints": [{ "url": "http://127.0.0.1:9" }] } },
            }),
        )
        .await;
    assert_eq!(b_api.status, StatusCode::CREATED, "{}", b_api.text);
    let api_id = b_api.body["id"].as_str().unwrap().to_owned();
    let revision = b.post(&format!("/api/publisher/v1/apis/{api_id}/revisions"), json!({})).await;
    let revision_id = revision.body["id"].as_str().unwrap().to_owned();
    let deployed = b
        .send(
            Method::PUT,
            &format!("/api/publisher/v1/apis/{api_id}/deployments/production"),
            Some(json!({ "revision_id": revision_id })),
            &[],
        )
        .await;
    assert_eq!(deployed.status, StatusCode::OK, "{}", deployed.text);
    let published =
        b.post(&format!("/api/publisher/v1/apis/{api_id}/lifecycle"), json!({ "state": "published" })).await;
    assert_eq!(published.status, StatusCode::OK, "{}", published.text);
    let application = b.post("/api/portal/v1/applications", json!({ "org_id": org_b, "name": "B app" })).await;
    let application_id = application.body["id"].as_str().unwrap().to_owned();
    let subscription = b
        .post(
            &format!("/api/portal/v1/applications/{application_id}/subscriptions"),
            json!({ "api_id": api_id, "tier": "Gold" }),
        )
        .await;
    assert_eq!(subscription.status, StatusCode::CREATED, "{}", subscription.text);
    let key = b
        .post(&format!("/api/portal/v1/applications/{application_id}/keys"), json!({ "environment": "production" }))
        .await;
    let client = b
        .post(
            &format!("/api/portal/v1/applications/{application_id}/oauth-clients"),
            json!({ "environment": "production" }),
        )
        .await;
    assert_eq!(client.status, StatusCode::CREATED, "{}", client.text);
    let credential = b
        .post(
            &format!("/api/portal/v1/applications/{application_id}/basic-credentials"),
            json!({ "environment": "production", "username": "b-user", "password": "a long enough secret" }),
        )
        .await;
    assert_eq!(credential.status, StatusCode::CREATED, "{}", credential.text);
    let role = b
        .post(&format!("/api/admin/v1/orgs/{org_b}/roles"), json!({ "name": "B role", "permissions": ["audit_read"] }))
        .await;
    assert_eq!(role.status, StatusCode::CREATED, "{}", role.text);
    let rule = b
        .post(
            "/api/publisher/v1/alerts/rules",
            json!({ "org_id": org_b, "api_id": api_id, "name": "B errors", "metric": "error_rate",
                "threshold": 5.0, "window_minutes": 5 }),
        )
        .await;
    assert_eq!(rule.status, StatusCode::CREATED, "{}", rule.text);
    // A second session of B's admin (the first one makes the calls below).
    let b_elsewhere = app.signed_in("admin-b@example.com").await;
    let b_sessions = b_elsewhere.get("/api/me/sessions").await;
    let b_session = b_sessions.body.as_array().unwrap().iter().find(|s| s["current"] == true).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let fixtures: HashMap<&str, String> = HashMap::from([
        ("role_id", role.body["id"].as_str().unwrap().to_owned()),
        ("org_id", org_b.clone()),
        ("user_id", admin_b.clone()),
        ("invitation_id", invitation.body["id"].as_str().unwrap().to_owned()),
        ("token_id", token.body["token"]["id"].as_str().unwrap().to_owned()),
        ("api_id", api_id.clone()),
        ("revision_id", revision_id),
        ("environment", "production".to_owned()),
        ("application_id", application_id.clone()),
        ("subscription_id", subscription.body["id"].as_str().unwrap().to_owned()),
        ("key_id", key.body["key"]["id"].as_str().unwrap().to_owned()),
        ("client_id", client.body["client"]["id"].as_str().unwrap().to_owned()),
        ("credential_id", credential.body["id"].as_str().unwrap().to_owned()),
        ("session_id", b_session),
        ("rule_id", rule.body["id"].as_str().unwrap().to_owned()),
    ]);
    let secrets_of_b = [
        org_b.as_str(),
        admin_b.as_str(),
        "admin-b@example.com",
        "guest-b@example.com",
        api_id.as_str(),
        application_id.as_str(),
    ];

    let spec = app.client().get("/api/openapi.json").await.body;
    let operations = operations(&spec);
    assert!(operations.len() >= 20, "the spec lists {} operations", operations.len());
    let mut admin_a = app.signed_in("admin-a@example.com").await;
    let mut checked = 0;
    let mut plans = Vec::new();
    let tenant_paths = |p: &String| {
        !p.starts_with(NOT_TENANT_RESOURCES)
            && p != ENDS_THE_CALLERS_SESSION
            && !PLATFORM_RESOURCES.iter().any(|prefix| p.starts_with(prefix))
    };
    for (method, path, operation) in operations.iter().filter(|(_, p, _)| tenant_paths(p)) {
        let (url, path_uses_b) = substitute(path, &fixtures);
        let (body, body_uses_b) = request_body(&spec, operation, &fixtures);
        let reply = admin_a.send(method.clone(), &url, body.clone(), &[]).await;
        assert!(!reply.status.is_server_error(), "{method} {url}: {}", reply.text);
        if path_uses_b || body_uses_b {
            assert_eq!(reply.status, StatusCode::NOT_FOUND, "{method} {url} as org A's admin: {}", reply.text);
            plans.push((method.clone(), url, body));
        } else {
            for secret in secrets_of_b {
                assert!(!reply.text.contains(secret), "{method} {url} leaked {secret}: {}", reply.text);
            }
        }
        checked += 1;
    }
    assert!(checked >= 15 && plans.len() >= 8, "checked {checked}, {} with B's resources", plans.len());

    for (method, url, body) in plans {
        let reply = b.send(method.clone(), &url, body, &[]).await;
        assert_ne!(
            reply.status,
            StatusCode::NOT_FOUND,
            "fixture check: {method} {url} must exist for org B's admin: {}",
            reply.text
        );
        assert!(!reply.status.is_server_error(), "{method} {url}: {}", reply.text);
    }
    let _ = org_a;
}

/// Every `(method, path, operation)` of the document.
fn operations(spec: &Value) -> Vec<(Method, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            if let Ok(method) = method.to_uppercase().parse::<Method>() {
                out.push((method, path.clone(), operation.clone()));
            }
        }
    }
    // Reads first, then changes, deletions last (they would remove fixtures).
    out.sort_by_key(|(m, p, _)| (*m == Method::DELETE, *m != Method::GET, p.clone()));
    out
}

/// Replaces `{param}` with fixtures; whether any was substituted.
fn substitute(path: &str, fixtures: &HashMap<&str, String>) -> (String, bool) {
    let mut url = path.to_owned();
    let mut used = false;
    while let Some(start) = url.find('{') {
        let end = url[start..].find('}').unwrap() + start;
        let name = &url[start + 1..end];
        let value = fixtures
            .get(name)
            .unwrap_or_else(|| panic!("no fixture for path parameter `{name}` of {path}: add one to this test"));
        url.replace_range(start..=end, value);
        used = true;
    }
    (url, used)
}

/// A valid request body from the operation's schema: required fields get plausible
/// values; fields named like fixtures get B's ids.
fn request_body(spec: &Value, operation: &Value, fixtures: &HashMap<&str, String>) -> (Option<Value>, bool) {
    let Some(schema) = operation.pointer("/requestBody/content/application~1json/schema") else { return (None, false) };
    let mut used = false;
    let body = sample(spec, schema, "", fixtures, &mut used);
    (Some(body), used)
}

fn resolve<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => spec.pointer(reference.trim_start_matches('#')).map_or(schema, |s| resolve(spec, s)),
        None => schema,
    }
}

fn sample(spec: &Value, schema: &Value, name: &str, fixtures: &HashMap<&str, String>, used: &mut bool) -> Value {
    let schema = resolve(spec, schema);
    if let Some(value) = fixtures.get(name) {
        *used = true;
        return json!(value);
    }
    if let Some(first) = schema.get("enum").and_then(|e| e.get(0)) {
        return first.clone();
    }
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        let mut merged = Map::new();
        for part in parts {
            if let Value::Object(fields) = sample(spec, part, name, fixtures, used) {
                merged.extend(fields);
            }
        }
        return Value::Object(merged);
    }
    for combinator in ["oneOf", "anyOf"] {
        if let Some(options) = schema.get(combinator).and_then(Value::as_array) {
            let option =
                options.iter().find(|o| o.get("type").and_then(Value::as_str) != Some("null")).unwrap_or(&options[0]);
            return sample(spec, option, name, fixtures, used);
        }
    }
    let kind = match schema.get("type") {
        Some(Value::Array(kinds)) => {
            kinds.iter().filter_map(Value::as_str).find(|k| *k != "null").unwrap_or("null").to_owned()
        }
        Some(Value::String(kind)) => kind.clone(),
        _ => "object".to_owned(),
    };
    match kind.as_str() {
        "object" => {
            let required: Vec<&str> = schema
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let mut object = Map::new();
            for (field, field_schema) in schema.get("properties").and_then(Value::as_object).into_iter().flatten() {
                if required.contains(&field.as_str()) || fixtures.contains_key(field.as_str()) {
                    object.insert(field.clone(), sample(spec, field_schema, field, fixtures, used));
                }
            }
            Value::Object(object)
        }
        "string" if name.contains("email") => json!("someone-new@example.com"),
        "string" if name.contains("password") => json!(support::PASSWORD),
        "string" if name == "slug" => json!("new-org"),
        "string" if schema.get("format").and_then(Value::as_str) == Some("uuid") => json!(uuid::Uuid::new_v4()),
        "string" => json!("A value"),
        "integer" | "number" => json!(7),
        "boolean" => json!(false),
        "array" => json!([]),
        _ => Value::Null,
    }
}

#[tokio::test]
async fn platform_resources_are_forbidden_to_org_admins() {
    let app = support::app("server::tenant_isolation::platform_resources").await;
    app.org_with_member("org-a", "admin-a@example.com", "org_admin").await;
    let mut root = app.signed_in("root@example.com").await;
    let created =
        root.post("/api/admin/v1/gateway-tokens", json!({ "name": "dc-1", "environment": "production" })).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let id = created.body["token"]["id"].as_str().unwrap().to_owned();
    let tier = root.post("/api/admin/v1/tiers", json!({ "name": "Platinum", "rate_limit": 10 })).await;
    assert_eq!(tier.status, StatusCode::CREATED, "{}", tier.text);
    let tier_id = tier.body["id"].as_str().unwrap().to_owned();
    let mut admin_a = app.signed_in("admin-a@example.com").await;
    for (method, url) in [
        (Method::DELETE, format!("/api/admin/v1/tiers/{tier_id}")),
        (Method::GET, "/api/admin/v1/gateway-tokens".to_owned()),
        (Method::GET, "/api/admin/v1/gateways".to_owned()),
        (Method::GET, "/api/admin/v1/key-managers".to_owned()),
        (Method::GET, "/api/admin/v1/signing-keys".to_owned()),
        (Method::POST, "/api/admin/v1/signing-keys/rotate".to_owned()),
        (Method::GET, "/api/admin/v1/platform-settings".to_owned()),
        (Method::DELETE, format!("/api/admin/v1/gateway-tokens/{id}")),
    ] {
        let reply = admin_a.send(method.clone(), &url, None, &[]).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{method} {url}: {}", reply.text);
        assert!(!reply.text.contains("dc-1"));
    }
    let reply = admin_a.post("/api/admin/v1/gateway-tokens", json!({ "name": "x", "environment": "production" })).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = admin_a.post("/api/admin/v1/tiers", json!({ "name": "Mine", "rate_limit": 1_000_000 })).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "tiers are the platform's: {}", reply.text);
    let listed = admin_a.get("/api/admin/v1/tiers").await;
    assert!(listed.text.contains("Platinum"), "anyone signed in sees the plans: {}", listed.text);
    let reply = admin_a.get("/api/gateway/v1/connect?environment=production").await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "the stream takes gateway tokens only: {}", reply.text);
    let revoked = root.send(Method::DELETE, &format!("/api/admin/v1/gateway-tokens/{id}"), None, &[]).await;
    assert_eq!(revoked.status, StatusCode::OK);
    assert!(revoked.body["revoked_at"].is_string());
}
