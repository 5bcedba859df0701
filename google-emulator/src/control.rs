//! The control API for tests, under `/__emulator/…`: outside Google's paths,
//! never something a client of Google would call.

use axum::{
    extract::{Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use chrono::{DateTime, Duration, FixedOffset};
use serde::Deserialize;
use serde_json::json;

use crate::{seed::SeedEvent, ConsentDecision, Emulator, Fault, Seed};

pub(crate) fn router() -> Router<Emulator> {
    Router::new()
        .route("/__emulator/clock", get(clock).post(advance_clock))
        .route("/__emulator/grants", get(grant))
        .route("/__emulator/revoke-grant", post(revoke_grant))
        .route("/__emulator/delete-client", post(delete_client))
        .route("/__emulator/consent", post(consent))
        .route("/__emulator/narrow-next-token", post(narrow_next_token))
        .route("/__emulator/withdraw-scopes", post(withdraw_scopes))
        .route("/__emulator/faults", post(fault))
        .route("/__emulator/miss-duplicate-ids", post(miss_duplicate_ids))
        .route("/__emulator/tamper-next-id-token", post(tamper_next_id_token))
        .route("/__emulator/bare-issuer", post(bare_issuer))
        .route("/__emulator/calls", get(calls))
        .route("/__emulator/calls-by-token", get(calls_by_token))
        .route("/__emulator/expire-tokens", post(expire_tokens))
        .route("/__emulator/fail-next-refresh", post(fail_next_refresh))
        .route("/__emulator/notifications", get(notifications))
        .route("/__emulator/events", get(inserted_events).post(add_event))
        .route("/__emulator/host-delete-event", post(host_delete_event))
        .route("/__emulator/host-move-event", post(host_move_event))
        .route("/__emulator/expire-sync-tokens", post(expire_sync_tokens))
        .route("/__emulator/channels", get(channels))
        .route("/__emulator/pushes", get(pushes))
        .route("/__emulator/rotate-key", post(rotate_key))
        .route("/__emulator/reset", post(reset))
}

async fn clock(State(emulator): State<Emulator>) -> Response {
    Json(json!({ "now": emulator.now() })).into_response()
}

#[derive(Deserialize)]
struct Advance {
    seconds: i64,
}

async fn advance_clock(State(emulator): State<Emulator>, Json(advance): Json<Advance>) -> Response {
    emulator.advance_clock(Duration::seconds(advance.seconds));
    Json(json!({ "now": emulator.now() })).into_response()
}

#[derive(Deserialize)]
struct GrantQuery {
    email: String,
    client_id: String,
}

#[derive(Deserialize)]
struct GrantFilter {
    email: Option<String>,
    client_id: Option<String>,
}

/// With `email` and `client_id`: that grant's scopes (404 if none). Without:
/// every grant.
async fn grant(State(emulator): State<Emulator>, Query(query): Query<GrantFilter>) -> Response {
    match (query.email, query.client_id) {
        (Some(email), Some(client_id)) => match emulator.grant(&email, &client_id) {
            Some(grant) => Json(json!({ "scopes": grant.scopes })).into_response(),
            None => (StatusCode::NOT_FOUND, Json(json!({ "scopes": [] }))).into_response(),
        },
        _ => Json(emulator.grants()).into_response(),
    }
}

async fn revoke_grant(State(emulator): State<Emulator>, Json(query): Json<GrantQuery>) -> Response {
    emulator.revoke_grant(&query.email, &query.client_id);
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Deserialize)]
struct ClientRef {
    client_id: String,
}

async fn delete_client(State(emulator): State<Emulator>, Json(client): Json<ClientRef>) -> Response {
    if emulator.delete_client(&client.client_id) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        StatusCode::NOT_FOUND.into_response()
    }
}

#[derive(Deserialize)]
struct ConsentPreset {
    email: String,
    #[serde(flatten)]
    decision: ConsentDecision,
}

async fn consent(State(emulator): State<Emulator>, Json(preset): Json<ConsentPreset>) -> Response {
    emulator.set_consent(&preset.email, preset.decision);
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Deserialize)]
struct Narrow {
    email: String,
    without: Vec<String>,
}

async fn narrow_next_token(State(emulator): State<Emulator>, Json(narrow): Json<Narrow>) -> Response {
    emulator.narrow_next_token(&narrow.email, narrow.without);
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Deserialize)]
struct Withdraw {
    email: String,
    client_id: String,
    scopes: Vec<String>,
}

async fn withdraw_scopes(State(emulator): State<Emulator>, Json(withdraw): Json<Withdraw>) -> Response {
    emulator.withdraw_scopes(&withdraw.email, &withdraw.client_id, &withdraw.scopes);
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Deserialize)]
struct FaultRequest {
    /// `token`, `token.refresh_token`, `calendarList.list`, `events.list`,
    /// `events.insert`, `freebusy`…
    endpoint: String,
    #[serde(default = "one")]
    times: usize,
    #[serde(flatten)]
    fault: Fault,
    /// The call takes effect first, then answers with the fault: a lost
    /// answer.
    #[serde(default)]
    after_effect: bool,
}

fn one() -> usize {
    1
}

async fn fault(State(emulator): State<Emulator>, Json(request): Json<FaultRequest>) -> Response {
    if request.after_effect {
        emulator.inject_lost_answer(&request.endpoint, request.fault, request.times);
    } else {
        emulator.inject_fault(&request.endpoint, request.fault, request.times);
    }
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Deserialize)]
struct Times {
    times: usize,
}

async fn miss_duplicate_ids(State(emulator): State<Emulator>, Json(request): Json<Times>) -> Response {
    emulator.miss_duplicate_ids(request.times);
    StatusCode::NO_CONTENT.into_response()
}

async fn calls(State(emulator): State<Emulator>) -> Response {
    Json(emulator.calls()).into_response()
}

async fn calls_by_token(State(emulator): State<Emulator>) -> Response {
    Json(emulator.calls_by_token()).into_response()
}

#[derive(Deserialize)]
struct AccountRef {
    email: String,
}

async fn expire_tokens(State(emulator): State<Emulator>, Json(account): Json<AccountRef>) -> Response {
    emulator.expire_access_tokens(&account.email);
    StatusCode::NO_CONTENT.into_response()
}

async fn fail_next_refresh(State(emulator): State<Emulator>) -> Response {
    emulator.fail_next_refresh();
    StatusCode::NO_CONTENT.into_response()
}

async fn notifications(State(emulator): State<Emulator>) -> Response {
    Json(emulator.notifications()).into_response()
}

async fn inserted_events(State(emulator): State<Emulator>) -> Response {
    let events: Vec<_> = emulator
        .inserted_events()
        .into_iter()
        .map(|(calendar_id, event)| json!({ "calendar_id": calendar_id, "event": event }))
        .collect();
    Json(events).into_response()
}

#[derive(Deserialize)]
struct NewEvent {
    calendar_id: String,
    event: SeedEvent,
}

async fn add_event(State(emulator): State<Emulator>, Json(request): Json<NewEvent>) -> Response {
    match emulator.add_event(&request.calendar_id, &request.event) {
        Some(id) => Json(json!({ "id": id })).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// An event as a person sees it in Google Calendar: on the calendar
/// `calendar_id` (`add_event`'s convention), or with `email` on that
/// account's calendar, `primary` included. camelCase names are taken too.
#[derive(Deserialize)]
struct HostEvent {
    #[serde(default)]
    email: Option<String>,
    #[serde(alias = "calendarId")]
    calendar_id: String,
    #[serde(alias = "eventId")]
    event_id: String,
}

impl HostEvent {
    fn calendar(&self, emulator: &Emulator) -> Option<String> {
        emulator.host_calendar_id(self.email.as_deref(), &self.calendar_id)
    }
}

/// 204, or 404 for no such calendar or event; an event already cancelled
/// stays as it is.
async fn host_delete_event(State(emulator): State<Emulator>, Json(request): Json<HostEvent>) -> Response {
    let deleted = request
        .calendar(&emulator)
        .is_some_and(|calendar_id| emulator.delete_event(&calendar_id, &request.event_id));
    if deleted {
        StatusCode::NO_CONTENT.into_response()
    } else {
        StatusCode::NOT_FOUND.into_response()
    }
}

#[derive(Deserialize)]
struct HostMove {
    #[serde(flatten)]
    event: HostEvent,
    start: DateTime<FixedOffset>,
    end: DateTime<FixedOffset>,
}

/// 204; 400 if the end is not after the start; 404 for no such calendar
/// or live event.
async fn host_move_event(State(emulator): State<Emulator>, Json(request): Json<HostMove>) -> Response {
    if request.end <= request.start {
        return StatusCode::BAD_REQUEST.into_response();
    }
    let moved = request.event.calendar(&emulator).is_some_and(|calendar_id| {
        emulator.move_event(&calendar_id, &request.event.event_id, request.start, request.end)
    });
    if moved {
        StatusCode::NO_CONTENT.into_response()
    } else {
        StatusCode::NOT_FOUND.into_response()
    }
}

async fn expire_sync_tokens(State(emulator): State<Emulator>) -> Response {
    emulator.expire_sync_tokens();
    StatusCode::NO_CONTENT.into_response()
}

async fn channels(State(emulator): State<Emulator>) -> Response {
    Json(emulator.channels()).into_response()
}

async fn pushes(State(emulator): State<Emulator>) -> Response {
    Json(emulator.push_deliveries()).into_response()
}

async fn rotate_key(State(emulator): State<Emulator>) -> Response {
    // Key generation is CPU-bound: off the async workers.
    match tokio::task::spawn_blocking(move || emulator.rotate_signing_key()).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// With a JSON seed, starts over from it; with no body, from the seed the
/// emulator started with.
async fn reset(State(emulator): State<Emulator>, seed: Option<Json<Seed>>) -> Response {
    match seed {
        Some(Json(seed)) => emulator.reset(&seed),
        None => emulator.reset_to_initial_seed(),
    }
    StatusCode::NO_CONTENT.into_response()
}

async fn tamper_next_id_token(
    State(emulator): State<Emulator>,
    Json(claims): Json<serde_json::Map<String, serde_json::Value>>,
) -> Response {
    emulator.tamper_next_id_token(claims);
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Deserialize)]
struct Switch {
    enabled: bool,
}

async fn bare_issuer(State(emulator): State<Emulator>, Json(switch): Json<Switch>) -> Response {
    emulator.set_bare_issuer(switch.enabled);
    StatusCode::NO_CONTENT.into_response()
}
