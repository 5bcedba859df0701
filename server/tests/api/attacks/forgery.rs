//! Links and forms from elsewhere: words in the address, grants started by
//! another site, cross-site posts, planted sessions.

use app::db::Backend;

use crate::helpers::TestApp;

#[tokio::test]
async fn a_link_cannot_put_its_own_words_into_the_booking_pages_alert() {
    use base64::Engine as _;
    let app = TestApp::spawn(Backend::Sqlite).await;
    crate::booking::ada_takes_bookings(&app).await;
    let start = crate::booking::slots(&crate::booking::page(&app, "UTC").await)[0].0;
    let link = |error: serde_json::Value| {
        let encoded = base64::engine::general_purpose::URL_SAFE.encode(error.to_string());
        format!("/ada?tz=UTC&slot={start}&__path=/api/book&__err={encoded}")
    };
    for forged in [
        serde_json::json!({ "Conflict": "Your booking is on hold: pay at evil.example" }),
        serde_json::json!({ "Validation": { "email": "Write to help@evil.example instead." } }),
        serde_json::json!({ "Transport": "call evil.example" }),
    ] {
        let html = app.get(&link(forged.clone())).await.text().await.unwrap();
        assert!(!html.contains("evil.example"), "{forged} reached the page");
        assert!(html.contains("That booking did not go through. Please try again."), "{forged}");
    }
    let ours = serde_json::json!({ "Conflict": "That time was just taken. Please pick another." });
    assert!(app.get(&link(ours)).await.text().await.unwrap().contains("That time was just taken."));
    app.stop().await;
}

#[tokio::test]
async fn another_sites_link_or_form_cannot_start_a_grant_and_drop_a_pending_setting() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut ada = app.sign_in("ada@example.com").await;
    // A link (GET) changes nothing: no transaction cookie is set.
    let link = app.browse("/auth/google/grant?return_to=/settings", &mut ada).await;
    assert_eq!(link.status(), 405);
    assert!(link.headers().get_all("set-cookie").iter().next().is_none());
    // Another site's form is refused by the cross-site check.
    let forged = app
        .client
        .post(format!("{}/auth/google/grant", app.address))
        .header("cookie", ada.header())
        .header("origin", "https://evil.example")
        .form(&[("return_to", "/settings")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    assert!(forged.headers().get_all("set-cookie").iter().next().is_none());
    // BookMate's own page's form is answered (here, with nothing to ask
    // Google for, straight back to the settings).
    let own = app
        .client
        .post(format!("{}/auth/google/grant", app.address))
        .header("cookie", ada.header())
        .header("origin", &app.address)
        .form(&[("return_to", "/settings")])
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 303);
    assert_eq!(own.headers()["location"], "/settings");
    app.stop().await;
}

/// The session a browser's cookie names, as the server sees it.
async fn session_of(app: &TestApp, cookies: &crate::helpers::Cookies) -> serde_json::Value {
    app.server_fn_form("get_session", &[], cookies).await.json().await.unwrap()
}

#[tokio::test]
async fn a_session_planted_before_sign_in_is_replaced_never_adopted() {
    for backend in crate::helpers::BACKENDS {
        let app = TestApp::spawn(backend).await;
        // Mallory signs in as herself (Grace, here) and plants her session
        // cookie in Ada's browser; Ada then signs in there.
        let mallory = app.sign_in("grace@example.com").await;
        let planted = mallory.get("bookmate_session").unwrap().to_owned();
        let mut adas_browser = crate::helpers::Cookies::default();
        adas_browser.absorb_pair("bookmate_session", &planted);
        let (_, consent) = app.start_sign_in(&mut adas_browser, "/auth/google/login").await;
        let callback = app.answer_consent(&consent, &mut adas_browser, "ada@example.com", &[], true).await;
        assert_eq!(app.browse(&callback, &mut adas_browser).await.status(), 303, "{backend:?}");

        assert_ne!(
            adas_browser.get("bookmate_session"),
            Some(planted.as_str()),
            "{backend:?}: a new session"
        );
        assert_eq!(session_of(&app, &adas_browser).await["email"], "ada@example.com", "{backend:?}");
        // The session the browser came with was ended by the sign-in: it
        // never names Ada, for Mallory or anyone.
        assert_eq!(session_of(&app, &mallory).await, serde_json::Value::Null, "{backend:?}");
        app.stop().await;
    }
}

#[tokio::test]
async fn every_action_of_a_host_refuses_another_sites_request_and_changes_nothing() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let ada = crate::booking::ada_takes_bookings(&app).await;
    let before = app.server_fn_form("get_settings", &[], &ada).await.text().await.unwrap();
    let actions = [
        "save_profile",
        "save_availability",
        "save_busy_calendars",
        "save_direct_booking",
        "give_back_write_access",
        "disconnect_google",
        "delete_account",
        "book",
    ];
    for action in actions {
        for (header, value) in [("origin", "https://evil.example"), ("sec-fetch-site", "cross-site")] {
            let forged = app
                .client
                .post(format!("{}/api/{action}", app.address))
                .header("cookie", ada.header())
                .header(header, value)
                .form(&[("display_name", "Mallory"), ("username", "mallory"), ("time_zone", "UTC")])
                .send()
                .await
                .unwrap();
            assert_eq!(forged.status(), 403, "{action} with {header}: {value}");
        }
    }
    let after = app.server_fn_form("get_settings", &[], &ada).await;
    assert_eq!(after.status(), 200, "Ada is still signed in, her account still there");
    assert_eq!(after.text().await.unwrap(), before, "nothing changed");
    assert!(app.google.grant("ada@example.com", google_emulator::DEVELOPMENT_CLIENT_ID).is_some());
    app.stop().await;
}
