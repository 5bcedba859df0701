//! Reading the followed calendars: a full read the first time (events from
//! a day ago on, deleted ones included), then only the changes since
//! Google's sync token. The worker of every process reads what is due
//! ([`run_due`]); the dashboard reads the host's calendars when the last
//! read is at least [`FollowTiming::least_gap`] old ([`read_for_dashboard`]).
//! A calendar is claimed before it is read, so of several processes one
//! reads it; each read is one `events.list` call per page (one, nearly
//! always). An expired sync token (410) ends the read; the next one is a
//! full one: one full read, never a loop.

use chrono::{DateTime, Duration, Utc};

use super::{findings, proposals};
use crate::{
    db::{
        booking_changes,
        bookings::{self, Booking},
        following::{self, FollowedCalendar},
        google_connections, google_jobs, proposals as stored_proposals,
        users::{self, User},
        DbError,
    },
    google::{
        calendar::CalendarError,
        event_list::{ListFrom, ListedEvent},
        GoogleCallError,
    },
    google_scopes::FOLLOW_BOOKINGS,
    state::AppState,
};

/// A full read starts this long before now: a meeting in progress is still
/// one to follow.
const FULL_READ_FROM: Duration = Duration::days(1);
/// Pages one read takes at most (2,500 events each).
const MOST_PAGES: usize = 4;
/// Calendars read per pass of the worker.
const BATCH: i64 = 20;
/// Upcoming bookings of a host compared with the events read.
const MOST_BOOKINGS: i64 = 2_000;

/// Reads every followed calendar that is due. Returns how many were read.
pub async fn run_due(state: &AppState, now: DateTime<Utc>) -> Result<usize, DbError> {
    let mut read = 0;
    for calendar in following::due(state.database.pool(), now, BATCH).await? {
        if claim_and_read(state, &calendar, true, now).await? {
            read += 1;
        }
    }
    Ok(read)
}

/// The host opened the dashboard: their calendars are read now, unless the
/// last read is too recent (it is then at most a gap old) or another
/// process is reading them.
pub async fn read_for_dashboard(state: &AppState, host: &User, now: DateTime<Utc>) -> Result<(), DbError> {
    let db = state.database.pool();
    if !following::find(db, host.user_id).await?.enabled {
        return Ok(());
    }
    super::switch::follow_calendars(state, host, now).await?;
    for calendar in following::calendars(db, host.user_id).await? {
        claim_and_read(state, &calendar, false, now).await?;
    }
    Ok(())
}

async fn claim_and_read(
    state: &AppState,
    calendar: &FollowedCalendar,
    on_schedule: bool,
    now: DateTime<Utc>,
) -> Result<bool, DbError> {
    let db = state.database.pool();
    let timing = state.following;
    let claim_until =
        now + Duration::from_std(state.google.call_budget()).unwrap_or(Duration::seconds(40)) * 2;
    if !following::claim(db, calendar, on_schedule, timing.least_gap(), (now, claim_until)).await? {
        return Ok(false);
    }
    read(state, calendar, now).await?;
    Ok(true)
}

async fn read(state: &AppState, calendar: &FollowedCalendar, now: DateTime<Utc>) -> Result<(), DbError> {
    let db = state.database.pool();
    let timing = state.following;
    let later = (now, now + timing.poll_every());
    let Some(host) = users::find_by_id(db, calendar.user_id).await? else {
        return following::finish(db, calendar, None, false, later).await;
    };
    let connection = match state.google.connection(db, host.user_id).await {
        Ok(connection) => connection,
        Err(GoogleCallError::Database(error)) => return Err(error),
        // A broken connection is told elsewhere (connection_alerts).
        Err(_) => return following::finish(db, calendar, calendar.sync_token.as_deref(), false, later).await,
    };
    let from = match &calendar.sync_token {
        Some(token) => ListFrom::SyncToken(token.clone()),
        None => ListFrom::Start(now - FULL_READ_FROM),
    };
    let mut events = Vec::new();
    let mut page_token: Option<String> = None;
    let mut pages = 0;
    let sync_token = loop {
        let page = state
            .google
            .calendar_changes(db, &connection, &calendar.calendar_id, &from, page_token.as_deref())
            .await;
        match page {
            Ok(page) => {
                pages += 1;
                events.extend(page.items);
                match page.next_page_token {
                    Some(next) if pages < MOST_PAGES => page_token = Some(next),
                    _ => break page.next_sync_token,
                }
            }
            Err(GoogleCallError::Refused(CalendarError::Gone)) => {
                tracing::info!(
                    user_id = host.user_id,
                    "Google's sync token expired; reading the calendar whole next"
                );
                // Read whole at the next turn (a poll, or the dashboard a gap
                // later), not now: one call per read, even here.
                return following::finish(db, calendar, None, false, later).await;
            }
            Err(GoogleCallError::Database(error)) => return Err(error),
            Err(GoogleCallError::MissingScope) => {
                // Refused for a scope the stored grant lists: it was taken
                // back at Google. Correcting the record tells the host
                // (connection_alerts) and has the ReauthProvider ask again.
                let relied_on =
                    FOLLOW_BOOKINGS.iter().find(|scope| connection.granted_scopes.contains(scope));
                if let Some(scope) = relied_on {
                    google_connections::withdraw_scope(db, host.user_id, scope, now).await?;
                }
                return following::finish(db, calendar, calendar.sync_token.as_deref(), false, later).await;
            }
            Err(error) => {
                tracing::warn!(%error, user_id = host.user_id, "could not read a followed calendar");
                return following::finish(db, calendar, calendar.sync_token.as_deref(), false, later).await;
            }
        }
    };
    // An event whose booking BookMate is still changing in Google is left
    // for later: the old token is kept, so the next read sees it again.
    let settled = follow(state, &host, &events, now).await?;
    let next_token = if settled { sync_token.as_deref() } else { calendar.sync_token.as_deref() };
    following::finish(db, calendar, next_token, true, later).await?;
    // Google may tell of the next change at once, where it can reach us.
    super::watch::keep_open(state, &connection, calendar, now).await
}

/// What the events read mean for the host's upcoming bookings: proposals,
/// applied at once when the host chose so. False when an event was left
/// for later, its booking's own change still on its way to Google.
async fn follow(
    state: &AppState,
    host: &User,
    events: &[ListedEvent],
    now: DateTime<Utc>,
) -> Result<bool, DbError> {
    let mut settled = true;
    if events.is_empty() {
        return Ok(settled);
    }
    let db = state.database.pool();
    let upcoming = bookings::upcoming(db, host.user_id, now, MOST_BOOKINGS).await?;
    let known = stored_proposals::host_event_ids(db, host.user_id).await?;
    let known_id = |booking: &Booking| {
        known.iter().find(|(booking_id, _)| *booking_id == booking.booking_id).map(|(_, id)| id.as_str())
    };
    let apply_without_asking = following::find(db, host.user_id).await?.apply_without_asking;
    for event in events {
        let Some(booking) =
            upcoming.iter().find(|booking| findings::is_copy_of(event, booking, known_id(booking)))
        else {
            continue;
        };
        if booking.google_event_id.as_deref() != Some(event.id.as_str())
            && known_id(booking) != Some(event.id.as_str())
        {
            stored_proposals::remember_host_event(db, booking.booking_id, &event.id).await?;
        }
        // BookMate's own change on its way to Google is no change of the host's.
        if google_jobs::has_open_job(db, booking.booking_id).await? {
            settled = false;
            continue;
        }
        let Some(kind) = findings::change_to(event, booking) else { continue };
        let earlier: Vec<DateTime<Utc>> = booking_changes::history(db, booking.booking_id)
            .await?
            .into_iter()
            .map(|entry| entry.from_starts_at)
            .collect();
        if !findings::still_relevant(kind, now) || findings::is_a_time_it_had(kind, &earlier) {
            continue;
        }
        let Some(proposal_id) = stored_proposals::propose(db, booking.booking_id, kind, now).await? else {
            continue;
        };
        tracing::info!(
            booking_id = booking.booking_id,
            ?kind,
            "a booking's event changed in Google Calendar"
        );
        if apply_without_asking {
            if let Err(error) = proposals::apply(state, host, proposal_id, now).await {
                tracing::warn!(%error, proposal_id, "could not apply a change found in Google Calendar; it waits for the host");
            }
        }
    }
    Ok(settled)
}
