//! Push notifications: `events.watch` channels told `sync`, then `exists`
//! for each change, delivered to a real receiver until `channels.stop` or
//! their expiration; and the watches Google refuses.

mod common;

use std::time::Duration;

use axum::{body::Bytes, extract::State, http::HeaderMap, routing::post, Router};
use common::{march::*, *};
use serde_json::{json, Value};
use tokio::sync::mpsc;

const FREEBUSY: &str = "https://www.googleapis.com/auth/calendar.freebusy";

/// What a receiver heard: the headers and body of each POST.
type Heard = mpsc::UnboundedReceiver<(HeaderMap, Bytes)>;

/// A webhook receiver on a random loopback port, answering 200.
async fn receiver() -> (String, Heard) {
    let (tell, heard) = mpsc::unbounded_channel();
    let app = Router::new()
        .route(
            "/hook",
            post(
                |State(tell): State<mpsc::UnboundedSender<(HeaderMap, Bytes)>>,
                 headers: HeaderMap,
                 body: Bytes| async move {
                    let _ = tell.send((headers, body));
                },
            ),
        )
        .with_state(tell);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (address, heard)
}

async fn next(heard: &mut Heard) -> (HeaderMap, Bytes) {
    tokio::time::timeout(Duration::from_secs(10), heard.recv()).await.expect("a notification").unwrap()
}

async fn silence(heard: &mut Heard) -> bool {
    tokio::time::timeout(Duration::from_millis(400), heard.recv()).await.is_err()
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers.get(name).map_or("", |value| value.to_str().unwrap())
}

async fn watch(google: &Google, token: &str, body: &Value) -> (u16, Value) {
    let response = google.calendar_post(token, "/calendars/primary/events/watch", body).await;
    (response.status().as_u16(), response.json().await.unwrap())
}

#[tokio::test]
async fn a_channel_hears_sync_then_exists_for_each_change_until_it_is_stopped() {
    let (google, token) = signed_in().await;
    let (address, mut heard) = receiver().await;
    let asked =
        json!({ "id": "channel-1", "type": "web_hook", "address": address, "token": "target=bookmate" });
    let (status, channel) = watch(&google, &token, &asked).await;
    assert_eq!(status, 200, "{channel}");
    assert_eq!(channel["kind"], "api#channel");
    assert_eq!(channel["id"], "channel-1");
    assert_eq!(channel["token"], "target=bookmate");
    let resource_uri = format!("{}/calendar/v3/calendars/primary/events?alt=json", google.base);
    assert_eq!(channel["resourceUri"], resource_uri);
    let expiration: i64 = channel["expiration"].as_str().expect("int64 as a string").parse().unwrap();
    let week = google.emulator.now().timestamp_millis() + 604_800_000;
    assert!((week - expiration).abs() < 60_000, "the default lifetime is a week");
    let resource_id = channel["resourceId"].as_str().unwrap().to_owned();

    let (headers, body) = next(&mut heard).await;
    assert!(body.is_empty());
    assert_eq!(header(&headers, "x-goog-resource-state"), "sync");
    assert_eq!(header(&headers, "x-goog-message-number"), "1");
    assert_eq!(header(&headers, "x-goog-channel-id"), "channel-1");
    assert_eq!(header(&headers, "x-goog-channel-token"), "target=bookmate");
    assert_eq!(header(&headers, "x-goog-resource-id"), resource_id);
    assert_eq!(header(&headers, "x-goog-resource-uri"), resource_uri);
    assert!(header(&headers, "x-goog-channel-expiration").ends_with(" GMT"));
    assert!(header(&headers, "user-agent").starts_with("APIs-Google"));

    let host_delete = json!({ "email": ADA, "calendarId": "primary", "eventId": "opaque01" });
    assert_eq!(google.post_json("/__emulator/host-delete-event", &host_delete).await.status(), 204);
    let (headers, _) = next(&mut heard).await;
    assert_eq!(header(&headers, "x-goog-resource-state"), "exists");
    let first: u64 = header(&headers, "x-goog-message-number").parse().unwrap();
    assert!(first > 1);
    let patch = google.http.patch(format!("{}/calendar/v3/calendars/primary/events/tokyo001", google.base));
    assert_eq!(
        patch.bearer_auth(&token).json(&json!({ "summary": "Moved" })).send().await.unwrap().status(),
        200
    );
    let (headers, _) = next(&mut heard).await;
    assert_eq!(header(&headers, "x-goog-resource-state"), "exists");
    assert!(header(&headers, "x-goog-message-number").parse::<u64>().unwrap() > first);
    // The team calendar is another resource: its changes are not told here.
    let team_event =
        json!({ "summary": "Team", "start": { "date": "2030-03-05" }, "end": { "date": "2030-03-06" } });
    assert!(google.emulator.add_event(TEAM, &serde_json::from_value(team_event).unwrap()).is_some());
    assert!(silence(&mut heard).await);

    let (_, channels) = google.get_json("/__emulator/channels").await;
    assert_eq!(channels.as_array().unwrap().len(), 1);
    assert_eq!(channels[0]["calendar_id"], ADA);
    assert_eq!(channels[0]["resource_id"], resource_id);
    let (_, pushes) = google.get_json("/__emulator/pushes").await;
    let states: Vec<&str> =
        pushes.as_array().unwrap().iter().map(|push| push["resource_state"].as_str().unwrap()).collect();
    assert_eq!(states, ["sync", "exists", "exists"]);
    assert!(pushes.as_array().unwrap().iter().all(|push| push["status"] == 200));

    let stop = |id: &str, resource: &str| {
        let body = json!({ "id": id, "resourceId": resource });
        let (google, token) = (&google, &token);
        async move { google.calendar_post(token, "/channels/stop", &body).await }
    };
    let wrong = stop("channel-1", "another").await;
    assert_eq!(wrong.status(), 404);
    assert_eq!(wrong.json::<Value>().await.unwrap()["error"]["errors"][0]["reason"], "notFound");
    let stopped = stop("channel-1", &resource_id).await;
    assert_eq!(stopped.status(), 204);
    assert!(stopped.bytes().await.unwrap().is_empty());
    assert_eq!(stop("channel-1", &resource_id).await.status(), 404, "stopped already");
    assert!(google.emulator.delete_event(ADA, "weekly01"));
    assert!(silence(&mut heard).await, "a stopped channel hears nothing");
    let (_, channels) = google.get_json("/__emulator/channels").await;
    assert_eq!(channels, json!([]));
    let (_, calls) = google.get_json("/__emulator/calls").await;
    assert_eq!((calls["events.watch"].as_u64(), calls["channels.stop"].as_u64()), (Some(1), Some(3)));
}

#[tokio::test]
async fn a_channel_past_its_expiration_hears_nothing_and_its_lifetime_is_the_shorter_asked() {
    let (google, token) = signed_in().await;
    let (address, mut heard) = receiver().await;
    let in_an_hour = google.emulator.now().timestamp_millis() + 3_600_000;
    let asked = json!({ "id": "short", "type": "webhook", "address": address,
        "expiration": in_an_hour, "params": { "ttl": "60" } });
    let (status, channel) = watch(&google, &token, &asked).await;
    assert_eq!(status, 200, "{channel}");
    assert!(channel.get("token").is_none());
    let expiration: i64 = channel["expiration"].as_str().unwrap().parse().unwrap();
    assert!(
        (google.emulator.now().timestamp_millis() + 60_000 - expiration).abs() < 5_000,
        "the ttl is shorter"
    );
    let (headers, _) = next(&mut heard).await;
    assert_eq!(header(&headers, "x-goog-resource-state"), "sync");
    assert!(headers.get("x-goog-channel-token").is_none(), "only when one was given");
    google.emulator.advance_clock(chrono::Duration::seconds(61));
    assert!(google.emulator.delete_event(ADA, "opaque01"));
    assert!(silence(&mut heard).await, "expired");
    assert!(google.emulator.channels().is_empty());
}

#[tokio::test]
async fn a_watch_is_refused_as_google_refuses_it() {
    let (google, token) = signed_in().await;
    let (address, _heard) = receiver().await;
    let reason = |body: &Value| body["error"]["errors"][0]["reason"].as_str().unwrap_or_default().to_owned();
    let asked = |id: &str, kind: &str, address: &str| json!({ "id": id, "type": kind, "address": address });
    let (status, body) = watch(&google, &token, &asked("c1", "email", &address)).await;
    assert_eq!((status, reason(&body).as_str()), (400, "push.channelTypeNotSupported"));
    let (status, body) = watch(&google, &token, &asked("c1", "web_hook", "http://example.com/hook")).await;
    assert_eq!((status, reason(&body).as_str()), (400, "push.webhookUrlNotHttps"));
    assert_eq!(body["error"]["message"], "WebHook callback must be HTTPS: http://example.com/hook");
    let (status, body) = watch(&google, &token, &json!({ "type": "web_hook", "address": address })).await;
    assert_eq!((status, reason(&body).as_str()), (400, "required"));
    let (status, body) = watch(&google, &token, &asked(&"x".repeat(65), "web_hook", &address)).await;
    assert_eq!((status, reason(&body).as_str()), (400, "invalid"));
    // Plain HTTP only to this machine, any loopback spelling.
    for loopback in ["http://localhost:1/hook", "http://[::1]:1/hook", "https://127.0.0.1:1/hook"] {
        let (status, body) = watch(&google, &token, &asked(loopback, "web_hook", loopback)).await;
        assert_eq!(status, 200, "{loopback}: {body}");
    }
    let (status, first) = watch(&google, &token, &asked("c1", "web_hook", &address)).await;
    assert_eq!(status, 200);
    let (status, body) = watch(&google, &token, &asked("c1", "web_hook", &address)).await;
    assert_eq!((status, reason(&body).as_str()), (400, "channelIdNotUnique"));
    let stop = json!({ "id": "c1", "resourceId": first["resourceId"] });
    assert_eq!(google.calendar_post(&token, "/channels/stop", &stop).await.status(), 204);
    let (status, _) = watch(&google, &token, &asked("c1", "web_hook", &address)).await;
    assert_eq!(status, 400, "an id names one channel, ever");

    let elsewhere = asked("c2", "web_hook", &address);
    let unknown = google.calendar_post(&token, "/calendars/nobody%40example.com/events/watch", &elsewhere);
    assert_eq!(unknown.await.status(), 404);
    let narrow =
        google.signed_in(&format!("openid {FREEBUSY}")).await["access_token"].as_str().unwrap().to_owned();
    let (status, body) = watch(&google, &narrow, &asked("c3", "web_hook", &address)).await;
    assert_eq!((status, reason(&body).as_str()), (403, "insufficientPermissions"));
}
