//! Which IP addresses a server-side fetch may connect to (SSRF protection). Internal
//! addresses — loopback, private (RFC 1918, fc00::/7), link-local, CGNAT — are refused
//! unless an administrator allows them; addresses no server can be fetched from —
//! unspecified, multicast, broadcast, reserved, documentation — are always refused.
//! IPv6 forms that carry an IPv4 address (mapped, compatible, NAT64, 6to4) are judged by
//! that IPv4 address.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// How an address is classed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    /// A public address.
    Public,
    /// An internal address (allowed by `allow_private_addresses`), with its kind.
    Internal(&'static str),
    /// Never a place to fetch from, with its kind.
    Never(&'static str),
}

/// Why a connection to `ip` is refused (e.g. "loopback"), or `None` when it is allowed.
pub(crate) fn refusal(ip: IpAddr, allow_private: bool) -> Option<&'static str> {
    match classify(ip) {
        Class::Public => None,
        Class::Internal(_) if allow_private => None,
        Class::Internal(kind) | Class::Never(kind) => Some(kind),
    }
}

fn classify(ip: IpAddr) -> Class {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

fn classify_v4(ip: Ipv4Addr) -> Class {
    let [a, b, c, _] = ip.octets();
    match (a, b, c) {
        _ if ip.is_broadcast() => Class::Never("broadcast"),
        (0, _, _) => Class::Never("unspecified"),
        (224..=239, _, _) => Class::Never("multicast"),
        (240..=255, _, _) => Class::Never("reserved"),
        (192, 0, 2) | (198, 51, 100) | (203, 0, 113) => Class::Never("documentation"),
        (127, _, _) => Class::Internal("loopback"),
        (10, _, _) | (192, 168, _) => Class::Internal("private"),
        (172, 16..=31, _) => Class::Internal("private"),
        (169, 254, _) => Class::Internal("link-local"),
        (100, 64..=127, _) => Class::Internal("shared (CGNAT)"),
        (192, 0, 0) => Class::Internal("IETF protocol assignment"),
        (198, 18..=19, _) => Class::Internal("benchmarking"),
        _ => Class::Public,
    }
}

fn classify_v6(ip: Ipv6Addr) -> Class {
    if let Some(v4) = embedded_v4(ip) {
        return classify_v4(v4);
    }
    let segments = ip.segments();
    match segments {
        _ if ip.is_unspecified() => Class::Never("unspecified"),
        _ if ip.is_loopback() => Class::Internal("loopback"),
        [0xff00..=0xffff, ..] => Class::Never("multicast"),
        [0x2001, 0x0db8, ..] => Class::Never("documentation"),
        [0x0100, 0, 0, 0, ..] => Class::Never("discard-only"),
        [0xfc00..=0xfdff, ..] => Class::Internal("unique local"),
        [0xfe80..=0xfebf, ..] => Class::Internal("link-local"),
        [0xfec0..=0xfeff, ..] => Class::Internal("site-local"),
        [0x0064, 0xff9b, 0x0001, ..] => Class::Internal("local NAT64"),
        _ => Class::Public,
    }
}

/// The IPv4 address an IPv6 address stands for: IPv4-mapped (`::ffff:a.b.c.d`),
/// IPv4-compatible (`::a.b.c.d`, not `::` or `::1`), NAT64 (`64:ff9b::a.b.c.d`) or 6to4
/// (`2002:aabb:ccdd::…`).
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = ip.segments();
    let low = |hi: u16, lo: u16| Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8);
    match s {
        [0, 0, 0, 0, 0, 0xffff, hi, lo] => Some(low(hi, lo)),
        [0, 0, 0, 0, 0, 0, hi, lo] if hi != 0 => Some(low(hi, lo)),
        [0x0064, 0xff9b, 0, 0, 0, 0, hi, lo] => Some(low(hi, lo)),
        [0x2002, hi, lo, ..] => Some(low(hi, lo)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(text: &str, allow_private: bool) -> Option<&'static str> {
        let ip: IpAddr = text.parse().unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        refusal(ip, allow_private)
    }

    #[test]
    fn internal_addresses_are_refused_unless_allowed() {
        let internal = [
            ("127.0.0.1", "loopback"),
            ("127.255.0.9", "loopback"),
            ("10.1.2.3", "private"),
            ("172.16.0.1", "private"),
            ("172.31.255.255", "private"),
            ("192.168.1.1", "private"),
            ("169.254.169.254", "link-local"),
            ("100.64.0.1", "shared (CGNAT)"),
            ("100.127.255.255", "shared (CGNAT)"),
            ("::1", "loopback"),
            ("fc00::1", "unique local"),
            ("fd12:3456::1", "unique local"),
            ("fe80::1", "link-local"),
            ("::ffff:127.0.0.1", "loopback"),
            ("::ffff:10.0.0.1", "private"),
            ("::ffff:169.254.169.254", "link-local"),
            ("::127.0.0.1", "loopback"),
            ("64:ff9b::10.0.0.1", "private"),
            ("2002:a00:1::", "private"),
        ];
        for (address, kind) in internal {
            assert_eq!(refused(address, false), Some(kind), "{address}");
            assert_eq!(refused(address, true), None, "{address} with private addresses allowed");
        }
    }

    #[test]
    fn unusable_addresses_are_always_refused() {
        let never = [
            ("0.0.0.0", "unspecified"),
            ("0.1.2.3", "unspecified"),
            ("255.255.255.255", "broadcast"),
            ("224.0.0.1", "multicast"),
            ("239.255.255.250", "multicast"),
            ("240.0.0.1", "reserved"),
            ("192.0.2.7", "documentation"),
            ("::", "unspecified"),
            ("ff02::1", "multicast"),
            ("::ffff:0.0.0.0", "unspecified"),
            ("::ffff:224.0.0.1", "multicast"),
            ("2001:db8::1", "documentation"),
        ];
        for (address, kind) in never {
            assert_eq!(refused(address, false), Some(kind), "{address}");
            assert_eq!(refused(address, true), Some(kind), "{address} with private addresses allowed");
        }
    }

    #[test]
    fn public_addresses_are_allowed() {
        for address in
            ["93.184.215.14", "8.8.8.8", "172.32.0.1", "100.128.0.1", "11.0.0.1", "2606:4700::1111", "::ffff:8.8.8.8"]
        {
            assert_eq!(refused(address, false), None, "{address}");
        }
    }
}
