//! The OpenSearch / Elasticsearch exporter: each batch is one `POST <url>/_bulk` of
//! NDJSON, an `index` action and the event (with `@timestamp`) per line, into a daily
//! index `<prefix>-YYYY.MM.DD` (UTC, the Logstash convention, so index lifecycle
//! policies and index patterns work as usual). Every document's `_id` is
//! `<node>:<batch>:<position>`, so a batch sent again overwrites rather than duplicates.
//! An answer with `"errors": true` fails the batch (naming the first item's reason), and
//! the exporter tries it again.

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use serde_json::{Value, json};

use super::{Batch, Sink};
use crate::outbound::Poster;

/// The bulk API's content type.
const NDJSON: &str = "application/x-ndjson";

/// Posts batches to a cluster's `_bulk` endpoint.
pub struct BulkSink {
    poster: Poster,
    index_prefix: String,
}

impl BulkSink {
    /// A sink for the cluster at `url` writing to `<index_prefix>-YYYY.MM.DD`, sending
    /// `authorization` (e.g. `Basic …` or `ApiKey …`) when given.
    pub fn new(url: &str, index_prefix: &str, authorization: Option<&str>) -> Result<Self, String> {
        let prefix = index_prefix.trim();
        let valid = !prefix.is_empty()
            && prefix.len() <= 200
            && !prefix.starts_with(['-', '_', '+'])
            && prefix.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'));
        if !valid {
            return Err(format!(
                "PORTICO_ANALYTICS_OPENSEARCH_INDEX: `{index_prefix}` is not an index name (lowercase letters, digits, `-`, `_`, `.`)"
            ));
        }
        let bulk = format!("{}/_bulk", url.trim().trim_end_matches('/'));
        let headers: Vec<(&str, &str)> = authorization.map(|value| ("authorization", value)).into_iter().collect();
        Ok(Self {
            poster: Poster::new("PORTICO_ANALYTICS_OPENSEARCH_URL", &bulk, &headers)?,
            index_prefix: prefix.into(),
        })
    }
}

/// The NDJSON body of `batch`.
pub fn bulk_body(batch: &Batch, index_prefix: &str) -> Result<Vec<u8>, String> {
    let mut body = Vec::with_capacity(batch.events.len() * 512);
    for (position, event) in batch.events.iter().enumerate() {
        let time = chrono::DateTime::from_timestamp_millis(event.time_ms).unwrap_or_default();
        let index = format!("{index_prefix}-{}", time.format("%Y.%m.%d"));
        let action = json!({ "index": { "_index": index, "_id": format!("{}:{}:{position}", batch.node, batch.seq) } });
        let mut document = serde_json::to_value(event).map_err(|e| format!("cannot encode an event: {e}"))?;
        if let Value::Object(fields) = &mut document {
            fields.insert("@timestamp".into(), json!(time.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)));
        }
        for line in [action, document] {
            serde_json::to_writer(&mut body, &line).map_err(|e| format!("cannot encode an event: {e}"))?;
            body.push(b'\n');
        }
    }
    Ok(body)
}

#[async_trait]
impl Sink for BulkSink {
    fn name(&self) -> &str {
        "opensearch"
    }

    async fn publish(&self, batch: &Arc<Batch>) -> Result<(), String> {
        let (batch, prefix) = (batch.clone(), self.index_prefix.clone());
        let body = tokio::task::spawn_blocking(move || bulk_body(&batch, &prefix))
            .await
            .map_err(|e| format!("the encoding task failed: {e}"))??;
        let answer = self.poster.post(NDJSON, Bytes::from(body)).await?;
        let answer: Value = serde_json::from_slice(&answer)
            .map_err(|e| format!("{}: the answer is not a bulk response: {e}", self.poster.url()))?;
        if answer["errors"] == json!(true) {
            let items = answer["items"].as_array().map(Vec::as_slice).unwrap_or_default();
            let failed: Vec<&Value> =
                items.iter().filter_map(|item| item["index"]["error"].as_object().map(|_| item)).collect();
            let reason = failed.first().map_or_else(String::new, |item| item["index"]["error"]["reason"].to_string());
            return Err(format!("{} of {} documents were refused; first: {reason}", failed.len(), items.len()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::Event;

    #[test]
    fn a_batch_is_an_index_action_and_a_document_per_event() {
        let event = Event { api_id: Some("shop".into()), ..Event::example() };
        let batch = Batch { node: "n".into(), seq: 7, dropped: 0, events: vec![event.clone(), event] };
        let body = String::from_utf8(bulk_body(&batch, "portico-analytics").unwrap()).unwrap();
        let lines: Vec<Value> = body.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[0], json!({"index": {"_index": "portico-analytics-2025.12.08", "_id": "n:7:0"}}));
        assert_eq!(lines[1]["@timestamp"], "2025-12-08T00:00:00.123Z");
        assert_eq!(lines[1]["api_id"], "shop");
        assert_eq!(lines[2]["index"]["_id"], "n:7:1");
        assert!(BulkSink::new("http://127.0.0.1:9200", "Bad Index", None).is_err());
    }
}
