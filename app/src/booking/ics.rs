//! iCalendar invitations (RFC 5545 and its scheduling methods, RFC 5546):
//! `METHOD:REQUEST` for a booking as it stands (made or moved), and
//! `METHOD:CANCEL` for one called off. Every copy of a booking carries the
//! same UID; each change raises `SEQUENCE`, so calendars replace the meeting
//! instead of adding another.

use chrono::{DateTime, Utc};

#[derive(Debug, Clone)]
pub struct Invite<'a> {
    /// Stable for the booking: the same UID in every copy, and Google's
    /// iCalUID for direct bookings.
    pub uid: &'a str,
    pub summary: &'a str,
    pub description: &'a str,
    /// Where it happens: an address, a number, a link.
    pub location: Option<&'a str>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub organizer_name: &'a str,
    pub organizer_email: &'a str,
    pub attendee_name: &'a str,
    pub attendee_email: &'a str,
    /// When this version was made (`DTSTAMP`).
    pub stamped_at: DateTime<Utc>,
    /// Raised by every change of the booking.
    pub sequence: i64,
}

/// What the invitation asks of a calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Add, or replace with this version.
    Request,
    /// Remove: the meeting is off.
    Cancel,
}

/// The invite as an iCalendar object: CRLF line ends, lines folded at 75
/// octets, text escaped.
pub fn request(invite: &Invite<'_>) -> String {
    calendar(invite, Method::Request)
}

/// The booking called off: same UID, a higher `SEQUENCE` than any request.
pub fn cancel(invite: &Invite<'_>) -> String {
    calendar(invite, Method::Cancel)
}

pub fn calendar(invite: &Invite<'_>, method: Method) -> String {
    let (method_name, status) = match method {
        Method::Request => ("METHOD:REQUEST", "STATUS:CONFIRMED"),
        Method::Cancel => ("METHOD:CANCEL", "STATUS:CANCELLED"),
    };
    let stamp = |time: DateTime<Utc>| time.format("%Y%m%dT%H%M%SZ").to_string();
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//BookMate//BookMate//EN".to_owned(),
        method_name.to_owned(),
        "CALSCALE:GREGORIAN".to_owned(),
        "BEGIN:VEVENT".to_owned(),
        format!("UID:{}", escape(invite.uid)),
        format!("DTSTAMP:{}", stamp(invite.stamped_at)),
        format!("DTSTART:{}", stamp(invite.starts_at)),
        format!("DTEND:{}", stamp(invite.ends_at)),
        format!("SUMMARY:{}", escape(invite.summary)),
        format!("DESCRIPTION:{}", escape(invite.description)),
        format!("ORGANIZER;CN={}:mailto:{}", parameter(invite.organizer_name), invite.organizer_email),
        format!(
            "ATTENDEE;CN={};ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:{}",
            parameter(invite.attendee_name),
            invite.attendee_email
        ),
        format!("SEQUENCE:{}", invite.sequence),
        status.to_owned(),
        "TRANSP:OPAQUE".to_owned(),
    ];
    if let Some(location) = invite.location {
        lines.push(format!("LOCATION:{}", escape(location)));
    }
    lines.extend(["END:VEVENT".to_owned(), "END:VCALENDAR".to_owned()]);
    lines.iter().map(|line| fold(line)).collect::<Vec<_>>().join("")
}

/// TEXT values: backslash, semicolon, comma and newlines are escaped.
fn escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace("\r\n", "\\n")
        .replace(['\r', '\n'], "\\n")
}

/// Parameter values are quoted; quotes themselves cannot appear.
fn parameter(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "'").replace(['\r', '\n'], " "))
}

/// Lines longer than 75 octets continue on the next line after a space,
/// never inside a UTF-8 character.
fn fold(line: &str) -> String {
    let mut folded = String::with_capacity(line.len() + 8);
    let mut width = 0;
    for character in line.chars() {
        let length = character.len_utf8();
        if width + length > 75 {
            folded.push_str("\r\n ");
            width = 1;
        }
        folded.push(character);
        width += length;
    }
    folded.push_str("\r\n");
    folded
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;

    fn invite<'a>(description: &'a str, attendee_name: &'a str) -> Invite<'a> {
        Invite {
            uid: "bm-42@bookmate",
            summary: "Meeting with Ada Lovelace",
            description,
            location: None,
            starts_at: Utc.with_ymd_and_hms(2026, 12, 1, 14, 30, 0).unwrap(),
            ends_at: Utc.with_ymd_and_hms(2026, 12, 1, 15, 0, 0).unwrap(),
            organizer_name: "Ada Lovelace",
            organizer_email: "ada@example.com",
            attendee_name,
            attendee_email: "bob@example.net",
            stamped_at: Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap(),
            sequence: 0,
        }
    }

    #[test]
    fn a_bare_carriage_return_in_a_visitors_words_cannot_start_a_line() {
        let ics = request(&invite("first\rDTSTART:19700101T000000Z\r\nsecond\nthird", "Bob\rX"));
        assert!(ics.contains("DESCRIPTION:first\\nDTSTART:19700101T000000Z\\nsecond\\nthird"), "{ics}");
        assert!(!ics.replace("\r\n", "").contains(['\r', '\n']), "only CRLF line ends remain: {ics:?}");
        let starting_dtstart = ics.split("\r\n").filter(|line| line.starts_with("DTSTART:")).count();
        assert_eq!(starting_dtstart, 1, "the visitor's words start no line of their own");
    }

    #[test]
    fn an_invite_carries_the_uid_times_in_utc_and_both_parties() {
        let ics = request(&invite("See you then", "Bob"));
        for line in [
            "METHOD:REQUEST",
            "UID:bm-42@bookmate",
            "DTSTART:20261201T143000Z",
            "DTEND:20261201T150000Z",
            "ORGANIZER;CN=\"Ada Lovelace\":mailto:ada@example.com",
            "DESCRIPTION:See you then",
        ] {
            assert!(ics.contains(&format!("{line}\r\n")), "{line} missing from\n{ics}");
        }
        assert!(ics.contains("ATTENDEE;CN=\"Bob\";ROLE=REQ-PARTICIPANT"));
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\n") && ics.ends_with("END:VCALENDAR\r\n"));
    }

    #[test]
    fn a_cancel_keeps_the_uid_and_raises_the_sequence() {
        let cancelled = cancel(&Invite { sequence: 2, ..invite("", "Bob") });
        let at_an_address =
            request(&Invite { location: Some("1 Main St, Springfield; Room 2"), ..invite("", "Bob") });
        assert!(at_an_address.contains("LOCATION:1 Main St\\, Springfield\\; Room 2\r\n"), "{at_an_address}");
        assert!(!request(&invite("", "Bob")).contains("LOCATION"));
        for line in ["METHOD:CANCEL", "UID:bm-42@bookmate", "SEQUENCE:2", "STATUS:CANCELLED"] {
            assert!(cancelled.contains(&format!("{line}\r\n")), "{line} missing from\n{cancelled}");
        }
        assert!(!cancelled.contains("METHOD:REQUEST"));
    }

    #[test]
    fn notes_are_escaped_and_long_lines_folded() {
        let note = "Agenda: budget, hiring; the \\ road\nSecond line ".to_owned() + &"é".repeat(60);
        let ics = request(&invite(&note, "Bob \"The Builder\""));
        assert!(ics.contains("DESCRIPTION:Agenda: budget\\, hiring\\; the \\\\ road\\nSecond line"));
        assert!(ics.contains("CN=\"Bob 'The Builder'\""));
        for line in ics.split("\r\n") {
            assert!(line.len() <= 75, "{} octets: {line}", line.len());
        }
        // Unfolding restores the value.
        let unfolded = ics.replace("\r\n ", "");
        assert!(unfolded.contains(&"é".repeat(60)));
    }
}
