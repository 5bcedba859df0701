//! What a booking page needs to know about its host (the user, their
//! settings and meeting types, whether Google is connected), cached for a few seconds per
//! username, so a busy page costs no database reads. Every change a host
//! makes drops it (`AppState::host_changed`); the TTL bounds anything else
//! (a token that stops working, another server process).

use std::{fmt, sync::Arc, time::Duration};

use crate::db::{
    google_connections,
    host_settings::{self, HostSettings},
    meeting_types::{self, MeetingType},
    users::{self, User},
    DbError, DbPool,
};
use crate::google_scopes::CALENDAR_EVENTS;

pub const TTL: Duration = Duration::from_secs(5);
/// Only hosts that exist are kept, so this bounds real hosts, not addresses
/// typed by visitors.
const MAX_HOSTS: u64 = 10_000;

#[derive(Debug)]
pub struct Host {
    pub user: User,
    pub settings: Option<HostSettings>,
    /// In the host's order.
    pub types: Vec<MeetingType>,
    /// Google is connected and needs no reconnection.
    pub connected: bool,
    /// Direct booking is on and Google granted adding events: what Google
    /// Meet needs.
    pub can_add_events: bool,
}

pub struct HostCache {
    entries: moka::sync::Cache<String, Arc<Host>>,
}

impl Default for HostCache {
    fn default() -> Self {
        Self {
            entries: moka::sync::Cache::builder()
                .max_capacity(MAX_HOSTS)
                .time_to_live(TTL)
                .support_invalidation_closures()
                .build(),
        }
    }
}

impl fmt::Debug for HostCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostCache").field("hosts", &self.entries.entry_count()).finish()
    }
}

impl HostCache {
    /// The host at `/{username}` (lowercase), or `None` when there is none.
    pub async fn find(&self, db: &DbPool, username: &str) -> Result<Option<Arc<Host>>, DbError> {
        if let Some(host) = self.entries.get(username) {
            return Ok(Some(host));
        }
        let Some(user) = users::find_by_username(db, username).await? else {
            return Ok(None);
        };
        let settings = host_settings::find(db, user.user_id).await?;
        let types = meeting_types::for_host(db, user.user_id).await?;
        let connection = google_connections::find(db, user.user_id).await?;
        let connected =
            connection.as_ref().is_some_and(|connection| connection.needs_reconnect_since.is_none());
        let can_add_events = connection
            .is_some_and(|connection| connection.granted_scopes.contains(CALENDAR_EVENTS))
            && settings.as_ref().is_some_and(|settings| settings.direct_booking_calendar_id.is_some());
        let host = Arc::new(Host { user, settings, types, connected, can_add_events });
        self.entries.insert(username.to_owned(), host.clone());
        Ok(Some(host))
    }

    pub fn invalidate(&self, user_id: i64) {
        if self.entries.invalidate_entries_if(move |_, host| host.user.user_id == user_id).is_err() {
            self.clear();
        }
    }

    pub fn clear(&self) {
        self.entries.invalidate_all();
    }
}
