//! The settings section for hours by date: the host's entries, each with a
//! Remove button, and a form to add one (a day with other hours, or time
//! off over a run of dates in one step).

use leptos::prelude::*;

use super::{
    api::{AddDateOverride, RemoveDateOverride},
    form_parts::FieldError,
    model::{end_for_time_input, end_from_time_input, DateOverrideView},
};
use crate::error::AppError;

#[island(lazy)]
pub fn DatesSection(entries: Vec<DateOverrideView>) -> impl IntoView {
    let entries = RwSignal::new(entries);
    let add = ServerAction::<AddDateOverride>::new();
    let remove = ServerAction::<RemoveDateOverride>::new();
    let first_day = RwSignal::new(String::new());
    let last_day = RwSignal::new(String::new());
    let time_off = RwSignal::new(true);
    let hours = RwSignal::new(vec![("09:00".to_owned(), "17:00".to_owned())]);
    let error = RwSignal::new(None::<String>);
    let take = move |result: Option<Result<Vec<DateOverrideView>, AppError>>| match result {
        Some(Ok(list)) => {
            entries.set(list);
            error.set(None);
        }
        Some(Err(failure)) => {
            error.set(Some(failure.field("date_override").unwrap_or_else(|| failure.to_string())))
        }
        None => {}
    };
    Effect::new(move |_| take(add.value().get()));
    Effect::new(move |_| take(remove.value().get()));
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let hours = if time_off.get() { Vec::new() } else { hours.get() };
        add.dispatch(AddDateOverride { first_day: first_day.get(), last_day: last_day.get(), hours });
    };
    let edit = move |index: usize, end: bool, value: String| {
        hours.update(|hours| {
            if let Some(interval) = hours.get_mut(index) {
                if end {
                    interval.1 = end_from_time_input(value)
                } else {
                    interval.0 = value
                }
            }
        })
    };
    view! {
        <section class="card settings-section" aria-labelledby="dates-heading">
            <h2 id="dates-heading">"Days off and other hours"</h2>
            <p class="help">"On these dates your weekly hours do not apply: you take no meetings, or other hours, in your time zone."</p>
            <ul class="date-list" data-testid="date-overrides">
                {move || entries.get().into_iter().map(|entry| {
                    let id = entry.override_id;
                    view! {
                        <li data-testid="date-override">
                            <span>{entry.label.clone()}</span>
                            <button type="button" class="link-button" aria-label=format!("Remove {}", entry.label)
                                on:click=move |_| { remove.dispatch(RemoveDateOverride { override_id: id }); }>
                                "Remove"
                            </button>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <form on:submit=submit class="stack" data-testid="date-override-form">
                <div class="grid-2">
                    <label>"From"
                        <input type="date" required prop:value=move || first_day.get()
                            on:input=move |event| first_day.set(event_target_value(&event)) data-testid="override-first-day"/>
                    </label>
                    <label>"To (leave empty for one day)"
                        <input type="date" prop:value=move || last_day.get()
                            on:input=move |event| last_day.set(event_target_value(&event)) data-testid="override-last-day"/>
                    </label>
                </div>
                <fieldset class="choice">
                    <legend>"On these dates"</legend>
                    <label><input type="radio" name="override-kind" prop:checked=move || time_off.get()
                        on:change=move |_| time_off.set(true) data-testid="override-time-off"/>"I take no meetings"</label>
                    <label><input type="radio" name="override-kind" prop:checked=move || !time_off.get()
                        on:change=move |_| time_off.set(false) data-testid="override-other-hours"/>"My hours are"</label>
                </fieldset>
                <Show when=move || !time_off.get()>
                    <div class="intervals">
                        {move || hours.get().into_iter().enumerate().map(|(index, (start, end))| view! {
                            <div class="interval">
                                <input type="time" aria-label=format!("Start {}", index + 1) value=start
                                    on:change=move |event| edit(index, false, event_target_value(&event)) data-testid="override-start"/>
                                <span aria-hidden="true">"–"</span>
                                <input type="time" aria-label=format!("End {}", index + 1) value=end_for_time_input(&end).to_owned()
                                    on:change=move |event| edit(index, true, event_target_value(&event)) data-testid="override-end"/>
                                <button type="button" class="icon-button" aria-label="Remove these hours"
                                    on:click=move |_| hours.update(|hours| { hours.remove(index); })>"×"</button>
                            </div>
                        }).collect_view()}
                        <button type="button" class="link-button"
                            on:click=move |_| hours.update(|hours| hours.push(("13:00".to_owned(), "17:00".to_owned())))>
                            "+ Add hours"
                        </button>
                    </div>
                </Show>
                <FieldError message=Signal::derive(move || error.get())/>
                <div class="actions">
                    <button type="submit" class="button primary" data-testid="add-date-override">"Add"</button>
                </div>
            </form>
        </section>
    }
}
