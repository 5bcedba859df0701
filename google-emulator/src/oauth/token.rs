//! `POST /token`: the `authorization_code` and `refresh_token` grants, client
//! authentication, PKCE, and the RS256 ID tokens they return.

// A part of its parent module: it shares the parent's imports and helpers.
use super::*;

/// `client_secret_basic` or `client_secret_post`.
pub(super) fn client_credentials(
    headers: &HeaderMap,
    fields: &[(String, String)],
) -> Option<(String, String)> {
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

pub(super) async fn token(
    State(emulator): State<Emulator>,
    headers: HeaderMap,
    RawForm(body): RawForm,
) -> Response {
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let field = |name: &str| fields.iter().find(|(key, _)| key == name).map(|(_, value)| value.clone());
    let grant_type = field("grant_type").unwrap_or_default();
    let endpoint = format!("token.{grant_type}");
    let injected = {
        let mut state = emulator.state();
        state.record_call(&endpoint);
        state.next_fault(&endpoint).or_else(|| state.next_fault("token"))
    };
    let lost_answer = match injected {
        Some(injected) if injected.after_effect => Some(injected.fault),
        Some(injected) => {
            if let Some(delay) = injected.fault.delay_ms {
                tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
            }
            if let Some(refused) = fault_answer(&injected.fault) {
                return refused;
            }
            None
        }
        None => None,
    };
    let answer = grant(&emulator, &headers, &fields, &grant_type);
    match lost_answer {
        // The tokens were issued; the client never hears of them.
        Some(fault) if answer.status().is_success() => {
            if let Some(delay) = fault.delay_ms {
                tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
            }
            fault_answer(&fault).unwrap_or(answer)
        }
        _ => answer,
    }
}

/// What the token endpoint answers for an injected fault, or `None` for a
/// fault that only delays.
fn fault_answer(fault: &crate::Fault) -> Option<Response> {
    match fault.status {
        200 => None,
        400 => {
            Some(oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "Token has been expired or revoked."))
        }
        status => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut response = oauth_error(status, "internal_failure", "Backend Error");
            if let Some(value) =
                fault.retry_after_seconds.and_then(|seconds| seconds.to_string().parse().ok())
            {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            Some(response)
        }
    }
}

/// Authenticates the client and runs the grant it asks for.
fn grant(
    emulator: &Emulator,
    headers: &HeaderMap,
    fields: &[(String, String)],
    grant_type: &str,
) -> Response {
    let Some((client_id, client_secret)) = client_credentials(headers, fields) else {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "The OAuth client was not found.");
    };
    if emulator.state().deleted_clients.contains(&client_id) {
        return oauth_error(StatusCode::UNAUTHORIZED, "deleted_client", "The OAuth client was deleted.");
    }
    let client = emulator.state().clients.get(&client_id).cloned();
    let Some(client) = client else {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "The OAuth client was not found.");
    };
    if client.client_secret != client_secret {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "Unauthorized");
    }
    match grant_type {
        "authorization_code" => exchange_code(emulator, &client, fields),
        "refresh_token" => refresh(emulator, &client, fields),
        "" => {
            oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "Missing required parameter: grant_type")
        }
        _ => oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type", "Invalid grant_type"),
    }
}

pub(super) fn exchange_code(
    emulator: &Emulator,
    client: &crate::SeedClient,
    fields: &[(String, String)],
) -> Response {
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
            let computed = if method == "S256" { jwt::s256(&verifier) } else { verifier };
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
    // Google sends a refresh token only with a consent screen (the first
    // grant, new scopes, or prompt=consent), even to a client holding none.
    let refresh_token = (code.offline && code.consent_shown).then(|| {
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
        "scope": scope_string(&scopes),
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

pub(super) fn cap_refresh_tokens(state: &mut crate::state::State, sub: &str, client_id: &str) {
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

pub(super) fn id_token(
    emulator: &Emulator,
    account: &Account,
    client_id: &str,
    nonce: Option<&str>,
    access_token: &str,
    scopes: &BTreeSet<String>,
) -> String {
    let now = emulator.now().timestamp();
    let issuer = emulator.issuer();
    let bare_issuer = emulator.state().bare_issuer;
    let issuer = if bare_issuer { issuer.split_once("://").map_or(issuer, |(_, bare)| bare) } else { issuer };
    let mut claims = json!({
        "iss": issuer,
        "azp": client_id,
        "aud": client_id,
        "sub": account.sub,
        "at_hash": jwt::at_hash(access_token),
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

pub(super) fn refresh(
    emulator: &Emulator,
    client: &crate::SeedClient,
    fields: &[(String, String)],
) -> Response {
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
    let Some(record) = state.refresh_tokens.get(&refresh_token).cloned() else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "Token has been expired or revoked.");
    };
    if record.client_id != client.client_id {
        // Google's answer to a client presenting another client's token.
        return oauth_error(StatusCode::UNAUTHORIZED, "unauthorized_client", "Unauthorized");
    }
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
        "scope": scope_string(&scopes),
        "token_type": "Bearer",
    });
    if scopes.contains("openid") {
        response["id_token"] =
            json!(id_token(emulator, &account, &client.client_id, None, &access_token, &scopes));
    }
    Json(response).into_response()
}
