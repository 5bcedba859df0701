//! Calls to Google on a host's behalf: the stored grant is checked first (the
//! server never trusts the browser's idea of what was granted), a refused
//! token is refreshed and the call made again once, and transient failures
//! are retried with backoff, all within a time budget.

use std::{
    future::Future,
    sync::atomic::{AtomicBool, Ordering},
    time::Duration,
};

use super::{
    access_log::{self, Purpose},
    calendar::CalendarError,
    oidc::GoogleOidc,
    tokens::{AccessToken, TokenCustody, TokenError},
};
use crate::{
    db::{
        google_access_log::{Api, CallOutcome},
        google_connections::GoogleConnection,
        DbError, DbPool,
    },
    retry::{Backoff, Retry},
};

/// Calendar calls: Retry-After is honoured up to `max`.
const CALLS: Backoff =
    Backoff { attempts: 3, first: Duration::from_millis(250), max: Duration::from_secs(4) };

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

/// One attempt's failure, before it is judged.
#[derive(Debug, thiserror::Error)]
enum Failure {
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error(transparent)]
    Calendar(#[from] CalendarError),
}

impl From<Failure> for GoogleCallError {
    fn from(failure: Failure) -> Self {
        match failure {
            Failure::Token(error) => error.into(),
            // Refused again after a refresh: the grant is gone.
            Failure::Calendar(CalendarError::Unauthorized) => Self::NeedsReconnect,
            Failure::Calendar(CalendarError::MissingScope { .. }) => Self::MissingScope,
            Failure::Calendar(error) if error.is_transient() => Self::Unavailable(error.to_string()),
            Failure::Calendar(error) => Self::Refused(error),
        }
    }
}

/// What a call on a host's behalf needs from the Google client.
pub(super) struct Caller<'a> {
    pub oidc: &'a GoogleOidc,
    pub tokens: &'a TokenCustody,
    pub db: &'a DbPool,
    /// How long the call may take, retries included.
    pub budget: Duration,
}

impl Caller<'_> {
    /// Runs `call` (Google's `method`, for `purpose`) with a valid access
    /// token of the host, if their stored grant holds one of
    /// `accepted_scopes`, the narrowest first; the call is recorded in the
    /// host's access log with the scope it relied on.
    pub(super) async fn authorized<T, F, Fut>(
        &self,
        host: &GoogleConnection,
        accepted_scopes: &[&str],
        (method, purpose): (&str, &Purpose),
        call: F,
    ) -> Result<T, GoogleCallError>
    where
        F: Fn(AccessToken) -> Fut,
        Fut: Future<Output = Result<T, CalendarError>>,
    {
        let Some(scope) = accepted_scopes.iter().find(|scope| host.granted_scopes.contains(scope)) else {
            return Err(GoogleCallError::MissingScope);
        };
        // Bounded in time as well as in number, so that a Google that hangs
        // leaves the caller time to answer (and fall back) within the
        // server's request limit.
        let refreshed_after_401 = AtomicBool::new(false);
        let reached_google = AtomicBool::new(false);
        let retried = CALLS.retry(
            "Google call",
            || self.attempt(host, &call, &refreshed_after_401, &reached_google),
            judge,
        );
        let result = match tokio::time::timeout(self.budget, retried).await {
            Ok(result) => result.map_err(GoogleCallError::from),
            Err(_) => Err(GoogleCallError::Unavailable(format!("no answer within {:?}", self.budget))),
        };
        if reached_google.load(Ordering::Relaxed) {
            let outcome = outcome_of(&result);
            access_log::record(self.db, host.user_id, (Api::Calendar, method), scope, purpose, outcome).await;
        }
        result
    }

    async fn attempt<T, F, Fut>(
        &self,
        host: &GoogleConnection,
        call: &F,
        refreshed_after_401: &AtomicBool,
        reached_google: &AtomicBool,
    ) -> Result<T, Failure>
    where
        F: Fn(AccessToken) -> Fut,
        Fut: Future<Output = Result<T, CalendarError>>,
    {
        let token = self.tokens.access_token(self.oidc, self.db, host).await?;
        reached_google.store(true, Ordering::Relaxed);
        match call(token.clone()).await {
            Err(CalendarError::Unauthorized) if !refreshed_after_401.swap(true, Ordering::Relaxed) => {
                // The stored token was revoked or expired early: refresh once.
                self.tokens.forget_rejected(self.db, host.user_id, &token).await?;
                let token = self.tokens.current_token(self.oidc, self.db, host.user_id).await?;
                Ok(call(token).await?)
            }
            result => Ok(result?),
        }
    }
}

/// How a finished call reads in the host's access log.
fn outcome_of<T>(result: &Result<T, GoogleCallError>) -> CallOutcome {
    match result {
        Ok(_) => CallOutcome::Ok,
        Err(
            GoogleCallError::NeedsReconnect | GoogleCallError::MissingScope | GoogleCallError::Refused(_),
        ) => CallOutcome::Refused,
        Err(GoogleCallError::Unavailable(_) | GoogleCallError::Database(_)) => CallOutcome::Failed,
    }
}

/// Whether a failed attempt may pass if tried again, and when.
fn judge(failure: &Failure) -> Retry {
    match failure {
        Failure::Calendar(CalendarError::RateLimited { retry_after_seconds: Some(seconds) }) => {
            Retry::After(Duration::from_secs(*seconds))
        }
        Failure::Calendar(error) if error.is_transient() => Retry::AfterBackoff,
        _ => Retry::Never,
    }
}
