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
        response.set_status(AppError::NotFound.http_status());
    }
    view! {
        <Title text="Page not found · BookMate"/>
        <main class="page narrow">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address. Check the link you were given, or go to the "<a href="/">"start page"</a>"."</p>
        </main>
    }
}

#[cfg(feature = "ssr")]
impl AppError {
    pub fn http_status(&self) -> axum::http::StatusCode {
        axum::http::StatusCode::from_u16(self.status_code())
            .unwrap_or(axum::http::StatusCode::INTERNAL_SERVER_ERROR)
    }
}

#[cfg(feature = "ssr")]
impl From<crate::google::GoogleCallError> for AppError {
    /// What a host is told when a Google call made for them fails; the
    /// detail is logged here, once.
    fn from(error: crate::google::GoogleCallError) -> Self {
        use crate::google::GoogleCallError;
        match error {
            GoogleCallError::NeedsReconnect => {
                Self::Conflict("Your Google connection has expired. Please reconnect Google.".to_owned())
            }
            GoogleCallError::MissingScope => Self::Conflict(
                "BookMate does not have the Google access this needs. Please grant it again.".to_owned(),
            ),
            GoogleCallError::Unavailable(detail) => {
                tracing::warn!(detail, "Google unavailable");
                Self::Conflict("Google is not answering right now. Please try again in a moment.".to_owned())
            }
            GoogleCallError::Refused(error) => {
                tracing::warn!(%error, "Google refused a call");
                Self::Conflict("Google refused the request. Please try again.".to_owned())
            }
            GoogleCallError::Database(error) => error.into(),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<crate::google::DisconnectError> for AppError {
    fn from(error: crate::google::DisconnectError) -> Self {
        match error {
            crate::google::DisconnectError::GoogleUnreachable(error) => {
                tracing::error!(%error, "could not revoke a Google grant");
                Self::Conflict(
                    "Google could not be reached to remove BookMate's access. Nothing was changed; please try again."
                        .to_owned(),
                )
            }
            crate::google::DisconnectError::NoTokenToRevokeWith => Self::Conflict(
                "BookMate holds no working Google token to withdraw its access with, so nothing was changed. \
                 Reconnect Google, then try again; or remove BookMate yourself at \
                 https://myaccount.google.com/connections."
                    .to_owned(),
            ),
            crate::google::DisconnectError::Database(error) => error.into(),
        }
    }
}
