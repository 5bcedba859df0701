//! What a booking page needs to know about its host (the user, their
//! settings, whether Google is connected), cached for a few seconds per
//! username, so a busy page costs no database reads. Every change a host
//! makes drops it (`AppState::host_changed`); the TTL bounds anything else
//! (a token that stops working, another server process).

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

use crate::db::{
    google_connections,
    host_settings::{self, HostSettings},
    users::{self, User},
    DbError, DbPool,
};

pub const TTL: Duration = Duration::from_secs(5);

#[derive(Debug)]
pub struct Host {
    pub user: User,
    pub settings: Option<HostSettings>,
    /// Google is connected and needs no reconnection.
    pub connected: bool,
}

#[derive(Debug, Default)]
pub struct HostCache {
    entries: Mutex<HashMap<String, (Instant, Arc<Host>)>>,
}

impl HostCache {
    /// The host at `/{username}` (lowercase), or `None` when there is none.
    pub async fn find(&self, db: &DbPool, username: &str) -> Result<Option<Arc<Host>>, DbError> {
        if let Some((fetched, host)) = self.lock().get(username) {
            if fetched.elapsed() < TTL {
                return Ok(Some(host.clone()));
            }
        }
        let Some(user) = users::find_by_username(db, username).await? else {
            return Ok(None);
        };
        let settings = host_settings::find(db, user.user_id).await?;
        let connection = google_connections::find(db, user.user_id).await?;
        let connected = connection.is_some_and(|connection| connection.needs_reconnect_since.is_none());
        let host = Arc::new(Host { user, settings, connected });
        self.lock().insert(username.to_owned(), (Instant::now(), host.clone()));
        Ok(Some(host))
    }

    pub fn invalidate(&self, user_id: i64) {
        self.lock().retain(|_, (_, host)| host.user.user_id != user_id);
    }

    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, Arc<Host>)>> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
