//! The consent page works for a person with a browser: its HTML form is
//! parsed and posted here exactly as a browser would submit it.

mod common;

use common::*;
use serde_json::Value;

const CALENDAR_EVENTS: &str = "calendar.events";

impl Google {
    /// Opens the consent page for these scopes and returns its form.
    async fn consent_form(&self, extra: &[(&str, &str)]) -> (String, Vec<Input>, String) {
        let response = self.authorize(extra).await;
        assert_eq!(response.status(), 200, "a consent page, not a redirect");
        let html = response.text().await.unwrap();
        let (action, inputs) = parse_form(&html);
        (action, inputs, html)
    }

    async fn submit(&self, action: &str, fields: &[(String, String)]) -> reqwest::Response {
        self.http.post(action).form(fields).send().await.unwrap()
    }
}

#[tokio::test]
async fn unticking_a_scope_on_the_consent_page_grants_the_rest() {
    let google = Google::start().await;
    let (action, mut inputs, html) =
        google.consent_form(&[("scope", &format!("openid email {READONLY} {EVENTS}"))]).await;
    assert!(action.starts_with(&google.base), "the form posts back to the issuer: {action}");
    assert!(html.contains("View and edit events on all your calendars"), "scopes in plain words");
    let ada = inputs.iter().find(|input| input.testid.as_deref() == Some("account-ada@example.com")).unwrap();
    assert!(ada.checked, "login_hint selects the account");
    let boxes: Vec<&Input> = inputs.iter().filter(|input| input.kind == "checkbox").collect();
    assert_eq!(boxes.len(), 2, "one box per non-Sign-In scope: {boxes:?}");

    let events_box = format!("scope-{CALENDAR_EVENTS}");
    for input in &mut inputs {
        if input.testid.as_deref() == Some(events_box.as_str()) {
            input.checked = false;
        }
    }
    let answer = google.submit(&action, &submission(&inputs, "allow")).await;
    assert_eq!(answer.status(), 302);
    assert_eq!(session_cookie(&answer), format!("emulator_account={ADA_SUB}"), "signed in to Google now");
    let query = query_of(answer.headers()["location"].to_str().unwrap());
    assert_eq!(query["state"], "xyz");
    assert_eq!(query["prompt"], "consent");
    let granted: Vec<&str> = query["scope"].split(' ').collect();
    assert!(granted.contains(&READONLY) && !granted.contains(&EVENTS), "{granted:?}");

    let (status, tokens) = google.exchange(&query["code"]).await;
    assert_eq!(status, 200);
    assert!(!scopes_of(&tokens).contains(&EVENTS.to_owned()));
    assert!(!google.emulator.grant(ADA, CLIENT).unwrap().scopes.contains(EVENTS));
}

#[tokio::test]
async fn the_narrow_calendar_scopes_are_described_in_googles_words() {
    let google = Google::start().await;
    let scopes = [
        "https://www.googleapis.com/auth/calendar.calendarlist.readonly",
        "https://www.googleapis.com/auth/calendar.events.freebusy",
        "https://www.googleapis.com/auth/calendar.freebusy",
    ];
    let (_, _, html) = google.consent_form(&[("scope", &format!("openid {}", scopes.join(" ")))]).await;
    for words in [
        "See the list of Google calendars you\u{2019}re subscribed to",
        "See the availability on Google calendars you have access to",
        "View your availability in your calendars",
    ] {
        assert!(html.contains(words), "{words}");
    }
}

#[tokio::test]
async fn cancel_on_the_consent_page_sends_access_denied_with_the_state() {
    let google = Google::start().await;
    let (action, inputs, _) = google.consent_form(&[("scope", "openid email")]).await;
    let answer = google.submit(&action, &submission(&inputs, "cancel")).await;
    assert_eq!(answer.status(), 302);
    let query = query_of(answer.headers()["location"].to_str().unwrap());
    assert_eq!(query["error"], "access_denied");
    assert_eq!(query["state"], "xyz");
    assert!(!query.contains_key("code"));
    assert!(google.emulator.grant(ADA, CLIENT).is_none());
}

#[tokio::test]
async fn already_granted_scopes_are_marked_and_only_new_ones_get_a_box() {
    let google = Google::start().await;
    google.signed_in(&format!("openid email {READONLY}")).await;
    let (_, inputs, html) = google
        .consent_form(&[("scope", &format!("openid email {READONLY} {EVENTS}")), ("prompt", "consent")])
        .await;
    assert!(html.contains("(already granted)"));
    let boxes: Vec<String> =
        inputs.iter().filter(|input| input.kind == "checkbox").map(|input| input.value.clone()).collect();
    assert_eq!(boxes, [EVENTS.to_owned()], "the granted read-only scope is not asked again");
}

#[tokio::test]
async fn a_typed_email_signs_in_a_new_google_account() {
    let google = Google::start().await;
    let response = google
        .http
        .get(format!("{}/o/oauth2/v2/auth", google.base))
        .query(&[
            ("client_id", CLIENT),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("scope", "openid email profile"),
            ("state", "s"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "no hint and no session: the account chooser");
    let (action, mut inputs) = parse_form(&response.text().await.unwrap());
    for input in &mut inputs {
        if input.kind == "radio" {
            input.checked = input.value == "other";
        }
        if input.name == "other_email" {
            input.value = "newcomer@example.org".to_owned();
        }
    }
    let answer = google.submit(&action, &submission(&inputs, "allow")).await;
    let query = query_of(answer.headers()["location"].to_str().unwrap());
    let (status, tokens) = google
        .token(&[("grant_type", "authorization_code"), ("code", &query["code"]), ("redirect_uri", REDIRECT)])
        .await;
    assert_eq!(status, 200, "{tokens}");
    let userinfo: Value = google
        .http
        .get(format!("{}/v1/userinfo", google.base))
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(userinfo["email"], "newcomer@example.org");
    let sub = userinfo["sub"].as_str().unwrap();
    assert!(sub.len() == 21 && sub.chars().all(|c| c.is_ascii_digit()), "{sub}");
}

#[tokio::test]
async fn select_account_shows_the_chooser_even_when_everything_is_granted() {
    let google = Google::start().await;
    google.signed_in("openid email").await;
    let silent = google.authorize(&[("scope", "openid email")]).await;
    assert_eq!(silent.status(), 302, "granted before, no prompt: straight back");
    let chooser = google.authorize(&[("scope", "openid email"), ("prompt", "select_account")]).await;
    assert_eq!(chooser.status(), 200);
    let html = chooser.text().await.unwrap();
    assert!(html.contains("data-testid=\"account-grace@example.com\""), "every seeded account is offered");
}

#[tokio::test]
async fn nested_under_a_prefix_every_url_the_emulator_emits_works() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let issuer = format!("{origin}/__google");
    let emulator = google_emulator::Emulator::new(google_emulator::EmulatorConfig::new(
        issuer.parse().unwrap(),
        google_emulator::Seed::development(vec![REDIRECT.to_owned()]),
    ));
    let app = axum::Router::new().nest("/__google", emulator.router());
    tokio::spawn(async move { axum::serve(listener, app).await });
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();

    let discovery: Value = http
        .get(format!("{issuer}/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(discovery["issuer"], issuer);
    let page = http
        .get(discovery["authorization_endpoint"].as_str().unwrap())
        .query(&[
            ("client_id", CLIENT),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("scope", "openid email"),
            ("login_hint", ADA),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let (action, inputs) = parse_form(&page.text().await.unwrap());
    assert!(action.starts_with(&format!("{issuer}/")), "{action}");
    let answer = http.post(&action).form(&submission(&inputs, "allow")).send().await.unwrap();
    let query = query_of(answer.headers()["location"].to_str().unwrap());
    assert_eq!(query["iss"], issuer);
    let tokens = http
        .post(discovery["token_endpoint"].as_str().unwrap())
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", query["code"].as_str()),
            ("redirect_uri", REDIRECT),
            ("client_id", CLIENT),
            ("client_secret", SECRET),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(tokens.status(), 200);
    let jwks = http.get(discovery["jwks_uri"].as_str().unwrap()).send().await.unwrap();
    assert_eq!(jwks.status(), 200);
}
