//! What visitors type, and how much of it: markup stays text wherever it is
//! shown, SQL's characters stay data, a huge body is refused unread, and
//! Google's tokens appear neither in the browser nor in the log.

use app::db::{bookings, Backend};

use crate::{
    booking::{ada_takes_bookings, page, slots, ADA},
    helpers::{Cookies, TestApp, BACKENDS},
};

/// Books Ada's first free time with the visitor's words as given.
async fn book_as(app: &TestApp, name: &str, note: &str) -> String {
    let start = slots(&page(app, "UTC").await)[0].0.to_string();
    let form = [
        ("username", "ada"),
        ("start", start.as_str()),
        ("tz", "UTC"),
        ("name", name),
        ("email", "bob@example.net"),
        ("note", note),
    ];
    let booked = app.server_fn_form("book", &form, &Cookies::default()).await;
    assert_eq!(booked.status(), 200, "{}", booked.text().await.unwrap());
    let booked: serde_json::Value = booked.json().await.unwrap();
    booked["uid"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn every_visitor_field_is_text_wherever_it_is_shown() {
    let (name, note) = ("<img src=x onerror=alert(1)>", "</p><script>alert(2)</script>");
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let mut ada = ada_takes_bookings(&app).await;
        let uid = book_as(&app, name, note).await;
        for (place, response) in [
            ("the host's dashboard", app.browse_page("/dashboard", &mut ada).await),
            ("the confirmation page", app.get(&format!("/bookings/{uid}")).await),
            ("the development mailbox", app.get("/dev/mailbox").await),
        ] {
            assert_eq!(response.status(), 200, "{backend:?}: {place}");
            let html = response.text().await.unwrap();
            assert!(
                !html.contains("<img src=x") && !html.contains("<script>alert(2)"),
                "{backend:?}: {place}"
            );
        }
        let dashboard = app.browse_page("/dashboard", &mut ada).await.text().await.unwrap();
        assert!(dashboard.contains("&lt;img src=x onerror=alert(1)&gt;"), "{backend:?}: shown, as text");
        let invite = app.get(&format!("/booking/{uid}/invite.ics")).await;
        assert!(
            invite.headers()["content-type"].to_str().unwrap().starts_with("text/calendar"),
            "{backend:?}"
        );
        assert_eq!(
            invite.headers()["x-content-type-options"],
            "nosniff",
            "{backend:?}: never sniffed as HTML"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn sql_metacharacters_are_only_ever_data() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        ada_takes_bookings(&app).await;
        assert_eq!(app.get("/ada'%20or%20'1'='1").await.status(), 404, "{backend:?}");
        let visitor = Cookies::default();
        for username in ["ada' --", "ada\\'; drop table users; --", "%"] {
            let read =
                app.server_fn_form("booking_page", &[("username", username), ("tz", "UTC")], &visitor).await;
            assert_eq!(read.status(), 404, "{backend:?}: {username}");
        }
        let name = "Robert'); drop table bookings; --";
        let uid = book_as(&app, name, "' or 1=1; --").await;
        let pool = app.pool().await;
        let booking = bookings::find_by_uid(&pool, &uid).await.unwrap().expect("the booking is there");
        assert_eq!(
            (booking.visitor_name.as_str(), booking.note.as_str()),
            (name, "' or 1=1; --"),
            "{backend:?}"
        );
        app.stop().await;
    }
}

#[tokio::test]
async fn a_body_far_larger_than_any_form_is_refused_unread() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let huge = "x".repeat(3 * 1024 * 1024);
    for endpoint in ["/api/book", "/api/booking_page", "/api/save_profile"] {
        let answer = app
            .client
            .post(format!("{}{endpoint}", app.address))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("note={huge}"))
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), 413, "{endpoint}");
    }
    assert_eq!(app.get("/healthz").await.status(), 200);
    app.stop().await;
}

#[tokio::test]
async fn google_tokens_reach_neither_the_browser_nor_the_log() {
    let app = TestApp::spawn_process(Backend::Sqlite, &[("RUST_LOG", "debug")]).await;
    let mut ada = ada_takes_bookings(&app).await;
    book_as(&app, "Bob", "").await;
    let tokens = app.google.issued_tokens();
    assert!(tokens.len() >= 2, "an access and a refresh token were issued: {tokens:?}");

    let mut seen = String::new();
    for path in ["/", "/settings", "/dashboard", "/ada"] {
        let response = app.browse(path, &mut ada).await;
        seen.push_str(&format!("{:?}", response.headers()));
        seen.push_str(&response.text().await.unwrap());
    }
    for endpoint in ["get_session", "get_settings", "dashboard", "list_calendars"] {
        let response = app.server_fn_form(endpoint, &[], &ada).await;
        seen.push_str(&response.text().await.unwrap());
    }
    seen.push_str(&ada.header());
    let log = app.process_log();
    assert!(log.lines().count() > 20, "the server logged at debug level:\n{log}");
    for token in &tokens {
        assert!(!seen.contains(token.as_str()), "a token reached the browser");
        assert!(!log.contains(token.as_str()), "a token reached the log");
    }
    assert!(seen.contains(ADA), "the pages were the signed-in host's");
    app.stop().await;
}
