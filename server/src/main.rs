//! Starts BookMate: read the configuration, build the application, serve until
//! asked to stop.

use std::process::ExitCode;

use leptos::prelude::{get_configuration, LeptosOptions};
use server::{
    config::{GoogleSettings, Mode, SecretKeySource, Settings, PUBLIC_DEMO},
    startup::{shutdown_signal, Application},
    telemetry,
};

/// Rendering a page allocates many small strings on every worker thread at
/// once; glibc's malloc spent a third of a page view on that, mimalloc far less.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::FAILURE;
        }
    };
    telemetry::init(&settings.log_filter);
    match run(settings).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!("BookMate stopped: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(settings: Settings) -> anyhow::Result<()> {
    let application = Application::build(&settings, leptos_options(&settings)).await?;
    tracing::info!(
        "BookMate listening on {} (public URL {}), database {}",
        application.local_addr(),
        settings.public_url,
        settings.database_url.redacted()
    );
    if let SecretKeySource::File(path) = &settings.secret_key.source {
        tracing::info!("secret key: kept in {} (set BOOKMATE_SECRET_KEY to supply your own)", path.display());
    }
    match (&settings.google, settings.mode) {
        (GoogleSettings::Emulator, Mode::Production) => tracing::warn!(
            "PUBLIC DEMO ({PUBLIC_DEMO}): sign-in goes to the built-in Google emulator at {}/__google, where \
             ANYONE can sign in as ANY host with no password. Never use this for real people's calendars",
            settings.public_url.as_str().trim_end_matches('/')
        ),
        (GoogleSettings::Emulator, Mode::Development) => tracing::info!(
            "sign-in goes to the built-in Google emulator at {}/__google (test accounts ada@example.com and \
             grace@example.com); set GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET to use real Google",
            settings.public_url.as_str().trim_end_matches('/')
        ),
        (GoogleSettings::Google { client_id, issuer_url, .. }, _) => {
            tracing::info!("Google sign-in: client {client_id} at {issuer_url}");
        }
    }
    match &settings.smtp {
        Some(smtp) => tracing::info!("mail is sent through {}", smtp.server),
        None => tracing::info!("no SMTP_URL: outgoing mail stays in the local outbox, shown at /dev/mailbox"),
    }
    tracing::info!("mode: {:?} (from the public URL: a loopback address is development)", settings.mode);
    application.run_until(shutdown_signal()).await
}

/// cargo-leptos passes the site layout in `LEPTOS_*` variables (when it runs
/// the server, and as it builds it); our own bind address wins over theirs.
fn leptos_options(settings: &Settings) -> LeptosOptions {
    let mut options = get_configuration(None).map(|conf| conf.leptos_options).unwrap_or_else(|error| {
        tracing::warn!(%error, "LEPTOS_* settings unreadable; using the defaults");
        LeptosOptions::builder().output_name("bookmate").site_root("target/site").build()
    });
    if options.output_name.is_empty() {
        options.output_name = "bookmate".into();
    }
    // A binary that cargo-leptos built with `hash-files` serves a site with
    // hashed names, whether or not the variable is set where it runs.
    if option_env!("LEPTOS_HASH_FILES") == Some("true") {
        options.hash_files = true;
    }
    options.site_addr = settings.bind_addr;
    options
}
