//! A test OpenID Connect provider on 127.0.0.1:0: discovery, JWKS, `/authorize` (which
//! "signs the user in" at once and redirects back with a code) and `/token` (client
//! authentication, single-use codes, PKCE S256 checked) answering with an ID token
//! signed by an ES256 key. Knobs let a test choose the user and spoil the token.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use gateway::jwt::{Algorithm, SigningKey};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

pub const CLIENT_ID: &str = "portico-test";
pub const CLIENT_SECRET: &str = "test-client-secret";

/// How the next ID token is spoiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tamper {
    #[default]
    None,
    WrongAudience,
    Expired,
    WrongNonce,
    /// Signed with a key the JWKS does not publish.
    ForeignKey,
}

/// Who signs in at the provider next.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub sub: String,
    pub email: String,
    pub email_verified: Option<bool>,
    pub name: String,
}

struct Grant {
    nonce: String,
    challenge: String,
    redirect_uri: String,
    user: TestUser,
}

struct Inner {
    issuer: String,
    key: SigningKey,
    foreign: SigningKey,
    grants: Mutex<HashMap<String, Grant>>,
    user: Mutex<TestUser>,
    tamper: Mutex<Tamper>,
    token_calls: Mutex<u32>,
}

/// A running test provider.
#[derive(Clone)]
pub struct TestIdp {
    inner: Arc<Inner>,
}

fn key(kid: &str) -> SigningKey {
    let der = SigningKey::generate_ec_pkcs8(Algorithm::Es256).unwrap();
    SigningKey::from_pkcs8(kid, Algorithm::Es256, &der).unwrap()
}

impl TestIdp {
    /// Starts the provider on a free port.
    pub async fn start() -> TestIdp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let issuer = format!("http://{}", listener.local_addr().unwrap());
        let idp = TestIdp {
            inner: Arc::new(Inner {
                issuer,
                key: key("idp-key-1"),
                foreign: key("idp-key-1"),
                grants: Mutex::new(HashMap::new()),
                user: Mutex::new(TestUser {
                    sub: "sub-ann".into(),
                    email: "ann@corp.example".into(),
                    email_verified: Some(true),
                    name: "Ann Example".into(),
                }),
                tamper: Mutex::new(Tamper::None),
                token_calls: Mutex::new(0),
            }),
        };
        let app = Router::new()
            .route("/.well-known/openid-configuration", get(discovery))
            .route("/jwks", get(jwks))
            .route("/authorize", get(authorize))
            .route("/token", post(token))
            .with_state(idp.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        idp
    }

    pub fn issuer(&self) -> &str {
        &self.inner.issuer
    }

    pub fn set_user(&self, user: TestUser) {
        *self.inner.user.lock().unwrap() = user;
    }

    pub fn tamper(&self, tamper: Tamper) {
        *self.inner.tamper.lock().unwrap() = tamper;
    }

    pub fn token_calls(&self) -> u32 {
        *self.inner.token_calls.lock().unwrap()
    }

    /// Follows Portico's redirect to `/authorize` the way a browser would; returns the
    /// provider's redirect back (the callback URL).
    pub async fn authorize(&self, url: &str) -> String {
        use http_body_util::Empty;
        use hyper_util::client::legacy::Client;
        use hyper_util::rt::TokioExecutor;
        assert!(url.starts_with(&self.inner.issuer), "{url} is not this provider's");
        let client: Client<_, Empty<bytes::Bytes>> = Client::builder(TokioExecutor::new()).build_http();
        let response = client.get(url.parse().unwrap()).await.unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{url}");
        response.headers()[header::LOCATION].to_str().unwrap().to_owned()
    }
}

async fn discovery(State(idp): State<TestIdp>) -> Json<Value> {
    let issuer = idp.issuer();
    Json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "jwks_uri": format!("{issuer}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["ES256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        "code_challenge_methods_supported": ["S256"],
    }))
}

async fn jwks(State(idp): State<TestIdp>) -> Json<Value> {
    Json(json!({ "keys": [idp.inner.key.jwk()] }))
}

async fn authorize(State(idp): State<TestIdp>, Query(q): Query<HashMap<String, String>>) -> Response {
    let param = |name: &str| q.get(name).cloned().unwrap_or_default();
    let valid = param("response_type") == "code"
        && param("client_id") == CLIENT_ID
        && param("code_challenge_method") == "S256"
        && !param("code_challenge").is_empty()
        && !param("nonce").is_empty()
        && param("scope").split(' ').any(|s| s == "openid");
    if !valid {
        return (StatusCode::BAD_REQUEST, format!("bad authorization request: {q:?}")).into_response();
    }
    let code = format!("code-{}", uuid::Uuid::new_v4());
    let user = idp.inner.user.lock().unwrap().clone();
    let grant =
        Grant { nonce: param("nonce"), challenge: param("code_challenge"), redirect_uri: param("redirect_uri"), user };
    idp.inner.grants.lock().unwrap().insert(code.clone(), grant);
    let state = param("state");
    Redirect::to(&format!("{}?code={code}&state={state}", param("redirect_uri"))).into_response()
}

fn token_error(code: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({ "error": code }))).into_response()
}

async fn token(State(idp): State<TestIdp>, headers: HeaderMap, Form(form): Form<HashMap<String, String>>) -> Response {
    *idp.inner.token_calls.lock().unwrap() += 1;
    let expected = format!("Basic {}", STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}")));
    if headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) != Some(expected.as_str()) {
        return (StatusCode::UNAUTHORIZED, Json(json!({ "error": "invalid_client" }))).into_response();
    }
    let field = |name: &str| form.get(name).cloned().unwrap_or_default();
    if field("grant_type") != "authorization_code" {
        return token_error("unsupported_grant_type");
    }
    let Some(grant) = idp.inner.grants.lock().unwrap().remove(&field("code")) else {
        return token_error("invalid_grant");
    };
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(field("code_verifier").as_bytes()));
    if challenge != grant.challenge || field("redirect_uri") != grant.redirect_uri {
        return token_error("invalid_grant");
    }
    let now = chrono::Utc::now().timestamp();
    let tamper = *idp.inner.tamper.lock().unwrap();
    let mut claims = json!({
        "iss": idp.issuer(), "sub": grant.user.sub, "aud": CLIENT_ID, "iat": now, "exp": now + 300,
        "nonce": grant.nonce, "email": grant.user.email, "name": grant.user.name,
    });
    if let Some(verified) = grant.user.email_verified {
        claims["email_verified"] = json!(verified);
    }
    match tamper {
        Tamper::None | Tamper::ForeignKey => {}
        Tamper::WrongAudience => claims["aud"] = json!("another-client"),
        Tamper::Expired => {
            claims["iat"] = json!(now - 3600);
            claims["exp"] = json!(now - 600);
        }
        Tamper::WrongNonce => claims["nonce"] = json!("a-nonce-from-another-sign-in"),
    }
    let signer = if tamper == Tamper::ForeignKey { &idp.inner.foreign } else { &idp.inner.key };
    let id_token = signer.sign("JWT", &claims).unwrap();
    Json(json!({ "access_token": "at-unused", "token_type": "Bearer", "expires_in": 300, "id_token": id_token }))
        .into_response()
}
