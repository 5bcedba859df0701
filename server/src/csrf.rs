//! Cross-site request forgery: state-changing requests (every method but
//! GET, HEAD and OPTIONS: server functions, sign-out, settings) must come
//! from our own pages. SameSite=Lax cookies are the first line; this is the
//! second, by `Origin` and `Sec-Fetch-Site`.

use std::sync::Arc;

use axum::{
    extract::{Request, State},
    http::{header, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

pub async fn reject_cross_site(State(origin): State<Arc<str>>, request: Request, next: Next) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(request).await;
    }
    let headers = request.headers();
    let fetch_site = headers.get("sec-fetch-site").and_then(|value| value.to_str().ok());
    let request_origin = headers.get(header::ORIGIN).and_then(|value| value.to_str().ok());
    let cross_site = matches!(fetch_site, Some("cross-site" | "same-site"))
        || request_origin.is_some_and(|request_origin| request_origin != &*origin);
    if cross_site {
        tracing::warn!(?request_origin, ?fetch_site, path = %request.uri().path(), "refused a cross-site request");
        return (StatusCode::FORBIDDEN, "Cross-site requests are not accepted.").into_response();
    }
    next.run(request).await
}
