//! Who is signed in, as every page sees it: the session claims, rendered on
//! the server and handed to the browser with the page, so hydration needs no
//! extra round trip.

#[cfg(feature = "ssr")]
pub mod cookies;
#[cfg(feature = "ssr")]
pub mod sessions;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// The signed-in host, as the page may know them. Never holds a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub picture_url: Option<String>,
    pub username: Option<String>,
    /// What Google granted, in long forms.
    pub granted_scopes: Vec<String>,
    /// What this host's features need beyond sign-in (empty at first).
    pub additional_scopes: Vec<String>,
    /// Google refused a refresh: the host must reconnect.
    pub needs_reconnect: bool,
    /// The day Google said BookMate's access ends (a "Testing" project).
    pub access_ends_on: Option<String>,
}

/// The session of the browser making the request. Public on purpose: it
/// answers only about the caller's own session, or `None`.
#[server(endpoint = "get_session")]
pub async fn get_session() -> Result<Option<SessionInfo>, AppError> {
    use crate::db::google_connections;
    crate::server_fns::public(|state| async move {
        let Some(request) = use_context::<axum::http::request::Parts>() else {
            return Ok(None);
        };
        let Some(user) = sessions::current_user(&state, &request.headers).await? else {
            return Ok(None);
        };
        let connection = google_connections::find(state.database.pool(), user.user_id).await?;
        let zone = user.zone();
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
            needs_reconnect: connection
                .as_ref()
                .is_none_or(|connection| connection.needs_reconnect_since.is_some()),
            access_ends_on: connection
                .as_ref()
                .and_then(|connection| connection.refresh_token_expires_at)
                .map(|ends| ends.with_timezone(&zone).format("%-d %B %Y").to_string()),
        }))
    })
    .await
}

/// The session, provided as context by `App` for every page.
pub type SessionResource = Resource<Result<Option<SessionInfo>, AppError>>;

pub fn use_session() -> SessionResource {
    expect_context::<SessionResource>()
}

/// The signed-in host's name and a sign-out button, or nothing.
#[component]
pub fn AccountBar() -> impl IntoView {
    let session = use_session();
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match session.await {
                    Ok(Some(info)) => view! { <SignedInBar info/> }.into_any(),
                    _ => ().into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn SignedInBar(info: SessionInfo) -> impl IntoView {
    let needs_reconnect = info.needs_reconnect;
    let access_ends_on = info.access_ends_on.clone().filter(|_| !needs_reconnect);
    view! {
        <header class="account-bar">
            <a class="brand" href="/">"BookMate"</a>
            <div class="account">
                <a href="/dashboard" class="account-link" data-testid="bookings-link">"Bookings"</a>
                <a href="/settings" class="account-link">"Settings"</a>
                // Always the same wrapper, picture or not, so the server's markup
                // and the browser's line up during hydration.
                <span class="avatar-slot">
                    {info.picture_url.clone().map(|src| view! { <img class="avatar" src=src alt="" width="32" height="32"/> })}
                </span>
                <span class="account-name" data-testid="account-name">{info.name}</span>
                <form method="post" action="/auth/logout">
                    <button type="submit" class="button secondary small" data-testid="sign-out">"Sign out"</button>
                </form>
            </div>
        </header>
        {needs_reconnect.then(|| view! {
            <div class="notice banner" role="alert" data-testid="reconnect-banner">
                <p>
                    "BookMate can no longer reach your Google calendars (the access was removed or has expired). "
                    "Until you reconnect, visitors are told you are not taking bookings."
                </p>
                <form method="post" action=crate::browser::RECONNECT_PATH>
                    <button type="submit" class="button primary small" data-testid="reconnect">"Reconnect Google"</button>
                </form>
            </div>
        })}
        {access_ends_on.map(|day| view! {
            <div class="notice banner" role="status" data-testid="access-ends-banner">
                <p>
                    {format!("Google will end BookMate's access to your calendars on {day}. ")}
                    "This BookMate's Google project is in \u{201c}Testing\u{201d} status, where that access lasts seven days; "
                    "you will be asked to reconnect then."
                </p>
                <a class="button secondary small" href=crate::browser::GOOGLE_ACCESS_PATH>"Google access"</a>
            </div>
        })}
    }
}

/// What a host's page shows instead of its content when it has none to show:
/// an invitation to sign in, or what went wrong.
#[component]
pub fn HostPageError(error: AppError, sign_in_to: &'static str) -> impl IntoView {
    match error {
        AppError::Unauthorized => view! {
            <div class="card">
                <p>{format!("Please sign in to {sign_in_to}.")}</p>
                <a class="button primary" href="/auth/google/login" rel="external">"Sign in with Google"</a>
            </div>
        }
        .into_any(),
        error => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
    }
}
