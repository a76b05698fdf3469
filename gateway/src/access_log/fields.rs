//! The fields an access-log line may hold, by the names `PORTICO_GATEWAY_ACCESS_LOG_FIELDS`
//! lists them with, and how each is read from the request's analytics event.

use http::HeaderName;
use serde_json::Value;

use crate::analytics::Event;

/// The fields written when none are chosen.
pub const DEFAULT_FIELDS: &str = "time,request_id,trace_id,client_ip,method,path,query,status,latency_ms,\
upstream_ms,bytes_in,bytes_out,api,operation,application,error_code,cache,header:user-agent";

/// One field of a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    /// Arrival time, RFC 3339 with milliseconds, UTC.
    Time,
    /// The request id (`X-Request-Id`).
    RequestId,
    /// The trace id, when the request was traced.
    TraceId,
    /// The client's address (after the trusted-proxy rules).
    ClientIp,
    /// HTTP method.
    Method,
    /// The path as the client sent it.
    Path,
    /// The query, credentials redacted.
    Query,
    /// Status sent.
    Status,
    /// Arrival to the last byte, ms.
    LatencyMs,
    /// The upstream's time to its response head, ms.
    UpstreamMs,
    /// The gateway's own time, ms.
    GatewayMs,
    /// Request body bytes.
    BytesIn,
    /// Response body bytes.
    BytesOut,
    /// The API's id.
    Api,
    /// The API's version.
    ApiVersion,
    /// `METHOD /template`.
    Operation,
    /// The calling application's id.
    Application,
    /// The configuration's environment.
    Environment,
    /// The gateway node.
    Node,
    /// The gateway's error code.
    ErrorCode,
    /// `client`, `upstream` or `gateway`.
    ErrorSource,
    /// Refused by a limit.
    Throttled,
    /// `hit`, `miss` or `bypass`.
    Cache,
    /// The credential kind the operation asks for.
    Auth,
    /// A request header (`header:NAME`), written as `http_<name>` (nginx's naming),
    /// redacted when it holds a credential.
    Header(HeaderName),
}

const NAMED: [(&str, Field); 24] = [
    ("time", Field::Time),
    ("request_id", Field::RequestId),
    ("trace_id", Field::TraceId),
    ("client_ip", Field::ClientIp),
    ("method", Field::Method),
    ("path", Field::Path),
    ("query", Field::Query),
    ("status", Field::Status),
    ("latency_ms", Field::LatencyMs),
    ("upstream_ms", Field::UpstreamMs),
    ("gateway_ms", Field::GatewayMs),
    ("bytes_in", Field::BytesIn),
    ("bytes_out", Field::BytesOut),
    ("api", Field::Api),
    ("api_version", Field::ApiVersion),
    ("operation", Field::Operation),
    ("application", Field::Application),
    ("environment", Field::Environment),
    ("node", Field::Node),
    ("error_code", Field::ErrorCode),
    ("error_source", Field::ErrorSource),
    ("throttled", Field::Throttled),
    ("cache", Field::Cache),
    ("auth", Field::Auth),
];

/// Parses the field list; an unknown name is an error listing the known ones.
pub fn parse(names: &[String]) -> Result<Vec<Field>, String> {
    let mut fields = Vec::with_capacity(names.len());
    for name in names.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        let field = match name.strip_prefix("header:") {
            Some(header) => Field::Header(
                HeaderName::try_from(header.trim())
                    .map_err(|_| format!("PORTICO_GATEWAY_ACCESS_LOG_FIELDS: `{header}` is not a header name"))?,
            ),
            None => match NAMED.iter().find(|(n, _)| *n == name) {
                Some((_, field)) => field.clone(),
                None => {
                    let known: Vec<&str> = NAMED.iter().map(|(n, _)| *n).collect();
                    return Err(format!(
                        "PORTICO_GATEWAY_ACCESS_LOG_FIELDS: unknown field `{name}`; fields are {} and header:NAME",
                        known.join(", ")
                    ));
                }
            },
        };
        if !fields.contains(&field) {
            fields.push(field);
        }
    }
    if fields.is_empty() {
        return Err("PORTICO_GATEWAY_ACCESS_LOG_FIELDS: list at least one field".into());
    }
    Ok(fields)
}

/// The JSON key of a header field.
pub fn header_key(name: &HeaderName) -> String {
    format!("http_{}", name.as_str().replace('-', "_"))
}

impl Field {
    /// The JSON key (header fields: see [`header_key`]).
    pub fn key(&self) -> &'static str {
        NAMED.iter().find(|(_, f)| f == self).map_or("header", |(name, _)| name)
    }

    /// The value read from the event (`null` when the request has none). Fields the event
    /// does not hold (path, query, client, trace, headers) are written by the caller.
    pub fn of_event(&self, event: &Event) -> Value {
        let text = |value: Option<&str>| value.map_or(Value::Null, Value::from);
        let ms = |us: u64| Value::from(us as f64 / 1000.0);
        match self {
            Field::Time => {
                let time = chrono::DateTime::from_timestamp_millis(event.time_ms).unwrap_or_default();
                Value::from(time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
            }
            Field::RequestId => Value::from(event.request_id.as_str()),
            Field::Method => Value::from(&*event.method),
            Field::Status => Value::from(event.status),
            Field::LatencyMs => ms(event.latency_us),
            Field::UpstreamMs => event.upstream_us.map_or(Value::Null, ms),
            Field::GatewayMs => ms(event.gateway_us),
            Field::BytesIn => Value::from(event.bytes_in),
            Field::BytesOut => Value::from(event.bytes_out),
            Field::Api => text(event.api_id.as_deref()),
            Field::ApiVersion => text(event.api_version.as_deref()),
            Field::Operation => text(event.operation.as_deref()),
            Field::Application => text(event.application_id.as_deref()),
            Field::Environment => text(event.environment.as_deref()),
            Field::Node => Value::from(&*event.node),
            Field::ErrorCode => text(event.error_code.as_deref()),
            Field::ErrorSource => text(event.error_source.map(|s| s.as_str())),
            Field::Throttled => Value::from(event.throttled),
            Field::Cache => text(event.cache.map(|c| c.as_str())),
            Field::Auth => text(event.auth.map(|a| a.as_str())),
            Field::TraceId | Field::ClientIp | Field::Path | Field::Query | Field::Header(_) => Value::Null,
        }
    }
}
