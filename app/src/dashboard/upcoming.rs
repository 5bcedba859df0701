//! The host's upcoming bookings, read for the dashboard, on the host's clock.

use chrono::{DateTime, Utc};

use scheduling::Interval;

use super::model::{DashboardView, UpcomingBooking, SHOWN_BOOKINGS, SHOWN_CHANGES};
use crate::{
    booking::invitations,
    db::{
        booking_changes::{self, ChangeKind},
        bookings::{self, Party},
        meeting_types,
        users::User,
    },
    error::AppError,
    following,
    state::AppState,
};

pub async fn dashboard(state: &AppState, user: User, now: DateTime<Utc>) -> Result<DashboardView, AppError> {
    let zone = user.zone();
    // What the host changed in Google Calendar shows up as they look.
    if let Err(error) = following::sync::read_for_dashboard(state, &user, now).await {
        tracing::warn!(%error, user_id = user.user_id, "could not read the host's calendars for changes");
    }
    let proposals = following::proposals::views(state, &user).await?;
    let upcoming = bookings::upcoming(state.database.pool(), user.user_id, now, SHOWN_BOOKINGS).await?;
    let types = meeting_types::for_host(state.database.pool(), user.user_id).await?;
    let title_of = |type_id: Option<i64>| {
        types
            .iter()
            .find(|meeting_type| Some(meeting_type.type_id) == type_id)
            .map(|meeting_type| meeting_type.fields.title.clone())
    };
    let bookings = upcoming
        .into_iter()
        .map(|booking| {
            let (start, end) = (booking.starts_at.with_timezone(&zone), booking.ends_at.with_timezone(&zone));
            UpcomingBooking {
                invitation: invitations::status(&booking),
                meeting_title: title_of(booking.meeting_type_id),
                place: invitations::place_in_words(&booking),
                answers: booking
                    .answers
                    .iter()
                    .map(|answer| (answer.question.clone(), answer.answer.clone()))
                    .collect(),
                uid: booking.uid,
                day: start.format("%a %-d %b %Y").to_string(),
                time: format!("{}–{}", start.format("%H:%M"), end.format("%H:%M")),
                visitor_name: booking.visitor_name,
                visitor_email: booking.visitor_email,
                visitor_time_zone: booking.visitor_time_zone,
                note: booking.note,
            }
        })
        .collect();
    let recent = booking_changes::recent_for_host(state.database.pool(), user.user_id, SHOWN_CHANGES).await?;
    let recent_changes = recent
        .into_iter()
        .map(|(change, booking)| {
            let who = match change.made_by {
                Party::Host => "you".to_owned(),
                Party::Visitor => booking.visitor_name.clone(),
            };
            let made_at = change.made_at.with_timezone(&zone).format("%a %-d %b, %H:%M");
            let from = invitations::when(Interval::new(change.from_starts_at, change.from_ends_at), zone);
            match change.kind {
                ChangeKind::Cancelled => {
                    let reason = change.reason.map(|reason| format!(" Reason: {reason}")).unwrap_or_default();
                    format!(
                        "{made_at}: {who} cancelled the meeting with {} on {from}.{reason}",
                        booking.visitor_name
                    )
                }
                ChangeKind::Rescheduled => {
                    let to = invitations::when(Interval::new(booking.starts_at, booking.ends_at), zone);
                    format!(
                        "{made_at}: {who} moved the meeting with {} from {from} (now {to}).",
                        booking.visitor_name
                    )
                }
            }
        })
        .collect();
    Ok(DashboardView {
        time_zone: zone.name().to_owned(),
        username: user.username,
        bookings,
        recent_changes,
        proposals,
    })
}
