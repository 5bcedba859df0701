//! What the parties are told about a booking: the meeting's title, its time
//! in words, the one `.ics` invite (the emailed copy and the downloaded one
//! are built here, from the same fields, so one UID never says two things),
//! and the invitation emails.

use chrono_tz::Tz;
use scheduling::Interval;

use super::{ics, model::Invitation};
use crate::db::{
    bookings::{Booking, Delivery},
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

/// The invite, as an iCalendar `REQUEST`, the host organising.
pub fn invite_ics(host: &User, booking: &Booking) -> String {
    ics::request(&ics::Invite {
        // Google's own UID for its event, so the two are one meeting.
        uid: booking.google_ical_uid.as_deref().unwrap_or(&booking.uid),
        summary: &title(host, &booking.visitor_name),
        description: &booking.note,
        starts_at: booking.starts_at,
        ends_at: booking.ends_at,
        organizer_name: &host.display_name,
        organizer_email: &host.email,
        attendee_name: &booking.visitor_name,
        attendee_email: &booking.visitor_email,
        created_at: booking.created_at,
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
pub fn emails(host: &User, meeting: &Booking, host_action: HostAction) -> Vec<NewMessage> {
    let ics = invite_ics(host, meeting);
    let slot = Interval::new(meeting.starts_at, meeting.ends_at);
    let host_when = when(slot, host.zone());
    let visitor_when = when(slot, meeting.visitor_time_zone.parse().unwrap_or(Tz::UTC));
    let note = if meeting.note.is_empty() {
        String::new()
    } else {
        format!("\n\nNote from {}:\n{}", meeting.visitor_name, meeting.note)
    };
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
                "{} ({}) booked a meeting with you: {host_when}.{note}{action}\n\nThe invitation is attached.",
                meeting.visitor_name, meeting.visitor_email
            ),
            calendar_ics: Some(ics.clone()),
        },
        NewMessage {
            recipient: meeting.visitor_email.clone(),
            subject: format!("Invitation: meeting with {} on {visitor_when}", host.display_name),
            body_text: format!(
                "Your meeting with {} is booked: {visitor_when}.\n\nThe invitation is attached; add it to your calendar.",
                host.display_name
            ),
            calendar_ics: Some(ics),
        },
    ]
}
