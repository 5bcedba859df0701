//! A host's meeting types: what they offer (a 15-minute intro, a 60-minute
//! consultation), each booked at `/{username}/{slug}`. A type's rules left
//! unset follow the host's settings, which are every type's defaults
//! (`type_rules.rs` says how).

use chrono::{DateTime, Utc};
use scheduling::WeeklyAvailability;

use crate::{place::Place, questions::Question};

use super::{
    host_settings::{FIRST_TYPE_SLUG, FIRST_TYPE_TITLE},
    to_db_time, DbError, DbPool,
};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingType {
    pub type_id: i64,
    pub user_id: i64,
    pub position: i64,
    pub fields: MeetingTypeFields,
}

/// What a host sets for a type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingTypeFields {
    pub slug: String,
    pub title: String,
    pub description: String,
    /// Lengths a visitor chooses from, in minutes, the first preselected;
    /// empty: the host's meeting length.
    pub lengths: Vec<i64>,
    pub slot_interval_minutes: Option<i64>,
    pub buffer_before_minutes: Option<i64>,
    pub buffer_after_minutes: Option<i64>,
    pub minimum_notice_minutes: Option<i64>,
    pub horizon_days: Option<i64>,
    /// Weekly hours of its own; `None`: the host's.
    pub availability: Option<WeeklyAvailability>,
    pub colour: String,
    /// On `/{username}`; otherwise secret, reachable only by its link.
    pub listed: bool,
    pub place: Place,
    pub questions: Vec<Question>,
    /// The answers go into the Google event's description too.
    pub answers_in_event: bool,
    /// Its own daily limits (0: none); `None`: the host's.
    pub daily_limit_meetings: Option<i64>,
    pub daily_limit_minutes: Option<i64>,
}

impl MeetingTypeFields {
    /// The type every host starts with: the host's settings, as they are.
    pub fn first() -> Self {
        Self {
            slug: FIRST_TYPE_SLUG.to_owned(),
            title: FIRST_TYPE_TITLE.to_owned(),
            description: String::new(),
            lengths: Vec::new(),
            slot_interval_minutes: None,
            buffer_before_minutes: None,
            buffer_after_minutes: None,
            minimum_notice_minutes: None,
            horizon_days: None,
            availability: None,
            colour: "#2563eb".to_owned(),
            listed: true,
            place: Place::Unset,
            questions: Vec::new(),
            answers_in_event: false,
            daily_limit_meetings: None,
            daily_limit_minutes: None,
        }
    }
}

#[derive(sqlx::FromRow)]
struct MeetingTypeRow {
    type_id: i64,
    user_id: i64,
    slug: String,
    title: String,
    description: String,
    lengths_json: String,
    slot_interval_minutes: Option<i64>,
    buffer_before_minutes: Option<i64>,
    buffer_after_minutes: Option<i64>,
    minimum_notice_minutes: Option<i64>,
    horizon_days: Option<i64>,
    availability_json: Option<String>,
    colour: String,
    listed: i64,
    position: i64,
    place_kind: String,
    place_detail: String,
    questions_json: String,
    answers_in_event: i64,
    daily_limit_meetings: Option<i64>,
    daily_limit_minutes: Option<i64>,
}

impl TryFrom<MeetingTypeRow> for MeetingType {
    type Error = DbError;

    fn try_from(row: MeetingTypeRow) -> Result<Self, DbError> {
        Ok(Self {
            type_id: row.type_id,
            user_id: row.user_id,
            position: row.position,
            fields: MeetingTypeFields {
                slug: row.slug,
                title: row.title,
                description: row.description,
                lengths: serde_json::from_str(&row.lengths_json).map_err(DbError::Corrupt)?,
                slot_interval_minutes: row.slot_interval_minutes,
                buffer_before_minutes: row.buffer_before_minutes,
                buffer_after_minutes: row.buffer_after_minutes,
                minimum_notice_minutes: row.minimum_notice_minutes,
                horizon_days: row.horizon_days,
                availability: row
                    .availability_json
                    .map(|json| serde_json::from_str(&json))
                    .transpose()
                    .map_err(DbError::Corrupt)?,
                colour: row.colour,
                listed: row.listed != 0,
                questions: serde_json::from_str(&row.questions_json).map_err(DbError::Corrupt)?,
                answers_in_event: row.answers_in_event != 0,
                daily_limit_meetings: row.daily_limit_meetings,
                daily_limit_minutes: row.daily_limit_minutes,
                place: Place::from_parts(&row.place_kind, row.place_detail).ok_or_else(|| {
                    DbError::UnknownValue {
                        column: "meeting_types.place_kind",
                        value: row.place_kind.clone(),
                    }
                })?,
            },
        })
    }
}

const COLUMNS: &str = "type_id, user_id, slug, title, description, lengths_json, slot_interval_minutes, \
                       buffer_before_minutes, buffer_after_minutes, minimum_notice_minutes, horizon_days, \
                       availability_json, colour, listed, position, place_kind, place_detail, \
                       questions_json, answers_in_event, daily_limit_meetings, daily_limit_minutes";

/// The host's types in the order the host gave them.
pub async fn for_host(db: &DbPool, user_id: i64) -> Result<Vec<MeetingType>, DbError> {
    let sql = format!("select {COLUMNS} from meeting_types where user_id = $1 order by position, type_id");
    let rows: Vec<MeetingTypeRow> =
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(user_id).fetch_all(db).await?;
    rows.into_iter().map(MeetingType::try_from).collect()
}

pub async fn find(db: &DbPool, type_id: i64) -> Result<Option<MeetingType>, DbError> {
    let sql = format!("select {COLUMNS} from meeting_types where type_id = $1");
    let row: Option<MeetingTypeRow> =
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(type_id).fetch_optional(db).await?;
    row.map(MeetingType::try_from).transpose()
}

/// What came of saving a type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    Saved(i64),
    /// The host has another type at that address.
    SlugTaken,
    NotFound,
}

/// The JSON columns: lengths, own hours, questions.
fn stored(fields: &MeetingTypeFields) -> Result<(String, Option<String>, String), DbError> {
    let lengths = serde_json::to_string(&fields.lengths).map_err(DbError::Corrupt)?;
    let availability =
        fields.availability.as_ref().map(serde_json::to_string).transpose().map_err(DbError::Corrupt)?;
    let questions = serde_json::to_string(&fields.questions).map_err(DbError::Corrupt)?;
    Ok((lengths, availability, questions))
}

fn slug_taken(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(database) if database.is_unique_violation())
}

/// Adds a type after the host's others.
pub async fn create(
    db: &DbPool,
    user_id: i64,
    fields: &MeetingTypeFields,
    now: DateTime<Utc>,
) -> Result<Saved, DbError> {
    let (lengths, availability, questions) = stored(fields)?;
    let inserted = sqlx::query_scalar(
        "insert into meeting_types (user_id, slug, title, description, lengths_json, slot_interval_minutes, \
             buffer_before_minutes, buffer_after_minutes, minimum_notice_minutes, horizon_days, availability_json, \
             colour, listed, position, created_at, updated_at, place_kind, place_detail, questions_json, \
             answers_in_event, daily_limit_meetings, daily_limit_minutes) \
         select $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, coalesce(max(position), -1) + 1, $14, $14, \
             $15, $16, $17, $18, $19, $20 \
         from meeting_types where user_id = $1 \
         returning type_id",
    )
    .bind(user_id)
    .bind(&fields.slug)
    .bind(&fields.title)
    .bind(&fields.description)
    .bind(lengths)
    .bind(fields.slot_interval_minutes)
    .bind(fields.buffer_before_minutes)
    .bind(fields.buffer_after_minutes)
    .bind(fields.minimum_notice_minutes)
    .bind(fields.horizon_days)
    .bind(availability)
    .bind(&fields.colour)
    .bind(i64::from(fields.listed))
    .bind(to_db_time(now))
    .bind(fields.place.kind())
    .bind(fields.place.detail())
    .bind(questions)
    .bind(i64::from(fields.answers_in_event))
    .bind(fields.daily_limit_meetings)
    .bind(fields.daily_limit_minutes)
    .fetch_one(db)
    .await;
    match inserted {
        Ok(type_id) => Ok(Saved::Saved(type_id)),
        Err(error) if slug_taken(&error) => Ok(Saved::SlugTaken),
        Err(error) => Err(error.into()),
    }
}

/// Changes one of the host's types; another host's id changes nothing.
pub async fn update(
    db: &DbPool,
    user_id: i64,
    type_id: i64,
    fields: &MeetingTypeFields,
    now: DateTime<Utc>,
) -> Result<Saved, DbError> {
    let (lengths, availability, questions) = stored(fields)?;
    let updated = sqlx::query(
        "update meeting_types set slug = $3, title = $4, description = $5, lengths_json = $6, \
             slot_interval_minutes = $7, buffer_before_minutes = $8, buffer_after_minutes = $9, \
             minimum_notice_minutes = $10, horizon_days = $11, availability_json = $12, colour = $13, \
             listed = $14, updated_at = $15, place_kind = $16, place_detail = $17, questions_json = $18, \
             answers_in_event = $19, daily_limit_meetings = $20, daily_limit_minutes = $21 \
         where user_id = $1 and type_id = $2",
    )
    .bind(user_id)
    .bind(type_id)
    .bind(&fields.slug)
    .bind(&fields.title)
    .bind(&fields.description)
    .bind(lengths)
    .bind(fields.slot_interval_minutes)
    .bind(fields.buffer_before_minutes)
    .bind(fields.buffer_after_minutes)
    .bind(fields.minimum_notice_minutes)
    .bind(fields.horizon_days)
    .bind(availability)
    .bind(&fields.colour)
    .bind(i64::from(fields.listed))
    .bind(to_db_time(now))
    .bind(fields.place.kind())
    .bind(fields.place.detail())
    .bind(questions)
    .bind(i64::from(fields.answers_in_event))
    .bind(fields.daily_limit_meetings)
    .bind(fields.daily_limit_minutes)
    .execute(db)
    .await;
    match updated {
        Ok(done) if done.rows_affected() == 0 => Ok(Saved::NotFound),
        Ok(_) => Ok(Saved::Saved(type_id)),
        Err(error) if slug_taken(&error) => Ok(Saved::SlugTaken),
        Err(error) => Err(error.into()),
    }
}

/// Puts the host's types in the order of `type_ids` (ids of other hosts'
/// types, or missing ones, are ignored).
pub async fn reorder(db: &DbPool, user_id: i64, type_ids: &[i64], now: DateTime<Utc>) -> Result<(), DbError> {
    let mut transaction = db.begin().await?;
    for (position, type_id) in type_ids.iter().enumerate() {
        sqlx::query(
            "update meeting_types set position = $3, updated_at = $4 where user_id = $1 and type_id = $2",
        )
        .bind(user_id)
        .bind(type_id)
        .bind(i64::try_from(position).unwrap_or(i64::MAX))
        .bind(to_db_time(now))
        .execute(&mut *transaction)
        .await?;
    }
    transaction.commit().await?;
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deleted {
    Deleted,
    /// Confirmed bookings of it are still to come: hide it instead.
    HasUpcomingBookings,
    /// It is the host's only type: a page offers at least one.
    LastOne,
    NotFound,
}

/// Deletes one of the host's types, in one statement that keeps it when it
/// has upcoming bookings or is the host's last.
pub async fn delete(db: &DbPool, user_id: i64, type_id: i64, now: DateTime<Utc>) -> Result<Deleted, DbError> {
    let done = sqlx::query(
        "delete from meeting_types where user_id = $1 and type_id = $2 \
         and not exists (select 1 from bookings where meeting_type_id = $2 and status = 'confirmed' \
             and ends_at > $3) \
         and (select count(*) from meeting_types where user_id = $1) > 1",
    )
    .bind(user_id)
    .bind(type_id)
    .bind(to_db_time(now))
    .execute(db)
    .await?;
    if done.rows_affected() > 0 {
        return Ok(Deleted::Deleted);
    }
    let types = for_host(db, user_id).await?;
    if !types.iter().any(|meeting_type| meeting_type.type_id == type_id) {
        Ok(Deleted::NotFound)
    } else if types.len() == 1 {
        Ok(Deleted::LastOne)
    } else {
        Ok(Deleted::HasUpcomingBookings)
    }
}
