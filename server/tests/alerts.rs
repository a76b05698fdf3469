//! Alerts end to end on the configured database: rules created over REST (checked, scoped
//! by tenant), evaluated against the analytics rollups — an error rate that fires and
//! later resolves, a subscription at 80 % of its quota — and their webhooks received by a
//! test server; a webhook that keeps failing is retried and then shown as failed.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use std::sync::{Arc, Mutex};

use axum::http::{HeaderMap, StatusCode};
use chrono::{Duration, Utc};
use domain::openapi::fetch::FetchPolicy;
use gateway::analytics::{Batch, Event, RequestId};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
use serde_json::{Value, json};

fn event(n: usize, api: &str, application: &str, status: u16) -> Event {
    Event {
        time_ms: Utc::now().timestamp_millis(),
        request_id: RequestId(http::HeaderValue::from_str(&format!("r{n}")).unwrap()),
        method: "GET".into(),
        api_id: Some(api.into()),
        api_version: Some("v1".into()),
        operation: Some("GET /x".into()),
        application_id: Some(application.into()),
        environment: Some("production".into()),
        node: "n1".into(),
        status,
        latency_us: 2_000,
        upstream_us: Some(1_500),
        gateway_us: 100,
        bytes_in: 0,
        bytes_out: 10,
        error_source: None,
        error_code: None,
        throttled: false,
        cache: None,
        auth: None,
        trace_id: None,
    }
}

/// A webhook receiver: `/hook` stores what it gets, `/broken` always answers 500.
async fn receiver() -> (String, Arc<Mutex<Vec<(HeaderMap, Value)>>>) {
    let received: Arc<Mutex<Vec<(HeaderMap, Value)>>> = Arc::default();
    let store = received.clone();
    let router = axum::Router::new()
        .route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, axum::Json(body): axum::Json<Value>| async move {
                store.lock().unwrap().push((headers, body));
                StatusCode::NO_CONTENT
            }),
        )
        .route("/broken", axum::routing::post(|| async { StatusCode::INTERNAL_SERVER_ERROR }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    (url, received)
}

#[tokio::test]
async fn alerts_fire_resolve_and_reach_their_webhooks() {
    let app = support::app("server::alerts::end_to_end").await;
    let db = &app.state.db;
    let published = support::publish::publish(db, "/alerting", "http://127.0.0.1:9").await;
    let org = domain::orgs::ensure_default(db).await.unwrap().id;
    let (hooks, received) = receiver().await;
    let mut root = app.signed_in("root@example.com").await;
    let rule = |name: &str, metric: &str, threshold: f64, webhook: &str| {
        json!({"org_id": org, "api_id": published.api_id, "name": name, "metric": metric, "threshold": threshold,
               "window_minutes": 5, "webhook_url": format!("{hooks}{webhook}")})
    };

    // Bad rules are refused with the field at fault.
    let bad = root.post("/api/publisher/v1/alerts/rules", rule("Errors", "error_rate", 150.0, "/hook")).await;
    assert_eq!(
        (bad.status, bad.body["errors"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("threshold"))
    );
    let mut ftp = rule("Errors", "error_rate", 20.0, "/hook");
    ftp["webhook_url"] = json!("ftp://example.com/hook");
    let bad = root.post("/api/publisher/v1/alerts/rules", ftp).await;
    assert_eq!(bad.body["errors"][0]["field"], "webhook_url", "{}", bad.text);

    let errors = root.post("/api/publisher/v1/alerts/rules", rule("Errors", "error_rate", 20.0, "/hook")).await;
    assert_eq!(errors.status, StatusCode::CREATED, "{}", errors.text);
    let broken =
        root.post("/api/publisher/v1/alerts/rules", rule("Errors (broken hook)", "error_rate", 20.0, "/broken")).await;
    assert_eq!(broken.status, StatusCode::CREATED, "{}", broken.text);
    let quota = root.post("/api/publisher/v1/alerts/rules", rule("Quota", "quota", 80.0, "/hook")).await;
    assert_eq!(quota.status, StatusCode::CREATED, "{}", quota.text);

    // The subscription's tier allows 10 calls a day.
    let tier =
        root.post("/api/admin/v1/tiers", json!({"name": "Ten a day", "quota_limit": 10, "quota_period": "day"})).await;
    assert_eq!(tier.status, StatusCode::CREATED, "{}", tier.text);
    let subscription = domain::entities::subscription::Entity::find()
        .filter(domain::entities::subscription::Column::ApplicationId.eq(published.app_id))
        .one(db)
        .await
        .unwrap()
        .unwrap();
    let mut active = subscription.into_active_model();
    active.tier = Set("Ten a day".into());
    active.update(db).await.unwrap();

    // 9 calls: 6 answered 200 and 3 answered 502 — a third failed, 90 % of the quota used.
    let (api, application) = (published.api_id.to_string(), published.app_id.to_string());
    let statuses = [200, 200, 502, 200, 200, 502, 200, 200, 502];
    let events = statuses.iter().enumerate().map(|(n, s)| event(n, &api, &application, *s)).collect();
    domain::analytics::ingest(db, None, &Batch { node: "n1".into(), seq: 1, dropped: 0, events }).await.unwrap();

    let now = Utc::now();
    let fired = domain::alerts::evaluate_all(db, now).await.unwrap();
    assert_eq!(fired.len(), 3, "{fired:?}");
    assert!(fired.iter().all(|e| e.kind == "fired" && e.delivery == "pending"));
    let error_alert = fired.iter().find(|e| e.rule_id.to_string() == errors.body["id"].as_str().unwrap()).unwrap();
    assert_eq!(error_alert.value, 33.33);
    assert!(error_alert.message.contains("3 of 9 calls answered 5xx"), "{}", error_alert.message);
    let quota_alert = fired.iter().find(|e| e.rule_id.to_string() == quota.body["id"].as_str().unwrap()).unwrap();
    assert_eq!(quota_alert.value, 90.0);
    assert!(quota_alert.message.contains("has used 9 of its 10 calls"), "{}", quota_alert.message);
    assert!(domain::alerts::evaluate_all(db, now).await.unwrap().is_empty(), "a firing rule fires once");

    // Webhooks: two received, the broken one retried with backoff and then marked failed.
    let policy = FetchPolicy { allow_private_addresses: true, ..FetchPolicy::default() };
    assert_eq!(domain::alerts::deliver_due(db, now, &policy).await.unwrap(), 2);
    {
        let received = received.lock().unwrap();
        assert_eq!(received.len(), 2);
        let (headers, body) = received.iter().find(|(_, b)| b["rule"]["metric"] == "error_rate").unwrap();
        assert_eq!(headers["x-portico-alert-id"], error_alert.id.to_string().as_str());
        assert_eq!((body["kind"].as_str(), body["value"].as_f64()), (Some("fired"), Some(33.33)));
        assert_eq!(body["rule"]["name"], "Errors");
    }
    assert_eq!(domain::alerts::deliver_due(db, now, &policy).await.unwrap(), 0, "not due again yet");
    for attempt in 2..=domain::alerts::MAX_ATTEMPTS {
        let later = now + Duration::minutes(i64::from(attempt) * 10);
        domain::alerts::deliver_due(db, later, &policy).await.unwrap();
    }
    let history = root.get("/api/publisher/v1/alerts/events").await;
    assert_eq!(history.status, StatusCode::OK);
    let failed = history.body.as_array().unwrap().iter().find(|e| e["delivery"] == "failed").expect("{history.text}");
    assert_eq!(failed["attempts"], domain::alerts::MAX_ATTEMPTS);
    assert!(failed["last_error"].as_str().unwrap().contains("500"), "{failed}");
    assert_eq!(history.body.as_array().unwrap().iter().filter(|e| e["delivery"] == "delivered").count(), 2);

    // Ten minutes on, the window holds no calls: the error alerts resolve.
    let resolved = domain::alerts::evaluate_all(db, now + Duration::minutes(10)).await.unwrap();
    assert_eq!(resolved.iter().filter(|e| e.kind == "resolved").count(), 2, "{resolved:?}");
    let rules = root.get("/api/publisher/v1/alerts/rules").await;
    let quota_rule = rules.body.as_array().unwrap().iter().find(|r| r["metric"] == "quota").unwrap();
    assert_eq!((quota_rule["firing"].as_bool(), quota_rule["last_value"].as_f64()), (Some(true), Some(90.0)));

    // Another tenant sees no rules and cannot touch them.
    app.org_with_member("rival", "pub@rival.test", "publisher").await;
    let mut rival = app.signed_in("pub@rival.test").await;
    assert_eq!(rival.get("/api/publisher/v1/alerts/rules").await.body, json!([]));
    assert_eq!(rival.get("/api/publisher/v1/alerts/events").await.body, json!([]));
    let id = errors.body["id"].as_str().unwrap();
    assert_eq!(rival.delete(&format!("/api/publisher/v1/alerts/rules/{id}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(root.delete(&format!("/api/publisher/v1/alerts/rules/{id}")).await.status, StatusCode::NO_CONTENT);
}
