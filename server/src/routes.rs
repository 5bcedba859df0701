//! Plain axum routes, outside Leptos: probes for orchestrators, and the
//! OAuth endpoints Google redirects browsers to.

pub mod auth;
pub mod favicon;
pub mod health;
pub mod invites;
pub mod mailbox;
pub mod message_page;
