//! `GET /o/oauth2/v2/auth`: validates the request, answers `prompt=none`
//! and already-granted requests at once, and otherwise shows the consent page.

// A part of its parent module: it shares the parent's imports and helpers.
use super::*;

pub(super) async fn authorize(
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
    if emulator.state().deleted_clients.contains(client_id) {
        return error_page(StatusCode::UNAUTHORIZED, "deleted_client", "The OAuth client was deleted.");
    }
    let registered = emulator.state().clients.get(client_id).cloned();
    let Some(client) = registered else {
        return error_page(StatusCode::UNAUTHORIZED, "invalid_client", "The OAuth client was not found.");
    };
    let redirect_uri = param("redirect_uri").unwrap_or_default();
    if let Some(rule) = broken_redirect_rule(redirect_uri) {
        return error_page(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            &format!("Invalid redirect_uri: {rule} Request details: redirect_uri={redirect_uri}"),
        );
    }
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

    // The Google account signed in to this browser (Google's session), and
    // the one login_hint names, which only pre-selects an account.
    let (session, hinted) = {
        let state = emulator.state();
        let session = cookie(&headers, ACCOUNT_COOKIE)
            .and_then(|sub| state.accounts.iter().find(|account| account.sub == sub))
            .cloned();
        let hinted = pending.login_hint.as_deref().and_then(|hint| state.account_by_hint(hint)).cloned();
        (session, hinted)
    };
    let already_granted = |account: &Account| {
        let grant = emulator.state().grants.get(&(account.sub.clone(), client_id.to_owned())).cloned();
        grant.is_some_and(|grant| scopes.iter().all(|scope| grant.scopes.contains(scope)))
    };

    if prompt.contains(&"none") {
        return match (session, hinted) {
            (None, _) => redirect_error(&emulator, &pending, "login_required"),
            // Another account than the signed-in one: Google would have to
            // ask which, and prompt=none forbids asking.
            (Some(session), Some(hinted)) if hinted.sub != session.sub => {
                redirect_error(&emulator, &pending, "interaction_required")
            }
            (Some(session), _) if already_granted(&session) => {
                let approved = scopes.iter().cloned().collect();
                issue_code(&emulator, &pending, &session, approved, false)
            }
            (Some(_), _) => redirect_error(&emulator, &pending, "consent_required"),
        };
    }
    let account = hinted.or(session);
    if let Some(account) = &account {
        if !pending.force_consent && already_granted(account) {
            let approved = scopes.iter().cloned().collect();
            return with_session(issue_code(&emulator, &pending, account, approved, false), account);
        }
        let preset = emulator.state().consent_presets.remove(&account.email.to_ascii_lowercase());
        if let Some(decision) = preset {
            // A preset stands for a person at the page, who is then signed in.
            return with_session(decide(&emulator, &pending, account, decision), account);
        }
    }
    let request_id = random_token("", 24);
    emulator.state().remember_pending(request_id.clone(), pending.clone());
    consent_page(&emulator, &request_id, &pending, account.as_ref())
}

/// The rule of Google's redirect URI validation a URI breaks, if any. Google
/// refuses such URIs at registration; seeds may still hold them, so they are
/// refused where they are used. A URI that does not parse is left to the
/// exact match against the registered ones.
fn broken_redirect_rule(redirect_uri: &str) -> Option<&'static str> {
    if redirect_uri.contains('*') {
        return Some("Redirect URIs cannot contain wildcard characters ('*').");
    }
    let url = url::Url::parse(redirect_uri).ok()?;
    if url.fragment().is_some() {
        return Some("Redirect URIs cannot contain the fragment component.");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Some("Redirect URIs cannot contain the userinfo subcomponent.");
    }
    let loopback = match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(address)) if address.is_loopback() => true,
        Some(url::Host::Ipv6(address)) if address.is_loopback() => true,
        Some(url::Host::Ipv4(_) | url::Host::Ipv6(_)) => {
            return Some("Hosts cannot be raw IP addresses, except localhost IP addresses.");
        }
        None => false,
    };
    let secure = url.scheme() == "https" || (url.scheme() == "http" && loopback);
    (!secure).then_some("Redirect URIs must use the HTTPS scheme; only localhost URIs may use plain HTTP.")
}

pub(super) fn decide(
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

/// Records the grant and sends the browser back with a code.
pub(super) fn issue_code(
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
    let scope = scope_string(&token_scopes);
    let mut params = vec![("code", code.as_str())];
    if let Some(state) = &pending.state {
        params.push(("state", state));
    }
    params.push(("scope", &scope));
    params.push(("authuser", "0"));
    params.push(("prompt", if consent_shown { "consent" } else { "none" }));
    params.push(("iss", emulator.issuer()));
    found(&pending.redirect_uri, &params)
}
