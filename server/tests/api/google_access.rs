//! The host's Google account in the open: every call BookMate makes is in
//! the host's access log (and nothing else is), the log is bounded, a broken
//! connection is told to the host once, by email and banner, Google's word
//! that a "Testing" project's access ends is kept and shown, and work that
//! waited for a reconnect runs after it.

use std::time::Duration;

use app::db::{google_access_log, DbPool};
use chrono::Utc;
use google_emulator::{Fault, SeedClient, DEVELOPMENT_CLIENT_ID, DEVELOPMENT_CLIENT_SECRET};
use serde_json::Value;

use crate::{
    booking::{ada_books_directly, ada_takes_bookings, ada_user_id, book, page, slots},
    helpers::{Cookies, TestApp, BACKENDS},
};

const ADA: &str = "ada@example.com";
const BOB: &str = "bob@example.net";
const LOST_ACCESS: &str = "BookMate lost access to your Google Calendar";

async fn google_access(app: &TestApp, ada: &Cookies, query: &[(&str, &str)]) -> Value {
    let answer = app.server_fn_form("google_access", query, ada).await;
    assert_eq!(answer.status(), 200);
    answer.json().await.unwrap()
}

fn entries(view: &Value) -> Vec<(String, String, String, String)> {
    view["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            let field = |name: &str| entry[name].as_str().unwrap().to_owned();
            (field("method"), field("scope"), field("purpose"), field("outcome"))
        })
        .collect()
}

async fn subjects_to(pool: &DbPool, recipient: &str) -> Vec<String> {
    sqlx::query_scalar("select subject from outbox_messages where recipient = $1 order by message_id")
        .bind(recipient)
        .fetch_all(pool)
        .await
        .unwrap()
}

/// Waits (for the worker) until `recipient` has a message about `subject`.
async fn mail_arrives(pool: &DbPool, recipient: &str, subject: &str) {
    for _ in 0..100 {
        if subjects_to(pool, recipient).await.iter().any(|sent| sent == subject) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no \"{subject}\" to {recipient} after ten seconds: {:?}", subjects_to(pool, recipient).await);
}

async fn expire_stored_access_token(pool: &DbPool) {
    sqlx::query("update google_connections set access_token_expires_at = 0").execute(pool).await.unwrap();
}

#[tokio::test]
async fn a_direct_booking_is_in_the_hosts_log_with_the_scope_each_call_relied_on() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let mut ada = ada_takes_bookings(&app).await;
        ada_books_directly(&app, &mut ada).await;
        let offered = slots(&page(&app, "UTC").await);
        // More views of the page come from the cache: no call, no entry.
        for _ in 0..5 {
            page(&app, "UTC").await;
        }
        let booked: Value = book(&app, offered[0].0, BOB).await.json().await.unwrap();
        assert_eq!(booked["invitation"], "InHostCalendar", "{backend:?}");

        let view = google_access(&app, &ada, &[]).await;
        let log = entries(&view);
        let freebusy = "calendar.events.freebusy".to_owned();
        let busy_reads: Vec<_> = log.iter().filter(|entry| entry.0 == "freebusy.query").collect();
        assert_eq!(
            busy_reads
                .iter()
                .map(|entry| (entry.1.clone(), entry.2.clone(), entry.3.clone()))
                .collect::<Vec<_>>(),
            [
                (
                    freebusy.clone(),
                    "Checked you were free before booking Bob\u{2019}s meeting".to_owned(),
                    "ok".to_owned()
                ),
                (
                    freebusy.clone(),
                    "Checked your busy times for your booking page".to_owned(),
                    "ok".to_owned()
                ),
            ],
            "{backend:?}: newest first, one read behind six page views: {log:?}"
        );
        assert_eq!(
            app.google.calls().get("freebusy"),
            Some(&2),
            "{backend:?}: the log has every call Google saw"
        );
        assert_eq!(
            log[0],
            (
                "events.insert".to_owned(),
                "calendar.events".to_owned(),
                "Added Bob\u{2019}s meeting to your calendar".to_owned(),
                "ok".to_owned()
            ),
            "{backend:?}"
        );
        // Each scope held, the feature needing it, and its last use.
        let held = view["scopes"].as_array().unwrap();
        let scope = |name: &str| held.iter().find(|scope| scope["short_name"] == name).unwrap().clone();
        assert_eq!(
            scope("calendar.events")["feature"],
            "Add bookings to one calendar you choose",
            "{backend:?}"
        );
        assert!(scope("calendar.events")["last_used"].is_string(), "{backend:?}");
        assert!(scope("calendar.events.freebusy")["last_used"].is_string(), "{backend:?}");
        let listings = log.iter().filter(|entry| entry.0 == "calendarList.list").count() as u64;
        assert_eq!(
            app.google.calls().get("calendarList.list").copied().unwrap_or(0),
            listings,
            "{backend:?}: every listing of calendars Google saw is in the log"
        );
        assert_eq!(
            scope("calendar.calendarlist.readonly")["last_used"].is_string(),
            listings > 0,
            "{backend:?}"
        );
        assert!(view["busy_times_read_at"].is_string(), "{backend:?}");
        assert_eq!(view["suggest_giving_back_write"], false, "{backend:?}: direct booking is on and used");

        // Filtered by scope: the write calls only.
        let writes =
            entries(&google_access(&app, &ada, &[("scope", app::google_scopes::CALENDAR_EVENTS)]).await);
        assert_eq!(writes.len(), 1, "{backend:?}: {writes:?}");
        assert_eq!(writes[0].0, "events.insert", "{backend:?}");

        // No token is in the log, in any form.
        let pool = app.pool().await;
        let logged: Vec<String> =
            sqlx::query_scalar("select purpose || method || scope from google_access_log")
                .fetch_all(&pool)
                .await
                .unwrap();
        for token in app.google.issued_tokens() {
            assert!(logged.iter().all(|entry| !entry.contains(&token)), "{backend:?}");
        }
        // The page itself, as the host opens it.
        let html = app.browse_page("/settings/google-access", &mut ada.clone()).await.text().await.unwrap();
        assert!(html.contains("Checked your busy times for your booking page"), "{backend:?}");
        assert!(html.contains(r#"data-testid="held-scope""#), "{backend:?}");
        app.stop().await;
    }
}

#[tokio::test]
async fn the_log_keeps_ninety_days_and_ten_thousand_entries_per_host() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let _ada = ada_takes_bookings(&app).await;
        let pool = app.pool().await;
        let ada_id = ada_user_id(&pool).await;
        let now = Utc::now();
        let a_while_ago = (now - chrono::Duration::days(1)).timestamp();
        sqlx::query("delete from google_access_log").execute(&pool).await.unwrap();
        // As many entries as the bound, a day old, and one 91 days old.
        sqlx::query(
            "insert into google_access_log (user_id, at, api, method, scope, purpose, outcome) \
             with recursive n(i) as (select 1 union all select i + 1 from n where i < $1) \
             select $2, $3, 'calendar', 'freebusy.query', '', 'filler', 'ok' from n",
        )
        .bind(google_access_log::KEPT_ENTRIES)
        .bind(ada_id)
        .bind(a_while_ago)
        .execute(&pool)
        .await
        .unwrap();
        sqlx::query(
            "insert into google_access_log (user_id, at, api, method, scope, purpose, outcome) \
             values ($1, $2, 'calendar', 'freebusy.query', '', 'old', 'ok')",
        )
        .bind(ada_id)
        .bind((now - chrono::Duration::days(91)).timestamp())
        .execute(&pool)
        .await
        .unwrap();
        let oldest_filler: i64 =
            sqlx::query_scalar("select min(entry_id) from google_access_log where purpose = 'filler'")
                .fetch_one(&pool)
                .await
                .unwrap();

        let entry = google_access_log::NewAccessEntry {
            user_id: ada_id,
            api: google_access_log::Api::Calendar,
            method: "freebusy.query",
            scope: app::google_scopes::CALENDAR_EVENTS_FREEBUSY,
            purpose: "newest",
            outcome: google_access_log::CallOutcome::Ok,
        };
        google_access_log::record(&pool, &entry, now).await.unwrap();

        let count = |purpose: &'static str| {
            let pool = pool.clone();
            async move {
                sqlx::query_scalar::<_, i64>("select count(*) from google_access_log where purpose = $1")
                    .bind(purpose)
                    .fetch_one(&pool)
                    .await
                    .unwrap()
            }
        };
        let total: i64 = sqlx::query_scalar("select count(*) from google_access_log where user_id = $1")
            .bind(ada_id)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(total, google_access_log::KEPT_ENTRIES, "{backend:?}");
        assert_eq!(count("old").await, 0, "{backend:?}: older than 90 days");
        assert_eq!(count("newest").await, 1, "{backend:?}");
        let oldest_left: i64 =
            sqlx::query_scalar("select min(entry_id) from google_access_log where purpose = 'filler'")
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(oldest_left, oldest_filler + 1, "{backend:?}: the oldest entry made room");
        app.stop().await;
    }
}

#[tokio::test]
async fn a_refused_refresh_is_told_to_the_host_once_by_email_and_by_banner_and_again_after_a_reconnect() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let ada = ada_takes_bookings(&app).await;
        let pool = app.pool().await;
        expire_stored_access_token(&pool).await;
        // Google refuses the refresh token (400 invalid_grant); a refused
        // grant is never asked again, so one refusal is all there is.
        app.google.inject_fault(
            "token.refresh_token",
            Fault { status: 400, retry_after_seconds: None, delay_ms: None },
            1,
        );
        // Visitors keep coming, and the host opens settings: one break.
        let visitor = Cookies::default();
        for month in ["2099-01", "2099-02", "2099-03"] {
            let answer = app
                .server_fn_form(
                    "booking_page",
                    &[("username", "ada"), ("tz", "UTC"), ("month", month)],
                    &visitor,
                )
                .await;
            assert_eq!(answer.status(), 200, "{backend:?}");
        }
        assert_eq!(app.server_fn_form("list_calendars", &[], &ada).await.status(), 409, "{backend:?}");
        mail_arrives(&pool, ADA, LOST_ACCESS).await;
        // Several passes of the worker later, still one.
        tokio::time::sleep(Duration::from_secs(5)).await;
        let told = subjects_to(&pool, ADA).await;
        assert_eq!(told.iter().filter(|subject| *subject == LOST_ACCESS).count(), 1, "{backend:?}: {told:?}");
        let body: String = sqlx::query_scalar("select body_text from outbox_messages where subject = $1")
            .bind(LOST_ACCESS)
            .fetch_one(&pool)
            .await
            .unwrap();
        assert!(body.contains(&format!("{}/settings/google-access", app.address)), "{backend:?}: {body}");
        assert!(subjects_to(&pool, BOB).await.is_empty(), "{backend:?}: visitors are not told");
        let dashboard = app.browse_page("/dashboard", &mut ada.clone()).await.text().await.unwrap();
        assert!(dashboard.contains(r#"data-testid="reconnect-banner""#), "{backend:?}");
        // The log says what happened.
        let log = entries(&google_access(&app, &ada, &[]).await);
        assert!(
            log.iter().any(|entry| entry.0 == "token refresh" && entry.3 == "refused"),
            "{backend:?}: {log:?}"
        );

        // Ada reconnects from the banner, in one trip for what she needs; a
        // later break is told again.
        let mut ada = ada;
        let (authorize, consent) = app.start_reconnect(&mut ada).await;
        assert!(authorize.contains("prompt=consent"), "{backend:?}: a refresh token for sure");
        let callback = app.answer_consent(&consent, &mut ada, ADA, &[], true).await;
        let back = app.browse(&callback, &mut ada).await;
        assert_eq!(back.status(), 303, "{backend:?}");
        let location = back.headers()["location"].to_str().unwrap().to_owned();
        assert!(location.starts_with("/settings/google-access?"), "{backend:?}: {location}");
        let dashboard = app.browse_page("/dashboard", &mut ada.clone()).await.text().await.unwrap();
        assert!(!dashboard.contains(r#"data-testid="reconnect-banner""#), "{backend:?}");
        expire_stored_access_token(&pool).await;
        // Google refuses the refresh token (400 invalid_grant); a refused
        // grant is never asked again, so one refusal is all there is.
        app.google.inject_fault(
            "token.refresh_token",
            Fault { status: 400, retry_after_seconds: None, delay_ms: None },
            1,
        );
        assert_eq!(app.server_fn_form("list_calendars", &[], &ada).await.status(), 409, "{backend:?}");
        for _ in 0..100 {
            let told = subjects_to(&pool, ADA).await;
            if told.iter().filter(|subject| *subject == LOST_ACCESS).count() == 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let told = subjects_to(&pool, ADA).await;
        assert_eq!(told.iter().filter(|subject| *subject == LOST_ACCESS).count(), 2, "{backend:?}: {told:?}");
        app.stop().await;
    }
}

#[tokio::test]
async fn googles_word_that_a_testing_projects_access_ends_is_kept_logged_and_shown() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        // BookMate's own client, in Google's "Testing" publishing status.
        app.google.add_client(SeedClient {
            client_id: DEVELOPMENT_CLIENT_ID.to_owned(),
            client_secret: DEVELOPMENT_CLIENT_SECRET.to_owned(),
            redirect_uris: vec![format!("{}/auth/google/callback", app.address)],
            testing: true,
        });
        let ada = ada_takes_bookings(&app).await;
        let pool = app.pool().await;
        let connection =
            app::db::google_connections::find(&pool, ada_user_id(&pool).await).await.unwrap().unwrap();
        let ends = connection.refresh_token_expires_at.expect("Google's word is kept");
        let in_seven_days = Utc::now() + chrono::Duration::days(7);
        assert!((ends - in_seven_days).num_seconds().abs() < 60, "{backend:?}: {ends}");
        let day = ends.with_timezone(&chrono_tz::Europe::London).format("%-d %B %Y").to_string();

        let session: Value = app.server_fn_form("get_session", &[], &ada).await.json().await.unwrap();
        assert_eq!(session["access_ends_on"], day.as_str(), "{backend:?}");
        let dashboard = app.browse_page("/dashboard", &mut ada.clone()).await.text().await.unwrap();
        assert!(dashboard.contains(r#"data-testid="access-ends-banner""#), "{backend:?}");
        let view = google_access(&app, &ada, &[]).await;
        assert!(
            view["access_ends_on"]
                .as_str()
                .unwrap()
                .contains(&ends.with_timezone(&chrono_tz::Europe::London).format("%-d %b %Y").to_string()),
            "{backend:?}: {view}"
        );
        let log = entries(&view);
        assert!(
            log.iter().any(|entry| entry.0 == "authorization code exchange"
                && entry
                    .2
                    .contains(&format!("Google said this access ends on {}", ends.format("%-d %B %Y")))),
            "{backend:?}: {log:?}"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn a_cancel_that_waited_for_a_reconnect_reaches_google_after_it_and_is_not_emailed() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let mut ada = ada_takes_bookings(&app).await;
        ada_books_directly(&app, &mut ada).await;
        let pool = app.pool().await;
        let offered = slots(&page(&app, "UTC").await);
        let booked: Value = book(&app, offered[0].0, BOB).await.json().await.unwrap();
        let uid = booked["uid"].as_str().unwrap().to_owned();
        // Ada removes BookMate in her Google Account, then cancels.
        app.google.revoke_grant(ADA, DEVELOPMENT_CLIENT_ID);
        expire_stored_access_token(&pool).await;
        let cancelled =
            app.server_fn_form("cancel_booking_as_host", &[("uid", &uid), ("reason", "")], &ada).await;
        assert!(cancelled.status().is_success() || cancelled.status().is_redirection(), "{backend:?}");
        let waiting = || async {
            sqlx::query_scalar::<_, i64>(
                "select count(*) from google_jobs where done_at is null and waiting_for_reconnect_since is not null",
            )
            .fetch_one(&pool)
            .await
            .unwrap()
        };
        for _ in 0..100 {
            if waiting().await == 1 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(waiting().await, 1, "{backend:?}: the delete waits for Ada");
        assert!(subjects_to(&pool, BOB).await.is_empty(), "{backend:?}: nothing emailed meanwhile");
        mail_arrives(&pool, ADA, LOST_ACCESS).await;

        // Ada reconnects (and grants write access again): the delete runs.
        let mut ada = app.sign_in(ADA).await;
        ada_books_directly(&app, &mut ada).await;
        for _ in 0..100 {
            let open: i64 = sqlx::query_scalar("select count(*) from google_jobs where done_at is null")
                .fetch_one(&pool)
                .await
                .unwrap();
            if open == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let events = app.google.inserted_events();
        assert!(events.iter().all(|(_, event)| event.status == "cancelled"), "{backend:?}: {events:?}");
        assert!(subjects_to(&pool, BOB).await.is_empty(), "{backend:?}: Google told Bob, not BookMate");
        app.stop().await;
    }
}

#[tokio::test]
async fn write_access_that_nothing_needs_is_suggested_back() {
    let app = TestApp::spawn(app::db::Backend::Sqlite).await;
    let mut ada = ada_takes_bookings(&app).await;
    ada_books_directly(&app, &mut ada).await;
    let view = google_access(&app, &ada, &[]).await;
    assert_eq!(view["suggest_giving_back_write"], false, "direct booking needs it, and the log is new");
    // Ada turns direct booking off but keeps the grant.
    let off = app.server_fn_json("save_direct_booking", serde_json::json!({ "enabled": false }), &ada).await;
    assert_eq!(off.status(), 200);
    let view = google_access(&app, &ada, &[]).await;
    assert_eq!(view["suggest_giving_back_write"], true);
    let html = app.browse_page("/settings/google-access", &mut ada.clone()).await.text().await.unwrap();
    assert!(html.contains(r#"data-testid="suggest-give-back""#));
    assert!(html.contains(r#"data-testid="give-back-now""#), "one click");
    app.stop().await;
}
