//! Bounded whatever visitors send: months and zones checked before anything
//! is cached or fetched, and memory that stays put.

use app::db::Backend;

use crate::helpers::TestApp;

/// Resident memory of a process, from Linux's /proc.
fn resident_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("the process's status");
    let line = status.lines().find(|line| line.starts_with("VmRSS:")).expect("VmRSS");
    line.split_whitespace().nth(1).and_then(|kib| kib.parse().ok()).expect("VmRSS in kB")
}

/// Asks for the booking page of every (month, zone) pair, sixteen at a time;
/// returns how many were answered with each status.
async fn ask_for_pages(
    app: &TestApp,
    pairs: Vec<(String, String)>,
) -> std::collections::BTreeMap<u16, usize> {
    let queue = std::sync::Arc::new(std::sync::Mutex::new(pairs));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..16 {
        let queue = std::sync::Arc::clone(&queue);
        let client = app.client.clone();
        let url = format!("{}/api/booking_page", app.address);
        workers.spawn(async move {
            let mut statuses = Vec::new();
            loop {
                let Some((month, tz)) = queue.lock().unwrap().pop() else { break };
                let form = [("username", "ada"), ("month", month.as_str()), ("tz", tz.as_str())];
                let visitor: [u8; 3] = rand::random();
                let forwarded = format!("10.{}.{}.{}", visitor[0], visitor[1], visitor[2]);
                let answer = client
                    .post(&url)
                    .header("x-forwarded-for", forwarded)
                    .form(&form)
                    .send()
                    .await
                    .expect("an answer");
                statuses.push(answer.status().as_u16());
            }
            statuses
        });
    }
    let mut counted = std::collections::BTreeMap::new();
    while let Some(statuses) = workers.join_next().await {
        for status in statuses.unwrap() {
            *counted.entry(status).or_insert(0) += 1;
        }
    }
    counted
}

#[tokio::test]
async fn ten_thousand_months_and_zones_cost_little_memory_and_one_google_call_per_month_offered() {
    use chrono::{Datelike as _, Months, Utc};
    // Many visitors, as a reverse proxy on this machine forwards them: one
    // address would meet the read limit long before ten thousand pages.
    let app = TestApp::spawn_process(Backend::Sqlite, &[("BOOKMATE_TRUSTED_PROXIES", "127.0.0.1")]).await;
    crate::booking::ada_takes_bookings(&app).await; // sixty days ahead
    let today = Utc::now().date_naive();
    let this_month = today.with_day(1).unwrap();
    let month = |ahead: u32| (this_month + Months::new(ahead)).format("%Y-%m").to_string();
    let zones: Vec<String> = chrono_tz::TZ_VARIANTS.iter().map(|zone| zone.name().to_owned()).collect();
    // Warm the process (its threads, connections and allocator, the host, a
    // full month cache) with this month in every zone, before measuring.
    ask_for_pages(&app, zones.iter().map(|zone| (month(0), zone.clone())).collect()).await;
    let before = resident_kib(app.pid());

    let months: Vec<String> = [1, 2, 3, 4, 6, 12]
        .into_iter()
        .map(month)
        .chain(["2030-01", "2099-12", "9999-12", "1999-01"].map(str::to_owned))
        .chain(
            ["2026-13", "2026-00", "nope", "2026-1", "02026-01", "9999999-01", "2026-99"].map(str::to_owned),
        )
        .collect();
    let pairs: Vec<(String, String)> =
        zones.iter().flat_map(|zone| months.iter().map(move |month| (month.clone(), zone.clone()))).collect();
    assert!(pairs.len() >= 10_000, "{} pairs", pairs.len());
    let answered = ask_for_pages(&app, pairs).await;
    let after = resident_kib(app.pid());

    assert_eq!(answered.keys().copied().collect::<Vec<_>>(), [200, 422], "{answered:?}");
    assert!(
        after.saturating_sub(before) < 20 * 1024,
        "resident memory grew from {before} KiB to {after} KiB"
    );
    // The months a visitor anywhere may see within sixty days.
    let offered: std::collections::BTreeSet<(i32, u32)> = (-1..=61)
        .map(|days| today + chrono::Duration::days(days))
        .map(|day| (day.year(), day.month()))
        .collect();
    let freebusy = app.google.calls().get("freebusy").copied().unwrap_or(0);
    println!("{answered:?}: resident {before} KiB before, {after} KiB after; {freebusy} freebusy.query");
    assert!(
        (1..=offered.len() as u64).contains(&freebusy),
        "{freebusy} freebusy.query calls for {} months offered",
        offered.len()
    );
    app.stop().await;
}

#[tokio::test]
async fn a_month_or_zone_bookmate_cannot_show_is_refused_and_months_stop_at_the_horizon() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    crate::booking::ada_takes_bookings(&app).await; // sixty days ahead
    let visitor = crate::helpers::Cookies::default();
    for (month, tz, field) in
        [("2026-13", "UTC", "month"), ("next", "UTC", "month"), ("", "Mars/Olympus", "tz")]
    {
        let answer = app
            .server_fn_form("booking_page", &[("username", "ada"), ("month", month), ("tz", tz)], &visitor)
            .await;
        assert_eq!(answer.status(), 422, "{month} {tz}");
        let error: serde_json::Value = answer.json().await.unwrap();
        assert!(error["Validation"][field].is_string(), "{month} {tz}: {error}");
    }
    let page = app.get("/ada?month=nope&tz=UTC").await;
    assert_eq!(page.status(), 422);
    assert!(page.text().await.unwrap().contains("Months are written like 2026-12."));
    assert_eq!(app.get("/ada?tz=Mars%2FOlympus").await.status(), 422);

    // Far ahead: the last month the host's horizon reaches, with no way on.
    let far = app.get("/ada?month=9999-12&tz=UTC").await;
    assert_eq!(far.status(), 200);
    let html = far.text().await.unwrap();
    // (Either side of a minute that crosses midnight at a month's end.)
    let horizon = chrono::Utc::now() + chrono::Duration::days(60);
    let last = [horizon, horizon + chrono::Duration::minutes(2)].map(|day| day.format("%B %Y").to_string());
    assert!(last.iter().any(|month| html.contains(month)), "the page shows {last:?}");
    assert!(!html.contains("Next month"), "no month past the horizon is offered");
    assert!(html.contains("Previous month"));
    app.stop().await;
}
