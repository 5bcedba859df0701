//! What the Google access page shows, as the server hands it over.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GoogleAccessView {
    /// The host's zone, in which every time below is written.
    pub time_zone: String,
    pub needs_reconnect: bool,
    /// Google's word that the access ends then ("Testing" projects).
    pub access_ends_on: Option<String>,
    /// When busy times were last read from Google successfully.
    pub busy_times_read_at: Option<String>,
    pub scopes: Vec<HeldScope>,
    /// The write scope went unused for [`WRITE_UNUSED_DAYS`] days, or nothing
    /// needs it: giving it back is suggested.
    pub suggest_giving_back_write: bool,
    /// The scope the log is filtered by, if any.
    pub filter: Option<String>,
    pub entries: Vec<LogEntryView>,
    /// The `before` of the next, older page, if there is one.
    pub older: Option<i64>,
}

/// After this many days unused, BookMate suggests giving write access back.
pub const WRITE_UNUSED_DAYS: i64 = 30;
/// Log entries on one page.
pub const ENTRIES_PER_PAGE: i64 = 50;

/// One scope BookMate holds, with what needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldScope {
    pub scope: String,
    /// Without Google's prefix: `calendar.events.freebusy`.
    pub short_name: String,
    /// The feature that needs it, in the host's words.
    pub feature: String,
    /// What Google's consent screen called it.
    pub google_says: Option<String>,
    pub last_used: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntryView {
    pub when: String,
    pub purpose: String,
    /// Google's name for the call: `freebusy.query`.
    pub method: String,
    /// The scope it relied on, short; empty for sign-in and token calls.
    pub scope: String,
    /// `ok`, `refused` or `failed`.
    pub outcome: String,
}

/// A scope without Google's prefix, as the page names it.
pub fn short_scope(scope: &str) -> &str {
    scope.strip_prefix("https://www.googleapis.com/auth/").unwrap_or(scope)
}
