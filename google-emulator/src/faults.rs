//! Failures tests can ask for instead of the real answer: rate limits,
//! server errors, `invalid_grant` on refresh, or a late answer.

use serde::{Deserialize, Serialize};

/// A failure to answer instead of the real thing, for the next call to an
/// endpoint.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Fault {
    /// 429, 500, 503…; or 400 with `invalid_grant` for the token endpoint.
    pub status: u16,
    #[serde(default)]
    pub retry_after_seconds: Option<u64>,
    /// Answer normally, but this much later.
    #[serde(default)]
    pub delay_ms: Option<u64>,
}
