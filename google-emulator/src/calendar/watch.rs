//! `events.watch` and `channels.stop`: notification channels, and the
//! messages Google pushes to them (developers.google.com/calendar/api/
//! guides/push): `sync` once the channel exists, then `exists` for every
//! change to the calendar's events, each a bodiless POST with `X-Goog-*`
//! headers, delivered in order by a task of the channel's own.

// A part of its parent module: it shares the parent's imports and helpers.
use super::*;

use std::sync::{Arc, Weak};

use serde::Serialize;
use tokio::sync::mpsc;

use crate::{oauth::authenticate, state::State as EmulatorState, Shared};

/// `params.ttl` when none is asked: "Default is 604800 seconds".
const DEFAULT_TTL_SECONDS: i64 = 604_800;
/// A longer lifetime is cut to 30 days (observed; Google documents only
/// that "the more restrictive value is used").
const MAX_TTL_SECONDS: i64 = 30 * 24 * 3600;
/// "Maximum length: 64 characters" (id) and 256 (token).
const MAX_ID_LENGTH: usize = 64;
const MAX_TOKEN_LENGTH: usize = 256;
/// The user agent of Google's push requests.
const USER_AGENT: &str = "APIs-Google (+https://developers.google.com/webmasters/APIs-Google.html)";
/// Every Calendar scope but the free/busy-only one: `channels.stop` is
/// shared by all the API's watchable resources.
const CHANNELS_STOP_SCOPES: [&str; 16] = [
    "calendar",
    "calendar.acls",
    "calendar.acls.readonly",
    "calendar.app.created",
    "calendar.calendarlist",
    "calendar.calendarlist.readonly",
    "calendar.calendars",
    "calendar.calendars.readonly",
    "calendar.events",
    "calendar.events.freebusy",
    "calendar.events.owned",
    "calendar.events.owned.readonly",
    "calendar.events.public.readonly",
    "calendar.events.readonly",
    "calendar.readonly",
    "calendar.settings.readonly",
];
/// Pushes remembered for the control API; older ones are forgotten.
const MAX_PUSHES: usize = 1_000;

/// A live notification channel on one calendar's events.
pub(crate) struct Channel {
    view: WatchChannel,
    sub: String,
    last_message: u64,
    outbox: mpsc::UnboundedSender<Message>,
}

/// One message for a channel's delivery task.
struct Message {
    state: &'static str,
    number: u64,
}

/// A live channel, as the control API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct WatchChannel {
    pub id: String,
    pub resource_id: String,
    pub resource_uri: String,
    pub calendar_id: String,
    pub email: String,
    pub client_id: String,
    pub address: String,
    pub token: Option<String>,
    pub expiration: DateTime<Utc>,
}

/// A notification pushed to a channel's address, and how it was answered:
/// the receiver's status, or why nothing answered.
#[derive(Debug, Clone, Serialize)]
pub struct PushDelivery {
    pub channel_id: String,
    pub address: String,
    pub resource_state: String,
    pub message_number: u64,
    pub status: Option<u16>,
    pub error: Option<String>,
}

fn bad_request(reason: &'static str, message: &str) -> Response {
    google_error(StatusCode::BAD_REQUEST, "global", reason, message)
}

pub(super) async fn watch_events(
    State(emulator): State<Emulator>,
    headers: HeaderMap,
    Path(requested_id): Path<String>,
    body: Option<Json<Value>>,
) -> Response {
    let account =
        match admit(&emulator, &headers, "events.watch", "calendar.v3.Events.Watch", &EVENTS_READ_SCOPES)
            .await
        {
            Ok(account) => account,
            Err(response) => return response,
        };
    let Some((calendar_id, _)) = resolve_calendar(&emulator, &account, &requested_id) else {
        return not_found();
    };
    let Some(Json(body)) = body else {
        return google_error(StatusCode::BAD_REQUEST, "global", "parseError", "Parse Error");
    };
    let text = |name: &str| body.get(name).and_then(Value::as_str).filter(|value| !value.is_empty());
    let (Some(id), Some(kind), Some(address)) = (text("id"), text("type"), text("address")) else {
        return bad_request("required", "Required");
    };
    if id.len() > MAX_ID_LENGTH {
        return bad_request("invalid", "Invalid value for: id");
    }
    if kind != "web_hook" && kind != "webhook" {
        return bad_request(
            "push.channelTypeNotSupported",
            &format!("Channel type '{kind}' is not supported."),
        );
    }
    if !deliverable(address) {
        return bad_request("push.webhookUrlNotHttps", &format!("WebHook callback must be HTTPS: {address}"));
    }
    let token = text("token").map(str::to_owned);
    if token.as_ref().is_some_and(|token| token.len() > MAX_TOKEN_LENGTH) {
        return bad_request("invalid", "Invalid value for: token");
    }
    // Both a string and a number, as Google's JSON parser takes int64s.
    let number = |value: Option<&Value>| match value {
        None | Some(Value::Null) => Some(None),
        Some(Value::Number(number)) => number.as_i64().map(Some),
        Some(Value::String(text)) => text.parse::<i64>().ok().map(Some),
        Some(_) => None,
    };
    let (Some(asked_expiration), Some(ttl)) =
        (number(body.get("expiration")), number(body.pointer("/params/ttl")))
    else {
        return bad_request("invalid", "Invalid value for: expiration or params.ttl");
    };
    let client_id = authenticate(&emulator, &headers).map(|(record, _)| record.client_id).unwrap_or_default();
    let now = emulator.now();
    // The more restrictive of the asked expiration and the channel's lifetime.
    let lifetime = Duration::seconds(ttl.unwrap_or(DEFAULT_TTL_SECONDS).clamp(1, MAX_TTL_SECONDS));
    let expiration = asked_expiration
        .and_then(DateTime::from_timestamp_millis)
        .map_or(now + lifetime, |asked| asked.min(now + lifetime));
    let encoded: String = url::form_urlencoded::byte_serialize(requested_id.as_bytes()).collect();
    let resource_uri = format!("{}/calendar/v3/calendars/{encoded}/events?alt=json", emulator.issuer());
    let (outbox, inbox) = mpsc::unbounded_channel();
    let view = {
        let mut state = emulator.state();
        // An id names one channel in the project, ever.
        if !state.channel_ids.insert((client_id.clone(), id.to_owned())) {
            return bad_request("channelIdNotUnique", &format!("Channel id {id} not unique"));
        }
        let resource_id =
            state.resource_ids.entry(calendar_id.clone()).or_insert_with(random_event_id).clone();
        let view = WatchChannel {
            id: id.to_owned(),
            resource_id,
            resource_uri,
            calendar_id,
            email: account.email.clone(),
            client_id,
            address: address.to_owned(),
            token,
            expiration,
        };
        // The sync message goes first; it may arrive before this answer.
        let _ = outbox.send(Message { state: "sync", number: 1 });
        state.channels.push(Channel { view: view.clone(), sub: account.sub, last_message: 1, outbox });
        view
    };
    tokio::spawn(deliver(Arc::downgrade(&emulator.shared), view.clone(), inbox));
    let mut answer = json!({
        "kind": "api#channel",
        "id": view.id,
        "resourceId": view.resource_id,
        "resourceUri": view.resource_uri,
        "expiration": view.expiration.timestamp_millis().to_string(),
    });
    if let Some(token) = &view.token {
        answer["token"] = json!(token);
    }
    Json(answer).into_response()
}

/// HTTPS, or plain HTTP to this machine (127.0.0.0/8, `localhost`,
/// `[::1]`), since tests receive without TLS; Google itself takes HTTPS only.
fn deliverable(address: &str) -> bool {
    let Ok(url) = url::Url::parse(address) else { return false };
    match (url.scheme(), url.host()) {
        ("https", Some(_)) => true,
        ("http", Some(url::Host::Domain(host))) => host.eq_ignore_ascii_case("localhost"),
        ("http", Some(url::Host::Ipv4(ip))) => ip.is_loopback(),
        ("http", Some(url::Host::Ipv6(ip))) => ip.is_loopback(),
        _ => false,
    }
}

pub(super) async fn stop_channel(
    State(emulator): State<Emulator>,
    headers: HeaderMap,
    body: Option<Json<Value>>,
) -> Response {
    let account =
        match admit(&emulator, &headers, "channels.stop", "calendar.v3.Channels.Stop", &CHANNELS_STOP_SCOPES)
            .await
        {
            Ok(account) => account,
            Err(response) => return response,
        };
    let Some(Json(body)) = body else {
        return google_error(StatusCode::BAD_REQUEST, "global", "parseError", "Parse Error");
    };
    let text = |name: &str| body.get(name).and_then(Value::as_str).filter(|value| !value.is_empty());
    let (Some(id), Some(resource_id)) = (text("id"), text("resourceId")) else {
        return bad_request("required", "Required");
    };
    let client_id = authenticate(&emulator, &headers).map(|(record, _)| record.client_id).unwrap_or_default();
    let now = emulator.now();
    let mut state = emulator.state();
    // Only the user and client that made a channel may stop it.
    let found = state.channels.iter().position(|channel| {
        channel.view.id == id
            && channel.view.resource_id == resource_id
            && channel.view.client_id == client_id
            && channel.sub == account.sub
            && channel.view.expiration > now
    });
    if let Some(index) = found {
        // Its delivery task ends with its outbox.
        state.channels.remove(index);
        return StatusCode::NO_CONTENT.into_response();
    }
    let project = client_id.split(['-', '.']).next().unwrap_or_default();
    google_error(
        StatusCode::NOT_FOUND,
        "global",
        "notFound",
        &format!("Channel '{id}' not found for project '{project}'"),
    )
}

impl EmulatorState {
    /// Tells every live channel on the calendar that its events changed;
    /// expired channels are dropped. Message numbers grow, not one by one.
    pub(crate) fn notify_watchers(&mut self, calendar_id: &str) {
        let now = self.clock.now();
        self.channels.retain(|channel| channel.view.expiration > now);
        for channel in self.channels.iter_mut().filter(|channel| channel.view.calendar_id == calendar_id) {
            channel.last_message += rand::random_range(1..=3);
            let _ = channel.outbox.send(Message { state: "exists", number: channel.last_message });
        }
    }
}

/// A channel's delivery task: its messages in order, each only while the
/// channel lives (not stopped, not expired on the emulator's clock). It
/// holds the emulator weakly and ends when the channel's outbox is dropped.
async fn deliver(shared: Weak<Shared>, channel: WatchChannel, mut inbox: mpsc::UnboundedReceiver<Message>) {
    // A client of its own: one tied to another test's runtime would fail.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .unwrap_or_default();
    let expiration = channel.expiration.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    while let Some(message) = inbox.recv().await {
        let Some(shared) = shared.upgrade() else { return };
        let emulator = Emulator { shared };
        if !emulator.channel_is_live(&channel.id, &channel.client_id) {
            continue;
        }
        let mut request = http
            .post(&channel.address)
            .header(header::CONTENT_TYPE, "application/json; utf-8")
            .header(header::USER_AGENT, USER_AGENT)
            .header("X-Goog-Channel-ID", &channel.id)
            .header("X-Goog-Channel-Expiration", &expiration)
            .header("X-Goog-Resource-ID", &channel.resource_id)
            .header("X-Goog-Resource-URI", &channel.resource_uri)
            .header("X-Goog-Resource-State", message.state)
            .header("X-Goog-Message-Number", message.number.to_string())
            .body(Vec::new());
        if let Some(token) = &channel.token {
            request = request.header("X-Goog-Channel-Token", token);
        }
        let answer = request.send().await;
        let delivery = PushDelivery {
            channel_id: channel.id.clone(),
            address: channel.address.clone(),
            resource_state: message.state.to_owned(),
            message_number: message.number,
            status: answer.as_ref().ok().map(|response| response.status().as_u16()),
            error: answer.err().map(|error| error.to_string()),
        };
        let mut state = emulator.state();
        while state.pushes.len() >= MAX_PUSHES {
            state.pushes.pop_front();
        }
        state.pushes.push_back(delivery);
        drop(state);
    }
}

impl Emulator {
    fn channel_is_live(&self, id: &str, client_id: &str) -> bool {
        let now = self.now();
        self.state().channels.iter().any(|channel| {
            channel.view.id == id && channel.view.client_id == client_id && channel.view.expiration > now
        })
    }

    /// The live notification channels (`events.watch`), not stopped nor
    /// expired on the emulator's clock.
    pub fn channels(&self) -> Vec<WatchChannel> {
        let now = self.now();
        let state = self.state();
        state
            .channels
            .iter()
            .filter(|channel| channel.view.expiration > now)
            .map(|channel| channel.view.clone())
            .collect()
    }

    /// The notifications pushed so far (the last thousand), oldest first,
    /// each with its receiver's answer.
    pub fn push_deliveries(&self) -> Vec<PushDelivery> {
        self.state().pushes.iter().cloned().collect()
    }
}
