//! `GoogleClient`: the one owner of everything that talks to Google on
//! BookMate's behalf. OpenID Connect (sign-in, incremental authorization,
//! refresh, revocation), the Calendar API, the custody of hosts' tokens, and
//! the time budget of a call all live behind it; the rest of the app asks it
//! for what a feature needs, in the feature's words.

use std::{
    sync::atomic::{AtomicBool, Ordering},
    time::Duration,
};

use chrono::{DateTime, Utc};

use super::{
    access_log::{self, Purpose},
    calendar::{CalendarApi, CalendarError, CalendarListEntry, EventPatch, FreeBusy, GoogleEvent, NewEvent},
    calls::{Caller, GoogleCallError},
    event_list::{EventsPage, ListFrom},
    oidc::{Authorization, GoogleOidc, RevokeError},
    sealed::TokenKind,
    tokens::TokenCustody,
    watch::{NewChannel, OpenChannel},
};
use crate::{
    db::{
        google_access_log::{Api, CallOutcome},
        google_connections::{self, GoogleConnection},
        google_jobs, DbError, DbPool,
    },
    google_scopes::{CALENDAR_EVENTS, FOLLOW_BOOKINGS, LIST_CALENDARS, READ_FREE_BUSY},
};

#[derive(Debug)]
pub struct GoogleClient {
    oidc: GoogleOidc,
    calendar: CalendarApi,
    tokens: TokenCustody,
    /// How long one call to Google may take, retries included.
    call_budget: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum DisconnectError {
    /// A grant we cannot revoke must not be forgotten silently: the host
    /// would believe BookMate holds no access while Google says it does.
    #[error("Google could not be reached to revoke the grant: {0}")]
    GoogleUnreachable(String),
    /// No refresh token opens and the access token has expired: nothing
    /// BookMate holds can revoke the grant, which Google may still keep.
    #[error("no token BookMate holds can revoke the grant")]
    NoTokenToRevokeWith,
    #[error(transparent)]
    Database(#[from] DbError),
}

impl GoogleClient {
    /// `secret_key` derives the key that seals hosts' tokens at rest.
    pub fn new(oidc: GoogleOidc, calendar: CalendarApi, secret_key: &str) -> Self {
        Self { oidc, calendar, tokens: TokenCustody::new(secret_key), call_budget: Duration::from_secs(20) }
    }

    /// Sets how long one call to Google may take, retries included.
    #[must_use]
    pub fn with_call_budget(mut self, budget: Duration) -> Self {
        self.call_budget = budget;
        self
    }

    /// The longest one call to Google may take, retries included.
    pub fn call_budget(&self) -> Duration {
        self.call_budget
    }

    /// Sign-in and incremental authorization.
    pub fn oidc(&self) -> &GoogleOidc {
        &self.oidc
    }

    /// The host's connection, as stored: read once per request and handed to
    /// the calls below.
    pub async fn connection(&self, db: &DbPool, user_id: i64) -> Result<GoogleConnection, GoogleCallError> {
        google_connections::find(db, user_id).await?.ok_or(GoogleCallError::NeedsReconnect)
    }

    /// Stores what Google granted a host, tokens sealed.
    pub async fn store_grant(
        &self,
        db: &DbPool,
        user_id: i64,
        authorization: &Authorization,
        now: DateTime<Utc>,
    ) -> Result<(), DbError> {
        let seal = |kind, token: &str| self.tokens.cipher.seal(user_id, kind, token);
        let access_token_sealed = seal(TokenKind::Access, &authorization.access_token);
        let refresh_token_sealed =
            authorization.refresh_token.as_deref().map(|token| seal(TokenKind::Refresh, token));
        let tokens = google_connections::GrantedTokens {
            granted_scopes: &authorization.granted_scopes,
            access_token_sealed: &access_token_sealed,
            access_token_expires_at: authorization.access_token_expires_at,
            refresh_token_sealed: refresh_token_sealed.as_deref(),
            refresh_token_expires_at: authorization.refresh_token_expires_at,
        };
        google_connections::save_grant(db, user_id, &tokens, now).await?;
        // Work that waited for a reconnect is due now, once the grant holds
        // what every Google job needs (a sign-in alone does not: the
        // ReauthProvider then asks for the rest, and that grant wakes them).
        if authorization.granted_scopes.contains(CALENDAR_EVENTS) {
            let woken = google_jobs::wake_for_host(db, user_id, now).await?;
            if woken > 0 {
                tracing::info!(user_id, woken, "Google jobs that waited for a reconnect are due");
            }
        }
        // The exchange itself was a call for the host: it is in their log,
        // with Google's word on when this access ends, if it gave one.
        let purpose = Purpose::SignIn { access_ends: authorization.refresh_token_expires_at };
        let method = (Api::OAuth, "authorization code exchange");
        access_log::record(db, user_id, method, "", &purpose, CallOutcome::Ok).await;
        Ok(())
    }

    /// Whether BookMate holds a refresh token for the host that it can open
    /// and Google has not refused: without one, the host's pages work for an
    /// hour at most.
    pub async fn holds_refresh_token(&self, db: &DbPool, user_id: i64) -> Result<bool, DbError> {
        let Some(connection) = google_connections::find(db, user_id).await? else {
            return Ok(false);
        };
        Ok(connection.needs_reconnect_since.is_none() && self.tokens.refresh_token(&connection).is_some())
    }

    /// Revokes the host's grant at Google (any token of a grant revokes all
    /// of it), then forgets the tokens.
    ///
    /// Google answers 400 for a token it does not know. For a refresh token
    /// that means BookMate's access is gone (revoked, or expired unused), so
    /// the connection is forgotten; a live access token is offered only
    /// with a minute to spare, so its 400 means revoked too. With neither,
    /// the connection stays, and the host is told how to end the grant.
    pub async fn disconnect(&self, db: &DbPool, user_id: i64) -> Result<(), DisconnectError> {
        let Some(connection) = google_connections::find(db, user_id).await? else {
            return Ok(());
        };
        let token = self.tokens.revocable_token(&connection).ok_or(DisconnectError::NoTokenToRevokeWith)?;
        let revoked = self.oidc.revoke(token.secret()).await;
        let outcome = match &revoked {
            Ok(()) => CallOutcome::Ok,
            Err(RevokeError::UnknownToken) => CallOutcome::Refused,
            Err(RevokeError::Unavailable(_)) => CallOutcome::Failed,
        };
        let method = (Api::OAuth, "token revocation");
        access_log::record(db, user_id, method, "", &Purpose::GiveAccessBack, outcome).await;
        match revoked {
            Ok(()) => {}
            Err(RevokeError::UnknownToken) => {
                tracing::info!(user_id, "Google no longer knew BookMate's token; the grant was gone already");
            }
            Err(RevokeError::Unavailable(detail)) => return Err(DisconnectError::GoogleUnreachable(detail)),
        }
        google_connections::delete(db, user_id).await?;
        Ok(())
    }

    /// `calendarList.list`: the calendars the host sees.
    pub async fn calendar_list(
        &self,
        db: &DbPool,
        host: &GoogleConnection,
    ) -> Result<Vec<CalendarListEntry>, GoogleCallError> {
        let calendar = &self.calendar;
        self.caller(db)
            .authorized(
                host,
                &LIST_CALENDARS,
                ("calendarList.list", &Purpose::ListCalendars),
                |token| async move { calendar.calendar_list(&token).await },
            )
            .await
    }

    /// `freebusy.query` over the host's chosen calendars.
    pub async fn free_busy(
        &self,
        db: &DbPool,
        host: &GoogleConnection,
        purpose: &Purpose,
        calendar_ids: &[String],
        time_min: DateTime<Utc>,
        time_max: DateTime<Utc>,
    ) -> Result<FreeBusy, GoogleCallError> {
        let calendar = &self.calendar;
        self.caller(db)
            .authorized(host, &READ_FREE_BUSY, ("freebusy.query", purpose), |token| async move {
                calendar.free_busy(&token, calendar_ids, time_min, time_max).await
            })
            .await
    }

    /// `events.insert` into one of the host's calendars; Google invites the
    /// attendees. Returns the event as Google holds it.
    ///
    /// The event's id is ours, but Google does not promise to notice a
    /// second insert with the same id, so an insert whose answer was lost
    /// (a network error, a 5xx, a timeout: Google may have acted) is followed
    /// by `events.get` of that id before any insert again. `maybe_inserted`
    /// says an earlier attempt, in some process, may have inserted it.
    pub async fn insert_event(
        &self,
        db: &DbPool,
        host: &GoogleConnection,
        calendar_id: &str,
        event: &NewEvent,
        maybe_inserted: bool,
        purpose: &Purpose,
    ) -> Result<GoogleEvent, GoogleCallError> {
        let calendar = &self.calendar;
        let answer_lost = AtomicBool::new(maybe_inserted);
        let answer_lost = &answer_lost;
        self.caller(db)
            .authorized(host, &[CALENDAR_EVENTS], ("events.insert", purpose), |token| async move {
                if answer_lost.load(Ordering::Relaxed) {
                    match calendar.get_event(&token, calendar_id, &event.id).await {
                        Err(CalendarError::NotFound) => {}
                        found => return found,
                    }
                }
                match calendar.insert_event(&token, calendar_id, event).await {
                    Err(CalendarError::Duplicate) => calendar.get_event(&token, calendar_id, &event.id).await,
                    Err(error) if error.is_transient() => {
                        answer_lost.store(true, Ordering::Relaxed);
                        Err(error)
                    }
                    result => result,
                }
            })
            .await
    }

    /// `events.get` of an event BookMate inserted: how Google holds it now
    /// (its Meet link, once Google made it).
    pub async fn event(
        &self,
        db: &DbPool,
        host: &GoogleConnection,
        calendar_id: &str,
        event_id: &str,
        purpose: &Purpose,
    ) -> Result<GoogleEvent, GoogleCallError> {
        let calendar = &self.calendar;
        self.caller(db)
            .authorized(host, &[CALENDAR_EVENTS], ("events.get", purpose), |token| async move {
                calendar.get_event(&token, calendar_id, event_id).await
            })
            .await
    }

    /// `events.patch`: the event moves in place, keeping its id, iCalUID,
    /// attendees and conference; Google tells the attendees. A patch is the
    /// same whenever it is repeated, so a lost answer needs no care.
    pub async fn patch_event(
        &self,
        db: &DbPool,
        host: &GoogleConnection,
        calendar_id: &str,
        event_id: &str,
        patch: &EventPatch,
        purpose: &Purpose,
    ) -> Result<GoogleEvent, GoogleCallError> {
        let calendar = &self.calendar;
        self.caller(db)
            .authorized(host, &[CALENDAR_EVENTS], ("events.patch", purpose), |token| async move {
                match calendar.patch_event(&token, calendar_id, event_id, patch).await {
                    // Google patches a deleted event and leaves it deleted:
                    // for the meeting, that is an event gone.
                    Ok(event) if event.status == "cancelled" => Err(CalendarError::Gone),
                    result => result,
                }
            })
            .await
    }

    /// `events.delete`; Google tells the attendees. A delete repeated after
    /// a lost answer finds the event gone (410): done, not an error.
    pub async fn delete_event(
        &self,
        db: &DbPool,
        host: &GoogleConnection,
        calendar_id: &str,
        event_id: &str,
        purpose: &Purpose,
    ) -> Result<(), GoogleCallError> {
        let calendar = &self.calendar;
        let answer_lost = AtomicBool::new(false);
        let answer_lost = &answer_lost;
        self.caller(db)
            .authorized(host, &[CALENDAR_EVENTS], ("events.delete", purpose), |token| async move {
                match calendar.delete_event(&token, calendar_id, event_id).await {
                    Err(CalendarError::Gone) if answer_lost.load(Ordering::Relaxed) => Ok(()),
                    Err(error) if error.is_transient() => {
                        answer_lost.store(true, Ordering::Relaxed);
                        Err(error)
                    }
                    result => result,
                }
            })
            .await
    }

    /// `events.list` on one of the host's calendars, for following it: a
    /// page of a full read, or of the changes since a sync token (an
    /// expired one is `Refused(Gone)`: read it whole again).
    pub async fn calendar_changes(
        &self,
        db: &DbPool,
        host: &GoogleConnection,
        calendar_id: &str,
        from: &ListFrom,
        page_token: Option<&str>,
    ) -> Result<EventsPage, GoogleCallError> {
        let calendar = &self.calendar;
        self.caller(db)
            .authorized(
                host,
                &FOLLOW_BOOKINGS,
                ("events.list", &Purpose::FollowBookings),
                |token| async move { calendar.list_events(&token, calendar_id, from, page_token).await },
            )
            .await
    }

    /// `events.watch`: Google will POST to `channel.address` when the
    /// calendar's events change.
    pub async fn watch_calendar(
        &self,
        db: &DbPool,
        host: &GoogleConnection,
        calendar_id: &str,
        channel: &NewChannel,
    ) -> Result<OpenChannel, GoogleCallError> {
        let calendar = &self.calendar;
        let purpose = Purpose::WatchCalendar;
        self.caller(db)
            .authorized(host, &FOLLOW_BOOKINGS, ("events.watch", &purpose), |token| async move {
                calendar.watch_events(&token, calendar_id, channel).await
            })
            .await
    }

    /// `channels.stop`: no more notifications on that channel.
    pub async fn stop_watching(
        &self,
        db: &DbPool,
        host: &GoogleConnection,
        channel_id: &str,
        resource_id: &str,
    ) -> Result<(), GoogleCallError> {
        let calendar = &self.calendar;
        let purpose = Purpose::StopWatching;
        self.caller(db)
            .authorized(host, &FOLLOW_BOOKINGS, ("channels.stop", &purpose), |token| async move {
                calendar.stop_channel(&token, channel_id, resource_id).await
            })
            .await
    }

    fn caller<'a>(&'a self, db: &'a DbPool) -> Caller<'a> {
        Caller { oidc: &self.oidc, tokens: &self.tokens, db, budget: self.call_budget }
    }
}
