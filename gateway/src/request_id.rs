//! The request id every gateway answer carries: the client's `X-Request-Id` when it is a
//! sane value, otherwise a fresh UUID. It correlates gateway, upstream and server logs.

use http::{HeaderMap, HeaderName, HeaderValue};

/// The header carrying the request id.
pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");
/// Longest client-supplied id accepted.
const MAX_LEN: usize = 128;

/// The request's id: the incoming `X-Request-Id` if it is 1–128 visible ASCII
/// characters, otherwise a new UUID v4.
pub fn from_headers(headers: &HeaderMap) -> HeaderValue {
    match headers.get(HEADER) {
        Some(v) if !v.is_empty() && v.len() <= MAX_LEN && v.as_bytes().iter().all(u8::is_ascii_graphic) => v.clone(),
        _ => {
            let mut buffer = uuid::Uuid::encode_buffer();
            let text = uuid::Uuid::new_v4().hyphenated().encode_lower(&mut buffer);
            HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static("-"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_sane_ids_and_replaces_others() {
        let mut headers = HeaderMap::new();
        assert_eq!(from_headers(&headers).len(), 36);
        headers.insert(HEADER, "abc-123".parse().expect("header"));
        assert_eq!(from_headers(&headers), "abc-123");
        headers.insert(HEADER, "a b".parse().expect("header"));
        assert_ne!(from_headers(&headers), "a b");
        headers.insert(HEADER, "x".repeat(129).parse().expect("header"));
        assert_eq!(from_headers(&headers).len(), 36);
    }
}
