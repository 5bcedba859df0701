//! The data layer behaves the same on SQLite and PostgreSQL.

use app::db::{
    outbox::{self, NewMessage},
    users::{self, GoogleProfile},
    Database, DbError,
};
use chrono::{TimeZone as _, Utc};

use crate::helpers::{TestDatabase, BACKENDS};

fn profile(sub: &str, email: &str) -> GoogleProfile {
    GoogleProfile {
        sub: sub.to_owned(),
        email: email.to_owned(),
        name: "Ada Lovelace".to_owned(),
        picture_url: Some("https://example.com/ada.png".to_owned()),
    }
}

#[tokio::test]
async fn migrations_can_run_again_on_a_migrated_database() {
    for backend in BACKENDS {
        let test_database = TestDatabase::create(backend).await;
        let database = test_database.connect().await;
        database.migrate().await.unwrap_or_else(|error| panic!("{backend:?}: {error}"));
        let again = Database::connect_and_migrate(&test_database.url).await;
        assert!(again.is_ok(), "{backend:?}: a second start must find the schema current");
        database.close().await;
        test_database.drop_database().await;
    }
}

#[tokio::test]
async fn users_are_keyed_by_google_sub_not_by_email() {
    for backend in BACKENDS {
        let test_database = TestDatabase::create(backend).await;
        let database = test_database.connect().await;
        let db = database.pool();
        let signed_up = Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap();
        let later = Utc.with_ymd_and_hms(2026, 11, 20, 17, 30, 0).unwrap();

        let first =
            users::upsert_from_google(db, &profile("111", "ada@example.com"), signed_up).await.unwrap();
        let renamed =
            users::upsert_from_google(db, &profile("111", "ada@new.example.com"), later).await.unwrap();
        assert_eq!(renamed.user_id, first.user_id, "{backend:?}: same sub, same host");
        assert_eq!(renamed.email, "ada@new.example.com");
        assert_eq!(renamed.created_at, signed_up, "{backend:?}: sign-in keeps the creation time");
        assert_eq!(renamed.updated_at, later);

        let other =
            users::upsert_from_google(db, &profile("222", "ada@new.example.com"), later).await.unwrap();
        assert_ne!(other.user_id, first.user_id, "{backend:?}: an email may pass to another account");

        let found = users::find_by_id(db, first.user_id).await.unwrap();
        assert_eq!(found, Some(renamed));
        assert_eq!(users::find_by_id(db, 999_999).await.unwrap(), None);

        database.close().await;
        test_database.drop_database().await;
    }
}

#[tokio::test]
async fn a_username_belongs_to_one_host_only() {
    for backend in BACKENDS {
        let test_database = TestDatabase::create(backend).await;
        let database = test_database.connect().await;
        let db = database.pool();
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap();
        let ada = users::upsert_from_google(db, &profile("111", "ada@example.com"), now).await.unwrap();
        let grace = users::upsert_from_google(db, &profile("222", "grace@example.com"), now).await.unwrap();

        users::update_profile(db, ada.user_id, "Ada", "ada", "Europe/London", now).await.unwrap();
        let taken = users::update_profile(db, grace.user_id, "Grace", "ada", "UTC", now).await;
        assert!(matches!(taken, Err(DbError::UsernameTaken)), "{backend:?}: got {taken:?}");

        let page_owner = users::find_by_username(db, "ada").await.unwrap().expect("ada's page");
        assert_eq!(page_owner.user_id, ada.user_id);
        assert_eq!(users::find_by_username(db, "nobody").await.unwrap(), None);
        let grace_now = users::find_by_id(db, grace.user_id).await.unwrap().unwrap();
        assert_eq!(grace_now.username, None, "{backend:?}: the refused change saved nothing");
        assert_eq!(grace_now.display_name, grace.display_name, "{backend:?}: not even her name");

        database.close().await;
        test_database.drop_database().await;
    }
}

#[tokio::test]
async fn mail_is_queued_only_when_its_transaction_commits() {
    for backend in BACKENDS {
        let test_database = TestDatabase::create(backend).await;
        let database = test_database.connect().await;
        let db = database.pool();
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap();
        let message = |recipient: &str| NewMessage {
            recipient: recipient.to_owned(),
            subject: "Invitation: Meeting with Ada".to_owned(),
            body_text: "Ada has booked a meeting with you.".to_owned(),
            calendar_ics: Some("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n".to_owned()),
        };

        let mut rolled_back = db.begin().await.unwrap();
        outbox::enqueue(&mut *rolled_back, &message("lost@example.com"), now).await.unwrap();
        rolled_back.rollback().await.unwrap();

        let mut committed = db.begin().await.unwrap();
        let message_id = outbox::enqueue(&mut *committed, &message("kept@example.com"), now).await.unwrap();
        committed.commit().await.unwrap();

        let queued = outbox::recent(db, 10).await.unwrap();
        assert_eq!(queued.len(), 1, "{backend:?}: {queued:?}");
        let kept = &queued[0];
        assert_eq!(kept.message_id, message_id);
        assert_eq!(kept.recipient, "kept@example.com");
        assert_eq!(kept.calendar_ics.as_deref(), Some("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"));
        assert_eq!((kept.attempts, kept.sent_at, kept.created_at), (0, None, now));

        database.close().await;
        test_database.drop_database().await;
    }
}

#[tokio::test]
async fn sessions_end_after_a_week_idle_or_a_month_in_all() {
    use app::db::sessions;
    use chrono::Duration;
    for backend in BACKENDS {
        let test_database = TestDatabase::create(backend).await;
        let database = test_database.connect().await;
        let db = database.pool();
        let start = Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap();
        let host = users::upsert_from_google(db, &profile("111", "ada@example.com"), start).await.unwrap();

        sessions::create(db, "idle", host.user_id, start).await.unwrap();
        assert!(sessions::find_live(db, "idle", start + Duration::days(6)).await.unwrap().is_some());
        // Used on day 6, so alive on day 12; then a week of silence ends it.
        assert!(sessions::find_live(db, "idle", start + Duration::days(12)).await.unwrap().is_some());
        assert!(
            sessions::find_live(db, "idle", start + Duration::days(20)).await.unwrap().is_none(),
            "{backend:?}"
        );

        sessions::create(db, "busy", host.user_id, start).await.unwrap();
        for day in (1..=29).step_by(2) {
            assert!(sessions::find_live(db, "busy", start + Duration::days(day)).await.unwrap().is_some());
        }
        assert!(
            sessions::find_live(db, "busy", start + Duration::days(31)).await.unwrap().is_none(),
            "{backend:?}"
        );
        let left: i64 = sqlx::query_scalar("select count(*) from sessions").fetch_one(db).await.unwrap();
        assert_eq!(left, 0, "{backend:?}: ended sessions are deleted");

        database.close().await;
        test_database.drop_database().await;
    }
}

fn booking(host_user_id: i64, uid: &str, start_minute: i64, minutes: i64) -> app::db::bookings::NewBooking {
    let base = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
    app::db::bookings::NewBooking {
        host_user_id,
        uid: uid.to_owned(),
        starts_at: base + chrono::Duration::minutes(start_minute),
        ends_at: base + chrono::Duration::minutes(start_minute + minutes),
        visitor_name: "Bob".to_owned(),
        visitor_email: "bob@example.net".to_owned(),
        visitor_time_zone: "America/New_York".to_owned(),
        note: "<script>alert(1)</script>".to_owned(),
        delivery: app::db::bookings::Delivery::Email,
        keeps_clear: (
            base + chrono::Duration::minutes(start_minute),
            base + chrono::Duration::minutes(start_minute + minutes),
        ),
        google_job: None,
        daily_limit: None,
        meeting_type_id: None,
        location: None,
        conference: None,
        answers: Vec::new(),
    }
}

/// Two visitors booking adjacent times of a host with buffers: the buffers
/// are checked inside the transaction too, so the second is refused even
/// when both passed the check before it at once.
#[tokio::test]
async fn a_booking_keeps_its_buffers_clear_inside_the_transaction() {
    use app::db::bookings::{self, BookingError};
    for backend in BACKENDS {
        let test_database = TestDatabase::create(backend).await;
        let database = test_database.connect().await;
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap();
        let host = users::upsert_from_google(database.pool(), &profile("111", "ada@example.com"), now)
            .await
            .unwrap();
        let buffered = |uid: &str, start_minute: i64| {
            let mut new = booking(host.user_id, uid, start_minute, 30);
            new.keeps_clear =
                (new.starts_at - chrono::Duration::minutes(10), new.ends_at + chrono::Duration::minutes(10));
            new
        };
        bookings::create(database.pool(), backend, &buffered("first", 0), |_| Vec::new(), now).await.unwrap();
        let adjacent =
            bookings::create(database.pool(), backend, &buffered("adjacent", 30), |_| Vec::new(), now).await;
        assert!(matches!(adjacent, Err(BookingError::Taken)), "{backend:?}: {adjacent:?}");
        let clear_of_the_buffers =
            bookings::create(database.pool(), backend, &buffered("later", 50), |_| Vec::new(), now).await;
        assert!(clear_of_the_buffers.is_ok(), "{backend:?}: {clear_of_the_buffers:?}");
        database.close().await;
        test_database.drop_database().await;
    }
}

#[tokio::test]
async fn many_visitors_racing_for_one_slot_get_exactly_one_booking() {
    use app::db::bookings::{self, BookingError};
    for backend in BACKENDS {
        let test_database = TestDatabase::create(backend).await;
        let database = test_database.connect().await;
        let now = Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap();
        let host = users::upsert_from_google(database.pool(), &profile("111", "ada@example.com"), now)
            .await
            .unwrap();
        let mail = |who: &str| NewMessage {
            recipient: who.to_owned(),
            subject: "Invitation".to_owned(),
            body_text: "You booked a meeting.".to_owned(),
            calendar_ics: None,
        };

        let mut racers = tokio::task::JoinSet::new();
        for visitor in 0..20 {
            let database = database.clone();
            let new = booking(host.user_id, &format!("uid-{visitor}"), 0, 30);
            let mail = [mail("ada@example.com"), mail(&format!("visitor{visitor}@example.net"))];
            racers.spawn(async move {
                bookings::create(database.pool(), database.backend(), &new, |_| mail.to_vec(), now).await
            });
        }
        let results = racers.join_all().await;
        let booked = results.iter().filter(|result| result.is_ok()).count();
        let taken = results.iter().filter(|result| matches!(result, Err(BookingError::Taken))).count();
        assert_eq!((booked, taken), (1, 19), "{backend:?}: {results:?}");
        let queued = outbox::recent(database.pool(), 100).await.unwrap();
        assert_eq!(queued.len(), 2, "{backend:?}: only the winner's invitations are queued");

        // An overlapping booking of another length is refused too; the next
        // slot is free. Notes are stored as given, as text.
        let overlapping = bookings::create(
            database.pool(),
            backend,
            &booking(host.user_id, "uid-x", 15, 45),
            |_| Vec::new(),
            now,
        )
        .await;
        assert!(matches!(overlapping, Err(BookingError::Taken)), "{backend:?}");
        let next = bookings::create(
            database.pool(),
            backend,
            &booking(host.user_id, "uid-y", 30, 30),
            |_| Vec::new(),
            now,
        )
        .await
        .unwrap();
        assert_eq!(next.note, "<script>alert(1)</script>");
        let busy = bookings::overlapping(
            database.pool(),
            host.user_id,
            next.starts_at - chrono::Duration::hours(1),
            next.ends_at,
        )
        .await
        .unwrap();
        assert_eq!(busy.len(), 2);

        database.close().await;
        test_database.drop_database().await;
    }
}
