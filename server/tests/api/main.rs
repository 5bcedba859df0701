//! Integration tests: the whole server, on a real port, against SQLite and
//! PostgreSQL.

mod attacks;
mod auth;
mod booking;
mod booking_pages;
mod changes;
mod chosen_calendars;
mod client_suite;
mod database;
mod dates_and_limits;
mod delete_account;
mod following;
mod google_access;
mod google_client;
mod helpers;
mod mail;
mod meeting_types;
mod pages;
mod places;
mod probes;
mod questions;
mod settings;
mod sign_in;
mod strict_google;
