//! Changes found in Google Calendar, as the host sees them on the dashboard,
//! and what confirming one does: the booking's own cancel or move, which
//! tells the visitor (`manage::changes`).

use chrono::{DateTime, Utc};
use scheduling::Interval;

use super::model::ProposalView;
use crate::{
    booking::invitations,
    db::{
        bookings,
        proposals::{self, ProposalKind, Resolution},
        users::User,
        DbError,
    },
    error::AppError,
    manage::changes,
    state::AppState,
};

/// The host's open proposals, in words, on the host's clock.
pub async fn views(state: &AppState, host: &User) -> Result<Vec<ProposalView>, DbError> {
    let db = state.database.pool();
    let mut views = Vec::new();
    for proposal in proposals::open_for_host(db, host.user_id).await? {
        let Some(booking) = bookings::find_by_id(db, proposal.booking_id).await? else { continue };
        let visitor = &booking.visitor_name;
        let booked = invitations::when(Interval::new(booking.starts_at, booking.ends_at), host.zone());
        let view = match proposal.kind {
            ProposalKind::Cancel => ProposalView {
                proposal_id: proposal.proposal_id,
                found: format!("You deleted your meeting with {visitor} on {booked} in Google Calendar."),
                question: format!("Tell {visitor} it is cancelled?"),
                apply_label: format!("Tell {visitor} it is cancelled"),
            },
            ProposalKind::Move { starts_at, ends_at } => {
                let moved_to = invitations::when(Interval::new(starts_at, ends_at), host.zone());
                ProposalView {
                    proposal_id: proposal.proposal_id,
                    found: format!(
                        "You moved your meeting with {visitor} in Google Calendar, from {booked} to {moved_to}."
                    ),
                    question: format!("Tell {visitor} the new time?"),
                    apply_label: format!("Tell {visitor} the new time"),
                }
            }
        };
        views.push(view);
    }
    Ok(views)
}

/// The host confirms: the booking is cancelled or moved, the visitor told.
pub async fn apply(
    state: &AppState,
    host: &User,
    proposal_id: i64,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let db = state.database.pool();
    let proposal = proposals::find_open(db, proposal_id, host.user_id).await?.ok_or(AppError::NotFound)?;
    let booking = bookings::find_by_id(db, proposal.booking_id).await?.ok_or(AppError::NotFound)?;
    match proposal.kind {
        ProposalKind::Cancel => changes::cancel_by_host(state, host, &booking.uid, None, now).await?,
        ProposalKind::Move { starts_at, ends_at } => {
            changes::move_as_in_google(state, host, &booking, Interval::new(starts_at, ends_at), now).await?;
        }
    }
    proposals::resolve(db, proposal_id, Resolution::Applied, now).await?;
    Ok(())
}

/// The host keeps the booking as it is; the same change is not proposed again.
pub async fn dismiss(
    state: &AppState,
    host: &User,
    proposal_id: i64,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let db = state.database.pool();
    proposals::find_open(db, proposal_id, host.user_id).await?.ok_or(AppError::NotFound)?;
    proposals::resolve(db, proposal_id, Resolution::Dismissed, now).await?;
    Ok(())
}
