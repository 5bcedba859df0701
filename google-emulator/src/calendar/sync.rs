//! `events.list`, full or incremental: every write to an event is a change
//! of its calendar with the next change number; `nextSyncToken` carries the
//! number reached, and a `syncToken` lists the events changed since, deleted
//! ones as `cancelled` (Google's sync guide; google.md §5.3).

// A part of its parent module: it shares the parent's imports and helpers.
use super::*;

use crate::state::{Calendar, State as EmulatorState};

/// What Google refuses beside a `syncToken` (events.list reference).
const NOT_WITH_SYNC_TOKEN: [&str; 8] = [
    "iCalUID",
    "orderBy",
    "privateExtendedProperty",
    "q",
    "sharedExtendedProperty",
    "timeMin",
    "timeMax",
    "updatedMin",
];

const FULL_SYNC_REQUIRED: &str = "Sync token is no longer valid, a full sync is required.";

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
    let sync_token = query.get("syncToken");
    if sync_token.is_some() {
        if let Some(name) = NOT_WITH_SYNC_TOKEN.iter().find(|name| query.contains_key(**name)) {
            return google_error_at(
                StatusCode::BAD_REQUEST,
                "global",
                "invalid",
                &format!("The {name} parameter cannot be used together with syncToken."),
                Some((name, "parameter")),
            );
        }
    }
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
    let ical_uid = query.get("iCalUID");
    let limit = time_max.unwrap_or_else(|| emulator.now() + Duration::days(730));
    let overlaps = |start: DateTime<Utc>, end: DateTime<Utc>| {
        time_min.is_none_or(|min| end > min) && time_max.is_none_or(|max| start < max)
    };
    let (events, access_role, changes, epoch) = {
        let state = emulator.state();
        let calendar = state
            .calendars
            .get(&account.sub)
            .and_then(|calendars| calendars.iter().find(|calendar| calendar.entry.id == calendar_id));
        match calendar {
            Some(calendar) => (
                calendar.events.clone(),
                calendar.entry.access_role.clone(),
                calendar.changes,
                state.sync_epoch,
            ),
            None => return not_found(),
        }
    };
    // Incremental: what changed since the token, deleted events included
    // whatever showDeleted says.
    let since = match sync_token {
        Some(token) => match decode_sync_token(token) {
            Some((token_epoch, token_calendar, change))
                if token_epoch == epoch && token_calendar == calendar_id && change <= changes =>
            {
                Some(change)
            }
            _ => {
                return google_error_at(
                    StatusCode::GONE,
                    "calendar",
                    "fullSyncRequired",
                    FULL_SYNC_REQUIRED,
                    Some(("syncToken", "parameter")),
                )
            }
        },
        None => None,
    };
    let listed = |event: &&Event| match since {
        Some(since) => event.change > since,
        None => {
            (show_deleted || event.status != "cancelled") && ical_uid.is_none_or(|uid| &event.ical_uid == uid)
        }
    };
    let mut items: Vec<(DateTime<Utc>, Value)> = Vec::new();
    for event in events.iter().filter(listed) {
        if single_events && !event.recurrence.is_empty() {
            let occurrences = occurrences(event, &zone, limit);
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
            continue;
        }
        // A series is listed if any occurrence overlaps, however far off.
        let occurrences = occurrences(event, &zone, time_max.unwrap_or(DateTime::<Utc>::MAX_UTC));
        if since.is_some() || occurrences.iter().any(|(start, end, _)| overlaps(*start, *end)) {
            let first = occurrences.first().map_or_else(Utc::now, |(start, _, _)| *start);
            items.push((first, event_json(event, &calendar_id)));
        }
    }
    if query.get("orderBy").is_some_and(|order| order == "startTime") {
        items.sort_by_key(|(start, _)| *start);
    }
    // The page token carries where the listing started, so the sync token
    // on its last page covers changes made while the client paged.
    let (offset, snapshot) = query
        .get("pageToken")
        .and_then(|token| decode_page_token(token))
        .map_or((0, changes), |(offset, snapshot)| (offset, snapshot.min(changes)));
    let mut paging = query.clone();
    paging.insert("pageToken".to_owned(), offset.to_string());
    let (items, next) = page(&emulator, items.into_iter().map(|(_, item)| item).collect(), &paging);
    let mut body = json!({
        "kind": "calendar#events",
        "summary": calendar_id,
        "timeZone": zone,
        "accessRole": access_role,
        "items": items,
    });
    match next.and_then(|next| next.parse::<usize>().ok()) {
        Some(next) => body["nextPageToken"] = json!(encode_page_token(next, snapshot)),
        None => body["nextSyncToken"] = json!(encode_sync_token(epoch, &calendar_id, snapshot)),
    }
    Json(body).into_response()
}

/// Opaque to clients, as Google's are: base64 of the epoch, the change
/// number reached and the calendar.
fn encode_sync_token(epoch: u64, calendar_id: &str, change: u64) -> String {
    URL_SAFE.encode(format!("emulator-sync\n{epoch}\n{change}\n{calendar_id}"))
}

fn decode_sync_token(token: &str) -> Option<(u64, String, u64)> {
    let text = String::from_utf8(URL_SAFE.decode(token.trim()).ok()?).ok()?;
    let mut parts = text.splitn(4, '\n');
    if parts.next()? != "emulator-sync" {
        return None;
    }
    let epoch = parts.next()?.parse().ok()?;
    let change = parts.next()?.parse().ok()?;
    Some((epoch, parts.next()?.to_owned(), change))
}

fn encode_page_token(offset: usize, snapshot: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{offset}:{snapshot}"))
}

fn decode_page_token(token: &str) -> Option<(usize, u64)> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(token).ok()?).ok()?;
    let (offset, snapshot) = text.split_once(':')?;
    Some((offset.parse().ok()?, snapshot.parse().ok()?))
}

impl EmulatorState {
    /// Applies `edit` to the first event with this id on the calendar.
    /// Unless `edit` refuses (`Err`), that is a change: the event takes the
    /// calendar's next change number and the calendar's channels are told.
    /// `None` if there is no such event.
    pub(crate) fn edit_event<T, E>(
        &mut self,
        calendar_id: &str,
        event_id: &str,
        edit: impl FnOnce(&mut Event) -> Result<T, E>,
    ) -> Option<Result<T, E>> {
        let calendar = self.calendar_mut(calendar_id)?;
        let index = calendar.events.iter().position(|event| event.id == event_id)?;
        let outcome = edit(&mut calendar.events[index]);
        if outcome.is_ok() {
            calendar.changes += 1;
            calendar.events[index].change = calendar.changes;
            self.notify_watchers(calendar_id);
        }
        Some(outcome)
    }

    /// Adds an event to the calendar, a change like any other. False if
    /// there is no such calendar.
    pub(crate) fn push_event(&mut self, calendar_id: &str, mut event: Event) -> bool {
        let Some(calendar) = self.calendar_mut(calendar_id) else { return false };
        calendar.changes += 1;
        event.change = calendar.changes;
        calendar.events.push(event);
        self.notify_watchers(calendar_id);
        true
    }

    pub(crate) fn calendar_mut(&mut self, calendar_id: &str) -> Option<&mut Calendar> {
        self.calendars.values_mut().flatten().find(|calendar| calendar.entry.id == calendar_id)
    }
}

impl Emulator {
    /// Every sync token issued so far is expired: the next incremental sync
    /// with one answers 410 `fullSyncRequired`, as Google does when it
    /// invalidates tokens.
    pub fn expire_sync_tokens(&self) {
        let mut state = self.state();
        state.sync_epoch = state.sync_epoch.wrapping_add(1);
    }
}
