//! Sign-in with Google: `/auth/google/login` starts the authorization code
//! flow, `/auth/google/callback` finishes it, `/auth/logout` ends the session.
//!
//! Every check of RFC 9700 happens in the callback, in this order: the
//! transaction cookie (bound to this browser, recent), `state` (constant
//! time), `iss` (RFC 9207), Google's own error, the code exchange with the
//! PKCE verifier, and the ID token (signature, issuer, audience, expiry,
//! nonce). Only then is anything stored.

use app::{
    auth::server::{
        current_user, end_session, read_cookie, start_session, TokenKind, TRANSACTION_LIFETIME_SECONDS,
    },
    db::{google_connections, host_settings, users},
    google::oidc::{Authorization, AuthorizationRequest, OidcError, Purpose},
    google_scopes::{ScopeSet, CALENDAR_EVENTS, SIGN_IN},
    state::AppState,
};
use axum::{
    extract::{Query, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Router,
};
use chrono::Utc;
use serde::Deserialize;
use subtle::ConstantTimeEq as _;

use super::message_page::message_page;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/google/login", get(login))
        .route("/auth/google/callback", get(callback))
        .route("/auth/google/grant", get(grant))
        .route("/auth/logout", post(logout))
}

async fn login(State(state): State<AppState>) -> Response {
    let request =
        AuthorizationRequest { scopes: &SIGN_IN, login_hint: None, silent: false, purpose: Purpose::SignIn };
    start_authorization(&state, request).await
}

/// Sends the browser to Google with a new transaction in a sealed cookie.
async fn start_authorization(state: &AppState, request: AuthorizationRequest<'_>) -> Response {
    let (url, transaction) = match state.auth.google.authorization_url(request, Utc::now()).await {
        Ok(started) => started,
        Err(error) => {
            tracing::error!(%error, "could not start sign-in");
            return message_page(
                StatusCode::SERVICE_UNAVAILABLE,
                "Google cannot be reached",
                "BookMate could not reach Google to start signing you in. Please try again in a moment.",
            );
        }
    };
    let sealed = match state.auth.seal_transaction(&transaction) {
        Ok(sealed) => sealed,
        Err(error) => {
            tracing::error!(%error, "could not seal a sign-in transaction");
            return message_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Sign-in could not start",
                "Something went wrong on our side. Please try again.",
            );
        }
    };
    let cookie =
        state.auth.cookie(state.auth.transaction_cookie_name(), &sealed, TRANSACTION_LIFETIME_SECONDS);
    redirect_with_cookies(url.as_str(), [cookie])
}

#[derive(Debug, Deserialize)]
struct GrantParams {
    return_to: Option<String>,
    /// `prompt=none`: for restoring scopes granted before, without a page.
    #[serde(default)]
    silent: bool,
}

/// Asks Google, for the signed-in host, for the scopes their features need
/// beyond sign-in (`users.additional_scopes`), by incremental authorization:
/// `include_granted_scopes=true` keeps what was granted before, and
/// `login_hint` names the host's account.
async fn grant(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<GrantParams>,
) -> Response {
    let return_to = safe_return_path(params.return_to.as_deref());
    let user = match current_user(&state, &headers).await {
        Ok(Some(user)) => user,
        Ok(None) => return redirect_with_cookies("/auth/google/login", []),
        Err(error) => {
            tracing::error!(%error, "could not read the session");
            return message_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong on our side",
                "Please try again.",
            );
        }
    };
    let wanted = match wanted_scopes(&state, &user).await {
        Ok(wanted) => wanted,
        Err(error) => {
            tracing::error!(%error, "could not read the host's settings");
            return message_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong on our side",
                "Please try again.",
            );
        }
    };
    if wanted.is_empty() {
        return redirect_with_cookies(&return_to, []);
    }
    let scopes: Vec<&str> = wanted.iter().collect();
    let request = AuthorizationRequest {
        scopes: &scopes,
        login_hint: Some(&user.google_sub),
        silent: params.silent,
        purpose: Purpose::GrantScopes {
            user_id: user.user_id,
            expected_sub: user.google_sub.clone(),
            return_to,
        },
    };
    start_authorization(&state, request).await
}

/// The scopes the host's features need beyond sign-in: those of features
/// already on, and the write scope when direct booking waits for consent.
async fn wanted_scopes(state: &AppState, user: &users::User) -> Result<ScopeSet, app::db::DbError> {
    let pending = host_settings::find(state.database.pool(), user.user_id)
        .await?
        .is_some_and(|settings| settings.pending_direct_booking_calendar_id.is_some());
    let mut wanted: Vec<&str> = user.additional_scopes.iter().collect();
    if pending {
        wanted.push(CALENDAR_EVENTS);
    }
    Ok(wanted.into_iter().collect())
}

/// Only a path on this site: never an open redirect.
fn safe_return_path(return_to: Option<&str>) -> String {
    match return_to {
        Some(path) if path.starts_with('/') && !path.starts_with("//") && !path.contains('\\') => {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// `path` with `google_access=<outcome>` added to its query.
fn with_outcome(path: &str, outcome: &str) -> String {
    let separator = if path.contains('?') { '&' } else { '?' };
    format!("{path}{separator}google_access={outcome}")
}

#[derive(Debug, Deserialize)]
struct CallbackParams {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    iss: Option<String>,
}

async fn callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<CallbackParams>,
) -> Response {
    let now = Utc::now();
    // The transaction is single use: whatever happens next, the cookie goes.
    let clear_transaction = state.auth.expired_cookie(state.auth.transaction_cookie_name());
    let failure = |status: StatusCode, title: &str, body: &str| {
        with_cookie(message_page(status, title, body), clear_transaction.clone())
    };

    let transaction = read_cookie(&headers, state.auth.transaction_cookie_name())
        .and_then(|sealed| state.auth.open_transaction(sealed, now));
    let Some(transaction) = transaction else {
        return failure(
            StatusCode::BAD_REQUEST,
            "This sign-in has expired",
            "Signing in took longer than ten minutes, or it was started in another browser. Please start again.",
        );
    };
    let state_matches = params
        .state
        .as_deref()
        .is_some_and(|returned| bool::from(returned.as_bytes().ct_eq(transaction.state.as_bytes())));
    if !state_matches {
        tracing::warn!("sign-in callback with a missing or forged state");
        return failure(
            StatusCode::BAD_REQUEST,
            "This sign-in could not be verified",
            "The answer from Google does not belong to a sign-in started in this browser. Please start again.",
        );
    }
    if let Some(issuer) = params.iss.as_deref() {
        if issuer.trim_end_matches('/') != state.auth.google.issuer().trim_end_matches('/') {
            tracing::warn!(issuer, "sign-in callback from an unexpected issuer");
            return failure(
                StatusCode::BAD_REQUEST,
                "This sign-in could not be verified",
                "The answer did not come from the Google account service BookMate uses. Please start again.",
            );
        }
    }
    if let Some(error) = params.error.as_deref() {
        if let Purpose::GrantScopes { user_id, return_to, .. } = &transaction.purpose {
            // Denied, or Google needs a page that `prompt=none` forbade:
            // nothing changes (a pending setting is dropped), and the page
            // says so.
            tracing::info!(error, "incremental authorization not granted");
            drop_pending_settings(&state, *user_id).await;
            return redirect_with_cookies(&with_outcome(return_to, "denied"), [clear_transaction]);
        }
        return match error {
            "access_denied" => failure(
                StatusCode::OK,
                "You cancelled signing in",
                "Nothing was saved, and BookMate has no access to your Google account. You can sign in again whenever you like.",
            ),
            other => {
                tracing::warn!(error = other, "Google answered the authorization with an error");
                failure(
                    StatusCode::BAD_REQUEST,
                    "Google did not sign you in",
                    "Google answered with an error. Nothing was saved. Please try again.",
                )
            }
        };
    }
    let Some(code) = params.code.as_deref() else {
        return failure(StatusCode::BAD_REQUEST, "Google did not sign you in", "The answer carried no code.");
    };

    let authorization = match state.auth.google.exchange_code(code, &transaction, now).await {
        Ok(authorization) => authorization,
        Err(OidcError::InvalidGrant) => {
            return failure(
                StatusCode::BAD_REQUEST,
                "This sign-in link was already used",
                "Google did not accept this sign-in: it was used before, or it expired. Nothing was saved. Please start again.",
            );
        }
        Err(OidcError::Unavailable(detail)) => {
            tracing::error!(detail, "token exchange failed");
            return failure(
                StatusCode::SERVICE_UNAVAILABLE,
                "Google cannot be reached",
                "BookMate could not finish signing you in. Nothing was saved. Please try again in a moment.",
            );
        }
        Err(error) => {
            tracing::warn!(%error, "sign-in refused");
            return failure(
                StatusCode::BAD_REQUEST,
                "This sign-in could not be verified",
                "Google's answer did not pass BookMate's checks. Nothing was saved. Please start again.",
            );
        }
    };

    match transaction.purpose {
        Purpose::SignIn if authorization.profile.email.is_empty() => failure(
            StatusCode::BAD_REQUEST,
            "Google did not share your email address",
            "BookMate needs your email address to send you booking invitations. Please sign in again and allow it.",
        ),
        Purpose::SignIn => match complete_sign_in(&state, &headers, &authorization).await {
            Ok(session_cookie) => redirect_with_cookies("/", [clear_transaction, session_cookie]),
            Err(error) => {
                tracing::error!(%error, "could not store the sign-in");
                failure(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong on our side",
                    "BookMate could not save your sign-in. Please try again.",
                )
            }
        },
        Purpose::GrantScopes { user_id, expected_sub, return_to } => {
            if authorization.profile.sub != expected_sub {
                tracing::warn!(user_id, "access was granted from another Google account; refused");
                drop_pending_settings(&state, user_id).await;
                return redirect_with_cookies(
                    &with_outcome(&return_to, "wrong_account"),
                    [clear_transaction],
                );
            }
            match complete_grant(&state, user_id, &authorization).await {
                Ok(outcome) => redirect_with_cookies(&with_outcome(&return_to, outcome), [clear_transaction]),
                Err(error) => {
                    tracing::error!(%error, "could not store the grant");
                    failure(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "Something went wrong on our side",
                        "BookMate could not save the access you granted. Please try again.",
                    )
                }
            }
        }
    }
}

/// Stores what Google granted to a signed-in host; says whether it covers
/// everything their features need.
async fn complete_grant(
    state: &AppState,
    user_id: i64,
    authorization: &Authorization,
) -> Result<&'static str, app::db::DbError> {
    save_tokens(state, user_id, authorization).await?;
    let Some(user) = users::find_by_id(state.database.pool(), user_id).await? else {
        return Ok("partial");
    };
    let wanted = wanted_scopes(state, &user).await?;
    app::settings::api::complete_pending_direct_booking(state, user_id, &authorization.granted_scopes)
        .await?;
    Ok(if authorization.granted_scopes.contains_all(&wanted) { "granted" } else { "partial" })
}

async fn drop_pending_settings(state: &AppState, user_id: i64) {
    let nothing_granted = ScopeSet::default();
    if let Err(error) =
        app::settings::api::complete_pending_direct_booking(state, user_id, &nothing_granted).await
    {
        tracing::error!(%error, user_id, "could not drop a pending setting");
    }
}

async fn save_tokens(
    state: &AppState,
    user_id: i64,
    authorization: &Authorization,
) -> Result<(), app::db::DbError> {
    let access_token_sealed = state.auth.seal_token(user_id, TokenKind::Access, &authorization.access_token);
    let refresh_token_sealed = authorization
        .refresh_token
        .as_deref()
        .map(|token| state.auth.seal_token(user_id, TokenKind::Refresh, token));
    google_connections::save_grant(
        state.database.pool(),
        user_id,
        &google_connections::GrantedTokens {
            granted_scopes: &authorization.granted_scopes,
            access_token_sealed: &access_token_sealed,
            access_token_expires_at: authorization.access_token_expires_at,
            refresh_token_sealed: refresh_token_sealed.as_deref(),
        },
        Utc::now(),
    )
    .await?;
    state.host_changed(user_id);
    Ok(())
}

/// Creates or updates the host, stores what Google granted, and starts a new
/// session; returns its cookie.
async fn complete_sign_in(
    state: &AppState,
    headers: &HeaderMap,
    authorization: &Authorization,
) -> Result<String, app::db::DbError> {
    let now = Utc::now();
    let db = state.database.pool();
    let user = users::upsert_from_google(db, &authorization.profile, now).await?;
    let access_token_sealed =
        state.auth.seal_token(user.user_id, TokenKind::Access, &authorization.access_token);
    let refresh_token_sealed = authorization
        .refresh_token
        .as_deref()
        .map(|token| state.auth.seal_token(user.user_id, TokenKind::Refresh, token));
    google_connections::save_grant(
        db,
        user.user_id,
        &google_connections::GrantedTokens {
            granted_scopes: &authorization.granted_scopes,
            access_token_sealed: &access_token_sealed,
            access_token_expires_at: authorization.access_token_expires_at,
            refresh_token_sealed: refresh_token_sealed.as_deref(),
        },
        now,
    )
    .await?;
    // A reconnection can reopen the host's booking page.
    state.host_changed(user.user_id);
    // A session this browser had before ends: sign-in always issues a new id.
    end_session(state, headers).await?;
    let cookie = start_session(state, user.user_id).await?;
    tracing::info!(user_id = user.user_id, "host signed in");
    Ok(cookie)
}

async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match end_session(&state, &headers).await {
        Ok(cookie) => redirect_with_cookies("/", [cookie]),
        Err(error) => {
            tracing::error!(%error, "could not end a session");
            message_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong on our side",
                "BookMate could not sign you out. Please try again.",
            )
        }
    }
}

fn redirect_with_cookies<const N: usize>(location: &str, cookies: [String; N]) -> Response {
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, location.to_owned())]).into_response();
    for cookie in cookies {
        if let Ok(value) = cookie.parse() {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    response
}

fn with_cookie(mut response: Response, cookie: String) -> Response {
    if let Ok(value) = cookie.parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_on_this_site_are_returned_to() {
        assert_eq!(safe_return_path(Some("/settings?tab=calendars")), "/settings?tab=calendars");
        for hostile in ["https://evil.example/", "//evil.example", "/\\evil.example", "settings", ""] {
            assert_eq!(safe_return_path(Some(hostile)), "/", "{hostile}");
        }
        assert_eq!(safe_return_path(None), "/");
    }

    #[test]
    fn outcomes_are_added_to_the_query() {
        assert_eq!(with_outcome("/settings", "denied"), "/settings?google_access=denied");
        assert_eq!(with_outcome("/settings?tab=x", "granted"), "/settings?tab=x&google_access=granted");
    }
}
