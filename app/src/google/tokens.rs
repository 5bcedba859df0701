//! The one place that hands out a valid Google access token for a host.
//!
//! It refreshes when the stored token expires within a minute, lets only one
//! refresh run per host at a time (fifty visitors loading a page together
//! cause one refresh, not fifty), keeps the newest refresh token Google sends,
//! retries Google's transient failures with backoff, and turns a refused
//! refresh (`invalid_grant`: revoked, expired, password changed) into "this
//! host must reconnect". A rate limit (429) is only ever a reason to wait.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use chrono::Utc;

use super::oidc::{OidcError, RefreshedToken};
use crate::{
    auth::server::{AuthContext, TokenKind},
    db::{google_connections, DbError, DbPool},
};

/// A token this close to expiry is refreshed before use.
const REFRESH_MARGIN: chrono::Duration = chrono::Duration::seconds(60);
const REFRESH_ATTEMPTS: u32 = 3;
const FIRST_BACKOFF: Duration = Duration::from_millis(200);
/// Honour Google's Retry-After, but never hold a request longer than this
/// per attempt.
const MAX_BACKOFF: Duration = Duration::from_secs(4);

/// An access token, never logged or shown.
#[derive(Clone)]
pub struct AccessToken(String);

impl AccessToken {
    pub fn secret(&self) -> &str {
        &self.0
    }

    /// A token from outside the store, for client tests.
    pub fn for_tests(secret: &str) -> Self {
        Self(secret.to_owned())
    }
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AccessToken([redacted])")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the host's Google connection must be renewed")]
    NeedsReconnect,
    #[error("Google is not answering: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Database(#[from] DbError),
}

/// Per-host locks, so that one refresh runs at a time for each host.
#[derive(Debug, Default)]
pub struct RefreshLocks(Mutex<HashMap<i64, Arc<tokio::sync::Mutex<()>>>>);

impl RefreshLocks {
    fn for_user(&self, user_id: i64) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        locks.entry(user_id).or_default().clone()
    }
}

pub async fn access_token(auth: &AuthContext, db: &DbPool, user_id: i64) -> Result<AccessToken, TokenError> {
    if let Some(token) = stored_fresh_token(auth, db, user_id).await? {
        return Ok(token);
    }
    let lock = auth.refresh_locks.for_user(user_id);
    let _refreshing = lock.lock().await;
    // Whoever held the lock before us may have refreshed already.
    if let Some(token) = stored_fresh_token(auth, db, user_id).await? {
        return Ok(token);
    }
    let connection = google_connections::find(db, user_id).await?.ok_or(TokenError::NeedsReconnect)?;
    let refresh_token = connection
        .refresh_token_sealed
        .as_deref()
        .and_then(|sealed| auth.open_token(user_id, TokenKind::Refresh, sealed));
    let Some(refresh_token) = refresh_token else {
        google_connections::mark_needs_reconnect(db, user_id, Utc::now()).await?;
        return Err(TokenError::NeedsReconnect);
    };
    let refreshed = match refresh_with_backoff(auth, &refresh_token).await {
        Ok(refreshed) => refreshed,
        Err(OidcError::InvalidGrant) => {
            tracing::info!(user_id, "Google refused the refresh token; the host must reconnect");
            google_connections::mark_needs_reconnect(db, user_id, Utc::now()).await?;
            return Err(TokenError::NeedsReconnect);
        }
        Err(error) => return Err(TokenError::Unavailable(error.to_string())),
    };
    let access_sealed = auth.seal_token(user_id, TokenKind::Access, &refreshed.access_token);
    let refresh_sealed =
        refreshed.refresh_token.as_deref().map(|token| auth.seal_token(user_id, TokenKind::Refresh, token));
    google_connections::save_refreshed(
        db,
        user_id,
        &access_sealed,
        refreshed.expires_at,
        refresh_sealed.as_deref(),
        refreshed.granted_scopes.as_ref(),
        Utc::now(),
    )
    .await?;
    Ok(AccessToken(refreshed.access_token))
}

/// Google refused `rejected` before its time (revoked, or its clock runs
/// ahead): make the next `access_token` call refresh, unless another request
/// has already replaced it, so that a burst of refusals costs one refresh.
pub async fn forget_rejected_token(
    auth: &AuthContext,
    db: &DbPool,
    user_id: i64,
    rejected: &AccessToken,
) -> Result<(), TokenError> {
    let lock = auth.refresh_locks.for_user(user_id);
    let _refreshing = lock.lock().await;
    let stored = google_connections::find(db, user_id)
        .await?
        .and_then(|connection| connection.access_token_sealed)
        .and_then(|sealed| auth.open_token(user_id, TokenKind::Access, &sealed));
    if stored.as_deref() == Some(rejected.secret()) {
        google_connections::expire_access_token(db, user_id).await?;
    }
    Ok(())
}

async fn stored_fresh_token(
    auth: &AuthContext,
    db: &DbPool,
    user_id: i64,
) -> Result<Option<AccessToken>, TokenError> {
    let connection = google_connections::find(db, user_id).await?.ok_or(TokenError::NeedsReconnect)?;
    if connection.needs_reconnect_since.is_some() {
        return Err(TokenError::NeedsReconnect);
    }
    let fresh =
        connection.access_token_expires_at.is_some_and(|expires| expires - REFRESH_MARGIN > Utc::now());
    if !fresh {
        return Ok(None);
    }
    Ok(connection
        .access_token_sealed
        .as_deref()
        .and_then(|sealed| auth.open_token(user_id, TokenKind::Access, sealed))
        .map(AccessToken))
}

/// Retries what may pass (Google unreachable, 5xx, 429 after its
/// Retry-After); a refusal is final. Still failing after the last attempt,
/// the caller hears "unavailable", never "reconnect".
async fn refresh_with_backoff(auth: &AuthContext, refresh_token: &str) -> Result<RefreshedToken, OidcError> {
    let mut backoff = FIRST_BACKOFF;
    let mut attempt = 1;
    loop {
        let error = match auth.google.refresh(refresh_token, Utc::now()).await {
            Ok(refreshed) => return Ok(refreshed),
            Err(error) => error,
        };
        let wait = match &error {
            OidcError::Unavailable(_) => backoff,
            OidcError::RateLimited { retry_after } => {
                retry_after.map_or(backoff, |after| after.min(MAX_BACKOFF))
            }
            _ => return Err(error),
        };
        if attempt == REFRESH_ATTEMPTS {
            return Err(error);
        }
        tracing::warn!(attempt, %error, "token refresh failed; retrying");
        tokio::time::sleep(wait).await;
        backoff *= 2;
        attempt += 1;
    }
}
