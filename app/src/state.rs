//! What every request handler and server function can reach: built once at
//! start by the server, handed to axum as router state and to Leptos as
//! context.

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;

use std::{sync::Arc, time::Duration};

use crate::{
    auth::server::AuthContext,
    booking::{busy::BusyCache, hosts::HostCache, limiter::RateLimiter, months::MonthCache},
    db::Database,
};

#[derive(Clone, Debug, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub database: Database,
    pub auth: Arc<AuthContext>,
    pub busy_cache: Arc<BusyCache>,
    pub host_cache: Arc<HostCache>,
    pub month_cache: Arc<MonthCache>,
    pub booking_limiter: Arc<RateLimiter>,
    /// The server answers any request still running after this with 408.
    pub request_timeout: Duration,
}

impl AppState {
    /// A host changed something visitors see (settings, Google access, a
    /// booking): their booking page is computed afresh.
    pub fn host_changed(&self, user_id: i64) {
        self.busy_cache.invalidate(user_id);
        self.host_cache.invalidate(user_id);
        self.month_cache.invalidate(user_id);
    }
}
