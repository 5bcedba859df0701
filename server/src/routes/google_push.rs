//! Google's push notifications for followed calendars: a POST with headers
//! only, naming the channel and carrying its secret token. The logic is in
//! `app::following::watch`; this keeps the HTTP shape.

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
    routing::post,
    Router,
};
use chrono::Utc;

use app::{
    following::watch::{self, Notified},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new().route(watch::NOTIFICATIONS_PATH, post(notified))
}

async fn notified(State(state): State<AppState>, headers: HeaderMap) -> StatusCode {
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok()).unwrap_or_default();
    let (channel_id, token, resource_state) =
        (header("x-goog-channel-id"), header("x-goog-channel-token"), header("x-goog-resource-state"));
    match watch::notified(&state, channel_id, token, resource_state, Utc::now()).await {
        // Google retries anything but a success; an unknown channel is
        // answered as gone, which tells it nothing else.
        Ok(Notified::ReadSoon | Notified::ChannelOpened) => StatusCode::NO_CONTENT,
        Ok(Notified::Unknown) => StatusCode::NOT_FOUND,
        Err(error) => {
            tracing::error!(%error, "could not take a push notification from Google");
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}
