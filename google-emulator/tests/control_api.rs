//! The `/__emulator/…` control API, over HTTP as browser tests use it.

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};

#[tokio::test]
async fn the_clock_can_be_read_and_moved_forward_to_expire_tokens() {
    let google = Google::start().await;
    let tokens = google.signed_in(&format!("openid email {READONLY}")).await;
    let access = tokens["access_token"].as_str().unwrap();
    let (status, before) = google.get_json("/__emulator/clock").await;
    assert_eq!(status, 200);
    let moved: Value =
        google.post_json("/__emulator/clock", &json!({ "seconds": 3600 })).await.json().await.unwrap();
    let parse = |value: &Value| chrono::DateTime::parse_from_rfc3339(value["now"].as_str().unwrap()).unwrap();
    assert!((parse(&moved) - parse(&before)).num_seconds() >= 3600);
    assert_eq!(google.calendar(access, "/users/me/calendarList").await.status(), 401);
    let (status, _) = google.refresh(tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, 200, "refresh tokens outlive the hour");
}

#[tokio::test]
async fn faults_answer_429_500_and_503_with_retry_after_then_normally() {
    let google = Google::start().await;
    let tokens = google.signed_in(&format!("openid email {READONLY}")).await;
    let access = tokens["access_token"].as_str().unwrap();
    for (status, reason) in [(429, "rateLimitExceeded"), (500, "backendError"), (503, "backendError")] {
        let injected = google
            .post_json(
                "/__emulator/faults",
                &json!({ "endpoint": "events.list", "status": status, "times": 2, "retry_after_seconds": 7 }),
            )
            .await;
        assert_eq!(injected.status(), 204);
        for _ in 0..2 {
            let response = google.calendar(access, "/calendars/primary/events").await;
            assert_eq!(response.status(), status);
            assert_eq!(response.headers()["retry-after"], "7");
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["error"]["errors"][0]["reason"], reason);
        }
        assert_eq!(google.calendar(access, "/calendars/primary/events").await.status(), 200);
    }
    let (_, calls) = google.get_json("/__emulator/calls").await;
    assert_eq!(calls["events.list"], 9);
    let (_, by_token) = google.get_json("/__emulator/calls-by-token").await;
    assert_eq!(by_token[access], 9);
}

#[tokio::test]
async fn a_delay_fault_answers_normally_but_late() {
    let google = Google::start().await;
    let tokens = google.signed_in(&format!("openid email {READONLY}")).await;
    google
        .post_json("/__emulator/faults", &json!({ "endpoint": "freebusy", "status": 200, "delay_ms": 300 }))
        .await;
    let started = Instant::now();
    let now = chrono::Utc::now();
    let query = json!({ "timeMin": now.to_rfc3339(), "timeMax": (now + chrono::Duration::days(1)).to_rfc3339(), "items": [{ "id": "primary" }] });
    let response = google.calendar_post(tokens["access_token"].as_str().unwrap(), "/freeBusy", &query).await;
    assert_eq!(response.status(), 200);
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn the_next_refresh_can_be_made_to_fail_and_tokens_to_expire() {
    let google = Google::start().await;
    let tokens = google.signed_in(&format!("openid email {READONLY}")).await;
    let refresh = tokens["refresh_token"].as_str().unwrap();
    assert_eq!(google.post_json("/__emulator/fail-next-refresh", &json!({})).await.status(), 204);
    let (status, body) = google.refresh(refresh).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")));
    let (status, renewed) = google.refresh(refresh).await;
    assert_eq!(status, 200, "only the next one");

    google.post_json("/__emulator/expire-tokens", &json!({ "email": ADA })).await;
    for token in [&tokens["access_token"], &renewed["access_token"]] {
        assert_eq!(google.calendar(token.as_str().unwrap(), "/users/me/calendarList").await.status(), 401);
    }
}

#[tokio::test]
async fn a_grant_revoked_as_the_person_would_stops_every_token() {
    let google = Google::start().await;
    let tokens = google.signed_in(&format!("openid email {READONLY}")).await;
    let (status, grants) = google.get_json("/__emulator/grants").await;
    assert_eq!(status, 200);
    assert_eq!(grants[0]["email"], ADA);
    assert_eq!(grants[0]["client_id"], CLIENT);
    assert!(grants[0]["scopes"].as_array().unwrap().contains(&json!(READONLY)));
    let (status, one) = google.get_json(&format!("/__emulator/grants?email={ADA}&client_id={CLIENT}")).await;
    assert_eq!((status, one["scopes"].as_array().unwrap().len()), (200, 3));

    let revoked =
        google.post_json("/__emulator/revoke-grant", &json!({ "email": ADA, "client_id": CLIENT })).await;
    assert_eq!(revoked.status(), 204);
    assert_eq!(
        google.calendar(tokens["access_token"].as_str().unwrap(), "/users/me/calendarList").await.status(),
        401
    );
    let (status, body) = google.refresh(tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")));
    let (status, _) = google.get_json(&format!("/__emulator/grants?email={ADA}&client_id={CLIENT}")).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_deleted_client_is_refused_as_deleted_not_as_unknown() {
    let google = Google::start().await;
    let tokens = google.signed_in("openid email").await;
    let deleted = google.post_json("/__emulator/delete-client", &json!({ "client_id": CLIENT })).await;
    assert_eq!(deleted.status(), 204);

    let (status, body) = google.refresh(tokens["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, 401);
    assert_eq!(
        body,
        json!({ "error": "deleted_client", "error_description": "The OAuth client was deleted." })
    );
    let page = google.authorize(&[("scope", "openid")]).await;
    assert_eq!(page.status(), 401, "an error page, not a redirect");
    assert!(page.text().await.unwrap().contains("deleted_client"));

    let again = google.post_json("/__emulator/delete-client", &json!({ "client_id": CLIENT })).await;
    assert_eq!(again.status(), 404, "there is no such client any more");
    let unknown = google
        .http
        .post(format!("{}/token", google.base))
        .basic_auth("nobody.apps.googleusercontent.com", Some("x"))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", "1//x")])
        .send()
        .await
        .unwrap();
    let body: Value = unknown.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client", "a client that never existed stays unknown");
}

#[tokio::test]
async fn preset_consent_decisions_drive_the_flow_without_a_page() {
    let google = Google::start().await;
    let preset = json!({ "email": ADA, "decision": "allow_except", "scopes": [EVENTS] });
    assert_eq!(google.post_json("/__emulator/consent", &preset).await.status(), 204);
    let response = google.authorize(&[("scope", &format!("openid email {READONLY} {EVENTS}"))]).await;
    assert_eq!(response.status(), 302, "decided without a page");
    let query = query_of(response.headers()["location"].to_str().unwrap());
    assert!(query["scope"].contains(READONLY) && !query["scope"].contains(EVENTS));

    google.post_json("/__emulator/consent", &json!({ "email": ADA, "decision": "deny" })).await;
    let response = google.authorize(&[("scope", &format!("openid {EVENTS}"))]).await;
    assert_eq!(query_of(response.headers()["location"].to_str().unwrap())["error"], "access_denied");

    // The grant now holds events; the next token is narrowed behind the
    // client's back anyway.
    google.post_json("/__emulator/consent", &json!({ "email": ADA, "decision": "allow" })).await;
    let response =
        google.authorize(&[("scope", &format!("openid {EVENTS}")), ("include_granted_scopes", "true")]).await;
    let code = query_of(response.headers()["location"].to_str().unwrap())["code"].clone();
    google.post_json("/__emulator/narrow-next-token", &json!({ "email": ADA, "without": [EVENTS] })).await;
    let (_, tokens) = google.exchange(&code).await;
    let scopes = scopes_of(&tokens);
    assert!(!scopes.contains(&EVENTS.to_owned()) && scopes.contains(&READONLY.to_owned()), "{scopes:?}");
}

#[tokio::test]
async fn inserted_events_and_invitations_can_be_read_back() {
    let google = Google::start().await;
    let tokens = google.signed_in(&format!("openid email {EVENTS}")).await;
    let event = json!({
        "id": "booking0001",
        "summary": "Intro call",
        "start": { "dateTime": "2030-01-07T10:00:00Z" },
        "end": { "dateTime": "2030-01-07T10:30:00Z" },
        "attendees": [{ "email": "guest@example.net" }, { "email": ADA, "self": true }],
    });
    let inserted = google
        .calendar_post(
            tokens["access_token"].as_str().unwrap(),
            "/calendars/primary/events?sendUpdates=all",
            &event,
        )
        .await;
    assert_eq!(inserted.status(), 200);
    let (_, events) = google.get_json("/__emulator/events").await;
    assert_eq!(events[0]["calendar_id"], ADA);
    assert_eq!(events[0]["event"]["id"], "booking0001");
    assert_eq!(events[0]["event"]["attendees"][0]["responseStatus"], "needsAction");
    let (_, notifications) = google.get_json("/__emulator/notifications").await;
    let recipients: Vec<&str> =
        notifications.as_array().unwrap().iter().map(|sent| sent["recipient"].as_str().unwrap()).collect();
    assert!(recipients.contains(&"guest@example.net"), "{notifications}");

    let quiet = json!({ "start": event["start"], "end": event["end"], "attendees": [{ "email": "other@example.net" }] });
    google
        .calendar_post(
            tokens["access_token"].as_str().unwrap(),
            "/calendars/primary/events?sendUpdates=none",
            &quiet,
        )
        .await;
    let (_, after) = google.get_json("/__emulator/notifications").await;
    assert_eq!(
        after.as_array().unwrap().len(),
        notifications.as_array().unwrap().len(),
        "none sends nothing"
    );
}

#[tokio::test]
async fn reset_starts_over_from_a_posted_seed_or_the_initial_one() {
    let google = Google::start().await;
    google.signed_in("openid email").await;
    let seed = json!({
        "clients": [{ "client_id": "other.apps.googleusercontent.com", "client_secret": "s", "redirect_uris": [REDIRECT] }],
        "accounts": [{ "sub": "100000000000000000001", "email": "solo@example.com", "name": "Solo", "time_zone": "UTC" }],
    });
    assert_eq!(google.post_json("/__emulator/reset", &seed).await.status(), 204);
    let (_, grants) = google.get_json("/__emulator/grants").await;
    assert_eq!(grants, json!([]), "grants are gone");
    let old_client = google.authorize(&[("scope", "openid")]).await;
    assert_eq!(old_client.status(), 401, "the development client is gone");

    let reset = google.http.post(format!("{}/__emulator/reset", google.base)).send().await.unwrap();
    assert_eq!(reset.status(), 204);
    google.emulator.set_consent(ADA, google_emulator::ConsentDecision::Allow);
    assert_eq!(google.authorize(&[("scope", "openid")]).await.status(), 302, "back to the initial seed");
}

#[tokio::test]
async fn a_tampered_id_token_and_a_rotated_key_are_available_to_client_tests() {
    let google = Google::start().await;
    google.post_json("/__emulator/tamper-next-id-token", &json!({ "aud": "someone-else" })).await;
    let tokens = google.signed_in("openid email").await;
    let payload = tokens["id_token"].as_str().unwrap().split('.').nth(1).unwrap().to_owned();
    let claims: Value = serde_json::from_slice(&base64_decode(&payload)).unwrap();
    assert_eq!(claims["aud"], "someone-else");
    let header = |jwt: &str| -> Value {
        serde_json::from_slice(&base64_decode(jwt.split('.').next().unwrap())).unwrap()
    };
    let before = header(tokens["id_token"].as_str().unwrap())["kid"].clone();
    assert_eq!(google.post_json("/__emulator/rotate-key", &json!({})).await.status(), 204);
    let query = google
        .consent("openid email", google_emulator::ConsentDecision::Allow, &[("prompt", "consent")])
        .await;
    let (_, later) = google.exchange(&query["code"]).await;
    assert_ne!(header(later["id_token"].as_str().unwrap())["kid"], before);
}
