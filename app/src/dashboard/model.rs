//! What the dashboard shows.

use serde::{Deserialize, Serialize};

use crate::booking::model::Invitation;

/// How many upcoming bookings the dashboard lists.
pub const SHOWN_BOOKINGS: i64 = 100;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpcomingBooking {
    pub uid: String,
    /// `Thu 3 Dec 2026` and `09:30–10:00`, in the host's zone.
    pub day: String,
    pub time: String,
    pub visitor_name: String,
    pub visitor_email: String,
    pub visitor_time_zone: String,
    /// The meeting type's name; `None` once the type is deleted.
    pub meeting_title: Option<String>,
    /// Where it happens, in words (a Meet link once Google made it).
    pub place: Option<String>,
    /// The visitor's answers, `(question, answer)`, shown as text.
    pub answers: Vec<(String, String)>,
    /// The visitor's own words: shown as text, never as HTML.
    pub note: String,
    /// In the host's Google calendar (direct booking), invited by email, or
    /// on its way into the calendar.
    pub invitation: Invitation,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DashboardView {
    pub time_zone: String,
    pub username: Option<String>,
    pub bookings: Vec<UpcomingBooking>,
    /// The latest cancellations and moves, newest first, in words.
    pub recent_changes: Vec<String>,
    /// Changes the host made in Google Calendar, waiting for their word.
    pub proposals: Vec<crate::following::model::ProposalView>,
}

/// How many recent changes the dashboard lists.
pub const SHOWN_CHANGES: i64 = 20;
