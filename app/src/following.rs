//! Bookings that follow Google Calendar: when the host deletes or moves a
//! booking's event in Google Calendar, BookMate notices (reading the host's
//! calendars with the narrowest read scope that shows events, by Google's
//! incremental sync) and proposes the change on the dashboard: "You deleted
//! this meeting in Google Calendar: tell Vera it is cancelled?". Confirmed,
//! it goes through the booking's own cancel or move, which tells the
//! visitor. It never acts on a guess; a host may choose to have it happen
//! without asking.
//!
//! `switch.rs` turns it on and off (asking Google for the scope just in
//! time), `sync.rs` reads the calendars (on a schedule, and when the host
//! opens the dashboard), `findings.rs` says what an event's change means
//! for a booking, `proposals.rs` applies or dismisses what was found.

#[cfg(feature = "ssr")]
mod findings;
pub mod model;
#[cfg(feature = "ssr")]
pub mod proposals;
#[cfg(feature = "ssr")]
pub mod switch;
#[cfg(feature = "ssr")]
pub mod sync;
#[cfg(feature = "ssr")]
pub mod timing;
#[cfg(feature = "ssr")]
pub mod watch;

use leptos::{prelude::*, server_fn::codec::Json};

use crate::error::AppError;
use model::FollowingSaved;

/// Turns following on or off; on may need Google's consent first.
#[server(endpoint = "save_following", input = Json)]
pub async fn save_following(enabled: bool, apply_without_asking: bool) -> Result<FollowingSaved, AppError> {
    use crate::server_fns::{as_host, Effect};
    as_host(Effect::ReadOnly, |state, user| async move {
        switch::save(&state, &user, enabled, apply_without_asking, chrono::Utc::now()).await
    })
    .await
}

/// The host confirms a proposed change: the visitor is told.
#[server(endpoint = "apply_proposal")]
pub async fn apply_proposal(proposal_id: i64) -> Result<(), AppError> {
    use crate::server_fns::{as_host, Effect};
    as_host(Effect::ChangesBookingPage, |state, user| async move {
        proposals::apply(&state, &user, proposal_id, chrono::Utc::now()).await?;
        leptos_axum::redirect("/dashboard?changed=applied");
        Ok(())
    })
    .await
}

/// The host keeps the booking as it is.
#[server(endpoint = "dismiss_proposal")]
pub async fn dismiss_proposal(proposal_id: i64) -> Result<(), AppError> {
    use crate::server_fns::{as_host, Effect};
    as_host(Effect::ReadOnly, |state, user| async move {
        proposals::dismiss(&state, &user, proposal_id, chrono::Utc::now()).await?;
        leptos_axum::redirect("/dashboard?changed=kept");
        Ok(())
    })
    .await
}
