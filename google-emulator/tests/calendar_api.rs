//! Calendar API v3 against a fixed seed with known events: list, get,
//! insert, delete and freebusy, scope checks and Google's error envelopes
//! (google.md §5).

mod common;

use std::collections::BTreeSet;

use common::*;
use google_emulator::{ConferenceCreation, ConsentDecision, Seed};
use serde_json::{json, Value};

const SHARED: &str = "shared@group.calendar.google.com";
const WRITABLE: &str = "writer@group.calendar.google.com";
const FREEBUSY: &str = "https://www.googleapis.com/auth/calendar.freebusy";

/// Ada's week of 4 March 2030 in Berlin (UTC+1, before DST): one busy hour,
/// one "Free" hour, one cancelled hour, an all-day holiday, a weekly meeting
/// three times, and a call booked in Tokyo time.
fn fixed_seed() -> Seed {
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
                { "id": SHARED, "summary": "Shared", "accessRole": "reader", "timeZone": "Europe/Berlin" },
                { "id": WRITABLE, "summary": "Writable", "accessRole": "writer" }
            ]
        }]
    }))
    .unwrap()
}

async fn fixed() -> Google {
    Google::start_with(|config| config.seed = fixed_seed()).await
}

async fn json_of(response: reqwest::Response) -> Value {
    response.json().await.unwrap()
}

const MARCH: &str = "timeMin=2030-03-01T00:00:00Z&timeMax=2030-04-01T00:00:00Z";

#[tokio::test]
async fn calendar_list_pages_and_shows_each_calendars_access_role() {
    let google = Google::start_with(|config| {
        config.seed = fixed_seed();
        config.page_size = 2;
    })
    .await;
    let token = google.signed_in(&format!("openid email {READONLY}")).await["access_token"].clone();
    let token = token.as_str().unwrap();
    let first = json_of(google.calendar(token, "/users/me/calendarList").await).await;
    assert_eq!(first["kind"], "calendar#calendarList");
    assert_eq!(first["items"].as_array().unwrap().len(), 2);
    let next = first["nextPageToken"].as_str().expect("more to come");
    let second =
        json_of(google.calendar(token, &format!("/users/me/calendarList?pageToken={next}")).await).await;
    assert!(second.get("nextPageToken").is_none());
    assert!(second["nextSyncToken"].is_string(), "the last page carries nextSyncToken");
    let items: Vec<Value> =
        [first["items"].as_array().unwrap().clone(), second["items"].as_array().unwrap().clone()].concat();
    let role = |id: &str| items.iter().find(|item| item["id"] == id).unwrap()["accessRole"].clone();
    assert_eq!(role(ADA), "owner");
    assert_eq!(role(SHARED), "reader");
    assert_eq!(role(WRITABLE), "writer");
    let primary = items.iter().find(|item| item["primary"] == true).unwrap();
    assert_eq!(primary["id"], ADA, "the primary calendar's id is the email");
    assert_eq!(primary["kind"], "calendar#calendarListEntry");
}

#[tokio::test]
async fn single_events_expands_the_recurrence_and_hides_cancelled_events_unless_asked() {
    let google = fixed().await;
    let token = google.signed_in(&format!("openid {READONLY}")).await["access_token"].clone();
    let token = token.as_str().unwrap();
    let path = format!("/calendars/primary/events?{MARCH}&singleEvents=true&orderBy=startTime");
    let expanded = json_of(google.calendar(token, &path).await).await;
    let ids: Vec<&str> =
        expanded["items"].as_array().unwrap().iter().map(|item| item["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 7, "{ids:?}");
    assert_eq!(&ids[..2], ["opaque01", "free0001"], "ordered by start time");
    let instances: Vec<&Value> = expanded["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|item| item["recurringEventId"] == "weekly01")
        .collect();
    assert_eq!(instances.len(), 3);
    assert_eq!(
        instances[1]["start"]["dateTime"], "2030-03-11T16:00:00+01:00",
        "same wall-clock time each week"
    );
    assert!(instances.iter().all(|item| item.get("recurrence").is_none()));
    assert!(!ids.contains(&"cancel01"));

    let with_deleted = json_of(google.calendar(token, &format!("{path}&showDeleted=true")).await).await;
    assert_eq!(with_deleted["items"].as_array().unwrap().len(), 8);

    let collapsed =
        json_of(google.calendar(token, &format!("/calendars/primary/events?{MARCH}")).await).await;
    let weekly = collapsed["items"].as_array().unwrap().iter().find(|item| item["id"] == "weekly01").unwrap();
    assert_eq!(weekly["recurrence"][0], "RRULE:FREQ=WEEKLY;COUNT=3", "without singleEvents: the series");
    assert_eq!(collapsed["items"].as_array().unwrap().len(), 5);

    let tokyo = expanded["items"].as_array().unwrap().iter().find(|item| item["id"] == "tokyo001").unwrap();
    assert_eq!(tokyo["start"]["timeZone"], "Asia/Tokyo");
    let holiday = expanded["items"].as_array().unwrap().iter().find(|item| item["id"] == "allday01").unwrap();
    assert_eq!(holiday["start"], json!({ "date": "2030-03-05" }));
}

#[tokio::test]
async fn time_min_and_time_max_select_overlapping_events_exclusively() {
    let google = fixed().await;
    let token = google.signed_in(&format!("openid {READONLY}")).await["access_token"].clone();
    let token = token.as_str().unwrap();
    let ids = |path: String| {
        let google = &google;
        async move {
            let body = json_of(google.calendar(token, &path).await).await;
            body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|item| item["id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    let window = ids("/calendars/primary/events?singleEvents=true&timeMin=2030-03-04T10:30:00%2B01:00&timeMax=2030-03-04T12:30:00%2B01:00".to_owned()).await;
    assert_eq!(window, ["opaque01", "free0001"]);
    // timeMin bounds the end and timeMax the start, both exclusive.
    let touching = ids("/calendars/primary/events?singleEvents=true&timeMin=2030-03-04T11:00:00%2B01:00&timeMax=2030-03-04T12:00:00%2B01:00".to_owned()).await;
    assert!(touching.is_empty(), "{touching:?}");
    let empty = google
        .calendar(
            token,
            "/calendars/primary/events?timeMin=2030-03-04T12:00:00Z&timeMax=2030-03-04T12:00:00Z",
        )
        .await;
    assert_eq!(empty.status(), 400);
    assert_eq!(json_of(empty).await["error"]["errors"][0]["reason"], "timeRangeEmpty");
}

#[tokio::test]
async fn events_list_pages_through_every_event_exactly_once() {
    let google = fixed().await;
    let token = google.signed_in(&format!("openid {READONLY}")).await["access_token"].clone();
    let token = token.as_str().unwrap();
    let mut seen = Vec::new();
    let mut page_token: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut path =
            format!("/calendars/primary/events?{MARCH}&singleEvents=true&orderBy=startTime&maxResults=2");
        if let Some(token) = &page_token {
            path.push_str(&format!("&pageToken={token}"));
        }
        let page = json_of(google.calendar(token, &path).await).await;
        pages += 1;
        assert!(page["items"].as_array().unwrap().len() <= 2);
        seen.extend(
            page["items"].as_array().unwrap().iter().map(|item| item["id"].as_str().unwrap().to_owned()),
        );
        match page["nextPageToken"].as_str() {
            Some(next) => page_token = Some(next.to_owned()),
            None => {
                assert!(page["nextSyncToken"].is_string());
                break;
            }
        }
    }
    assert_eq!(pages, 4);
    assert_eq!(seen.len(), 7);
    assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), 7, "no event twice: {seen:?}");
}

#[tokio::test]
async fn errors_come_in_googles_envelope_for_unknown_calendars_and_events_and_bad_ordering() {
    let google = fixed().await;
    let token = google.signed_in(&format!("openid {READONLY}")).await["access_token"].clone();
    let token = token.as_str().unwrap();
    for path in ["/calendars/nobody@example.com/events", "/calendars/primary/events/unknown01"] {
        let missing = google.calendar(token, path).await;
        assert_eq!(missing.status(), 404, "{path}");
        assert_eq!(missing.headers()["content-type"], "application/json; charset=UTF-8");
        assert_eq!(
            json_of(missing).await,
            json!({ "error": {
                "code": 404,
                "message": "Not Found",
                "errors": [{ "message": "Not Found", "domain": "global", "reason": "notFound" }],
                "status": "NOT_FOUND",
            }})
        );
    }
    let ordering = google.calendar(token, "/calendars/primary/events?orderBy=startTime").await;
    assert_eq!(ordering.status(), 400);
    let error = json_of(ordering).await["error"]["errors"][0].clone();
    assert_eq!(error["message"], "The requested ordering is not available for the particular query.");
    assert_eq!(
        (error["location"].as_str(), error["locationType"].as_str()),
        (Some("orderBy"), Some("parameter"))
    );
}

#[tokio::test]
async fn a_missing_expired_or_revoked_token_is_401_with_www_authenticate() {
    let google = fixed().await;
    let tokens = google.signed_in(&format!("openid email {READONLY}")).await;
    let anonymous =
        google.http.get(format!("{}/calendar/v3/users/me/calendarList", google.base)).send().await.unwrap();
    let garbage = google.calendar("ya29.garbage", "/users/me/calendarList").await;
    google.emulator.revoke_grant(ADA, CLIENT);
    let revoked =
        google.calendar(tokens["access_token"].as_str().unwrap(), "/calendars/primary/events").await;
    for response in [anonymous, garbage, revoked] {
        assert_eq!(response.status(), 401);
        assert_eq!(
            response.headers()["www-authenticate"],
            "Bearer realm=\"https://accounts.google.com/\", error=\"invalid_token\""
        );
        let body = json_of(response).await;
        assert_eq!(body["error"]["code"], 401);
        assert_eq!(body["error"]["status"], "UNAUTHENTICATED");
        assert_eq!(
            body["error"]["errors"][0],
            json!({ "message": "Invalid Credentials", "domain": "global", "reason": "authError",
                    "location": "Authorization", "locationType": "header" })
        );
    }
}

/// A token holding exactly these scopes (no include_granted_scopes).
async fn token_for(google: &Google, scope: &str) -> String {
    let query =
        google.consent(&format!("openid {scope}"), ConsentDecision::Allow, &[("prompt", "consent")]).await;
    let (_, tokens) = google.exchange(&query["code"]).await;
    assert_eq!(scopes_of(&tokens), [scope.to_owned(), "openid".to_owned()]);
    tokens["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn every_calendar_call_with_a_too_narrow_token_is_403_naming_the_accepted_scopes() {
    let google = fixed().await;
    let events = token_for(&google, EVENTS).await;
    let readonly = token_for(&google, READONLY).await;
    let freebusy = token_for(&google, FREEBUSY).await;
    let busy_query = json!({ "timeMin": "2030-03-04T00:00:00Z", "timeMax": "2030-03-05T00:00:00Z", "items": [{ "id": "primary" }] });
    let new_event = json!({ "start": { "dateTime": "2030-03-07T10:00:00Z" }, "end": { "dateTime": "2030-03-07T11:00:00Z" } });
    let url = |path: &str| format!("{}/calendar/v3{path}", google.base);
    let cases: Vec<(&str, reqwest::RequestBuilder, &str, &str)> = vec![
        (
            "calendar.events",
            google.http.get(url("/users/me/calendarList")).bearer_auth(&events),
            "calendar.v3.CalendarList.List",
            "calendar.calendarlist.readonly",
        ),
        (
            "calendar.events",
            google.http.post(url("/freeBusy")).bearer_auth(&events).json(&busy_query),
            "calendar.v3.Freebusy.Query",
            "calendar.freebusy",
        ),
        (
            "calendar.readonly",
            google.http.post(url("/calendars/primary/events")).bearer_auth(&readonly).json(&new_event),
            "calendar.v3.Events.Insert",
            "calendar.events.owned",
        ),
        (
            "calendar.readonly",
            google.http.delete(url("/calendars/primary/events/opaque01")).bearer_auth(&readonly),
            "calendar.v3.Events.Delete",
            "calendar.events",
        ),
        (
            "calendar.freebusy",
            google.http.get(url("/calendars/primary/events")).bearer_auth(&freebusy),
            "calendar.v3.Events.List",
            "calendar.events.readonly",
        ),
        (
            "calendar.freebusy",
            google.http.get(url("/calendars/primary/events/opaque01")).bearer_auth(&freebusy),
            "calendar.v3.Events.Get",
            "calendar.events.readonly",
        ),
        (
            "calendar.freebusy",
            google.http.get(url("/users/me/calendarList")).bearer_auth(&freebusy),
            "calendar.v3.CalendarList.List",
            "calendar.readonly",
        ),
    ];
    for (held, request, method, accepted) in cases {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 403, "{method} with {held}");
        let challenge = response.headers()["www-authenticate"].to_str().unwrap().to_owned();
        assert!(challenge.starts_with(
            "Bearer realm=\"https://accounts.google.com/\", error=\"insufficient_scope\", scope=\""
        ));
        assert!(challenge.contains(&format!("https://www.googleapis.com/auth/{accepted}")), "{challenge}");
        let body = json_of(response).await;
        assert_eq!(body["error"]["message"], "Request had insufficient authentication scopes.");
        assert_eq!(body["error"]["errors"][0]["reason"], "insufficientPermissions");
        assert_eq!(body["error"]["details"][0]["reason"], "ACCESS_TOKEN_SCOPE_INSUFFICIENT");
        assert_eq!(body["error"]["details"][0]["metadata"]["method"], method);
    }
    // And what each of them does allow.
    assert_eq!(google.calendar(&events, "/calendars/primary/events/opaque01").await.status(), 200);
    assert_eq!(google.calendar(&readonly, "/users/me/calendarList").await.status(), 200);
    assert_eq!(google.calendar_post(&freebusy, "/freeBusy", &busy_query).await.status(), 200);
}

#[tokio::test]
async fn the_narrow_list_and_availability_scopes_list_calendars_and_query_free_busy_but_cannot_write() {
    let google = fixed().await;
    let list_only = "https://www.googleapis.com/auth/calendar.calendarlist.readonly";
    let availability = "https://www.googleapis.com/auth/calendar.events.freebusy";
    let query = google
        .consent(
            &format!("openid {list_only} {availability}"),
            ConsentDecision::Allow,
            &[("prompt", "consent")],
        )
        .await;
    let (_, tokens) = google.exchange(&query["code"]).await;
    assert_eq!(scopes_of(&tokens), [list_only, availability, "openid"]);
    let token = tokens["access_token"].as_str().unwrap();

    assert_eq!(google.calendar(token, "/users/me/calendarList").await.status(), 200);
    let busy_query = json!({ "timeMin": "2030-03-04T00:00:00Z", "timeMax": "2030-03-05T00:00:00Z", "items": [{ "id": "primary" }] });
    let busy = json_of(google.calendar_post(token, "/freeBusy", &busy_query).await).await;
    assert_eq!(
        busy["calendars"]["primary"]["busy"][0],
        json!({ "start": "2030-03-04T09:00:00Z", "end": "2030-03-04T10:00:00Z" }),
        "the busy hour is visible"
    );
    // The discovery document lists calendar.events.freebusy among
    // events.list's scopes (rev 20261030), so Google lets the read through.
    assert_eq!(google.calendar(token, &format!("/calendars/primary/events?{MARCH}")).await.status(), 200);
    let new_event = json!({ "start": { "dateTime": "2030-03-07T10:00:00Z" }, "end": { "dateTime": "2030-03-07T11:00:00Z" } });
    let refused = google.calendar_post(token, "/calendars/primary/events", &new_event).await;
    assert_eq!(refused.status(), 403);
    assert_eq!(json_of(refused).await["error"]["errors"][0]["reason"], "insufficientPermissions");
}

#[tokio::test]
async fn delete_answers_204_then_410_and_get_still_returns_the_cancelled_event() {
    let google = fixed().await;
    let token = google.signed_in(&format!("openid {EVENTS}")).await["access_token"].clone();
    let token = token.as_str().unwrap();
    let delete = || {
        google
            .http
            .delete(format!("{}/calendar/v3/calendars/primary/events/opaque01", google.base))
            .bearer_auth(token)
            .send()
    };
    let first = delete().await.unwrap();
    assert_eq!(first.status(), 204);
    assert!(first.bytes().await.unwrap().is_empty());
    let second = delete().await.unwrap();
    assert_eq!(second.status(), 410);
    assert_eq!(json_of(second).await["error"]["errors"][0]["reason"], "deleted");
    let got = json_of(google.calendar(token, "/calendars/primary/events/opaque01").await).await;
    assert_eq!(got["status"], "cancelled");
    let listed = json_of(google.calendar(token, &format!("/calendars/primary/events?{MARCH}")).await).await;
    assert!(listed["items"].as_array().unwrap().iter().all(|item| item["id"] != "opaque01"));
    let unknown = google
        .http
        .delete(format!("{}/calendar/v3/calendars/primary/events/nothing01", google.base))
        .bearer_auth(token)
        .send();
    assert_eq!(unknown.await.unwrap().status(), 404);
}

#[tokio::test]
async fn insert_respects_the_calendars_role_and_creates_meet_links_only_with_version_one() {
    let google = fixed().await;
    let token = google.signed_in(&format!("openid {EVENTS}")).await["access_token"].clone();
    let token = token.as_str().unwrap();
    let event = json!({
        "summary": "Booked",
        "start": { "dateTime": "2030-03-07T10:00:00+01:00", "timeZone": "Europe/Berlin" },
        "end": { "dateTime": "2030-03-07T10:30:00+01:00", "timeZone": "Europe/Berlin" },
        "conferenceData": { "createRequest": { "requestId": "req-1", "conferenceSolutionKey": { "type": "hangoutsMeet" } } },
    });
    let read_only = google.calendar_post(token, &format!("/calendars/{SHARED}/events"), &event).await;
    assert_eq!(read_only.status(), 403);
    let plain = google.calendar_post(token, &format!("/calendars/{WRITABLE}/events"), &event).await;
    assert_eq!(plain.status(), 200);
    let plain = json_of(plain).await;
    assert!(plain.get("hangoutLink").is_none(), "conferenceDataVersion=0 ignores conferenceData");
    assert_eq!(plain["kind"], "calendar#event");
    assert_eq!(plain["status"], "confirmed");
    assert!(plain["iCalUID"].as_str().unwrap().ends_with("@google.com"));

    let meet = json_of(
        google.calendar_post(token, "/calendars/primary/events?conferenceDataVersion=1", &event).await,
    )
    .await;
    let link = meet["hangoutLink"].as_str().unwrap();
    assert!(link.starts_with("https://meet.google.com/"), "{link}");
    assert_eq!(meet["conferenceData"]["createRequest"]["status"]["statusCode"], "success");
    assert_eq!(meet["conferenceData"]["entryPoints"][0]["uri"], link);

    let bad_id = google
        .calendar_post(
            token,
            "/calendars/primary/events",
            &json!({ "id": "UPPER-case", "start": event["start"], "end": event["end"] }),
        )
        .await;
    assert_eq!(bad_id.status(), 400);
    assert_eq!(google.emulator.inserted_events().len(), 2);
}

#[tokio::test]
async fn the_ical_uid_is_random_not_derived_from_the_id_and_the_same_wherever_the_event_is_read() {
    let google = fixed().await;
    let token = google.signed_in(&format!("openid {EVENTS}")).await["access_token"].clone();
    let token = token.as_str().unwrap();
    let event = json!({
        "id": "bookmate0002",
        "start": { "dateTime": "2030-03-07T10:00:00Z" },
        "end": { "dateTime": "2030-03-07T10:30:00Z" },
    });
    let inserted = json_of(google.calendar_post(token, "/calendars/primary/events", &event).await).await;
    let ical_uid = inserted["iCalUID"].as_str().unwrap().to_owned();
    let (random, domain) = ical_uid.split_once('@').unwrap();
    assert_eq!(domain, "google.com");
    assert!(random != "bookmate0002" && !random.contains("bookmate"), "{ical_uid}");
    assert!(random.len() == 26 && random.chars().all(|c| matches!(c, 'a'..='v' | '0'..='9')), "{ical_uid}");

    let got = json_of(google.calendar(token, "/calendars/primary/events/bookmate0002").await).await;
    assert_eq!(got["iCalUID"], ical_uid.as_str());
    let patched = google
        .http
        .patch(format!("{}/calendar/v3/calendars/primary/events/bookmate0002", google.base))
        .bearer_auth(token)
        .json(&json!({ "summary": "Renamed" }))
        .send()
        .await
        .unwrap();
    assert_eq!(json_of(patched).await["iCalUID"], ical_uid.as_str(), "stable for the event's life");
    let listed = json_of(google.calendar(token, &format!("/calendars/primary/events?{MARCH}")).await).await;
    let listed =
        listed["items"].as_array().unwrap().iter().find(|item| item["id"] == "bookmate0002").unwrap();
    assert_eq!(listed["iCalUID"], ical_uid.as_str());

    let seeded = json_of(google.calendar(token, "/calendars/primary/events/opaque01").await).await;
    assert!(!seeded["iCalUID"].as_str().unwrap().contains("opaque01"), "seeded events too: {seeded}");
}

#[tokio::test]
async fn a_lost_answer_comes_after_the_write_took_effect() {
    let google = fixed().await;
    let token = google.signed_in(&format!("openid {EVENTS}")).await["access_token"].clone();
    let token = token.as_str().unwrap();
    let lost = json!({ "endpoint": "events.insert", "status": 503, "after_effect": true });
    assert_eq!(google.post_json("/__emulator/faults", &lost).await.status(), 204);
    let event = json!({
        "id": "retried0001",
        "summary": "Booked",
        "start": { "dateTime": "2030-03-07T10:00:00Z" },
        "end": { "dateTime": "2030-03-07T10:30:00Z" },
    });
    let first = google.calendar_post(token, "/calendars/primary/events", &event).await;
    assert_eq!(first.status(), 503);
    assert_eq!(json_of(first).await["error"]["errors"][0]["reason"], "backendError");
    let stored = google.calendar(token, "/calendars/primary/events/retried0001").await;
    assert_eq!(stored.status(), 200, "the event was inserted all the same");
    let retried = google.calendar_post(token, "/calendars/primary/events", &event).await;
    assert_eq!(retried.status(), 409, "a retry with the same id meets the first insert");
    assert_eq!(google.emulator.inserted_events().len(), 1);

    let fault = google_emulator::Fault { status: 500, retry_after_seconds: None, delay_ms: None };
    google.emulator.inject_lost_answer("events.patch", fault, 1);
    let patched = google
        .http
        .patch(format!("{}/calendar/v3/calendars/primary/events/retried0001", google.base))
        .bearer_auth(token)
        .json(&json!({ "summary": "Renamed" }))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 500);
    let got = json_of(google.calendar(token, "/calendars/primary/events/retried0001").await).await;
    assert_eq!(got["summary"], "Renamed");
}

#[tokio::test]
async fn duplicate_ids_can_go_undetected_as_googles_reference_warns() {
    let google = fixed().await;
    let token = google.signed_in(&format!("openid {EVENTS}")).await["access_token"].clone();
    let token = token.as_str().unwrap();
    let event = |summary: &str| {
        json!({
            "id": "double0001",
            "summary": summary,
            "start": { "dateTime": "2030-03-07T10:00:00Z" },
            "end": { "dateTime": "2030-03-07T10:30:00Z" },
        })
    };
    let missed = google.post_json("/__emulator/miss-duplicate-ids", &json!({ "times": 1 })).await;
    assert_eq!(missed.status(), 204);
    let first = google.calendar_post(token, "/calendars/primary/events", &event("First")).await;
    assert_eq!(first.status(), 200);
    let second = google.calendar_post(token, "/calendars/primary/events", &event("Second")).await;
    assert_eq!(second.status(), 200, "the collision went undetected");
    let third = google.calendar_post(token, "/calendars/primary/events", &event("Third")).await;
    assert_eq!(third.status(), 409, "only as many times as asked");

    let (_, stored) = google.get_json("/__emulator/events").await;
    let summaries: Vec<&str> =
        stored.as_array().unwrap().iter().map(|entry| entry["event"]["summary"].as_str().unwrap()).collect();
    assert_eq!(summaries, ["First", "Second"], "two events share the id");
    assert!(stored.as_array().unwrap().iter().all(|entry| entry["event"]["id"] == "double0001"));
    let got = json_of(google.calendar(token, "/calendars/primary/events/double0001").await).await;
    assert_eq!(got["summary"], "First", "events.get finds the first");
}

#[tokio::test]
async fn freebusy_counts_opaque_all_day_and_recurring_time_but_not_free_or_cancelled_events() {
    let google = fixed().await;
    let token = google.signed_in(&format!("openid {READONLY}")).await["access_token"].clone();
    let token = token.as_str().unwrap();
    let query = json!({
        "timeMin": "2030-03-04T00:00:00Z", "timeMax": "2030-03-12T00:00:00Z",
        "items": [{ "id": "primary" }, { "id": SHARED }, { "id": "nobody@example.com" }],
    });
    let answer = json_of(google.calendar_post(token, "/freeBusy", &query).await).await;
    assert_eq!(answer["kind"], "calendar#freeBusy");
    assert_eq!(
        answer["calendars"]["primary"]["busy"],
        json!([
            { "start": "2030-03-04T09:00:00Z", "end": "2030-03-04T10:00:00Z" },
            { "start": "2030-03-04T15:00:00Z", "end": "2030-03-04T16:00:00Z" },
            { "start": "2030-03-04T23:00:00Z", "end": "2030-03-05T23:00:00Z" },
            { "start": "2030-03-06T00:00:00Z", "end": "2030-03-06T01:00:00Z" },
            { "start": "2030-03-11T15:00:00Z", "end": "2030-03-11T16:00:00Z" },
        ])
    );
    assert_eq!(answer["calendars"][SHARED]["busy"], json!([]));
    assert_eq!(
        answer["calendars"]["nobody@example.com"],
        json!({ "errors": [{ "domain": "global", "reason": "notFound" }], "busy": [] })
    );

    let berlin = json!({ "timeMin": "2030-03-04T00:00:00Z", "timeMax": "2030-03-04T12:00:00Z", "timeZone": "Europe/Berlin", "items": [{ "id": "primary" }] });
    let answer = json_of(google.calendar_post(token, "/freeBusy", &berlin).await).await;
    assert_eq!(
        answer["calendars"]["primary"]["busy"][0]["start"], "2030-03-04T10:00:00+01:00",
        "in the requested zone"
    );
}

#[tokio::test]
async fn freebusy_enforces_googles_limits() {
    let google = fixed().await;
    let token = google.signed_in(&format!("openid {READONLY}")).await["access_token"].clone();
    let token = token.as_str().unwrap();
    let mut items: Vec<Value> =
        (0..50).map(|index| json!({ "id": format!("c{index}@example.com") })).collect();
    items.push(json!({ "id": "primary" }));
    let many =
        json!({ "timeMin": "2030-03-04T00:00:00Z", "timeMax": "2030-03-05T00:00:00Z", "items": items });
    let answer = json_of(google.calendar_post(token, "/freeBusy", &many).await).await;
    assert_eq!(answer["calendars"]["primary"]["errors"][0]["reason"], "tooManyCalendarsRequested");
    assert_eq!(answer["calendars"]["c0@example.com"]["errors"][0]["reason"], "notFound");

    let long = json!({ "timeMin": "2030-01-01T00:00:00Z", "timeMax": "2030-04-02T00:00:00Z", "items": [] });
    let refused = google.calendar_post(token, "/freeBusy", &long).await;
    assert_eq!(refused.status(), 400);
    assert_eq!(json_of(refused).await["error"]["message"], "The requested time range is too long.");

    let empty = json!({ "timeMin": "2030-03-04T00:00:00Z", "timeMax": "2030-03-04T00:00:00Z", "items": [] });
    let refused = json_of(google.calendar_post(token, "/freeBusy", &empty).await).await;
    assert_eq!(refused["error"]["errors"][0]["reason"], "timeRangeEmpty");
    assert_eq!(refused["error"]["errors"][0]["location"], "timeMax");
}

#[tokio::test]
async fn patch_changes_only_the_sent_fields_and_a_stale_if_match_is_412() {
    let google = fixed().await;
    let token = google.signed_in(&format!("openid {EVENTS}")).await["access_token"].clone();
    let token = token.as_str().unwrap();
    let before = json_of(google.calendar(token, "/calendars/primary/events/opaque01").await).await;
    let url = format!("{}/calendar/v3/calendars/primary/events/opaque01", google.base);
    let patch = |body: Value, etag: Option<&str>| {
        let mut request = google.http.patch(&url).bearer_auth(token).json(&body);
        if let Some(etag) = etag {
            request = request.header("If-Match", etag);
        }
        request.send()
    };
    let patched = patch(json!({ "summary": "Renamed" }), before["etag"].as_str()).await.unwrap();
    assert_eq!(patched.status(), 200);
    let patched = json_of(patched).await;
    assert_eq!(patched["summary"], "Renamed");
    assert_eq!(patched["start"], before["start"], "fields not sent stay as they were");
    assert_ne!(patched["etag"], before["etag"]);

    let stale = patch(json!({ "summary": "Again" }), before["etag"].as_str()).await.unwrap();
    assert_eq!(stale.status(), 412);
    let error = json_of(stale).await["error"]["errors"][0].clone();
    assert_eq!(
        (error["reason"].as_str(), error["location"].as_str()),
        (Some("conditionNotMet"), Some("If-Match"))
    );

    let cancelled = json_of(patch(json!({ "status": "cancelled" }), None).await.unwrap()).await;
    assert_eq!(cancelled["status"], "cancelled");
    let busy = json!({ "timeMin": "2030-03-04T08:00:00Z", "timeMax": "2030-03-04T11:00:00Z", "items": [{ "id": "primary" }] });
    let readonly = google.signed_in(&format!("openid {READONLY}")).await["access_token"].clone();
    let answer = json_of(google.calendar_post(readonly.as_str().unwrap(), "/freeBusy", &busy).await).await;
    assert_eq!(answer["calendars"]["primary"]["busy"], json!([]), "a cancelled event is not busy");
}

#[tokio::test]
async fn send_updates_mails_guests_but_not_the_organizer_and_external_only_skips_google_users() {
    let google = Google::start().await;
    let token = google.signed_in(&format!("openid {EVENTS}")).await["access_token"].clone();
    let token = token.as_str().unwrap();
    let event = |id: &str| {
        json!({
            "id": id,
            "start": { "dateTime": "2030-01-07T10:00:00Z" },
            "end": { "dateTime": "2030-01-07T10:30:00Z" },
            "attendees": [
                { "email": ADA, "self": true, "organizer": true },
                { "email": "grace@example.com" },
                { "email": "guest@example.net" },
            ],
        })
    };
    google.calendar_post(token, "/calendars/primary/events?sendUpdates=all", &event("mailall01")).await;
    google
        .calendar_post(token, "/calendars/primary/events?sendUpdates=externalOnly", &event("outside01"))
        .await;
    google.calendar_post(token, "/calendars/primary/events", &event("silent001")).await;
    let delete = google
        .http
        .delete(format!("{}/calendar/v3/calendars/primary/events/mailall01?sendUpdates=all", google.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(delete.status(), 204);
    let sent: Vec<(String, String, String)> = google
        .emulator
        .notifications()
        .into_iter()
        .map(|mail| (mail.event_id, mail.recipient, mail.method))
        .collect();
    let expected = [
        ("mailall01", "grace@example.com", "REQUEST"),
        ("mailall01", "guest@example.net", "REQUEST"),
        ("outside01", "guest@example.net", "REQUEST"),
        ("mailall01", "grace@example.com", "CANCEL"),
        ("mailall01", "guest@example.net", "CANCEL"),
    ]
    .map(|(event, to, method)| (event.to_owned(), to.to_owned(), method.to_owned()));
    assert_eq!(sent, expected);
}

#[tokio::test]
async fn a_read_only_calendar_refuses_writes_and_deletes() {
    let google = fixed().await;
    google.emulator.add_event(
        SHARED,
        &serde_json::from_value(json!({
            "id": "shared001", "summary": "Offsite",
            "start": { "date": "2030-03-08" }, "end": { "date": "2030-03-09" },
        }))
        .unwrap(),
    );
    let token = google.signed_in(&format!("openid {EVENTS}")).await["access_token"].clone();
    let token = token.as_str().unwrap();
    let delete = google
        .http
        .delete(format!("{}/calendar/v3/calendars/{SHARED}/events/shared001", google.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(delete.status(), 403);
    assert_eq!(json_of(delete).await["error"]["errors"][0]["reason"], "requiredAccessLevel");
    let still = json_of(google.calendar(token, &format!("/calendars/{SHARED}/events/shared001")).await).await;
    assert_eq!(still["status"], "confirmed");
}

#[tokio::test]
async fn a_meet_conference_can_be_pending_at_the_insert_and_made_by_the_next_get_or_fail() {
    let google = fixed().await;
    let token = google.signed_in(&format!("openid {EVENTS}")).await["access_token"].clone();
    let token = token.as_str().unwrap();
    let event = |id: &str| {
        json!({
            "id": id,
            "summary": "Booked",
            "start": { "dateTime": "2030-03-07T10:00:00+01:00" },
            "end": { "dateTime": "2030-03-07T10:30:00+01:00" },
            "conferenceData": { "createRequest": { "requestId": id, "conferenceSolutionKey": { "type": "hangoutsMeet" } } },
        })
    };
    google.emulator.create_conferences(ConferenceCreation::Pending);
    let pending = json_of(
        google
            .calendar_post(token, "/calendars/primary/events?conferenceDataVersion=1", &event("pending01"))
            .await,
    )
    .await;
    assert_eq!(pending["conferenceData"]["createRequest"]["status"]["statusCode"], "pending");
    assert!(pending.get("hangoutLink").is_none(), "no link while pending");
    assert!(pending["conferenceData"].get("entryPoints").is_none());

    let later = json_of(
        google
            .http
            .get(format!("{}/calendar/v3/calendars/primary/events/pending01", google.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(later["conferenceData"]["createRequest"]["status"]["statusCode"], "success");
    let link = later["hangoutLink"].as_str().unwrap();
    assert!(link.starts_with("https://meet.google.com/"), "{link}");
    assert_eq!(later["conferenceData"]["entryPoints"][0]["uri"], link);
    assert_eq!(later["conferenceData"]["createRequest"]["requestId"], "pending01", "the request as sent");

    google.emulator.create_conferences(ConferenceCreation::Fails);
    let failed = json_of(
        google
            .calendar_post(token, "/calendars/primary/events?conferenceDataVersion=1", &event("failed001"))
            .await,
    )
    .await;
    assert_eq!(failed["conferenceData"]["createRequest"]["status"]["statusCode"], "failure");
    assert!(failed.get("hangoutLink").is_none(), "no link is made up");
}
