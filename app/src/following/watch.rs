//! Google's push notifications for followed calendars, where BookMate's
//! public address can receive them (https, as Google requires; or a
//! loopback address in development, which the emulator serves). A channel
//! is opened after a read and renewed a day before it ends; a notification
//! with the channel's secret token makes the calendar due for a read, never
//! sooner than the least gap after the last one, so a burst of
//! notifications costs one read. Polling goes on beside it: a notification
//! lost is a change read at the next poll.

use chrono::{DateTime, Duration, Utc};
use subtle::ConstantTimeEq as _;

use crate::{
    crypto::random_token,
    db::{
        following::{self, Channel, ChannelState, FollowedCalendar},
        google_connections::GoogleConnection,
        DbError,
    },
    google::watch::NewChannel,
    state::AppState,
};

/// Where Google posts notifications.
pub const NOTIFICATIONS_PATH: &str = "/google/calendar-notifications";
/// A channel this close to its end is replaced.
const RENEW_BEFORE: Duration = Duration::days(1);
/// After Google refused to open a channel, the next try waits this long.
const RETRY_AFTER_REFUSAL: Duration = Duration::days(1);

/// What a notification led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notified {
    /// The calendar is due for a read.
    ReadSoon,
    /// Google's first message on a new channel: nothing changed yet.
    ChannelOpened,
    /// No such channel, or the wrong token.
    Unknown,
}

/// Opens (or renews) the calendar's channel when it has none that lasts.
pub async fn keep_open(
    state: &AppState,
    connection: &GoogleConnection,
    calendar: &FollowedCalendar,
    now: DateTime<Utc>,
) -> Result<(), DbError> {
    let Some(address) = address(state) else { return Ok(()) };
    let old = match &calendar.channel {
        ChannelState::Open(channel) if channel.expires_at.is_none_or(|ends| ends > now + RENEW_BEFORE) => {
            return Ok(());
        }
        ChannelState::FailedUntil(until) if *until > now => return Ok(()),
        ChannelState::Open(channel) => Some(channel.clone()),
        _ => None,
    };
    let db = state.database.pool();
    let new = NewChannel { id: random_token(), token: random_token(), address };
    let opened = match state.google.watch_calendar(db, connection, &calendar.calendar_id, &new).await {
        Ok(open) => ChannelState::Open(Channel {
            id: new.id,
            token: new.token,
            resource_id: open.resource_id,
            expires_at: open.expires_at,
        }),
        Err(error) => {
            tracing::warn!(%error, user_id = calendar.user_id, "Google would not open a push channel; polling only");
            ChannelState::FailedUntil(now + RETRY_AFTER_REFUSAL)
        }
    };
    following::save_channel(db, calendar, &opened).await?;
    if let Some(old) = old {
        stop(state, connection, &old).await;
    }
    Ok(())
}

/// Closes the channels of calendars no longer followed (best effort: a
/// channel left open ends on its own, and its notifications find no
/// calendar here).
pub async fn close(state: &AppState, user_id: i64, calendars: &[FollowedCalendar]) {
    let open: Vec<&Channel> = calendars
        .iter()
        .filter_map(|calendar| match &calendar.channel {
            ChannelState::Open(channel) => Some(channel),
            _ => None,
        })
        .collect();
    if open.is_empty() {
        return;
    }
    let Ok(connection) = state.google.connection(state.database.pool(), user_id).await else { return };
    for channel in open {
        stop(state, &connection, channel).await;
    }
}

async fn stop(state: &AppState, connection: &GoogleConnection, channel: &Channel) {
    let db = state.database.pool();
    if let Err(error) = state.google.stop_watching(db, connection, &channel.id, &channel.resource_id).await {
        tracing::info!(%error, "could not close a push channel; it ends on its own");
    }
}

/// Google says a calendar changed (or a channel opened).
pub async fn notified(
    state: &AppState,
    channel_id: &str,
    token: &str,
    resource_state: &str,
    now: DateTime<Utc>,
) -> Result<Notified, DbError> {
    let db = state.database.pool();
    let Some(calendar) = following::by_channel(db, channel_id).await? else { return Ok(Notified::Unknown) };
    let ChannelState::Open(channel) = &calendar.channel else { return Ok(Notified::Unknown) };
    if !bool::from(channel.token.as_bytes().ct_eq(token.as_bytes())) {
        return Ok(Notified::Unknown);
    }
    if resource_state == "sync" {
        return Ok(Notified::ChannelOpened);
    }
    let gap = Duration::from_std(state.following.least_gap).unwrap_or(Duration::seconds(30));
    let at = calendar.last_synced_at.map_or(now, |last| (last + gap).max(now));
    following::due_by(db, &calendar, at).await?;
    Ok(Notified::ReadSoon)
}

/// Where Google can reach this server, if it can.
fn address(state: &AppState) -> Option<String> {
    let public = state.cookies.public_url();
    let loopback = match public.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name == "localhost",
        None => false,
    };
    (public.scheme() == "https" || loopback)
        .then(|| format!("{}{NOTIFICATIONS_PATH}", public.as_str().trim_end_matches('/')))
}
