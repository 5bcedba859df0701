//! What a visitor sees of a host: a month of free times, computed once a
//! minute per month and zone and shared by every visitor (`months`), from
//! the host as cached for a few seconds (`hosts`) and the busy times as
//! cached for a minute (`busy`). It fails closed: no answer from Google, no
//! free time.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use scheduling::Interval;

use super::{
    book::MAX_HORIZON_DAYS,
    busy::BusyError,
    hosts,
    model::{BookingPageView, PageStatus, ReschedulingLink},
    month_grid::{parse_month, Month},
    months,
};
use crate::{db::host_settings::HostSettings, error::AppError, state::AppState};

pub async fn booking_page(
    state: &AppState,
    username: &str,
    month: Option<&str>,
    tz: Option<&str>,
    now: DateTime<Utc>,
    rescheduling: Option<Rescheduling>,
) -> Result<Arc<BookingPageView>, AppError> {
    // What the address asks for is checked before anything is looked up,
    // cached or fetched.
    let month = month.filter(|month| !month.is_empty()).map(parse_month_field).transpose()?;
    let tz = tz.filter(|tz| !tz.is_empty()).map(parse_zone_field).transpose()?;
    let host = state
        .host_cache
        .find(state.database.pool(), &username.to_ascii_lowercase())
        .await?
        .ok_or(AppError::NotFound)?;
    // As of the minute's end: a later "now" can only hide a slot (minimum
    // notice), never show one that is not free.
    let as_of = months::end_of_minute(now);
    let visitor_zone = tz.unwrap_or_else(|| host.user.zone());
    let month = offered_month(&host, month, visitor_zone, as_of);
    let key = months::MonthKey {
        host_user_id: host.user.user_id,
        month: month.first,
        time_zone: visitor_zone,
        as_of: as_of.timestamp(),
    };
    if let Some(rescheduling) = rescheduling {
        // One visitor's view, never shared: their own booking is free here.
        let mut view = compute(state, &host, month, visitor_zone, as_of, Some(rescheduling.current)).await?;
        view.rescheduling = Some(rescheduling.link);
        return Ok(Arc::new(view));
    }
    if let Some(view) = state.month_cache.get(&key) {
        return Ok(view);
    }
    let view = Arc::new(compute(state, &host, month, visitor_zone, as_of, None).await?);
    if view.status == PageStatus::Open {
        state.month_cache.insert(key, Arc::clone(&view));
    }
    Ok(view)
}

/// A visitor moving their booking: its current time, and the link that
/// proves the right to move it.
pub struct Rescheduling {
    pub current: Interval,
    pub link: ReschedulingLink,
}

fn parse_month_field(text: &str) -> Result<NaiveDate, AppError> {
    parse_month(text).ok_or_else(|| AppError::invalid("month", "Months are written like 2026-12."))
}

fn parse_zone_field(text: &str) -> Result<Tz, AppError> {
    text.parse::<Tz>().map_err(|_| AppError::invalid("tz", "That is not a time zone BookMate knows."))
}

/// The months a visitor may page through: this one to the one holding the
/// host's last bookable day (just this one for a host not taking bookings).
fn offered_month(host: &hosts::Host, requested: Option<NaiveDate>, zone: Tz, now: DateTime<Utc>) -> Month {
    let today = now.with_timezone(&zone).date_naive();
    let horizon_days =
        host.settings.as_ref().map_or(0, |settings| settings.horizon_days.clamp(0, MAX_HORIZON_DAYS));
    let last_day = today.checked_add_days(chrono::Days::new(horizon_days.unsigned_abs())).unwrap_or(today);
    Month::offered(requested, today, last_day)
}

async fn compute(
    state: &AppState,
    host: &hosts::Host,
    month: Month,
    visitor_zone: Tz,
    now: DateTime<Utc>,
    ignoring: Option<Interval>,
) -> Result<BookingPageView, AppError> {
    let user = &host.user;
    let host_zone = user.zone();
    let range = month.span(visitor_zone);

    let (status, slots) = match &host.settings {
        Some(settings) if settings.takes_bookings() && host.connected => {
            match state.busy_cache.get(state.busy_sources(), user.user_id, settings, month.first).await {
                Ok(busy) => {
                    let engine = settings.engine(host_zone);
                    let slots = match ignoring {
                        Some(hole) => busy.without(hole).free_slots(&engine, now, range),
                        None => busy.free_slots(&engine, now, range),
                    };
                    (PageStatus::Open, slots)
                }
                Err(BusyError::NeedsReconnect) => (PageStatus::NotTakingBookings, Vec::new()),
                Err(BusyError::Unavailable(detail)) => {
                    tracing::warn!(
                        detail,
                        user_id = user.user_id,
                        "busy times unavailable; showing no slots"
                    );
                    (PageStatus::AvailabilityUnknown, Vec::new())
                }
                Err(BusyError::Database(error)) => return Err(error.into()),
            }
        }
        _ => (PageStatus::NotTakingBookings, Vec::new()),
    };

    let meeting_minutes = host
        .settings
        .as_ref()
        .map_or(HostSettings::defaults().meeting_minutes, |settings| settings.meeting_minutes);
    Ok(BookingPageView {
        username: user.username.clone().unwrap_or_default(),
        host_name: user.display_name.clone(),
        picture_url: user.picture_url.clone(),
        meeting_minutes,
        visitor_time_zone: visitor_zone.name().to_owned(),
        month: month.first.format("%Y-%m").to_string(),
        month_name: month.first.format("%B %Y").to_string(),
        previous_month: month.previous_first().map(|first| first.format("%Y-%m").to_string()),
        next_month: month.next_offered().map(|first| first.format("%Y-%m").to_string()),
        weeks: month.weeks(visitor_zone, &slots),
        status,
        rescheduling: None,
    })
}
