//! A direct booking's Google Meet conference, as far as Google said.

use super::{DbError, DbPool};

/// A Google Meet conference of a direct booking, as far as Google said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conference {
    /// Asked for with the insert; Google has not answered yet.
    Requested,
    /// Google is still creating it: no link yet.
    Pending,
    /// The link is the booking's location.
    Ready,
    /// Google could not create it.
    Failed,
}

impl Conference {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::Pending => "pending",
            Self::Ready => "ready",
            Self::Failed => "failed",
        }
    }
}

impl TryFrom<&str> for Conference {
    type Error = DbError;

    fn try_from(value: &str) -> Result<Self, DbError> {
        Ok(match value {
            "requested" => Self::Requested,
            "pending" => Self::Pending,
            "ready" => Self::Ready,
            "failed" => Self::Failed,
            other => {
                return Err(DbError::UnknownValue { column: "bookings.conference", value: other.to_owned() })
            }
        })
    }
}

/// What Google answered about a booking's Meet conference: its state, and
/// the link (the booking's location) when there is one.
pub async fn record(
    db: &DbPool,
    booking_id: i64,
    conference: Conference,
    link: Option<&str>,
) -> Result<(), DbError> {
    sqlx::query(
        "update bookings set conference = $2, location = coalesce($3, location) where booking_id = $1",
    )
    .bind(booking_id)
    .bind(conference.as_str())
    .bind(link)
    .execute(db)
    .await?;
    Ok(())
}
