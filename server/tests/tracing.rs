//! The control plane's spans: a request carrying a `traceparent` becomes a server span in
//! the caller's trace, named by its route template, with the status and the request id
//! the response carried — received by a test OTLP collector and decoded with the official
//! opentelemetry-proto types.
#![allow(clippy::expect_used, clippy::unwrap_used)]

#[path = "../../gateway/tests/support/collector.rs"]
mod collector;
mod support;

use axum::body::Body;
use gateway::telemetry::settings::OtelSettings;
use http::Request;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::trace::v1::Span;
use prost::Message;
use tower::ServiceExt;

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn attribute(span: &Span, key: &str) -> Option<Value> {
    span.attributes.iter().find(|a| a.key == key).and_then(|a| a.value.clone()?.value)
}

#[tokio::test]
async fn requests_are_spans_of_the_callers_trace() {
    let app = support::app("server::tracing::spans").await;
    let collector = collector::Collector::start().await;
    let (tracer, exporter) = OtelSettings::to_collector(&collector.url()).tracer("portico").unwrap().unwrap();
    tokio::spawn(exporter.run());
    let options = server::router::RouterOptions { tracer: Some(tracer), ..Default::default() };
    let router = server::router::build(app.state.clone(), options);

    let trace = "0af7651916cd43dd8448eb211c80319c";
    let api = uuid::Uuid::now_v7();
    let request = Request::get(format!("/api/publisher/v1/apis/{api}"))
        .header("traceparent", format!("00-{trace}-b7ad6b7169203331-01"))
        .body(Body::empty())
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status().as_u16();
    let request_id = response.headers()["x-request-id"].to_str().unwrap().to_owned();

    let span = collector
        .wait_for("/v1/traces", |received| {
            received
                .iter()
                .flat_map(|r| ExportTraceServiceRequest::decode(r.body.clone()).unwrap().resource_spans)
                .inspect(|resource| {
                    let name = resource.resource.as_ref().unwrap().attributes.iter().find(|a| a.key == "service.name");
                    assert_eq!(name.unwrap().value.clone().unwrap().value, Some(Value::StringValue("portico".into())));
                })
                .flat_map(|r| r.scope_spans)
                .flat_map(|s| s.spans)
                .find(|s| hex(&s.trace_id) == trace)
        })
        .await;
    assert_eq!(hex(&span.parent_span_id), "b7ad6b7169203331");
    assert_eq!((span.kind, span.name.as_str()), (2, "GET /api/publisher/v1/apis/{api_id}"));
    assert_eq!(attribute(&span, "http.route"), Some(Value::StringValue("/api/publisher/v1/apis/{api_id}".into())));
    assert_eq!(attribute(&span, "http.response.status_code"), Some(Value::IntValue(i64::from(status))));
    assert_eq!(attribute(&span, "portico.request_id"), Some(Value::StringValue(request_id)));
    assert_eq!(attribute(&span, "url.path"), Some(Value::StringValue(format!("/api/publisher/v1/apis/{api}"))));

    // Without tracing configured, nothing is recorded and nothing changes.
    let plain = support::app("server::tracing::plain").await;
    let response = plain.router.clone().oneshot(Request::get("/healthz").body(Body::empty()).unwrap()).await.unwrap();
    assert!(response.status().is_success());
}
