//! Signing in with Google, and granting more access later (incremental
//! authorization), by the authorization code flow with PKCE. The HTTP
//! routes (`server/src/routes/auth.rs`) only turn these steps' outcomes and
//! errors into redirects and pages.
//!
//! Every check of RFC 9700 happens in `finish`, in this order: the
//! transaction cookie (bound to this browser, recent), `state` (constant
//! time), `iss` (RFC 9207), Google's own error, the code exchange with the
//! PKCE verifier, and the ID token (signature, issuer, audience, expiry,
//! nonce). Only then is anything stored.
//!
//! Google sends a refresh token only when it shows its consent screen. When
//! an answer carries none and BookMate holds none it can use (the secret key
//! changed, a database was restored, another instance shares the client),
//! the host goes through consent once more with `prompt=consent`; else the
//! connection would work for an hour and then ask to reconnect, forever.

use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use subtle::ConstantTimeEq as _;
use url::Url;

use crate::{
    auth::sessions::{end_session, start_session},
    db::{users, DbError},
    google::oidc::{Authorization, AuthorizationRequest, OidcError, Prompt, Purpose, Transaction},
    google_scopes::{ScopeSet, SIGN_IN},
    needed_scopes,
    settings::actions::complete_pending_direct_booking,
    state::AppState,
};

mod more_access;

pub use more_access::{start_grant, start_narrowing, start_reconnect, NarrowError, NARROWED_RETURN};

/// Where to send the browser, and the transaction cookie to send with it.
pub struct Started {
    pub url: Url,
    pub transaction_cookie: String,
}

// The cookie is sealed, but holds the transaction's secrets all the same.
impl std::fmt::Debug for Started {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Started").field("to", &self.url.host_str()).finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("Google cannot be reached: {0}")]
    GoogleUnreachable(OidcError),
    #[error("could not seal the transaction: {0}")]
    Seal(#[from] serde_json::Error),
    #[error(transparent)]
    Database(#[from] DbError),
}

/// What Google sends back to the callback.
#[derive(Debug, Default, Deserialize)]
pub struct CallbackParams {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub iss: Option<String>,
}

/// How a completed round trip ended.
#[derive(Debug)]
pub enum Finished {
    SignedIn {
        session_cookie: String,
    },
    /// Google kept the grant but sent no refresh token, and BookMate holds
    /// none: back to Google's consent screen, which gives one. Nothing was
    /// stored.
    ConsentAgain(Started),
    /// Back to where the host asked from, with what came of it.
    Granted {
        return_to: String,
        outcome: GrantOutcome,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantOutcome {
    /// Everything the host's features need.
    Granted,
    /// Some of it: a scope was left unticked.
    Partial,
    /// Nothing: refused, or Google needed a page `prompt=none` forbade. A
    /// setting waiting for the access is dropped.
    Denied,
    /// Granted from another Google account than the host's: refused.
    WrongAccount,
}

impl GrantOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Granted => "granted",
            Self::Partial => "partial",
            Self::Denied => "denied",
            Self::WrongAccount => "wrong_account",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("no recent sign-in transaction in this browser")]
    Expired,
    #[error("the callback's state is missing or forged")]
    ForgedState,
    #[error("the callback came from an unexpected issuer: {0}")]
    WrongIssuer(String),
    #[error("the person cancelled at Google")]
    Cancelled,
    #[error("Google answered the authorization with an error: {0}")]
    GoogleError(String),
    #[error("the callback carried no code")]
    NoCode,
    #[error("Google refused the code: used before, or expired")]
    CodeRejected,
    #[error("Google cannot be reached: {0}")]
    GoogleUnreachable(String),
    #[error("Google refuses BookMate's OAuth client: {0}")]
    ClientRejected(String),
    #[error("could not start the consent again: {0}")]
    ConsentAgain(StartError),
    #[error("Google's answer did not verify: {0}")]
    Unverified(OidcError),
    #[error("Google did not share the email address")]
    NoEmail,
    #[error("could not store the sign-in: {0}")]
    SaveSignIn(DbError),
    #[error("could not store the grant: {0}")]
    SaveGrant(DbError),
}

/// Starts signing in, with the sign-in scopes only.
pub async fn start_sign_in(state: &AppState) -> Result<Started, StartError> {
    start(
        state,
        AuthorizationRequest {
            scopes: &SIGN_IN,
            login_hint: None,
            prompt: Prompt::Default,
            purpose: Purpose::SignIn,
        },
    )
    .await
}

async fn start(state: &AppState, request: AuthorizationRequest<'_>) -> Result<Started, StartError> {
    let (url, transaction) = state
        .google
        .oidc()
        .authorization_url(request, Utc::now())
        .await
        .map_err(StartError::GoogleUnreachable)?;
    Ok(Started { url, transaction_cookie: state.cookies.transaction(&transaction)? })
}

/// Finishes the round trip: checks Google's answer, then stores what was
/// granted and, for a sign-in, starts a session.
pub async fn finish(
    state: &AppState,
    headers: &HeaderMap,
    params: &CallbackParams,
    now: DateTime<Utc>,
) -> Result<Finished, SignInError> {
    let transaction = state.cookies.open_transaction(headers, now).ok_or(SignInError::Expired)?;
    let state_matches = params
        .state
        .as_deref()
        .is_some_and(|returned| bool::from(returned.as_bytes().ct_eq(transaction.state.as_bytes())));
    if !state_matches {
        return Err(SignInError::ForgedState);
    }
    let issuer = state.google.oidc().issuer();
    if let Some(returned) = params.iss.as_deref() {
        if returned.trim_end_matches('/') != issuer.trim_end_matches('/') {
            return Err(SignInError::WrongIssuer(returned.to_owned()));
        }
    }
    if let Some(error) = params.error.as_deref() {
        if let Purpose::GrantScopes { user_id, return_to, .. } = transaction.purpose {
            tracing::info!(error, "incremental authorization not granted");
            drop_pending_settings(state, user_id).await;
            return Ok(Finished::Granted { return_to, outcome: GrantOutcome::Denied });
        }
        return Err(match error {
            "access_denied" => SignInError::Cancelled,
            other => SignInError::GoogleError(other.to_owned()),
        });
    }
    let code = params.code.as_deref().ok_or(SignInError::NoCode)?;
    let authorization =
        state.google.oidc().exchange_code(code, &transaction, now).await.map_err(|error| match error {
            OidcError::InvalidGrant => SignInError::CodeRejected,
            OidcError::Unavailable(detail) => SignInError::GoogleUnreachable(detail),
            OidcError::ClientRejected(detail) => SignInError::ClientRejected(detail),
            other => SignInError::Unverified(other),
        })?;
    if needs_consent_again(state, &transaction, &authorization).await.map_err(SignInError::SaveGrant)? {
        tracing::info!("Google sent no refresh token and BookMate holds none; asking for consent again");
        let started = consent_again(state, transaction.purpose, &authorization.profile.sub)
            .await
            .map_err(SignInError::ConsentAgain)?;
        return Ok(Finished::ConsentAgain(started));
    }

    match transaction.purpose {
        Purpose::SignIn if authorization.profile.email.is_empty() => Err(SignInError::NoEmail),
        Purpose::SignIn => {
            let session_cookie = complete_sign_in(state, headers, &authorization, now)
                .await
                .map_err(SignInError::SaveSignIn)?;
            Ok(Finished::SignedIn { session_cookie })
        }
        Purpose::GrantScopes { user_id, expected_sub, return_to } => {
            if authorization.profile.sub != expected_sub {
                tracing::warn!(user_id, "access was granted from another Google account; refused");
                drop_pending_settings(state, user_id).await;
                return Ok(Finished::Granted { return_to, outcome: GrantOutcome::WrongAccount });
            }
            let outcome =
                complete_grant(state, user_id, &authorization, now).await.map_err(SignInError::SaveGrant)?;
            Ok(Finished::Granted { return_to, outcome })
        }
    }
}

/// Whether this answer, without a refresh token, would leave the host
/// without one: asked once with `prompt=consent` already, it is taken as
/// it is.
async fn needs_consent_again(
    state: &AppState,
    transaction: &Transaction,
    authorization: &Authorization,
) -> Result<bool, DbError> {
    if authorization.refresh_token.is_some() || transaction.consent_prompted {
        return Ok(false);
    }
    let db = state.database.pool();
    let user_id = match &transaction.purpose {
        Purpose::GrantScopes { user_id, .. } => Some(*user_id),
        Purpose::SignIn => {
            users::find_by_google_sub(db, &authorization.profile.sub).await?.map(|user| user.user_id)
        }
    };
    match user_id {
        Some(user_id) => Ok(!state.google.holds_refresh_token(db, user_id).await?),
        None => Ok(true),
    }
}

/// The same request again, for the same account, with Google's consent
/// screen shown.
async fn consent_again(state: &AppState, purpose: Purpose, google_sub: &str) -> Result<Started, StartError> {
    let wanted = match &purpose {
        Purpose::SignIn => SIGN_IN.iter().copied().collect(),
        Purpose::GrantScopes { user_id, .. } => {
            match users::find_by_id(state.database.pool(), *user_id).await? {
                Some(user) => needed_scopes::wanted_now(state.database.pool(), &user).await?,
                None => ScopeSet::default(),
            }
        }
    };
    let scopes: Vec<&str> = if wanted.is_empty() { SIGN_IN.to_vec() } else { wanted.iter().collect() };
    let request = AuthorizationRequest {
        scopes: &scopes,
        login_hint: Some(google_sub),
        prompt: Prompt::Consent,
        purpose,
    };
    start(state, request).await
}

/// Creates or updates the host, stores what Google granted, and starts a new
/// session; returns its cookie.
async fn complete_sign_in(
    state: &AppState,
    headers: &HeaderMap,
    authorization: &Authorization,
    now: DateTime<Utc>,
) -> Result<String, DbError> {
    let user = users::upsert_from_google(state.database.pool(), &authorization.profile, now).await?;
    state.google.store_grant(state.database.pool(), user.user_id, authorization, now).await?;
    // A reconnection can reopen the host's booking page.
    state.host_changed(user.user_id);
    // A session this browser had before ends: sign-in always issues a new id.
    end_session(state, headers).await?;
    let cookie = start_session(state, user.user_id).await?;
    tracing::info!(user_id = user.user_id, "host signed in");
    Ok(cookie)
}

/// Stores what Google granted a signed-in host; says whether it covers
/// everything their features need.
async fn complete_grant(
    state: &AppState,
    user_id: i64,
    authorization: &Authorization,
    now: DateTime<Utc>,
) -> Result<GrantOutcome, DbError> {
    let db = state.database.pool();
    state.google.store_grant(db, user_id, authorization, now).await?;
    state.host_changed(user_id);
    let Some(user) = users::find_by_id(db, user_id).await? else {
        return Ok(GrantOutcome::Partial);
    };
    let wanted = needed_scopes::wanted_now(state.database.pool(), &user).await?;
    complete_pending_direct_booking(state, user_id, &authorization.granted_scopes).await?;
    crate::following::switch::complete_pending(state, user_id, &authorization.granted_scopes).await?;
    Ok(if authorization.granted_scopes.contains_all(&wanted) {
        GrantOutcome::Granted
    } else {
        GrantOutcome::Partial
    })
}

async fn drop_pending_settings(state: &AppState, user_id: i64) {
    if let Err(error) = complete_pending_direct_booking(state, user_id, &ScopeSet::default()).await {
        tracing::error!(%error, user_id, "could not drop a pending setting");
    }
    let nothing = ScopeSet::default();
    let dropped = crate::following::switch::complete_pending(state, user_id, &nothing);
    if let Err(error) = dropped.await {
        tracing::error!(%error, user_id, "could not drop a pending setting");
    }
}
