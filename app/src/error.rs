//! The errors pages and server functions can show, and the 404 page.

use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

/// What a visitor or host may be told when something goes wrong. Internal
/// failures carry no detail on purpose: the detail is logged on the server,
/// once, and never sent to the browser.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("please sign in")]
    Unauthorized,
    #[error("you may not do that")]
    Forbidden,
    #[error("{0}")]
    Conflict(String),
    /// Field name to message, shown next to each field; nothing was saved.
    #[error("some fields need attention")]
    Validation(std::collections::BTreeMap<String, String>),
    #[error("something went wrong on our side; please try again")]
    Internal,
    #[error("too many attempts; please wait a minute")]
    RateLimited,
    /// The request never completed: the network, or a malformed answer.
    #[error("could not reach BookMate ({0}); check your connection and try again")]
    Transport(String),
}

impl leptos::server_fn::error::FromServerFnError for AppError {
    type Encoder = leptos::server_fn::codec::JsonEncoding;

    fn from_server_fn_error(error: leptos::server_fn::error::ServerFnErrorErr) -> Self {
        Self::Transport(error.to_string())
    }
}

#[cfg(feature = "ssr")]
impl From<crate::db::DbError> for AppError {
    /// Database failures are logged here, once, and reach the browser only as
    /// `Internal`.
    fn from(error: crate::db::DbError) -> Self {
        tracing::error!(%error, "database error");
        Self::Internal
    }
}

impl AppError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Validation([(field.to_owned(), message.into())].into())
    }

    /// The message for one field, if this is a validation error about it.
    pub fn field(&self, field: &str) -> Option<String> {
        match self {
            Self::Validation(fields) => fields.get(field).cloned(),
            _ => None,
        }
    }

    pub fn status_code(&self) -> u16 {
        match self {
            Self::NotFound => 404,
            Self::Unauthorized => 401,
            Self::Forbidden => 403,
            Self::Conflict(_) => 409,
            Self::Validation(_) => 422,
            Self::RateLimited => 429,
            Self::Internal => 500,
            Self::Transport(_) => 502,
        }
    }
}

/// Unknown URLs get a real 404, not a 200 with an apology.
#[component]
pub fn NotFoundPage() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http_status(AppError::NotFound.status_code()));
    }
    view! {
        <Title text="Page not found · BookMate"/>
        <main class="page narrow">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address. Check the link you were given, or go to the "<a href="/">"start page"</a>"."</p>
        </main>
    }
}

/// Every server function's result passes through here, so its HTTP status
/// says what the error says (Leptos would answer 500 for any error). Two
/// callers decide their own status: a page that calls the function while it
/// renders, and a plain HTML form post, which Leptos redirects back to its
/// page with the error in the address.
#[cfg(feature = "ssr")]
pub fn respond<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(error) = &result {
        let called_by_script = use_context::<axum::http::request::Parts>().is_some_and(|request| {
            let accepts_html = request
                .headers
                .get(axum::http::header::ACCEPT)
                .and_then(|accept| accept.to_str().ok())
                .is_some_and(|accept| accept.contains("text/html"));
            request.uri.path().starts_with("/api/") && !accepts_html
        });
        if let (true, Some(response)) = (called_by_script, use_context::<leptos_axum::ResponseOptions>()) {
            response.set_status(http_status(error.status_code()));
        }
    }
    result
}

#[cfg(feature = "ssr")]
fn http_status(code: u16) -> axum::http::StatusCode {
    axum::http::StatusCode::from_u16(code).unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR)
}
