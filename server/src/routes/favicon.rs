//! `/favicon.svg`, built into the binary: served from the site folder it
//! would be taken for a host's booking page (`/{username}`) and answer 404.

use axum::{http::header, response::IntoResponse, routing::get, Router};

use app::state::AppState;

const FAVICON: &[u8] = include_bytes!("../../../public/favicon.svg");

pub fn router() -> Router<AppState> {
    Router::new().route("/favicon.svg", get(favicon))
}

async fn favicon() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "public, max-age=86400")], FAVICON)
}
