//! A booking's changes after it is made: cancelled or moved, each in one
//! transaction with the messages it sends and the work it owes Google, and
//! recorded for the history both parties see.
//!
//! A change names the version of the booking it was decided on (its
//! `sequence`): two changes decided on one version cannot both pass, so a
//! visitor moving a booking the host just cancelled is told it changed.

use chrono::{DateTime, Utc};

use super::{
    bookings::{begin_for_host, Booking, BookingError, BookingRow, DailyLimitCheck, Party, BOOKING_COLUMNS},
    daily_limits, from_db_time,
    google_jobs::{self, JobKind},
    outbox::{self, NewMessage},
    to_db_time, Backend, DbError, DbPool,
};

/// Why a change did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    /// Someone else changed the booking since it was read.
    #[error("the booking changed meanwhile")]
    Changed,
    /// Another booking took (part of) the new time first.
    #[error("that time was just taken")]
    Taken,
    #[error(transparent)]
    Database(#[from] DbError),
}

impl From<sqlx::Error> for ChangeError {
    fn from(error: sqlx::Error) -> Self {
        BookingError::from(error).into()
    }
}

impl From<BookingError> for ChangeError {
    fn from(error: BookingError) -> Self {
        match error {
            BookingError::Taken => Self::Taken,
            BookingError::Database(error) => Self::Database(error),
        }
    }
}

/// The change to an event in Google Calendar that goes with a change of
/// the booking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventChange {
    pub kind: JobKind,
    pub calendar_id: String,
    pub event_id: String,
}

/// What one change sends: mail through the outbox, or work for Google.
pub struct Effects<F: FnOnce(&Booking) -> Vec<NewMessage>> {
    pub mail: F,
    pub google: Option<EventChange>,
}

/// One entry of a booking's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    pub booking_id: i64,
    pub kind: ChangeKind,
    pub made_by: Party,
    pub from_starts_at: DateTime<Utc>,
    pub from_ends_at: DateTime<Utc>,
    pub reason: Option<String>,
    pub made_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Cancelled,
    Rescheduled,
}

impl ChangeKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Cancelled => "cancelled",
            Self::Rescheduled => "rescheduled",
        }
    }
}

#[derive(sqlx::FromRow)]
struct HistoryRow {
    booking_id: i64,
    kind: String,
    made_by: String,
    from_starts_at: i64,
    from_ends_at: i64,
    reason: Option<String>,
    made_at: i64,
}

impl TryFrom<HistoryRow> for HistoryEntry {
    type Error = DbError;

    fn try_from(row: HistoryRow) -> Result<Self, DbError> {
        Ok(Self {
            booking_id: row.booking_id,
            kind: match row.kind.as_str() {
                "cancelled" => ChangeKind::Cancelled,
                "rescheduled" => ChangeKind::Rescheduled,
                other => {
                    return Err(DbError::UnknownValue {
                        column: "booking_changes.kind",
                        value: other.to_owned(),
                    })
                }
            },
            made_by: Party::try_from(row.made_by.as_str())?,
            from_starts_at: from_db_time(row.from_starts_at),
            from_ends_at: from_db_time(row.from_ends_at),
            reason: row.reason,
            made_at: from_db_time(row.made_at),
        })
    }
}

/// Calls off `booking` as read (its `sequence`), with what that sends.
pub async fn cancel<F: FnOnce(&Booking) -> Vec<NewMessage>>(
    db: &DbPool,
    backend: Backend,
    booking: &Booking,
    by: Party,
    reason: Option<&str>,
    effects: Effects<F>,
    now: DateTime<Utc>,
) -> Result<Booking, ChangeError> {
    let mut transaction = begin_for_host(db, backend, booking.host_user_id).await?;
    let sql = format!(
        "update bookings set status = 'cancelled', sequence = sequence + 1, cancelled_at = $1, \
             cancelled_by = $2, cancel_reason = $3 \
         where booking_id = $4 and status = 'confirmed' and sequence = $5 returning {BOOKING_COLUMNS}"
    );
    let row: Option<BookingRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(to_db_time(now))
        .bind(by.as_str())
        .bind(reason)
        .bind(booking.booking_id)
        .bind(booking.sequence)
        .fetch_optional(&mut *transaction)
        .await?;
    let cancelled = Booking::try_from(row.ok_or(ChangeError::Changed)?)?;
    record(&mut transaction, booking, ChangeKind::Cancelled, by, reason, now).await?;
    send(&mut transaction, &cancelled, effects, now).await?;
    transaction.commit().await?;
    Ok(cancelled)
}

/// Moves `booking` as read to `[starts_at, ends_at)`, if no other confirmed
/// booking of the host overlaps `keeps_clear` (the new time with buffers)
/// and the host's daily limit, if any, still has room without it.
#[allow(clippy::too_many_arguments)]
pub async fn reschedule<F: FnOnce(&Booking) -> Vec<NewMessage>>(
    db: &DbPool,
    backend: Backend,
    booking: &Booking,
    by: Party,
    (starts_at, ends_at): (DateTime<Utc>, DateTime<Utc>),
    keeps_clear: (DateTime<Utc>, DateTime<Utc>),
    daily_limit: Option<&DailyLimitCheck>,
    effects: Effects<F>,
    now: DateTime<Utc>,
) -> Result<Booking, ChangeError> {
    let mut transaction = begin_for_host(db, backend, booking.host_user_id).await?;
    let overlapping: i64 = sqlx::query_scalar(
        "select count(*) from bookings where host_user_id = $1 and status = 'confirmed' \
         and booking_id <> $2 and starts_at < $3 and ends_at > $4",
    )
    .bind(booking.host_user_id)
    .bind(booking.booking_id)
    .bind(to_db_time(keeps_clear.1))
    .bind(to_db_time(keeps_clear.0))
    .fetch_one(&mut *transaction)
    .await?;
    if overlapping > 0 {
        return Err(ChangeError::Taken);
    }
    if let Some(check) = daily_limit {
        if !daily_limits::has_room(&mut transaction, booking.host_user_id, check, Some(booking.booking_id))
            .await?
        {
            return Err(ChangeError::Taken);
        }
    }
    let sql = format!(
        "update bookings set starts_at = $1, ends_at = $2, sequence = sequence + 1 \
         where booking_id = $3 and status = 'confirmed' and sequence = $4 returning {BOOKING_COLUMNS}"
    );
    let row: Option<BookingRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(to_db_time(starts_at))
        .bind(to_db_time(ends_at))
        .bind(booking.booking_id)
        .bind(booking.sequence)
        .fetch_optional(&mut *transaction)
        .await?;
    let moved = Booking::try_from(row.ok_or(ChangeError::Changed)?)?;
    record(&mut transaction, booking, ChangeKind::Rescheduled, by, None, now).await?;
    send(&mut transaction, &moved, effects, now).await?;
    transaction.commit().await?;
    Ok(moved)
}

async fn record(
    connection: &mut sqlx::AnyConnection,
    before: &Booking,
    kind: ChangeKind,
    by: Party,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    sqlx::query(
        "insert into booking_changes (booking_id, kind, made_by, from_starts_at, from_ends_at, reason, made_at) \
         values ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(before.booking_id)
    .bind(kind.as_str())
    .bind(by.as_str())
    .bind(to_db_time(before.starts_at))
    .bind(to_db_time(before.ends_at))
    .bind(reason)
    .bind(to_db_time(now))
    .execute(connection)
    .await?;
    Ok(())
}

async fn send<F: FnOnce(&Booking) -> Vec<NewMessage>>(
    connection: &mut sqlx::AnyConnection,
    changed: &Booking,
    effects: Effects<F>,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    for message in (effects.mail)(changed) {
        outbox::enqueue(&mut *connection, &message, now).await?;
    }
    if let Some(change) = effects.google {
        google_jobs::enqueue_change(
            &mut *connection,
            changed.booking_id,
            change.kind,
            &change.calendar_id,
            &change.event_id,
            now,
        )
        .await?;
    }
    Ok(())
}

/// A booking's history, oldest first.
pub async fn history(db: &DbPool, booking_id: i64) -> Result<Vec<HistoryEntry>, DbError> {
    let rows: Vec<HistoryRow> = sqlx::query_as(
        "select booking_id, kind, made_by, from_starts_at, from_ends_at, reason, made_at \
         from booking_changes where booking_id = $1 order by made_at, change_id",
    )
    .bind(booking_id)
    .fetch_all(db)
    .await?;
    rows.into_iter().map(HistoryEntry::try_from).collect()
}

/// The host's most recent changes, newest first, with the bookings they
/// changed.
pub async fn recent_for_host(
    db: &DbPool,
    host_user_id: i64,
    limit: i64,
) -> Result<Vec<(HistoryEntry, Booking)>, DbError> {
    let rows: Vec<HistoryRow> = sqlx::query_as(
        "select c.booking_id, c.kind, c.made_by, c.from_starts_at, c.from_ends_at, c.reason, c.made_at \
         from booking_changes c join bookings b on b.booking_id = c.booking_id \
         where b.host_user_id = $1 order by c.made_at desc, c.change_id desc limit $2",
    )
    .bind(host_user_id)
    .bind(limit)
    .fetch_all(db)
    .await?;
    let mut entries = Vec::with_capacity(rows.len());
    for row in rows {
        let entry = HistoryEntry::try_from(row)?;
        if let Some(booking) = super::bookings::find_by_id(db, entry.booking_id).await? {
            entries.push((entry, booking));
        }
    }
    Ok(entries)
}
