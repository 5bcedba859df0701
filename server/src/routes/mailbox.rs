//! `/dev/mailbox`: the outbox as a mailbox, when no SMTP server is
//! configured (the embedded default), so a developer sees what would have
//! been sent. Not mounted when `SMTP_URL` is set.

use app::{db::outbox, state::AppState};

use super::message_page::escape;
use axum::{
    extract::State,
    http::StatusCode,
    response::{Html, IntoResponse, Response},
    routing::get,
    Router,
};

pub fn router() -> Router<AppState> {
    Router::new().route("/dev/mailbox", get(mailbox))
}

async fn mailbox(State(state): State<AppState>) -> Response {
    let messages = match outbox::recent(state.database.pool(), 100).await {
        Ok(messages) => messages,
        Err(error) => {
            tracing::error!(%error, "could not read the outbox");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let items: String = messages
        .iter()
        .map(|message| {
            format!(
                "<article class=\"card mail\"><h2>{}</h2><p class=\"muted\">To {} · queued {}</p><pre>{}</pre>{}</article>",
                escape(&message.subject),
                escape(&message.recipient),
                message.created_at.format("%Y-%m-%d %H:%M UTC"),
                escape(&message.body_text),
                message
                    .calendar_ics
                    .as_deref()
                    .map(|ics| format!("<details><summary>invite.ics</summary><pre>{}</pre></details>", escape(ics)))
                    .unwrap_or_default(),
            )
        })
        .collect();
    let stylesheet = &state.site_assets.stylesheet;
    let empty = if messages.is_empty() { "<p class=\"muted\">No mail yet.</p>" } else { "" };
    Html(format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <link rel=\"stylesheet\" href=\"{stylesheet}\"><title>Mailbox · BookMate</title></head>\
         <body><main class=\"page narrow\"><h1>Development mailbox</h1>\
         <p class=\"help\">No SMTP_URL is set, so BookMate keeps outgoing mail here instead of sending it.</p>{empty}{items}</main></body></html>"
    ))
    .into_response()
}
