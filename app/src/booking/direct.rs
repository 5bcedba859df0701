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
//!
//! A moved or cancelled direct booking queues a job too (`change`): the
//! event is patched in place or deleted, after the booking's earlier jobs.
//! A Meet link Google was still making when it answered the insert is
//! looked up again (`conference_lookup`), a few times, further apart.

use chrono::{DateTime, Utc};

use super::{
    conference_lookup,
    invitations::{self, ChangeNotice, HostAction},
};
use crate::{
    db::{
        booking_changes::{self, ChangeKind},
        bookings::{self, Booking, Conference, Delivery},
        conferences, google_connections,
        google_jobs::{self, GoogleJob, JobKind},
        meeting_types,
        users::{self, User},
        DbError,
    },
    google::{
        calendar::{Attendee, CalendarError, ConferenceRequest, EventPatch, EventTime, MeetAnswer, NewEvent},
        GoogleCallError, Purpose,
    },
    google_scopes::CALENDAR_EVENTS,
    state::AppState,
};

/// Attempts (each with the call's own retries) a job gets; one claimed this
/// often has seen its processes die mid-call, and goes by email.
const MAX_ATTEMPTS: i64 = 3;
/// Jobs taken per pass of the worker.
const BATCH: i64 = 20;
/// A change Google failed to take waits this long before its second
/// attempt, twice as long before its third.
const CHANGE_RETRY: chrono::Duration = chrono::Duration::seconds(5);
/// A job whose host must reconnect Google waits this long for it (the host
/// is emailed at once, `connection_alerts`), and never until less than
/// [`EMAIL_BEFORE_MEETING`] before the meeting: then it goes by email.
const WAIT_FOR_RECONNECT: chrono::Duration = chrono::Duration::hours(24);
const EMAIL_BEFORE_MEETING: chrono::Duration = chrono::Duration::hours(2);

/// How a job ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    InGoogle,
    ByEmail,
    /// Google failed for now; the job waits to be tried again.
    OnItsWay,
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
    match job.kind {
        JobKind::InsertEvent => insert(state, &host, &booking, job).await,
        JobKind::PatchEvent | JobKind::DeleteEvent => change(state, &host, &booking, job).await,
        JobKind::LookUpConference => {
            let over = conference_lookup::attempt(state, &booking, job).await?;
            Ok(if over { Outcome::InGoogle } else { Outcome::OnItsWay })
        }
    }
}

async fn insert(
    state: &AppState,
    host: &User,
    booking: &Booking,
    job: &GoogleJob,
) -> Result<Outcome, DbError> {
    let db = state.database.pool();
    if booking.is_cancelled() {
        // Called off before Google had it: nothing to put there, or tell.
        google_jobs::abandon(db, job, Utc::now()).await?;
        return Ok(Outcome::ByEmail);
    }
    if job.attempts > MAX_ATTEMPTS {
        tracing::error!(
            job_id = job.job_id,
            "a direct booking's insert never finished; emailing invites instead"
        );
        let reason = format!("no attempt finished in {MAX_ATTEMPTS}");
        return by_email(state, host, booking, job, HostAction::AcceptEmailedInvitation, &reason).await;
    }
    let result = match state.google.connection(db, host.user_id).await {
        Ok(connection) => {
            // A job attempted before may have been inserted by a process
            // that died before it heard Google's answer.
            let maybe_inserted = job.attempts > 1;
            let answers_in_event = match booking.meeting_type_id {
                Some(type_id) => meeting_types::find(db, type_id)
                    .await?
                    .is_some_and(|meeting_type| meeting_type.fields.answers_in_event),
                None => false,
            };
            let event = event(state, host, booking, job, answers_in_event);
            let purpose = Purpose::AddMeeting { visitor: booking.visitor_name.clone() };
            state
                .google
                .insert_event(db, &connection, &job.calendar_id, &event, maybe_inserted, &purpose)
                .await
        }
        Err(error) => Err(error),
    };
    match result {
        Ok(inserted) => {
            google_jobs::finish_in_google(db, job, &inserted.ical_uid, Utc::now()).await?;
            if booking.conference.is_some() {
                let (conference, link) = match inserted.meet() {
                    Some(MeetAnswer::Ready(link)) => (Conference::Ready, Some(link)),
                    Some(MeetAnswer::Pending) => (Conference::Pending, None),
                    Some(MeetAnswer::Failed) | None => {
                        tracing::warn!(booking_id = booking.booking_id, "Google created no Meet conference");
                        (Conference::Failed, None)
                    }
                };
                conferences::record(db, booking.booking_id, conference, link.as_deref()).await?;
                if conference == Conference::Pending {
                    conference_lookup::enqueue(db, booking, job).await?;
                }
            }
            Ok(Outcome::InGoogle)
        }
        Err(GoogleCallError::Database(error)) => Err(error),
        Err(GoogleCallError::NeedsReconnect) if waits_for_reconnect(state, booking, job).await? => {
            Ok(Outcome::OnItsWay)
        }
        Err(GoogleCallError::MissingScope) => {
            tracing::warn!(
                user_id = host.user_id,
                "Google refused calendar.events for direct booking; emailing invites instead"
            );
            let outcome =
                by_email(state, host, booking, job, HostAction::RestoreCalendarAccess, "missing scope")
                    .await?;
            withdraw_write_scope(state, host).await;
            Ok(outcome)
        }
        Err(error) => {
            tracing::error!(%error, user_id = host.user_id, "direct booking failed; emailing invites instead");
            let reason = error.to_string();
            by_email(state, host, booking, job, HostAction::AcceptEmailedInvitation, &reason).await
        }
    }
}

/// A moved or cancelled booking's event follows it: patched in place, or
/// deleted. Google failing is retried with backoff; Google refusing (write
/// access given back, the event deleted meanwhile) sends the change by
/// email instead, with the booking's current `SEQUENCE`, and the host's copy
/// says why.
async fn change(
    state: &AppState,
    host: &User,
    booking: &Booking,
    job: &GoogleJob,
) -> Result<Outcome, DbError> {
    let db = state.database.pool();
    let now = Utc::now();
    if booking.delivery == Delivery::Email {
        // The event never reached Google (or left it): the change goes by
        // email like the booking.
        return change_by_email(state, host, booking, job, None).await;
    }
    if booking.google_event_id.is_none() || (job.kind == JobKind::PatchEvent && booking.is_cancelled()) {
        // No event to change, or a delete queued behind this patch.
        google_jobs::finish_change_in_google(db, job, now).await?;
        return Ok(Outcome::InGoogle);
    }
    if job.attempts > MAX_ATTEMPTS {
        return change_by_email(state, host, booking, job, Some("Google did not answer")).await;
    }
    let result = match state.google.connection(db, host.user_id).await {
        Ok(connection) => match job.kind {
            JobKind::PatchEvent => {
                let purpose = Purpose::MoveMeeting { visitor: booking.visitor_name.clone() };
                let patch = EventPatch {
                    start: EventTime { date_time: booking.starts_at },
                    end: EventTime { date_time: booking.ends_at },
                };
                state
                    .google
                    .patch_event(db, &connection, &job.calendar_id, &job.event_id, &patch, &purpose)
                    .await
                    .map(drop)
            }
            _ => {
                let purpose = Purpose::RemoveMeeting { visitor: booking.visitor_name.clone() };
                state.google.delete_event(db, &connection, &job.calendar_id, &job.event_id, &purpose).await
            }
        },
        Err(error) => Err(error),
    };
    match result {
        Ok(()) => {
            google_jobs::finish_change_in_google(db, job, now).await?;
            Ok(Outcome::InGoogle)
        }
        Err(GoogleCallError::Database(error)) => Err(error),
        Err(GoogleCallError::NeedsReconnect) if waits_for_reconnect(state, booking, job).await? => {
            Ok(Outcome::OnItsWay)
        }
        Err(GoogleCallError::Unavailable(detail)) if job.attempts < MAX_ATTEMPTS => {
            let wait = CHANGE_RETRY * 2_i32.pow(u32::try_from(job.attempts.max(1) - 1).unwrap_or(0));
            tracing::warn!(detail, job_id = job.job_id, "Google failed to take a change; trying again later");
            google_jobs::retry_later(db, job, now + wait, &detail).await?;
            Ok(Outcome::OnItsWay)
        }
        Err(error) => {
            tracing::warn!(%error, user_id = host.user_id, "Google did not take a change; emailing it instead");
            if matches!(error, GoogleCallError::MissingScope) {
                withdraw_write_scope(state, host).await;
            }
            let reason = match error {
                GoogleCallError::MissingScope => "BookMate no longer has access to add or change events",
                GoogleCallError::Refused(CalendarError::NotFound | CalendarError::Gone) => {
                    "the event was deleted from your Google Calendar"
                }
                GoogleCallError::NeedsReconnect => "your Google connection needs renewing",
                _ => "Google did not take the change",
            };
            change_by_email(state, host, booking, job, Some(reason)).await
        }
    }
}

/// The host must reconnect Google before the job can run: it waits, unless
/// it has waited long enough or the meeting is near (false: go by email).
async fn waits_for_reconnect(state: &AppState, booking: &Booking, job: &GoogleJob) -> Result<bool, DbError> {
    let now = Utc::now();
    let waiting_since = job.waiting_for_reconnect_since.unwrap_or(now);
    let deadline = (waiting_since + WAIT_FOR_RECONNECT).min(booking.starts_at - EMAIL_BEFORE_MEETING);
    if now >= deadline {
        return Ok(false);
    }
    tracing::info!(job_id = job.job_id, "waiting for the host to reconnect Google");
    google_jobs::wait_for_reconnect(state.database.pool(), job, deadline, now).await?;
    Ok(true)
}

/// The stored grant claimed write access Google no longer gives: correct it,
/// so that the host is asked for it again. The booking and its invitations
/// stand whatever happens here.
async fn withdraw_write_scope(state: &AppState, host: &User) {
    let db = state.database.pool();
    if let Err(error) =
        google_connections::withdraw_scope(db, host.user_id, CALENDAR_EVENTS, Utc::now()).await
    {
        tracing::error!(%error, user_id = host.user_id, "could not record the lost calendar.events");
    }
}

async fn change_by_email(
    state: &AppState,
    host: &User,
    booking: &Booking,
    job: &GoogleJob,
    why_not_google: Option<&str>,
) -> Result<Outcome, DbError> {
    let db = state.database.pool();
    let now = Utc::now();
    let notice = match &booking.cancellation {
        Some(cancellation) => {
            ChangeNotice::Cancelled { by: cancellation.by, reason: cancellation.reason.clone() }
        }
        None => {
            let history = booking_changes::history(db, booking.booking_id).await?;
            let last_move = history.iter().rev().find(|entry| entry.kind == ChangeKind::Rescheduled);
            match last_move {
                Some(entry) => ChangeNotice::Moved {
                    by: entry.made_by,
                    from: scheduling::Interval::new(entry.from_starts_at, entry.from_ends_at),
                },
                // Nothing moved it: a patch with nothing to say.
                None => {
                    google_jobs::finish_change_in_google(db, job, now).await?;
                    return Ok(Outcome::ByEmail);
                }
            }
        }
    };
    let mut mail =
        invitations::change_emails(host, booking, &notice, &state.manage_links.url_for(&booking.uid), now);
    if let (Some(why), Some(host_copy)) = (why_not_google, mail.first_mut()) {
        host_copy.body_text.push_str(&format!(
            "\n\nBookMate could not change this meeting in your Google Calendar ({why}); \
             the attached invitation does it instead."
        ));
    }
    google_jobs::finish_by_email(db, job, &mail, why_not_google.unwrap_or("by email"), now).await?;
    Ok(Outcome::ByEmail)
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
    // A Meet conference asked of Google is not coming: say so, not a link.
    let booking = &match booking.conference {
        Some(_) => {
            conferences::record(state.database.pool(), booking.booking_id, Conference::Failed, None).await?;
            Booking { conference: Some(Conference::Failed), ..booking.clone() }
        }
        None => booking.clone(),
    };
    let mail = invitations::emails(host, booking, host_action, &state.manage_links.url_for(&booking.uid));
    google_jobs::finish_by_email(state.database.pool(), job, &mail, reason, Utc::now()).await?;
    Ok(Outcome::ByEmail)
}

fn event(
    state: &AppState,
    host: &User,
    booking: &Booking,
    job: &GoogleJob,
    answers_in_event: bool,
) -> NewEvent {
    // Google shows the description to the attendee: the visitor's link to
    // change or cancel travels with it, and the answers when the host asks.
    let mut manage =
        format!("Booked with BookMate. Change or cancel: {}", state.manage_links.url_for(&booking.uid));
    if let Some(answers) = invitations::answers_in_words(booking).filter(|_| answers_in_event) {
        manage = format!("{answers}\n\n{manage}");
    }
    NewEvent {
        id: job.event_id.clone(),
        summary: invitations::title(host, &booking.visitor_name),
        description: if booking.note.is_empty() { manage } else { format!("{}\n\n{manage}", booking.note) },
        start: EventTime { date_time: booking.starts_at },
        end: EventTime { date_time: booking.ends_at },
        attendees: vec![Attendee {
            email: booking.visitor_email.clone(),
            display_name: Some(booking.visitor_name.clone()),
        }],
        location: booking.location.clone(),
        // The request id is the event's own: a retried insert asks for the
        // same conference, a new event for a new one.
        conference_data: booking.conference.map(|_| ConferenceRequest::google_meet(&job.event_id)),
    }
}
