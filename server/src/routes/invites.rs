//! `/booking/{uid}/invite.ics`: the invitation of a booking, for the
//! confirmation page's "Add to calendar". The UID is random and unguessable;
//! knowing it is what entitles a visitor to their own invite.

use app::{
    booking::invitations::invite_ics,
    db::{bookings, users},
    state::AppState,
};
use axum::{
    extract::{Path, State},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};

pub fn router() -> Router<AppState> {
    Router::new().route("/booking/{uid}/invite.ics", get(invite))
}

async fn invite(State(state): State<AppState>, Path(uid): Path<String>) -> Response {
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
    let body = invite_ics(&host, &booking);
    (
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8; method=REQUEST"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"invite.ics\""),
        ],
        body,
    )
        .into_response()
}
