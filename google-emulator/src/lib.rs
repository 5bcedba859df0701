//! An emulator of the parts of Google that BookMate talks to: OAuth 2.0 and
//! OpenID Connect (discovery, consent with incremental and granular grants,
//! PKCE, tokens, refresh, revocation, tokeninfo, userinfo, RS256 ID tokens)
//! and the Calendar API v3 (calendarList.list, events list/get/insert/delete,
//! freebusy.query) with Google's scope checks and error shapes.
//!
//! One router serves Google's own paths, so only the origin differs from
//! Google; it can be nested under a prefix (BookMate mounts it at
//! `/__google`) as long as `issuer` says where. `/__emulator/…` is the control
//! API for tests: clock, faults, grants, recorded calls and notifications.
//!
//! State is in memory, behind one mutex that is never held across an await.

mod calendar;
mod control;
mod keys;
mod oauth;
pub mod seed;

use std::{
    collections::{BTreeMap, BTreeSet, HashMap, VecDeque},
    sync::{Arc, Mutex, MutexGuard},
};

use axum::Router;
use chrono::{DateTime, Duration, Utc};
pub use seed::{Seed, DEVELOPMENT_CLIENT_ID, DEVELOPMENT_CLIENT_SECRET};
use seed::{SeedCalendar, SeedClient, SeedEvent};
use serde::{Deserialize, Serialize};

pub const SCOPE_EMAIL: &str = "https://www.googleapis.com/auth/userinfo.email";
pub const SCOPE_PROFILE: &str = "https://www.googleapis.com/auth/userinfo.profile";

/// Google's long forms: `email` and `profile` are answered as userinfo URLs.
pub fn normalize_scope(scope: &str) -> String {
    match scope {
        "email" => SCOPE_EMAIL.to_owned(),
        "profile" => SCOPE_PROFILE.to_owned(),
        other => other.to_owned(),
    }
}

/// Scopes Google shows on its Sign-In consent, granted all together; every
/// other scope gets its own checkbox (granular consent).
pub fn is_sign_in_scope(scope: &str) -> bool {
    matches!(scope, "openid" | SCOPE_EMAIL | SCOPE_PROFILE)
}

#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// Where the emulator's routes are served, without a trailing slash, e.g.
    /// `http://127.0.0.1:4000` or `http://127.0.0.1:3000/__google`.
    pub issuer: String,
    pub seed: Seed,
    pub access_token_lifetime: Duration,
    /// Page size for list calls, small enough for tests to see paging.
    pub page_size: usize,
}

impl EmulatorConfig {
    pub fn new(issuer: &str, seed: Seed) -> Self {
        Self {
            issuer: issuer.trim_end_matches('/').to_owned(),
            seed,
            access_token_lifetime: Duration::seconds(3599),
            page_size: 100,
        }
    }
}

/// A handle on one emulator: cheap to clone, shared by its router and tests.
#[derive(Clone)]
pub struct Emulator {
    shared: Arc<Shared>,
}

struct Shared {
    issuer: String,
    access_token_lifetime: Duration,
    page_size: usize,
    keys: Mutex<keys::SigningKeys>,
    state: Mutex<State>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Account {
    pub sub: String,
    pub email: String,
    pub name: String,
    pub picture: Option<String>,
    pub time_zone: String,
}

#[derive(Debug, Clone)]
struct Calendar {
    entry: SeedCalendar,
    events: Vec<Event>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub id: String,
    pub summary: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub start: seed::EventTime,
    pub end: seed::EventTime,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transparency: Option<String>,
    pub status: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub recurrence: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attendees: Vec<serde_json::Value>,
    #[serde(rename = "iCalUID")]
    pub ical_uid: String,
    pub created: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recurring_event_id: Option<String>,
}

/// Everything Google granted one client for one account (a "combined
/// authorization").
#[derive(Debug, Clone, Default, Serialize)]
pub struct Grant {
    pub scopes: BTreeSet<String>,
}

#[derive(Debug, Clone)]
struct PendingAuthorization {
    client_id: String,
    redirect_uri: String,
    scopes: Vec<String>,
    state: Option<String>,
    nonce: Option<String>,
    code_challenge: Option<(String, String)>,
    offline: bool,
    include_granted_scopes: bool,
    login_hint: Option<String>,
    force_consent: bool,
}

#[derive(Debug, Clone)]
struct Code {
    client_id: String,
    redirect_uri: String,
    sub: String,
    scopes: BTreeSet<String>,
    nonce: Option<String>,
    code_challenge: Option<(String, String)>,
    issued_at: DateTime<Utc>,
    offline: bool,
    consent_shown: bool,
    used: bool,
    issued_tokens: Vec<String>,
}

#[derive(Debug, Clone)]
struct AccessTokenRecord {
    sub: String,
    client_id: String,
    scopes: BTreeSet<String>,
    expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
struct RefreshTokenRecord {
    sub: String,
    client_id: String,
    issued_at: DateTime<Utc>,
    expires_at: Option<DateTime<Utc>>,
}

/// A failure to answer instead of the real thing, for the next call to an
/// endpoint.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Fault {
    /// 429, 500, 503…; or 400 with `invalid_grant` for the token endpoint.
    pub status: u16,
    #[serde(default)]
    pub retry_after_seconds: Option<u64>,
    /// Answer normally, but this much later.
    #[serde(default)]
    pub delay_ms: Option<u64>,
}

/// What the next consent for an account decides, instead of a person.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "decision")]
pub enum ConsentDecision {
    /// Grant everything asked for.
    Allow,
    /// Grant all but these (granular consent: unticked boxes).
    AllowExcept { scopes: Vec<String> },
    /// Press Cancel.
    Deny,
}

/// An invitation Google would have emailed because of `sendUpdates`.
#[derive(Debug, Clone, Serialize)]
pub struct Notification {
    pub calendar_id: String,
    pub event_id: String,
    pub recipient: String,
    pub method: String,
}

#[derive(Default)]
struct State {
    clock_offset: Duration,
    clients: HashMap<String, SeedClient>,
    accounts: Vec<Account>,
    calendars: HashMap<String, Vec<Calendar>>,
    grants: HashMap<(String, String), Grant>,
    pending: HashMap<String, PendingAuthorization>,
    codes: HashMap<String, Code>,
    access_tokens: HashMap<String, AccessTokenRecord>,
    refresh_tokens: HashMap<String, RefreshTokenRecord>,
    faults: HashMap<String, VecDeque<Fault>>,
    calls: BTreeMap<String, u64>,
    notifications: Vec<Notification>,
    consent_presets: HashMap<String, ConsentDecision>,
    narrow_next_token: HashMap<String, Vec<String>>,
    tamper_next_id_token: Option<serde_json::Map<String, serde_json::Value>>,
    inserted_events: Vec<(String, String)>,
}

impl State {
    fn load(&mut self, seed: &Seed, now: DateTime<Utc>) {
        self.clients = seed.clients.iter().map(|client| (client.client_id.clone(), client.clone())).collect();
        self.accounts = seed
            .accounts
            .iter()
            .map(|account| Account {
                sub: account.sub.clone(),
                email: account.email.clone(),
                name: account.name.clone(),
                picture: account.picture.clone(),
                time_zone: account.time_zone.clone(),
            })
            .collect();
        self.calendars = seed
            .accounts
            .iter()
            .map(|account| {
                let calendars = account
                    .calendars
                    .iter()
                    .map(|calendar| Calendar {
                        entry: SeedCalendar { events: Vec::new(), ..calendar.clone() },
                        events: calendar.events.iter().map(|event| seeded_event(event, now)).collect(),
                    })
                    .collect();
                (account.sub.clone(), calendars)
            })
            .collect();
    }

    fn account_by_hint(&self, hint: &str) -> Option<&Account> {
        self.accounts.iter().find(|account| account.sub == hint || account.email.eq_ignore_ascii_case(hint))
    }

    fn record_call(&mut self, endpoint: &str) {
        *self.calls.entry(endpoint.to_owned()).or_default() += 1;
    }

    fn next_fault(&mut self, endpoint: &str) -> Option<Fault> {
        self.faults.get_mut(endpoint)?.pop_front()
    }

    /// Revokes a whole grant: every token of that account and client.
    fn revoke_grant(&mut self, sub: &str, client_id: &str) {
        self.grants.remove(&(sub.to_owned(), client_id.to_owned()));
        self.access_tokens.retain(|_, token| !(token.sub == sub && token.client_id == client_id));
        self.refresh_tokens.retain(|_, token| !(token.sub == sub && token.client_id == client_id));
    }
}

fn seeded_event(event: &SeedEvent, now: DateTime<Utc>) -> Event {
    let id = event.id.clone().unwrap_or_else(random_event_id);
    Event {
        ical_uid: format!("{id}@google.com"),
        id,
        summary: event.summary.clone(),
        description: None,
        start: event.start.clone(),
        end: event.end.clone(),
        transparency: event.transparency.clone(),
        status: event.status.clone().unwrap_or_else(|| "confirmed".to_owned()),
        recurrence: event.recurrence.clone(),
        attendees: Vec::new(),
        created: now,
        updated: now,
        recurring_event_id: None,
    }
}

/// base32hex, as Google's event ids are.
fn random_event_id() -> String {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuv";
    (0..26).map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char).collect()
}

fn random_token(prefix: &str, length: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let body: String = (0..length).map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char).collect();
    format!("{prefix}{body}")
}

impl Emulator {
    pub fn new(config: EmulatorConfig) -> Self {
        let mut state = State::default();
        state.load(&config.seed, Utc::now());
        Self {
            shared: Arc::new(Shared {
                issuer: config.issuer,
                access_token_lifetime: config.access_token_lifetime,
                page_size: config.page_size.max(1),
                keys: Mutex::new(keys::SigningKeys::generate()),
                state: Mutex::new(state),
            }),
        }
    }

    pub fn issuer(&self) -> &str {
        &self.shared.issuer
    }

    /// Google's paths, and the control API under `/__emulator`.
    pub fn router(&self) -> Router {
        Router::new()
            .merge(oauth::router())
            .merge(calendar::router())
            .merge(control::router())
            .with_state(self.clone())
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.shared.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn keys(&self) -> MutexGuard<'_, keys::SigningKeys> {
        self.shared.keys.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The emulator's clock: real time, moved forward by tests.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.state().clock_offset
    }

    pub fn advance_clock(&self, by: Duration) {
        self.state().clock_offset += by;
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

    pub fn set_consent(&self, email: &str, decision: ConsentDecision) {
        self.state().consent_presets.insert(email.to_ascii_lowercase(), decision);
    }

    /// The next token issued for this account leaves these scopes out, as if
    /// the grant had been narrowed behind the client's back.
    pub fn narrow_next_token(&self, email: &str, without: Vec<String>) {
        self.state().narrow_next_token.insert(email.to_ascii_lowercase(), without);
    }

    /// The next ID token carries these claims instead of the true ones (a
    /// wrong `aud`, `iss` or `nonce`), so clients can prove they check them.
    pub fn tamper_next_id_token(&self, claims: serde_json::Map<String, serde_json::Value>) {
        self.state().tamper_next_id_token = Some(claims);
    }

    pub fn inject_fault(&self, endpoint: &str, fault: Fault, times: usize) {
        let mut state = self.state();
        let queue = state.faults.entry(endpoint.to_owned()).or_default();
        queue.extend(std::iter::repeat_n(fault, times));
    }

    /// Calls answered per endpoint (`token.refresh_token`, `freebusy`, …).
    pub fn calls(&self) -> BTreeMap<String, u64> {
        self.state().calls.clone()
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
            .filter_map(|(calendar_id, event_id)| {
                state
                    .calendars
                    .values()
                    .flatten()
                    .find(|calendar| &calendar.entry.id == calendar_id)?
                    .events
                    .iter()
                    .find(|event| &event.id == event_id)
                    .map(|event| (calendar_id.clone(), event.clone()))
            })
            .collect()
    }

    /// Adds an event to an account's calendar, as if made in Google Calendar.
    pub fn add_event(&self, calendar_id: &str, event: &SeedEvent) -> Option<String> {
        let now = self.now();
        let mut state = self.state();
        let calendar =
            state.calendars.values_mut().flatten().find(|calendar| calendar.entry.id == calendar_id)?;
        let event = seeded_event(event, now);
        let id = event.id.clone();
        calendar.events.push(event);
        Some(id)
    }

    pub fn rotate_signing_key(&self) {
        self.keys().rotate();
    }

    pub fn reset(&self, seed: &Seed) {
        let now = self.now();
        let mut state = self.state();
        *state = State::default();
        state.load(seed, now);
    }
}
