//! A direct booking's Meet link that Google was still making when it
//! answered the insert: the event is read again (`events.get`) a few
//! seconds later, then at growing gaps, until Google made the link or
//! said it could not. Until then the booking's pages say Google is still
//! creating it, and Google's own invitation carries it.

use chrono::Utc;

use crate::{
    db::{
        bookings::{Booking, Conference},
        conferences,
        google_jobs::{self, GoogleJob},
        DbError, DbPool,
    },
    google::{calendar::MeetAnswer, GoogleCallError, Purpose},
    state::AppState,
};

/// A Meet link Google had not made yet is looked up this long after the
/// insert, then three times as long after each look-up that finds none;
/// after [`LOOKUPS`] the page keeps saying that Google's invitation has it.
const FIRST_LOOKUP: chrono::Duration = chrono::Duration::seconds(3);
const LOOKUPS: i64 = 5;

/// Queued once Google answered an insert with the link still pending.
pub(super) async fn enqueue(db: &DbPool, booking: &Booking, insert: &GoogleJob) -> Result<(), DbError> {
    let now = Utc::now();
    let at = now + FIRST_LOOKUP;
    google_jobs::enqueue_conference_lookup(
        db,
        booking.booking_id,
        &insert.calendar_id,
        &insert.event_id,
        at,
        now,
    )
    .await
}

/// The Meet link Google was still making: read from the event once Google
/// made it. Google failing, or not done yet, is asked again later, up to
/// [`LOOKUPS`] times; a cancelled booking, or one no longer waiting for its
/// link, needs no look-up. Whether the look-up is over (the link found, or
/// not coming).
pub(super) async fn attempt(state: &AppState, booking: &Booking, job: &GoogleJob) -> Result<bool, DbError> {
    let db = state.database.pool();
    if booking.is_cancelled() || booking.conference != Some(Conference::Pending) {
        google_jobs::finish_change_in_google(db, job, Utc::now()).await?;
        return Ok(true);
    }
    let purpose = Purpose::LookUpMeetLink { visitor: booking.visitor_name.clone() };
    let answer = match state.google.connection(db, booking.host_user_id).await {
        Ok(connection) => {
            state.google.event(db, &connection, &job.calendar_id, &job.event_id, &purpose).await
        }
        Err(error) => Err(error),
    };
    let not_yet = match answer.map(|event| event.meet()) {
        Ok(Some(MeetAnswer::Ready(link))) => {
            conferences::record(db, booking.booking_id, Conference::Ready, Some(&link)).await?;
            google_jobs::finish_change_in_google(db, job, Utc::now()).await?;
            return Ok(true);
        }
        Ok(Some(MeetAnswer::Failed) | None) => {
            tracing::warn!(booking_id = booking.booking_id, "Google did not make the Meet conference");
            conferences::record(db, booking.booking_id, Conference::Failed, None).await?;
            google_jobs::finish_change_in_google(db, job, Utc::now()).await?;
            return Ok(true);
        }
        Err(GoogleCallError::Database(error)) => return Err(error),
        Ok(Some(MeetAnswer::Pending)) => "Google is still making the Meet link".to_owned(),
        Err(error) => error.to_string(),
    };
    let now = Utc::now();
    if job.attempts >= LOOKUPS {
        tracing::warn!(booking_id = booking.booking_id, reason = %not_yet, "gave up looking up a Meet link");
        google_jobs::finish_change_in_google(db, job, now).await?;
        return Ok(true);
    }
    let gap = FIRST_LOOKUP * 3_i32.pow(u32::try_from(job.attempts).unwrap_or(0));
    google_jobs::retry_later(db, job, now + gap, &not_yet).await?;
    Ok(false)
}
