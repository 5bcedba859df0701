//! How each host takes bookings: availability (weekly, and by date), meeting
//! rules, the calendars that count as busy, and direct booking.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use scheduling::{DateOverrides, WeeklyAvailability};

use super::{date_overrides, to_db_time, DbError, DbPool};

/// The meeting type every host starts with (and every host had before
/// types): it follows these settings as they are.
pub const FIRST_TYPE_SLUG: &str = "meeting";
pub const FIRST_TYPE_TITLE: &str = "Meeting";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostSettings {
    pub availability: WeeklyAvailability,
    pub meeting_minutes: i64,
    pub buffer_before_minutes: i64,
    pub buffer_after_minutes: i64,
    pub minimum_notice_minutes: i64,
    pub horizon_days: i64,
    pub busy_calendar_ids: Vec<String>,
    /// False until the host saves a choice of busy calendars: the primary
    /// calendar counts until then.
    pub busy_calendars_chosen: bool,
    pub direct_booking_calendar_id: Option<String>,
    pub pending_direct_booking_calendar_id: Option<String>,
    /// How late before a booking's start its visitor may still cancel or
    /// move it; 0: until the start.
    pub change_cutoff_minutes: i64,
    /// Start times this far apart; `None`: one meeting's length.
    pub slot_interval_minutes: Option<i64>,
    pub daily_limit_meetings: Option<i64>,
    pub daily_limit_minutes: Option<i64>,
    /// Every busy minute counts toward `daily_limit_minutes`, not only
    /// BookMate's meetings.
    pub daily_limit_counts_all_busy: bool,
    /// Hours by date, from `date_overrides` (read with the row, saved apart).
    pub overrides: DateOverrides,
}

impl HostSettings {
    /// The meeting rules the slot engine applies.
    pub fn rules(&self) -> scheduling::BookingRules {
        use chrono::Duration;
        scheduling::BookingRules {
            meeting_length: Duration::minutes(self.meeting_minutes),
            slot_interval: Duration::minutes(self.slot_interval_minutes.unwrap_or(self.meeting_minutes)),
            daily_limit: scheduling::DailyLimit {
                meetings: self.daily_limit_meetings.and_then(|most| u32::try_from(most).ok()),
                minutes: self.daily_limit_minutes.and_then(|most| u32::try_from(most).ok()),
                counts_all_busy_time: self.daily_limit_counts_all_busy,
            },
            type_limit: None,
            buffer_before: Duration::minutes(self.buffer_before_minutes),
            buffer_after: Duration::minutes(self.buffer_after_minutes),
            minimum_notice: Duration::minutes(self.minimum_notice_minutes),
            horizon: Duration::days(self.horizon_days),
        }
    }

    /// The host as the slot engine sees them, on their clock.
    pub fn engine(&self, time_zone: Tz) -> scheduling::Host<'_> {
        scheduling::Host {
            availability: &self.availability,
            overrides: &self.overrides,
            time_zone,
            rules: self.rules(),
        }
    }

    /// The calendars whose events count as busy: the primary one until the
    /// host chose (then possibly none).
    pub fn busy_calendars(&self) -> Vec<String> {
        if self.busy_calendars_chosen {
            self.busy_calendar_ids.clone()
        } else {
            vec!["primary".to_owned()]
        }
    }

    /// Some hours to book: weekly ones, or on some date.
    pub fn takes_bookings(&self) -> bool {
        !self.availability.is_empty() || self.overrides.has_hours()
    }

    pub fn has_daily_limit(&self) -> bool {
        self.daily_limit_meetings.is_some() || self.daily_limit_minutes.is_some()
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
            busy_calendars_chosen: false,
            direct_booking_calendar_id: None,
            pending_direct_booking_calendar_id: None,
            change_cutoff_minutes: 0,
            slot_interval_minutes: None,
            daily_limit_meetings: None,
            daily_limit_minutes: None,
            daily_limit_counts_all_busy: false,
            overrides: DateOverrides::none(),
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
    slot_interval_minutes: Option<i64>,
    daily_limit_meetings: Option<i64>,
    daily_limit_minutes: Option<i64>,
    daily_limit_counts_all_busy: i64,
    busy_calendars_chosen: i64,
}

pub async fn find(db: &DbPool, user_id: i64) -> Result<Option<HostSettings>, DbError> {
    let row: Option<HostSettingsRow> = sqlx::query_as(
        "select availability_json, meeting_minutes, buffer_before_minutes, buffer_after_minutes, \
                minimum_notice_minutes, horizon_days, busy_calendar_ids_json, direct_booking_calendar_id, \
                pending_direct_booking_calendar_id, change_cutoff_minutes, slot_interval_minutes, \
                daily_limit_meetings, daily_limit_minutes, daily_limit_counts_all_busy, busy_calendars_chosen \
         from host_settings where user_id = $1",
    )
    .bind(user_id)
    .fetch_optional(db)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let overrides = date_overrides::engine_overrides(db, user_id).await?;
    Ok(Some(HostSettings {
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
        slot_interval_minutes: row.slot_interval_minutes,
        daily_limit_meetings: row.daily_limit_meetings,
        daily_limit_minutes: row.daily_limit_minutes,
        daily_limit_counts_all_busy: row.daily_limit_counts_all_busy != 0,
        busy_calendars_chosen: row.busy_calendars_chosen != 0,
        overrides,
    }))
}

/// Writes the whole row; callers read, change what the host changed, save.
/// A host's first save also gives them their first meeting type.
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
             direct_booking_calendar_id, pending_direct_booking_calendar_id, change_cutoff_minutes, updated_at, \
             slot_interval_minutes, daily_limit_meetings, daily_limit_minutes, daily_limit_counts_all_busy, \
             busy_calendars_chosen) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) \
         on conflict (user_id) do update set availability_json = excluded.availability_json, \
             meeting_minutes = excluded.meeting_minutes, buffer_before_minutes = excluded.buffer_before_minutes, \
             buffer_after_minutes = excluded.buffer_after_minutes, \
             minimum_notice_minutes = excluded.minimum_notice_minutes, horizon_days = excluded.horizon_days, \
             busy_calendar_ids_json = excluded.busy_calendar_ids_json, \
             direct_booking_calendar_id = excluded.direct_booking_calendar_id, \
             pending_direct_booking_calendar_id = excluded.pending_direct_booking_calendar_id, \
             change_cutoff_minutes = excluded.change_cutoff_minutes, updated_at = excluded.updated_at, \
             slot_interval_minutes = excluded.slot_interval_minutes, \
             daily_limit_meetings = excluded.daily_limit_meetings, \
             daily_limit_minutes = excluded.daily_limit_minutes, \
             daily_limit_counts_all_busy = excluded.daily_limit_counts_all_busy, \
             busy_calendars_chosen = excluded.busy_calendars_chosen",
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
    .bind(settings.slot_interval_minutes)
    .bind(settings.daily_limit_meetings)
    .bind(settings.daily_limit_minutes)
    .bind(i64::from(settings.daily_limit_counts_all_busy))
    .bind(i64::from(settings.busy_calendars_chosen))
    .execute(db)
    .await?;
    // Every host with settings offers at least one meeting type.
    sqlx::query(
        "insert into meeting_types (user_id, slug, title, created_at, updated_at) \
         select $1, $2, $3, $4, $4 where not exists (select 1 from meeting_types where user_id = $1)",
    )
    .bind(user_id)
    .bind(FIRST_TYPE_SLUG)
    .bind(FIRST_TYPE_TITLE)
    .bind(to_db_time(now))
    .execute(db)
    .await?;
    Ok(())
}
