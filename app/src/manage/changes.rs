//! Cancelling and moving a booking, by its visitor (with the manage link)
//! or its host (signed in), and what each change tells every calendar.
//!
//! Each change is decided on the booking as read and made in one
//! transaction (`db::booking_changes`) with its messages: by email, a
//! `REQUEST` or `CANCEL` with the same UID and a higher `SEQUENCE`; for a
//! direct booking, a job that patches or deletes the Google event
//! (`booking::direct`). A move is checked like a booking: fresh busy times
//! (the booking's own time not counted against itself), the slot engine,
//! then the database.

use chrono::{DateTime, Duration, TimeZone as _, Utc};
use scheduling::Interval;

use super::{
    access::{booking_type, closed_to_visitor, host_and_settings, open},
    model::MAX_REASON_CHARS,
};
use crate::{
    booking::{
        book::MAX_HORIZON_DAYS,
        busy::{self, BusyError},
        invitations::{self, ChangeNotice},
        refusals,
    },
    db::{
        booking_changes::{self, ChangeError, Effects, EventChange},
        bookings::{self, Booking, Delivery, Party},
        google_jobs::{self, JobKind},
        outbox,
        users::User,
    },
    error::AppError,
    google::{GoogleCallError, Purpose},
    state::AppState,
};

/// Said when two changes of one booking cross.
pub const CHANGED: &str = "This booking changed a moment ago. Reload the page to see it as it is now.";

/// A reason as typed: trimmed, line breaks as `\n`, at most 1,000
/// characters; empty means none.
pub fn reason(text: &str) -> Result<Option<String>, AppError> {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let text: String = text.chars().filter(|c| *c == '\n' || !c.is_control()).collect();
    let text = text.trim();
    if text.chars().count() > MAX_REASON_CHARS {
        return Err(AppError::invalid(
            "reason",
            format!("Please keep the reason under {MAX_REASON_CHARS} characters."),
        ));
    }
    Ok((!text.is_empty()).then(|| text.to_owned()))
}

/// The visitor calls the booking off.
pub async fn cancel_by_visitor(
    state: &AppState,
    uid: &str,
    key: &str,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let booking = open(state, uid, key).await?;
    let (host, settings) = host_and_settings(state, &booking).await?;
    if booking.is_cancelled() {
        // Twice is once: the first cancel sent what there was to send.
        return Ok(());
    }
    if let Some(why) = closed_to_visitor(&booking, &host, &settings, now) {
        return Err(AppError::Conflict(why));
    }
    cancel(state, &host, booking, Party::Visitor, reason, now).await
}

/// The host calls one of their bookings off.
pub async fn cancel_by_host(
    state: &AppState,
    host: &User,
    uid: &str,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let booking = hosts_booking(state, host, uid).await?;
    if booking.is_cancelled() {
        return Ok(());
    }
    if booking.ends_at <= now {
        return Err(AppError::Conflict("This meeting is over; there is nothing to cancel.".to_owned()));
    }
    cancel(state, host, booking, Party::Host, reason, now).await
}

/// One of the host's own bookings; anyone else's is "not found".
async fn hosts_booking(state: &AppState, host: &User, uid: &str) -> Result<Booking, AppError> {
    bookings::find_by_uid(state.database.pool(), uid)
        .await?
        .filter(|booking| booking.host_user_id == host.user_id)
        .ok_or(AppError::NotFound)
}

async fn cancel(
    state: &AppState,
    host: &User,
    booking: Booking,
    by: Party,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let db = state.database.pool();
    let google = event_change(state, &booking, JobKind::DeleteEvent).await?;
    let notice = ChangeNotice::Cancelled { by, reason: reason.clone() };
    let manage_url = state.manage_links.url_for(&booking.uid);
    let by_email = google.is_none();
    let effects = Effects {
        mail: |cancelled: &Booking| {
            if by_email {
                invitations::change_emails(host, cancelled, &notice, &manage_url, now)
            } else {
                Vec::new()
            }
        },
        google,
    };
    let result =
        booking_changes::cancel(db, state.database.backend(), &booking, by, reason.as_deref(), effects, now)
            .await;
    match result {
        Ok(_) => {}
        Err(ChangeError::Changed) => {
            // Cancelled by someone else meanwhile: the same end, told once.
            let now_stored = bookings::find_by_id(db, booking.booking_id).await?;
            if !now_stored.is_some_and(|stored| stored.is_cancelled()) {
                return Err(AppError::Conflict(CHANGED.to_owned()));
            }
        }
        Err(ChangeError::Taken) => return Err(AppError::Conflict(CHANGED.to_owned())),
        Err(ChangeError::Database(error)) => return Err(error.into()),
    }
    state.host_changed(host.user_id);
    tracing::info!(booking_id = booking.booking_id, ?by, "booking cancelled");
    Ok(())
}

/// The Google event a change must follow, for a direct booking: the one
/// its insert job made (or will make).
async fn event_change(
    state: &AppState,
    booking: &Booking,
    kind: JobKind,
) -> Result<Option<EventChange>, AppError> {
    if booking.delivery != Delivery::Google {
        return Ok(None);
    }
    let insert = google_jobs::for_booking(state.database.pool(), booking.booking_id).await?;
    Ok(insert.map(|job| EventChange { kind, calendar_id: job.calendar_id, event_id: job.event_id }))
}

/// The visitor moves the booking to the time starting at `start` (seconds
/// since the epoch), chosen on the booking page in `tz`.
pub async fn reschedule_by_visitor(
    state: &AppState,
    uid: &str,
    key: &str,
    start: i64,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let booking = open(state, uid, key).await?;
    let (host, settings) = host_and_settings(state, &booking).await?;
    if booking.is_cancelled() {
        return Err(AppError::Conflict("This booking was cancelled, so it cannot be moved.".to_owned()));
    }
    if let Some(why) = closed_to_visitor(&booking, &host, &settings, now) {
        return Err(AppError::Conflict(why));
    }
    let start =
        Utc.timestamp_opt(start, 0).single().ok_or_else(|| AppError::invalid("start", refusals::TIME))?;
    if start <= now {
        return Err(AppError::invalid("start", refusals::PASSED));
    }
    if start > now + Duration::days(MAX_HORIZON_DAYS) {
        return Err(AppError::invalid("start", refusals::TIME));
    }
    if start == booking.starts_at {
        return Err(AppError::invalid("start", "That is the booking's time already; pick another."));
    }
    let meeting_type = booking_type(state, &booking).await?;
    let length = (booking.ends_at - booking.starts_at).num_minutes();
    if !meeting_type.takes_bookings(&settings) {
        return Err(AppError::Conflict(refusals::not_taking_bookings(&host.display_name)));
    }
    let db = state.database.pool();
    let not_taking = || AppError::Conflict(refusals::not_taking_bookings(&host.display_name));
    let connection = state.google.connection(db, host.user_id).await.map_err(|error| match error {
        GoogleCallError::Database(error) => AppError::from(error),
        _ => not_taking(),
    })?;
    let slot = Interval::new(start, start + Duration::minutes(length));
    let current = Interval::new(booking.starts_at, booking.ends_at);
    let around = Interval::new(start - Duration::days(1), start + Duration::days(2));
    let purpose = Purpose::CheckFreeBeforeMove { visitor: booking.visitor_name.clone() };
    let busy = busy::fresh(state.busy_sources(), &connection, &settings, around, Some(current), &purpose)
        .await
        .map_err(|error| match error {
            BusyError::NeedsReconnect => not_taking(),
            BusyError::Unavailable(detail) => {
                tracing::warn!(detail, "busy times unavailable at a move");
                AppError::Conflict(refusals::CANNOT_CHECK.to_owned())
            }
            BusyError::Database(error) => error.into(),
        })?;
    let engine = meeting_type.engine(&settings, host.zone(), length);
    let rules = engine.rules;
    if !busy.free_slots(&engine, now, around).contains(&slot) {
        return Err(AppError::Conflict(refusals::NO_LONGER_FREE.to_owned()));
    }
    let daily_limit = busy.daily_limit_check(rules, host.zone(), slot, around);

    let google = event_change(state, &booking, JobKind::PatchEvent).await?;
    let notice = ChangeNotice::Moved { by: Party::Visitor, from: current };
    let manage_url = state.manage_links.url_for(&booking.uid);
    let by_email = google.is_none();
    let effects = Effects {
        mail: |moved: &Booking| {
            if by_email {
                invitations::change_emails(&host, moved, &notice, &manage_url, now)
            } else {
                Vec::new()
            }
        },
        google,
    };
    let keeps_clear = (slot.start - rules.buffer_before, slot.end + rules.buffer_after);
    booking_changes::reschedule(
        db,
        state.database.backend(),
        &booking,
        Party::Visitor,
        (slot.start, slot.end),
        keeps_clear,
        daily_limit.as_ref(),
        effects,
        now,
    )
    .await
    .map_err(|error| match error {
        ChangeError::Taken => AppError::Conflict(refusals::JUST_TAKEN.to_owned()),
        ChangeError::Changed => AppError::Conflict(CHANGED.to_owned()),
        ChangeError::Database(error) => error.into(),
    })?;
    state.host_changed(host.user_id);
    tracing::info!(booking_id = booking.booking_id, "booking moved by its visitor");
    Ok(())
}

/// The host moved the booking's event in Google Calendar and confirmed it
/// here: the booking takes that time, and the visitor is told (by Google for
/// a direct booking, whose event a patch job confirms; else by email). The
/// host chose the time, so it is not held to the booking page's rules; it
/// may still not overlap another booking.
pub async fn move_as_in_google(
    state: &AppState,
    host: &User,
    booking: &Booking,
    slot: Interval,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if booking.is_cancelled() {
        return Err(AppError::Conflict("This booking was cancelled, so it cannot be moved.".to_owned()));
    }
    if slot.start <= now {
        return Err(AppError::Conflict("That time has passed.".to_owned()));
    }
    let db = state.database.pool();
    let current = Interval::new(booking.starts_at, booking.ends_at);
    let google = event_change(state, booking, JobKind::PatchEvent).await?;
    let notice = ChangeNotice::Moved { by: Party::Host, from: current };
    let manage_url = state.manage_links.url_for(&booking.uid);
    let by_email = google.is_none();
    let effects = Effects {
        mail: |moved: &Booking| {
            if by_email {
                invitations::change_emails(host, moved, &notice, &manage_url, now)
            } else {
                Vec::new()
            }
        },
        google,
    };
    booking_changes::reschedule(
        db,
        state.database.backend(),
        booking,
        Party::Host,
        (slot.start, slot.end),
        (slot.start, slot.end),
        None,
        effects,
        now,
    )
    .await
    .map_err(|error| match error {
        ChangeError::Taken => AppError::Conflict(
            "That time overlaps another booking. Move the meeting in Google Calendar again, or keep the booking \
             as it is."
                .to_owned(),
        ),
        ChangeError::Changed => AppError::Conflict(CHANGED.to_owned()),
        ChangeError::Database(error) => error.into(),
    })?;
    state.host_changed(host.user_id);
    tracing::info!(booking_id = booking.booking_id, "booking moved as its host did in Google Calendar");
    Ok(())
}

/// The host asks the visitor to pick another time: an email with the
/// visitor's link; the booking stands until they do.
pub async fn propose_new_time(
    state: &AppState,
    host: &User,
    uid: &str,
    message: Option<String>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let booking = hosts_booking(state, host, uid).await?;
    if booking.is_cancelled() || booking.starts_at <= now {
        return Err(AppError::Conflict("Only an upcoming booking can be moved.".to_owned()));
    }
    let email = invitations::proposal_email(
        host,
        &booking,
        message.as_deref(),
        &state.manage_links.url_for(&booking.uid),
    );
    outbox::enqueue(state.database.pool(), &email, now).await?;
    tracing::info!(booking_id = booking.booking_id, "the host asked to move a booking");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_is_trimmed_on_normalised_lines_and_bounded() {
        assert_eq!(reason("  ").unwrap(), None);
        assert_eq!(reason(" Ill\r\nSorry\r").unwrap().as_deref(), Some("Ill\nSorry"));
        assert_eq!(reason("a\u{7}b").unwrap().as_deref(), Some("ab"), "control characters go");
        assert!(reason(&"x".repeat(MAX_REASON_CHARS)).is_ok());
        let refused = reason(&"x".repeat(MAX_REASON_CHARS + 1)).unwrap_err();
        assert!(refused.field("reason").unwrap().contains("1000"), "{refused:?}");
    }
}
