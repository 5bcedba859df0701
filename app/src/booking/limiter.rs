//! A fixed-window limit per client address, for the public booking endpoint.

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::Mutex,
    time::{Duration, Instant},
};

const WINDOW: Duration = Duration::from_secs(60);
const PER_WINDOW: u32 = 10;

#[derive(Debug, Default)]
pub struct RateLimiter {
    windows: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl RateLimiter {
    pub fn allow(&self, address: IpAddr, now: Instant) -> bool {
        let mut windows = self.windows.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if windows.len() > 10_000 {
            windows.retain(|_, (started, _)| now.duration_since(*started) < WINDOW);
        }
        let (started, count) = windows.entry(address).or_insert((now, 0));
        if now.duration_since(*started) >= WINDOW {
            *started = now;
            *count = 0;
        }
        *count += 1;
        *count <= PER_WINDOW
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_a_minute_per_address_then_refused_until_the_window_ends() {
        let limiter = RateLimiter::default();
        let start = Instant::now();
        let visitor: IpAddr = "203.0.113.7".parse().unwrap();
        let other: IpAddr = "203.0.113.8".parse().unwrap();
        assert!((0..10).all(|_| limiter.allow(visitor, start)));
        assert!(!limiter.allow(visitor, start + Duration::from_secs(30)));
        assert!(limiter.allow(other, start + Duration::from_secs(30)), "others are not affected");
        assert!(limiter.allow(visitor, start + Duration::from_secs(61)));
    }
}
