//! Calls to Google on a host's behalf: the stored grant is checked first (the
//! server never trusts the browser's idea of what was granted), a refused
//! token is refreshed and the call retried once, and transient failures are
//! retried with backoff.

use std::{future::Future, time::Duration};

use super::{
    calendar::CalendarError,
    tokens::{self, AccessToken, TokenError},
};
use crate::{
    auth::server::AuthContext,
    db::{google_connections, DbError, DbPool},
};

const ATTEMPTS: u32 = 3;
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
/// Honour Google's Retry-After, but never hold a request longer than this.
const MAX_BACKOFF: Duration = Duration::from_secs(4);

#[derive(Debug, thiserror::Error)]
pub enum GoogleCallError {
    #[error("the host must reconnect Google")]
    NeedsReconnect,
    #[error("the host has not granted the access this needs")]
    MissingScope,
    #[error("Google is unavailable: {0}")]
    Unavailable(String),
    #[error("Google refused: {0}")]
    Refused(CalendarError),
    #[error(transparent)]
    Database(#[from] DbError),
}

impl From<TokenError> for GoogleCallError {
    fn from(error: TokenError) -> Self {
        match error {
            TokenError::NeedsReconnect => Self::NeedsReconnect,
            TokenError::Unavailable(detail) => Self::Unavailable(detail),
            TokenError::Database(error) => Self::Database(error),
        }
    }
}

/// Runs `call` with a valid access token of the host, if their stored grant
/// holds one of `accepted_scopes`.
pub async fn authorized<T, F, Fut>(
    auth: &AuthContext,
    db: &DbPool,
    user_id: i64,
    accepted_scopes: &[&str],
    call: F,
) -> Result<T, GoogleCallError>
where
    F: Fn(AccessToken) -> Fut,
    Fut: Future<Output = Result<T, CalendarError>>,
{
    let connection = google_connections::find(db, user_id).await?.ok_or(GoogleCallError::NeedsReconnect)?;
    if !accepted_scopes.iter().any(|scope| connection.granted_scopes.contains(scope)) {
        return Err(GoogleCallError::MissingScope);
    }
    // Retries are bounded in time as well as in number, so that a Google
    // that hangs leaves the caller time to answer (and fall back) within
    // the server's request limit.
    tokio::time::timeout(auth.call_budget, with_retries(auth, db, user_id, call)).await.unwrap_or_else(|_| {
        Err(GoogleCallError::Unavailable(format!("no answer within {:?}", auth.call_budget)))
    })
}

async fn with_retries<T, F, Fut>(
    auth: &AuthContext,
    db: &DbPool,
    user_id: i64,
    call: F,
) -> Result<T, GoogleCallError>
where
    F: Fn(AccessToken) -> Fut,
    Fut: Future<Output = Result<T, CalendarError>>,
{
    let mut refreshed_after_401 = false;
    let mut attempt = 1;
    let mut backoff = FIRST_BACKOFF;
    loop {
        let token = tokens::access_token(auth, db, user_id).await?;
        let used = token.clone();
        match call(token).await {
            Ok(value) => return Ok(value),
            Err(CalendarError::Unauthorized) if !refreshed_after_401 => {
                // The stored token was revoked or expired early: refresh once.
                refreshed_after_401 = true;
                tokens::forget_rejected_token(auth, db, user_id, &used).await?;
            }
            Err(CalendarError::Unauthorized) => return Err(GoogleCallError::NeedsReconnect),
            Err(CalendarError::MissingScope { .. }) => return Err(GoogleCallError::MissingScope),
            Err(error) if error.is_transient() && attempt < ATTEMPTS => {
                let wait = match error {
                    CalendarError::RateLimited { retry_after_seconds: Some(seconds) } => {
                        Duration::from_secs(seconds).min(MAX_BACKOFF)
                    }
                    _ => backoff,
                };
                tracing::warn!(attempt, %error, "Google call failed; retrying");
                tokio::time::sleep(wait).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
                attempt += 1;
            }
            Err(error) if error.is_transient() => {
                return Err(GoogleCallError::Unavailable(error.to_string()))
            }
            Err(error) => return Err(GoogleCallError::Refused(error)),
        }
    }
}
