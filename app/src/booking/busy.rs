//! Busy time of a host: one `freebusy.query` over their chosen calendars plus
//! their BookMate bookings. A page view reads it from a cache shared by all
//! visitors, with one fetch in flight per host and range; a booking always
//! asks afresh.
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
    db::{bookings, google_connections::GoogleConnection, host_settings::HostSettings, DbError, DbPool},
    google::{GoogleCallError, GoogleClient},
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

impl From<GoogleCallError> for BusyError {
    fn from(error: GoogleCallError) -> Self {
        match error {
            GoogleCallError::NeedsReconnect | GoogleCallError::MissingScope => Self::NeedsReconnect,
            GoogleCallError::Database(error) => Self::Database(error),
            other => Self::Unavailable(other.to_string()),
        }
    }
}

/// Where busy times come from.
#[derive(Clone, Copy)]
pub struct Sources<'a> {
    pub google: &'a GoogleClient,
    pub db: &'a DbPool,
}

impl BusyCache {
    /// Everything that blocks slots in `range`, for a page view: from the
    /// cache when fresh. Concurrent visitors of the same host and range wait
    /// for one fetch.
    pub async fn get(
        &self,
        sources: Sources<'_>,
        host_user_id: i64,
        settings: &HostSettings,
        range: Interval,
    ) -> Result<Vec<Interval>, BusyError> {
        let entry = self.entry((host_user_id, range.start.timestamp(), range.end.timestamp()));
        let mut cached = entry.lock().await;
        if let Some((fetched, busy)) = cached.as_ref() {
            if fetched.elapsed() < TTL {
                return Ok(busy.clone());
            }
        }
        let connection = sources.google.connection(sources.db, host_user_id).await?;
        let busy = fresh(sources, &connection, settings, range).await?;
        *cached = Some((Instant::now(), busy.clone()));
        Ok(busy)
    }

    /// Forgets a host's busy times (a booking was made, settings changed).
    pub fn invalidate(&self, host_user_id: i64) {
        self.lock().retain(|(host, _, _), _| *host != host_user_id);
    }

    pub fn clear(&self) {
        self.lock().clear();
    }

    fn entry(&self, key: Key) -> Entry {
        self.lock().entry(key).or_default().clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Entry>> {
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Everything that blocks slots in `range`, asked for now: Google's busy
/// times over the host's chosen calendars, and the host's bookings. A
/// calendar Google could not answer for fails the whole answer.
pub async fn fresh(
    sources: Sources<'_>,
    host: &GoogleConnection,
    settings: &HostSettings,
    range: Interval,
) -> Result<Vec<Interval>, BusyError> {
    let answer = sources
        .google
        .free_busy(sources.db, host, &settings.busy_calendars(), range.start, range.end)
        .await?;
    if let Some((calendar_id, reason)) = answer.failed_calendars.first() {
        return Err(BusyError::Unavailable(format!("calendar {calendar_id}: {reason}")));
    }
    let mut busy: Vec<Interval> =
        answer.busy.into_iter().map(|span| Interval::new(span.start, span.end)).collect();
    let booked = bookings::overlapping(sources.db, host.user_id, range.start, range.end).await?;
    busy.extend(booked.into_iter().map(|booking| Interval::new(booking.starts_at, booking.ends_at)));
    Ok(busy)
}
