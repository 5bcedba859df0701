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
use chrono_tz::Tz;
use scheduling::{free_slots, Host, Interval};

use super::model::{ManagedBooking, Standing, MAX_REASON_CHARS};
use crate::{
    booking::{
        book::MAX_HORIZON_DAYS,
        busy::{self, BusyError},
        free_times::Rescheduling,
        invitations::{self, ChangeNotice},
        model::ReschedulingLink,
        refusals,
    },
    db::{
        booking_changes::{self, ChangeError, ChangeKind, Effects, EventChange},
        bookings::{self, Booking, Delivery, Party},
        google_jobs::{self, JobKind},
        host_settings::{self, HostSettings},
        outbox,
        users::{self, User},
    },
    error::AppError,
    google::GoogleCallError,
    state::AppState,
};

/// Said when two changes of one booking cross.
pub const CHANGED: &str = "This booking changed a moment ago. Reload the page to see it as it is now.";

/// The booking a manage link opens. Any link that is not exactly right is
/// "not found", like a booking that does not exist.
pub async fn open(state: &AppState, uid: &str, key: &str) -> Result<Booking, AppError> {
    if !state.manage_links.verify(uid, key) {
        return Err(AppError::NotFound);
    }
    bookings::find_by_uid(state.database.pool(), uid).await?.ok_or(AppError::NotFound)
}

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

/// Why the visitor may no longer change the booking, if so.
fn closed_to_visitor(
    booking: &Booking,
    host: &User,
    settings: &HostSettings,
    now: DateTime<Utc>,
) -> Option<String> {
    let write = format!("To change it now, write to {} at {}.", host.display_name, host.email);
    if booking.starts_at <= now {
        return Some(format!("This meeting has started, so it can no longer be changed here. {write}"));
    }
    let cutoff = Duration::minutes(settings.change_cutoff_minutes.max(0));
    (now > booking.starts_at - cutoff).then(|| {
        format!(
            "Changes close {} before the meeting, so it can no longer be changed here. {write}",
            in_words(cutoff)
        )
    })
}

fn in_words(span: Duration) -> String {
    let hours = span.num_hours();
    match (hours, span.num_minutes() % 60) {
        (0, minutes) => format!("{minutes} minutes"),
        (1, 0) => "an hour".to_owned(),
        (hours, 0) if hours % 24 == 0 && hours >= 48 => format!("{} days", hours / 24),
        (24, 0) => "a day".to_owned(),
        (hours, 0) => format!("{hours} hours"),
        (hours, minutes) => format!("{hours} h {minutes} min"),
    }
}

async fn host_and_settings(state: &AppState, booking: &Booking) -> Result<(User, HostSettings), AppError> {
    let db = state.database.pool();
    let host = users::find_by_id(db, booking.host_user_id).await?.ok_or(AppError::NotFound)?;
    let settings = host_settings::find(db, host.user_id).await?.unwrap_or_else(HostSettings::defaults);
    Ok((host, settings))
}

/// What the visitor's page shows.
pub async fn view(
    state: &AppState,
    uid: &str,
    key: &str,
    now: DateTime<Utc>,
) -> Result<ManagedBooking, AppError> {
    let booking = open(state, uid, key).await?;
    let (host, settings) = host_and_settings(state, &booking).await?;
    let visitor_zone: Tz = booking.visitor_time_zone.parse().unwrap_or(Tz::UTC);
    let slot = Interval::new(booking.starts_at, booking.ends_at);
    let on_visitor_clock =
        |time: DateTime<Utc>| time.with_timezone(&visitor_zone).format("%a %-d %b %Y, %H:%M");
    let party = |by: Party| match by {
        Party::Visitor => "you".to_owned(),
        Party::Host => host.display_name.clone(),
    };
    let standing = match &booking.cancellation {
        Some(cancellation) => Standing::Cancelled {
            by_and_when: format!(
                "Cancelled by {} on {}.",
                party(cancellation.by),
                on_visitor_clock(cancellation.at)
            ),
            reason: cancellation.reason.clone(),
        },
        None => match closed_to_visitor(&booking, &host, &settings, now) {
            Some(why) => Standing::Closed(why),
            None => Standing::Changeable,
        },
    };
    let history = booking_changes::history(state.database.pool(), booking.booking_id)
        .await?
        .into_iter()
        .map(|entry| {
            let from =
                invitations::when(Interval::new(entry.from_starts_at, entry.from_ends_at), visitor_zone);
            match entry.kind {
                ChangeKind::Rescheduled => {
                    format!(
                        "{}: moved by {} from {from}.",
                        on_visitor_clock(entry.made_at),
                        party(entry.made_by)
                    )
                }
                ChangeKind::Cancelled => {
                    format!("{}: cancelled by {}.", on_visitor_clock(entry.made_at), party(entry.made_by))
                }
            }
        })
        .collect();
    Ok(ManagedBooking {
        uid: booking.uid.clone(),
        key: key.to_owned(),
        host_name: host.display_name.clone(),
        host_email: host.email.clone(),
        username: host.username.clone(),
        visitor_time: invitations::when(slot, visitor_zone),
        host_time: invitations::when(slot, host.zone()),
        visitor_time_zone: visitor_zone.name().to_owned(),
        invitation: invitations::status(&booking),
        standing,
        history,
    })
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
    if settings.availability.is_empty() {
        return Err(AppError::Conflict(refusals::not_taking_bookings(&host.display_name)));
    }
    let db = state.database.pool();
    let not_taking = || AppError::Conflict(refusals::not_taking_bookings(&host.display_name));
    let connection = state.google.connection(db, host.user_id).await.map_err(|error| match error {
        GoogleCallError::Database(error) => AppError::from(error),
        _ => not_taking(),
    })?;
    let slot = Interval::new(start, start + Duration::minutes(settings.meeting_minutes));
    let current = Interval::new(booking.starts_at, booking.ends_at);
    let around = Interval::new(start - Duration::days(1), start + Duration::days(2));
    let busy = busy::fresh(state.busy_sources(), &connection, &settings, around, Some(current))
        .await
        .map_err(|error| match error {
            BusyError::NeedsReconnect => not_taking(),
            BusyError::Unavailable(detail) => {
                tracing::warn!(detail, "busy times unavailable at a move");
                AppError::Conflict(refusals::CANNOT_CHECK.to_owned())
            }
            BusyError::Database(error) => error.into(),
        })?;
    let rules = settings.rules();
    let engine = Host { availability: &settings.availability, time_zone: host.zone(), rules };
    if !free_slots(&engine, now, around, &busy).contains(&slot) {
        return Err(AppError::Conflict(refusals::NO_LONGER_FREE.to_owned()));
    }

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

/// For the booking page in "move my booking" mode: the booking a link
/// opens, if it may still move and belongs to the page's host.
pub async fn rescheduling(
    state: &AppState,
    uid: &str,
    key: &str,
    username: &str,
    now: DateTime<Utc>,
) -> Result<Rescheduling, AppError> {
    let booking = open(state, uid, key).await?;
    let (host, settings) = host_and_settings(state, &booking).await?;
    if host.username.as_deref() != Some(&username.to_ascii_lowercase()) {
        return Err(AppError::NotFound);
    }
    if booking.is_cancelled() {
        return Err(AppError::Conflict("This booking was cancelled, so it cannot be moved.".to_owned()));
    }
    if let Some(why) = closed_to_visitor(&booking, &host, &settings, now) {
        return Err(AppError::Conflict(why));
    }
    let current = Interval::new(booking.starts_at, booking.ends_at);
    let visitor_zone: Tz = booking.visitor_time_zone.parse().unwrap_or(Tz::UTC);
    Ok(Rescheduling {
        current,
        link: ReschedulingLink {
            uid: booking.uid,
            key: key.to_owned(),
            current_time: invitations::when(current, visitor_zone),
        },
    })
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

    #[test]
    fn cutoffs_read_as_people_say_them() {
        assert_eq!(in_words(Duration::minutes(30)), "30 minutes");
        assert_eq!(in_words(Duration::hours(1)), "an hour");
        assert_eq!(in_words(Duration::hours(24)), "a day");
        assert_eq!(in_words(Duration::hours(48)), "2 days");
        assert_eq!(in_words(Duration::minutes(90)), "1 h 30 min");
    }
}
