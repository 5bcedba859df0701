//! The questions a meeting type asks, as its settings form edits them: one
//! row of signals per question, so typing in one never redraws the others.

use leptos::prelude::*;

use crate::questions::{Question, QuestionKind};

/// The kinds a host picks from, with what the form calls them.
const KINDS: [(&str, &str); 6] = [
    ("short", "Short answer"),
    ("long", "Long answer"),
    ("choice", "One of several"),
    ("checkboxes", "Any of several (checkboxes)"),
    ("phone", "Phone number"),
    ("consent", "A box to tick (your wording)"),
];

/// One question being edited.
#[derive(Clone, Copy)]
pub struct QuestionRow {
    key: RwSignal<String>,
    label: RwSignal<String>,
    kind: RwSignal<String>,
    /// One option a line.
    options: RwSignal<String>,
    required: RwSignal<bool>,
}

impl QuestionRow {
    pub fn new(question: &Question) -> Self {
        let (kind, options) = match &question.kind {
            QuestionKind::ShortText => ("short", Vec::new()),
            QuestionKind::LongText => ("long", Vec::new()),
            QuestionKind::Choice { options } => ("choice", options.clone()),
            QuestionKind::Checkboxes { options } => ("checkboxes", options.clone()),
            QuestionKind::Phone => ("phone", Vec::new()),
            QuestionKind::Consent => ("consent", Vec::new()),
        };
        Self {
            key: RwSignal::new(question.key.clone()),
            label: RwSignal::new(question.label.clone()),
            kind: RwSignal::new(kind.to_owned()),
            options: RwSignal::new(options.join("\n")),
            required: RwSignal::new(question.required),
        }
    }

    pub fn question(&self) -> Question {
        let options = || {
            self.options
                .get()
                .lines()
                .map(|line| line.trim().to_owned())
                .filter(|line| !line.is_empty())
                .collect()
        };
        let kind = match self.kind.get().as_str() {
            "long" => QuestionKind::LongText,
            "choice" => QuestionKind::Choice { options: options() },
            "checkboxes" => QuestionKind::Checkboxes { options: options() },
            "phone" => QuestionKind::Phone,
            "consent" => QuestionKind::Consent,
            _ => QuestionKind::ShortText,
        };
        Question { key: self.key.get(), label: self.label.get(), kind, required: self.required.get() }
    }
}

#[component]
pub fn QuestionsEditor(rows: RwSignal<Vec<QuestionRow>>) -> impl IntoView {
    let add = move |_| {
        rows.update(|rows| {
            let number = rows.len() + 1;
            rows.push(QuestionRow::new(&Question {
                key: format!("question_{number}"),
                label: String::new(),
                kind: QuestionKind::ShortText,
                required: false,
            }))
        })
    };
    view! {
        <fieldset class="questions" data-testid="type-questions">
            <legend>"Questions for the visitor (shown as text; a link may prefill one with ?q_name=…)"</legend>
            {move || rows.get().into_iter().enumerate().map(|(index, row)| view! {
                <div class="question-row" data-testid="question-row">
                    <label>"Question"
                        <input maxlength="300" prop:value=move || row.label.get()
                            on:input=move |event| row.label.set(event_target_value(&event)) data-testid="question-label"/>
                    </label>
                    <div class="grid-2">
                        <label>"Name in links"
                            <input maxlength="30" prop:value=move || row.key.get()
                                on:input=move |event| row.key.set(event_target_value(&event)) data-testid="question-key"/>
                        </label>
                        <label>"Kind"
                            <select prop:value=move || row.kind.get() on:change=move |event| row.kind.set(event_target_value(&event)) data-testid="question-kind">
                                {KINDS.into_iter().map(|(value, name)| view! { <option value=value>{name}</option> }).collect_view()}
                            </select>
                        </label>
                    </div>
                    <Show when=move || matches!(row.kind.get().as_str(), "choice" | "checkboxes")>
                        <label>"Options, one a line"
                            <textarea rows="3" prop:value=move || row.options.get()
                                on:input=move |event| row.options.set(event_target_value(&event)) data-testid="question-options"></textarea>
                        </label>
                    </Show>
                    <div class="row-actions">
                        <label class="switch">
                            <input type="checkbox" prop:checked=move || row.required.get() || row.kind.get() == "consent"
                                on:change=move |event| row.required.set(event_target_checked(&event)) data-testid="question-required"/>
                            <span>"Required"</span>
                        </label>
                        <button type="button" class="link-button danger" on:click=move |_| rows.update(|rows| { rows.remove(index); })>"Remove question"</button>
                    </div>
                </div>
            }).collect_view()}
            <button type="button" class="link-button" on:click=add data-testid="add-question">"+ Add a question"</button>
        </fieldset>
    }
}
