//! Tracing and the access log through a real gateway: spans reach a test OTLP collector
//! (decoded with the official opentelemetry-proto types) with the caller's trace id, the
//! upstream receives a `traceparent` naming the gateway's client span, an unsampled
//! caller is followed, the access log joins request id and trace id with secrets
//! redacted, and a collector that never answers costs requests nothing.
#![allow(clippy::expect_used, clippy::unwrap_used)]

#[path = "support/prometheus.rs"]
mod prometheus;
mod support;

use std::time::{Duration, Instant};

use gateway::GatewaySettings;
use gateway::telemetry::settings::OtelSettings;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;
use support::collector::{Collector, Received};
use support::{MockUpstream, TestGateway, get, orders_config, snapshot};

const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN: &str = "00f067aa0ba902b7";

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Every span the collector received.
fn spans(received: &[Received]) -> Vec<Span> {
    let mut spans = Vec::new();
    for request in received {
        assert_eq!(request.headers["content-type"], "application/x-protobuf");
        let export = ExportTraceServiceRequest::decode(request.body.clone()).expect("a valid OTLP protobuf body");
        for resource in export.resource_spans {
            let service = resource.resource.unwrap().attributes.into_iter().find(|a| a.key == "service.name").unwrap();
            assert_eq!(service.value.unwrap().value, Some(Value::StringValue("portico-gateway".into())));
            spans.extend(resource.scope_spans.into_iter().flat_map(|s| s.spans));
        }
    }
    spans
}

fn attribute(span: &Span, key: &str) -> Option<Value> {
    span.attributes.iter().find(|a| a.key == key).and_then(|a| a.value.clone()?.value)
}

fn text(value: &str) -> Option<Value> {
    Some(Value::StringValue(value.into()))
}

#[tokio::test]
async fn spans_carry_the_callers_trace_to_the_collector_and_the_upstream() {
    let (upstream, collector) = (MockUpstream::start("orders").await, Collector::start().await);
    let log_dir = std::env::temp_dir().join(format!("portico-trace-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&log_dir).unwrap();
    let log_path = log_dir.join("access.log");
    let mut settings = GatewaySettings::ephemeral();
    settings.telemetry = OtelSettings::to_collector(&collector.url());
    settings.access_log = Some(log_path.display().to_string());
    let gateway = TestGateway::start_with(&snapshot(&orders_config(&upstream.url())), settings).await;

    // A caller that is tracing: the gateway's span is its child.
    let traceparent = format!("00-{TRACE}-{CALLER_SPAN}-01");
    let (status, _, _) = get(
        &gateway.url("/orders/v1/orders/7?api_key=pk_secret&page=2"),
        &[("traceparent", &traceparent), ("tracestate", "vendor=1"), ("x-request-id", "trace-req-1")],
    )
    .await;
    assert_eq!(status, 200);
    let sent = upstream.last().headers["traceparent"].to_str().unwrap().to_owned();
    let parts: Vec<&str> = sent.split('-').collect();
    assert_eq!((parts[0], parts[1], parts[3]), ("00", TRACE, "01"), "upstream got {sent}");
    assert_ne!(parts[2], CALLER_SPAN, "the upstream's parent is the gateway's client span");
    assert_eq!(upstream.last().headers["tracestate"], "vendor=1");

    let (server, client) = collector
        .wait_for("/v1/traces", |received| {
            let spans = spans(received);
            let server = spans.iter().find(|s| hex(&s.trace_id) == TRACE && s.kind == 2)?.clone();
            let client = spans.iter().find(|s| hex(&s.trace_id) == TRACE && s.kind == 3)?.clone();
            Some((server, client))
        })
        .await;
    assert_eq!(hex(&server.parent_span_id), CALLER_SPAN);
    assert_eq!(server.name, "GET /orders/{id}");
    assert_eq!(server.trace_state, "vendor=1");
    assert_eq!(attribute(&server, "http.route"), text("/orders/{id}"));
    assert_eq!(attribute(&server, "url.path"), text("/orders/v1/orders/7"));
    assert_eq!(attribute(&server, "http.response.status_code"), Some(Value::IntValue(200)));
    assert_eq!(attribute(&server, "portico.request_id"), text("trace-req-1"));
    assert_eq!(attribute(&server, "portico.api.id"), text("orders"));
    assert_eq!(server.flags & 0x301, 0x301, "sampled, with a remote parent");
    assert!(server.end_time_unix_nano >= server.start_time_unix_nano);
    assert_eq!(hex(&client.span_id), parts[2], "the client span is the one the upstream was told about");
    assert_eq!(client.parent_span_id, server.span_id);
    assert!(client.start_time_unix_nano >= server.start_time_unix_nano);
    assert!(client.end_time_unix_nano <= server.end_time_unix_nano);

    // No traceparent: a new trace, propagated upstream.
    let (status, _, _) = get(&gateway.url("/orders/v1/orders/8"), &[("x-request-id", "trace-req-2")]).await;
    assert_eq!(status, 200);
    let fresh = upstream.last().headers["traceparent"].to_str().unwrap().to_owned();
    let fresh_trace = fresh.split('-').nth(1).unwrap().to_owned();
    assert_ne!(fresh_trace, TRACE);
    let root = collector
        .wait_for("/v1/traces", |r| spans(r).into_iter().find(|s| hex(&s.trace_id) == fresh_trace && s.kind == 2))
        .await;
    assert!(root.parent_span_id.is_empty());
    assert_eq!(root.flags & 0x300, 0x100, "known to have no remote parent");

    // A caller that decided not to sample: followed, and its header passes unchanged.
    let unsampled = format!("00-{}-{CALLER_SPAN}-00", "a".repeat(32));
    let (status, _, _) = get(&gateway.url("/orders/v1/orders/9"), &[("traceparent", &unsampled)]).await;
    assert_eq!(status, 200);
    assert_eq!(upstream.last().headers["traceparent"], unsampled.as_str());

    // Unrouted requests are traced too (the error has a span with its code).
    let (status, _, _) =
        get(&gateway.url("/nowhere"), &[("traceparent", &format!("00-{}-{CALLER_SPAN}-01", "b".repeat(32)))]).await;
    assert_eq!(status, 404);
    let missing =
        collector.wait_for("/v1/traces", |r| spans(r).into_iter().find(|s| hex(&s.trace_id) == "b".repeat(32))).await;
    assert_eq!((missing.name.as_str(), attribute(&missing, "error.type")), ("GET", text("no_route")));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        spans(&collector.at("/v1/traces")).iter().all(|s| hex(&s.trace_id) != "a".repeat(32)),
        "an unsampled request made no span"
    );

    // The access log joins the request id and the trace id; the query's key is redacted.
    let lines: Vec<serde_json::Value> = loop {
        let text = std::fs::read_to_string(&log_path).unwrap_or_default();
        if text.lines().count() >= 4 {
            break text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let first = lines.iter().find(|l| l["request_id"] == "trace-req-1").unwrap();
    assert_eq!(first["trace_id"], TRACE);
    assert_eq!(first["query"], "api_key=[REDACTED]&page=2");
    assert_eq!((first["status"].as_u64(), first["api"].as_str()), (Some(200), Some("orders")));
    assert_eq!(first["operation"], "GET /orders/{id}");
    assert!(!std::fs::read_to_string(&log_path).unwrap().contains("pk_secret"));
    let second = lines.iter().find(|l| l["request_id"] == "trace-req-2").unwrap();
    assert_eq!(second["trace_id"], fresh_trace.as_str());

    let metrics = prometheus::Scrape::parse(&support::get_text(&format!("http://{}/metrics", gateway.status)).await);
    assert!(metrics.value("portico_gateway_spans_exported_total", &[]).unwrap() >= 4.0);
    assert!(metrics.value("portico_gateway_access_log_lines_total", &[]).unwrap() >= 4.0);
    assert_eq!(metrics.value("portico_gateway_spans_dropped_total", &[]), Some(0.0));
    std::fs::remove_dir_all(log_dir).unwrap();
}

#[tokio::test]
async fn a_collector_that_never_answers_costs_requests_nothing() {
    let (upstream, collector) = (MockUpstream::start("orders").await, Collector::start().await);
    collector.black_hole.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut settings = GatewaySettings::ephemeral();
    settings.telemetry = OtelSettings::to_collector(&collector.url());
    settings.telemetry.timeout_ms = 3_000;
    settings.telemetry.max_queue_size = 50;
    let gateway = TestGateway::start_with(&snapshot(&orders_config(&upstream.url())), settings).await;
    let mut slowest = Duration::ZERO;
    for n in 0..300 {
        let started = Instant::now();
        let (status, _, _) = get(&gateway.url(&format!("/orders/v1/orders/{n}")), &[]).await;
        assert_eq!(status, 200);
        slowest = slowest.max(started.elapsed());
    }
    // The exporter waits 3 s for each answer; a request that waited for it would show.
    assert!(slowest < Duration::from_millis(1_500), "slowest request took {slowest:?}");
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let text = support::get_text(&format!("http://{}/metrics", gateway.status)).await;
        let metrics = prometheus::Scrape::parse(&text);
        let (failed, dropped) = (
            metrics.value("portico_gateway_spans_failed_total", &[]).unwrap(),
            metrics.value("portico_gateway_spans_dropped_total", &[]).unwrap(),
        );
        // A full queue drops spans; the exports that timed out are counted as failed.
        if failed > 0.0 && dropped > 0.0 {
            break;
        }
        assert!(Instant::now() < deadline, "failed {failed}, dropped {dropped}:\n{text}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!collector.at("/v1/traces").is_empty());
}
