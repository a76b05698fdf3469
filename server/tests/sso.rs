//! Single sign-on against a test OpenID Connect provider (`support::oidc`): first sign-in
//! provisions the user into the provider's organization and role, the second finds them;
//! a callback from another browser, a replayed one, a wrong nonce, audience or expiry, a
//! foreign signing key, an unverified or disallowed e-mail address, a provider that is
//! down, disabled or unknown each end on the sign-in page with their own code, never a
//! 500. Also the admin API: the secret is write-only and only platform admins manage
//! providers.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use http::{Method, StatusCode};
use serde_json::{Value, json};
use support::oidc::{CLIENT_ID, CLIENT_SECRET, Tamper, TestIdp, TestUser};
use support::{Client, ORIGIN, Reply, TestApp};

/// Registers the test provider as `slug`, provisioning into a new org `acme` as publisher.
async fn register(app: &TestApp, idp: &TestIdp, slug: &str, extra: Value) -> Value {
    let mut root = app.signed_in("root@example.com").await;
    let orgs = root.get("/api/admin/v1/orgs?q=acme").await;
    let org_id = match orgs.body["items"].as_array().and_then(|items| items.first()) {
        Some(org) => org["id"].clone(),
        None => root.post("/api/admin/v1/orgs", json!({ "slug": "acme", "name": "Acme" })).await.body["id"].clone(),
    };
    let mut input = json!({
        "slug": slug, "display_name": "Corp ID", "issuer": idp.issuer(), "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET, "org_id": org_id, "role": "publisher",
    });
    input.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    let created = root.post("/api/admin/v1/sso-providers", input).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    created.body
}

async fn get(browser: &mut Client, path: &str) -> Reply {
    browser.send(Method::GET, path, None, &[]).await
}

fn location(reply: &Reply) -> String {
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text);
    reply.headers["location"].to_str().unwrap().to_owned()
}

/// Starts a sign-in in `browser` and lets the provider answer; returns the callback path.
async fn through_provider(browser: &mut Client, idp: &TestIdp, slug: &str) -> String {
    let start = get(browser, &format!("/auth/sso/{slug}/start?next=/publisher")).await;
    let to_provider = location(&start);
    assert!(browser.has_cookie("portico_sso"), "the state cookie binds the sign-in to this browser");
    for part in ["code_challenge_method=S256", "nonce=", "state=", "scope=openid"] {
        assert!(to_provider.contains(part), "{part} missing in {to_provider}");
    }
    let back = idp.authorize(&to_provider).await;
    back.strip_prefix(ORIGIN).expect("redirect URI on Portico").to_owned()
}

/// A whole sign-in; returns where Portico sent the browser.
async fn sign_in(browser: &mut Client, idp: &TestIdp, slug: &str) -> String {
    let callback = through_provider(browser, idp, slug).await;
    location(&get(browser, &callback).await)
}

async fn audit_count(app: &TestApp, action: &str) -> u64 {
    use domain::entities::audit_entry;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    audit_entry::Entity::find().filter(audit_entry::Column::Action.eq(action)).count(&app.state.db).await.unwrap()
}

#[tokio::test]
async fn first_sign_in_provisions_the_user_and_the_second_finds_them() {
    let app = support::app("server::sso::provisioning").await;
    let idp = TestIdp::start().await;
    register(&app, &idp, "corp", json!({})).await;
    let buttons = app.client().get("/api/auth/sso-providers").await;
    assert_eq!(
        buttons.body,
        json!([{ "slug": "corp", "display_name": "Corp ID", "start_path": "/auth/sso/corp/start" }])
    );

    let mut browser = app.client();
    assert_eq!(sign_in(&mut browser, &idp, "corp").await, "/publisher");
    assert!(browser.has_cookie("portico_session"));
    assert!(!browser.has_cookie("portico_sso"), "the state cookie is cleared");
    let me = browser.get("/api/me").await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.text);
    assert_eq!(
        (me.body["email"].as_str(), me.body["display_name"].as_str()),
        (Some("ann@corp.example"), Some("Ann Example"))
    );
    assert_eq!(me.body["status"], "active");
    let memberships = me.body["memberships"].as_array().unwrap();
    assert_eq!(memberships.len(), 1);
    assert_eq!(
        (memberships[0]["org_slug"].as_str(), memberships[0]["role"].as_str()),
        (Some("acme"), Some("publisher"))
    );
    assert_eq!(audit_count(&app, "user.sso_provision").await, 1);
    let publisher = browser.get("/api/publisher/v1/apis").await;
    assert_eq!(publisher.status, StatusCode::OK, "the session works like a password one: {}", publisher.text);

    let mut second = app.client();
    assert_eq!(sign_in(&mut second, &idp, "corp").await, "/publisher");
    assert_eq!(second.get("/api/me").await.body["id"], me.body["id"], "the same account");
    assert_eq!(audit_count(&app, "user.sso_provision").await, 1, "provisioned once");

    // An existing password account with the provider's verified address is found too.
    app.org_with_member("other", "bob@corp.example", "consumer").await;
    idp.set_user(TestUser {
        sub: "sub-bob".into(),
        email: "Bob@Corp.example".into(),
        email_verified: None,
        name: "B".into(),
    });
    let mut bob = app.client();
    sign_in(&mut bob, &idp, "corp").await;
    let bob_me = bob.get("/api/me").await;
    assert_eq!(bob_me.body["email"], "bob@corp.example");
    assert_eq!(bob_me.body["memberships"].as_array().unwrap().len(), 1, "no membership added to existing accounts");
}

#[tokio::test]
async fn a_callback_must_belong_to_this_browser_and_is_usable_once() {
    let app = support::app("server::sso::state").await;
    let idp = TestIdp::start().await;
    register(&app, &idp, "corp", json!({})).await;

    let mut victim = app.client();
    let mut attacker = app.client();
    let callback = through_provider(&mut attacker, &idp, "corp").await;
    let forged = get(&mut victim, &callback).await;
    assert_eq!(location(&forged), "/login?sso_error=state_mismatch");
    assert!(!victim.has_cookie("portico_session"));

    let mut browser = app.client();
    let callback = through_provider(&mut browser, &idp, "corp").await;
    let tampered_state = callback.replace("state=", "state=x");
    assert_eq!(location(&get(&mut browser.clone(), &tampered_state).await), "/login?sso_error=state_mismatch");
    let mut replay = browser.clone();
    assert_eq!(location(&get(&mut browser, &callback).await), "/publisher");
    assert_eq!(location(&get(&mut replay, &callback).await), "/login?sso_error=state_mismatch", "used once");

    let mut declined = app.client();
    let callback = through_provider(&mut declined, &idp, "corp").await;
    let state = callback.split("state=").nth(1).unwrap().to_owned();
    let refused = get(&mut declined, &format!("/auth/sso/corp/callback?error=access_denied&state={state}")).await;
    assert_eq!(location(&refused), "/login?sso_error=access_denied");
}

#[tokio::test]
async fn spoiled_id_tokens_are_refused_with_their_reason() {
    let app = support::app("server::sso::id_tokens").await;
    let idp = TestIdp::start().await;
    register(&app, &idp, "corp", json!({})).await;
    for (tamper, code) in [
        (Tamper::WrongNonce, "id_token_nonce_mismatch"),
        (Tamper::WrongAudience, "id_token_wrong_audience"),
        (Tamper::Expired, "id_token_expired"),
        (Tamper::ForeignKey, "id_token_invalid"),
    ] {
        idp.tamper(tamper);
        let mut browser = app.client();
        assert_eq!(sign_in(&mut browser, &idp, "corp").await, format!("/login?sso_error={code}"), "{tamper:?}");
        assert!(!browser.has_cookie("portico_session"));
    }
    assert_eq!(audit_count(&app, "user.sso_provision").await, 0);
    assert_eq!(idp.token_calls(), 4, "each code was exchanged (PKCE verifier accepted)");
}

#[tokio::test]
async fn addresses_providers_and_outages_are_checked() {
    let app = support::app("server::sso::checks").await;
    let idp = TestIdp::start().await;
    register(&app, &idp, "corp", json!({ "allowed_domains": "corp.example, corp.test" })).await;

    idp.set_user(TestUser {
        sub: "s1".into(),
        email: "eve@elsewhere.example".into(),
        email_verified: Some(true),
        name: "Eve".into(),
    });
    assert_eq!(sign_in(&mut app.client(), &idp, "corp").await, "/login?sso_error=domain_not_allowed");
    idp.set_user(TestUser {
        sub: "s2".into(),
        email: "dan@corp.test".into(),
        email_verified: Some(false),
        name: "Dan".into(),
    });
    assert_eq!(sign_in(&mut app.client(), &idp, "corp").await, "/login?sso_error=provider_email_unverified");
    idp.set_user(TestUser {
        sub: "s3".into(),
        email: "dan@corp.test".into(),
        email_verified: Some(true),
        name: "Dan".into(),
    });
    assert_eq!(sign_in(&mut app.client(), &idp, "corp").await, "/publisher");

    let unknown = get(&mut app.client(), "/auth/sso/nope/start").await;
    assert_eq!(location(&unknown), "/login?sso_error=unknown_provider");

    // A provider whose address answers nothing.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let mut root = app.signed_in("root@example.com").await;
    let org_id = root.get("/api/admin/v1/orgs?q=acme").await.body["items"][0]["id"].clone();
    let down = root
        .post(
            "/api/admin/v1/sso-providers",
            json!({ "slug": "down", "display_name": "Down", "issuer": dead, "client_id": "x", "org_id": org_id }),
        )
        .await;
    assert_eq!(down.status, StatusCode::CREATED, "{}", down.text);
    assert_eq!(
        location(&get(&mut app.client(), "/auth/sso/down/start").await),
        "/login?sso_error=provider_unavailable"
    );

    // Switched off between start and callback: the callback refuses.
    let provider = root
        .get("/api/admin/v1/sso-providers")
        .await
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["slug"] == "corp")
        .unwrap()
        .clone();
    let mut browser = app.client();
    let callback = through_provider(&mut browser, &idp, "corp").await;
    let path = format!("/api/admin/v1/sso-providers/{}", provider["id"].as_str().unwrap());
    let etag = format!("\"{}\"", provider["version"]);
    let off = root.send(Method::PATCH, &path, Some(json!({ "enabled": false })), &[("if-match", &etag)]).await;
    assert_eq!(off.status, StatusCode::OK, "{}", off.text);
    assert_eq!(location(&get(&mut browser, &callback).await), "/login?sso_error=provider_disabled");
    assert_eq!(location(&get(&mut app.client(), "/auth/sso/corp/start").await), "/login?sso_error=provider_disabled");
    let buttons = app.client().get("/api/auth/sso-providers").await;
    assert!(!buttons.text.contains("\"corp\""), "disabled providers get no button: {}", buttons.text);
}

#[tokio::test]
async fn only_platform_admins_manage_providers_and_the_secret_is_never_shown() {
    let app = support::app("server::sso::admin").await;
    let idp = TestIdp::start().await;
    let created = register(&app, &idp, "corp", json!({ "scopes": "email" })).await;
    assert!(!created.to_string().contains(CLIENT_SECRET), "{created}");
    assert_eq!(created["client_secret_set"], true);
    assert_eq!(created["scopes"], json!(["openid", "email"]));
    assert_eq!(created["redirect_uri"], format!("{ORIGIN}/auth/sso/corp/callback"));
    let id = created["id"].as_str().unwrap().to_owned();
    let path = format!("/api/admin/v1/sso-providers/{id}");

    let mut root = app.signed_in("root@example.com").await;
    let read = root.get(&path).await;
    assert!(!read.text.contains(CLIENT_SECRET));
    let stale = root.send(Method::PATCH, &path, Some(json!({ "display_name": "X" })), &[("if-match", "\"0\"")]).await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED, "{}", stale.text);
    let etag = read.headers["etag"].to_str().unwrap().to_owned();
    let renamed = root
        .send(
            Method::PATCH,
            &path,
            Some(json!({ "display_name": "Corp SSO", "client_secret": "" })),
            &[("if-match", &etag)],
        )
        .await;
    assert_eq!(
        (renamed.status, renamed.body["client_secret_set"].as_bool()),
        (StatusCode::OK, Some(true)),
        "{}",
        renamed.text
    );
    assert_eq!(sign_in(&mut app.client(), &idp, "corp").await, "/publisher", "the stored secret was kept");

    let bad = root
        .post(
            "/api/admin/v1/sso-providers",
            json!({ "slug": "Bad Slug", "display_name": "", "issuer": "http://idp.example.com", "client_id": "", "org_id": uuid::Uuid::nil(), "allowed_domains": "not a domain!" }),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
    let fields: Vec<&str> =
        bad.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["slug", "display_name", "issuer", "client_id", "allowed_domains", "org_id"]);
    let taken = root
        .post("/api/admin/v1/sso-providers", json!({ "slug": "corp", "display_name": "Again", "issuer": idp.issuer(), "client_id": "c", "org_id": created["org_id"] }))
        .await;
    assert_eq!((taken.status, taken.code()), (StatusCode::CONFLICT, "slug_taken"));

    app.org_with_member("org-a", "admin-a@example.com", "org_admin").await;
    let mut org_admin = app.signed_in("admin-a@example.com").await;
    assert_eq!(org_admin.get("/api/admin/v1/sso-providers").await.status, StatusCode::FORBIDDEN);
    assert_eq!(org_admin.get(&path).await.status, StatusCode::FORBIDDEN);
    assert_eq!(org_admin.delete(&path).await.status, StatusCode::FORBIDDEN);
    let consumer = app.signed_in_new_consumer("carl@example.com").await;
    assert_eq!(consumer.get(&path).await.status, StatusCode::NOT_FOUND);

    let deleted = root.delete(&path).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    assert_eq!(location(&get(&mut app.client(), "/auth/sso/corp/start").await), "/login?sso_error=unknown_provider");
}
