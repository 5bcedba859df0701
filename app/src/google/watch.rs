//! Push notifications for a followed calendar: `events.watch` opens a
//! channel, Google POSTs to BookMate's address when the calendar's events
//! change (headers only: which channel, and its token), and
//! `channels.stop` closes one. A notification says only "something
//! changed": BookMate then reads the changes (`event_list`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    calendar::{path_segment, read_json, CalendarApi, CalendarError},
    tokens::AccessToken,
};

/// The channel BookMate asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewChannel {
    /// Ours, unique for every channel ever opened.
    pub id: String,
    /// Ours, secret: Google sends it back with each notification.
    pub token: String,
    /// Where Google POSTs: BookMate's public URL, https.
    pub address: String,
}

/// A channel as Google opened it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenChannel {
    pub resource_id: String,
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Serialize)]
struct WatchRequest<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    address: &'a str,
    token: &'a str,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ChannelAnswer {
    resource_id: String,
    /// Milliseconds since the epoch, as a string.
    expiration: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StopRequest<'a> {
    id: &'a str,
    resource_id: &'a str,
}

impl CalendarApi {
    pub async fn watch_events(
        &self,
        token: &AccessToken,
        calendar_id: &str,
        channel: &NewChannel,
    ) -> Result<OpenChannel, CalendarError> {
        let body = WatchRequest {
            id: &channel.id,
            kind: "web_hook",
            address: &channel.address,
            token: &channel.token,
        };
        let request = self
            .http
            .post(format!("{}/calendars/{}/events/watch", self.base_url, path_segment(calendar_id)))
            .bearer_auth(token.secret())
            .json(&body);
        let answer: ChannelAnswer = read_json(request.send().await).await?;
        let expires_at = answer
            .expiration
            .and_then(|ms| ms.parse::<i64>().ok())
            .and_then(DateTime::<Utc>::from_timestamp_millis);
        Ok(OpenChannel { resource_id: answer.resource_id, expires_at })
    }

    pub async fn stop_channel(
        &self,
        token: &AccessToken,
        channel_id: &str,
        resource_id: &str,
    ) -> Result<(), CalendarError> {
        let request = self
            .http
            .post(format!("{}/channels/stop", self.base_url))
            .bearer_auth(token.secret())
            .json(&StopRequest { id: channel_id, resource_id });
        // 204, no body.
        read_json::<()>(request.send().await).await
    }
}
