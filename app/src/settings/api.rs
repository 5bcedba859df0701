//! The settings page's server functions. Each acts only for the signed-in
//! host, through `as_host`; what each does is in `actions`.

use leptos::{prelude::*, server_fn::codec::Json};

use super::model::{
    AvailabilityForm, CalendarChoice, DateOverrideView, DirectBookingSaved, MeetingTypeForm, MeetingTypeView,
    SettingsView, TypeChange,
};
use crate::error::AppError;

#[server(endpoint = "get_settings")]
pub async fn get_settings() -> Result<SettingsView, AppError> {
    use crate::server_fns::{as_host, Effect};
    as_host(Effect::ReadOnly, |state, user| async move { super::actions::settings_view(&state, user).await })
        .await
}

#[server(endpoint = "save_profile")]
pub async fn save_profile(display_name: String, username: String, time_zone: String) -> Result<(), AppError> {
    use crate::server_fns::{as_host, Effect};
    as_host(Effect::ChangesBookingPage, |state, user| async move {
        let profile = super::model::Profile { display_name, username, time_zone };
        super::actions::save_profile(&state, &user, profile).await
    })
    .await
}

#[server(endpoint = "save_availability", input = Json)]
pub async fn save_availability(form: AvailabilityForm) -> Result<(), AppError> {
    use crate::server_fns::{as_host, Effect};
    as_host(Effect::ChangesBookingPage, |state, user| async move {
        super::actions::save_availability(&state, user.user_id, &form).await
    })
    .await
}

/// Adds hours by date (`last_day` empty: one day; no `hours`: time off) and
/// answers with the host's entries.
#[server(endpoint = "add_date_override", input = Json)]
pub async fn add_date_override(
    first_day: String,
    last_day: String,
    hours: Vec<(String, String)>,
) -> Result<Vec<DateOverrideView>, AppError> {
    use crate::server_fns::{as_host, Effect};
    as_host(Effect::ChangesBookingPage, |state, user| async move {
        super::dates::add(&state, &user, &first_day, &last_day, &hours).await
    })
    .await
}

#[server(endpoint = "remove_date_override")]
pub async fn remove_date_override(override_id: i64) -> Result<Vec<DateOverrideView>, AppError> {
    use crate::server_fns::{as_host, Effect};
    as_host(Effect::ChangesBookingPage, |state, user| async move {
        super::dates::remove(&state, user.user_id, override_id).await
    })
    .await
}

/// Creates a meeting type (no `type_id`) or changes one; answers with the
/// host's types.
#[server(endpoint = "save_meeting_type", input = Json)]
pub async fn save_meeting_type(form: MeetingTypeForm) -> Result<Vec<MeetingTypeView>, AppError> {
    use crate::server_fns::{as_host, Effect};
    as_host(Effect::ChangesBookingPage, |state, user| async move {
        super::meeting_types::save(&state, &user, form).await
    })
    .await
}

/// Moves, duplicates, hides, lists or deletes one of the host's types.
#[server(endpoint = "change_meeting_type", input = Json)]
pub async fn change_meeting_type(type_id: i64, change: TypeChange) -> Result<Vec<MeetingTypeView>, AppError> {
    use crate::server_fns::{as_host, Effect};
    as_host(Effect::ChangesBookingPage, |state, user| async move {
        super::meeting_types::change(&state, &user, type_id, change).await
    })
    .await
}

#[server(endpoint = "list_calendars")]
pub async fn list_calendars() -> Result<Vec<CalendarChoice>, AppError> {
    use crate::server_fns::{as_host, Effect};
    as_host(Effect::ReadOnly, |state, user| async move {
        super::actions::list_calendars(&state, user.user_id).await
    })
    .await
}

#[server(endpoint = "save_busy_calendars", input = Json)]
pub async fn save_busy_calendars(calendar_ids: Vec<String>) -> Result<(), AppError> {
    use crate::server_fns::{as_host, Effect};
    as_host(Effect::ChangesBookingPage, |state, user| async move {
        super::actions::save_busy_calendars(&state, user.user_id, calendar_ids).await
    })
    .await
}

#[server(endpoint = "save_direct_booking", input = Json)]
pub async fn save_direct_booking(
    enabled: bool,
    calendar_id: Option<String>,
) -> Result<DirectBookingSaved, AppError> {
    use crate::server_fns::{as_host, Effect};
    as_host(Effect::ChangesBookingPage, |state, user| async move {
        super::actions::save_direct_booking(&state, &user, enabled, calendar_id).await
    })
    .await
}

/// Turns direct booking off (if on) and gives the write access back: the
/// grant is revoked as a whole, so the host signs in again with the sign-in
/// scopes only. Returns where to send the browser.
#[server(endpoint = "give_back_write_access")]
pub async fn give_back_write_access() -> Result<String, AppError> {
    use crate::server_fns::{as_host, Effect};
    as_host(Effect::ChangesBookingPage, |state, user| async move {
        super::actions::give_back_write_access(&state, &user).await
    })
    .await
}
