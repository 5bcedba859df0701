//! `calendarList.list`: the account's calendars with their access roles.

// A part of its parent module: it shares the parent's imports and helpers.
use super::*;

pub(super) async fn calendar_list(
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
