//! Direct booking: the meeting goes into the host's chosen Google calendar
//! with the visitor as attendee, and Google sends the one invitation.
//!
//! The insert is a job in the database (`db::google_jobs`), queued in the
//! booking's own transaction. The booking request makes the first attempt
//! at once; the worker (`run_due`) takes up any attempt that a dead process
//! left, once its claim has run out. So every committed booking ends with
//! Google's event or BookMate's emails, whatever dies when. When Google
//! refuses or fails for good, the booking stands and the invitations go by
//! email instead, the host told why.

use chrono::{DateTime, Utc};

use super::invitations::{self, HostAction};
use crate::{
    db::{
        bookings::{self, Booking},
        google_connections,
        google_jobs::{self, GoogleJob},
        users::{self, User},
        DbError,
    },
    google::{
        calendar::{Attendee, EventTime, NewEvent},
        GoogleCallError,
    },
    google_scopes::CALENDAR_EVENTS,
    state::AppState,
};

/// Attempts (each with the call's own retries) a job gets; one claimed this
/// often has seen its processes die mid-call, and goes by email.
const MAX_ATTEMPTS: i64 = 3;
/// Jobs taken per pass of the worker.
const BATCH: i64 = 20;

/// How a job ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    InGoogle,
    ByEmail,
}

/// How long an attempt keeps a job from other workers: longer than one call
/// to Google may take, so a live attempt is never doubled.
pub fn claim_length(state: &AppState) -> chrono::Duration {
    chrono::Duration::from_std(state.google.call_budget()).unwrap_or(chrono::Duration::seconds(20))
        + chrono::Duration::seconds(10)
}

/// One attempt at a claimed job.
pub async fn attempt(state: &AppState, job: &GoogleJob) -> Result<Outcome, DbError> {
    let db = state.database.pool();
    let Some(booking) = bookings::find_by_id(db, job.booking_id).await? else {
        google_jobs::abandon(db, job, Utc::now()).await?;
        return Ok(Outcome::ByEmail);
    };
    let Some(host) = users::find_by_id(db, booking.host_user_id).await? else {
        google_jobs::abandon(db, job, Utc::now()).await?;
        return Ok(Outcome::ByEmail);
    };
    if job.attempts > MAX_ATTEMPTS {
        tracing::error!(
            job_id = job.job_id,
            "a direct booking's insert never finished; emailing invites instead"
        );
        let reason = format!("no attempt finished in {MAX_ATTEMPTS}");
        return by_email(state, &host, &booking, job, HostAction::AcceptEmailedInvitation, &reason).await;
    }
    let result = match state.google.connection(db, host.user_id).await {
        Ok(connection) => {
            // A job attempted before may have been inserted by a process
            // that died before it heard Google's answer.
            let maybe_inserted = job.attempts > 1;
            let event = event(&host, &booking, job);
            state.google.insert_event(db, &connection, &job.calendar_id, &event, maybe_inserted).await
        }
        Err(error) => Err(error),
    };
    match result {
        Ok(inserted) => {
            google_jobs::finish_in_google(db, job, &inserted.ical_uid, Utc::now()).await?;
            Ok(Outcome::InGoogle)
        }
        Err(GoogleCallError::Database(error)) => Err(error),
        Err(GoogleCallError::MissingScope) => {
            tracing::warn!(
                user_id = host.user_id,
                "Google refused calendar.events for direct booking; emailing invites instead"
            );
            let outcome =
                by_email(state, &host, &booking, job, HostAction::RestoreCalendarAccess, "missing scope")
                    .await?;
            // The stored grant claimed write access Google no longer gives:
            // correct it, so that the host is asked for it again. The
            // booking and its invitations stand whatever happens here.
            if let Err(error) =
                google_connections::withdraw_scope(db, host.user_id, CALENDAR_EVENTS, Utc::now()).await
            {
                tracing::error!(%error, user_id = host.user_id, "could not record the lost calendar.events");
            }
            Ok(outcome)
        }
        Err(error) => {
            tracing::error!(%error, user_id = host.user_id, "direct booking failed; emailing invites instead");
            let reason = error.to_string();
            by_email(state, &host, &booking, job, HostAction::AcceptEmailedInvitation, &reason).await
        }
    }
}

/// One pass of the worker over the jobs that are due: never attempted by a
/// live process, or left by a dead one. Returns how many it finished.
pub async fn run_due(state: &AppState, now: DateTime<Utc>) -> Result<usize, DbError> {
    let db = state.database.pool();
    let mut finished = 0;
    for mut job in google_jobs::due(db, now, BATCH).await? {
        if !google_jobs::claim(db, job.job_id, now, now + claim_length(state)).await? {
            continue;
        }
        job.attempts += 1;
        match attempt(state, &job).await {
            Ok(_) => finished += 1,
            Err(error) => {
                tracing::error!(%error, job_id = job.job_id, "a Google job failed; it will be tried again")
            }
        }
    }
    Ok(finished)
}

async fn by_email(
    state: &AppState,
    host: &User,
    booking: &Booking,
    job: &GoogleJob,
    host_action: HostAction,
    reason: &str,
) -> Result<Outcome, DbError> {
    let mail = invitations::emails(host, booking, host_action);
    google_jobs::finish_by_email(state.database.pool(), job, &mail, reason, Utc::now()).await?;
    Ok(Outcome::ByEmail)
}

fn event(host: &User, booking: &Booking, job: &GoogleJob) -> NewEvent {
    NewEvent {
        id: job.event_id.clone(),
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
    }
}
