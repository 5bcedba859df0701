//! `/v1/userinfo` and `/oauth2/v3/userinfo`: the claims the token's scopes
//! allow.

// A part of its parent module: it shares the parent's imports and helpers.
use super::*;

pub(super) async fn userinfo(State(emulator): State<Emulator>, headers: HeaderMap) -> Response {
    {
        let mut state = emulator.state();
        state.record_call("userinfo");
        if let Some(token) = bearer(&headers) {
            state.record_token_call(token);
        }
    }
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
