//! `/tokeninfo`: what Google says about an access token or ID token, with
//! numbers and booleans as strings.

// A part of its parent module: it shares the parent's imports and helpers.
use super::*;

pub(super) async fn tokeninfo(
    State(emulator): State<Emulator>,
    headers: HeaderMap,
    Query(query): Query<std::collections::HashMap<String, String>>,
) -> Response {
    let invalid = || {
        (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": "invalid_token", "error_description": "Invalid Value" })),
        )
            .into_response()
    };
    if let Some(id_token) = query.get("id_token") {
        let verified = emulator.keys().verify(id_token);
        let now = emulator.now().timestamp();
        return match verified {
            Some((header, Value::Object(claims)))
                if claims.get("exp").and_then(Value::as_i64).is_some_and(|exp| exp > now) =>
            {
                // Google's samples echo the header's alg, kid and typ too.
                let header_fields = ["alg", "kid", "typ"]
                    .into_iter()
                    .filter_map(|name| Some((name.to_owned(), header.get(name)?.clone())));
                let as_strings: serde_json::Map<String, Value> = claims
                    .into_iter()
                    .chain(header_fields)
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
        "scope": scope_string(&record.scopes),
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
