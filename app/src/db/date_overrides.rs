//! A host's hours that change by date: one row per entry the host made.

use chrono::{DateTime, NaiveDate, Utc};
use scheduling::{DateOverride, DateOverrides, LocalInterval};

use super::{to_db_time, DbError, DbPool};

/// An entry as stored, with the id the settings page removes it by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredOverride {
    pub override_id: i64,
    pub entry: DateOverride,
}

#[derive(sqlx::FromRow)]
struct OverrideRow {
    override_id: i64,
    first_day: String,
    last_day: String,
    hours_json: String,
}

impl TryFrom<OverrideRow> for StoredOverride {
    type Error = DbError;

    fn try_from(row: OverrideRow) -> Result<Self, DbError> {
        let day = |text: &str, column: &'static str| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map_err(|_| DbError::UnknownValue { column, value: text.to_owned() })
        };
        let hours: Vec<LocalInterval> = serde_json::from_str(&row.hours_json).map_err(DbError::Corrupt)?;
        Ok(Self {
            override_id: row.override_id,
            entry: DateOverride {
                first_day: day(&row.first_day, "date_overrides.first_day")?,
                last_day: day(&row.last_day, "date_overrides.last_day")?,
                hours,
            },
        })
    }
}

/// Every entry of the host, earliest first.
pub async fn for_host(db: &DbPool, user_id: i64) -> Result<Vec<StoredOverride>, DbError> {
    let rows: Vec<OverrideRow> = sqlx::query_as(
        "select override_id, first_day, last_day, hours_json from date_overrides \
         where user_id = $1 order by first_day, override_id",
    )
    .bind(user_id)
    .fetch_all(db)
    .await?;
    rows.into_iter().map(StoredOverride::try_from).collect()
}

/// The host's entries as the slot engine reads them. Entries were checked
/// together when added, so a failure here is a corrupt table.
pub async fn engine_overrides(db: &DbPool, user_id: i64) -> Result<DateOverrides, DbError> {
    let stored = for_host(db, user_id).await?;
    DateOverrides::new(stored.into_iter().map(|stored| stored.entry))
        .map_err(|error| DbError::UnknownValue { column: "date_overrides", value: error.to_string() })
}

/// Adds a checked entry unless one of the host's entries shares a date
/// with it (`None`), in one statement, so no two entries ever overlap.
pub async fn add(
    db: &DbPool,
    user_id: i64,
    entry: &DateOverride,
    now: DateTime<Utc>,
) -> Result<Option<i64>, DbError> {
    let hours_json = serde_json::to_string(&entry.hours).map_err(DbError::Corrupt)?;
    // ISO dates compare as text in date order.
    let id: Option<i64> = sqlx::query_scalar(
        "insert into date_overrides (user_id, first_day, last_day, hours_json, created_at) \
         select $1, $2, $3, $4, $5 where not exists (select 1 from date_overrides \
             where user_id = $1 and first_day <= $3 and last_day >= $2) \
         returning override_id",
    )
    .bind(user_id)
    .bind(entry.first_day.format("%Y-%m-%d").to_string())
    .bind(entry.last_day.format("%Y-%m-%d").to_string())
    .bind(hours_json)
    .bind(to_db_time(now))
    .fetch_optional(db)
    .await?;
    Ok(id)
}

/// Removes one of the host's entries; another host's id removes nothing.
pub async fn remove(db: &DbPool, user_id: i64, override_id: i64) -> Result<bool, DbError> {
    let done = sqlx::query("delete from date_overrides where user_id = $1 and override_id = $2")
        .bind(user_id)
        .bind(override_id)
        .execute(db)
        .await?;
    Ok(done.rows_affected() > 0)
}
