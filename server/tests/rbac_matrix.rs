//! The RBAC matrix: every operation of `/api/openapi.json` × every kind of caller,
//! allowed or refused exactly as the operation's declared permission says.
//!
//! The declaration is the operation's `x-portico-permission` (from the one table in
//! `server/src/api/access.rs`); an operation without one fails here. Only operations
//! declared `public` (with their reason in the table) or `gateway_token` are not called.
//! The callers: anonymous, consumer, publisher, org admin, platform admin, a member with
//! a custom role and a personal access token with limited scopes. What each may do is
//! computed from the permission list (`domain::Role::permissions`, the custom role's and
//! the token's permissions), not from the code under test.
//!
//! Each caller gets fresh fixtures (an API deployed and published, an application with a
//! subscription and a key, an invitation, a spare custom role, a member to change, a
//! gateway token, its own token), so the guard is reached with real objects. *Allowed*
//! means the guard let the call through: any status but 401, 403 and 404 (a 409 or 422
//! after the guard is fine). *Refused* is 401, 403 or 404 — or, for lists that filter
//! rather than refuse, a 2xx without the fixture in it.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use std::collections::HashMap;

use domain::permissions::PermissionScope;
use domain::{Permission, Permissions, Role};
use http::{Method, StatusCode};
use serde_json::json;
use support::{Client, TestApp};

const SPEC: &str = r#"{"openapi": "3.0.3", "info": {"title": "M", "version": "1"}, "paths": {"/x": {"get": {"responses": {"200": {"description": "ok"}}}}}}"#;

/// The custom role's permissions: a release manager who also reads the audit log.
fn custom_permissions() -> Permissions {
    [Permission::ApisRead, Permission::ApisDeploy, Permission::SubscriptionsManage, Permission::AuditRead]
        .into_iter()
        .collect()
}

/// The limited token's scopes (its owner is the org admin).
fn token_scopes() -> Permissions {
    [Permission::ApplicationsManage, Permission::KeysManage, Permission::MembersManage].into_iter().collect()
}

/// A kind of caller and what it holds in the fixture organization.
struct Caller {
    name: &'static str,
    signed_in: bool,
    platform_admin: bool,
    /// A token: only its scopes count (within the owner's rights).
    token: bool,
    /// Organization permissions in the fixture org (after the token's scopes).
    org: Permissions,
}

impl Caller {
    fn allowed(&self, declared: &str) -> bool {
        match declared {
            "signed_in" => self.signed_in,
            "admin_area" => self.org.iter().any(|p| p.area() == domain::permissions::Area::Admin),
            name => {
                let p = Permission::parse(name).unwrap_or_else(|| panic!("unknown permission `{name}` declared"));
                match p.scope() {
                    PermissionScope::ProviderOrg | PermissionScope::AnyOrg => self.org.contains(p),
                    PermissionScope::Platform => self.platform_admin,
                    PermissionScope::Account => self.signed_in && !self.token,
                }
            }
        }
    }
}

/// Lists that filter instead of refusing: the fixture that an allowed caller must see.
fn list_marker<'a>(path: &str, fixtures: &'a HashMap<&str, String>) -> Option<&'a String> {
    match path {
        "/api/publisher/v1/apis" => fixtures.get("api_id"),
        "/api/portal/v1/applications" => fixtures.get("application_id"),
        "/api/admin/v1/orgs" | "/api/admin/v1/audit-log" => fixtures.get("org_id"),
        "/api/admin/v1/users" => fixtures.get("user_id"),
        "/api/publisher/v1/alerts/rules" => fixtures.get("rule_id"),
        _ => None,
    }
}

#[tokio::test]
async fn every_route_answers_every_role_as_its_permission_says() {
    let app = support::app("server::rbac_matrix::every_route").await;
    let mut root = app.signed_in("root@example.com").await;
    let (org, _) = app.org_with_member("acme", "consumer@example.com", "consumer").await;
    for (email, role) in
        [("publisher@example.com", "publisher"), ("admin@example.com", "org_admin"), ("custom@example.com", "consumer")]
    {
        let user = json!({ "email": email, "display_name": email, "password": support::PASSWORD, "org_id": org, "role": role });
        assert_eq!(root.post("/api/admin/v1/users", user).await.status, StatusCode::CREATED);
    }
    let custom_names: Vec<&str> = custom_permissions().iter().map(Permission::as_str).collect();
    let role = root
        .post(
            &format!("/api/admin/v1/orgs/{org}/roles"),
            json!({ "name": "Release manager", "permissions": custom_names }),
        )
        .await;
    assert_eq!(role.status, StatusCode::CREATED, "{}", role.text);
    let custom_user = user_id(&mut root, "custom@example.com").await;
    let assigned = root
        .put(
            &format!("/api/admin/v1/orgs/{org}/members/{custom_user}"),
            json!({ "role": "custom", "custom_role_id": role.body["id"] }),
        )
        .await;
    assert_eq!(assigned.status, StatusCode::OK, "{}", assigned.text);
    let mut admin = app.signed_in("admin@example.com").await;
    let scopes: Vec<&str> = token_scopes().iter().map(Permission::as_str).collect();
    let pat = admin.post("/api/me/tokens", json!({ "name": "limited", "scopes": scopes })).await;
    assert_eq!(pat.status, StatusCode::CREATED, "{}", pat.text);
    assert_eq!(pat.body["token"]["scopes"], json!(scopes));

    let callers = [
        (
            Caller { name: "anonymous", signed_in: false, platform_admin: false, token: false, org: Permissions::NONE },
            None,
        ),
        (role_caller("consumer", Role::Consumer), Some("consumer@example.com")),
        (role_caller("publisher", Role::Publisher), Some("publisher@example.com")),
        (role_caller("org admin", Role::OrgAdmin), Some("admin@example.com")),
        (
            Caller {
                name: "platform admin",
                signed_in: true,
                platform_admin: true,
                token: false,
                org: Permissions::all(),
            },
            Some("root@example.com"),
        ),
        (
            Caller {
                name: "custom role",
                signed_in: true,
                platform_admin: false,
                token: false,
                org: custom_permissions(),
            },
            Some("custom@example.com"),
        ),
        (
            Caller {
                name: "limited token",
                signed_in: true,
                platform_admin: false,
                token: true,
                org: Role::OrgAdmin.permissions().intersect(token_scopes()),
            },
            Some("admin@example.com"),
        ),
    ];

    let spec = app.client().get("/api/openapi.json").await.body;
    let operations = support::spec::operations(&spec);
    let mut mismatches = Vec::new();
    let mut checked = 0;
    let mut skipped = Vec::new();
    for (n, (caller, email)) in callers.iter().enumerate() {
        // A fresh sign-in: an earlier caller's "log out everywhere" may have ended root's.
        root = app.signed_in("root@example.com").await;
        let mut fixtures = fresh_fixtures(&app, &mut root, &org, n).await;
        let mut client = match (caller.token, email) {
            (true, _) => {
                fixtures.insert("token_id", pat.body["token"]["id"].as_str().unwrap().to_owned());
                let mut client = app.client();
                client.bearer = Some(pat.body["secret"].as_str().unwrap().to_owned());
                client
            }
            (false, Some(email)) => {
                let mut client = app.signed_in(email).await;
                let own = client.post("/api/me/tokens", json!({ "name": format!("own {n}") })).await;
                fixtures.insert("token_id", own.body["token"]["id"].as_str().unwrap().to_owned());
                client
            }
            (false, None) => {
                fixtures.insert("token_id", fixtures["spare_token_id"].clone());
                app.client()
            }
        };
        // A second session of the caller (deleting it must not end the one calling).
        let second = match email {
            Some(email) => app.signed_in(email).await,
            None => app.signed_in("root@example.com").await,
        };
        let sessions = second.get("/api/me/sessions").await;
        let current = sessions.body.as_array().unwrap().iter().find(|s| s["current"] == true).unwrap();
        fixtures.insert("session_id", current["id"].as_str().unwrap().to_owned());
        // "Log out everywhere" ends the caller's own session: it goes last.
        let mut ordered: Vec<_> = operations.iter().collect();
        ordered.sort_by_key(|(_, path, _)| path == "/api/me/sessions/revoke-all");
        for (method, path, operation) in ordered {
            let declared = operation["x-portico-permission"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path} declares no x-portico-permission"));
            assert_ne!(declared, "undeclared", "{method} {path}: add its row to server/src/api/access.rs");
            if declared == "public" || declared == "gateway_token" {
                if n == 0 {
                    skipped.push(format!("{method} {path} ({declared})"));
                }
                continue;
            }
            let url = support::spec::url(path, operation, &fixtures);
            let body = support::spec::body(&spec, operation, &fixtures);
            let reply = client.send(method.clone(), &url, body.clone(), &[]).await;
            assert!(!reply.status.is_server_error(), "{method} {url} as {}: {}", caller.name, reply.text);
            let refused_status =
                matches!(reply.status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND);
            let filtered_out = *method == Method::GET
                && reply.status.is_success()
                && list_marker(path, &fixtures).is_some_and(|marker| !reply.text.contains(marker.as_str()));
            let allowed = !refused_status && !filtered_out;
            let expected = caller.allowed(declared);
            if allowed != expected {
                mismatches.push(format!(
                    "{method} {path} [{declared}] as {}: expected {}, got {} {}",
                    caller.name,
                    if expected { "allowed" } else { "refused" },
                    reply.status,
                    reply.text.chars().take(160).collect::<String>()
                ));
            }
            if !caller.signed_in {
                assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{method} {url} anonymously: {}", reply.text);
            }
            checked += 1;
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {checked} calls disagree with the permission table:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    let routes = checked / callers.len();
    assert!(routes >= 50, "only {routes} routes were called; skipped: {skipped:?}");
    assert!(
        skipped.iter().all(|s| ["/api/auth/", "/api/portal/v1/", "/api/gateway/", "/oauth2/", "/.well-known/"]
            .iter()
            .any(|prefix| s.contains(prefix))),
        "{skipped:?}"
    );
}

fn role_caller(name: &'static str, role: Role) -> Caller {
    Caller { name, signed_in: true, platform_admin: false, token: false, org: role.permissions() }
}

async fn user_id(root: &mut Client, email: &str) -> String {
    let found = root.get(&format!("/api/admin/v1/users?q={email}")).await;
    found.body["items"][0]["id"].as_str().unwrap().to_owned()
}

/// Fresh objects in `org` for one caller's run, made by the platform admin.
async fn fresh_fixtures(app: &TestApp, root: &mut Client, org: &str, n: usize) -> HashMap<&'static str, String> {
    let api = root
        .post(
            "/api/publisher/v1/apis/import",
            json!({
                "org_id": org, "context": format!("/m{n}"), "version": "v1", "visibility": "public", "spec": SPEC,
                "definition": { "production": { "endpoints": [{ "url": "http://127.0.0.1:9" }] } },
            }),
        )
        .await;
    assert_eq!(api.status, StatusCode::CREATED, "{}", api.text);
    let api_id = api.body["id"].as_str().unwrap().to_owned();
    let revision = root.post(&format!("/api/publisher/v1/apis/{api_id}/revisions"), json!({})).await;
    let revision_id = revision.body["id"].as_str().unwrap().to_owned();
    let deployed = root
        .put(&format!("/api/publisher/v1/apis/{api_id}/deployments/production"), json!({ "revision_id": revision_id }))
        .await;
    assert_eq!(deployed.status, StatusCode::OK, "{}", deployed.text);
    let published =
        root.post(&format!("/api/publisher/v1/apis/{api_id}/lifecycle"), json!({ "state": "published" })).await;
    assert_eq!(published.status, StatusCode::OK, "{}", published.text);
    let application = root
        .post("/api/portal/v1/applications", json!({ "org_id": org, "name": format!("App {n}"), "shared": true }))
        .await;
    assert_eq!(application.status, StatusCode::CREATED, "{}", application.text);
    let application_id = application.body["id"].as_str().unwrap().to_owned();
    let subscription = root
        .post(
            &format!("/api/portal/v1/applications/{application_id}/subscriptions"),
            json!({ "api_id": api_id, "tier": "Gold" }),
        )
        .await;
    assert_eq!(subscription.status, StatusCode::CREATED, "{}", subscription.text);
    let key = root
        .post(&format!("/api/portal/v1/applications/{application_id}/keys"), json!({ "environment": "production" }))
        .await;
    assert_eq!(key.status, StatusCode::CREATED, "{}", key.text);
    let invitation = root
        .post(&format!("/api/admin/v1/orgs/{org}/invitations"), json!({ "email": format!("guest{n}@example.com") }))
        .await;
    assert_eq!(invitation.status, StatusCode::CREATED, "{}", invitation.text);
    let spare = root
        .post(
            &format!("/api/admin/v1/orgs/{org}/roles"),
            json!({ "name": format!("Spare {n}"), "permissions": ["audit_read"] }),
        )
        .await;
    assert_eq!(spare.status, StatusCode::CREATED, "{}", spare.text);
    let target = json!({ "email": format!("target{n}@example.com"), "display_name": "Target", "password": support::PASSWORD, "org_id": org, "role": "consumer" });
    let target = root.post("/api/admin/v1/users", target).await;
    assert_eq!(target.status, StatusCode::CREATED, "{}", target.text);
    let gateway_token = root
        .post("/api/admin/v1/gateway-tokens", json!({ "name": format!("gw{n}"), "environment": "production" }))
        .await;
    assert_eq!(gateway_token.status, StatusCode::CREATED, "{}", gateway_token.text);
    let spare_token = root.post("/api/me/tokens", json!({ "name": format!("spare {n}") })).await;
    let client = root
        .post(
            &format!("/api/portal/v1/applications/{application_id}/oauth-clients"),
            json!({ "environment": "production" }),
        )
        .await;
    assert_eq!(client.status, StatusCode::CREATED, "{}", client.text);
    let credential = root
        .post(
            &format!("/api/portal/v1/applications/{application_id}/basic-credentials"),
            json!({ "environment": "production", "username": format!("user-{n}"), "password": "a long enough secret" }),
        )
        .await;
    assert_eq!(credential.status, StatusCode::CREATED, "{}", credential.text);
    let key_manager = key_manager_row(app, n).await;
    let provider = root
        .post(
            "/api/admin/v1/sso-providers",
            json!({ "slug": format!("idp-{n}"), "display_name": format!("IdP {n}"), "issuer": format!("https://idp{n}.example"),
                "client_id": "portico", "org_id": org }),
        )
        .await;
    assert_eq!(provider.status, StatusCode::CREATED, "{}", provider.text);
    let tier = root.post("/api/admin/v1/tiers", json!({ "name": format!("Tier {n}"), "rate_limit": 10 })).await;
    assert_eq!(tier.status, StatusCode::CREATED, "{}", tier.text);
    let rule = root
        .post(
            "/api/publisher/v1/alerts/rules",
            json!({ "org_id": org, "api_id": api_id, "name": format!("Rule {n}"), "metric": "error_rate",
                "threshold": 5.0, "window_minutes": 5 }),
        )
        .await;
    assert_eq!(rule.status, StatusCode::CREATED, "{}", rule.text);
    HashMap::from([
        ("rule_id", rule.body["id"].as_str().unwrap().to_owned()),
        ("tier_id", tier.body["id"].as_str().unwrap().to_owned()),
        ("org_id", org.to_owned()),
        ("api_id", api_id),
        ("revision_id", revision_id),
        ("environment", "production".to_owned()),
        ("application_id", application_id),
        ("subscription_id", subscription.body["id"].as_str().unwrap().to_owned()),
        ("key_id", key.body["key"]["id"].as_str().unwrap().to_owned()),
        ("invitation_id", invitation.body["id"].as_str().unwrap().to_owned()),
        ("role_id", spare.body["id"].as_str().unwrap().to_owned()),
        ("user_id", target.body["id"].as_str().unwrap().to_owned()),
        ("gateway_token_id", gateway_token.body["token"]["id"].as_str().unwrap().to_owned()),
        ("spare_token_id", spare_token.body["token"]["id"].as_str().unwrap().to_owned()),
        ("client_id", client.body["client"]["id"].as_str().unwrap().to_owned()),
        ("credential_id", credential.body["id"].as_str().unwrap().to_owned()),
        ("key_manager_id", key_manager),
        ("provider_id", provider.body["id"].as_str().unwrap().to_owned()),
    ])
}

/// A key manager stored directly (registering one fetches its discovery document).
async fn key_manager_row(app: &TestApp, n: usize) -> String {
    use domain::entities::key_manager;
    use sea_orm::{ActiveModelTrait, Set};
    let now = chrono::Utc::now();
    let row = key_manager::ActiveModel {
        id: Set(uuid::Uuid::now_v7()),
        name: Set(format!("IdP {n}")),
        issuer: Set(format!("https://idp{n}.example")),
        discovery_url: Set("http://127.0.0.1:9/.well-known/openid-configuration".into()),
        jwks_uri: Set(None),
        client_claim: Set("azp".into()),
        audiences: Set(json!([])),
        algorithms: Set(json!(["RS256"])),
        jwks: Set(None),
        jwks_fetched_at: Set(None),
        last_error: Set(None),
        enabled: Set(true),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&app.state.db)
    .await
    .unwrap();
    row.id.to_string()
}

#[tokio::test]
async fn a_limited_token_cannot_escape_its_scopes_and_old_tokens_keep_full_rights() {
    let app = support::app("server::rbac_matrix::limited_token").await;
    let (org, _) = app.org_with_member("acme", "publisher@example.com", "publisher").await;
    let mut publisher = app.signed_in("publisher@example.com").await;
    let limited = publisher.post("/api/me/tokens", json!({ "name": "read", "scopes": ["apis_read"] })).await;
    assert_eq!(limited.status, StatusCode::CREATED, "{}", limited.text);
    let not_held = publisher.post("/api/me/tokens", json!({ "name": "x", "scopes": ["members_manage"] })).await;
    assert_eq!(
        (not_held.status, not_held.body["errors"][0]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("not_held"))
    );
    let full = publisher.post("/api/me/tokens", json!({ "name": "full" })).await;
    assert!(full.body["token"]["scopes"].is_null());

    let mut token = app.client();
    token.bearer = Some(limited.body["secret"].as_str().unwrap().to_owned());
    let create = json!({ "org_id": org, "name": "T", "context": "/t", "version": "v1" });
    let refused = token.post("/api/publisher/v1/apis", create.clone()).await;
    assert_eq!((refused.status, refused.code()), (StatusCode::FORBIDDEN, "forbidden"), "{}", refused.text);
    assert_eq!(token.get("/api/publisher/v1/apis").await.status, StatusCode::OK);
    let minted = token.post("/api/me/tokens", json!({ "name": "more" })).await;
    assert_eq!(minted.status, StatusCode::FORBIDDEN, "a token never mints tokens");

    let mut full_token = app.client();
    full_token.bearer = Some(full.body["secret"].as_str().unwrap().to_owned());
    assert_eq!(full_token.post("/api/publisher/v1/apis", create).await.status, StatusCode::CREATED);
    let listed = publisher.get("/api/me/tokens").await;
    let scopes: Vec<_> = listed.body.as_array().unwrap().iter().map(|t| t["scopes"].clone()).collect();
    assert!(scopes.contains(&json!(["apis_read"])) && scopes.contains(&serde_json::Value::Null), "{scopes:?}");
}
