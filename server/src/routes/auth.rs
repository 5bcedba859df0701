//! Sign-in with Google, as HTTP: `/auth/google/login` and
//! `/auth/google/grant` and `/auth/google/narrow` (POSTs) start an authorization, `/auth/google/callback`
//! finishes it, `/auth/logout` ends the session. What each step checks and
//! stores is in `app::sign_in`; here its outcomes become redirects and its
//! errors pages.

use app::{
    auth::sessions::{current_user, end_session},
    google::oidc::Prompt,
    sign_in::{self, CallbackParams, Finished, NarrowError, SignInError, StartError, Started},
    state::AppState,
};
use axum::{
    extract::{Form, Query, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Router,
};
use chrono::Utc;
use serde::Deserialize;
use url::Url;

use super::message_page::message_page;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/google/login", get(login))
        .route("/auth/google/callback", get(callback))
        .route("/auth/google/grant", post(grant))
        .route("/auth/google/narrow", post(narrow))
        .route("/auth/google/reconnect", post(reconnect))
        .route("/auth/logout", post(logout))
}

async fn login(State(state): State<AppState>) -> Response {
    started(&state, sign_in::start_sign_in(&state).await)
}

#[derive(Debug, Deserialize)]
struct GrantParams {
    return_to: Option<String>,
    /// `prompt=none`: for restoring scopes granted before, without a page.
    #[serde(default)]
    silent: bool,
}

/// Asks Google for the scopes the signed-in host's features need beyond
/// sign-in (incremental authorization). A POST from BookMate's own pages
/// (the cross-site check sees to the rest): it replaces the transaction
/// cookie, which a link from another site must not do.
async fn grant(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(params): Form<GrantParams>,
) -> Response {
    let return_to = safe_return_path(params.return_to.as_deref(), state.cookies.public_url());
    let user = match current_user(&state, &headers).await {
        Ok(Some(user)) => user,
        Ok(None) => return redirect_with_cookies("/auth/google/login", []),
        Err(error) => return our_fault(&state, &error, "Please try again."),
    };
    let prompt = if params.silent { Prompt::None } else { Prompt::Default };
    match sign_in::start_grant(&state, &user, prompt, return_to.clone()).await.transpose() {
        None => redirect_with_cookies(&return_to, []),
        Some(result) => started(&state, result),
    }
}

/// Reconnects a signed-in host whose Google connection broke, asking at once
/// for everything their features need; signed out, it is a sign-in.
async fn reconnect(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match current_user(&state, &headers).await {
        Ok(Some(user)) => started(&state, sign_in::start_reconnect(&state, &user).await),
        Ok(None) => redirect_with_cookies("/auth/google/login", []),
        Err(error) => our_fault(&state, &error, "Please try again."),
    }
}

/// Gives back an older, broader grant and asks for just what BookMate uses.
async fn narrow(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let user = match current_user(&state, &headers).await {
        Ok(Some(user)) => user,
        Ok(None) => return redirect_with_cookies("/auth/google/login", []),
        Err(error) => return our_fault(&state, &error, "Please try again."),
    };
    match sign_in::start_narrowing(&state, &user).await {
        Ok(started) => self::started(&state, Ok(started)),
        Err(NarrowError::Start(error)) => self::started(&state, Err(error)),
        Err(NarrowError::Disconnect(error)) => {
            let error = app::error::AppError::from(error);
            message_page(
                &state.site_assets.stylesheet,
                StatusCode::CONFLICT,
                "Your access was not narrowed",
                &error.to_string(),
            )
        }
    }
}

/// Sends the browser to Google with the transaction in a sealed cookie.
fn started(state: &AppState, result: Result<Started, StartError>) -> Response {
    match result {
        Ok(Started { url, transaction_cookie }) => redirect_with_cookies(url.as_str(), [transaction_cookie]),
        Err(StartError::GoogleUnreachable(error)) => {
            tracing::error!(%error, "could not start sign-in");
            message_page(
                &state.site_assets.stylesheet,
                StatusCode::SERVICE_UNAVAILABLE,
                "Google cannot be reached",
                "BookMate could not reach Google to start signing you in. Please try again in a moment.",
            )
        }
        Err(error) => {
            tracing::error!(%error, "could not start sign-in");
            message_page(
                &state.site_assets.stylesheet,
                StatusCode::INTERNAL_SERVER_ERROR,
                "Sign-in could not start",
                "Something went wrong on our side. Please try again.",
            )
        }
    }
}

async fn callback(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(params): Query<CallbackParams>,
) -> Response {
    // The transaction is single use: whatever happens next, the cookie goes.
    let clear_transaction = state.cookies.expire(state.cookies.transaction_name());
    match sign_in::finish(&state, &headers, &params, Utc::now()).await {
        Ok(Finished::SignedIn { session_cookie }) => {
            redirect_with_cookies("/", [clear_transaction, session_cookie])
        }
        Ok(Finished::Granted { return_to, outcome }) => {
            redirect_with_cookies(&with_outcome(&return_to, outcome.as_str()), [clear_transaction])
        }
        // The new transaction's cookie replaces the spent one.
        Ok(Finished::ConsentAgain(started)) => self::started(&state, Ok(started)),
        Err(error) => with_cookie(sign_in_failed(&state, &error), clear_transaction),
    }
}

/// What the person is told when a sign-in fails; the detail is logged.
fn sign_in_failed(state: &AppState, error: &SignInError) -> Response {
    let (status, title, body) = match error {
        SignInError::Expired => (
            StatusCode::BAD_REQUEST,
            "This sign-in has expired",
            "Signing in took longer than ten minutes, or it was started in another browser. Please start again.",
        ),
        SignInError::ForgedState => (
            StatusCode::BAD_REQUEST,
            "This sign-in could not be verified",
            "The answer from Google does not belong to a sign-in started in this browser. Please start again.",
        ),
        SignInError::WrongIssuer(_) => (
            StatusCode::BAD_REQUEST,
            "This sign-in could not be verified",
            "The answer did not come from the Google account service BookMate uses. Please start again.",
        ),
        SignInError::Cancelled => (
            StatusCode::OK,
            "You cancelled signing in",
            "Nothing was saved, and BookMate has no access to your Google account. You can sign in again whenever you like.",
        ),
        SignInError::GoogleError(_) => (
            StatusCode::BAD_REQUEST,
            "Google did not sign you in",
            "Google answered with an error. Nothing was saved. Please try again.",
        ),
        SignInError::NoCode => {
            (StatusCode::BAD_REQUEST, "Google did not sign you in", "The answer carried no code.")
        }
        SignInError::CodeRejected => (
            StatusCode::BAD_REQUEST,
            "This sign-in link was already used",
            "Google did not accept this sign-in: it was used before, or it expired. Nothing was saved. Please start again.",
        ),
        SignInError::GoogleUnreachable(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "Google cannot be reached",
            "BookMate could not finish signing you in. Nothing was saved. Please try again in a moment.",
        ),
        SignInError::ClientRejected(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "BookMate's Google sign-in is not set up correctly",
            "Google does not accept this BookMate server's OAuth client. Nothing was saved. Please tell whoever runs this BookMate.",
        ),
        SignInError::ConsentAgain(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "Google cannot be reached",
            "BookMate could not finish signing you in. Nothing was saved. Please try again in a moment.",
        ),
        SignInError::Unverified(_) => (
            StatusCode::BAD_REQUEST,
            "This sign-in could not be verified",
            "Google's answer did not pass BookMate's checks. Nothing was saved. Please start again.",
        ),
        SignInError::NoEmail => (
            StatusCode::BAD_REQUEST,
            "Google did not share your email address",
            "BookMate needs your email address to send you booking invitations. Please sign in again and allow it.",
        ),
        SignInError::SaveSignIn(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong on our side",
            "BookMate could not save your sign-in. Please try again.",
        ),
        SignInError::SaveGrant(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong on our side",
            "BookMate could not save the access you granted. Please try again.",
        ),
    };
    match error {
        SignInError::Cancelled => tracing::info!("sign-in cancelled at Google"),
        SignInError::SaveSignIn(_)
        | SignInError::SaveGrant(_)
        | SignInError::GoogleUnreachable(_)
        | SignInError::ClientRejected(_)
        | SignInError::ConsentAgain(_) => {
            tracing::error!(%error, "sign-in failed");
        }
        _ => tracing::warn!(%error, "sign-in refused"),
    }
    message_page(&state.site_assets.stylesheet, status, title, body)
}

async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match end_session(&state, &headers).await {
        Ok(cookie) => redirect_with_cookies("/", [cookie]),
        Err(error) => our_fault(&state, &error, "BookMate could not sign you out. Please try again."),
    }
}

fn our_fault(state: &AppState, error: &dyn std::fmt::Display, body: &str) -> Response {
    tracing::error!(%error, "could not serve an auth route");
    message_page(
        &state.site_assets.stylesheet,
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong on our side",
        body,
    )
}

/// Only a place on this site, never an open redirect: `return_to` is read as
/// a browser would read it (which drops tabs and newlines and takes `\` for
/// `/`), joined to the public URL, and kept only on the same origin.
fn safe_return_path(return_to: Option<&str>, site: &Url) -> String {
    return_to
        .filter(|path| path.starts_with('/'))
        .and_then(|path| site.join(path).ok())
        .filter(|url| url.origin() == site.origin())
        .map_or_else(|| "/".to_owned(), |url| url[url::Position::BeforePath..].to_owned())
}

/// `path` with `google_access=<outcome>` added to its query.
fn with_outcome(path: &str, outcome: &str) -> String {
    let separator = if path.contains('?') { '&' } else { '?' };
    format!("{path}{separator}google_access={outcome}")
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
        let site = Url::parse("https://bookmate.example/").unwrap();
        assert_eq!(safe_return_path(Some("/settings?tab=calendars"), &site), "/settings?tab=calendars");
        for hostile in [
            "https://evil.example/",
            "//evil.example",
            "/\\evil.example",
            // `/%09/evil.example` in the address: browsers drop the tab.
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "settings",
            "",
        ] {
            assert_eq!(safe_return_path(Some(hostile), &site), "/", "{hostile:?}");
        }
        assert_eq!(safe_return_path(None, &site), "/");
    }

    #[test]
    fn outcomes_are_added_to_the_query() {
        assert_eq!(with_outcome("/settings", "denied"), "/settings?google_access=denied");
        assert_eq!(with_outcome("/settings?tab=x", "granted"), "/settings?tab=x&google_access=granted");
    }
}
