//! Bookings: created inside one transaction that re-checks the slot, so two
//! visitors racing for one time get exactly one booking.

use chrono::{DateTime, Utc};

use crate::questions::Answer;

pub use super::{conferences::Conference, daily_limits::DailyLimitCheck};
use super::{from_db_time, to_db_time, Backend, DbError, DbPool};
use crate::db::{
    daily_limits,
    google_jobs::{self, NewGoogleJob},
    outbox::{self, NewMessage},
};

#[derive(Debug, Clone)]
pub struct NewBooking {
    pub host_user_id: i64,
    pub uid: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub visitor_name: String,
    pub visitor_email: String,
    pub visitor_time_zone: String,
    pub note: String,
    pub delivery: Delivery,
    /// The time the booking keeps clear of other bookings: the meeting with
    /// the host's buffers before and after. Checked, not stored.
    pub keeps_clear: (DateTime<Utc>, DateTime<Utc>),
    /// For a direct booking: the insert owed to Google, queued with it.
    pub google_job: Option<NewGoogleJob>,
    /// The host's daily limit, checked again under the host's lock.
    pub daily_limit: Option<DailyLimitCheck>,
    pub meeting_type_id: Option<i64>,
    pub location: Option<String>,
    /// `Some(Requested)` when Google Meet is asked for with the insert.
    pub conference: Option<Conference>,
    pub answers: Vec<Answer>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// BookMate emails both parties an invite.
    Email,
    /// The event goes into the host's Google calendar; Google invites.
    Google,
}

impl Delivery {
    fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Google => "google",
        }
    }
}

/// Who made a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Party {
    Visitor,
    Host,
}

impl Party {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Visitor => "visitor",
            Self::Host => "host",
        }
    }
}

impl TryFrom<&str> for Party {
    type Error = DbError;

    fn try_from(text: &str) -> Result<Self, DbError> {
        match text {
            "visitor" => Ok(Self::Visitor),
            "host" => Ok(Self::Host),
            other => Err(DbError::UnknownValue { column: "made_by", value: other.to_owned() }),
        }
    }
}

/// A booking called off: by whom, when, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cancellation {
    pub by: Party,
    pub at: DateTime<Utc>,
    pub reason: Option<String>,
}

impl TryFrom<&str> for Delivery {
    type Error = DbError;

    /// A value this version does not know fails loudly: read as email, a
    /// direct booking would be invited twice.
    fn try_from(text: &str) -> Result<Self, DbError> {
        match text {
            "email" => Ok(Self::Email),
            "google" => Ok(Self::Google),
            other => Err(DbError::UnknownValue { column: "bookings.delivery", value: other.to_owned() }),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booking {
    pub booking_id: i64,
    pub host_user_id: i64,
    pub uid: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub visitor_name: String,
    pub visitor_email: String,
    pub visitor_time_zone: String,
    pub note: String,
    pub delivery: Delivery,
    pub google_event_id: Option<String>,
    /// As Google answered the insert; the invites' UID when set.
    pub google_ical_uid: Option<String>,
    pub created_at: DateTime<Utc>,
    /// Raised by every change; the invites' `SEQUENCE`.
    pub sequence: i64,
    /// `None` while the booking stands.
    pub cancellation: Option<Cancellation>,
    /// The meeting type it was booked as; `None` once that type is deleted.
    pub meeting_type_id: Option<i64>,
    /// Where it happens, in words a calendar shows; for Google Meet, the link
    /// once Google made it.
    pub location: Option<String>,
    /// For Google Meet only: how far Google is with the conference.
    pub conference: Option<Conference>,
    /// The visitor's answers to the type's questions.
    pub answers: Vec<Answer>,
}

impl Booking {
    pub fn is_cancelled(&self) -> bool {
        self.cancellation.is_some()
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct BookingRow {
    booking_id: i64,
    host_user_id: i64,
    uid: String,
    starts_at: i64,
    ends_at: i64,
    visitor_name: String,
    visitor_email: String,
    visitor_time_zone: String,
    note: String,
    delivery: String,
    google_event_id: Option<String>,
    google_ical_uid: Option<String>,
    created_at: i64,
    sequence: i64,
    status: String,
    cancelled_at: Option<i64>,
    cancelled_by: Option<String>,
    cancel_reason: Option<String>,
    meeting_type_id: Option<i64>,
    location: Option<String>,
    conference: Option<String>,
    answers_json: String,
}

impl TryFrom<BookingRow> for Booking {
    type Error = DbError;

    fn try_from(row: BookingRow) -> Result<Self, DbError> {
        Ok(Self {
            booking_id: row.booking_id,
            host_user_id: row.host_user_id,
            uid: row.uid,
            starts_at: from_db_time(row.starts_at),
            ends_at: from_db_time(row.ends_at),
            visitor_name: row.visitor_name,
            visitor_email: row.visitor_email,
            visitor_time_zone: row.visitor_time_zone,
            note: row.note,
            delivery: Delivery::try_from(row.delivery.as_str())?,
            google_event_id: row.google_event_id,
            google_ical_uid: row.google_ical_uid,
            created_at: from_db_time(row.created_at),
            sequence: row.sequence,
            meeting_type_id: row.meeting_type_id,
            location: row.location,
            conference: row.conference.as_deref().map(Conference::try_from).transpose()?,
            answers: serde_json::from_str(&row.answers_json).map_err(DbError::Corrupt)?,
            cancellation: match row.status.as_str() {
                "confirmed" => None,
                "cancelled" => Some(Cancellation {
                    by: Party::try_from(row.cancelled_by.as_deref().unwrap_or_default())?,
                    at: from_db_time(row.cancelled_at.unwrap_or(row.created_at)),
                    reason: row.cancel_reason,
                }),
                other => {
                    return Err(DbError::UnknownValue { column: "bookings.status", value: other.to_owned() })
                }
            },
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BookingError {
    /// Someone else booked an overlapping time first.
    #[error("that time was just taken")]
    Taken,
    #[error(transparent)]
    Database(#[from] DbError),
}

impl From<sqlx::Error> for BookingError {
    fn from(error: sqlx::Error) -> Self {
        match &error {
            sqlx::Error::Database(database) if database.is_unique_violation() => Self::Taken,
            // SQLITE_BUSY_SNAPSHOT: another writer committed between our read
            // and our write, so what we read may be stale.
            sqlx::Error::Database(database) if database.code().as_deref() == Some("517") => Self::Taken,
            _ => Self::Database(DbError::Sqlx(error)),
        }
    }
}

pub(super) const BOOKING_COLUMNS: &str =
    "booking_id, host_user_id, uid, starts_at, ends_at, visitor_name, visitor_email, \
                               visitor_time_zone, note, delivery, google_event_id, google_ical_uid, created_at, \
                               sequence, status, cancelled_at, cancelled_by, cancel_reason, meeting_type_id, \
                               location, conference, answers_json";

/// Records the booking, with the mail `mail` writes about it and the work
/// it owes Google, only if no confirmed booking of the host overlaps the
/// time it keeps clear (its buffers included); all in one transaction.
pub async fn create(
    db: &DbPool,
    backend: Backend,
    booking: &NewBooking,
    mail: impl FnOnce(&Booking) -> Vec<NewMessage>,
    now: DateTime<Utc>,
) -> Result<Booking, BookingError> {
    let mut transaction = begin_for_host(db, backend, booking.host_user_id).await?;
    let overlapping: i64 = sqlx::query_scalar(
        "select count(*) from bookings where host_user_id = $1 and status = 'confirmed' \
         and starts_at < $2 and ends_at > $3",
    )
    .bind(booking.host_user_id)
    .bind(to_db_time(booking.keeps_clear.1))
    .bind(to_db_time(booking.keeps_clear.0))
    .fetch_one(&mut *transaction)
    .await?;
    if overlapping > 0 {
        return Err(BookingError::Taken);
    }
    if let Some(check) = &booking.daily_limit {
        if !daily_limits::has_room(&mut transaction, booking.host_user_id, check, None).await? {
            return Err(BookingError::Taken);
        }
    }
    let sql = format!(
        "insert into bookings (host_user_id, uid, starts_at, ends_at, visitor_name, visitor_email, \
             visitor_time_zone, note, delivery, created_at, meeting_type_id, location, conference, answers_json) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) returning {BOOKING_COLUMNS}"
    );
    let row: BookingRow = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(booking.host_user_id)
        .bind(&booking.uid)
        .bind(to_db_time(booking.starts_at))
        .bind(to_db_time(booking.ends_at))
        .bind(&booking.visitor_name)
        .bind(&booking.visitor_email)
        .bind(&booking.visitor_time_zone)
        .bind(&booking.note)
        .bind(booking.delivery.as_str())
        .bind(to_db_time(now))
        .bind(booking.meeting_type_id)
        .bind(&booking.location)
        .bind(booking.conference.map(Conference::as_str))
        .bind(serde_json::to_string(&booking.answers).map_err(DbError::Corrupt)?)
        .fetch_one(&mut *transaction)
        .await?;
    let created = Booking::try_from(row)?;
    for message in &mail(&created) {
        outbox::enqueue(&mut *transaction, message, now).await?;
    }
    if let Some(job) = &booking.google_job {
        google_jobs::enqueue(&mut *transaction, created.booking_id, job, now).await?;
    }
    transaction.commit().await?;
    Ok(created)
}

/// A transaction in which nobody else books, moves or cancels this host's
/// bookings: what it reads of them stays true until it commits.
pub(super) async fn begin_for_host(
    db: &DbPool,
    backend: Backend,
    host_user_id: i64,
) -> Result<sqlx::Transaction<'static, sqlx::Any>, BookingError> {
    Ok(match backend {
        // Take the write lock before reading, so concurrent bookings queue on
        // the busy timeout instead of failing to upgrade a read lock.
        Backend::Sqlite => db.begin_with("begin immediate").await.map_err(DbError::from)?,
        Backend::Postgres => {
            let mut transaction = db.begin().await.map_err(DbError::from)?;
            // One change per host at a time.
            sqlx::query("select pg_advisory_xact_lock($1)")
                .bind(host_user_id)
                .execute(&mut *transaction)
                .await?;
            transaction
        }
    })
}

/// Confirmed bookings of a host that overlap `[from, to)`: busy time that
/// Google may not know about yet.
pub async fn overlapping(
    db: &DbPool,
    host_user_id: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Booking>, DbError> {
    let sql = format!(
        "select {BOOKING_COLUMNS} from bookings where host_user_id = $1 and status = 'confirmed' \
         and starts_at < $2 and ends_at > $3 order by starts_at"
    );
    let rows: Vec<BookingRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(host_user_id)
        .bind(to_db_time(to))
        .bind(to_db_time(from))
        .fetch_all(db)
        .await?;
    rows.into_iter().map(Booking::try_from).collect()
}

pub async fn find_by_id(db: &DbPool, booking_id: i64) -> Result<Option<Booking>, DbError> {
    let sql = format!("select {BOOKING_COLUMNS} from bookings where booking_id = $1");
    let row: Option<BookingRow> =
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(booking_id).fetch_optional(db).await?;
    row.map(Booking::try_from).transpose()
}

pub async fn find_by_uid(db: &DbPool, uid: &str) -> Result<Option<Booking>, DbError> {
    let sql = format!("select {BOOKING_COLUMNS} from bookings where uid = $1");
    let row: Option<BookingRow> =
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(uid).fetch_optional(db).await?;
    row.map(Booking::try_from).transpose()
}

/// The host's confirmed bookings that have not ended by `now`, soonest first.
pub async fn upcoming(
    db: &DbPool,
    host_user_id: i64,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<Booking>, DbError> {
    let sql = format!(
        "select {BOOKING_COLUMNS} from bookings where host_user_id = $1 and status = 'confirmed' \
         and ends_at > $2 order by starts_at limit $3"
    );
    let rows: Vec<BookingRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(host_user_id)
        .bind(to_db_time(now))
        .bind(limit)
        .fetch_all(db)
        .await?;
    rows.into_iter().map(Booking::try_from).collect()
}
