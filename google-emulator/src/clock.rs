//! The emulator's clock: real time plus however far tests have moved it
//! forward, so expiry (access tokens, codes, a Testing client's 7-day
//! refresh tokens) can be tested without waiting.

use chrono::{DateTime, Duration, Utc};

#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Clock {
    offset: Duration,
}

impl Clock {
    pub(crate) fn now(self) -> DateTime<Utc> {
        Utc::now() + self.offset
    }

    /// Moves time forward; never back, because Google's clock does not run
    /// backwards and tokens issued "later" must stay later.
    pub(crate) fn advance(&mut self, by: Duration) {
        self.offset += by.max(Duration::zero());
    }
}
