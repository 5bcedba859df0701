//! Talking to Google (or the emulator, which answers the same way). Server
//! only. `GoogleClient` owns it all; the files below are its parts:
//! `oidc` (discovery, authorization URLs, code exchange, refresh,
//! revocation) over `token_endpoint` and `id_token` (every check of an ID
//! token), `calendar` (the Calendar calls and Google's error
//! shapes), `tokens` (custody of hosts' tokens: sealing, one refresh per host
//! at a time), `calls` (scope check, 401-refresh-retry and backoff around
//! every call, and its entry in the host's access log), `access_log` (why a
//! call is made, in the host's words), `sealed` (the token cipher).

mod access_log;
pub mod calendar;
mod calls;
mod client;
pub mod event_list;
pub mod id_token;
pub mod oidc;
mod sealed;
mod token_endpoint;
mod tokens;
pub mod watch;

pub use access_log::Purpose;
pub use calls::GoogleCallError;
pub use client::{DisconnectError, GoogleClient};
pub use tokens::{AccessToken, TokenError};
