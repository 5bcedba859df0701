//! Calendar API v3: calendarList.list, events.list/get/insert/patch/delete/
//! watch, channels.stop and freebusy.query, each checking the bearer
//! token's scopes against Google's scope matrix and answering errors in
//! Google's envelope.

use std::collections::HashMap;

use axum::{
    extract::{Path, Query, State},
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use base64::{
    engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD},
    Engine as _,
};
use chrono::{DateTime, Duration, NaiveDate, TimeZone as _, Utc};
use serde_json::{json, Value};

use crate::{
    error::ApiError,
    oauth::{authenticate, bearer},
    random_event_id, random_ical_uid,
    seed::EventTime,
    Account, ConferenceCreation, Emulator, Event, Fault, Notification,
};

mod calendar_list;
mod conference;
mod events;
mod freebusy;
mod host;
mod sync;
pub(crate) mod watch;

// The routes below name the parts' handlers; the parts share helpers here.
use calendar_list::*;
use conference::*;
use events::*;
use freebusy::*;
use sync::*;
use watch::*;

const AUTH: &str = "https://www.googleapis.com/auth/";
const CALENDAR_LIST_SCOPES: [&str; 4] =
    ["calendar", "calendar.calendarlist", "calendar.calendarlist.readonly", "calendar.readonly"];
const EVENTS_READ_SCOPES: [&str; 9] = [
    "calendar",
    "calendar.app.created",
    "calendar.events",
    "calendar.events.freebusy",
    "calendar.events.owned",
    "calendar.events.owned.readonly",
    "calendar.events.public.readonly",
    "calendar.events.readonly",
    "calendar.readonly",
];
const EVENTS_WRITE_SCOPES: [&str; 4] =
    ["calendar", "calendar.app.created", "calendar.events", "calendar.events.owned"];
const FREEBUSY_SCOPES: [&str; 4] =
    ["calendar", "calendar.events.freebusy", "calendar.freebusy", "calendar.readonly"];
const FREEBUSY_MAX_CALENDARS: usize = 50;

pub(crate) fn router() -> Router<Emulator> {
    Router::new()
        .route("/calendar/v3/users/me/calendarList", get(calendar_list))
        .route("/calendar/v3/calendars/{calendar_id}/events", get(list_events).post(insert_event))
        .route(
            "/calendar/v3/calendars/{calendar_id}/events/{event_id}",
            get(get_event).delete(delete_event).patch(patch_event),
        )
        .route("/calendar/v3/calendars/{calendar_id}/events/watch", post(watch_events))
        .route("/calendar/v3/channels/stop", post(stop_channel))
        .route("/calendar/v3/freeBusy", post(free_busy))
}

fn google_error(status: StatusCode, domain: &'static str, reason: &'static str, message: &str) -> Response {
    ApiError::new(status, domain, reason, message).into_response()
}

/// [`google_error`] naming the parameter or header at fault.
fn google_error_at(
    status: StatusCode,
    domain: &'static str,
    reason: &'static str,
    message: &str,
    location: Option<(&'static str, &'static str)>,
) -> Response {
    ApiError { location, ..ApiError::new(status, domain, reason, message) }.into_response()
}

/// Counts the call, plays an injected fault, checks the token and its
/// scopes: what Google does before it looks at the request.
async fn admit(
    emulator: &Emulator,
    headers: &HeaderMap,
    endpoint: &str,
    method: &str,
    accepted: &[&str],
) -> Result<Account, Response> {
    let (account, _) = admit_call(emulator, headers, endpoint, method, accepted, false).await?;
    Ok(account)
}

/// [`admit`] for a write, which may take effect and then lose its answer:
/// with the account comes the fault to answer once the write is done.
async fn admit_write(
    emulator: &Emulator,
    headers: &HeaderMap,
    endpoint: &str,
    method: &str,
    accepted: &[&str],
) -> Result<(Account, Option<Fault>), Response> {
    admit_call(emulator, headers, endpoint, method, accepted, true).await
}

/// A write's answer, unless its answer is to be lost: then, after the
/// write took effect, the fault's answer (or the real one, late).
async fn answer_after_effect(lost_answer: Option<Fault>, answer: Response) -> Response {
    let Some(fault) = lost_answer else { return answer };
    if let Some(delay) = fault.delay_ms {
        tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
    }
    fault_answer(&fault).unwrap_or(answer)
}

/// Google's answer for an injected fault, or `None` for one that only delays.
fn fault_answer(fault: &Fault) -> Option<Response> {
    let status = StatusCode::from_u16(fault.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status == StatusCode::OK {
        return None;
    }
    let mut response = match fault.status {
        429 | 403 => google_error(status, "usageLimits", "rateLimitExceeded", "Rate Limit Exceeded"),
        _ => google_error(status, "global", "backendError", "Backend Error"),
    };
    if let Some(value) = fault.retry_after_seconds.and_then(|seconds| seconds.to_string().parse().ok()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    Some(response)
}

async fn admit_call(
    emulator: &Emulator,
    headers: &HeaderMap,
    endpoint: &str,
    method: &str,
    accepted: &[&str],
    write: bool,
) -> Result<(Account, Option<Fault>), Response> {
    let injected = {
        let mut state = emulator.state();
        state.record_call(endpoint);
        if let Some(token) = bearer(headers) {
            state.record_token_call(token);
        }
        state.next_fault(endpoint)
    };
    let mut lost_answer = None;
    if let Some(injected) = injected {
        // A read has no effect to keep: its lost answer is a plain fault.
        if injected.after_effect && write {
            lost_answer = Some(injected.fault);
        } else {
            if let Some(delay) = injected.fault.delay_ms {
                tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
            }
            if let Some(refused) = fault_answer(&injected.fault) {
                return Err(refused);
            }
        }
    }
    let Some((record, account)) = authenticate(emulator, headers) else {
        // Google's 401 says "Invalid Credentials" in errors[] and the long
        // explanation at the top.
        let body = json!({ "error": {
            "code": 401,
            "message": "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
            "errors": [{
                "message": "Invalid Credentials",
                "domain": "global",
                "reason": "authError",
                "location": "Authorization",
                "locationType": "header",
            }],
            "status": "UNAUTHENTICATED",
        }});
        let mut response = (
            StatusCode::UNAUTHORIZED,
            [(header::CONTENT_TYPE, "application/json; charset=UTF-8")],
            Json(body),
        )
            .into_response();
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(
                "Bearer realm=\"https://accounts.google.com/\", error=\"invalid_token\"",
            ),
        );
        return Err(response);
    };
    let allowed = accepted.iter().any(|scope| record.scopes.contains(&format!("{AUTH}{scope}")));
    if !allowed {
        let accepted_list: Vec<String> = accepted.iter().map(|scope| format!("{AUTH}{scope}")).collect();
        let body = json!({ "error": {
            "code": 403,
            "message": "Request had insufficient authentication scopes.",
            "errors": [{ "message": "Insufficient Permission", "domain": "global", "reason": "insufficientPermissions" }],
            "status": "PERMISSION_DENIED",
            "details": [{
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
                "domain": "googleapis.com",
                "metadata": { "service": "calendar-json.googleapis.com", "method": method },
            }],
        }});
        let challenge = format!(
            "Bearer realm=\"https://accounts.google.com/\", error=\"insufficient_scope\", scope=\"{}\"",
            accepted_list.join(" ")
        );
        return Err((
            StatusCode::FORBIDDEN,
            [
                (header::WWW_AUTHENTICATE, challenge),
                (header::CONTENT_TYPE, "application/json; charset=UTF-8".to_owned()),
            ],
            Json(body),
        )
            .into_response());
    }
    Ok((account, lost_answer))
}

fn not_found() -> Response {
    google_error(StatusCode::NOT_FOUND, "global", "notFound", "Not Found")
}

/// The calendar id a request names, resolved for this account (`primary`
/// is the account's own).
fn resolve_calendar(emulator: &Emulator, account: &Account, calendar_id: &str) -> Option<(String, String)> {
    let state = emulator.state();
    let calendars = state.calendars.get(&account.sub)?;
    let calendar = if calendar_id == "primary" {
        calendars.iter().find(|calendar| calendar.entry.primary)?
    } else {
        calendars.iter().find(|calendar| calendar.entry.id == calendar_id)?
    };
    Some((
        calendar.entry.id.clone(),
        calendar.entry.time_zone.clone().unwrap_or_else(|| account.time_zone.clone()),
    ))
}

/// Offset paging: `pageToken` is where the next page starts.
fn page(
    emulator: &Emulator,
    items: Vec<Value>,
    query: &HashMap<String, String>,
) -> (Vec<Value>, Option<String>) {
    let size = query
        .get("maxResults")
        .and_then(|value| value.parse::<usize>().ok())
        .unwrap_or(usize::MAX)
        .min(emulator.shared.page_size)
        .max(1);
    let start = query.get("pageToken").and_then(|token| token.parse::<usize>().ok()).unwrap_or(0);
    let end = (start + size).min(items.len());
    let next = (end < items.len()).then(|| end.to_string());
    (items.into_iter().skip(start).take(end.saturating_sub(start)).collect(), next)
}

/// An instant from an EventDateTime; all-day dates start at midnight in the
/// calendar's zone.
fn instant(time: &EventTime, calendar_zone: &str) -> Option<DateTime<Utc>> {
    if let Some(date_time) = time.date_time {
        return Some(date_time.with_timezone(&Utc));
    }
    let zone: chrono_tz::Tz = time.time_zone.as_deref().unwrap_or(calendar_zone).parse().ok()?;
    let date = time.date?;
    zone.from_local_datetime(&date.and_hms_opt(0, 0, 0)?).earliest().map(|time| time.with_timezone(&Utc))
}

/// The occurrences of an event: itself, or its recurrence expanded
/// (FREQ=DAILY or WEEKLY, with COUNT or UNTIL), up to `limit`.
fn occurrences(
    event: &Event,
    zone: &str,
    limit: DateTime<Utc>,
) -> Vec<(DateTime<Utc>, DateTime<Utc>, usize)> {
    let (Some(start), Some(end)) = (instant(&event.start, zone), instant(&event.end, zone)) else {
        return Vec::new();
    };
    let Some(rule) = event.recurrence.iter().find_map(|line| line.strip_prefix("RRULE:")) else {
        return vec![(start, end, 0)];
    };
    let parts: HashMap<&str, &str> = rule.split(';').filter_map(|part| part.split_once('=')).collect();
    let step = match parts.get("FREQ") {
        Some(&"DAILY") => Duration::days(1),
        Some(&"WEEKLY") => Duration::weeks(1),
        _ => return vec![(start, end, 0)],
    };
    let count = parts.get("COUNT").and_then(|count| count.parse::<usize>().ok()).unwrap_or(usize::MAX);
    let until = parts.get("UNTIL").and_then(|until| {
        NaiveDate::parse_from_str(&until[..8.min(until.len())], "%Y%m%d")
            .ok()
            .and_then(|date| date.and_hms_opt(23, 59, 59))
            .map(|time| Utc.from_utc_datetime(&time))
    });
    let length = end - start;
    // Wall-clock recurrence: the same local time every day or week.
    let local_zone: chrono_tz::Tz =
        event.start.time_zone.as_deref().unwrap_or(zone).parse().unwrap_or(chrono_tz::UTC);
    let local_start = start.with_timezone(&local_zone).naive_local();
    (0..count.min(1000))
        .map_while(|index| {
            let local = local_start + step * i32::try_from(index).ok()?;
            let occurrence = local_zone.from_local_datetime(&local).earliest()?.with_timezone(&Utc);
            (occurrence <= limit && until.is_none_or(|until| occurrence <= until)).then_some((
                occurrence,
                occurrence + length,
                index,
            ))
        })
        .collect()
}

/// An event's etag: it changes whenever the event is written.
fn etag(event: &Event) -> String {
    format!("\"{}\"", event.updated.timestamp_millis())
}

fn event_json(event: &Event, calendar_id: &str) -> Value {
    let mut value = serde_json::to_value(event).unwrap_or_default();
    value["kind"] = json!("calendar#event");
    value["etag"] = json!(etag(event));
    value["organizer"] = json!({ "email": calendar_id, "self": true });
    value["creator"] = json!({ "email": calendar_id, "self": true });
    let eid = URL_SAFE_NO_PAD.encode(format!("{} {calendar_id}", event.id));
    value["htmlLink"] = json!(format!("https://www.google.com/calendar/event?eid={eid}"));
    value["sequence"] = json!(0);
    if value.get("reminders").is_none() {
        value["reminders"] = json!({ "useDefault": true });
    }
    value["eventType"] = json!("default");
    value
}
