//! The server functions of a booking's life after it is made. The visitor's
//! are public and act only on the booking whose manage key they carry; the
//! host's go through `as_host` and act only on the host's own bookings.
//! Each answers a plain form post (no JavaScript) with a redirect back to
//! the page it came from.

use leptos::prelude::*;

use super::model::ManagedBooking;
use crate::error::AppError;

#[server(endpoint = "managed_booking")]
pub async fn get_managed_booking(uid: String, key: String) -> Result<ManagedBooking, AppError> {
    crate::server_fns::public(|state| async move {
        super::access::view(&state, &uid, &key, chrono::Utc::now()).await
    })
    .await
}

#[server(endpoint = "cancel_booking")]
pub async fn cancel_booking(uid: String, key: String, reason: String) -> Result<(), AppError> {
    use super::changes;
    crate::server_fns::public(|state| async move {
        let reason = changes::reason(&reason)?;
        changes::cancel_by_visitor(&state, &uid, &key, reason, chrono::Utc::now()).await?;
        leptos_axum::redirect(&state.manage_links.path_for(&uid));
        Ok(())
    })
    .await
}

#[server(endpoint = "reschedule_booking")]
pub async fn reschedule_booking(uid: String, key: String, start: i64) -> Result<(), AppError> {
    crate::server_fns::public(|state| async move {
        super::changes::reschedule_by_visitor(&state, &uid, &key, start, chrono::Utc::now()).await?;
        leptos_axum::redirect(&format!("{}&moved=true", state.manage_links.path_for(&uid)));
        Ok(())
    })
    .await
}

#[server(endpoint = "cancel_booking_as_host")]
pub async fn cancel_booking_as_host(uid: String, reason: String) -> Result<(), AppError> {
    use crate::server_fns::{as_host, Effect};
    as_host(Effect::ChangesBookingPage, |state, host| async move {
        let reason = super::changes::reason(&reason)?;
        super::changes::cancel_by_host(&state, &host, &uid, reason, chrono::Utc::now()).await?;
        leptos_axum::redirect("/dashboard?changed=cancelled");
        Ok(())
    })
    .await
}

#[server(endpoint = "ask_to_move_booking")]
pub async fn ask_to_move_booking(uid: String, message: String) -> Result<(), AppError> {
    use crate::server_fns::{as_host, Effect};
    as_host(Effect::ReadOnly, |state, host| async move {
        let message = super::changes::reason(&message)?;
        super::changes::propose_new_time(&state, &host, &uid, message, chrono::Utc::now()).await?;
        leptos_axum::redirect("/dashboard?changed=asked");
        Ok(())
    })
    .await
}
