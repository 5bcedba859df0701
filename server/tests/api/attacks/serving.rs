//! The connection and the answer: slow clients, panics, and the headers
//! every answer carries.

use std::time::Duration;

use app::db::Backend;

use super::deployment::{deploy, PRODUCTION};
use crate::helpers::TestApp;

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
