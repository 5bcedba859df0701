//! BookMate's Google client (OpenID Connect and Calendar), against the
//! emulator: every check of the ID token, PKCE, refresh, and the Calendar
//! calls with their error handling. The client suite (`client_suite.rs`)
//! runs here against the emulator; `tests/real_google.rs` runs it against
//! real Google when `GOOGLE_TEST_*` are set.

use app::{
    db::Backend,
    google::{
        calendar::{CalendarApi, CalendarError},
        oidc::{AuthorizationRequest, GoogleOidc, OidcError, Prompt, Purpose, Transaction},
        AccessToken,
    },
    google_scopes::{CALENDAR_EVENTS, SIGN_IN},
};
use chrono::Utc;
use google_emulator::{ConsentDecision, Fault, DEVELOPMENT_CLIENT_ID, DEVELOPMENT_CLIENT_SECRET};
use serde_json::json;

use crate::{
    client_suite::{meeting, run_client_suite},
    helpers::{Cookies, TestApp},
};

const ADA: &str = "ada@example.com";

pub(crate) fn client(app: &TestApp) -> GoogleOidc {
    client_for(app, DEVELOPMENT_CLIENT_ID, DEVELOPMENT_CLIENT_SECRET)
}

/// A client of the app's emulator, registered as `client_id`.
pub(crate) fn client_for(app: &TestApp, client_id: &str, client_secret: &str) -> GoogleOidc {
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    GoogleOidc::new(
        &format!("{}/__google", app.address),
        client_id,
        client_secret,
        &format!("{}/auth/google/callback", app.address),
        http,
    )
    .unwrap()
}

/// Runs an authorization as Ada (consent preset to allow) and returns the
/// code with the transaction that started it.
pub(crate) async fn authorized_code(
    app: &TestApp,
    oidc: &GoogleOidc,
    scopes: &[&str],
) -> (String, Transaction) {
    app.google.set_consent(ADA, ConsentDecision::Allow);
    let request = AuthorizationRequest {
        scopes,
        login_hint: Some(ADA),
        prompt: Prompt::Default,
        purpose: Purpose::SignIn,
    };
    let (url, transaction) = oidc.authorization_url(request, Utc::now()).await.unwrap();
    let answer = app.client.get(url.as_str()).send().await.unwrap();
    let location = url::Url::parse(answer.headers()["location"].to_str().unwrap()).unwrap();
    let code = location.query_pairs().find(|(key, _)| key == "code").expect("a code").1.into_owned();
    (code, transaction)
}

#[tokio::test]
async fn id_tokens_with_a_wrong_audience_issuer_or_nonce_are_refused() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let oidc = client(&app);
    for (claim, value) in [
        ("aud", json!("someone-else.apps.googleusercontent.com")),
        ("iss", json!("https://evil.example")),
        ("nonce", json!("replayed")),
    ] {
        let (code, transaction) = authorized_code(&app, &oidc, &SIGN_IN).await;
        app.google.tamper_next_id_token([(claim.to_owned(), value)].into_iter().collect());
        let result = oidc.exchange_code(&code, &transaction, Utc::now()).await;
        assert!(matches!(result, Err(OidcError::IdToken(_))), "a wrong {claim} must be refused: {result:?}");
    }
    let (code, transaction) = authorized_code(&app, &oidc, &SIGN_IN).await;
    let accepted = oidc.exchange_code(&code, &transaction, Utc::now()).await.unwrap();
    assert_eq!(accepted.profile.email, ADA);
    app.stop().await;
}

#[tokio::test]
async fn a_wrong_pkce_verifier_is_refused_by_google() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let oidc = client(&app);
    let (code, mut transaction) = authorized_code(&app, &oidc, &SIGN_IN).await;
    transaction.pkce_verifier = "a".repeat(43);
    let result = oidc.exchange_code(&code, &transaction, Utc::now()).await;
    assert!(matches!(result, Err(OidcError::InvalidGrant)), "{result:?}");
    app.stop().await;
}

#[tokio::test]
async fn calendar_calls_work_and_fail_the_way_google_does() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let oidc = client(&app);
    let (code, transaction) =
        authorized_code(&app, &oidc, &[SIGN_IN.as_slice(), &[CALENDAR_EVENTS]].concat()).await;
    let authorization = oidc.exchange_code(&code, &transaction, Utc::now()).await.unwrap();
    let refresh_token = authorization.refresh_token.clone().expect("offline access");
    let calendar = CalendarApi::new(&format!("{}/__google/calendar/v3", app.address), reqwest::Client::new());
    run_client_suite(&oidc, &calendar, &refresh_token).await;
    // The write path went through: one event, in the primary calendar, once.
    let inserted = app.google.inserted_events();
    assert_eq!(inserted.len(), 1, "{inserted:?}");
    assert_eq!(inserted[0].0, ADA);
    assert_eq!(app.google.calls().get("events.insert"), Some(&2), "the insert and its duplicate");

    // Errors: an unknown token, and a token without the write scope.
    let bogus = AccessToken::for_tests("ya29.bogus");
    assert_eq!(calendar.calendar_list(&bogus).await, Err(CalendarError::Unauthorized));
    let (code, transaction) = authorized_code(&app, &oidc, &SIGN_IN).await;
    app.google.narrow_next_token(ADA, vec![CALENDAR_EVENTS.to_owned()]);
    let reading_only = oidc.exchange_code(&code, &transaction, Utc::now()).await.unwrap();
    let token = AccessToken::for_tests(&reading_only.access_token);
    let refused = calendar.insert_event(&token, "primary", &meeting("bookmate0000readonly")).await;
    assert!(
        matches!(refused, Err(CalendarError::MissingScope { ref accepted }) if accepted.contains(CALENDAR_EVENTS)),
        "{refused:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_token_endpoint_saying_slow_down_is_told_apart_from_a_refused_grant() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let oidc = client(&app);
    let (code, transaction) = authorized_code(&app, &oidc, &SIGN_IN).await;
    let authorization = oidc.exchange_code(&code, &transaction, Utc::now()).await.unwrap();
    let refresh_token = authorization.refresh_token.expect("offline access");
    let refresh_fault = |status, retry_after_seconds| {
        app.google.inject_fault(
            "token.refresh_token",
            Fault { status, retry_after_seconds, delay_ms: None },
            1,
        );
    };

    refresh_fault(429, Some(7));
    let limited = oidc.refresh(&refresh_token, Utc::now()).await;
    assert!(
        matches!(limited, Err(OidcError::RateLimited { retry_after: Some(after) })
            if after == std::time::Duration::from_secs(7)),
        "{limited:?}"
    );
    refresh_fault(503, None);
    let failing = oidc.refresh(&refresh_token, Utc::now()).await;
    assert!(matches!(failing, Err(OidcError::Unavailable(_))), "{failing:?}");
    refresh_fault(400, None);
    let refused = oidc.refresh(&refresh_token, Utc::now()).await;
    assert!(matches!(refused, Err(OidcError::InvalidGrant)), "{refused:?}");
    app.stop().await;
}

#[tokio::test]
async fn a_rate_limited_refresh_is_waited_out_and_never_asks_the_host_to_reconnect() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let cookies = app.sign_in(ADA).await;
    let pool = app.pool().await;
    let rate_limited = Fault { status: 429, retry_after_seconds: Some(1), delay_ms: None };

    // Twice "slow down", then an answer: BookMate waits as told and goes on.
    expire_stored_token(&pool).await;
    app.google.inject_fault("token.refresh_token", rate_limited.clone(), 2);
    let calendars = app.server_fn_form("list_calendars", &[], &cookies).await;
    assert_eq!(calendars.status(), 200, "{}", calendars.text().await.unwrap());
    assert_eq!(app.google.calls().get("token.refresh_token"), Some(&3));
    assert!(!needs_reconnect(&app, &cookies).await);

    // "Slow down" on every attempt: this call fails, the connection stands.
    expire_stored_token(&pool).await;
    app.google.inject_fault("token.refresh_token", rate_limited, 3);
    let calendars = app.server_fn_form("list_calendars", &[], &cookies).await;
    assert_eq!(calendars.status(), 409);
    let message = calendars.text().await.unwrap();
    assert!(message.contains("not answering right now"), "{message}");
    assert_eq!(app.google.calls().get("token.refresh_token"), Some(&6), "bounded: three attempts");
    assert!(!needs_reconnect(&app, &cookies).await, "a rate limit is no verdict on the grant");
    let calendars = app.server_fn_form("list_calendars", &[], &cookies).await;
    assert_eq!(calendars.status(), 200, "the next call refreshes as usual");
    app.stop().await;
}

/// BookMate's stored access token has run out, so the next call refreshes.
async fn expire_stored_token(pool: &app::db::DbPool) {
    sqlx::query("update google_connections set access_token_expires_at = 0").execute(pool).await.unwrap();
}

async fn needs_reconnect(app: &TestApp, cookies: &Cookies) -> bool {
    let session = app.server_fn_form("get_session", &[], cookies).await;
    assert_eq!(session.status(), 200);
    let session: serde_json::Value = session.json().await.unwrap();
    session["needs_reconnect"].as_bool().unwrap()
}
