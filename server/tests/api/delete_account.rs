//! "Delete my account": the grant is revoked at Google and every row of the
//! host's is gone, and nobody else's.

use app::db::{Backend, DbPool};
use google_emulator::DEVELOPMENT_CLIENT_ID;
use serde_json::{json, Value};

use crate::{
    booking::{ada_books_directly, ada_takes_bookings, book, page, slots, ADA},
    helpers::{Cookies, TestApp, BACKENDS},
};

const GRACE: &str = "grace@example.com";

async fn user_id(pool: &DbPool, email: &str) -> i64 {
    sqlx::query_scalar("select user_id from users where email = $1")
        .bind(email)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// The rows that belong to a host, table by table: every table that names a
/// user (see `migrations/`).
async fn rows_of(pool: &DbPool, user_id: i64) -> Vec<(&'static str, i64)> {
    let mut rows = Vec::new();
    for (table, belongs) in [
        ("users", "user_id = $1"),
        ("sessions", "user_id = $1"),
        ("google_connections", "user_id = $1"),
        ("google_access_log", "user_id = $1"),
        ("host_settings", "user_id = $1"),
        ("date_overrides", "user_id = $1"),
        ("meeting_types", "user_id = $1"),
        ("bookings", "host_user_id = $1"),
        ("calendar_following", "user_id = $1"),
        ("followed_calendars", "user_id = $1"),
        (
            "booking_proposals",
            "booking_id in (select booking_id from bookings where host_user_id = $1) \
             or booking_id not in (select booking_id from bookings)",
        ),
        // Through the host's bookings; one left without its booking counts too.
        (
            "booking_changes",
            "booking_id in (select booking_id from bookings where host_user_id = $1) \
             or booking_id not in (select booking_id from bookings)",
        ),
        (
            "google_jobs",
            "booking_id in (select booking_id from bookings where host_user_id = $1) \
             or booking_id not in (select booking_id from bookings)",
        ),
    ] {
        let count: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("select count(*) from {table} where {belongs}")))
                .bind(user_id)
                .fetch_one(pool)
                .await
                .unwrap();
        rows.push((table, count));
    }
    rows
}

/// Every table of BookMate's schema, so that a new table fails this test
/// until it is decided whether a host's rows live there.
async fn tables(pool: &DbPool, backend: Backend) -> Vec<String> {
    let query = match backend {
        Backend::Sqlite => {
            "select name from sqlite_master where type = 'table' \
             and name not like 'sqlite_%' and name not like '_sqlx_%' order by name"
        }
        Backend::Postgres => {
            "select table_name::text from information_schema.tables \
             where table_schema = 'public' and table_name not like '_sqlx_%' order by table_name"
        }
    };
    sqlx::query_scalar(query).fetch_all(pool).await.unwrap()
}

/// Calls Google's calendar list with a bearer token, as any client would.
async fn calendar_list_status(app: &TestApp, token: &str) -> u16 {
    app.client
        .get(format!("{}/__google/calendar/v3/users/me/calendarList", app.address))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn deleting_my_account_revokes_google_and_leaves_no_row_of_mine() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let pool = app.pool().await;
        assert_eq!(
            tables(&pool, backend).await,
            [
                "booking_changes",
                "booking_proposals",
                "bookings",
                "calendar_following",
                "date_overrides",
                "followed_calendars",
                "google_access_log",
                "google_connections",
                "google_jobs",
                "host_settings",
                "meeting_types",
                "outbox_messages",
                "sessions",
                "users"
            ],
            "{backend:?}: a new table must be added to `rows_of` (or said to hold no host's rows)"
        );

        // Ada has settings, busy calendars, a direct booking, a Google grant
        // and two signed-in browsers.
        let mut ada = ada_takes_bookings(&app).await;
        ada_books_directly(&app, &mut ada).await;
        let saved = app.server_fn_json("save_busy_calendars", json!({ "calendar_ids": [ADA] }), &ada).await;
        assert_eq!(saved.status(), 200, "{backend:?}");
        let following = json!({ "enabled": true, "apply_without_asking": false });
        assert_eq!(app.server_fn_json("save_following", following, &ada).await.status(), 200, "{backend:?}");
        let holiday = json!({ "first_day": "2099-12-24", "last_day": "2099-12-26", "hours": [] });
        let saved = app.server_fn_json("add_date_override", holiday, &ada).await;
        assert_eq!(saved.status(), 200, "{backend:?}");
        let (start, _) = slots(&page(&app, "UTC").await)[0].clone();
        let booked = book(&app, start, "bob@example.net").await;
        assert_eq!(booked.status(), 200, "{backend:?}");
        // And a change: Ada calls it off.
        let booked: serde_json::Value = booked.json().await.unwrap();
        let uid = booked["uid"].as_str().unwrap();
        // A change found in her Google Calendar, waiting for her word.
        let booking = app::db::bookings::find_by_uid(&pool, uid).await.unwrap().unwrap();
        let cancel = app::db::proposals::ProposalKind::Cancel;
        app::db::proposals::propose(&pool, booking.booking_id, cancel, chrono::Utc::now()).await.unwrap();
        let cancelled =
            app.server_fn_form("cancel_booking_as_host", &[("uid", uid), ("reason", "")], &ada).await;
        assert!(cancelled.status().is_success() || cancelled.status().is_redirection(), "{backend:?}");
        let other_browser = app.sign_in(ADA).await;
        // The tokens Ada's grant gave BookMate, as Google saw them used.
        let adas_tokens: Vec<String> = app.google.calls_by_token().into_keys().collect();
        assert!(!adas_tokens.is_empty(), "{backend:?}");
        let mut working = 0;
        for token in &adas_tokens {
            working += usize::from(calendar_list_status(&app, token).await == 200);
        }
        assert!(working > 0, "{backend:?}: Ada's tokens work before");
        // Grace, another host, who must lose nothing.
        let grace = app.sign_in(GRACE).await;
        let profile =
            [("display_name", "Grace Hopper"), ("username", "grace"), ("time_zone", "America/New_York")];
        assert_eq!(app.server_fn_form("save_profile", &profile, &grace).await.status(), 200, "{backend:?}");

        let (ada_id, grace_id) = (user_id(&pool, ADA).await, user_id(&pool, GRACE).await);
        let mut before = rows_of(&pool, ada_id).await;
        // Her log's length depends on the worker's timing; that it has one does not.
        let (_, logged) = before.remove(3);
        assert!(logged > 0, "{backend:?}: Ada's calls to Google are in her access log");
        assert_eq!(
            before,
            [
                ("users", 1),
                ("sessions", 2),
                ("google_connections", 1),
                ("host_settings", 1),
                ("date_overrides", 1),
                ("meeting_types", 1),
                ("bookings", 1),
                ("calendar_following", 1),
                ("followed_calendars", 1),
                ("booking_proposals", 1),
                ("booking_changes", 1),
                ("google_jobs", 2)
            ],
            "{backend:?}: Ada has a row in every table"
        );
        let graces = rows_of(&pool, grace_id).await;

        let this_browser = ada.clone();
        let deleted = app.server_fn_form("delete_account", &[], &ada).await;
        assert_eq!(deleted.status(), 200, "{backend:?}: {}", deleted.text().await.unwrap_or_default());
        ada.absorb(&deleted);
        assert_eq!(ada.get("bookmate_session"), None, "{backend:?}: the browser's cookie is cleared");

        assert_eq!(
            rows_of(&pool, ada_id).await,
            [
                ("users", 0),
                ("sessions", 0),
                ("google_connections", 0),
                ("google_access_log", 0),
                ("host_settings", 0),
                ("date_overrides", 0),
                ("meeting_types", 0),
                ("bookings", 0),
                ("calendar_following", 0),
                ("followed_calendars", 0),
                ("booking_proposals", 0),
                ("booking_changes", 0),
                ("google_jobs", 0)
            ],
            "{backend:?}: no row of Ada's is left"
        );
        assert_eq!(rows_of(&pool, grace_id).await, graces, "{backend:?}: Grace keeps all of hers");

        // Ada's sessions, in both browsers, are worthless now; Grace's stands.
        for (which, cookies) in [("this browser", &this_browser), ("the other browser", &other_browser)] {
            let session = app.server_fn_form("get_session", &[], cookies).await;
            assert_eq!(session.status(), 200, "{backend:?}: {which}");
            assert_eq!(session.json::<Value>().await.unwrap(), Value::Null, "{backend:?}: {which}");
            let settings = app.server_fn_form("get_settings", &[], cookies).await;
            assert_eq!(settings.status(), 401, "{backend:?}: {which}");
        }
        let graces_session: Value =
            app.server_fn_form("get_session", &[], &grace).await.json().await.unwrap();
        assert_eq!(graces_session["email"], GRACE, "{backend:?}");

        // Google no longer holds a grant of Ada's for BookMate, and the tokens
        // it gave no longer work; Grace's grant stands.
        assert!(
            app.google.grant(ADA, DEVELOPMENT_CLIENT_ID).is_none(),
            "{backend:?}: Ada's grant is revoked"
        );
        assert!(app.google.grant(GRACE, DEVELOPMENT_CLIENT_ID).is_some(), "{backend:?}");
        for token in &adas_tokens {
            assert_eq!(
                calendar_list_status(&app, token).await,
                401,
                "{backend:?}: a token of Ada's still works"
            );
        }
        assert_eq!(
            app.google.calls().get("revoke"),
            Some(&1),
            "{backend:?}: BookMate asked Google to revoke"
        );

        // Her page is gone with her.
        let gone = app
            .server_fn_form("booking_page", &[("username", "ada"), ("tz", "UTC")], &Cookies::default())
            .await;
        assert_eq!(gone.status(), 404, "{backend:?}");
        app.stop().await;
    }
}
