//! The host's settings: the page, its server functions, and the shapes and
//! checks they share.

#[cfg(feature = "ssr")]
pub mod actions;
pub mod api;
#[cfg(feature = "ssr")]
pub mod dates;
mod dates_section;
mod following_section;
mod form_parts;
#[cfg(feature = "ssr")]
pub mod hours;
#[cfg(feature = "ssr")]
pub mod meeting_types;
pub mod model;
pub mod page;
mod questions_editor;
mod types_section;
