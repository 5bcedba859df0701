//! `google-emulator --port 4000 [--seed seed.json] [--issuer URL]`: the
//! emulator on its own, for browser tests and for other apps.

use std::{net::SocketAddr, process::ExitCode};

use google_emulator::{Emulator, EmulatorConfig, Seed};

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt().with_writer(std::io::stderr).init();
    let mut port: u16 = 4000;
    let mut seed_path: Option<String> = None;
    let mut issuer: Option<String> = None;
    let mut redirect_uris: Vec<String> = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--port", Some(value)) => match value.parse() {
                Ok(value) => port = value,
                Err(_) => return usage(&format!("--port takes a number, not `{value}`")),
            },
            ("--seed", Some(value)) => seed_path = Some(value),
            ("--issuer", Some(value)) => issuer = Some(value),
            ("--redirect-uri", Some(value)) => redirect_uris.push(value),
            (other, _) => return usage(&format!("unknown or incomplete argument `{other}`")),
        }
    }
    let seed = match seed_path {
        Some(path) => match Seed::from_file(&path) {
            Ok(seed) => seed,
            Err(error) => {
                let cause = std::error::Error::source(&error).map(ToString::to_string).unwrap_or_default();
                return usage(&format!("{error}: {cause}"));
            }
        },
        None => {
            if redirect_uris.is_empty() {
                redirect_uris.push("http://127.0.0.1:3000/auth/google/callback".to_owned());
            }
            Seed::development(redirect_uris)
        }
    };
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    // Bind first, so `--port 0` prints the port the system chose.
    let listener = match tokio::net::TcpListener::bind(address).await {
        Ok(listener) => listener,
        Err(error) => return usage(&format!("cannot listen on {address}: {error}")),
    };
    let bound = listener.local_addr().unwrap_or(address);
    let issuer = issuer.unwrap_or_else(|| format!("http://{bound}"));
    let issuer_url = match url::Url::parse(&issuer) {
        Ok(url) => url,
        Err(error) => return usage(&format!("--issuer takes a URL, not `{issuer}`: {error}")),
    };
    let emulator = Emulator::new(EmulatorConfig::new(issuer_url, seed));
    let issuer = emulator.issuer().to_owned();
    // Printed, not logged: scripts read the issuer from stdout's first line.
    println!("{issuer}");
    tracing::info!("Google emulator at {issuer} (discovery: {issuer}/.well-known/openid-configuration)");
    match axum::serve(listener, emulator.router_with_controls()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => usage(&error.to_string()),
    }
}

fn usage(problem: &str) -> ExitCode {
    eprintln!(
        "google-emulator: {problem}\nusage: google-emulator [--port 4000] [--seed seed.json] [--issuer URL] [--redirect-uri URI]..."
    );
    ExitCode::from(2)
}
