//! Changes the host made to a booking's event in Google Calendar, proposed
//! to the host before the visitor is told (`following`). One open proposal
//! per booking: a newer finding replaces the older one; a proposal the host
//! dismissed is not proposed again for the same change.

use chrono::{DateTime, Utc};

use super::{from_db_time, to_db_time, DbError, DbPool};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProposalKind {
    /// The event was deleted.
    Cancel,
    /// The event moved to this time.
    Move { starts_at: DateTime<Utc>, ends_at: DateTime<Utc> },
}

impl ProposalKind {
    fn parts(self) -> (&'static str, Option<i64>, Option<i64>) {
        match self {
            Self::Cancel => ("cancel", None, None),
            Self::Move { starts_at, ends_at } => {
                ("move", Some(to_db_time(starts_at)), Some(to_db_time(ends_at)))
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub proposal_id: i64,
    pub booking_id: i64,
    pub kind: ProposalKind,
    pub found_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct ProposalRow {
    proposal_id: i64,
    booking_id: i64,
    kind: String,
    starts_at: Option<i64>,
    ends_at: Option<i64>,
    found_at: i64,
}

impl TryFrom<ProposalRow> for Proposal {
    type Error = DbError;

    fn try_from(row: ProposalRow) -> Result<Self, DbError> {
        let kind = match (row.kind.as_str(), row.starts_at, row.ends_at) {
            ("cancel", _, _) => ProposalKind::Cancel,
            ("move", Some(starts_at), Some(ends_at)) => {
                ProposalKind::Move { starts_at: from_db_time(starts_at), ends_at: from_db_time(ends_at) }
            }
            _ => return Err(DbError::UnknownValue { column: "booking_proposals.kind", value: row.kind }),
        };
        Ok(Self {
            proposal_id: row.proposal_id,
            booking_id: row.booking_id,
            kind,
            found_at: from_db_time(row.found_at),
        })
    }
}

const COLUMNS: &str = "proposal_id, booking_id, kind, starts_at, ends_at, found_at";

/// Proposes `kind` for the booking, unless the host dismissed that very
/// change before, or it is open already. Returns the open proposal's id, if
/// one is open now.
pub async fn propose(
    db: &DbPool,
    booking_id: i64,
    kind: ProposalKind,
    now: DateTime<Utc>,
) -> Result<Option<i64>, DbError> {
    let (name, starts_at, ends_at) = kind.parts();
    let mut transaction = db.begin().await?;
    let dismissed: i64 = sqlx::query_scalar(
        "select count(*) from booking_proposals where booking_id = $1 and resolution = 'dismissed' \
         and kind = $2 and coalesce(starts_at, 0) = $3 and coalesce(ends_at, 0) = $4",
    )
    .bind(booking_id)
    .bind(name)
    .bind(starts_at.unwrap_or(0))
    .bind(ends_at.unwrap_or(0))
    .fetch_one(&mut *transaction)
    .await?;
    if dismissed > 0 {
        return Ok(None);
    }
    let open: Option<i64> = sqlx::query_scalar(
        "select proposal_id from booking_proposals where booking_id = $1 and resolution is null",
    )
    .bind(booking_id)
    .fetch_optional(&mut *transaction)
    .await?;
    let proposal_id = match open {
        Some(proposal_id) => {
            sqlx::query(
                "update booking_proposals set kind = $1, starts_at = $2, ends_at = $3, found_at = $4 \
                 where proposal_id = $5 and (kind <> $1 or coalesce(starts_at, 0) <> $6 or coalesce(ends_at, 0) <> $7)",
            )
            .bind(name)
            .bind(starts_at)
            .bind(ends_at)
            .bind(to_db_time(now))
            .bind(proposal_id)
            .bind(starts_at.unwrap_or(0))
            .bind(ends_at.unwrap_or(0))
            .execute(&mut *transaction)
            .await?;
            proposal_id
        }
        None => {
            sqlx::query_scalar(
                "insert into booking_proposals (booking_id, kind, starts_at, ends_at, found_at) \
                 values ($1, $2, $3, $4, $5) returning proposal_id",
            )
            .bind(booking_id)
            .bind(name)
            .bind(starts_at)
            .bind(ends_at)
            .bind(to_db_time(now))
            .fetch_one(&mut *transaction)
            .await?
        }
    };
    transaction.commit().await?;
    Ok(Some(proposal_id))
}

/// The host's open proposals, on bookings that still stand, oldest first.
pub async fn open_for_host(db: &DbPool, host_user_id: i64) -> Result<Vec<Proposal>, DbError> {
    let sql = format!(
        "select {COLUMNS} from booking_proposals where resolution is null and booking_id in \
             (select booking_id from bookings where host_user_id = $1 and status = 'confirmed') \
         order by proposal_id"
    );
    let rows: Vec<ProposalRow> =
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(host_user_id).fetch_all(db).await?;
    rows.into_iter().map(Proposal::try_from).collect()
}

/// One open proposal of the host's, or `None` (another host's is `None` too).
pub async fn find_open(
    db: &DbPool,
    proposal_id: i64,
    host_user_id: i64,
) -> Result<Option<Proposal>, DbError> {
    let sql = format!(
        "select {COLUMNS} from booking_proposals where proposal_id = $1 and resolution is null and booking_id in \
             (select booking_id from bookings where host_user_id = $2)"
    );
    let row: Option<ProposalRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(proposal_id)
        .bind(host_user_id)
        .fetch_optional(db)
        .await?;
    row.map(Proposal::try_from).transpose()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    Applied,
    Dismissed,
}

/// Closes an open proposal; false when it was closed already.
pub async fn resolve(
    db: &DbPool,
    proposal_id: i64,
    resolution: Resolution,
    now: DateTime<Utc>,
) -> Result<bool, DbError> {
    let name = match resolution {
        Resolution::Applied => "applied",
        Resolution::Dismissed => "dismissed",
    };
    let resolved = sqlx::query(
        "update booking_proposals set resolution = $1, resolved_at = $2 \
         where proposal_id = $3 and resolution is null",
    )
    .bind(name)
    .bind(to_db_time(now))
    .bind(proposal_id)
    .execute(db)
    .await?;
    Ok(resolved.rows_affected() == 1)
}

/// The ids of the host's bookings' events in their own calendar, as
/// following found them: `(booking_id, event_id)`.
pub async fn host_event_ids(db: &DbPool, host_user_id: i64) -> Result<Vec<(i64, String)>, DbError> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "select booking_id, host_event_id from bookings where host_user_id = $1 and host_event_id is not null",
    )
    .bind(host_user_id)
    .fetch_all(db)
    .await?;
    Ok(rows)
}

pub async fn remember_host_event(db: &DbPool, booking_id: i64, event_id: &str) -> Result<(), DbError> {
    sqlx::query("update bookings set host_event_id = $1 where booking_id = $2")
        .bind(event_id)
        .bind(booking_id)
        .execute(db)
        .await?;
    Ok(())
}
