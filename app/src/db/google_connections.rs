//! What Google granted each host, with the sealed tokens. Sealing and
//! opening happen in `google::tokens`; this module stores opaque strings.

use chrono::{DateTime, Utc};

use super::{from_db_time, to_db_time, DbError, DbPool};
use crate::google_scopes::ScopeSet;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoogleConnection {
    pub user_id: i64,
    pub granted_scopes: ScopeSet,
    pub refresh_token_sealed: Option<String>,
    pub access_token_sealed: Option<String>,
    pub access_token_expires_at: Option<DateTime<Utc>>,
    pub needs_reconnect_since: Option<DateTime<Utc>>,
    /// Google's word that the refresh token ends then (a "Testing" project).
    pub refresh_token_expires_at: Option<DateTime<Utc>>,
    /// Google refused a call for a scope the grant listed.
    pub scopes_withdrawn_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct ConnectionRow {
    user_id: i64,
    granted_scopes: String,
    refresh_token_sealed: Option<String>,
    access_token_sealed: Option<String>,
    access_token_expires_at: Option<i64>,
    needs_reconnect_since: Option<i64>,
    refresh_token_expires_at: Option<i64>,
    scopes_withdrawn_at: Option<i64>,
}

impl From<ConnectionRow> for GoogleConnection {
    fn from(row: ConnectionRow) -> Self {
        Self {
            user_id: row.user_id,
            granted_scopes: ScopeSet::parse(&row.granted_scopes),
            refresh_token_sealed: row.refresh_token_sealed,
            access_token_sealed: row.access_token_sealed,
            access_token_expires_at: row.access_token_expires_at.map(from_db_time),
            needs_reconnect_since: row.needs_reconnect_since.map(from_db_time),
            refresh_token_expires_at: row.refresh_token_expires_at.map(from_db_time),
            scopes_withdrawn_at: row.scopes_withdrawn_at.map(from_db_time),
        }
    }
}

/// Tokens from a completed authorization.
#[derive(Debug, Clone)]
pub struct GrantedTokens<'a> {
    pub granted_scopes: &'a ScopeSet,
    pub access_token_sealed: &'a str,
    pub access_token_expires_at: DateTime<Utc>,
    /// Google sends a refresh token only sometimes; without one, the stored
    /// one stays.
    pub refresh_token_sealed: Option<&'a str>,
    /// When Google said that refresh token ends, if it did.
    pub refresh_token_expires_at: Option<DateTime<Utc>>,
}

pub async fn find(db: &DbPool, user_id: i64) -> Result<Option<GoogleConnection>, DbError> {
    let row: Option<ConnectionRow> = sqlx::query_as(
        "select user_id, granted_scopes, refresh_token_sealed, access_token_sealed, \
                access_token_expires_at, needs_reconnect_since, refresh_token_expires_at, scopes_withdrawn_at \
         from google_connections where user_id = $1",
    )
    .bind(user_id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(GoogleConnection::from))
}

/// Records a completed authorization: the scopes Google granted, fresh
/// tokens, and a healthy connection (whatever broke before is forgotten,
/// so a later break is told again).
pub async fn save_grant(
    db: &DbPool,
    user_id: i64,
    tokens: &GrantedTokens<'_>,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    sqlx::query(
        "insert into google_connections \
             (user_id, granted_scopes, refresh_token_sealed, access_token_sealed, \
              access_token_expires_at, needs_reconnect_since, refresh_token_expires_at, updated_at) \
         values ($1, $2, $3, $4, $5, null, $7, $6) \
         on conflict (user_id) do update set granted_scopes = excluded.granted_scopes, \
             refresh_token_sealed = coalesce(excluded.refresh_token_sealed, google_connections.refresh_token_sealed), \
             refresh_token_expires_at = case when excluded.refresh_token_sealed is null \
                 then google_connections.refresh_token_expires_at else excluded.refresh_token_expires_at end, \
             access_token_sealed = excluded.access_token_sealed, \
             access_token_expires_at = excluded.access_token_expires_at, \
             needs_reconnect_since = null, scopes_withdrawn_at = null, breakage_alerted_at = null, \
             updated_at = excluded.updated_at",
    )
    .bind(user_id)
    .bind(tokens.granted_scopes.to_space_separated())
    .bind(tokens.refresh_token_sealed)
    .bind(tokens.access_token_sealed)
    .bind(to_db_time(tokens.access_token_expires_at))
    .bind(to_db_time(now))
    .bind(tokens.refresh_token_expires_at.map(to_db_time))
    .execute(db)
    .await?;
    Ok(())
}

/// What a refresh returned, sealed.
#[derive(Debug, Clone)]
pub struct RefreshedTokens<'a> {
    pub access_token_sealed: &'a str,
    pub access_token_expires_at: DateTime<Utc>,
    /// Google rarely sends a new one; without one, the stored one stays.
    pub refresh_token_sealed: Option<&'a str>,
    /// The scopes the refreshed token carries, if Google said.
    pub granted_scopes: Option<&'a ScopeSet>,
    pub refresh_token_expires_at: Option<DateTime<Utc>>,
    /// The refreshed token carries less than the grant stored: the host is
    /// told (`connection_alerts`).
    pub scopes_withdrawn: bool,
}

/// Stores the access token a refresh returned, a new refresh token if Google
/// sent one, and the scopes the refreshed token carries if Google said.
pub async fn save_refreshed(
    db: &DbPool,
    user_id: i64,
    refreshed: &RefreshedTokens<'_>,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    sqlx::query(
        "update google_connections set access_token_sealed = $1, access_token_expires_at = $2, \
             refresh_token_sealed = coalesce($3, refresh_token_sealed), \
             granted_scopes = coalesce($4, granted_scopes), updated_at = $5, \
             refresh_token_expires_at = coalesce($7, refresh_token_expires_at), \
             scopes_withdrawn_at = case when $8 = 1 then coalesce(scopes_withdrawn_at, $5) \
                 else scopes_withdrawn_at end \
         where user_id = $6",
    )
    .bind(refreshed.access_token_sealed)
    .bind(to_db_time(refreshed.access_token_expires_at))
    .bind(refreshed.refresh_token_sealed)
    .bind(refreshed.granted_scopes.map(ScopeSet::to_space_separated))
    .bind(to_db_time(now))
    .bind(user_id)
    .bind(refreshed.refresh_token_expires_at.map(to_db_time))
    .bind(i64::from(refreshed.scopes_withdrawn))
    .execute(db)
    .await?;
    Ok(())
}

/// Google refused a call for want of `scope` although the stored grant lists
/// it: the grant shrank behind BookMate's back. Once the record says so, the
/// settings page and the ReauthProvider see the scope missing and ask again.
///
/// Returns whether the record changed. A grant or refresh stored between the
/// read and the write is Google's newer word and is left alone.
pub async fn withdraw_scope(
    db: &DbPool,
    user_id: i64,
    scope: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbError> {
    let stored: Option<String> =
        sqlx::query_scalar("select granted_scopes from google_connections where user_id = $1")
            .bind(user_id)
            .fetch_optional(db)
            .await?;
    let Some(stored) = stored else { return Ok(false) };
    let granted = ScopeSet::parse(&stored);
    if !granted.contains(scope) {
        return Ok(false);
    }
    let withdrawn = crate::google_scopes::normalize(scope);
    let remaining: ScopeSet = granted.iter().filter(|granted| *granted != withdrawn).collect();
    let updated = sqlx::query(
        "update google_connections set granted_scopes = $1, updated_at = $2, \
             scopes_withdrawn_at = coalesce(scopes_withdrawn_at, $2) \
         where user_id = $3 and granted_scopes = $4",
    )
    .bind(remaining.to_space_separated())
    .bind(to_db_time(now))
    .bind(user_id)
    .bind(&stored)
    .execute(db)
    .await?;
    Ok(updated.rows_affected() == 1)
}

pub async fn expire_access_token(db: &DbPool, user_id: i64) -> Result<(), DbError> {
    sqlx::query("update google_connections set access_token_expires_at = 0 where user_id = $1")
        .bind(user_id)
        .execute(db)
        .await?;
    Ok(())
}

/// Google refused the refresh token: drop the tokens and remember that the
/// host must reconnect.
pub async fn mark_needs_reconnect(db: &DbPool, user_id: i64, now: DateTime<Utc>) -> Result<(), DbError> {
    sqlx::query(
        "update google_connections set refresh_token_sealed = null, access_token_sealed = null, \
             access_token_expires_at = null, needs_reconnect_since = $1, updated_at = $1 \
         where user_id = $2",
    )
    .bind(to_db_time(now))
    .bind(user_id)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn delete(db: &DbPool, user_id: i64) -> Result<(), DbError> {
    sqlx::query("delete from google_connections where user_id = $1").bind(user_id).execute(db).await?;
    Ok(())
}

/// A broken connection whose host has not been told yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UntoldBreakage {
    pub user_id: i64,
    /// Google refused the refresh token (else: a scope was withdrawn).
    pub needs_reconnect: bool,
}

/// Connections that broke (Google refused the refresh token, or a scope the
/// grant listed) and whose host has not been told since.
pub async fn untold_breakages(db: &DbPool, limit: i64) -> Result<Vec<UntoldBreakage>, DbError> {
    let rows: Vec<(i64, Option<i64>)> = sqlx::query_as(
        "select user_id, needs_reconnect_since from google_connections \
         where breakage_alerted_at is null \
           and (needs_reconnect_since is not null or scopes_withdrawn_at is not null) \
         order by user_id limit $1",
    )
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(user_id, since)| UntoldBreakage { user_id, needs_reconnect: since.is_some() })
        .collect())
}

/// Marks the host told and queues the message that tells them, in one
/// transaction: of several processes, one queues it, once. Returns whether
/// this call did.
pub async fn tell_breakage(
    db: &DbPool,
    user_id: i64,
    message: &super::outbox::NewMessage,
    now: DateTime<Utc>,
) -> Result<bool, DbError> {
    let mut transaction = db.begin().await?;
    let marked = sqlx::query(
        "update google_connections set breakage_alerted_at = $1 \
         where user_id = $2 and breakage_alerted_at is null",
    )
    .bind(to_db_time(now))
    .bind(user_id)
    .execute(&mut *transaction)
    .await?;
    if marked.rows_affected() != 1 {
        return Ok(false);
    }
    super::outbox::enqueue(&mut *transaction, message, now).await?;
    transaction.commit().await?;
    Ok(true)
}
