//! The OpenID Connect client: authorization URLs, the code exchange with
//! PKCE and ID-token verification, refresh and revocation.
//!
//! Every endpoint comes from discovery at one issuer URL, fetched lazily (the
//! built-in emulator is served by this very process, which is not listening
//! yet at start) and refreshed hourly so Google's key rotation is followed.

// tidy: long file: one protocol's client, each endpoint beside the checks
// RFC 9700 and OpenID Connect ask of its answer; split, the checks would
// drift from the calls they guard.

use std::{
    future::Future,
    pin::Pin,
    time::{Duration, Instant},
};

use chrono::{DateTime, Utc};
use openidconnect::{
    core::{
        CoreAuthDisplay, CoreAuthPrompt, CoreClaimName, CoreClaimType, CoreClient, CoreClientAuthMethod,
        CoreErrorResponseType, CoreGrantType, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm,
        CoreJweKeyManagementAlgorithm, CoreResponseMode, CoreResponseType, CoreSubjectIdentifierType,
    },
    AccessTokenHash, AdditionalProviderMetadata, AsyncHttpClient, AuthenticationFlow, AuthorizationCode,
    ClientId, ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet, EndpointSet, HttpClientError,
    HttpRequest, HttpResponse, IssuerUrl, LoginHint, Nonce, OAuth2TokenResponse as _, PkceCodeChallenge,
    PkceCodeVerifier, ProviderMetadata, RedirectUrl, RefreshToken, RequestTokenError, Scope,
    TokenResponse as _,
};
use serde::{Deserialize, Serialize};
use tokio::sync::RwLock;

use crate::{db::users::GoogleProfile, google_scopes::ScopeSet};

const DISCOVERY_TTL: Duration = Duration::from_secs(3600);

#[derive(Clone, Debug, Deserialize, Serialize)]
struct RevocationEndpoint {
    revocation_endpoint: String,
}
impl AdditionalProviderMetadata for RevocationEndpoint {}

type GoogleProviderMetadata = ProviderMetadata<
    RevocationEndpoint,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

type DiscoveredClient = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// What an authorization is for; carried through the round trip to Google.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Purpose {
    SignIn,
    /// More scopes for a host who is signed in already: the account that
    /// grants them must be this one.
    GrantScopes {
        user_id: i64,
        expected_sub: String,
        return_to: String,
    },
}

/// The secrets of one authorization in flight, kept by the browser in a
/// sealed cookie and checked when Google sends it back. Its `Debug` shows no
/// secret.
#[derive(Clone, Serialize, Deserialize)]
pub struct Transaction {
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
    pub purpose: Purpose,
    pub started_at: i64,
}

/// How to ask: which scopes, and for whom.
#[derive(Debug, Clone)]
pub struct AuthorizationRequest<'a> {
    pub scopes: &'a [&'a str],
    pub login_hint: Option<&'a str>,
    /// `prompt=none`: Google answers at once, without a page, or with an error.
    pub silent: bool,
    pub purpose: Purpose,
}

/// The outcome of a successful code exchange. Its `Debug` shows no token.
pub struct Authorization {
    pub profile: GoogleProfile,
    /// What Google granted, read from the token response: not what was asked.
    pub granted_scopes: ScopeSet,
    pub access_token: String,
    pub access_token_expires_at: DateTime<Utc>,
    pub refresh_token: Option<String>,
}

/// A refresh's answer. Its `Debug` shows no token.
pub struct RefreshedToken {
    pub access_token: String,
    pub expires_at: DateTime<Utc>,
    pub granted_scopes: Option<ScopeSet>,
    pub refresh_token: Option<String>,
}

// Secrets never reach a log line: these print what they are about, not
// what they hold.
impl std::fmt::Debug for Transaction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transaction")
            .field("purpose", &self.purpose)
            .field("started_at", &self.started_at)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Authorization {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authorization")
            .field("profile", &self.profile)
            .field("granted_scopes", &self.granted_scopes)
            .field("access_token_expires_at", &self.access_token_expires_at)
            .field("has_refresh_token", &self.refresh_token.is_some())
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for RefreshedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RefreshedToken")
            .field("expires_at", &self.expires_at)
            .field("granted_scopes", &self.granted_scopes)
            .field("has_refresh_token", &self.refresh_token.is_some())
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("Google could not be reached or answered unexpectedly: {0}")]
    Unavailable(String),
    /// The grant is gone (revoked, expired, or the code was used before).
    #[error("Google refused the grant")]
    InvalidGrant,
    /// The token endpoint answered 429: slow down, never a verdict on the
    /// grant.
    #[error("Google's token endpoint asked us to slow down")]
    RateLimited { retry_after: Option<Duration> },
    #[error("Google refused the request: {0}")]
    Refused(String),
    #[error("the ID token did not verify: {0}")]
    IdToken(String),
    #[error("the token response did not say which scopes were granted")]
    ScopesUnknown,
}

pub struct GoogleOidc {
    issuer: IssuerUrl,
    client_id: ClientId,
    client_secret: ClientSecret,
    redirect_url: RedirectUrl,
    http: reqwest::Client,
    discovered: RwLock<Option<(Instant, GoogleProviderMetadata)>>,
}

impl std::fmt::Debug for GoogleOidc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GoogleOidc")
            .field("issuer", &self.issuer.as_str())
            .field("client_id", &self.client_id.as_str())
            .finish_non_exhaustive()
    }
}

impl GoogleOidc {
    pub fn new(
        issuer: &str,
        client_id: &str,
        client_secret: &str,
        redirect_url: &str,
        http: reqwest::Client,
    ) -> Result<Self, OidcError> {
        Ok(Self {
            issuer: IssuerUrl::new(issuer.trim_end_matches('/').to_owned())
                .map_err(|error| OidcError::Unavailable(format!("issuer URL: {error}")))?,
            client_id: ClientId::new(client_id.to_owned()),
            client_secret: ClientSecret::new(client_secret.to_owned()),
            redirect_url: RedirectUrl::new(redirect_url.to_owned())
                .map_err(|error| OidcError::Unavailable(format!("redirect URL: {error}")))?,
            http,
            discovered: RwLock::new(None),
        })
    }

    pub fn issuer(&self) -> &str {
        self.issuer.as_str()
    }

    async fn metadata(&self, force: bool) -> Result<GoogleProviderMetadata, OidcError> {
        if !force {
            if let Some((fetched, metadata)) = self.discovered.read().await.as_ref() {
                if fetched.elapsed() < DISCOVERY_TTL {
                    return Ok(metadata.clone());
                }
            }
        }
        let mut slot = self.discovered.write().await;
        let metadata = GoogleProviderMetadata::discover_async(self.issuer.clone(), &self.http)
            .await
            .map_err(|error| OidcError::Unavailable(format!("discovery: {error}")))?;
        *slot = Some((Instant::now(), metadata.clone()));
        Ok(metadata)
    }

    /// The client as the issuer's discovery document describes it, with our
    /// registered redirect URI.
    async fn client(&self) -> Result<DiscoveredClient, OidcError> {
        let metadata = self.metadata(false).await?;
        Ok(CoreClient::from_provider_metadata(
            metadata,
            self.client_id.clone(),
            Some(self.client_secret.clone()),
        )
        .set_redirect_uri(self.redirect_url.clone()))
    }

    /// The URL to send the browser to, and the transaction to keep until it
    /// comes back.
    pub async fn authorization_url(
        &self,
        request: AuthorizationRequest<'_>,
        now: DateTime<Utc>,
    ) -> Result<(url::Url, Transaction), OidcError> {
        let client = self.client().await?;
        let (pkce_challenge, pkce_verifier) = PkceCodeChallenge::new_random_sha256();
        let mut authorize = client
            .authorize_url(
                AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(pkce_challenge)
            .add_extra_param("access_type", "offline")
            .add_extra_param("include_granted_scopes", "true");
        // openidconnect adds `openid` itself; it must not appear twice.
        for scope in request.scopes.iter().filter(|scope| **scope != "openid") {
            authorize = authorize.add_scope(Scope::new((*scope).to_owned()));
        }
        if let Some(hint) = request.login_hint {
            authorize = authorize.set_login_hint(LoginHint::new(hint.to_owned()));
        }
        if request.silent {
            authorize = authorize.add_prompt(CoreAuthPrompt::None);
        }
        let (url, state, nonce) = authorize.url();
        let transaction = Transaction {
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: pkce_verifier.secret().clone(),
            purpose: request.purpose,
            started_at: now.timestamp(),
        };
        Ok((url, transaction))
    }

    /// Exchanges the code (with the PKCE verifier), then verifies the ID
    /// token: signature against the JWKS, issuer, audience, expiry, nonce and
    /// the access-token hash.
    pub async fn exchange_code(
        &self,
        code: &str,
        transaction: &Transaction,
        now: DateTime<Utc>,
    ) -> Result<Authorization, OidcError> {
        let client = self.client().await?;
        let response = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|error| OidcError::Unavailable(error.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(transaction.pkce_verifier.clone()))
            .request_async(&TokenEndpoint(&self.http))
            .await
            .map_err(token_error)
            // A person waits on this exchange: no retry, but "try again",
            // not "this sign-in could not be verified".
            .map_err(|error| match error {
                OidcError::RateLimited { .. } => OidcError::Unavailable(error.to_string()),
                other => other,
            })?;

        let id_token = response
            .id_token()
            .ok_or_else(|| OidcError::IdToken("the token response carried no ID token".to_owned()))?;
        let verifier = client.id_token_verifier();
        let claims = id_token
            .claims(&verifier, &Nonce::new(transaction.nonce.clone()))
            .map_err(|error| OidcError::IdToken(error.to_string()))?;
        if let Some(expected_hash) = claims.access_token_hash() {
            let signing_alg =
                id_token.signing_alg().map_err(|error| OidcError::IdToken(error.to_string()))?;
            let signing_key =
                id_token.signing_key(&verifier).map_err(|error| OidcError::IdToken(error.to_string()))?;
            let actual = AccessTokenHash::from_token(response.access_token(), signing_alg, signing_key)
                .map_err(|error| OidcError::IdToken(error.to_string()))?;
            if actual != *expected_hash {
                return Err(OidcError::IdToken("the access token does not match at_hash".to_owned()));
            }
        }
        // Empty when `email` was not granted (an incremental grant asks for
        // `openid` and the new scope only); sign-in requires it.
        let email = claims.email().map(|email| email.as_str().to_owned()).unwrap_or_default();
        let name = claims
            .name()
            .and_then(|name| name.get(None))
            .map(|name| name.as_str().to_owned())
            .unwrap_or_else(|| email.clone());
        let profile = GoogleProfile {
            sub: claims.subject().as_str().to_owned(),
            email,
            name,
            picture_url: claims
                .picture()
                .and_then(|picture| picture.get(None))
                .map(|url| url.as_str().to_owned()),
        };
        let granted_scopes = response
            .scopes()
            .map(|scopes| scopes.iter().map(|scope| scope.as_str()).collect::<ScopeSet>())
            .ok_or(OidcError::ScopesUnknown)?;
        Ok(Authorization {
            profile,
            granted_scopes,
            access_token: response.access_token().secret().clone(),
            access_token_expires_at: expires_at(now, response.expires_in()),
            refresh_token: response.refresh_token().map(|token| token.secret().clone()),
        })
    }

    pub async fn refresh(
        &self,
        refresh_token: &str,
        now: DateTime<Utc>,
    ) -> Result<RefreshedToken, OidcError> {
        let client = self.client().await?;
        let response = client
            .exchange_refresh_token(&RefreshToken::new(refresh_token.to_owned()))
            .map_err(|error| OidcError::Unavailable(error.to_string()))?
            .request_async(&TokenEndpoint(&self.http))
            .await
            .map_err(token_error)?;
        Ok(RefreshedToken {
            access_token: response.access_token().secret().clone(),
            expires_at: expires_at(now, response.expires_in()),
            granted_scopes: response
                .scopes()
                .map(|scopes| scopes.iter().map(|scope| scope.as_str()).collect::<ScopeSet>()),
            refresh_token: response.refresh_token().map(|token| token.secret().clone()),
        })
    }

    /// Revokes a token and, with it, Google's whole grant to BookMate.
    ///
    /// A plain form POST, as Google documents it: the `oauth2` crate refuses
    /// revocation URLs that are not https, which the emulator on loopback is.
    pub async fn revoke(&self, token: &str) -> Result<(), OidcError> {
        let metadata = self.metadata(false).await?;
        let endpoint = metadata.additional_metadata().revocation_endpoint.clone();
        let response = self
            .http
            .post(endpoint)
            .form(&[("token", token)])
            .send()
            .await
            .map_err(|error| OidcError::Unavailable(format!("revocation: {error}")))?;
        match response.status().as_u16() {
            200 => Ok(()),
            // Already revoked or expired: the grant is gone, which is the goal.
            400 => Ok(()),
            status => Err(OidcError::Unavailable(format!("revocation answered {status}"))),
        }
    }
}

fn expires_at(now: DateTime<Utc>, expires_in: Option<Duration>) -> DateTime<Utc> {
    // Google always sends expires_in; assume its documented hour if it does not.
    let lifetime = expires_in.unwrap_or(Duration::from_secs(3599));
    now + chrono::Duration::from_std(lifetime).unwrap_or(chrono::Duration::seconds(3599))
}

/// Why a call to the token endpoint brought no answer to read: the network,
/// or a status that says "not now" rather than "no".
#[derive(Debug, thiserror::Error)]
enum TokenEndpointError {
    #[error(transparent)]
    Http(#[from] HttpClientError<reqwest::Error>),
    #[error("the token endpoint answered {status}")]
    Transient { status: u16, retry_after: Option<Duration> },
}

/// The HTTP client for the token endpoint, keeping what the `oauth2` crate
/// would lose: it reads any error body as an OAuth error and drops the
/// status, so a 429 or a 5xx carrying `{"error": …}` would look like a
/// refusal of the grant.
struct TokenEndpoint<'a>(&'a reqwest::Client);

impl<'c> AsyncHttpClient<'c> for TokenEndpoint<'_> {
    type Error = TokenEndpointError;
    // Named and boxed: server functions need their futures to be `Send`,
    // which the compiler cannot prove through a closure's lifetimes.
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, TokenEndpointError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(call_token_endpoint(self.0, request))
    }
}

async fn call_token_endpoint(
    http: &reqwest::Client,
    request: HttpRequest,
) -> Result<HttpResponse, TokenEndpointError> {
    let response = http.call(request).await?;
    let status = response.status();
    if status == reqwest::StatusCode::TOO_MANY_REQUESTS || status.is_server_error() {
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse().ok())
            .map(Duration::from_secs);
        return Err(TokenEndpointError::Transient { status: status.as_u16(), retry_after });
    }
    Ok(response)
}

fn token_error(
    error: RequestTokenError<TokenEndpointError, openidconnect::StandardErrorResponse<CoreErrorResponseType>>,
) -> OidcError {
    match error {
        RequestTokenError::ServerResponse(response) => match response.error() {
            CoreErrorResponseType::InvalidGrant => OidcError::InvalidGrant,
            other => OidcError::Refused(other.as_ref().to_owned()),
        },
        RequestTokenError::Request(TokenEndpointError::Transient { status: 429, retry_after }) => {
            OidcError::RateLimited { retry_after }
        }
        RequestTokenError::Request(error) => OidcError::Unavailable(with_causes(&error)),
        other => OidcError::Unavailable(other.to_string()),
    }
}

/// An error with its causes, for the log: the HTTP client's own message is
/// only "client error"; the cause says "timed out" or "connection refused".
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(error) = cause {
        text.push_str(": ");
        text.push_str(&error.to_string());
        cause = error.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_do_not_reach_debug_output() {
        let transaction = Transaction {
            state: "state-secret".to_owned(),
            nonce: "nonce-secret".to_owned(),
            pkce_verifier: "verifier-secret".to_owned(),
            purpose: Purpose::SignIn,
            started_at: 1_800_000_000,
        };
        let refreshed = RefreshedToken {
            access_token: "ya29.access-secret".to_owned(),
            expires_at: Utc::now(),
            granted_scopes: None,
            refresh_token: Some("1//refresh-secret".to_owned()),
        };
        let printed = format!("{transaction:?} {refreshed:?}");
        assert!(printed.contains("SignIn") && printed.contains("has_refresh_token: true"), "{printed}");
        for secret in ["state-secret", "nonce-secret", "verifier-secret", "access-secret", "refresh-secret"] {
            assert!(!printed.contains(secret), "{secret} in {printed}");
        }
    }
}
