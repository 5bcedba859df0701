//! The calendars a host chooses: only they count as busy, a failure of any
//! of them fails the page closed, and direct bookings go into the one chosen.

use app::db::outbox;
use google_emulator::Seed;
use serde_json::{json, Value};

use crate::{
    booking::{ada_takes_bookings, book, booking_rows, event_in_google, page, slots, ADA, CANNOT_CHECK},
    helpers::{Cookies, TestApp, BACKENDS},
};

/// Ada's writable, non-primary calendar in the emulator's seed ("Bookings").
const ADA_BOOKINGS: &str = "bookings-108734@group.calendar.google.com";
/// Ada's read-only, non-primary calendar in the emulator's seed ("Team holidays").
const ADA_TEAM: &str = "team-108734@group.calendar.google.com";

async fn choose_busy_calendars(app: &TestApp, ada: &Cookies, calendar_ids: &[&str]) {
    let saved = app.server_fn_json("save_busy_calendars", json!({ "calendar_ids": calendar_ids }), ada).await;
    assert_eq!(saved.status(), 200, "{}", saved.text().await.unwrap());
}

fn offers(view: &Value, start: i64) -> bool {
    slots(view).iter().any(|(offered, _)| *offered == start)
}

#[tokio::test]
async fn only_the_chosen_calendars_count_as_busy() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let ada = ada_takes_bookings(&app).await;
        let offered = slots(&page(&app, "UTC").await);
        let (in_chosen, in_primary) = (offered[3].0, offered[8].0);
        event_in_google(&app, ADA_BOOKINGS, "In the chosen calendar", in_chosen, 30);
        event_in_google(&app, ADA, "In the primary calendar", in_primary, 30);

        // Ada counts her Bookings calendar as busy, and only it.
        choose_busy_calendars(&app, &ada, &[ADA_BOOKINGS]).await;
        let view = page(&app, "UTC").await;
        assert_eq!(view["status"], "Open", "{backend:?}");
        assert!(!offers(&view, in_chosen), "{backend:?}: an event in a chosen calendar removes its time");
        assert!(offers(&view, in_primary), "{backend:?}: the primary calendar no longer counts");
        let refused = book(&app, in_chosen, "bob@example.net").await;
        assert_eq!(refused.status(), 409, "{backend:?}: the fresh check asks the chosen calendar too");
        assert_eq!(booking_rows(&app.pool().await).await, 0, "{backend:?}");

        // Back to the primary calendar alone: the other way round.
        choose_busy_calendars(&app, &ada, &[ADA]).await;
        let view = page(&app, "UTC").await;
        assert!(offers(&view, in_chosen), "{backend:?}: the Bookings calendar no longer counts");
        assert!(!offers(&view, in_primary), "{backend:?}");
        let booked = book(&app, in_chosen, "bob@example.net").await;
        assert_eq!(booked.status(), 200, "{backend:?}: {}", booked.text().await.unwrap());
        app.stop().await;
    }
}

/// The emulator's development seed, as the app started it, with Ada's
/// "Team holidays" calendar gone: as if it were unshared from her.
fn seed_without_adas_team_calendar(app: &TestApp) -> Seed {
    let mut seed = Seed::development(vec![format!("{}/auth/google/callback", app.address)]);
    let ada = seed.accounts.iter_mut().find(|account| account.email == ADA).unwrap();
    let before = ada.calendars.len();
    ada.calendars.retain(|calendar| calendar.id != ADA_TEAM);
    assert_eq!(ada.calendars.len(), before - 1, "the seed has Ada's team calendar");
    seed
}

#[tokio::test]
async fn when_google_cannot_answer_for_one_chosen_calendar_the_page_fails_closed_and_booking_is_refused() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let ada = ada_takes_bookings(&app).await;
        choose_busy_calendars(&app, &ada, &[ADA, ADA_TEAM]).await;
        // A time that would be offered: noon in London on the 10th of next
        // month (open around the clock, within the 60-day horizon).
        let month = crate::booking::next_month("Europe/London");
        let noon = chrono::NaiveDate::parse_from_str(&format!("{month}-10"), "%Y-%m-%d")
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap()
            .and_local_timezone(chrono_tz::Europe::London)
            .single()
            .unwrap()
            .timestamp();

        // The team calendar is taken away from Ada at Google; she signs in
        // again (the emulator forgot every grant), her choice unchanged.
        app.google.reset(&seed_without_adas_team_calendar(&app));
        app.sign_in(ADA).await;

        let view = page(&app, "UTC").await;
        assert_eq!(view["status"], "AvailabilityUnknown", "{backend:?}: {view}");
        assert!(slots(&view).is_empty(), "{backend:?}: no slot is shown on a guess");

        let refused = book(&app, noon, "bob@example.net").await;
        assert_eq!(refused.status(), 409, "{backend:?}");
        let message = refused.text().await.unwrap();
        assert!(message.contains(CANNOT_CHECK), "{backend:?}: {message}");
        let pool = app.pool().await;
        assert_eq!(booking_rows(&pool).await, 0, "{backend:?}");
        assert!(outbox::recent(&pool, 10).await.unwrap().is_empty(), "{backend:?}");

        // The same time is bookable once the lost calendar is no longer chosen:
        // it was the calendar's failure, nothing else.
        choose_busy_calendars(&app, &ada, &[ADA]).await;
        assert_eq!(page(&app, "UTC").await["status"], "Open", "{backend:?}");
        assert_eq!(book(&app, noon, "bob@example.net").await.status(), 200, "{backend:?}");
        app.stop().await;
    }
}

#[tokio::test]
async fn a_direct_booking_lands_in_the_chosen_calendar_and_not_in_the_primary_one() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let mut ada = ada_takes_bookings(&app).await;
        let saved = app
            .server_fn_json(
                "save_direct_booking",
                json!({ "enabled": true, "calendar_id": ADA_BOOKINGS }),
                &ada,
            )
            .await;
        assert_eq!(saved.status(), 200, "{backend:?}");
        let saved: Value = saved.json().await.unwrap();
        let return_to =
            saved["NeedsConsent"]["return_to"].as_str().expect("Google must ask first").to_owned();
        let (_, consent) = app.start_grant(&mut ada, &return_to).await;
        let callback = app.answer_consent(&consent, &mut ada, ADA, &[], true).await;
        assert_eq!(app.browse(&callback, &mut ada).await.status(), 303, "{backend:?}");

        let (start, _) = slots(&page(&app, "America/New_York").await)[1].clone();
        let booked = book(&app, start, "bob@example.net").await;
        assert_eq!(booked.status(), 200, "{backend:?}");
        let confirmation: Value = booked.json().await.unwrap();
        assert_eq!(confirmation["invitation"], "InHostCalendar", "{backend:?}");

        let inserted = app.google.inserted_events();
        let calendars: Vec<&str> = inserted.iter().map(|(calendar, _)| calendar.as_str()).collect();
        assert_eq!(calendars, [ADA_BOOKINGS], "{backend:?}: into Bookings, and nowhere else");
        let (_, event) = &inserted[0];
        let invite = app.get(&format!("/booking/{}/invite.ics", confirmation["uid"].as_str().unwrap())).await;
        let invite = invite.text().await.unwrap();
        assert!(
            invite.contains(&format!("UID:{}", event.ical_uid)),
            "{backend:?}: Google's iCalUID: {invite}"
        );
        assert_eq!(
            event.start.date_time.map(|time| time.timestamp()),
            Some(start),
            "{backend:?}: at the time booked"
        );
        let notifications = app.google.notifications();
        assert_eq!(notifications.len(), 1, "{backend:?}: Google's one invite");
        assert_eq!(notifications[0].calendar_id, ADA_BOOKINGS, "{backend:?}");
        assert!(outbox::recent(&app.pool().await, 10).await.unwrap().is_empty(), "{backend:?}");
        app.stop().await;
    }
}
