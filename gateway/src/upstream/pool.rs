//! Keep-alive connections of one endpoint: idle HTTP/1.1 connections (last in, first out,
//! so the warmest is reused and surplus ones age out) and one shared HTTP/2 connection.
//! An HTTP/1.1 connection goes back to the pool when its response body has been read to
//! the end ([`PooledBody`]); one dropped half-read is closed.

use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use hyper::body::Incoming;
use hyper::client::conn::{http1, http2};

use super::connector::UpstreamBody;

/// How long an idle connection is kept.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Most idle HTTP/1.1 connections kept per endpoint.
const MAX_IDLE: usize = 512;

/// The connections of one endpoint.
#[derive(Default)]
pub struct Pool {
    idle: Mutex<Vec<(Instant, http1::SendRequest<UpstreamBody>)>>,
    shared: Mutex<Option<http2::SendRequest<UpstreamBody>>>,
}

impl Pool {
    /// An idle HTTP/1.1 connection that is still open, if any.
    pub fn take_http1(&self) -> Option<http1::SendRequest<UpstreamBody>> {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        while let Some((since, sender)) = idle.pop() {
            if !sender.is_closed() && since.elapsed() < IDLE_TIMEOUT {
                return Some(sender);
            }
        }
        None
    }

    /// Returns an HTTP/1.1 connection after a complete exchange.
    pub fn put_http1(&self, sender: http1::SendRequest<UpstreamBody>) {
        if sender.is_closed() {
            return;
        }
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < MAX_IDLE {
            idle.push((Instant::now(), sender));
        }
    }

    /// How many idle HTTP/1.1 connections wait, and whether an HTTP/2 one is open.
    pub fn state(&self) -> (usize, bool) {
        let idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner).len();
        (idle, self.shared.lock().unwrap_or_else(PoisonError::into_inner).as_ref().is_some_and(|s| !s.is_closed()))
    }

    /// The shared HTTP/2 connection, if open.
    pub fn http2(&self) -> Option<http2::SendRequest<UpstreamBody>> {
        let shared = self.shared.lock().unwrap_or_else(PoisonError::into_inner);
        shared.as_ref().filter(|s| !s.is_closed()).cloned()
    }

    /// Makes `sender` the shared HTTP/2 connection.
    pub fn set_http2(&self, sender: http2::SendRequest<UpstreamBody>) {
        *self.shared.lock().unwrap_or_else(PoisonError::into_inner) = Some(sender);
    }
}

/// An upstream response body that returns its HTTP/1.1 connection to the pool once read
/// to the end.
pub struct PooledBody {
    inner: Incoming,
    give_back: Option<(http1::SendRequest<UpstreamBody>, Arc<Pool>)>,
}

impl PooledBody {
    /// Wraps a response body; `give_back` is the HTTP/1.1 connection it came on.
    pub fn new(inner: Incoming, give_back: Option<(http1::SendRequest<UpstreamBody>, Arc<Pool>)>) -> Self {
        let mut body = Self { inner, give_back };
        if body.inner.is_end_stream() {
            body.release();
        }
        body
    }

    fn release(&mut self) {
        if let Some((sender, pool)) = self.give_back.take() {
            pool.put_http1(sender);
        }
    }
}

impl Body for PooledBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        match &polled {
            Poll::Ready(None) => self.release(),
            Poll::Ready(Some(Ok(_))) if self.inner.is_end_stream() => self.release(),
            Poll::Ready(Some(Err(_))) => self.give_back = None,
            _ => {}
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
