//! `freebusy.query`: busy time across many calendars, with Google's limits
//! and per-calendar errors.

// A part of its parent module: it shares the parent's imports and helpers.
use super::*;

pub(super) async fn free_busy(
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
        return google_error_at(
            StatusCode::BAD_REQUEST,
            "calendar",
            "timeRangeEmpty",
            "The specified time range is empty.",
            Some(("timeMax", "parameter")),
        );
    }
    if time_max - time_min > emulator.shared.freebusy_max_range {
        return google_error(
            StatusCode::BAD_REQUEST,
            "calendar",
            "timeRangeTooLong",
            "The requested time range is too long.",
        );
    }
    // Busy times come back in the requested zone (UTC by default).
    let zone: chrono_tz::Tz = body
        .get("timeZone")
        .and_then(Value::as_str)
        .and_then(|zone| zone.parse().ok())
        .unwrap_or(chrono_tz::UTC);
    let format_time = |time: DateTime<Utc>| {
        time.with_timezone(&zone).to_rfc3339_opts(chrono::SecondsFormat::Secs, zone == chrono_tz::UTC)
    };
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
            .map(|(start, end)| json!({ "start": format_time(start), "end": format_time(end) }))
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
