//! `events.list`, as following the host's calendar uses it: a full read of
//! the calendar's events from a time on (deleted ones included), or the
//! changes since Google's sync token, a page at a time. Only the fields
//! following needs are asked for (`fields`): an event's id, iCalUID, status
//! and times, never its title, place, description or guests.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::Deserialize;

use super::{
    calendar::{path_segment, read_json, CalendarApi, CalendarError},
    tokens::AccessToken,
};

/// Where a read of a calendar starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListFrom {
    /// A full read of events ending after this time, deleted ones included;
    /// its last page carries a sync token.
    Start(DateTime<Utc>),
    /// The changes since this sync token (Google answers 410 once it expired).
    SyncToken(String),
}

/// The fields BookMate reads of an events page.
const FIELDS: &str = "items(id,iCalUID,status,start,end),nextPageToken,nextSyncToken";
/// Google's largest page.
const PAGE_SIZE: &str = "2500";

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventsPage {
    #[serde(default)]
    pub items: Vec<ListedEvent>,
    pub next_page_token: Option<String>,
    pub next_sync_token: Option<String>,
}

/// An event as following reads it. A deleted event in an incremental read
/// may carry its id and status only.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ListedEvent {
    pub id: String,
    #[serde(rename = "iCalUID")]
    pub ical_uid: Option<String>,
    #[serde(default)]
    pub status: String,
    pub start: Option<ListedTime>,
    pub end: Option<ListedTime>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListedTime {
    pub date_time: Option<DateTime<FixedOffset>>,
    /// All-day events have a date instead.
    pub date: Option<NaiveDate>,
}

impl ListedEvent {
    pub fn is_deleted(&self) -> bool {
        self.status == "cancelled"
    }

    /// Its start and end, for a timed event.
    pub fn times(&self) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        let start = self.start.as_ref()?.date_time?;
        let end = self.end.as_ref()?.date_time?;
        Some((start.with_timezone(&Utc), end.with_timezone(&Utc)))
    }
}

impl CalendarApi {
    pub async fn list_events(
        &self,
        token: &AccessToken,
        calendar_id: &str,
        from: &ListFrom,
        page_token: Option<&str>,
    ) -> Result<EventsPage, CalendarError> {
        let mut query: Vec<(&str, String)> =
            vec![("maxResults", PAGE_SIZE.to_owned()), ("fields", FIELDS.to_owned())];
        match from {
            ListFrom::Start(time_min) => {
                query.push(("timeMin", time_min.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)));
                query.push(("showDeleted", "true".to_owned()));
            }
            // Google refuses timeMin, orderBy and the like beside a sync token.
            ListFrom::SyncToken(sync_token) => query.push(("syncToken", sync_token.clone())),
        }
        if let Some(page_token) = page_token {
            query.push(("pageToken", page_token.to_owned()));
        }
        let request = self
            .http
            .get(format!("{}/calendars/{}/events", self.base_url, path_segment(calendar_id)))
            .query(&query)
            .bearer_auth(token.secret());
        read_json(request.send().await).await
    }
}
