//! Sign-in refusals that need no Google at all, and cross-site protection.

use app::db::Backend;

use crate::helpers::TestApp;

#[tokio::test]
async fn a_callback_without_its_transaction_cookie_stores_nothing() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let response = app.get("/auth/google/callback?code=4/stolen&state=guessed").await;
    assert_eq!(response.status(), 400);
    assert!(response.headers().get_all("set-cookie").iter().all(|cookie| {
        !cookie.to_str().unwrap().starts_with("bookmate_session=")
            || cookie.to_str().unwrap().contains("Max-Age=0")
    }));
    let html = response.text().await.unwrap();
    assert!(html.contains("This sign-in has expired"), "{html}");
    let users: i64 =
        sqlx::query_scalar("select count(*) from users").fetch_one(&app.pool().await).await.unwrap();
    assert_eq!(users, 0);
    app.stop().await;
}

#[tokio::test]
async fn cross_site_posts_are_refused_and_same_site_ones_served() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let forged = app
        .client
        .post(format!("{}/auth/logout", app.address))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);

    let from_another_site = app
        .client
        .post(format!("{}/auth/logout", app.address))
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(from_another_site.status(), 403);

    let own = app
        .client
        .post(format!("{}/auth/logout", app.address))
        .header("origin", app.address.clone())
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 303);
    assert_eq!(own.headers()["location"], "/");
    let cleared = own.headers()["set-cookie"].to_str().unwrap();
    assert!(cleared.starts_with("bookmate_session=;") && cleared.contains("Max-Age=0"), "{cleared}");
    app.stop().await;
}
