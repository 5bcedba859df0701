//! Plain axum routes, outside Leptos: probes for orchestrators.

pub mod health;
