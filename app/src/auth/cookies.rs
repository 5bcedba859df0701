//! The two cookies BookMate sets: the session's (a random token; the
//! database holds its digest) and the OAuth transaction's (the state, nonce
//! and PKCE verifier of one authorization, sealed, for ten minutes).

use axum::http::{header, HeaderMap};
use chrono::{DateTime, Utc};
use url::Url;

use crate::{
    crypto::{KeyPurpose, SecretBox},
    google::oidc::Transaction,
};

/// A transaction older than this is refused: the person took too long, or
/// the cookie is being replayed.
pub const TRANSACTION_LIFETIME_SECONDS: i64 = 600;
const TRANSACTION_CONTEXT: &[u8] = b"oauth-transaction";

/// How BookMate's cookies are named, set and sealed; built once at start.
#[derive(Debug)]
pub struct Cookies {
    cookie_box: SecretBox,
    public_url: Url,
    /// On https, cookies are `Secure` and `__Host-` prefixed.
    secure: bool,
}

impl Cookies {
    pub fn new(secret_key: &str, public_url: Url) -> Self {
        let secure = public_url.scheme() == "https";
        Self { cookie_box: SecretBox::derive(secret_key, KeyPurpose::OAuthCookie), public_url, secure }
    }

    pub fn session_name(&self) -> &'static str {
        if self.secure {
            "__Host-bookmate_session"
        } else {
            "bookmate_session"
        }
    }

    pub fn transaction_name(&self) -> &'static str {
        if self.secure {
            "__Host-bookmate_oauth"
        } else {
            "bookmate_oauth"
        }
    }

    /// Where browsers reach BookMate.
    pub fn public_url(&self) -> &Url {
        &self.public_url
    }

    /// The origin browsers use for us, for cross-site request checks.
    pub fn origin(&self) -> String {
        self.public_url.origin().ascii_serialization()
    }

    /// `Set-Cookie` for a cookie only this site's pages send back.
    pub fn set(&self, name: &str, value: &str, max_age_seconds: i64) -> String {
        let secure = if self.secure { "; Secure" } else { "" };
        format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_seconds}{secure}")
    }

    pub fn expire(&self, name: &str) -> String {
        self.set(name, "", 0)
    }

    /// `Set-Cookie` carrying a transaction to Google and back.
    pub fn transaction(&self, transaction: &Transaction) -> Result<String, serde_json::Error> {
        let json = serde_json::to_vec(transaction)?;
        let sealed = self.cookie_box.seal(&json, TRANSACTION_CONTEXT);
        Ok(self.set(self.transaction_name(), &sealed, TRANSACTION_LIFETIME_SECONDS))
    }

    /// The transaction the request's cookie carries, if it is ours and recent.
    pub fn open_transaction(&self, headers: &HeaderMap, now: DateTime<Utc>) -> Option<Transaction> {
        let sealed = read_cookie(headers, self.transaction_name())?;
        let json = self.cookie_box.open(sealed, TRANSACTION_CONTEXT).ok()?;
        let transaction: Transaction = serde_json::from_slice(&json).ok()?;
        let age = now.timestamp() - transaction.started_at;
        (0..=TRANSACTION_LIFETIME_SECONDS).contains(&age).then_some(transaction)
    }
}

/// The value of one cookie in a request.
pub fn read_cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn cookies_are_read_by_exact_name() {
        let mut headers = HeaderMap::new();
        headers.append(header::COOKIE, HeaderValue::from_static("other=1; bookmate_session=abc; x=y"));
        headers.append(header::COOKIE, HeaderValue::from_static("bookmate_oauth=v1.zzz"));
        assert_eq!(read_cookie(&headers, "bookmate_session"), Some("abc"));
        assert_eq!(read_cookie(&headers, "bookmate_oauth"), Some("v1.zzz"));
        assert_eq!(read_cookie(&headers, "session"), None);
    }
}
