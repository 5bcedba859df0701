//! The emulator's in-memory world: accounts and their calendars, grants,
//! codes and tokens, and what tests asked for (faults, consent presets,
//! recorded calls and invitations). It lives behind one mutex in
//! [`crate::Emulator`], never held across an `.await`.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{
    clock::Clock,
    faults::InjectedFault,
    seed::{EventTime, SeedCalendar, SeedClient, SeedEvent},
    Seed,
};

#[derive(Debug, Clone, Serialize)]
pub struct Account {
    pub sub: String,
    pub email: String,
    pub name: String,
    pub picture: Option<String>,
    pub time_zone: String,
}

#[derive(Debug, Clone)]
pub(crate) struct Calendar {
    pub(crate) entry: SeedCalendar,
    pub(crate) events: Vec<Event>,
    /// The calendar's last change number: every write to one of its events
    /// takes the next one (what sync tokens count).
    pub(crate) changes: u64,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub id: String,
    pub summary: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub start: EventTime,
    pub end: EventTime,
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
    /// Fields kept as the client sent them (`location`, `reminders`, …) and
    /// the conference Google created (`hangoutLink`, `conferenceData`).
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
    /// The calendar's change number of the event's last change (0: as
    /// seeded), for incremental sync.
    #[serde(skip)]
    pub(crate) change: u64,
}

/// One grant as the control API reports it.
#[derive(Debug, Clone, Serialize)]
pub struct GrantView {
    pub email: String,
    pub sub: String,
    pub client_id: String,
    pub scopes: BTreeSet<String>,
}

/// Everything Google granted one client for one account (a "combined
/// authorization").
#[derive(Debug, Clone, Default, Serialize)]
pub struct Grant {
    pub scopes: BTreeSet<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct PendingAuthorization {
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) scopes: Vec<String>,
    pub(crate) state: Option<String>,
    pub(crate) nonce: Option<String>,
    pub(crate) code_challenge: Option<(String, String)>,
    pub(crate) offline: bool,
    pub(crate) include_granted_scopes: bool,
    pub(crate) login_hint: Option<String>,
    pub(crate) force_consent: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct Code {
    pub(crate) client_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) sub: String,
    pub(crate) scopes: BTreeSet<String>,
    pub(crate) nonce: Option<String>,
    pub(crate) code_challenge: Option<(String, String)>,
    pub(crate) issued_at: DateTime<Utc>,
    pub(crate) offline: bool,
    pub(crate) consent_shown: bool,
    pub(crate) used: bool,
    pub(crate) issued_tokens: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct AccessTokenRecord {
    pub(crate) sub: String,
    pub(crate) client_id: String,
    pub(crate) scopes: BTreeSet<String>,
    pub(crate) expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub(crate) struct RefreshTokenRecord {
    pub(crate) sub: String,
    pub(crate) client_id: String,
    pub(crate) issued_at: DateTime<Utc>,
    pub(crate) expires_at: Option<DateTime<Utc>>,
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

/// Consent pages open at once; beyond this the oldest is forgotten, so a
/// stream of authorization requests cannot grow the emulator without end.
const MAX_PENDING: usize = 1_000;

impl State {
    pub(crate) fn remember_pending(&mut self, request_id: String, pending: PendingAuthorization) {
        while self.pending_order.len() >= MAX_PENDING {
            if let Some(oldest) = self.pending_order.pop_front() {
                self.pending.remove(&oldest);
            }
        }
        self.pending_order.push_back(request_id.clone());
        self.pending.insert(request_id, pending);
    }

    pub(crate) fn take_pending(&mut self, request_id: &str) -> Option<PendingAuthorization> {
        let pending = self.pending.remove(request_id)?;
        self.pending_order.retain(|id| id != request_id);
        Some(pending)
    }
}

#[derive(Default)]
pub(crate) struct State {
    pub(crate) clock: Clock,
    pub(crate) clients: HashMap<String, SeedClient>,
    /// Clients deleted in the Cloud console: known to Google, refused with
    /// `deleted_client` rather than `invalid_client`.
    pub(crate) deleted_clients: BTreeSet<String>,
    pub(crate) accounts: Vec<Account>,
    pub(crate) calendars: HashMap<String, Vec<Calendar>>,
    pub(crate) grants: HashMap<(String, String), Grant>,
    pub(crate) pending: HashMap<String, PendingAuthorization>,
    /// The pending authorizations' ids, oldest first, to bound the map.
    pub(crate) pending_order: VecDeque<String>,
    pub(crate) codes: HashMap<String, Code>,
    pub(crate) access_tokens: HashMap<String, AccessTokenRecord>,
    pub(crate) refresh_tokens: HashMap<String, RefreshTokenRecord>,
    pub(crate) faults: HashMap<String, VecDeque<InjectedFault>>,
    pub(crate) calls: BTreeMap<String, u64>,
    pub(crate) calls_by_token: BTreeMap<String, u64>,
    pub(crate) notifications: Vec<Notification>,
    pub(crate) consent_presets: HashMap<String, ConsentDecision>,
    pub(crate) narrow_next_token: HashMap<String, Vec<String>>,
    pub(crate) tamper_next_id_token: Option<serde_json::Map<String, serde_json::Value>>,
    /// ID tokens carry the issuer without its scheme, the other form Google
    /// documents for `iss`.
    pub(crate) bare_issuer: bool,
    /// Inserted events as (calendar id, event id, which of the events with
    /// that id), since a missed duplicate shares its id with another.
    pub(crate) inserted_events: Vec<(String, String, usize)>,
    /// How many more inserts reusing an existing id are stored instead of
    /// refused, as Google warns collisions may go undetected.
    pub(crate) missed_duplicate_ids: usize,
    pub(crate) conference_creation: ConferenceCreation,
    /// Encoded in every sync token: a token of another epoch is expired.
    /// Random per load, so a reset expires every token too.
    pub(crate) sync_epoch: u64,
    /// Live notification channels (`events.watch`).
    pub(crate) channels: Vec<crate::calendar::watch::Channel>,
    /// Every channel id ever taken, per client (Google's "project").
    pub(crate) channel_ids: BTreeSet<(String, String)>,
    /// The opaque `resourceId` of each watched calendar, stable for its life.
    pub(crate) resource_ids: HashMap<String, String>,
    /// Notifications pushed to channels, with their receivers' answers.
    pub(crate) pushes: VecDeque<crate::calendar::watch::PushDelivery>,
}

/// How Google answers an insert that asks for a Meet conference.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ConferenceCreation {
    /// Made at once: the answer has the link.
    #[default]
    Succeeds,
    /// Still being made: the answer's request is `pending`, with no link;
    /// the event has one by the next `events.get`.
    Pending,
    /// Not made: the request's status is `failure`.
    Fails,
}

impl State {
    pub(crate) fn load(&mut self, seed: &Seed, now: DateTime<Utc>) {
        self.sync_epoch = rand::random();
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
                        changes: 0,
                    })
                    .collect();
                (account.sub.clone(), calendars)
            })
            .collect();
    }

    pub(crate) fn account_by_hint(&self, hint: &str) -> Option<&Account> {
        self.accounts.iter().find(|account| account.sub == hint || account.email.eq_ignore_ascii_case(hint))
    }

    pub(crate) fn record_call(&mut self, endpoint: &str) {
        *self.calls.entry(endpoint.to_owned()).or_default() += 1;
    }

    pub(crate) fn record_token_call(&mut self, token: &str) {
        *self.calls_by_token.entry(token.to_owned()).or_default() += 1;
    }

    pub(crate) fn next_fault(&mut self, endpoint: &str) -> Option<InjectedFault> {
        self.faults.get_mut(endpoint)?.pop_front()
    }

    /// Revokes a whole grant: every token of that account and client.
    pub(crate) fn revoke_grant(&mut self, sub: &str, client_id: &str) {
        self.grants.remove(&(sub.to_owned(), client_id.to_owned()));
        self.access_tokens.retain(|_, token| !(token.sub == sub && token.client_id == client_id));
        self.refresh_tokens.retain(|_, token| !(token.sub == sub && token.client_id == client_id));
    }
}

pub(crate) fn seeded_event(event: &SeedEvent, now: DateTime<Utc>) -> Event {
    let id = event.id.clone().unwrap_or_else(random_event_id);
    Event {
        ical_uid: random_ical_uid(),
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
        extra: serde_json::Map::new(),
        change: 0,
    }
}

/// base32hex, as Google's event ids are.
pub(crate) fn random_event_id() -> String {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuv";
    (0..26).map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char).collect()
}

/// An iCalendar UID unrelated to the event id, as Google's are: clients must
/// read it from the event, never derive it.
pub(crate) fn random_ical_uid() -> String {
    format!("{}@google.com", random_event_id())
}

pub(crate) fn random_token(prefix: &str, length: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let body: String = (0..length).map(|_| ALPHABET[rand::random_range(0..ALPHABET.len())] as char).collect();
    format!("{prefix}{body}")
}
