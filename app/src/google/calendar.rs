//! The Calendar API v3 calls BookMate makes, with plain reqwest and serde:
//! `calendarList.list`, `freebusy.query`, and `events.insert`, `get`,
//! `patch` and `delete`.
//!
//! Google's error envelope is read into `CalendarError`, so callers can tell
//! an expired token (refresh and retry once) from a missing scope (ask the
//! host, never retry) from a rate limit or a server error (back off).

// tidy: long file: the Calendar calls BookMate makes, each beside the
// shapes of its request and answer, and the one reading of Google's error
// envelope they share, with its tests.

use chrono::{DateTime, Utc};
use reqwest::{header, StatusCode};
use serde::{Deserialize, Serialize};

use super::tokens::AccessToken;

/// `freebusy.query` answers for at most this many calendars
/// (`calendarExpansionMax`); past it, Google answers `tooManyCalendarsRequested`.
pub const FREEBUSY_MOST_CALENDARS: usize = 50;

#[derive(Debug, Clone)]
pub struct CalendarApi {
    /// Up to and including `calendar/v3`, without a trailing slash.
    pub(super) base_url: String,
    pub(super) http: reqwest::Client,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CalendarError {
    #[error("the access token was refused")]
    Unauthorized,
    #[error("the token lacks a scope this call needs (one of: {accepted})")]
    MissingScope { accepted: String },
    #[error("Google asked us to slow down")]
    RateLimited { retry_after_seconds: Option<u64> },
    #[error("Google failed ({status})")]
    Unavailable { status: u16 },
    #[error("no such calendar or event")]
    NotFound,
    /// The event was deleted (Google keeps its id, and answers 410).
    #[error("the event was deleted")]
    Gone,
    #[error("an event with this id exists already")]
    Duplicate,
    #[error("Google refused the request ({status}: {reason})")]
    Refused { status: u16, reason: String },
    #[error("Google could not be reached: {0}")]
    Network(String),
}

impl CalendarError {
    /// Worth trying again after a pause.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::RateLimited { .. } | Self::Unavailable { .. } | Self::Network(_))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CalendarListEntry {
    pub id: String,
    #[serde(default)]
    pub summary: String,
    pub summary_override: Option<String>,
    pub background_color: Option<String>,
    pub access_role: String,
    #[serde(default)]
    pub primary: bool,
    pub time_zone: Option<String>,
}

impl CalendarListEntry {
    pub fn can_write(&self) -> bool {
        matches!(self.access_role.as_str(), "owner" | "writer")
    }

    pub fn display_name(&self) -> &str {
        self.summary_override.as_deref().unwrap_or(&self.summary)
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CalendarListPage {
    #[serde(default)]
    items: Vec<CalendarListEntry>,
    next_page_token: Option<String>,
}

/// One busy span from `freebusy.query`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct BusySpan {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FreeBusy {
    pub busy: Vec<BusySpan>,
    /// Calendars Google could not answer for, with its reasons. A caller that
    /// must not guess treats these as failures.
    pub failed_calendars: Vec<(String, String)>,
}

#[derive(Debug, Deserialize)]
struct FreeBusyResponse {
    #[serde(default)]
    calendars: std::collections::BTreeMap<String, FreeBusyCalendar>,
}

#[derive(Debug, Deserialize)]
struct FreeBusyCalendar {
    #[serde(default)]
    busy: Vec<BusySpan>,
    #[serde(default)]
    errors: Vec<ErrorItem>,
}

/// The event BookMate inserts for a direct booking.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewEvent {
    /// Chosen by us (base32hex), so a retried insert cannot book twice.
    pub id: String,
    pub summary: String,
    pub description: String,
    pub start: EventTime,
    pub end: EventTime,
    pub attendees: Vec<Attendee>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// A Google Meet conference for Google to create with the event.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conference_data: Option<ConferenceRequest>,
}

/// `conferenceData` asking for a new Meet conference: a `createRequest` of
/// its own for every event (Google's 2026-02-17 note: never reuse one). It
/// needs nothing beyond `calendar.events`, the scope that inserts the event
/// (google.md §5.4: `conferenceData` is a field of the insert's Event body;
/// no conference scope exists in §4's list), and is read only when the
/// insert says `conferenceDataVersion=1`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConferenceRequest {
    pub create_request: CreateRequest,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateRequest {
    /// Ours, per event: a retried insert asks for the same conference.
    pub request_id: String,
    pub conference_solution_key: SolutionKey,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SolutionKey {
    #[serde(rename = "type")]
    pub kind: String,
}

impl ConferenceRequest {
    pub fn google_meet(request_id: &str) -> Self {
        Self {
            create_request: CreateRequest {
                request_id: request_id.to_owned(),
                conference_solution_key: SolutionKey { kind: "hangoutsMeet".to_owned() },
            },
        }
    }
}

/// What Google says of an event's conference.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConferenceData {
    #[serde(default)]
    pub create_request: Option<CreateRequestAnswer>,
    #[serde(default)]
    pub entry_points: Vec<EntryPoint>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CreateRequestAnswer {
    #[serde(default)]
    pub status: Option<ConferenceStatus>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConferenceStatus {
    /// `pending`, `success` or `failure`.
    pub status_code: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EntryPoint {
    pub entry_point_type: String,
    pub uri: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventTime {
    pub date_time: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Attendee {
    pub email: String,
    pub display_name: Option<String>,
}

/// A booking moved: the event's new time, the rest kept (its id, iCalUID,
/// attendees and any conference link survive a patch).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventPatch {
    pub start: EventTime,
    pub end: EventTime,
}

/// An event as Google answers it, with what BookMate keeps of it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GoogleEvent {
    pub id: String,
    /// Google's, not derivable from `id`: invites that should merge with
    /// this event carry it.
    #[serde(rename = "iCalUID")]
    pub ical_uid: String,
    pub html_link: Option<String>,
    /// `confirmed`, `tentative`, or `cancelled` for a deleted event.
    #[serde(default)]
    pub status: String,
    #[serde(default, rename = "hangoutLink")]
    pub hangout_link: Option<String>,
    #[serde(default, rename = "conferenceData")]
    pub conference_data: Option<ConferenceData>,
}

/// How far Google is with an event's Meet conference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MeetAnswer {
    Ready(String),
    Pending,
    Failed,
}

impl GoogleEvent {
    /// The Meet conference as Google answered it; `None` for an event
    /// without one. A link is Google's, never made up.
    pub fn meet(&self) -> Option<MeetAnswer> {
        let data = self.conference_data.as_ref()?;
        let video = data
            .entry_points
            .iter()
            .find(|point| point.entry_point_type == "video")
            .map(|point| point.uri.clone());
        if let Some(link) = self.hangout_link.clone().or(video) {
            return Some(MeetAnswer::Ready(link));
        }
        let status = data.create_request.as_ref().and_then(|request| request.status.as_ref());
        Some(match status.map(|status| status.status_code.as_str()) {
            Some("failure") => MeetAnswer::Failed,
            _ => MeetAnswer::Pending,
        })
    }
}

#[derive(Debug, Deserialize)]
struct ErrorEnvelope {
    error: ErrorBody,
}

#[derive(Debug, Deserialize)]
struct ErrorBody {
    #[serde(default)]
    errors: Vec<ErrorItem>,
}

#[derive(Debug, Deserialize)]
struct ErrorItem {
    #[serde(default)]
    reason: String,
}

impl CalendarApi {
    pub fn new(base_url: &str, http: reqwest::Client) -> Self {
        Self { base_url: base_url.trim_end_matches('/').to_owned(), http }
    }

    /// Every calendar in the host's list, following pages.
    pub async fn calendar_list(&self, token: &AccessToken) -> Result<Vec<CalendarListEntry>, CalendarError> {
        let mut entries = Vec::new();
        let mut page_token: Option<String> = None;
        loop {
            let mut request = self
                .http
                .get(format!("{}/users/me/calendarList", self.base_url))
                .bearer_auth(token.secret())
                .query(&[("maxResults", "250")]);
            if let Some(page_token) = &page_token {
                request = request.query(&[("pageToken", page_token)]);
            }
            let page: CalendarListPage = read_json(request.send().await).await?;
            entries.extend(page.items);
            match page.next_page_token {
                Some(next) => page_token = Some(next),
                None => break,
            }
        }
        // Primary first, then by name, as the settings page shows them.
        entries
            .sort_by(|a, b| b.primary.cmp(&a.primary).then_with(|| a.display_name().cmp(b.display_name())));
        Ok(entries)
    }

    /// Busy times of several calendars in one call.
    pub async fn free_busy(
        &self,
        token: &AccessToken,
        calendar_ids: &[String],
        time_min: DateTime<Utc>,
        time_max: DateTime<Utc>,
    ) -> Result<FreeBusy, CalendarError> {
        let body = serde_json::json!({
            "timeMin": time_min.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "timeMax": time_max.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "timeZone": "UTC",
            "items": calendar_ids.iter().map(|id| serde_json::json!({ "id": id })).collect::<Vec<_>>(),
        });
        let request =
            self.http.post(format!("{}/freeBusy", self.base_url)).bearer_auth(token.secret()).json(&body);
        let response: FreeBusyResponse = read_json(request.send().await).await?;
        let mut free_busy = FreeBusy::default();
        for (calendar_id, calendar) in response.calendars {
            if let Some(error) = calendar.errors.first() {
                free_busy.failed_calendars.push((calendar_id, error.reason.clone()));
            }
            free_busy.busy.extend(calendar.busy);
        }
        Ok(free_busy)
    }

    /// Inserts an event and lets Google invite the attendees.
    pub async fn insert_event(
        &self,
        token: &AccessToken,
        calendar_id: &str,
        event: &NewEvent,
    ) -> Result<GoogleEvent, CalendarError> {
        // Version 0 (Google's default) ignores conferenceData.
        let conference_version = if event.conference_data.is_some() { "1" } else { "0" };
        let request = self
            .http
            .post(format!("{}/calendars/{}/events", self.base_url, path_segment(calendar_id)))
            .bearer_auth(token.secret())
            .query(&[("sendUpdates", "all"), ("conferenceDataVersion", conference_version)])
            .json(event);
        read_json(request.send().await).await
    }

    /// Changes an event in place and lets Google tell the attendees.
    pub async fn patch_event(
        &self,
        token: &AccessToken,
        calendar_id: &str,
        event_id: &str,
        patch: &EventPatch,
    ) -> Result<GoogleEvent, CalendarError> {
        let request = self
            .http
            .patch(self.event_url(calendar_id, event_id))
            .bearer_auth(token.secret())
            .query(&[("sendUpdates", "all")])
            .json(patch);
        read_json(request.send().await).await
    }

    /// Deletes an event and lets Google tell the attendees it is off.
    pub async fn delete_event(
        &self,
        token: &AccessToken,
        calendar_id: &str,
        event_id: &str,
    ) -> Result<(), CalendarError> {
        let request = self
            .http
            .delete(self.event_url(calendar_id, event_id))
            .bearer_auth(token.secret())
            .query(&[("sendUpdates", "all")]);
        read_json::<serde::de::IgnoredAny>(request.send().await).await.map(drop)
    }

    fn event_url(&self, calendar_id: &str, event_id: &str) -> String {
        format!("{}/calendars/{}/events/{}", self.base_url, path_segment(calendar_id), path_segment(event_id))
    }

    /// One event by id; `NotFound` if there is none.
    pub async fn get_event(
        &self,
        token: &AccessToken,
        calendar_id: &str,
        event_id: &str,
    ) -> Result<GoogleEvent, CalendarError> {
        let request = self
            .http
            .get(format!(
                "{}/calendars/{}/events/{}",
                self.base_url,
                path_segment(calendar_id),
                path_segment(event_id)
            ))
            .bearer_auth(token.secret());
        read_json(request.send().await).await
    }
}

/// Calendar ids are email addresses and may hold `#` or `/`.
pub(super) fn path_segment(segment: &str) -> String {
    url::form_urlencoded::byte_serialize(segment.as_bytes()).collect::<String>().replace('+', "%20")
}

pub(super) async fn read_json<T: serde::de::DeserializeOwned>(
    response: Result<reqwest::Response, reqwest::Error>,
) -> Result<T, CalendarError> {
    let response = response.map_err(|error| CalendarError::Network(error.to_string()))?;
    let status = response.status();
    if status.is_success() {
        let body = response.bytes().await.map_err(|error| CalendarError::Network(error.to_string()))?;
        // A delete answers 204 with no body at all.
        let body: &[u8] = if body.is_empty() { b"null" } else { &body };
        return serde_json::from_slice(body).map_err(|error| CalendarError::Network(error.to_string()));
    }
    let www_authenticate = response
        .headers()
        .get(header::WWW_AUTHENTICATE)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let retry_after_seconds = response
        .headers()
        .get(header::RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| parse_retry_after(value, Utc::now()));
    let reason = response
        .json::<ErrorEnvelope>()
        .await
        .ok()
        .and_then(|envelope| envelope.error.errors.into_iter().next())
        .map(|item| item.reason)
        .unwrap_or_default();
    Err(classify(status, &reason, www_authenticate.as_deref(), retry_after_seconds))
}

fn classify(
    status: StatusCode,
    reason: &str,
    www_authenticate: Option<&str>,
    retry_after_seconds: Option<u64>,
) -> CalendarError {
    match (status.as_u16(), reason) {
        (401, _) => CalendarError::Unauthorized,
        (403, "insufficientPermissions") => CalendarError::MissingScope {
            accepted: www_authenticate.and_then(accepted_scopes).unwrap_or_default(),
        },
        (403, "rateLimitExceeded" | "userRateLimitExceeded") | (429, _) => {
            CalendarError::RateLimited { retry_after_seconds }
        }
        (404, _) => CalendarError::NotFound,
        (410, _) => CalendarError::Gone,
        (409, _) => CalendarError::Duplicate,
        (500..=599, _) => CalendarError::Unavailable { status: status.as_u16() },
        (status, reason) => CalendarError::Refused { status, reason: reason.to_owned() },
    }
}

/// `Retry-After` is either a number of seconds or an HTTP date (RFC 9110 §10.2.3);
/// a date already past means "now".
fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<u64> {
    let value = value.trim();
    if let Ok(seconds) = value.parse() {
        return Some(seconds);
    }
    let at = DateTime::parse_from_rfc2822(value).ok()?;
    Some(u64::try_from((at.to_utc() - now).num_seconds()).unwrap_or(0))
}

/// The `scope="…"` of a `WWW-Authenticate: Bearer …` header.
fn accepted_scopes(header: &str) -> Option<String> {
    let start = header.find("scope=\"")? + "scope=\"".len();
    let end = header[start..].find('"')? + start;
    Some(header[start..end].to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn googles_errors_are_told_apart() {
        let header = r#"Bearer realm="https://accounts.google.com/", error="insufficient_scope", scope="https://www.googleapis.com/auth/calendar https://www.googleapis.com/auth/calendar.events""#;
        assert_eq!(
            classify(StatusCode::FORBIDDEN, "insufficientPermissions", Some(header), None),
            CalendarError::MissingScope {
                accepted:
                    "https://www.googleapis.com/auth/calendar https://www.googleapis.com/auth/calendar.events"
                        .to_owned()
            }
        );
        assert_eq!(classify(StatusCode::UNAUTHORIZED, "authError", None, None), CalendarError::Unauthorized);
        assert_eq!(
            classify(StatusCode::FORBIDDEN, "rateLimitExceeded", None, Some(3)),
            CalendarError::RateLimited { retry_after_seconds: Some(3) }
        );
        assert!(classify(StatusCode::TOO_MANY_REQUESTS, "", None, None).is_transient());
        assert!(classify(StatusCode::SERVICE_UNAVAILABLE, "backendError", None, None).is_transient());
        assert_eq!(classify(StatusCode::CONFLICT, "duplicate", None, None), CalendarError::Duplicate);
        assert!(!classify(StatusCode::BAD_REQUEST, "timeRangeEmpty", None, None).is_transient());
    }

    #[test]
    fn retry_after_is_read_as_seconds_or_as_a_date() {
        let now = DateTime::parse_from_rfc3339("2026-12-02T10:00:00Z").unwrap().to_utc();
        assert_eq!(parse_retry_after("7", now), Some(7));
        assert_eq!(parse_retry_after("Wed, 02 Dec 2026 10:00:30 GMT", now), Some(30));
        assert_eq!(parse_retry_after("Wed, 02 Dec 2026 09:59:00 GMT", now), Some(0));
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn calendar_ids_are_escaped_in_paths() {
        assert_eq!(
            path_segment("team#holiday@group.v.calendar.google.com"),
            "team%23holiday%40group.v.calendar.google.com"
        );
        assert_eq!(path_segment("a b/c"), "a%20b%2Fc");
    }
}
