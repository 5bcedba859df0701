//! Host settings: each host changes only their own, and direct booking asks
//! Google for the write scope just in time.

use app::{
    db::{host_settings, users, Backend},
    google_scopes::CALENDAR_EVENTS,
};
use google_emulator::DEVELOPMENT_CLIENT_ID;
use serde_json::json;

use crate::helpers::{Cookies, TestApp};

const ADA: &str = "ada@example.com";
const GRACE: &str = "grace@example.com";
const ADA_BOOKINGS: &str = "bookings-108734@group.calendar.google.com";

async fn user_id(app: &TestApp, email: &str) -> i64 {
    sqlx::query_scalar("select user_id from users where email = $1")
        .bind(email)
        .fetch_one(&app.pool().await)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_host_changes_only_their_own_settings() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let ada = app.sign_in(ADA).await;
    let grace = app.sign_in(GRACE).await;

    let saved = app
        .server_fn_form(
            "save_profile",
            &[("display_name", "Ada L."), ("username", "ada"), ("time_zone", "Europe/London")],
            &ada,
        )
        .await;
    assert_eq!(saved.status(), 200, "{}", saved.text().await.unwrap());
    let taken = app
        .server_fn_form(
            "save_profile",
            &[("display_name", "Grace"), ("username", "ada"), ("time_zone", "America/New_York")],
            &grace,
        )
        .await;
    assert_eq!(taken.status(), 422);
    assert!(taken.text().await.unwrap().contains("That name is taken"));

    let grace_view = app.server_fn_form("get_settings", &[], &grace).await;
    assert_eq!(grace_view.status(), 200);
    let grace_view: serde_json::Value = grace_view.json().await.unwrap();
    assert_eq!(grace_view["profile"]["display_name"], "Grace Hopper", "Grace sees her own settings");
    let ada_view = app.server_fn_form("get_settings", &[], &ada).await;
    assert_eq!(ada_view.status(), 200);
    let ada_view: serde_json::Value = ada_view.json().await.unwrap();
    assert_eq!(ada_view["profile"]["username"], "ada");

    // Grace cannot name Ada's calendars as busy: they are not in her list.
    let foreign = app.server_fn_json("save_busy_calendars", json!({ "calendar_ids": [ADA] }), &grace).await;
    assert_eq!(foreign.status(), 422);
    assert!(foreign.text().await.unwrap().contains("not in your Google account"));

    // Nobody signed in: nothing.
    let anonymous = app.server_fn_form("get_settings", &[], &Cookies::default()).await;
    assert_eq!(anonymous.status(), 401);
    assert!(anonymous.text().await.unwrap().contains("Unauthorized"));
    app.stop().await;
}

#[tokio::test]
async fn bad_availability_is_refused_beside_its_field_and_nothing_is_saved() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let ada = app.sign_in(ADA).await;
    let form = |tuesday: serde_json::Value| {
        json!({ "form": {
            "days": [[["09:00", "17:00"]], tuesday, [], [], [], [], []],
            "meeting_minutes": 30, "buffer_before_minutes": 0, "buffer_after_minutes": 10,
            "minimum_notice_minutes": 120, "horizon_days": 30,
        }})
    };
    let overlapping = app
        .server_fn_json("save_availability", form(json!([["09:00", "12:00"], ["11:00", "13:00"]])), &ada)
        .await;
    assert_eq!(overlapping.status(), 422);
    let error = overlapping.text().await.unwrap();
    assert!(error.contains("day-1-1") && error.contains("overlap"), "{error}");
    let backwards = app.server_fn_json("save_availability", form(json!([["12:00", "09:00"]])), &ada).await;
    assert_eq!(backwards.status(), 422);
    assert!(backwards.text().await.unwrap().contains("The end must be after the start"));
    assert!(host_settings::find(&app.pool().await, user_id(&app, ADA).await).await.unwrap().is_none());

    let good = app
        .server_fn_json("save_availability", form(json!([["08:00", "12:00"], ["13:00", "18:00"]])), &ada)
        .await;
    assert_eq!(good.status(), 200, "{}", good.text().await.unwrap());
    let stored = host_settings::find(&app.pool().await, user_id(&app, ADA).await).await.unwrap().unwrap();
    assert_eq!(stored.availability.on(chrono::Weekday::Tue).len(), 2);
    assert_eq!(
        (stored.buffer_after_minutes, stored.minimum_notice_minutes, stored.horizon_days),
        (10, 120, 30)
    );
    app.stop().await;
}

/// Saves direct booking, follows BookMate to Google's consent page, and
/// answers it; returns where BookMate sends the browser back to.
async fn turn_on_direct_booking(
    app: &TestApp,
    cookies: &mut Cookies,
    refuse: &[&str],
    as_email: &str,
) -> String {
    let saved = app
        .server_fn_json(
            "save_direct_booking",
            json!({ "enabled": true, "calendar_id": ADA_BOOKINGS }),
            cookies,
        )
        .await;
    assert_eq!(saved.status(), 200);
    let outcome: serde_json::Value = saved.json().await.unwrap();
    let return_to = outcome["NeedsConsent"]["return_to"].as_str().expect("Google must ask first").to_owned();
    assert_eq!(return_to, "/settings");
    let (authorize, page) = app.start_grant(cookies, &return_to).await;
    let query: std::collections::HashMap<_, _> =
        url::Url::parse(&authorize).unwrap().query_pairs().into_owned().collect();
    let mut asked: Vec<&str> = query["scope"].split(' ').collect();
    asked.sort_unstable();
    assert_eq!(
        asked,
        [CALENDAR_EVENTS, "openid"],
        "only the write scope, with openid to know who granted it"
    );
    assert_eq!(query["include_granted_scopes"], "true");
    assert_eq!(query["login_hint"], "108734928374650192837");
    assert!(page.contains("View and edit events on all your calendars"));
    let callback = app.answer_consent(&page, cookies, as_email, refuse, true).await;
    let back = app.browse(&callback, cookies).await;
    assert_eq!(back.status(), 303);
    back.headers()["location"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn direct_booking_is_saved_once_google_grants_the_write_scope() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut ada = app.sign_in(ADA).await;
    assert_eq!(app.google.grant(ADA, DEVELOPMENT_CLIENT_ID).unwrap().scopes.len(), 5);

    let back = turn_on_direct_booking(&app, &mut ada, &[], ADA).await;
    assert_eq!(back, "/settings?google_access=granted");
    assert_eq!(app.google.grant(ADA, DEVELOPMENT_CLIENT_ID).unwrap().scopes.len(), 6);
    let db = app.pool().await;
    let id = user_id(&app, ADA).await;
    let settings = host_settings::find(&db, id).await.unwrap().unwrap();
    assert_eq!(settings.direct_booking_calendar_id.as_deref(), Some(ADA_BOOKINGS));
    assert!(users::find_by_id(&db, id).await.unwrap().unwrap().additional_scopes.contains(CALENDAR_EVENTS));
    let session = app.server_fn_form("get_session", &[], &ada).await;
    assert_eq!(session.status(), 200);
    let session: serde_json::Value = session.json().await.unwrap();
    assert_eq!(session["additional_scopes"], json!([CALENDAR_EVENTS]));
    app.stop().await;
}

#[tokio::test]
async fn an_unticked_write_scope_leaves_direct_booking_off() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut ada = app.sign_in(ADA).await;
    let back = turn_on_direct_booking(&app, &mut ada, &[CALENDAR_EVENTS], ADA).await;
    assert_eq!(back, "/settings?google_access=partial");
    let settings = host_settings::find(&app.pool().await, user_id(&app, ADA).await).await.unwrap().unwrap();
    assert_eq!(settings.direct_booking_calendar_id, None);
    assert_eq!(settings.pending_direct_booking_calendar_id, None, "nothing half-saved");
    assert!(!app.google.grant(ADA, DEVELOPMENT_CLIENT_ID).unwrap().scopes.contains(CALENDAR_EVENTS));
    app.stop().await;
}

#[tokio::test]
async fn access_granted_from_another_google_account_is_refused() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut ada = app.sign_in(ADA).await;
    let back = turn_on_direct_booking(&app, &mut ada, &[], GRACE).await;
    assert_eq!(back, "/settings?google_access=wrong_account");
    let settings = host_settings::find(&app.pool().await, user_id(&app, ADA).await).await.unwrap().unwrap();
    assert_eq!(settings.direct_booking_calendar_id, None);
    app.stop().await;
}

#[tokio::test]
async fn giving_back_write_access_leaves_google_without_it() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut ada = app.sign_in(ADA).await;
    turn_on_direct_booking(&app, &mut ada, &[], ADA).await;
    let answer = app.server_fn_form("give_back_write_access", &[], &ada).await;
    assert_eq!(answer.status(), 200);
    let next: String = answer.json().await.unwrap();
    assert_eq!(next, "/auth/google/login");
    assert!(app.google.grant(ADA, DEVELOPMENT_CLIENT_ID).is_none(), "the whole grant was revoked");
    // Signing in again grants the sign-in scopes only.
    let (_, page) = app.start_sign_in(&mut ada, &next).await;
    let callback = app.answer_consent(&page, &mut ada, ADA, &[], true).await;
    assert_eq!(app.browse(&callback, &mut ada).await.status(), 303);
    let grant = app.google.grant(ADA, DEVELOPMENT_CLIENT_ID).unwrap();
    assert_eq!(grant.scopes.len(), 5);
    assert!(!grant.scopes.contains(CALENDAR_EVENTS));
    let settings = host_settings::find(&app.pool().await, user_id(&app, ADA).await).await.unwrap().unwrap();
    assert_eq!(settings.direct_booking_calendar_id, None);
    app.stop().await;
}

/// Without JavaScript, or before the section's island has loaded, the
/// settings page already shows the host's numbers, not empty fields.
#[tokio::test]
async fn the_settings_page_shows_the_hosts_rules_before_any_script_runs() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut ada = app.sign_in(ADA).await;
    let saved = app
        .server_fn_form(
            "save_profile",
            &[("display_name", "Ada"), ("username", "ada"), ("time_zone", "Europe/London")],
            &ada,
        )
        .await;
    assert_eq!(saved.status(), 200);
    let _rendering = app.rendering_pages().await;
    let page = app.browse("/settings", &mut ada).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    // The defaults: four hours' notice, no buffers, sixty days ahead.
    for field in [r#"max="720" value="4""#, r#"max="240" value="0""#, r#"max="365" value="60""#] {
        assert!(html.contains(field), "{field} in {html}");
    }
    app.stop().await;
}
