//! The emulator's errors: Google's Calendar error envelope as a type, and
//! what can go wrong loading a seed.

use axum::{
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde_json::json;

/// A Calendar API error, answered in Google's envelope: the legacy
/// `errors[]` with `code` and `message`, plus the newer `status`.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{status} {domain}/{reason}: {message}")]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) domain: &'static str,
    pub(crate) reason: &'static str,
    pub(crate) message: String,
    /// The parameter or header at fault, as Google's `location` and
    /// `locationType` name it.
    pub(crate) location: Option<(&'static str, &'static str)>,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, domain: &'static str, reason: &'static str, message: &str) -> Self {
        Self { status, domain, reason, message: message.to_owned(), location: None }
    }

    /// Google's `status` names for the codes the emulator answers.
    fn status_name(&self) -> &'static str {
        match self.status.as_u16() {
            400 => "INVALID_ARGUMENT",
            401 => "UNAUTHENTICATED",
            403 => "PERMISSION_DENIED",
            404 | 410 => "NOT_FOUND",
            409 => "ALREADY_EXISTS",
            412 => "FAILED_PRECONDITION",
            429 => "RESOURCE_EXHAUSTED",
            503 => "UNAVAILABLE",
            _ => "INTERNAL",
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut detail = json!({ "message": self.message, "domain": self.domain, "reason": self.reason });
        if let Some((location, location_type)) = self.location {
            detail["location"] = json!(location);
            detail["locationType"] = json!(location_type);
        }
        let body = json!({ "error": {
            "code": self.status.as_u16(),
            "message": self.message,
            "errors": [detail],
            "status": self.status_name(),
        }});
        (self.status, [(header::CONTENT_TYPE, "application/json; charset=UTF-8")], Json(body)).into_response()
    }
}

/// Why a seed file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("cannot read the seed {path}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the seed {path} is not valid JSON for a seed")]
    Parse {
        path: String,
        #[source]
        source: serde_json::Error,
    },
}
