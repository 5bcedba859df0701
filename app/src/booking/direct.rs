//! Direct booking: the meeting goes into the host's chosen Google calendar
//! with the visitor as attendee, and Google sends the one invitation. When
//! Google refuses or fails for good, the booking stands and the invitations
//! go by email instead, the host told why.

use chrono::Utc;

use super::invitations::{self, HostAction};
use crate::{
    db::{
        bookings::{self, Booking},
        google_connections::{self, GoogleConnection},
        users::User,
    },
    error::AppError,
    google::{
        calendar::{Attendee, EventTime, NewEvent},
        GoogleCallError,
    },
    google_scopes::CALENDAR_EVENTS,
    state::AppState,
};

/// A booking made, on its way into Google Calendar.
pub struct DirectBooking {
    pub booking: Booking,
    pub calendar_id: String,
    /// Ours, so that a retried insert cannot book twice.
    pub event_id: String,
}

/// Inserts the event; returns whether Google has it (else the invitations
/// were queued by email).
pub async fn insert(
    state: &AppState,
    host: &User,
    connection: &GoogleConnection,
    direct: &DirectBooking,
) -> Result<bool, AppError> {
    let booking = &direct.booking;
    let event = NewEvent {
        id: direct.event_id.clone(),
        summary: invitations::title(host, &booking.visitor_name),
        description: if booking.note.is_empty() {
            "Booked with BookMate.".to_owned()
        } else {
            format!("{}\n\nBooked with BookMate.", booking.note)
        },
        start: EventTime { date_time: booking.starts_at },
        end: EventTime { date_time: booking.ends_at },
        attendees: vec![Attendee {
            email: booking.visitor_email.clone(),
            display_name: Some(booking.visitor_name.clone()),
        }],
    };
    let db = state.database.pool();
    let host_action = match state.google.insert_event(db, connection, &direct.calendar_id, &event).await {
        Ok(()) => {
            bookings::set_google_event(db, booking.booking_id, &direct.event_id).await?;
            return Ok(true);
        }
        Err(GoogleCallError::MissingScope) => {
            tracing::warn!(
                user_id = host.user_id,
                "Google refused calendar.events for direct booking; emailing invites instead"
            );
            HostAction::RestoreCalendarAccess
        }
        Err(error) => {
            tracing::error!(%error, user_id = host.user_id, "direct booking failed; emailing invites instead");
            HostAction::AcceptEmailedInvitation
        }
    };
    let mail = invitations::emails(host, booking, host_action);
    bookings::fall_back_to_email(db, booking.booking_id, &mail, Utc::now()).await?;
    if host_action == HostAction::RestoreCalendarAccess {
        // The stored grant claimed write access Google no longer gives:
        // correct it, so that the host is asked for it again. The booking
        // and its invitations stand whatever happens here.
        if let Err(error) =
            google_connections::withdraw_scope(db, host.user_id, CALENDAR_EVENTS, Utc::now()).await
        {
            tracing::error!(%error, user_id = host.user_id, "could not record the lost calendar.events");
        }
    }
    Ok(false)
}
