//! Per-address rate limits for the public endpoints: a few bookings a
//! minute, and page reads generous enough that a person never meets them.
//!
//! The address is the client's as the server resolved it (`ClientAddress`:
//! behind a trusted reverse proxy, the one it forwards), counted by /64 for
//! IPv6, where one household or one server holds a whole /64. The counting
//! is governor's keyed GCRA; addresses gone quiet are dropped from time to
//! time, so the table holds only recent visitors.

use std::{
    net::{IpAddr, Ipv6Addr},
    num::NonZeroU32,
    sync::atomic::{AtomicU64, Ordering},
};

use governor::{DefaultKeyedRateLimiter, Quota};

/// The client of a request, put into its extensions by the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

impl ClientAddress {
    /// What the limits count: an IPv4 address (an IPv4-mapped IPv6 one
    /// too), or an IPv6 address's /64.
    pub fn key(self) -> IpAddr {
        match self.0 {
            IpAddr::V4(address) => IpAddr::V4(address),
            IpAddr::V6(address) => match address.to_ipv4_mapped() {
                Some(address) => IpAddr::V4(address),
                None => {
                    let network = u128::from(address) & !((1u128 << 64) - 1);
                    IpAddr::V6(Ipv6Addr::from(network))
                }
            },
        }
    }
}

/// Checks between two sweeps of quiet addresses.
const SWEEP_EVERY: u64 = 4096;

pub struct RateLimiter {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
    checks: AtomicU64,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter").field("addresses", &self.limiter.len()).finish()
    }
}

const fn per_minute(count: u32) -> NonZeroU32 {
    match NonZeroU32::new(count) {
        Some(count) => count,
        None => NonZeroU32::MIN,
    }
}

impl RateLimiter {
    /// Ten bookings a minute from one address.
    pub fn bookings() -> Self {
        Self::new(Quota::per_minute(per_minute(10)))
    }

    /// Ten reads a second from one address, two hundred at once: a person
    /// paging through months, or a whole office behind one address, never
    /// meets it; a script that fetches every month and zone does.
    pub fn reads() -> Self {
        Self::new(Quota::per_minute(per_minute(600)).allow_burst(per_minute(200)))
    }

    fn new(quota: Quota) -> Self {
        Self { limiter: DefaultKeyedRateLimiter::keyed(quota), checks: AtomicU64::new(0) }
    }

    pub fn allow(&self, address: ClientAddress) -> bool {
        if self.checks.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
        self.limiter.check_key(&address.key()).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(text: &str) -> ClientAddress {
        ClientAddress(text.parse().unwrap())
    }

    #[test]
    fn ten_bookings_a_minute_per_address_and_others_are_not_affected() {
        let limiter = RateLimiter::bookings();
        let visitor = address("203.0.113.7");
        assert!((0..10).all(|_| limiter.allow(visitor)));
        assert!(!limiter.allow(visitor));
        assert!(limiter.allow(address("203.0.113.8")), "another address has its own");
    }

    #[test]
    fn ipv6_is_counted_by_its_64_and_mapped_ipv4_as_ipv4() {
        assert_eq!(address("2001:db8:1:2:aaaa::1").key(), address("2001:db8:1:2::").key());
        assert_ne!(address("2001:db8:1:2::1").key(), address("2001:db8:1:3::1").key());
        assert_eq!(address("::ffff:203.0.113.7").key(), address("203.0.113.7").key());
        let limiter = RateLimiter::bookings();
        for host in 0..10 {
            assert!(limiter.allow(address(&format!("2001:db8:1:2::{host:x}"))));
        }
        assert!(
            !limiter.allow(address("2001:db8:1:2:ffff::1")),
            "a new address in the same /64 shares its limit"
        );
        assert!(limiter.allow(address("2001:db8:1:3::1")));
    }

    #[test]
    fn reads_allow_a_burst_of_two_hundred() {
        let limiter = RateLimiter::reads();
        let visitor = address("198.51.100.1");
        assert!((0..200).all(|_| limiter.allow(visitor)));
        assert!(!limiter.allow(visitor));
    }
}
