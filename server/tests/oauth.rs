//! Conformance of Portico's OAuth2 / OpenID Connect endpoints: discovery and JWKS, the
//! token endpoint for every grant and every RFC 6749 §5.2 error code, the authorization
//! endpoint and consent (PKCE, exact redirect URIs, remembered consent), refresh-token
//! rotation with reuse detection, revocation (RFC 7009), introspection (RFC 7662) and
//! userinfo — through the real router.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use domain::oauth::authorize::{self, AuthorizationRequest};
use http::StatusCode;
use serde_json::{Value, json};
use support::oauth::{REDIRECT, basic, claims, enc, fixture, pkce, post};
use support::{TestApp, app};

const TOKEN: &str = "/oauth2/token";

async fn cc_token(app: &TestApp, f: &support::oauth::Fixture, scope: &str) -> support::Reply {
    post(app, TOKEN, &format!("grant_type=client_credentials&scope={}", enc(scope)), Some(&f.basic())).await
}

fn error_of(reply: &support::Reply) -> (u16, &str) {
    (reply.status.as_u16(), reply.body["error"].as_str().unwrap_or_default())
}

/// The root actor (the user consenting in these tests).
async fn root_actor(app: &TestApp) -> domain::Actor {
    support::publish::admin(&app.state.db).await.0
}

fn request(client_id: &str, scope: &str, challenge: Option<&str>) -> AuthorizationRequest {
    AuthorizationRequest {
        response_type: Some("code".into()),
        client_id: Some(client_id.into()),
        redirect_uri: Some(REDIRECT.into()),
        scope: Some(scope.into()),
        state: Some("st-1".into()),
        code_challenge: challenge.map(str::to_owned),
        code_challenge_method: challenge.map(|_| "S256".to_owned()),
        nonce: Some("n-1".into()),
        prompt: None,
    }
}

fn query_of(url: &str) -> std::collections::HashMap<String, String> {
    url::Url::parse(url).unwrap().query_pairs().into_owned().collect()
}

#[tokio::test]
async fn discovery_and_jwks_describe_the_server() {
    let app = app("oauth::discovery").await;
    fixture(&app, "http://127.0.0.1:9").await;
    let client = app.client();
    for path in ["/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"] {
        let doc = client.get(path).await;
        assert_eq!(doc.status, 200, "{}", doc.text);
        assert_eq!(doc.body["issuer"], support::ORIGIN);
        assert_eq!(doc.body["token_endpoint"], format!("{}/oauth2/token", support::ORIGIN));
        assert_eq!(doc.body["code_challenge_methods_supported"], json!(["S256"]));
        let grants = doc.body["grant_types_supported"].as_array().unwrap();
        assert!(!grants.contains(&json!("password")), "the password grant is off by default");
    }
    let jwks = client.get("/oauth2/jwks").await;
    let key = &jwks.body["keys"][0];
    assert_eq!(
        (key["kty"].as_str(), key["alg"].as_str(), key["use"].as_str()),
        (Some("RSA"), Some("RS256"), Some("sig"))
    );
    assert!(key["kid"].is_string() && key["n"].is_string() && key.get("d").is_none(), "public part only: {key}");
}

#[tokio::test]
async fn client_credentials_issue_a_signed_jwt_with_portico_claims() {
    let app = app("oauth::client_credentials").await;
    let f = fixture(&app, "http://127.0.0.1:9").await;
    let reply = cc_token(&app, &f, "pets:read").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.headers["cache-control"], "no-store");
    assert_eq!((reply.body["token_type"].as_str(), reply.body["expires_in"].as_i64()), (Some("Bearer"), Some(3600)));
    assert!(reply.body.get("refresh_token").is_none(), "client credentials get no refresh token");
    let token = reply.body["access_token"].as_str().unwrap();
    let c = claims(token);
    assert_eq!(c["iss"], support::ORIGIN);
    assert_eq!(
        (c["aud"].as_str(), c["client_id"].as_str(), c["sub"].as_str()),
        (Some("portico-gateway"), Some(f.client_id.as_str()), Some(f.client_id.as_str()))
    );
    assert_eq!(c["scope"], "pets:read");
    assert_eq!(c["application"], f.published.app_id.to_string());
    assert_eq!(c["tiers"][f.published.api_id.to_string()], "Unlimited");
    assert!(c["jti"].is_string() && c["exp"].as_i64().unwrap() > c["iat"].as_i64().unwrap());
    // The signature verifies against the published JWKS, as a gateway checks it.
    let jwks: Vec<gateway::spec::JwkSpec> =
        serde_json::from_value(app.client().get("/oauth2/jwks").await.body["keys"].clone()).unwrap();
    let issuer = gateway::spec::IssuerSpec {
        id: "portico".into(),
        issuer: support::ORIGIN.into(),
        audiences: vec!["portico-gateway".into()],
        client_claim: "client_id".into(),
        algorithms: vec!["RS256".into()],
        leeway_seconds: 30,
        keys: jwks,
    };
    let issuers = gateway::jwt::Issuers::compile(&[issuer], &[]).unwrap();
    assert!(issuers.verify(token, chrono::Utc::now().timestamp()).is_ok());

    // Role-bound scopes: root is a platform admin, so `pets:admin` is granted.
    let admin = cc_token(&app, &f, "pets:read pets:admin").await;
    assert_eq!(admin.body["scope"], "pets:read pets:admin");
}

#[tokio::test]
async fn the_token_endpoint_answers_each_error_with_its_rfc_6749_code() {
    let app = app("oauth::token_errors").await;
    let f = fixture(&app, "http://127.0.0.1:9").await;
    let good = f.basic();
    let cases: Vec<(String, Option<String>, (u16, &str))> = vec![
        ("scope=pets:read".into(), Some(good.clone()), (400, "invalid_request")),
        ("grant_type=implicit".into(), Some(good.clone()), (400, "unsupported_grant_type")),
        ("grant_type=password&username=a&password=b".into(), Some(good.clone()), (400, "unsupported_grant_type")),
        ("grant_type=client_credentials".into(), Some(basic(&f.client_id, "pcs_wrong")), (401, "invalid_client")),
        ("grant_type=client_credentials".into(), Some(basic("pc_nobody", "pcs_x")), (401, "invalid_client")),
        ("grant_type=client_credentials".into(), None, (401, "invalid_client")),
        (format!("grant_type=client_credentials&client_id={}", f.client_id), None, (401, "invalid_client")),
        (format!("grant_type=client_credentials&client_id={}", f.public_client_id), None, (400, "unauthorized_client")),
        ("grant_type=client_credentials&scope=cats:read".into(), Some(good.clone()), (400, "invalid_scope")),
        (
            "grant_type=client_credentials&grant_type=client_credentials".into(),
            Some(good.clone()),
            (400, "invalid_request"),
        ),
        (
            format!("grant_type=client_credentials&client_secret={}", f.secret),
            Some(good.clone()),
            (400, "invalid_request"),
        ),
        ("grant_type=authorization_code&code=pca_unknown".into(), Some(good.clone()), (400, "invalid_grant")),
        ("grant_type=refresh_token&refresh_token=pcr_unknown".into(), Some(good.clone()), (400, "invalid_grant")),
        ("grant_type=refresh_token".into(), Some(good.clone()), (400, "invalid_request")),
    ];
    for (form, auth, expected) in cases {
        let reply = post(&app, TOKEN, &form, auth.as_deref()).await;
        assert_eq!(error_of(&reply), expected, "{form}: {}", reply.text);
        assert!(reply.body["error_description"].as_str().is_some_and(|d| !d.is_empty()));
        if expected.0 == 401 {
            assert_eq!(reply.headers["www-authenticate"], r#"Basic realm="portico""#);
        }
    }
    // client_secret_post works like Basic.
    let form = format!("grant_type=client_credentials&client_id={}&client_secret={}", f.client_id, f.secret);
    assert_eq!(post(&app, TOKEN, &form, None).await.status, 200);
    // Anything but a form is refused.
    let mut client = app.client();
    let json_body = Some(("application/json", r#"{"grant_type":"client_credentials"}"#.to_owned()));
    let reply = client.send_raw(http::Method::POST, TOKEN, json_body, &[("authorization", &good)]).await;
    assert_eq!(error_of(&reply), (400, "invalid_request"));
}

#[tokio::test]
async fn authorization_code_with_pkce_issues_tokens_once_and_checks_everything() {
    let app = app("oauth::authorization_code").await;
    let f = fixture(&app, "http://127.0.0.1:9").await;
    let actor = root_actor(&app).await;
    let (verifier, challenge) = pkce();
    let req = request(&f.public_client_id, "openid email profile pets:read", Some(&challenge));

    // Anonymous browsers are sent to sign in; signed-in ones to the consent page first.
    let query = serde_urlencoded::to_string(&req).unwrap();
    let anonymous = app.client().get(&format!("/oauth2/authorize?{query}")).await;
    assert!(anonymous.headers["location"].to_str().unwrap().starts_with("/login?next=/oauth2/authorize%3F"));
    let first = f.root.get(&format!("/oauth2/authorize?{query}")).await;
    assert_eq!(first.headers["location"], format!("/oauth2/consent?{query}").as_str());

    let (pending, _) = authorize::check(&app.state.db, &actor, &req).await.unwrap();
    assert_eq!(pending.application_name, "Mobile");
    assert!(pending.scopes.iter().any(|(s, d)| s == "pets:read" && d == "Read your pets"));
    let url = authorize::decide(&app.state.db, &app.state.oauth, &actor, &req, true).await.unwrap();
    assert!(url.starts_with(REDIRECT), "{url}");
    let answer = query_of(&url);
    assert_eq!((answer["state"].as_str(), answer["iss"].as_str()), ("st-1", support::ORIGIN));
    let code = answer["code"].clone();

    let exchange = |code: &str, verifier: &str, redirect: &str| {
        format!(
            "grant_type=authorization_code&code={code}&redirect_uri={}&code_verifier={verifier}&client_id={}",
            enc(redirect),
            f.public_client_id
        )
    };
    let wrong_verifier = post(&app, TOKEN, &exchange(&code, &pkce().0, REDIRECT), None).await;
    assert_eq!(error_of(&wrong_verifier), (400, "invalid_grant"));
    let wrong_redirect = post(&app, TOKEN, &exchange(&code, &verifier, "https://client.example/callbacK"), None).await;
    assert_eq!(error_of(&wrong_redirect), (400, "invalid_grant"), "one character off");
    let tokens = post(&app, TOKEN, &exchange(&code, &verifier, REDIRECT), None).await;
    assert_eq!(tokens.status, 200, "{}", tokens.text);
    let access = tokens.body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(claims(&access)["sub"], actor.user_id.to_string());
    let id_token = claims(tokens.body["id_token"].as_str().unwrap());
    assert_eq!(
        (id_token["aud"].as_str(), id_token["nonce"].as_str()),
        (Some(f.public_client_id.as_str()), Some("n-1"))
    );
    assert_eq!(id_token["email"], "root@example.com");
    assert!(tokens.body["refresh_token"].as_str().unwrap().starts_with("pcr_"));

    // A second use fails and revokes what the first gave.
    let again = post(&app, TOKEN, &exchange(&code, &verifier, REDIRECT), None).await;
    assert_eq!(error_of(&again), (400, "invalid_grant"));
    let info = post(&app, "/oauth2/introspect", &format!("token={access}"), Some(&f.basic())).await;
    assert_eq!(info.body["active"], json!(false), "the reused code's tokens are revoked: {}", info.text);

    // Consent is remembered: the next authorization answers at once (unless prompt=consent).
    let (_, challenge2) = pkce();
    let next =
        serde_urlencoded::to_string(request(&f.public_client_id, "openid email profile pets:read", Some(&challenge2)))
            .unwrap();
    let direct = f.root.get(&format!("/oauth2/authorize?{next}")).await;
    assert!(
        direct.headers["location"].to_str().unwrap().starts_with(&format!("{REDIRECT}?iss=")),
        "{:?}",
        direct.headers
    );
    let forced = f.root.get(&format!("/oauth2/authorize?{next}&prompt=consent")).await;
    assert!(forced.headers["location"].to_str().unwrap().starts_with("/oauth2/consent?"));
}

#[tokio::test]
async fn bad_authorization_requests_are_shown_or_sent_back_as_rfc_6749_says() {
    let app = app("oauth::authorize_errors").await;
    let f = fixture(&app, "http://127.0.0.1:9").await;
    let actor = root_actor(&app).await;
    let db = &app.state.db;
    let (_, challenge) = pkce();
    let mut unknown = request("pc_nobody", "", Some(&challenge));
    assert!(matches!(shown(&app, &actor, unknown.clone()).await, Some(authorize::AuthorizeError::Display(_))));
    unknown.client_id = Some(f.public_client_id.clone());
    unknown.redirect_uri = Some(format!("{REDIRECT}x"));
    let refused = shown(&app, &actor, unknown).await;
    assert!(matches!(refused, Some(authorize::AuthorizeError::Display(_))), "never redirect to an unregistered URI");
    let back = |r| back(&app, &actor, r);
    assert_eq!(back(request(&f.public_client_id, "", None)).await, "invalid_request", "public clients need PKCE");
    let mut plain = request(&f.public_client_id, "", Some(&challenge));
    plain.code_challenge_method = Some("plain".into());
    assert_eq!(back(plain).await, "invalid_request");
    let mut token_flow = request(&f.public_client_id, "", Some(&challenge));
    token_flow.response_type = Some("token".into());
    assert_eq!(back(token_flow).await, "unsupported_response_type");
    assert_eq!(back(request(&f.public_client_id, "cats:read", Some(&challenge))).await, "invalid_scope");
    let denied = authorize::decide(db, &app.state.oauth, &actor, &request(&f.client_id, "pets:read", None), false)
        .await
        .unwrap();
    assert_eq!((query_of(&denied)["error"].as_str(), query_of(&denied)["state"].as_str()), ("access_denied", "st-1"));
}

async fn shown(app: &TestApp, actor: &domain::Actor, r: AuthorizationRequest) -> Option<authorize::AuthorizeError> {
    authorize::check(&app.state.db, actor, &r).await.err()
}

/// The `error` a refused request is sent back to the client with.
async fn back(app: &TestApp, actor: &domain::Actor, r: AuthorizationRequest) -> String {
    match authorize::check(&app.state.db, actor, &r).await.err() {
        Some(authorize::AuthorizeError::Redirect(url)) => query_of(&url)["error"].clone(),
        other => panic!("expected a redirect, got {other:?}"),
    }
}

#[tokio::test]
async fn refresh_tokens_rotate_and_a_reused_one_ends_its_family() {
    let app = app("oauth::refresh").await;
    let f = fixture(&app, "http://127.0.0.1:9").await;
    let actor = root_actor(&app).await;
    let url =
        authorize::decide(&app.state.db, &app.state.oauth, &actor, &request(&f.client_id, "pets:read", None), true)
            .await
            .unwrap();
    let code = query_of(&url)["code"].clone();
    let first = post(
        &app,
        TOKEN,
        &format!("grant_type=authorization_code&code={code}&redirect_uri={}", enc(REDIRECT)),
        Some(&f.basic()),
    )
    .await;
    assert_eq!(first.status, 200, "{}", first.text);
    let refresh1 = first.body["refresh_token"].as_str().unwrap().to_owned();
    let second =
        post(&app, TOKEN, &format!("grant_type=refresh_token&refresh_token={refresh1}"), Some(&f.basic())).await;
    assert_eq!(second.status, 200, "{}", second.text);
    let refresh2 = second.body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(refresh1, refresh2, "rotated");
    let wider = post(
        &app,
        TOKEN,
        &format!("grant_type=refresh_token&refresh_token={refresh2}&scope=pets:admin"),
        Some(&f.basic()),
    )
    .await;
    assert_eq!(error_of(&wider), (400, "invalid_scope"), "no scope beyond the original");

    let reuse =
        post(&app, TOKEN, &format!("grant_type=refresh_token&refresh_token={refresh1}"), Some(&f.basic())).await;
    assert_eq!(error_of(&reuse), (400, "invalid_grant"));
    let after =
        post(&app, TOKEN, &format!("grant_type=refresh_token&refresh_token={refresh2}"), Some(&f.basic())).await;
    assert_eq!(error_of(&after), (400, "invalid_grant"), "the whole family is revoked");
    let access = second.body["access_token"].as_str().unwrap();
    let info = post(&app, "/oauth2/introspect", &format!("token={access}"), Some(&f.basic())).await;
    assert_eq!(info.body["active"], json!(false));
}

#[tokio::test]
async fn revocation_introspection_and_userinfo_follow_their_rfcs() {
    let app = app("oauth::revoke_introspect").await;
    let f = fixture(&app, "http://127.0.0.1:9").await;
    let one = cc_token(&app, &f, "pets:read").await.body["access_token"].as_str().unwrap().to_owned();
    let two = cc_token(&app, &f, "pets:read").await.body["access_token"].as_str().unwrap().to_owned();
    let introspect = |token: String, auth: String| {
        let app = &app;
        async move { post(app, "/oauth2/introspect", &format!("token={token}"), Some(&auth)).await }
    };
    let info = introspect(one.clone(), f.basic()).await;
    assert_eq!(info.body["active"], json!(true), "{}", info.text);
    assert_eq!(
        (info.body["client_id"].as_str(), info.body["scope"].as_str()),
        (Some(f.client_id.as_str()), Some("pets:read"))
    );
    assert_eq!(introspect("garbage".into(), f.basic()).await.body, json!({ "active": false }));
    assert_eq!(error_of(&introspect(one.clone(), basic(&f.client_id, "pcs_wrong")).await), (401, "invalid_client"));
    assert_eq!(error_of(&post(&app, "/oauth2/introspect", "", Some(&f.basic())).await), (400, "invalid_request"));

    // Another application's client can neither see nor revoke the token.
    let mut root = f.root.clone();
    let other = root
        .post(
            &format!("/api/portal/v1/applications/{}/oauth-clients", f.mobile_app),
            json!({ "environment": "sandbox" }),
        )
        .await;
    let other_auth =
        basic(other.body["client"]["client_id"].as_str().unwrap(), other.body["client_secret"].as_str().unwrap());
    assert_eq!(introspect(one.clone(), other_auth.clone()).await.body["active"], json!(false));
    assert_eq!(post(&app, "/oauth2/revoke", &format!("token={one}"), Some(&other_auth)).await.status, 200);
    assert_eq!(introspect(one.clone(), f.basic()).await.body["active"], json!(true));

    assert_eq!(post(&app, "/oauth2/revoke", &format!("token={one}"), Some(&f.basic())).await.status, 200);
    assert_eq!(introspect(one.clone(), f.basic()).await.body["active"], json!(false));
    assert_eq!(
        introspect(two.clone(), f.basic()).await.body["active"],
        json!(true),
        "revoking a token never revokes another"
    );
    assert_eq!(post(&app, "/oauth2/revoke", "token=unknown", Some(&f.basic())).await.status, 200);
    let jti = claims(&one)["jti"].as_str().unwrap().to_owned();
    let snapshot = domain::snapshots::build_named(&app.state.db, "production").await.unwrap();
    assert!(snapshot.revoked_tokens.iter().any(|r| r.jti == jti), "gateways learn the revocation");
    assert!(!snapshot.revoked_tokens.iter().any(|r| r.jti == claims(&two)["jti"]));

    // Userinfo needs a user's token with `openid`.
    let mut client = app.client();
    let bearer = |t: &str| format!("Bearer {t}");
    let no_user =
        client.send_raw(http::Method::GET, "/oauth2/userinfo", None, &[("authorization", &bearer(&two))]).await;
    assert_eq!(no_user.status, StatusCode::FORBIDDEN, "{}", no_user.text);
    let garbage =
        client.send_raw(http::Method::GET, "/oauth2/userinfo", None, &[("authorization", "Bearer x.y.z")]).await;
    assert_eq!(error_of(&garbage), (401, "invalid_token"));
    assert!(
        garbage.headers["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with(r#"Bearer realm="portico", error="invalid_token""#)
    );
    let user_token = domain::oauth::issue::test_token(
        &app.state.db,
        &app.state.oauth,
        &root_actor(&app).await,
        f.published.app_id,
        "production",
        &["openid".into(), "email".into()],
    )
    .await
    .unwrap();
    let info = client
        .send_raw(http::Method::GET, "/oauth2/userinfo", None, &[("authorization", &bearer(&user_token.access_token))])
        .await;
    assert_eq!(info.status, 200, "{}", info.text);
    assert_eq!(info.body["email"], "root@example.com");
    assert!(info.body.get("name").is_none(), "no profile scope, no name");
}

#[tokio::test]
async fn the_password_grant_works_only_while_an_admin_allows_it() {
    let app = app("oauth::password").await;
    let f = fixture(&app, "http://127.0.0.1:9").await;
    let form =
        format!("grant_type=password&username=root%40example.com&password={}&scope=openid", enc(support::PASSWORD));
    assert_eq!(error_of(&post(&app, TOKEN, &form, Some(&f.basic())).await), (400, "unsupported_grant_type"));
    let mut root = f.root.clone();
    let on = root.put("/api/admin/v1/platform-settings", json!({ "password_grant": true })).await;
    assert_eq!(on.status, 200, "{}", on.text);
    let reply = post(&app, TOKEN, &form, Some(&f.basic())).await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert!(reply.body["refresh_token"].is_string() && reply.body["id_token"].is_string());
    let wrong = form.replace(&enc(support::PASSWORD), "nope");
    assert_eq!(error_of(&post(&app, TOKEN, &wrong, Some(&f.basic())).await), (400, "invalid_grant"));
    let doc = app.client().get("/.well-known/openid-configuration").await;
    assert!(doc.body["grant_types_supported"].as_array().unwrap().contains(&Value::from("password")));
}

#[tokio::test]
async fn client_settings_are_validated_and_secrets_shown_once() {
    let app = app("oauth::clients").await;
    let f = fixture(&app, "http://127.0.0.1:9").await;
    let mut root = f.root.clone();
    let path = format!("/api/portal/v1/applications/{}/oauth-clients", f.published.app_id);
    let dup = root.post(&path, json!({ "environment": "production" })).await;
    assert_eq!((dup.status.as_u16(), dup.code()), (409, "client_exists"));
    let bad = root
        .post(
            &path,
            json!({ "environment": "sandbox", "confidential": false, "grant_types": ["client_credentials", "magic"],
            "redirect_uris": ["http://evil.example/cb", "https://x.example/cb#frag"], "access_token_ttl": 5 }),
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.text);
    let fields: Vec<&str> =
        bad.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    for field in ["grant_types", "redirect_uris", "access_token_ttl"] {
        assert!(fields.contains(&field), "{field} in {fields:?}");
    }
    let list = root.get(&path).await;
    assert!(!list.text.contains(&f.secret) && !list.text.contains("secret_hash"), "never the secret again");
    let id = list.body[0]["id"].as_str().unwrap().to_owned();
    let fresh = root.post(&format!("/api/portal/v1/oauth-clients/{id}/secret"), json!({})).await;
    let new_secret = fresh.body["client_secret"].as_str().unwrap();
    assert_eq!(error_of(&cc_token(&app, &f, "").await), (401, "invalid_client"), "the old secret stopped working");
    let form = "grant_type=client_credentials";
    assert_eq!(post(&app, TOKEN, form, Some(&basic(&f.client_id, new_secret))).await.status, 200);
    let stale = root
        .send(
            http::Method::PATCH,
            &format!("/api/portal/v1/oauth-clients/{id}"),
            Some(json!({ "access_token_ttl": 600 })),
            &[("if-match", "\"1\"")],
        )
        .await;
    assert_eq!(stale.status, 412, "{}", stale.text);
    let updated = root.patch(&format!("/api/portal/v1/oauth-clients/{id}"), json!({ "access_token_ttl": 600 })).await;
    assert_eq!(updated.body["access_token_ttl"], 600);
    let token = post(&app, TOKEN, form, Some(&basic(&f.client_id, new_secret))).await;
    assert_eq!(token.body["expires_in"], 600, "lifetimes are per application");
    let scopes = root.get(&format!("/api/portal/v1/applications/{}/scopes", f.published.app_id)).await;
    assert_eq!(scopes.body.as_array().unwrap().len(), 2, "{}", scopes.text);
}
