//! Analytics exporters through a real gateway: every event reaches a test OpenSearch
//! (speaking the `_bulk` API's shape: NDJSON in, per-item results out) and a test OTLP
//! collector (decoded with the official opentelemetry-proto types) besides the main
//! shipment; a cluster refusing documents gets the batch again and then counts it as
//! failed while the other exporter carries on; and an exporter that never answers
//! neither slows the main shipment nor grows without bound.
#![allow(clippy::expect_used, clippy::unwrap_used)]

#[path = "support/prometheus.rs"]
mod prometheus;
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use gateway::GatewaySettings;
use gateway::analytics::opensearch::BulkSink;
use gateway::analytics::{Analytics, Event, RequestId};
use opentelemetry_proto::tonic::collector::logs::v1::ExportLogsServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use prost::Message;
use serde_json::{Value as Json, json};
use support::collector::{Collector, Received};
use support::{MockUpstream, TestGateway, get, orders_config, snapshot};

/// A bulk API answer for `request`: every item created, or every item refused.
fn bulk_answer(request: &Received, refuse: bool) -> String {
    let lines: Vec<Json> =
        String::from_utf8_lossy(&request.body).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let items: Vec<Json> = lines
        .chunks(2)
        .map(|pair| {
            let action = &pair[0]["index"];
            if refuse {
                json!({"index": {"_index": action["_index"], "_id": action["_id"], "status": 400,
                    "error": {"type": "mapper_parsing_exception", "reason": "failed to parse field [status]"}}})
            } else {
                json!({"index": {"_index": action["_index"], "_id": action["_id"], "status": 201, "result": "created"}})
            }
        })
        .collect();
    json!({"took": 3, "errors": refuse, "items": items}).to_string()
}

/// The documents (action, source) of every bulk request received.
fn documents(received: &[Received]) -> Vec<(Json, Json)> {
    let mut out = Vec::new();
    for request in received {
        assert_eq!(request.headers["content-type"], "application/x-ndjson");
        let lines: Vec<Json> =
            String::from_utf8_lossy(&request.body).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        out.extend(lines.chunks(2).map(|pair| (pair[0].clone(), pair[1].clone())));
    }
    out
}

fn log_records(received: &[Received]) -> Vec<opentelemetry_proto::tonic::logs::v1::LogRecord> {
    received
        .iter()
        .flat_map(|request| {
            let export = ExportLogsServiceRequest::decode(request.body.clone()).expect("a valid OTLP logs body");
            export.resource_logs.into_iter().flat_map(|r| r.scope_logs).flat_map(|s| s.log_records)
        })
        .collect()
}

async fn observed_gateway(settings: GatewaySettings) -> (TestGateway, Arc<Analytics>) {
    let upstream = MockUpstream::start("orders").await;
    let analytics = Analytics::new("node-e", 1_000);
    let gateway =
        TestGateway::start_observed(&snapshot(&orders_config(&upstream.url())), settings, analytics.clone()).await;
    (gateway, analytics)
}

/// Makes `n` calls and ships their events (as the main destination would).
async fn calls_shipped(gateway: &TestGateway, analytics: &Analytics, n: usize, tag: &str) {
    for i in 0..n {
        let (status, _, _) =
            get(&gateway.url(&format!("/orders/v1/orders/{i}")), &[("x-request-id", &format!("{tag}-{i}"))]).await;
        assert_eq!(status, 200);
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while analytics.queued() < n {
        assert!(Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(analytics.next_batch().unwrap().events.len(), n);
}

#[tokio::test]
async fn every_event_reaches_opensearch_and_the_otlp_collector() {
    let (search, otlp) = (Collector::start().await, Collector::start().await);
    *search.answer.lock().unwrap() = Box::new(|request| bulk_answer(request, false));
    let mut settings = GatewaySettings::ephemeral();
    settings.analytics_opensearch_url = Some(format!("{}/", search.url()));
    settings.analytics_opensearch_authorization = Some(gateway::settings::Redacted("ApiKey c2VjcmV0".into()));
    settings.analytics_otlp = true;
    settings.telemetry.logs_endpoint = Some(format!("{}/v1/logs", otlp.url()));
    settings.telemetry.service_name = Some("edge-gateway".into());
    let (gateway, analytics) = observed_gateway(settings).await;
    calls_shipped(&gateway, &analytics, 3, "exp").await;

    let docs = search.wait_for("/_bulk", |r| Some(documents(r)).filter(|d| d.len() == 3)).await;
    assert_eq!(search.at("/_bulk")[0].headers["authorization"], "ApiKey c2VjcmV0");
    let today = chrono::Utc::now().format("%Y.%m.%d").to_string();
    for (action, source) in &docs {
        assert_eq!(action["index"]["_index"], format!("portico-analytics-{today}"));
        assert!(action["index"]["_id"].as_str().unwrap().starts_with("node-e:"), "{action}");
        assert!(source["@timestamp"].as_str().unwrap().ends_with('Z'));
        assert_eq!((source["api_id"].as_str(), source["status"].as_u64()), (Some("orders"), Some(200)));
    }
    let ids: Vec<&str> = docs.iter().map(|(_, s)| s["request_id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["exp-0", "exp-1", "exp-2"]);

    let records = otlp.wait_for("/v1/logs", |r| Some(log_records(r)).filter(|l| l.len() == 3)).await;
    assert_eq!(otlp.at("/v1/logs")[0].headers["content-type"], "application/x-protobuf");
    let export = ExportLogsServiceRequest::decode(otlp.at("/v1/logs")[0].body.clone()).unwrap();
    let resource = export.resource_logs[0].resource.clone().unwrap();
    let service = resource.attributes.iter().find(|a| a.key == "service.name").unwrap();
    assert_eq!(service.value.clone().unwrap().value, Some(Value::StringValue("edge-gateway".into())));
    for (i, record) in records.iter().enumerate() {
        let attribute =
            |key: &str| record.attributes.iter().find(|a| a.key == key).and_then(|a| a.value.clone()?.value);
        assert_eq!(attribute("portico.request_id"), Some(Value::StringValue(format!("exp-{i}"))));
        assert_eq!(attribute("http.route"), Some(Value::StringValue("/orders/{id}".into())));
        assert_eq!(attribute("http.response.status_code"), Some(Value::IntValue(200)));
        assert_eq!((record.severity_text.as_str(), record.event_name.as_str()), ("INFO", "portico.gateway.request"));
        assert!(record.time_unix_nano > 0);
    }
    let scrape = prometheus::Scrape::parse(&support::get_text(&format!("http://{}/metrics", gateway.status)).await);
    for exporter in ["opensearch", "otlp"] {
        assert_eq!(scrape.value("portico_gateway_analytics_exported_total", &[("exporter", exporter)]), Some(3.0));
    }
}

#[tokio::test]
async fn refused_documents_are_retried_then_counted_while_the_other_exporter_carries_on() {
    let (search, otlp) = (Collector::start().await, Collector::start().await);
    *search.answer.lock().unwrap() = Box::new(|request| bulk_answer(request, true));
    let mut settings = GatewaySettings::ephemeral();
    settings.analytics_opensearch_url = Some(search.url());
    settings.analytics_otlp = true;
    settings.telemetry.endpoint = Some(otlp.url());
    let (gateway, analytics) = observed_gateway(settings).await;
    calls_shipped(&gateway, &analytics, 2, "bad").await;
    otlp.wait_for("/v1/logs", |r| Some(()).filter(|()| log_records(r).len() == 2)).await;
    let status = format!("http://{}/metrics", gateway.status);
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let scrape = prometheus::Scrape::parse(&support::get_text(&status).await);
        if scrape.value("portico_gateway_analytics_export_failed_total", &[("exporter", "opensearch")]) == Some(2.0) {
            assert_eq!(scrape.value("portico_gateway_analytics_exported_total", &[("exporter", "otlp")]), Some(2.0));
            break;
        }
        assert!(Instant::now() < deadline, "the refused batch was not counted as failed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        search.at("/_bulk").len(),
        gateway::analytics::exporters::ATTEMPTS as usize,
        "tried again, then given up"
    );
}

fn event(n: usize) -> Event {
    serde_json::from_value(json!({
        "time_ms": 1_765_152_000_000i64 + n as i64, "request_id": format!("r-{n}"), "method": "GET", "node": "n",
        "status": 200, "latency_us": 10, "gateway_us": 5, "bytes_in": 0, "bytes_out": 0,
    }))
    .unwrap()
}

#[tokio::test]
async fn an_exporter_that_never_answers_holds_nothing_back() {
    let black_hole = Collector::start().await;
    black_hole.black_hole.store(true, std::sync::atomic::Ordering::Relaxed);
    let analytics = Analytics::new("n", 10_000);
    analytics.add_exporter(Arc::new(BulkSink::new(&black_hole.url(), "portico-analytics", None).unwrap()));
    let started = Instant::now();
    for n in 0..100 {
        analytics.record(event(n));
        let batch = analytics.next_batch().unwrap();
        assert_eq!(batch.events[0].request_id, RequestId(http::HeaderValue::from_str(&format!("r-{n}")).unwrap()));
        tokio::task::yield_now().await;
    }
    assert!(started.elapsed() < Duration::from_secs(2), "shipping waited for the exporter: {:?}", started.elapsed());
    black_hole.wait_for("/_bulk", |r| (!r.is_empty()).then_some(())).await;
    let stats = &analytics.exporter_stats()[0];
    // One batch is being sent, 64 wait, the rest were dropped and counted.
    assert_eq!((stats.exported, stats.failed), (0, 0));
    assert!(stats.dropped >= 30 && stats.dropped <= 36, "{stats:?}");
}
