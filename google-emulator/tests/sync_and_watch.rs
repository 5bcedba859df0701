//! Incremental sync (`syncToken`/`nextSyncToken`, tombstones, 410 after
//! expiry, paging) and edits made as if in Google Calendar's UI, which sync
//! reports like API writes.

mod common;

use common::{march::*, *};
use google_emulator::ConferenceCreation;
use serde_json::{json, Value};

#[tokio::test]
async fn an_incremental_sync_returns_exactly_what_changed_deleted_events_included() {
    let (google, token) = signed_in().await;
    let (full, _, first) = all_pages(&google, &token, "").await;
    assert_eq!(ids(&full), ["allday01", "free0001", "opaque01", "tokyo001", "weekly01"]);
    let (nothing, second) = changes_since(&google, &token, &first).await;
    assert!(nothing.is_empty(), "nothing changed yet: {nothing:?}");

    let base = format!("{}/calendar/v3/calendars/primary/events", google.base);
    let inserted = google
        .calendar_post(&token, "/calendars/primary/events", &json!({
            "summary": "New", "start": { "dateTime": "2030-03-07T10:00:00Z" }, "end": { "dateTime": "2030-03-07T11:00:00Z" },
        }))
        .await;
    let inserted: Value = inserted.json().await.unwrap();
    let patch = google
        .http
        .patch(format!("{base}/opaque01"))
        .bearer_auth(&token)
        .json(&json!({ "summary": "Renamed" }));
    assert_eq!(patch.send().await.unwrap().status(), 200);
    let delete = google.http.delete(format!("{base}/free0001")).bearer_auth(&token);
    assert_eq!(delete.send().await.unwrap().status(), 204);
    let host_delete = json!({ "email": ADA, "calendarId": "primary", "eventId": "allday01" });
    assert_eq!(google.post_json("/__emulator/host-delete-event", &host_delete).await.status(), 204);
    let (_, before) = google.get_json("/__emulator/clock").await;
    let tokyo_before: Value =
        google.calendar(&token, "/calendars/primary/events/tokyo001").await.json().await.unwrap();
    let host_move = json!({ "calendar_id": ADA, "event_id": "tokyo001",
        "start": "2030-03-06T11:00:00+09:00", "end": "2030-03-06T12:30:00+09:00" });
    assert_eq!(google.post_json("/__emulator/host-move-event", &host_move).await.status(), 204);
    let added = google
        .post_json("/__emulator/events", &json!({ "calendar_id": ADA, "event": {
            "id": "added001", "summary": "Added in the UI",
            "start": { "dateTime": "2030-03-08T09:00:00Z" }, "end": { "dateTime": "2030-03-08T10:00:00Z" } } }))
        .await;
    assert_eq!(added.status(), 200);
    // A change on another calendar is not this calendar's.
    let team_event =
        json!({ "summary": "Team", "start": { "date": "2030-03-05" }, "end": { "date": "2030-03-06" } });
    assert!(google.emulator.add_event(TEAM, &serde_json::from_value(team_event).unwrap()).is_some());

    let (changed, third) = changes_since(&google, &token, &first).await;
    let inserted_id = inserted["id"].as_str().unwrap();
    let mut expected = vec!["added001", "allday01", "free0001", inserted_id, "opaque01", "tokyo001"];
    expected.sort_unstable();
    assert_eq!(ids(&changed), expected);
    let item = |id: &str| changed.iter().find(|item| item["id"] == id).unwrap().clone();
    assert_eq!(item("free0001")["status"], "cancelled", "deleted by the API: a tombstone");
    assert_eq!(item("allday01")["status"], "cancelled", "deleted in the UI: a tombstone");
    assert_eq!(item("opaque01")["summary"], "Renamed");
    let tokyo = item("tokyo001");
    assert_eq!(tokyo["start"], json!({ "dateTime": "2030-03-06T11:00:00+09:00", "timeZone": "Asia/Tokyo" }));
    assert_eq!(tokyo["end"]["dateTime"], "2030-03-06T12:30:00+09:00");
    assert_eq!(tokyo["iCalUID"], tokyo_before["iCalUID"], "a move keeps the iCalUID");
    assert!(at(&tokyo["updated"]) > at(&tokyo_before["updated"]));
    assert!(at(&tokyo["updated"]) >= at(&before["now"]));
    assert_ne!(tokyo["etag"], tokyo_before["etag"]);
    // The token from the empty sync saw none of it either way.
    let (again, _) = changes_since(&google, &token, &second).await;
    assert_eq!(ids(&again), expected);
    let (none, _) = changes_since(&google, &token, &third).await;
    assert!(none.is_empty(), "{none:?}");
    // A plain listing still hides what was deleted, and get still answers it.
    let (_, listed) = list(&google, &token, "").await;
    assert!(!ids(listed["items"].as_array().unwrap()).contains(&"allday01"));
    let got: Value =
        google.calendar(&token, "/calendars/primary/events/allday01").await.json().await.unwrap();
    assert_eq!(got["status"], "cancelled");

    let unknown = json!({ "email": ADA, "calendarId": "primary", "eventId": "nothing1" });
    assert_eq!(google.post_json("/__emulator/host-delete-event", &unknown).await.status(), 404);
    let unknown_move = json!({ "email": ADA, "calendarId": "primary", "eventId": "nothing1",
        "start": "2030-03-06T11:00:00Z", "end": "2030-03-06T12:00:00Z" });
    assert_eq!(google.post_json("/__emulator/host-move-event", &unknown_move).await.status(), 404);
    let cancelled_move = json!({ "email": ADA, "calendarId": "primary", "eventId": "cancel01",
        "start": "2030-03-06T11:00:00Z", "end": "2030-03-06T12:00:00Z" });
    assert_eq!(google.post_json("/__emulator/host-move-event", &cancelled_move).await.status(), 404);
    let backwards = json!({ "email": ADA, "calendarId": "primary", "eventId": "weekly01",
        "start": "2030-03-06T11:00:00Z", "end": "2030-03-06T11:00:00Z" });
    assert_eq!(google.post_json("/__emulator/host-move-event", &backwards).await.status(), 400);
}

#[tokio::test]
async fn a_meet_conference_made_after_the_insert_is_a_change() {
    let (google, token) = signed_in().await;
    google.emulator.create_conferences(ConferenceCreation::Pending);
    let asked = json!({ "summary": "Call", "conferenceData": { "createRequest": { "requestId": "r1" } },
        "start": { "dateTime": "2030-03-07T10:00:00Z" }, "end": { "dateTime": "2030-03-07T11:00:00Z" } });
    let inserted =
        google.calendar_post(&token, "/calendars/primary/events?conferenceDataVersion=1", &asked).await;
    let id = inserted.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let (_, _, after_insert) = all_pages(&google, &token, "").await;
    let (_, _, unread) = all_pages(&google, &token, "").await;
    let (none, _) = changes_since(&google, &token, &unread).await;
    assert!(none.is_empty(), "listing is no change");
    let got: Value =
        google.calendar(&token, &format!("/calendars/primary/events/{id}")).await.json().await.unwrap();
    assert!(got["hangoutLink"].is_string());
    let (changed, _) = changes_since(&google, &token, &after_insert).await;
    assert_eq!(ids(&changed), [id.as_str()]);
    assert_eq!(changed[0]["hangoutLink"], got["hangoutLink"]);
}

#[tokio::test]
async fn an_incremental_sync_pages_like_any_listing() {
    let google = Google::start_with(|config| {
        config.seed = seed();
        config.page_size = 2;
    })
    .await;
    let token =
        google.signed_in(&format!("openid {EVENTS}")).await["access_token"].as_str().unwrap().to_owned();
    let (_, full_pages, start) = all_pages(&google, &token, "").await;
    assert_eq!(full_pages, 3, "five events, two a page");
    for id in ["opaque01", "free0001", "allday01", "tokyo001", "weekly01"] {
        assert!(google.emulator.delete_event(ADA, id));
    }
    let (items, pages, next) =
        all_pages(&google, &token, &format!("syncToken={}&maxResults=2", encode(&start))).await;
    assert_eq!(pages, 3);
    assert_eq!(ids(&items), ["allday01", "free0001", "opaque01", "tokyo001", "weekly01"]);
    assert!(items.iter().all(|item| item["status"] == "cancelled"));
    let (none, _) = changes_since(&google, &token, &next).await;
    assert!(none.is_empty());
}

#[tokio::test]
async fn an_expired_or_unknown_sync_token_is_410_and_a_full_sync_starts_over() {
    let (google, token) = signed_in().await;
    let (_, _, old) = all_pages(&google, &token, "").await;
    assert_eq!(google.post_json("/__emulator/expire-sync-tokens", &json!({})).await.status(), 204);
    let gone = json!({ "error": {
        "code": 410,
        "message": "Sync token is no longer valid, a full sync is required.",
        "errors": [{ "domain": "calendar", "reason": "fullSyncRequired",
            "message": "Sync token is no longer valid, a full sync is required.",
            "location": "syncToken", "locationType": "parameter" }],
        "status": "NOT_FOUND",
    }});
    let (status, body) = list(&google, &token, &format!("syncToken={}", encode(&old))).await;
    assert_eq!((status, &body), (410, &gone));
    for unknown in ["bogus", "CPDAlvWDx70CEPDAlvWDx70CGAU="] {
        let (status, body) = list(&google, &token, &format!("syncToken={}", encode(unknown))).await;
        assert_eq!((status, &body), (410, &gone), "{unknown}");
    }
    // Another calendar's token is no token for this one.
    let team: Value =
        google.calendar(&token, &format!("/calendars/{}/events", encode(TEAM))).await.json().await.unwrap();
    let team_token = team["nextSyncToken"].as_str().unwrap();
    let (status, _) = list(&google, &token, &format!("syncToken={}", encode(team_token))).await;
    assert_eq!(status, 410);

    let (full, _, fresh) = all_pages(&google, &token, "").await;
    assert_eq!(full.len(), 5);
    assert_ne!(fresh, old);
    assert!(google.emulator.delete_event(ADA, "opaque01"));
    let (changed, _) = changes_since(&google, &token, &fresh).await;
    assert_eq!(ids(&changed), ["opaque01"]);
    // A reset starts a new world: its tokens are all expired.
    assert_eq!(
        google.post_json("/__emulator/reset", &serde_json::to_value(seed()).unwrap()).await.status(),
        204
    );
    let token =
        google.signed_in(&format!("openid {EVENTS}")).await["access_token"].as_str().unwrap().to_owned();
    let (status, _) = list(&google, &token, &format!("syncToken={}", encode(&fresh))).await;
    assert_eq!(status, 410);
}

#[tokio::test]
async fn a_sync_token_refuses_filters_and_ical_uid_finds_one_event() {
    let (google, token) = signed_in().await;
    let (_, _, sync) = all_pages(&google, &token, "").await;
    let sync = encode(&sync);
    for (extra, parameter) in [
        ("timeMin=2030-03-01T00:00:00Z", "timeMin"),
        ("timeMax=2030-03-01T00:00:00Z", "timeMax"),
        ("orderBy=updated", "orderBy"),
        ("q=standup", "q"),
        ("updatedMin=2030-03-01T00:00:00Z", "updatedMin"),
        ("iCalUID=x%40google.com", "iCalUID"),
        ("privateExtendedProperty=a%3Db", "privateExtendedProperty"),
        ("sharedExtendedProperty=a%3Db", "sharedExtendedProperty"),
    ] {
        let (status, body) = list(&google, &token, &format!("syncToken={sync}&{extra}")).await;
        assert_eq!(status, 400, "{extra}: {body}");
        assert_eq!(body["error"]["errors"][0]["reason"], "invalid");
        assert_eq!(body["error"]["errors"][0]["location"], parameter);
    }
    let tokyo: Value =
        google.calendar(&token, "/calendars/primary/events/tokyo001").await.json().await.unwrap();
    let uid = tokyo["iCalUID"].as_str().unwrap();
    let (status, found) = list(&google, &token, &format!("iCalUID={}", encode(uid))).await;
    assert_eq!(status, 200);
    assert_eq!(ids(found["items"].as_array().unwrap()), ["tokyo001"]);
    assert!(found["nextSyncToken"].is_string());
    let (_, none) = list(&google, &token, "iCalUID=nobody%40google.com").await;
    assert!(none["items"].as_array().unwrap().is_empty());
    let cancelled: Value =
        google.calendar(&token, "/calendars/primary/events/cancel01").await.json().await.unwrap();
    let cancelled_uid = encode(cancelled["iCalUID"].as_str().unwrap());
    let (_, hidden) = list(&google, &token, &format!("iCalUID={cancelled_uid}")).await;
    assert!(hidden["items"].as_array().unwrap().is_empty(), "cancelled: only with showDeleted");
    let (_, shown) = list(&google, &token, &format!("iCalUID={cancelled_uid}&showDeleted=true")).await;
    assert_eq!(ids(shown["items"].as_array().unwrap()), ["cancel01"]);
}
