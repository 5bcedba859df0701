//! Hosts: created or updated at sign-in, keyed by Google's `sub`.

use chrono::{DateTime, Utc};

use sqlx::AssertSqlSafe;

use super::{from_db_time, to_db_time, DbError, DbPool};
use crate::google_scopes::ScopeSet;

/// A host as stored. Server-only: the browser sees `model` types, not rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub user_id: i64,
    pub google_sub: String,
    pub email: String,
    pub display_name: String,
    pub picture_url: Option<String>,
    pub username: Option<String>,
    pub time_zone: String,
    /// Scopes this host's features need beyond sign-in.
    pub additional_scopes: ScopeSet,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl User {
    /// The host's time zone; UTC if the stored name is not one (it is
    /// checked when saved).
    pub fn zone(&self) -> chrono_tz::Tz {
        self.time_zone.parse().unwrap_or(chrono_tz::Tz::UTC)
    }
}

/// What a verified ID token says about the person signing in.
#[derive(Debug, Clone)]
pub struct GoogleProfile {
    pub sub: String,
    pub email: String,
    pub name: String,
    pub picture_url: Option<String>,
}

#[derive(sqlx::FromRow)]
struct UserRow {
    user_id: i64,
    google_sub: String,
    email: String,
    display_name: String,
    picture_url: Option<String>,
    username: Option<String>,
    time_zone: String,
    additional_scopes: String,
    created_at: i64,
    updated_at: i64,
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> Self {
        Self {
            user_id: row.user_id,
            google_sub: row.google_sub,
            email: row.email,
            display_name: row.display_name,
            picture_url: row.picture_url,
            username: row.username,
            time_zone: row.time_zone,
            additional_scopes: ScopeSet::parse(&row.additional_scopes),
            created_at: from_db_time(row.created_at),
            updated_at: from_db_time(row.updated_at),
        }
    }
}

/// Spliced into queries below; a constant, so `AssertSqlSafe` is truthful.
const USER_COLUMNS: &str = "user_id, google_sub, email, display_name, picture_url, username, \
                            time_zone, additional_scopes, created_at, updated_at";

/// Creates the host on first sign-in; afterwards refreshes what only Google
/// knows (email, picture) and keeps everything the host chose, their display
/// name included.
pub async fn upsert_from_google(
    db: &DbPool,
    profile: &GoogleProfile,
    now: DateTime<Utc>,
) -> Result<User, DbError> {
    let sql = format!(
        "insert into users (google_sub, email, display_name, picture_url, created_at, updated_at) \
         values ($1, $2, $3, $4, $5, $5) \
         on conflict (google_sub) do update set email = excluded.email, \
             picture_url = excluded.picture_url, updated_at = excluded.updated_at \
         returning {USER_COLUMNS}"
    );
    let row: UserRow = sqlx::query_as(AssertSqlSafe(sql))
        .bind(&profile.sub)
        .bind(&profile.email)
        .bind(&profile.name)
        .bind(&profile.picture_url)
        .bind(to_db_time(now))
        .fetch_one(db)
        .await?;
    Ok(row.into())
}

pub async fn find_by_id(db: &DbPool, user_id: i64) -> Result<Option<User>, DbError> {
    let sql = format!("select {USER_COLUMNS} from users where user_id = $1");
    let row: Option<UserRow> = sqlx::query_as(AssertSqlSafe(sql)).bind(user_id).fetch_optional(db).await?;
    Ok(row.map(User::from))
}

pub async fn find_by_google_sub(db: &DbPool, google_sub: &str) -> Result<Option<User>, DbError> {
    let sql = format!("select {USER_COLUMNS} from users where google_sub = $1");
    let row: Option<UserRow> = sqlx::query_as(AssertSqlSafe(sql)).bind(google_sub).fetch_optional(db).await?;
    Ok(row.map(User::from))
}

pub async fn find_by_username(db: &DbPool, username: &str) -> Result<Option<User>, DbError> {
    let sql = format!("select {USER_COLUMNS} from users where username = $1");
    let row: Option<UserRow> = sqlx::query_as(AssertSqlSafe(sql)).bind(username).fetch_optional(db).await?;
    Ok(row.map(User::from))
}

/// Records which scopes this host's features need beyond sign-in.
pub async fn set_additional_scopes(
    db: &DbPool,
    user_id: i64,
    scopes: &ScopeSet,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    sqlx::query("update users set additional_scopes = $1, updated_at = $2 where user_id = $3")
        .bind(scopes.to_space_separated())
        .bind(to_db_time(now))
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Deletes the host and, by cascade, everything that belongs to them.
pub async fn delete(db: &DbPool, user_id: i64) -> Result<(), DbError> {
    sqlx::query("delete from users where user_id = $1").bind(user_id).execute(db).await?;
    Ok(())
}

/// The host's public profile, as they set it in settings. Uniqueness of the
/// username is the database's to enforce, so two hosts racing for one name
/// get one winner.
pub async fn update_profile(
    db: &DbPool,
    user_id: i64,
    display_name: &str,
    username: &str,
    time_zone: &str,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    let result = sqlx::query(
        "update users set display_name = $1, username = $2, time_zone = $3, updated_at = $4 where user_id = $5",
    )
    .bind(display_name)
    .bind(username)
    .bind(time_zone)
    .bind(to_db_time(now))
    .bind(user_id)
    .execute(db)
    .await;
    match result {
        Ok(_) => Ok(()),
        Err(sqlx::Error::Database(error)) if error.is_unique_violation() => Err(DbError::UsernameTaken),
        Err(error) => Err(error.into()),
    }
}
