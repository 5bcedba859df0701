//! OAuth 2.0 and OpenID Connect as Google does them: discovery, JWKS, the
//! authorization endpoint with its consent page, the token endpoint,
//! revocation, tokeninfo and userinfo.

use std::collections::BTreeSet;

use axum::{
    extract::{Query, RawForm, State},
    http::{header, HeaderMap, StatusCode},
    response::{Html, IntoResponse, Redirect, Response},
    routing::{get, post},
    Json, Router,
};
use base64::{engine::general_purpose::STANDARD, Engine as _};
use chrono::Duration;
use serde_json::{json, Value};

use crate::{
    is_sign_in_scope, keys, normalize_scope, random_token, AccessTokenRecord, Account, Code, ConsentDecision,
    Emulator, PendingAuthorization, RefreshTokenRecord,
};

/// Codes live ten minutes, as RFC 6749 recommends and Google does.
const CODE_LIFETIME: i64 = 600;
/// Google's limit of live refresh tokens per account and client.
const REFRESH_TOKEN_LIMIT: usize = 100;
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

async fn discovery(State(emulator): State<Emulator>) -> Response {
    let issuer = emulator.issuer();
    let document = json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/o/oauth2/v2/auth"),
        "token_endpoint": format!("{issuer}/token"),
        "userinfo_endpoint": format!("{issuer}/v1/userinfo"),
        "revocation_endpoint": format!("{issuer}/revoke"),
        "jwks_uri": format!("{issuer}/oauth2/v3/certs"),
        "response_types_supported": ["code", "token", "id_token", "code token", "code id_token", "token id_token", "code token id_token", "none"],
        "response_modes_supported": ["query", "fragment", "form_post"],
        "authorization_response_iss_parameter_supported": true,
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "email", "profile"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "claims_supported": ["aud", "email", "email_verified", "exp", "family_name", "given_name", "iat", "iss", "name", "picture", "sub"],
        "code_challenge_methods_supported": ["plain", "S256"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
    });
    ([(header::CACHE_CONTROL, "public, max-age=3600")], Json(document)).into_response()
}

async fn certs(State(emulator): State<Emulator>) -> Response {
    let jwks = emulator.keys().jwks();
    ([(header::CACHE_CONTROL, "public, max-age=3600")], Json(jwks)).into_response()
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

fn with_query(base: &str, params: &[(&str, &str)]) -> String {
    let mut url = url::Url::parse(base).expect("registered redirect URIs are URLs");
    {
        let mut query = url.query_pairs_mut();
        for (key, value) in params {
            query.append_pair(key, value);
        }
    }
    url.to_string()
}

fn redirect_error(emulator: &Emulator, pending: &PendingAuthorization, error: &str) -> Response {
    let mut params = vec![("error", error)];
    if let Some(state) = &pending.state {
        params.push(("state", state));
    }
    params.push(("iss", emulator.issuer()));
    Redirect::to(&with_query(&pending.redirect_uri, &params)).into_response()
}

async fn authorize(
    State(emulator): State<Emulator>,
    headers: HeaderMap,
    Query(params): Query<std::collections::HashMap<String, String>>,
) -> Response {
    let param = |name: &str| params.get(name).map(String::as_str).filter(|value| !value.is_empty());
    let Some(client_id) = param("client_id") else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Missing required parameter: client_id",
        );
    };
    let registered = emulator.state().clients.get(client_id).cloned();
    let Some(client) = registered else {
        return error_page(StatusCode::UNAUTHORIZED, "invalid_client", "The OAuth client was not found.");
    };
    let redirect_uri = param("redirect_uri").unwrap_or_default();
    if !client.redirect_uris.iter().any(|registered| registered == redirect_uri) {
        return error_page(
            StatusCode::BAD_REQUEST,
            "redirect_uri_mismatch",
            &format!(
                "You can't sign in to this app because it doesn't comply with Google's OAuth 2.0 policy. \
                 Request details: redirect_uri={redirect_uri}"
            ),
        );
    }
    let scopes: Vec<String> = {
        let mut seen = BTreeSet::new();
        param("scope")
            .unwrap_or_default()
            .split_whitespace()
            .map(normalize_scope)
            .filter(|scope| seen.insert(scope.clone()))
            .collect()
    };
    let prompt: Vec<&str> = param("prompt").unwrap_or_default().split_whitespace().collect();
    let pending = PendingAuthorization {
        client_id: client_id.to_owned(),
        redirect_uri: redirect_uri.to_owned(),
        scopes: scopes.clone(),
        state: param("state").map(str::to_owned),
        nonce: param("nonce").map(str::to_owned),
        code_challenge: param("code_challenge").map(|challenge| {
            (challenge.to_owned(), param("code_challenge_method").unwrap_or("plain").to_owned())
        }),
        offline: param("access_type") == Some("offline"),
        include_granted_scopes: param("include_granted_scopes") == Some("true"),
        login_hint: param("login_hint").map(str::to_owned),
        force_consent: prompt.contains(&"consent") || prompt.contains(&"select_account"),
    };
    if param("response_type") != Some("code") {
        return redirect_error(&emulator, &pending, "unsupported_response_type");
    }
    if scopes.is_empty() {
        return redirect_error(&emulator, &pending, "invalid_request");
    }
    let known_scope =
        |scope: &String| scope == "openid" || scope.starts_with("https://www.googleapis.com/auth/");
    if !scopes.iter().all(known_scope) {
        return redirect_error(&emulator, &pending, "invalid_scope");
    }
    if let Some((_, method)) = &pending.code_challenge {
        if method != "S256" && method != "plain" {
            return redirect_error(&emulator, &pending, "invalid_request");
        }
    }
    if prompt.contains(&"none") && prompt.len() > 1 {
        return redirect_error(&emulator, &pending, "invalid_request");
    }

    // Which Google account: the hint, else the one signed in to this browser.
    let account = {
        let state = emulator.state();
        pending
            .login_hint
            .as_deref()
            .and_then(|hint| state.account_by_hint(hint))
            .or_else(|| {
                let cookie_sub = cookie(&headers, ACCOUNT_COOKIE)?;
                state.accounts.iter().find(|account| account.sub == cookie_sub)
            })
            .cloned()
    };
    let already_granted = |account: &Account| {
        let grant = emulator.state().grants.get(&(account.sub.clone(), client_id.to_owned())).cloned();
        grant.is_some_and(|grant| scopes.iter().all(|scope| grant.scopes.contains(scope)))
    };

    if prompt.contains(&"none") {
        return match account {
            None => redirect_error(&emulator, &pending, "login_required"),
            Some(account) if already_granted(&account) => {
                let approved = scopes.iter().cloned().collect();
                issue_code(&emulator, &pending, &account, approved, false)
            }
            Some(_) => redirect_error(&emulator, &pending, "consent_required"),
        };
    }
    if let Some(account) = &account {
        if !pending.force_consent && already_granted(account) {
            let approved = scopes.iter().cloned().collect();
            return issue_code(&emulator, &pending, account, approved, false);
        }
        let preset = emulator.state().consent_presets.remove(&account.email.to_ascii_lowercase());
        if let Some(decision) = preset {
            return decide(&emulator, &pending, account, decision);
        }
    }
    let request_id = random_token("", 24);
    emulator.state().pending.insert(request_id.clone(), pending.clone());
    consent_page(&emulator, &request_id, &pending, account.as_ref())
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

fn decide(
    emulator: &Emulator,
    pending: &PendingAuthorization,
    account: &Account,
    decision: ConsentDecision,
) -> Response {
    match decision {
        ConsentDecision::Deny => redirect_error(emulator, pending, "access_denied"),
        ConsentDecision::Allow => {
            let approved = pending.scopes.iter().cloned().collect();
            issue_code(emulator, pending, account, approved, true)
        }
        ConsentDecision::AllowExcept { scopes } => {
            let refused: BTreeSet<String> = scopes.iter().map(|scope| normalize_scope(scope)).collect();
            let approved = pending
                .scopes
                .iter()
                .filter(|scope| is_sign_in_scope(scope) || !refused.contains(*scope))
                .cloned()
                .collect();
            issue_code(emulator, pending, account, approved, true)
        }
    }
}

/// What a person reads on Google's consent screen, for the scopes we know.
fn describe(scope: &str) -> &str {
    match scope {
        "openid" => "Associate you with your personal info on Google",
        crate::SCOPE_EMAIL => "See your primary Google Account email address",
        crate::SCOPE_PROFILE => {
            "See your personal info, including any personal info you've made publicly available"
        }
        "https://www.googleapis.com/auth/calendar.readonly" => {
            "See and download any calendar you can access using your Google Calendar"
        }
        "https://www.googleapis.com/auth/calendar.events.readonly" => "View events on all your calendars",
        "https://www.googleapis.com/auth/calendar.events" => "View and edit events on all your calendars",
        "https://www.googleapis.com/auth/calendar" => {
            "See, edit, share, and permanently delete all the calendars you can access using Google Calendar"
        }
        other => other,
    }
}

fn consent_page(
    emulator: &Emulator,
    request_id: &str,
    pending: &PendingAuthorization,
    account: Option<&Account>,
) -> Response {
    let state = emulator.state();
    let client = &pending.client_id;
    let granted: BTreeSet<String> = account
        .and_then(|account| state.grants.get(&(account.sub.clone(), client.clone())))
        .map(|grant| grant.scopes.clone())
        .unwrap_or_default();
    let accounts: String = state
        .accounts
        .iter()
        .enumerate()
        .map(|(index, candidate)| {
            let checked = match account {
                Some(account) => account.sub == candidate.sub,
                None => index == 0,
            };
            format!(
                "<label class=\"account\"><input type=\"radio\" name=\"account\" value=\"{sub}\"{checked}> \
                 <span><strong>{name}</strong><br>{email}</span></label>",
                sub = escape(&candidate.sub),
                checked = if checked { " checked" } else { "" },
                name = escape(&candidate.name),
                email = escape(&candidate.email),
            )
        })
        .collect();
    let scopes: String = pending
        .scopes
        .iter()
        .map(|scope| {
            let label = escape(describe(scope));
            let value = escape(scope);
            if granted.contains(scope) {
                format!(
                    "<li class=\"granted\"><input type=\"hidden\" name=\"scope\" value=\"{value}\">{label} \
                     <em>(already granted)</em></li>"
                )
            } else if is_sign_in_scope(scope) {
                format!("<li><input type=\"hidden\" name=\"scope\" value=\"{value}\">{label}</li>")
            } else {
                format!(
                    "<li><label><input type=\"checkbox\" name=\"scope\" value=\"{value}\" checked \
                     data-testid=\"scope-checkbox\"> {label}</label></li>"
                )
            }
        })
        .collect();
    let action = format!("{}/o/oauth2/v2/auth/consent", emulator.issuer());
    let body = format!(
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in - Google Accounts (emulator)</title>
<style>
body {{ font-family: system-ui, sans-serif; background: #f0f4f9; margin: 0; color: #1f1f1f; }}
main {{ max-width: 520px; margin: 40px auto; background: #fff; border-radius: 24px; padding: 32px; }}
.badge {{ font-size: 12px; color: #5f6368; }}
.account {{ display: flex; gap: 12px; align-items: center; padding: 10px; border: 1px solid #dadce0; border-radius: 8px; margin: 8px 0; }}
ul {{ padding-left: 20px; }} li {{ margin: 10px 0; }} .granted {{ color: #5f6368; }}
.buttons {{ display: flex; justify-content: flex-end; gap: 12px; margin-top: 24px; }}
button {{ font: inherit; padding: 10px 24px; border-radius: 20px; border: 1px solid #747775; background: #fff; cursor: pointer; }}
button.allow {{ background: #0b57d0; color: #fff; border-color: #0b57d0; }}
</style></head>
<body><main>
<p class="badge">Google Accounts emulator</p>
<h1>Choose an account</h1>
<p>to continue to the app with client ID <code>{client}</code></p>
<form method="post" action="{action}">
<input type="hidden" name="request_id" value="{request_id}">
<fieldset style="border:none;padding:0"><legend class="badge">Accounts</legend>{accounts}
<label class="account"><input type="radio" name="account" value="other"> <span>Use another account:
<input type="email" name="other_email" aria-label="Another account's email"></span></label></fieldset>
<h2>The app wants to</h2>
<ul>{scopes}</ul>
<div class="buttons">
<button type="submit" name="action" value="cancel" data-testid="cancel">Cancel</button>
<button type="submit" name="action" value="allow" class="allow" data-testid="allow">Allow</button>
</div>
</form></main></body></html>"#,
        client = escape(client),
        request_id = escape(request_id),
    );
    Html(body).into_response()
}

async fn consent(State(emulator): State<Emulator>, RawForm(body): RawForm) -> Response {
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let field = |name: &str| fields.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str());
    let pending = field("request_id").and_then(|id| emulator.state().pending.remove(id));
    let Some(pending) = pending else {
        return error_page(StatusCode::BAD_REQUEST, "invalid_request", "This consent request has expired.");
    };
    if field("action") != Some("allow") {
        return redirect_error(&emulator, &pending, "access_denied");
    }
    let account = match field("account") {
        Some("other") => {
            let Some(email) = field("other_email").filter(|email| email.contains('@')) else {
                return error_page(StatusCode::BAD_REQUEST, "invalid_request", "Enter an email address.");
            };
            emulator.account_for_email(email)
        }
        Some(sub) => match emulator.state().accounts.iter().find(|account| account.sub == sub).cloned() {
            Some(account) => account,
            None => return error_page(StatusCode::BAD_REQUEST, "invalid_request", "Unknown account."),
        },
        None => return error_page(StatusCode::BAD_REQUEST, "invalid_request", "Choose an account."),
    };
    let ticked: BTreeSet<String> =
        fields.iter().filter(|(key, _)| key == "scope").map(|(_, value)| value.clone()).collect();
    // Sign-In scopes come as a block; the rest only if ticked.
    let approved: BTreeSet<String> = pending
        .scopes
        .iter()
        .filter(|scope| is_sign_in_scope(scope) || ticked.contains(*scope))
        .cloned()
        .collect();
    let mut response = issue_code(&emulator, &pending, &account, approved, true);
    let cookie = format!("{ACCOUNT_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax", account.sub);
    if let Ok(value) = cookie.parse() {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

impl Emulator {
    /// An account typed into the consent page: found, or created with a
    /// primary calendar, as signing in to a new Google account would.
    fn account_for_email(&self, email: &str) -> Account {
        let mut state = self.state();
        if let Some(account) = state.account_by_hint(email) {
            return account.clone();
        }
        let sub: String = (0..21)
            .map(|index| if index == 0 { '1' } else { char::from(b'0' + rand::random_range(0..10u8)) })
            .collect();
        let name = email.split('@').next().unwrap_or(email).to_owned();
        let account = Account {
            sub: sub.clone(),
            email: email.to_owned(),
            name,
            picture: None,
            time_zone: "UTC".to_owned(),
        };
        state.accounts.push(account.clone());
        state.calendars.insert(
            sub,
            vec![crate::Calendar {
                entry: crate::seed::SeedCalendar {
                    id: email.to_owned(),
                    summary: email.to_owned(),
                    access_role: "owner".to_owned(),
                    primary: true,
                    background_color: Some("#9fe1e7".to_owned()),
                    time_zone: Some("UTC".to_owned()),
                    events: Vec::new(),
                },
                events: Vec::new(),
            }],
        );
        account
    }
}

/// Records the grant and sends the browser back with a code.
fn issue_code(
    emulator: &Emulator,
    pending: &PendingAuthorization,
    account: &Account,
    approved: BTreeSet<String>,
    consent_shown: bool,
) -> Response {
    let now = emulator.now();
    let code = random_token("4/0A", 60);
    let token_scopes = {
        let mut state = emulator.state();
        let grant = state.grants.entry((account.sub.clone(), pending.client_id.clone())).or_default();
        grant.scopes.extend(approved.iter().cloned());
        let token_scopes = if pending.include_granted_scopes { grant.scopes.clone() } else { approved };
        state.codes.insert(
            code.clone(),
            Code {
                client_id: pending.client_id.clone(),
                redirect_uri: pending.redirect_uri.clone(),
                sub: account.sub.clone(),
                scopes: token_scopes.clone(),
                nonce: pending.nonce.clone(),
                code_challenge: pending.code_challenge.clone(),
                issued_at: now,
                offline: pending.offline,
                consent_shown: consent_shown || pending.force_consent,
                used: false,
                issued_tokens: Vec::new(),
            },
        );
        token_scopes
    };
    let scope = token_scopes.iter().cloned().collect::<Vec<_>>().join(" ");
    let mut params = vec![("code", code.as_str())];
    if let Some(state) = &pending.state {
        params.push(("state", state));
    }
    params.push(("scope", &scope));
    params.push(("authuser", "0"));
    params.push(("prompt", if consent_shown { "consent" } else { "none" }));
    params.push(("iss", emulator.issuer()));
    Redirect::to(&with_query(&pending.redirect_uri, &params)).into_response()
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (status, Json(json!({ "error": error, "error_description": description }))).into_response()
}

/// `client_secret_basic` or `client_secret_post`.
fn client_credentials(headers: &HeaderMap, fields: &[(String, String)]) -> Option<(String, String)> {
    if let Some(basic) = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Basic "))
    {
        let decoded = String::from_utf8(STANDARD.decode(basic.trim()).ok()?).ok()?;
        let (id, secret) = decoded.split_once(':')?;
        let unescape = |text: &str| {
            url::form_urlencoded::parse(format!("x={text}").as_bytes())
                .next()
                .map(|(_, value)| value.into_owned())
        };
        return Some((unescape(id)?, unescape(secret)?));
    }
    let field = |name: &str| fields.iter().find(|(key, _)| key == name).map(|(_, value)| value.clone());
    Some((field("client_id")?, field("client_secret")?))
}

async fn token(State(emulator): State<Emulator>, headers: HeaderMap, RawForm(body): RawForm) -> Response {
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let field = |name: &str| fields.iter().find(|(key, _)| key == name).map(|(_, value)| value.clone());
    let grant_type = field("grant_type").unwrap_or_default();
    let endpoint = format!("token.{grant_type}");
    let fault = {
        let mut state = emulator.state();
        state.record_call(&endpoint);
        state.next_fault(&endpoint).or_else(|| state.next_fault("token"))
    };
    if let Some(fault) = fault {
        if let Some(delay) = fault.delay_ms {
            tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
        }
        match fault.status {
            200 => {}
            400 => {
                return oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_grant",
                    "Token has been expired or revoked.",
                )
            }
            status => {
                let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                return oauth_error(status, "internal_failure", "Backend Error");
            }
        }
    }
    let Some((client_id, client_secret)) = client_credentials(&headers, &fields) else {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "The OAuth client was not found.");
    };
    let client = emulator.state().clients.get(&client_id).cloned();
    let Some(client) = client else {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "The OAuth client was not found.");
    };
    if client.client_secret != client_secret {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "Unauthorized");
    }
    match grant_type.as_str() {
        "authorization_code" => exchange_code(&emulator, &client, &fields),
        "refresh_token" => refresh(&emulator, &client, &fields),
        "" => {
            oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "Missing required parameter: grant_type")
        }
        _ => oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type", "Invalid grant_type"),
    }
}

fn exchange_code(emulator: &Emulator, client: &crate::SeedClient, fields: &[(String, String)]) -> Response {
    let field = |name: &str| fields.iter().find(|(key, _)| key == name).map(|(_, value)| value.clone());
    let now = emulator.now();
    let Some(code_value) = field("code") else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "Missing required parameter: code");
    };
    let mut state = emulator.state();
    let Some(code) = state.codes.get(&code_value).cloned() else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "Malformed auth code.");
    };
    if code.used {
        // RFC 6749 4.1.2: deny, and revoke what the code produced.
        for token in &code.issued_tokens {
            state.access_tokens.remove(token);
            state.refresh_tokens.remove(token);
        }
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "Bad Request");
    }
    if now - code.issued_at > Duration::seconds(CODE_LIFETIME) || code.client_id != client.client_id {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "Bad Request");
    }
    if field("redirect_uri").as_deref() != Some(code.redirect_uri.as_str()) {
        return oauth_error(StatusCode::BAD_REQUEST, "redirect_uri_mismatch", "Bad Request");
    }
    match (&code.code_challenge, field("code_verifier")) {
        (Some(_), None) => {
            return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "Missing code verifier.")
        }
        (None, Some(_)) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_grant",
                "code_verifier or verifier is not needed.",
            );
        }
        (Some((challenge, method)), Some(verifier)) => {
            let computed = if method == "S256" { keys::s256(&verifier) } else { verifier };
            if &computed != challenge {
                return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "Invalid code verifier.");
            }
        }
        (None, None) => {}
    }
    if let Some(code) = state.codes.get_mut(&code_value) {
        code.used = true;
    }
    let Some(account) = state.accounts.iter().find(|account| account.sub == code.sub).cloned() else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "Bad Request");
    };
    let mut scopes = code.scopes.clone();
    if let Some(without) = state.narrow_next_token.remove(&account.email.to_ascii_lowercase()) {
        for scope in without {
            scopes.remove(&normalize_scope(&scope));
        }
    }
    let has_live_refresh_token = state
        .refresh_tokens
        .values()
        .any(|token| token.sub == code.sub && token.client_id == client.client_id);
    let refresh_token = (code.offline && (!has_live_refresh_token || code.consent_shown)).then(|| {
        let token = random_token("1//0g", 80);
        let beyond_basic = scopes.iter().any(|scope| !is_sign_in_scope(scope));
        state.refresh_tokens.insert(
            token.clone(),
            RefreshTokenRecord {
                sub: code.sub.clone(),
                client_id: client.client_id.clone(),
                issued_at: now,
                expires_at: (client.testing && beyond_basic).then(|| now + Duration::days(7)),
            },
        );
        cap_refresh_tokens(&mut state, &code.sub, &client.client_id);
        token
    });
    let access_token = random_token("ya29.a0", 120);
    let lifetime = emulator.shared.access_token_lifetime;
    state.access_tokens.insert(
        access_token.clone(),
        AccessTokenRecord {
            sub: code.sub.clone(),
            client_id: client.client_id.clone(),
            scopes: scopes.clone(),
            expires_at: now + lifetime,
        },
    );
    if let Some(code) = state.codes.get_mut(&code_value) {
        code.issued_tokens.push(access_token.clone());
        code.issued_tokens.extend(refresh_token.clone());
    }
    drop(state);
    let mut response = json!({
        "access_token": access_token,
        "expires_in": lifetime.num_seconds(),
        "scope": scopes.iter().cloned().collect::<Vec<_>>().join(" "),
        "token_type": "Bearer",
    });
    if let Some(refresh_token) = &refresh_token {
        response["refresh_token"] = json!(refresh_token);
        if client.testing && scopes.iter().any(|scope| !is_sign_in_scope(scope)) {
            response["refresh_token_expires_in"] = json!(Duration::days(7).num_seconds() - 1);
        }
    }
    if scopes.contains("openid") {
        response["id_token"] = json!(id_token(
            emulator,
            &account,
            &client.client_id,
            code.nonce.as_deref(),
            &access_token,
            &scopes
        ));
    }
    Json(response).into_response()
}

fn cap_refresh_tokens(state: &mut crate::State, sub: &str, client_id: &str) {
    let mut live: Vec<(String, chrono::DateTime<chrono::Utc>)> = state
        .refresh_tokens
        .iter()
        .filter(|(_, token)| token.sub == sub && token.client_id == client_id)
        .map(|(value, token)| (value.clone(), token.issued_at))
        .collect();
    if live.len() > REFRESH_TOKEN_LIMIT {
        live.sort_by_key(|(_, issued_at)| *issued_at);
        for (value, _) in live.iter().take(live.len() - REFRESH_TOKEN_LIMIT) {
            state.refresh_tokens.remove(value);
        }
    }
}

fn id_token(
    emulator: &Emulator,
    account: &Account,
    client_id: &str,
    nonce: Option<&str>,
    access_token: &str,
    scopes: &BTreeSet<String>,
) -> String {
    let now = emulator.now().timestamp();
    let mut claims = json!({
        "iss": emulator.issuer(),
        "azp": client_id,
        "aud": client_id,
        "sub": account.sub,
        "at_hash": keys::at_hash(access_token),
        "iat": now,
        "exp": now + 3600,
    });
    if scopes.contains(crate::SCOPE_EMAIL) {
        claims["email"] = json!(account.email);
        claims["email_verified"] = json!(true);
    }
    if scopes.contains(crate::SCOPE_PROFILE) {
        claims["name"] = json!(account.name);
        if let Some(picture) = &account.picture {
            claims["picture"] = json!(picture);
        }
    }
    if let Some(nonce) = nonce {
        claims["nonce"] = json!(nonce);
    }
    if let Some(tampered) = emulator.state().tamper_next_id_token.take() {
        for (name, value) in tampered {
            claims[name] = value;
        }
    }
    emulator.keys().sign(&claims)
}

fn refresh(emulator: &Emulator, client: &crate::SeedClient, fields: &[(String, String)]) -> Response {
    let field = |name: &str| fields.iter().find(|(key, _)| key == name).map(|(_, value)| value.clone());
    let now = emulator.now();
    let Some(refresh_token) = field("refresh_token") else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Missing required parameter: refresh_token",
        );
    };
    let mut state = emulator.state();
    let record = state.refresh_tokens.get(&refresh_token).cloned();
    let Some(record) = record.filter(|record| record.client_id == client.client_id) else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "Token has been expired or revoked.");
    };
    if record.expires_at.is_some_and(|expires| expires <= now) {
        state.refresh_tokens.remove(&refresh_token);
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "Token has been expired or revoked.");
    }
    let Some(grant) = state.grants.get(&(record.sub.clone(), record.client_id.clone())).cloned() else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "Token has been expired or revoked.");
    };
    let Some(account) = state.accounts.iter().find(|account| account.sub == record.sub).cloned() else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "Token has been expired or revoked.");
    };
    let mut scopes = grant.scopes;
    if let Some(without) = state.narrow_next_token.remove(&account.email.to_ascii_lowercase()) {
        for scope in without {
            scopes.remove(&normalize_scope(&scope));
        }
    }
    let access_token = random_token("ya29.a0", 120);
    let lifetime = emulator.shared.access_token_lifetime;
    state.access_tokens.insert(
        access_token.clone(),
        AccessTokenRecord {
            sub: record.sub.clone(),
            client_id: record.client_id,
            scopes: scopes.clone(),
            expires_at: now + lifetime,
        },
    );
    drop(state);
    let mut response = json!({
        "access_token": access_token,
        "expires_in": lifetime.num_seconds(),
        "scope": scopes.iter().cloned().collect::<Vec<_>>().join(" "),
        "token_type": "Bearer",
    });
    if scopes.contains("openid") {
        response["id_token"] =
            json!(id_token(emulator, &account, &client.client_id, None, &access_token, &scopes));
    }
    Json(response).into_response()
}

async fn revoke(
    State(emulator): State<Emulator>,
    Query(query): Query<std::collections::HashMap<String, String>>,
    RawForm(body): RawForm,
) -> Response {
    let token = query.get("token").cloned().or_else(|| {
        url::form_urlencoded::parse(&body)
            .find(|(key, _)| key == "token")
            .map(|(_, value)| value.into_owned())
    });
    let mut state = emulator.state();
    state.record_call("revoke");
    let owner = token.as_ref().and_then(|token| {
        state.access_tokens.get(token).map(|record| (record.sub.clone(), record.client_id.clone())).or_else(
            || state.refresh_tokens.get(token).map(|record| (record.sub.clone(), record.client_id.clone())),
        )
    });
    match owner {
        Some((sub, client_id)) => {
            state.revoke_grant(&sub, &client_id);
            (StatusCode::OK, Json(json!({}))).into_response()
        }
        None => oauth_error(StatusCode::BAD_REQUEST, "invalid_token", "Token expired or revoked"),
    }
}

/// The account and scopes behind a bearer token, if it is live.
pub(crate) fn authenticate(emulator: &Emulator, headers: &HeaderMap) -> Option<(AccessTokenRecord, Account)> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))?
        .trim();
    live_token(emulator, token)
}

fn live_token(emulator: &Emulator, token: &str) -> Option<(AccessTokenRecord, Account)> {
    let now = emulator.now();
    let state = emulator.state();
    let record = state.access_tokens.get(token).filter(|record| record.expires_at > now)?.clone();
    let account = state.accounts.iter().find(|account| account.sub == record.sub)?.clone();
    Some((record, account))
}

async fn tokeninfo(
    State(emulator): State<Emulator>,
    headers: HeaderMap,
    Query(query): Query<std::collections::HashMap<String, String>>,
) -> Response {
    let invalid =
        || (StatusCode::BAD_REQUEST, Json(json!({ "error_description": "Invalid Value" }))).into_response();
    if let Some(id_token) = query.get("id_token") {
        return match keys::claims_of(id_token) {
            Some(Value::Object(claims)) => {
                let as_strings: serde_json::Map<String, Value> = claims
                    .into_iter()
                    .map(|(key, value)| {
                        let text = match value {
                            Value::String(text) => text,
                            other => other.to_string(),
                        };
                        (key, Value::String(text))
                    })
                    .collect();
                Json(Value::Object(as_strings)).into_response()
            }
            _ => invalid(),
        };
    }
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::to_owned);
    let Some(token) = query.get("access_token").cloned().or(bearer) else { return invalid() };
    let Some((record, account)) = live_token(&emulator, &token) else { return invalid() };
    let now = emulator.now();
    let has_refresh = emulator
        .state()
        .refresh_tokens
        .values()
        .any(|refresh| refresh.sub == record.sub && refresh.client_id == record.client_id);
    // Google answers with strings, numbers included.
    let mut info = json!({
        "azp": record.client_id,
        "aud": record.client_id,
        "sub": record.sub,
        "scope": record.scopes.iter().cloned().collect::<Vec<_>>().join(" "),
        "exp": record.expires_at.timestamp().to_string(),
        "expires_in": (record.expires_at - now).num_seconds().to_string(),
        "access_type": if has_refresh { "offline" } else { "online" },
    });
    if record.scopes.contains(crate::SCOPE_EMAIL) {
        info["email"] = json!(account.email);
        info["email_verified"] = json!("true");
    }
    Json(info).into_response()
}

async fn userinfo(State(emulator): State<Emulator>, headers: HeaderMap) -> Response {
    let Some((record, account)) = authenticate(&emulator, &headers) else {
        return (
            StatusCode::UNAUTHORIZED,
            [(
                header::WWW_AUTHENTICATE,
                "Bearer realm=\"https://accounts.google.com/\", error=\"invalid_token\"",
            )],
            Json(json!({ "error": "invalid_request", "error_description": "Invalid Credentials" })),
        )
            .into_response();
    };
    let mut info = json!({ "sub": account.sub });
    if record.scopes.contains(crate::SCOPE_PROFILE) {
        info["name"] = json!(account.name);
        info["picture"] = json!(account.picture);
    }
    if record.scopes.contains(crate::SCOPE_EMAIL) {
        info["email"] = json!(account.email);
        info["email_verified"] = json!(true);
    }
    Json(info).into_response()
}
