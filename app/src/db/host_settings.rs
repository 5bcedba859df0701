//! How each host takes bookings: availability, meeting rules, the calendars
//! that count as busy, and direct booking.

use chrono::{DateTime, Utc};
use scheduling::WeeklyAvailability;

use super::{to_db_time, DbError, DbPool};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostSettings {
    pub availability: WeeklyAvailability,
    pub meeting_minutes: i64,
    pub buffer_before_minutes: i64,
    pub buffer_after_minutes: i64,
    pub minimum_notice_minutes: i64,
    pub horizon_days: i64,
    pub busy_calendar_ids: Vec<String>,
    pub direct_booking_calendar_id: Option<String>,
    pub pending_direct_booking_calendar_id: Option<String>,
    /// How late before a booking's start its visitor may still cancel or
    /// move it; 0: until the start.
    pub change_cutoff_minutes: i64,
}

impl HostSettings {
    /// The meeting rules the slot engine applies.
    pub fn rules(&self) -> scheduling::BookingRules {
        use chrono::Duration;
        scheduling::BookingRules {
            meeting_length: Duration::minutes(self.meeting_minutes),
            buffer_before: Duration::minutes(self.buffer_before_minutes),
            buffer_after: Duration::minutes(self.buffer_after_minutes),
            minimum_notice: Duration::minutes(self.minimum_notice_minutes),
            horizon: Duration::days(self.horizon_days),
        }
    }

    /// The calendars whose events count as busy: the primary one unless the
    /// host chose.
    pub fn busy_calendars(&self) -> Vec<String> {
        if self.busy_calendar_ids.is_empty() {
            vec!["primary".to_owned()]
        } else {
            self.busy_calendar_ids.clone()
        }
    }

    /// What a new host starts from: weekdays 09:00–17:00, 30-minute
    /// meetings, four hours' notice, two months ahead.
    pub fn defaults() -> Self {
        use chrono::Weekday::{Fri, Mon, Thu, Tue, Wed};
        Self {
            availability: WeeklyAvailability::uniform(
                &[Mon, Tue, Wed, Thu, Fri],
                &[scheduling::LocalInterval::hm(9, 0, 17, 0)],
            )
            .expect("the default hours are valid"),
            meeting_minutes: 30,
            buffer_before_minutes: 0,
            buffer_after_minutes: 0,
            minimum_notice_minutes: 240,
            horizon_days: 60,
            busy_calendar_ids: Vec::new(),
            direct_booking_calendar_id: None,
            pending_direct_booking_calendar_id: None,
            change_cutoff_minutes: 0,
        }
    }
}

#[derive(sqlx::FromRow)]
struct HostSettingsRow {
    availability_json: String,
    meeting_minutes: i64,
    buffer_before_minutes: i64,
    buffer_after_minutes: i64,
    minimum_notice_minutes: i64,
    horizon_days: i64,
    busy_calendar_ids_json: String,
    direct_booking_calendar_id: Option<String>,
    pending_direct_booking_calendar_id: Option<String>,
    change_cutoff_minutes: i64,
}

pub async fn find(db: &DbPool, user_id: i64) -> Result<Option<HostSettings>, DbError> {
    let row: Option<HostSettingsRow> = sqlx::query_as(
        "select availability_json, meeting_minutes, buffer_before_minutes, buffer_after_minutes, \
                minimum_notice_minutes, horizon_days, busy_calendar_ids_json, direct_booking_calendar_id, \
                pending_direct_booking_calendar_id, change_cutoff_minutes \
         from host_settings where user_id = $1",
    )
    .bind(user_id)
    .fetch_optional(db)
    .await?;
    row.map(|row| {
        Ok(HostSettings {
            availability: serde_json::from_str(&row.availability_json).map_err(DbError::Corrupt)?,
            meeting_minutes: row.meeting_minutes,
            buffer_before_minutes: row.buffer_before_minutes,
            buffer_after_minutes: row.buffer_after_minutes,
            minimum_notice_minutes: row.minimum_notice_minutes,
            horizon_days: row.horizon_days,
            busy_calendar_ids: serde_json::from_str(&row.busy_calendar_ids_json).map_err(DbError::Corrupt)?,
            direct_booking_calendar_id: row.direct_booking_calendar_id,
            pending_direct_booking_calendar_id: row.pending_direct_booking_calendar_id,
            change_cutoff_minutes: row.change_cutoff_minutes,
        })
    })
    .transpose()
}

/// Writes the whole row; callers read, change what the host changed, save.
pub async fn save(
    db: &DbPool,
    user_id: i64,
    settings: &HostSettings,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    let availability_json = serde_json::to_string(&settings.availability).map_err(DbError::Corrupt)?;
    let busy_calendar_ids_json =
        serde_json::to_string(&settings.busy_calendar_ids).map_err(DbError::Corrupt)?;
    sqlx::query(
        "insert into host_settings (user_id, availability_json, meeting_minutes, buffer_before_minutes, \
             buffer_after_minutes, minimum_notice_minutes, horizon_days, busy_calendar_ids_json, \
             direct_booking_calendar_id, pending_direct_booking_calendar_id, change_cutoff_minutes, updated_at) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
         on conflict (user_id) do update set availability_json = excluded.availability_json, \
             meeting_minutes = excluded.meeting_minutes, buffer_before_minutes = excluded.buffer_before_minutes, \
             buffer_after_minutes = excluded.buffer_after_minutes, \
             minimum_notice_minutes = excluded.minimum_notice_minutes, horizon_days = excluded.horizon_days, \
             busy_calendar_ids_json = excluded.busy_calendar_ids_json, \
             direct_booking_calendar_id = excluded.direct_booking_calendar_id, \
             pending_direct_booking_calendar_id = excluded.pending_direct_booking_calendar_id, \
             change_cutoff_minutes = excluded.change_cutoff_minutes, updated_at = excluded.updated_at",
    )
    .bind(user_id)
    .bind(availability_json)
    .bind(settings.meeting_minutes)
    .bind(settings.buffer_before_minutes)
    .bind(settings.buffer_after_minutes)
    .bind(settings.minimum_notice_minutes)
    .bind(settings.horizon_days)
    .bind(busy_calendar_ids_json)
    .bind(&settings.direct_booking_calendar_id)
    .bind(&settings.pending_direct_booking_calendar_id)
    .bind(settings.change_cutoff_minutes)
    .bind(to_db_time(now))
    .execute(db)
    .await?;
    Ok(())
}
