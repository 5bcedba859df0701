//! No booking without an invitation, even across a crash.

use std::time::Duration;

use app::db::Backend;

use crate::helpers::TestApp;

/// Kills the server (SIGKILL, nothing runs after it) while Google hangs on
/// a direct booking's insert, starts it again, and finds the meeting in
/// Google or both invitations in the outbox: never neither, never both.
async fn killed_mid_insert(backend: Backend) {
    use crate::booking::{ada_books_directly, ada_takes_bookings, page, slots};
    let mut app = TestApp::spawn_process(backend, &[]).await;
    let mut ada = ada_takes_bookings(&app).await;
    ada_books_directly(&app, &mut ada).await;
    let (start, _) = slots(&page(&app, "UTC").await)[0].clone();
    let hanging = google_emulator::Fault { status: 200, retry_after_seconds: None, delay_ms: Some(120_000) };
    app.google.inject_fault("events.insert", hanging, 1);

    let booking = {
        let (client, url) = (app.client.clone(), format!("{}/api/book", app.address));
        let form = [
            ("username", "ada".to_owned()),
            ("start", start.to_string()),
            ("tz", "UTC".to_owned()),
            ("name", "Bob".to_owned()),
            ("email", "bob@example.net".to_owned()),
            ("note", String::new()),
        ];
        tokio::spawn(async move { client.post(url).form(&form).send().await })
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while app.google.calls().get("events.insert").copied().unwrap_or(0) == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "{backend:?}: Google was never asked:\n{}",
            app.process_log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    app.kill_and_restart().await;
    assert!(booking.await.unwrap().is_err(), "{backend:?}: the visitor's request died with the server");

    // The restarted server's worker takes the job up once the dead
    // process's claim has run out (the call budget and ten seconds).
    let pool = app.pool().await;
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    let (in_google, emailed) = loop {
        let in_google = app
            .google
            .inserted_events()
            .iter()
            .any(|(_, event)| serde_json::to_string(event).unwrap().contains("bob@example.net"));
        let emailed = app::db::outbox::recent(&pool, 10).await.unwrap().len();
        if in_google || emailed > 0 || std::time::Instant::now() > deadline {
            break (in_google, emailed);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(
        in_google != (emailed == 2),
        "{backend:?}: in Google: {in_google}, emails: {emailed}\n{}",
        app.process_log()
    );
    assert!(in_google, "{backend:?}: Google answers again, so the worker's attempt lands there");
    let bookings: i64 = sqlx::query_scalar("select count(*) from bookings").fetch_one(&pool).await.unwrap();
    assert_eq!(bookings, 1, "{backend:?}");
    app.stop().await;
}

#[tokio::test]
async fn a_server_killed_while_google_hangs_on_a_direct_booking_still_delivers_its_invitation() {
    tokio::join!(killed_mid_insert(Backend::Sqlite), killed_mid_insert(Backend::Postgres));
}

/// Kills the server while Google hangs on deleting a cancelled direct
/// booking's event; the restarted server's worker deletes it, once, and
/// nobody is emailed besides.
async fn killed_mid_delete(backend: Backend) {
    use crate::booking::{ada_books_directly, ada_takes_bookings, book, page, slots};
    let mut app = TestApp::spawn_process(backend, &[]).await;
    let mut ada = ada_takes_bookings(&app).await;
    ada_books_directly(&app, &mut ada).await;
    let (start, _) = slots(&page(&app, "UTC").await)[0].clone();
    let booked: serde_json::Value = book(&app, start, "bob@example.net").await.json().await.unwrap();
    assert_eq!(booked["invitation"], "InHostCalendar", "{backend:?}");
    let uid = booked["uid"].as_str().unwrap().to_owned();
    let description = app.google.inserted_events()[0].1.description.clone().unwrap();
    let key = description.split("?key=").nth(1).unwrap().trim().to_owned();
    let hanging = google_emulator::Fault { status: 200, retry_after_seconds: None, delay_ms: Some(120_000) };
    app.google.inject_fault("events.delete", hanging, 1);

    let cancelled = app
        .server_fn_form(
            "cancel_booking",
            &[("uid", &uid), ("key", &key), ("reason", "")],
            &Default::default(),
        )
        .await;
    assert_eq!(cancelled.status(), 200, "{backend:?}: the cancel is made; Google follows");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while app.google.calls().get("events.delete").copied().unwrap_or(0) == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "{backend:?}: Google was never asked:\n{}",
            app.process_log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    app.kill_and_restart().await;

    let pool = app.pool().await;
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    loop {
        let open: i64 = sqlx::query_scalar("select count(*) from google_jobs where done_at is null")
            .fetch_one(&pool)
            .await
            .unwrap();
        if open == 0 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{backend:?}: the delete never finished\n{}",
            app.process_log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let events = app.google.inserted_events();
    assert!(events.iter().all(|(_, event)| event.status == "cancelled"), "{backend:?}: {events:?}");
    let emailed = app::db::outbox::recent(&pool, 10).await.unwrap().len();
    assert_eq!(emailed, 0, "{backend:?}: Google told the visitor; BookMate sends nothing besides");
    app.stop().await;
}

#[tokio::test]
async fn a_server_killed_while_google_hangs_on_a_cancel_still_deletes_the_event_after_a_restart() {
    tokio::join!(killed_mid_delete(Backend::Sqlite), killed_mid_delete(Backend::Postgres));
}
