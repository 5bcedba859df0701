//! Outgoing mail, queued in the database and sent by a worker.

use chrono::{DateTime, Utc};

use super::{from_db_time, to_db_time, DbError, DbPool};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub calendar_ics: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    pub message_id: i64,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub calendar_ics: Option<String>,
    pub attempts: i64,
    pub sent_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct OutboxRow {
    message_id: i64,
    recipient: String,
    subject: String,
    body_text: String,
    calendar_ics: Option<String>,
    attempts: i64,
    sent_at: Option<i64>,
    last_error: Option<String>,
    created_at: i64,
}

impl From<OutboxRow> for OutboxMessage {
    fn from(row: OutboxRow) -> Self {
        Self {
            message_id: row.message_id,
            recipient: row.recipient,
            subject: row.subject,
            body_text: row.body_text,
            calendar_ics: row.calendar_ics,
            attempts: row.attempts,
            sent_at: row.sent_at.map(from_db_time),
            last_error: row.last_error,
            created_at: from_db_time(row.created_at),
        }
    }
}

/// Queues a message, due at once. Takes any executor so that callers can
/// queue mail inside the transaction that makes it necessary.
pub async fn enqueue<'e, E>(executor: E, message: &NewMessage, now: DateTime<Utc>) -> Result<i64, DbError>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let message_id: i64 = sqlx::query_scalar(
        "insert into outbox_messages \
             (recipient, subject, body_text, calendar_ics, next_attempt_at, created_at) \
         values ($1, $2, $3, $4, $5, $5) returning message_id",
    )
    .bind(&message.recipient)
    .bind(&message.subject)
    .bind(&message.body_text)
    .bind(&message.calendar_ics)
    .bind(to_db_time(now))
    .fetch_one(executor)
    .await?;
    Ok(message_id)
}

/// The newest messages first, for the development mailbox.
pub async fn recent(db: &DbPool, limit: i64) -> Result<Vec<OutboxMessage>, DbError> {
    let rows: Vec<OutboxRow> = sqlx::query_as(
        "select message_id, recipient, subject, body_text, calendar_ics, attempts, sent_at, \
                last_error, created_at \
         from outbox_messages order by message_id desc limit $1",
    )
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(OutboxMessage::from).collect())
}

/// Unsent messages whose time has come, oldest first.
pub async fn due(db: &DbPool, now: DateTime<Utc>, limit: i64) -> Result<Vec<OutboxMessage>, DbError> {
    let rows: Vec<OutboxRow> = sqlx::query_as(
        "select message_id, recipient, subject, body_text, calendar_ics, attempts, sent_at, last_error, created_at \
         from outbox_messages where sent_at is null and next_attempt_at <= $1 order by message_id limit $2",
    )
    .bind(to_db_time(now))
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(OutboxMessage::from).collect())
}

/// Takes a due message for sending until `until`, so that another process
/// sharing the database does not send it too; false when another took it
/// first. A process that dies mid-send leaves it to be tried again then.
pub async fn claim(
    db: &DbPool,
    message_id: i64,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<bool, DbError> {
    let result = sqlx::query(
        "update outbox_messages set next_attempt_at = $1 \
         where message_id = $2 and sent_at is null and next_attempt_at <= $3",
    )
    .bind(to_db_time(until))
    .bind(message_id)
    .bind(to_db_time(now))
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}

pub async fn mark_sent(db: &DbPool, message_id: i64, now: DateTime<Utc>) -> Result<(), DbError> {
    sqlx::query("update outbox_messages set sent_at = $1, attempts = attempts + 1, last_error = null where message_id = $2")
        .bind(to_db_time(now))
        .bind(message_id)
        .execute(db)
        .await?;
    Ok(())
}

/// The message stays queued; it is tried again at `next_attempt_at`.
pub async fn mark_failed(
    db: &DbPool,
    message_id: i64,
    next_attempt_at: DateTime<Utc>,
    error: &str,
) -> Result<(), DbError> {
    sqlx::query(
        "update outbox_messages set attempts = attempts + 1, next_attempt_at = $1, last_error = $2 \
         where message_id = $3",
    )
    .bind(to_db_time(next_attempt_at))
    .bind(error)
    .bind(message_id)
    .execute(db)
    .await?;
    Ok(())
}
