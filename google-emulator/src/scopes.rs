//! Scope names as Google answers them.

pub const SCOPE_EMAIL: &str = "https://www.googleapis.com/auth/userinfo.email";

pub const SCOPE_PROFILE: &str = "https://www.googleapis.com/auth/userinfo.profile";
/// Google's long forms: `email` and `profile` are answered as userinfo URLs.
pub fn normalize_scope(scope: &str) -> String {
    match scope {
        "email" => SCOPE_EMAIL.to_owned(),
        "profile" => SCOPE_PROFILE.to_owned(),
        other => other.to_owned(),
    }
}

/// Scopes Google shows on its Sign-In consent, granted all together; every
/// other scope gets its own checkbox (granular consent).
pub fn is_sign_in_scope(scope: &str) -> bool {
    matches!(scope, "openid" | SCOPE_EMAIL | SCOPE_PROFILE)
}
