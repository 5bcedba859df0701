//! Pieces the settings page's forms share: the save state, a field's error,
//! a number field.

use leptos::prelude::*;

use super::model::{end_for_time_input, end_from_time_input, WEEKDAY_NAMES};
use crate::error::AppError;

pub fn field_error(result: Option<Result<(), AppError>>, field: &str) -> Option<String> {
    result.and_then(|result| result.err()).and_then(|error| error.field(field))
}

#[component]
pub fn Saved(pending: Memo<bool>, done: Signal<bool>) -> impl IntoView {
    view! {
        <span class="save-state" role="status">
            {move || if pending.get() { "Saving…" } else if done.get() { "Saved." } else { "" }}
        </span>
    }
}

#[component]
pub fn FieldError(message: Signal<Option<String>>) -> impl IntoView {
    move || message.get().map(|message| view! { <p class="field-error" role="alert">{message}</p> })
}

/// A labelled whole number, bound to `value`; what is not a number reads as 0
/// and the server says what is wrong with it.
#[component]
pub fn NumberField(label: &'static str, min: i64, max: i64, value: RwSignal<i64>) -> impl IntoView {
    view! {
        <label>{label}
            // `value` for the server's HTML (before the island hydrates),
            // `prop:value` for what the host types afterwards.
            <input type="number" min=min max=max value=value.get_untracked() prop:value=move || value.get().to_string()
                on:input=move |event| value.set(event_target_value(&event).parse().unwrap_or(0))/>
        </label>
    }
}

/// One weekday's hours, edited in place in `days` (Monday first).
#[component]
pub fn DayRow(
    day: usize,
    days: RwSignal<Vec<Vec<(String, String)>>>,
    error: Signal<Option<String>>,
) -> impl IntoView {
    let intervals = move || days.with(|days| days.get(day).cloned().unwrap_or_default());
    let available = move || !intervals().is_empty();
    let toggle = move |_| {
        days.update(|days| {
            let hours = &mut days[day];
            if hours.is_empty() {
                hours.push(("09:00".to_owned(), "17:00".to_owned()));
            } else {
                hours.clear();
            }
        })
    };
    let edit = move |index: usize, end: bool, value: String| {
        days.update(|days| {
            if let Some(interval) = days[day].get_mut(index) {
                if end {
                    interval.1 = end_from_time_input(value)
                } else {
                    interval.0 = value
                }
            }
        })
    };
    view! {
        <div class="day-row" data-testid=format!("day-{day}")>
            <label class="switch">
                <input type="checkbox" prop:checked=available on:change=toggle/>
                <span>{WEEKDAY_NAMES[day]}</span>
            </label>
            <div class="intervals">
                <Show when=available fallback=|| view! { <span class="muted">"Unavailable"</span> }>
                    {move || intervals().into_iter().enumerate().map(|(index, (start, end))| view! {
                        <div class="interval">
                            <input type="time" aria-label=format!("{} start {}", WEEKDAY_NAMES[day], index + 1) value=start
                                on:change=move |event| edit(index, false, event_target_value(&event))/>
                            <span aria-hidden="true">"–"</span>
                            <input type="time" aria-label=format!("{} end {}", WEEKDAY_NAMES[day], index + 1)
                                value=end_for_time_input(&end).to_owned()
                                on:change=move |event| edit(index, true, event_target_value(&event))/>
                            <button type="button" class="icon-button" aria-label="Remove these hours"
                                on:click=move |_| days.update(|days| { days[day].remove(index); })>"×"</button>
                        </div>
                    }).collect_view()}
                    <button type="button" class="link-button"
                        on:click=move |_| days.update(|days| days[day].push(("13:00".to_owned(), "17:00".to_owned())))>
                        "+ Add hours"
                    </button>
                </Show>
                {move || error.get().map(|message| view! { <p class="field-error" role="alert">{message}</p> })}
            </div>
        </div>
    }
}
