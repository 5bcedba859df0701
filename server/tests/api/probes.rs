//! `/healthz` and `/readyz`, on both databases.

use crate::helpers::{TestApp, BACKENDS};

#[tokio::test]
async fn health_and_readiness_answer_on_both_databases() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;

        let health = app.get("/healthz").await;
        assert_eq!(health.status(), 200, "{backend:?}");
        assert_eq!(health.text().await.unwrap(), "ok");

        let ready = app.get("/readyz").await;
        assert_eq!(ready.status(), 200, "{backend:?}");
        assert_eq!(ready.text().await.unwrap(), "ready");

        app.stop().await;
    }
}

#[tokio::test]
async fn readiness_fails_while_the_database_is_unreachable() {
    let app = TestApp::spawn(app::db::Backend::Postgres).await;
    assert_eq!(app.get("/readyz").await.status(), 200);

    app.database.drop_postgres_now().await;

    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 503);
    assert_eq!(ready.text().await.unwrap(), "database unreachable");
    // The process itself is still up.
    assert_eq!(app.get("/healthz").await.status(), 200);
    app.stop().await;
}
