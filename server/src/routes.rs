//! Plain axum routes, outside Leptos: probes for orchestrators, the OAuth
//! endpoints Google redirects browsers to, and the address Google posts
//! calendar notifications to, and the site's files.

pub mod auth;
pub mod favicon;
pub mod google_push;
pub mod health;
pub mod invites;
pub mod mailbox;
pub mod message_page;
pub mod site_files;
