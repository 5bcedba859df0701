//! Sessions and the OAuth transaction cookie, on the server.
//!
//! The session cookie holds a random token; the database holds its digest.
//! The transaction cookie holds the state, nonce and PKCE verifier of one
//! authorization, sealed (encrypted and authenticated), for ten minutes.

use axum::http::{header, HeaderMap};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use url::Url;

use super::SessionInfo;
use crate::{
    crypto::{random_token, token_digest, KeyPurpose, SecretBox},
    db::{google_connections, sessions, users, DbError},
    error::AppError,
    google::{
        calendar::CalendarApi,
        oidc::{GoogleOidc, Transaction},
        tokens::RefreshLocks,
    },
    state::AppState,
};

/// A transaction older than this is refused: the person took too long, or
/// the cookie is being replayed.
pub const TRANSACTION_LIFETIME_SECONDS: i64 = 600;
const TRANSACTION_CONTEXT: &[u8] = b"oauth-transaction";

/// Everything sign-in needs, built once at start.
#[derive(Debug)]
pub struct AuthContext {
    pub google: GoogleOidc,
    pub token_box: SecretBox,
    cookie_box: SecretBox,
    pub public_url: Url,
    /// On https, cookies are `Secure` and `__Host-` prefixed.
    secure_cookies: bool,
    pub(crate) refresh_locks: RefreshLocks,
    pub calendar: CalendarApi,
    /// How long one call to Google may take, retries included.
    pub call_budget: std::time::Duration,
}

impl AuthContext {
    pub fn new(google: GoogleOidc, calendar: CalendarApi, secret_key: &str, public_url: Url) -> Self {
        let secure_cookies = public_url.scheme() == "https";
        Self {
            google,
            token_box: SecretBox::derive(secret_key, KeyPurpose::StoredTokens),
            cookie_box: SecretBox::derive(secret_key, KeyPurpose::OAuthCookie),
            public_url,
            secure_cookies,
            refresh_locks: RefreshLocks::default(),
            calendar,
            call_budget: std::time::Duration::from_secs(20),
        }
    }

    /// Sets how long one call to Google may take, retries included.
    #[must_use]
    pub fn with_call_budget(mut self, budget: std::time::Duration) -> Self {
        self.call_budget = budget;
        self
    }

    pub fn session_cookie_name(&self) -> &'static str {
        if self.secure_cookies {
            "__Host-bookmate_session"
        } else {
            "bookmate_session"
        }
    }

    pub fn transaction_cookie_name(&self) -> &'static str {
        if self.secure_cookies {
            "__Host-bookmate_oauth"
        } else {
            "bookmate_oauth"
        }
    }

    /// The origin browsers use for us, for cross-site request checks.
    pub fn origin(&self) -> String {
        self.public_url.origin().ascii_serialization()
    }

    /// The exact redirect URI registered with Google; never built from the
    /// request's Host header.
    pub fn redirect_uri(&self) -> String {
        format!("{}/auth/google/callback", self.public_url.as_str().trim_end_matches('/'))
    }

    /// `Set-Cookie` for a cookie only this site's pages send back.
    pub fn cookie(&self, name: &str, value: &str, max_age_seconds: i64) -> String {
        let secure = if self.secure_cookies { "; Secure" } else { "" };
        format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_seconds}{secure}")
    }

    pub fn expired_cookie(&self, name: &str) -> String {
        self.cookie(name, "", 0)
    }

    /// Seals a Google token for storage, bound to its owner and kind.
    pub fn seal_token(&self, user_id: i64, kind: TokenKind, token: &str) -> String {
        self.token_box.seal(token.as_bytes(), kind.context(user_id).as_bytes())
    }

    pub fn open_token(&self, user_id: i64, kind: TokenKind, sealed: &str) -> Option<String> {
        let bytes = self.token_box.open(sealed, kind.context(user_id).as_bytes()).ok()?;
        String::from_utf8(bytes).ok()
    }

    pub fn seal_transaction(&self, transaction: &Transaction) -> Result<String, serde_json::Error> {
        let json = serde_json::to_vec(transaction)?;
        Ok(self.cookie_box.seal(&json, TRANSACTION_CONTEXT))
    }

    /// The transaction the cookie carries, if it is ours and recent.
    pub fn open_transaction(&self, sealed: &str, now: DateTime<Utc>) -> Option<Transaction> {
        let json = self.cookie_box.open(sealed, TRANSACTION_CONTEXT).ok()?;
        let transaction: Transaction = serde_json::from_slice(&json).ok()?;
        let age = now.timestamp() - transaction.started_at;
        (0..=TRANSACTION_LIFETIME_SECONDS).contains(&age).then_some(transaction)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Access,
    Refresh,
}

impl TokenKind {
    fn context(self, user_id: i64) -> String {
        let kind = match self {
            Self::Access => "access",
            Self::Refresh => "refresh",
        };
        format!("google-token:{user_id}:{kind}")
    }
}

/// The value of one cookie in a request.
pub fn read_cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// The host whose session cookie this request carries, if the session lives.
pub async fn current_user(state: &AppState, headers: &HeaderMap) -> Result<Option<users::User>, DbError> {
    let Some(token) = read_cookie(headers, state.auth.session_cookie_name()) else {
        return Ok(None);
    };
    let db = state.database.pool();
    let Some(session) = sessions::find_live(db, &token_digest(token), Utc::now()).await? else {
        return Ok(None);
    };
    users::find_by_id(db, session.user_id).await
}

/// Starts a new session (a new token, so no fixation) and returns its
/// `Set-Cookie` value.
pub async fn start_session(state: &AppState, user_id: i64) -> Result<String, DbError> {
    let token = random_token();
    sessions::create(state.database.pool(), &token_digest(&token), user_id, Utc::now()).await?;
    Ok(state.auth.cookie(state.auth.session_cookie_name(), &token, sessions::ABSOLUTE_TIMEOUT.num_seconds()))
}

/// Ends the request's session, if any, and returns the clearing `Set-Cookie`.
pub async fn end_session(state: &AppState, headers: &HeaderMap) -> Result<String, DbError> {
    if let Some(token) = read_cookie(headers, state.auth.session_cookie_name()) {
        sessions::delete(state.database.pool(), &token_digest(token)).await?;
    }
    Ok(state.auth.expired_cookie(state.auth.session_cookie_name()))
}

/// The session claims for the request being rendered or served.
pub async fn current_session_info() -> Result<Option<SessionInfo>, AppError> {
    let state = expect_context::<AppState>();
    let Some(parts) = use_context::<axum::http::request::Parts>() else {
        return Ok(None);
    };
    let Some(user) = current_user(&state, &parts.headers).await? else {
        return Ok(None);
    };
    let connection = google_connections::find(state.database.pool(), user.user_id).await?;
    Ok(Some(SessionInfo {
        user_id: user.user_id,
        name: user.display_name,
        email: user.email,
        picture_url: user.picture_url,
        username: user.username,
        granted_scopes: connection
            .as_ref()
            .map(|connection| connection.granted_scopes.iter().map(str::to_owned).collect())
            .unwrap_or_default(),
        additional_scopes: user.additional_scopes.iter().map(str::to_owned).collect(),
        needs_reconnect: connection.is_none_or(|connection| connection.needs_reconnect_since.is_some()),
    }))
}

/// The signed-in host making this server-function call, or `Unauthorized`.
/// Every server function that acts for a host starts here.
pub async fn require_user() -> Result<(AppState, users::User), AppError> {
    let state = expect_context::<AppState>();
    let parts = use_context::<axum::http::request::Parts>().ok_or(AppError::Unauthorized)?;
    let user = current_user(&state, &parts.headers).await?.ok_or(AppError::Unauthorized)?;
    Ok((state, user))
}

/// Revokes the grant at Google (any token of a grant revokes all of it) and
/// deletes the stored tokens.
pub async fn disconnect(state: &AppState, user_id: i64) -> Result<(), AppError> {
    let db = state.database.pool();
    if let Some(connection) = google_connections::find(db, user_id).await? {
        let token = connection
            .refresh_token_sealed
            .as_deref()
            .and_then(|sealed| state.auth.open_token(user_id, TokenKind::Refresh, sealed))
            .or_else(|| {
                connection
                    .access_token_sealed
                    .as_deref()
                    .and_then(|sealed| state.auth.open_token(user_id, TokenKind::Access, sealed))
            });
        if let Some(token) = token {
            // A grant we cannot revoke must not be forgotten silently: the
            // host would believe BookMate holds no access while Google says
            // it does.
            state.auth.google.revoke(&token).await.map_err(|error| {
                tracing::error!(%error, user_id, "could not revoke the Google grant");
                AppError::Conflict(
                    "Google could not be reached to remove BookMate's access. Nothing was changed; please try again."
                        .to_owned(),
                )
            })?;
        }
        google_connections::delete(db, user_id).await?;
    }
    tracing::info!(user_id, "Google disconnected");
    Ok(())
}

/// Disconnects Google, then deletes the host (sessions, connection and all
/// their data go by cascade).
pub async fn delete_account(state: &AppState, user_id: i64) -> Result<(), AppError> {
    disconnect(state, user_id).await?;
    let db = state.database.pool();
    sessions::delete_all_for_user(db, user_id).await?;
    users::delete(db, user_id).await?;
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        if let Ok(cookie) = state.auth.expired_cookie(state.auth.session_cookie_name()).parse() {
            response.append_header(axum::http::header::SET_COOKIE, cookie);
        }
    }
    tracing::info!(user_id, "account deleted");
    Ok(())
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn cookies_are_read_by_exact_name() {
        let mut headers = HeaderMap::new();
        headers.append(header::COOKIE, HeaderValue::from_static("other=1; bookmate_session=abc; x=y"));
        headers.append(header::COOKIE, HeaderValue::from_static("bookmate_oauth=v1.zzz"));
        assert_eq!(read_cookie(&headers, "bookmate_session"), Some("abc"));
        assert_eq!(read_cookie(&headers, "bookmate_oauth"), Some("v1.zzz"));
        assert_eq!(read_cookie(&headers, "session"), None);
    }
}
