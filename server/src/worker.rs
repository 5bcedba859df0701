//! The worker beside the server: the work owed to Google for bookings
//! (`app::booking::direct::run_due`) and, with SMTP, the outbox (`mailer`).
//! Every process runs one; claims in the database keep two processes from
//! doing the same job, and a job a dead process held is taken up once its
//! claim runs out.

use std::time::Duration;

use app::{booking::direct, connection_alerts, following, state::AppState};
use chrono::Utc;

use crate::mailer::Mailer;

const POLL_INTERVAL: Duration = Duration::from_secs(2);

/// Works until `shutdown` says so.
pub async fn run(state: AppState, mailer: Option<Mailer>, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    loop {
        if let Err(error) = direct::run_due(&state, Utc::now()).await {
            tracing::error!(%error, "could not read the work owed to Google");
        }
        if let Err(error) = following::sync::run_due(&state, Utc::now()).await {
            tracing::error!(%error, "could not read the followed Google calendars");
        }
        if let Err(error) = connection_alerts::tell_due(&state).await {
            tracing::error!(%error, "could not tell hosts of broken Google connections");
        }
        if let Some(mailer) = &mailer {
            if let Err(error) = mailer.send_due().await {
                tracing::error!(%error, "could not read the outbox");
            }
        }
        tokio::select! {
            () = tokio::time::sleep(POLL_INTERVAL) => {}
            _ = shutdown.changed() => return,
        }
    }
}
