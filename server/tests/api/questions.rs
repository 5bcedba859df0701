//! Questions for the visitor: required answers, choices that must be
//! offered, length limits, all with clear errors and nothing stored; the
//! answers reach the host as text (email, dashboard) and, when the host asks,
//! the Google event; a link prefills them.

use app::db::{bookings, outbox};
use chrono::TimeZone as _;
use serde_json::{json, Value};

use crate::{
    booking::{ada_books_directly, ada_takes_bookings, booking_rows, next_month, slots, ADA},
    helpers::{Cookies, TestApp, BACKENDS},
};

fn intake_type(answers_in_event: bool) -> Value {
    json!({ "form": {
        "type_id": null, "title": "Intake", "slug": "intake", "description": "",
        "lengths": [30], "slot_interval_minutes": null, "buffer_before_minutes": null,
        "buffer_after_minutes": null, "minimum_notice_minutes": null, "horizon_days": null,
        "own_hours": null, "colour": "#2563eb", "listed": true, "place": "Unset",
        "answers_in_event": answers_in_event,
        "questions": [
            { "key": "company", "label": "Your company", "kind": "ShortText", "required": true },
            { "key": "size", "label": "Team size", "kind": { "Choice": { "options": ["1-10", "11+"] } }, "required": false },
            { "key": "topics", "label": "Topics", "kind": { "Checkboxes": { "options": ["Sales", "Support"] } }, "required": false },
            { "key": "terms", "label": "I agree to the <b>terms</b>", "kind": "Consent", "required": false },
        ],
    }})
}

async fn intake_page(app: &TestApp) -> Value {
    let month = next_month("UTC");
    let form = [("username", "ada"), ("meeting_type", "intake"), ("tz", "UTC"), ("month", month.as_str())];
    app.server_fn_form("booking_page", &form, &Cookies::default()).await.json().await.unwrap()
}

async fn book_with(app: &TestApp, start: i64, answers: &[(&str, &str)]) -> reqwest::Response {
    let start = start.to_string();
    let mut form: Vec<(String, String)> = [
        ("username", "ada"),
        ("meeting_type", "intake"),
        ("start", start.as_str()),
        ("tz", "UTC"),
        ("name", "Bob"),
        ("email", "bob@example.net"),
        ("note", ""),
    ]
    .iter()
    .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
    .collect();
    form.extend(answers.iter().map(|(key, value)| (format!("answers[{key}]"), (*value).to_owned())));
    let form: Vec<(&str, &str)> = form.iter().map(|(key, value)| (key.as_str(), value.as_str())).collect();
    app.server_fn_form("book", &form, &Cookies::default()).await
}

#[tokio::test]
async fn answers_are_checked_with_clear_errors_and_reach_the_host_as_text() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let mut ada = ada_takes_bookings(&app).await;
        let saved = app.server_fn_json("save_meeting_type", intake_type(false), &ada).await;
        assert_eq!(saved.status(), 200, "{backend:?}: {}", saved.text().await.unwrap());
        let page = intake_page(&app).await;
        assert_eq!(page["questions"].as_array().unwrap().len(), 4, "{backend:?}");
        assert_eq!(page["questions"][3]["required"], true, "{backend:?}: a consent box is required");
        let start = slots(&page)[3].0;

        let long = "x".repeat(201);
        // The answers sent, the field at fault, and what it says.
        type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);
        let cases: [Case<'_>; 4] = [
            (&[("terms", "on")], "q_company", "Please answer this question."),
            (&[("company", "ACME")], "q_terms", "Please tick this box to book."),
            (
                &[("company", "ACME"), ("terms", "on"), ("size", "500")],
                "q_size",
                "Please choose one of the options.",
            ),
            (&[("company", &long), ("terms", "on")], "q_company", "in up to 200 characters"),
        ];
        for (answers, field, says) in cases {
            let refused = book_with(&app, start, answers).await;
            assert_eq!(refused.status(), 422, "{backend:?}: {field}");
            let body = refused.text().await.unwrap();
            assert!(body.contains(field) && body.contains(says), "{backend:?}: {body}");
        }
        assert_eq!(booking_rows(&app.pool().await).await, 0, "{backend:?}: nothing stored");

        let booked = book_with(
            &app,
            start,
            &[("company", "<script>alert(1)</script>"), ("size", "11+"), ("topics_1", "on"), ("terms", "on")],
        )
        .await;
        assert_eq!(booked.status(), 200, "{backend:?}: {}", booked.text().await.unwrap());
        let uid = booked.json::<Value>().await.unwrap()["uid"].as_str().unwrap().to_owned();
        let pool = app.pool().await;
        let stored = bookings::find_by_uid(&pool, &uid).await.unwrap().unwrap();
        let answers: Vec<(&str, &str)> =
            stored.answers.iter().map(|answer| (answer.question.as_str(), answer.answer.as_str())).collect();
        assert_eq!(
            answers,
            [
                ("Your company", "<script>alert(1)</script>"),
                ("Team size", "11+"),
                ("Topics", "Support"),
                ("I agree to the <b>terms</b>", "Yes"),
            ],
            "{backend:?}"
        );
        let to_host = outbox::recent(&pool, 10)
            .await
            .unwrap()
            .into_iter()
            .find(|message| message.recipient == ADA)
            .unwrap();
        assert!(
            to_host
                .body_text
                .contains("Their answers:\nYour company: <script>alert(1)</script>\nTeam size: 11+"),
            "{backend:?}: {}",
            to_host.body_text
        );

        // The dashboard shows them as text, never as HTML.
        let dashboard = app.browse_page("/dashboard", &mut ada).await.text().await.unwrap();
        assert!(dashboard.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{backend:?}");
        assert!(!dashboard.contains("<script>alert(1)"), "{backend:?}");
        app.stop().await;
    }
}

#[tokio::test]
async fn a_link_prefills_an_answer_and_the_host_may_put_the_answers_into_the_google_event() {
    let app = TestApp::spawn(app::db::Backend::Sqlite).await;
    let mut ada = ada_takes_bookings(&app).await;
    ada_books_directly(&app, &mut ada).await;
    assert_eq!(app.server_fn_json("save_meeting_type", intake_type(true), &ada).await.status(), 200);
    let page = intake_page(&app).await;
    let start = slots(&page)[5].0;
    let day = chrono::Utc.timestamp_opt(start, 0).unwrap().format("%Y-%m-%d").to_string();
    let month = next_month("UTC");
    let form = app
        .get(&format!("/ada/intake?tz=UTC&month={month}&day={day}&slot={start}&q_company=ACME%20%3Cb%3ELtd%3C%2Fb%3E&q_size=11%2B"))
        .await
        .text()
        .await
        .unwrap();
    assert!(form.contains(r#"name="answers[company]""#), "the question is on the form");
    assert!(form.contains("ACME &lt;b&gt;Ltd&lt;/b&gt;"), "prefilled, as text");
    assert!(form.contains(r#"<option value="11+" selected"#), "a choice prefilled too");

    let booked = book_with(&app, start, &[("company", "ACME"), ("terms", "on")]).await;
    assert_eq!(booked.status(), 200);
    let inserted = app.google.inserted_events();
    let description = inserted[0].1.description.clone().unwrap_or_default();
    assert!(description.starts_with("Your company: ACME\nI agree to the <b>terms</b>: Yes"), "{description}");
    app.stop().await;
}

#[tokio::test]
async fn questions_a_host_writes_are_checked() {
    let app = TestApp::spawn(app::db::Backend::Sqlite).await;
    let ada = ada_takes_bookings(&app).await;
    let mut twice = intake_type(false);
    twice["form"]["questions"][1]["key"] = json!("company");
    let refused = app.server_fn_json("save_meeting_type", twice, &ada).await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("another question has the name company"));
    let mut no_options = intake_type(false);
    no_options["form"]["questions"][1]["kind"] = json!({ "Choice": { "options": [] } });
    assert_eq!(app.server_fn_json("save_meeting_type", no_options, &ada).await.status(), 422);
    app.stop().await;
}
