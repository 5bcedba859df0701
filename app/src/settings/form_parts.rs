//! Pieces the settings page's forms share: the save state, a field's error,
//! a number field.

use leptos::prelude::*;

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
