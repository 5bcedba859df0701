//! Talking to Google (or the emulator, which answers the same way): sign-in
//! and incremental authorization by OpenID Connect, and the tokens they
//! produce. Server only.

pub mod calendar;
pub mod calls;
pub mod oidc;
pub mod tokens;
