//! `/healthz` says the process is up; `/readyz` says it can serve requests,
//! which needs the database.

use app::{db::Database, state::AppState};
use axum::{extract::State, http::StatusCode, routing::get, Router};

pub fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz))
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(database): State<Database>) -> (StatusCode, &'static str) {
    match database.ping().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(error) => {
            tracing::warn!(%error, "readiness check failed: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}
