//! Why BookMate calls Google, in the host's words, and the record of each
//! call (`db::google_access_log`). A call that never reached Google (the
//! grant lacks the scope, the connection is already broken) is not a call
//! and is not recorded; busy times served from the cache are not calls
//! either. Recording never fails a call: a lost entry is logged instead.

use chrono::{DateTime, Utc};

use crate::db::{
    google_access_log::{self, Api, CallOutcome, NewAccessEntry},
    DbPool,
};

/// What a call to Google is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Purpose {
    /// Busy times behind the booking page (once a minute at most per month
    /// shown; the page reads a cache in between).
    ShowFreeTimes,
    /// Busy times checked again before a booking is made.
    CheckFreeBeforeBooking {
        visitor: String,
    },
    /// Busy times checked again before a booking is moved.
    CheckFreeBeforeMove {
        visitor: String,
    },
    ListCalendars,
    AddMeeting {
        visitor: String,
    },
    MoveMeeting {
        visitor: String,
    },
    RemoveMeeting {
        visitor: String,
    },
    /// Google had not made a meeting's Meet link when it added the event.
    LookUpMeetLink {
        visitor: String,
    },
    /// Reading the host's calendar for changes to bookings made there.
    FollowBookings,
    /// Asking Google to say when the host's calendar changes (a channel).
    WatchCalendar,
    StopWatching,
    /// The code exchange that ends a sign-in or a grant of more access;
    /// Google may say when the access it gave ends.
    SignIn {
        access_ends: Option<DateTime<Utc>>,
    },
    /// A new one-hour access token from the refresh token.
    RenewAccess,
    GiveAccessBack,
}

impl Purpose {
    pub fn words(&self) -> String {
        match self {
            Self::ShowFreeTimes => "Checked your busy times for your booking page".to_owned(),
            Self::CheckFreeBeforeBooking { visitor } => {
                format!("Checked you were free before booking {visitor}\u{2019}s meeting")
            }
            Self::CheckFreeBeforeMove { visitor } => {
                format!("Checked you were free before moving {visitor}\u{2019}s meeting")
            }
            Self::ListCalendars => "Listed your calendars for Settings".to_owned(),
            Self::AddMeeting { visitor } => format!("Added {visitor}\u{2019}s meeting to your calendar"),
            Self::MoveMeeting { visitor } => format!("Moved {visitor}\u{2019}s meeting in your calendar"),
            Self::LookUpMeetLink { visitor } => {
                format!("Looked up the Google Meet link of {visitor}\u{2019}s meeting in your calendar")
            }
            Self::RemoveMeeting { visitor } => {
                format!("Removed {visitor}\u{2019}s cancelled meeting from your calendar")
            }
            Self::FollowBookings => {
                "Looked for changes you made to your bookings in Google Calendar".to_owned()
            }
            Self::WatchCalendar => {
                "Asked Google to tell BookMate when your calendar changes (no event data)".to_owned()
            }
            Self::StopWatching => {
                "Asked Google to stop telling BookMate of changes to your calendar".to_owned()
            }
            Self::SignIn { access_ends: None } => {
                "Received your sign-in or the access you granted".to_owned()
            }
            Self::SignIn { access_ends: Some(ends) } => format!(
                "Received your sign-in or the access you granted; Google said this access ends on {} \
                 (the app is in Google\u{2019}s \u{201c}Testing\u{201d} status)",
                ends.format("%-d %B %Y")
            ),
            Self::RenewAccess => "Renewed BookMate\u{2019}s one-hour access (no calendar data)".to_owned(),
            Self::GiveAccessBack => "Gave your Google access back".to_owned(),
        }
    }
}

/// One entry: a failure to record is logged, never the caller's error.
pub(super) async fn record(
    db: &DbPool,
    user_id: i64,
    (api, method): (Api, &str),
    scope: &str,
    purpose: &Purpose,
    outcome: CallOutcome,
) {
    let words = purpose.words();
    let entry = NewAccessEntry { user_id, api, method, scope, purpose: &words, outcome };
    if let Err(error) = google_access_log::record(db, &entry, Utc::now()).await {
        tracing::warn!(%error, user_id, method, "could not record a call to Google in the access log");
    }
}
