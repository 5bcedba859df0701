//! The host's upcoming bookings, read for the dashboard, on the host's clock.

use chrono::{DateTime, Utc};

use super::model::{DashboardView, UpcomingBooking, SHOWN_BOOKINGS};
use crate::{
    booking::invitations,
    db::{bookings, users::User},
    error::AppError,
    state::AppState,
};

pub async fn dashboard(state: &AppState, user: User, now: DateTime<Utc>) -> Result<DashboardView, AppError> {
    let zone = user.zone();
    let upcoming = bookings::upcoming(state.database.pool(), user.user_id, now, SHOWN_BOOKINGS).await?;
    let bookings = upcoming
        .into_iter()
        .map(|booking| {
            let (start, end) = (booking.starts_at.with_timezone(&zone), booking.ends_at.with_timezone(&zone));
            UpcomingBooking {
                invitation: invitations::status(&booking),
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
    Ok(DashboardView { time_zone: zone.name().to_owned(), username: user.username, bookings })
}
