//! The Google client suite against real Google, with a test account's
//! refresh token: `GOOGLE_TEST_CLIENT_ID`, `GOOGLE_TEST_CLIENT_SECRET` and
//! `GOOGLE_TEST_REFRESH_TOKEN` (granted `calendar.readonly` and
//! `calendar.events`; each run adds one short event to the account's primary
//! calendar, three days ahead).
//!
//! Not a libtest harness (`harness = false`), so that a run without the
//! variables is never counted as a test that passed: it prints
//! `real Google: not run (GOOGLE_TEST_* not set)`, which `cargo xtask test`
//! reads and reports as skipped. A failure exits non-zero.

use std::process::ExitCode;

use app::google::{calendar::CalendarApi, oidc::GoogleOidc};

#[path = "api/client_suite.rs"]
mod client_suite;

const VARIABLES: [&str; 3] =
    ["GOOGLE_TEST_CLIENT_ID", "GOOGLE_TEST_CLIENT_SECRET", "GOOGLE_TEST_REFRESH_TOKEN"];

#[tokio::main]
async fn main() -> ExitCode {
    #[allow(clippy::disallowed_methods, reason = "the real-Google run is configured by the environment")]
    let vars = VARIABLES.map(|name| std::env::var(name).ok().filter(|value| !value.is_empty()));
    let [Some(client_id), Some(client_secret), Some(refresh_token)] = vars else {
        if vars.iter().all(Option::is_none) {
            println!("real Google: not run (GOOGLE_TEST_* not set)");
            return ExitCode::SUCCESS;
        }
        let missing: Vec<&str> =
            VARIABLES.iter().zip(&vars).filter(|(_, value)| value.is_none()).map(|(name, _)| *name).collect();
        eprintln!(
            "real Google: FAILED: set all three GOOGLE_TEST_* variables, or none ({} missing)",
            missing.join(", ")
        );
        return ExitCode::FAILURE;
    };
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let oidc = GoogleOidc::new(
        "https://accounts.google.com",
        &client_id,
        &client_secret,
        "http://127.0.0.1/unused",
        http.clone(),
    )
    .expect("Google's OpenID configuration");
    let calendar = CalendarApi::new("https://www.googleapis.com/calendar/v3", http);
    // A failed check panics, and the panic's message says which.
    let suite =
        tokio::spawn(async move { client_suite::run_client_suite(&oidc, &calendar, &refresh_token).await });
    match suite.await {
        Ok(()) => {
            println!("real Google: passed (refresh, calendar list, freebusy, insert, duplicate insert)");
            ExitCode::SUCCESS
        }
        Err(_) => {
            println!("real Google: FAILED (see the panic above)");
            ExitCode::FAILURE
        }
    }
}
