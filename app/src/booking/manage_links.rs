//! The link that lets a visitor change or cancel their booking without an
//! account: `/bookings/{uid}?key=…`.
//!
//! The key is derived from the booking's UID with a key of its own (HKDF
//! from the secret key), so nothing is stored, every message about the
//! booking can carry the link again, and knowing the UID (which calendars
//! see) does not give it. It proves the right to manage that one booking,
//! nothing more; a new secret key ends every link, as it ends sessions.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use hkdf::Hkdf;
use sha2::Sha256;
use subtle::ConstantTimeEq as _;
use url::Url;

pub struct ManageLinks {
    keys: Hkdf<Sha256>,
    public_url: Url,
}

impl std::fmt::Debug for ManageLinks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ManageLinks").field("public_url", &self.public_url.as_str()).finish_non_exhaustive()
    }
}

impl ManageLinks {
    pub fn new(secret_key: &str, public_url: Url) -> Self {
        Self {
            keys: Hkdf::<Sha256>::new(Some(b"bookmate manage-links v1"), secret_key.as_bytes()),
            public_url,
        }
    }

    /// The booking's key: 32 bytes, base64url.
    pub fn key_for(&self, uid: &str) -> String {
        let mut key = [0u8; 32];
        self.keys
            .expand_multi_info(&[b"booking ", uid.as_bytes()], &mut key)
            .expect("32 bytes is a valid HKDF-SHA256 output length");
        URL_SAFE_NO_PAD.encode(key)
    }

    /// The page where the visitor sees and changes the booking.
    pub fn path_for(&self, uid: &str) -> String {
        format!("/bookings/{uid}?key={}", self.key_for(uid))
    }

    /// The same, absolute, for emails and invitations.
    pub fn url_for(&self, uid: &str) -> String {
        format!("{}{}", self.public_url.as_str().trim_end_matches('/'), self.path_for(uid))
    }

    /// Any of BookMate's pages, absolute, for emails (`path` starts with `/`).
    pub fn absolute(&self, path: &str) -> String {
        format!("{}{path}", self.public_url.as_str().trim_end_matches('/'))
    }

    /// Whether `key` is the booking's, compared in constant time.
    pub fn verify(&self, uid: &str, key: &str) -> bool {
        bool::from(self.key_for(uid).as_bytes().ct_eq(key.as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links(secret: &str) -> ManageLinks {
        ManageLinks::new(secret, "https://book.example.com/".parse().unwrap())
    }

    #[test]
    fn a_key_opens_its_own_booking_only_and_only_under_its_secret() {
        let ours = links("test-secret-key-test-secret-key-0123456789");
        let key = ours.key_for("abc@bookmate");
        assert!(ours.verify("abc@bookmate", &key));
        assert!(!ours.verify("abd@bookmate", &key), "another booking");
        assert!(!ours.verify("abc@bookmate", &key[..key.len() - 1]), "truncated");
        assert!(!ours.verify("abc@bookmate", ""), "missing");
        assert!(!links("another-secret-key-another-secret-key-0123").verify("abc@bookmate", &key));
        assert_eq!(
            ours.url_for("abc@bookmate"),
            format!("https://book.example.com/bookings/abc@bookmate?key={key}")
        );
    }
}
