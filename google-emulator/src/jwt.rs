//! The signing keys: real RSA keys published as a JWKS, signing ID tokens
//! with RS256. Two keys are published, as Google does; rotating brings in a
//! brand-new key that no client can have cached, as Google's rotation does.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine as _};
use rsa::{
    pkcs1v15::SigningKey,
    rand_core::OsRng,
    sha2::{Digest as _, Sha256},
    signature::{SignatureEncoding as _, Signer as _, Verifier as _},
    traits::PublicKeyParts as _,
    RsaPrivateKey,
};
use serde_json::{json, Value};

#[derive(Clone)]
pub struct SigningKeys {
    keys: Vec<(String, RsaPrivateKey)>,
    active: usize,
}

impl SigningKeys {
    /// The process's keys: generated once, because 2048-bit RSA generation
    /// takes seconds, and every emulator in a test binary would pay for it.
    /// Each emulator gets its own copy, so rotating one leaves others alone.
    pub fn shared() -> Self {
        static KEYS: std::sync::OnceLock<SigningKeys> = std::sync::OnceLock::new();
        KEYS.get_or_init(Self::generate).clone()
    }

    pub fn generate() -> Self {
        Self { keys: vec![Self::new_key(), Self::new_key()], active: 0 }
    }

    /// A fresh 2048-bit key and its `kid`: slow (a fraction of a second even
    /// optimised), so callers make it before taking the keys' lock.
    pub fn new_key() -> (String, RsaPrivateKey) {
        let key = RsaPrivateKey::new(&mut OsRng, 2048).expect("RSA key generation");
        let kid = hex(&Sha256::digest(key.n().to_bytes_be())[..20]);
        (kid, key)
    }

    /// Signs with `fresh` from now on. The JWKS holds the newest two: the
    /// key that signed until now (its tokens still verify) and `fresh`; the
    /// older one drops out.
    pub fn rotate(&mut self, fresh: (String, RsaPrivateKey)) {
        let previous = self.keys[self.active].clone();
        self.keys = vec![previous, fresh];
        self.active = 1;
    }

    pub fn jwks(&self) -> Value {
        let keys: Vec<Value> = self
            .keys
            .iter()
            .map(|(kid, key)| {
                json!({
                    "kty": "RSA",
                    "alg": "RS256",
                    "use": "sig",
                    "kid": kid,
                    "n": URL_SAFE_NO_PAD.encode(key.n().to_bytes_be()),
                    "e": URL_SAFE_NO_PAD.encode(key.e().to_bytes_be()),
                })
            })
            .collect();
        json!({ "keys": keys })
    }

    pub fn sign(&self, claims: &Value) -> String {
        let (kid, key) = &self.keys[self.active];
        let header = json!({ "alg": "RS256", "kid": kid, "typ": "JWT" });
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let signer = SigningKey::<Sha256>::new(key.clone());
        let signature = signer.sign(signing_input.as_bytes());
        format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
    }
}

impl SigningKeys {
    /// The header and claims of a JWT signed by one of these keys, or
    /// `None` if the signature does not verify (tokeninfo's `id_token` form).
    pub fn verify(&self, jwt: &str) -> Option<(Value, Value)> {
        let mut parts = jwt.split('.');
        let (header_part, claims_part, signature_part) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header_part).ok()?).ok()?;
        let (_, key) =
            self.keys.iter().find(|(kid, _)| header.get("kid").and_then(Value::as_str) == Some(kid))?;
        let signature =
            rsa::pkcs1v15::Signature::try_from(URL_SAFE_NO_PAD.decode(signature_part).ok()?.as_slice())
                .ok()?;
        let verifier = rsa::pkcs1v15::VerifyingKey::<Sha256>::new(key.to_public_key());
        verifier.verify(format!("{header_part}.{claims_part}").as_bytes(), &signature).ok()?;
        let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims_part).ok()?).ok()?;
        Some((header, claims))
    }
}

/// OIDC Core 3.1.3.6: the left half of the SHA-256 of the access token.
pub fn at_hash(access_token: &str) -> String {
    let digest = Sha256::digest(access_token.as_bytes());
    URL_SAFE_NO_PAD.encode(&digest[..16])
}

/// PKCE S256: BASE64URL(SHA256(verifier)).
pub fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
