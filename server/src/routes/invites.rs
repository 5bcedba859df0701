//! `/booking/{uid}/invite.ics`: the invitation of a booking, for the
//! confirmation page's "Add to calendar". The UID is random and unguessable;
//! knowing it is what entitles a visitor to their own invite. With the
//! booking's manage key (`?key=`), the invite carries the manage link too.

use app::{
    booking::invitations::invite_ics,
    db::{bookings, users},
    state::AppState,
};
use axum::{
    extract::{Path, Query, State},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};

pub fn router() -> Router<AppState> {
    Router::new().route("/booking/{uid}/invite.ics", get(invite))
}

#[derive(serde::Deserialize)]
struct InviteQuery {
    key: Option<String>,
}

async fn invite(
    State(state): State<AppState>,
    Path(uid): Path<String>,
    Query(query): Query<InviteQuery>,
) -> Response {
    let db = state.database.pool();
    let booking = match bookings::find_by_uid(db, &uid).await {
        Ok(Some(booking)) => booking,
        Ok(None) => return (StatusCode::NOT_FOUND, "No such booking.").into_response(),
        Err(error) => {
            tracing::error!(%error, "could not read a booking");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let Ok(Some(host)) = users::find_by_id(db, booking.host_user_id).await else {
        return (StatusCode::NOT_FOUND, "No such booking.").into_response();
    };
    let manage_url = query
        .key
        .filter(|key| state.manage_links.verify(&booking.uid, key))
        .map(|_| state.manage_links.url_for(&booking.uid));
    let body = invite_ics(&host, &booking, manage_url.as_deref(), chrono::Utc::now());
    let content_type = if booking.is_cancelled() {
        "text/calendar; charset=utf-8; method=CANCEL"
    } else {
        "text/calendar; charset=utf-8; method=REQUEST"
    };
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"invite.ics\""),
        ],
        body,
    )
        .into_response()
}
