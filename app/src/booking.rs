//! Booking a host: the public page, the booking itself, and what the
//! invitations say. The page, its shapes and server functions are built for
//! both sides; everything else is server-only.

pub mod answer;
pub mod api;
#[cfg(feature = "ssr")]
pub mod book;
pub mod booking_form;
#[cfg(feature = "ssr")]
pub mod busy;
#[cfg(feature = "ssr")]
mod conference_lookup;
pub mod confirmation_page;
#[cfg(feature = "ssr")]
pub mod direct;
#[cfg(feature = "ssr")]
pub mod free_times;
#[cfg(feature = "ssr")]
pub mod hosts;
#[cfg(feature = "ssr")]
pub mod ics;
#[cfg(feature = "ssr")]
pub mod invitations;
#[cfg(feature = "ssr")]
pub mod limiter;
#[cfg(feature = "ssr")]
pub mod manage_links;
#[cfg(feature = "ssr")]
pub mod meeting_choice;
pub mod model;
#[cfg(feature = "ssr")]
pub mod month_grid;
#[cfg(feature = "ssr")]
pub mod months;
pub mod page;
pub mod question_field;
pub mod refusals;
pub mod type_list;
pub mod zone_picker;
