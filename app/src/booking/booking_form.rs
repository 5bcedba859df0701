//! The booking form: a plain form that posts to the `book` server function,
//! so it works without JavaScript; with it, an island shows errors in place.

use std::collections::BTreeMap;

use leptos::prelude::*;

use super::{api::Book, question_field::QuestionField};
use crate::{
    error::AppError,
    questions::{error_field, Question},
};

/// An island: a plain form that posts to the `book` server function, so it
/// works without JavaScript; with it, errors appear in place. On success the
/// server sends the visitor to the confirmation page either way.
#[island(lazy)]
pub fn BookingForm(
    username: String,
    meeting_type: String,
    length: i64,
    asks_phone: bool,
    questions: Vec<Question>,
    prefill: BTreeMap<String, String>,
    start: i64,
    tz: String,
    summary: String,
    failed: Option<AppError>,
) -> impl IntoView {
    let book = ServerAction::<Book>::new();
    let failure = Signal::derive(move || match book.value().get() {
        Some(Err(error)) => Some(error),
        Some(Ok(_)) => None,
        None => failed.clone(),
    });
    let field_error = move |field: &'static str| failure.get().and_then(|error| error.field(field));
    let other_error = move || {
        failure.get().and_then(|error| match error {
            AppError::Validation(_) => error.field("start").or_else(|| error.field("tz")),
            error => Some(error.to_string()),
        })
    };
    let invalid = move |field: &'static str| field_error(field).is_some().to_string();
    view! {
        <h2 id="details-heading">"Your details"</h2>
        <p class="slot-summary" data-testid="slot-summary">{summary}</p>
        <ActionForm action=book attr:class="stack" attr:aria-labelledby="details-heading">
            <input type="hidden" name="username" value=username/>
            <input type="hidden" name="meeting_type" value=meeting_type/>
            <input type="hidden" name="length" value=length.to_string()/>
            <input type="hidden" name="start" value=start.to_string()/>
            <input type="hidden" name="tz" value=tz/>
            <label for="name">"Your name"</label>
            <input id="name" name="name" required maxlength="100" autocomplete="name" autofocus
                aria-invalid=move || invalid("name") aria-describedby="name-error" data-testid="visitor-name"/>
            <p id="name-error" class="field-error" role="alert">{move || field_error("name")}</p>
            <label for="email">"Email"</label>
            <input id="email" name="email" type="email" required autocomplete="email"
                aria-invalid=move || invalid("email") aria-describedby="email-error" data-testid="visitor-email"/>
            <p id="email-error" class="field-error" role="alert">{move || field_error("email")}</p>
            {asks_phone.then(|| view! {
                <label for="phone">"Your phone number (the host calls you)"</label>
                <input id="phone" name="phone" type="tel" required maxlength="32" autocomplete="tel"
                    aria-invalid=move || invalid("phone") aria-describedby="phone-error" data-testid="visitor-phone"/>
                <p id="phone-error" class="field-error" role="alert">{move || field_error("phone")}</p>
            })}
            {questions.into_iter().map(|question| {
                let value = prefill.get(&question.key).cloned().unwrap_or_default();
                let field = error_field(&question.key);
                let message = move || failure.get().and_then(|error| error.field(&field));
                view! { <QuestionField question value/> <p class="field-error" role="alert">{message}</p> }
            }).collect_view()}
            <label for="note">"Anything to prepare? (optional)"</label>
            <textarea id="note" name="note" maxlength="2000" rows="3"
                aria-invalid=move || invalid("note") aria-describedby="note-error"></textarea>
            <p id="note-error" class="field-error" role="alert">{move || field_error("note")}</p>
            <p class="field-error" role="alert" data-testid="booking-error">{other_error}</p>
            <button type="submit" class="button primary" data-testid="confirm-booking" prop:disabled=move || book.pending().get()>
                {move || if book.pending().get() { "Booking…" } else { "Book this time" }}
            </button>
        </ActionForm>
    }
}
