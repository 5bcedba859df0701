//! The log of BookMate's calls to Google on each host's behalf, which the
//! host reads on Settings → Google access. Bounded per host: entries older
//! than [`KEPT_FOR`], and beyond the newest [`KEPT_ENTRIES`], are dropped as
//! new ones come.

use chrono::{DateTime, Utc};

use super::{from_db_time, to_db_time, DbError, DbPool};

/// How long an entry is kept.
pub const KEPT_FOR: chrono::Duration = chrono::Duration::days(90);
/// How many entries a host keeps at most.
pub const KEPT_ENTRIES: i64 = 10_000;

/// Which of Google's doors a call went through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    Calendar,
    /// Google's token and revocation endpoints.
    OAuth,
}

impl Api {
    fn as_str(self) -> &'static str {
        match self {
            Self::Calendar => "calendar",
            Self::OAuth => "oauth",
        }
    }
}

impl TryFrom<&str> for Api {
    type Error = DbError;

    fn try_from(text: &str) -> Result<Self, DbError> {
        match text {
            "calendar" => Ok(Self::Calendar),
            "oauth" => Ok(Self::OAuth),
            other => Err(DbError::UnknownValue { column: "google_access_log.api", value: other.to_owned() }),
        }
    }
}

/// How a call ended, as the host reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallOutcome {
    Ok,
    /// Google answered no (a withdrawn grant, a missing scope, a deleted event).
    Refused,
    /// No usable answer (Google failed or did not answer in time).
    Failed,
}

impl CallOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Refused => "refused",
            Self::Failed => "failed",
        }
    }
}

impl TryFrom<&str> for CallOutcome {
    type Error = DbError;

    fn try_from(text: &str) -> Result<Self, DbError> {
        match text {
            "ok" => Ok(Self::Ok),
            "refused" => Ok(Self::Refused),
            "failed" => Ok(Self::Failed),
            other => {
                Err(DbError::UnknownValue { column: "google_access_log.outcome", value: other.to_owned() })
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccessEntry<'a> {
    pub user_id: i64,
    pub api: Api,
    pub method: &'a str,
    /// The granted scope the call relied on; empty for the OAuth endpoints.
    pub scope: &'a str,
    pub purpose: &'a str,
    pub outcome: CallOutcome,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessEntry {
    pub entry_id: i64,
    pub at: DateTime<Utc>,
    pub api: Api,
    pub method: String,
    pub scope: String,
    pub purpose: String,
    pub outcome: CallOutcome,
}

#[derive(sqlx::FromRow)]
struct EntryRow {
    entry_id: i64,
    at: i64,
    api: String,
    method: String,
    scope: String,
    purpose: String,
    outcome: String,
}

impl TryFrom<EntryRow> for AccessEntry {
    type Error = DbError;

    fn try_from(row: EntryRow) -> Result<Self, DbError> {
        Ok(Self {
            entry_id: row.entry_id,
            at: from_db_time(row.at),
            api: Api::try_from(row.api.as_str())?,
            method: row.method,
            scope: row.scope,
            purpose: row.purpose,
            outcome: CallOutcome::try_from(row.outcome.as_str())?,
        })
    }
}

/// Records one call, and drops what falls outside the host's bound.
pub async fn record(db: &DbPool, entry: &NewAccessEntry<'_>, now: DateTime<Utc>) -> Result<(), DbError> {
    sqlx::query(
        "insert into google_access_log (user_id, at, api, method, scope, purpose, outcome) \
         values ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(entry.user_id)
    .bind(to_db_time(now))
    .bind(entry.api.as_str())
    .bind(entry.method)
    .bind(entry.scope)
    .bind(entry.purpose)
    .bind(entry.outcome.as_str())
    .execute(db)
    .await?;
    // Entries past their age go, and of the rest, the one KEPT_ENTRIES
    // places below the newest and all before it.
    sqlx::query(
        "delete from google_access_log where user_id = $1 and (at < $2 or entry_id <= \
             (select entry_id from google_access_log where user_id = $1 and at >= $2 \
              order by entry_id desc limit 1 offset $3))",
    )
    .bind(entry.user_id)
    .bind(to_db_time(now - KEPT_FOR))
    .bind(KEPT_ENTRIES)
    .execute(db)
    .await?;
    Ok(())
}

/// A page of the host's log, newest first, below `before` (an entry id) if
/// given, only calls that relied on `scope` if given.
pub async fn page(
    db: &DbPool,
    user_id: i64,
    scope: Option<&str>,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<AccessEntry>, DbError> {
    let rows: Vec<EntryRow> = sqlx::query_as(
        "select entry_id, at, api, method, scope, purpose, outcome from google_access_log \
         where user_id = $1 and ($2 = '' or scope = $2) and entry_id < $3 \
         order by entry_id desc limit $4",
    )
    .bind(user_id)
    .bind(scope.unwrap_or(""))
    .bind(before.unwrap_or(i64::MAX))
    .bind(limit)
    .fetch_all(db)
    .await?;
    rows.into_iter().map(AccessEntry::try_from).collect()
}

/// When each scope was last relied on by a call Google answered.
pub async fn last_used(db: &DbPool, user_id: i64) -> Result<Vec<(String, DateTime<Utc>)>, DbError> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "select scope, max(at) from google_access_log \
         where user_id = $1 and outcome = 'ok' and scope <> '' group by scope",
    )
    .bind(user_id)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|(scope, at)| (scope, from_db_time(at))).collect())
}

/// When `method` last succeeded for the host.
pub async fn last_success(db: &DbPool, user_id: i64, method: &str) -> Result<Option<DateTime<Utc>>, DbError> {
    let at: Option<i64> = sqlx::query_scalar(
        "select max(at) from google_access_log where user_id = $1 and method = $2 and outcome = 'ok'",
    )
    .bind(user_id)
    .bind(method)
    .fetch_one(db)
    .await?;
    Ok(at.map(from_db_time))
}

/// When the host's oldest kept entry was made: how far back the log sees.
pub async fn first_entry_at(db: &DbPool, user_id: i64) -> Result<Option<DateTime<Utc>>, DbError> {
    let at: Option<i64> = sqlx::query_scalar("select min(at) from google_access_log where user_id = $1")
        .bind(user_id)
        .fetch_one(db)
        .await?;
    Ok(at.map(from_db_time))
}
