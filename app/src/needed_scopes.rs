//! What a host's features need of Google beyond sign-in, stored per host
//! (`users.additional_scopes`): the grant flow asks for it, and the
//! ReauthProvider asks again after a sign-in whose token lacks it.

use chrono::Utc;

use crate::{
    db::{following, host_settings, users, users::User, DbError, DbPool},
    google_scopes::{
        needed_beyond_sign_in, ScopeSet, CALENDAR_EVENTS, CALENDAR_EVENTS_OWNED_READONLY, FOLLOW_BOOKINGS,
    },
};

/// Stores what the host's features need, from their settings as saved.
pub async fn store(db: &DbPool, user_id: i64) -> Result<(), DbError> {
    let direct_booking = host_settings::find(db, user_id)
        .await?
        .is_some_and(|settings| settings.direct_booking_calendar_id.is_some());
    let following = following::find(db, user_id).await?.enabled;
    let needed = needed_beyond_sign_in(direct_booking, following);
    users::set_additional_scopes(db, user_id, &needed, Utc::now()).await
}

/// What a grant should ask Google for now: the scopes of features already
/// on, and those of features waiting for consent (direct booking's write
/// scope; following's read scope, unless another scope covers it).
pub async fn wanted_now(db: &DbPool, user: &User) -> Result<ScopeSet, DbError> {
    let direct_pending = host_settings::find(db, user.user_id)
        .await?
        .is_some_and(|settings| settings.pending_direct_booking_calendar_id.is_some());
    let mut wanted: Vec<&str> = user.additional_scopes.iter().collect();
    if direct_pending {
        wanted.push(CALENDAR_EVENTS);
    }
    let following_pending = following::find(db, user.user_id).await?.pending;
    if following_pending && !wanted.iter().any(|scope| FOLLOW_BOOKINGS.contains(scope)) {
        wanted.push(CALENDAR_EVENTS_OWNED_READONLY);
    }
    Ok(wanted.into_iter().collect())
}
