//! Test harness for the HTTP tests: the real router on a fresh database, called with
//! `oneshot` (no socket), and a small client that keeps cookies and the CSRF token like
//! a browser would.
#![allow(dead_code, clippy::expect_used, clippy::unwrap_used)]

use std::collections::HashMap;
use std::sync::Arc;

use app::state::AppState;
use axum::Router;
use axum::body::Body;
use domain::audit::AuditActor;
use domain::mail::MailTransport;
use domain::throttle::LoginThrottle;
use http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use migrations::testkit::{TestDatabase, fresh_database};
use serde_json::{Value, json};
use tokio::sync::Notify;
use tower::ServiceExt;

pub mod oauth;
pub mod oidc;
pub mod publish;
pub mod spec;

pub const PASSWORD: &str = "correct horse battery";
pub const ORIGIN: &str = "http://portico.test";

/// A running application for one test.
pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    pub db: TestDatabase,
}

/// Builds the application on a fresh database, with the platform admin
/// `root@example.com` and the default organization.
pub async fn app(test: &str) -> TestApp {
    let db = fresh_database(test).await;
    let throttle = match migrations::testkit::redis(test) {
        Some((url, prefix)) => LoginThrottle::redis(&url, &prefix).expect("redis url"),
        None => LoginThrottle::in_process(),
    };
    let state = AppState {
        db: db.conn.clone(),
        throttle: Arc::new(throttle),
        sessions: domain::sessions::SessionPolicy::default(),
        mail: Arc::new(MailTransport::Log),
        mail_wakeup: Arc::new(Notify::new()),
        config_changed: Arc::new(Notify::new()),
        import_allow_private: false,
        base_url: ORIGIN.to_owned(),
        oauth: domain::oauth::Provider {
            issuer: ORIGIN.to_owned(),
            audience: "portico-gateway".to_owned(),
            algorithm: gateway::jwt::Algorithm::Rs256,
            rotate_after: chrono::Duration::days(90),
        },
        secure_cookies: false,
        leptos_options: leptos::prelude::LeptosOptions::builder().output_name("portico").build(),
    };
    domain::setup::create_platform_admin(&state.db, "root@example.com", "Root", PASSWORD, &AuditActor::system("test"))
        .await
        .expect("admin");
    let router = server::router::build(
        state.clone(),
        server::router::RouterOptions { max_body_bytes: 64 * 1024, ..Default::default() },
    );
    TestApp { router, state, db }
}

/// A response, its body parsed as JSON when it is JSON.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Reply {
    /// The problem `code`, for error responses.
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or_default()
    }
}

/// A browser-like client: keeps cookies, sends the CSRF token and our Origin.
#[derive(Clone)]
pub struct Client {
    router: Router,
    cookies: HashMap<String, String>,
    pub csrf: Option<String>,
    pub bearer: Option<String>,
}

impl TestApp {
    /// A new anonymous client.
    pub fn client(&self) -> Client {
        Client { router: self.router.clone(), cookies: HashMap::new(), csrf: None, bearer: None }
    }

    /// A client signed in as `email`.
    pub async fn signed_in(&self, email: &str) -> Client {
        let mut client = self.client();
        let reply = client.post("/api/auth/login", json!({ "email": email, "password": PASSWORD })).await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.text);
        client
    }

    /// Signs up on the portal as a new consumer (verified), signed in.
    pub async fn signed_in_new_consumer(&self, email: &str) -> Client {
        let mut visitor = self.client();
        let signup = json!({ "email": email, "password": PASSWORD, "display_name": email });
        let reply = visitor.post("/api/auth/signup", signup).await;
        assert!(reply.status.is_success(), "{}", reply.text);
        let link = mailed_link(self, email, "/verify-email?token=").await;
        let verified = visitor.post("/api/auth/verify-email", json!({ "token": token_of(&link) })).await;
        assert!(verified.status.is_success(), "{}", verified.text);
        self.signed_in(email).await
    }

    /// Creates an organization and a user with `role` in it; returns (org id, user id).
    pub async fn org_with_member(&self, slug: &str, email: &str, role: &str) -> (String, String) {
        let mut root = self.signed_in("root@example.com").await;
        let org = root.post("/api/admin/v1/orgs", json!({ "slug": slug, "name": slug })).await;
        assert_eq!(org.status, StatusCode::CREATED, "{}", org.text);
        let org_id = org.body["id"].as_str().unwrap().to_owned();
        let user = root
            .post(
                "/api/admin/v1/users",
                json!({ "email": email, "display_name": email, "password": PASSWORD, "org_id": org_id, "role": role }),
            )
            .await;
        assert_eq!(user.status, StatusCode::CREATED, "{}", user.text);
        (org_id, user.body["id"].as_str().unwrap().to_owned())
    }
}

impl Client {
    /// Sends a request; JSON body when given.
    pub async fn send(&mut self, method: Method, path: &str, body: Option<Value>, extra: &[(&str, &str)]) -> Reply {
        let body = body.map(|json| ("application/json", json.to_string()));
        self.send_raw(method, path, body, extra).await
    }

    /// POSTs an HTML form (`application/x-www-form-urlencoded`) as a browser would.
    pub async fn post_form(&mut self, path: &str, form: &str) -> Reply {
        self.send_raw(Method::POST, path, Some(("application/x-www-form-urlencoded", form.to_owned())), &[]).await
    }

    pub async fn send_raw(
        &mut self,
        method: Method,
        path: &str,
        body: Option<(&str, String)>,
        extra: &[(&str, &str)],
    ) -> Reply {
        let mut builder = Request::builder().method(method.clone()).uri(path).header(header::HOST, "portico.test");
        if !self.cookies.is_empty() {
            let cookie = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
            builder = builder.header(header::COOKIE, cookie);
        }
        if let Some(token) = &self.bearer {
            builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        if !method.is_safe() {
            if !extra.iter().any(|(name, _)| name.eq_ignore_ascii_case("origin")) {
                builder = builder.header(header::ORIGIN, ORIGIN);
            }
            if let Some(csrf) = &self.csrf {
                builder = builder.header("x-csrf-token", csrf);
            }
        }
        for (name, value) in extra {
            builder = builder.header(*name, *value);
        }
        let request = match body {
            Some((content_type, body)) => builder.header(header::CONTENT_TYPE, content_type).body(Body::from(body)),
            None => builder.body(Body::empty()),
        }
        .expect("request");
        let response = self.router.clone().oneshot(request).await.expect("response");
        let (parts, body) = response.into_parts();
        for value in parts.headers.get_all(header::SET_COOKIE) {
            let cookie = value.to_str().unwrap();
            let (pair, _) = cookie.split_once(';').unwrap_or((cookie, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || cookie.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
                if name == "portico_csrf" && self.csrf.is_none() {
                    self.csrf = Some(value.to_owned());
                }
            }
        }
        let bytes = body.collect().await.expect("body").to_bytes();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if let Some(token) = body.get("csrf_token").and_then(Value::as_str) {
            self.csrf = Some(token.to_owned());
        }
        Reply { status: parts.status, headers: parts.headers, body, text }
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.clone().send(Method::GET, path, None, &[]).await
    }

    /// POST keeping cookies (sign-in / sign-out change them).
    pub async fn post(&mut self, path: &str, body: Value) -> Reply {
        self.send(Method::POST, path, Some(body), &[]).await
    }

    pub async fn patch(&mut self, path: &str, body: Value) -> Reply {
        self.send(Method::PATCH, path, Some(body), &[]).await
    }

    pub async fn put(&mut self, path: &str, body: Value) -> Reply {
        self.send(Method::PUT, path, Some(body), &[]).await
    }

    pub async fn delete(&mut self, path: &str) -> Reply {
        self.send(Method::DELETE, path, None, &[]).await
    }

    /// Whether a cookie is set.
    pub fn has_cookie(&self, name: &str) -> bool {
        self.cookies.contains_key(name)
    }

    /// Forgets every cookie (a new browser).
    pub fn clear_cookies(&mut self) {
        self.cookies.clear();
    }
}

/// The newest link containing `path` mailed to `to`, as path + query.
pub async fn mailed_link(app: &TestApp, to: &str, path: &str) -> String {
    use domain::entities::mail;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let message = mail::Entity::find()
        .filter(mail::Column::ToAddress.eq(to))
        .order_by_desc(mail::Column::CreatedAt)
        .one(&app.state.db)
        .await
        .unwrap()
        .expect("a mail");
    let start = message.body_text.find(ORIGIN).expect("link") + ORIGIN.len();
    let link = message.body_text[start..].split_whitespace().next().unwrap().to_owned();
    assert!(link.starts_with(path), "{link}");
    link
}

/// The token of a mailed link.
pub fn token_of(link: &str) -> String {
    link.split("token=").nth(1).unwrap().to_owned()
}

/// Starts a co-located gateway fed by config distribution from this app's database;
/// returns its proxy address.
pub async fn colocated_gateway(app: &TestApp) -> std::net::SocketAddr {
    colocated_gateway_with(app, None).await
}

/// A co-located gateway whose analytics events are stored in the app's database (shipped
/// every 100 ms), as `portico` runs it.
pub async fn recording_gateway(app: &TestApp) -> std::net::SocketAddr {
    let analytics = gateway::analytics::Analytics::new("test-node", 10_000);
    let sink = std::sync::Arc::new(server::analytics::Store { db: app.state.db.clone() });
    tokio::spawn(gateway::analytics::ship(analytics.clone(), sink, std::time::Duration::from_millis(100)));
    colocated_gateway_with(app, Some(analytics)).await
}

async fn colocated_gateway_with(
    app: &TestApp,
    analytics: Option<std::sync::Arc<gateway::analytics::Analytics>>,
) -> std::net::SocketAddr {
    let hub = server::distribution::ConfigHub::new(app.state.db.clone(), app.state.config_changed.clone());
    tokio::spawn(hub.clone().run());
    let store = gateway::ConfigStore::new();
    tokio::spawn(server::distribution::feed_colocated(hub, "production".into(), store.clone()));
    let mut gateway = gateway::Gateway::new(gateway::GatewaySettings::ephemeral(), store);
    if let Some(analytics) = analytics {
        gateway = gateway.with_analytics(analytics);
    }
    let bound = gateway.bind().await.expect("bind");
    let proxy = bound.proxy_addr;
    tokio::spawn(bound.serve(std::future::pending()));
    proxy
}
