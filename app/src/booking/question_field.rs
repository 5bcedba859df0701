//! One question of a meeting type on the booking form, as a plain form
//! field (`answers[key]`), so it works without JavaScript; prefilled from
//! the link when it says so.

use leptos::prelude::*;

use crate::questions::{
    field_name, option_field_name, Question, QuestionKind, LONG_ANSWER_CHARS, SHORT_ANSWER_CHARS,
};

#[component]
pub fn QuestionField(question: Question, value: String) -> impl IntoView {
    let id = format!("q-{}", question.key);
    let name = field_name(&question.key);
    let label = if question.required || question.kind == QuestionKind::Consent {
        question.label.clone()
    } else {
        format!("{} (optional)", question.label)
    };
    let required = question.required;
    match question.kind {
        QuestionKind::ShortText => view! {
            <label for=id.clone()>{label}</label>
            <input id=id name=name required=required maxlength=SHORT_ANSWER_CHARS.to_string() value=value data-testid="question"/>
        }
        .into_any(),
        QuestionKind::Phone => view! {
            <label for=id.clone()>{label}</label>
            <input id=id name=name type="tel" required=required maxlength="32" value=value data-testid="question"/>
        }
        .into_any(),
        QuestionKind::LongText => view! {
            <label for=id.clone()>{label}</label>
            <textarea id=id name=name required=required maxlength=LONG_ANSWER_CHARS.to_string() rows="3" data-testid="question">{value}</textarea>
        }
        .into_any(),
        QuestionKind::Choice { options } => view! {
            <label for=id.clone()>{label}</label>
            <select id=id name=name required=required data-testid="question">
                <option value="">"Choose…"</option>
                {options.into_iter().map(|option| {
                    let selected = option == value;
                    let shown = option.clone();
                    view! { <option value=option selected=selected>{shown}</option> }
                }).collect_view()}
            </select>
        }
        .into_any(),
        QuestionKind::Checkboxes { options } => view! {
            <fieldset class="choice" data-testid="question">
                <legend>{label}</legend>
                {options.into_iter().enumerate().map(|(index, option)| {
                    let checked = value.split(',').any(|chosen| chosen.trim() == option);
                    view! { <label><input type="checkbox" name=option_field_name(&question.key, index) value="on" checked=checked/>{option}</label> }
                }).collect_view()}
            </fieldset>
        }
        .into_any(),
        QuestionKind::Consent => view! {
            <label class="switch consent">
                <input type="checkbox" name=name value="on" required data-testid="question"/>
                <span>{label}</span>
            </label>
        }
        .into_any(),
    }
}
