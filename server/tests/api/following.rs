//! Bookings that follow Google Calendar: the host deletes or moves a
//! booking's event in Google Calendar (the emulator's host edits), opens the
//! dashboard, and finds a proposal; confirming it tells the visitor through
//! the booking's own cancel or move. Reads are incremental (sync tokens), an
//! expired token costs one full read, and reading costs at most one call
//! per calendar per gap, counted by the emulator.

use std::time::Duration;

use app::{
    db::{Backend, DbPool},
    following::timing::FollowTiming,
    google_scopes::CALENDAR_EVENTS_OWNED_READONLY,
};
use chrono::DateTime;
use google_emulator::{EventTime, SeedEvent};
use icalendar::Component as _;
use serde_json::{json, Value};

use crate::{
    booking::{ada_books_directly, ada_takes_bookings, book, page, slots},
    helpers::{Cookies, TestApp, BACKENDS},
};

const ADA: &str = "ada@example.com";
const BOB: &str = "bob@example.net";

/// A server that lets the dashboard read Google Calendar on every visit.
async fn spawn(backend: Backend) -> TestApp {
    TestApp::spawn_with(backend, |settings| {
        settings.following = FollowTiming { poll_every: Duration::from_secs(300), least_gap: Duration::ZERO };
    })
    .await
}

async fn follow(app: &TestApp, ada: &Cookies, without_asking: bool) -> Value {
    let saved = app
        .server_fn_json(
            "save_following",
            json!({ "enabled": true, "apply_without_asking": without_asking }),
            ada,
        )
        .await;
    assert_eq!(saved.status(), 200);
    saved.json().await.unwrap()
}

async fn dashboard(app: &TestApp, ada: &Cookies) -> String {
    app.browse_page("/dashboard", &mut ada.clone()).await.text().await.unwrap()
}

fn proposal_ids(html: &str) -> Vec<String> {
    html.match_indices(r#"name="proposal_id" value=""#)
        .map(|(index, marker)| {
            let rest = &html[index + marker.len()..];
            rest[..rest.find('"').unwrap()].to_owned()
        })
        .step_by(2) // each proposal has two forms
        .collect()
}

/// Waits for the first read of the host's calendars (the worker's or the
/// dashboard's, whichever came first) to end.
async fn first_read_done(pool: &DbPool) {
    for _ in 0..100 {
        let read: i64 =
            sqlx::query_scalar("select count(*) from followed_calendars where last_synced_at is not null")
                .fetch_one(pool)
                .await
                .unwrap();
        if read > 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no read of the followed calendar after ten seconds");
}

fn list_calls(app: &TestApp) -> u64 {
    app.google.calls().get("events.list").copied().unwrap_or(0)
}

/// Bob's invitations, as a calendar program reads them: (METHOD, UID, SEQUENCE, DTSTART).
async fn invites_to_bob(pool: &DbPool) -> Vec<(String, String, u32, String)> {
    let attachments: Vec<Option<String>> = sqlx::query_scalar(
        "select calendar_ics from outbox_messages where recipient = $1 order by message_id",
    )
    .bind(BOB)
    .fetch_all(pool)
    .await
    .unwrap();
    attachments
        .into_iter()
        .flatten()
        .map(|ics| {
            let calendar: icalendar::Calendar =
                icalendar::parser::read_calendar(&icalendar::parser::unfold(&ics)).unwrap().into();
            let event = calendar.components.iter().find_map(|component| component.as_event()).unwrap();
            (
                calendar.property_value("METHOD").unwrap().to_owned(),
                event.get_uid().unwrap().to_owned(),
                event.get_sequence().unwrap(),
                event.property_value("DTSTART").unwrap().to_owned(),
            )
        })
        .collect()
}

async fn jobs_done(pool: &DbPool) {
    for _ in 0..200 {
        let open: i64 = sqlx::query_scalar("select count(*) from google_jobs where done_at is null")
            .fetch_one(pool)
            .await
            .unwrap();
        if open == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("Google jobs still open after twenty seconds");
}

#[tokio::test]
async fn a_direct_booking_deleted_in_google_calendar_is_cancelled_for_the_visitor_once_the_host_confirms() {
    for backend in BACKENDS {
        let app = spawn(backend).await;
        let mut ada = ada_takes_bookings(&app).await;
        ada_books_directly(&app, &mut ada).await;
        // Direct booking's calendar.events reads events too: no consent.
        assert_eq!(follow(&app, &ada, false).await, json!("Saved"), "{backend:?}");
        let pool = app.pool().await;
        let offered = slots(&page(&app, "UTC").await);
        let booked: Value = book(&app, offered[0].0, BOB).await.json().await.unwrap();
        assert_eq!(booked["invitation"], "InHostCalendar", "{backend:?}");
        let (calendar_id, event) = app.google.inserted_events()[0].clone();
        assert!(proposal_ids(&dashboard(&app, &ada).await).is_empty(), "{backend:?}: nothing changed yet");

        // Ada deletes the meeting in Google Calendar.
        assert!(app.google.delete_event(&calendar_id, &event.id), "{backend:?}");
        let html = dashboard(&app, &ada).await;
        assert!(html.contains("You deleted your meeting with Bob"), "{backend:?}");
        assert!(html.contains("Tell Bob it is cancelled?"), "{backend:?}");
        let ids = proposal_ids(&html);
        assert_eq!(ids.len(), 1, "{backend:?}");
        assert!(invites_to_bob(&pool).await.is_empty(), "{backend:?}: nothing is sent on a guess");

        let applied = app.server_fn_form("apply_proposal", &[("proposal_id", &ids[0])], &ada).await;
        assert!(applied.status().is_success() || applied.status().is_redirection(), "{backend:?}");
        jobs_done(&pool).await;
        // Google's event is gone already, so BookMate emails the
        // cancellation, under Google's UID, above every earlier SEQUENCE.
        let invites = invites_to_bob(&pool).await;
        assert_eq!(invites.len(), 1, "{backend:?}: {invites:?}");
        let (method, uid, sequence, _) = &invites[0];
        assert_eq!(
            (method.as_str(), uid.as_str(), *sequence),
            ("CANCEL", event.ical_uid.as_str(), 1),
            "{backend:?}"
        );
        let html = dashboard(&app, &ada).await;
        assert!(proposal_ids(&html).is_empty(), "{backend:?}: answered");
        assert!(html.contains("you cancelled the meeting with Bob"), "{backend:?}");
        // The reads were incremental after the first: no 410, no loop.
        let refused: i64 = sqlx::query_scalar(
            "select count(*) from google_access_log where method = 'events.list' and outcome <> 'ok'",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(refused, 0, "{backend:?}");
        app.stop().await;
    }
}

#[tokio::test]
async fn an_emailed_booking_the_host_accepted_and_moved_in_google_calendar_is_moved_for_the_visitor() {
    for backend in BACKENDS {
        let app = spawn(backend).await;
        let mut ada = ada_takes_bookings(&app).await;
        // Without direct booking, following asks Google for the narrow read scope.
        let saved = follow(&app, &ada, false).await;
        let return_to = saved["NeedsConsent"]["return_to"].as_str().expect("consent first").to_owned();
        let (_, consent) = app.start_grant(&mut ada, &return_to).await;
        assert!(consent.contains(CALENDAR_EVENTS_OWNED_READONLY), "{backend:?}");
        assert!(!consent.contains("auth/calendar.events\""), "{backend:?}: never the write scope");
        let callback = app.answer_consent(&consent, &mut ada, ADA, &[], true).await;
        assert_eq!(app.browse(&callback, &mut ada).await.status(), 303, "{backend:?}");
        let session: Value = app.server_fn_form("get_session", &[], &ada).await.json().await.unwrap();
        assert!(
            session["granted_scopes"].as_array().unwrap().contains(&json!(CALENDAR_EVENTS_OWNED_READONLY)),
            "{backend:?}"
        );
        assert_eq!(session["additional_scopes"], json!([CALENDAR_EVENTS_OWNED_READONLY]), "{backend:?}");

        let pool = app.pool().await;
        let offered = slots(&page(&app, "UTC").await);
        let booked: Value = book(&app, offered[0].0, BOB).await.json().await.unwrap();
        let uid = booked["uid"].as_str().unwrap().to_owned();
        let ical_uid: String = sqlx::query_scalar("select uid from bookings").fetch_one(&pool).await.unwrap();
        // Ada accepts the emailed invitation in her Google Calendar.
        let at = |seconds: i64| DateTime::from_timestamp(seconds, 0).unwrap().fixed_offset();
        let (start, end) = (at(offered[0].0), at(offered[0].0 + 30 * 60));
        let seed = SeedEvent {
            id: None,
            summary: "Ada Lovelace and Bob".to_owned(),
            start: EventTime::at(start, "Europe/London"),
            end: EventTime::at(end, "Europe/London"),
            transparency: None,
            status: None,
            recurrence: Vec::new(),
        };
        let event_id = app.google.accept_invitation(ADA, &ical_uid, &seed).unwrap();
        assert!(
            proposal_ids(&dashboard(&app, &ada).await).is_empty(),
            "{backend:?}: same time, nothing to ask"
        );

        // She drags it two hours later.
        let later = offered[0].0 + 2 * 3600;
        assert!(app.google.move_event(ADA, &event_id, at(later), at(later + 30 * 60)), "{backend:?}");
        let html = dashboard(&app, &ada).await;
        assert!(html.contains("You moved your meeting with Bob in Google Calendar"), "{backend:?}");
        let ids = proposal_ids(&html);
        assert_eq!(ids.len(), 1, "{backend:?}");
        let applied = app.server_fn_form("apply_proposal", &[("proposal_id", &ids[0])], &ada).await;
        assert!(applied.status().is_success() || applied.status().is_redirection(), "{backend:?}");

        let invites = invites_to_bob(&pool).await;
        let (method, invite_uid, sequence, dtstart) = invites.last().unwrap().clone();
        assert_eq!(
            (method.as_str(), invite_uid.as_str(), sequence),
            ("REQUEST", ical_uid.as_str(), 1),
            "{backend:?}"
        );
        let expected = DateTime::from_timestamp(later, 0).unwrap().format("%Y%m%dT%H%M%SZ").to_string();
        assert_eq!(dtstart, expected, "{backend:?}");
        let stored: i64 = sqlx::query_scalar("select starts_at from bookings where uid = $1")
            .bind(&uid)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(stored, later, "{backend:?}");
        // Read again: the booking and the event agree, nothing to ask.
        assert!(proposal_ids(&dashboard(&app, &ada).await).is_empty(), "{backend:?}");
        app.stop().await;
    }
}

#[tokio::test]
async fn an_expired_sync_token_costs_one_full_read_and_no_loop() {
    for backend in BACKENDS {
        let app = spawn(backend).await;
        let mut ada = ada_takes_bookings(&app).await;
        ada_books_directly(&app, &mut ada).await;
        follow(&app, &ada, false).await;
        let pool = app.pool().await;
        first_read_done(&pool).await; // the full read: a sync token
        let before = list_calls(&app);
        app.google.expire_sync_tokens();
        dashboard(&app, &ada).await; // 410: the token is dropped
        dashboard(&app, &ada).await; // one full read
        dashboard(&app, &ada).await; // incremental again
        assert_eq!(list_calls(&app) - before, 3, "{backend:?}: one call per read");
        let outcomes: Vec<String> = sqlx::query_scalar(
            "select outcome from google_access_log where method = 'events.list' order by entry_id",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        assert_eq!(outcomes, ["ok", "refused", "ok", "ok"], "{backend:?}");
        app.stop().await;
    }
}

#[tokio::test]
async fn following_reads_each_calendar_at_most_once_per_gap_however_often_the_dashboard_is_opened() {
    for backend in BACKENDS {
        // The server's own timing: a read at most every 30 seconds on demand.
        let app = TestApp::spawn(backend).await;
        let mut ada = ada_takes_bookings(&app).await;
        ada_books_directly(&app, &mut ada).await;
        follow(&app, &ada, false).await;
        for _ in 0..6 {
            dashboard(&app, &ada).await;
            page(&app, "UTC").await;
        }
        // The worker may have made the first read before the dashboard did.
        assert_eq!(list_calls(&app), 1, "{backend:?}: one calendar, one read");
        app.stop().await;
    }
}

#[tokio::test]
async fn with_without_asking_on_a_deleted_event_cancels_at_once_and_a_dismissed_change_is_not_asked_again() {
    let app = spawn(Backend::Sqlite).await;
    let mut ada = ada_takes_bookings(&app).await;
    ada_books_directly(&app, &mut ada).await;
    follow(&app, &ada, false).await;
    let pool = app.pool().await;
    let offered = slots(&page(&app, "UTC").await);
    book(&app, offered[0].0, BOB).await;
    book(&app, offered[4].0, "carol@example.net").await;
    dashboard(&app, &ada).await;
    let events = app.google.inserted_events();
    assert_eq!(events.len(), 2);
    let (calendar_id, bobs) = events[0].clone();
    // Ada moves Bob's, and keeps the booking as it was.
    let at = |seconds: i64| DateTime::from_timestamp(seconds, 0).unwrap().fixed_offset();
    let later = offered[0].0 + 3600 * 3;
    assert!(app.google.move_event(&calendar_id, &bobs.id, at(later), at(later + 1800)));
    let ids = proposal_ids(&dashboard(&app, &ada).await);
    assert_eq!(ids.len(), 1);
    let kept = app.server_fn_form("dismiss_proposal", &[("proposal_id", &ids[0])], &ada).await;
    assert!(kept.status().is_success() || kept.status().is_redirection());
    app.google.expire_sync_tokens(); // a full read sees the moved event again
    dashboard(&app, &ada).await;
    assert!(proposal_ids(&dashboard(&app, &ada).await).is_empty(), "not asked twice");

    // Now without asking: Carol's deleted event cancels her booking at once.
    follow(&app, &ada, true).await;
    let carols = &events[1].1;
    assert!(app.google.delete_event(&calendar_id, &carols.id));
    let html = dashboard(&app, &ada).await;
    assert!(proposal_ids(&html).is_empty(), "applied, not asked: {html}");
    let status: String =
        sqlx::query_scalar("select status from bookings where visitor_email = 'carol@example.net'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(status, "cancelled");
    let bobs_status: String = sqlx::query_scalar("select status from bookings where visitor_email = $1")
        .bind(BOB)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(bobs_status, "confirmed", "Bob's stands as Ada kept it");
    app.stop().await;
}

#[tokio::test]
async fn google_tells_of_a_change_by_push_and_the_proposal_is_waiting_before_the_dashboard_opens() {
    let app = spawn(Backend::Sqlite).await;
    let mut ada = ada_takes_bookings(&app).await;
    ada_books_directly(&app, &mut ada).await;
    let pool = app.pool().await;
    let offered = slots(&page(&app, "UTC").await);
    book(&app, offered[0].0, BOB).await;
    jobs_done(&pool).await;
    follow(&app, &ada, false).await;
    first_read_done(&pool).await;
    // After its first read, BookMate asked Google for a channel to its own address.
    let mut channels = Vec::new();
    for _ in 0..100 {
        channels = app.google.channels();
        if !channels.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(channels.len(), 1, "{channels:?}");
    assert_eq!(channels[0].address, format!("{}/google/calendar-notifications", app.address));

    // A forged notification (no token, or the wrong one) is nothing.
    let forged = app
        .client
        .post(format!("{}/google/calendar-notifications", app.address))
        .header("x-goog-channel-id", &channels[0].id)
        .header("x-goog-channel-token", "guess")
        .header("x-goog-resource-state", "exists")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 404);

    // Ada deletes the meeting in Google Calendar; Google tells BookMate,
    // which reads the change and has the question ready.
    let (calendar_id, event) = app.google.inserted_events()[0].clone();
    assert!(app.google.delete_event(&calendar_id, &event.id));
    let mut proposals = 0;
    for _ in 0..100 {
        proposals =
            sqlx::query_scalar("select count(*) from booking_proposals").fetch_one(&pool).await.unwrap();
        if proposals == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(proposals, 1, "no one opened the dashboard; pushes: {:?}", app.google.push_deliveries());
    let pushes = app.google.push_deliveries();
    assert!(
        pushes.iter().any(|push| push.resource_state == "exists" && push.status == Some(204)),
        "{pushes:?}"
    );

    // Following off: the channel is closed at Google.
    let off = app
        .server_fn_json("save_following", json!({ "enabled": false, "apply_without_asking": false }), &ada)
        .await;
    assert_eq!(off.status(), 200);
    assert!(app.google.channels().is_empty(), "{:?}", app.google.channels());
    assert_eq!(app.google.calls().get("channels.stop"), Some(&1));
    app.stop().await;
}

#[tokio::test]
async fn a_read_scope_taken_back_at_google_is_told_to_the_host_and_asked_for_again() {
    let app = spawn(Backend::Sqlite).await;
    let mut ada = ada_takes_bookings(&app).await;
    let saved = follow(&app, &ada, false).await;
    let return_to = saved["NeedsConsent"]["return_to"].as_str().unwrap().to_owned();
    let (_, consent) = app.start_grant(&mut ada, &return_to).await;
    let callback = app.answer_consent(&consent, &mut ada, ADA, &[], true).await;
    assert_eq!(app.browse(&callback, &mut ada).await.status(), 303);
    let pool = app.pool().await;
    first_read_done(&pool).await;
    // Ada removes the read access in her Google Account, behind BookMate's
    // back. Google still answers events.list (calendar.events.freebusy
    // allows it); the next refreshed token shows that the grant shrank.
    app.google.withdraw_scopes(
        ADA,
        google_emulator::DEVELOPMENT_CLIENT_ID,
        &[CALENDAR_EVENTS_OWNED_READONLY.to_owned()],
    );
    sqlx::query("update google_connections set access_token_expires_at = 0").execute(&pool).await.unwrap();
    dashboard(&app, &ada).await;
    let session: Value = app.server_fn_form("get_session", &[], &ada).await.json().await.unwrap();
    let granted = session["granted_scopes"].as_array().unwrap();
    assert!(
        !granted.contains(&json!(CALENDAR_EVENTS_OWNED_READONLY)),
        "the record says what Google does: {granted:?}"
    );
    assert_eq!(
        session["additional_scopes"],
        json!([CALENDAR_EVENTS_OWNED_READONLY]),
        "still needed: asked again"
    );
    let mut subjects: Vec<String> = Vec::new();
    for _ in 0..100 {
        subjects = sqlx::query_scalar("select subject from outbox_messages where recipient = $1")
            .bind(ADA)
            .fetch_all(&pool)
            .await
            .unwrap();
        if !subjects.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(subjects, ["BookMate lost part of its access to your Google Calendar"]);
    app.stop().await;
}
