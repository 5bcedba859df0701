//! What a visitor sees of a host: a month of free times of one meeting type
//! and length, computed once a minute per month and zone and shared by every
//! visitor (`months`), from the host as cached for a few seconds (`hosts`)
//! and the busy times as cached for a minute (`busy`). It fails closed: no
//! answer from Google, no free time.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use scheduling::Interval;

use super::{
    answer::BookingPageAnswer,
    book::MAX_HORIZON_DAYS,
    busy::BusyError,
    hosts,
    meeting_choice::{self, Choice},
    model::{BookingPageView, MeetingTypeCard, PageStatus, ReschedulingLink},
    month_grid::{parse_month, Month},
    months,
};
use crate::{
    db::{host_settings::HostSettings, meeting_types::MeetingType},
    error::AppError,
    place::Place,
    state::AppState,
};

/// What the address asks for beyond the host: the type's slug (none at
/// `/{username}`), the length, the month and the visitor's zone.
#[derive(Debug, Clone, Copy, Default)]
pub struct PageRequest<'a> {
    pub meeting_type: Option<&'a str>,
    pub length: Option<i64>,
    pub month: Option<&'a str>,
    pub tz: Option<&'a str>,
}

pub async fn booking_page(
    state: &AppState,
    username: &str,
    request: PageRequest<'_>,
    now: DateTime<Utc>,
    rescheduling: Option<Rescheduling>,
) -> Result<BookingPageAnswer, AppError> {
    // What the address asks for is checked before anything is looked up,
    // cached or fetched.
    let month = request.month.filter(|month| !month.is_empty()).map(parse_month_field).transpose()?;
    let tz = request.tz.filter(|tz| !tz.is_empty()).map(parse_zone_field).transpose()?;
    let host = state
        .host_cache
        .find(state.database.pool(), &username.to_ascii_lowercase())
        .await?
        .ok_or(AppError::NotFound)?;
    // As of the minute's end: a later "now" can only hide a slot (minimum
    // notice), never show one that is not free.
    let as_of = months::end_of_minute(now);
    let visitor_zone = tz.unwrap_or_else(|| host.user.zone());
    let (meeting_type, at_front) = match meeting_choice::choose(&host.types, request.meeting_type)? {
        Choice::One { meeting_type, at_front } => (Some(meeting_type), at_front),
        Choice::Several(types) => {
            return Ok(BookingPageAnswer::one(listing(&host, &types, visitor_zone, as_of)))
        }
        Choice::NoneListed => (None, true),
    };
    let chosen = match (meeting_type, &host.settings) {
        (Some(meeting_type), Some(settings)) => {
            let length = match &rescheduling {
                Some(rescheduling) => rescheduling.length_minutes,
                None => meeting_choice::length(meeting_type, settings, request.length)?,
            };
            Some(Chosen { meeting_type, length, at_front })
        }
        _ => None,
    };
    let month = offered_month(&host, chosen.as_ref(), month, visitor_zone, as_of);
    if let Some(rescheduling) = rescheduling {
        // One visitor's view, never shared: their own booking is free here.
        let mut view =
            compute(state, &host, chosen.as_ref(), month, visitor_zone, as_of, Some(rescheduling.current))
                .await?;
        view.rescheduling = Some(rescheduling.link);
        return Ok(BookingPageAnswer::one(view));
    }
    let key = months::MonthKey {
        host_user_id: host.user.user_id,
        meeting_type_id: chosen.as_ref().map_or(0, |chosen| chosen.meeting_type.type_id),
        length_minutes: chosen.as_ref().map_or(0, |chosen| chosen.length),
        at_front,
        month: month.first,
        time_zone: visitor_zone,
        as_of: as_of.timestamp(),
    };
    if let Some(month) = state.month_cache.get(&key) {
        return Ok(BookingPageAnswer::shared(&month));
    }
    let view = compute(state, &host, chosen.as_ref(), month, visitor_zone, as_of, None).await?;
    if view.status != PageStatus::Open {
        return Ok(BookingPageAnswer::one(view));
    }
    Ok(BookingPageAnswer::shared(&state.month_cache.insert(key, Arc::new(view))?))
}

/// A visitor moving their booking: its current time, and the link that
/// proves the right to move it.
pub struct Rescheduling {
    pub current: Interval,
    /// The booking keeps its length, whatever the type offers now.
    pub length_minutes: i64,
    pub link: ReschedulingLink,
}

/// The type and length a page shows.
struct Chosen<'a> {
    meeting_type: &'a MeetingType,
    length: i64,
    at_front: bool,
}

fn parse_month_field(text: &str) -> Result<NaiveDate, AppError> {
    parse_month(text).ok_or_else(|| AppError::invalid("month", "Months are written like 2026-12."))
}

fn parse_zone_field(text: &str) -> Result<Tz, AppError> {
    text.parse::<Tz>().map_err(|_| AppError::invalid("tz", "That is not a time zone BookMate knows."))
}

/// The months a visitor may page through: this one to the one holding the
/// type's last bookable day (just this one for a host not taking bookings).
fn offered_month(
    host: &hosts::Host,
    chosen: Option<&Chosen<'_>>,
    requested: Option<NaiveDate>,
    zone: Tz,
    now: DateTime<Utc>,
) -> Month {
    let today = now.with_timezone(&zone).date_naive();
    let horizon_days = match (chosen, &host.settings) {
        (Some(chosen), Some(settings)) => {
            chosen.meeting_type.horizon_days(settings).clamp(0, MAX_HORIZON_DAYS)
        }
        _ => 0,
    };
    let last_day = today.checked_add_days(chrono::Days::new(horizon_days.unsigned_abs())).unwrap_or(today);
    Month::offered(requested, today, last_day)
}

/// `/{username}` of a host who lists several types: the types, to choose
/// from, and no month.
fn listing(
    host: &hosts::Host,
    types: &[&MeetingType],
    visitor_zone: Tz,
    now: DateTime<Utc>,
) -> BookingPageView {
    let username = host.user.username.clone().unwrap_or_default();
    let defaults = HostSettings::defaults();
    let settings = host.settings.as_ref().unwrap_or(&defaults);
    let month = Month::offered(
        None,
        now.with_timezone(&visitor_zone).date_naive(),
        now.with_timezone(&visitor_zone).date_naive(),
    );
    BookingPageView {
        username: username.clone(),
        host_name: host.user.display_name.clone(),
        picture_url: host.user.picture_url.clone(),
        path: format!("/{username}"),
        meeting_type: String::new(),
        meeting_title: String::new(),
        description: String::new(),
        colour: String::new(),
        lengths: Vec::new(),
        place: String::new(),
        asks_phone: false,
        questions: Vec::new(),
        meeting_minutes: 0,
        choices: types
            .iter()
            .map(|meeting_type| MeetingTypeCard {
                title: meeting_type.fields.title.clone(),
                path: meeting_choice::path(&username, meeting_type, false),
                lengths: meeting_type.lengths(settings),
                description: meeting_type.fields.description.clone(),
                colour: meeting_type.fields.colour.clone(),
            })
            .collect(),
        visitor_time_zone: visitor_zone.name().to_owned(),
        month: month.first.format("%Y-%m").to_string(),
        month_name: month.first.format("%B %Y").to_string(),
        previous_month: None,
        next_month: None,
        weeks: Vec::new(),
        status: PageStatus::Open,
        rescheduling: None,
    }
}

async fn compute(
    state: &AppState,
    host: &hosts::Host,
    chosen: Option<&Chosen<'_>>,
    month: Month,
    visitor_zone: Tz,
    now: DateTime<Utc>,
    ignoring: Option<Interval>,
) -> Result<BookingPageView, AppError> {
    let user = &host.user;
    let host_zone = user.zone();
    let range = month.span(visitor_zone);
    let username = user.username.clone().unwrap_or_default();

    let open = match (chosen, &host.settings) {
        (Some(chosen), Some(settings))
            if chosen.meeting_type.takes_bookings(settings)
                && host.connected
                && (chosen.meeting_type.fields.place != Place::GoogleMeet || host.can_add_events) =>
        {
            Some((chosen, settings))
        }
        _ => None,
    };
    let (status, slots) = match open {
        Some((chosen, settings)) => {
            match state.busy_cache.get(state.busy_sources(), user.user_id, settings, month.first).await {
                Ok(busy) => {
                    let engine = chosen.meeting_type.engine(settings, host_zone, chosen.length);
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
        None => (PageStatus::NotTakingBookings, Vec::new()),
    };

    let defaults = HostSettings::defaults();
    let settings = host.settings.as_ref().unwrap_or(&defaults);
    let (place, asks_phone) = chosen.map_or((String::new(), false), |chosen| {
        let place = &chosen.meeting_type.fields.place;
        (place.summary(), place.asks_visitor_phone())
    });
    let (path, meeting_type, meeting_title, description, colour, lengths, meeting_minutes) = match chosen {
        Some(chosen) => {
            let fields = &chosen.meeting_type.fields;
            (
                meeting_choice::path(&username, chosen.meeting_type, chosen.at_front),
                fields.slug.clone(),
                fields.title.clone(),
                fields.description.clone(),
                fields.colour.clone(),
                chosen.meeting_type.lengths(settings),
                chosen.length,
            )
        }
        None => (
            format!("/{username}"),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            vec![settings.meeting_minutes],
            settings.meeting_minutes,
        ),
    };
    Ok(BookingPageView {
        username,
        host_name: user.display_name.clone(),
        picture_url: user.picture_url.clone(),
        path,
        meeting_type,
        meeting_title,
        description,
        colour,
        lengths,
        place,
        asks_phone,
        questions: chosen.map(|chosen| chosen.meeting_type.fields.questions.clone()).unwrap_or_default(),
        meeting_minutes,
        choices: Vec::new(),
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
