//! Following Google Calendar: whether a host turned it on, and the state of
//! each calendar BookMate reads for changes (Google's sync token, when it
//! was read and is due again, the claim of the process reading it).

use chrono::{DateTime, Utc};

use super::{from_db_time, to_db_time, DbError, DbPool};

/// A host's choice. All false until they make one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Following {
    pub enabled: bool,
    /// Turned on, waiting for Google's consent to the scope it needs.
    pub pending: bool,
    /// A change found in Google Calendar is applied (and the visitor told)
    /// without asking the host first.
    pub apply_without_asking: bool,
}

pub async fn find(db: &DbPool, user_id: i64) -> Result<Following, DbError> {
    let row: Option<(i64, i64, i64)> = sqlx::query_as(
        "select enabled, pending, apply_without_asking from calendar_following where user_id = $1",
    )
    .bind(user_id)
    .fetch_optional(db)
    .await?;
    Ok(row.map_or_else(Following::default, |(enabled, pending, apply_without_asking)| Following {
        enabled: enabled != 0,
        pending: pending != 0,
        apply_without_asking: apply_without_asking != 0,
    }))
}

pub async fn save(
    db: &DbPool,
    user_id: i64,
    following: Following,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    sqlx::query(
        "insert into calendar_following (user_id, enabled, pending, apply_without_asking, updated_at) \
         values ($1, $2, $3, $4, $5) \
         on conflict (user_id) do update set enabled = excluded.enabled, pending = excluded.pending, \
             apply_without_asking = excluded.apply_without_asking, updated_at = excluded.updated_at",
    )
    .bind(user_id)
    .bind(i64::from(following.enabled))
    .bind(i64::from(following.pending))
    .bind(i64::from(following.apply_without_asking))
    .bind(to_db_time(now))
    .execute(db)
    .await?;
    Ok(())
}

/// One calendar BookMate reads for a host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowedCalendar {
    pub user_id: i64,
    pub calendar_id: String,
    /// `None`: the next read is a full one.
    pub sync_token: Option<String>,
    pub last_synced_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct CalendarRow {
    user_id: i64,
    calendar_id: String,
    sync_token: Option<String>,
    last_synced_at: Option<i64>,
}

impl From<CalendarRow> for FollowedCalendar {
    fn from(row: CalendarRow) -> Self {
        Self {
            user_id: row.user_id,
            calendar_id: row.calendar_id,
            sync_token: row.sync_token,
            last_synced_at: row.last_synced_at.map(from_db_time),
        }
    }
}

/// Follows exactly `calendar_ids` for the host: new ones are due at once,
/// ones no longer wanted are forgotten (with their sync tokens).
pub async fn set_calendars(
    db: &DbPool,
    user_id: i64,
    calendar_ids: &[String],
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    let mut transaction = db.begin().await?;
    let held: Vec<String> =
        sqlx::query_scalar("select calendar_id from followed_calendars where user_id = $1")
            .bind(user_id)
            .fetch_all(&mut *transaction)
            .await?;
    for gone in held.iter().filter(|held| !calendar_ids.contains(held)) {
        sqlx::query("delete from followed_calendars where user_id = $1 and calendar_id = $2")
            .bind(user_id)
            .bind(gone)
            .execute(&mut *transaction)
            .await?;
    }
    for new in calendar_ids.iter().filter(|wanted| !held.contains(wanted)) {
        sqlx::query(
            "insert into followed_calendars (user_id, calendar_id, next_sync_at) values ($1, $2, $3)",
        )
        .bind(user_id)
        .bind(new)
        .bind(to_db_time(now))
        .execute(&mut *transaction)
        .await?;
    }
    transaction.commit().await?;
    Ok(())
}

pub async fn calendars(db: &DbPool, user_id: i64) -> Result<Vec<FollowedCalendar>, DbError> {
    let rows: Vec<CalendarRow> = sqlx::query_as(
        "select user_id, calendar_id, sync_token, last_synced_at from followed_calendars \
         where user_id = $1 order by calendar_id",
    )
    .bind(user_id)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(FollowedCalendar::from).collect())
}

/// Calendars due to be read, of hosts who follow, not being read now.
pub async fn due(db: &DbPool, now: DateTime<Utc>, limit: i64) -> Result<Vec<FollowedCalendar>, DbError> {
    let rows: Vec<CalendarRow> = sqlx::query_as(
        "select user_id, calendar_id, sync_token, last_synced_at from followed_calendars \
         where next_sync_at <= $1 and coalesce(syncing_until, 0) < $1 \
           and user_id in (select user_id from calendar_following where enabled = 1) \
         order by next_sync_at limit $2",
    )
    .bind(to_db_time(now))
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(FollowedCalendar::from).collect())
}

/// Takes a calendar to read until `until`: when it is due (`on_schedule`),
/// or else when its last read is at least `gap` old. False when another
/// process reads it, or it is not time.
pub async fn claim(
    db: &DbPool,
    calendar: &FollowedCalendar,
    on_schedule: bool,
    gap: chrono::Duration,
    (now, until): (DateTime<Utc>, DateTime<Utc>),
) -> Result<bool, DbError> {
    let claimed = sqlx::query(
        "update followed_calendars set syncing_until = $1 \
         where user_id = $2 and calendar_id = $5 and coalesce(syncing_until, 0) < $3 \
           and (($6 = 1 and next_sync_at <= $3) or ($6 = 0 and coalesce(last_synced_at, 0) <= $4))",
    )
    .bind(to_db_time(until))
    .bind(calendar.user_id)
    .bind(to_db_time(now))
    .bind(to_db_time(now - gap))
    .bind(&calendar.calendar_id)
    .bind(i64::from(on_schedule))
    .execute(db)
    .await?;
    Ok(claimed.rows_affected() == 1)
}

/// A read ended: Google's new sync token (`None`: read it whole next time),
/// and when it is due again.
pub async fn finish(
    db: &DbPool,
    calendar: &FollowedCalendar,
    sync_token: Option<&str>,
    read: bool,
    (now, next): (DateTime<Utc>, DateTime<Utc>),
) -> Result<(), DbError> {
    sqlx::query(
        "update followed_calendars set sync_token = $1, syncing_until = null, next_sync_at = $2, \
             last_synced_at = case when $3 = 1 then $4 else last_synced_at end \
         where user_id = $5 and calendar_id = $6",
    )
    .bind(sync_token)
    .bind(to_db_time(next))
    .bind(i64::from(read))
    .bind(to_db_time(now))
    .bind(calendar.user_id)
    .bind(&calendar.calendar_id)
    .execute(db)
    .await?;
    Ok(())
}
