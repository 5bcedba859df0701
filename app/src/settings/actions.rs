//! What the settings server functions do, on the server: each takes the
//! signed-in host from `as_host` and touches only that host's rows.

use chrono::Utc;
use scheduling::LocalInterval;

use super::hours::parse_availability;
use super::model::{
    format_minute, validate_username, AvailabilityForm, CalendarChoice, DirectBookingSaved, Profile,
    SettingsView, SLOT_INTERVALS,
};
use crate::{
    db::{
        google_access_log, google_connections, host_settings, host_settings::HostSettings, users,
        users::User, DbError,
    },
    error::AppError,
    following,
    google::calendar::FREEBUSY_MOST_CALENDARS,
    google_scopes::{in_googles_words, ScopeSet, BROADER_THAN_NEEDED, CALENDAR_EVENTS},
    needed_scopes,
    state::AppState,
};

pub async fn settings_view(state: &AppState, user: User) -> Result<SettingsView, AppError> {
    let user_for_types = user.clone();
    let db = state.database.pool();
    let stored = host_settings::find(db, user.user_id).await?;
    let profile_saved = stored.is_some() && user.username.is_some();
    let settings = stored.unwrap_or_else(HostSettings::defaults);
    let granted = google_connections::find(db, user.user_id)
        .await?
        .map(|connection| connection.granted_scopes)
        .unwrap_or_default();
    let days: [Vec<LocalInterval>; 7] = settings.availability.clone().into();
    let busy_times_read_at = google_access_log::last_success(db, user.user_id, "freebusy.query")
        .await?
        .map(|at| at.with_timezone(&user.zone()).format("%a %-d %b %Y, %H:%M").to_string());
    let following = following::switch::view(db, user.user_id).await?;
    Ok(SettingsView {
        profile: Profile {
            display_name: user.display_name,
            username: user.username.unwrap_or_default(),
            time_zone: user.time_zone,
        },
        profile_saved,
        availability: AvailabilityForm {
            days: days
                .iter()
                .map(|intervals| {
                    intervals
                        .iter()
                        .map(|interval| {
                            (format_minute(interval.start_minute), format_minute(interval.end_minute))
                        })
                        .collect()
                })
                .collect(),
            meeting_minutes: settings.meeting_minutes,
            buffer_before_minutes: settings.buffer_before_minutes,
            buffer_after_minutes: settings.buffer_after_minutes,
            minimum_notice_minutes: settings.minimum_notice_minutes,
            change_cutoff_minutes: settings.change_cutoff_minutes,
            horizon_days: settings.horizon_days,
            slot_interval_minutes: settings.slot_interval_minutes.unwrap_or(0),
            daily_limit_meetings: settings.daily_limit_meetings.unwrap_or(0),
            daily_limit_minutes: settings.daily_limit_minutes.unwrap_or(0),
            daily_limit_counts_all_busy: settings.daily_limit_counts_all_busy,
        },
        busy_calendar_ids: settings.busy_calendars_chosen.then_some(settings.busy_calendar_ids),
        direct_booking_calendar_id: settings.direct_booking_calendar_id,
        date_overrides: super::dates::list(state, user.user_id).await?,
        meeting_types: super::meeting_types::list(state, &user_for_types).await?,
        time_zones: chrono_tz::TZ_VARIANTS.iter().map(|zone| zone.name().to_owned()).collect(),
        google_access: in_googles_words(&granted).into_iter().map(str::to_owned).collect(),
        broader_than_needed: BROADER_THAN_NEEDED.iter().any(|scope| granted.contains(scope)),
        busy_times_read_at,
        following,
        can_write_events: granted.contains(CALENDAR_EVENTS),
    })
}

pub async fn save_profile(state: &AppState, user: &User, profile: Profile) -> Result<(), AppError> {
    let display_name = profile.display_name.trim();
    let username = profile.username.trim().to_ascii_lowercase();
    if display_name.is_empty()
        || display_name.chars().count() > 100
        || display_name.chars().any(char::is_control)
    {
        return Err(AppError::invalid("display_name", "Use 1 to 100 characters, on one line."));
    }
    validate_username(&username).map_err(|message| AppError::invalid("username", message))?;
    if profile.time_zone.parse::<chrono_tz::Tz>().is_err() {
        return Err(AppError::invalid("time_zone", "Choose a time zone from the list."));
    }
    let db = state.database.pool();
    match users::update_profile(db, user.user_id, display_name, &username, &profile.time_zone, Utc::now())
        .await
    {
        Err(DbError::UsernameTaken) => {
            return Err(AppError::invalid("username", "That name is taken; please choose another."));
        }
        result => result?,
    }
    // The first save also sets up the booking rules, with defaults.
    if host_settings::find(db, user.user_id).await?.is_none() {
        host_settings::save(db, user.user_id, &HostSettings::defaults(), Utc::now()).await?;
    }
    Ok(())
}

pub async fn save_availability(
    state: &AppState,
    user_id: i64,
    form: &AvailabilityForm,
) -> Result<(), AppError> {
    let availability = parse_availability(&form.days)?;
    let in_range = |field: &str, value: i64, low: i64, high: i64, message: &str| {
        if (low..=high).contains(&value) {
            Ok(value)
        } else {
            Err(AppError::invalid(field, message))
        }
    };
    let meeting_minutes =
        in_range("meeting_minutes", form.meeting_minutes, 5, 480, "Meetings last 5 minutes to 8 hours.")?;
    let buffer_before_minutes =
        in_range("buffer_before_minutes", form.buffer_before_minutes, 0, 240, "Use 0 to 240 minutes.")?;
    let buffer_after_minutes =
        in_range("buffer_after_minutes", form.buffer_after_minutes, 0, 240, "Use 0 to 240 minutes.")?;
    let minimum_notice_minutes = in_range(
        "minimum_notice_minutes",
        form.minimum_notice_minutes,
        0,
        60 * 24 * 30,
        "Use up to 30 days of notice.",
    )?;
    let horizon_days = in_range("horizon_days", form.horizon_days, 1, 365, "Use 1 to 365 days.")?;
    let change_cutoff_minutes = in_range(
        "change_cutoff_minutes",
        form.change_cutoff_minutes,
        0,
        60 * 24 * 30,
        "Use 0 (until the start) to 30 days.",
    )?;
    let slot_interval_minutes = match form.slot_interval_minutes {
        0 => None,
        minutes if SLOT_INTERVALS.contains(&minutes) => Some(minutes),
        _ => return Err(AppError::invalid("slot_interval_minutes", "Choose one of the listed steps.")),
    };
    let daily_limit_meetings = in_range(
        "daily_limit_meetings",
        form.daily_limit_meetings,
        0,
        50,
        "Use 0 (no limit) to 50 meetings.",
    )?;
    let daily_limit_minutes = in_range(
        "daily_limit_minutes",
        form.daily_limit_minutes,
        0,
        24 * 60,
        "Use 0 (no limit) to 24 hours.",
    )?;
    if daily_limit_minutes > 0 && daily_limit_minutes < meeting_minutes {
        return Err(AppError::invalid(
            "daily_limit_minutes",
            "That is shorter than one meeting: no day could take any. Raise it, or use 0 for no limit.",
        ));
    }
    let db = state.database.pool();
    let mut settings = host_settings::find(db, user_id).await?.unwrap_or_else(HostSettings::defaults);
    settings.slot_interval_minutes = slot_interval_minutes;
    settings.daily_limit_meetings = Some(daily_limit_meetings).filter(|most| *most > 0);
    settings.daily_limit_minutes = Some(daily_limit_minutes).filter(|most| *most > 0);
    settings.daily_limit_counts_all_busy = form.daily_limit_counts_all_busy;
    settings.availability = availability;
    settings.meeting_minutes = meeting_minutes;
    settings.buffer_before_minutes = buffer_before_minutes;
    settings.buffer_after_minutes = buffer_after_minutes;
    settings.minimum_notice_minutes = minimum_notice_minutes;
    settings.horizon_days = horizon_days;
    settings.change_cutoff_minutes = change_cutoff_minutes;
    host_settings::save(db, user_id, &settings, Utc::now()).await?;
    Ok(())
}

pub async fn list_calendars(state: &AppState, user_id: i64) -> Result<Vec<CalendarChoice>, AppError> {
    let db = state.database.pool();
    let host = state.google.connection(db, user_id).await?;
    let entries = state.google.calendar_list(db, &host).await?;
    Ok(entries
        .into_iter()
        .map(|entry| CalendarChoice {
            name: entry.display_name().to_owned(),
            writable: entry.can_write(),
            id: entry.id,
            color: entry.background_color,
            primary: entry.primary,
        })
        .collect())
}

pub async fn save_busy_calendars(
    state: &AppState,
    user_id: i64,
    calendar_ids: Vec<String>,
) -> Result<(), AppError> {
    let mut calendar_ids = calendar_ids;
    let mut seen = std::collections::HashSet::new();
    calendar_ids.retain(|id| seen.insert(id.clone()));
    if calendar_ids.len() > FREEBUSY_MOST_CALENDARS {
        return Err(AppError::invalid(
            "calendars",
            format!(
                "Google tells BookMate the busy times of at most {FREEBUSY_MOST_CALENDARS} calendars at once; \
                 you ticked {}. Untick {} of them.",
                calendar_ids.len(),
                calendar_ids.len() - FREEBUSY_MOST_CALENDARS
            ),
        ));
    }
    // Only calendars in the host's own list: Google says which those are.
    let known = list_calendars(state, user_id).await?;
    if let Some(unknown) = calendar_ids.iter().find(|id| !known.iter().any(|calendar| &calendar.id == *id)) {
        tracing::warn!(user_id, unknown, "a calendar not in the host's list was submitted");
        return Err(AppError::invalid("calendars", "One of these calendars is not in your Google account."));
    }
    let db = state.database.pool();
    let mut settings = host_settings::find(db, user_id).await?.unwrap_or_else(HostSettings::defaults);
    settings.busy_calendar_ids = calendar_ids;
    settings.busy_calendars_chosen = true;
    host_settings::save(db, user_id, &settings, Utc::now()).await?;
    Ok(())
}

pub async fn save_direct_booking(
    state: &AppState,
    user: &User,
    enabled: bool,
    calendar_id: Option<String>,
) -> Result<DirectBookingSaved, AppError> {
    let db = state.database.pool();
    let mut settings = host_settings::find(db, user.user_id).await?.unwrap_or_else(HostSettings::defaults);
    if !enabled {
        settings.direct_booking_calendar_id = None;
        settings.pending_direct_booking_calendar_id = None;
        host_settings::save(db, user.user_id, &settings, Utc::now()).await?;
        needed_scopes::store(db, user.user_id).await?;
        return Ok(DirectBookingSaved::Saved);
    }
    let Some(calendar_id) = calendar_id.filter(|id| !id.is_empty()) else {
        return Err(AppError::invalid("direct_booking_calendar", "Choose the calendar bookings go to."));
    };
    let writable = list_calendars(state, user.user_id).await?;
    if !writable.iter().any(|calendar| calendar.id == calendar_id && calendar.writable) {
        return Err(AppError::invalid(
            "direct_booking_calendar",
            "BookMate can only add bookings to a calendar you own or may edit.",
        ));
    }
    let granted = google_connections::find(db, user.user_id)
        .await?
        .map(|connection| connection.granted_scopes)
        .unwrap_or_default();
    if granted.contains(CALENDAR_EVENTS) {
        settings.direct_booking_calendar_id = Some(calendar_id);
        settings.pending_direct_booking_calendar_id = None;
        host_settings::save(db, user.user_id, &settings, Utc::now()).await?;
        needed_scopes::store(db, user.user_id).await?;
        // Bookings in that calendar are followed too, when following is on.
        following::switch::follow_calendars(state, user, Utc::now()).await?;
        return Ok(DirectBookingSaved::Saved);
    }
    // Google must ask first. Nothing changes until it says yes.
    settings.pending_direct_booking_calendar_id = Some(calendar_id);
    host_settings::save(db, user.user_id, &settings, Utc::now()).await?;
    Ok(DirectBookingSaved::NeedsConsent { return_to: "/settings".to_owned() })
}

/// Called when Google's answer to a direct-booking consent comes back.
pub async fn complete_pending_direct_booking(
    state: &AppState,
    user_id: i64,
    granted: &ScopeSet,
) -> Result<(), DbError> {
    let db = state.database.pool();
    let Some(mut settings) = host_settings::find(db, user_id).await? else { return Ok(()) };
    let Some(pending) = settings.pending_direct_booking_calendar_id.take() else { return Ok(()) };
    if granted.contains(CALENDAR_EVENTS) {
        settings.direct_booking_calendar_id = Some(pending);
    }
    host_settings::save(db, user_id, &settings, Utc::now()).await?;
    needed_scopes::store(db, user_id).await
}

pub async fn give_back_write_access(state: &AppState, user: &User) -> Result<String, AppError> {
    let db = state.database.pool();
    if let Some(mut settings) = host_settings::find(db, user.user_id).await? {
        settings.direct_booking_calendar_id = None;
        settings.pending_direct_booking_calendar_id = None;
        host_settings::save(db, user.user_id, &settings, Utc::now()).await?;
    }
    needed_scopes::store(db, user.user_id).await?;
    state.google.disconnect(db, user.user_id).await?;
    Ok("/auth/google/login".to_owned())
}
