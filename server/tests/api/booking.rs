//! The public booking page and booking, against the emulator.

use std::time::Duration;

use chrono::Datelike as _;

use app::{
    db::{bookings, google_connections, outbox, users, Backend, DbPool},
    google_scopes::{CALENDAR_EVENTS, CALENDAR_LIST_READONLY},
};
use google_emulator::{Fault, DEVELOPMENT_CLIENT_ID};
use serde_json::{json, Value};

use crate::helpers::{Cookies, TestApp, BACKENDS};

pub(crate) const ADA: &str = "ada@example.com";
pub(crate) const CANNOT_CHECK: &str = "cannot check the host's calendar right now";

/// Ada, signed in, with a page at /ada open every day around the clock in
/// London, 30-minute meetings, an hour's notice.
pub(crate) async fn ada_takes_bookings(app: &TestApp) -> Cookies {
    let ada = app.sign_in(ADA).await;
    let saved = app
        .server_fn_form(
            "save_profile",
            &[("display_name", "Ada Lovelace"), ("username", "ada"), ("time_zone", "Europe/London")],
            &ada,
        )
        .await;
    assert_eq!(saved.status(), 200);
    let all_day = json!([["00:00", "24:00"]]);
    let form = json!({ "form": {
        "days": [all_day, all_day, all_day, all_day, all_day, all_day, all_day],
        "meeting_minutes": 30, "buffer_before_minutes": 0, "buffer_after_minutes": 0,
        "minimum_notice_minutes": 60, "horizon_days": 60,
    }});
    assert_eq!(app.server_fn_json("save_availability", form, &ada).await.status(), 200);
    ada
}

/// Ada turns direct booking on into her primary calendar and grants
/// calendar.events on Google's consent page.
pub(crate) async fn ada_books_directly(app: &TestApp, ada: &mut Cookies) {
    let saved =
        app.server_fn_json("save_direct_booking", json!({ "enabled": true, "calendar_id": ADA }), ada).await;
    assert_eq!(saved.status(), 200);
    let saved: Value = saved.json().await.unwrap();
    let return_to = saved["NeedsConsent"]["return_to"].as_str().unwrap().to_owned();
    let (_, consent) = app.start_grant(ada, &return_to).await;
    let callback = app.answer_consent(&consent, ada, ADA, &[], true).await;
    assert_eq!(app.browse(&callback, ada).await.status(), 303);
}

fn fault(status: u16) -> Fault {
    Fault { status, retry_after_seconds: None, delay_ms: None }
}

pub(crate) async fn ada_user_id(pool: &DbPool) -> i64 {
    users::find_by_username(pool, "ada").await.unwrap().expect("Ada has a page").user_id
}

async fn stored_grant(pool: &DbPool) -> app::google_scopes::ScopeSet {
    google_connections::find(pool, ada_user_id(pool).await)
        .await
        .unwrap()
        .expect("a connection")
        .granted_scopes
}

pub(crate) async fn booking_rows(pool: &DbPool) -> i64 {
    sqlx::query_scalar("select count(*) from bookings").fetch_one(pool).await.unwrap()
}

fn calls(app: &TestApp, endpoint: &str) -> u64 {
    app.google.calls().get(endpoint).copied().unwrap_or(0)
}

/// Next month in the visitor's zone: always a full month of free times,
/// whereas this month may have only hours left (or none) when the tests run.
pub(crate) fn next_month(tz: &str) -> String {
    let zone: chrono_tz::Tz = tz.parse().unwrap();
    let today = chrono::Utc::now().with_timezone(&zone).date_naive();
    let first = today.with_day(1).unwrap() + chrono::Months::new(1);
    first.format("%Y-%m").to_string()
}

/// Ada's booking page, next month, as a visitor in `tz` sees it.
pub(crate) async fn page(app: &TestApp, tz: &str) -> Value {
    let visitor = Cookies::default();
    let month = next_month(tz);
    let answer = app
        .server_fn_form("booking_page", &[("username", "ada"), ("tz", tz), ("month", &month)], &visitor)
        .await;
    assert_eq!(answer.status(), 200, "{}", answer.text().await.unwrap());
    answer.json().await.unwrap()
}

pub(crate) fn slots(page: &Value) -> Vec<(i64, String)> {
    page["weeks"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|week| week.as_array().unwrap().iter())
        .filter(|day| !day.is_null())
        .flat_map(|day| day["slots"].as_array().unwrap().iter())
        .map(|slot| (slot["start"].as_i64().unwrap(), slot["label"].as_str().unwrap().to_owned()))
        .collect()
}

pub(crate) async fn book(app: &TestApp, start: i64, email: &str) -> reqwest::Response {
    let start = start.to_string();
    app.server_fn_form(
        "book",
        &[
            ("username", "ada"),
            ("start", &start),
            ("tz", "America/New_York"),
            ("name", "Bob"),
            ("email", email),
            ("note", "About the engine"),
        ],
        &Cookies::default(),
    )
    .await
}

#[tokio::test]
async fn visitors_see_free_slots_in_their_zone_and_busy_events_remove_slots() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    ada_takes_bookings(&app).await;
    let view = page(&app, "America/New_York").await;
    assert_eq!(view["status"], "Open");
    assert_eq!(view["visitor_time_zone"], "America/New_York");
    let offered = slots(&view);
    assert!(!offered.is_empty());
    // Labels are on the visitor's clock.
    let (start, label) = &offered[0];
    let local =
        chrono::DateTime::from_timestamp(*start, 0).unwrap().with_timezone(&chrono_tz::America::New_York);
    assert_eq!(&local.format("%H:%M").to_string(), label);

    // An event added in Google Calendar removes the slots it overlaps, once
    // the cache (a minute) has passed or been dropped by a booking.
    let busy_start = chrono::DateTime::from_timestamp(offered[4].0, 0).unwrap();
    app.google
        .add_event(
            ADA,
            &serde_json::from_value(json!({
                "summary": "Surprise meeting",
                "start": { "dateTime": busy_start.to_rfc3339() },
                "end": { "dateTime": (busy_start + chrono::Duration::minutes(60)).to_rfc3339() },
            }))
            .unwrap(),
        )
        .unwrap();
    assert_eq!(
        book(&app, offered[0].0, "first@example.net").await.status(),
        200,
        "a booking drops the cache"
    );
    let after = slots(&page(&app, "America/New_York").await);
    for gone in [offered[0].0, offered[4].0, offered[5].0] {
        assert!(!after.iter().any(|(start, _)| *start == gone), "{gone} should be busy now");
    }
    assert!(after.iter().any(|(start, _)| *start == offered[6].0));
    app.stop().await;
}

#[tokio::test]
async fn a_booking_by_email_queues_two_invites_and_a_second_visitor_is_told_it_is_taken() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let app = TestApp::spawn(backend).await;
        ada_takes_bookings(&app).await;
        let (start, _) = slots(&page(&app, "America/New_York").await)[2].clone();
        let booked = book(&app, start, "bob@example.net").await;
        assert_eq!(booked.status(), 200, "{backend:?}");
        let confirmation: Value = booked.json().await.unwrap();
        assert_eq!(confirmation["invitation"], "ByEmail");
        assert!(confirmation["visitor_time"].as_str().unwrap().contains("America/New_York"));
        assert!(confirmation["host_time"].as_str().unwrap().contains("Europe/London"));

        let mail = app::db::outbox::recent(&app.pool().await, 10).await.unwrap();
        assert_eq!(mail.len(), 2, "{backend:?}");
        let expected =
            chrono::DateTime::from_timestamp(start, 0).unwrap().format("DTSTART:%Y%m%dT%H%M%SZ").to_string();
        for message in &mail {
            let ics = message.calendar_ics.as_deref().unwrap();
            assert!(ics.contains(&expected), "{ics}");
            assert!(ics.contains(&format!("UID:{}", confirmation["uid"].as_str().unwrap())));
        }
        assert!(app.google.inserted_events().is_empty(), "no direct booking");

        let download =
            app.get(&format!("/booking/{}/invite.ics", confirmation["uid"].as_str().unwrap())).await;
        assert_eq!(download.status(), 200);
        assert!(download.headers()["content-type"].to_str().unwrap().starts_with("text/calendar"));
        assert!(download.text().await.unwrap().contains(&expected));
        assert_eq!(app.get("/booking/guessed@bookmate/invite.ics").await.status(), 404);

        let second = book(&app, start, "carol@example.net").await;
        assert_eq!(second.status(), 409, "{backend:?}");
        assert!(second.text().await.unwrap().contains("just taken"), "{backend:?}");
        app.stop().await;
    }
}

#[tokio::test]
async fn bad_bookings_are_refused_with_clear_messages() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    ada_takes_bookings(&app).await;
    let (start, _) = slots(&page(&app, "Europe/Paris").await)[0].clone();
    let bad_email = book(&app, start, "not-an-email").await;
    assert_eq!(bad_email.status(), 422, "errors carry their own status");
    let bad_email = bad_email.text().await.unwrap();
    assert!(bad_email.contains("email address"), "{bad_email}");
    let off_grid = book(&app, start + 7 * 60, "bob@example.net").await;
    assert_eq!(off_grid.status(), 409);
    let off_grid = off_grid.text().await.unwrap();
    assert!(off_grid.contains("no longer available"), "{off_grid}");
    let past = book(&app, chrono::Utc::now().timestamp() - 3600, "bob@example.net").await;
    assert_eq!(past.status(), 422);
    let past = past.text().await.unwrap();
    assert!(past.contains("passed"), "{past}");
    // Near the end of time the slot's arithmetic would overflow: a clear
    // refusal, not a panic.
    for far in [8_210_266_876_799, i64::MAX, chrono::Utc::now().timestamp() + 3 * 365 * 86_400] {
        let too_far = book(&app, far, "bob@example.net").await;
        assert_eq!(too_far.status(), 422, "{far}");
        let too_far = too_far.text().await.unwrap();
        assert!(too_far.contains("Choose a time from the list"), "{far}: {too_far}");
    }
    let unknown = app.server_fn_form("booking_page", &[("username", "nobody")], &Cookies::default()).await;
    assert_eq!(unknown.status(), 404);
    assert!(unknown.text().await.unwrap().contains("NotFound"));
    app.stop().await;
}

#[tokio::test]
async fn when_google_fails_the_page_fails_closed() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    ada_takes_bookings(&app).await;
    app.google.inject_fault("freebusy", Fault { status: 500, retry_after_seconds: None, delay_ms: None }, 3);
    let view = page(&app, "UTC").await;
    assert_eq!(view["status"], "AvailabilityUnknown");
    assert!(slots(&view).is_empty(), "no slot is shown on a guess");
    app.stop().await;
}

/// `visitors` concurrent visitors, each viewing `views_each` times in a row
/// with `view`; returns every status. Fails if the run outlasts the busy
/// cache's TTL, which the performance claim is about.
async fn concurrent_views<F, Fut>(visitors: usize, views_each: usize, view: F) -> Vec<reqwest::StatusCode>
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = reqwest::StatusCode> + Send + 'static,
{
    let started = std::time::Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..visitors {
        let view = view.clone();
        tasks.spawn(async move {
            let mut statuses = Vec::with_capacity(views_each);
            for _ in 0..views_each {
                statuses.push(view().await);
            }
            statuses
        });
    }
    let statuses: Vec<_> = tasks.join_all().await.into_iter().flatten().collect();
    assert!(
        started.elapsed() < app::booking::busy::TTL,
        "the views took {:?}, longer than the TTL the claim is about",
        started.elapsed()
    );
    statuses
}

#[tokio::test]
async fn a_thousand_views_by_fifty_concurrent_visitors_within_the_ttl_cost_one_freebusy_call() {
    // Fifty visitors, as a reverse proxy on this machine forwards them (one
    // address making a thousand reads would meet the read limit).
    let app = TestApp::spawn_with(Backend::Sqlite, |settings| {
        settings.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    ada_takes_bookings(&app).await;
    let before = calls(&app, "freebusy");
    let (client, url) = (app.client.clone(), format!("{}/api/booking_page", app.address));
    let statuses = concurrent_views(50, 20, move || {
        let (client, url) = (client.clone(), url.clone());
        let visitor = format!("10.0.0.{}", rand::random_range(1..=50));
        async move {
            let form = [("username", "ada"), ("tz", "UTC")];
            client.post(url).header("x-forwarded-for", visitor).form(&form).send().await.unwrap().status()
        }
    })
    .await;
    assert_eq!(statuses.len(), 1000);
    assert!(statuses.iter().all(|status| *status == 200), "{statuses:?}");
    assert_eq!(calls(&app, "freebusy") - before, 1);
    app.stop().await;
}

#[tokio::test]
async fn server_rendered_booking_pages_share_one_freebusy_call_too() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    ada_takes_bookings(&app).await;
    let before = calls(&app, "freebusy");
    let path = format!("/ada?tz=UTC&month={}", next_month("UTC"));
    let (client, url) = (app.client.clone(), format!("{}{path}", app.address));
    let rendering = app.rendering_pages().await;
    let statuses = concurrent_views(10, 10, move || {
        let (client, url) = (client.clone(), url.clone());
        async move { client.get(url).send().await.unwrap().status() }
    })
    .await;
    drop(rendering);
    assert_eq!(statuses.len(), 100);
    assert!(statuses.iter().all(|status| *status == 200), "{statuses:?}");
    assert_eq!(calls(&app, "freebusy") - before, 1);
    let html = app.get(&path).await;
    assert_eq!(html.status(), 200);
    let html = html.text().await.unwrap();
    assert!(html.contains(r#"data-testid="available-day""#), "the pages show free days: {html}");
    app.stop().await;
}

#[tokio::test]
async fn a_direct_booking_lands_in_the_hosts_google_calendar_with_one_invite() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut ada = ada_takes_bookings(&app).await;
    ada_books_directly(&app, &mut ada).await;

    let (start, _) = slots(&page(&app, "America/New_York").await)[1].clone();
    let booked = book(&app, start, "bob@example.net").await;
    assert_eq!(booked.status(), 200);
    let confirmation: Value = booked.json().await.unwrap();
    assert_eq!(confirmation["invitation"], "InHostCalendar");
    let inserted = app.google.inserted_events();
    assert_eq!(inserted.len(), 1);
    let (calendar, event) = &inserted[0];
    assert_eq!(calendar, ADA);
    assert_eq!(event.attendees[0]["email"], "bob@example.net");
    // Google's iCalUID is Google's own (not derivable from the id): the
    // invite BookMate offers for download carries it, so the two merge.
    let invite = app.get(&format!("/booking/{}/invite.ics", confirmation["uid"].as_str().unwrap())).await;
    let invite = invite.text().await.unwrap();
    assert!(!event.ical_uid.starts_with(&event.id), "the emulator does not derive it: {}", event.ical_uid);
    assert!(invite.contains(&format!("UID:{}", event.ical_uid)), "{invite}");
    assert_eq!(app.google.notifications().len(), 1, "Google's invite");
    assert!(
        app::db::outbox::recent(&app.pool().await, 10).await.unwrap().is_empty(),
        "and not a second one by email"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_flood_of_bookings_from_one_address_gets_429_and_malformed_ones_cost_nothing() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    ada_takes_bookings(&app).await;
    let (start, _) = slots(&page(&app, "UTC").await)[0].clone();
    let mut junk = Vec::new();
    for _ in 0..12 {
        junk.push(book(&app, start, "not-an-email").await.status().as_u16());
    }
    assert_eq!(junk, [422; 12], "refused by the form's checks, before a booking is tried or counted");
    let mut statuses = Vec::new();
    for _ in 0..12 {
        statuses.push(book(&app, start, "bob@example.net").await.status().as_u16());
    }
    assert_eq!(statuses[0], 200);
    assert_eq!(&statuses[1..10], &[409; 9], "the time is taken");
    assert_eq!(&statuses[10..], &[429, 429]);
    app.stop().await;
}

#[tokio::test]
async fn when_google_refuses_write_access_the_invites_go_by_email_and_the_host_is_asked_again() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let mut ada = ada_takes_bookings(&app).await;
        ada_books_directly(&app, &mut ada).await;
        let pool = app.pool().await;
        assert!(stored_grant(&pool).await.contains(CALENDAR_EVENTS), "{backend:?}: BookMate's record");
        // Google stops honouring calendar.events; BookMate's record still
        // lists it, so BookMate tries and meets 403 insufficientPermissions.
        app.google.withdraw_scopes(ADA, DEVELOPMENT_CLIENT_ID, &[CALENDAR_EVENTS.to_owned()]);

        let (start, _) = slots(&page(&app, "America/New_York").await)[1].clone();
        let booked = book(&app, start, "bob@example.net").await;
        assert_eq!(booked.status(), 200, "{backend:?}");
        let confirmation: Value = booked.json().await.unwrap();
        assert_eq!(confirmation["invitation"], "ByEmail", "{backend:?}");
        assert_eq!(calls(&app, "events.insert"), 1, "{backend:?}: a missing scope is not retried");
        assert!(app.google.inserted_events().is_empty(), "{backend:?}");
        assert!(app.google.notifications().is_empty(), "{backend:?}: Google sent no invite");

        let uid = confirmation["uid"].as_str().unwrap();
        let booking = bookings::find_by_uid(&pool, uid).await.unwrap().expect("the booking is kept");
        assert_eq!(booking.delivery, bookings::Delivery::Email, "{backend:?}");
        let mail = outbox::recent(&pool, 10).await.unwrap();
        assert_eq!(mail.len(), 2, "{backend:?}: the host's and the visitor's invitations");
        let host_mail = mail.iter().find(|message| message.recipient == ADA).expect("the host's invitation");
        assert!(
            host_mail.body_text.contains(
                "BookMate could not add this meeting to your Google Calendar; \
                 you can restore its access under Settings → Direct booking."
            ),
            "{backend:?}: {}",
            host_mail.body_text
        );
        let visitor_mail =
            mail.iter().find(|message| message.recipient == "bob@example.net").expect("Bob's invitation");
        assert!(!visitor_mail.body_text.contains("Settings"), "{backend:?}: {}", visitor_mail.body_text);

        // The stored grant now says what Google says, so the settings page and
        // the ReauthProvider see write access missing and ask for it again.
        let grant = stored_grant(&pool).await;
        assert!(!grant.contains(CALENDAR_EVENTS), "{backend:?}: {grant:?}");
        assert!(grant.contains(CALENDAR_LIST_READONLY), "{backend:?}: the rest of the grant stays");
        let settings = app.server_fn_form("get_settings", &[], &ada).await;
        assert_eq!(settings.status(), 200, "{backend:?}");
        let settings: Value = settings.json().await.unwrap();
        assert_eq!(settings["can_write_events"], false, "{backend:?}");
        let session = app.server_fn_form("get_session", &[], &ada).await;
        assert_eq!(session.status(), 200, "{backend:?}");
        let session: Value = session.json().await.unwrap();
        assert!(session["additional_scopes"].as_array().unwrap().contains(&json!(CALENDAR_EVENTS)));
        assert!(!session["granted_scopes"].as_array().unwrap().contains(&json!(CALENDAR_EVENTS)));
        app.stop().await;
    }
}

#[tokio::test]
async fn when_freebusy_is_rate_limited_or_failing_the_booking_is_refused_and_nothing_is_stored() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    ada_takes_bookings(&app).await;
    let pool = app.pool().await;
    let (start, _) = slots(&page(&app, "UTC").await)[0].clone();
    let rate_limited = Fault { status: 429, retry_after_seconds: Some(1), delay_ms: None };
    for (what, failure) in [("429 with Retry-After", rate_limited), ("500", fault(500))] {
        // On every attempt BookMate makes.
        app.google.inject_fault("freebusy", failure, 3);
        let refused = book(&app, start, "bob@example.net").await;
        assert_eq!(refused.status(), 409, "{what}");
        let message = refused.text().await.unwrap();
        assert!(message.contains(CANNOT_CHECK), "{what}: {message}");
        assert_eq!(booking_rows(&pool).await, 0, "{what}");
        assert!(outbox::recent(&pool, 10).await.unwrap().is_empty(), "{what}");
    }
    // Google is back: the slot was never held, and the visitor's retry books it.
    assert_eq!(book(&app, start, "bob@example.net").await.status(), 200);
    assert_eq!(booking_rows(&pool).await, 1);
    app.stop().await;
}

#[tokio::test]
async fn when_freebusy_hangs_the_page_fails_closed_and_the_booking_is_refused() {
    let google_timeout = Duration::from_secs(1);
    let app = TestApp::spawn_with(Backend::Sqlite, |settings| settings.google_timeout = google_timeout).await;
    let pool = app.pool().await;
    // Answers that come well after BookMate stopped waiting, on every attempt.
    let hanging = Fault { status: 200, retry_after_seconds: None, delay_ms: Some(3000) };
    assert!(Duration::from_millis(3000) > google_timeout);

    let ada = ada_takes_bookings(&app).await;
    app.google.inject_fault("freebusy", hanging.clone(), 3);
    let view = page(&app, "UTC").await;
    assert_eq!(view["status"], "AvailabilityUnknown");
    assert!(slots(&view).is_empty(), "no slot is shown on a guess");
    // The failure is kept for a few seconds: the next visitors are not kept
    // waiting by a hanging Google, nor do they pile calls onto it.
    let asked = calls(&app, "freebusy");
    assert_eq!(page(&app, "UTC").await["status"], "AvailabilityUnknown");
    assert_eq!(calls(&app, "freebusy"), asked);

    // A change of the host's drops it at once.
    let profile = [("display_name", "Ada King"), ("username", "ada"), ("time_zone", "Europe/London")];
    assert_eq!(app.server_fn_form("save_profile", &profile, &ada).await.status(), 200);
    let (start, _) = slots(&page(&app, "UTC").await)[0].clone();
    app.google.inject_fault("freebusy", hanging, 3);
    let refused = book(&app, start, "bob@example.net").await;
    assert_eq!(refused.status(), 409);
    let message = refused.text().await.unwrap();
    assert!(message.contains(CANNOT_CHECK), "{message}");
    assert_eq!(booking_rows(&pool).await, 0);
    assert!(outbox::recent(&pool, 10).await.unwrap().is_empty());
    app.stop().await;
}

#[tokio::test]
async fn an_insert_rate_limited_once_is_retried_and_lands_once() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut ada = ada_takes_bookings(&app).await;
    ada_books_directly(&app, &mut ada).await;
    let (start, _) = slots(&page(&app, "UTC").await)[0].clone();
    app.google.inject_fault(
        "events.insert",
        Fault { status: 429, retry_after_seconds: Some(1), delay_ms: None },
        1,
    );
    let booked = book(&app, start, "bob@example.net").await;
    assert_eq!(booked.status(), 200);
    let confirmation: Value = booked.json().await.unwrap();
    assert_eq!(confirmation["invitation"], "InHostCalendar");
    assert_eq!(calls(&app, "events.insert"), 2, "refused once, then retried");
    assert_eq!(app.google.inserted_events().len(), 1, "exactly one event");
    assert_eq!(app.google.notifications().len(), 1, "Google's one invite");
    assert!(outbox::recent(&app.pool().await, 10).await.unwrap().is_empty(), "and none by email");
    app.stop().await;
}

#[tokio::test]
async fn an_insert_failing_on_every_attempt_keeps_the_booking_and_emails_the_invites() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let mut ada = ada_takes_bookings(&app).await;
        ada_books_directly(&app, &mut ada).await;
        let pool = app.pool().await;
        let (start, _) = slots(&page(&app, "UTC").await)[0].clone();
        app.google.inject_fault("events.insert", fault(500), 3);
        let booked = book(&app, start, "bob@example.net").await;
        assert_eq!(booked.status(), 200, "{backend:?}");
        let confirmation: Value = booked.json().await.unwrap();
        assert_eq!(confirmation["invitation"], "ByEmail", "{backend:?}");
        assert_eq!(calls(&app, "events.insert"), 3, "{backend:?}: every attempt was made");
        assert!(app.google.inserted_events().is_empty(), "{backend:?}");

        let uid = confirmation["uid"].as_str().unwrap();
        let booking = bookings::find_by_uid(&pool, uid).await.unwrap().expect("the booking is kept");
        assert_eq!(booking.delivery, bookings::Delivery::Email, "{backend:?}");
        let mail = outbox::recent(&pool, 10).await.unwrap();
        assert_eq!(mail.len(), 2, "{backend:?}");
        assert!(mail.iter().all(|message| !message.body_text.contains("restore")), "{backend:?}: {mail:?}");
        // The host, who expects the meeting in Google Calendar, is told why
        // it is not there; the visitor's invitation reads as usual.
        let (to_host, to_visitor): (Vec<_>, Vec<_>) =
            mail.iter().partition(|message| message.recipient == ADA);
        assert!(to_host[0].body_text.contains("accept the attached invitation to add it"), "{to_host:?}");
        assert!(!to_visitor[0].body_text.contains("Google did not take"), "{to_visitor:?}");
        // An outage at Google says nothing about what the host granted.
        assert!(stored_grant(&pool).await.contains(CALENDAR_EVENTS), "{backend:?}");
        app.stop().await;
    }
}

/// The outbox once something is queued in it, or as it is at `deadline`.
async fn queued_mail(pool: &DbPool, deadline: std::time::Instant) -> Vec<outbox::OutboxMessage> {
    loop {
        let mail = outbox::recent(pool, 10).await.unwrap();
        if !mail.is_empty() || std::time::Instant::now() > deadline {
            return mail;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_hanging_insert_is_given_up_in_time_and_the_invites_go_by_email_even_if_the_visitor_leaves() {
    let google_timeout = Duration::from_secs(1);
    let app = TestApp::spawn_with(Backend::Sqlite, |settings| settings.google_timeout = google_timeout).await;
    let mut ada = ada_takes_bookings(&app).await;
    ada_books_directly(&app, &mut ada).await;
    let pool = app.pool().await;
    let (start, _) = slots(&page(&app, "UTC").await)[0].clone();
    let hanging = Fault { status: 200, retry_after_seconds: None, delay_ms: Some(5_000) };
    app.google.inject_fault("events.insert", hanging, 3);

    // The visitor's browser gives up first; the booking must not be left
    // half-done because the request was dropped.
    let started = std::time::Instant::now();
    let request = tokio::time::timeout(Duration::from_millis(300), book(&app, start, "bob@example.net"));
    assert!(request.await.is_err(), "the visitor left before Google answered");

    // Two attempts' worth of time (2 × 1 s), then the email fallback.
    let mail = queued_mail(&pool, started + Duration::from_secs(10)).await;
    assert_eq!(mail.len(), 2, "both invitations queued: {mail:?}");
    assert!(started.elapsed() < Duration::from_secs(4), "given up within the call budget");
    assert_eq!(booking_rows(&pool).await, 1);
    app.stop().await;
}

#[tokio::test]
async fn a_slow_google_at_both_steps_still_gets_the_visitor_an_answer_before_the_time_limit() {
    let (google_timeout, request_timeout) = (Duration::from_secs(2), Duration::from_secs(4));
    let app = TestApp::spawn_with(Backend::Sqlite, |settings| {
        settings.google_timeout = google_timeout;
        settings.request_timeout = request_timeout;
    })
    .await;
    let mut ada = ada_takes_bookings(&app).await;
    ada_books_directly(&app, &mut ada).await;
    let pool = app.pool().await;
    let (start, _) = slots(&page(&app, "UTC").await)[0].clone();
    // The fresh busy check answers late but in time; then the insert hangs
    // past its budget. Together they outlast the request limit.
    let late = |delay_ms| Fault { status: 200, retry_after_seconds: None, delay_ms: Some(delay_ms) };
    app.google.inject_fault("freebusy", late(1_500), 1);
    app.google.inject_fault("events.insert", late(10_000), 3);

    let started = std::time::Instant::now();
    let booked = book(&app, start, "bob@example.net").await;
    assert_eq!(booked.status(), 200, "answered, not cut off: {}", booked.text().await.unwrap());
    assert!(started.elapsed() < request_timeout);
    let confirmation: Value = booked.json().await.unwrap();
    let uid = confirmation["uid"].as_str().expect("a booking UID").to_owned();
    // Google has not answered: the visitor is told only what is known.
    assert_eq!(confirmation["invitation"], "OnItsWay");

    // The insert's budget runs out after the answer; the invitations follow,
    // and the confirmation page says so.
    let mail = queued_mail(&pool, started + Duration::from_secs(15)).await;
    assert_eq!(mail.len(), 2, "both invitations queued: {mail:?}");
    assert_eq!(booking_rows(&pool).await, 1);
    let confirmation_page = app.get(&format!("/bookings/{uid}")).await;
    assert_eq!(confirmation_page.status(), 200);
    let html = confirmation_page.text().await.unwrap();
    assert!(html.contains("You and the host will each get an email with the invitation."), "{html}");
    assert!(!html.contains("Google is sending you an invitation"), "{html}");
    app.stop().await;
}

/// An event made in Google Calendar (the emulator's control API), in
/// `calendar_id`, from `start` (seconds since the epoch) for `minutes`.
pub(crate) fn event_in_google(app: &TestApp, calendar_id: &str, summary: &str, start: i64, minutes: i64) {
    let start = chrono::DateTime::from_timestamp(start, 0).unwrap();
    let event = serde_json::from_value(json!({
        "summary": summary,
        "start": { "dateTime": start.to_rfc3339() },
        "end": { "dateTime": (start + chrono::Duration::minutes(minutes)).to_rfc3339() },
    }))
    .unwrap();
    app.google.add_event(calendar_id, &event).expect("the calendar exists in the emulator");
}

#[tokio::test]
async fn a_booking_checks_google_afresh_and_refuses_a_time_made_busy_since_the_page_was_loaded() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        ada_takes_bookings(&app).await;
        let pool = app.pool().await;
        // The visitor loads the page: the busy cache now holds Ada's calendar.
        let (start, _) = slots(&page(&app, "America/New_York").await)[3].clone();

        // Meanwhile Ada accepts a meeting at that time in Google Calendar.
        event_in_google(&app, ADA, "Made busy after the page was loaded", start, 30);
        let freebusy_before = calls(&app, "freebusy");
        let cached = slots(&page(&app, "America/New_York").await);
        assert!(
            cached.iter().any(|(offered, _)| *offered == start),
            "{backend:?}: the page still offers it from its cache, so only a fresh check can refuse it"
        );
        assert_eq!(calls(&app, "freebusy"), freebusy_before, "{backend:?}: the page view asked no one");

        let refused = book(&app, start, "bob@example.net").await;
        assert_eq!(refused.status(), 409, "{backend:?}");
        let message = refused.text().await.unwrap();
        assert!(message.contains("no longer available"), "{backend:?}: {message}");
        assert_eq!(calls(&app, "freebusy"), freebusy_before + 1, "{backend:?}: the booking asked Google");
        assert_eq!(booking_rows(&pool).await, 0, "{backend:?}: nothing booked");
        assert!(outbox::recent(&pool, 10).await.unwrap().is_empty(), "{backend:?}: nobody invited");
        app.stop().await;
    }
}

#[tokio::test]
async fn twelve_visitors_from_twelve_addresses_racing_for_one_time_get_one_booking_and_one_set_of_invitations(
) {
    use std::net::{IpAddr, Ipv4Addr};
    const VISITORS: u8 = 12;
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        ada_takes_bookings(&app).await;
        let pool = app.pool().await;
        let (start, _) = slots(&page(&app, "UTC").await)[5].clone();

        // Each visitor from an address of their own (all of 127.0.0.0/8 is
        // loopback on Linux), so the per-address rate limit stays out of it.
        let mut racers = tokio::task::JoinSet::new();
        for visitor in 0..VISITORS {
            let client = reqwest::Client::builder()
                .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2 + visitor)))
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap();
            let (url, start, email) = (
                format!("{}/api/book", app.address),
                start.to_string(),
                format!("visitor{visitor}@example.net"),
            );
            racers.spawn(async move {
                let answer = client
                    .post(url)
                    .form(&[
                        ("username", "ada"),
                        ("start", start.as_str()),
                        ("tz", "UTC"),
                        ("name", "Racer"),
                        ("email", email.as_str()),
                        ("note", ""),
                    ])
                    .send()
                    .await
                    .expect("answered");
                let status = answer.status().as_u16();
                (status, email, answer.text().await.unwrap())
            });
        }
        let answers = racers.join_all().await;
        let winners: Vec<_> = answers.iter().filter(|(status, ..)| *status == 200).collect();
        let losers: Vec<_> = answers.iter().filter(|(status, ..)| *status == 409).collect();
        assert_eq!(winners.len(), 1, "{backend:?}: exactly one booking: {answers:?}");
        assert_eq!(losers.len(), usize::from(VISITORS) - 1, "{backend:?}: the others are told: {answers:?}");
        assert!(
            losers.iter().all(|(_, _, message)| message.contains("just taken")),
            "{backend:?}: {losers:?}"
        );

        assert_eq!(booking_rows(&pool).await, 1, "{backend:?}");
        let winner = &winners[0].1;
        let mut recipients: Vec<String> =
            outbox::recent(&pool, 100).await.unwrap().into_iter().map(|message| message.recipient).collect();
        recipients.sort();
        let mut expected = vec![ADA.to_owned(), winner.clone()];
        expected.sort();
        assert_eq!(recipients, expected, "{backend:?}: one invitation to Ada and one to the winner");
        app.stop().await;
    }
}
