//! What the settings page shows and sends, and the checks both sides share.

use serde::{Deserialize, Serialize};

use crate::{place::Place, questions::Question};

/// Paths the router owns; no host may take them as a username.
pub const RESERVED_USERNAMES: [&str; 18] = [
    "settings",
    "auth",
    "api",
    "pkg",
    "healthz",
    "readyz",
    "dashboard",
    "bookings",
    "mailbox",
    "admin",
    "login",
    "logout",
    "static",
    "assets",
    "favicon",
    "about",
    "booking",
    "dev",
];

/// Lowercase letters, digits and hyphens, 3 to 32 characters, not a path
/// BookMate uses itself.
pub fn validate_username(username: &str) -> Result<(), &'static str> {
    if !(3..=32).contains(&username.len()) {
        return Err("Use 3 to 32 characters.");
    }
    if !username.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
        return Err("Use only lowercase letters, digits and hyphens.");
    }
    if username.starts_with('-') || username.ends_with('-') {
        return Err("Start and end with a letter or digit.");
    }
    if RESERVED_USERNAMES.contains(&username) || username.starts_with("__") {
        return Err("That name is reserved by BookMate; please choose another.");
    }
    Ok(())
}

/// `"09:30"` for 570 minutes; 1440 is `"24:00"`.
pub fn format_minute(minute: u16) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// Minutes after midnight from `"HH:MM"`; `"24:00"` is the end of the day.
pub fn parse_minute(text: &str) -> Option<u16> {
    let (hours, minutes) = text.trim().split_once(':')?;
    let (hours, minutes): (u16, u16) = (hours.parse().ok()?, minutes.get(..2)?.parse().ok()?);
    let total = hours * 60 + minutes;
    (minutes < 60 && total <= 24 * 60).then_some(total)
}

/// `<input type="time">` cannot show 24:00, so an end field shows and takes
/// the end of the day as 00:00: hours can never end at their day's start.
pub fn end_for_time_input(end: &str) -> &str {
    if end == "24:00" {
        "00:00"
    } else {
        end
    }
}

/// The inverse of [`end_for_time_input`].
pub fn end_from_time_input(value: String) -> String {
    if value.starts_with("00:00") {
        "24:00".to_owned()
    } else {
        value
    }
}

pub const WEEKDAY_NAMES: [&str; 7] =
    ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    pub display_name: String,
    pub username: String,
    pub time_zone: String,
}

/// One weekday's hours as the form holds them: `("09:00", "17:00")` pairs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AvailabilityForm {
    /// Monday first, seven entries.
    pub days: Vec<Vec<(String, String)>>,
    pub meeting_minutes: i64,
    pub buffer_before_minutes: i64,
    pub buffer_after_minutes: i64,
    pub minimum_notice_minutes: i64,
    pub horizon_days: i64,
    /// How late before the start a visitor may still cancel or move a
    /// booking; 0: until the start.
    #[serde(default)]
    pub change_cutoff_minutes: i64,
    /// Start times this many minutes apart; 0: one meeting's length apart.
    #[serde(default)]
    pub slot_interval_minutes: i64,
    /// At most this many meetings a day; 0: no limit.
    #[serde(default)]
    pub daily_limit_meetings: i64,
    /// At most this many minutes of meetings a day; 0: no limit.
    #[serde(default)]
    pub daily_limit_minutes: i64,
    /// Every busy minute in the host's calendars counts toward the minutes.
    #[serde(default)]
    pub daily_limit_counts_all_busy: bool,
}

/// The lengths a meeting type's form offers, in minutes.
pub const OFFERED_LENGTHS: [i64; 8] = [10, 15, 20, 30, 45, 60, 90, 120];
/// The most lengths one type offers a visitor.
pub const MOST_LENGTHS: usize = 6;
/// The colours a type's form offers (its mark on the page and the list).
pub const COLOURS: [(&str, &str); 6] = [
    ("#2563eb", "Blue"),
    ("#16a34a", "Green"),
    ("#d97706", "Amber"),
    ("#dc2626", "Red"),
    ("#7c3aed", "Violet"),
    ("#475569", "Slate"),
];

/// A meeting type as its form holds it. Rules left `None` follow the
/// host's settings (the Availability section).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingTypeForm {
    /// `None` for a new type.
    pub type_id: Option<i64>,
    pub title: String,
    pub slug: String,
    pub description: String,
    pub lengths: Vec<i64>,
    pub slot_interval_minutes: Option<i64>,
    pub buffer_before_minutes: Option<i64>,
    pub buffer_after_minutes: Option<i64>,
    pub minimum_notice_minutes: Option<i64>,
    pub horizon_days: Option<i64>,
    /// Weekly hours of its own, as `AvailabilityForm::days`; `None`: the
    /// host's.
    pub own_hours: Option<Vec<Vec<(String, String)>>>,
    pub colour: String,
    pub listed: bool,
    #[serde(default)]
    pub place: Place,
    #[serde(default)]
    pub questions: Vec<Question>,
    /// The answers go into the Google event's description too.
    #[serde(default)]
    pub answers_in_event: bool,
    /// Its own daily limits (0: none); `None`: as in Availability.
    #[serde(default)]
    pub daily_limit_meetings: Option<i64>,
    #[serde(default)]
    pub daily_limit_minutes: Option<i64>,
}

impl MeetingTypeForm {
    /// What "New meeting type" starts from.
    pub fn blank(default_length: i64) -> Self {
        Self {
            type_id: None,
            title: String::new(),
            slug: String::new(),
            description: String::new(),
            lengths: vec![default_length],
            slot_interval_minutes: None,
            buffer_before_minutes: None,
            buffer_after_minutes: None,
            minimum_notice_minutes: None,
            horizon_days: None,
            own_hours: None,
            colour: COLOURS[0].0.to_owned(),
            listed: true,
            place: Place::Unset,
            questions: Vec::new(),
            answers_in_event: false,
            daily_limit_meetings: None,
            daily_limit_minutes: None,
        }
    }
}

/// One of the host's meeting types as settings lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingTypeView {
    pub type_id: i64,
    pub form: MeetingTypeForm,
    /// Where visitors book it, `/ada/intro`.
    pub path: String,
}

/// What the buttons beside a meeting type do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TypeChange {
    MoveUp,
    MoveDown,
    Duplicate,
    Hide,
    List,
    Delete,
}

/// The start-time steps the form offers, in minutes; 0: the meeting's length.
pub const SLOT_INTERVALS: [i64; 5] = [0, 10, 15, 30, 60];

/// One entry of hours by date, as the settings page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DateOverrideView {
    pub override_id: i64,
    /// ISO dates, inclusive.
    pub first_day: String,
    pub last_day: String,
    /// `("09:00", "12:00")` pairs; empty: time off.
    pub hours: Vec<(String, String)>,
    /// The entry in words, as "Mon 21 Dec 2026 – Fri 8 Jan 2027: time off".
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarChoice {
    pub id: String,
    pub name: String,
    pub color: Option<String>,
    pub primary: bool,
    /// The host may add events (accessRole owner or writer).
    pub writable: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingsView {
    pub profile: Profile,
    /// False until the host first saves; the page then suggests the
    /// browser's time zone.
    pub profile_saved: bool,
    pub availability: AvailabilityForm,
    /// The calendars that count as busy; `None` until the host saves a
    /// choice, when the primary calendar counts.
    pub busy_calendar_ids: Option<Vec<String>>,
    pub direct_booking_calendar_id: Option<String>,
    pub date_overrides: Vec<DateOverrideView>,
    pub meeting_types: Vec<MeetingTypeView>,
    pub time_zones: Vec<String>,
    /// What BookMate may do with the host's Google account now, in the
    /// words of Google's consent screen.
    pub google_access: Vec<String>,
    pub can_write_events: bool,
    /// The grant holds scopes an older sign-in asked for, broader than what
    /// BookMate uses: the page offers to narrow it.
    pub broader_than_needed: bool,
    /// When busy times were last read from Google successfully, on the
    /// host's clock.
    pub busy_times_read_at: Option<String>,
    /// Bookings that follow Google Calendar.
    pub following: crate::following::model::FollowingView,
}

/// What saving direct booking led to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DirectBookingSaved {
    Saved,
    /// Google must ask the host first (`browser::ask_google_for_more`),
    /// then come back here.
    NeedsConsent {
        return_to: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_follow_the_rules() {
        assert!(validate_username("ada-lovelace").is_ok());
        assert!(validate_username("a1b").is_ok());
        for bad in [
            "ab",
            "Ada",
            "ada_l",
            "ada lovelace",
            "-ada",
            "ada-",
            "settings",
            "api",
            "__google",
            &"a".repeat(33),
        ] {
            assert!(validate_username(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn times_of_day_round_trip() {
        assert_eq!(parse_minute("09:30"), Some(570));
        assert_eq!(parse_minute("24:00"), Some(1440));
        assert_eq!(format_minute(570), "09:30");
        assert_eq!(format_minute(1440), "24:00");
        for bad in ["24:30", "9", "ab:cd", "10:60", ""] {
            assert_eq!(parse_minute(bad), None, "{bad}");
        }
        // Browsers may send seconds.
        assert_eq!(parse_minute("08:15:00"), Some(495));
    }

    #[test]
    fn a_day_ending_at_midnight_is_shown_and_entered_as_00_00() {
        assert_eq!(end_for_time_input("24:00"), "00:00");
        assert_eq!(end_for_time_input("17:00"), "17:00");
        assert_eq!(end_from_time_input("00:00".to_owned()), "24:00");
        assert_eq!(end_from_time_input("00:00:00".to_owned()), "24:00");
        assert_eq!(end_from_time_input("17:30".to_owned()), "17:30");
    }
}
