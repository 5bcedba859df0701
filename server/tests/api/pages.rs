//! Server-rendered pages: what a browser receives before any WASM runs.

use app::db::Backend;

use crate::helpers::TestApp;

#[tokio::test]
async fn the_landing_page_is_rendered_on_the_server() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let response = app.get("/").await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    assert!(html.contains("Sign in with Google"), "{html}");
    assert!(html.contains(r#"href="/auth/google/login""#));
    assert!(html.contains("<title>BookMate · Let people book time with you</title>"));
    assert!(html.contains("When your calendars are busy"));
    // In the words Google's consent screen will use.
    assert!(html.contains("See the availability on Google calendars you have access to"), "{html}");
    // The write permission is explained as something asked for later.
    assert!(html.contains("Add bookings to one calendar you choose"));
    // Hydration scripts are in the document, pointing at the WASM bundle.
    assert!(html.contains("/pkg/bookmate.js"), "{html}");
    assert!(html.contains(r#"data-hydrated="false""#));
    app.stop().await;
}

#[tokio::test]
async fn unknown_addresses_get_a_real_404_page() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let response = app.get("/no/such/page").await;
    assert_eq!(response.status(), 404);
    let html = response.text().await.unwrap();
    assert!(html.contains("Page not found"), "{html}");
    app.stop().await;
}

#[tokio::test]
async fn pages_are_compressed_for_browsers_that_accept_it() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let response =
        app.client.get(format!("{}/", app.address)).header("accept-encoding", "gzip").send().await.unwrap();
    assert_eq!(response.headers().get("content-encoding").map(|value| value.to_str().unwrap()), Some("gzip"));
    app.stop().await;
}

#[tokio::test]
async fn the_icon_is_served_and_not_taken_for_a_booking_page() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let response = app.get("/favicon.svg").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/svg+xml");
    assert!(response.text().await.unwrap().contains("<svg"));
    app.stop().await;
}
