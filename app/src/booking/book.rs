//! A visitor books a time, and reads the booking back.
//!
//! The slot is checked again against fresh busy times and, in one
//! transaction, against the database, so it lands exactly once. Without
//! direct booking the invitations are queued in that transaction; with it,
//! the Google insert is (`direct`), as a job the request starts at once in a
//! task of its own: a visitor who leaves, an answer given at the request's
//! time limit, or a process that dies never leaves a booking with neither
//! Google's event nor BookMate's emails.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, TimeZone as _, Utc};
use chrono_tz::Tz;
use scheduling::Interval;

use super::{
    busy::{self, BusyError},
    direct,
    invitations::{self, HostAction},
    limiter::ClientAddress,
    meeting_choice,
    model::{BookingConfirmation, Invitation, VisitorDetails},
    refusals,
};
use crate::{
    db::{
        bookings::{self, BookingError, Conference, Delivery, NewBooking},
        google_jobs::{self, NewGoogleJob},
        host_settings, meeting_types,
        users::{self, User},
    },
    error::AppError,
    google::{GoogleCallError, Purpose},
    google_scopes::CALENDAR_EVENTS,
    place::{checked_phone, Place},
    questions::{checked_answers, error_field, LONG_ANSWER_CHARS, MOST_OPTIONS, MOST_QUESTIONS},
    state::AppState,
};

/// The farthest ahead any host takes bookings (settings allow up to 365 days).
pub const MAX_HORIZON_DAYS: i64 = 366;

/// Fields of answers a form may send: every question's, and every option
/// of checkbox questions.
const MOST_ANSWER_FIELDS: usize = MOST_QUESTIONS * MOST_OPTIONS;

/// Time kept back from the request limit to write the answer.
const ANSWER_MARGIN: std::time::Duration = std::time::Duration::from_secs(2);

/// What the booking form sends, as it comes.
pub struct BookingRequest {
    pub username: String,
    /// The type's slug; `None` for the one `/{username}` stands for.
    pub meeting_type: Option<String>,
    pub length: Option<i64>,
    /// The visitor's number, when the type's host calls them.
    pub phone: Option<String>,
    pub answers: BTreeMap<String, String>,
    pub start: i64,
    pub tz: String,
    pub name: String,
    pub email: String,
    pub note: String,
}

/// A request whose fields are well formed: what a booking token is spent on.
pub struct CheckedRequest {
    username: String,
    meeting_type: Option<String>,
    length: Option<i64>,
    phone: Option<String>,
    answers: BTreeMap<String, String>,
    visitor: VisitorDetails,
    visitor_zone: Tz,
    start: DateTime<Utc>,
}

/// Checks what the form sent, without touching the database or Google, so
/// that a malformed request costs the visitor no booking attempt.
pub fn check(request: BookingRequest, now: DateTime<Utc>) -> Result<CheckedRequest, AppError> {
    let visitor = VisitorDetails::parse(&request.name, &request.email, &request.note)
        .map_err(|(field, message)| AppError::invalid(field, message))?;
    let visitor_zone: Tz = request.tz.parse().map_err(|_| AppError::invalid("tz", refusals::ZONE))?;
    let start = Utc
        .timestamp_opt(request.start, 0)
        .single()
        .ok_or_else(|| AppError::invalid("start", refusals::TIME))?;
    if start <= now {
        return Err(AppError::invalid("start", refusals::PASSED));
    }
    // No host books more than a year ahead; beyond it, and near the end of
    // chrono's time, the slot's arithmetic could overflow.
    if start > now + Duration::days(MAX_HORIZON_DAYS) {
        return Err(AppError::invalid("start", refusals::TIME));
    }
    if request.meeting_type.as_ref().is_some_and(|slug| slug.len() > 64) {
        return Err(AppError::invalid("meeting_type", refusals::MEETING_TYPE));
    }
    let phone = match request.phone.as_deref().map(str::trim).filter(|phone| !phone.is_empty()) {
        Some(phone) => Some(checked_phone(phone).ok_or_else(|| AppError::invalid("phone", refusals::PHONE))?),
        None => None,
    };
    // Bounded before anything else reads them: a few short fields per question.
    let too_much = request.answers.len() > MOST_ANSWER_FIELDS
        || request.answers.iter().any(|(key, value)| key.len() > 64 || value.len() > 4 * LONG_ANSWER_CHARS);
    if too_much {
        return Err(AppError::invalid("answers", refusals::GENERAL));
    }
    Ok(CheckedRequest {
        username: request.username,
        phone,
        answers: request.answers,
        meeting_type: request.meeting_type.filter(|slug| !slug.is_empty()),
        length: request.length,
        visitor,
        visitor_zone,
        start,
    })
}

pub async fn book(
    state: &AppState,
    request: CheckedRequest,
    now: DateTime<Utc>,
) -> Result<BookingConfirmation, AppError> {
    let started = tokio::time::Instant::now();
    let CheckedRequest { username, meeting_type, length, phone, answers, visitor, visitor_zone, start } =
        request;

    // The host as the database has it now: a booking never goes by a cache.
    let db = state.database.pool();
    let host =
        users::find_by_username(db, &username.to_ascii_lowercase()).await?.ok_or(AppError::NotFound)?;
    let not_taking = || AppError::Conflict(refusals::not_taking_bookings(&host.display_name));
    let settings = host_settings::find(db, host.user_id).await?.ok_or_else(not_taking)?;
    let types = meeting_types::for_host(db, host.user_id).await?;
    let meeting_type = meeting_choice::for_booking(&types, meeting_type.as_deref())?;
    let length = meeting_choice::length(meeting_type, &settings, length)?;
    let answers = checked_answers(&meeting_type.fields.questions, &answers)
        .map_err(|error| AppError::invalid(&error_field(&error.key), error.message))?;
    if !meeting_type.takes_bookings(&settings) {
        return Err(not_taking());
    }
    // Read once, for the busy check and the insert alike.
    let connection = state.google.connection(db, host.user_id).await.map_err(|error| match error {
        GoogleCallError::Database(error) => AppError::from(error),
        _ => not_taking(),
    })?;
    let slot = Interval::new(start, start + Duration::minutes(length));

    // Fresh busy times around the slot: never the cache for a booking.
    let purpose = Purpose::CheckFreeBeforeBooking { visitor: visitor.name.clone() };
    let around = Interval::new(start - Duration::days(1), start + Duration::days(2));
    let busy = busy::fresh(state.busy_sources(), &connection, &settings, around, None, &purpose)
        .await
        .map_err(|error| match error {
            BusyError::NeedsReconnect => not_taking(),
            BusyError::Unavailable(detail) => {
                tracing::warn!(detail, "busy times unavailable at booking");
                AppError::Conflict(refusals::CANNOT_CHECK.to_owned())
            }
            BusyError::Database(error) => error.into(),
        })?;
    let engine = meeting_type.engine(&settings, host.zone(), length);
    let rules = engine.rules;
    if !busy.free_slots(&engine, now, around).contains(&slot) {
        return Err(AppError::Conflict(refusals::NO_LONGER_FREE.to_owned()));
    }

    let direct_calendar = settings
        .direct_booking_calendar_id
        .clone()
        .filter(|_| connection.granted_scopes.contains(CALENDAR_EVENTS));
    let event_id = random_event_id();
    // Google's event gets an iCalUID of Google's choosing, stored when the
    // insert answers; until then, and by email, invites carry this one.
    let uid = format!("{event_id}@bookmate");
    // Google Meet is made by Google with the event: without direct booking
    // there is no link to give, so no booking of the type is taken.
    let place = &meeting_type.fields.place;
    if *place == Place::GoogleMeet && direct_calendar.is_none() {
        return Err(not_taking());
    }
    let location = match place {
        Place::Unset | Place::GoogleMeet => None,
        Place::InPerson { address } => Some(address.clone()),
        Place::HostPhone { number } => Some(number.clone()),
        Place::Link { url } => Some(url.clone()),
        Place::VisitorPhone => Some(phone.ok_or_else(|| AppError::invalid("phone", refusals::PHONE))?),
    };
    let conference = (*place == Place::GoogleMeet).then_some(Conference::Requested);
    let delivery = if direct_calendar.is_some() { Delivery::Google } else { Delivery::Email };
    let google_job = direct_calendar.map(|calendar_id| NewGoogleJob {
        calendar_id,
        event_id,
        // This request makes the first attempt; the worker takes it up only
        // if the request's process dies.
        claimed_until: now + direct::claim_length(state),
    });
    let new = NewBooking {
        host_user_id: host.user_id,
        uid: uid.clone(),
        starts_at: slot.start,
        ends_at: slot.end,
        visitor_name: visitor.name,
        visitor_email: visitor.email,
        visitor_time_zone: visitor_zone.name().to_owned(),
        note: visitor.note,
        delivery,
        keeps_clear: (slot.start - rules.buffer_before, slot.end + rules.buffer_after),
        google_job,
        daily_limit: busy.daily_limit_check(rules, host.zone(), slot, around),
        meeting_type_id: Some(meeting_type.type_id),
        location,
        conference,
        answers,
    };
    let mail = |booking: &bookings::Booking| match delivery {
        Delivery::Email => invitations::emails(
            &host,
            booking,
            HostAction::Nothing,
            &state.manage_links.url_for(&booking.uid),
        ),
        Delivery::Google => Vec::new(),
    };
    let booking =
        bookings::create(db, state.database.backend(), &new, mail, now).await.map_err(
            |error| match error {
                BookingError::Taken => AppError::Conflict(refusals::JUST_TAKEN.to_owned()),
                BookingError::Database(error) => error.into(),
            },
        )?;
    state.host_changed(host.user_id);

    let invitation = match delivery {
        Delivery::Email => Invitation::ByEmail,
        Delivery::Google => {
            let job = google_jobs::for_booking(db, booking.booking_id).await?.ok_or(AppError::Internal)?;
            let patience = state.request_timeout.saturating_sub(started.elapsed() + ANSWER_MARGIN);
            let task_state = state.clone();
            let attempt = tokio::spawn(async move { direct::attempt(&task_state, &job).await });
            // Answer before the server's time limit would: a slow Google at
            // both steps must not turn a booking made into a 408. The
            // attempt goes on (and, should this process die, the worker
            // takes the job up); the visitor is told only what is known.
            match tokio::time::timeout(patience, attempt).await {
                Ok(Ok(Ok(direct::Outcome::InGoogle))) => Invitation::InHostCalendar,
                Ok(Ok(Ok(direct::Outcome::ByEmail))) => Invitation::ByEmail,
                Ok(Ok(Ok(direct::Outcome::OnItsWay))) => Invitation::OnItsWay,
                Ok(Ok(Err(error))) => {
                    tracing::error!(%error, "a direct booking's first attempt failed; the worker will retry");
                    Invitation::OnItsWay
                }
                Ok(Err(error)) => {
                    tracing::error!(%error, "the direct-booking task failed; the worker will retry");
                    Invitation::OnItsWay
                }
                Err(_) => {
                    tracing::warn!(booking.booking_id, "Google is slow to take a booking; answering first");
                    Invitation::OnItsWay
                }
            }
        }
    };
    // As it stands after Google's answer: a Meet link only once Google made one.
    let place =
        bookings::find_by_uid(db, &uid).await?.and_then(|booking| invitations::place_in_words(&booking));
    Ok(BookingConfirmation {
        uid,
        host_name: host.display_name.clone(),
        visitor_time: invitations::when(slot, visitor_zone),
        host_time: invitations::when(slot, host.zone()),
        invitation,
        place,
    })
}

/// What the confirmation page shows of a booking.
pub async fn confirmation(state: &AppState, uid: &str) -> Result<BookingConfirmation, AppError> {
    let db = state.database.pool();
    let booking = bookings::find_by_uid(db, uid).await?.ok_or(AppError::NotFound)?;
    let host: User = users::find_by_id(db, booking.host_user_id).await?.ok_or(AppError::NotFound)?;
    let slot = Interval::new(booking.starts_at, booking.ends_at);
    Ok(BookingConfirmation {
        uid: booking.uid.clone(),
        host_name: host.display_name.clone(),
        visitor_time: invitations::when(slot, booking.visitor_time_zone.parse().unwrap_or(Tz::UTC)),
        host_time: invitations::when(slot, host.zone()),
        invitation: invitations::status(&booking),
        place: invitations::place_in_words(&booking),
    })
}

/// A public endpoint: at most a few bookings a minute from one address, so
/// abuse gets a 429, not a flood of invitations.
pub async fn rate_limit(state: &AppState) -> Result<(), AppError> {
    match leptos_axum::extract::<axum::Extension<ClientAddress>>().await {
        Ok(axum::Extension(address)) if !state.booking_limiter.allow(address) => Err(AppError::RateLimited),
        _ => Ok(()),
    }
}

/// base32hex, 26 characters: valid as a Google event id.
fn random_event_id() -> String {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuv";
    (0..26).map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char).collect()
}
