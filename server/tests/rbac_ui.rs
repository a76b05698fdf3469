//! The RBAC pages as the server renders them and their server functions: the roles page
//! (list, permission checkboxes with descriptions, create and delete), the member role
//! picker offering custom roles, an admin area narrowed to a custom role's permissions,
//! and token scopes on the account page.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use http::StatusCode;
use serde_json::json;

fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            format!("{k}={}", v.replace('%', "%25").replace(' ', "+").replace(',', "%2C").replace(':', "%3A"))
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[tokio::test]
async fn roles_page_member_picker_and_a_narrow_admin_area() {
    let app = support::app("server::rbac_ui::roles_page").await;
    let (org, _) = app.org_with_member("acme", "admin@example.com", "org_admin").await;
    let (_, auditor_id) = {
        let mut root = app.signed_in("root@example.com").await;
        let user = json!({ "email": "auditor@example.com", "display_name": "Auditor", "password": support::PASSWORD, "org_id": org, "role": "consumer" });
        let created = root.post("/api/admin/v1/users", user).await;
        (root, created.body["id"].as_str().unwrap().to_owned())
    };
    let mut admin = app.signed_in("admin@example.com").await;
    let csrf = admin.csrf.clone().unwrap();
    let saved = admin
        .post_form(
            "/ui/fn/admin_save_role",
            &form(&[
                ("csrf_token", &csrf),
                ("org_id", &org),
                ("name", "Auditor"),
                ("description", "Reads the audit log"),
                ("permissions", "audit_read"),
            ]),
        )
        .await;
    assert!(saved.status.is_success(), "{} {}", saved.status, saved.text);
    let refused = admin
        .post_form(
            "/ui/fn/admin_save_role",
            &form(&[
                ("csrf_token", &csrf),
                ("org_id", &org),
                ("name", "Root"),
                ("description", ""),
                ("permissions", "gateways_manage"),
            ]),
        )
        .await;
    assert!(refused.text.contains("not_a_role_permission"), "{}", refused.text);

    let page = admin.get(&format!("/admin/orgs/{org}/roles")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("Auditor") && page.text.contains("Reads the audit log"));
    assert!(page.text.contains(r#"data-permission="members_manage""#), "a checkbox per permission");
    assert!(
        page.text.contains("Read the organization&#x27;s audit log.")
            || page.text.contains("Read the organization's audit log.")
    );
    assert!(!page.text.contains(r#"data-permission="gateways_manage""#), "platform permissions are not offered");

    let roles = admin.get(&format!("/api/admin/v1/orgs/{org}/roles")).await;
    let role_id = roles.body["items"][0]["id"].as_str().unwrap().to_owned();
    let detail = admin.get(&format!("/admin/orgs/{org}")).await;
    assert!(detail.text.contains(&format!("custom:{role_id}")), "the member picker offers the custom role");
    let custom = format!("custom:{role_id}");
    let assigned = admin
        .post_form(
            "/ui/fn/set_member_role",
            &form(&[("csrf_token", &csrf), ("org_id", &org), ("user_id", &auditor_id), ("role", &custom)]),
        )
        .await;
    assert!(assigned.status.is_success(), "{} {}", assigned.status, assigned.text);

    let auditor = app.signed_in("auditor@example.com").await;
    assert_eq!(auditor.get("/admin/audit").await.status, StatusCode::OK, "the admin area opens for audit_read");
    let narrowed = auditor.get(&format!("/admin/orgs/{org}")).await;
    assert_eq!(narrowed.status, StatusCode::OK);
    assert!(!narrowed.text.contains("Send invitation"), "no members section without members_manage");
    assert_eq!(auditor.get("/publisher").await.status, StatusCode::FORBIDDEN);

    let in_use = admin
        .post_form("/ui/fn/admin_delete_role", &form(&[("csrf_token", &csrf), ("org_id", &org), ("id", &role_id)]))
        .await;
    assert!(in_use.text.contains("role_in_use"), "{}", in_use.text);
}

#[tokio::test]
async fn tokens_are_created_with_scopes_from_the_account_page() {
    let app = support::app("server::rbac_ui::token_scopes").await;
    app.org_with_member("acme", "publisher@example.com", "publisher").await;
    let mut publisher = app.signed_in("publisher@example.com").await;
    let csrf = publisher.csrf.clone().unwrap();
    let page = publisher.get("/account").await;
    assert!(page.text.contains(r#"data-scope="apis_deploy""#), "the publisher's permissions are offered");
    assert!(!page.text.contains(r#"data-scope="members_manage""#), "permissions the owner lacks are not");
    let created = publisher
        .post_form(
            "/ui/fn/create_token",
            &form(&[
                ("csrf_token", &csrf),
                ("name", "deploy bot"),
                ("expires_in_days", "30"),
                ("access", "limited"),
                ("scopes", "apis_read,apis_deploy"),
            ]),
        )
        .await;
    assert!(created.status.is_success(), "{} {}", created.status, created.text);
    let tokens = publisher.get("/api/me/tokens").await;
    assert_eq!(tokens.body[0]["scopes"], json!(["apis_read", "apis_deploy"]));
    let listed = publisher.get("/account").await;
    assert!(listed.text.contains("deploy bot") && listed.text.contains("apis_deploy"));
    let full = publisher
        .post_form(
            "/ui/fn/create_token",
            &form(&[
                ("csrf_token", &csrf),
                ("name", "all"),
                ("expires_in_days", "30"),
                ("access", "full"),
                ("scopes", ""),
            ]),
        )
        .await;
    assert!(full.status.is_success(), "{}", full.text);
    let listed = publisher.get("/account").await;
    assert!(listed.text.contains("full access"));
}
