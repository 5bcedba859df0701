//! The Content-Security-Policy of a Leptos page: its inline scripts (the
//! island loader, the booking page's zone detection) run only with this
//! response's nonce, so an injected `<script>` would not run even if some
//! text were ever shown unescaped.
//! The server adds the same policy, without a nonce, to every other response.

use leptos::prelude::use_context;
use leptos_axum::ResponseOptions;

/// The one inline event handler BookMate writes, the zone picker's
/// `onchange="this.form.submit()"` (`booking/zone_picker.rs`), allowed by its hash
/// and nothing else: `'unsafe-hashes'` admits handlers, not `<script>`s.
const ZONE_PICKER_SUBMIT: &str = "'unsafe-hashes' 'sha256-osjxnKEPL/pQJbFk1dKsF7PYFmTyMWGmVSiL9inhxJY='";

/// Sets the page's policy on its response; the nonce is the one Leptos
/// gives the inline scripts of this render.
pub fn set_for_page(reload_port: u32) {
    let (Some(nonce), Some(response)) = (leptos::nonce::use_nonce(), use_context::<ResponseOptions>()) else {
        return;
    };
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' {ZONE_PICKER_SUBMIT} 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' https: data:; \
         connect-src 'self' ws://127.0.0.1:{reload_port} ws://localhost:{reload_port}; \
         object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
    );
    if let Ok(value) = axum::http::HeaderValue::from_str(&policy) {
        response.insert_header(axum::http::header::CONTENT_SECURITY_POLICY, value);
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use sha2::Digest as _;

    #[test]
    fn the_policy_allows_exactly_the_zone_pickers_handler() {
        let digest = sha2::Sha256::digest(crate::booking::zone_picker::ZONE_PICKER_ONCHANGE.as_bytes());
        let hash = base64::engine::general_purpose::STANDARD.encode(digest);
        assert!(super::ZONE_PICKER_SUBMIT.contains(&format!("'sha256-{hash}'")));
    }
}
