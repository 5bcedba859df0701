//! Builds the application from settings: database, router, layers, listener.
//! Tests build it on port 0 with their own settings; `main` builds it once.

use std::{future::Future, net::SocketAddr, time::Duration};

use anyhow::Context as _;
use app::{db::Database, shell, state::AppState, App};
use axum::{http::StatusCode, Router};
use leptos::prelude::{provide_context, LeptosOptions};
use leptos_axum::{generate_route_list, LeptosRoutes as _};
use tokio::net::TcpListener;
use tower_http::{compression::CompressionLayer, timeout::TimeoutLayer, trace::TraceLayer};

use crate::{config::Settings, routes};

/// No request may hold a connection longer than this, so a stuck handler
/// cannot hold up shutdown either.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

pub struct Application {
    listener: TcpListener,
    router: Router,
    database: Database,
}

impl Application {
    /// Connects and migrates the database, then binds the listener. Nothing is
    /// served until every step has succeeded.
    pub async fn build(settings: &Settings, leptos_options: LeptosOptions) -> anyhow::Result<Self> {
        let database = Database::connect_and_migrate(&settings.database_url)
            .await
            .with_context(|| format!("database {}", settings.database_url.redacted()))?;
        let state = AppState { leptos_options, database: database.clone() };
        let listener = TcpListener::bind(settings.bind_addr)
            .await
            .with_context(|| format!("could not listen on {}", settings.bind_addr))?;
        Ok(Self { listener, router: router(state), database })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener has an address")
    }

    /// Serves until `shutdown` completes, then lets requests in flight finish
    /// and closes the database pool.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        axum::serve(self.listener, self.router).with_graceful_shutdown(shutdown).await?;
        self.database.close().await;
        Ok(())
    }
}

pub fn router(state: AppState) -> Router {
    let leptos_routes = generate_route_list(App);
    let provide_state = {
        let state = state.clone();
        move || provide_context(state.clone())
    };
    let render_app = {
        let options = state.leptos_options.clone();
        move || shell(options.clone())
    };
    Router::new()
        .merge(routes::health::router())
        .leptos_routes_with_context(&state, leptos_routes, provide_state.clone(), render_app)
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(provide_state, shell))
        .with_state(state)
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, REQUEST_TIMEOUT))
        .layer(TraceLayer::new_for_http())
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
