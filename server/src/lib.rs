//! BookMate's server: configuration, start-up, and the axum routes that live
//! outside Leptos. The binary in `main.rs` is a thin shim over this library,
//! which the integration tests drive directly.

pub mod client_address;
pub mod config;
pub mod csrf;
pub mod mailer;
pub mod routes;
pub mod security_headers;
pub mod serve;
pub mod startup;
pub mod telemetry;
pub mod worker;
