//! `/.well-known/openid-configuration` and the JWKS at `/oauth2/v3/certs`.

// A part of its parent module: it shares the parent's imports and helpers.
use super::*;

pub(super) async fn discovery(State(emulator): State<Emulator>) -> Response {
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

pub(super) async fn certs(State(emulator): State<Emulator>) -> Response {
    let jwks = emulator.keys().jwks();
    ([(header::CACHE_CONTROL, "public, max-age=3600")], Json(jwks)).into_response()
}
