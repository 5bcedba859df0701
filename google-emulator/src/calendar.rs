//! Calendar API v3: calendarList.list, events.list/get/insert/delete and
//! freebusy.query, each checking the bearer token's scopes against Google's
//! scope matrix and answering errors in Google's envelope.

use std::collections::HashMap;

use axum::{
    extract::{Path, Query, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use chrono::{DateTime, Duration, NaiveDate, TimeZone as _, Utc};
use serde_json::{json, Value};

use crate::{oauth::authenticate, random_event_id, seed::EventTime, Account, Emulator, Event, Notification};

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
/// Google does not document it; about 90 days is what is observed.
const FREEBUSY_MAX_RANGE_DAYS: i64 = 90;
const FREEBUSY_MAX_CALENDARS: usize = 50;

pub(crate) fn router() -> Router<Emulator> {
    Router::new()
        .route("/calendar/v3/users/me/calendarList", get(calendar_list))
        .route("/calendar/v3/calendars/{calendar_id}/events", get(list_events).post(insert_event))
        .route("/calendar/v3/calendars/{calendar_id}/events/{event_id}", get(get_event).delete(delete_event))
        .route("/calendar/v3/freeBusy", post(free_busy))
}

fn google_error(status: StatusCode, domain: &str, reason: &str, message: &str) -> Response {
    let status_name = match status.as_u16() {
        400 => "INVALID_ARGUMENT",
        401 => "UNAUTHENTICATED",
        403 => "PERMISSION_DENIED",
        404 => "NOT_FOUND",
        409 => "ALREADY_EXISTS",
        429 => "RESOURCE_EXHAUSTED",
        503 => "UNAVAILABLE",
        _ => "INTERNAL",
    };
    let body = json!({ "error": {
        "code": status.as_u16(),
        "message": message,
        "errors": [{ "message": message, "domain": domain, "reason": reason }],
        "status": status_name,
    }});
    (status, [(header::CONTENT_TYPE, "application/json; charset=UTF-8")], Json(body)).into_response()
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
    let fault = {
        let mut state = emulator.state();
        state.record_call(endpoint);
        state.next_fault(endpoint)
    };
    if let Some(fault) = fault {
        if let Some(delay) = fault.delay_ms {
            tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
        }
        let status = StatusCode::from_u16(fault.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        if status != StatusCode::OK {
            let mut response = match fault.status {
                429 => google_error(status, "usageLimits", "rateLimitExceeded", "Rate Limit Exceeded"),
                403 => google_error(status, "usageLimits", "rateLimitExceeded", "Rate Limit Exceeded"),
                _ => google_error(status, "global", "backendError", "Backend Error"),
            };
            if let Some(seconds) = fault.retry_after_seconds {
                if let Ok(value) = seconds.to_string().parse() {
                    response.headers_mut().insert(header::RETRY_AFTER, value);
                }
            }
            return Err(response);
        }
    }
    let Some((record, account)) = authenticate(emulator, headers) else {
        let mut response = google_error(
            StatusCode::UNAUTHORIZED,
            "global",
            "authError",
            "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
        );
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            "Bearer realm=\"https://accounts.google.com/\", error=\"invalid_token\""
                .parse()
                .expect("a valid header"),
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
    Ok(account)
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

async fn calendar_list(
    State(emulator): State<Emulator>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let account = match admit(
        &emulator,
        &headers,
        "calendarList.list",
        "calendar.v3.CalendarList.List",
        &CALENDAR_LIST_SCOPES,
    )
    .await
    {
        Ok(account) => account,
        Err(response) => return response,
    };
    let entries: Vec<Value> = emulator
        .state()
        .calendars
        .get(&account.sub)
        .map(|calendars| {
            calendars
                .iter()
                .map(|calendar| {
                    json!({
                        "kind": "calendar#calendarListEntry",
                        "etag": format!("\"{}\"", calendar.entry.id.len()),
                        "id": calendar.entry.id,
                        "summary": calendar.entry.summary,
                        "timeZone": calendar.entry.time_zone.clone().unwrap_or_else(|| account.time_zone.clone()),
                        "backgroundColor": calendar.entry.background_color,
                        "foregroundColor": "#000000",
                        "selected": true,
                        "accessRole": calendar.entry.access_role,
                        "primary": calendar.entry.primary,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let (items, next) = page(&emulator, entries, &query);
    let mut body = json!({ "kind": "calendar#calendarList", "etag": "\"emulator\"", "items": items });
    match next {
        Some(token) => body["nextPageToken"] = json!(token),
        None => body["nextSyncToken"] = json!("emulator-sync"),
    }
    Json(body).into_response()
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

async fn list_events(
    State(emulator): State<Emulator>,
    headers: HeaderMap,
    Path(calendar_id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let account =
        match admit(&emulator, &headers, "events.list", "calendar.v3.Events.List", &EVENTS_READ_SCOPES).await
        {
            Ok(account) => account,
            Err(response) => return response,
        };
    let Some((calendar_id, zone)) = resolve_calendar(&emulator, &account, &calendar_id) else {
        return not_found();
    };
    let single_events = query.get("singleEvents").is_some_and(|value| value == "true");
    if let Some(order) = query.get("orderBy") {
        if order != "startTime" && order != "updated" {
            return google_error(StatusCode::BAD_REQUEST, "global", "invalid", "Invalid value for: orderBy");
        }
        if order == "startTime" && !single_events {
            return google_error(
                StatusCode::BAD_REQUEST,
                "global",
                "invalid",
                "The requested ordering is not available for the particular query.",
            );
        }
    }
    let parse_time = |name: &str| query.get(name).and_then(|value| DateTime::parse_from_rfc3339(value).ok());
    let time_min = parse_time("timeMin").map(|time| time.with_timezone(&Utc));
    let time_max = parse_time("timeMax").map(|time| time.with_timezone(&Utc));
    if let (Some(min), Some(max)) = (time_min, time_max) {
        if min >= max {
            return google_error(
                StatusCode::BAD_REQUEST,
                "calendar",
                "timeRangeEmpty",
                "The specified time range is empty.",
            );
        }
    }
    let show_deleted = query.get("showDeleted").is_some_and(|value| value == "true");
    let limit = time_max.unwrap_or_else(|| emulator.now() + Duration::days(730));
    let overlaps = |start: DateTime<Utc>, end: DateTime<Utc>| {
        time_min.is_none_or(|min| end > min) && time_max.is_none_or(|max| start < max)
    };
    let events: Vec<Event> = emulator
        .state()
        .calendars
        .values()
        .flatten()
        .find(|calendar| calendar.entry.id == calendar_id)
        .map(|calendar| calendar.events.clone())
        .unwrap_or_default();
    let mut items: Vec<(DateTime<Utc>, Value)> = Vec::new();
    for event in events.iter().filter(|event| show_deleted || event.status != "cancelled") {
        let occurrences = occurrences(event, &zone, limit);
        if single_events && !event.recurrence.is_empty() {
            for (start, end, _) in occurrences.into_iter().filter(|(start, end, _)| overlaps(*start, *end)) {
                let mut instance = event.clone();
                instance.id = format!("{}_{}", event.id, start.format("%Y%m%dT%H%M%SZ"));
                instance.recurrence = Vec::new();
                instance.recurring_event_id = Some(event.id.clone());
                let shifted = |time: &EventTime, to: DateTime<Utc>| match time.date_time {
                    Some(_) => EventTime::at(to.fixed_offset(), time.time_zone.as_deref().unwrap_or(&zone)),
                    None => EventTime::all_day(to.with_timezone(&chrono_tz::UTC).date_naive()),
                };
                instance.start = shifted(&event.start, start);
                instance.end = shifted(&event.end, end);
                items.push((start, event_json(&instance, &calendar_id)));
            }
        } else if occurrences.iter().any(|(start, end, _)| overlaps(*start, *end)) {
            let first = occurrences.first().map_or_else(Utc::now, |(start, _, _)| *start);
            items.push((first, event_json(event, &calendar_id)));
        }
    }
    if query.get("orderBy").is_some_and(|order| order == "startTime") {
        items.sort_by_key(|(start, _)| *start);
    }
    let (items, next) = page(&emulator, items.into_iter().map(|(_, item)| item).collect(), &query);
    let mut body = json!({
        "kind": "calendar#events",
        "summary": calendar_id,
        "timeZone": zone,
        "accessRole": "owner",
        "items": items,
    });
    match next {
        Some(token) => body["nextPageToken"] = json!(token),
        None => body["nextSyncToken"] = json!("emulator-sync"),
    }
    Json(body).into_response()
}

fn event_json(event: &Event, calendar_id: &str) -> Value {
    let mut value = serde_json::to_value(event).unwrap_or_default();
    value["kind"] = json!("calendar#event");
    value["etag"] = json!(format!("\"{}\"", event.updated.timestamp_millis()));
    value["organizer"] = json!({ "email": calendar_id, "self": true });
    value["creator"] = json!({ "email": calendar_id, "self": true });
    value["htmlLink"] = json!(format!("https://www.google.com/calendar/event?eid={}", event.id));
    value["eventType"] = json!("default");
    value
}

async fn get_event(
    State(emulator): State<Emulator>,
    headers: HeaderMap,
    Path((calendar_id, event_id)): Path<(String, String)>,
) -> Response {
    let account =
        match admit(&emulator, &headers, "events.get", "calendar.v3.Events.Get", &EVENTS_READ_SCOPES).await {
            Ok(account) => account,
            Err(response) => return response,
        };
    let Some((calendar_id, _)) = resolve_calendar(&emulator, &account, &calendar_id) else {
        return not_found();
    };
    let state = emulator.state();
    let event = state
        .calendars
        .values()
        .flatten()
        .find(|calendar| calendar.entry.id == calendar_id)
        .and_then(|calendar| calendar.events.iter().find(|event| event.id == event_id));
    match event {
        Some(event) => Json(event_json(event, &calendar_id)).into_response(),
        None => not_found(),
    }
}

fn valid_event_id(id: &str) -> bool {
    (5..=1024).contains(&id.len()) && id.chars().all(|c| matches!(c, 'a'..='v' | '0'..='9'))
}

async fn insert_event(
    State(emulator): State<Emulator>,
    headers: HeaderMap,
    Path(calendar_id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    body: Option<Json<Value>>,
) -> Response {
    let account =
        match admit(&emulator, &headers, "events.insert", "calendar.v3.Events.Insert", &EVENTS_WRITE_SCOPES)
            .await
        {
            Ok(account) => account,
            Err(response) => return response,
        };
    let Some((calendar_id, zone)) = resolve_calendar(&emulator, &account, &calendar_id) else {
        return not_found();
    };
    let writable = emulator
        .state()
        .calendars
        .get(&account.sub)
        .and_then(|calendars| calendars.iter().find(|calendar| calendar.entry.id == calendar_id))
        .is_some_and(|calendar| matches!(calendar.entry.access_role.as_str(), "owner" | "writer"));
    if !writable {
        return google_error(
            StatusCode::FORBIDDEN,
            "calendar",
            "requiredAccessLevel",
            "You need to have writer access to this calendar.",
        );
    }
    let Some(Json(body)) = body else {
        return google_error(StatusCode::BAD_REQUEST, "global", "parseError", "Parse Error");
    };
    let time =
        |name: &str| serde_json::from_value::<EventTime>(body.get(name).cloned().unwrap_or(Value::Null)).ok();
    let (Some(start), Some(end)) = (time("start"), time("end")) else {
        return google_error(StatusCode::BAD_REQUEST, "global", "required", "Missing end time.");
    };
    if instant(&start, &zone).zip(instant(&end, &zone)).is_none_or(|(start, end)| end <= start) {
        return google_error(
            StatusCode::BAD_REQUEST,
            "calendar",
            "timeRangeEmpty",
            "The specified time range is empty.",
        );
    }
    let id = match body.get("id").and_then(Value::as_str) {
        Some(id) if !valid_event_id(id) => {
            return google_error(StatusCode::BAD_REQUEST, "global", "invalid", "Invalid resource id value.");
        }
        Some(id) => id.to_owned(),
        None => random_event_id(),
    };
    let now = emulator.now();
    let attendees: Vec<Value> = body
        .get("attendees")
        .and_then(Value::as_array)
        .map(|attendees| {
            attendees
                .iter()
                .map(|attendee| {
                    let mut attendee = attendee.clone();
                    attendee["responseStatus"] = json!("needsAction");
                    attendee
                })
                .collect()
        })
        .unwrap_or_default();
    let event = Event {
        ical_uid: format!("{id}@google.com"),
        id: id.clone(),
        summary: body.get("summary").and_then(Value::as_str).unwrap_or_default().to_owned(),
        description: body.get("description").and_then(Value::as_str).map(str::to_owned),
        start,
        end,
        transparency: body.get("transparency").and_then(Value::as_str).map(str::to_owned),
        status: "confirmed".to_owned(),
        recurrence: Vec::new(),
        attendees: attendees.clone(),
        created: now,
        updated: now,
        recurring_event_id: None,
    };
    let send_updates = query.get("sendUpdates").map(String::as_str).unwrap_or("none");
    let mut state = emulator.state();
    let Some(calendar) =
        state.calendars.values_mut().flatten().find(|calendar| calendar.entry.id == calendar_id)
    else {
        return not_found();
    };
    if calendar.events.iter().any(|existing| existing.id == id) {
        return google_error(
            StatusCode::CONFLICT,
            "global",
            "duplicate",
            "The requested identifier already exists.",
        );
    }
    calendar.events.push(event.clone());
    state.inserted_events.push((calendar_id.clone(), id.clone()));
    if send_updates == "all" || send_updates == "externalOnly" {
        for attendee in &attendees {
            if let Some(email) = attendee.get("email").and_then(Value::as_str) {
                state.notifications.push(Notification {
                    calendar_id: calendar_id.clone(),
                    event_id: id.clone(),
                    recipient: email.to_owned(),
                    method: "REQUEST".to_owned(),
                });
            }
        }
    }
    Json(event_json(&event, &calendar_id)).into_response()
}

async fn delete_event(
    State(emulator): State<Emulator>,
    headers: HeaderMap,
    Path((calendar_id, event_id)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let account =
        match admit(&emulator, &headers, "events.delete", "calendar.v3.Events.Delete", &EVENTS_WRITE_SCOPES)
            .await
        {
            Ok(account) => account,
            Err(response) => return response,
        };
    let Some((calendar_id, _)) = resolve_calendar(&emulator, &account, &calendar_id) else {
        return not_found();
    };
    let now = emulator.now();
    let mut state = emulator.state();
    let Some(event) = state
        .calendars
        .values_mut()
        .flatten()
        .find(|calendar| calendar.entry.id == calendar_id)
        .and_then(|calendar| calendar.events.iter_mut().find(|event| event.id == event_id))
    else {
        return not_found();
    };
    if event.status == "cancelled" {
        return google_error(StatusCode::GONE, "global", "deleted", "Resource has been deleted");
    }
    event.status = "cancelled".to_owned();
    event.updated = now;
    let recipients: Vec<String> = event
        .attendees
        .iter()
        .filter_map(|attendee| attendee.get("email")?.as_str().map(str::to_owned))
        .collect();
    if query.get("sendUpdates").is_some_and(|value| value == "all" || value == "externalOnly") {
        for recipient in recipients {
            state.notifications.push(Notification {
                calendar_id: calendar_id.clone(),
                event_id: event_id.clone(),
                recipient,
                method: "CANCEL".to_owned(),
            });
        }
    }
    StatusCode::NO_CONTENT.into_response()
}

async fn free_busy(
    State(emulator): State<Emulator>,
    headers: HeaderMap,
    body: Option<Json<Value>>,
) -> Response {
    let account =
        match admit(&emulator, &headers, "freebusy", "calendar.v3.Freebusy.Query", &FREEBUSY_SCOPES).await {
            Ok(account) => account,
            Err(response) => return response,
        };
    let Some(Json(body)) = body else {
        return google_error(StatusCode::BAD_REQUEST, "global", "parseError", "Parse Error");
    };
    let time = |name: &str| {
        body.get(name)
            .and_then(Value::as_str)
            .and_then(|value| DateTime::parse_from_rfc3339(value).ok())
            .map(|time| time.with_timezone(&Utc))
    };
    let (Some(time_min), Some(time_max)) = (time("timeMin"), time("timeMax")) else {
        return google_error(StatusCode::BAD_REQUEST, "global", "required", "Missing timeMin or timeMax.");
    };
    if time_min >= time_max {
        return google_error(
            StatusCode::BAD_REQUEST,
            "calendar",
            "timeRangeEmpty",
            "The specified time range is empty.",
        );
    }
    if time_max - time_min > Duration::days(FREEBUSY_MAX_RANGE_DAYS) {
        return google_error(
            StatusCode::BAD_REQUEST,
            "calendar",
            "timeRangeTooLong",
            "The requested time range is too long.",
        );
    }
    let ids: Vec<String> = body
        .get("items")
        .and_then(Value::as_array)
        .map(|items| items.iter().filter_map(|item| item.get("id")?.as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    let mut calendars = serde_json::Map::new();
    for (index, requested) in ids.iter().enumerate() {
        if index >= FREEBUSY_MAX_CALENDARS {
            calendars.insert(
                requested.clone(),
                json!({ "errors": [{ "domain": "global", "reason": "tooManyCalendarsRequested" }], "busy": [] }),
            );
            continue;
        }
        let Some((calendar_id, zone)) = resolve_calendar(&emulator, &account, requested) else {
            calendars.insert(
                requested.clone(),
                json!({ "errors": [{ "domain": "global", "reason": "notFound" }], "busy": [] }),
            );
            continue;
        };
        let events: Vec<Event> = emulator
            .state()
            .calendars
            .values()
            .flatten()
            .find(|calendar| calendar.entry.id == calendar_id)
            .map(|calendar| calendar.events.clone())
            .unwrap_or_default();
        let mut busy: Vec<(DateTime<Utc>, DateTime<Utc>)> = events
            .iter()
            .filter(|event| {
                event.status != "cancelled" && event.transparency.as_deref() != Some("transparent")
            })
            .flat_map(|event| occurrences(event, &zone, time_max))
            .filter(|(start, end, _)| *end > time_min && *start < time_max)
            .map(|(start, end, _)| (start.max(time_min), end.min(time_max)))
            .collect();
        busy.sort();
        let mut merged: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::new();
        for (start, end) in busy {
            match merged.last_mut() {
                Some(last) if start <= last.1 => last.1 = last.1.max(end),
                _ => merged.push((start, end)),
            }
        }
        let busy: Vec<Value> = merged
            .into_iter()
            .map(|(start, end)| {
                json!({
                    "start": start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    "end": end.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                })
            })
            .collect();
        calendars.insert(requested.clone(), json!({ "busy": busy }));
    }
    Json(json!({
        "kind": "calendar#freeBusy",
        "timeMin": time_min.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "timeMax": time_max.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "calendars": calendars,
    }))
    .into_response()
}
