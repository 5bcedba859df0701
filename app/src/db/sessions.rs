//! Server-side sessions: a row per signed-in browser, found by the digest of
//! the cookie's token, ended by sign-out, inactivity or age.

use chrono::{DateTime, Duration, Utc};

use super::{from_db_time, to_db_time, DbError, DbPool};

/// A session unused this long ends.
pub const IDLE_TIMEOUT: Duration = Duration::days(7);
/// A session ends this long after sign-in, however busy.
pub const ABSOLUTE_TIMEOUT: Duration = Duration::days(30);
/// `last_seen_at` is written at most this often, so reads stay reads.
const TOUCH_INTERVAL: Duration = Duration::minutes(5);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user_id: i64,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    user_id: i64,
    created_at: i64,
    last_seen_at: i64,
}

pub async fn create(db: &DbPool, digest: &str, user_id: i64, now: DateTime<Utc>) -> Result<(), DbError> {
    sqlx::query(
        "insert into sessions (session_digest, user_id, created_at, last_seen_at) values ($1, $2, $3, $3)",
    )
    .bind(digest)
    .bind(user_id)
    .bind(to_db_time(now))
    .execute(db)
    .await?;
    Ok(())
}

/// The live session for a token digest, if any. An expired one is deleted
/// on the way, and a live one is marked as seen.
pub async fn find_live(db: &DbPool, digest: &str, now: DateTime<Utc>) -> Result<Option<Session>, DbError> {
    let row: Option<SessionRow> =
        sqlx::query_as("select user_id, created_at, last_seen_at from sessions where session_digest = $1")
            .bind(digest)
            .fetch_optional(db)
            .await?;
    let Some(row) = row else { return Ok(None) };
    let session = Session {
        user_id: row.user_id,
        created_at: from_db_time(row.created_at),
        last_seen_at: from_db_time(row.last_seen_at),
    };
    if now - session.last_seen_at > IDLE_TIMEOUT || now - session.created_at > ABSOLUTE_TIMEOUT {
        delete(db, digest).await?;
        return Ok(None);
    }
    if now - session.last_seen_at > TOUCH_INTERVAL {
        sqlx::query("update sessions set last_seen_at = $1 where session_digest = $2")
            .bind(to_db_time(now))
            .bind(digest)
            .execute(db)
            .await?;
    }
    Ok(Some(session))
}

pub async fn delete(db: &DbPool, digest: &str) -> Result<(), DbError> {
    sqlx::query("delete from sessions where session_digest = $1").bind(digest).execute(db).await?;
    Ok(())
}

/// Ends every session of a host (account deletion, disconnect).
pub async fn delete_all_for_user(db: &DbPool, user_id: i64) -> Result<(), DbError> {
    sqlx::query("delete from sessions where user_id = $1").bind(user_id).execute(db).await?;
    Ok(())
}
