//! Failures tests can ask for instead of the real answer: rate limits,
//! server errors, `invalid_grant` on refresh, or a late answer; before the
//! call takes effect, or after it (a lost answer).

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

/// A fault waiting for its call, and when it strikes.
#[derive(Debug, Clone)]
pub(crate) struct InjectedFault {
    pub(crate) fault: Fault,
    /// The call takes effect first and only its answer is lost (replaced by
    /// the fault, or sent late): what a client sees when a connection drops
    /// after Google acted.
    pub(crate) after_effect: bool,
}
