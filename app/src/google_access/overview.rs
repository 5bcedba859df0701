//! The Google access page's content, read for one host: the scopes held and
//! their last use, the connection's state, and one page of the log.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use super::model::{
    short_scope, GoogleAccessView, HeldScope, LogEntryView, ENTRIES_PER_PAGE, WRITE_UNUSED_DAYS,
};
use crate::{
    db::{google_access_log, google_connections, host_settings, users::User},
    error::AppError,
    google_scopes::{self, CALENDAR_EVENTS, PERMISSIONS},
    state::AppState,
};

pub async fn google_access(
    state: &AppState,
    user: &User,
    filter: Option<String>,
    before: Option<i64>,
    now: DateTime<Utc>,
) -> Result<GoogleAccessView, AppError> {
    let db = state.database.pool();
    let zone = user.zone();
    let at = |time: DateTime<Utc>| in_words(time, zone);
    let connection = google_connections::find(db, user.user_id).await?;
    let last_used = google_access_log::last_used(db, user.user_id).await?;
    let last_use_of = |scope: &str| last_used.iter().find(|(used, _)| used == scope).map(|(_, at)| *at);
    let scopes: Vec<HeldScope> = connection
        .as_ref()
        .map(|connection| {
            connection
                .granted_scopes
                .iter()
                .map(|scope| HeldScope {
                    scope: scope.to_owned(),
                    short_name: short_scope(scope).to_owned(),
                    feature: feature(scope).to_owned(),
                    google_says: google_scopes::google_words(scope).map(str::to_owned),
                    last_used: last_use_of(scope).map(at),
                })
                .collect()
        })
        .unwrap_or_default();

    let holds_write =
        connection.as_ref().is_some_and(|connection| connection.granted_scopes.contains(CALENDAR_EVENTS));
    let direct_booking_on = host_settings::find(db, user.user_id)
        .await?
        .is_some_and(|settings| settings.direct_booking_calendar_id.is_some());
    let month_ago = now - Duration::days(WRITE_UNUSED_DAYS);
    let write_used_lately = last_use_of(CALENDAR_EVENTS).is_some_and(|used| used > month_ago);
    // "Unused for 30 days" needs 30 days of log to say so.
    let watched_long_enough =
        google_access_log::first_entry_at(db, user.user_id).await?.is_some_and(|first| first <= month_ago);
    let suggest_giving_back_write =
        holds_write && (!direct_booking_on || (!write_used_lately && watched_long_enough));

    let filter = filter.filter(|scope| !scope.is_empty());
    let mut entries =
        google_access_log::page(db, user.user_id, filter.as_deref(), before, ENTRIES_PER_PAGE + 1).await?;
    let older = (entries.len() > usize::try_from(ENTRIES_PER_PAGE).unwrap_or(usize::MAX))
        .then(|| {
            entries.truncate(usize::try_from(ENTRIES_PER_PAGE).unwrap_or(0));
            entries.last().map(|entry| entry.entry_id)
        })
        .flatten();
    let entries = entries
        .into_iter()
        .map(|entry| LogEntryView {
            when: at(entry.at),
            purpose: entry.purpose,
            method: entry.method,
            scope: short_scope(&entry.scope).to_owned(),
            outcome: entry.outcome.as_str().to_owned(),
        })
        .collect();

    Ok(GoogleAccessView {
        time_zone: zone.name().to_owned(),
        needs_reconnect: connection
            .as_ref()
            .is_none_or(|connection| connection.needs_reconnect_since.is_some()),
        access_ends_on: connection
            .as_ref()
            .and_then(|connection| connection.refresh_token_expires_at)
            .map(at),
        busy_times_read_at: google_access_log::last_success(db, user.user_id, "freebusy.query")
            .await?
            .map(at),
        scopes,
        suggest_giving_back_write,
        filter,
        entries,
        older,
    })
}

/// What needs a scope, in the host's words.
fn feature(scope: &str) -> &'static str {
    if let Some(permission) = PERMISSIONS.iter().find(|permission| permission.scopes.contains(&scope)) {
        return permission.summary;
    }
    if google_scopes::BROADER_THAN_NEEDED.contains(&scope) {
        return "Granted at an earlier sign-in; broader than anything BookMate does (narrow it in Settings)";
    }
    "Nothing BookMate does needs it"
}

fn in_words(time: DateTime<Utc>, zone: Tz) -> String {
    time.with_timezone(&zone).format("%a %-d %b %Y, %H:%M").to_string()
}
