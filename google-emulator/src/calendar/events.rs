//! `events.list`, `events.get`, `events.insert`, `events.patch` and
//! `events.delete`; the writes may lose their answer after taking effect.

// A part of its parent module: it shares the parent's imports and helpers.
use super::*;

pub(super) async fn list_events(
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
            return google_error_at(
                StatusCode::BAD_REQUEST,
                "global",
                "invalid",
                "Invalid value for: orderBy",
                Some(("orderBy", "parameter")),
            );
        }
        if order == "startTime" && !single_events {
            return google_error_at(
                StatusCode::BAD_REQUEST,
                "global",
                "invalid",
                "The requested ordering is not available for the particular query.",
                Some(("orderBy", "parameter")),
            );
        }
    }
    let parse_time = |name: &str| query.get(name).and_then(|value| DateTime::parse_from_rfc3339(value).ok());
    let time_min = parse_time("timeMin").map(|time| time.with_timezone(&Utc));
    let time_max = parse_time("timeMax").map(|time| time.with_timezone(&Utc));
    if let (Some(min), Some(max)) = (time_min, time_max) {
        if min >= max {
            return google_error_at(
                StatusCode::BAD_REQUEST,
                "calendar",
                "timeRangeEmpty",
                "The specified time range is empty.",
                Some(("timeMax", "parameter")),
            );
        }
    }
    let show_deleted = query.get("showDeleted").is_some_and(|value| value == "true");
    let limit = time_max.unwrap_or_else(|| emulator.now() + Duration::days(730));
    let overlaps = |start: DateTime<Utc>, end: DateTime<Utc>| {
        time_min.is_none_or(|min| end > min) && time_max.is_none_or(|max| start < max)
    };
    let (events, access_role): (Vec<Event>, String) = emulator
        .state()
        .calendars
        .get(&account.sub)
        .and_then(|calendars| calendars.iter().find(|calendar| calendar.entry.id == calendar_id))
        .map(|calendar| (calendar.events.clone(), calendar.entry.access_role.clone()))
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
                // Instances keep the event's own zone: local offsets for
                // timed ones, the local date for all-day ones.
                let shifted = |time: &EventTime, to: DateTime<Utc>| {
                    let zone_name = time.time_zone.as_deref().unwrap_or(&zone);
                    let local_zone: chrono_tz::Tz = zone_name.parse().unwrap_or(chrono_tz::UTC);
                    let local = to.with_timezone(&local_zone);
                    match time.date_time {
                        Some(_) => EventTime::at(local.fixed_offset(), zone_name),
                        None => EventTime::all_day(local.date_naive()),
                    }
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
        "accessRole": access_role,
        "items": items,
    });
    match next {
        Some(token) => body["nextPageToken"] = json!(token),
        None => body["nextSyncToken"] = json!("emulator-sync"),
    }
    Json(body).into_response()
}

pub(super) async fn get_event(
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
    let mut state = emulator.state();
    let event = state
        .calendars
        .values_mut()
        .flatten()
        .find(|calendar| calendar.entry.id == calendar_id)
        .and_then(|calendar| calendar.events.iter_mut().find(|event| event.id == event_id));
    match event {
        Some(event) => {
            // A conference that was pending at the insert is made by now.
            if conference_status(&event.extra) == Some("pending") {
                complete_conference(&mut event.extra);
            }
            Json(event_json(event, &calendar_id)).into_response()
        }
        None => not_found(),
    }
}

fn conference_status(extra: &serde_json::Map<String, Value>) -> Option<&str> {
    extra.get("conferenceData")?.get("createRequest")?.get("status")?.get("statusCode")?.as_str()
}

/// The conference made: a Meet code, its entry point and `hangoutLink`, as
/// Google shows them, and the request's status `success`.
fn complete_conference(extra: &mut serde_json::Map<String, Value>) {
    let code = meet_code();
    let uri = format!("https://meet.google.com/{code}");
    let request = extra
        .get("conferenceData")
        .and_then(|data| data.get("createRequest"))
        .cloned()
        .unwrap_or_else(|| json!({}));
    let mut request = request;
    request["status"] = json!({ "statusCode": "success" });
    extra.insert("hangoutLink".to_owned(), json!(uri));
    extra.insert(
        "conferenceData".to_owned(),
        json!({
            "createRequest": request,
            "entryPoints": [{ "entryPointType": "video", "uri": uri, "label": format!("meet.google.com/{code}") }],
            "conferenceSolution": { "key": { "type": "hangoutsMeet" }, "name": "Google Meet" },
            "conferenceId": code,
        }),
    );
}

/// A Meet code shaped like Google's: `abc-defg-hij`.
pub(super) fn meet_code() -> String {
    let part = |length: usize| {
        (0..length).map(|_| char::from(b'a' + rand::random_range(0..26u8))).collect::<String>()
    };
    format!("{}-{}-{}", part(3), part(4), part(3))
}

pub(super) fn valid_event_id(id: &str) -> bool {
    (5..=1024).contains(&id.len()) && id.chars().all(|c| matches!(c, 'a'..='v' | '0'..='9'))
}

pub(super) async fn insert_event(
    State(emulator): State<Emulator>,
    headers: HeaderMap,
    Path(calendar_id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
    body: Option<Json<Value>>,
) -> Response {
    let (account, lost_answer) = match admit_write(
        &emulator,
        &headers,
        "events.insert",
        "calendar.v3.Events.Insert",
        &EVENTS_WRITE_SCOPES,
    )
    .await
    {
        Ok(admitted) => admitted,
        Err(response) => return response,
    };
    let Some((calendar_id, zone)) = resolve_calendar(&emulator, &account, &calendar_id) else {
        return not_found();
    };
    if let Err(refused) = require_writer(&emulator, &account, &calendar_id) {
        return refused.into_response();
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
    // Fields the emulator does not interpret are kept as sent, as Google
    // stores them.
    let mut extra = serde_json::Map::new();
    for field in ["location", "reminders", "visibility", "guestsCanModify", "extendedProperties", "colorId"] {
        if let Some(value) = body.get(field) {
            extra.insert(field.to_owned(), value.clone());
        }
    }
    // Version 0 (the default) ignores conferenceData; version 1 with a
    // createRequest gets a Meet link, as Google answers it.
    let conference_version = query.get("conferenceDataVersion").map(String::as_str).unwrap_or("0");
    let create_request = body.get("conferenceData").and_then(|data| data.get("createRequest"));
    if let (Some(request), "1") = (create_request, conference_version) {
        let mut request = request.clone();
        match emulator.state().conference_creation {
            ConferenceCreation::Succeeds => {
                request["status"] = json!({ "statusCode": "success" });
                extra.insert("conferenceData".to_owned(), json!({ "createRequest": request }));
                complete_conference(&mut extra);
            }
            // Google answers before the conference exists: no link yet, and
            // a later `events.get` finds it made.
            ConferenceCreation::Pending => {
                request["status"] = json!({ "statusCode": "pending" });
                extra.insert(
                    "conferenceData".to_owned(),
                    json!({
                        "createRequest": request,
                        "conferenceSolution": { "key": { "type": "hangoutsMeet" }, "name": "Google Meet" },
                    }),
                );
            }
            ConferenceCreation::Fails => {
                request["status"] = json!({ "statusCode": "failure" });
                extra.insert("conferenceData".to_owned(), json!({ "createRequest": request }));
            }
        }
    }
    let event = Event {
        extra,
        ical_uid: random_ical_uid(),
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
    // The lock must be gone before the lost answer's await.
    let answer = {
        let mut state = emulator.state();
        // Google warns it may miss an id collision at creation; tests ask when.
        let missed_duplicate_ids = state.missed_duplicate_ids;
        let Some(calendar) =
            state.calendars.values_mut().flatten().find(|calendar| calendar.entry.id == calendar_id)
        else {
            return not_found();
        };
        let same_id = calendar.events.iter().filter(|existing| existing.id == id).count();
        if same_id > 0 && missed_duplicate_ids == 0 {
            return google_error(
                StatusCode::CONFLICT,
                "global",
                "duplicate",
                "The requested identifier already exists.",
            );
        }
        calendar.events.push(event.clone());
        if same_id > 0 {
            state.missed_duplicate_ids -= 1;
        }
        state.inserted_events.push((calendar_id.clone(), id.clone(), same_id));
        record_invitations(&mut state, &calendar_id, &id, &attendees, send_updates, "REQUEST");
        Json(event_json(&event, &calendar_id)).into_response()
    };
    answer_after_effect(lost_answer, answer).await
}

pub(super) async fn delete_event(
    State(emulator): State<Emulator>,
    headers: HeaderMap,
    Path((calendar_id, event_id)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let (account, lost_answer) = match admit_write(
        &emulator,
        &headers,
        "events.delete",
        "calendar.v3.Events.Delete",
        &EVENTS_WRITE_SCOPES,
    )
    .await
    {
        Ok(admitted) => admitted,
        Err(response) => return response,
    };
    let Some((calendar_id, _)) = resolve_calendar(&emulator, &account, &calendar_id) else {
        return not_found();
    };
    if let Err(refused) = require_writer(&emulator, &account, &calendar_id) {
        return refused.into_response();
    }
    let now = emulator.now();
    // The lock must be gone before the lost answer's await.
    let answer = {
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
        let attendees = event.attendees.clone();
        let send_updates = query.get("sendUpdates").map_or("none", String::as_str);
        record_invitations(&mut state, &calendar_id, &event_id, &attendees, send_updates, "CANCEL");
        StatusCode::NO_CONTENT.into_response()
    };
    answer_after_effect(lost_answer, answer).await
}

pub(super) async fn patch_event(
    State(emulator): State<Emulator>,
    headers: HeaderMap,
    Path((calendar_id, event_id)): Path<(String, String)>,
    Query(query): Query<HashMap<String, String>>,
    body: Option<Json<Value>>,
) -> Response {
    let (account, lost_answer) = match admit_write(
        &emulator,
        &headers,
        "events.patch",
        "calendar.v3.Events.Patch",
        &EVENTS_WRITE_SCOPES,
    )
    .await
    {
        Ok(admitted) => admitted,
        Err(response) => return response,
    };
    let Some((calendar_id, zone)) = resolve_calendar(&emulator, &account, &calendar_id) else {
        return not_found();
    };
    if let Err(refused) = require_writer(&emulator, &account, &calendar_id) {
        return refused.into_response();
    }
    let Some(Json(Value::Object(patch))) = body else {
        return google_error(StatusCode::BAD_REQUEST, "global", "parseError", "Parse Error");
    };
    let time = |name: &str| patch.get(name).map(|value| serde_json::from_value::<EventTime>(value.clone()));
    let (Ok(start), Ok(end)) = (time("start").transpose(), time("end").transpose()) else {
        return google_error(StatusCode::BAD_REQUEST, "global", "invalid", "Invalid start or end time.");
    };
    let if_match = headers.get(header::IF_MATCH).and_then(|value| value.to_str().ok()).map(str::to_owned);
    let now = emulator.now();
    // The lock must be gone before the lost answer's await.
    let answer = {
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
        // If-Match with a stale etag: someone changed the event since it was read.
        if let Some(expected) = if_match {
            if expected != "*" && expected != etag(event) {
                return google_error_at(
                    StatusCode::PRECONDITION_FAILED,
                    "global",
                    "conditionNotMet",
                    "Precondition Failed",
                    Some(("If-Match", "header")),
                );
            }
        }
        let mut patched = event.clone();
        // Patch semantics: only the fields sent change; arrays are replaced whole.
        for (field, value) in &patch {
            match (field.as_str(), value) {
                ("summary", Value::String(text)) => patched.summary.clone_from(text),
                ("description", Value::String(text)) => patched.description = Some(text.clone()),
                ("status", Value::String(text)) => patched.status.clone_from(text),
                ("transparency", Value::String(text)) => patched.transparency = Some(text.clone()),
                ("attendees", Value::Array(attendees)) => {
                    patched.attendees = attendees
                        .iter()
                        .map(|attendee| {
                            let mut attendee = attendee.clone();
                            if attendee.get("responseStatus").is_none() {
                                attendee["responseStatus"] = json!("needsAction");
                            }
                            attendee
                        })
                        .collect();
                }
                ("start" | "end" | "id" | "iCalUID" | "kind" | "etag" | "created" | "updated", _) => {}
                (other, value) => {
                    patched.extra.insert(other.to_owned(), value.clone());
                }
            }
        }
        if let Some(start) = start {
            patched.start = start;
        }
        if let Some(end) = end {
            patched.end = end;
        }
        if instant(&patched.start, &zone)
            .zip(instant(&patched.end, &zone))
            .is_none_or(|(start, end)| end <= start)
        {
            return google_error_at(
                StatusCode::BAD_REQUEST,
                "calendar",
                "timeRangeEmpty",
                "The specified time range is empty.",
                Some(("end", "parameter")),
            );
        }
        // The etag must change with every write, even within one millisecond.
        patched.updated = now.max(event.updated + chrono::Duration::milliseconds(1));
        *event = patched.clone();
        let method = if patched.status == "cancelled" { "CANCEL" } else { "REQUEST" };
        let send_updates = query.get("sendUpdates").map_or("none", String::as_str);
        record_invitations(&mut state, &calendar_id, &event_id, &patched.attendees, send_updates, method);
        Json(event_json(&patched, &calendar_id)).into_response()
    };
    answer_after_effect(lost_answer, answer).await
}

/// 403 unless the account may write to the calendar (owner or writer).
fn require_writer(emulator: &Emulator, account: &Account, calendar_id: &str) -> Result<(), ApiError> {
    let writable = emulator
        .state()
        .calendars
        .get(&account.sub)
        .and_then(|calendars| calendars.iter().find(|calendar| calendar.entry.id == calendar_id))
        .is_some_and(|calendar| matches!(calendar.entry.access_role.as_str(), "owner" | "writer"));
    if writable {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "calendar",
            "requiredAccessLevel",
            "You need to have writer access to this calendar.",
        ))
    }
}

/// Records the emails Google would send for `sendUpdates`: `all` mails every
/// guest, `externalOnly` only guests without a Google account (here: not a
/// seeded account), `none` or nothing mails nobody. The organizer (`self`)
/// is never mailed.
fn record_invitations(
    state: &mut crate::state::State,
    calendar_id: &str,
    event_id: &str,
    attendees: &[Value],
    send_updates: &str,
    method: &str,
) {
    if send_updates != "all" && send_updates != "externalOnly" {
        return;
    }
    for attendee in attendees {
        let Some(email) = attendee.get("email").and_then(Value::as_str) else { continue };
        let is_self = attendee.get("self").and_then(Value::as_bool) == Some(true) || email == calendar_id;
        let has_google_account =
            state.accounts.iter().any(|account| account.email.eq_ignore_ascii_case(email));
        if is_self || (send_updates == "externalOnly" && has_google_account) {
            continue;
        }
        state.notifications.push(Notification {
            calendar_id: calendar_id.to_owned(),
            event_id: event_id.to_owned(),
            recipient: email.to_owned(),
            method: method.to_owned(),
        });
    }
}
