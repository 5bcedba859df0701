//! The attack suite: what a stranger on the internet may try against a
//! running BookMate, one named test per attack, each asserting that it
//! fails. The attacks the sign-in and booking suites already guard are
//! named there (`sign_in.rs`, `auth.rs`, `booking.rs`, `settings.rs`); the
//! ones here are about deploying BookMate where strangers reach it.

use std::{collections::HashMap, process::Command, time::Duration};

use app::db::Backend;
use server::config::Settings;

use crate::helpers::{build_application, TestApp};

/// A server built from environment variables alone, as an operator starts
/// it, on a free loopback port; stopped when the sender is dropped.
struct Deployed {
    base: String,
    _stop: tokio::sync::oneshot::Sender<()>,
    _data: tempfile::TempDir,
}

const PRODUCTION: [(&str, &str); 5] = [
    ("BOOKMATE_PUBLIC_URL", "https://book.example.com"),
    ("GOOGLE_CLIENT_ID", "id.apps.googleusercontent.com"),
    ("GOOGLE_CLIENT_SECRET", "secret"),
    ("GOOGLE_ISSUER_URL", "https://accounts.google.invalid"),
    ("SMTP_URL", "smtp://127.0.0.1:9"),
];

async fn deploy(pairs: &[(&str, &str)], adjust: impl FnOnce(&mut Settings)) -> Deployed {
    let data = tempfile::tempdir().unwrap();
    let mut vars: HashMap<String, String> =
        pairs.iter().map(|(name, value)| ((*name).to_owned(), (*value).to_owned())).collect();
    vars.insert("BOOKMATE_DATA_DIR".to_owned(), data.path().display().to_string());
    vars.insert("RUST_LOG".to_owned(), "warn".to_owned());
    let mut settings = Settings::load(|name| vars.get(name).cloned()).expect("valid settings");
    // A free port, whatever the variables say.
    settings.bind_addr = "127.0.0.1:0".parse().unwrap();
    adjust(&mut settings);
    let application = build_application(&settings, data.path()).await;
    let base = format!("http://{}", application.local_addr());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(application.run_until(async {
        stopped.await.ok();
    }));
    Deployed { base, _stop: stop, _data: data }
}

async fn status_of(base: &str, path: &str) -> u16 {
    let _rendering = crate::helpers::rendering_pages().await;
    reqwest::Client::new().get(format!("{base}{path}")).send().await.unwrap().status().as_u16()
}

const GOOGLES_DISCOVERY: &str = "/__google/.well-known/openid-configuration";
const EMULATOR_CONTROLS: [&str; 4] = [
    "/__google/__emulator/calls-by-token",
    "/__google/__emulator/calls",
    "/__google/__emulator/grants?email=ada@example.com",
    "/__google/__emulator/events",
];

#[tokio::test]
async fn production_serves_neither_the_google_emulator_nor_the_development_mailbox() {
    let app = deploy(&PRODUCTION, |_| {}).await;
    assert_eq!(status_of(&app.base, "/healthz").await, 200, "the server is up");
    assert_eq!(status_of(&app.base, GOOGLES_DISCOVERY).await, 404);
    assert_eq!(status_of(&app.base, "/__google/o/oauth2/v2/auth").await, 404);
    assert_eq!(status_of(&app.base, "/dev/mailbox").await, 404);
    for path in EMULATOR_CONTROLS {
        assert_eq!(status_of(&app.base, path).await, 404, "{path}");
    }
}

#[tokio::test]
async fn a_public_demo_serves_the_emulators_consent_but_never_its_controls_nor_the_mailbox() {
    let demo: Vec<(&str, &str)> = PRODUCTION
        .iter()
        .copied()
        .filter(|(name, _)| !name.starts_with("GOOGLE_"))
        .chain([("BOOKMATE_PUBLIC_DEMO", "true")])
        .collect();
    let app = deploy(&demo, |_| {}).await;
    assert_eq!(status_of(&app.base, GOOGLES_DISCOVERY).await, 200);
    assert_eq!(status_of(&app.base, "/dev/mailbox").await, 404);
    for path in EMULATOR_CONTROLS {
        assert_eq!(status_of(&app.base, path).await, 404, "{path}");
    }
}

#[tokio::test]
async fn development_serves_the_emulator_and_mailbox_but_the_controls_only_when_a_test_asks() {
    let development = [("BOOKMATE_BIND_ADDR", "127.0.0.1:0")];
    let app = deploy(&development, |_| {}).await;
    assert_eq!(status_of(&app.base, GOOGLES_DISCOVERY).await, 200);
    assert_eq!(status_of(&app.base, "/dev/mailbox").await, 200);
    for path in EMULATOR_CONTROLS {
        assert_eq!(status_of(&app.base, path).await, 404, "{path}");
    }
    let asked = deploy(&development, |settings| settings.emulator_control_api = true).await;
    assert_eq!(status_of(&asked.base, "/__google/__emulator/calls").await, 200);
}

/// The real binary, as an operator starts it: a missing piece of production
/// stops it before it listens, with one line that names the variable.
#[test]
fn production_without_a_piece_refuses_to_start_with_one_line_naming_it() {
    let cases: [(&str, &str); 3] = [
        ("GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_ID"),
        ("SMTP_URL", "SMTP_URL"),
        ("BOOKMATE_PUBLIC_URL=http://book.example.com", "BOOKMATE_PUBLIC_URL"),
    ];
    for (change, named) in cases {
        let data = tempfile::tempdir().unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_server"));
        command
            .env_clear()
            .current_dir(data.path())
            .env("BOOKMATE_DATA_DIR", data.path())
            .env("BOOKMATE_BIND_ADDR", "127.0.0.1:0");
        for (name, value) in PRODUCTION {
            command.env(name, value);
        }
        match change.split_once('=') {
            Some((name, value)) => command.env(name, value),
            None if change == "GOOGLE_CLIENT_ID" => {
                command.env_remove(change).env_remove("GOOGLE_CLIENT_SECRET")
            }
            None => command.env_remove(change),
        };
        let output = command.output().expect("the server binary runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{change}: it must not start");
        assert_eq!(stderr.trim().lines().count(), 1, "{change}: one line, not {stderr}");
        assert!(
            stderr.starts_with(&format!("configuration error: {named}: ")),
            "{change}: the line names {named}: {stderr}"
        );
        assert!(output.stdout.is_empty(), "{change}: nothing served or logged");
    }
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_disconnected() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let app = TestApp::spawn_with(Backend::Sqlite, |settings| {
        settings.connection_limits.header_read_timeout = Duration::from_millis(500);
    })
    .await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut slow = tokio::net::TcpStream::connect(&address).await.unwrap();
    slow.write_all(b"GET / HTTP/1.1\r\nHost: bookmate\r\nX-Slow: ").await.unwrap();
    let mut buffer = Vec::new();
    let closed = tokio::time::timeout(Duration::from_secs(10), slow.read_to_end(&mut buffer)).await;
    assert!(closed.is_ok(), "the server still holds a connection whose headers never end");
    app.stop().await;
}

#[tokio::test]
async fn a_crowd_of_slow_sockets_cannot_keep_a_visitor_out() {
    use tokio::io::AsyncWriteExt as _;
    let app = TestApp::spawn_with(Backend::Sqlite, |settings| {
        settings.connection_limits = server::serve::ConnectionLimits {
            max_connections: 16,
            header_read_timeout: Duration::from_millis(500),
        };
    })
    .await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut crowd = Vec::new();
    for _ in 0..200 {
        let mut socket = tokio::net::TcpStream::connect(&address).await.unwrap();
        socket.write_all(b"GET / HTTP/1.1\r\n").await.ok();
        crowd.push(socket);
    }
    let answered = tokio::time::timeout(Duration::from_secs(20), app.get("/healthz")).await;
    assert_eq!(answered.expect("a visitor is answered while slow sockets wait").status(), 200);
    drop(crowd);
    app.stop().await;
}

#[tokio::test]
async fn a_panicking_handler_answers_500_and_the_server_serves_on() {
    use tower::ServiceExt as _;
    let routes = axum::Router::new()
        .route(
            "/boom",
            axum::routing::get(|| async {
                if true {
                    panic!("DateTime + TimeDelta overflowed");
                }
                "unreachable"
            }),
        )
        .route("/fine", axum::routing::get(|| async { "fine" }));
    let app = server::startup::with_safety_layers(
        routes,
        "http://127.0.0.1:3000".into(),
        Duration::from_secs(5),
        server::security_headers::Policy { https: false },
    );
    let request = |path: &str| axum::http::Request::get(path).body(axum::body::Body::empty()).unwrap();
    let boom = app.clone().oneshot(request("/boom")).await.unwrap();
    assert_eq!(boom.status(), 500);
    let body = axum::body::to_bytes(boom.into_body(), 10_000).await.unwrap();
    assert!(!String::from_utf8_lossy(&body).contains("overflowed"), "the panic's words stay in the log");
    assert_eq!(app.oneshot(request("/fine")).await.unwrap().status(), 200);
}

#[tokio::test]
async fn pages_run_only_their_own_nonced_scripts_and_every_answer_carries_the_security_headers() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let page = app.get("/").await;
    assert_eq!(page.status(), 200);
    let headers = page.headers().clone();
    let policy = headers["content-security-policy"].to_str().unwrap().to_owned();
    let script_src = policy.split(';').find(|part| part.trim().starts_with("script-src")).unwrap();
    assert!(!script_src.contains("unsafe-inline"), "{policy}");
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    let nonce = script_src.split("'nonce-").nth(1).expect("a nonce").split('\'').next().unwrap().to_owned();
    let html = page.text().await.unwrap();
    let scripts: Vec<&str> = html
        .match_indices("<script")
        .map(|(index, _)| &html[index..index + 200.min(html.len() - index)])
        .collect();
    assert!(!scripts.is_empty(), "the page hydrates with a script");
    for script in scripts {
        let opening = &script[..script.find('>').unwrap_or(script.len())];
        assert!(
            opening.contains(&format!("nonce=\"{nonce}\"")),
            "a script without this page's nonce: {opening}"
        );
    }
    let again = app.get("/").await;
    assert!(
        !again.headers()["content-security-policy"].to_str().unwrap().contains(&nonce),
        "a nonce is used once"
    );

    for path in ["/", "/healthz", "/no-such-page", "/dev/mailbox"] {
        let response = app.get(path).await;
        let headers = response.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["referrer-policy"], "same-origin", "{path}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        assert!(
            headers["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"),
            "{path}"
        );
        assert!(!headers.contains_key("strict-transport-security"), "{path}: no HSTS over http");
    }
    app.stop().await;

    let production = deploy(&PRODUCTION, |_| {}).await;
    let _rendering = crate::helpers::rendering_pages().await;
    let answer = reqwest::get(format!("{}/healthz", production.base)).await.unwrap();
    assert_eq!(answer.headers()["strict-transport-security"], "max-age=31536000");
}
