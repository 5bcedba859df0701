//! What every request handler and server function can reach: built once at
//! start by the server, handed to axum as router state and to Leptos as
//! context.

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;

use std::sync::Arc;

use crate::{
    auth::server::AuthContext,
    booking::{busy::BusyCache, limiter::RateLimiter},
    db::Database,
};

#[derive(Clone, Debug, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub database: Database,
    pub auth: Arc<AuthContext>,
    pub busy_cache: Arc<BusyCache>,
    pub booking_limiter: Arc<RateLimiter>,
}
