//! A host's daily limit as the data layer re-checks it, under the host's
//! lock, when a booking is made or moved.

use std::{fmt, sync::Arc};

use chrono::{DateTime, Utc};
use scheduling::{Interval, Meeting};

use super::{from_db_time, to_db_time};

/// A daily limit as the data layer re-checks it: inside the transaction that
/// books or moves, against the host's confirmed bookings in `window` as they
/// stand then (so concurrent bookings cannot together pass the limit).
#[derive(Clone)]
pub struct DailyLimitCheck {
    pub window: (DateTime<Utc>, DateTime<Utc>),
    /// Given the other meetings in `window`, whether the new time still fits.
    pub fits: Arc<FitsDailyLimit>,
}

pub type FitsDailyLimit = dyn Fn(&[Meeting]) -> bool + Send + Sync;

impl fmt::Debug for DailyLimitCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DailyLimitCheck").field("window", &self.window).finish_non_exhaustive()
    }
}

/// Whether the confirmed bookings of the check's window, but `except`,
/// leave room for another meeting that day.
pub(super) async fn has_room(
    transaction: &mut sqlx::Transaction<'static, sqlx::Any>,
    host_user_id: i64,
    check: &DailyLimitCheck,
    except: Option<i64>,
) -> Result<bool, sqlx::Error> {
    let spans: Vec<(i64, i64, Option<i64>)> = sqlx::query_as(
        "select starts_at, ends_at, meeting_type_id from bookings where host_user_id = $1 and status = 'confirmed' \
         and starts_at < $2 and ends_at > $3 and booking_id <> $4",
    )
    .bind(host_user_id)
    .bind(to_db_time(check.window.1))
    .bind(to_db_time(check.window.0))
    .bind(except.unwrap_or(-1))
    .fetch_all(&mut **transaction)
    .await?;
    let meetings: Vec<Meeting> = spans
        .into_iter()
        .map(|(start, end, meeting_type)| Meeting {
            span: Interval::new(from_db_time(start), from_db_time(end)),
            meeting_type,
        })
        .collect();
    Ok((check.fits)(&meetings))
}
