//! The `google-emulator` binary: prints its issuer and serves Google's paths
//! there, from the development seed or a seed file.

use std::{
    io::{BufRead as _, BufReader},
    process::{Child, Command, Stdio},
};

use serde_json::{json, Value};

/// Kills the emulator process when the test ends, pass or fail.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the binary on a free port and returns it with the issuer it printed.
fn start(args: &[&str]) -> (Running, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_google-emulator"))
        .args(["--port", "0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().expect("piped stdout");
    let running = Running(child);
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("the issuer line");
    (running, line.trim().to_owned())
}

#[tokio::test]
async fn the_binary_prints_its_issuer_and_serves_discovery_there() {
    let (_running, issuer) = start(&[]);
    assert!(issuer.starts_with("http://127.0.0.1:"), "{issuer}");
    let document: Value = reqwest::get(format!("{issuer}/.well-known/openid-configuration"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(document["issuer"], issuer);
    assert_eq!(document["jwks_uri"], format!("{issuer}/oauth2/v3/certs"));
}

#[tokio::test]
async fn the_binary_loads_a_seed_file() {
    let seed = json!({
        "clients": [{ "client_id": "cli.apps.googleusercontent.com", "client_secret": "s", "redirect_uris": ["http://127.0.0.1:9/cb"] }],
        "accounts": [{ "sub": "100000000000000000009", "email": "seeded@example.com", "name": "Seeded", "time_zone": "UTC" }],
    });
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), seed.to_string()).unwrap();
    let (_running, issuer) = start(&["--seed", file.path().to_str().unwrap()]);
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let page = http
        .get(format!("{issuer}/o/oauth2/v2/auth"))
        .query(&[
            ("client_id", "cli.apps.googleusercontent.com"),
            ("redirect_uri", "http://127.0.0.1:9/cb"),
            ("response_type", "code"),
            ("scope", "openid email"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("seeded@example.com"));
}

#[test]
fn a_broken_seed_file_is_refused_with_exit_code_2() {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), "{ not json").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_google-emulator"))
        .args(["--port", "0", "--seed", file.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("is not valid JSON"));
}
