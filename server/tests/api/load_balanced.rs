//! Two BookMate processes on one PostgreSQL database behind a real load
//! balancer (Debian's nginx, round robin), as the README's production setup
//! runs them: no sticky sessions, one booking per time, a host's change seen
//! by every process within a second, and each email sent once.

use std::{
    net::{IpAddr, Ipv4Addr},
    time::{Duration, Instant},
};

use app::db::outbox;
use serde_json::Value;

use crate::{
    booking::{ada_takes_bookings, booking_rows, next_month, page, slots, ADA},
    helpers::TestApp,
    mail::{free_port, start_smtp_server},
};

const VISITORS: u8 = 100;

/// A visitor's browser on a loopback address of its own (all of 127.0.0.0/8
/// is loopback on Linux), which the balancer forwards as the client's.
fn visitor(number: u8) -> reqwest::Client {
    reqwest::Client::builder().local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 1, number))).build().unwrap()
}

async fn book_through(client: &reqwest::Client, base: &str, start: i64, email: &str) -> (u16, String) {
    let start = start.to_string();
    let answer = client
        .post(format!("{base}/api/book"))
        .form(&[
            ("username", "ada"),
            ("start", start.as_str()),
            ("tz", "UTC"),
            ("name", "Racer"),
            ("email", email),
            ("note", ""),
        ])
        .send()
        .await
        .expect("answered");
    (answer.status().as_u16(), answer.text().await.unwrap())
}

/// The host's name on Ada's booking page as one process serves it.
async fn host_name_at(process: &str) -> String {
    let month = next_month("UTC");
    let answer = reqwest::Client::new()
        .post(format!("{process}/api/booking_page"))
        .form(&[("username", "ada"), ("tz", "UTC"), ("month", month.as_str())])
        .send()
        .await
        .unwrap();
    let page: Value = answer.json().await.unwrap();
    page["host_name"].as_str().unwrap_or_default().to_owned()
}

/// The address a raw message was sent to, from `To: a@b` or `To: "A" <a@b>`.
fn recipient_of(message: &str) -> String {
    let to = message
        .lines()
        .find_map(|line| line.strip_prefix("To: "))
        .unwrap_or_else(|| panic!("no To: in {message}"));
    to.rsplit('<').next().unwrap_or_default().trim_end_matches('>').trim().to_owned()
}

#[tokio::test]
async fn a_hundred_visitors_racing_through_the_balancer_get_one_booking_and_ninety_nine_just_taken() {
    let smtp_port = free_port();
    let received = start_smtp_server(smtp_port).await;
    let smtp_url = format!("smtp://127.0.0.1:{smtp_port}");
    let app =
        TestApp::spawn_cluster(2, &[("BOOKMATE_TRUSTED_PROXIES", "127.0.0.1"), ("SMTP_URL", &smtp_url)])
            .await;
    // Signing in is three requests the balancer sends to either process.
    ada_takes_bookings(&app).await;
    let pool = app.pool().await;
    let open = slots(&page(&app, "UTC").await);
    let contested = open[5].0;

    let mut racers = tokio::task::JoinSet::new();
    for number in 0..VISITORS {
        let (client, base) = (visitor(number + 2), app.address.clone());
        racers.spawn(async move {
            let email = format!("racer{number}@example.net");
            let (status, message) = book_through(&client, &base, contested, &email).await;
            (status, message, email)
        });
    }
    let answers = racers.join_all().await;
    let winners: Vec<_> = answers.iter().filter(|(status, ..)| *status == 200).collect();
    let just_taken =
        answers.iter().filter(|(status, message, _)| *status == 409 && message.contains("just taken"));
    assert_eq!(winners.len(), 1, "exactly one booking: {answers:?}");
    assert_eq!(just_taken.count(), usize::from(VISITORS) - 1, "the others are told: {answers:?}");
    let served_by = app.balancer().upstreams_of("POST", "/api/book");
    assert_eq!(served_by.len(), usize::from(VISITORS));
    for process in &app.process_addresses {
        let upstream = process.trim_start_matches("http://");
        let share = served_by.iter().filter(|answered| answered.as_str() == upstream).count();
        assert!(share >= 40, "{process} answered {share} of the {VISITORS} bookings: {served_by:?}");
    }
    assert_eq!(booking_rows(&pool).await, 1);

    // Ten more visitors book ten other times, through either process.
    for (number, (start, _)) in open.iter().skip(10).take(10).enumerate() {
        let email = format!("later{number}@example.net");
        let (status, message) =
            book_through(&visitor(200 + number as u8), &app.address, *start, &email).await;
        assert_eq!(status, 200, "{message}");
    }

    // Both processes' workers send the outbox: each message leaves once.
    let expected = 2 * 11;
    let deadline = Instant::now() + Duration::from_secs(60);
    while received.lock().unwrap().len() < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Long enough for every worker to have looked again.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut recipients: Vec<String> =
        received.lock().unwrap().iter().map(|message| recipient_of(message.as_str())).collect();
    recipients.sort();
    let mut wanted: Vec<String> = std::iter::repeat_n(ADA.to_owned(), 11)
        .chain(std::iter::once(winners[0].2.clone()))
        .chain((0..10).map(|number| format!("later{number}@example.net")))
        .collect();
    wanted.sort();
    assert_eq!(recipients, wanted, "one invitation each, none twice:\n{}", app.process_log());
    let unsent =
        outbox::recent(&pool, 100).await.unwrap().into_iter().filter(|message| message.sent_at.is_none());
    assert_eq!(unsent.count(), 0);
    app.stop().await;
}

#[tokio::test]
async fn a_hosts_change_through_one_process_reaches_the_page_the_other_serves_within_a_second() {
    let app = TestApp::spawn_cluster(2, &[]).await;
    let ada = ada_takes_bookings(&app).await;
    // Both processes have Ada's page cached.
    for process in &app.process_addresses {
        assert_eq!(host_name_at(process).await, "Ada Lovelace", "{process}");
    }

    let renamed = app
        .server_fn_form(
            "save_profile",
            &[("display_name", "Ada King"), ("username", "ada"), ("time_zone", "Europe/London")],
            &ada,
        )
        .await;
    assert_eq!(renamed.status(), 200);
    let saved = Instant::now();
    for process in &app.process_addresses {
        while host_name_at(process).await != "Ada King" {
            assert!(
                saved.elapsed() < Duration::from_secs(1),
                "{process} still shows the old name after a second"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    app.stop().await;
}
