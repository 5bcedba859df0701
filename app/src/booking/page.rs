//! `/{username}`: the host's public booking page. A month of days, the free
//! times of the chosen day in the visitor's zone, and the booking form.
//!
//! Everything the visitor chooses lives in the address (`tz`, `month`, `day`,
//! `slot`), so plain links work without JavaScript and a link reproduces the
//! view. A few lines of script detect the visitor's time zone; the one
//! island, on the booking form, shows its errors in place. A booking,
//! with or without JavaScript, ends on its confirmation page,
//! `/bookings/{uid}` (`confirmation_page.rs`).

use std::{collections::BTreeMap, sync::Arc};

use leptos::{
    either::Either,
    prelude::*,
    server_fn::{error::ServerFnUrlError, ServerFn},
};
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::{
    answer::BookingPageAnswer,
    api::{get_booking_page, Book},
    booking_form::BookingForm,
    model::{BookingPageView, DayView, PageStatus, SlotView},
    type_list::{linked_text, meeting_type_list},
};
use super::{refusals, zone_picker::ZonePicker};
use crate::{
    error::AppError,
    manage::{api::RescheduleBooking, page::RescheduleForm},
    questions::LONG_ANSWER_CHARS,
};

#[component]
pub fn BookingPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let username = move || params.read().get("username").unwrap_or_default();
    let page = Resource::new(
        move || {
            let query = query.read();
            let slug = params.read().get("slug");
            // A length that is not a number is one the type does not offer.
            let length = query.get("length").map(|length| length.parse::<i64>().unwrap_or(-1));
            let choice = (slug, length);
            (
                username(),
                choice,
                query.get("month"),
                query.get("tz"),
                query.get("reschedule"),
                query.get("key"),
            )
        },
        |(username, (slug, length), month, tz, reschedule, key)| {
            get_booking_page(username, slug, length, month, tz, reschedule, key)
        },
    );
    let zone_unknown = query.read_untracked().get("tz").is_none();
    view! {
        <main class="page booking">
            {zone_unknown.then(|| view! { <DetectZone/> })}
            <Suspense fallback=|| view! { <p class="muted">"Loading free times…"</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(answer) => view! { <BookingCard answer/> }.into_any(),
                        Err(AppError::NotFound) => view! { <crate::error::NotFoundPage/> }.into_any(),
                        Err(error @ AppError::Validation(_)) => view! { <BadAddress error username=username()/> }.into_any(),
                        // A move that may not happen (cancelled, too late): why, and the page.
                        Err(AppError::Conflict(why)) => view! {
                            <p class="error" role="alert" data-testid="booking-error">{why}" "<a href=format!("/{}", username())>"Show the booking page"</a></p>
                        }.into_any(),
                        Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </main>
    }
}

/// A month or zone in the address that BookMate cannot show: say which, and
/// offer the page as it starts.
#[component]
fn BadAddress(error: AppError, username: String) -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(error.http_status());
    }
    let reason = error
        .field("month")
        .or_else(|| error.field("tz"))
        .or_else(|| error.field("length"))
        .unwrap_or_else(|| error.to_string());
    view! {
        <p class="error" role="alert" data-testid="bad-address">{reason}" "<a href=format!("/{username}")>"Show this month"</a></p>
    }
}

/// Without a zone in the address the page was rendered in the host's; the
/// browser knows the visitor's, and this reloads the page in it, keeping the
/// rest of the address and replacing the history entry (Back does not
/// return to the page without a zone). A few lines of script under the
/// page's nonce, run as the page is parsed, rather than an island: the
/// visitor's first view then loads no WASM at all.
const DETECT_ZONE: &str = "(() => {\
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;\
  if (!zone) return;\
  const separator = location.search ? '&' : '?';\
  location.replace(location.pathname + location.search + separator + 'tz=' + encodeURIComponent(zone));\
})();";

#[component]
fn DetectZone() -> impl IntoView {
    view! { <script nonce=use_nonce() inner_html=DETECT_ZONE></script> }
}

fn link(view: &BookingPageView, month: &str, day: Option<&str>, slot: Option<i64>) -> String {
    let mut link = format!("{}?tz={}&month={month}", view.path, view.visitor_time_zone);
    if let Some(moving) = &view.rescheduling {
        link.push_str(&format!("&reschedule={}&key={}", moving.uid, moving.key));
    } else if view.lengths.len() > 1 {
        link.push_str(&format!("&length={}", view.meeting_minutes));
    }
    if let Some(day) = day {
        link.push_str(&format!("&day={day}"));
    }
    if let Some(slot) = slot {
        // The form's name field takes the focus (autofocus).
        link.push_str(&format!("&slot={slot}"));
    } else if day.is_some() {
        // Following the link moves the reader (and the keyboard's next Tab) to
        // the times of that day.
        link.push_str("#times");
    }
    link
}

/// The same page at another length: the month and zone kept, the day and
/// time dropped (they may not fit the new length).
fn length_link(view: &BookingPageView, length: i64) -> String {
    format!("{}?tz={}&month={}&length={length}", view.path, view.visitor_time_zone, view.month)
}

#[component]
fn BookingCard(answer: BookingPageAnswer) -> impl IntoView {
    let view = Arc::clone(&answer.view);
    // Rendered on the server only (not an island), so the address is read
    // once, not tracked: every choice is a new page.
    let (chosen_day, chosen_slot, failed_booking) = use_query_map().with_untracked(|query| {
        // A booking posted without JavaScript comes back here with its error
        // in the address (Leptos's form redirect).
        let path = query.get_str("__path");
        let failed_booking = (path == Some(<Book as ServerFn>::PATH)
            || path == Some(<RescheduleBooking as ServerFn>::PATH))
        .then(|| query.get_str("__err"))
        .flatten()
        .map(ServerFnUrlError::<AppError>::decode_err)
        .map(|error| refusals::from_address(error, &view.host_name));
        let chosen_slot = query.get_str("slot").and_then(|slot| slot.parse::<i64>().ok());
        (query.get("day"), chosen_slot, failed_booking)
    });
    // A link may prefill answers: `?q_company=ACME`.
    let prefill: BTreeMap<String, String> = use_query_map().with_untracked(|query| {
        view.questions
            .iter()
            .filter_map(|question| {
                let value = query.get_str(&format!("q_{}", question.key))?;
                Some((question.key.clone(), value.chars().take(LONG_ANSWER_CHARS).collect()))
            })
            .collect()
    });
    let title = view! { <Title text=format!("Book a meeting with {} · BookMate", view.host_name)/> };
    // With no time chosen, the card is the same for every visitor of the
    // month in its minute: rendered once (a day only when it is one of the
    // month's, so the address cannot fill the cache).
    #[cfg(feature = "ssr")]
    if let (Some(month), Some(state), None) =
        (&answer.shared, use_context::<crate::state::AppState>(), chosen_slot)
    {
        let day = chosen_day.as_deref().filter(|date| find_day(&view, date).is_some());
        if day == chosen_day.as_deref() {
            let html = state.month_cache.card(month, day, || {
                card_contents(Arc::clone(&view), day, (None, None), BTreeMap::new()).to_html()
            });
            return view! { {title} <div class="card booking-card" inner_html=html></div> }.into_any();
        }
    }
    let contents =
        card_contents(Arc::clone(&view), chosen_day.as_deref(), (chosen_slot, failed_booking), prefill);
    view! { {title} <div class="card booking-card">{contents}</div> }.into_any()
}

/// What the booking card shows: the host and the month, and the chosen
/// day's times or the form for the chosen time. Erased (`AnyView`): the
/// card's full type is deeper than a release build's query limit.
fn card_contents(
    view: Arc<BookingPageView>,
    chosen_day: Option<&str>,
    (chosen_slot, failed_booking): (Option<i64>, Option<AppError>),
    prefill: BTreeMap<String, String>,
) -> AnyView {
    let times = times_section(&view, chosen_day, chosen_slot, failed_booking, prefill);
    let initials: String =
        view.host_name.split_whitespace().filter_map(|word| word.chars().next()).take(2).collect();
    let status_message = match view.status {
        PageStatus::Open => None,
        PageStatus::NotTakingBookings => {
            Some(format!("{} is not taking bookings right now.", view.host_name))
        }
        PageStatus::AvailabilityUnknown => Some(
            "We cannot check this calendar right now, so no times are shown. Please try again in a minute."
                .to_owned(),
        ),
    };
    view! {
        <section class="host" aria-label="Host">
            {match view.picture_url.clone() {
                Some(src) => view! { <img class="avatar large" src=src alt="" width="64" height="64"/> }.into_any(),
                None => view! { <span class="avatar large initials" aria-hidden="true">{initials}</span> }.into_any(),
            }}
            <h1 data-testid="host-name">{view.host_name.clone()}</h1>
            {(!view.meeting_title.is_empty()).then(|| view! { <p class="meeting-title" data-testid="meeting-title">{view.meeting_title.clone()}</p> })}
            {view.choices.is_empty().then(|| view! { <p class="meeting-length">{format!("{} minute meeting", view.meeting_minutes)}</p> })}
            {(view.lengths.len() > 1 && view.rescheduling.is_none()).then(|| view! {
                <nav class="lengths" aria-label="Length">
                    {view.lengths.iter().map(|length| {
                        let chosen = *length == view.meeting_minutes;
                        view! { <a class="chip" class:selected=chosen aria-current=chosen.then_some("true") href=length_link(&view, *length) data-testid="length">{format!("{length} min")}</a> }
                    }).collect_view()}
                </nav>
            })}
            {(!view.place.is_empty()).then(|| view! { <p class="place" data-testid="type-place">{view.place.clone()}</p> })}
            {(!view.description.is_empty()).then(|| view! { <p class="description">{linked_text(&view.description)}</p> })}
            <p class="zone">"Times in " <strong data-testid="visitor-zone">{view.visitor_time_zone.clone()}</strong></p>
            <ZonePicker view=Arc::clone(&view)/>
        </section>
        {view.rescheduling.clone().map(|moving| view! {
            <p class="notice banner reschedule-banner" role="status" data-testid="rescheduling">
                {format!("Moving your booking of {}. Pick a new time; until you confirm it, nothing changes. ", moving.current_time)}
                <a href=format!("/bookings/{}?key={}", moving.uid, moving.key)>"Keep the current time"</a>
            </p>
        })}
        {(!view.choices.is_empty()).then(|| meeting_type_list(&view))}
        <section class="month" aria-labelledby="month-heading" hidden=!view.choices.is_empty()>
            <div class="month-head">
                {view.previous_month.clone().map(|previous| view! {
                    <a class="icon-button" href=link(&view, &previous, None, None) aria-label="Previous month">"‹"</a>
                })}
                <h2 id="month-heading">{view.month_name.clone()}</h2>
                {view.next_month.clone().map(|next| view! {
                    <a class="icon-button" href=link(&view, &next, None, None) aria-label="Next month">"›"</a>
                })}
            </div>
            {status_message.map(|message| view! { <p class="notice banner" role="status" data-testid="booking-status">{message}</p> })}
            <table class="month-grid">
                <thead><tr>{["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].map(|day| view! { <th scope="col">{day}</th> })}</tr></thead>
                <tbody>
                    {view.weeks.iter().map(|week| view! {
                        <tr>
                            {week.iter().map(|cell| view! {
                                <td>{cell.as_ref().map(|day| day_cell(&view, day, chosen_day))}</td>
                            }).collect_view()}
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
        {view.choices.is_empty().then(|| view! { <section class="times" id="times" tabindex="-1" aria-label="Times">{times}</section> })}
    }
    .into_any()
}

/// A day of the month grid: a link to its times when it has any. `Either`,
/// not `AnyView`: a month renders 31 of these per page view.
fn day_cell(view: &BookingPageView, day: &DayView, chosen_day: Option<&str>) -> impl IntoView {
    let count = day.slots.len();
    let label = format!(
        "{}, {} {}",
        day.long_name,
        count,
        if count == 1 { "time available" } else { "times available" }
    );
    if count == 0 {
        return Either::Right(view! { <span class="day" aria-label=label>{day.day_of_month}</span> });
    }
    let href = link(view, &view.month, Some(&day.date), None);
    let selected = chosen_day == Some(day.date.as_str());
    Either::Left(view! {
        <a class="day available" class:selected=selected aria-current=selected.then_some("date") href=href
            aria-label=label data-testid="available-day">{day.day_of_month}</a>
    })
}

/// The chosen day's times, or the booking form for the chosen time.
fn times_section(
    view: &BookingPageView,
    chosen_day: Option<&str>,
    chosen_slot: Option<i64>,
    failed_booking: Option<AppError>,
    prefill: BTreeMap<String, String>,
) -> AnyView {
    let day = chosen_day.and_then(|date| find_day(view, date));
    let chosen =
        day.and_then(|day| Some((day, day.slots.iter().find(|slot| Some(slot.start) == chosen_slot)?)));
    if let Some((day, slot)) = chosen {
        let summary = slot_summary(view, day, slot);
        if let Some(moving) = &view.rescheduling {
            return view! {
                <RescheduleForm uid=moving.uid.clone() key=moving.key.clone() start=slot.start summary failed=failed_booking/>
            }
            .into_any();
        }
        return view! {
            <BookingForm
                username=view.username.clone()
                meeting_type=view.meeting_type.clone()
                length=view.meeting_minutes
                asks_phone=view.asks_phone
                questions=view.questions.clone()
                prefill
                start=slot.start
                tz=view.visitor_time_zone.clone()
                summary
                failed=failed_booking
            />
        }
        .into_any();
    }
    // A time that was chosen but is not free (any more): say so, with the
    // server's reason if a booking attempt brought one back, above the times
    // that are.
    let gone = chosen_slot.map(|_| {
        failed_booking.map_or_else(
            || "That time is no longer available. Please pick another.".to_owned(),
            |error| error.to_string(),
        )
    });
    let times = match day {
        None => view! { <p class="muted">"Pick a day to see its times."</p> }.into_any(),
        Some(day) if day.slots.is_empty() => view! { <p class="muted">"No times on that day."</p> }.into_any(),
        Some(day) => view! {
            <h2 id="times-heading">{day.long_name.clone()}</h2>
            <ul class="time-list" aria-labelledby="times-heading">
                {day.slots.iter().map(|slot| view! {
                    <li><a class="button secondary time" href=link(view, &view.month, Some(&day.date), Some(slot.start)) data-testid="time">{slot.label.clone()}</a></li>
                }).collect_view()}
            </ul>
        }
        .into_any(),
    };
    view! {
        <p class="field-error" role="alert" data-testid="booking-error">{gone}</p>
        {times}
    }
    .into_any()
}

fn find_day<'a>(view: &'a BookingPageView, date: &str) -> Option<&'a DayView> {
    view.weeks.iter().flatten().flatten().find(|day| day.date == date)
}

/// "Tuesday 3 December, 09:30–10:00, Asia/Tokyo time".
fn slot_summary(view: &BookingPageView, day: &DayView, slot: &SlotView) -> String {
    let end_label = {
        let minutes = slot
            .label
            .split_once(':')
            .and_then(|(h, m)| Some(h.parse::<i64>().ok()? * 60 + m.parse::<i64>().ok()?))
            .unwrap_or(0)
            + view.meeting_minutes;
        format!("{:02}:{:02}", (minutes / 60) % 24, minutes % 60)
    };
    format!(
        "{}, {}–{}, {} time",
        day.long_name,
        slot.label,
        end_label,
        view.visitor_time_zone.replace('_', " ")
    )
}
