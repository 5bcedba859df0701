//! The attack suite: what a stranger on the internet may try against a
//! running BookMate, one named test per attack, each asserting that it
//! fails, on SQLite and PostgreSQL where a database is involved.
//!
//! The attacks the earlier suites already guard, and where:
//! - a forged `state`, a replayed code, an ID token for another transaction:
//!   `sign_in::a_forged_state_is_refused`,
//!   `sign_in::a_replayed_code_is_refused_and_the_first_sign_in_stands`,
//!   `sign_in::an_id_token_for_another_transaction_fails_its_nonce_check`;
//! - an ID token's audience, issuer or nonce, a wrong PKCE verifier:
//!   `google_client::id_tokens_with_a_wrong_audience_issuer_or_nonce_are_refused`,
//!   `google_client::a_wrong_pkce_verifier_is_refused_by_google`;
//! - a grant from another Google account: `settings::access_granted_from_another_google_account_is_refused`;
//! - one host acting on another's rows: `settings::a_host_changes_only_their_own_settings`;
//! - off-grid, past and far-future slots: `booking::bad_bookings_are_refused_with_clear_messages`,
//!   (a start near the end of time included);
//! - tokens readable in the database file: `sign_in::tokens_cannot_be_read_from_the_database_file`;
//! - a flood of bookings: `booking::a_flood_of_bookings_from_one_address_gets_429_and_malformed_ones_cost_nothing`.

mod crash;
mod deployment;
mod forgery;
mod injection;
mod proxy;
mod resources;
mod serving;
