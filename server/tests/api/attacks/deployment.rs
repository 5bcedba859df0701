//! Development and production: what a server reachable by strangers refuses
//! to serve, and refuses to start without.

use std::{collections::HashMap, process::Command};

use server::config::Settings;

use crate::helpers::build_application;

/// A server built from environment variables alone, as an operator starts
/// it, on a free loopback port; stopped when the sender is dropped.
pub(super) struct Deployed {
    pub(super) base: String,
    _stop: tokio::sync::oneshot::Sender<()>,
    _data: tempfile::TempDir,
}

pub(super) const PRODUCTION: [(&str, &str); 5] = [
    ("BOOKMATE_PUBLIC_URL", "https://book.example.com"),
    ("GOOGLE_CLIENT_ID", "id.apps.googleusercontent.com"),
    ("GOOGLE_CLIENT_SECRET", "secret"),
    ("GOOGLE_ISSUER_URL", "https://accounts.google.invalid"),
    ("SMTP_URL", "smtp://127.0.0.1:9"),
];

pub(super) async fn deploy(pairs: &[(&str, &str)], adjust: impl FnOnce(&mut Settings)) -> Deployed {
    let data = tempfile::tempdir().unwrap();
    let mut vars: HashMap<String, String> =
        pairs.iter().map(|(name, value)| ((*name).to_owned(), (*value).to_owned())).collect();
    vars.entry("BOOKMATE_DATA_DIR".to_owned()).or_insert_with(|| data.path().display().to_string());
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

/// Visitors' details and the secret key live there: only their owner reads.
#[cfg(unix)]
#[tokio::test]
async fn the_data_directory_and_the_database_file_are_their_owners_alone() {
    use std::os::unix::fs::PermissionsExt as _;
    let parent = tempfile::tempdir().unwrap();
    let data = parent.path().join("fresh/data");
    let app = deploy(
        &[("BOOKMATE_BIND_ADDR", "127.0.0.1:0"), ("BOOKMATE_DATA_DIR", data.to_str().unwrap())],
        |_| {},
    )
    .await;
    assert_eq!(status_of(&app.base, "/healthz").await, 200);
    let mode = |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("bookmate.db")), 0o600);
    assert_eq!(mode(&data.join("secret_key")), 0o600);
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
