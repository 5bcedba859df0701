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
    pub channel: ChannelState,
}

/// Google's push channel for the calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChannelState {
    None,
    Open(Channel),
    /// Opening one failed: not tried again before then.
    FailedUntil(DateTime<Utc>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    pub id: String,
    /// Secret; Google sends it back with each notification.
    pub token: String,
    pub resource_id: String,
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct CalendarRow {
    user_id: i64,
    calendar_id: String,
    sync_token: Option<String>,
    last_synced_at: Option<i64>,
    channel_id: Option<String>,
    channel_token: Option<String>,
    channel_resource_id: Option<String>,
    channel_expires_at: Option<i64>,
}

impl From<CalendarRow> for FollowedCalendar {
    fn from(row: CalendarRow) -> Self {
        let channel =
            match (row.channel_id, row.channel_token, row.channel_resource_id, row.channel_expires_at) {
                (Some(id), Some(token), Some(resource_id), expires_at) => ChannelState::Open(Channel {
                    id,
                    token,
                    resource_id,
                    expires_at: expires_at.map(from_db_time),
                }),
                (None, _, _, Some(until)) => ChannelState::FailedUntil(from_db_time(until)),
                _ => ChannelState::None,
            };
        Self {
            user_id: row.user_id,
            calendar_id: row.calendar_id,
            sync_token: row.sync_token,
            last_synced_at: row.last_synced_at.map(from_db_time),
            channel,
        }
    }
}

const CALENDAR_COLUMNS: &str = "user_id, calendar_id, sync_token, last_synced_at, \
     channel_id, channel_token, channel_resource_id, channel_expires_at";

/// Follows exactly `calendar_ids` for the host: new ones are due at once,
/// ones no longer wanted are forgotten (with their sync tokens) and
/// returned, so that their channels can be closed.
pub async fn set_calendars(
    db: &DbPool,
    user_id: i64,
    calendar_ids: &[String],
    now: DateTime<Utc>,
) -> Result<Vec<FollowedCalendar>, DbError> {
    let mut transaction = db.begin().await?;
    let sql = format!("select {CALENDAR_COLUMNS} from followed_calendars where user_id = $1");
    let held: Vec<FollowedCalendar> = sqlx::query_as::<_, CalendarRow>(sqlx::AssertSqlSafe(sql))
        .bind(user_id)
        .fetch_all(&mut *transaction)
        .await?
        .into_iter()
        .map(FollowedCalendar::from)
        .collect();
    let gone: Vec<FollowedCalendar> =
        held.iter().filter(|held| !calendar_ids.contains(&held.calendar_id)).cloned().collect();
    for calendar in &gone {
        sqlx::query("delete from followed_calendars where user_id = $1 and calendar_id = $2")
            .bind(user_id)
            .bind(&calendar.calendar_id)
            .execute(&mut *transaction)
            .await?;
    }
    let held_ids: Vec<&str> = held.iter().map(|held| held.calendar_id.as_str()).collect();
    for new in calendar_ids.iter().filter(|wanted| !held_ids.contains(&wanted.as_str())) {
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
    Ok(gone)
}

pub async fn calendars(db: &DbPool, user_id: i64) -> Result<Vec<FollowedCalendar>, DbError> {
    let sql =
        format!("select {CALENDAR_COLUMNS} from followed_calendars where user_id = $1 order by calendar_id");
    let rows: Vec<CalendarRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(user_id).fetch_all(db).await?;
    Ok(rows.into_iter().map(FollowedCalendar::from).collect())
}

/// Calendars due to be read, of hosts who follow, not being read now.
pub async fn due(db: &DbPool, now: DateTime<Utc>, limit: i64) -> Result<Vec<FollowedCalendar>, DbError> {
    let sql = format!(
        "select {CALENDAR_COLUMNS} from followed_calendars \
         where next_sync_at <= $1 and coalesce(syncing_until, 0) < $1 \
           and user_id in (select user_id from calendar_following where enabled = 1) \
         order by next_sync_at limit $2"
    );
    let rows: Vec<CalendarRow> =
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(to_db_time(now)).bind(limit).fetch_all(db).await?;
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

/// Records the calendar's push channel: one Google opened, a failure to
/// open one (not tried again before `until`), or none.
pub async fn save_channel(
    db: &DbPool,
    calendar: &FollowedCalendar,
    channel: &ChannelState,
) -> Result<(), DbError> {
    let (id, token, resource_id, expires_at) = match channel {
        ChannelState::Open(channel) => (
            Some(channel.id.as_str()),
            Some(channel.token.as_str()),
            Some(channel.resource_id.as_str()),
            channel.expires_at.map(to_db_time),
        ),
        ChannelState::FailedUntil(until) => (None, None, None, Some(to_db_time(*until))),
        ChannelState::None => (None, None, None, None),
    };
    sqlx::query(
        "update followed_calendars set channel_id = $1, channel_token = $2, channel_resource_id = $3, \
             channel_expires_at = $4 where user_id = $5 and calendar_id = $6",
    )
    .bind(id)
    .bind(token)
    .bind(resource_id)
    .bind(expires_at)
    .bind(calendar.user_id)
    .bind(&calendar.calendar_id)
    .execute(db)
    .await?;
    Ok(())
}

/// The calendar a push channel belongs to.
pub async fn by_channel(db: &DbPool, channel_id: &str) -> Result<Option<FollowedCalendar>, DbError> {
    let sql = format!("select {CALENDAR_COLUMNS} from followed_calendars where channel_id = $1");
    let row: Option<CalendarRow> =
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(channel_id).fetch_optional(db).await?;
    Ok(row.map(FollowedCalendar::from))
}

/// Makes the calendar due at `at`, if it was due later.
pub async fn due_by(db: &DbPool, calendar: &FollowedCalendar, at: DateTime<Utc>) -> Result<(), DbError> {
    sqlx::query(
        "update followed_calendars set next_sync_at = $1 \
         where user_id = $2 and calendar_id = $3 and next_sync_at > $1",
    )
    .bind(to_db_time(at))
    .bind(calendar.user_id)
    .bind(&calendar.calendar_id)
    .execute(db)
    .await?;
    Ok(())
}
