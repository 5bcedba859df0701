//! A booking's life after it is made: the visitor moves and cancels it by
//! the link in their invitation, the host cancels it, and every calendar
//! follows: emailed invitations replaced by the same UID with a higher
//! SEQUENCE (read back with an iCalendar parser), Google's event patched in
//! place or deleted.

use app::db::{Backend, DbPool};
use icalendar::Component as _;
use serde_json::{json, Value};

use crate::{
    booking::{ada_books_directly, ada_takes_bookings, book, page, slots},
    helpers::{Cookies, TestApp},
};

const ADA: &str = "ada@example.com";
const BOB: &str = "bob@example.net";

/// One emailed invitation as a calendar program reads it.
#[derive(Debug)]
struct Invite {
    method: String,
    uid: String,
    sequence: u32,
    cancelled: bool,
    start: String,
}

async fn invites_to(pool: &DbPool, recipient: &str) -> Vec<Invite> {
    let attachments: Vec<Option<String>> = sqlx::query_scalar(
        "select calendar_ics from outbox_messages where recipient = $1 order by message_id",
    )
    .bind(recipient)
    .fetch_all(pool)
    .await
    .unwrap();
    attachments
        .into_iter()
        .flatten()
        .map(|ics| {
            let unfolded = icalendar::parser::unfold(&ics);
            let calendar: icalendar::Calendar = icalendar::parser::read_calendar(&unfolded).unwrap().into();
            let event = calendar.components.iter().find_map(|component| component.as_event()).unwrap();
            Invite {
                method: calendar.property_value("METHOD").unwrap().to_owned(),
                uid: event.get_uid().unwrap().to_owned(),
                sequence: event.get_sequence().unwrap(),
                cancelled: event.get_status() == Some(icalendar::EventStatus::Cancelled),
                start: event.property_value("DTSTART").unwrap().to_owned(),
            }
        })
        .collect()
}

/// The manage link, as the visitor's invitation email carries it.
async fn manage_link(app: &TestApp, pool: &DbPool) -> (String, String) {
    let bodies: Vec<String> =
        sqlx::query_scalar("select body_text from outbox_messages where recipient = $1 order by message_id")
            .bind(BOB)
            .fetch_all(pool)
            .await
            .unwrap();
    let body = bodies.first().expect("Bob's invitation");
    let url = body
        .split_whitespace()
        .find(|word| word.contains("/bookings/") && word.contains("?key="))
        .unwrap_or_else(|| panic!("a manage link in {body}"));
    let path = url.trim_start_matches(&app.address);
    let (uid, key) = path.trim_start_matches("/bookings/").split_once("?key=").unwrap();
    (uid.to_owned(), key.to_owned())
}

async fn reschedule(app: &TestApp, uid: &str, key: &str, start: i64) -> reqwest::Response {
    app.server_fn_form(
        "reschedule_booking",
        &[("uid", uid), ("key", key), ("start", &start.to_string())],
        &Cookies::default(),
    )
    .await
}

async fn cancel(app: &TestApp, uid: &str, key: &str, reason: &str) -> reqwest::Response {
    app.server_fn_form(
        "cancel_booking",
        &[("uid", uid), ("key", key), ("reason", reason)],
        &Cookies::default(),
    )
    .await
}

async fn managed(app: &TestApp, uid: &str, key: &str) -> reqwest::Response {
    app.server_fn_form("managed_booking", &[("uid", uid), ("key", key)], &Cookies::default()).await
}

fn offers(page: &Value, start: i64) -> bool {
    slots(page).iter().any(|(offered, _)| *offered == start)
}

fn ics_time(seconds: i64) -> String {
    chrono::DateTime::from_timestamp(seconds, 0).unwrap().format("%Y%m%dT%H%M%SZ").to_string()
}

#[tokio::test]
async fn a_visitor_moves_then_cancels_by_the_emailed_link_and_each_invite_replaces_the_last() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let app = TestApp::spawn(backend).await;
        ada_takes_bookings(&app).await;
        let pool = app.pool().await;
        let offered = slots(&page(&app, "America/New_York").await);
        let (first, later) = (offered[0].0, offered[4].0);
        assert_eq!(book(&app, first, BOB).await.status(), 200, "{backend:?}");
        let (uid, key) = manage_link(&app, &pool).await;

        let view: Value = managed(&app, &uid, &key).await.json().await.unwrap();
        assert_eq!(view["standing"], "Changeable", "{backend:?}: {view}");

        let moved = reschedule(&app, &uid, &key, later).await;
        assert!(
            moved.status().is_success() || moved.status().is_redirection(),
            "{backend:?}: {}",
            moved.status()
        );
        let after_move = page(&app, "America/New_York").await;
        assert!(offers(&after_move, first), "{backend:?}: the old time is free for others at once");
        assert!(!offers(&after_move, later), "{backend:?}: the new one is taken");

        assert_eq!(cancel(&app, &uid, &key, "Something came up").await.status(), 200, "{backend:?}");
        assert_eq!(
            cancel(&app, &uid, &key, "Twice").await.status(),
            200,
            "{backend:?}: cancelling twice is once"
        );
        assert!(offers(&page(&app, "America/New_York").await, later), "{backend:?}: free again");

        for recipient in [ADA, BOB] {
            let invites = invites_to(&pool, recipient).await;
            let seen: Vec<(&str, u32, bool)> = invites
                .iter()
                .map(|invite| (invite.method.as_str(), invite.sequence, invite.cancelled))
                .collect();
            assert_eq!(
                seen,
                [("REQUEST", 0, false), ("REQUEST", 1, false), ("CANCEL", 2, true)],
                "{backend:?}: {recipient}"
            );
            assert!(invites.iter().all(|invite| invite.uid == invites[0].uid), "{backend:?}: one UID");
            assert_eq!(invites[0].start, ics_time(first), "{backend:?}");
            assert_eq!(invites[1].start, ics_time(later), "{backend:?}: the request moves the meeting");
        }
        let view: Value = managed(&app, &uid, &key).await.json().await.unwrap();
        let cancelled = &view["standing"]["Cancelled"];
        assert!(
            cancelled["by_and_when"].as_str().unwrap().starts_with("Cancelled by you"),
            "{backend:?}: {view}"
        );
        assert_eq!(cancelled["reason"], "Something came up", "{backend:?}: the first reason stands");
        assert_eq!(view["history"].as_array().unwrap().len(), 2, "{backend:?}: moved, then cancelled");
        let moved_again = reschedule(&app, &uid, &key, first).await;
        assert_eq!(moved_again.status(), 409, "{backend:?}: a cancelled booking stays cancelled");
        app.stop().await;
    }
}

#[tokio::test]
async fn forged_truncated_and_foreign_links_find_nothing_and_long_reasons_are_refused() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    ada_takes_bookings(&app).await;
    let pool = app.pool().await;
    let offered = slots(&page(&app, "UTC").await);
    book(&app, offered[0].0, BOB).await;
    let (uid, key) = manage_link(&app, &pool).await;

    let truncated = &key[..key.len() - 1];
    // A different first character: every bit of it is the key's (the last
    // character of base64 also carries padding bits, which may not count).
    let first = if key.starts_with('A') { 'B' } else { 'A' };
    let forged = format!("{first}{}", &key[1..]);
    for wrong in [truncated, forged.as_str(), "", "not-a-key"] {
        assert_eq!(managed(&app, &uid, wrong).await.status(), 404, "{wrong:?}");
        assert_eq!(cancel(&app, &uid, wrong, "").await.status(), 404, "{wrong:?}");
        assert_eq!(reschedule(&app, &uid, wrong, offered[2].0).await.status(), 404, "{wrong:?}");
    }
    assert_eq!(managed(&app, "someone-else@bookmate", &key).await.status(), 404, "another booking's key");
    let page = app.get(&format!("/bookings/{uid}?key={forged}")).await;
    assert_eq!(page.status(), 404, "the page too");

    let long = cancel(&app, &uid, &key, &"x".repeat(1_001)).await;
    assert_eq!(long.status(), 422);
    assert!(long.text().await.unwrap().contains("under 1000 characters"));
    // A time that is not offered: off the grid, past, or the booking's own.
    let off_grid = reschedule(&app, &uid, &key, offered[2].0 + 7).await;
    assert_eq!(off_grid.status(), 409, "{}", off_grid.text().await.unwrap());
    assert_eq!(reschedule(&app, &uid, &key, 1_000_000).await.status(), 422, "past");
    assert_eq!(reschedule(&app, &uid, &key, offered[0].0).await.status(), 422, "its own time");
    let view: Value = managed(&app, &uid, &key).await.json().await.unwrap();
    assert_eq!(view["standing"], "Changeable", "nothing changed: {view}");
    assert!(view["history"].as_array().unwrap().is_empty());
    app.stop().await;
}

#[tokio::test]
async fn past_the_hosts_cutoff_the_visitor_is_told_to_write_to_the_host() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let ada = ada_takes_bookings(&app).await;
    let pool = app.pool().await;
    let offered = slots(&page(&app, "UTC").await);
    book(&app, offered[0].0, BOB).await;
    let (uid, key) = manage_link(&app, &pool).await;
    // The host's setting, saved with the availability and read back.
    let all_day = json!([["00:00", "24:00"]]);
    let form = json!({ "form": {
        "days": [all_day, all_day, all_day, all_day, all_day, all_day, all_day],
        "meeting_minutes": 30, "buffer_before_minutes": 0, "buffer_after_minutes": 0,
        "minimum_notice_minutes": 60, "horizon_days": 60, "change_cutoff_minutes": 720 * 60,
    }});
    assert_eq!(app.server_fn_json("save_availability", form, &ada).await.status(), 200);
    let settings: Value = app.server_fn_form("get_settings", &[], &ada).await.json().await.unwrap();
    assert_eq!(settings["availability"]["change_cutoff_minutes"], 720 * 60);
    // Changes close 60 days before the start: always past, next month,
    // whatever day the test runs.
    sqlx::query("update host_settings set change_cutoff_minutes = 86400").execute(&pool).await.unwrap();

    let refused = cancel(&app, &uid, &key, "").await;
    assert_eq!(refused.status(), 409);
    let why = refused.text().await.unwrap();
    assert!(why.contains("Changes close 60 days before") && why.contains(ADA), "{why}");
    assert_eq!(reschedule(&app, &uid, &key, offered[3].0).await.status(), 409);
    let view: Value = managed(&app, &uid, &key).await.json().await.unwrap();
    assert!(view["standing"]["Closed"].as_str().unwrap().contains(ADA), "{view}");
    app.stop().await;
}

#[tokio::test]
async fn racing_moves_into_one_time_and_crossing_changes_of_one_booking_end_consistent() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let app = TestApp::spawn(backend).await;
        ada_takes_bookings(&app).await;
        let pool = app.pool().await;
        let offered = slots(&page(&app, "UTC").await);
        let target = offered[10].0;
        // Six bookings, each by its own visitor, all moving to one time.
        let mut links = Vec::new();
        for (index, (start, _)) in offered.iter().take(6).enumerate() {
            let email = format!("visitor{index}@example.net");
            assert_eq!(book(&app, *start, &email).await.status(), 200);
            let body: String = sqlx::query_scalar(
                "select body_text from outbox_messages where recipient = $1 order by message_id limit 1",
            )
            .bind(&email)
            .fetch_one(&pool)
            .await
            .unwrap();
            let url = body.split_whitespace().find(|word| word.contains("?key=")).unwrap().to_owned();
            let (uid, key) = url.split("/bookings/").nth(1).unwrap().split_once("?key=").unwrap();
            links.push((uid.to_owned(), key.to_owned()));
        }
        // Plus a new visitor booking that very time.
        let racing_moves = links.iter().map(|(uid, key)| reschedule(&app, uid, key, target));
        let (moves, booked) = tokio::join!(futures_all(racing_moves), book(&app, target, "late@example.net"));
        let mut won = moves.iter().filter(|status| status.is_success() || status.is_redirection()).count();
        won += usize::from(booked.status() == 200);
        assert_eq!(won, 1, "{backend:?}: one of seven gets the time: {moves:?} {}", booked.status());
        let at_target: i64 =
            sqlx::query_scalar("select count(*) from bookings where starts_at = $1 and status = 'confirmed'")
                .bind(target)
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(at_target, 1, "{backend:?}");

        // The same booking cancelled and moved at once: one of them wins,
        // and the other is told, or finds the same end.
        let (uid, key) = &links[0];
        let (cancelled, moved) =
            tokio::join!(cancel(&app, uid, key, ""), reschedule(&app, uid, key, offered[20].0));
        let row: (String, i64) = sqlx::query_as("select status, sequence from bookings where uid = $1")
            .bind(uid)
            .fetch_one(&pool)
            .await
            .unwrap();
        match (cancelled.status().as_u16(), row.0.as_str()) {
            (200, "cancelled") => {
                assert!(moved.status() == 409 || moved.status().is_success(), "{backend:?}")
            }
            (409, "confirmed") => {
                assert!(moved.status().is_success() || moved.status().is_redirection(), "{backend:?}")
            }
            other => panic!("{backend:?}: an inconsistent end: {other:?}, move {}", moved.status()),
        }
        let changes: i64 = sqlx::query_scalar(
            "select count(*) from booking_changes c join bookings b on b.booking_id = c.booking_id where b.uid = $1",
        )
        .bind(uid)
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(changes, row.1, "{backend:?}: one history entry per change, as many as the sequence");
        app.stop().await;
    }
}

/// Every request at once, their statuses in order.
async fn futures_all(
    requests: impl Iterator<Item = impl std::future::Future<Output = reqwest::Response>>,
) -> Vec<reqwest::StatusCode> {
    let pending: Vec<_> = requests.map(|request| Box::pin(request)).collect();
    let mut statuses = vec![None; pending.len()];
    let mut pending: Vec<_> = pending.into_iter().enumerate().collect();
    std::future::poll_fn(|context| {
        pending.retain_mut(|(index, request)| match request.as_mut().poll(context) {
            std::task::Poll::Ready(response) => {
                statuses[*index] = Some(response.status());
                false
            }
            std::task::Poll::Pending => true,
        });
        if pending.is_empty() {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    statuses.into_iter().map(Option::unwrap).collect()
}

#[tokio::test]
async fn the_host_cancels_from_the_dashboard_and_the_visitor_reads_why() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let ada = ada_takes_bookings(&app).await;
    let pool = app.pool().await;
    let offered = slots(&page(&app, "UTC").await);
    book(&app, offered[0].0, BOB).await;
    let (uid, key) = manage_link(&app, &pool).await;

    let dashboard = app.browse_page("/dashboard", &mut ada.clone()).await.text().await.unwrap();
    assert!(dashboard.contains(r#"data-testid="host-cancel""#), "{dashboard}");
    let cancelled = app
        .server_fn_form("cancel_booking_as_host", &[("uid", &uid), ("reason", "I am ill <b>sorry</b>")], &ada)
        .await;
    assert!(cancelled.status().is_success() || cancelled.status().is_redirection(), "{}", cancelled.status());
    let to_bob = invites_to(&pool, BOB).await;
    assert_eq!(to_bob.last().map(|invite| invite.method.as_str()), Some("CANCEL"));
    let bodies: Vec<String> =
        sqlx::query_scalar("select body_text from outbox_messages where recipient = $1")
            .bind(BOB)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert!(bodies.last().unwrap().contains("Reason: I am ill <b>sorry</b>"), "the reason, as text");
    let view: Value = managed(&app, &uid, &key).await.json().await.unwrap();
    assert!(
        view["standing"]["Cancelled"]["by_and_when"].as_str().unwrap().contains("Ada Lovelace"),
        "{view}"
    );
    let page = app.get(&format!("/bookings/{uid}?key={key}")).await.text().await.unwrap();
    assert!(page.contains("&lt;b&gt;sorry&lt;/b&gt;") && !page.contains("<b>sorry</b>"), "shown as text");

    // Another host's booking is not Ada's to cancel.
    let grace = app.sign_in("grace@example.com").await;
    book(&app, offered[1].0, "carol@example.net").await;
    let carols: String =
        sqlx::query_scalar("select uid from bookings where visitor_email = 'carol@example.net'")
            .fetch_one(&pool)
            .await
            .unwrap();
    let foreign =
        app.server_fn_form("cancel_booking_as_host", &[("uid", &carols), ("reason", "")], &grace).await;
    assert_eq!(foreign.status(), 404);
    let dashboard = app.browse_page("/dashboard", &mut ada.clone()).await.text().await.unwrap();
    assert!(dashboard.contains("you cancelled the meeting with Bob"), "{dashboard}");
    app.stop().await;
}

/// Waits for the worker to finish the booking's Google jobs.
async fn jobs_done(pool: &DbPool) {
    for _ in 0..200 {
        let open: i64 = sqlx::query_scalar("select count(*) from google_jobs where done_at is null")
            .fetch_one(pool)
            .await
            .unwrap();
        if open == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("Google jobs still open after twenty seconds");
}

#[tokio::test]
async fn a_direct_booking_moves_in_place_in_google_and_a_cancel_deletes_it() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut ada = ada_takes_bookings(&app).await;
    ada_books_directly(&app, &mut ada).await;
    let pool = app.pool().await;
    let offered = slots(&page(&app, "UTC").await);
    let booked: Value = book(&app, offered[0].0, BOB).await.json().await.unwrap();
    assert_eq!(booked["invitation"], "InHostCalendar");
    let uid = booked["uid"].as_str().unwrap().to_owned();
    let event_id: String =
        sqlx::query_scalar("select google_event_id from bookings").fetch_one(&pool).await.unwrap();
    let before = app.google.inserted_events()[0].1.clone();
    // The visitor's link is in the event Google shows them.
    let description = before.description.clone().unwrap();
    let key = description.split("?key=").nth(1).unwrap().trim().to_owned();

    let moved = reschedule(&app, &uid, &key, offered[6].0).await;
    assert!(moved.status().is_success() || moved.status().is_redirection(), "{}", moved.status());
    jobs_done(&pool).await;
    let after = app.google.inserted_events();
    assert_eq!(after.len(), 1, "moved, not added: {after:?}");
    let event = &after[0].1;
    assert_eq!((event.id.as_str(), event.ical_uid.as_str()), (event_id.as_str(), before.ical_uid.as_str()));
    assert_eq!(event.start.date_time.map(|time| time.timestamp()), Some(offered[6].0));
    assert_eq!(event.attendees.len(), 1, "the visitor is still invited");
    assert_eq!(app.google.calls().get("events.patch"), Some(&1));
    assert!(invites_to(&pool, BOB).await.is_empty(), "Google tells the visitor, not BookMate");

    assert_eq!(cancel(&app, &uid, &key, "").await.status(), 200);
    jobs_done(&pool).await;
    assert_eq!(app.google.calls().get("events.delete"), Some(&1));
    let events = app.google.inserted_events();
    assert!(events.iter().all(|(_, event)| event.status == "cancelled"), "{events:?}");
    app.stop().await;
}

#[tokio::test]
async fn when_google_refuses_a_move_the_invitations_go_by_email_with_the_right_sequence() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut ada = ada_takes_bookings(&app).await;
    ada_books_directly(&app, &mut ada).await;
    let pool = app.pool().await;
    let offered = slots(&page(&app, "UTC").await);
    let booked: Value = book(&app, offered[0].0, BOB).await.json().await.unwrap();
    let uid = booked["uid"].as_str().unwrap().to_owned();
    let key = app.google.inserted_events()[0]
        .1
        .description
        .clone()
        .unwrap()
        .split("?key=")
        .nth(1)
        .unwrap()
        .trim()
        .to_owned();
    // Ada gives write access back at Google, behind BookMate's back.
    app.google.withdraw_scopes(
        ADA,
        google_emulator::DEVELOPMENT_CLIENT_ID,
        &[app::google_scopes::CALENDAR_EVENTS.to_owned()],
    );

    let moved = reschedule(&app, &uid, &key, offered[5].0).await;
    assert!(moved.status().is_success() || moved.status().is_redirection());
    jobs_done(&pool).await;
    let to_bob = invites_to(&pool, BOB).await;
    assert_eq!(to_bob.len(), 1, "{to_bob:?}");
    assert_eq!((to_bob[0].method.as_str(), to_bob[0].sequence), ("REQUEST", 1));
    assert_eq!(to_bob[0].start, ics_time(offered[5].0));
    let bodies: Vec<String> =
        sqlx::query_scalar("select body_text from outbox_messages where recipient = $1")
            .bind(ADA)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert!(
        // (Beside it, the worker tells Ada her grant shrank: connection_alerts.)
        bodies.iter().any(|body| body.contains("could not change this meeting in your Google Calendar")),
        "{bodies:?}"
    );

    // From then on the booking goes by email: the cancel too.
    assert_eq!(cancel(&app, &uid, &key, "").await.status(), 200);
    let to_bob = invites_to(&pool, BOB).await;
    assert_eq!((to_bob[1].method.as_str(), to_bob[1].sequence), ("CANCEL", 2));
    app.stop().await;
}

#[tokio::test]
async fn the_booking_page_in_move_mode_offers_the_bookings_own_time_and_carries_the_link() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    ada_takes_bookings(&app).await;
    let pool = app.pool().await;
    let offered = slots(&page(&app, "UTC").await);
    book(&app, offered[0].0, BOB).await;
    let (uid, key) = manage_link(&app, &pool).await;
    let month = crate::booking::next_month("UTC");
    let moving = app
        .server_fn_form(
            "booking_page",
            &[("username", "ada"), ("tz", "UTC"), ("month", &month), ("reschedule", &uid), ("key", &key)],
            &Cookies::default(),
        )
        .await;
    assert_eq!(moving.status(), 200);
    let moving: Value = moving.json().await.unwrap();
    assert!(offers(&moving, offered[0].0), "not busy against itself");
    assert_eq!(moving["rescheduling"]["uid"], json!(uid));
    assert!(!offers(&page(&app, "UTC").await, offered[0].0), "busy for everyone else");
    let html =
        app.get(&format!("/ada?tz=UTC&month={month}&reschedule={uid}&key={key}")).await.text().await.unwrap();
    assert!(html.contains(r#"data-testid="rescheduling""#), "{html}");
    assert!(html.contains(&format!("reschedule={uid}&amp;key={key}")), "links keep the move going");
    let forged = app.get(&format!("/ada?tz=UTC&month={month}&reschedule={uid}&key=forged")).await;
    assert_eq!(forged.status(), 404);
    app.stop().await;
}

#[tokio::test]
async fn google_failing_a_move_is_retried_and_an_event_the_host_deleted_turns_to_email() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut ada = ada_takes_bookings(&app).await;
    ada_books_directly(&app, &mut ada).await;
    let pool = app.pool().await;
    let offered = slots(&page(&app, "UTC").await);
    let booked: Value = book(&app, offered[0].0, BOB).await.json().await.unwrap();
    let uid = booked["uid"].as_str().unwrap().to_owned();
    let event = app.google.inserted_events()[0].1.clone();
    let key = event.description.clone().unwrap().split("?key=").nth(1).unwrap().trim().to_owned();

    // Google fails every try of the first attempt: the worker tries again
    // later, and the event moves; nobody is emailed.
    let failing = google_emulator::Fault { status: 503, retry_after_seconds: None, delay_ms: None };
    app.google.inject_fault("events.patch", failing, 3);
    assert!(reschedule(&app, &uid, &key, offered[4].0).await.status().is_success());
    jobs_done(&pool).await;
    let moved = &app.google.inserted_events()[0].1;
    assert_eq!(moved.start.date_time.map(|time| time.timestamp()), Some(offered[4].0));
    assert_eq!(app.google.calls().get("events.patch"), Some(&4), "three tries, then one more later");
    assert!(invites_to(&pool, BOB).await.is_empty());

    // Ada deletes the event in Google Calendar; the visitor moves it again:
    // Google cannot follow, so the invitations go by email, and Ada is told.
    assert!(app.google.delete_event(ADA, &event.id));
    assert!(reschedule(&app, &uid, &key, offered[6].0).await.status().is_success());
    jobs_done(&pool).await;
    let to_bob = invites_to(&pool, BOB).await;
    let seen: Vec<(&str, u32)> =
        to_bob.iter().map(|invite| (invite.method.as_str(), invite.sequence)).collect();
    assert_eq!(seen, [("REQUEST", 2)], "the second move's SEQUENCE");
    let to_ada: Vec<String> =
        sqlx::query_scalar("select body_text from outbox_messages where recipient = $1")
            .bind(ADA)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert!(to_ada.last().unwrap().contains("the event was deleted from your Google Calendar"), "{to_ada:?}");
    app.stop().await;
}

#[tokio::test]
async fn the_host_asks_the_visitor_to_pick_another_time_and_the_booking_stands_meanwhile() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let ada = ada_takes_bookings(&app).await;
    let pool = app.pool().await;
    let offered = slots(&page(&app, "UTC").await);
    book(&app, offered[0].0, BOB).await;
    let (uid, key) = manage_link(&app, &pool).await;
    let asked = app
        .server_fn_form("ask_to_move_booking", &[("uid", &uid), ("message", "Could we do later?")], &ada)
        .await;
    assert!(asked.status().is_success() || asked.status().is_redirection(), "{}", asked.status());
    let last: String = sqlx::query_scalar(
        "select body_text from outbox_messages where recipient = $1 order by message_id desc limit 1",
    )
    .bind(BOB)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(
        last.contains("Could we do later?") && last.contains(&format!("/bookings/{uid}?key={key}")),
        "{last}"
    );
    let view: Value = managed(&app, &uid, &key).await.json().await.unwrap();
    assert_eq!(view["standing"], "Changeable", "nothing moved until the visitor does");
    app.stop().await;
}
