//! The March 2030 world the sync and watch tests share, and helpers to
//! list and page through its events.

use google_emulator::Seed;
use serde_json::{json, Value};

use super::*;

pub const TEAM: &str = "team@group.calendar.google.com";

/// Ada's primary calendar in March 2030 (a busy hour, a "Free" one, a
/// cancelled one, an all-day holiday, a weekly meeting, a call in Tokyo
/// time) and a team calendar she can write to.
pub fn seed() -> Seed {
    let time = |at: &str| json!({ "dateTime": at, "timeZone": "Europe/Berlin" });
    serde_json::from_value(json!({
        "clients": [{ "client_id": CLIENT, "client_secret": SECRET, "redirect_uris": [REDIRECT] }],
        "accounts": [{
            "sub": ADA_SUB, "email": ADA, "name": "Ada Lovelace", "time_zone": "Europe/Berlin",
            "calendars": [
                { "id": ADA, "summary": ADA, "accessRole": "owner", "primary": true, "timeZone": "Europe/Berlin",
                  "events": [
                    { "id": "opaque01", "summary": "Busy", "start": time("2030-03-04T10:00:00+01:00"), "end": time("2030-03-04T11:00:00+01:00") },
                    { "id": "free0001", "summary": "Free", "transparency": "transparent", "start": time("2030-03-04T12:00:00+01:00"), "end": time("2030-03-04T13:00:00+01:00") },
                    { "id": "cancel01", "summary": "Cancelled", "status": "cancelled", "start": time("2030-03-04T14:00:00+01:00"), "end": time("2030-03-04T15:00:00+01:00") },
                    { "id": "allday01", "summary": "Holiday", "start": { "date": "2030-03-05" }, "end": { "date": "2030-03-06" } },
                    { "id": "weekly01", "summary": "Weekly", "recurrence": ["RRULE:FREQ=WEEKLY;COUNT=3"], "start": time("2030-03-04T16:00:00+01:00"), "end": time("2030-03-04T17:00:00+01:00") },
                    { "id": "tokyo001", "summary": "Tokyo", "start": { "dateTime": "2030-03-06T09:00:00+09:00", "timeZone": "Asia/Tokyo" }, "end": { "dateTime": "2030-03-06T10:00:00+09:00", "timeZone": "Asia/Tokyo" } }
                  ] },
                { "id": TEAM, "summary": "Team", "accessRole": "writer" }
            ]
        }]
    }))
    .unwrap()
}

/// An emulator on that seed and an access token that may read, write and
/// watch events.
pub async fn signed_in() -> (Google, String) {
    let google = Google::start_with(|config| config.seed = seed()).await;
    let token = google.signed_in(&format!("openid email {EVENTS}")).await["access_token"].clone();
    (google, token.as_str().unwrap().to_owned())
}

pub async fn list(google: &Google, token: &str, query: &str) -> (u16, Value) {
    let response = google.calendar(token, &format!("/calendars/primary/events?{query}")).await;
    (response.status().as_u16(), response.json().await.unwrap())
}

/// Every page of a listing: the items, the number of pages and the last
/// page's `nextSyncToken` (no page but the last carries one).
pub async fn all_pages(google: &Google, token: &str, query: &str) -> (Vec<Value>, usize, String) {
    let (mut items, mut pages, mut page_token) = (Vec::new(), 0, None::<String>);
    loop {
        let paged = page_token.as_ref().map(|next| format!("&pageToken={next}")).unwrap_or_default();
        let (status, page) = list(google, token, &format!("{query}{paged}")).await;
        assert_eq!(status, 200, "{page}");
        pages += 1;
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["nextPageToken"].as_str() {
            Some(next) => {
                assert!(page.get("nextSyncToken").is_none(), "only the last page has a sync token");
                page_token = Some(next.to_owned());
            }
            None => return (items, pages, page["nextSyncToken"].as_str().expect("a sync token").to_owned()),
        }
    }
}

pub fn ids(items: &[Value]) -> Vec<&str> {
    let mut ids: Vec<&str> = items.iter().map(|item| item["id"].as_str().unwrap()).collect();
    ids.sort_unstable();
    ids
}

pub fn at(time: &Value) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339(time.as_str().unwrap()).unwrap()
}

pub fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

pub async fn changes_since(google: &Google, token: &str, sync_token: &str) -> (Vec<Value>, String) {
    let (items, _, next) = all_pages(google, token, &format!("syncToken={}", encode(sync_token))).await;
    (items, next)
}
