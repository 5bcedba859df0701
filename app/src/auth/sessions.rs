//! Sessions on the server: who a request's cookie belongs to, and starting
//! and ending sessions. A new session always gets a new token, so a session
//! cannot be fixed by someone else.

use axum::http::HeaderMap;
use chrono::Utc;

use super::cookies::read_cookie;
use crate::{
    crypto::{random_token, token_digest},
    db::{sessions, users, DbError},
    state::AppState,
};

/// The host whose session cookie this request carries, if the session lives.
pub async fn current_user(state: &AppState, headers: &HeaderMap) -> Result<Option<users::User>, DbError> {
    let Some(token) = read_cookie(headers, state.cookies.session_name()) else {
        return Ok(None);
    };
    let db = state.database.pool();
    let Some(session) = sessions::find_live(db, &token_digest(token), Utc::now()).await? else {
        return Ok(None);
    };
    users::find_by_id(db, session.user_id).await
}

/// Starts a new session and returns its `Set-Cookie` value.
pub async fn start_session(state: &AppState, user_id: i64) -> Result<String, DbError> {
    let token = random_token();
    sessions::create(state.database.pool(), &token_digest(&token), user_id, Utc::now()).await?;
    Ok(state.cookies.set(state.cookies.session_name(), &token, sessions::ABSOLUTE_TIMEOUT.num_seconds()))
}

/// Ends the request's session, if any, and returns the clearing `Set-Cookie`.
pub async fn end_session(state: &AppState, headers: &HeaderMap) -> Result<String, DbError> {
    if let Some(token) = read_cookie(headers, state.cookies.session_name()) {
        sessions::delete(state.database.pool(), &token_digest(token)).await?;
    }
    Ok(state.cookies.expire(state.cookies.session_name()))
}
