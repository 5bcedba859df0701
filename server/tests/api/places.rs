//! Where meetings happen: a type's place reaches the booking page, the
//! confirmation, the emails and the `.ics`; Google Meet is created by Google
//! with the direct booking's event, and BookMate shows Google's link, or
//! says there is none yet, never one of its own.

use app::db::{bookings, outbox};
use google_emulator::ConferenceCreation;
use serde_json::{json, Value};

use crate::{
    booking::{ada_books_directly, ada_takes_bookings, next_month, slots, ADA},
    helpers::{Cookies, TestApp, BACKENDS},
};

fn type_with_place(slug: &str, place: Value) -> Value {
    json!({ "form": {
        "type_id": null, "title": format!("{slug} meeting"), "slug": slug, "description": "",
        "lengths": [30], "slot_interval_minutes": null, "buffer_before_minutes": null,
        "buffer_after_minutes": null, "minimum_notice_minutes": null, "horizon_days": null,
        "own_hours": null, "colour": "#2563eb", "listed": true, "place": place,
    }})
}

async fn page_of(app: &TestApp, slug: &str) -> Value {
    let month = next_month("UTC");
    let form = [("username", "ada"), ("meeting_type", slug), ("tz", "UTC"), ("month", month.as_str())];
    let answer = app.server_fn_form("booking_page", &form, &Cookies::default()).await;
    assert_eq!(answer.status(), 200, "{}", answer.text().await.unwrap());
    answer.json().await.unwrap()
}

async fn book_as(
    app: &TestApp,
    slug: &str,
    start: i64,
    email: &str,
    phone: Option<&str>,
) -> reqwest::Response {
    let start = start.to_string();
    let mut form = vec![
        ("username", "ada"),
        ("meeting_type", slug),
        ("start", start.as_str()),
        ("tz", "UTC"),
        ("name", "Bob"),
        ("email", email),
        ("note", ""),
    ];
    if let Some(phone) = phone {
        form.push(("phone", phone));
    }
    app.server_fn_form("book", &form, &Cookies::default()).await
}

#[tokio::test]
async fn a_meet_type_gets_googles_link_on_the_confirmation_and_in_the_event() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let mut ada = ada_takes_bookings(&app).await;
        // Without direct booking there is no event to hold a Meet link.
        let refused = app
            .server_fn_json("save_meeting_type", type_with_place("video", json!("GoogleMeet")), &ada)
            .await;
        assert_eq!(refused.status(), 422, "{backend:?}");
        assert!(refused.text().await.unwrap().contains("needs direct booking"), "{backend:?}");

        ada_books_directly(&app, &mut ada).await;
        let saved = app
            .server_fn_json("save_meeting_type", type_with_place("video", json!("GoogleMeet")), &ada)
            .await;
        assert_eq!(saved.status(), 200, "{backend:?}");
        let page = page_of(&app, "video").await;
        assert_eq!(page["place"], "Google Meet: the link comes with the invitation", "{backend:?}");

        let booked = book_as(&app, "video", slots(&page)[3].0, "bob@example.net", None).await;
        assert_eq!(booked.status(), 200, "{backend:?}");
        let confirmation: Value = booked.json().await.unwrap();
        let inserted = app.google.inserted_events();
        assert_eq!(inserted.len(), 1, "{backend:?}");
        let link = inserted[0].1.extra["hangoutLink"].as_str().unwrap().to_owned();
        assert!(link.starts_with("https://meet.google.com/"), "{backend:?}: {link}");
        assert_eq!(
            confirmation["place"],
            format!("Google Meet: {link}"),
            "{backend:?}: Google's link, as Google made it"
        );
        let invite = app.get(&format!("/booking/{}/invite.ics", confirmation["uid"].as_str().unwrap())).await;
        assert!(invite.text().await.unwrap().contains(&format!("LOCATION:{link}")), "{backend:?}");
        app.stop().await;
    }
}

/// The booking once its Meet conference is settled (no longer pending),
/// within twenty seconds.
async fn wait_for_conference(pool: &app::db::DbPool, uid: &str) -> bookings::Booking {
    for _ in 0..200 {
        let booking = bookings::find_by_uid(pool, uid).await.unwrap().unwrap();
        if booking.conference != Some(bookings::Conference::Pending) {
            return booking;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the Meet link was still pending after twenty seconds");
}

#[tokio::test]
async fn a_meet_google_makes_later_is_looked_up_and_one_it_could_not_make_is_said_with_no_link_made_up() {
    let app = TestApp::spawn(app::db::Backend::Sqlite).await;
    let mut ada = ada_takes_bookings(&app).await;
    ada_books_directly(&app, &mut ada).await;
    let saved =
        app.server_fn_json("save_meeting_type", type_with_place("video", json!("GoogleMeet")), &ada).await;
    assert_eq!(saved.status(), 200);
    let page = page_of(&app, "video").await;
    let pool = app.pool().await;

    app.google.create_conferences(ConferenceCreation::Pending);
    let pending: Value =
        book_as(&app, "video", slots(&page)[2].0, "bob@example.net", None).await.json().await.unwrap();
    let said = pending["place"].as_str().unwrap();
    assert!(said.contains("still creating the link") && !said.contains("https://"), "{said}");
    let stored = bookings::find_by_uid(&pool, pending["uid"].as_str().unwrap()).await.unwrap().unwrap();
    assert_eq!((stored.conference, stored.location), (Some(bookings::Conference::Pending), None));
    // The worker looks the event up again a few seconds later, and Google
    // has made the link by then: the booking takes it, as Google gave it.
    let made = wait_for_conference(&pool, pending["uid"].as_str().unwrap()).await;
    assert_eq!(made.conference, Some(bookings::Conference::Ready));
    let link = made.location.expect("the link");
    assert!(link.starts_with("https://meet.google.com/"), "{link}");
    assert_eq!(app.google.calls().get("events.get"), Some(&1), "one look-up was enough");
    let confirmation = app.get(&format!("/bookings/{}", pending["uid"].as_str().unwrap())).await;
    assert!(confirmation.text().await.unwrap().contains(&link), "the confirmation page shows it");

    app.google.create_conferences(ConferenceCreation::Fails);
    let failed: Value =
        book_as(&app, "video", slots(&page)[6].0, "carol@example.net", None).await.json().await.unwrap();
    let said = failed["place"].as_str().unwrap();
    assert!(said.contains("did not create a link") && !said.contains("https://"), "{said}");
    app.stop().await;
}

#[tokio::test]
async fn in_person_and_phone_places_reach_the_emails_and_the_invite_and_a_visitor_number_is_required() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let ada = ada_takes_bookings(&app).await;
        let office = json!({ "InPerson": { "address": "1 Main St, Springfield" } });
        assert_eq!(
            app.server_fn_json("save_meeting_type", type_with_place("office", office), &ada).await.status(),
            200
        );
        let call = json!("VisitorPhone");
        assert_eq!(
            app.server_fn_json("save_meeting_type", type_with_place("call", call), &ada).await.status(),
            200
        );
        let bad_link = json!({ "Link": { "url": "javascript:alert(1)" } });
        let refused = app.server_fn_json("save_meeting_type", type_with_place("video", bad_link), &ada).await;
        assert_eq!(refused.status(), 422, "{backend:?}");

        let office_page = page_of(&app, "office").await;
        assert_eq!(office_page["place"], "In person: 1 Main St, Springfield", "{backend:?}");
        let booked = book_as(&app, "office", slots(&office_page)[2].0, "bob@example.net", None).await;
        assert_eq!(booked.status(), 200, "{backend:?}");
        let pool = app.pool().await;
        let mail = outbox::recent(&pool, 10).await.unwrap();
        let to_bob = mail.iter().find(|message| message.recipient == "bob@example.net").unwrap();
        assert!(
            to_bob.body_text.contains("Where: 1 Main St, Springfield"),
            "{backend:?}: {}",
            to_bob.body_text
        );
        let ics = to_bob.calendar_ics.as_deref().unwrap();
        assert!(ics.contains("LOCATION:1 Main St\\, Springfield"), "{backend:?}: {ics}");

        let call_page = page_of(&app, "call").await;
        assert_eq!(call_page["asks_phone"], true, "{backend:?}");
        let start = slots(&call_page)[8].0;
        for (phone, why) in [(None, "missing"), (Some("call me maybe"), "not a number")] {
            let refused = book_as(&app, "call", start, "carol@example.net", phone).await;
            assert_eq!(refused.status(), 422, "{backend:?}: {why}");
            assert!(refused.text().await.unwrap().contains("phone number"), "{backend:?}: {why}");
        }
        let booked = book_as(&app, "call", start, "carol@example.net", Some("+44 20 7946 0958")).await;
        assert_eq!(booked.status(), 200, "{backend:?}");
        let confirmation: Value = booked.json().await.unwrap();
        assert_eq!(confirmation["place"], "+44 20 7946 0958", "{backend:?}");
        let host_copy = outbox::recent(&pool, 10)
            .await
            .unwrap()
            .into_iter()
            .find(|message| message.recipient == ADA && message.body_text.contains("+44 20 7946 0958"));
        assert!(host_copy.is_some(), "{backend:?}: the host has the number to call");
        app.stop().await;
    }
}
