//! Who a request comes from. Directly, the TCP peer; behind a reverse proxy
//! that the configuration trusts (`BOOKMATE_TRUSTED_PROXIES`), the address
//! the proxy forwards in `Forwarded` or `X-Forwarded-For`, read from the
//! right, one trusted hop at a time, so a client cannot choose its own
//! address by sending the header itself. The public read endpoints are
//! limited here, per address; bookings have their own, stricter limit.

use std::{net::IpAddr, net::SocketAddr, sync::Arc};

use app::{booking::limiter::ClientAddress, state::AppState};
use axum::{
    extract::{ConnectInfo, Request, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse as _, Response},
};
use ipnet::IpNet;

#[derive(Debug, Clone, Default)]
pub struct ProxyTrust {
    trusted: Arc<[IpNet]>,
}

impl ProxyTrust {
    pub fn new(trusted: &[IpNet]) -> Self {
        Self { trusted: trusted.into() }
    }

    fn trusts(&self, address: IpAddr) -> bool {
        let address = match address {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
            v4 @ IpAddr::V4(_) => v4,
        };
        self.trusted.iter().any(|network| network.contains(&address))
    }

    /// The client behind `peer`: the first address, from the right of the
    /// forwarded chain, that is not a trusted proxy.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let mut client = peer;
        if !self.trusts(peer) {
            return client;
        }
        for hop in forwarded_chain(headers).into_iter().rev() {
            let Some(hop) = hop else { break };
            client = hop;
            if !self.trusts(hop) {
                break;
            }
        }
        client
    }
}

/// The forwarded addresses, left (the first client) to right (the last
/// proxy's peer); `None` where an entry is not an address. `Forwarded`
/// (RFC 7239) when present, else `X-Forwarded-For`.
fn forwarded_chain(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let joined = |name: header::HeaderName| -> Option<String> {
        let values: Vec<&str> =
            headers.get_all(name).iter().filter_map(|value| value.to_str().ok()).collect();
        (!values.is_empty()).then(|| values.join(","))
    };
    if let Some(forwarded) = joined(header::FORWARDED) {
        return forwarded
            .split(',')
            .map(|element| {
                element.split(';').find_map(|pair| {
                    let (name, value) = pair.trim().split_once('=')?;
                    name.eq_ignore_ascii_case("for").then(|| parse_hop(value.trim_matches('"')))?
                })
            })
            .collect();
    }
    joined(header::HeaderName::from_static("x-forwarded-for"))
        .map(|chain| chain.split(',').map(|hop| parse_hop(hop.trim())).collect())
        .unwrap_or_default()
}

/// `203.0.113.7`, `203.0.113.7:4711`, `2001:db8::1` or `[2001:db8::1]:4711`.
fn parse_hop(text: &str) -> Option<IpAddr> {
    text.parse::<IpAddr>()
        .ok()
        .or_else(|| text.parse::<SocketAddr>().ok().map(|address| address.ip()))
        .or_else(|| text.strip_prefix('[')?.strip_suffix(']')?.parse().ok())
}

/// Puts the request's [`ClientAddress`] into its extensions.
pub async fn resolve(State(trust): State<ProxyTrust>, mut request: Request, next: Next) -> Response {
    if let Some(ConnectInfo(peer)) = request.extensions().get::<ConnectInfo<SocketAddr>>().copied() {
        let client = trust.client(peer.ip(), request.headers());
        request.extensions_mut().insert(ClientAddress(client));
    }
    next.run(request).await
}

/// Every request but a booking (limited on its own), a static file or a
/// probe counts against the address's read limit.
pub async fn limit_reads(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let exempt = path == "/api/book"
        || path.starts_with("/pkg/")
        || matches!(path, "/healthz" | "/readyz" | "/favicon.svg");
    if !exempt {
        if let Some(address) = request.extensions().get::<ClientAddress>() {
            if !state.read_limiter.allow(*address) {
                let mut response =
                    (StatusCode::TOO_MANY_REQUESTS, "Too many requests; please wait a moment.")
                        .into_response();
                response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("10"));
                return response;
            }
        }
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trust(networks: &str) -> ProxyTrust {
        let networks: Vec<IpNet> = networks.split(',').map(|network| network.parse().unwrap()).collect();
        ProxyTrust::new(&networks)
    }

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(header::HeaderName::from_bytes(name.as_bytes()).unwrap(), value.parse().unwrap());
        }
        headers
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let proxies = trust("10.0.0.0/8");
        let forged = headers(&[("x-forwarded-for", "198.51.100.1"), ("forwarded", "for=198.51.100.2")]);
        assert_eq!(proxies.client(ip("203.0.113.7"), &forged), ip("203.0.113.7"));
        assert_eq!(ProxyTrust::default().client(ip("10.0.0.1"), &forged), ip("10.0.0.1"), "nothing trusted");
    }

    #[test]
    fn behind_trusted_proxies_the_first_untrusted_hop_from_the_right_is_the_client() {
        let proxies = trust("10.0.0.0/8,127.0.0.1/32");
        // The client forged the first entry; the proxies appended the rest.
        let chain = headers(&[("x-forwarded-for", "198.51.100.1, 203.0.113.7, 10.1.2.3")]);
        assert_eq!(proxies.client(ip("127.0.0.1"), &chain), ip("203.0.113.7"));
        let split = headers(&[("x-forwarded-for", "198.51.100.1"), ("x-forwarded-for", "203.0.113.7:5123")]);
        assert_eq!(proxies.client(ip("10.0.0.9"), &split), ip("203.0.113.7"));
        let rfc = headers(&[("forwarded", "for=198.51.100.1, for=\"[2001:db8::7]:4711\";proto=https")]);
        assert_eq!(proxies.client(ip("10.0.0.9"), &rfc), ip("2001:db8::7"));
        let unknown = headers(&[("forwarded", "for=unknown")]);
        assert_eq!(
            proxies.client(ip("10.0.0.9"), &unknown),
            ip("10.0.0.9"),
            "an obfuscated hop stops the walk"
        );
        assert_eq!(proxies.client(ip("::ffff:127.0.0.1"), &chain), ip("203.0.113.7"), "IPv4-mapped peers");
    }
}
