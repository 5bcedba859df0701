//! Busy time of a host: one `freebusy.query` over their chosen calendars plus
//! their BookMate bookings, cached briefly and shared by all visitors, with
//! one fetch in flight per host and range.
//!
//! Fails closed: without an answer from Google there is no busy time, and so
//! no free slot, rather than a guess.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use scheduling::Interval;

use crate::{
    db::{bookings, host_settings::HostSettings, DbError},
    google::calls::{authorized, GoogleCallError},
    google_scopes::CALENDAR_READONLY,
    state::AppState,
};

/// Long enough that a burst of visitors costs one Google call, short enough
/// that an event added in Google Calendar shows within a minute.
pub const TTL: Duration = Duration::from_secs(60);

type Key = (i64, i64, i64);
type Entry = Arc<tokio::sync::Mutex<Option<(Instant, Vec<Interval>)>>>;

#[derive(Debug, Default)]
pub struct BusyCache {
    entries: Mutex<HashMap<Key, Entry>>,
}

#[derive(Debug, thiserror::Error)]
pub enum BusyError {
    #[error("the host must reconnect Google")]
    NeedsReconnect,
    #[error("Google's busy times are not available: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Database(#[from] DbError),
}

impl BusyCache {
    fn entry(&self, key: Key) -> Entry {
        let mut entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        entries.entry(key).or_default().clone()
    }

    /// Forgets a host's busy times (a booking was made, settings changed).
    pub fn invalidate(&self, host_user_id: i64) {
        let mut entries = self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        entries.retain(|(host, _, _), _| *host != host_user_id);
    }

    pub fn clear(&self) {
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clear();
    }
}

/// Everything that blocks slots in `range` (Google's busy times and the
/// host's bookings), from the cache when fresh. A booking drops the cache.
async fn cached_busy(
    state: &AppState,
    host_user_id: i64,
    settings: &HostSettings,
    range: Interval,
) -> Result<Vec<Interval>, BusyError> {
    let key = (host_user_id, range.start.timestamp(), range.end.timestamp());
    let entry = state.busy_cache.entry(key);
    // Holding the entry's lock while fetching makes concurrent visitors of
    // the same host and range wait for this one fetch.
    let mut cached = entry.lock().await;
    if let Some((fetched, busy)) = cached.as_ref() {
        if fetched.elapsed() < TTL {
            return Ok(busy.clone());
        }
    }
    let busy = fetch_all_busy(state, host_user_id, settings, range).await?;
    *cached = Some((Instant::now(), busy.clone()));
    Ok(busy)
}

/// Google's busy times and the host's bookings, asked for now.
async fn fetch_all_busy(
    state: &AppState,
    host_user_id: i64,
    settings: &HostSettings,
    range: Interval,
) -> Result<Vec<Interval>, BusyError> {
    let mut busy = fetch_google_busy(state, host_user_id, settings, range).await?;
    busy.extend(booked(state, host_user_id, range).await?);
    Ok(busy)
}

/// Always asks Google.
async fn fetch_google_busy(
    state: &AppState,
    host_user_id: i64,
    settings: &HostSettings,
    range: Interval,
) -> Result<Vec<Interval>, BusyError> {
    let calendar_ids: Vec<String> = if settings.busy_calendar_ids.is_empty() {
        vec!["primary".to_owned()]
    } else {
        settings.busy_calendar_ids.clone()
    };
    let calendar = &state.auth.calendar;
    let calendar_ids = &calendar_ids;
    let answer = authorized(
        &state.auth,
        state.database.pool(),
        host_user_id,
        &[CALENDAR_READONLY],
        |token| async move { calendar.free_busy(&token, calendar_ids, range.start, range.end).await },
    )
    .await
    .map_err(|error| match error {
        GoogleCallError::NeedsReconnect | GoogleCallError::MissingScope => BusyError::NeedsReconnect,
        GoogleCallError::Database(error) => BusyError::Database(error),
        other => BusyError::Unavailable(other.to_string()),
    })?;
    if let Some((calendar_id, reason)) = answer.failed_calendars.first() {
        return Err(BusyError::Unavailable(format!("calendar {calendar_id}: {reason}")));
    }
    Ok(answer.busy.into_iter().map(|span| Interval::new(span.start, span.end)).collect())
}

/// The host's own confirmed bookings in `range`, as busy time.
async fn booked(state: &AppState, host_user_id: i64, range: Interval) -> Result<Vec<Interval>, DbError> {
    let bookings = bookings::overlapping(state.database.pool(), host_user_id, range.start, range.end).await?;
    Ok(bookings.into_iter().map(|booking| Interval::new(booking.starts_at, booking.ends_at)).collect())
}

/// Everything that blocks slots in `range`: from the cache for a page view,
/// asked afresh (`fresh`) for a booking.
pub async fn all_busy(
    state: &AppState,
    host_user_id: i64,
    settings: &HostSettings,
    range: Interval,
    fresh: bool,
) -> Result<Vec<Interval>, BusyError> {
    if fresh {
        fetch_all_busy(state, host_user_id, settings, range).await
    } else {
        cached_busy(state, host_user_id, settings, range).await
    }
}
