//! The public booking page's server functions. Public on purpose: visitors
//! are not signed in. They reveal only what the host's page shows (name,
//! picture, free times) and act only on the host named in the address.

use std::sync::Arc;

use leptos::prelude::*;

use super::model::{BookingConfirmation, BookingPageView};
use crate::error::AppError;

#[server(endpoint = "booking_page")]
pub async fn get_booking_page(
    username: String,
    month: Option<String>,
    tz: Option<String>,
) -> Result<Arc<BookingPageView>, AppError> {
    crate::error::respond(
        async move {
            let state = expect_context::<crate::state::AppState>();
            ssr::booking_page(&state, &username, month.as_deref(), tz.as_deref(), chrono::Utc::now()).await
        }
        .await,
    )
}

#[server(endpoint = "book")]
pub async fn book(
    username: String,
    start: i64,
    tz: String,
    name: String,
    email: String,
    note: String,
) -> Result<BookingConfirmation, AppError> {
    crate::error::respond(
        async move {
            let state = expect_context::<crate::state::AppState>();
            ssr::rate_limit(&state).await?;
            let request = ssr::BookingRequest { username, start, tz, name, email, note };
            let confirmation = ssr::book(&state, &request, chrono::Utc::now()).await?;
            // A plain form post (no JavaScript) follows this; the page's form
            // is sent there by Leptos's redirect hook.
            leptos_axum::redirect(&format!("/bookings/{}", confirmation.uid));
            Ok(confirmation)
        }
        .await,
    )
}

/// What the confirmation page shows. The UID is random and unguessable;
/// knowing it is what entitles a visitor to see their booking.
#[server(endpoint = "booking_confirmation")]
pub async fn get_booking_confirmation(uid: String) -> Result<BookingConfirmation, AppError> {
    crate::error::respond(
        async move {
            let state = expect_context::<crate::state::AppState>();
            ssr::confirmation(&state, &uid).await
        }
        .await,
    )
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use std::sync::Arc;

    use chrono::{DateTime, Datelike as _, Duration, NaiveDate, TimeZone as _, Timelike as _, Utc};
    use chrono_tz::Tz;
    use scheduling::{free_slots, BookingRules, Host, Interval};

    use super::*;
    use crate::{
        booking::{
            busy::{self, BusyError},
            hosts, ics,
            model::{validate_visitor, DayView, PageStatus, SlotView},
            months,
        },
        db::{
            bookings::{self, BookingError, Delivery, NewBooking},
            google_connections, host_settings,
            host_settings::HostSettings,
            outbox::NewMessage,
            users::{self, User},
        },
        google::{
            calendar::{Attendee, CalendarError, EventTime, NewEvent},
            calls::{authorized, GoogleCallError},
        },
        google_scopes::CALENDAR_EVENTS,
        state::AppState,
    };

    pub struct BookingRequest {
        pub username: String,
        pub start: i64,
        pub tz: String,
        pub name: String,
        pub email: String,
        pub note: String,
    }

    fn rules(settings: &HostSettings) -> BookingRules {
        BookingRules {
            meeting_length: Duration::minutes(settings.meeting_minutes),
            buffer_before: Duration::minutes(settings.buffer_before_minutes),
            buffer_after: Duration::minutes(settings.buffer_after_minutes),
            minimum_notice: Duration::minutes(settings.minimum_notice_minutes),
            horizon: Duration::days(settings.horizon_days),
        }
    }

    fn zone(name: &str) -> Tz {
        name.parse().unwrap_or(Tz::UTC)
    }

    fn local_midnight(zone: Tz, date: NaiveDate) -> DateTime<Utc> {
        scheduling::local_day(zone, date).map_or_else(
            || Utc.from_utc_datetime(&date.and_hms_opt(0, 0, 0).unwrap_or_default()),
            |day| day.start,
        )
    }

    /// The host as the database has it now: a booking never goes by the cache.
    async fn host_now(state: &AppState, username: &str) -> Result<(User, Option<HostSettings>), AppError> {
        let db = state.database.pool();
        let user =
            users::find_by_username(db, &username.to_ascii_lowercase()).await?.ok_or(AppError::NotFound)?;
        let settings = host_settings::find(db, user.user_id).await?;
        Ok((user, settings))
    }

    /// The host as a page view may see them: cached for a few seconds.
    async fn host(state: &AppState, username: &str) -> Result<Arc<hosts::Host>, AppError> {
        let username = username.to_ascii_lowercase();
        state.host_cache.find(state.database.pool(), &username).await?.ok_or(AppError::NotFound)
    }

    pub async fn booking_page(
        state: &AppState,
        username: &str,
        month: Option<&str>,
        tz: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Arc<BookingPageView>, AppError> {
        let host = host(state, username).await?;
        let as_of = months::end_of_minute(now);
        let key = months::MonthKey {
            host_user_id: host.user.user_id,
            month: month.unwrap_or_default().to_owned(),
            time_zone: tz.unwrap_or_default().to_owned(),
            as_of: as_of.timestamp(),
        };
        if let Some(view) = state.month_cache.get(&key) {
            return Ok(view);
        }
        let view = Arc::new(compute_booking_page(state, &host, month, tz, as_of).await?);
        if view.status == PageStatus::Open {
            state.month_cache.insert(key, Arc::clone(&view));
        }
        Ok(view)
    }

    async fn compute_booking_page(
        state: &AppState,
        host: &hosts::Host,
        month: Option<&str>,
        tz: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<BookingPageView, AppError> {
        let (user, settings) = (&host.user, &host.settings);
        let host_zone = zone(&user.time_zone);
        let visitor_zone = tz.and_then(|tz| tz.parse::<Tz>().ok()).unwrap_or(host_zone);
        let today = now.with_timezone(&visitor_zone).date_naive();
        let first_of_this_month = today.with_day(1).unwrap_or(today);
        let first = month
            .and_then(|month| NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").ok())
            .filter(|first| *first >= first_of_this_month)
            .unwrap_or(first_of_this_month);
        let next_first = first.checked_add_months(chrono::Months::new(1)).unwrap_or(first);
        let range =
            Interval::new(local_midnight(visitor_zone, first), local_midnight(visitor_zone, next_first));

        let (status, slots) = match settings {
            Some(settings) if !settings.availability.is_empty() => {
                if !host.connected {
                    (PageStatus::NotTakingBookings, Vec::new())
                } else {
                    match busy::all_busy(state, user.user_id, settings, range, false).await {
                        Ok(busy) => {
                            let host = Host {
                                availability: &settings.availability,
                                time_zone: host_zone,
                                rules: rules(settings),
                            };
                            (PageStatus::Open, free_slots(&host, now, range, &busy))
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
            }
            _ => (PageStatus::NotTakingBookings, Vec::new()),
        };

        let mut days: Vec<DayView> = Vec::new();
        let mut date = first;
        while date < next_first {
            days.push(DayView {
                date: date.format("%Y-%m-%d").to_string(),
                day_of_month: date.day(),
                long_name: date.format("%A %-d %B").to_string(),
                slots: Vec::new(),
            });
            date = date.succ_opt().unwrap_or(next_first);
        }
        for slot in slots {
            let local = slot.start.with_timezone(&visitor_zone);
            let index = (local.date_naive() - first).num_days();
            if let Some(day) = usize::try_from(index).ok().and_then(|index| days.get_mut(index)) {
                day.slots.push(SlotView {
                    start: slot.start.timestamp(),
                    // By hand: chrono's format strings are parsed on every call,
                    // and a month can hold over a thousand slots.
                    label: format!("{:02}:{:02}", local.hour(), local.minute()),
                });
            }
        }
        let lead = first.weekday().num_days_from_monday() as usize;
        let mut cells: Vec<Option<DayView>> =
            std::iter::repeat_n(None, lead).chain(days.into_iter().map(Some)).collect();
        while !cells.len().is_multiple_of(7) {
            cells.push(None);
        }
        let weeks = cells.chunks(7).map(<[Option<DayView>]>::to_vec).collect();
        let settings = settings.clone().unwrap_or_else(HostSettings::defaults);
        Ok(BookingPageView {
            username: user.username.clone().unwrap_or_default(),
            host_name: user.display_name.clone(),
            picture_url: user.picture_url.clone(),
            meeting_minutes: settings.meeting_minutes,
            visitor_time_zone: visitor_zone.name().to_owned(),
            month: first.format("%Y-%m").to_string(),
            month_name: first.format("%B %Y").to_string(),
            previous_month: (first > first_of_this_month).then(|| {
                first.checked_sub_months(chrono::Months::new(1)).unwrap_or(first).format("%Y-%m").to_string()
            }),
            next_month: next_first.format("%Y-%m").to_string(),
            weeks,
            status,
        })
    }

    /// A visitor books: the slot is checked again against fresh busy times
    /// and the database, in one transaction, so it lands exactly once.
    pub async fn book(
        state: &AppState,
        request: &BookingRequest,
        now: DateTime<Utc>,
    ) -> Result<BookingConfirmation, AppError> {
        let started = tokio::time::Instant::now();
        validate_visitor(&request.name, &request.email, &request.note)
            .map_err(|(field, message)| AppError::invalid(field, message))?;
        let visitor_zone: Tz = request
            .tz
            .parse()
            .map_err(|_| AppError::invalid("tz", "Choose your time zone from the list."))?;
        let (user, settings) = host_now(state, &request.username).await?;
        let not_taking =
            || AppError::Conflict(format!("{} is not taking bookings right now.", user.display_name));
        let settings =
            settings.filter(|settings| !settings.availability.is_empty()).ok_or_else(not_taking)?;
        let start = Utc
            .timestamp_opt(request.start, 0)
            .single()
            .ok_or_else(|| AppError::invalid("start", "Choose a time from the list."))?;
        let slot = Interval::new(start, start + Duration::minutes(settings.meeting_minutes));
        if start <= now {
            return Err(AppError::invalid("start", "That time has passed; please choose another."));
        }

        // Fresh busy times around the slot: never the cache for a booking.
        let around = Interval::new(start - Duration::days(1), start + Duration::days(2));
        let busy =
            busy::all_busy(state, user.user_id, &settings, around, true).await.map_err(
                |error| match error {
                    BusyError::NeedsReconnect => not_taking(),
                    BusyError::Unavailable(detail) => {
                        tracing::warn!(detail, "busy times unavailable at booking");
                        AppError::Conflict(
                            "We cannot check the host's calendar right now. Please try again in a minute."
                                .to_owned(),
                        )
                    }
                    BusyError::Database(error) => error.into(),
                },
            )?;
        let host_zone = zone(&user.time_zone);
        let host =
            Host { availability: &settings.availability, time_zone: host_zone, rules: rules(&settings) };
        if !free_slots(&host, now, around, &busy).contains(&slot) {
            return Err(AppError::Conflict(
                "That time was just taken or is no longer available. Please pick another.".to_owned(),
            ));
        }

        let connection = google_connections::find(state.database.pool(), user.user_id).await?;
        let direct_calendar = settings.direct_booking_calendar_id.clone().filter(|_| {
            connection.as_ref().is_some_and(|connection| connection.granted_scopes.contains(CALENDAR_EVENTS))
        });
        let event_id = random_event_id();
        let delivery = if direct_calendar.is_some() { Delivery::Google } else { Delivery::Email };
        let uid = match delivery {
            // Google names an inserted event's iCalUID after its id.
            Delivery::Google => format!("{event_id}@google.com"),
            Delivery::Email => format!("{event_id}@bookmate"),
        };
        let new = NewBooking {
            host_user_id: user.user_id,
            uid: uid.clone(),
            starts_at: slot.start,
            ends_at: slot.end,
            visitor_name: request.name.trim().to_owned(),
            visitor_email: request.email.trim().to_owned(),
            visitor_time_zone: visitor_zone.name().to_owned(),
            note: request.note.trim().to_owned(),
            delivery,
        };
        let mail = if delivery == Delivery::Email {
            invitations(&user, &new, now, HostAction::Nothing)
        } else {
            Vec::new()
        };
        let booking = bookings::create(state.database.pool(), state.database.backend(), &new, &mail, now)
            .await
            .map_err(|error| match error {
                BookingError::Taken => {
                    AppError::Conflict("That time was just taken. Please pick another.".to_owned())
                }
                BookingError::Database(error) => error.into(),
            })?;
        state.host_changed(user.user_id);

        let mut in_host_calendar = false;
        if let Some(calendar_id) = direct_calendar {
            // A task of its own: if the visitor's request is cut off, the
            // event is still inserted or the invitations still queued, so the
            // booking is never left with neither.
            let patience = state.request_timeout.saturating_sub(started.elapsed() + ANSWER_MARGIN);
            let (state, user, new) = (state.clone(), user.clone(), new.clone());
            let booking_id = booking.booking_id;
            let insert = tokio::spawn(async move {
                insert_into_google(&state, &user, &new, &calendar_id, &event_id, booking_id, now).await
            });
            // Answer before the server's time limit would: a slow Google at
            // both steps must not turn a booking made into a 408. The task
            // goes on; the visitor gets Google's invitation or, failing that,
            // BookMate's by email.
            in_host_calendar = match tokio::time::timeout(patience, insert).await {
                Ok(joined) => joined.map_err(|error| {
                    tracing::error!(%error, "the direct-booking task failed");
                    AppError::Internal
                })??,
                Err(_) => {
                    tracing::warn!(booking_id, "Google is slow to take a booking; answering first");
                    // As recorded: Google's, unless the fallback takes over.
                    true
                }
            };
        }
        Ok(BookingConfirmation {
            uid,
            host_name: user.display_name.clone(),
            visitor_time: describe(slot, visitor_zone),
            host_time: describe(slot, host_zone),
            in_host_calendar,
        })
    }

    /// Time kept back from the request limit to write the answer.
    const ANSWER_MARGIN: std::time::Duration = std::time::Duration::from_secs(2);

    /// Inserts the event with the visitor as attendee; Google sends the one
    /// invite. If Google refuses for good, the booking falls back to email
    /// invites, so it is never lost. Returns whether Google has it.
    async fn insert_into_google(
        state: &AppState,
        user: &User,
        booking: &NewBooking,
        calendar_id: &str,
        event_id: &str,
        booking_id: i64,
        now: DateTime<Utc>,
    ) -> Result<bool, AppError> {
        let event = NewEvent {
            id: event_id.to_owned(),
            summary: format!("{} and {}", user.display_name, booking.visitor_name),
            description: if booking.note.is_empty() {
                "Booked with BookMate.".to_owned()
            } else {
                format!("{}\n\nBooked with BookMate.", booking.note)
            },
            start: EventTime { date_time: booking.starts_at },
            end: EventTime { date_time: booking.ends_at },
            attendees: vec![Attendee {
                email: booking.visitor_email.clone(),
                display_name: Some(booking.visitor_name.clone()),
            }],
        };
        let calendar = &state.auth.calendar;
        let event = &event;
        let inserted = authorized(
            &state.auth,
            state.database.pool(),
            user.user_id,
            &[CALENDAR_EVENTS],
            |token| async move {
                match calendar.insert_event(&token, calendar_id, event).await {
                    // A retry after a lost answer: our id is already there.
                    Err(CalendarError::Duplicate) => Ok(None),
                    result => result.map(Some),
                }
            },
        )
        .await;
        match inserted {
            Ok(_) => {
                bookings::set_google_event(state.database.pool(), booking_id, event_id).await?;
                Ok(true)
            }
            Err(GoogleCallError::MissingScope) => {
                tracing::warn!(
                    user_id = user.user_id,
                    "Google refused calendar.events for direct booking; emailing invites instead"
                );
                let mail = invitations(user, booking, now, HostAction::RestoreCalendarAccess);
                bookings::fall_back_to_email(state.database.pool(), booking_id, &mail, now).await?;
                // The stored grant claimed write access Google no longer gives:
                // correct it, so that the host is asked for it again. The
                // booking and its invitations stand whatever happens here.
                if let Err(error) = google_connections::withdraw_scope(
                    state.database.pool(),
                    user.user_id,
                    CALENDAR_EVENTS,
                    now,
                )
                .await
                {
                    tracing::error!(%error, user_id = user.user_id, "could not record the lost calendar.events");
                }
                Ok(false)
            }
            Err(error) => {
                tracing::error!(%error, user_id = user.user_id, "direct booking failed; emailing invites instead");
                let mail = invitations(user, booking, now, HostAction::AcceptEmailedInvitation);
                bookings::fall_back_to_email(state.database.pool(), booking_id, &mail, now).await?;
                Ok(false)
            }
        }
    }

    fn describe(slot: Interval, zone: Tz) -> String {
        let start = slot.start.with_timezone(&zone);
        let end = slot.end.with_timezone(&zone);
        format!("{}–{} ({})", start.format("%a %-d %b %Y, %H:%M"), end.format("%H:%M"), zone.name())
    }

    /// What the host's invitation asks them to do besides meeting the visitor.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum HostAction {
        Nothing,
        /// Google refused to add the meeting for want of write access.
        RestoreCalendarAccess,
        /// Google failed, refused or did not answer: the host, who expects the meeting
        /// in their calendar, must add it from the emailed invitation.
        AcceptEmailedInvitation,
    }

    /// Two invitations, the host's and the visitor's, with the same UID.
    fn invitations(
        user: &User,
        booking: &NewBooking,
        now: DateTime<Utc>,
        host_action: HostAction,
    ) -> Vec<NewMessage> {
        let summary = format!("{} and {}", user.display_name, booking.visitor_name);
        let ics = ics::request(&ics::Invite {
            uid: &booking.uid,
            summary: &summary,
            description: &booking.note,
            starts_at: booking.starts_at,
            ends_at: booking.ends_at,
            organizer_name: &user.display_name,
            organizer_email: &user.email,
            attendee_name: &booking.visitor_name,
            attendee_email: &booking.visitor_email,
            created_at: now,
        });
        let when = |zone: &str| {
            describe(Interval::new(booking.starts_at, booking.ends_at), zone.parse().unwrap_or(Tz::UTC))
        };
        let note = if booking.note.is_empty() {
            String::new()
        } else {
            format!("\n\nNote from {}:\n{}", booking.visitor_name, booking.note)
        };
        let action = match host_action {
            HostAction::Nothing => "",
            HostAction::RestoreCalendarAccess => {
                "\n\nBookMate could not add this meeting to your Google Calendar; \
                 you can restore its access under Settings → Direct booking."
            }
            HostAction::AcceptEmailedInvitation => {
                "\n\nGoogle did not take this meeting into your calendar when BookMate asked, \
                 so it is not there yet: accept the attached invitation to add it."
            }
        };
        vec![
            NewMessage {
                recipient: user.email.clone(),
                subject: format!("New booking: {} on {}", booking.visitor_name, when(&user.time_zone)),
                body_text: format!(
                    "{} ({}) booked a meeting with you: {}.{note}{action}\n\nThe invitation is attached.",
                    booking.visitor_name, booking.visitor_email, when(&user.time_zone)
                ),
                calendar_ics: Some(ics.clone()),
            },
            NewMessage {
                recipient: booking.visitor_email.clone(),
                subject: format!("Invitation: meeting with {} on {}", user.display_name, when(&booking.visitor_time_zone)),
                body_text: format!(
                    "Your meeting with {} is booked: {}.\n\nThe invitation is attached; add it to your calendar.",
                    user.display_name,
                    when(&booking.visitor_time_zone)
                ),
                calendar_ics: Some(ics),
            },
        ]
    }

    /// base32hex, 26 characters: valid as a Google event id.
    fn random_event_id() -> String {
        const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuv";
        (0..26).map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char).collect()
    }

    pub async fn confirmation(state: &AppState, uid: &str) -> Result<BookingConfirmation, AppError> {
        let db = state.database.pool();
        let booking = bookings::find_by_uid(db, uid).await?.ok_or(AppError::NotFound)?;
        let host = users::find_by_id(db, booking.host_user_id).await?.ok_or(AppError::NotFound)?;
        let slot = Interval::new(booking.starts_at, booking.ends_at);
        Ok(BookingConfirmation {
            uid: booking.uid,
            host_name: host.display_name,
            visitor_time: describe(slot, zone(&booking.visitor_time_zone)),
            host_time: describe(slot, zone(&host.time_zone)),
            in_host_calendar: booking.delivery == Delivery::Google,
        })
    }

    /// A public endpoint: at most a few bookings a minute from one address,
    /// so abuse gets a 429, not a flood of invitations.
    pub async fn rate_limit(state: &AppState) -> Result<(), AppError> {
        let address = leptos_axum::extract::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .await
            .map(|info| info.0.ip())
            .ok();
        if let Some(address) = address {
            if !state.booking_limiter.allow(address, std::time::Instant::now()) {
                return Err(AppError::RateLimited);
            }
        }
        Ok(())
    }
}
