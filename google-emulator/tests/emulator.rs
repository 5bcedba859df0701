//! The emulator behaves as Google documents: driven over real HTTP.

mod common;

use common::*;
use google_emulator::{ConsentDecision, Fault};
use serde_json::{json, Value};

#[tokio::test]
async fn discovery_names_every_endpoint_under_the_issuer() {
    let google = Google::start().await;
    let document: Value = google
        .http
        .get(format!("{}/.well-known/openid-configuration", google.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(document["issuer"], google.base);
    assert_eq!(document["token_endpoint"], format!("{}/token", google.base));
    assert_eq!(document["revocation_endpoint"], format!("{}/revoke", google.base));
    let jwks: Value =
        google.http.get(document["jwks_uri"].as_str().unwrap()).send().await.unwrap().json().await.unwrap();
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 2, "two keys, for rotation");
    assert_eq!(jwks["keys"][0]["alg"], "RS256");
}

#[tokio::test]
async fn unknown_clients_and_mismatched_redirects_get_an_error_page_not_a_redirect() {
    let google = Google::start().await;
    let unknown = google
        .http
        .get(format!(
            "{}/o/oauth2/v2/auth?client_id=nobody&redirect_uri={REDIRECT}&response_type=code&scope=openid",
            google.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 401);
    assert!(unknown.text().await.unwrap().contains("invalid_client"));
    let mismatch =
        google.authorize(&[("scope", "openid"), ("redirect_uri", "http://127.0.0.1:9/callback/")]).await;
    // The later redirect_uri wins in the query; Google matches it exactly.
    assert_eq!(mismatch.status(), 400);
    assert!(mismatch.text().await.unwrap().contains("redirect_uri_mismatch"));
}

#[tokio::test]
async fn redirect_uris_google_would_refuse_get_an_error_page_even_when_registered() {
    const LOOSE: &str = "loose.apps.googleusercontent.com";
    let refused = [
        ("http://bookmate.example.com/auth/google/callback", "must use the HTTPS scheme"),
        ("https://203.0.113.7/auth/google/callback", "cannot be raw IP addresses"),
        ("http://10.0.0.2:3000/auth/google/callback", "cannot be raw IP addresses"),
        ("https://bookmate.example.com/auth/google/callback#done", "fragment"),
        ("https://ada@bookmate.example.com/auth/google/callback", "userinfo"),
        ("https://*.example.com/auth/google/callback", "wildcard"),
    ];
    let accepted = [
        "http://127.0.0.1:3000/auth/google/callback",
        "http://127.8.9.10:3000/auth/google/callback",
        "http://localhost:3000/auth/google/callback",
        "http://[::1]:3000/auth/google/callback",
        "https://bookmate.example.com/auth/google/callback",
    ];
    let google = Google::start_with(|config| {
        config.seed.clients.push(google_emulator::SeedClient {
            client_id: LOOSE.to_owned(),
            client_secret: "s".to_owned(),
            redirect_uris: refused.iter().map(|(uri, _)| *uri).chain(accepted).map(str::to_owned).collect(),
            testing: false,
        });
    })
    .await;
    let authorize = |redirect_uri: &str| {
        google
            .http
            .get(format!("{}/o/oauth2/v2/auth", google.base))
            .query(&[
                ("client_id", LOOSE),
                ("redirect_uri", redirect_uri),
                ("response_type", "code"),
                ("scope", "openid"),
            ])
            .send()
    };
    for (uri, rule) in refused {
        let page = authorize(uri).await.unwrap();
        assert_eq!(page.status(), 400, "{uri}");
        let html = page.text().await.unwrap();
        assert!(html.contains("invalid_request") && html.contains(rule), "{uri}: {html}");
    }
    for uri in accepted {
        assert_eq!(authorize(uri).await.unwrap().status(), 200, "{uri} gets the consent page");
    }
}

#[tokio::test]
async fn the_callback_carries_state_iss_and_the_granted_scopes_in_long_form() {
    let google = Google::start().await;
    let query = google.consent("openid email profile", ConsentDecision::Allow, &[]).await;
    assert_eq!(query["state"], "xyz");
    assert_eq!(query["iss"], google.base);
    assert!(query["scope"].contains("https://www.googleapis.com/auth/userinfo.email"));
    assert!(query["code"].starts_with("4/"));
}

#[tokio::test]
async fn pkce_is_enforced_with_googles_messages() {
    let google = Google::start().await;
    let query = google.consent("openid email", ConsentDecision::Allow, &[]).await;
    let (status, missing) = google
        .token(&[("grant_type", "authorization_code"), ("code", &query["code"]), ("redirect_uri", REDIRECT)])
        .await;
    assert_eq!((status, missing["error_description"].as_str()), (400, Some("Missing code verifier.")));
    let (status, wrong) = google
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", &query["code"]),
            ("redirect_uri", REDIRECT),
            ("code_verifier", "x".repeat(43).as_str()),
        ])
        .await;
    assert_eq!((status, wrong["error_description"].as_str()), (400, Some("Invalid code verifier.")));
}

#[tokio::test]
async fn a_reused_code_fails_and_revokes_the_tokens_it_produced() {
    let google = Google::start().await;
    let query = google.consent(&format!("openid email {READONLY}"), ConsentDecision::Allow, &[]).await;
    let (_, tokens) = google.exchange(&query["code"]).await;
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(google.calendar(access, "/users/me/calendarList").await.status(), 200);
    let (status, again) = google.exchange(&query["code"]).await;
    assert_eq!((status, again["error"].as_str()), (400, Some("invalid_grant")));
    assert_eq!(google.calendar(access, "/users/me/calendarList").await.status(), 401);
}

#[tokio::test]
async fn granular_consent_and_incremental_authorization_with_and_without_include_granted_scopes() {
    let google = Google::start().await;
    let first = google.signed_in(&format!("openid email {READONLY}")).await;
    assert!(first["refresh_token"].as_str().unwrap().starts_with("1//"));
    assert!(first["id_token"].is_string());

    // The person unticks the write scope: the token says so.
    let narrowed = google
        .consent(
            &format!("openid {EVENTS}"),
            ConsentDecision::AllowExcept { scopes: vec![EVENTS.to_owned()] },
            &[("include_granted_scopes", "true")],
        )
        .await;
    let (_, tokens) = google.exchange(&narrowed["code"]).await;
    assert!(!scopes_of(&tokens).contains(&EVENTS.to_owned()));

    // Granted this time; with include_granted_scopes the token has it all.
    let union = google
        .consent(&format!("openid {EVENTS}"), ConsentDecision::Allow, &[("include_granted_scopes", "true")])
        .await;
    let (_, tokens) = google.exchange(&union["code"]).await;
    assert_eq!(
        scopes_of(&tokens),
        [
            "https://www.googleapis.com/auth/calendar.events",
            READONLY,
            "https://www.googleapis.com/auth/userinfo.email",
            "openid"
        ]
    );

    // Without it, only what was asked now.
    let only_now =
        google.consent(&format!("openid {EVENTS}"), ConsentDecision::Allow, &[("prompt", "consent")]).await;
    let (_, tokens) = google.exchange(&only_now["code"]).await;
    assert_eq!(scopes_of(&tokens), [EVENTS.to_owned(), "openid".to_owned()]);
    assert_eq!(google.emulator.grant(ADA, CLIENT).unwrap().scopes.len(), 4);
}

#[tokio::test]
async fn prompt_none_needs_a_google_session_for_the_hinted_account_and_every_scope_granted() {
    let google = Google::start().await;
    google.emulator.set_consent(ADA, ConsentDecision::Allow);
    let consented = google.authorize(&[("scope", &format!("openid email {READONLY}"))]).await;
    assert_eq!(consented.status(), 302);
    let session = session_cookie(&consented);
    let granted = silent(&google, Some(&session), &[("scope", "openid email")]).await;
    assert!(granted.contains_key("code") && granted["prompt"] == "none", "{granted:?}");
    let no_session = silent(&google, None, &[("scope", "openid email")]).await;
    assert_eq!(no_session["error"], "login_required", "login_hint alone is no session");
    let more = silent(&google, Some(&session), &[("scope", &format!("openid {EVENTS}"))]).await;
    assert_eq!(more["error"], "consent_required");
    let other =
        silent(&google, Some(&session), &[("scope", "openid email"), ("login_hint", "grace@example.com")])
            .await;
    assert_eq!(other["error"], "interaction_required", "another account than the signed-in one");

    let cancelled = google.consent("openid email", ConsentDecision::Deny, &[("prompt", "consent")]).await;
    assert_eq!(cancelled["error"], "access_denied");
}

/// A `prompt=none` authorization, from a browser with or without a Google
/// session, answered by the redirect's query.
async fn silent(
    google: &Google,
    session: Option<&str>,
    extra: &[(&str, &str)],
) -> std::collections::HashMap<String, String> {
    let mut params = vec![("prompt", "none")];
    params.extend_from_slice(extra);
    let response = match session {
        Some(session) => google.authorize_signed_in(session, &params).await,
        None => google.authorize(&params).await,
    };
    query_of(response.headers()["location"].to_str().unwrap())
}

#[tokio::test]
async fn tokens_expire_on_the_emulators_clock_and_refresh_keeps_the_grant() {
    let google = Google::start().await;
    let tokens = google.signed_in(&format!("openid email {READONLY}")).await;
    let access = tokens["access_token"].as_str().unwrap();
    google.emulator.advance_clock(chrono::Duration::seconds(3600));
    let expired = google.calendar(access, "/users/me/calendarList").await;
    assert_eq!(expired.status(), 401);
    assert!(expired.headers()["www-authenticate"].to_str().unwrap().contains("invalid_token"));
    let (status, refreshed) = google
        .token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
        ])
        .await;
    assert_eq!(status, 200);
    assert!(refreshed.get("refresh_token").is_none(), "Google does not rotate refresh tokens");
    assert_eq!(scopes_of(&refreshed), scopes_of(&tokens));
    assert_eq!(
        google.calendar(refreshed["access_token"].as_str().unwrap(), "/users/me/calendarList").await.status(),
        200
    );
}

#[tokio::test]
async fn revoking_any_token_revokes_the_whole_grant() {
    let google = Google::start().await;
    let tokens = google.signed_in(&format!("openid email {READONLY}")).await;
    let revoked = google
        .http
        .post(format!("{}/revoke", google.base))
        .form(&[("token", tokens["access_token"].as_str().unwrap())])
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 200);
    let (status, refused) = google
        .token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
        ])
        .await;
    assert_eq!((status, refused["error"].as_str()), (400, Some("invalid_grant")));
    assert!(google.emulator.grant(ADA, CLIENT).is_none());
}

#[tokio::test]
async fn every_calendar_call_checks_its_scope() {
    let google = Google::start().await;
    let tokens = google.signed_in("openid email").await;
    let token = tokens["access_token"].as_str().unwrap();
    for path in ["/users/me/calendarList", "/calendars/primary/events"] {
        let refused = google.calendar(token, path).await;
        assert_eq!(refused.status(), 403, "{path}");
        assert!(refused.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("error=\"insufficient_scope\""));
        let body: Value = refused.json().await.unwrap();
        assert_eq!(body["error"]["errors"][0]["reason"], "insufficientPermissions");
        assert_eq!(body["error"]["details"][0]["reason"], "ACCESS_TOKEN_SCOPE_INSUFFICIENT");
    }
    let insert = google
        .http
        .post(format!("{}/calendar/v3/calendars/primary/events", google.base))
        .bearer_auth(token)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(insert.status(), 403);
    let freebusy = google
        .http
        .post(format!("{}/calendar/v3/freeBusy", google.base))
        .bearer_auth(token)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(freebusy.status(), 403);
}

#[tokio::test]
async fn freebusy_blocks_opaque_and_all_day_events_and_expands_recurrences() {
    let google = Google::start().await;
    let tokens = google.signed_in(&format!("openid email {READONLY}")).await;
    let now = chrono::Utc::now();
    let body = json!({
        "timeMin": now.to_rfc3339(),
        "timeMax": (now + chrono::Duration::days(60)).to_rfc3339(),
        "items": [{ "id": "primary" }, { "id": "nobody@example.com" }],
    });
    let answer: Value = google
        .http
        .post(format!("{}/calendar/v3/freeBusy", google.base))
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let busy = answer["calendars"]["primary"]["busy"].as_array().unwrap();
    // Weekly planning (up to 9 weeks inside 60 days), dentist, the Tokyo call,
    // the two-day conference; the "Free" focus time is not busy.
    assert!(busy.len() >= 11, "{busy:?}");
    let spans: Vec<i64> = busy
        .iter()
        .map(|span| {
            let start = chrono::DateTime::parse_from_rfc3339(span["start"].as_str().unwrap()).unwrap();
            let end = chrono::DateTime::parse_from_rfc3339(span["end"].as_str().unwrap()).unwrap();
            (end - start).num_minutes()
        })
        .collect();
    assert!(spans.contains(&(2 * 24 * 60)), "the all-day conference: {spans:?}");
    assert!(!spans.contains(&180), "focus time is marked free: {spans:?}");
    assert_eq!(answer["calendars"]["nobody@example.com"]["errors"][0]["reason"], "notFound");

    let empty = json!({ "timeMin": now.to_rfc3339(), "timeMax": now.to_rfc3339(), "items": [] });
    let refused = google
        .http
        .post(format!("{}/calendar/v3/freeBusy", google.base))
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .json(&empty)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
}

#[tokio::test]
async fn events_are_listed_expanded_and_inserted_exactly_once() {
    let google = Google::start().await;
    let tokens = google.signed_in(&format!("openid email {READONLY} {EVENTS}")).await;
    let token = tokens["access_token"].as_str().unwrap();
    let unordered = google.calendar(token, "/calendars/primary/events?orderBy=startTime").await;
    assert_eq!(unordered.status(), 400, "startTime ordering needs singleEvents");
    let expanded: Value = google
        .calendar(token, "/calendars/primary/events?singleEvents=true&orderBy=startTime&maxResults=5")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(expanded["items"].as_array().unwrap().len(), 5);
    assert!(expanded["nextPageToken"].is_string(), "paged");
    assert!(expanded["items"].as_array().unwrap().iter().any(|item| item["recurringEventId"].is_string()));

    let event = json!({
        "id": "bookmate0001",
        "summary": "Meeting",
        "start": { "dateTime": "2026-12-01T10:00:00Z" },
        "end": { "dateTime": "2026-12-01T10:30:00Z" },
        "attendees": [{ "email": "visitor@example.net" }],
    });
    let url = format!("{}/calendar/v3/calendars/primary/events?sendUpdates=all", google.base);
    let inserted = google.http.post(&url).bearer_auth(token).json(&event).send().await.unwrap();
    assert_eq!(inserted.status(), 200);
    let inserted: Value = inserted.json().await.unwrap();
    let ical_uid = inserted["iCalUID"].as_str().unwrap();
    assert!(ical_uid.ends_with("@google.com") && !ical_uid.contains("bookmate0001"), "{ical_uid}");
    let again = google.http.post(&url).bearer_auth(token).json(&event).send().await.unwrap();
    assert_eq!(again.status(), 409);
    assert_eq!(google.emulator.notifications().len(), 1);
    assert_eq!(google.emulator.inserted_events().len(), 1);

    let delete = |id: &str| {
        google
            .http
            .delete(format!("{}/calendar/v3/calendars/primary/events/{id}", google.base))
            .bearer_auth(token)
            .send()
    };
    assert_eq!(delete("bookmate0001").await.unwrap().status(), 204);
    assert_eq!(delete("bookmate0001").await.unwrap().status(), 410);
}

#[tokio::test]
async fn injected_faults_answer_like_google_under_load() {
    let google = Google::start().await;
    let tokens = google.signed_in(&format!("openid email {READONLY}")).await;
    let token = tokens["access_token"].as_str().unwrap();
    google.emulator.inject_fault(
        "calendarList.list",
        Fault { status: 429, retry_after_seconds: Some(2), delay_ms: None },
        1,
    );
    let limited = google.calendar(token, "/users/me/calendarList").await;
    assert_eq!(limited.status(), 429);
    assert_eq!(limited.headers()["retry-after"], "2");
    let body: Value = limited.json().await.unwrap();
    assert_eq!(body["error"]["errors"][0]["reason"], "rateLimitExceeded");
    assert_eq!(
        google.calendar(token, "/users/me/calendarList").await.status(),
        200,
        "one fault, then normal"
    );
    assert_eq!(google.emulator.calls()["calendarList.list"], 2);

    google.emulator.inject_fault(
        "token.refresh_token",
        Fault { status: 400, retry_after_seconds: None, delay_ms: None },
        1,
    );
    let (status, refused) = google
        .token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
        ])
        .await;
    assert_eq!((status, refused["error"].as_str()), (400, Some("invalid_grant")));
}

#[tokio::test]
async fn id_tokens_are_signed_with_a_published_key_and_carry_the_nonce() {
    let google = Google::start().await;
    let tokens = google.signed_in("openid email profile").await;
    let id_token = tokens["id_token"].as_str().unwrap();
    let info: Value = google
        .http
        .get(format!("{}/tokeninfo?id_token={id_token}", google.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["sub"], ADA_SUB);
    assert_eq!(info["aud"], CLIENT);
    assert_eq!(info["nonce"], "n-1");
    assert_eq!(info["email_verified"], "true", "tokeninfo answers in strings");
    let header: Value = serde_json::from_slice(&base64_decode(id_token.split('.').next().unwrap())).unwrap();
    let jwks: Value = google
        .http
        .get(format!("{}/oauth2/v3/certs", google.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(jwks["keys"].as_array().unwrap().iter().any(|key| key["kid"] == header["kid"]));
}

#[tokio::test]
async fn bad_scopes_response_types_and_prompts_come_back_on_the_redirect_with_the_state() {
    let google = Google::start().await;
    let cases = [
        (vec![("scope", "openid https://example.com/not-a-google-scope")], "invalid_scope"),
        (vec![("scope", "openid"), ("response_type", "token")], "unsupported_response_type"),
        (vec![("scope", "openid"), ("prompt", "none consent")], "invalid_request"),
    ];
    for (extra, error) in cases {
        let response = google.authorize(&extra).await;
        assert_eq!(response.status(), 302, "{error}");
        let query = query_of(response.headers()["location"].to_str().unwrap());
        assert_eq!((query["error"].as_str(), query["state"].as_str()), (error, "xyz"));
        assert!(!query.contains_key("code"));
    }
    // prompt=none with nobody signed in and no hint: login_required.
    let anonymous = google
        .http
        .get(format!("{}/o/oauth2/v2/auth", google.base))
        .query(&[
            ("client_id", CLIENT),
            ("redirect_uri", REDIRECT),
            ("response_type", "code"),
            ("scope", "openid"),
            ("prompt", "none"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(query_of(anonymous.headers()["location"].to_str().unwrap())["error"], "login_required");
}
