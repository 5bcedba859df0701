//! What BookMate needs from Google, as one suite: run against the emulator
//! by `google_client.rs` and against real Google by `real_google.rs`.

use app::{
    google::{
        calendar::{Attendee, CalendarApi, CalendarError, EventTime, NewEvent},
        oidc::GoogleOidc,
        AccessToken,
    },
    google_scopes::{LIST_CALENDARS, READ_FREE_BUSY},
};
use chrono::{Duration, Utc};

/// A half-hour meeting three days from now, with one attendee.
pub fn meeting(id: &str) -> NewEvent {
    let start = Utc::now() + Duration::days(3);
    NewEvent {
        id: id.to_owned(),
        summary: "BookMate client suite".to_owned(),
        description: "Created by BookMate's tests.".to_owned(),
        start: EventTime { date_time: start },
        end: EventTime { date_time: start + Duration::minutes(30) },
        attendees: vec![Attendee { email: "visitor@example.net".to_owned(), display_name: None }],
        location: None,
        conference_data: None,
    }
}

/// In order: refresh, list calendars, busy times, then the write path: an
/// insert with BookMate's own id, and the same insert again, which Google
/// answers as a duplicate (how a retried direct booking knows it is done).
/// Panics on the first thing Google does differently.
pub async fn run_client_suite(oidc: &GoogleOidc, calendar: &CalendarApi, refresh_token: &str) {
    let refreshed = oidc.refresh(refresh_token, Utc::now()).await.expect("refresh");
    assert!(refreshed.expires_at > Utc::now() + Duration::minutes(30));
    let scopes = refreshed.granted_scopes.expect("Google says which scopes the token carries");
    assert!(LIST_CALENDARS.iter().any(|scope| scopes.contains(scope)), "{scopes:?}");
    assert!(READ_FREE_BUSY.iter().any(|scope| scopes.contains(scope)), "{scopes:?}");
    let token = AccessToken::for_tests(&refreshed.access_token);

    let calendars = calendar.calendar_list(&token).await.expect("calendarList.list");
    let primary = calendars.first().expect("at least the primary calendar");
    assert!(primary.primary, "the primary calendar comes first");

    let free_busy = calendar
        .free_busy(&token, std::slice::from_ref(&primary.id), Utc::now(), Utc::now() + Duration::days(14))
        .await
        .expect("freebusy.query");
    assert!(free_busy.failed_calendars.is_empty(), "{:?}", free_busy.failed_calendars);
    assert!(free_busy.busy.iter().all(|span| span.start < span.end));

    // Event ids are base32hex (0-9, a-v), 5 to 1024 characters.
    let id = format!("bookmate{}", Utc::now().timestamp_millis());
    let event = meeting(&id);
    let inserted = calendar.insert_event(&token, "primary", &event).await.expect("events.insert");
    assert_eq!(inserted.id, id);
    assert!(inserted.ical_uid.ends_with("@google.com"), "{}", inserted.ical_uid);
    let fetched = calendar.get_event(&token, "primary", &id).await.expect("events.get");
    assert_eq!(fetched.ical_uid, inserted.ical_uid, "the iCalUID Google gave is the one it keeps");
    // A retried insert with the same id: Google says 409, which means done.
    assert_eq!(calendar.insert_event(&token, "primary", &event).await, Err(CalendarError::Duplicate));
}
