//! Google's token endpoint, called with plain reqwest: the code exchange
//! and the refresh, with the client's credentials in the form
//! (`client_secret_post`).
//!
//! Its answers are read here rather than by the `oauth2` crate, which reads
//! any error body as an OAuth error and drops the status (a 429 or a 5xx
//! carrying `{"error": …}` would look like a refusal of the grant), and whose
//! OpenID token response cannot parse an ID token with Google's bare issuer.

use std::time::Duration;

use serde::Deserialize;

/// What the token endpoint answered instead of tokens.
#[derive(Debug, thiserror::Error)]
pub(super) enum Refusal {
    #[error("{0}")]
    Unavailable(String),
    #[error("slow down")]
    RateLimited { retry_after: Option<Duration> },
    #[error("invalid_grant")]
    InvalidGrant,
    #[error("unauthorized_client")]
    OtherClientsToken,
    #[error("{0}")]
    ClientRejected(String),
    #[error("{0}")]
    Refused(String),
}

/// A successful answer. Its `Debug` shows no token.
#[derive(Deserialize)]
pub(super) struct TokenResponse {
    pub access_token: String,
    pub expires_in: Option<u64>,
    /// Space-separated; what Google granted, not what was asked.
    pub scope: Option<String>,
    pub refresh_token: Option<String>,
    /// Sent for a project in Google's "Testing" status, whose refresh tokens
    /// for calendar scopes last seven days.
    pub refresh_token_expires_in: Option<u64>,
    pub id_token: Option<String>,
}

impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenResponse")
            .field("expires_in", &self.expires_in)
            .field("scope", &self.scope)
            .field("has_refresh_token", &self.refresh_token.is_some())
            .field("refresh_token_expires_in", &self.refresh_token_expires_in)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct ErrorResponse {
    error: String,
}

/// The client's credentials, as registered at Google.
pub(super) struct ClientCredentials<'a> {
    pub id: &'a str,
    pub secret: &'a str,
}

/// POSTs `fields` with the client's credentials and reads the answer.
pub(super) async fn request(
    http: &reqwest::Client,
    endpoint: &str,
    client: &ClientCredentials<'_>,
    fields: &[(&str, &str)],
) -> Result<TokenResponse, Refusal> {
    let mut form: Vec<(&str, &str)> = vec![("client_id", client.id), ("client_secret", client.secret)];
    form.extend_from_slice(fields);
    let response = http
        .post(endpoint)
        .header(reqwest::header::ACCEPT, "application/json")
        .form(&form)
        .send()
        .await
        .map_err(|error| Refusal::Unavailable(format!("token endpoint: {}", with_causes(&error))))?;
    let status = response.status();
    if status.is_success() {
        return response
            .json()
            .await
            .map_err(|error| Refusal::Unavailable(format!("token endpoint answer: {error}")));
    }
    if status == reqwest::StatusCode::TOO_MANY_REQUESTS {
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse().ok())
            .map(Duration::from_secs);
        return Err(Refusal::RateLimited { retry_after });
    }
    if status.is_server_error() {
        return Err(Refusal::Unavailable(format!("the token endpoint answered {status}")));
    }
    let error = response.json::<ErrorResponse>().await.map(|body| body.error).unwrap_or_default();
    Err(match error.as_str() {
        "invalid_grant" => Refusal::InvalidGrant,
        // The refresh token was issued to another OAuth client (the client
        // was recreated or rotated): only the host's new consent helps.
        "unauthorized_client" => Refusal::OtherClientsToken,
        // BookMate's own credentials are refused: the operator must act.
        "invalid_client" | "deleted_client" => Refusal::ClientRejected(error),
        "" => Refusal::Unavailable(format!("the token endpoint answered {status}")),
        _ => Refusal::Refused(error),
    })
}

/// An error with its causes, for the log: the HTTP client's own message is
/// only "client error"; the cause says "timed out" or "connection refused".
pub(super) fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(error) = cause {
        text.push_str(": ");
        text.push_str(&error.to_string());
        cause = error.source();
    }
    text
}
