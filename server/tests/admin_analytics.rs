//! The admin dashboard's REST API on the configured database: platform administrators
//! see every tenant's traffic (per organization and per API, CSV too), org admins only
//! their organizations' (another organization is not found), others nothing; gateway
//! health lists each node's latest batch, recent events and drops, for platform
//! administrators only.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod support;

use gateway::analytics::{Batch, Event};
use http::StatusCode;
use serde_json::{Value, json};

fn event(api: &str, status: u16) -> Event {
    serde_json::from_value(json!({
        "time_ms": chrono::Utc::now().timestamp_millis(), "request_id": "r", "method": "GET", "api_id": api,
        "node": "n", "status": status, "latency_us": 900, "gateway_us": 100, "bytes_in": 0, "bytes_out": 10,
    }))
    .unwrap()
}

fn group<'a>(report: &'a Value, key: &str) -> Option<&'a Value> {
    report["groups"].as_array().unwrap().iter().find(|g| g["key"] == key)
}

#[tokio::test]
async fn admins_see_their_tenants_traffic_and_platform_admins_the_gateways_health() {
    let app = support::app("server::admin_analytics::tenants").await;
    let (org_a, _) = app.org_with_member("tenant-a", "admin@a.test", "org_admin").await;
    let (org_b, _) = app.org_with_member("tenant-b", "admin@b.test", "org_admin").await;
    app.org_with_member("tenant-c", "pub@c.test", "publisher").await;
    let mut root = app.signed_in("root@example.com").await;
    let mut apis = Vec::new();
    for (org, context) in [(&org_a, "/a"), (&org_b, "/b")] {
        let body = json!({ "org_id": org, "name": format!("API {context}"), "context": context, "version": "v1" });
        let created = root.post("/api/publisher/v1/apis", body).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
        apis.push(created.body["id"].as_str().unwrap().to_owned());
    }
    let (api_a, api_b) = (apis[0].clone(), apis[1].clone());
    let events =
        vec![event(&api_a, 200), event(&api_a, 200), event(&api_a, 500), event(&api_b, 200), event(&api_b, 404)];
    let batch = Batch { node: "edge-1".into(), seq: 1, dropped: 7, events };
    domain::analytics::ingest(&app.state.db, None, &batch).await.unwrap();

    let all = root.get("/api/admin/v1/analytics?group_by=organization").await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.text);
    assert_eq!(all.body["totals"]["requests"], 5);
    assert_eq!(
        (
            group(&all.body, &org_a).unwrap()["requests"].as_i64(),
            group(&all.body, &org_b).unwrap()["requests"].as_i64()
        ),
        (Some(3), Some(2))
    );
    assert_eq!(group(&all.body, &org_a).unwrap()["label"], "tenant-a", "{}", all.text);
    let one = root.get(&format!("/api/admin/v1/analytics?org_id={org_b}&group_by=api")).await;
    assert_eq!(
        (one.body["totals"]["requests"].as_i64(), one.body["totals"]["client_errors"].as_i64()),
        (Some(2), Some(1))
    );
    assert_eq!(group(&one.body, &api_b).unwrap()["label"], "API /b v1");
    let csv = root.get("/api/admin/v1/analytics/export?group_by=organization&table=groups").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.text.lines().any(|l| l.starts_with(&format!("{org_a},tenant-a,3,"))), "{}", csv.text);

    // An org admin: only their organization; another one is not found.
    let admin_a = app.signed_in("admin@a.test").await;
    let mine = admin_a.get("/api/admin/v1/analytics?group_by=organization").await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.text);
    assert_eq!(mine.body["totals"]["requests"], 3);
    assert!(group(&mine.body, &org_b).is_none() && !mine.text.contains(&api_b));
    assert_eq!(admin_a.get(&format!("/api/admin/v1/analytics?org_id={org_b}")).await.status, StatusCode::NOT_FOUND);
    // Someone without an admin area sees nothing.
    let publisher = app.signed_in("pub@c.test").await;
    assert_eq!(publisher.get("/api/admin/v1/analytics").await.status, StatusCode::NOT_FOUND);

    // Gateway health: platform administrators only.
    let nodes = root.get("/api/admin/v1/analytics/nodes").await;
    assert_eq!(nodes.status, StatusCode::OK, "{}", nodes.text);
    let edge = nodes.body.as_array().unwrap().iter().find(|n| n["node"] == "edge-1").unwrap();
    assert_eq!((edge["events_last_hour"].as_i64(), edge["dropped"].as_i64()), (Some(5), Some(7)));
    assert!(edge["last_batch_at"].is_string());
    assert_eq!(admin_a.get("/api/admin/v1/analytics/nodes").await.status, StatusCode::FORBIDDEN);
}
