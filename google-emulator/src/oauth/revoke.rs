//! `POST /revoke`: revoking any token of a grant revokes the whole grant.

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
