//! Hours by date and daily limits, end to end: a day off, a week off and a
//! day of other hours change exactly their times on the booking page; bad
//! entries are refused and change nothing; a daily limit holds exactly when
//! visitors race; hosts from before these settings keep their page.

use std::net::{IpAddr, Ipv4Addr};

use app::db::{host_settings, Database};
use chrono::{NaiveDate, TimeZone as _};
use serde_json::{json, Value};

use crate::{
    booking::{
        ada_takes_bookings, ada_user_id, book, booking_rows, event_in_google, next_month, page, slots, ADA,
    },
    helpers::{Cookies, TestApp, TestDatabase, BACKENDS},
};

const LONDON: chrono_tz::Tz = chrono_tz::Europe::London;

/// Day `day` of next month (in London, Ada's zone), as an ISO date.
fn date_next_month(day: u32) -> String {
    format!("{}-{day:02}", next_month("Europe/London"))
}

async fn add_entry(app: &TestApp, ada: &Cookies, first: &str, last: &str, hours: Value) -> reqwest::Response {
    app.server_fn_json(
        "add_date_override",
        json!({ "first_day": first, "last_day": last, "hours": hours }),
        ada,
    )
    .await
}

/// The London dates of the slots Ada's page offers next month, with how
/// many slots each has.
fn slots_by_london_day(view: &Value) -> std::collections::BTreeMap<String, Vec<String>> {
    let mut days = std::collections::BTreeMap::<String, Vec<String>>::new();
    for (start, _) in slots(view) {
        let local = chrono::Utc.timestamp_opt(start, 0).unwrap().with_timezone(&LONDON);
        days.entry(local.format("%Y-%m-%d").to_string()).or_default().push(local.format("%H:%M").to_string());
    }
    days
}

#[tokio::test]
async fn a_day_off_a_week_off_and_a_day_of_other_hours_change_exactly_their_times() {
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let ada = ada_takes_bookings(&app).await;
        let before = slots_by_london_day(&page(&app, "Europe/London").await);
        assert!(before.contains_key(&date_next_month(10)), "{backend:?}: open around the clock");

        let day_off = add_entry(&app, &ada, &date_next_month(10), "", json!([])).await;
        assert_eq!(day_off.status(), 200, "{backend:?}: {}", day_off.text().await.unwrap());
        let week_off = add_entry(&app, &ada, &date_next_month(20), &date_next_month(26), json!([])).await;
        assert_eq!(week_off.status(), 200, "{backend:?}");
        let short_day = add_entry(&app, &ada, &date_next_month(15), "", json!([["09:00", "10:00"]])).await;
        assert_eq!(short_day.status(), 200, "{backend:?}");
        let entries: Value = short_day.json().await.unwrap();
        assert_eq!(entries.as_array().unwrap().len(), 3, "{backend:?}: {entries}");

        let after = slots_by_london_day(&page(&app, "Europe/London").await);
        let off: Vec<String> = [10].into_iter().chain(20..=26).map(date_next_month).collect();
        for (day, times) in &before {
            if off.contains(day) {
                assert!(!after.contains_key(day), "{backend:?}: {day} is off: {:?}", after.get(day));
            } else if *day == date_next_month(15) {
                assert_eq!(after[day], ["09:00", "09:30"], "{backend:?}: other hours replace the week's");
            } else {
                assert_eq!(after.get(day), Some(times), "{backend:?}: {day} is untouched");
            }
        }
        // A visitor in New York sees the short day on their clock.
        let new_york = page(&app, "America/New_York").await;
        let short_day_slots: Vec<String> = slots(&new_york)
            .into_iter()
            .filter(|(start, _)| {
                let local = chrono::Utc.timestamp_opt(*start, 0).unwrap().with_timezone(&LONDON);
                local.format("%Y-%m-%d").to_string() == date_next_month(15)
            })
            .map(|(_, label)| label)
            .collect();
        assert_eq!(short_day_slots.len(), 2, "{backend:?}: {short_day_slots:?}");

        // The day off cannot be booked, even by a visitor who knows the time.
        let noon_day_off =
            NaiveDate::parse_from_str(&date_next_month(10), "%Y-%m-%d").unwrap().and_hms_opt(12, 0, 0);
        let noon = LONDON.from_local_datetime(&noon_day_off.unwrap()).unwrap().timestamp();
        assert_eq!(book(&app, noon, "bob@example.net").await.status(), 409, "{backend:?}");
        assert_eq!(booking_rows(&app.pool().await).await, 0, "{backend:?}");

        // Removing the day off gives its times back.
        let day_off_id = entries[0]["override_id"].as_i64().unwrap();
        assert_eq!(entries[0]["first_day"], date_next_month(10), "{backend:?}: earliest first");
        let removed = app
            .server_fn_form("remove_date_override", &[("override_id", &day_off_id.to_string())], &ada)
            .await;
        assert_eq!(removed.status(), 200, "{backend:?}");
        let restored = slots_by_london_day(&page(&app, "Europe/London").await);
        assert_eq!(restored.get(&date_next_month(10)), before.get(&date_next_month(10)), "{backend:?}");
        assert_eq!(book(&app, noon, "bob@example.net").await.status(), 200, "{backend:?}");
        app.stop().await;
    }
}

#[tokio::test]
async fn bad_date_entries_are_refused_clearly_and_change_nothing() {
    let app = TestApp::spawn(app::db::Backend::Sqlite).await;
    let ada = ada_takes_bookings(&app).await;
    let first = add_entry(&app, &ada, &date_next_month(20), &date_next_month(26), json!([])).await;
    assert_eq!(first.status(), 200);
    let listed_before: Value = first.json().await.unwrap();
    let before = page(&app, "Europe/London").await;

    let yesterday =
        (chrono::Utc::now().with_timezone(&LONDON).date_naive() - chrono::Days::new(1)).to_string();
    let cases = [
        ("overlapping", date_next_month(24), String::new(), json!([]), "already have an entry"),
        ("backwards", date_next_month(12), date_next_month(11), json!([]), "must not be before"),
        ("malformed", "12/24/2026".to_owned(), String::new(), json!([]), "Write dates as"),
        ("passed", yesterday, String::new(), json!([]), "have passed"),
        (
            "end before start",
            date_next_month(12),
            String::new(),
            json!([["12:00", "09:00"]]),
            "after the start",
        ),
        (
            "hours overlap",
            date_next_month(12),
            String::new(),
            json!([["09:00", "12:00"], ["11:00", "13:00"]]),
            "overlap",
        ),
        ("not a time", date_next_month(12), String::new(), json!([["nine", "ten"]]), "09:00"),
        ("too long", date_next_month(1), "2099-01-01".to_owned(), json!([]), "at most 366 days"),
    ];
    for (case, first_day, last_day, hours, says) in cases {
        let refused = add_entry(&app, &ada, &first_day, &last_day, hours).await;
        assert_eq!(refused.status(), 422, "{case}");
        let message = refused.text().await.unwrap();
        assert!(message.contains(says), "{case}: {message}");
    }
    // Another host cannot remove Ada's entry, nor learn it exists.
    let grace = app.sign_in("grace@example.com").await;
    let id = listed_before[0]["override_id"].as_i64().unwrap();
    let foreign =
        app.server_fn_form("remove_date_override", &[("override_id", &id.to_string())], &grace).await;
    assert_eq!(foreign.status(), 404);
    let anonymous = app
        .server_fn_json(
            "add_date_override",
            json!({ "first_day": date_next_month(3), "last_day": "", "hours": [] }),
            &Cookies::default(),
        )
        .await;
    assert_eq!(anonymous.status(), 401);

    let settings: Value = app.server_fn_form("get_settings", &[], &ada).await.json().await.unwrap();
    assert_eq!(settings["date_overrides"], listed_before, "nothing was added or removed");
    assert_eq!(slots(&page(&app, "Europe/London").await), slots(&before), "the page is as it was");
    app.stop().await;
}

/// Ada's availability form with a daily limit on top of the all-day week.
async fn ada_limits_her_days(app: &TestApp, ada: &Cookies, meetings: i64, minutes: i64, counts_all: bool) {
    let all_day = json!([["00:00", "24:00"]]);
    let form = json!({ "form": {
        "days": [all_day, all_day, all_day, all_day, all_day, all_day, all_day],
        "meeting_minutes": 30, "buffer_before_minutes": 0, "buffer_after_minutes": 0,
        "minimum_notice_minutes": 60, "horizon_days": 60,
        "daily_limit_meetings": meetings, "daily_limit_minutes": minutes, "daily_limit_counts_all_busy": counts_all,
    }});
    let saved = app.server_fn_json("save_availability", form, ada).await;
    assert_eq!(saved.status(), 200, "{}", saved.text().await.unwrap());
}

#[tokio::test]
async fn a_daily_limit_holds_exactly_when_visitors_race_for_different_times_of_one_day() {
    const VISITORS: u8 = 8;
    for backend in BACKENDS {
        let app = TestApp::spawn(backend).await;
        let ada = ada_takes_bookings(&app).await;
        ada_limits_her_days(&app, &ada, 2, 0, false).await;
        let day = date_next_month(12);
        let times: Vec<i64> = slots(&page(&app, "Europe/London").await)
            .into_iter()
            .map(|(start, _)| start)
            .filter(|start| {
                chrono::Utc
                    .timestamp_opt(*start, 0)
                    .unwrap()
                    .with_timezone(&LONDON)
                    .format("%Y-%m-%d")
                    .to_string()
                    == day
            })
            .take(usize::from(VISITORS))
            .collect();
        assert_eq!(times.len(), usize::from(VISITORS), "{backend:?}");

        let mut racers = tokio::task::JoinSet::new();
        for (visitor, start) in (0..VISITORS).zip(times) {
            let client = reqwest::Client::builder()
                .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 1, 2 + visitor)))
                .build()
                .unwrap();
            let url = format!("{}/api/book", app.address);
            racers.spawn(async move {
                let form = [
                    ("username", "ada".to_owned()),
                    ("start", start.to_string()),
                    ("tz", "UTC".to_owned()),
                    ("name", "Racer".to_owned()),
                    ("email", format!("racer{visitor}@example.net")),
                    ("note", String::new()),
                ];
                client.post(url).form(&form).send().await.expect("answered").status().as_u16()
            });
        }
        let statuses = racers.join_all().await;
        assert_eq!(statuses.iter().filter(|status| **status == 200).count(), 2, "{backend:?}: {statuses:?}");
        assert_eq!(statuses.iter().filter(|status| **status == 409).count(), 6, "{backend:?}: {statuses:?}");
        assert_eq!(booking_rows(&app.pool().await).await, 2, "{backend:?}");
        let after = slots_by_london_day(&page(&app, "Europe/London").await);
        assert!(!after.contains_key(&day), "{backend:?}: the day is full");
        assert!(after.contains_key(&date_next_month(13)), "{backend:?}: the next day is not");
        app.stop().await;
    }
}

#[tokio::test]
async fn a_daily_limit_of_hours_counts_google_busy_time_only_when_the_host_asks() {
    let app = TestApp::spawn(app::db::Backend::Sqlite).await;
    let ada = ada_takes_bookings(&app).await;
    let day = date_next_month(14);
    let at = |hour: u32| {
        let local = NaiveDate::parse_from_str(&day, "%Y-%m-%d").unwrap().and_hms_opt(hour, 0, 0).unwrap();
        LONDON.from_local_datetime(&local).unwrap().timestamp()
    };
    // Three hours of other appointments in Google, 09:00–12:00.
    event_in_google(&app, ADA, "Workshop", at(9), 180);
    ada_limits_her_days(&app, &ada, 0, 210, false).await;
    let open = slots_by_london_day(&page(&app, "Europe/London").await);
    assert_eq!(open[&day].len(), 48 - 6, "only BookMate's meetings count: the day stays open");

    ada_limits_her_days(&app, &ada, 0, 210, true).await;
    let counted = slots_by_london_day(&page(&app, "Europe/London").await);
    assert_eq!(counted[&day].len(), 42, "half an hour left: each free slot still fits once");
    assert_eq!(book(&app, at(14), "bob@example.net").await.status(), 200);
    let full = slots_by_london_day(&page(&app, "Europe/London").await);
    assert!(!full.contains_key(&day), "three and a half hours reached: {:?}", full.get(&day));
    assert_eq!(book(&app, at(15), "carol@example.net").await.status(), 409);

    let too_short = json!({ "form": {
        "days": [[], [], [], [], [], [], [["09:00", "17:00"]]],
        "meeting_minutes": 60, "buffer_before_minutes": 0, "buffer_after_minutes": 0,
        "minimum_notice_minutes": 60, "horizon_days": 60, "daily_limit_minutes": 30,
    }});
    let refused = app.server_fn_json("save_availability", too_short, &ada).await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("shorter than one meeting"));
    app.stop().await;
}

#[tokio::test]
async fn hosts_from_before_dates_and_limits_keep_their_page_and_their_busy_calendars() {
    for backend in BACKENDS {
        let test_database = TestDatabase::create(backend).await;
        let database = Database::connect(&test_database.url).await.unwrap();
        database.migrate_to(7).await.unwrap();
        let pool = database.pool();
        let mut user_ids = Vec::new();
        for (email, calendars) in
            [("old@example.com", "[]"), ("chose@example.com", r#"["team@example.com"]"#)]
        {
            let user_id: i64 = sqlx::query_scalar(
                "insert into users (google_sub, email, display_name, username, time_zone, created_at, updated_at) \
                 values ($1, $1, 'Old Host', $2, 'Europe/London', 0, 0) returning user_id",
            )
            .bind(email)
            .bind(email.split('@').next().unwrap())
            .fetch_one(pool)
            .await
            .unwrap();
            sqlx::query(
                "insert into host_settings (user_id, availability_json, meeting_minutes, buffer_before_minutes, \
                     buffer_after_minutes, minimum_notice_minutes, horizon_days, busy_calendar_ids_json, updated_at) \
                 values ($1, '[[{\"start_minute\":540,\"end_minute\":1020}],[],[],[],[],[],[]]', 45, 5, 10, 60, 30, $2, 0)",
            )
            .bind(user_id)
            .bind(calendars)
            .execute(pool)
            .await
            .unwrap();
            user_ids.push(user_id);
        }
        database.migrate().await.unwrap();

        let never_chose = host_settings::find(pool, user_ids[0]).await.unwrap().unwrap();
        assert_eq!(never_chose.busy_calendars(), ["primary"], "{backend:?}");
        assert!(!never_chose.busy_calendars_chosen, "{backend:?}");
        assert_eq!(never_chose.meeting_minutes, 45, "{backend:?}");
        assert_eq!(
            never_chose.rules().slot_interval,
            chrono::Duration::minutes(45),
            "{backend:?}: one meeting apart"
        );
        assert!(!never_chose.has_daily_limit(), "{backend:?}");
        assert!(never_chose.overrides.is_empty(), "{backend:?}");
        let chose = host_settings::find(pool, user_ids[1]).await.unwrap().unwrap();
        assert_eq!(chose.busy_calendars(), ["team@example.com"], "{backend:?}");
        assert!(chose.busy_calendars_chosen, "{backend:?}");
        database.close().await;
        test_database.drop_database().await;
    }
}

#[tokio::test]
async fn the_settings_page_ticks_the_primary_calendar_until_the_host_chooses_and_then_obeys_an_empty_choice()
{
    let app = TestApp::spawn(app::db::Backend::Sqlite).await;
    let ada = ada_takes_bookings(&app).await;
    let settings: Value = app.server_fn_form("get_settings", &[], &ada).await.json().await.unwrap();
    assert_eq!(settings["busy_calendar_ids"], Value::Null, "not chosen yet: the page ticks the primary");
    let pool = app.pool().await;
    let stored = host_settings::find(&pool, ada_user_id(&pool).await).await.unwrap().unwrap();
    assert_eq!(stored.busy_calendars(), ["primary"], "and the primary is what counts");

    // Ada unticks everything: nothing in Google makes her busy any more.
    let offered = slots(&page(&app, "UTC").await);
    event_in_google(&app, ADA, "In the primary calendar", offered[4].0, 30);
    let saved = app.server_fn_json("save_busy_calendars", json!({ "calendar_ids": [] }), &ada).await;
    assert_eq!(saved.status(), 200);
    let settings: Value = app.server_fn_form("get_settings", &[], &ada).await.json().await.unwrap();
    assert_eq!(settings["busy_calendar_ids"], json!([]), "the empty choice is shown as it is");
    assert!(slots(&page(&app, "UTC").await).iter().any(|(start, _)| *start == offered[4].0), "and obeyed");
    app.stop().await;
}
