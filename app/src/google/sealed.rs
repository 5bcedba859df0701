//! Google's tokens at rest: sealed (encrypted and authenticated) with a key
//! of their own, and bound to their owner and kind, so a sealed token copied
//! to another host's row, or from refresh to access, does not open.

use crate::crypto::{KeyPurpose, SecretBox};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Access,
    Refresh,
}

impl TokenKind {
    fn context(self, user_id: i64) -> String {
        let kind = match self {
            Self::Access => "access",
            Self::Refresh => "refresh",
        };
        format!("google-token:{user_id}:{kind}")
    }
}

#[derive(Debug)]
pub struct TokenCipher(SecretBox);

impl TokenCipher {
    pub fn new(secret_key: &str) -> Self {
        Self(SecretBox::derive(secret_key, KeyPurpose::StoredTokens))
    }

    pub fn seal(&self, user_id: i64, kind: TokenKind, token: &str) -> String {
        self.0.seal(token.as_bytes(), kind.context(user_id).as_bytes())
    }

    /// The token, if it was sealed by this key for this owner and kind.
    pub fn open(&self, user_id: i64, kind: TokenKind, sealed: &str) -> Option<String> {
        let bytes = self.0.open(sealed, kind.context(user_id).as_bytes()).ok()?;
        String::from_utf8(bytes).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_token_opens_only_for_its_owner_and_kind() {
        let cipher = TokenCipher::new("a-secret-key-of-at-least-32-characters!");
        let sealed = cipher.seal(7, TokenKind::Refresh, "1//refresh");
        assert_eq!(cipher.open(7, TokenKind::Refresh, &sealed).as_deref(), Some("1//refresh"));
        assert_eq!(cipher.open(8, TokenKind::Refresh, &sealed), None);
        assert_eq!(cipher.open(7, TokenKind::Access, &sealed), None);
        let other = TokenCipher::new("another-secret-key-of-32-characters!!!");
        assert_eq!(other.open(7, TokenKind::Refresh, &sealed), None);
    }
}
