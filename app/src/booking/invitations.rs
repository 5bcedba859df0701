//! What the parties are told about a booking: the meeting's title, its time
//! in words, the one `.ics` invite (the emailed copy and the downloaded one
//! are built here, from the same fields, so one UID never says two things),
//! and the emails: the invitation, and what a change sends (a moved meeting
//! as a `REQUEST` with a higher `SEQUENCE`, a cancelled one as a `CANCEL`).
//!
//! Every invite carries the visitor's manage link (`manage_links.rs`) in its
//! description, and the visitor's emails in their body.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use scheduling::Interval;

use super::{ics, model::Invitation};
use crate::db::{
    bookings::{Booking, Conference, Delivery, Party},
    outbox::NewMessage,
    users::User,
};

/// What the meeting is called, in invitations and in Google Calendar.
pub fn title(host: &User, visitor_name: &str) -> String {
    format!("{} and {visitor_name}", host.display_name)
}

/// `Thu 3 Dec 2026, 09:30–10:00 (Europe/Berlin)`.
pub fn when(slot: Interval, zone: Tz) -> String {
    let start = slot.start.with_timezone(&zone);
    let end = slot.end.with_timezone(&zone);
    format!("{}–{} ({})", start.format("%a %-d %b %Y, %H:%M"), end.format("%H:%M"), zone.name())
}

/// How a stored booking's parties are invited, as far as BookMate knows.
pub fn status(booking: &Booking) -> Invitation {
    match (booking.delivery, &booking.google_event_id) {
        (Delivery::Email, _) => Invitation::ByEmail,
        (Delivery::Google, Some(_)) => Invitation::InHostCalendar,
        (Delivery::Google, None) => Invitation::OnItsWay,
    }
}

/// The invite as the booking stands, the host organising: a `REQUEST` for
/// its current time, or a `CANCEL` once it is called off, with its current
/// `SEQUENCE`. `now` stamps any version but the first.
/// `manage_url` goes into the description only when the reader may have it.
pub fn invite_ics(host: &User, booking: &Booking, manage_url: Option<&str>, now: DateTime<Utc>) -> String {
    let description = match manage_url {
        None => booking.note.clone(),
        Some(url) if booking.note.is_empty() => format!("Change or cancel: {url}"),
        Some(url) => format!("{}\n\nChange or cancel: {url}", booking.note),
    };
    let invite = ics::Invite {
        // Google's own UID for its event, so the two are one meeting.
        uid: booking.google_ical_uid.as_deref().unwrap_or(&booking.uid),
        summary: &title(host, &booking.visitor_name),
        description: &description,
        location: calendar_location(booking),
        starts_at: booking.starts_at,
        ends_at: booking.ends_at,
        organizer_name: &host.display_name,
        organizer_email: &host.email,
        attendee_name: &booking.visitor_name,
        attendee_email: &booking.visitor_email,
        stamped_at: if booking.sequence == 0 { booking.created_at } else { now },
        sequence: booking.sequence,
    };
    let method = if booking.is_cancelled() { ics::Method::Cancel } else { ics::Method::Request };
    ics::calendar(&invite, method)
}

/// Where a booking's meeting happens, as a calendar shows it: the address,
/// the number, the link (a Meet link only once Google made it).
fn calendar_location(booking: &Booking) -> Option<&str> {
    match booking.conference {
        None | Some(Conference::Ready) => booking.location.as_deref(),
        Some(_) => None,
    }
}

/// Where a booking's meeting happens, in words for pages and emails; `None`
/// when the type does not say. A Meet link is shown only once Google made
/// one, and otherwise the words say why there is none.
pub fn place_in_words(booking: &Booking) -> Option<String> {
    match (booking.conference, &booking.location) {
        (Some(Conference::Ready), Some(link)) => Some(format!("Google Meet: {link}")),
        (Some(Conference::Requested | Conference::Pending), _) => Some(
            "Google Meet: Google is still creating the link; it will be in Google's invitation.".to_owned(),
        ),
        (Some(Conference::Failed | Conference::Ready), _) => Some(
            "Google Meet: Google did not create a link, so there is none; the host will tell you where to meet."
                .to_owned(),
        ),
        (None, location) => location.clone(),
    }
}

/// The visitor's answers, a line each (`Company: ACME`); `None` without any.
pub fn answers_in_words(booking: &Booking) -> Option<String> {
    (!booking.answers.is_empty()).then(|| {
        booking
            .answers
            .iter()
            .map(|answer| format!("{}: {}", answer.question, answer.answer))
            .collect::<Vec<_>>()
            .join("\n")
    })
}

/// What the host's invitation asks them to do besides meeting the visitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostAction {
    Nothing,
    /// Google refused to add the meeting for want of write access.
    RestoreCalendarAccess,
    /// Google failed, refused or did not answer: the host, who expects the
    /// meeting in their calendar, must add it from the emailed invitation.
    AcceptEmailedInvitation,
}

/// Two invitations, the host's and the visitor's, with the same invite.
pub fn emails(host: &User, meeting: &Booking, host_action: HostAction, manage_url: &str) -> Vec<NewMessage> {
    let ics = invite_ics(host, meeting, Some(manage_url), meeting.created_at);
    let slot = Interval::new(meeting.starts_at, meeting.ends_at);
    let host_when = when(slot, host.zone());
    let visitor_when = when(slot, meeting.visitor_time_zone.parse().unwrap_or(Tz::UTC));
    let note = if meeting.note.is_empty() {
        String::new()
    } else {
        format!("\n\nNote from {}:\n{}", meeting.visitor_name, meeting.note)
    };
    let place = place_in_words(meeting).map(|place| format!("\n\nWhere: {place}")).unwrap_or_default();
    let answers =
        answers_in_words(meeting).map(|answers| format!("\n\nTheir answers:\n{answers}")).unwrap_or_default();
    let action = match host_action {
        HostAction::Nothing => "",
        HostAction::RestoreCalendarAccess => {
            "\n\nBookMate could not add this meeting to your Google Calendar; \
             you can restore its access under Settings → Direct booking."
        }
        HostAction::AcceptEmailedInvitation => {
            "\n\nGoogle did not take this meeting into your calendar when BookMate asked, \
             so it is not there yet: accept the attached invitation to add it."
        }
    };
    vec![
        NewMessage {
            recipient: host.email.clone(),
            subject: format!("New booking: {} on {host_when}", meeting.visitor_name),
            body_text: format!(
                "{} ({}) booked a meeting with you: {host_when}.{place}{answers}{note}{action}\n\nThe invitation is \
                 attached.",
                meeting.visitor_name, meeting.visitor_email
            ),
            calendar_ics: Some(ics.clone()),
        },
        NewMessage {
            recipient: meeting.visitor_email.clone(),
            subject: format!("Invitation: meeting with {} on {visitor_when}", host.display_name),
            body_text: format!(
                "Your meeting with {} is booked: {visitor_when}.{place}\n\nThe invitation is attached; add it to your \
                 calendar.\n\nTo change or cancel it: {manage_url}",
                host.display_name
            ),
            calendar_ics: Some(ics),
        },
    ]
}

/// What changed, for the emails that tell both parties.
#[derive(Debug, Clone)]
pub enum ChangeNotice {
    Moved { by: Party, from: Interval },
    Cancelled { by: Party, reason: Option<String> },
}

/// The emails a change sends both parties, each with the booking's invite
/// as it now stands (same UID, higher `SEQUENCE`).
pub fn change_emails(
    host: &User,
    meeting: &Booking,
    notice: &ChangeNotice,
    manage_url: &str,
    now: DateTime<Utc>,
) -> Vec<NewMessage> {
    let ics = invite_ics(host, meeting, Some(manage_url), now);
    let visitor_zone = meeting.visitor_time_zone.parse().unwrap_or(Tz::UTC);
    let slot = Interval::new(meeting.starts_at, meeting.ends_at);
    let (host_when, visitor_when) = (when(slot, host.zone()), when(slot, visitor_zone));
    let who = |by: &Party, reader: Party| match (by, reader) {
        (Party::Host, Party::Host) | (Party::Visitor, Party::Visitor) => "You".to_owned(),
        (Party::Host, Party::Visitor) => host.display_name.clone(),
        (Party::Visitor, Party::Host) => meeting.visitor_name.clone(),
    };
    let (host_subject, host_body, visitor_subject, visitor_body) = match notice {
        ChangeNotice::Moved { by, from } => (
            format!("Moved: {} to {host_when}", meeting.visitor_name),
            format!(
                "{} moved the meeting with {} from {} to {host_when}.\n\nThe updated invitation is attached.",
                who(by, Party::Host),
                meeting.visitor_name,
                when(*from, host.zone())
            ),
            format!("Moved: meeting with {} to {visitor_when}", host.display_name),
            format!(
                "{} moved your meeting with {} from {} to {visitor_when}.\n\nThe updated invitation is attached.\n\n\
                 To change or cancel it: {manage_url}",
                who(by, Party::Visitor),
                host.display_name,
                when(*from, visitor_zone)
            ),
        ),
        ChangeNotice::Cancelled { by, reason } => {
            let reason = reason.as_deref().map(|reason| format!("\n\nReason: {reason}")).unwrap_or_default();
            (
                format!("Cancelled: {} on {host_when}", meeting.visitor_name),
                format!(
                    "{} cancelled the meeting with {} on {host_when}.{reason}\n\nThe attached cancellation removes it from your calendar.",
                    who(by, Party::Host),
                    meeting.visitor_name
                ),
                format!("Cancelled: meeting with {} on {visitor_when}", host.display_name),
                format!(
                    "{} cancelled your meeting with {} on {visitor_when}.{reason}\n\nThe attached cancellation removes it from your calendar.",
                    who(by, Party::Visitor),
                    host.display_name
                ),
            )
        }
    };
    vec![
        NewMessage {
            recipient: host.email.clone(),
            subject: host_subject,
            body_text: host_body,
            calendar_ics: Some(ics.clone()),
        },
        NewMessage {
            recipient: meeting.visitor_email.clone(),
            subject: visitor_subject,
            body_text: visitor_body,
            calendar_ics: Some(ics),
        },
    ]
}

/// The host asks the visitor to pick another time: the visitor's link leads
/// to the booking page, where the booking moves in one step.
pub fn proposal_email(host: &User, meeting: &Booking, message: Option<&str>, manage_url: &str) -> NewMessage {
    let visitor_zone = meeting.visitor_time_zone.parse().unwrap_or(Tz::UTC);
    let visitor_when = when(Interval::new(meeting.starts_at, meeting.ends_at), visitor_zone);
    let message = message.map(|message| format!("\n\n{}: {message}", host.display_name)).unwrap_or_default();
    NewMessage {
        recipient: meeting.visitor_email.clone(),
        subject: format!("{} asks to move your meeting on {visitor_when}", host.display_name),
        body_text: format!(
            "{} cannot make {visitor_when} and asks you to pick another time.{message}\n\n\
             Pick a new time (or cancel): {manage_url}\n\nUntil you do, the meeting stays as it is.",
            host.display_name
        ),
        calendar_ics: None,
    }
}
