//! Sign-in with Google, against the emulator: what is asked, what is
//! checked, what is stored.

use app::{
    db::{google_connections, users, Backend},
    google_scopes::{CALENDAR_EVENTS, CALENDAR_EVENTS_FREEBUSY, CALENDAR_LIST_READONLY, EMAIL, PROFILE},
};
use google_emulator::{Fault, DEVELOPMENT_CLIENT_ID};

use crate::helpers::{Cookies, TestApp};

const ADA: &str = "ada@example.com";

#[tokio::test]
async fn sign_in_asks_for_the_five_narrow_sign_in_scopes_and_nothing_more() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut cookies = Cookies::default();
    let start = app.browse("/auth/google/login", &mut cookies).await;
    let location = url::Url::parse(start.headers()["location"].to_str().unwrap()).unwrap();
    let query: std::collections::HashMap<_, _> = location.query_pairs().into_owned().collect();
    let mut scopes: Vec<&str> = query["scope"].split(' ').collect();
    scopes.sort_unstable();
    assert_eq!(
        scopes,
        [
            "email",
            "https://www.googleapis.com/auth/calendar.calendarlist.readonly",
            "https://www.googleapis.com/auth/calendar.events.freebusy",
            "openid",
            "profile"
        ]
    );
    assert_eq!(query["response_type"], "code");
    assert_eq!(query["access_type"], "offline");
    assert_eq!(query["include_granted_scopes"], "true");
    assert_eq!(query["code_challenge_method"], "S256");
    assert_eq!(query["redirect_uri"], format!("{}/auth/google/callback", app.address));
    assert!(query.contains_key("state") && query.contains_key("nonce"));
    let transaction = cookies.get("bookmate_oauth").expect("the transaction cookie");
    assert!(!transaction.contains(&query["state"]), "the state is sealed, not readable");
    app.stop().await;
}

#[tokio::test]
async fn a_host_signs_in_and_google_grants_are_stored_sealed() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let app = TestApp::spawn(backend).await;
        let cookies = app.sign_in(ADA).await;

        let landing = app.browse_page("/", &mut cookies.clone()).await;
        assert_eq!(landing.status(), 200, "{backend:?}");
        let landing = landing.text().await.unwrap();
        assert!(landing.contains("Ada Lovelace"), "{backend:?}: the page greets the host");

        let grant = app.google.grant(ADA, DEVELOPMENT_CLIENT_ID).expect("a grant at Google");
        let mut granted: Vec<&str> = grant.scopes.iter().map(String::as_str).collect();
        granted.sort_unstable();
        assert_eq!(
            granted,
            [
                "https://www.googleapis.com/auth/calendar.calendarlist.readonly",
                "https://www.googleapis.com/auth/calendar.events.freebusy",
                EMAIL,
                PROFILE,
                "openid"
            ]
        );

        let db = app.pool().await;
        let user_id: i64 = sqlx::query_scalar("select user_id from users").fetch_one(&db).await.unwrap();
        let user = users::find_by_id(&db, user_id).await.unwrap().unwrap();
        assert_eq!(user.google_sub, "108734928374650192837");
        assert_eq!(user.email, ADA, "{backend:?}");
        // Signing in publishes nothing: no page until the host picks its name
        // (none is made up from the email address).
        assert_eq!(user.username, None, "{backend:?}");
        assert_eq!(users::find_by_username(&db, "ada").await.unwrap(), None, "{backend:?}");
        let connection = google_connections::find(&db, user_id).await.unwrap().unwrap();
        for scope in [CALENDAR_LIST_READONLY, CALENDAR_EVENTS_FREEBUSY, EMAIL, PROFILE, "openid"] {
            assert!(connection.granted_scopes.contains(scope), "{backend:?}: {scope} stored");
        }
        assert!(!connection.granted_scopes.contains(CALENDAR_EVENTS));
        let sealed = connection.refresh_token_sealed.expect("a refresh token, sealed");
        assert!(sealed.starts_with("v1.") && !sealed.contains("1//"));
        assert!(connection.access_token_sealed.unwrap().starts_with("v1."));
        app.stop().await;
    }
}

#[tokio::test]
async fn tokens_cannot_be_read_from_the_database_file() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    app.sign_in(ADA).await;
    let file = std::fs::read(app.database.directory.path().join("bookmate.db")).unwrap();
    let wal = std::fs::read(app.database.directory.path().join("bookmate.db-wal")).unwrap_or_default();
    for bytes in [&file, &wal] {
        let text = String::from_utf8_lossy(bytes);
        assert!(!text.contains("ya29."), "an access token is readable");
        assert!(!text.contains("1//0g"), "a refresh token is readable");
    }
    app.stop().await;
}

#[tokio::test]
async fn cancelling_at_google_stores_nothing() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut cookies = Cookies::default();
    let (_, page) = app.start_sign_in(&mut cookies, "/auth/google/login").await;
    let callback = app.answer_consent(&page, &mut cookies, ADA, &[], false).await;
    assert!(callback.contains("error=access_denied"));
    let answer = app.browse(&callback, &mut cookies).await;
    assert_eq!(answer.status(), 200);
    assert!(answer.text().await.unwrap().contains("You cancelled signing in"));
    assert!(cookies.get("bookmate_session").is_none());
    let users: i64 =
        sqlx::query_scalar("select count(*) from users").fetch_one(&app.pool().await).await.unwrap();
    assert_eq!(users, 0);
    app.stop().await;
}

#[tokio::test]
async fn a_forged_state_is_refused() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut cookies = Cookies::default();
    let (_, page) = app.start_sign_in(&mut cookies, "/auth/google/login").await;
    let callback = app.answer_consent(&page, &mut cookies, ADA, &[], true).await;
    let mut forged = url::Url::parse(&callback).unwrap();
    let pairs: Vec<(String, String)> = forged
        .query_pairs()
        .into_owned()
        .map(|(key, value)| if key == "state" { (key, "forged".to_owned()) } else { (key, value) })
        .collect();
    forged.query_pairs_mut().clear().extend_pairs(pairs);
    let answer = app.browse(forged.as_str(), &mut cookies).await;
    assert_eq!(answer.status(), 400);
    assert!(answer.text().await.unwrap().contains("could not be verified"));
    assert!(cookies.get("bookmate_session").is_none());
    app.stop().await;
}

#[tokio::test]
async fn a_replayed_code_is_refused_and_the_first_sign_in_stands() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut cookies = Cookies::default();
    let (_, page) = app.start_sign_in(&mut cookies, "/auth/google/login").await;
    let callback = app.answer_consent(&page, &mut cookies, ADA, &[], true).await;
    let transaction = cookies.get("bookmate_oauth").unwrap().to_owned();
    assert_eq!(app.browse(&callback, &mut cookies).await.status(), 303);

    // An attacker replays the same callback, with the old transaction cookie.
    let mut attacker = Cookies::default();
    attacker.absorb_pair("bookmate_oauth", &transaction);
    let replay = app.browse(&callback, &mut attacker).await;
    assert_eq!(replay.status(), 400);
    assert!(replay.text().await.unwrap().contains("already used"));
    assert!(attacker.get("bookmate_session").is_none());
    app.stop().await;
}

#[tokio::test]
async fn an_id_token_for_another_transaction_fails_its_nonce_check() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut first = Cookies::default();
    let (_, page) = app.start_sign_in(&mut first, "/auth/google/login").await;
    let callback = app.answer_consent(&page, &mut first, ADA, &[], true).await;
    // A second sign-in in another browser: its transaction has its own nonce
    // and state. The first browser's code arrives with the second's state.
    let mut second = Cookies::default();
    let start = app.browse("/auth/google/login", &mut second).await;
    let authorize = url::Url::parse(start.headers()["location"].to_str().unwrap()).unwrap();
    let second_state = authorize.query_pairs().find(|(key, _)| key == "state").unwrap().1.into_owned();
    let mut mixed = url::Url::parse(&callback).unwrap();
    let pairs: Vec<(String, String)> = mixed
        .query_pairs()
        .into_owned()
        .map(|(key, value)| if key == "state" { (key, second_state.clone()) } else { (key, value) })
        .collect();
    mixed.query_pairs_mut().clear().extend_pairs(pairs);
    let answer = app.browse(mixed.as_str(), &mut second).await;
    assert_eq!(answer.status(), 400, "the code was issued for another nonce and PKCE verifier");
    assert!(second.get("bookmate_session").is_none());
    app.stop().await;
}

#[tokio::test]
async fn an_expired_token_is_refreshed_transparently() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let cookies = app.sign_in(ADA).await;
    // Google's clock moves past the token's hour; BookMate's stored expiry
    // does not know yet, so the call meets a 401 and refreshes once.
    app.google.advance_clock(chrono::Duration::seconds(3700));
    let calendars = app.server_fn_form("list_calendars", &[], &cookies).await;
    assert_eq!(calendars.status(), 200, "{}", calendars.text().await.unwrap());
    let list: serde_json::Value = calendars.json().await.unwrap();
    assert_eq!(list[0]["id"], ADA, "primary first");
    assert_eq!(app.google.calls().get("token.refresh_token"), Some(&1));
    app.stop().await;
}

#[tokio::test]
async fn concurrent_requests_share_one_refresh() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let cookies = app.sign_in(ADA).await;
    // BookMate's stored token has expired.
    sqlx::query("update google_connections set access_token_expires_at = 0")
        .execute(&app.pool().await)
        .await
        .unwrap();
    let mut requests = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let (client, url, cookie) =
            (app.client.clone(), format!("{}/api/list_calendars", app.address), cookies.header());
        requests
            .spawn(async move { client.post(url).header("cookie", cookie).send().await.unwrap().status() });
    }
    let statuses = requests.join_all().await;
    assert!(statuses.iter().all(|status| *status == 200), "{statuses:?}");
    assert_eq!(app.google.calls().get("token.refresh_token"), Some(&1), "exactly one refresh");
    assert_eq!(app.google.calls().get("calendarList.list"), Some(&20));
    app.stop().await;
}

#[tokio::test]
async fn a_refused_refresh_marks_the_connection_for_reconnection() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let cookies = app.sign_in(ADA).await;
    sqlx::query("update google_connections set access_token_expires_at = 0")
        .execute(&app.pool().await)
        .await
        .unwrap();
    app.google.inject_fault(
        "token.refresh_token",
        Fault { status: 400, retry_after_seconds: None, delay_ms: None },
        1,
    );
    let calendars = app.server_fn_form("list_calendars", &[], &cookies).await;
    assert_eq!(calendars.status(), 409);
    assert!(calendars.text().await.unwrap().contains("Please reconnect Google"));
    let session = app.server_fn_form("get_session", &[], &cookies).await;
    assert_eq!(session.status(), 200);
    let session: serde_json::Value = session.json().await.unwrap();
    assert_eq!(session["needs_reconnect"], true);
    app.stop().await;
}

#[tokio::test]
async fn disconnecting_revokes_the_grant_at_google() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let cookies = app.sign_in(ADA).await;
    assert!(app.google.grant(ADA, DEVELOPMENT_CLIENT_ID).is_some());
    let answer = app.server_fn_form("disconnect_google", &[], &cookies).await;
    assert_eq!(answer.status(), 200, "{}", answer.text().await.unwrap());
    assert!(app.google.grant(ADA, DEVELOPMENT_CLIENT_ID).is_none(), "Google no longer holds a grant");
    let connections: i64 = sqlx::query_scalar("select count(*) from google_connections")
        .fetch_one(&app.pool().await)
        .await
        .unwrap();
    assert_eq!(connections, 0);
    app.stop().await;
}

#[tokio::test]
async fn signing_out_ends_the_session_on_the_server() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut cookies = app.sign_in(ADA).await;
    let stolen = cookies.clone();
    let out = app
        .client
        .post(format!("{}/auth/logout", app.address))
        .header("cookie", cookies.header())
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 303);
    cookies.absorb(&out);
    assert!(cookies.get("bookmate_session").is_none());
    // The old cookie is worthless now.
    let session = app.server_fn_form("get_session", &[], &stolen).await;
    assert_eq!(session.status(), 200);
    let session: serde_json::Value = session.json().await.unwrap();
    assert!(session.is_null());
    assert_eq!(app.server_fn_form("get_settings", &[], &stolen).await.status(), 401);
    app.stop().await;
}
