//! Busy time of a host: one `freebusy.query` over their chosen calendars plus
//! their BookMate bookings. A page view reads it from a cache shared by all
//! visitors, one entry per host and month whatever the visitor's zone, with
//! one fetch in flight per entry; a booking always asks afresh.
//!
//! Fails closed: without an answer from Google there is no busy time, and so
//! no free slot, rather than a guess.

use std::{fmt, sync::Arc, time::Duration};

use chrono::{DateTime, NaiveDate, Utc};
use scheduling::{Interval, Meeting};

use crate::{
    db::{
        bookings::{self, DailyLimitCheck},
        google_connections::GoogleConnection,
        host_settings::HostSettings,
        DbError, DbPool,
    },
    google::{GoogleCallError, GoogleClient, Purpose},
};

/// Long enough that a burst of visitors costs one Google call, short enough
/// that an event added in Google Calendar shows within a minute.
pub const TTL: Duration = Duration::from_secs(60);
/// A failed answer is kept too, briefly: the page fails closed, and a
/// failing Google is not asked again by every visitor at once.
pub const FAILURE_TTL: Duration = Duration::from_secs(10);
/// Hosts times months: far more than one server's hosts look at at once.
const MAX_ENTRIES: u64 = 20_000;
/// Every zone's day starts within this of UTC's (UTC−12 to UTC+14), so one
/// fetch per month in UTC, widened by it, serves visitors in every zone.
const WIDEST_OFFSET: chrono::Duration = chrono::Duration::hours(15);

/// One host's month.
type Key = (i64, NaiveDate);
type Fetched = Result<Arc<BusyTimes>, Refusal>;

/// What stands in a host's way: Google's busy times over the chosen
/// calendars, and the host's BookMate meetings (which a daily limit counts,
/// and which Google may not know yet).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BusyTimes {
    pub google: Vec<Interval>,
    pub meetings: Vec<Meeting>,
}

impl BusyTimes {
    pub fn all(&self) -> Vec<Interval> {
        self.google.iter().copied().chain(self.meetings.iter().map(|meeting| meeting.span)).collect()
    }

    /// With `hole` cut out: a booking being moved is not busy against
    /// itself, in Google (its event, or its accepted invite) or here.
    pub fn without(&self, hole: Interval) -> Self {
        Self {
            google: scheduling::busy_without(&self.google, hole),
            // Bookings never overlap: only the one being moved meets the hole.
            meetings: self.meetings.iter().copied().filter(|meeting| !meeting.span.overlaps(&hole)).collect(),
        }
    }

    /// The daily limits of `rules` for `slot`, to be checked again where the
    /// booking is written, against the meetings as they are then; `None`
    /// without a limit.
    pub fn daily_limit_check(
        &self,
        rules: scheduling::BookingRules,
        time_zone: chrono_tz::Tz,
        slot: Interval,
        window: Interval,
    ) -> Option<DailyLimitCheck> {
        if !rules.has_daily_limit() {
            return None;
        }
        let google = self.google.clone();
        Some(DailyLimitCheck {
            window: (window.start, window.end),
            fits: Arc::new(move |meetings| {
                scheduling::fits_daily_limits(&rules, time_zone, slot, &google, meetings)
            }),
        })
    }

    /// The free slots of `host` starting in `range`, against these times.
    pub fn free_slots(
        &self,
        host: &scheduling::Host<'_>,
        now: DateTime<Utc>,
        range: Interval,
    ) -> Vec<Interval> {
        scheduling::free_slots(host, now, range, &self.all(), &self.meetings)
    }
}

/// Why there are no busy times, as kept for [`FAILURE_TTL`].
#[derive(Debug, Clone)]
enum Refusal {
    NeedsReconnect,
    Unavailable(Arc<str>),
}

pub struct BusyCache {
    entries: moka::future::Cache<Key, Fetched>,
}

impl Default for BusyCache {
    fn default() -> Self {
        Self {
            entries: moka::future::Cache::builder()
                .max_capacity(MAX_ENTRIES)
                .expire_after(KeepFailuresBriefly)
                .support_invalidation_closures()
                .build(),
        }
    }
}

impl fmt::Debug for BusyCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BusyCache").field("months", &self.entries.entry_count()).finish()
    }
}

struct KeepFailuresBriefly;

impl moka::Expiry<Key, Fetched> for KeepFailuresBriefly {
    fn expire_after_create(&self, _: &Key, fetched: &Fetched, _: std::time::Instant) -> Option<Duration> {
        Some(if fetched.is_ok() { TTL } else { FAILURE_TTL })
    }
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

/// What one fetch for `month` covers: the month in every zone.
pub fn month_range(month: NaiveDate) -> Interval {
    let first = month.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    let next = month.checked_add_months(chrono::Months::new(1)).unwrap_or(month);
    let next = next.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
    Interval::new(first - WIDEST_OFFSET, next + WIDEST_OFFSET)
}

impl BusyCache {
    /// Everything that blocks slots in the month starting `month` (the
    /// first, in any zone), for a page view: from the cache when fresh.
    /// Concurrent visitors of the same host and month wait for one fetch.
    /// A database failure is an error, not kept; Google's refusals are kept
    /// for [`FAILURE_TTL`].
    pub async fn get(
        &self,
        sources: Sources<'_>,
        host_user_id: i64,
        settings: &HostSettings,
        month: NaiveDate,
    ) -> Result<Arc<BusyTimes>, BusyError> {
        let fetch = async {
            let connection = match sources.google.connection(sources.db, host_user_id).await {
                Ok(connection) => connection,
                Err(error) => return refusal(error.into()),
            };
            match fresh(sources, &connection, settings, month_range(month), None, &Purpose::ShowFreeTimes)
                .await
            {
                Ok(busy) => Ok(Ok(Arc::new(busy))),
                Err(error) => refusal(error),
            }
        };
        match self.entries.try_get_with((host_user_id, month), fetch).await {
            Ok(Ok(busy)) => Ok(busy),
            Ok(Err(Refusal::NeedsReconnect)) => Err(BusyError::NeedsReconnect),
            Ok(Err(Refusal::Unavailable(detail))) => Err(BusyError::Unavailable(detail.to_string())),
            Err(shared) => {
                tracing::error!(error = %shared, host_user_id, "database error while reading busy times");
                Err(BusyError::Unavailable("the database did not answer".to_owned()))
            }
        }
    }

    /// Forgets a host's busy times (a booking was made, settings changed).
    pub fn invalidate(&self, host_user_id: i64) {
        if self.entries.invalidate_entries_if(move |(host, _), _| *host == host_user_id).is_err() {
            self.clear();
        }
    }

    pub fn clear(&self) {
        self.entries.invalidate_all();
    }
}

/// A failure to keep briefly, or a database error not to keep at all.
fn refusal(error: BusyError) -> Result<Fetched, DbError> {
    match error {
        BusyError::NeedsReconnect => Ok(Err(Refusal::NeedsReconnect)),
        BusyError::Unavailable(detail) => Ok(Err(Refusal::Unavailable(detail.into()))),
        BusyError::Database(error) => Err(error),
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
    ignoring: Option<Interval>,
    purpose: &Purpose,
) -> Result<BusyTimes, BusyError> {
    let calendars = settings.busy_calendars();
    // A host who chose no calendar has no busy time in Google to ask for.
    let google = if calendars.is_empty() {
        Vec::new()
    } else {
        let answer =
            sources.google.free_busy(sources.db, host, purpose, &calendars, range.start, range.end).await?;
        if let Some((calendar_id, reason)) = answer.failed_calendars.first() {
            return Err(BusyError::Unavailable(format!("calendar {calendar_id}: {reason}")));
        }
        answer.busy.into_iter().map(|span| Interval::new(span.start, span.end)).collect()
    };
    let booked = bookings::overlapping(sources.db, host.user_id, range.start, range.end).await?;
    let meetings = booked
        .into_iter()
        .map(|booking| Meeting {
            span: Interval::new(booking.starts_at, booking.ends_at),
            meeting_type: booking.meeting_type_id,
        })
        .collect();
    let busy = BusyTimes { google, meetings };
    Ok(match ignoring {
        Some(hole) => busy.without(hole),
        None => busy,
    })
}
