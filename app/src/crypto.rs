//! Encryption at rest and in cookies: XChaCha20-Poly1305 with keys derived
//! from the one secret key by HKDF-SHA256, one key per purpose.
//!
//! Every sealed value carries a fresh random nonce, and is bound to a context
//! (for a stored token: its owner and kind), so a ciphertext copied to another
//! row or another purpose does not open.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use chacha20poly1305::{
    aead::{Aead as _, KeyInit as _, Payload},
    XChaCha20Poly1305, XNonce,
};
use hkdf::Hkdf;
use sha2::Sha256;

/// The format prefix; a new key scheme gets a new one, and old values stay
/// readable while they are rewritten.
const VERSION: &str = "v1.";
const NONCE_LEN: usize = 24;

/// What a derived key is for. Distinct purposes give unrelated keys.
#[derive(Debug, Clone, Copy)]
pub enum KeyPurpose {
    /// Google's access and refresh tokens in the database.
    StoredTokens,
    /// The short-lived cookie that carries an OAuth transaction.
    OAuthCookie,
}

impl KeyPurpose {
    fn info(self) -> &'static [u8] {
        match self {
            Self::StoredTokens => b"bookmate stored-tokens v1",
            Self::OAuthCookie => b"bookmate oauth-cookie v1",
        }
    }
}

#[derive(Clone)]
pub struct SecretBox {
    cipher: XChaCha20Poly1305,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OpenError {
    #[error("not a sealed value")]
    Malformed,
    #[error("the value was altered, or sealed with another key or context")]
    Rejected,
}

impl SecretBox {
    pub fn derive(secret_key: &str, purpose: KeyPurpose) -> Self {
        let hkdf = Hkdf::<Sha256>::new(Some(b"bookmate"), secret_key.as_bytes());
        let mut key = [0u8; 32];
        hkdf.expand(purpose.info(), &mut key).expect("32 bytes is a valid HKDF-SHA256 output length");
        Self { cipher: XChaCha20Poly1305::new(&key.into()) }
    }

    pub fn seal(&self, plaintext: &[u8], context: &[u8]) -> String {
        let nonce_bytes: [u8; NONCE_LEN] = rand::random();
        let nonce = XNonce::from(nonce_bytes);
        let ciphertext = self
            .cipher
            .encrypt(&nonce, Payload { msg: plaintext, aad: context })
            .expect("XChaCha20-Poly1305 encrypts any message that fits in memory");
        let mut sealed = Vec::with_capacity(NONCE_LEN + ciphertext.len());
        sealed.extend_from_slice(&nonce_bytes);
        sealed.extend_from_slice(&ciphertext);
        format!("{VERSION}{}", URL_SAFE_NO_PAD.encode(sealed))
    }

    pub fn open(&self, sealed: &str, context: &[u8]) -> Result<Vec<u8>, OpenError> {
        let encoded = sealed.strip_prefix(VERSION).ok_or(OpenError::Malformed)?;
        let bytes = URL_SAFE_NO_PAD.decode(encoded).map_err(|_| OpenError::Malformed)?;
        if bytes.len() < NONCE_LEN {
            return Err(OpenError::Malformed);
        }
        let (nonce_bytes, ciphertext) = bytes.split_at(NONCE_LEN);
        let nonce_array: [u8; NONCE_LEN] = nonce_bytes.try_into().map_err(|_| OpenError::Malformed)?;
        self.cipher
            .decrypt(&XNonce::from(nonce_array), Payload { msg: ciphertext, aad: context })
            .map_err(|_| OpenError::Rejected)
    }
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox([redacted])")
    }
}

/// A random token for cookies and OAuth parameters: 32 bytes, base64url.
pub fn random_token() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

/// The SHA-256 of a session token, hex-encoded: what the database keeps, so a
/// copy of the database does not hand out live sessions.
pub fn token_digest(token: &str) -> String {
    use sha2::Digest as _;
    Sha256::digest(token.as_bytes()).iter().map(|byte| format!("{byte:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "test-secret-key-test-secret-key-0123456789";

    #[test]
    fn sealed_values_open_with_the_same_key_and_context() {
        let secret_box = SecretBox::derive(KEY, KeyPurpose::StoredTokens);
        let sealed = secret_box.seal(b"1//refresh-token", b"user:7:refresh");
        assert!(sealed.starts_with("v1."));
        assert!(!sealed.contains("refresh-token"));
        assert_eq!(secret_box.open(&sealed, b"user:7:refresh").unwrap(), b"1//refresh-token");
    }

    #[test]
    fn the_same_value_seals_differently_each_time() {
        let secret_box = SecretBox::derive(KEY, KeyPurpose::StoredTokens);
        assert_ne!(secret_box.seal(b"token", b"ctx"), secret_box.seal(b"token", b"ctx"));
    }

    #[test]
    fn another_context_purpose_or_key_cannot_open_a_value() {
        let secret_box = SecretBox::derive(KEY, KeyPurpose::StoredTokens);
        let sealed = secret_box.seal(b"token", b"user:7:refresh");
        assert_eq!(secret_box.open(&sealed, b"user:8:refresh"), Err(OpenError::Rejected));
        let cookie_box = SecretBox::derive(KEY, KeyPurpose::OAuthCookie);
        assert_eq!(cookie_box.open(&sealed, b"user:7:refresh"), Err(OpenError::Rejected));
        let other_key =
            SecretBox::derive("another-secret-key-another-secret-key-01", KeyPurpose::StoredTokens);
        assert_eq!(other_key.open(&sealed, b"user:7:refresh"), Err(OpenError::Rejected));
    }

    #[test]
    fn altered_or_garbage_values_are_refused() {
        let secret_box = SecretBox::derive(KEY, KeyPurpose::OAuthCookie);
        let sealed = secret_box.seal(b"state", b"");
        let mut altered = sealed.into_bytes();
        let last = altered.len() - 1;
        altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(secret_box.open(&String::from_utf8(altered).unwrap(), b""), Err(OpenError::Rejected));
        assert_eq!(secret_box.open("v1.@@@", b""), Err(OpenError::Malformed));
        assert_eq!(secret_box.open("plain", b""), Err(OpenError::Malformed));
        assert_eq!(secret_box.open("v1.AAAA", b""), Err(OpenError::Malformed));
    }

    #[test]
    fn session_digests_are_stable_and_hide_the_token() {
        let digest = token_digest("abc");
        assert_eq!(digest, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(digest, token_digest("abc"));
    }
}
