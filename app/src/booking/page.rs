//! `/{username}`: the host's public booking page. A month of days, the free
//! times of the chosen day in the visitor's zone, and the booking form.
//!
//! Everything the visitor chooses lives in the address (`tz`, `month`, `day`,
//! `slot`), so plain links work without JavaScript and a link reproduces the
//! view; with JavaScript the time zone is detected and the booking form
//! submits in place.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::{
    api::{get_booking_page, Book},
    model::{BookingConfirmation, BookingPageView, DayView, PageStatus},
};
use crate::error::AppError;

#[component]
pub fn BookingPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let username = move || params.read().get("username").unwrap_or_default();
    let page = Resource::new(
        move || (username(), query.read().get("month"), query.read().get("tz")),
        |(username, month, tz)| get_booking_page(username, month, tz),
    );
    // Without a zone in the address, the browser says which it is in.
    Effect::new(move |_| {
        if query.read().get("tz").is_none() {
            if let Some(zone) = crate::browser::time_zone() {
                let path = format!("/{}?tz={}", username(), zone);
                crate::browser::replace_location(&path);
            }
        }
    });
    view! {
        <main class="page booking">
            <Transition fallback=|| view! { <p class="muted">"Loading free times…"</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(view) => view! { <BookingCard view/> }.into_any(),
                        Err(AppError::NotFound) => view! { <crate::error::NotFoundPage/> }.into_any(),
                        Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </main>
    }
}

fn link(view: &BookingPageView, month: &str, day: Option<&str>, slot: Option<i64>) -> String {
    let mut link = format!("/{}?tz={}&month={month}", view.username, view.visitor_time_zone);
    if let Some(day) = day {
        link.push_str(&format!("&day={day}"));
    }
    if let Some(slot) = slot {
        link.push_str(&format!("&slot={slot}"));
    }
    link
}

#[component]
fn BookingCard(view: BookingPageView) -> impl IntoView {
    let query = use_query_map();
    let chosen_day = move || query.read().get("day");
    let chosen_slot = move || query.read().get("slot").and_then(|slot| slot.parse::<i64>().ok());
    let days: Vec<DayView> = view.weeks.iter().flatten().flatten().cloned().collect();
    let view_for_times = view.clone();
    let view_for_form = view.clone();
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
        <Title text=format!("Book a meeting with {} · BookMate", view.host_name)/>
        <div class="card booking-card">
            <section class="host" aria-label="Host">
                {match view.picture_url.clone() {
                    Some(src) => view! { <img class="avatar large" src=src alt="" width="64" height="64"/> }.into_any(),
                    None => view! { <span class="avatar large initials" aria-hidden="true">{initials}</span> }.into_any(),
                }}
                <h1 data-testid="host-name">{view.host_name.clone()}</h1>
                <p class="meeting-length">{format!("{} minute meeting", view.meeting_minutes)}</p>
                <p class="zone">"Times in " <strong data-testid="visitor-zone">{view.visitor_time_zone.clone()}</strong></p>
                <ZonePicker view=view.clone()/>
            </section>
            <section class="month" aria-labelledby="month-heading">
                <div class="month-head">
                    {view.previous_month.clone().map(|previous| view! {
                        <a class="icon-button" href=link(&view, &previous, None, None) aria-label="Previous month">"‹"</a>
                    })}
                    <h2 id="month-heading">{view.month_name.clone()}</h2>
                    <a class="icon-button" href=link(&view, &view.next_month, None, None) aria-label="Next month">"›"</a>
                </div>
                {status_message.map(|message| view! { <p class="notice banner" role="status" data-testid="booking-status">{message}</p> })}
                <table class="month-grid">
                    <thead><tr>{["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"].map(|day| view! { <th scope="col">{day}</th> })}</tr></thead>
                    <tbody>
                        {view.weeks.iter().map(|week| view! {
                            <tr>
                                {week.iter().map(|cell| match cell {
                                    None => view! { <td></td> }.into_any(),
                                    Some(day) => {
                                        let count = day.slots.len();
                                        let label = format!("{}, {} {}", day.long_name, count, if count == 1 { "time available" } else { "times available" });
                                        let href = link(&view, &view.month, Some(&day.date), None);
                                        let date = day.date.clone();
                                        let selected = move || chosen_day().as_deref() == Some(date.as_str());
                                        view! {
                                            <td>
                                                {if count > 0 {
                                                    view! { <a class="day available" class:selected=selected href=href aria-label=label data-testid="available-day">{day.day_of_month}</a> }.into_any()
                                                } else {
                                                    view! { <span class="day" aria-label=label>{day.day_of_month}</span> }.into_any()
                                                }}
                                            </td>
                                        }.into_any()
                                    }
                                }).collect_view()}
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            </section>
            <section class="times" aria-label="Times">
                {move || {
                    let view = view_for_times.clone();
                    let Some(date) = chosen_day() else {
                        return view! { <p class="muted">"Pick a day to see its times."</p> }.into_any();
                    };
                    let Some(day) = days.iter().find(|day| day.date == date).cloned() else {
                        return view! { <p class="muted">"No times on that day."</p> }.into_any();
                    };
                    if let Some(slot) = chosen_slot().and_then(|start| day.slots.iter().find(|slot| slot.start == start).cloned()) {
                        return view! { <BookingForm view=view_for_form.clone() day=day time=slot/> }.into_any();
                    }
                    view! {
                        <h2 id="times-heading">{day.long_name.clone()}</h2>
                        <ul class="time-list" aria-labelledby="times-heading">
                            {day.slots.iter().map(|slot| view! {
                                <li><a class="button secondary time" href=link(&view, &view.month, Some(&day.date), Some(slot.start)) data-testid="time">{slot.label.clone()}</a></li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </section>
        </div>
    }
}

#[component]
fn ZonePicker(view: BookingPageView) -> impl IntoView {
    // A short list of common zones plus the current one; any IANA zone works
    // in the address.
    let mut zones: Vec<String> = [
        "America/Los_Angeles",
        "America/Denver",
        "America/Chicago",
        "America/New_York",
        "America/Sao_Paulo",
        "Europe/London",
        "Europe/Paris",
        "Europe/Berlin",
        "Europe/Helsinki",
        "Africa/Johannesburg",
        "Asia/Dubai",
        "Asia/Kolkata",
        "Asia/Singapore",
        "Asia/Tokyo",
        "Australia/Sydney",
        "Pacific/Auckland",
        "UTC",
    ]
    .map(str::to_owned)
    .to_vec();
    if !zones.contains(&view.visitor_time_zone) {
        zones.insert(0, view.visitor_time_zone.clone());
    }
    let action = format!("/{}", view.username);
    view! {
        <form method="get" action=action class="zone-picker">
            <label for="tz">"Time zone"</label>
            <select id="tz" name="tz" onchange="this.form.submit()">
                {zones.into_iter().map(|zone| {
                    let selected = zone == view.visitor_time_zone;
                    view! { <option value=zone.clone() selected=selected>{zone.replace('_', " ")}</option> }
                }).collect_view()}
            </select>
            <input type="hidden" name="month" value=view.month/>
            <noscript><button type="submit" class="button secondary small">"Show"</button></noscript>
        </form>
    }
}

#[component]
fn BookingForm(view: BookingPageView, day: DayView, time: super::model::SlotView) -> impl IntoView {
    let slot = time;
    let book = ServerAction::<Book>::new();
    let result = book.value();
    let end_label = {
        let minutes = slot
            .label
            .split_once(':')
            .and_then(|(h, m)| Some(h.parse::<i64>().ok()? * 60 + m.parse::<i64>().ok()?))
            .unwrap_or(0)
            + view.meeting_minutes;
        format!("{:02}:{:02}", (minutes / 60) % 24, minutes % 60)
    };
    let summary = format!(
        "{}, {}–{}, {} time",
        day.long_name,
        slot.label,
        end_label,
        view.visitor_time_zone.replace('_', " ")
    );
    let error = move |field: &'static str| {
        result.get().and_then(|result| result.err()).and_then(|error| error.field(field))
    };
    let other_error = move || match result.get() {
        Some(Err(
            error
            @ (AppError::Conflict(_) | AppError::Internal | AppError::Transport(_) | AppError::NotFound),
        )) => Some(error.to_string()),
        _ => None,
    };
    let start = slot.start.to_string();
    view! {
        {move || match result.get() {
            Some(Ok(confirmation)) => view! { <Confirmation confirmation/> }.into_any(),
            _ => {
                let (view, summary, start) = (view.clone(), summary.clone(), start.clone());
                view! {
                <h2>"Your details"</h2>
                <p class="slot-summary" data-testid="slot-summary">{summary}</p>
                <ActionForm action=book attr:class="stack">
                    <input type="hidden" name="username" value=view.username.clone()/>
                    <input type="hidden" name="start" value=start/>
                    <input type="hidden" name="tz" value=view.visitor_time_zone.clone()/>
                    <label for="name">"Your name"</label>
                    <input id="name" name="name" required maxlength="100" autocomplete="name" data-testid="visitor-name"/>
                    {move || error("name").map(|message| view! { <p class="field-error" role="alert">{message}</p> })}
                    <label for="email">"Email"</label>
                    <input id="email" name="email" type="email" required autocomplete="email" data-testid="visitor-email"/>
                    {move || error("email").map(|message| view! { <p class="field-error" role="alert">{message}</p> })}
                    <label for="note">"Anything to prepare? (optional)"</label>
                    <textarea id="note" name="note" maxlength="2000" rows="3"></textarea>
                    {move || error("note").map(|message| view! { <p class="field-error" role="alert">{message}</p> })}
                    {move || other_error().map(|message| view! { <p class="field-error" role="alert" data-testid="booking-error">{message}</p> })}
                    <button type="submit" class="button primary" data-testid="confirm-booking">"Book this time"</button>
                </ActionForm>
            }.into_any()
            }
        }}
    }
}

#[component]
fn Confirmation(confirmation: BookingConfirmation) -> impl IntoView {
    let next = if confirmation.in_host_calendar {
        "The meeting is in the host's calendar, and Google is sending you an invitation."
    } else {
        "You and the host will each get an email with the invitation."
    };
    view! {
        <div class="confirmation" role="status" data-testid="confirmation">
            <h2>"You're booked"</h2>
            <p>{format!("Meeting with {}", confirmation.host_name)}</p>
            <p><strong>{confirmation.visitor_time.clone()}</strong></p>
            <p class="muted">{format!("For the host: {}", confirmation.host_time)}</p>
            <p>{next}</p>
            <a class="button secondary" href=format!("/booking/{}/invite.ics", confirmation.uid) rel="external" download="invite.ics">"Add to calendar (.ics)"</a>
        </div>
    }
}
