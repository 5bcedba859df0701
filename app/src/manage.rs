//! A booking's life after it is made: the visitor's page to see, move or
//! cancel it (`/bookings/{uid}?key=…`, opened by the manage link every
//! invitation carries), and the changes themselves, which the host's
//! dashboard makes too. The page, its shapes and server functions are built
//! for both sides; `access` and `changes` are server-only.

#[cfg(feature = "ssr")]
pub mod access;
pub mod api;
#[cfg(feature = "ssr")]
pub mod changes;
pub mod model;
pub mod page;
