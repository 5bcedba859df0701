//! `/settings`: profile, availability, calendars, direct booking and Google
//! access, in one column of sections.

// tidy: long file: one island per section of one page, sharing the page's
// form helpers; each section is short, and a reader sees the page whole.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::{
    api::{
        get_settings, list_calendars, GiveBackWriteAccess, SaveAvailability, SaveBusyCalendars,
        SaveDirectBooking, SaveProfile,
    },
    dates_section::DatesSection,
    following_section::FollowingSection,
    form_parts::{field_error, DayRow, FieldError, NumberField, Saved},
    model::{AvailabilityForm, CalendarChoice, DirectBookingSaved, SettingsView, SLOT_INTERVALS},
    types_section::MeetingTypesSection,
};
use crate::{
    account::{DeleteAccount, DisconnectGoogle},
    auth::HostPageError,
    error::AppError,
};

#[component]
pub fn SettingsPage() -> impl IntoView {
    let settings = Resource::new(|| (), |()| get_settings());
    let calendars = Resource::new(|| (), |()| list_calendars());
    view! {
        <Title text="Settings · BookMate"/>
        <main class="page settings">
            <h1>"Settings"</h1>
            <AccessOutcome/>
            <Suspense fallback=|| view! { <p class="muted">"Loading your settings…"</p> }>
                {move || Suspend::new(async move {
                    match settings.await {
                        Ok(view) => {
                            let calendars = calendars.await;
                            view! { <SettingsSections view calendars/> }.into_any()
                        }
                        Err(error) => view! { <HostPageError error sign_in_to="change your settings"/> }.into_any(),
                    }
                })}
            </Suspense>
        </main>
    }
}

/// What came of a trip to Google's consent screen, in plain words.
#[component]
fn AccessOutcome() -> impl IntoView {
    let query = use_query_map();
    move || {
        let outcome = query.read().get("google_access")?;
        let narrowed = query.read().get("narrowed").is_some();
        let (class, text) = match (narrowed, outcome.as_str()) {
            (true, "granted") => ("notice success", "BookMate now has only the access it uses."),
            (true, "partial") => (
                "notice banner",
                "BookMate now has only the access it uses, but Google did not grant adding events, so direct \
                 booking is off. Visitors will get an email invitation instead.",
            ),
            (true, _) => (
                "notice banner",
                "Google did not grant the access again, so BookMate has none now: reconnect Google to take bookings.",
            ),
            (false, outcome) => match outcome {
            "granted" => ("notice success", "Google granted the access. Direct booking is on."),
            "partial" => (
                "notice banner",
                "Google did not grant permission to add events to your calendar, so direct booking stays off. \
                 Visitors will get an email invitation instead.",
            ),
            "denied" => (
                "notice banner",
                "You did not give BookMate permission to add events, so direct booking stays off. Nothing else changed.",
            ),
            "wrong_account" => (
                "notice banner",
                "That permission came from a different Google account than the one you signed in with, so BookMate \
                 did not use it. Direct booking stays off.",
            ),
            _ => return None,
            },
        };
        Some(view! { <p class=class role="status" data-testid="access-outcome">{text}</p> })
    }
}

/// Each section is an island of its own: the server renders the page, and
/// only the forms are hydrated.
#[component]
fn SettingsSections(view: SettingsView, calendars: Result<Vec<CalendarChoice>, AppError>) -> impl IntoView {
    // Erased one by one: four islands in one tuple make a type too deep
    // for a release build of the server.
    view! {
        {view! { <ProfileSection view=view.clone()/> }.into_any()}
        {view! { <AvailabilitySection form=view.availability.clone()/> }.into_any()}
        {view! { <DatesSection entries=view.date_overrides.clone()/> }.into_any()}
        {view! { <MeetingTypesSection types=view.meeting_types.clone() default_length=view.availability.meeting_minutes username=view.profile.username.clone()/> }.into_any()}
        {view! { <CalendarSections calendars selected=view.busy_calendar_ids.clone() current=view.direct_booking_calendar_id.clone()/> }.into_any()}
        {view! { <FollowingSection view=view.following direct_booking=view.direct_booking_calendar_id.is_some()/> }.into_any()}
        {view! { <GoogleAccessSection access=view.google_access.clone() can_write=view.can_write_events broader=view.broader_than_needed busy_read=view.busy_times_read_at/> }.into_any()}
    }
}

#[island(lazy)]
fn ProfileSection(view: SettingsView) -> impl IntoView {
    let save = ServerAction::<SaveProfile>::new();
    let result = save.value();
    let pending = Memo::new(move |_| save.pending().get());
    let done = Signal::derive(move || matches!(result.get(), Some(Ok(()))));
    let time_zone = RwSignal::new(view.profile.time_zone.clone());
    if !view.profile_saved {
        // A new host: suggest the zone their browser is in.
        Effect::new(move |_| {
            if let Some(zone) = crate::browser::time_zone() {
                time_zone.set(zone);
            }
        });
    }
    let error = move |field| field_error(result.get(), field);
    let other_error = move || match result.get() {
        Some(Err(error @ (AppError::Conflict(_) | AppError::Internal | AppError::Transport(_)))) => {
            Some(error.to_string())
        }
        _ => None,
    };
    view! {
        <section class="card settings-section" aria-labelledby="profile-heading">
            <h2 id="profile-heading">"Profile"</h2>
            <ActionForm action=save attr:class="stack">
                <label for="display_name">"Name shown to visitors"</label>
                <input id="display_name" name="display_name" required maxlength="100" value=view.profile.display_name.clone()/>
                <FieldError message=Signal::derive(move || error("display_name"))/>

                <label for="username">"Your booking page address"</label>
                <div class="prefixed">
                    <span class="prefix">"/"</span>
                    <input id="username" name="username" required minlength="3" maxlength="32" pattern="[a-z0-9\\-]+"
                        value=view.profile.username.clone() aria-describedby="username-help" data-testid="username"/>
                </div>
                <p id="username-help" class="help">"3 to 32 lowercase letters, digits or hyphens."</p>
                <FieldError message=Signal::derive(move || error("username"))/>

                <label for="time_zone">"Your time zone"</label>
                <select id="time_zone" name="time_zone" prop:value=move || time_zone.get()
                    on:change=move |event| time_zone.set(event_target_value(&event))>
                    {view.time_zones.iter().map(|zone| {
                        let label = zone.clone();
                        let selected = *zone == view.profile.time_zone;
                        view! { <option value=zone.clone() selected=selected>{label}</option> }
                    }).collect_view()}
                </select>
                <FieldError message=Signal::derive(move || error("time_zone"))/>
                {other_error}
                <div class="actions">
                    <button type="submit" class="button primary" data-testid="save-profile">"Save profile"</button>
                    <Saved pending done/>
                </div>
            </ActionForm>
        </section>
    }
}

#[island(lazy)]
fn AvailabilitySection(form: AvailabilityForm) -> impl IntoView {
    let days = RwSignal::new(form.days.clone());
    let meeting = RwSignal::new(form.meeting_minutes);
    let buffer_before = RwSignal::new(form.buffer_before_minutes);
    let buffer_after = RwSignal::new(form.buffer_after_minutes);
    let notice_hours = RwSignal::new(form.minimum_notice_minutes / 60);
    let horizon = RwSignal::new(form.horizon_days);
    let cutoff_hours = RwSignal::new(form.change_cutoff_minutes / 60);
    let slot_interval = RwSignal::new(form.slot_interval_minutes);
    let limit_meetings = RwSignal::new(form.daily_limit_meetings);
    let limit_minutes = RwSignal::new(form.daily_limit_minutes);
    let limit_counts_all = RwSignal::new(form.daily_limit_counts_all_busy);
    let save = ServerAction::<SaveAvailability>::new();
    let result = save.value();
    let pending = Memo::new(move |_| save.pending().get());
    let done = Signal::derive(move || matches!(result.get(), Some(Ok(()))));
    let error = move |field: String| field_error(result.get(), &field);

    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        save.dispatch(SaveAvailability {
            form: AvailabilityForm {
                days: days.get(),
                meeting_minutes: meeting.get(),
                buffer_before_minutes: buffer_before.get(),
                buffer_after_minutes: buffer_after.get(),
                minimum_notice_minutes: notice_hours.get() * 60,
                horizon_days: horizon.get(),
                change_cutoff_minutes: cutoff_hours.get() * 60,
                slot_interval_minutes: slot_interval.get(),
                daily_limit_meetings: limit_meetings.get(),
                daily_limit_minutes: limit_minutes.get(),
                daily_limit_counts_all_busy: limit_counts_all.get(),
            },
        });
    };

    view! {
        <section class="card settings-section" aria-labelledby="availability-heading">
            <h2 id="availability-heading">"Availability"</h2>
            <p class="help">"Your weekly hours, in your time zone. Visitors see them in theirs. An end of 00:00 (12:00 AM) means midnight, the end of the day."</p>
            <form on:submit=submit class="stack" data-testid="availability-form">
                <div class="week">
                    {(0..7).map(|day| view! { <DayRow day days error=Signal::derive(move || error(format!("day-{day}-0")).or_else(|| error(format!("day-{day}-1"))).or_else(|| error(format!("day-{day}-2"))))/> }).collect_view()}
                </div>
                <div class="grid-2">
                    <label>"Meeting length"
                        <select prop:value=move || meeting.get().to_string() on:change=move |event| meeting.set(event_target_value(&event).parse().unwrap_or(0)) data-testid="meeting-length">
                            {[15, 30, 45, 60, 90].into_iter().map(|minutes| view! {
                                <option value=minutes.to_string() selected=minutes == form.meeting_minutes>{format!("{minutes} minutes")}</option>
                            }).collect_view()}
                        </select>
                    </label>
                    <NumberField label="Minimum notice (hours)" min=0 max=720 value=notice_hours/>
                    <NumberField label="Buffer before (minutes)" min=0 max=240 value=buffer_before/>
                    <NumberField label="Buffer after (minutes)" min=0 max=240 value=buffer_after/>
                    <NumberField label="Visitors may book up to (days ahead)" min=1 max=365 value=horizon/>
                    <NumberField label="Visitors may cancel or move until (hours before; 0: the start)" min=0 max=720 value=cutoff_hours/>
                    <label>"Start times"
                        <select prop:value=move || slot_interval.get().to_string()
                            on:change=move |event| slot_interval.set(event_target_value(&event).parse().unwrap_or(0)) data-testid="slot-interval">
                            {SLOT_INTERVALS.into_iter().map(|minutes| view! {
                                <option value=minutes.to_string() selected=minutes == form.slot_interval_minutes>
                                    {if minutes == 0 { "One meeting apart".to_owned() } else { format!("Every {minutes} minutes") }}
                                </option>
                            }).collect_view()}
                        </select>
                    </label>
                    <NumberField label="At most this many meetings a day (0: no limit)" min=0 max=50 value=limit_meetings/>
                    <label>"At most this much meeting time a day"
                        <select prop:value=move || limit_minutes.get().to_string()
                            on:change=move |event| limit_minutes.set(event_target_value(&event).parse().unwrap_or(0)) data-testid="daily-limit-minutes">
                            {(0..=24).map(|half_hours: i64| half_hours * 30).map(|minutes| view! {
                                <option value=minutes.to_string() selected=minutes == form.daily_limit_minutes>
                                    {match (minutes / 60, minutes % 60) { (0, 0) => "No limit".to_owned(), (0, m) => format!("{m} minutes"), (h, 0) => format!("{h} h"), (h, m) => format!("{h} h {m} min") }}
                                </option>
                            }).collect_view()}
                        </select>
                    </label>
                </div>
                <label class="switch">
                    <input type="checkbox" prop:checked=move || limit_counts_all.get()
                        on:change=move |event| limit_counts_all.set(event_target_checked(&event)) data-testid="daily-limit-counts-all"/>
                    <span>"Count everything that makes me busy toward that time, not only meetings booked here"</span>
                </label>
                <FieldError message=Signal::derive(move || {
                    ["meeting_minutes", "buffer_before_minutes", "buffer_after_minutes", "minimum_notice_minutes", "horizon_days", "change_cutoff_minutes", "slot_interval_minutes", "daily_limit_meetings", "daily_limit_minutes", "availability"]
                        .into_iter().find_map(|field| field_error(result.get(), field))
                })/>
                <div class="actions">
                    <button type="submit" class="button primary" data-testid="save-availability">"Save availability"</button>
                    <Saved pending done/>
                </div>
            </form>
        </section>
    }
}

/// The calendars Google lists, as last fetched; "Refresh" asks again.
type Calendars = RwSignal<Result<Vec<CalendarChoice>, AppError>>;

/// One island for the two sections that share Google's list of calendars.
#[island(lazy)]
fn CalendarSections(
    calendars: Result<Vec<CalendarChoice>, AppError>,
    selected: Option<Vec<String>>,
    current: Option<String>,
) -> impl IntoView {
    // Until the host saves a choice, the primary calendar counts as busy
    // (`HostSettings::busy_calendars`): show it ticked, as it is used.
    let chosen_before = selected.is_some();
    let selected = selected.unwrap_or_else(|| match &calendars {
        Ok(list) => {
            list.iter().filter(|calendar| calendar.primary).map(|calendar| calendar.id.clone()).collect()
        }
        Err(_) => Vec::new(),
    });
    let calendars: Calendars = RwSignal::new(calendars);
    view! {
        <CalendarsSection calendars selected chosen_before/>
        <DirectBookingSection calendars current/>
    }
}

#[component]
fn CalendarsSection(calendars: Calendars, selected: Vec<String>, chosen_before: bool) -> impl IntoView {
    let chosen = RwSignal::new(selected);
    let save = ServerAction::<SaveBusyCalendars>::new();
    let result = save.value();
    let pending = Memo::new(move |_| save.pending().get());
    let done = Signal::derive(move || matches!(result.get(), Some(Ok(()))));
    view! {
        <section class="card settings-section" aria-labelledby="calendars-heading">
            <div class="section-head">
                <h2 id="calendars-heading">"Calendars"</h2>
                <button type="button" class="button secondary small" on:click=move |_| leptos::task::spawn_local(async move { calendars.set(list_calendars().await) })>"Refresh"</button>
            </div>
            <p class="help">"Tick the calendars whose events make you busy. BookMate reads only when you are busy, not what."</p>
            {(!chosen_before).then(|| view! {
                <p class="help" data-testid="primary-by-default">"Until you save a choice, your primary calendar counts as busy."</p>
            })}
            {move || {
                    match calendars.get() {
                        Ok(list) => view! {
                            <ul class="calendar-list">
                                {list.into_iter().map(|calendar| {
                                    let id = calendar.id.clone();
                                    let checked = { let id = id.clone(); move || chosen.with(|chosen| chosen.contains(&id)) };
                                    let toggle = { let id = id.clone(); move |_| chosen.update(|chosen| {
                                        if let Some(position) = chosen.iter().position(|existing| existing == &id) { chosen.remove(position); } else { chosen.push(id.clone()); }
                                    }) };
                                    view! {
                                        <li>
                                            <label>
                                                <input type="checkbox" prop:checked=checked on:change=toggle data-testid="busy-calendar" value=id/>
                                                <span class="dot" style=format!("background:{}", calendar.color.clone().unwrap_or_else(|| "#9aa4b2".to_owned()))></span>
                                                {calendar.name.clone()}
                                                {calendar.primary.then(|| view! { <span class="tag">"primary"</span> })}
                                            </label>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(error) => view! { <p class="field-error" role="alert">{error.to_string()}</p> }.into_any(),
                    }
                }}
            {move || match result.get() { Some(Err(error)) => Some(view! { <p class="field-error" role="alert">{error.to_string()}</p> }), _ => None }}
            <div class="actions">
                <button type="button" class="button primary" data-testid="save-calendars"
                    on:click=move |_| { save.dispatch(SaveBusyCalendars { calendar_ids: chosen.get() }); }>
                    "Save calendars"
                </button>
                <Saved pending done/>
            </div>
        </section>
    }
}

#[component]
fn DirectBookingSection(calendars: Calendars, current: Option<String>) -> impl IntoView {
    let enabled = RwSignal::new(current.is_some());
    let target = RwSignal::new(current.unwrap_or_default());
    let save = ServerAction::<SaveDirectBooking>::new();
    let result = save.value();
    let pending = Memo::new(move |_| save.pending().get());
    let done = Signal::derive(move || matches!(result.get(), Some(Ok(DirectBookingSaved::Saved))));
    Effect::new(move |_| {
        if let Some(Ok(DirectBookingSaved::NeedsConsent { return_to })) = result.get() {
            crate::browser::ask_google_for_more(&return_to, false);
        }
    });
    let can_save = move || !enabled.get() || !target.get().is_empty();
    view! {
        <section class="card settings-section" aria-labelledby="direct-heading">
            <h2 id="direct-heading">"Direct booking"</h2>
            <label class="switch">
                <input type="checkbox" prop:checked=move || enabled.get()
                    on:change=move |event| enabled.set(event_target_checked(&event)) data-testid="direct-booking-toggle"/>
                <span>"Add bookings directly to my calendar"</span>
            </label>
            <p class="help">
                "With this on, BookMate adds each booking to the calendar you choose and Google invites your visitor. "
                "This needs permission to add events to your calendars, which Google will ask you for when you save."
            </p>
            <Show when=move || enabled.get()>
                <label for="direct-calendar">"Calendar for bookings"</label>
                {move || {
                    let writable: Vec<CalendarChoice> = calendars.get().unwrap_or_default().into_iter().filter(|calendar| calendar.writable).collect();
                    view! {
                        <select id="direct-calendar" prop:value=move || target.get()
                            on:change=move |event| target.set(event_target_value(&event)) data-testid="direct-booking-calendar">
                            <option value="">"Choose a calendar"</option>
                            {writable.into_iter().map(|calendar| view! {
                                <option value=calendar.id>{calendar.name}</option>
                            }).collect_view()}
                        </select>
                    }
                }}
            </Show>
            {move || match result.get() {
                Some(Err(error)) => Some(view! {
                    <p class="field-error" role="alert">{error.field("direct_booking_calendar").unwrap_or_else(|| error.to_string())}</p>
                }),
                _ => None,
            }}
            <div class="actions">
                <button type="button" class="button primary" data-testid="save-direct-booking" prop:disabled=move || !can_save()
                    on:click=move |_| {
                        let calendar_id = Some(target.get()).filter(|id| !id.is_empty());
                        save.dispatch(SaveDirectBooking { enabled: enabled.get(), calendar_id });
                    }>
                    "Save direct booking"
                </button>
                <Saved pending done/>
            </div>
        </section>
    }
}

#[island(lazy)]
fn GoogleAccessSection(
    access: Vec<String>,
    can_write: bool,
    broader: bool,
    busy_read: Option<String>,
) -> impl IntoView {
    let give_back = ServerAction::<GiveBackWriteAccess>::new();
    let disconnect = ServerAction::<DisconnectGoogle>::new();
    let delete = ServerAction::<DeleteAccount>::new();
    let confirm_give_back = RwSignal::new(false);
    let confirm_delete = RwSignal::new(false);
    Effect::new(move |_| {
        if let Some(Ok(url)) = give_back.value().get() {
            crate::browser::go_to(&url);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = disconnect.value().get() {
            crate::browser::go_to("/settings");
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = delete.value().get() {
            crate::browser::go_to("/");
        }
    });
    let failure = move || {
        [
            give_back.value().get().and_then(Result::err),
            disconnect.value().get().and_then(Result::err),
            delete.value().get().and_then(Result::err),
        ]
        .into_iter()
        .flatten()
        .next()
        .map(|error| view! { <p class="field-error" role="alert">{error.to_string()}</p> })
    };
    view! {
        <section class="card settings-section" aria-labelledby="access-heading">
            <h2 id="access-heading">"Google access"</h2>
            <p>"BookMate may now:"</p>
            <ul class="access-list" data-testid="google-access">
                {access.into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}
            </ul>
            <p data-testid="busy-times-read">{match busy_read {
                Some(at) => format!("Busy times last read from Google: {at}."),
                None => "Busy times have not been read from Google yet.".to_owned(),
            }}</p>
            <p><a href=crate::browser::GOOGLE_ACCESS_PATH data-testid="google-access-link">"What BookMate did with this access, and when it last used each permission →"</a></p>
            {broader.then(|| view! {
                // A plain form: it works before (and without) the island's script.
                <form class="notice banner" method="post" action=crate::browser::NARROW_PATH data-testid="narrow">
                    <p>"You granted this at an earlier sign-in, when BookMate asked for more than it uses. \
                        It now reads only the list of your calendars and when they are busy, never your events. \
                        Google removes access only all at once: BookMate will give back all of it and send you to \
                        Google's consent screen to grant just what it uses. Your settings stay as they are."</p>
                    <button type="submit" class="button primary small">"Narrow BookMate's access"</button>
                </form>
            })}
            <div class="actions wrap">
                {can_write.then(|| view! {
                    <button type="button" class="button secondary" on:click=move |_| confirm_give_back.set(true) data-testid="give-back">
                        "Give back write access"
                    </button>
                })}
                <button type="button" class="button secondary" on:click=move |_| { disconnect.dispatch(DisconnectGoogle {}); }>
                    "Disconnect Google"
                </button>
                <button type="button" class="button danger" on:click=move |_| confirm_delete.set(true)>
                    "Delete my account"
                </button>
            </div>
            <Show when=move || confirm_give_back.get()>
                <Confirm id="give-back-text" test_id="confirm-give-back" button_class="button primary small"
                    text="Google removes access only all at once. BookMate will turn direct booking off, give back all its access, \
                          and send you to Google's consent screen to sign in again with reading access only."
                    label="Continue to Google"
                    on_confirm=move || { give_back.dispatch(GiveBackWriteAccess {}); }/>
            </Show>
            <Show when=move || confirm_delete.get()>
                <Confirm id="delete-text" test_id="confirm-delete" button_class="button danger small"
                    text="This removes BookMate's access to your Google account and deletes your booking page, settings \
                          and bookings. It cannot be undone."
                    label="Delete everything"
                    on_confirm=move || { delete.dispatch(DeleteAccount {}); }/>
            </Show>
            {failure}
        </section>
    }
}

/// A question before an action that cannot be taken back, and its one button.
#[component]
fn Confirm(
    id: &'static str,
    test_id: &'static str,
    button_class: &'static str,
    text: &'static str,
    label: &'static str,
    on_confirm: impl Fn() + 'static,
) -> impl IntoView {
    view! {
        <div class="notice banner" role="alertdialog" aria-labelledby=id>
            <p id=id>{text}</p>
            <button type="button" class=button_class data-testid=test_id on:click=move |_| on_confirm()>{label}</button>
        </div>
    }
}
