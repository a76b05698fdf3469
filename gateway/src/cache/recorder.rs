//! A response body streamed to the client while a copy is kept for the cache: nothing
//! waits for the whole body, and the copy is stored only when the body ended cleanly
//! within the size bound (not on an error, trailers, or a client that went away).

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::response::Parts;
use http::{HeaderMap, StatusCode};
use http_body::{Body, Frame, SizeHint};

use super::{CacheKey, ResponseCache, Stored, now_ms};

/// What is stored once the body has ended.
struct Pending {
    cache: Arc<ResponseCache>,
    key: CacheKey,
    status: StatusCode,
    headers: HeaderMap,
    ttl: Duration,
    limit: u64,
    chunks: Vec<Bytes>,
    size: u64,
}

/// A body `B` whose bytes are also stored under a key when it ends; see the module
/// documentation.
pub struct Recording<B> {
    inner: B,
    pending: Option<Box<Pending>>,
}

impl<B> Recording<B> {
    /// Streams `inner`, storing it in `cache` under `key` (with `head`'s status and
    /// headers) for `ttl` if it ends within `limit` bytes.
    pub fn new(inner: B, cache: Arc<ResponseCache>, key: CacheKey, head: &Parts, ttl: Duration, limit: u64) -> Self {
        let (status, headers) = (head.status, head.headers.clone());
        let pending = Pending { cache, key, status, headers, ttl, limit, chunks: Vec::new(), size: 0 };
        Self { inner, pending: Some(Box::new(pending)) }
    }

    fn finish(&mut self) {
        let Some(pending) = self.pending.take() else { return };
        let body = match pending.chunks.len() {
            0 => Bytes::new(),
            1 => pending.chunks[0].clone(),
            _ => {
                let mut whole = BytesMut::with_capacity(usize::try_from(pending.size).unwrap_or(0));
                pending.chunks.iter().for_each(|chunk| whole.extend_from_slice(chunk));
                whole.freeze()
            }
        };
        let now = now_ms();
        let ttl_ms = u64::try_from(pending.ttl.as_millis()).unwrap_or(u64::MAX);
        let entry = Stored {
            status: pending.status,
            headers: pending.headers,
            body,
            stored_at_ms: now,
            expires_at_ms: now.saturating_add(ttl_ms),
        };
        pending.cache.put(pending.key, entry);
    }
}

impl<B> Body for Recording<B>
where
    B: Body<Data = Bytes> + Unpin,
{
    type Data = Bytes;
    type Error = B::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, B::Error>>> {
        let this = &mut *self;
        let frame = ready!(Pin::new(&mut this.inner).poll_frame(cx));
        match &frame {
            None => this.finish(),
            Some(Ok(frame)) => match (frame.data_ref(), this.pending.as_mut()) {
                (Some(data), Some(pending)) => {
                    pending.size += data.len() as u64;
                    if pending.size > pending.limit {
                        this.pending = None;
                    } else {
                        pending.chunks.push(data.clone());
                        // A body of known length ends with its last frame: hyper may not
                        // poll again.
                        if this.inner.is_end_stream() {
                            this.finish();
                        }
                    }
                }
                // Trailers: not stored.
                (None, _) => this.pending = None,
                (Some(_), None) => {}
            },
            Some(Err(_)) => this.pending = None,
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use http_body_util::{BodyExt, Full, StreamBody};

    use super::*;

    fn recording<B>(body: B, limit: u64) -> (Recording<B>, Arc<ResponseCache>) {
        let cache = Arc::new(ResponseCache::local(1 << 20));
        let ttl = Duration::from_secs(60);
        let head = http::Response::new(()).into_parts().0;
        (Recording::new(body, cache.clone(), CacheKey([7; 32]), &head, ttl, limit), cache)
    }

    #[tokio::test]
    async fn a_whole_body_is_stored_as_streamed() {
        let chunks = ["a", "bc", "def"].map(|c| Ok::<_, std::convert::Infallible>(Frame::data(Bytes::from(c))));
        let (body, cache) = recording(StreamBody::new(futures_util::stream::iter(chunks)), 100);
        assert_eq!(body.collect().await.unwrap().to_bytes(), "abcdef");
        assert_eq!(cache.get(&CacheKey([7; 32])).await.unwrap().body, "abcdef");
    }

    #[tokio::test]
    async fn a_body_of_known_length_is_stored_after_its_last_frame() {
        let (mut body, cache) = recording(Full::new(Bytes::from_static(b"whole")), 100);
        let frame = body.frame().await.unwrap().unwrap();
        assert_eq!(frame.into_data().unwrap(), "whole");
        assert!(body.is_end_stream());
        assert_eq!(cache.get(&CacheKey([7; 32])).await.unwrap().body, "whole");
    }

    #[tokio::test]
    async fn bodies_over_the_bound_or_cut_short_are_not_stored() {
        let (body, cache) = recording(Full::new(Bytes::from_static(b"too long")), 4);
        assert_eq!(body.collect().await.unwrap().to_bytes(), "too long", "the client still gets it all");
        assert!(cache.get(&CacheKey([7; 32])).await.is_none());
        let chunks = [Ok(Frame::data(Bytes::from("a"))), Err("reset")];
        let (body, cache) = recording(StreamBody::new(futures_util::stream::iter(chunks)), 100);
        assert!(body.collect().await.is_err());
        assert!(cache.get(&CacheKey([7; 32])).await.is_none());
    }
}
