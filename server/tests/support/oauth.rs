//! An OAuth2 setup for the identity tests: Portico's issuer published with a signing
//! key; `/pets/v1` protected by `jwt` with scopes (`pets:read` for `GET /pets`,
//! `pets:admin` — reserved to publishers — for `GET /admin`, `GET /open` open);
//! the application `App` (owned by root) with a confidential client allowed every grant,
//! and `Mobile` with a public client (authorization code + PKCE, refresh).
#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)]

use base64::Engine as _;
use domain::api_definition::{AuthKind, OperationSpec, ScopeDefinition};
use domain::{Role, apis, applications, deployments};
use http::Method;
use serde_json::{Value, json};

use super::publish::{self, Published};
use super::{Client, Reply, TestApp};

pub const REDIRECT: &str = "https://client.example/callback";

/// What the setup made.
pub struct Fixture {
    pub published: Published,
    pub root: Client,
    pub client_id: String,
    pub secret: String,
    pub mobile_app: uuid::Uuid,
    pub public_client_id: String,
}

/// Builds the setup in front of `upstream`.
pub async fn fixture(app: &TestApp, upstream: &str) -> Fixture {
    let db = &app.state.db;
    domain::oauth::publish(db, &app.state.oauth).await.unwrap();
    domain::oauth::keys::signing_key(db, &app.state.oauth).await.unwrap();
    let published = publish::publish(db, "/pets", upstream).await;
    let actor = &published.actor;
    let api = apis::get(db, actor, published.api_id).await.unwrap();
    let mut definition = api.definition;
    definition.auth = AuthKind::Jwt;
    definition.scopes = vec![
        ScopeDefinition { name: "pets:read".into(), description: "Read your pets".into(), roles: vec![] },
        ScopeDefinition { name: "pets:admin".into(), description: "Manage pets".into(), roles: vec![Role::Publisher] },
    ];
    let op = |path: &str, scopes: &[&str], auth: Option<AuthKind>| OperationSpec {
        method: "GET".into(),
        path: path.into(),
        auth,
        scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
        rate_limits: Vec::new(),
        cache: None,
    };
    definition.operations = vec![
        op("/pets", &["pets:read"], None),
        op("/admin", &["pets:admin"], None),
        op("/open", &[], Some(AuthKind::None)),
    ];
    let patch = apis::ApiPatch { definition: Some(definition), ..Default::default() };
    apis::update(db, actor, published.api_id, None, patch).await.unwrap();
    let revision = deployments::create_revision(db, actor, published.api_id, "jwt").await.unwrap();
    deployments::deploy(db, actor, published.api_id, revision.id, "production").await.unwrap();

    let mut root = app.signed_in("root@example.com").await;
    let grants = [
        "client_credentials",
        "authorization_code",
        "refresh_token",
        "urn:ietf:params:oauth:grant-type:jwt-bearer",
        "password",
    ];
    let created = root
        .post(
            &format!("/api/portal/v1/applications/{}/oauth-clients", published.app_id),
            json!({ "environment": "production", "grant_types": grants, "redirect_uris": [REDIRECT] }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text);
    let org = domain::orgs::ensure_default(db).await.unwrap().id;
    let mobile = applications::NewApplication {
        org_id: org,
        name: "Mobile".into(),
        description: String::new(),
        shared: false,
        tier: None,
    };
    let mobile = applications::create(db, actor, mobile).await.unwrap();
    applications::subscribe(db, actor, mobile.id, published.api_id, "Gold").await.unwrap();
    let public = root
        .post(
            &format!("/api/portal/v1/applications/{}/oauth-clients", mobile.id),
            json!({ "environment": "production", "confidential": false, "redirect_uris": [REDIRECT, "com.example.app:/cb"] }),
        )
        .await;
    assert_eq!(public.status, 201, "{}", public.text);
    assert!(public.body["client_secret"].is_null(), "a public client has no secret");
    Fixture {
        client_id: created.body["client"]["client_id"].as_str().unwrap().to_owned(),
        secret: created.body["client_secret"].as_str().unwrap().to_owned(),
        public_client_id: public.body["client"]["client_id"].as_str().unwrap().to_owned(),
        mobile_app: mobile.id,
        published,
        root,
    }
}

impl Fixture {
    /// `Authorization: Basic` of the confidential client.
    pub fn basic(&self) -> String {
        basic(&self.client_id, &self.secret)
    }
}

/// `Authorization: Basic` for a client id and secret.
pub fn basic(id: &str, secret: &str) -> String {
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}")))
}

/// POSTs a form to an OAuth endpoint with optional client credentials.
pub async fn post(app: &TestApp, path: &str, form: &str, authorization: Option<&str>) -> Reply {
    let mut client = app.client();
    let headers: Vec<(&str, &str)> = authorization.map(|a| ("authorization", a)).into_iter().collect();
    client.send_raw(Method::POST, path, Some(("application/x-www-form-urlencoded", form.to_owned())), &headers).await
}

/// The claims of a JWT (not verified: the tests verify elsewhere).
pub fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

/// A PKCE verifier and its S256 challenge.
pub fn pkce() -> (String, String) {
    use sha2::Digest;
    let verifier = format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

/// Percent-encodes a query value.
pub fn enc(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}
