//! Word between BookMate processes that share one PostgreSQL database: when a
//! host changes something their booking page shows, every process drops what
//! it has cached of that host, not only the one that made the change. SQLite
//! serves one process, which needs no word.

use std::{future::Future, time::Duration};

use sqlx::postgres::PgListener;

use super::{DatabaseUrl, DbPool};

const CHANNEL: &str = "bookmate_host_changed";
/// How long to wait before connecting again after the database went away.
const RECONNECT_AFTER: Duration = Duration::from_secs(2);

/// What a listener hears.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostChange {
    /// This host changed.
    Host(i64),
    /// The connection was (re)established: announcements may have been missed
    /// meanwhile, so any host may have changed.
    Unknown,
}

/// Tells every listening process, this one included, that a host changed.
pub async fn announce_host_changed(pool: &DbPool, user_id: i64) -> Result<(), sqlx::Error> {
    // `pg_notify` returns void, which the Any driver cannot carry: count it.
    sqlx::query("select count(*) from (select pg_notify($1, $2)) as sent")
        .bind(CHANNEL)
        .bind(user_id.to_string())
        .execute(pool)
        .await?;
    Ok(())
}

/// Hears announcements until `stop` completes, reconnecting whenever the
/// connection is lost, and hands each to `heard`.
pub async fn listen_for_host_changes(
    url: &DatabaseUrl,
    heard: impl Fn(HostChange),
    stop: impl Future<Output = ()>,
) {
    tokio::pin!(stop);
    loop {
        tokio::select! {
            () = &mut stop => return,
            () = listen_once(url, &heard) => {}
        }
        tokio::select! {
            () = &mut stop => return,
            () = tokio::time::sleep(RECONNECT_AFTER) => {}
        }
    }
}

/// One connection's worth of listening; returns when it fails.
async fn listen_once(url: &DatabaseUrl, heard: &impl Fn(HostChange)) {
    let mut listener = match PgListener::connect(url.expose()).await {
        Ok(listener) => listener,
        Err(error) => {
            tracing::warn!(%error, "cannot listen for other processes' host changes; trying again");
            return;
        }
    };
    if let Err(error) = listener.listen(CHANNEL).await {
        tracing::warn!(%error, "cannot listen for other processes' host changes; trying again");
        return;
    }
    heard(HostChange::Unknown);
    loop {
        match listener.try_recv().await {
            Ok(Some(notification)) => match notification.payload().parse() {
                Ok(user_id) => heard(HostChange::Host(user_id)),
                Err(_) => tracing::warn!(payload = notification.payload(), "an unreadable host change"),
            },
            // Reconnected by the listener itself: something may have been missed.
            Ok(None) => heard(HostChange::Unknown),
            Err(error) => {
                tracing::warn!(%error, "lost the connection that hears host changes; reconnecting");
                heard(HostChange::Unknown);
                return;
            }
        }
    }
}
