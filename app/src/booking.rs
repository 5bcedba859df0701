//! Booking a host: what the visitor books and what the invitations say.

#[cfg(feature = "ssr")]
pub mod ics;
