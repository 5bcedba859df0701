//! `POST /revoke`: revoking any live token of a grant revokes the whole grant.

// A part of its parent module: it shares the parent's imports and helpers.
use super::*;

pub(super) async fn revoke(
    State(emulator): State<Emulator>,
    Query(query): Query<std::collections::HashMap<String, String>>,
    RawForm(body): RawForm,
) -> Response {
    let token = query.get("token").cloned().or_else(|| {
        url::form_urlencoded::parse(&body)
            .find(|(key, _)| key == "token")
            .map(|(_, value)| value.into_owned())
    });
    let now = emulator.now();
    let mut state = emulator.state();
    state.record_call("revoke");
    // Only a live token revokes: an expired access token (or a Testing
    // client's expired refresh token) is answered as invalid, and the grant
    // stays.
    let owner = token.as_ref().and_then(|token| {
        let access = state
            .access_tokens
            .get(token)
            .filter(|record| record.expires_at > now)
            .map(|record| (record.sub.clone(), record.client_id.clone()));
        let refresh = || {
            state
                .refresh_tokens
                .get(token)
                .filter(|record| record.expires_at.is_none_or(|expires| expires > now))
                .map(|record| (record.sub.clone(), record.client_id.clone()))
        };
        access.or_else(refresh)
    });
    match owner {
        Some((sub, client_id)) => {
            state.revoke_grant(&sub, &client_id);
            (StatusCode::OK, Json(json!({}))).into_response()
        }
        None => oauth_error(StatusCode::BAD_REQUEST, "invalid_token", "Token expired or revoked"),
    }
}
