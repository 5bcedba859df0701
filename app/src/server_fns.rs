//! The one door of every server function. It turns the function's error
//! into the HTTP status the error means (Leptos would answer 500 for any),
//! and for a host's action it finds the host from the session (never from
//! the browser) and, when the action changes what visitors see, drops the
//! host's cached booking page in every process. A new server function that
//! goes through `public` or `as_host` cannot forget either; the tidy tests
//! check that each one does.

use std::future::Future;

use axum::http::{header, request::Parts};
use leptos::prelude::*;

use crate::{auth::sessions::current_user, db::users::User, error::AppError, state::AppState};

/// Whether a host's action changes what visitors see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Reads, or changes only what the host sees.
    ReadOnly,
    /// Changes the host's booking page: settings, Google access, the account.
    ChangesBookingPage,
}

/// A server function anyone may call: a visitor's, or the session check.
pub async fn public<T, Fut>(action: impl FnOnce(AppState) -> Fut) -> Result<T, AppError>
where
    Fut: Future<Output = Result<T, AppError>>,
{
    let state = expect_context::<AppState>();
    respond(action(state).await)
}

/// A server function that acts for the signed-in host, or answers
/// `Unauthorized`. It touches only that host's rows: the host is the one
/// argument it gets about who is asking.
pub async fn as_host<T, Fut>(
    effect: Effect,
    action: impl FnOnce(AppState, User) -> Fut,
) -> Result<T, AppError>
where
    Fut: Future<Output = Result<T, AppError>>,
{
    let result = async {
        let state = expect_context::<AppState>();
        let request = use_context::<Parts>().ok_or(AppError::Unauthorized)?;
        let user = current_user(&state, &request.headers).await?.ok_or(AppError::Unauthorized)?;
        let user_id = user.user_id;
        let done = action(state.clone(), user).await;
        // Even after a failure: part of a change may have been stored.
        if effect == Effect::ChangesBookingPage {
            state.host_changed(user_id);
        }
        done
    }
    .await;
    respond(result)
}

/// The function's HTTP status says what its error says. Two callers decide
/// their own status: a page that calls the function while it renders, and a
/// plain HTML form post, which Leptos redirects back to its page with the
/// error in the address.
fn respond<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(error) = &result {
        let called_by_script = use_context::<Parts>().is_some_and(|request| {
            let accepts_html = request
                .headers
                .get(header::ACCEPT)
                .and_then(|accept| accept.to_str().ok())
                .is_some_and(|accept| accept.contains("text/html"));
            request.uri.path().starts_with("/api/") && !accepts_html
        });
        if let (true, Some(response)) = (called_by_script, use_context::<leptos_axum::ResponseOptions>()) {
            response.set_status(error.http_status());
        }
    }
    result
}
