//! OAuth 2.0 and OpenID Connect as Google does them: discovery, JWKS, the
//! authorization endpoint with its consent page, the token endpoint,
//! revocation, tokeninfo and userinfo.

use std::collections::BTreeSet;

use axum::{
    extract::{Query, RawForm, State},
    http::{header, HeaderMap, StatusCode},
    response::{Html, IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use base64::{engine::general_purpose::STANDARD, Engine as _};
use chrono::Duration;
use serde_json::{json, Value};

use crate::{
    is_sign_in_scope, jwt, normalize_scope, random_token, AccessTokenRecord, Account, Code, ConsentDecision,
    Emulator, PendingAuthorization, RefreshTokenRecord,
};

mod authorize;
mod consent;
mod discovery;
mod revoke;
mod token;
mod tokeninfo;
mod userinfo;

// The parts call one another (the consent page issues codes as authorize
// does), so their items are gathered here for all of them.
use authorize::*;
use consent::*;
use discovery::*;
use revoke::*;
use token::*;
use tokeninfo::*;
use userinfo::*;

/// Codes live ten minutes, as RFC 6749 recommends and Google does.
const CODE_LIFETIME: i64 = 600;

/// Google's limit of live refresh tokens per account and client.
const REFRESH_TOKEN_LIMIT: usize = 100;

/// The Google account signed in to this browser, as Google's session
/// cookie would remember it: a second visit skips the account chooser, and
/// `prompt=none` needs it.
const ACCOUNT_COOKIE: &str = "emulator_account";

pub(crate) fn router() -> Router<Emulator> {
    Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/oauth2/v3/certs", get(certs))
        .route("/o/oauth2/v2/auth", get(authorize))
        .route("/o/oauth2/v2/auth/consent", post(consent))
        .route("/token", post(token))
        .route("/revoke", post(revoke))
        .route("/tokeninfo", get(tokeninfo).post(tokeninfo))
        .route("/v1/userinfo", get(userinfo))
        .route("/oauth2/v3/userinfo", get(userinfo))
}

/// Google's error page for problems it will not redirect (the client or the
/// redirect URI itself is wrong).
fn error_page(status: StatusCode, code: &str, message: &str) -> Response {
    let body = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Error {status}: {code}</title></head>\
         <body style=\"font-family:system-ui,sans-serif;max-width:560px;margin:60px auto;padding:0 16px\">\
         <h1>Access blocked: authorization error</h1><p data-testid=\"error\">Error {}: {code}</p><p>{}</p></body></html>",
        status.as_u16(),
        escape(message)
    );
    (status, Html(body)).into_response()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Space-separated, in no particular order: Google's order is arbitrary, so
/// clients must compare scopes as sets, and shuffling proves they do.
fn scope_string<'a>(scopes: impl IntoIterator<Item = &'a String>) -> String {
    use rand::seq::SliceRandom as _;
    let mut scopes: Vec<&str> = scopes.into_iter().map(String::as_str).collect();
    scopes.shuffle(&mut rand::rng());
    scopes.join(" ")
}

/// Sends the browser back to the client with a 302, as Google does. A
/// seeded redirect URI that is not a URL gets an error page, not a panic.
fn found(base: &str, params: &[(&str, &str)]) -> Response {
    let Ok(mut url) = url::Url::parse(base) else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            &format!("The registered redirect URI is not a URL: {base}"),
        );
    };
    url.query_pairs_mut().extend_pairs(params);
    (StatusCode::FOUND, [(header::LOCATION, url.to_string())]).into_response()
}

fn redirect_error(emulator: &Emulator, pending: &PendingAuthorization, error: &str) -> Response {
    let mut params = vec![("error", error)];
    if let Some(state) = &pending.state {
        params.push(("state", state));
    }
    params.push(("iss", emulator.issuer()));
    found(&pending.redirect_uri, &params)
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// Remembers the account as signed in to this browser, as Google's session
/// cookie does once a person has used a page.
fn with_session(mut response: Response, account: &Account) -> Response {
    let cookie = format!("{ACCOUNT_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax", account.sub);
    if let Ok(value) = cookie.parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (status, Json(json!({ "error": error, "error_description": description }))).into_response()
}

/// The account and scopes behind a bearer token, if it is live.
pub(crate) fn authenticate(emulator: &Emulator, headers: &HeaderMap) -> Option<(AccessTokenRecord, Account)> {
    live_token(emulator, bearer(headers)?)
}

/// The bearer token a request presents, live or not.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim)
}

fn live_token(emulator: &Emulator, token: &str) -> Option<(AccessTokenRecord, Account)> {
    let now = emulator.now();
    let state = emulator.state();
    let record = state.access_tokens.get(token).filter(|record| record.expires_at > now)?.clone();
    let account = state.accounts.iter().find(|account| account.sub == record.sub)?.clone();
    Some((record, account))
}
