//! Meeting types end to end: `/{username}` lists the listed ones (or stands
//! for the only one), each type books at the lengths it offers, a secret
//! one only by its address; settings create, duplicate, reorder, hide and
//! delete them, refusing what would lose a booking's type; hosts and
//! bookings from before types keep working.

use app::db::{meeting_types, Database};
use serde_json::{json, Value};

use crate::{
    booking::{ada_takes_bookings, ada_user_id, next_month, slots},
    helpers::{Cookies, TestApp, TestDatabase, BACKENDS},
};

fn type_form(title: &str, slug: &str, lengths: &[i64], listed: bool) -> Value {
    json!({ "form": {
        "type_id": null, "title": title, "slug": slug, "description": "Bring questions. https://example.com/agenda",
        "lengths": lengths, "slot_interval_minutes": null, "buffer_before_minutes": null,
        "buffer_after_minutes": null, "minimum_notice_minutes": null, "horizon_days": null,
        "own_hours": null, "colour": "#16a34a", "listed": listed,
    }})
}

async fn save_type(app: &TestApp, ada: &Cookies, form: Value) -> reqwest::Response {
    app.server_fn_json("save_meeting_type", form, ada).await
}

async fn change_type(app: &TestApp, who: &Cookies, type_id: i64, change: &str) -> reqwest::Response {
    app.server_fn_json("change_meeting_type", json!({ "type_id": type_id, "change": change }), who).await
}

/// Ada's page for a type and length, next month, for a visitor in UTC.
async fn type_page(app: &TestApp, slug: Option<&str>, length: Option<&str>) -> reqwest::Response {
    let month = next_month("UTC");
    let mut form = vec![("username", "ada"), ("tz", "UTC"), ("month", month.as_str())];
    if let Some(slug) = slug {
        form.push(("meeting_type", slug));
    }
    if let Some(length) = length {
        form.push(("length", length));
    }
    app.server_fn_form("booking_page", &form, &Cookies::default()).await
}

async fn book_type(app: &TestApp, slug: Option<&str>, length: Option<&str>, start: i64) -> reqwest::Response {
    let start = start.to_string();
    let mut form = vec![
        ("username", "ada"),
        ("start", start.as_str()),
        ("tz", "Asia/Tokyo"),
        ("name", "Bob"),
        ("email", "bob@example.net"),
        ("note", ""),
    ];
    if let Some(slug) = slug {
        form.push(("meeting_type", slug));
    }
    if let Some(length) = length {
        form.push(("length", length));
    }
    app.server_fn_form("book", &form, &Cookies::default()).await
}

#[tokio::test]
async fn listed_types_are_listed_each_books_at_its_lengths_and_a_secret_one_only_by_its_address() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let ada = ada_takes_bookings(&app).await;
        let intro = save_type(&app, &ada, type_form("Intro call", "intro", &[15, 30], true)).await;
        assert_eq!(intro.status(), 200, "{backend:?}: {}", intro.text().await.unwrap());
        let consult = save_type(&app, &ada, type_form("Consultation", "consultation", &[60], false)).await;
        let types: Value = consult.json().await.unwrap();
        let titles: Vec<&str> =
            types.as_array().unwrap().iter().map(|t| t["form"]["title"].as_str().unwrap()).collect();
        assert_eq!(titles, ["Meeting", "Intro call", "Consultation"], "{backend:?}: in the host's order");

        // `/ada` lists the two listed types, not the secret one, and no month.
        let front: Value = type_page(&app, None, None).await.json().await.unwrap();
        let listed: Vec<&str> =
            front["choices"].as_array().unwrap().iter().map(|c| c["path"].as_str().unwrap()).collect();
        assert_eq!(listed, ["/ada/meeting", "/ada/intro"], "{backend:?}");
        assert!(slots(&front).is_empty(), "{backend:?}");
        let without_type = book_type(&app, None, None, 4_000_000_000).await;
        assert_eq!(without_type.status(), 422, "{backend:?}: which type?");

        // The intro at 15 minutes: start times a quarter apart.
        let quarter: Value = type_page(&app, Some("intro"), Some("15")).await.json().await.unwrap();
        assert_eq!(
            (quarter["meeting_minutes"].as_i64(), quarter["path"].as_str()),
            (Some(15), Some("/ada/intro"))
        );
        assert_eq!(quarter["lengths"], json!([15, 30]), "{backend:?}");
        let starts: Vec<i64> = slots(&quarter).into_iter().map(|(start, _)| start).collect();
        assert_eq!(starts[1] - starts[0], 15 * 60, "{backend:?}");
        assert_eq!(quarter["description"], "Bring questions. https://example.com/agenda", "{backend:?}");

        // Booked at 30 minutes, from another zone: the booking keeps its type and length.
        let half: Value = type_page(&app, Some("intro"), Some("30")).await.json().await.unwrap();
        let start = slots(&half)[4].0;
        let booked = book_type(&app, Some("intro"), Some("30"), start).await;
        assert_eq!(booked.status(), 200, "{backend:?}: {}", booked.text().await.unwrap());
        let pool = app.pool().await;
        let (minutes, type_id): (i64, Option<i64>) =
            sqlx::query_as("select (ends_at - starts_at) / 60, meeting_type_id from bookings")
                .fetch_one(&pool)
                .await
                .unwrap();
        let stored = meeting_types::for_host(&pool, ada_user_id(&pool).await).await.unwrap();
        assert_eq!((minutes, type_id), (30, Some(stored[1].type_id)), "{backend:?}");

        // What a type does not offer is refused clearly.
        let other_start = slots(&half)[8].0;
        let length_not_offered = book_type(&app, Some("intro"), Some("45"), other_start).await;
        assert_eq!(length_not_offered.status(), 422, "{backend:?}");
        assert!(
            length_not_offered.text().await.unwrap().contains("lengths this meeting offers"),
            "{backend:?}"
        );
        assert_eq!(type_page(&app, Some("intro"), Some("45")).await.status(), 422, "{backend:?}");
        assert_eq!(type_page(&app, Some("nope"), None).await.status(), 404, "{backend:?}");
        assert_eq!(book_type(&app, Some("nope"), None, other_start).await.status(), 404, "{backend:?}");
        let off_grid = book_type(&app, Some("intro"), Some("30"), other_start + 7 * 60).await;
        assert_eq!(off_grid.status(), 409, "{backend:?}: not a start time of the type");

        // The secret type is reached by its address, at its one length.
        let secret: Value = type_page(&app, Some("consultation"), None).await.json().await.unwrap();
        assert_eq!(
            (secret["meeting_minutes"].as_i64(), secret["meeting_title"].as_str()),
            (Some(60), Some("Consultation"))
        );
        let secret_start =
            slots(&secret).iter().map(|(start, _)| *start).find(|s| *s > other_start + 3600).unwrap();
        assert_eq!(
            book_type(&app, Some("consultation"), None, secret_start).await.status(),
            200,
            "{backend:?}"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn types_are_duplicated_reordered_hidden_and_deleted_only_when_no_booking_is_to_come() {
    let app = TestApp::spawn(app::db::Backend::Sqlite).await;
    let ada = ada_takes_bookings(&app).await;
    let list = |response: Value| -> Vec<(i64, String, bool)> {
        response
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    t["type_id"].as_i64().unwrap(),
                    t["form"]["slug"].as_str().unwrap().to_owned(),
                    t["form"]["listed"].as_bool().unwrap(),
                )
            })
            .collect()
    };
    let saved = save_type(&app, &ada, type_form("Intro call", "intro", &[15], true)).await;
    let types = list(saved.json().await.unwrap());
    let (meeting, intro) = (types[0].0, types[1].0);

    let taken = save_type(&app, &ada, type_form("Another", "intro", &[15], true)).await;
    assert_eq!(taken.status(), 422);
    assert!(taken.text().await.unwrap().contains("has that address"));

    let duplicated = list(change_type(&app, &ada, intro, "Duplicate").await.json().await.unwrap());
    assert_eq!(
        duplicated.iter().map(|t| t.1.as_str()).collect::<Vec<_>>(),
        ["meeting", "intro", "intro-copy"]
    );
    let again = list(change_type(&app, &ada, intro, "Duplicate").await.json().await.unwrap());
    assert_eq!(again[3].1, "intro-copy-2");
    let moved = list(change_type(&app, &ada, intro, "MoveUp").await.json().await.unwrap());
    assert_eq!(moved[0].1, "intro");
    let hidden = list(change_type(&app, &ada, intro, "Hide").await.json().await.unwrap());
    assert!(!hidden[0].2, "intro is secret now");
    let front: Value = type_page(&app, None, None).await.json().await.unwrap();
    assert!(front["choices"].as_array().unwrap().iter().all(|c| c["path"] != "/ada/intro"));

    // A type with a booking to come is kept; one without goes.
    let page: Value = type_page(&app, Some("meeting"), None).await.json().await.unwrap();
    assert_eq!(book_type(&app, Some("meeting"), None, slots(&page)[2].0).await.status(), 200);
    let refused = change_type(&app, &ada, meeting, "Delete").await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("Hide it instead"));
    for type_id in [again[2].0, again[3].0] {
        assert_eq!(change_type(&app, &ada, type_id, "Delete").await.status(), 200);
    }
    assert_eq!(change_type(&app, &ada, intro, "Delete").await.status(), 200);
    let last = change_type(&app, &ada, meeting, "Delete").await;
    assert_eq!(last.status(), 422, "the meeting type has a booking, and is the last");

    // Nobody else changes Ada's types.
    let grace = app.sign_in("grace@example.com").await;
    assert_eq!(change_type(&app, &grace, meeting, "Hide").await.status(), 404);
    let mut foreign = type_form("Hijack", "hijack", &[15], true);
    foreign["form"]["type_id"] = json!(meeting);
    assert_eq!(save_type(&app, &grace, foreign).await.status(), 404);
    let anonymous = save_type(&app, &Cookies::default(), type_form("X", "x", &[15], true)).await;
    assert_eq!(anonymous.status(), 401);
    app.stop().await;
}

#[tokio::test]
async fn hosts_and_bookings_from_before_meeting_types_keep_their_page_and_get_one_type() {
    for backend in BACKENDS {
        let test_database = TestDatabase::create(backend).await;
        let database = Database::connect(&test_database.url).await.unwrap();
        database.migrate_to(8).await.unwrap();
        let pool = database.pool();
        let user_id: i64 = sqlx::query_scalar(
            "insert into users (google_sub, email, display_name, username, time_zone, created_at, updated_at) \
             values ('sub', 'old@example.com', 'Old Host', 'old', 'UTC', 0, 0) returning user_id",
        )
        .fetch_one(pool)
        .await
        .unwrap();
        sqlx::query(
            "insert into host_settings (user_id, availability_json, meeting_minutes, buffer_before_minutes, \
                 buffer_after_minutes, minimum_notice_minutes, horizon_days, busy_calendar_ids_json, updated_at) \
             values ($1, '[[],[],[],[],[],[],[]]', 45, 0, 0, 60, 30, '[]', 0)",
        )
        .bind(user_id)
        .execute(pool)
        .await
        .unwrap();
        sqlx::query(
            "insert into bookings (host_user_id, uid, starts_at, ends_at, visitor_name, visitor_email, \
                 visitor_time_zone, note, delivery, created_at) \
             values ($1, 'old@bookmate', 4000000000, 4000002700, 'Bob', 'bob@example.net', 'UTC', '', 'email', 0)",
        )
        .bind(user_id)
        .execute(pool)
        .await
        .unwrap();
        database.migrate().await.unwrap();

        let types = meeting_types::for_host(pool, user_id).await.unwrap();
        assert_eq!(types.len(), 1, "{backend:?}");
        assert_eq!((types[0].fields.slug.as_str(), types[0].fields.listed), ("meeting", true), "{backend:?}");
        assert!(types[0].fields.lengths.is_empty(), "{backend:?}: the host's length, 45 minutes, as before");
        let booking = app::db::bookings::find_by_uid(pool, "old@bookmate").await.unwrap().unwrap();
        assert_eq!(booking.meeting_type_id, Some(types[0].type_id), "{backend:?}");
        database.close().await;
        test_database.drop_database().await;
    }
}

#[tokio::test]
async fn a_types_own_daily_limit_counts_its_own_meetings_and_closes_only_its_day() {
    let app = TestApp::spawn(app::db::Backend::Sqlite).await;
    let ada = ada_takes_bookings(&app).await;
    let mut intro = type_form("Intro call", "intro", &[30], true);
    intro["form"]["daily_limit_meetings"] = json!(1);
    assert_eq!(save_type(&app, &ada, intro).await.status(), 200);
    let date_of = |start: i64| chrono::DateTime::from_timestamp(start, 0).unwrap().date_naive();
    let page: Value = type_page(&app, Some("intro"), None).await.json().await.unwrap();
    let (first, later) = (slots(&page)[4].0, slots(&page)[10].0);
    assert_eq!(date_of(first), date_of(later), "two times of one day");
    assert_eq!(book_type(&app, Some("intro"), None, first).await.status(), 200);

    let intro_after: Value = type_page(&app, Some("intro"), None).await.json().await.unwrap();
    assert!(
        slots(&intro_after).iter().all(|(start, _)| date_of(*start) != date_of(first)),
        "one intro a day"
    );
    let meeting: Value = type_page(&app, Some("meeting"), None).await.json().await.unwrap();
    assert!(slots(&meeting).iter().any(|(start, _)| *start == later), "the host's other type has no limit");
    assert_eq!(book_type(&app, Some("intro"), None, later).await.status(), 409, "checked again at booking");
    assert_eq!(book_type(&app, Some("meeting"), None, later).await.status(), 200);

    // The intro's limit counts intros only: another type's meeting leaves its day open.
    let other_day = slots(&meeting)
        .iter()
        .map(|(start, _)| *start)
        .find(|start| date_of(*start) != date_of(first))
        .expect("times on another day");
    assert_eq!(book_type(&app, Some("meeting"), None, other_day).await.status(), 200);
    let intro_then: Value = type_page(&app, Some("intro"), None).await.json().await.unwrap();
    assert!(
        slots(&intro_then).iter().any(|(start, _)| date_of(*start) == date_of(other_day)),
        "a meeting of another type does not use the intro's one a day"
    );
    app.stop().await;
}
