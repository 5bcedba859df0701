//! Where production would meet a stricter Google than a kind emulator: each
//! case with the emulator made as strict as Google, so that BookMate fails
//! here where it would fail there.

use app::{db::Backend, google::oidc::OidcError, google_scopes::CALENDAR_READONLY};
use chrono::{Duration, Utc};
use google_emulator::{Fault, SeedClient, DEVELOPMENT_CLIENT_ID};
use serde_json::{json, Value};

use crate::{
    booking::{ada_books_directly, ada_takes_bookings, book, page, slots},
    google_client::{authorized_code, client, client_for},
    helpers::{Cookies, TestApp},
};

const ADA: &str = "ada@example.com";

async fn session(app: &TestApp, cookies: &Cookies) -> Value {
    let session = app.server_fn_form("get_session", &[], cookies).await;
    assert_eq!(session.status(), 200);
    session.json().await.unwrap()
}

async fn forget_stored_refresh_token(app: &TestApp) {
    sqlx::query("update google_connections set refresh_token_sealed = null")
        .execute(&app.pool().await)
        .await
        .unwrap();
}

async fn expire_stored_access_token(app: &TestApp) {
    sqlx::query("update google_connections set access_token_expires_at = 0")
        .execute(&app.pool().await)
        .await
        .unwrap();
}

fn query_of(location: &str) -> std::collections::HashMap<String, String> {
    url::Url::parse(location).unwrap().query_pairs().into_owned().collect()
}

#[tokio::test]
async fn a_reconnect_after_the_refresh_token_was_lost_ends_with_one_and_no_second_prompt() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    // The same browser throughout: Google remembers who signed in to it.
    let mut browser = app.sign_in(ADA).await;
    forget_stored_refresh_token(&app).await;

    // Signing in again: Google holds the grant, shows no screen, and so
    // sends no refresh token. BookMate holds none, so back to consent.
    let start = app.browse("/auth/google/login", &mut browser).await;
    let silent = app.browse(start.headers()["location"].to_str().unwrap(), &mut browser).await;
    assert_eq!(silent.status(), 302, "everything granted: no page at Google");
    let callback = silent.headers()["location"].to_str().unwrap().to_owned();
    assert!(query_of(&callback).contains_key("code"), "{callback}");
    let again = app.browse(&callback, &mut browser).await;
    assert_eq!(again.status(), 303);
    let consent_url = again.headers()["location"].to_str().unwrap().to_owned();
    let asked = query_of(&consent_url);
    assert_eq!(asked.get("prompt").map(String::as_str), Some("consent"), "{consent_url}");
    assert_eq!(asked.get("login_hint").map(String::as_str), Some("108734928374650192837"));
    assert!(browser.get("bookmate_oauth").is_some(), "a new transaction for the second trip");

    let consent = app.browse(&consent_url, &mut browser).await;
    assert_eq!(consent.status(), 200, "prompt=consent shows the screen");
    let consent = consent.text().await.unwrap();
    let callback = app.answer_consent(&consent, &mut browser, ADA, &[], true).await;
    let signed_in = app.browse(&callback, &mut browser).await;
    assert_eq!(signed_in.status(), 303);
    assert_eq!(signed_in.headers()["location"], "/");
    let stored: Option<String> = sqlx::query_scalar("select refresh_token_sealed from google_connections")
        .fetch_one(&app.pool().await)
        .await
        .unwrap();
    assert!(stored.is_some_and(|sealed| sealed.starts_with("v1.")), "a refresh token is held again");

    // An hour later, by Google's clock and ours, the token is refreshed and
    // nobody is asked to reconnect.
    app.google.advance_clock(Duration::hours(1));
    expire_stored_access_token(&app).await;
    let calendars = app.server_fn_form("list_calendars", &[], &browser).await;
    assert_eq!(calendars.status(), 200, "{}", calendars.text().await.unwrap());
    assert_eq!(session(&app, &browser).await["needs_reconnect"], false);
    assert_eq!(app.google.calls().get("token.refresh_token"), Some(&1));
    app.stop().await;
}

#[tokio::test]
async fn a_refresh_token_of_another_oauth_client_is_told_apart_and_means_reconnect() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let oidc = client(&app);
    let (code, transaction) = authorized_code(&app, &oidc, &app::google_scopes::SIGN_IN).await;
    let refresh_token =
        oidc.exchange_code(&code, &transaction, Utc::now()).await.unwrap().refresh_token.unwrap();
    // The operator recreated the OAuth client: the new one may not use the
    // old one's tokens.
    app.google.add_client(SeedClient {
        client_id: "recreated.apps.googleusercontent.com".to_owned(),
        client_secret: "recreated-secret".to_owned(),
        redirect_uris: vec![format!("{}/auth/google/callback", app.address)],
        testing: false,
    });
    let recreated = client_for(&app, "recreated.apps.googleusercontent.com", "recreated-secret");
    let refused = recreated.refresh(&refresh_token, Utc::now()).await;
    assert!(matches!(refused, Err(OidcError::OtherClientsToken)), "{refused:?}");
    // A deleted client is the operator's to fix, not the host's.
    assert!(app.google.delete_client(DEVELOPMENT_CLIENT_ID));
    let deleted = oidc.refresh(&refresh_token, Utc::now()).await;
    assert!(
        matches!(deleted, Err(OidcError::ClientRejected(ref error)) if error == "deleted_client"),
        "{deleted:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_deleted_oauth_client_leaves_hosts_connected_and_google_unavailable() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let ada = app.sign_in(ADA).await;
    expire_stored_access_token(&app).await;
    assert!(app.google.delete_client(DEVELOPMENT_CLIENT_ID));
    let calendars = app.server_fn_form("list_calendars", &[], &ada).await;
    assert_eq!(calendars.status(), 409);
    assert!(calendars.text().await.unwrap().contains("not answering right now"));
    assert_eq!(session(&app, &ada).await["needs_reconnect"], false, "no reconnect would help");
    app.stop().await;
}

#[tokio::test]
async fn disconnecting_with_only_an_expired_access_token_keeps_the_connection_google_keeps() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let ada = app.sign_in(ADA).await;
    forget_stored_refresh_token(&app).await;
    expire_stored_access_token(&app).await;
    app.google.expire_access_tokens(ADA);

    let refused = app.server_fn_form("disconnect_google", &[], &ada).await;
    assert_eq!(refused.status(), 409);
    let message = refused.text().await.unwrap();
    assert!(message.contains("https://myaccount.google.com/connections"), "{message}");
    assert!(app.google.grant(ADA, DEVELOPMENT_CLIENT_ID).is_some(), "Google keeps the grant");
    let connections: i64 = sqlx::query_scalar("select count(*) from google_connections")
        .fetch_one(&app.pool().await)
        .await
        .unwrap();
    assert_eq!(connections, 1, "so BookMate keeps its record of it");
    assert_eq!(app.google.calls().get("revoke"), None, "no revocation that cannot work was sent");

    // Reconnected, the host can disconnect: the grant goes at Google too.
    let ada = app.sign_in(ADA).await;
    let disconnected = app.server_fn_form("disconnect_google", &[], &ada).await;
    assert_eq!(disconnected.status(), 200, "{}", disconnected.text().await.unwrap());
    assert!(app.google.grant(ADA, DEVELOPMENT_CLIENT_ID).is_none());
    app.stop().await;
}

#[tokio::test]
async fn a_lost_insert_answer_then_a_retry_makes_one_event_even_when_google_misses_the_duplicate() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut ada = ada_takes_bookings(&app).await;
    ada_books_directly(&app, &mut ada).await;
    // Google inserts, then the answer is lost; and it would take the same id
    // twice.
    app.google.inject_lost_answer(
        "events.insert",
        Fault { status: 503, retry_after_seconds: None, delay_ms: None },
        1,
    );
    app.google.miss_duplicate_ids(1);

    let (start, _) = slots(&page(&app, "UTC").await)[0].clone();
    let booked = book(&app, start, "bob@example.net").await;
    assert_eq!(booked.status(), 200);
    let confirmation: Value = booked.json().await.unwrap();
    assert_eq!(confirmation["invitation"], "InHostCalendar");
    let inserted = app.google.inserted_events();
    assert_eq!(inserted.len(), 1, "one event, not two: {inserted:?}");
    assert_eq!(app.google.calls().get("events.insert"), Some(&1));
    assert_eq!(app.google.calls().get("events.get"), Some(&1), "looked for before inserting again");
    let stored: Option<String> = sqlx::query_scalar("select google_ical_uid from bookings")
        .fetch_one(&app.pool().await)
        .await
        .unwrap();
    assert_eq!(
        stored.as_deref(),
        Some(inserted[0].1.ical_uid.as_str()),
        "Google's iCalUID, as Google gave it"
    );
    app.stop().await;
}

#[tokio::test]
async fn an_id_token_with_the_bare_issuer_signs_in() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.google.set_bare_issuer(true);
    let ada = app.sign_in(ADA).await;
    assert_eq!(session(&app, &ada).await["email"], ADA);
    app.stop().await;
}

#[tokio::test]
async fn a_key_google_rotated_in_is_fetched_and_a_sign_in_goes_on() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.sign_in(ADA).await;
    app.google.rotate_signing_key();
    // Signed with a key BookMate's held copy of Google's keys lacks.
    let grace = app.sign_in("grace@example.com").await;
    assert_eq!(session(&app, &grace).await["email"], "grace@example.com");
    app.stop().await;
}

#[tokio::test]
async fn more_than_fifty_busy_calendars_are_refused_clearly() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let ada = app.sign_in(ADA).await;
    let calendar_ids: Vec<String> = (0..51).map(|index| format!("team{index}@example.com")).collect();
    let saved =
        app.server_fn_json("save_busy_calendars", json!({ "calendar_ids": calendar_ids }), &ada).await;
    assert_eq!(saved.status(), 422);
    let message = saved.text().await.unwrap();
    assert!(message.contains("at most 50 calendars") && message.contains("Untick 1"), "{message}");
    app.stop().await;
}

#[tokio::test]
async fn a_silent_grant_without_a_google_session_comes_back_as_not_granted() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let ada = app.sign_in(ADA).await;
    let saved =
        app.server_fn_json("save_direct_booking", json!({ "enabled": true, "calendar_id": ADA }), &ada).await;
    assert_eq!(saved.status(), 200);
    // A browser BookMate knows but Google does not (its session ended).
    let mut elsewhere = Cookies::default();
    elsewhere.absorb_pair("bookmate_session", ada.get("bookmate_session").unwrap());
    let start = app
        .client
        .post(format!("{}/auth/google/grant", app.address))
        .header("cookie", elsewhere.header())
        .header("origin", &app.address)
        .form(&[("return_to", "/settings"), ("silent", "true")])
        .send()
        .await
        .unwrap();
    elsewhere.absorb(&start);
    assert_eq!(start.status(), 303);
    let answer = app.browse(start.headers()["location"].to_str().unwrap(), &mut elsewhere).await;
    let callback = answer.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(query_of(&callback).get("error").map(String::as_str), Some("login_required"), "{callback}");
    let back = app.browse(&callback, &mut elsewhere).await;
    assert_eq!(back.status(), 303);
    assert_eq!(back.headers()["location"], "/settings?google_access=denied");
    app.stop().await;
}

#[tokio::test]
async fn a_host_with_the_older_broad_grant_keeps_working_and_can_narrow_it() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    // An older BookMate asked for calendar.readonly at sign-in.
    let oidc = client(&app);
    let broad = [app::google_scopes::SIGN_IN.as_slice(), &[CALENDAR_READONLY]].concat();
    let (code, transaction) = authorized_code(&app, &oidc, &broad).await;
    oidc.exchange_code(&code, &transaction, Utc::now()).await.unwrap();
    let mut ada = app.sign_in(ADA).await;
    let settings: Value = app.server_fn_form("get_settings", &[], &ada).await.json().await.unwrap();
    assert_eq!(settings["broader_than_needed"], true, "{settings}");
    let access = settings["google_access"].to_string();
    assert!(access.contains("See and download any calendar you can access"), "{access}");
    assert_eq!(app.server_fn_form("list_calendars", &[], &ada).await.status(), 200, "it keeps working");

    let narrow = app
        .client
        .post(format!("{}/auth/google/narrow", app.address))
        .header("cookie", ada.header())
        .header("origin", &app.address)
        .send()
        .await
        .unwrap();
    ada.absorb(&narrow);
    assert_eq!(narrow.status(), 303, "{}", narrow.text().await.unwrap_or_default());
    assert!(app.google.grant(ADA, DEVELOPMENT_CLIENT_ID).is_none(), "Google removes access only whole");
    let consent_url = narrow.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(query_of(&consent_url).get("prompt").map(String::as_str), Some("consent"));
    let consent = app.browse(&consent_url, &mut ada).await.text().await.unwrap();
    assert!(!consent.contains("See and download any calendar"), "{consent}");
    let callback = app.answer_consent(&consent, &mut ada, ADA, &[], true).await;
    let back = app.browse(&callback, &mut ada).await;
    assert_eq!(back.headers()["location"], "/settings?narrowed=true&google_access=granted");

    let grant = app.google.grant(ADA, DEVELOPMENT_CLIENT_ID).unwrap();
    assert!(!grant.scopes.contains(CALENDAR_READONLY), "{grant:?}");
    let settings: Value = app.server_fn_form("get_settings", &[], &ada).await.json().await.unwrap();
    assert_eq!(settings["broader_than_needed"], false);
    assert_eq!(app.server_fn_form("list_calendars", &[], &ada).await.status(), 200, "and works narrowed");
    app.stop().await;
}
