//! Addresses and address ranges in settings (`TANHUI_TRUSTED_PROXIES`,
//! `TANHUI_METRICS_FROM`), and who a request really comes from behind a reverse proxy.
//!
//! A request's client is its socket peer, unless that peer is a trusted proxy: then the
//! addresses it forwarded are read from the nearest hop outwards, and the first one that is
//! not itself a trusted proxy is the client. Headers from any other peer are ignored, so
//! nobody can choose their own address by sending one. Only the one header the proxy is set
//! to write is read (`X-Forwarded-For` by default, or `Forwarded`): a proxy passes the other
//! through as the client sent it.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use axum::http::HeaderMap;
use serde::{Deserialize, Serialize};

/// An address or a CIDR range: `10.0.0.5`, `10.0.0.0/8`, `::1`, `fd00::/8`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpNet {
    addr: IpAddr,
    prefix: u8,
}

impl IpNet {
    /// Whether `ip` is in this range (an IPv4-mapped IPv6 address counts as its IPv4 one).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

impl FromStr for IpNet {
    type Err = String;

    fn from_str(text: &str) -> Result<IpNet, String> {
        let text = text.trim();
        let (addr, prefix) = match text.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (text, None),
        };
        let written = addr
            .parse::<IpAddr>()
            .map_err(|_| format!("{text:?} is not an IP address or CIDR range"))?;
        let max = match written {
            IpAddr::V4(_) => 32,
            IpAddr::V6(_) => 128,
        };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{text:?}: the prefix length must be 0 to {max}"))?,
        };
        let addr = canonical(written);
        // An IPv4-mapped IPv6 range (`::ffff:10.0.0.0/104`) is the IPv4 range it maps.
        let prefix = match (written, addr) {
            (IpAddr::V6(_), IpAddr::V4(_)) => prefix.checked_sub(96).ok_or_else(|| {
                format!("{text:?}: an IPv4-mapped range needs a prefix of 96 to 128")
            })?,
            _ => prefix,
        };
        Ok(IpNet { addr, prefix })
    }
}

impl std::fmt::Display for IpNet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// A list of ranges, written in settings as a comma- or space-separated string
/// (`"127.0.0.1, 10.0.0.0/8"`) or as a TOML array of strings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IpNets(pub Vec<IpNet>);

impl IpNets {
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(ip))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromStr for IpNets {
    type Err = String;

    fn from_str(text: &str) -> Result<IpNets, String> {
        text.split(|c: char| c == ',' || c.is_whitespace())
            .filter(|part| !part.is_empty())
            .map(IpNet::from_str)
            .collect::<Result<_, _>>()
            .map(IpNets)
    }
}

impl Serialize for IpNets {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let text: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        s.serialize_str(&text.join(","))
    }
}

impl<'de> Deserialize<'de> for IpNets {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<IpNets, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Written {
            One(String),
            Many(Vec<String>),
        }
        let text = match Written::deserialize(d)? {
            Written::One(text) => text,
            Written::Many(list) => list.join(","),
        };
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Which header the trusted proxies write the client's address into.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ForwardedHeader {
    /// `X-Forwarded-For: client, proxy1, …` (nginx's `proxy_set_header X-Forwarded-For`).
    #[default]
    XForwardedFor,
    /// `Forwarded: for=client, for=proxy1` (RFC 7239).
    Forwarded,
}

/// Who may be believed about addresses, and who may read `/metrics` without a token.
#[derive(Debug, Clone, Default)]
pub struct NetworkPolicy {
    pub trusted_proxies: IpNets,
    pub forwarded_header: ForwardedHeader,
    pub metrics_from: IpNets,
}

impl NetworkPolicy {
    /// The client of a request that came from socket peer `peer`.
    pub fn client_ip(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        client_ip(peer, headers, &self.trusted_proxies, self.forwarded_header)
    }
}

/// The client of a request that came from socket peer `peer`, when `trusted` proxies write
/// the chain into `header`.
pub fn client_ip(
    peer: IpAddr,
    headers: &HeaderMap,
    trusted: &IpNets,
    header: ForwardedHeader,
) -> IpAddr {
    let peer = canonical(peer);
    if !trusted.contains(peer) {
        return peer;
    }
    let hops = forwarded_for(headers, header);
    // Nearest hop first: skip the trusted proxies in the chain; the first other address is
    // the client. A chain of nothing but trusted proxies gives its far end.
    let mut client = peer;
    for hop in hops.into_iter().rev() {
        client = hop;
        if !trusted.contains(hop) {
            break;
        }
    }
    client
}

/// The forwarded chain in `header`, farthest first. An entry that is not an address
/// (`unknown`, an obfuscated name) ends the chain there, as nothing beyond it can be trusted.
fn forwarded_for(headers: &HeaderMap, header: ForwardedHeader) -> Vec<IpAddr> {
    let values = |name: &str| -> Vec<String> {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|s| s.trim().to_owned())
            .collect()
    };
    let entries: Vec<Option<IpAddr>> = match header {
        ForwardedHeader::Forwarded => values("forwarded")
            .iter()
            .map(|element| {
                element
                    .split(';')
                    .filter_map(|pair| pair.trim().split_once('='))
                    .find(|(key, _)| key.eq_ignore_ascii_case("for"))
                    .and_then(|(_, value)| parse_node(value))
            })
            .collect(),
        ForwardedHeader::XForwardedFor => values("x-forwarded-for")
            .iter()
            .map(|v| parse_node(v))
            .collect(),
    };
    // Keep the nearest run of real addresses.
    let mut chain = Vec::new();
    for entry in entries.into_iter().rev() {
        match entry {
            Some(ip) => chain.push(ip),
            None => break,
        }
    }
    chain.reverse();
    chain
}

/// `192.0.2.1`, `"192.0.2.1:4711"`, `"[2001:db8::1]:4711"`, `2001:db8::1`.
fn parse_node(value: &str) -> Option<IpAddr> {
    let value = value.trim().trim_matches('"');
    if let Ok(ip) = value.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    if let Some(rest) = value.strip_prefix('[') {
        let inner = rest.split(']').next()?;
        return inner
            .parse::<Ipv6Addr>()
            .ok()
            .map(IpAddr::V6)
            .map(canonical);
    }
    let (host, _port) = value.rsplit_once(':')?;
    host.parse::<Ipv4Addr>().ok().map(IpAddr::V4)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn nets(text: &str) -> IpNets {
        text.parse().expect("ranges")
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("address")
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in pairs {
            h.append(*name, HeaderValue::from_static(value));
        }
        h
    }

    #[test]
    fn ranges_parse_and_match() {
        let list = nets("127.0.0.1, 10.0.0.0/8 fd00::/8");
        assert!(list.contains(ip("127.0.0.1")));
        assert!(!list.contains(ip("127.0.0.2")));
        assert!(list.contains(ip("10.200.3.4")));
        assert!(!list.contains(ip("11.0.0.1")));
        assert!(list.contains(ip("fd12::1")));
        assert!(list.contains(ip("::ffff:10.1.2.3")), "IPv4-mapped");
        assert!(nets("0.0.0.0/0").contains(ip("203.0.113.9")));
        assert!(nets("").is_empty());
        for bad in ["10.0.0.0/33", "nginx", "10.0.0/8", "::1/129"] {
            assert!(bad.parse::<IpNets>().is_err(), "{bad}");
        }
        assert_eq!(nets("10.0.0.0/8,::1").0[1].to_string(), "::1/128");
    }

    const XFF: ForwardedHeader = ForwardedHeader::XForwardedFor;

    #[test]
    fn headers_count_only_from_a_trusted_peer() {
        let trusted = nets("10.0.0.1");
        let forged = headers(&[("x-forwarded-for", "1.2.3.4")]);
        assert_eq!(
            client_ip(ip("203.0.113.7"), &forged, &trusted, XFF),
            ip("203.0.113.7")
        );
        assert_eq!(
            client_ip(ip("10.0.0.1"), &forged, &trusted, XFF),
            ip("1.2.3.4")
        );
        assert_eq!(
            client_ip(ip("10.0.0.1"), &HeaderMap::new(), &trusted, XFF),
            ip("10.0.0.1")
        );
        assert_eq!(
            client_ip(ip("10.0.0.1"), &forged, &IpNets::default(), XFF),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn the_nearest_untrusted_hop_is_the_client() {
        let trusted = nets("10.0.0.0/8");
        // The client put a forged address first; the proxy appended the real one.
        let chain = headers(&[("x-forwarded-for", "6.6.6.6, 198.51.100.2, 10.0.0.9")]);
        assert_eq!(
            client_ip(ip("10.0.0.1"), &chain, &trusted, XFF),
            ip("198.51.100.2")
        );
        let two_headers = headers(&[
            ("x-forwarded-for", "6.6.6.6"),
            ("x-forwarded-for", "198.51.100.3"),
        ]);
        assert_eq!(
            client_ip(ip("10.0.0.1"), &two_headers, &trusted, XFF),
            ip("198.51.100.3")
        );
        let all_trusted = headers(&[("x-forwarded-for", "10.1.1.1, 10.2.2.2")]);
        assert_eq!(
            client_ip(ip("10.0.0.1"), &all_trusted, &trusted, XFF),
            ip("10.1.1.1")
        );
        let garbage = headers(&[("x-forwarded-for", "198.51.100.4, unknown")]);
        assert_eq!(
            client_ip(ip("10.0.0.1"), &garbage, &trusted, XFF),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn only_the_header_the_proxy_writes_is_read() {
        let trusted = nets("127.0.0.1");
        let h = headers(&[
            (
                "forwarded",
                "for=192.0.2.60;proto=https, for=\"[2001:db8:cafe::17]:4711\"",
            ),
            ("x-forwarded-for", "198.51.100.8"),
        ]);
        let forwarded = ForwardedHeader::Forwarded;
        assert_eq!(
            client_ip(ip("127.0.0.1"), &h, &trusted, forwarded),
            ip("2001:db8:cafe::17")
        );
        assert_eq!(
            client_ip(ip("127.0.0.1"), &h, &trusted, XFF),
            ip("198.51.100.8")
        );
        let h = headers(&[("forwarded", "for=\"192.0.2.43:47011\"")]);
        assert_eq!(
            client_ip(ip("127.0.0.1"), &h, &trusted, forwarded),
            ip("192.0.2.43")
        );
        // A client's own `Forwarded` passed through a proxy that writes X-Forwarded-For
        // changes nothing.
        let h = headers(&[
            ("forwarded", "for=10.0.8.20"),
            ("x-forwarded-for", "203.0.113.61"),
        ]);
        assert_eq!(
            client_ip(ip("127.0.0.1"), &h, &trusted, XFF),
            ip("203.0.113.61")
        );
    }

    #[test]
    fn mapped_ranges_are_their_ipv4_ranges() {
        assert_eq!(nets("::ffff:10.0.0.0/104"), nets("10.0.0.0/8"));
        assert_eq!(nets("::ffff:10.0.0.1"), nets("10.0.0.1"));
        assert!("::ffff:10.0.0.0/64".parse::<IpNets>().is_err());
    }

    #[test]
    fn settings_take_a_string_or_a_list() {
        let from_string: IpNets =
            serde_json::from_str("\"10.0.0.0/8, 127.0.0.1\"").expect("string");
        let from_list: IpNets =
            serde_json::from_str("[\"10.0.0.0/8\", \"127.0.0.1\"]").expect("list");
        assert_eq!(from_string, from_list);
        let err = serde_json::from_str::<IpNets>("\"10.0.0.0/99\"").expect_err("bad");
        assert!(err.to_string().contains("prefix length"), "{err}");
    }
}
