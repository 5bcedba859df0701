//! What every request handler and server function can reach: built once at
//! start by the server, handed to axum as router state and to Leptos as
//! context.

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;

use std::{sync::Arc, time::Duration};

use crate::{
    auth::cookies::Cookies,
    booking::{
        busy::{self, BusyCache},
        hosts::HostCache,
        limiter::RateLimiter,
        manage_links::ManageLinks,
        months::MonthCache,
    },
    db::{
        changes::{self, HostChange},
        Backend, Database,
    },
    following::timing::FollowTiming,
    google::GoogleClient,
    site_assets::SiteAssets,
};

#[derive(Clone, Debug, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    /// The names the site's files are served under.
    #[from_ref(skip)]
    pub site_assets: Arc<SiteAssets>,
    pub database: Database,
    pub cookies: Arc<Cookies>,
    pub google: Arc<GoogleClient>,
    pub busy_cache: Arc<BusyCache>,
    pub host_cache: Arc<HostCache>,
    pub month_cache: Arc<MonthCache>,
    /// The visitors' links to change or cancel a booking.
    #[from_ref(skip)]
    pub manage_links: Arc<ManageLinks>,
    #[from_ref(skip)]
    pub booking_limiter: Arc<RateLimiter>,
    #[from_ref(skip)]
    pub read_limiter: Arc<RateLimiter>,
    /// The server answers any request still running after this with 408.
    pub request_timeout: Duration,
    /// How often followed Google calendars are read.
    #[from_ref(skip)]
    pub following: FollowTiming,
}

impl AppState {
    /// Where a host's busy times come from.
    pub fn busy_sources(&self) -> busy::Sources<'_> {
        busy::Sources { google: &self.google, db: self.database.pool() }
    }

    /// A host changed something visitors see (settings, Google access, a
    /// booking): their booking page is computed afresh, by this process at
    /// once and by the others sharing its PostgreSQL database when they hear.
    pub fn host_changed(&self, user_id: i64) {
        self.forget(HostChange::Host(user_id));
        if self.database.backend() == Backend::Postgres {
            let pool = self.database.pool().clone();
            tokio::spawn(async move {
                if let Err(error) = changes::announce_host_changed(&pool, user_id).await {
                    // The others' caches expire on their own within two minutes.
                    tracing::warn!(%error, user_id, "could not tell other processes of a host's change");
                }
            });
        }
    }

    /// Drops what this process has cached of a host, or of every host.
    pub fn forget(&self, change: HostChange) {
        match change {
            HostChange::Host(user_id) => {
                self.busy_cache.invalidate(user_id);
                self.host_cache.invalidate(user_id);
                self.month_cache.invalidate(user_id);
            }
            HostChange::Unknown => {
                self.busy_cache.clear();
                self.host_cache.clear();
                self.month_cache.clear();
            }
        }
    }
}
