//! The host's settings: the page, its server functions, and the shapes and
//! checks they share.

pub mod api;
pub mod model;
pub mod page;
