//! The public booking page's server functions. Public on purpose: visitors
//! are not signed in. They reveal only what the host's page shows (name,
//! picture, free times) and act only on the host named in the address.

// A server function's arguments are the form's fields, one each; the
// functions the macro makes for the browser cannot carry an item's allow.
#![allow(clippy::too_many_arguments)]

use leptos::prelude::*;

use super::{answer::BookingPageAnswer, model::BookingConfirmation};
use crate::error::AppError;

#[server(endpoint = "booking_page")]
pub async fn get_booking_page(
    username: String,
    meeting_type: Option<String>,
    length: Option<i64>,
    month: Option<String>,
    tz: Option<String>,
    reschedule: Option<String>,
    key: Option<String>,
) -> Result<BookingPageAnswer, AppError> {
    crate::server_fns::public(|state| async move {
        use super::free_times::PageRequest;
        let now = chrono::Utc::now();
        // A visitor moving their booking: its own time is free for it.
        let rescheduling = match (reschedule, key) {
            (Some(uid), Some(key)) => {
                Some(crate::manage::access::rescheduling(&state, &uid, &key, &username, now).await?)
            }
            _ => None,
        };
        let request = PageRequest {
            meeting_type: meeting_type.as_deref(),
            length,
            month: month.as_deref(),
            tz: tz.as_deref(),
        };
        super::free_times::booking_page(&state, &username, request, now, rescheduling).await
    })
    .await
}

#[server(endpoint = "book")]
pub async fn book(
    username: String,
    meeting_type: Option<String>,
    length: Option<i64>,
    phone: Option<String>,
    /// The answers to the type's questions, by the question's key (a
    /// ticked checkbox option as `key_N`).
    answers: Option<std::collections::BTreeMap<String, String>>,
    start: i64,
    tz: String,
    name: String,
    email: String,
    note: String,
) -> Result<BookingConfirmation, AppError> {
    use super::book::{book, check, rate_limit, BookingRequest};
    crate::server_fns::public(|state| async move {
        let now = chrono::Utc::now();
        let request = check(
            BookingRequest {
                username,
                meeting_type,
                length,
                phone,
                answers: answers.unwrap_or_default(),
                start,
                tz,
                name,
                email,
                note,
            },
            now,
        )?;
        rate_limit(&state).await?;
        let confirmation = book(&state, request, now).await?;
        // A plain form post (no JavaScript) follows this; the page's form is
        // sent there by Leptos's redirect hook.
        // Its address carries the manage key: the page offers to move or
        // cancel the booking from the start.
        leptos_axum::redirect(&format!("{}&booked=true", state.manage_links.path_for(&confirmation.uid)));
        Ok(confirmation)
    })
    .await
}

/// What the confirmation page shows. The UID is random and unguessable;
/// knowing it is what entitles a visitor to see their booking.
#[server(endpoint = "booking_confirmation")]
pub async fn get_booking_confirmation(uid: String) -> Result<BookingConfirmation, AppError> {
    crate::server_fns::public(|state| async move { super::book::confirmation(&state, &uid).await }).await
}
