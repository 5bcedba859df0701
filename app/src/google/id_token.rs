//! Checking a Google ID token, step by step as Google's guide lists them
//! ("Validating an ID token"): the signature against the published key named
//! by `kid`, `iss`, `aud` (and `azp`), `exp`, then the `nonce` and `at_hash`
//! OpenID Connect adds for the code flow.
//!
//! `openidconnect` verifies the signature (its JWK type); the claims are
//! read here because its claims type holds `iss` as a URL, and Google
//! documents the bare `accounts.google.com` as an issuer too: such a token
//! would not even parse there.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use chrono::{DateTime, Utc};
use openidconnect::{
    core::{CoreJsonWebKey, CoreJwsSigningAlgorithm},
    JsonWebKey as _, JsonWebKeySet,
};
use serde::Deserialize;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum IdTokenError {
    #[error("the ID token is malformed: {0}")]
    Malformed(&'static str),
    /// No published key has this id: Google may have rotated its keys since
    /// they were fetched.
    #[error("no published key has the id {0:?}")]
    UnknownKey(String),
    #[error("the ID token is signed with {0}, not RS256")]
    Algorithm(String),
    #[error("the signature does not verify")]
    Signature,
    #[error("the ID token comes from an unexpected issuer: {0}")]
    Issuer(String),
    #[error("the ID token is meant for another client")]
    Audience,
    #[error("the ID token has expired")]
    Expired,
    #[error("the nonce does not match this sign-in's")]
    Nonce,
    #[error("the access token does not match at_hash")]
    AccessTokenHash,
}

/// What the token must say to be ours.
#[derive(Debug, Clone, Copy)]
pub struct Expected<'a> {
    /// The issuer as discovered, e.g. `https://accounts.google.com`.
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub nonce: &'a str,
    pub access_token: &'a str,
    pub now: DateTime<Utc>,
}

/// The claims BookMate reads, once the token is checked.
#[derive(Debug, Clone, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub email: Option<String>,
    pub name: Option<String>,
    pub picture: Option<String>,
}

#[derive(Deserialize)]
struct Header {
    alg: String,
    kid: Option<String>,
}

#[derive(Deserialize)]
struct CheckedClaims {
    iss: String,
    aud: Audience,
    azp: Option<String>,
    exp: i64,
    nonce: Option<String>,
    at_hash: Option<String>,
    #[serde(flatten)]
    claims: Claims,
}

/// `aud` is a string at Google, and may be an array by OpenID Connect.
#[derive(Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

/// Verifies `jwt` against `keys` and `expected`, and returns its claims.
pub fn verify(
    jwt: &str,
    keys: &JsonWebKeySet<CoreJsonWebKey>,
    expected: Expected<'_>,
) -> Result<Claims, IdTokenError> {
    let mut parts = jwt.split('.');
    let (Some(header_part), Some(claims_part), Some(signature_part), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(IdTokenError::Malformed("not three parts"));
    };
    let header: Header = decode_json(header_part)?;
    // Google signs with RS256 only; refusing anything else shuts out the
    // "alg: none" and key-confusion tricks.
    if header.alg != "RS256" {
        return Err(IdTokenError::Algorithm(header.alg));
    }
    let kid = header.kid.ok_or(IdTokenError::Malformed("no kid"))?;
    let key = keys
        .keys()
        .iter()
        .find(|key| key.key_id().is_some_and(|id| id.as_str() == kid))
        .ok_or_else(|| IdTokenError::UnknownKey(kid.clone()))?;
    let signature =
        URL_SAFE_NO_PAD.decode(signature_part).map_err(|_| IdTokenError::Malformed("signature encoding"))?;
    let signed = format!("{header_part}.{claims_part}");
    key.verify_signature(&CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256, signed.as_bytes(), &signature)
        .map_err(|_| IdTokenError::Signature)?;

    let checked: CheckedClaims = decode_json(claims_part)?;
    if !is_issuer(&checked.iss, expected.issuer) {
        return Err(IdTokenError::Issuer(checked.iss));
    }
    let audience_ok = match &checked.aud {
        Audience::One(audience) => audience == expected.client_id,
        // Several audiences: the token must name us as the party it was issued to.
        Audience::Many(audiences) => {
            audiences.iter().any(|audience| audience == expected.client_id)
                && (audiences.len() == 1 || checked.azp.as_deref() == Some(expected.client_id))
        }
    };
    if !audience_ok || checked.azp.as_deref().is_some_and(|azp| azp != expected.client_id) {
        return Err(IdTokenError::Audience);
    }
    if checked.exp <= expected.now.timestamp() {
        return Err(IdTokenError::Expired);
    }
    let nonce_matches = checked
        .nonce
        .as_deref()
        .is_some_and(|nonce| bool::from(nonce.as_bytes().ct_eq(expected.nonce.as_bytes())));
    if !nonce_matches {
        return Err(IdTokenError::Nonce);
    }
    if let Some(at_hash) = &checked.at_hash {
        let digest = Sha256::digest(expected.access_token.as_bytes());
        if URL_SAFE_NO_PAD.encode(&digest[..16]) != *at_hash {
            return Err(IdTokenError::AccessTokenHash);
        }
    }
    Ok(checked.claims)
}

/// Google documents `iss` as `https://accounts.google.com` or the bare
/// `accounts.google.com`: the discovered issuer, with or without its scheme.
fn is_issuer(claimed: &str, issuer: &str) -> bool {
    let issuer = issuer.trim_end_matches('/');
    let claimed = claimed.trim_end_matches('/');
    let bare = issuer.strip_prefix("https://").or_else(|| issuer.strip_prefix("http://"));
    claimed == issuer || Some(claimed) == bare
}

fn decode_json<T: serde::de::DeserializeOwned>(part: &str) -> Result<T, IdTokenError> {
    let bytes = URL_SAFE_NO_PAD.decode(part).map_err(|_| IdTokenError::Malformed("base64url"))?;
    serde_json::from_slice(&bytes).map_err(|_| IdTokenError::Malformed("JSON"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_issuer_may_be_bare_but_never_another_host() {
        let google = "https://accounts.google.com";
        assert!(is_issuer("https://accounts.google.com", google));
        assert!(is_issuer("accounts.google.com", google));
        assert!(!is_issuer("accounts.google.com.evil.example", google));
        assert!(!is_issuer("http://accounts.google.com", google), "only the documented two forms");
        assert!(!is_issuer("https://evil.example", google));
        assert!(is_issuer("127.0.0.1:4000/__google", "http://127.0.0.1:4000/__google"));
    }

    #[test]
    fn a_token_that_is_not_a_signed_jwt_is_refused_before_any_key_is_looked_up() {
        let keys = JsonWebKeySet::new(Vec::new());
        let expected = Expected {
            issuer: "https://accounts.google.com",
            client_id: "client",
            nonce: "n",
            access_token: "a",
            now: Utc::now(),
        };
        assert_eq!(verify("a.b", &keys, expected).unwrap_err(), IdTokenError::Malformed("not three parts"));
        let none_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","kid":"k"}"#);
        let unsigned = format!("{none_header}.e30.");
        assert_eq!(
            verify(&unsigned, &keys, expected).unwrap_err(),
            IdTokenError::Algorithm("none".to_owned())
        );
        let rs_header = URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","kid":"rotated"}"#);
        let token = format!("{rs_header}.e30.c2ln");
        assert_eq!(
            verify(&token, &keys, expected).unwrap_err(),
            IdTokenError::UnknownKey("rotated".to_owned())
        );
    }
}
