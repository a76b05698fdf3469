//! The generic HTTP JSON sink: each batch `POST`ed as one JSON document ([`super::Batch`]:
//! `node`, `seq`, `dropped`, `events`) to a URL, with an optional `Authorization` header.
//! A 2xx answer means taken; anything else (or no answer within
//! [`crate::outbound::TIMEOUT`]) is an error and the batch is offered again. The receiver
//! should store a `(node, seq)` once: a batch whose answer was lost is sent again.
//! Portico's control plane takes these at `POST /api/gateway/v1/analytics` with a gateway
//! token, so DB-less gateways can report to it too.

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;

use super::{Batch, Sink};
use crate::outbound::Poster;

/// Posts batches to one URL.
pub struct HttpSink {
    poster: Poster,
}

impl HttpSink {
    /// A sink posting to `url` (`http://` or `https://`, web PKI roots) with
    /// `authorization` as the `Authorization` header, if given.
    pub fn new(url: &str, authorization: Option<&str>) -> Result<Self, String> {
        let headers: Vec<(&str, &str)> = authorization.map(|value| ("authorization", value)).into_iter().collect();
        Ok(Self { poster: Poster::new("PORTICO_ANALYTICS_HTTP_URL", url, &headers)? })
    }
}

#[async_trait]
impl Sink for HttpSink {
    fn name(&self) -> &str {
        "http"
    }

    async fn publish(&self, batch: &Arc<Batch>) -> Result<(), String> {
        let json = super::encode(batch).await?;
        self.poster.post("application/json", Bytes::from(json)).await.map(drop)
    }
}
