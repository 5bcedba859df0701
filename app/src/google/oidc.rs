//! The OpenID Connect client: authorization URLs, the code exchange with
//! PKCE and ID-token verification (`id_token.rs`), refresh and revocation.
//!
//! Every endpoint comes from discovery at one issuer URL, fetched lazily (the
//! built-in emulator is served by this very process, which is not listening
//! yet at start) and refreshed hourly, and at once when an ID token names a key
//! not held, so Google's key rotation is followed.

// tidy: long file: one protocol's client, each endpoint beside the checks
// RFC 9700 and OpenID Connect ask of its answer; split, the checks would
// drift from the calls they guard.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use openidconnect::{
    core::{
        CoreAuthDisplay, CoreAuthPrompt, CoreClaimName, CoreClaimType, CoreClient, CoreClientAuthMethod,
        CoreGrantType, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJweKeyManagementAlgorithm,
        CoreResponseMode, CoreResponseType, CoreSubjectIdentifierType,
    },
    AdditionalProviderMetadata, AuthenticationFlow, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet,
    EndpointNotSet, EndpointSet, IssuerUrl, LoginHint, Nonce, PkceCodeChallenge, ProviderMetadata,
    RedirectUrl, Scope,
};
use serde::{Deserialize, Serialize};
use tokio::sync::RwLock;

use super::{
    id_token::{self, IdTokenError},
    token_endpoint::{self, with_causes, ClientCredentials, Refusal, TokenResponse},
};
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
    /// Sent with `prompt=consent`: Google showed its consent screen, so the
    /// answer carries a refresh token if any ever will.
    #[serde(default)]
    pub consent_prompted: bool,
}

/// How to ask: which scopes, and for whom.
#[derive(Debug, Clone)]
pub struct AuthorizationRequest<'a> {
    pub scopes: &'a [&'a str],
    pub login_hint: Option<&'a str>,
    pub prompt: Prompt,
    pub purpose: Purpose,
}

/// Whether Google shows a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prompt {
    /// Google decides: a consent screen only for what was never granted.
    Default,
    /// `prompt=none`: an answer at once, without a page, or an error.
    None,
    /// `prompt=consent`: the consent screen even for what was granted, the
    /// only way to get a new refresh token for a standing grant.
    Consent,
}

/// The outcome of a successful code exchange. Its `Debug` shows no token.
pub struct Authorization {
    pub profile: GoogleProfile,
    /// What Google granted, read from the token response: not what was asked.
    pub granted_scopes: ScopeSet,
    pub access_token: String,
    pub access_token_expires_at: DateTime<Utc>,
    pub refresh_token: Option<String>,
    /// When Google said the refresh token ends (a "Testing" project), if it did.
    pub refresh_token_expires_at: Option<DateTime<Utc>>,
}

/// A refresh's answer. Its `Debug` shows no token.
pub struct RefreshedToken {
    pub access_token: String,
    pub expires_at: DateTime<Utc>,
    pub granted_scopes: Option<ScopeSet>,
    pub refresh_token: Option<String>,
    pub refresh_token_expires_at: Option<DateTime<Utc>>,
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
    /// `unauthorized_client`: the refresh token was issued to another OAuth
    /// client (the operator recreated or rotated it).
    #[error("the refresh token belongs to another OAuth client")]
    OtherClientsToken,
    /// `invalid_client` or `deleted_client`: Google refuses BookMate's own
    /// client credentials; no host can fix this, the operator must.
    #[error("Google refuses BookMate's OAuth client: {0}")]
    ClientRejected(String),
    /// The token endpoint answered 429: slow down, never a verdict on the
    /// grant.
    #[error("Google's token endpoint asked us to slow down")]
    RateLimited { retry_after: Option<Duration> },
    #[error("Google refused the request: {0}")]
    Refused(String),
    #[error("the ID token did not verify: {0}")]
    IdToken(#[from] IdTokenError),
    #[error("the token response did not say which scopes were granted")]
    ScopesUnknown,
}

/// Why a revocation did not happen.
#[derive(Debug, thiserror::Error)]
pub enum RevokeError {
    /// 400 `invalid_token`: Google does not know this token. For a refresh
    /// token, BookMate's access is gone; for an access token it may only have
    /// expired, and the grant may stand.
    #[error("Google does not know the token (revoked or expired)")]
    UnknownToken,
    #[error("Google could not be reached to revoke: {0}")]
    Unavailable(String),
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
        match GoogleProviderMetadata::discover_async(self.issuer.clone(), &self.http).await {
            Ok(metadata) => {
                *slot = Some((Instant::now(), metadata.clone()));
                Ok(metadata)
            }
            // Google's keys outlive their announcement by days: a document
            // we hold serves better than none while discovery fails.
            Err(error) => match slot.as_ref() {
                Some((_, held)) => {
                    tracing::warn!(%error, "OpenID discovery failed; keeping the document held");
                    Ok(held.clone())
                }
                None => Err(OidcError::Unavailable(format!("discovery: {error}"))),
            },
        }
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
        match request.prompt {
            Prompt::Default => {}
            Prompt::None => authorize = authorize.add_prompt(CoreAuthPrompt::None),
            Prompt::Consent => authorize = authorize.add_prompt(CoreAuthPrompt::Consent),
        }
        let (url, state, nonce) = authorize.url();
        let transaction = Transaction {
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: pkce_verifier.secret().clone(),
            purpose: request.purpose,
            started_at: now.timestamp(),
            consent_prompted: request.prompt == Prompt::Consent,
        };
        Ok((url, transaction))
    }

    /// Exchanges the code (with the PKCE verifier), then verifies the ID
    /// token (`id_token.rs`): signature, issuer, audience, expiry, nonce and
    /// the access-token hash.
    pub async fn exchange_code(
        &self,
        code: &str,
        transaction: &Transaction,
        now: DateTime<Utc>,
    ) -> Result<Authorization, OidcError> {
        let fields = [
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", self.redirect_url.as_str()),
            ("code_verifier", transaction.pkce_verifier.as_str()),
        ];
        let response = self
            .token_request(&fields)
            .await
            // A person waits on this exchange: no retry, but "try again",
            // not "this sign-in could not be verified".
            .map_err(|error| match error {
                OidcError::RateLimited { .. } => OidcError::Unavailable(error.to_string()),
                other => other,
            })?;
        let id_token = response.id_token.as_deref().ok_or(IdTokenError::Malformed("no ID token"))?;
        let expected = id_token::Expected {
            issuer: self.issuer.as_str(),
            client_id: self.client_id.as_str(),
            nonce: &transaction.nonce,
            access_token: &response.access_token,
            now,
        };
        let claims = self.verify_id_token(id_token, expected).await?;
        // Empty when `email` was not granted (an incremental grant asks for
        // `openid` and the new scope only); sign-in requires it.
        let email = claims.email.unwrap_or_default();
        let profile = GoogleProfile {
            sub: claims.sub,
            name: claims.name.unwrap_or_else(|| email.clone()),
            email,
            picture_url: claims.picture,
        };
        let granted_scopes =
            response.scope.as_deref().map(ScopeSet::parse).ok_or(OidcError::ScopesUnknown)?;
        Ok(Authorization {
            profile,
            granted_scopes,
            access_token_expires_at: expires_at(now, response.expires_in),
            refresh_token_expires_at: response
                .refresh_token_expires_in
                .and_then(|seconds| ends_at(now, seconds)),
            access_token: response.access_token,
            refresh_token: response.refresh_token,
        })
    }

    /// Verifies against the keys held; when the token names a key they do
    /// not have, Google has rotated: fetch once more and try again.
    async fn verify_id_token(
        &self,
        id_token: &str,
        expected: id_token::Expected<'_>,
    ) -> Result<id_token::Claims, OidcError> {
        let held = self.metadata(false).await?;
        match id_token::verify(id_token, held.jwks(), expected) {
            Err(IdTokenError::UnknownKey(kid)) => {
                tracing::info!(kid, "an ID token names a key not held; fetching Google's keys again");
                let fetched = self.metadata(true).await?;
                Ok(id_token::verify(id_token, fetched.jwks(), expected)?)
            }
            verified => Ok(verified?),
        }
    }

    pub async fn refresh(
        &self,
        refresh_token: &str,
        now: DateTime<Utc>,
    ) -> Result<RefreshedToken, OidcError> {
        let fields = [("grant_type", "refresh_token"), ("refresh_token", refresh_token)];
        // Google may send an ID token here too; BookMate learns nothing from
        // it that the stored profile lacks, so it is not read.
        let response = self.token_request(&fields).await?;
        Ok(RefreshedToken {
            expires_at: expires_at(now, response.expires_in),
            granted_scopes: response.scope.as_deref().map(ScopeSet::parse),
            refresh_token_expires_at: response
                .refresh_token_expires_in
                .and_then(|seconds| ends_at(now, seconds)),
            access_token: response.access_token,
            refresh_token: response.refresh_token,
        })
    }

    async fn token_request(&self, fields: &[(&str, &str)]) -> Result<TokenResponse, OidcError> {
        let metadata = self.metadata(false).await?;
        let endpoint = metadata
            .token_endpoint()
            .ok_or_else(|| OidcError::Unavailable("discovery names no token endpoint".to_owned()))?;
        let client = ClientCredentials { id: self.client_id.as_str(), secret: self.client_secret.secret() };
        token_endpoint::request(&self.http, endpoint.as_str(), &client, fields).await.map_err(|refusal| {
            match refusal {
                Refusal::Unavailable(detail) => OidcError::Unavailable(detail),
                Refusal::RateLimited { retry_after } => OidcError::RateLimited { retry_after },
                Refusal::InvalidGrant => OidcError::InvalidGrant,
                Refusal::OtherClientsToken => OidcError::OtherClientsToken,
                Refusal::ClientRejected(error) => OidcError::ClientRejected(error),
                Refusal::Refused(error) => OidcError::Refused(error),
            }
        })
    }

    /// Revokes a token and, with it, Google's whole grant to BookMate.
    ///
    /// A plain form POST, as Google documents it: the `oauth2` crate refuses
    /// revocation URLs that are not https, which the emulator on loopback is.
    pub async fn revoke(&self, token: &str) -> Result<(), RevokeError> {
        let metadata =
            self.metadata(false).await.map_err(|error| RevokeError::Unavailable(error.to_string()))?;
        let endpoint = metadata.additional_metadata().revocation_endpoint.clone();
        let response = self
            .http
            .post(endpoint)
            .form(&[("token", token)])
            .send()
            .await
            .map_err(|error| RevokeError::Unavailable(with_causes(&error)))?;
        match response.status().as_u16() {
            200 => Ok(()),
            400 => Err(RevokeError::UnknownToken),
            status => Err(RevokeError::Unavailable(format!("revocation answered {status}"))),
        }
    }
}

fn ends_at(now: DateTime<Utc>, seconds: u64) -> Option<DateTime<Utc>> {
    now.checked_add_signed(chrono::Duration::seconds(i64::try_from(seconds).ok()?))
}

fn expires_at(now: DateTime<Utc>, expires_in_seconds: Option<u64>) -> DateTime<Utc> {
    // Google always sends expires_in; assume its documented hour if it does not.
    let lifetime = expires_in_seconds.and_then(|seconds| i64::try_from(seconds).ok()).unwrap_or(3599);
    now + chrono::Duration::seconds(lifetime)
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
            consent_prompted: false,
        };
        let refreshed = RefreshedToken {
            access_token: "ya29.access-secret".to_owned(),
            expires_at: Utc::now(),
            granted_scopes: None,
            refresh_token: Some("1//refresh-secret".to_owned()),
            refresh_token_expires_at: None,
        };
        let printed = format!("{transaction:?} {refreshed:?}");
        assert!(printed.contains("SignIn") && printed.contains("has_refresh_token: true"), "{printed}");
        for secret in ["state-secret", "nonce-secret", "verifier-secret", "access-secret", "refresh-secret"] {
            assert!(!printed.contains(secret), "{secret} in {printed}");
        }
    }
}
