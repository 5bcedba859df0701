//! How often followed calendars are read: one setting of the server's,
//! which tests shorten.

use std::time::Duration as StdDuration;

use chrono::Duration;

/// How often BookMate reads a followed calendar, and how soon after a read
/// the dashboard may ask for another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FollowTiming {
    pub poll_every: StdDuration,
    pub least_gap: StdDuration,
}

impl FollowTiming {
    pub const DEFAULT: Self =
        Self { poll_every: StdDuration::from_secs(5 * 60), least_gap: StdDuration::from_secs(30) };

    pub(super) fn poll_every(self) -> Duration {
        Duration::from_std(self.poll_every).unwrap_or(Duration::minutes(5))
    }

    pub(super) fn least_gap(self) -> Duration {
        Duration::from_std(self.least_gap).unwrap_or(Duration::seconds(30))
    }
}
