//! How an emulator is built: where it is served, what it starts with, and
//! Google's defaults.

use crate::Seed;

/// How to build a [`crate::Emulator`].
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// The public base URL where the emulator's routes are served, e.g.
    /// `http://127.0.0.1:4000` or `http://127.0.0.1:3000/__google`. Every URL
    /// the emulator emits (discovery, redirects, form actions) is built from
    /// it, so the router works nested under a prefix; a trailing slash is
    /// dropped because `openidconnect` compares issuers byte for byte.
    pub issuer: url::Url,
    /// Clients, accounts, calendars and events to start with.
    pub seed: Seed,
    /// What `expires_in` says; Google's tokens live 3599 s.
    pub access_token_lifetime: std::time::Duration,
    /// The most items one list page holds, whatever `maxResults` asks, so
    /// tests can see paging without seeding hundreds of events.
    pub page_size: usize,
    /// The longest `freebusy.query` range. Google does not document it;
    /// about 90 days is what is observed, answered beyond with
    /// "The requested time range is too long."
    pub freebusy_max_range: std::time::Duration,
}

impl EmulatorConfig {
    /// Google's defaults: 3599 s tokens, pages of up to 250 items (the
    /// documented default `maxResults` for events.list) and 90-day freebusy
    /// ranges.
    pub fn new(issuer: url::Url, seed: Seed) -> Self {
        Self {
            issuer,
            seed,
            access_token_lifetime: std::time::Duration::from_secs(3599),
            page_size: 250,
            freebusy_max_range: std::time::Duration::from_secs(90 * 24 * 3600),
        }
    }
}
