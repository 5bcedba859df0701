//! What the visitor's booking page shows.

use serde::{Deserialize, Serialize};

use crate::booking::model::Invitation;

/// The longest reason a cancellation may give.
pub const MAX_REASON_CHARS: usize = 1_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManagedBooking {
    pub uid: String,
    /// The manage key, for the page's forms and links.
    pub key: String,
    pub host_name: String,
    pub host_email: String,
    /// The page where a moved booking picks its new time (its meeting
    /// type's, `/ada/intro`); `None` while the host has no page.
    pub move_path: Option<String>,
    /// The meeting on the visitor's clock and on the host's.
    pub visitor_time: String,
    pub host_time: String,
    pub visitor_time_zone: String,
    pub invitation: Invitation,
    /// Where the meeting happens, in words; `None` when not said.
    pub place: Option<String>,
    pub standing: Standing,
    /// What happened to the booking, oldest first, in words.
    pub history: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Standing {
    /// The booking stands and the visitor may move or cancel it.
    Changeable,
    /// It stands, but changes are closed: why, in words.
    Closed(String),
    /// Called off: by whom and when, in words, and the reason given.
    Cancelled { by_and_when: String, reason: Option<String> },
}
