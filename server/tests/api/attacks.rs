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

/// Kills the server (SIGKILL, nothing runs after it) while Google hangs on
/// a direct booking's insert, starts it again, and finds the meeting in
/// Google or both invitations in the outbox: never neither, never both.
async fn killed_mid_insert(backend: Backend) {
    use crate::booking::{ada_books_directly, ada_takes_bookings, page, slots};
    let mut app = TestApp::spawn_process(backend, &[]).await;
    let mut ada = ada_takes_bookings(&app).await;
    ada_books_directly(&app, &mut ada).await;
    let (start, _) = slots(&page(&app, "UTC").await)[0].clone();
    let hanging = google_emulator::Fault { status: 200, retry_after_seconds: None, delay_ms: Some(120_000) };
    app.google.inject_fault("events.insert", hanging, 1);

    let booking = {
        let (client, url) = (app.client.clone(), format!("{}/api/book", app.address));
        let form = [
            ("username", "ada".to_owned()),
            ("start", start.to_string()),
            ("tz", "UTC".to_owned()),
            ("name", "Bob".to_owned()),
            ("email", "bob@example.net".to_owned()),
            ("note", String::new()),
        ];
        tokio::spawn(async move { client.post(url).form(&form).send().await })
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while app.google.calls().get("events.insert").copied().unwrap_or(0) == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "{backend:?}: Google was never asked:\n{}",
            app.process_log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    app.kill_and_restart().await;
    assert!(booking.await.unwrap().is_err(), "{backend:?}: the visitor's request died with the server");

    // The restarted server's worker takes the job up once the dead
    // process's claim has run out (the call budget and ten seconds).
    let pool = app.pool().await;
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    let (in_google, emailed) = loop {
        let in_google = app
            .google
            .inserted_events()
            .iter()
            .any(|(_, event)| serde_json::to_string(event).unwrap().contains("bob@example.net"));
        let emailed = app::db::outbox::recent(&pool, 10).await.unwrap().len();
        if in_google || emailed > 0 || std::time::Instant::now() > deadline {
            break (in_google, emailed);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(
        in_google != (emailed == 2),
        "{backend:?}: in Google: {in_google}, emails: {emailed}\n{}",
        app.process_log()
    );
    assert!(in_google, "{backend:?}: Google answers again, so the worker's attempt lands there");
    let bookings: i64 = sqlx::query_scalar("select count(*) from bookings").fetch_one(&pool).await.unwrap();
    assert_eq!(bookings, 1, "{backend:?}");
    app.stop().await;
}

#[tokio::test]
async fn a_server_killed_while_google_hangs_on_a_direct_booking_still_delivers_its_invitation() {
    tokio::join!(killed_mid_insert(Backend::Sqlite), killed_mid_insert(Backend::Postgres));
}

/// Debian's nginx, started by the test on a loopback port in front of
/// `upstream`, forwarding the client as a deployment would; stopped when
/// dropped. `cargo xtask test` installs it.
struct Nginx {
    child: std::process::Child,
    address: String,
    _directory: tempfile::TempDir,
}

impl Nginx {
    #[allow(clippy::zombie_processes, reason = "`Drop` kills and waits for it")]
    async fn start(upstream: &str) -> Self {
        let directory = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let dir = directory.path().display();
        let config = format!(
            "daemon off;\nmaster_process off;\nworker_processes 1;\npid {dir}/nginx.pid;\nerror_log {dir}/error.log;\n\
             events {{ worker_connections 64; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path {dir}/body;\n  proxy_temp_path {dir}/proxy;\n\
               fastcgi_temp_path {dir}/fastcgi;\n  uwsgi_temp_path {dir}/uwsgi;\n  scgi_temp_path {dir}/scgi;\n\
               server {{\n    listen 127.0.0.1:{port};\n    location / {{\n      proxy_pass {upstream};\n\
                   proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n    }}\n  }}\n}}\n"
        );
        let config_path = directory.path().join("nginx.conf");
        std::fs::write(&config_path, config).unwrap();
        let nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"]
            .into_iter()
            .find(|path| std::path::Path::new(path).exists())
            .unwrap_or("nginx");
        let child = Command::new(nginx)
            .args(["-e", &format!("{dir}/error.log"), "-p", &dir.to_string(), "-c"])
            .arg(&config_path)
            .spawn()
            .expect("nginx runs (`cargo xtask test` installs Debian's nginx-light)");
        let address = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return Self { child, address, _directory: directory };
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "nginx did not listen: {}",
            std::fs::read_to_string(directory.path().join("error.log")).unwrap_or_default()
        );
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        self.child.kill().ok();
        self.child.wait().ok();
    }
}

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

#[tokio::test]
async fn a_link_cannot_put_its_own_words_into_the_booking_pages_alert() {
    use base64::Engine as _;
    let app = TestApp::spawn(Backend::Sqlite).await;
    crate::booking::ada_takes_bookings(&app).await;
    let start = crate::booking::slots(&crate::booking::page(&app, "UTC").await)[0].0;
    let link = |error: serde_json::Value| {
        let encoded = base64::engine::general_purpose::URL_SAFE.encode(error.to_string());
        format!("/ada?tz=UTC&slot={start}&__path=/api/book&__err={encoded}")
    };
    for forged in [
        serde_json::json!({ "Conflict": "Your booking is on hold: pay at evil.example" }),
        serde_json::json!({ "Validation": { "email": "Write to help@evil.example instead." } }),
        serde_json::json!({ "Transport": "call evil.example" }),
    ] {
        let html = app.get(&link(forged.clone())).await.text().await.unwrap();
        assert!(!html.contains("evil.example"), "{forged} reached the page");
        assert!(html.contains("That booking did not go through. Please try again."), "{forged}");
    }
    let ours = serde_json::json!({ "Conflict": "That time was just taken. Please pick another." });
    assert!(app.get(&link(ours)).await.text().await.unwrap().contains("That time was just taken."));
    app.stop().await;
}

#[tokio::test]
async fn another_sites_link_or_form_cannot_start_a_grant_and_drop_a_pending_setting() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let mut ada = app.sign_in("ada@example.com").await;
    // A link (GET) changes nothing: no transaction cookie is set.
    let link = app.browse("/auth/google/grant?return_to=/settings", &mut ada).await;
    assert_eq!(link.status(), 405);
    assert!(link.headers().get_all("set-cookie").iter().next().is_none());
    // Another site's form is refused by the cross-site check.
    let forged = app
        .client
        .post(format!("{}/auth/google/grant", app.address))
        .header("cookie", ada.header())
        .header("origin", "https://evil.example")
        .form(&[("return_to", "/settings")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    assert!(forged.headers().get_all("set-cookie").iter().next().is_none());
    // BookMate's own page's form is answered (here, with nothing to ask
    // Google for, straight back to the settings).
    let own = app
        .client
        .post(format!("{}/auth/google/grant", app.address))
        .header("cookie", ada.header())
        .header("origin", &app.address)
        .form(&[("return_to", "/settings")])
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 303);
    assert_eq!(own.headers()["location"], "/settings");
    app.stop().await;
}
