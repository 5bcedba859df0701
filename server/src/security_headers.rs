//! Headers every response carries, so a browser refuses what BookMate never
//! does: run a script it did not send, be framed by another site, guess a
//! content type, leak a booking's address to another site, or (on https)
//! be reached over plain http.
//!
//! Leptos pages set their own Content-Security-Policy, with the nonce of
//! their hydration script (`app::shell`); every other response gets one that
//! allows no inline script at all.

use axum::{
    extract::{Request, State},
    http::{header, HeaderValue},
    middleware::Next,
    response::Response,
};

/// For responses that are not Leptos pages: the emulator's consent page,
/// message pages, the mailbox, static files.
const DEFAULT_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' https: data:; object-src 'none'; base-uri 'none'; \
     frame-ancestors 'none'";

/// A year; sent only when the public URL is https.
const STRICT_TRANSPORT_SECURITY: &str = "max-age=31536000";

#[derive(Debug, Clone, Copy)]
pub struct Policy {
    pub https: bool,
}

pub async fn add(State(policy): State<Policy>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.entry(header::CONTENT_SECURITY_POLICY).or_insert(HeaderValue::from_static(DEFAULT_POLICY));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    if policy.https {
        headers
            .insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(STRICT_TRANSPORT_SECURITY));
    }
    response
}
