//! Booking a host: what the visitor books and what the invitations say.

pub mod api;
#[cfg(feature = "ssr")]
pub mod busy;
#[cfg(feature = "ssr")]
pub mod hosts;
#[cfg(feature = "ssr")]
pub mod ics;
#[cfg(feature = "ssr")]
pub mod limiter;
pub mod model;
#[cfg(feature = "ssr")]
pub mod months;
pub mod page;
