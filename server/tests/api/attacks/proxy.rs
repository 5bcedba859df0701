//! Client addresses behind a real reverse proxy, and the per-address limits.

use app::db::Backend;

use crate::{helpers::TestApp, nginx::Nginx};

/// A visitor's browser on its own loopback address.
fn visitor_at(local: &str) -> reqwest::Client {
    reqwest::Client::builder().local_address(local.parse::<std::net::IpAddr>().unwrap()).build().unwrap()
}

/// A booking that passes every check of the form, for a host who does not
/// exist: it spends a booking token, then answers 404.
async fn try_booking(visitor: &reqwest::Client, base: &str, forged: Option<&str>, email: &str) -> u16 {
    let start = (chrono::Utc::now() + chrono::Duration::days(2)).timestamp().to_string();
    let form = [
        ("username", "nobody"),
        ("start", start.as_str()),
        ("tz", "UTC"),
        ("name", "Mallory"),
        ("email", email),
        ("note", ""),
    ];
    let mut request = visitor.post(format!("{base}/api/book")).form(&form);
    if let Some(forged) = forged {
        request = request.header("x-forwarded-for", forged);
    }
    request.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn behind_a_real_reverse_proxy_visitors_have_their_own_limits_and_forged_addresses_change_nothing() {
    let app = TestApp::spawn_with(Backend::Sqlite, |settings| {
        settings.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let proxy = Nginx::start(&app.address).await;
    let (alice, bob, carol, dave) =
        (visitor_at("127.0.0.2"), visitor_at("127.0.0.3"), visitor_at("127.0.0.4"), visitor_at("127.0.0.5"));

    // Alice spends her ten bookings a minute through the proxy.
    for attempt in 0..10 {
        assert_eq!(
            try_booking(&alice, &proxy.address, None, "a@example.net").await,
            404,
            "attempt {attempt}"
        );
    }
    assert_eq!(try_booking(&alice, &proxy.address, None, "a@example.net").await, 429);
    // Naming another address through the proxy does not make her someone else.
    assert_eq!(try_booking(&alice, &proxy.address, Some("198.51.100.9"), "a@example.net").await, 429);
    // Bob, behind the same proxy, has his own limit.
    assert_eq!(try_booking(&bob, &proxy.address, None, "b@example.net").await, 404);

    // Carol reaches BookMate directly, an untrusted peer: the address she
    // forwards is ignored, so claiming to be Bob spends her own tokens.
    for _ in 0..10 {
        assert_eq!(try_booking(&carol, &app.address, Some("127.0.0.3"), "c@example.net").await, 404);
    }
    assert_eq!(try_booking(&carol, &app.address, Some("127.0.0.3"), "c@example.net").await, 429);
    assert_eq!(try_booking(&bob, &proxy.address, None, "b@example.net").await, 404, "Bob's are untouched");

    // A request the form's checks refuse costs no token.
    for _ in 0..20 {
        assert_eq!(try_booking(&dave, &proxy.address, None, "not an address").await, 422);
    }
    assert_eq!(try_booking(&dave, &proxy.address, None, "d@example.net").await, 404);
    app.stop().await;
}

#[tokio::test]
async fn a_script_reading_pages_from_one_address_is_slowed_and_a_person_elsewhere_is_not() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let (script, person) = (visitor_at("127.0.0.6"), visitor_at("127.0.0.7"));
    let read = |visitor: &reqwest::Client| {
        visitor
            .post(format!("{}/api/booking_page", app.address))
            .form(&[("username", "nobody"), ("tz", "UTC")])
            .send()
    };
    let mut statuses = Vec::new();
    for _ in 0..260 {
        statuses.push(read(&script).await.unwrap().status().as_u16());
    }
    let allowed = statuses.iter().take_while(|status| **status == 404).count();
    assert!((200..260).contains(&allowed), "a burst of about two hundred reads: {allowed}");
    assert_eq!(statuses.last(), Some(&429));
    assert_eq!(read(&person).await.unwrap().status(), 404, "another address reads on");
    app.stop().await;
}
