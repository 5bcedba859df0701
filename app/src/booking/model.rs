//! What the public booking page shows and sends.

use serde::{Deserialize, Serialize};

use super::refusals;
use crate::questions::Question;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PageStatus {
    Open,
    /// Google access lost, or no availability set: say so, show no slots.
    NotTakingBookings,
    /// Google did not answer: fail closed, show no slots.
    AvailabilityUnknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotView {
    /// Seconds since the epoch, UTC: what the booking form sends back.
    pub start: i64,
    /// The start on the visitor's clock, `09:30`.
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayView {
    /// `2026-12-03`, in the visitor's zone.
    pub date: String,
    pub day_of_month: u32,
    /// `Tuesday 3 December`, for accessible names.
    pub long_name: String,
    pub slots: Vec<SlotView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingPageView {
    pub username: String,
    pub host_name: String,
    pub picture_url: Option<String>,
    /// This page's address: `/ada` where that stands for the meeting type,
    /// else `/ada/intro`.
    pub path: String,
    /// The type's slug, title and description (plain text).
    pub meeting_type: String,
    pub meeting_title: String,
    pub description: String,
    /// `#rrggbb`.
    pub colour: String,
    /// The lengths the type offers; `meeting_minutes` is the one chosen.
    pub lengths: Vec<i64>,
    /// Where its meetings happen, in words; empty when not said.
    pub place: String,
    /// The host calls the visitor: the form asks for a number.
    pub asks_phone: bool,
    /// What the form asks besides name, email and note.
    pub questions: Vec<Question>,
    pub meeting_minutes: i64,
    /// `/{username}` of a host who lists several types: those, and no month.
    pub choices: Vec<MeetingTypeCard>,
    pub visitor_time_zone: String,
    /// `2026-12`, and its name, `December 2026`.
    pub month: String,
    pub month_name: String,
    pub previous_month: Option<String>,
    /// `None` on the last month the host's horizon reaches.
    pub next_month: Option<String>,
    /// Weeks of the month, Monday first; `None` pads the first and last week.
    pub weeks: Vec<Vec<Option<DayView>>>,
    pub status: PageStatus,
    /// Set when a visitor is moving their booking: every link keeps it, and
    /// a chosen time moves the booking instead of making another.
    #[serde(default)]
    pub rescheduling: Option<ReschedulingLink>,
}

/// A meeting type as `/{username}` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingTypeCard {
    pub title: String,
    pub path: String,
    pub lengths: Vec<i64>,
    pub description: String,
    pub colour: String,
}

/// "15, 30 or 60 minutes".
pub fn lengths_in_words(lengths: &[i64]) -> String {
    let words: Vec<String> = lengths.iter().map(ToString::to_string).collect();
    match words.as_slice() {
        [] => String::new(),
        [one] => format!("{one} minutes"),
        [rest @ .., last] => format!("{} or {last} minutes", rest.join(", ")),
    }
}

/// Which booking a visitor is moving, and the key that lets them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReschedulingLink {
    pub uid: String,
    pub key: String,
    /// Its current time, in the visitor's words ("Thu 3 Dec 2026, 09:30–10:00 (…)").
    pub current_time: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingConfirmation {
    pub uid: String,
    pub host_name: String,
    /// The meeting on the visitor's clock and on the host's.
    pub visitor_time: String,
    pub host_time: String,
    pub invitation: Invitation,
    /// Where the meeting happens, in words (a Meet link only once Google
    /// made one); `None` when the type does not say.
    pub place: Option<String>,
}

/// How the parties are invited, as far as BookMate knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Invitation {
    /// BookMate emails both parties an invitation.
    ByEmail,
    /// The meeting is in the host's Google calendar, and Google invites the
    /// visitor.
    InHostCalendar,
    /// Google has not answered yet: the invitation comes from Google, or by
    /// email if Google does not take the meeting.
    OnItsWay,
}

/// A visitor's details, checked and trimmed once, where they come in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitorDetails {
    pub name: String,
    pub email: String,
    pub note: String,
}

impl VisitorDetails {
    /// The details, or the field at fault with what to do about it.
    pub fn parse(name: &str, email: &str, note: &str) -> Result<Self, (&'static str, &'static str)> {
        let (name, email, note) = (name.trim(), email.trim(), note.trim());
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(("name", refusals::NAME));
        }
        if !is_email(email) {
            return Err(("email", refusals::EMAIL));
        }
        if note.chars().count() > 2000 {
            return Err(("note", refusals::NOTE));
        }
        // One kind of line break: a bare CR reaches invitations and emails
        // as a line break of its own on lax readers.
        let note = note.replace("\r\n", "\n").replace('\r', "\n");
        Ok(Self { name: name.to_owned(), email: email.to_owned(), note })
    }
}

/// A practical address check: one `@`, something before it, a dotted domain
/// after it, no spaces or angle brackets.
pub fn is_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else { return false };
    !local.is_empty()
        && email.len() <= 254
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(|c| c.is_whitespace() || matches!(c, '<' | '>' | '"' | ',' | ';'))
        && !domain.contains('@')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_read_as_a_person_says_them() {
        assert_eq!(lengths_in_words(&[30]), "30 minutes");
        assert_eq!(lengths_in_words(&[15, 30]), "15 or 30 minutes");
        assert_eq!(lengths_in_words(&[15, 30, 60]), "15, 30 or 60 minutes");
    }

    #[test]
    fn visitor_details_are_checked_with_clear_messages() {
        let bob = VisitorDetails::parse(" Bob ", " bob@example.net", " Hello\n").unwrap();
        assert_eq!(
            bob,
            VisitorDetails { name: "Bob".into(), email: "bob@example.net".into(), note: "Hello".into() }
        );
        assert_eq!(VisitorDetails::parse(" ", "bob@example.net", "").unwrap_err().0, "name");
        assert_eq!(VisitorDetails::parse("Bob\rBcc: x", "bob@example.net", "").unwrap_err().0, "name");
        let note = VisitorDetails::parse("Bob", "bob@example.net", "one\rtwo\r\nthree").unwrap().note;
        assert_eq!(note, "one\ntwo\nthree");
        assert_eq!(VisitorDetails::parse(&"b".repeat(101), "bob@example.net", "").unwrap_err().0, "name");
        for bad in [
            "bob",
            "bob@",
            "@example.net",
            "bob@example",
            "bob@@example.net",
            "bob @example.net",
            "<bob@example.net>",
        ] {
            assert_eq!(VisitorDetails::parse("Bob", bad, "").unwrap_err().0, "email", "{bad}");
        }
        assert_eq!(VisitorDetails::parse("Bob", "bob@example.net", &"x".repeat(2001)).unwrap_err().0, "note");
    }
}
