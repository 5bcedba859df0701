//! Token custody: the one place that seals Google's tokens for storage and
//! hands out a valid access token for a host.
//!
//! It refreshes when the stored token expires within a minute, lets only one
//! refresh run per host at a time (fifty visitors loading a page together
//! cause one refresh, not fifty), keeps the newest refresh token Google sends,
//! retries Google's transient failures with backoff, and turns a refused
//! refresh (`invalid_grant`: revoked, expired, password changed;
//! `unauthorized_client`: a token of another OAuth client) into "this host
//! must reconnect". A rate limit (429) is only ever a reason to wait. Google
//! refusing BookMate's own client (`invalid_client`, `deleted_client`) is
//! the operator's to fix: logged as an error once, and "unavailable" to
//! everyone meanwhile.

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use chrono::Utc;

use super::{
    access_log::{self, Purpose},
    oidc::{GoogleOidc, OidcError},
    sealed::{TokenCipher, TokenKind},
};
use crate::{
    db::{
        google_access_log::{Api, CallOutcome},
        google_connections::{self, GoogleConnection},
        DbError, DbPool,
    },
    retry::{Backoff, Retry},
};

/// A token this close to expiry is refreshed before use.
const REFRESH_MARGIN: chrono::Duration = chrono::Duration::seconds(60);
/// Google's token endpoint, when it fails: Retry-After is honoured, but never
/// holds a request longer than `max` per attempt.
const REFRESHES: Backoff =
    Backoff { attempts: 3, first: Duration::from_millis(200), max: Duration::from_secs(4) };

/// A token to revoke a grant with. Its `Debug` shows no token.
pub(super) enum RevocableToken {
    Refresh(String),
    /// Live for a minute at least, by the expiry Google gave.
    Access(String),
}

impl RevocableToken {
    pub(super) fn secret(&self) -> &str {
        match self {
            Self::Refresh(token) | Self::Access(token) => token,
        }
    }
}

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
struct RefreshLocks(Mutex<HashMap<i64, Arc<tokio::sync::Mutex<()>>>>);

impl RefreshLocks {
    fn for_user(&self, user_id: i64) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        locks.entry(user_id).or_default().clone()
    }
}

#[derive(Debug)]
pub(super) struct TokenCustody {
    pub(super) cipher: TokenCipher,
    locks: RefreshLocks,
    /// Whether the operator was told that Google refuses BookMate's client:
    /// one error in the log, not one per visitor.
    client_rejection_logged: AtomicBool,
}

impl TokenCustody {
    pub(super) fn new(secret_key: &str) -> Self {
        Self {
            cipher: TokenCipher::new(secret_key),
            locks: RefreshLocks::default(),
            client_rejection_logged: AtomicBool::new(false),
        }
    }

    /// The host's refresh token, if it opens with this server's key.
    pub(super) fn refresh_token(&self, connection: &GoogleConnection) -> Option<String> {
        connection
            .refresh_token_sealed
            .as_deref()
            .and_then(|sealed| self.cipher.open(connection.user_id, TokenKind::Refresh, sealed))
    }

    /// A token that revokes the whole grant: the refresh token, else an
    /// access token still live. An expired access token revokes nothing at
    /// Google (it answers 400 and keeps the grant), so it is never offered.
    pub(super) fn revocable_token(&self, connection: &GoogleConnection) -> Option<RevocableToken> {
        if let Some(token) = self.refresh_token(connection) {
            return Some(RevocableToken::Refresh(token));
        }
        let live =
            connection.access_token_expires_at.is_some_and(|expires| expires - REFRESH_MARGIN > Utc::now());
        let access = || {
            let sealed = connection.access_token_sealed.as_deref()?;
            self.cipher.open(connection.user_id, TokenKind::Access, sealed)
        };
        live.then(access).flatten().map(RevocableToken::Access)
    }

    /// A valid access token for the host whose connection the caller read:
    /// its stored token when fresh, else one refresh shared by every caller.
    pub(super) async fn access_token(
        &self,
        oidc: &GoogleOidc,
        db: &DbPool,
        connection: &GoogleConnection,
    ) -> Result<AccessToken, TokenError> {
        match self.fresh_token(connection)? {
            Some(token) => Ok(token),
            None => self.current_token(oidc, db, connection.user_id).await,
        }
    }

    /// The host's access token as stored now, refreshed if it is not fresh;
    /// one refresh per host at a time.
    pub(super) async fn current_token(
        &self,
        oidc: &GoogleOidc,
        db: &DbPool,
        user_id: i64,
    ) -> Result<AccessToken, TokenError> {
        let lock = self.locks.for_user(user_id);
        let _refreshing = lock.lock().await;
        // Whoever held the lock before us may have refreshed already.
        let connection = google_connections::find(db, user_id).await?.ok_or(TokenError::NeedsReconnect)?;
        if let Some(token) = self.fresh_token(&connection)? {
            return Ok(token);
        }
        let Some(refresh_token) = self.refresh_token(&connection) else {
            google_connections::mark_needs_reconnect(db, user_id, Utc::now()).await?;
            return Err(TokenError::NeedsReconnect);
        };
        let refreshed = REFRESHES
            .retry(
                "token refresh",
                || oidc.refresh(&refresh_token, Utc::now()),
                |error| match error {
                    OidcError::Unavailable(_) => Retry::AfterBackoff,
                    OidcError::RateLimited { retry_after } => {
                        retry_after.map_or(Retry::AfterBackoff, Retry::After)
                    }
                    _ => Retry::Never,
                },
            )
            .await;
        let outcome = match &refreshed {
            Ok(_) => CallOutcome::Ok,
            Err(OidcError::InvalidGrant | OidcError::OtherClientsToken | OidcError::ClientRejected(_)) => {
                CallOutcome::Refused
            }
            Err(_) => CallOutcome::Failed,
        };
        access_log::record(db, user_id, (Api::OAuth, "token refresh"), "", &Purpose::RenewAccess, outcome)
            .await;
        let refreshed = match refreshed {
            Ok(refreshed) => refreshed,
            Err(error @ (OidcError::InvalidGrant | OidcError::OtherClientsToken)) => {
                tracing::info!(user_id, %error, "Google refused the refresh token; the host must reconnect");
                google_connections::mark_needs_reconnect(db, user_id, Utc::now()).await?;
                return Err(TokenError::NeedsReconnect);
            }
            Err(OidcError::ClientRejected(error)) => {
                if !self.client_rejection_logged.swap(true, Ordering::Relaxed) {
                    tracing::error!(
                        error,
                        "Google refuses BookMate's OAuth client: check GOOGLE_CLIENT_ID and \
                         GOOGLE_CLIENT_SECRET, and that the client exists in Google Cloud Console"
                    );
                }
                return Err(TokenError::Unavailable(format!(
                    "Google refuses BookMate's OAuth client: {error}"
                )));
            }
            // Still failing after the last attempt: "unavailable", never
            // "reconnect".
            Err(error) => return Err(TokenError::Unavailable(error.to_string())),
        };
        let access_sealed = self.cipher.seal(user_id, TokenKind::Access, &refreshed.access_token);
        let refresh_sealed = refreshed
            .refresh_token
            .as_deref()
            .map(|token| self.cipher.seal(user_id, TokenKind::Refresh, token));
        // A refreshed token carrying less than the grant BookMate stored:
        // scopes were taken back at Google, behind BookMate's back. Google
        // may still answer calls that other scopes allow, so this is where
        // it shows.
        let scopes_withdrawn = refreshed
            .granted_scopes
            .as_ref()
            .is_some_and(|now| connection.granted_scopes.iter().any(|had| !now.contains(had)));
        let stored = google_connections::RefreshedTokens {
            access_token_sealed: &access_sealed,
            access_token_expires_at: refreshed.expires_at,
            refresh_token_sealed: refresh_sealed.as_deref(),
            granted_scopes: refreshed.granted_scopes.as_ref(),
            refresh_token_expires_at: refreshed.refresh_token_expires_at,
            scopes_withdrawn,
        };
        google_connections::save_refreshed(db, user_id, &stored, Utc::now()).await?;
        Ok(AccessToken(refreshed.access_token))
    }

    /// Google refused `rejected` before its time (revoked, or its clock runs
    /// ahead): make the next `access_token` call refresh, unless another
    /// request has already replaced it, so that a burst of refusals costs one
    /// refresh.
    pub(super) async fn forget_rejected(
        &self,
        db: &DbPool,
        user_id: i64,
        rejected: &AccessToken,
    ) -> Result<(), TokenError> {
        let lock = self.locks.for_user(user_id);
        let _refreshing = lock.lock().await;
        let stored = google_connections::find(db, user_id)
            .await?
            .and_then(|connection| connection.access_token_sealed)
            .and_then(|sealed| self.cipher.open(user_id, TokenKind::Access, &sealed));
        if stored.as_deref() == Some(rejected.secret()) {
            google_connections::expire_access_token(db, user_id).await?;
        }
        Ok(())
    }

    fn fresh_token(&self, connection: &GoogleConnection) -> Result<Option<AccessToken>, TokenError> {
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
            .and_then(|sealed| self.cipher.open(connection.user_id, TokenKind::Access, sealed))
            .map(AccessToken))
    }
}
