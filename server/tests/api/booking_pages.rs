//! The booking flow as a browser without JavaScript meets it: server-rendered
//! pages, a plain form post, redirects; and the host's dashboard.

use std::time::Duration;

use app::db::{
    changes::{self, HostChange},
    users, Backend,
};

use crate::{
    booking::{ada_takes_bookings, ada_user_id, next_month, page, slots},
    helpers::{Cookies, TestApp},
};

/// Posts the booking form the way a browser without JavaScript does: form
/// encoded, accepting HTML, from the page it was on.
async fn post_form(app: &TestApp, start: i64, email: &str, from: &str) -> reqwest::Response {
    let start = start.to_string();
    app.client
        .post(format!("{}/api/book", app.address))
        .header("accept", "text/html,application/xhtml+xml")
        .header("referer", format!("{}{from}", app.address))
        .form(&[
            ("username", "ada"),
            ("start", start.as_str()),
            ("tz", "America/New_York"),
            ("name", "Nora <b>Noscript</b>"),
            ("email", email),
            ("note", "<script>alert(1)</script>"),
        ])
        .send()
        .await
        .unwrap()
}

fn location(response: &reqwest::Response) -> String {
    response.headers()["location"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_form_post_without_javascript_leads_to_the_confirmation_page() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    ada_takes_bookings(&app).await;
    let start = slots(&page(&app, "America/New_York").await)[0].0;
    let from = format!("/ada?tz=America/New_York&slot={start}");

    let booked = post_form(&app, start, "nora@example.net", &from).await;
    assert_eq!(booked.status(), 302);
    let confirmation_page = location(&booked);
    assert!(confirmation_page.starts_with("/bookings/"), "{confirmation_page}");

    let html = app.get(&confirmation_page).await;
    assert_eq!(html.status(), 200);
    let html = html.text().await.unwrap();
    assert!(html.contains("You&#x27;re booked") || html.contains("You're booked"), "{html}");
    assert!(html.contains("America/New_York") && html.contains("Europe/London"), "both clocks");
    let (uid, query) =
        confirmation_page.trim_start_matches("/bookings/").split_once('?').expect("the manage key");
    let key = query.split('&').find_map(|pair| pair.strip_prefix("key=")).expect("key=");
    assert!(html.contains(&format!("/booking/{uid}/invite.ics?key={key}")), "{html}");
    // The page carries the way to move or cancel the booking.
    assert!(
        html.contains(r#"data-testid="reschedule""#) && html.contains(r#"data-testid="cancel-booking""#),
        "{html}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_failed_form_post_comes_back_to_the_page_with_its_reason() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    ada_takes_bookings(&app).await;
    let start = slots(&page(&app, "America/New_York").await)[1].0;
    let from = format!("/ada?tz=America/New_York&slot={start}");
    assert_eq!(post_form(&app, start, "first@example.net", &from).await.status(), 302);

    let second = post_form(&app, start, "second@example.net", &from).await;
    assert_eq!(second.status(), 302);
    let back = location(&second);
    assert!(back.contains("/ada?") && back.contains("__err="), "{back}");
    let back = back.trim_start_matches(&app.address).to_owned();
    let html = app.get(&back).await;
    assert_eq!(html.status(), 200, "the page itself is fine; the error is about the booking");
    let html = html.text().await.unwrap();
    let shown = html.find("booking-error").map(|at| &html[at..(at + 400).min(html.len())]);
    assert!(html.contains("just taken"), "the reason is on the page: {back} {shown:?}");
    app.stop().await;
}

#[tokio::test]
async fn the_booking_page_ships_only_its_islands_to_the_browser() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    ada_takes_bookings(&app).await;
    let start = slots(&page(&app, "Asia/Tokyo").await)[0].0;
    let day = chrono::DateTime::from_timestamp(start, 0).unwrap().with_timezone(&chrono_tz::Asia::Tokyo);
    let html = app
        .get(&format!(
            "/ada?tz=Asia/Tokyo&month={}&day={}&slot={start}",
            day.format("%Y-%m"),
            day.format("%Y-%m-%d")
        ))
        .await;
    assert_eq!(html.status(), 200);
    let html = html.text().await.unwrap();
    assert!(html.contains("/pkg/bookmate.js"), "the island loader, naming the script to load: {html}");
    // The month grid and times are plain HTML; the form is the one island
    // (the zone is in the address, so no zone detector, and a visitor is
    // signed out, so no ReauthProvider).
    let islands: Vec<&str> =
        html.match_indices("<leptos-island").map(|(at, _)| &html[at..(at + 80).min(html.len())]).collect();
    assert_eq!(islands.len(), 2, "the form and the hydration mark: {islands:#?}");
    assert!(islands[0].contains("BookingForm"), "{islands:#?}");
    assert!(html.contains(r#"action="/api/book""#), "a real form post: {html}");
    app.stop().await;
}

/// The data-component of each island on a page, `HydrationMark_123…`.
fn islands(html: &str) -> Vec<&str> {
    html.split(r#"<leptos-island data-component=""#)
        .skip(1)
        .map(|rest| &rest[..rest.find('"').unwrap()])
        .collect()
}

#[tokio::test]
async fn a_visitors_first_view_has_no_island_to_load_and_finds_the_zone_with_a_nonced_script() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    ada_takes_bookings(&app).await;

    let first = app.get("/ada").await;
    assert_eq!(first.status(), 200);
    let policy = first.headers()["content-security-policy"].to_str().unwrap().to_owned();
    let nonce = policy.split("'nonce-").nth(1).expect("a nonce").split('\'').next().unwrap().to_owned();
    let html = first.text().await.unwrap();
    let detector = html.find("resolvedOptions().timeZone").expect("the zone detector");
    let opening = &html[html[..detector].rfind("<script").unwrap()..detector];
    assert!(opening.contains(&format!(r#"nonce="{nonce}""#)), "{opening}");
    let marks = islands(&html);
    assert!(marks.len() == 1 && marks[0].starts_with("HydrationMark_"), "only the mark: {marks:?}");

    // The same page in the visitor's zone: no detector, and a day's times are
    // plain links too.
    let month = next_month("Asia/Tokyo");
    let in_zone = app.get(&format!("/ada?tz=Asia/Tokyo&month={month}")).await.text().await.unwrap();
    assert!(!in_zone.contains("resolvedOptions"), "the zone is known");
    assert_eq!(islands(&in_zone).len(), 1, "{in_zone}");
    let day = in_zone.split("&amp;day=").nth(1).expect("a day with times")[..10].to_owned();
    let day_page =
        app.get(&format!("/ada?tz=Asia/Tokyo&month={month}&day={day}")).await.text().await.unwrap();
    assert!(day_page.contains(r#"data-testid="time""#), "{day_page}");
    assert_eq!(islands(&day_page).len(), 1, "{day_page}");
    app.stop().await;
}

#[tokio::test]
async fn every_visitor_of_a_month_gets_the_card_of_the_day_they_chose() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    ada_takes_bookings(&app).await;
    let address = format!("/ada?tz=Asia/Tokyo&month={}", next_month("Asia/Tokyo"));
    let month = app.get(&address).await.text().await.unwrap();
    let days: Vec<&str> = month.split("&amp;day=").skip(1).map(|rest| &rest[..10]).collect();
    assert!(days.len() >= 2, "{month}");
    let chosen = |html: &str| {
        let at = html.find(r#"aria-current="date""#)?;
        let rest = &html[at..];
        Some(rest[rest.find("&amp;day=")? + 9..][..10].to_owned())
    };
    assert_eq!(chosen(&month), None, "the month alone: no day chosen");
    // Each twice: the second is the card kept from the first.
    for day in [days[0], days[days.len() - 1], days[0]] {
        for _ in 0..2 {
            let html = app.get(&format!("{address}&day={day}")).await.text().await.unwrap();
            assert_eq!(chosen(&html).as_deref(), Some(day), "{html}");
        }
    }
    // A day the month does not have is shown as no day, and kept nowhere.
    let unknown = app.get(&format!("{address}&day=1999-01-01")).await.text().await.unwrap();
    assert_eq!(chosen(&unknown), None);
    assert!(unknown.contains("Pick a day to see its times."), "{unknown}");
    app.stop().await;
}

#[tokio::test]
async fn unknown_bookings_are_a_real_404() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let response = app.get("/bookings/not-a-booking@bookmate").await;
    assert_eq!(response.status(), 404);
    app.stop().await;
}

#[tokio::test]
async fn the_host_sees_upcoming_bookings_on_the_dashboard_and_visitors_words_as_text() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let app = TestApp::spawn(backend).await;
        let mut ada = ada_takes_bookings(&app).await;
        let empty = app.browse_page("/dashboard", &mut ada).await;
        assert_eq!(empty.status(), 200, "{backend:?}");
        let empty = empty.text().await.unwrap();
        assert!(empty.contains("No upcoming bookings yet"), "{backend:?}: {empty}");

        let offered = slots(&page(&app, "America/New_York").await);
        for (start, email) in [(offered[3].0, "later@example.net"), (offered[0].0, "sooner@example.net")] {
            let from = format!("/ada?slot={start}");
            assert_eq!(post_form(&app, start, email, &from).await.status(), 302, "{backend:?}");
        }
        let html = app.browse_page("/dashboard", &mut ada).await;
        assert_eq!(html.status(), 200, "{backend:?}");
        let html = html.text().await.unwrap();
        let (sooner, later) =
            (html.find("sooner@example.net").unwrap(), html.find("later@example.net").unwrap());
        assert!(sooner < later, "soonest first");
        assert!(html.contains("Invited by email"));
        assert!(!html.contains("<script>alert(1)</script>"), "notes are text, not HTML");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{html}");
        assert!(!html.contains("<b>Noscript</b>"));

        let stranger = app.get("/dashboard").await.text().await.unwrap();
        assert!(stranger.contains("Please sign in to see your bookings"));
        assert!(!stranger.contains("sooner@example.net"), "{backend:?}: bookings are the host's alone");
        let mut other_host = app.sign_in("grace@example.com").await;
        let other = app.browse_page("/dashboard", &mut other_host).await;
        assert_eq!(other.status(), 200, "{backend:?}: Grace's own, empty dashboard");
        let other = other.text().await.unwrap();
        assert!(!other.contains("sooner@example.net"), "{backend:?}");
        app.stop().await;
    }
}

async fn ada_renames_herself(app: &TestApp, ada: &Cookies, display_name: &str) {
    let renamed = app
        .server_fn_form(
            "save_profile",
            &[("display_name", display_name), ("username", "ada"), ("time_zone", "Europe/London")],
            ada,
        )
        .await;
    assert_eq!(renamed.status(), 200);
}

#[tokio::test]
async fn a_hosts_change_shows_on_the_booking_page_at_once_despite_the_caches() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let ada = ada_takes_bookings(&app).await;
    assert_eq!(page(&app, "UTC").await["status"], "Open", "the caches are warm now");
    // The page as rendered, whose card is kept for its minute.
    let address = format!("/ada?tz=UTC&month={}", next_month("UTC"));
    let rendered = || {
        let (app, address) = (&app, &address);
        async move { app.get(address).await.text().await.unwrap() }
    };
    let open = rendered().await;
    assert!(open.contains(r#"data-testid="available-day""#), "{open}");
    assert!(open.contains(r#"data-testid="host-name">Ada Lovelace<"#));

    let closed = serde_json::json!({ "form": {
        "days": [[], [], [], [], [], [], []],
        "meeting_minutes": 30, "buffer_before_minutes": 0, "buffer_after_minutes": 0,
        "minimum_notice_minutes": 60, "horizon_days": 60,
    }});
    let saved = app.server_fn_json("save_availability", closed, &ada).await;
    assert_eq!(saved.status(), 200);
    let view = page(&app, "UTC").await;
    assert_eq!(view["status"], "NotTakingBookings", "{view}");
    assert!(slots(&view).is_empty());
    let closed = rendered().await;
    assert!(closed.contains("is not taking bookings right now"), "{closed}");
    assert!(!closed.contains(r#"data-testid="available-day""#));

    ada_renames_herself(&app, &ada, "Augusta Ada King").await;
    assert_eq!(page(&app, "UTC").await["host_name"], "Augusta Ada King");
    let html = rendered().await;
    assert!(html.contains(r#"data-testid="host-name">Augusta Ada King<"#), "{html}");
    app.stop().await;
}

async fn next_change(heard: &mut tokio::sync::mpsc::UnboundedReceiver<HostChange>) -> Option<HostChange> {
    tokio::time::timeout(Duration::from_secs(5), heard.recv()).await.expect("heard within 5 s")
}

#[tokio::test]
async fn on_postgresql_a_hosts_change_reaches_every_process_sharing_the_database() {
    let app = TestApp::spawn(Backend::Postgres).await;
    let ada = ada_takes_bookings(&app).await;
    let pool = app.pool().await;
    let ada_id = ada_user_id(&pool).await;

    // What this process tells the others: a change of Ada's.
    let (heard_tx, mut heard) = tokio::sync::mpsc::unbounded_channel();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let url = app.database.url.clone();
    let listening = tokio::spawn(async move {
        let stopped = async {
            stopped.await.ok();
        };
        let heard = move |change| {
            heard_tx.send(change).ok();
        };
        changes::listen_for_host_changes(&url, heard, stopped).await;
    });
    assert_eq!(next_change(&mut heard).await, Some(HostChange::Unknown), "listening, nothing known yet");
    ada_renames_herself(&app, &ada, "Augusta Ada King").await;
    assert_eq!(next_change(&mut heard).await, Some(HostChange::Host(ada_id)));

    // What this process hears from the others: their change, at once, though
    // its own caches are warm.
    assert_eq!(page(&app, "UTC").await["host_name"], "Augusta Ada King");
    users::update_profile(&pool, ada_id, "Ada Byron", "ada", "Europe/London", chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(page(&app, "UTC").await["host_name"], "Augusta Ada King", "still cached, unannounced");
    changes::announce_host_changed(&pool, ada_id).await.unwrap();
    let shown = async {
        loop {
            let name = page(&app, "UTC").await["host_name"].clone();
            if name == "Ada Byron" {
                break name;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    assert_eq!(
        tokio::time::timeout(Duration::from_secs(2), shown).await.expect("shown within 2 s"),
        "Ada Byron"
    );

    stop.send(()).ok();
    listening.await.unwrap();
    app.stop().await;
}
