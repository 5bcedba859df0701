//! An emulator of the parts of Google that BookMate talks to: OAuth 2.0 and
//! OpenID Connect (discovery, consent with incremental and granular grants,
//! PKCE, tokens, refresh, revocation, tokeninfo, userinfo, RS256 ID tokens)
//! and the Calendar API v3 (calendarList.list, events list/get/insert/patch/
//! delete/watch with incremental sync and push notifications, channels.stop,
//! freebusy.query) with Google's scope checks and error shapes.
//!
//! One router serves Google's own paths, so only the origin differs from
//! Google; it can be nested under a prefix (BookMate mounts it at
//! `/__google`) as long as `issuer` says where. `/__emulator/…` is the control
//! API for tests, served only by `router_with_controls` (clock, faults, grants, consent presets, recorded calls and
//! invitations); the same controls are methods on [`Emulator`].
//!
//! State is in memory, behind one mutex that is never held across an await.
//!
//! ```no_run
//! use google_emulator::{Emulator, EmulatorConfig, Seed};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let seed = Seed::development(vec!["http://127.0.0.1:3000/auth/google/callback".to_owned()]);
//! let emulator = Emulator::new(EmulatorConfig::new("http://127.0.0.1:3000/__google".parse()?, seed));
//! let app = axum::Router::new().nest("/__google", emulator.router());
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! axum::serve(listener, app).await?;
//! # Ok(())
//! # }
//! ```

/// Calendar API v3 routes under `/calendar/v3`.
mod calendar;
/// The clock tests move forward.
mod clock;
/// `EmulatorConfig`.
mod config;
/// The test-only control API under `/__emulator`.
mod control;
/// Error types: Google's Calendar envelope and seed loading.
mod error;
/// Injected failures.
mod faults;
/// RS256 signing keys, the JWKS, `at_hash` and PKCE hashing.
mod jwt;
/// Google's OAuth 2.0 / OIDC routes.
mod oauth;
/// Short and long scope names.
mod scopes;
/// The seed format and the development seed.
pub mod seed;
/// The in-memory state behind the mutex.
mod state;

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex, MutexGuard},
};

use axum::Router;
use chrono::{DateTime, Duration, Utc};

pub use calendar::watch::{PushDelivery, WatchChannel};
pub use config::EmulatorConfig;
pub use error::SeedError;
pub use faults::Fault;
pub use scopes::{is_sign_in_scope, normalize_scope, SCOPE_EMAIL, SCOPE_PROFILE};
pub use seed::{
    EventTime, Seed, SeedAccount, SeedCalendar, SeedClient, SeedEvent, DEVELOPMENT_CLIENT_ID,
    DEVELOPMENT_CLIENT_SECRET,
};
use state::{
    random_event_id, random_ical_uid, random_token, AccessTokenRecord, Calendar, Code, PendingAuthorization,
    RefreshTokenRecord, State,
};
pub use state::{Account, ConferenceCreation, ConsentDecision, Event, Grant, GrantView, Notification};

/// A handle on one emulator: cheap to clone, shared by its router and tests.
#[derive(Clone)]
pub struct Emulator {
    shared: Arc<Shared>,
}

struct Shared {
    issuer: String,
    initial_seed: Seed,
    access_token_lifetime: Duration,
    page_size: usize,
    freebusy_max_range: Duration,
    keys: Mutex<jwt::SigningKeys>,
    state: Mutex<State>,
}

impl Emulator {
    pub fn new(config: EmulatorConfig) -> Self {
        let mut state = State::default();
        state.load(&config.seed, Utc::now());
        let issuer = config.issuer.as_str().trim_end_matches('/').to_owned();
        let lifetime = Duration::from_std(config.access_token_lifetime).unwrap_or(Duration::seconds(3599));
        Self {
            shared: Arc::new(Shared {
                issuer,
                initial_seed: config.seed.clone(),
                access_token_lifetime: lifetime,
                page_size: config.page_size.max(1),
                freebusy_max_range: Duration::from_std(config.freebusy_max_range)
                    .unwrap_or(Duration::days(90)),
                keys: Mutex::new(jwt::SigningKeys::shared()),
                state: Mutex::new(state),
            }),
        }
    }

    pub fn issuer(&self) -> &str {
        &self.shared.issuer
    }

    /// Google's paths only: what an app signs in and calls through.
    pub fn router(&self) -> Router {
        Router::new().merge(oauth::router()).merge(calendar::router()).with_state(self.clone())
    }

    /// Google's paths and the control API under `/__emulator`, which shows
    /// live tokens and can reset every grant: for tests, never for people.
    pub fn router_with_controls(&self) -> Router {
        self.router().merge(control::router().with_state(self.clone()))
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.shared.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn keys(&self) -> MutexGuard<'_, jwt::SigningKeys> {
        self.shared.keys.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The emulator's clock: real time, moved forward by tests.
    pub fn now(&self) -> DateTime<Utc> {
        self.state().clock.now()
    }

    pub fn advance_clock(&self, by: Duration) {
        self.state().clock.advance(by);
    }

    pub fn accounts(&self) -> Vec<Account> {
        self.state().accounts.clone()
    }

    /// What an account has granted a client, if anything.
    pub fn grant(&self, email: &str, client_id: &str) -> Option<Grant> {
        let state = self.state();
        let sub = state.account_by_hint(email)?.sub.clone();
        state.grants.get(&(sub, client_id.to_owned())).cloned()
    }

    /// As if the person removed the app at myaccount.google.com.
    pub fn revoke_grant(&self, email: &str, client_id: &str) {
        let mut state = self.state();
        if let Some(sub) = state.account_by_hint(email).map(|account| account.sub.clone()) {
            state.revoke_grant(&sub, client_id);
        }
    }

    /// Registers another OAuth client, as creating one in Google Cloud
    /// Console would (an operator rotating BookMate's client, say).
    pub fn add_client(&self, client: SeedClient) {
        self.state().clients.insert(client.client_id.clone(), client);
    }

    /// As if the client were deleted in the Cloud console: its token
    /// requests answer 401 `deleted_client` and its authorization requests
    /// an error page. False if there is no such client.
    pub fn delete_client(&self, client_id: &str) -> bool {
        let mut state = self.state();
        if state.clients.remove(client_id).is_none() {
            return false;
        }
        state.deleted_clients.insert(client_id.to_owned());
        true
    }

    pub fn set_consent(&self, email: &str, decision: ConsentDecision) {
        self.state().consent_presets.insert(email.to_ascii_lowercase(), decision);
    }

    /// The next token issued for this account leaves these scopes out, as if
    /// the grant had been narrowed behind the client's back.
    pub fn narrow_next_token(&self, email: &str, without: Vec<String>) {
        self.state().narrow_next_token.insert(email.to_ascii_lowercase(), without);
    }

    /// Google stops honouring these scopes for this account and client: the
    /// grant and every live access token of it lose them, while refresh
    /// tokens stay valid. A client whose own record still lists them meets
    /// 403 `insufficientPermissions` on the calls that need them.
    pub fn withdraw_scopes(&self, email: &str, client_id: &str, scopes: &[String]) {
        let mut state = self.state();
        let Some(sub) = state.account_by_hint(email).map(|account| account.sub.clone()) else {
            return;
        };
        let withdrawn: Vec<String> = scopes.iter().map(String::as_str).map(normalize_scope).collect();
        if let Some(grant) = state.grants.get_mut(&(sub.clone(), client_id.to_owned())) {
            grant.scopes.retain(|scope| !withdrawn.contains(scope));
        }
        for token in
            state.access_tokens.values_mut().filter(|token| token.sub == sub && token.client_id == client_id)
        {
            token.scopes.retain(|scope| !withdrawn.contains(scope));
        }
    }

    /// The next ID token carries these claims instead of the true ones (a
    /// wrong `aud`, `iss` or `nonce`), so clients can prove they check them.
    pub fn tamper_next_id_token(&self, claims: serde_json::Map<String, serde_json::Value>) {
        self.state().tamper_next_id_token = Some(claims);
    }

    /// While on, ID tokens (from code exchange and refresh) carry the issuer
    /// without its scheme (`accounts.google.com` for
    /// `https://accounts.google.com`), which Google documents as equally
    /// valid; discovery and the redirect's `iss` keep the full URL.
    pub fn set_bare_issuer(&self, enabled: bool) {
        self.state().bare_issuer = enabled;
    }

    pub fn inject_fault(&self, endpoint: &str, fault: Fault, times: usize) {
        self.queue_fault(endpoint, faults::InjectedFault { fault, after_effect: false }, times);
    }

    /// The next `times` calls to an endpoint take effect (the event is
    /// inserted, patched or deleted; the tokens are issued) and then answer
    /// with the fault instead, or late: a lost answer. Calendar writes and
    /// the token endpoint; on a read it is an ordinary fault.
    pub fn inject_lost_answer(&self, endpoint: &str, fault: Fault, times: usize) {
        self.queue_fault(endpoint, faults::InjectedFault { fault, after_effect: true }, times);
    }

    fn queue_fault(&self, endpoint: &str, fault: faults::InjectedFault, times: usize) {
        let mut state = self.state();
        let queue = state.faults.entry(endpoint.to_owned()).or_default();
        queue.extend(std::iter::repeat_n(fault, times));
    }

    /// The next `times` inserts reusing an existing event id are stored as a
    /// second event with that id instead of answering 409 `duplicate`:
    /// Google's reference warns it cannot guarantee to detect collisions at
    /// creation time. `events.get` then returns the first.
    pub fn miss_duplicate_ids(&self, times: usize) {
        self.state().missed_duplicate_ids = times;
    }

    /// How the next inserts asking for a Meet conference are answered.
    pub fn create_conferences(&self, how: ConferenceCreation) {
        self.state().conference_creation = how;
    }

    /// Calls answered per endpoint (`token.refresh_token`, `freebusy`, …).
    pub fn calls(&self) -> BTreeMap<String, u64> {
        self.state().calls.clone()
    }

    /// Calendar and userinfo calls per bearer token presented, live or not
    /// (faulted calls included),
    /// so a test can tell which token a client used.
    /// Every access and refresh token issued so far, for tests that look for
    /// them where they must never be.
    pub fn issued_tokens(&self) -> Vec<String> {
        let state = self.state();
        state.access_tokens.keys().chain(state.refresh_tokens.keys()).cloned().collect()
    }

    pub fn calls_by_token(&self) -> BTreeMap<String, u64> {
        self.state().calls_by_token.clone()
    }

    /// The next refresh answers `invalid_grant`, as after the person
    /// revoked access or a Testing client's 7 days ran out.
    pub fn fail_next_refresh(&self) {
        let fault = Fault { status: 400, retry_after_seconds: None, delay_ms: None };
        self.inject_fault("token.refresh_token", fault, 1);
    }

    /// Makes every access token of this account expire now (all clients),
    /// leaving refresh tokens alone: the state after an hour away.
    pub fn expire_access_tokens(&self, email: &str) {
        let now = self.now();
        let mut state = self.state();
        let Some(sub) = state.account_by_hint(email).map(|account| account.sub.clone()) else {
            return;
        };
        for token in state.access_tokens.values_mut().filter(|token| token.sub == sub) {
            token.expires_at = token.expires_at.min(now);
        }
    }

    pub fn notifications(&self) -> Vec<Notification> {
        self.state().notifications.clone()
    }

    /// Events that clients inserted, with their calendar ids.
    pub fn inserted_events(&self) -> Vec<(String, Event)> {
        let state = self.state();
        state
            .inserted_events
            .iter()
            .filter_map(|(calendar_id, event_id, nth)| {
                state
                    .calendars
                    .values()
                    .flatten()
                    .find(|calendar| &calendar.entry.id == calendar_id)?
                    .events
                    .iter()
                    .filter(|event| &event.id == event_id)
                    .nth(*nth)
                    .map(|event| (calendar_id.clone(), event.clone()))
            })
            .collect()
    }

    /// Signs with a newly generated key from now on, one no client has
    /// cached, publishing it beside the previous signing key; the oldest
    /// published key drops out. Takes a fraction of a second (RSA keygen).
    pub fn rotate_signing_key(&self) {
        let fresh = jwt::SigningKeys::new_key();
        self.keys().rotate(fresh);
    }

    /// Starts over from the seed the emulator was built with.
    pub fn reset_to_initial_seed(&self) {
        let seed = self.shared.initial_seed.clone();
        self.reset(&seed);
    }

    /// Every grant: which account gave which client which scopes.
    pub fn grants(&self) -> Vec<GrantView> {
        let state = self.state();
        let mut grants: Vec<GrantView> = state
            .grants
            .iter()
            .map(|((sub, client_id), grant)| GrantView {
                email: state
                    .accounts
                    .iter()
                    .find(|account| &account.sub == sub)
                    .map(|account| account.email.clone())
                    .unwrap_or_default(),
                sub: sub.clone(),
                client_id: client_id.clone(),
                scopes: grant.scopes.clone(),
            })
            .collect();
        grants.sort_by(|a, b| (&a.email, &a.client_id).cmp(&(&b.email, &b.client_id)));
        grants
    }

    pub fn reset(&self, seed: &Seed) {
        let now = self.now();
        let mut state = self.state();
        *state = State::default();
        state.load(seed, now);
    }
}
