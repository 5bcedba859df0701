//! Builds the application from settings: database, router, layers, listener.
//! Tests build it on port 0 with their own settings; `main` builds it once.

use std::{future::Future, net::SocketAddr, sync::Arc};

use anyhow::Context as _;
use app::{
    auth::cookies::Cookies,
    booking::{limiter::RateLimiter, manage_links::ManageLinks},
    db::{changes, Backend, Database, DatabaseUrl},
    google::{calendar::CalendarApi, oidc::GoogleOidc, GoogleClient},
    shell,
    site_assets::SiteAssets,
    state::AppState,
    App,
};
use axum::{http::StatusCode, middleware, response::IntoResponse as _, Router};
use google_emulator::{Emulator, EmulatorConfig, Seed};
use leptos::prelude::{provide_context, LeptosOptions};
use leptos_axum::{generate_route_list, LeptosRoutes as _};
use secrecy::ExposeSecret as _;
use tokio::net::TcpListener;
use tower_http::{
    catch_panic::CatchPanicLayer,
    compression::{CompressionLayer, CompressionLevel},
    limit::RequestBodyLimitLayer,
    timeout::TimeoutLayer,
    trace::TraceLayer,
};
use url::Url;

use crate::{
    client_address::{self, ProxyTrust},
    config::{GoogleSettings, Mode, Settings},
    csrf,
    mailer::Mailer,
    routes, security_headers,
    serve::{self, ConnectionLimits},
    worker,
};

/// Where the built-in emulator is mounted, and the OAuth client it knows.
pub const EMULATOR_PREFIX: &str = "/__google";
pub const EMULATOR_CLIENT_ID: &str = google_emulator::DEVELOPMENT_CLIENT_ID;
pub const EMULATOR_CLIENT_SECRET: &str = google_emulator::DEVELOPMENT_CLIENT_SECRET;

pub struct Application {
    listener: TcpListener,
    router: Router,
    database: Database,
    emulator: Option<Emulator>,
    mailer: Option<Mailer>,
    state: AppState,
    /// Set when other processes may share the database (PostgreSQL): their
    /// hosts' changes must reach this process's caches.
    shared_database: Option<(DatabaseUrl, AppState)>,
    connection_limits: ConnectionLimits,
}

impl Application {
    /// Connects and migrates the database, then binds the listener. Nothing is
    /// served until every step has succeeded.
    pub async fn build(settings: &Settings, leptos_options: LeptosOptions) -> anyhow::Result<Self> {
        let database = Database::connect_and_migrate(&settings.database_url)
            .await
            .with_context(|| format!("database {}", settings.database_url.redacted()))?;
        let listener = TcpListener::bind(settings.bind_addr)
            .await
            .with_context(|| format!("could not listen on {}", settings.bind_addr))?;
        let public_url = public_url(settings, listener.local_addr()?)?;
        let http = reqwest::Client::builder()
            // Following redirects from token or discovery endpoints opens the
            // door to server-side request forgery.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(settings.google_timeout)
            .build()
            .context("could not build the HTTP client")?;
        let (issuer, calendar_api, client_id, client_secret) = match &settings.google {
            GoogleSettings::Google { client_id, client_secret, issuer_url, calendar_api_url } => (
                issuer_url.to_string(),
                calendar_api_url.to_string(),
                client_id.clone(),
                client_secret.expose_secret().to_owned(),
            ),
            GoogleSettings::Emulator => {
                let emulator = format!("{}{EMULATOR_PREFIX}", public_url.as_str().trim_end_matches('/'));
                (
                    emulator.clone(),
                    format!("{emulator}/calendar/v3"),
                    EMULATOR_CLIENT_ID.to_owned(),
                    EMULATOR_CLIENT_SECRET.to_owned(),
                )
            }
        };
        let redirect_uri = format!("{}/auth/google/callback", public_url.as_str().trim_end_matches('/'));
        let emulator = match settings.google {
            GoogleSettings::Emulator => {
                let seed = Seed::development(vec![redirect_uri.clone()]);
                let issuer = Url::parse(&issuer).context("the emulator's issuer URL")?;
                Some(Emulator::new(EmulatorConfig::new(issuer, seed)))
            }
            GoogleSettings::Google { .. } => None,
        };
        let google = GoogleOidc::new(&issuer, &client_id, &client_secret, &redirect_uri, http.clone())
            .context("Google's OpenID Connect settings")?;
        let calendar = CalendarApi::new(&calendar_api, http);
        // Two attempts' worth: a Google that hangs is given up on (and, for a
        // direct booking, replaced by email invitations) inside the request
        // time limit.
        let google = Arc::new(
            GoogleClient::new(google, calendar, settings.secret_key.expose())
                .with_call_budget(settings.google_timeout * 2),
        );
        let state = AppState {
            site_assets: Arc::new(SiteAssets::read(&leptos_options)),
            leptos_options,
            database: database.clone(),
            manage_links: Arc::new(ManageLinks::new(settings.secret_key.expose(), public_url.clone())),
            cookies: Arc::new(Cookies::new(settings.secret_key.expose(), public_url)),
            google,
            busy_cache: Default::default(),
            host_cache: Default::default(),
            month_cache: Default::default(),
            booking_limiter: Arc::new(RateLimiter::bookings()),
            read_limiter: Arc::new(RateLimiter::reads()),
            request_timeout: settings.request_timeout,
            following: settings.following,
        };
        let mailer = match &settings.smtp {
            Some(smtp) => Some(Mailer::new(smtp, &settings.mail_from, database.clone())?),
            None => None,
        };
        let shared_database =
            (database.backend() == Backend::Postgres).then(|| (settings.database_url.clone(), state.clone()));
        // What only the developer at this machine may see; configuration
        // allows the emulator in production only as a demo, and never the
        // mailbox.
        let mut conveniences = Router::new();
        if mailer.is_none() && settings.mode == Mode::Development {
            conveniences = conveniences.merge(routes::mailbox::router().with_state(state.clone()));
        }
        if let Some(emulator) = &emulator {
            let served = if settings.emulator_control_api {
                emulator.router_with_controls()
            } else {
                emulator.router()
            };
            conveniences = conveniences.nest_service(EMULATOR_PREFIX, served);
        }
        let https = state.cookies.public_url().scheme() == "https";
        let trust = ProxyTrust::new(&settings.trusted_proxies);
        let router = router(state.clone(), conveniences, trust, security_headers::Policy { https })?;
        Ok(Self {
            listener,
            router,
            database,
            emulator,
            mailer,
            state,
            shared_database,
            connection_limits: settings.connection_limits,
        })
    }

    /// The built-in Google emulator, when no Google client is configured.
    pub fn emulator(&self) -> Option<Emulator> {
        self.emulator.clone()
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener has an address")
    }

    /// Serves until `shutdown` completes, then lets requests in flight finish
    /// and closes the database pool.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let (stop_worker, worker_stopped) = tokio::sync::watch::channel(false);
        let worker = tokio::spawn(worker::run(self.state.clone(), self.mailer, worker_stopped));
        let (stop_listening, listening_stopped) = tokio::sync::oneshot::channel::<()>();
        let listening = self.shared_database.map(|(url, state)| {
            tokio::spawn(async move {
                let stopped = async {
                    listening_stopped.await.ok();
                };
                changes::listen_for_host_changes(&url, |change| state.forget(change), stopped).await;
            })
        });
        serve::serve(self.listener, self.router, self.connection_limits, shutdown).await;
        stop_worker.send(true).ok();
        stop_listening.send(()).ok();
        worker.await.ok();
        if let Some(listening) = listening {
            listening.await.ok();
        }
        self.database.close().await;
        Ok(())
    }
}

/// With port 0 (tests), the public URL learns the port the system chose.
fn public_url(settings: &Settings, local_addr: SocketAddr) -> anyhow::Result<Url> {
    let mut url = settings.public_url.clone();
    if url.port() == Some(0) {
        url.set_port(Some(local_addr.port()))
            .map_err(|()| anyhow::anyhow!("the public URL {url} cannot take a port"))?;
    }
    Ok(url)
}

/// BookMate's routes, with `conveniences` (the development mailbox, the
/// emulator) behind the same cross-site check and time limit.
fn router(
    state: AppState,
    conveniences: Router,
    trust: ProxyTrust,
    headers: security_headers::Policy,
) -> anyhow::Result<Router> {
    let origin: Arc<str> = state.cookies.origin().into();
    let request_timeout = state.request_timeout;
    let leptos_routes = generate_route_list(App);
    let provide_state = {
        let state = state.clone();
        move || provide_context(state.clone())
    };
    let assets = Arc::clone(&state.site_assets);
    let with_assets = move |options: LeptosOptions| shell(options, Arc::clone(&assets));
    let render_app = {
        let options = state.leptos_options.clone();
        let with_assets = with_assets.clone();
        move || with_assets(options.clone())
    };
    let files =
        leptos_axum::file_and_error_handler_with_context::<AppState, _>(provide_state.clone(), with_assets);
    let routes = Router::new()
        .merge(routes::health::router())
        .merge(routes::favicon::router())
        .merge(routes::auth::router())
        .merge(routes::google_push::router())
        .merge(routes::invites::router())
        // Named before the pages, so `/{username}/{slug}` never takes a
        // site file.
        .merge(routes::site_files::router(&state)?)
        .leptos_routes_with_context(&state, leptos_routes, provide_state, render_app)
        .fallback(files)
        .with_state(state.clone())
        .merge(conveniences)
        .layer(middleware::from_fn_with_state(state, client_address::limit_reads))
        .layer(middleware::from_fn_with_state(trust, client_address::resolve));
    Ok(with_safety_layers(routes, origin, request_timeout, headers))
}

/// Far above any form of BookMate's (a booking's note is at most 2,000
/// characters); a larger body is refused (413) before it is read.
const MAX_REQUEST_BODY: usize = 64 * 1024;

/// What every response passes through: the cross-site check, compression,
/// a limit on request bodies, the time limit, security headers, a panic
/// turned into a logged 500, and the trace.
pub fn with_safety_layers(
    routes: Router,
    origin: Arc<str>,
    request_timeout: std::time::Duration,
    headers: security_headers::Policy,
) -> Router {
    routes
        .layer(middleware::from_fn_with_state(origin, csrf::reject_cross_site))
        // Pages are compressed as they are sent, at a level cheap enough for
        // every response (brotli's default, 11, is meant for files compressed
        // once); site files come compressed from the build (`routes/site_files.rs`).
        .layer(CompressionLayer::new().quality(CompressionLevel::Precise(4)))
        .layer(RequestBodyLimitLayer::new(MAX_REQUEST_BODY))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, request_timeout))
        .layer(CatchPanicLayer::custom(answer_panic))
        .layer(middleware::from_fn_with_state(headers, security_headers::add))
        .layer(TraceLayer::new_for_http())
}

/// A handler that panicked: the visitor gets a plain 500, the log the
/// panic's message.
fn answer_panic(panic: Box<dyn std::any::Any + Send + 'static>) -> axum::response::Response {
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    tracing::error!(panic = message, "a request handler panicked");
    (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong on our side. Please try again.").into_response()
}

/// Completes on Ctrl-C or SIGTERM, whichever comes first.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "could not listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "could not listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down: finishing requests in flight");
}
