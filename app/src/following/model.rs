//! What following shows the host, as the server hands it over.

use serde::{Deserialize, Serialize};

/// The host's choice, for the settings form.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowingView {
    pub enabled: bool,
    /// Waiting for Google's consent.
    pub pending: bool,
    pub apply_without_asking: bool,
}

/// What saving led to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum FollowingSaved {
    Saved,
    /// Google must ask the host first (`browser::ask_google_for_more`).
    NeedsConsent {
        return_to: String,
    },
}

/// A change found in Google Calendar, waiting for the host's word.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposalView {
    pub proposal_id: i64,
    /// What was found, in words: "You deleted your meeting with Vera on …".
    pub found: String,
    /// The question: "Tell Vera it is cancelled?"
    pub question: String,
    /// The confirming button's words.
    pub apply_label: String,
}
