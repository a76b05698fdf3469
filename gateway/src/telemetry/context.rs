//! W3C Trace Context (`traceparent`): parsing what a client sent, and writing the header
//! a span's children receive. Only the `traceparent` is interpreted; `tracestate` is
//! vendor data and travels on untouched.
//!
//! `traceparent: 00-<32 hex trace id>-<16 hex parent span id>-<2 hex flags>`; a version
//! other than `00` is read the same way when its first four fields have that shape (the
//! specification's rule for future versions), `ff` and all-zero ids are invalid.

use std::fmt::Write as _;

use http::{HeaderName, HeaderValue};

/// The `traceparent` header.
pub const TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");
/// The `tracestate` header.
pub const TRACESTATE: HeaderName = HeaderName::from_static("tracestate");

/// A trace id: 16 bytes, never all zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TraceId(pub [u8; 16]);

/// A span id: 8 bytes, never all zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SpanId(pub [u8; 8]);

impl TraceId {
    /// A new random trace id.
    pub fn random() -> Self {
        loop {
            let bytes: [u8; 16] = rand::random();
            if bytes != [0; 16] {
                return Self(bytes);
            }
        }
    }

    /// Lowercase hex, as in `traceparent` and log lines.
    pub fn to_hex(self) -> String {
        hex(&self.0)
    }

    /// Reads 32 lowercase hex digits (not all zero).
    pub fn from_hex(text: &str) -> Option<Self> {
        unhex::<16>(text).filter(|id| *id != [0; 16]).map(Self)
    }

    /// The low 8 bytes as a number: what a trace-id ratio sampler compares.
    pub fn low_u64(self) -> u64 {
        let mut low = [0u8; 8];
        low.copy_from_slice(&self.0[8..]);
        u64::from_be_bytes(low)
    }
}

impl SpanId {
    /// A new random span id.
    pub fn random() -> Self {
        loop {
            let bytes: [u8; 8] = rand::random();
            if bytes != [0; 8] {
                return Self(bytes);
            }
        }
    }

    /// Lowercase hex.
    pub fn to_hex(self) -> String {
        hex(&self.0)
    }
}

/// What an incoming `traceparent` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceParent {
    /// The trace the request belongs to.
    pub trace_id: TraceId,
    /// The caller's span: the parent of ours.
    pub parent_id: SpanId,
    /// The caller's sampling decision (flag `01`).
    pub sampled: bool,
}

impl TraceParent {
    /// Parses a header value; `None` when it is not a valid `traceparent`.
    pub fn parse(value: &HeaderValue) -> Option<Self> {
        let text = value.to_str().ok()?.trim();
        let bytes = text.as_bytes();
        if bytes.len() < 55 || (bytes.len() > 55 && bytes[55] != b'-') {
            return None;
        }
        let (version, trace, parent, flags) = (text.get(0..2)?, text.get(3..35)?, text.get(36..52)?, text.get(53..55)?);
        if bytes[2] != b'-' || bytes[35] != b'-' || bytes[52] != b'-' || version == "ff" {
            return None;
        }
        // Version 00 has exactly these fields; later versions may append more.
        if version == "00" && bytes.len() != 55 {
            return None;
        }
        unhex::<1>(version)?;
        let trace_id = unhex::<16>(trace).filter(|id| *id != [0; 16])?;
        let parent_id = unhex::<8>(parent).filter(|id| *id != [0; 8])?;
        let flags = unhex::<1>(flags)?;
        Some(Self { trace_id: TraceId(trace_id), parent_id: SpanId(parent_id), sampled: flags[0] & 1 == 1 })
    }
}

/// The `traceparent` a child of span `span_id` in `trace_id` receives (version `00`).
pub fn header(trace_id: TraceId, span_id: SpanId, sampled: bool) -> HeaderValue {
    let mut text = String::with_capacity(55);
    text.push_str("00-");
    text.push_str(&trace_id.to_hex());
    text.push('-');
    text.push_str(&span_id.to_hex());
    text.push_str(if sampled { "-01" } else { "-00" });
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        let _ = write!(out, "{byte:02x}");
    }
    out
}

/// Lowercase hex of exactly `N` bytes (uppercase is invalid in `traceparent`).
fn unhex<const N: usize>(text: &str) -> Option<[u8; N]> {
    if text.len() != N * 2 || !text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return None;
    }
    let mut out = [0u8; N];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(text.get(i * 2..i * 2 + 2)?, 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Option<TraceParent> {
        TraceParent::parse(&HeaderValue::from_str(text).unwrap())
    }

    #[test]
    fn valid_headers_are_read_and_written_back() {
        let parent = parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").unwrap();
        assert_eq!(parent.trace_id.to_hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(parent.parent_id.to_hex(), "00f067aa0ba902b7");
        assert!(parent.sampled);
        assert!(!parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00").unwrap().sampled);
        let written = header(parent.trace_id, parent.parent_id, true);
        assert_eq!(written, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        // A later version with more fields is read by its first four.
        assert!(parse("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra").is_some());
    }

    #[test]
    fn invalid_headers_are_ignored() {
        for bad in [
            "",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e473x-00f067aa0ba902b7-01",
        ] {
            assert!(parse(bad).is_none(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn random_ids_are_not_zero_and_differ() {
        assert_ne!(TraceId::random(), TraceId::random());
        assert_ne!(SpanId::random().0, [0; 8]);
    }
}
