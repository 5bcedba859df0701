//! Turning following on and off. On asks Google just in time for the
//! narrowest scope that shows the host's events, unless the grant holds one
//! that does (direct booking's `calendar.events`); nothing changes until
//! Google says yes.

use chrono::{DateTime, Utc};

use super::model::{FollowingSaved, FollowingView};
use crate::{
    db::{
        following::{self, Following},
        google_connections, host_settings,
        users::{self, User},
        DbError, DbPool,
    },
    error::AppError,
    google_scopes::{ScopeSet, FOLLOW_BOOKINGS},
    needed_scopes,
    state::AppState,
};

/// The keyword Google reads as the host's primary calendar, where the
/// invitations they accept land.
const PRIMARY: &str = "primary";

pub async fn view(db: &DbPool, user_id: i64) -> Result<FollowingView, DbError> {
    let following = following::find(db, user_id).await?;
    Ok(FollowingView {
        enabled: following.enabled,
        pending: following.pending,
        apply_without_asking: following.apply_without_asking,
    })
}

pub async fn save(
    state: &AppState,
    user: &User,
    enabled: bool,
    apply_without_asking: bool,
    now: DateTime<Utc>,
) -> Result<FollowingSaved, AppError> {
    let db = state.database.pool();
    let mut following = following::find(db, user.user_id).await?;
    following.apply_without_asking = apply_without_asking;
    if !enabled {
        following = Following { enabled: false, pending: false, apply_without_asking };
        following::save(db, user.user_id, following, now).await?;
        let gone = following::set_calendars(db, user.user_id, &[], now).await?;
        super::watch::close(state, user.user_id, &gone).await;
        needed_scopes::store(db, user.user_id).await?;
        return Ok(FollowingSaved::Saved);
    }
    let granted = google_connections::find(db, user.user_id)
        .await?
        .map(|connection| connection.granted_scopes)
        .unwrap_or_default();
    if holds_a_follow_scope(&granted) {
        following.enabled = true;
        following.pending = false;
        following::save(db, user.user_id, following, now).await?;
        follow_calendars(state, user, now).await?;
        needed_scopes::store(db, user.user_id).await?;
        return Ok(FollowingSaved::Saved);
    }
    following.pending = true;
    following::save(db, user.user_id, following, now).await?;
    Ok(FollowingSaved::NeedsConsent { return_to: "/settings".to_owned() })
}

/// Google's answer to the consent following asked for came back.
pub async fn complete_pending(state: &AppState, user_id: i64, granted: &ScopeSet) -> Result<(), DbError> {
    let db = state.database.pool();
    let mut following = following::find(db, user_id).await?;
    let user = users::find_by_id(db, user_id).await?;
    let Some(user) = user.filter(|_| following.pending) else { return Ok(()) };
    following.pending = false;
    following.enabled = holds_a_follow_scope(granted);
    following::save(db, user.user_id, following, Utc::now()).await?;
    if following.enabled {
        follow_calendars(state, &user, Utc::now()).await?;
    }
    needed_scopes::store(db, user.user_id).await
}

/// Reads the calendars the host's bookings live in, while following is on:
/// the primary one (accepted invitations land there) and the direct-booking
/// calendar, if it is another.
pub async fn follow_calendars(state: &AppState, user: &User, now: DateTime<Utc>) -> Result<(), DbError> {
    let db = state.database.pool();
    if !following::find(db, user.user_id).await?.enabled {
        return Ok(());
    }
    let mut calendars = vec![PRIMARY.to_owned()];
    let direct =
        host_settings::find(db, user.user_id).await?.and_then(|settings| settings.direct_booking_calendar_id);
    if let Some(direct) = direct.filter(|direct| *direct != user.email && direct != PRIMARY) {
        calendars.push(direct);
    }
    let gone = following::set_calendars(db, user.user_id, &calendars, now).await?;
    super::watch::close(state, user.user_id, &gone).await;
    Ok(())
}

fn holds_a_follow_scope(granted: &ScopeSet) -> bool {
    FOLLOW_BOOKINGS.iter().any(|scope| granted.contains(scope))
}
