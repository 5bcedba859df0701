//! The settings section for meeting types: the host's types in their order,
//! each with its address and buttons (edit, move, duplicate, hide or list,
//! delete), and the form that creates or edits one. A rule left empty
//! follows the Availability section.

use leptos::prelude::*;

use super::{
    api::{ChangeMeetingType, SaveMeetingType},
    form_parts::{DayRow, FieldError},
    model::{
        MeetingTypeForm, MeetingTypeView, TypeChange, COLOURS, MOST_LENGTHS, OFFERED_LENGTHS, SLOT_INTERVALS,
    },
    questions_editor::{QuestionRow, QuestionsEditor},
};
use crate::{
    error::AppError,
    place::{Place, PLACE_KINDS},
};

#[island(lazy)]
pub fn MeetingTypesSection(
    types: Vec<MeetingTypeView>,
    default_length: i64,
    username: String,
) -> impl IntoView {
    // A type's address is its host's page and its slug: the form shows the first part.
    let page_prefix = format!("/{username}/");
    let types = RwSignal::new(types);
    let editing = RwSignal::new(None::<MeetingTypeForm>);
    let save = ServerAction::<SaveMeetingType>::new();
    let change = ServerAction::<ChangeMeetingType>::new();
    let list_error = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if let Some(Ok(list)) = save.value().get() {
            types.set(list);
            editing.set(None);
        }
    });
    Effect::new(move |_| match change.value().get() {
        Some(Ok(list)) => {
            types.set(list);
            list_error.set(None);
        }
        Some(Err(error)) => {
            list_error.set(Some(error.field("meeting_types").unwrap_or_else(|| error.to_string())))
        }
        None => {}
    });
    let act = move |type_id: i64, what: TypeChange| {
        change.dispatch(ChangeMeetingType { type_id, change: what });
    };
    view! {
        <section class="card settings-section" aria-labelledby="types-heading">
            <div class="section-head">
                <h2 id="types-heading">"Meeting types"</h2>
                <button type="button" class="button secondary small" data-testid="new-meeting-type"
                    on:click=move |_| editing.set(Some(MeetingTypeForm::blank(default_length)))>"New meeting type"</button>
            </div>
            <p class="help">"Each type has its own address. Your page lists the listed ones; a secret one is reached only by its link. What a type leaves empty follows Availability above."</p>
            <ul class="type-settings-list" data-testid="meeting-types">
                {move || {
                    let all = types.get();
                    let count = all.len();
                    all.into_iter().enumerate().map(|(index, meeting_type)| {
                        let id = meeting_type.type_id;
                        let (href, path) = (meeting_type.path.clone(), meeting_type.path);
                        let form = meeting_type.form;
                        let listed = form.listed;
                        let lengths = form.lengths.iter().map(|minutes| format!("{minutes} min")).collect::<Vec<_>>().join(", ");
                        view! {
                            <li class="type-row" style=format!("border-left-color:{}", form.colour) data-testid="meeting-type-row">
                                <div>
                                    <strong>{form.title.clone()}</strong>" "
                                    <span class="tag">{if listed { "listed" } else { "secret" }}</span>
                                    <p class="muted"><a href=href>{path}</a>" · "{lengths}</p>
                                </div>
                                <div class="row-actions">
                                    <button type="button" class="link-button" on:click={ let form = form.clone(); move |_| editing.set(Some(form.clone())) }>"Edit"</button>
                                    <button type="button" class="icon-button" aria-label=format!("Move {} up", form.title) disabled=index == 0 on:click=move |_| act(id, TypeChange::MoveUp)>"↑"</button>
                                    <button type="button" class="icon-button" aria-label=format!("Move {} down", form.title) disabled=index + 1 == count on:click=move |_| act(id, TypeChange::MoveDown)>"↓"</button>
                                    <button type="button" class="link-button" on:click=move |_| act(id, TypeChange::Duplicate)>"Duplicate"</button>
                                    <button type="button" class="link-button" on:click=move |_| act(id, if listed { TypeChange::Hide } else { TypeChange::List })>
                                        {if listed { "Hide" } else { "List" }}
                                    </button>
                                    <button type="button" class="link-button danger" on:click=move |_| act(id, TypeChange::Delete)>"Delete"</button>
                                </div>
                            </li>
                        }
                    }).collect_view().into_any()
                }}
            </ul>
            <FieldError message=Signal::derive(move || list_error.get())/>
            {move || editing.get().map(|form| view! { <TypeEditor form save page_prefix=page_prefix.clone() on_cancel=move || editing.set(None)/> }.into_any())}
        </section>
    }
}

fn optional_number(text: &str) -> Option<i64> {
    let text = text.trim();
    if text.is_empty() {
        None
    } else {
        // What is not a number is kept as one the server refuses, with its message.
        Some(text.parse().unwrap_or(-1))
    }
}

#[component]
fn TypeEditor(
    form: MeetingTypeForm,
    save: ServerAction<SaveMeetingType>,
    page_prefix: String,
    on_cancel: impl Fn() + Send + Sync + 'static,
) -> impl IntoView {
    let type_id = form.type_id;
    let title = RwSignal::new(form.title.clone());
    let slug = RwSignal::new(form.slug.clone());
    let description = RwSignal::new(form.description.clone());
    let lengths = RwSignal::new(form.lengths.clone());
    let step = RwSignal::new(form.slot_interval_minutes.unwrap_or(0));
    let before =
        RwSignal::new(form.buffer_before_minutes.map(|minutes| minutes.to_string()).unwrap_or_default());
    let after =
        RwSignal::new(form.buffer_after_minutes.map(|minutes| minutes.to_string()).unwrap_or_default());
    let notice = RwSignal::new(
        form.minimum_notice_minutes.map(|minutes| (minutes / 60).to_string()).unwrap_or_default(),
    );
    let horizon = RwSignal::new(form.horizon_days.map(|days| days.to_string()).unwrap_or_default());
    let limit_meetings =
        RwSignal::new(form.daily_limit_meetings.map(|most| most.to_string()).unwrap_or_default());
    let limit_minutes =
        RwSignal::new(form.daily_limit_minutes.map(|most| most.to_string()).unwrap_or_default());
    let own_hours = RwSignal::new(form.own_hours.is_some());
    let days = RwSignal::new(form.own_hours.clone().unwrap_or_else(|| {
        let weekday = vec![("09:00".to_owned(), "17:00".to_owned())];
        vec![weekday.clone(), weekday.clone(), weekday.clone(), weekday.clone(), weekday, vec![], vec![]]
    }));
    let colour = RwSignal::new(form.colour.clone());
    let listed = RwSignal::new(form.listed);
    let question_rows = RwSignal::new(form.questions.iter().map(QuestionRow::new).collect::<Vec<_>>());
    let answers_in_event = RwSignal::new(form.answers_in_event);
    let place_kind = RwSignal::new(form.place.kind().to_owned());
    let place_detail = RwSignal::new(form.place.detail().to_owned());
    let result = save.value();
    let error = move |field: &'static str| match result.get() {
        Some(Err(error)) => error.field(field),
        _ => None,
    };
    let other_error = move || match result.get() {
        Some(Err(
            error
            @ (AppError::Conflict(_) | AppError::NotFound | AppError::Internal | AppError::Transport(_)),
        )) => Some(error.to_string()),
        _ => None,
    };
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        save.dispatch(SaveMeetingType {
            form: MeetingTypeForm {
                type_id,
                title: title.get(),
                slug: slug.get(),
                description: description.get(),
                lengths: lengths.get(),
                slot_interval_minutes: Some(step.get()).filter(|step| *step > 0),
                buffer_before_minutes: optional_number(&before.get()),
                buffer_after_minutes: optional_number(&after.get()),
                minimum_notice_minutes: optional_number(&notice.get()).map(|hours| hours * 60),
                horizon_days: optional_number(&horizon.get()),
                own_hours: own_hours.get().then(|| days.get()),
                colour: colour.get(),
                listed: listed.get(),
                place: Place::from_parts(&place_kind.get(), place_detail.get()).unwrap_or_default(),
                questions: question_rows.get().iter().map(QuestionRow::question).collect(),
                answers_in_event: answers_in_event.get(),
                daily_limit_meetings: optional_number(&limit_meetings.get()),
                daily_limit_minutes: optional_number(&limit_minutes.get()),
            },
        });
    };
    let text_field =
        move |label: &'static str, value: RwSignal<String>, test_id: &'static str, hint: &'static str| {
            view! {
                <label>{label}
                    <input inputmode="numeric" placeholder=hint prop:value=move || value.get()
                        on:input=move |event| value.set(event_target_value(&event)) data-testid=test_id/>
                </label>
            }
        };
    let cancel = on_cancel;
    view! {
        <form class="stack type-editor" on:submit=submit data-testid="meeting-type-form">
            <h3>{if type_id.is_some() { "Edit meeting type" } else { "New meeting type" }}</h3>
            {view! {
            <label>"Name"
                <input required maxlength="100" prop:value=move || title.get()
                    on:input=move |event| title.set(event_target_value(&event)) data-testid="type-title"/>
            </label>
            <FieldError message=Signal::derive(move || error("title"))/>
            <label>"Address"
                <span class="prefixed"><span class="prefix" data-testid="type-address-prefix">{page_prefix}</span>
                    <input required maxlength="40" pattern="[a-z0-9\\-]+" prop:value=move || slug.get()
                        on:input=move |event| slug.set(event_target_value(&event)) data-testid="type-slug"/>
                </span>
            </label>
            <FieldError message=Signal::derive(move || error("slug"))/>
            <label>"Description (shown as text; web addresses become links)"
                <textarea rows="3" maxlength="2000" prop:value=move || description.get()
                    on:input=move |event| description.set(event_target_value(&event)) data-testid="type-description"></textarea>
            </label>
            <FieldError message=Signal::derive(move || error("description"))/>
            }.into_any()}
            {view! {
            <fieldset class="choice">
                <legend>{format!("Lengths the visitor chooses from (up to {MOST_LENGTHS}; the first listed is preselected)")}</legend>
                {OFFERED_LENGTHS.into_iter().map(|minutes| view! {
                    <label>
                        <input type="checkbox" prop:checked=move || lengths.with(|lengths| lengths.contains(&minutes))
                            on:change=move |event| lengths.update(|lengths| {
                                if event_target_checked(&event) { if !lengths.contains(&minutes) { lengths.push(minutes); lengths.sort_unstable(); } }
                                else { lengths.retain(|length| *length != minutes); }
                            }) data-testid=format!("type-length-{minutes}")/>
                        {format!("{minutes} min")}
                    </label>
                }).collect_view()}
            </fieldset>
            <FieldError message=Signal::derive(move || error("lengths"))/>
            }.into_any()}
            {view! {
            <div class="grid-2">
                <label>"Start times"
                    <select prop:value=move || step.get().to_string() on:change=move |event| step.set(event_target_value(&event).parse().unwrap_or(0))>
                        {SLOT_INTERVALS.into_iter().map(|minutes| view! {
                            <option value=minutes.to_string()>{if minutes == 0 { "As in Availability".to_owned() } else { format!("Every {minutes} minutes") }}</option>
                        }).collect_view()}
                    </select>
                </label>
                {text_field("Minimum notice (hours)", notice, "type-notice", "as in Availability")}
                {text_field("Buffer before (minutes)", before, "type-buffer-before", "as in Availability")}
                {text_field("Buffer after (minutes)", after, "type-buffer-after", "as in Availability")}
                {text_field("Bookable up to (days ahead)", horizon, "type-horizon", "as in Availability")}
                {text_field("At most this many of these meetings a day (0: no limit of its own)", limit_meetings, "type-limit-meetings", "none of its own")}
                {text_field("At most this many minutes of these meetings a day (0: no limit of its own)", limit_minutes, "type-limit-minutes", "none of its own")}
                <label>"Colour"
                    <select prop:value=move || colour.get() on:change=move |event| colour.set(event_target_value(&event))>
                        {COLOURS.into_iter().map(|(value, name)| view! { <option value=value>{name}</option> }).collect_view()}
                    </select>
                </label>
            </div>
            <FieldError message=Signal::derive(move || {
                ["slot_interval_minutes", "minimum_notice_minutes", "buffer_before_minutes", "buffer_after_minutes", "horizon_days", "daily_limit_meetings", "daily_limit_minutes", "colour"]
                    .into_iter().find_map(error)
            })/>
            }.into_any()}
            {view! {
            <label>"Where the meeting happens"
                <select prop:value=move || place_kind.get() on:change=move |event| place_kind.set(event_target_value(&event)) data-testid="type-place">
                    {PLACE_KINDS.into_iter().map(|(value, name)| view! { <option value=value>{name}</option> }).collect_view()}
                </select>
            </label>
            <Show when=move || matches!(place_kind.get().as_str(), "in_person" | "host_phone" | "link")>
                <label>{move || match place_kind.get().as_str() { "in_person" => "Address", "host_phone" => "Your phone number", _ => "Meeting link" }}
                    <input maxlength="500" prop:value=move || place_detail.get()
                        on:input=move |event| place_detail.set(event_target_value(&event)) data-testid="type-place-detail"/>
                </label>
            </Show>
            <FieldError message=Signal::derive(move || error("place"))/>
            }.into_any()}
            {view! {
            <QuestionsEditor rows=question_rows/>
            <FieldError message=Signal::derive(move || error("questions"))/>
            <label class="switch">
                <input type="checkbox" prop:checked=move || answers_in_event.get()
                    on:change=move |event| answers_in_event.set(event_target_checked(&event)) data-testid="type-answers-in-event"/>
                <span>"Show the answers in the Google Calendar event too (direct booking)"</span>
            </label>
            }.into_any()}
            // Erased in groups: the form whole is a type too deep for a
            // release build of the browser's code.
            {view! {
            <label class="switch">
                <input type="checkbox" prop:checked=move || own_hours.get()
                    on:change=move |event| own_hours.set(event_target_checked(&event)) data-testid="type-own-hours"/>
                <span>"Hours of its own (otherwise your weekly hours)"</span>
            </label>
            <Show when=move || own_hours.get()>
                <div class="week">
                    {(0..7).map(|day| {
                        let day_error = Signal::derive(move || match result.get() {
                            Some(Err(error)) => (0..3).find_map(|index| error.field(&format!("day-{day}-{index}"))),
                            _ => None,
                        });
                        view! { <DayRow day days error=day_error/> }.into_any()
                    }).collect_view()}
                </div>
            </Show>
            <label class="switch">
                <input type="checkbox" prop:checked=move || listed.get()
                    on:change=move |event| listed.set(event_target_checked(&event)) data-testid="type-listed"/>
                <span>"Listed on my page (otherwise secret: only its link books it)"</span>
            </label>
            }.into_any()}
            <p class="field-error" role="alert">{other_error}</p>
            <div class="actions">
                <button type="submit" class="button primary" data-testid="save-meeting-type" prop:disabled=move || save.pending().get()>"Save meeting type"</button>
                <button type="button" class="button secondary" on:click=move |_| cancel()>"Cancel"</button>
            </div>
        </form>
    }
}
