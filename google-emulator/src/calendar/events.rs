//! `events.get`, `events.insert`, `events.patch` and `events.delete`; the
//! writes may lose their answer after taking effect, and each is a change
//! for incremental sync and watch channels.

// A part of its parent module: it shares the parent's imports and helpers.
use super::*;

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
    // A conference that was pending at the insert is made by now: a change
    // of the event; a plain read is none (`Err` below).
    let read = emulator.state().edit_event(&calendar_id, &event_id, |event| {
        let pending = conference_status(&event.extra) == Some("pending");
        if pending {
            complete_conference(&mut event.extra);
        }
        let body = event_json(event, &calendar_id);
        if pending {
            Ok(body)
        } else {
            Err(body)
        }
    });
    match read {
        Some(Ok(body) | Err(body)) => Json(body).into_response(),
        None => not_found(),
    }
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
        let how = emulator.state().conference_creation;
        request_conference(&mut extra, request, how);
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
        change: 0,
    };
    let send_updates = query.get("sendUpdates").map(String::as_str).unwrap_or("none");
    // The lock must be gone before the lost answer's await.
    let answer = {
        let mut state = emulator.state();
        // Google warns it may miss an id collision at creation; tests ask when.
        let missed_duplicate_ids = state.missed_duplicate_ids;
        let Some(same_id) = state
            .calendar_mut(&calendar_id)
            .map(|calendar| calendar.events.iter().filter(|existing| existing.id == id).count())
        else {
            return not_found();
        };
        if same_id > 0 && missed_duplicate_ids == 0 {
            return google_error(
                StatusCode::CONFLICT,
                "global",
                "duplicate",
                "The requested identifier already exists.",
            );
        }
        state.push_event(&calendar_id, event.clone());
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
        // The event stays, cancelled: a tombstone incremental sync reports.
        let deleted = state.edit_event(&calendar_id, &event_id, |event| {
            if event.status == "cancelled" {
                return Err(ApiError::new(
                    StatusCode::GONE,
                    "global",
                    "deleted",
                    "Resource has been deleted",
                ));
            }
            event.status = "cancelled".to_owned();
            event.updated = now.max(event.updated + chrono::Duration::milliseconds(1));
            Ok(event.attendees.clone())
        });
        let attendees = match deleted {
            Some(Ok(attendees)) => attendees,
            Some(Err(refused)) => return refused.into_response(),
            None => return not_found(),
        };
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
        let edited = state.edit_event(&calendar_id, &event_id, |event| {
            // If-Match with a stale etag: someone changed the event since it was read.
            if let Some(expected) = if_match {
                if expected != "*" && expected != etag(event) {
                    return Err(ApiError {
                        location: Some(("If-Match", "header")),
                        ..ApiError::new(
                            StatusCode::PRECONDITION_FAILED,
                            "global",
                            "conditionNotMet",
                            "Precondition Failed",
                        )
                    });
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
                return Err(ApiError {
                    location: Some(("end", "parameter")),
                    ..ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "calendar",
                        "timeRangeEmpty",
                        "The specified time range is empty.",
                    )
                });
            }
            // The etag must change with every write, even within one millisecond.
            patched.updated = now.max(event.updated + chrono::Duration::milliseconds(1));
            *event = patched.clone();
            Ok(patched)
        });
        let patched = match edited {
            Some(Ok(patched)) => patched,
            Some(Err(refused)) => return refused.into_response(),
            None => return not_found(),
        };
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
