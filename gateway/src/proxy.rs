//! The proxy listener's request handler. Until APIs are deployed to the gateway, no
//! route exists, so every request gets the `no_route` JSON error.

use std::convert::Infallible;

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::Full;

use crate::error::ProxyError;
use crate::request_id;

/// Handles one proxied request.
pub async fn handle<B>(req: Request<B>) -> Result<Response<Full<Bytes>>, Infallible> {
    let id = request_id::from_headers(req.headers());
    let error = ProxyError::NoRoute { method: req.method().to_string(), path: req.uri().path().to_owned() };
    tracing::debug!(request_id = %id, method = %req.method(), path = %req.uri().path(), "no route");
    Ok(error.into_response(&id))
}
