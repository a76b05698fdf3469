//! What a proxy owes the next hop: hop-by-hop headers removed (RFC 9110 §7.6.1), the
//! client's address in `X-Forwarded-For` and `Forwarded` (RFC 7239) with the original
//! host and scheme. Forwarding headers a client sent are believed only when the peer is a
//! configured trusted proxy; otherwise they are replaced, so a client cannot spoof its
//! address.

use std::net::IpAddr;

use http::header::{CONNECTION, HOST, HeaderMap, HeaderName, HeaderValue};
use ipnet::IpNet;

const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
const X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
const X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");
const FORWARDED: HeaderName = HeaderName::from_static("forwarded");

/// Headers that describe one connection, never forwarded (plus any named in `Connection`).
const HOP_BY_HOP: [&str; 8] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "upgrade",
];

/// Removes hop-by-hop headers (`Transfer-Encoding` is the HTTP layer's to set).
pub fn strip_hop_by_hop(headers: &mut HeaderMap) {
    // Most messages carry none: one pass over the names is cheaper than ten removals.
    let is_hop = |name: &HeaderName| name == http::header::TRANSFER_ENCODING || HOP_BY_HOP.contains(&name.as_str());
    if !headers.keys().any(is_hop) {
        return;
    }
    let named: Vec<HeaderName> = headers
        .get_all(CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|name| HeaderName::from_bytes(name.trim().as_bytes()).ok())
        .collect();
    for name in named {
        headers.remove(name);
    }
    for name in HOP_BY_HOP {
        headers.remove(name);
    }
    headers.remove(http::header::TRANSFER_ENCODING);
}

/// A connection's remote end, with what the forwarding headers need from it computed
/// once per connection rather than per request.
#[derive(Debug, Clone)]
pub struct Peer {
    /// The remote address.
    pub ip: IpAddr,
    /// Whether it is a trusted proxy.
    trusted: bool,
    /// The address as a header value.
    ip_value: HeaderValue,
    /// `for=…;proto=…`, the start of this hop's `Forwarded` element.
    forwarded_for: String,
    /// Scheme the client used (`http` / `https`).
    proto: &'static str,
}

/// The trusted-proxy rules of a gateway.
#[derive(Debug, Clone, Default)]
pub struct Forwarding {
    trusted: Vec<IpNet>,
}

impl Forwarding {
    /// Rules trusting these networks' forwarding headers.
    pub fn new(trusted: Vec<IpNet>) -> Self {
        Self { trusted }
    }

    fn is_trusted(&self, ip: IpAddr) -> bool {
        self.trusted.iter().any(|net| net.contains(&ip))
    }

    /// Describes a new connection from `ip` that arrived over `proto`.
    pub fn peer(&self, ip: IpAddr, proto: &'static str) -> Peer {
        let text = ip.to_string();
        let node = if ip.is_ipv6() { format!("\"[{text}]\"") } else { text.clone() };
        Peer {
            ip,
            trusted: self.is_trusted(ip),
            ip_value: HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("unknown")),
            forwarded_for: format!("for={node};proto={proto}"),
            proto,
        }
    }

    /// The client's address: the peer, or — when the peer is trusted — the rightmost
    /// address in `X-Forwarded-For` that is not itself a trusted proxy.
    pub fn client_ip(&self, peer: &Peer, headers: &HeaderMap) -> IpAddr {
        if !peer.trusted {
            return peer.ip;
        }
        let mut client = peer.ip;
        let values: Vec<&str> = headers.get_all(X_FORWARDED_FOR).iter().filter_map(|v| v.to_str().ok()).collect();
        for hop in values.iter().rev().flat_map(|v| v.rsplit(',')) {
            match hop.trim().parse::<IpAddr>() {
                Ok(ip) if self.is_trusted(ip) => client = ip,
                Ok(ip) => return ip,
                Err(_) => return client,
            }
        }
        client
    }

    /// Sets `X-Forwarded-For/-Proto/-Host` and `Forwarded` for the upstream. Call before
    /// the `Host` header is rewritten.
    pub fn apply(&self, headers: &mut HeaderMap, peer: &Peer) {
        let trusted = peer.trusted;
        let host = headers.get(HOST).cloned();
        match headers.get(X_FORWARDED_FOR).and_then(|v| v.to_str().ok()).filter(|_| trusted) {
            Some(previous) => {
                let chain = format!("{previous}, {}", peer.ip);
                set(headers, X_FORWARDED_FOR, &chain);
            }
            None => {
                headers.insert(X_FORWARDED_FOR, peer.ip_value.clone());
            }
        }
        if !(trusted && headers.contains_key(X_FORWARDED_PROTO)) {
            headers.insert(X_FORWARDED_PROTO, HeaderValue::from_static(peer.proto));
        }
        if !(trusted && headers.contains_key(X_FORWARDED_HOST)) {
            match &host {
                Some(host) => headers.insert(X_FORWARDED_HOST, host.clone()),
                None => headers.remove(X_FORWARDED_HOST),
            };
        }
        let host = host.as_ref().and_then(|h| h.to_str().ok());
        let previous = headers.get(FORWARDED).and_then(|v| v.to_str().ok()).filter(|_| trusted);
        let mut forwarded = String::with_capacity(
            previous.map_or(0, |p| p.len() + 2) + peer.forwarded_for.len() + host.map_or(0, |h| h.len() + 8),
        );
        if let Some(previous) = previous {
            forwarded.push_str(previous);
            forwarded.push_str(", ");
        }
        forwarded.push_str(&peer.forwarded_for);
        if let Some(host) = host {
            forwarded.push_str(";host=\"");
            forwarded.push_str(host);
            forwarded.push('"');
        }
        set(headers, FORWARDED, &forwarded);
    }
}

fn set(headers: &mut HeaderMap, name: HeaderName, value: &str) {
    match HeaderValue::from_str(value) {
        Ok(value) => headers.insert(name, value),
        Err(_) => headers.remove(name),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        pairs.iter().map(|(k, v)| (HeaderName::from_bytes(k.as_bytes()).unwrap(), v.parse().unwrap())).collect()
    }

    #[test]
    fn untrusted_peers_cannot_spoof_their_address() {
        let rules = Forwarding::new(vec!["10.0.0.0/8".parse().unwrap()]);
        let mut h = headers(&[("x-forwarded-for", "1.2.3.4"), ("forwarded", "for=1.2.3.4"), ("host", "api.test")]);
        let peer = rules.peer("203.0.113.9".parse().unwrap(), "http");
        assert_eq!(rules.client_ip(&peer, &h), peer.ip);
        rules.apply(&mut h, &peer);
        assert_eq!(h["x-forwarded-for"], "203.0.113.9");
        assert_eq!(h["forwarded"], "for=203.0.113.9;proto=http;host=\"api.test\"");
        assert_eq!(h["x-forwarded-host"], "api.test");
    }

    #[test]
    fn trusted_proxies_are_skipped_from_the_right() {
        let rules = Forwarding::new(vec!["10.0.0.0/8".parse().unwrap()]);
        let mut h = headers(&[("x-forwarded-for", "198.51.100.7, 10.1.1.1"), ("x-forwarded-proto", "https")]);
        let peer = rules.peer("10.0.0.2".parse().unwrap(), "http");
        assert_eq!(rules.client_ip(&peer, &h), "198.51.100.7".parse::<IpAddr>().unwrap());
        rules.apply(&mut h, &peer);
        assert_eq!(h["x-forwarded-for"], "198.51.100.7, 10.1.1.1, 10.0.0.2");
        assert_eq!(h["x-forwarded-proto"], "https");
    }

    #[test]
    fn hop_by_hop_headers_go_including_those_named_in_connection() {
        let mut h = headers(&[("connection", "close, x-secret"), ("x-secret", "1"), ("te", "trailers"), ("keep", "1")]);
        strip_hop_by_hop(&mut h);
        assert_eq!(h.len(), 1);
        assert!(h.contains_key("keep"));
    }
}
