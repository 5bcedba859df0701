//! The host's account as a whole: what BookMate may do with their Google
//! account, and deleting everything.

use leptos::prelude::*;

use crate::error::AppError;

/// Revokes BookMate's grant at Google and forgets the tokens. The host stays
/// signed in and sees that Google must be reconnected.
#[server(endpoint = "disconnect_google")]
pub async fn disconnect_google() -> Result<(), AppError> {
    use crate::server_fns::{as_host, Effect};
    as_host(Effect::ChangesBookingPage, |state, user| async move {
        state.google.disconnect(state.database.pool(), user.user_id).await?;
        tracing::info!(user_id = user.user_id, "Google disconnected");
        Ok(())
    })
    .await
}

/// Revokes the grant, deletes the host and everything that is theirs, and
/// signs them out everywhere.
#[server(endpoint = "delete_account")]
pub async fn delete_account() -> Result<(), AppError> {
    use crate::{
        db::{sessions, users},
        server_fns::{as_host, Effect},
    };
    as_host(Effect::ChangesBookingPage, |state, user| async move {
        state.google.disconnect(state.database.pool(), user.user_id).await?;
        let db = state.database.pool();
        // The host's connection, settings and bookings go by cascade.
        sessions::delete_all_for_user(db, user.user_id).await?;
        users::delete(db, user.user_id).await?;
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            if let Ok(cookie) = state.cookies.expire(state.cookies.session_name()).parse() {
                response.append_header(axum::http::header::SET_COOKIE, cookie);
            }
        }
        tracing::info!(user_id = user.user_id, "account deleted");
        leptos_axum::redirect("/");
        Ok(())
    })
    .await
}
