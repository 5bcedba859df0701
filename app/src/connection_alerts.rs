//! Telling a host, by email, that BookMate's Google access broke: Google
//! refused the refresh token (revoked, expired, a "Testing" project's seven
//! days over) or refused a call for a scope the grant listed. The banner on
//! every host page says it too (`auth::SignedInBar`); the email reaches a
//! host who is not looking. Once per break: a reconnect clears the mark, so
//! a later break is told again. The worker of every process calls
//! [`tell_due`]; the mark and the message are one transaction, so of several
//! processes one tells, once.

use chrono::Utc;

use crate::{
    browser::GOOGLE_ACCESS_PATH,
    db::{
        google_connections::{self, UntoldBreakage},
        outbox::NewMessage,
        users, DbError,
    },
    state::AppState,
};

/// Breaks told per pass of the worker.
const BATCH: i64 = 20;

/// Emails every host whose connection broke and was not told yet.
/// Returns how many were told by this call.
pub async fn tell_due(state: &AppState) -> Result<usize, DbError> {
    let db = state.database.pool();
    let mut told = 0;
    for breakage in google_connections::untold_breakages(db, BATCH).await? {
        let Some(host) = users::find_by_id(db, breakage.user_id).await? else { continue };
        let message = message(&host.email, &breakage, &state.manage_links.absolute(GOOGLE_ACCESS_PATH));
        if google_connections::tell_breakage(db, host.user_id, &message, Utc::now()).await? {
            tracing::info!(user_id = host.user_id, "told the host their Google connection broke");
            told += 1;
        }
    }
    Ok(told)
}

fn message(recipient: &str, breakage: &UntoldBreakage, reconnect_url: &str) -> NewMessage {
    let (subject, what) = if breakage.needs_reconnect {
        (
            "BookMate lost access to your Google Calendar",
            "Google no longer accepts BookMate's access to your calendars: it was removed from your Google \
             Account, it expired, or (for a BookMate whose Google project is in \u{201c}Testing\u{201d} status) \
             its seven days ran out.\n\nUntil you reconnect, visitors see that you are not taking bookings: \
             BookMate cannot check when you are busy, and never shows a time it has not checked.",
        )
    } else {
        (
            "BookMate lost part of its access to your Google Calendar",
            "Google refused BookMate a permission you had granted: it was taken back in your Google Account. \
             Meetings that needed it are sent by email instead until you grant it again.",
        )
    };
    NewMessage {
        recipient: recipient.to_owned(),
        subject: subject.to_owned(),
        body_text: format!(
            "{what}\n\nReconnect in one click (Google asks only for what your settings need): {reconnect_url}\n\n\
             Bookings waiting to be added to your Google Calendar are added once you reconnect."
        ),
        calendar_ics: None,
    }
}
