//! Work owed to Google for a booking, kept in the database until done, so
//! that no crash between a booking's commit and Google's answer loses it.

use chrono::{DateTime, Utc};

use super::{
    from_db_time,
    outbox::{self, NewMessage},
    to_db_time, DbError, DbPool,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewGoogleJob {
    pub calendar_id: String,
    pub event_id: String,
    /// The booking request makes the first attempt at once: no worker takes
    /// the job before this.
    pub claimed_until: DateTime<Utc>,
}

/// What a job asks of Google. A booking's jobs run in the order they were
/// queued: its event is inserted before it is moved, moved before it is
/// deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// `events.insert` of a new direct booking.
    InsertEvent,
    /// `events.patch`: the event to the booking's current time.
    PatchEvent,
    /// `events.delete`: the booking was cancelled.
    DeleteEvent,
    /// `events.get`: the Meet link Google was still making when it inserted
    /// the event. Later jobs of the booking do not wait for it.
    LookUpConference,
}

impl JobKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::InsertEvent => INSERT_EVENT,
            Self::PatchEvent => "patch_event",
            Self::DeleteEvent => "delete_event",
            Self::LookUpConference => LOOK_UP_CONFERENCE,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoogleJob {
    pub job_id: i64,
    pub booking_id: i64,
    pub kind: JobKind,
    pub calendar_id: String,
    pub event_id: String,
    /// Attempts started so far, this one included once claimed.
    pub attempts: i64,
    /// Since when it waits for the host to reconnect Google, if it does.
    pub waiting_for_reconnect_since: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct JobRow {
    job_id: i64,
    booking_id: i64,
    kind: String,
    calendar_id: String,
    event_id: String,
    attempts: i64,
    waiting_for_reconnect_since: Option<i64>,
}

impl TryFrom<JobRow> for GoogleJob {
    type Error = DbError;

    fn try_from(row: JobRow) -> Result<Self, DbError> {
        let kind = match row.kind.as_str() {
            INSERT_EVENT => JobKind::InsertEvent,
            "patch_event" => JobKind::PatchEvent,
            "delete_event" => JobKind::DeleteEvent,
            LOOK_UP_CONFERENCE => JobKind::LookUpConference,
            _ => return Err(DbError::UnknownValue { column: "google_jobs.kind", value: row.kind }),
        };
        Ok(Self {
            job_id: row.job_id,
            booking_id: row.booking_id,
            kind,
            calendar_id: row.calendar_id,
            event_id: row.event_id,
            attempts: row.attempts,
            waiting_for_reconnect_since: row.waiting_for_reconnect_since.map(from_db_time),
        })
    }
}

const INSERT_EVENT: &str = "insert_event";
const LOOK_UP_CONFERENCE: &str = "look_up_conference";
const JOB_COLUMNS: &str =
    "job_id, booking_id, kind, calendar_id, event_id, attempts, waiting_for_reconnect_since";

/// Queues the insert of a booking's event inside the booking's transaction,
/// already claimed (and its first attempt counted) by the request that made
/// it.
pub async fn enqueue<'e, E>(
    executor: E,
    booking_id: i64,
    job: &NewGoogleJob,
    now: DateTime<Utc>,
) -> Result<GoogleJob, DbError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let sql = format!(
        "insert into google_jobs (booking_id, kind, calendar_id, event_id, attempts, next_attempt_at, created_at) \
         values ($1, $2, $3, $4, 1, $5, $6) returning {JOB_COLUMNS}"
    );
    let row: JobRow = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(booking_id)
        .bind(INSERT_EVENT)
        .bind(&job.calendar_id)
        .bind(&job.event_id)
        .bind(to_db_time(job.claimed_until))
        .bind(to_db_time(now))
        .fetch_one(executor)
        .await?;
    GoogleJob::try_from(row)
}

/// Queues a change of a booking's event (a move or a delete) inside the
/// change's own transaction, for the worker to take up at once.
pub async fn enqueue_change<'e, E>(
    executor: E,
    booking_id: i64,
    kind: JobKind,
    calendar_id: &str,
    event_id: &str,
    now: DateTime<Utc>,
) -> Result<(), DbError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    enqueue_at(executor, booking_id, kind, calendar_id, event_id, now, now).await
}

/// Queues a look-up of the Meet link Google was still making, for the
/// worker to take up at `at`.
pub async fn enqueue_conference_lookup(
    db: &DbPool,
    booking_id: i64,
    calendar_id: &str,
    event_id: &str,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    enqueue_at(db, booking_id, JobKind::LookUpConference, calendar_id, event_id, at, now).await
}

async fn enqueue_at<'e, E>(
    executor: E,
    booking_id: i64,
    kind: JobKind,
    calendar_id: &str,
    event_id: &str,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), DbError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    sqlx::query(
        "insert into google_jobs (booking_id, kind, calendar_id, event_id, attempts, next_attempt_at, created_at) \
         values ($1, $2, $3, $4, 0, $5, $6)",
    )
    .bind(booking_id)
    .bind(kind.as_str())
    .bind(calendar_id)
    .bind(event_id)
    .bind(to_db_time(at))
    .bind(to_db_time(now))
    .execute(executor)
    .await?;
    Ok(())
}

/// The insert a booking owed Google, done or not.
pub async fn for_booking(db: &DbPool, booking_id: i64) -> Result<Option<GoogleJob>, DbError> {
    let sql =
        format!("select {JOB_COLUMNS} from google_jobs where booking_id = $1 and kind = 'insert_event'");
    let row: Option<JobRow> =
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(booking_id).fetch_optional(db).await?;
    row.map(GoogleJob::try_from).transpose()
}

/// Jobs not done whose time has come (never attempted, or claimed by a
/// process that did not finish), oldest first; a job waits while an older
/// one of its booking is not done, but for a look-up of its Meet link.
pub async fn due(db: &DbPool, now: DateTime<Utc>, limit: i64) -> Result<Vec<GoogleJob>, DbError> {
    let sql = format!(
        "select {JOB_COLUMNS} from google_jobs where done_at is null and next_attempt_at <= $1 \
         and not exists (select 1 from google_jobs as earlier where earlier.booking_id = google_jobs.booking_id \
             and earlier.job_id < google_jobs.job_id and earlier.done_at is null and earlier.kind <> $3) \
         order by job_id limit $2"
    );
    let rows: Vec<JobRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(to_db_time(now))
        .bind(limit)
        .bind(LOOK_UP_CONFERENCE)
        .fetch_all(db)
        .await?;
    rows.into_iter().map(GoogleJob::try_from).collect()
}

/// Takes a due job until `until`, counting the attempt; false when another
/// process took it first.
pub async fn claim(
    db: &DbPool,
    job_id: i64,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<bool, DbError> {
    let result = sqlx::query(
        "update google_jobs set next_attempt_at = $1, attempts = attempts + 1 \
         where job_id = $2 and done_at is null and next_attempt_at <= $3",
    )
    .bind(to_db_time(until))
    .bind(job_id)
    .bind(to_db_time(now))
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Google has the event: the booking remembers it, and the job is done.
pub async fn finish_in_google(
    db: &DbPool,
    job: &GoogleJob,
    ical_uid: &str,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    let mut transaction = db.begin().await?;
    sqlx::query("update bookings set google_event_id = $1, google_ical_uid = $2 where booking_id = $3")
        .bind(&job.event_id)
        .bind(ical_uid)
        .bind(job.booking_id)
        .execute(&mut *transaction)
        .await?;
    mark_done(&mut transaction, job.job_id, now, None).await?;
    transaction.commit().await?;
    Ok(())
}

/// Google will not take the event: the invitations go by email instead,
/// queued with the change, and the job is done.
pub async fn finish_by_email(
    db: &DbPool,
    job: &GoogleJob,
    mail: &[NewMessage],
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    let mut transaction = db.begin().await?;
    sqlx::query("update bookings set delivery = 'email' where booking_id = $1")
        .bind(job.booking_id)
        .execute(&mut *transaction)
        .await?;
    for message in mail {
        outbox::enqueue(&mut *transaction, message, now).await?;
    }
    mark_done(&mut transaction, job.job_id, now, Some(reason)).await?;
    transaction.commit().await?;
    Ok(())
}

/// Google failed for now: the job waits until `at`, its claim given up.
pub async fn retry_later(
    db: &DbPool,
    job: &GoogleJob,
    at: DateTime<Utc>,
    error: &str,
) -> Result<(), DbError> {
    sqlx::query(
        "update google_jobs set next_attempt_at = $1, last_error = $2 where job_id = $3 and done_at is null",
    )
    .bind(to_db_time(at))
    .bind(error)
    .bind(job.job_id)
    .execute(db)
    .await?;
    Ok(())
}

/// The host must reconnect Google first: the job waits until `until` (or a
/// reconnect, [`wake_for_host`]), its claim given up and this attempt not
/// counted, since Google was never asked.
pub async fn wait_for_reconnect(
    db: &DbPool,
    job: &GoogleJob,
    until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    sqlx::query(
        "update google_jobs set next_attempt_at = $1, attempts = attempts - 1, \
             waiting_for_reconnect_since = coalesce(waiting_for_reconnect_since, $2), \
             last_error = 'waiting for the host to reconnect Google' \
         where job_id = $3 and done_at is null",
    )
    .bind(to_db_time(until))
    .bind(to_db_time(now))
    .bind(job.job_id)
    .execute(db)
    .await?;
    Ok(())
}

/// The host reconnected: every job of theirs that waited for it is due now.
/// Returns how many.
pub async fn wake_for_host(db: &DbPool, host_user_id: i64, now: DateTime<Utc>) -> Result<u64, DbError> {
    let woken = sqlx::query(
        "update google_jobs set next_attempt_at = $1, waiting_for_reconnect_since = null \
         where done_at is null and waiting_for_reconnect_since is not null \
           and booking_id in (select booking_id from bookings where host_user_id = $2)",
    )
    .bind(to_db_time(now))
    .bind(host_user_id)
    .execute(db)
    .await?;
    Ok(woken.rows_affected())
}

/// Whether BookMate still owes Google a change of the booking's event (a
/// look-up of its Meet link changes nothing).
pub async fn has_open_job(db: &DbPool, booking_id: i64) -> Result<bool, DbError> {
    let open: i64 = sqlx::query_scalar(
        "select count(*) from google_jobs where booking_id = $1 and done_at is null and kind <> $2",
    )
    .bind(booking_id)
    .bind(LOOK_UP_CONFERENCE)
    .fetch_one(db)
    .await?;
    Ok(open > 0)
}

/// Google did what a change asked (or a look-up is over).
pub async fn finish_change_in_google(
    db: &DbPool,
    job: &GoogleJob,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    let mut connection = db.acquire().await?;
    mark_done(&mut connection, job.job_id, now, None).await
}

/// The booking went away before Google was asked: nothing is owed.
pub async fn abandon(db: &DbPool, job: &GoogleJob, now: DateTime<Utc>) -> Result<(), DbError> {
    let mut connection = db.acquire().await?;
    mark_done(&mut connection, job.job_id, now, Some("the booking is gone")).await
}

async fn mark_done(
    connection: &mut sqlx::AnyConnection,
    job_id: i64,
    now: DateTime<Utc>,
    last_error: Option<&str>,
) -> Result<(), DbError> {
    sqlx::query("update google_jobs set done_at = $1, last_error = $2 where job_id = $3")
        .bind(to_db_time(now))
        .bind(last_error)
        .bind(job_id)
        .execute(connection)
        .await?;
    Ok(())
}
