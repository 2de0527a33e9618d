//! The one error shape of the API: `{"error": {"code", "message", "field"}}` with a 4xx for
//! anything the caller can fix and a 5xx only for our own failures.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tailor_model::FieldError;

/// An error answered to the caller.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable machine-readable code, e.g. `invalid_field`.
    pub code: &'static str,
    /// What went wrong, for people.
    pub message: String,
    /// The offending field, where there is one.
    pub field: Option<String>,
    /// Every field error, for batch input.
    pub errors: Vec<FieldError>,
}

#[derive(Serialize)]
struct Body<'a> {
    error: Inner<'a>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'a [FieldError],
}

#[derive(Serialize)]
struct Inner<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
}

impl ApiError {
    /// An error with a status, a code and a message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            field: None,
            errors: Vec::new(),
        }
    }
    /// 400 about one field.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        let field = field.into();
        let message = message.into();
        Self {
            message: format!("{field}: {message}"),
            field: Some(field),
            ..Self::new(StatusCode::BAD_REQUEST, "invalid_field", "")
        }
    }
    /// 400 listing every field error of a batch; the first one is the headline.
    pub fn fields(code: &'static str, errors: Vec<FieldError>) -> Self {
        let first = errors.first().cloned();
        let message = match &first {
            Some(e) => format!("{} invalid item(s); first: {e}", errors.len()),
            None => "invalid input".to_string(),
        };
        Self {
            status: StatusCode::BAD_REQUEST,
            code,
            message,
            field: first.map(|e| match e.index {
                Some(i) => format!("[{i}].{}", e.field),
                None => e.field,
            }),
            errors,
        }
    }
    /// 404.
    pub fn not_found(what: impl Into<String>) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{} not found", what.into()),
        )
    }
    /// 500, logged; the caller sees no internals.
    pub fn internal(err: impl std::fmt::Display) -> Self {
        tracing::error!(%err, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error; see the server log",
        )
    }
}

impl From<tailor_store::StoreError> for ApiError {
    fn from(e: tailor_store::StoreError) -> Self {
        match e {
            tailor_store::StoreError::Closed => Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "the server is shutting down",
            ),
            e => Self::internal(e),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Body {
            error: Inner {
                code: self.code,
                message: &self.message,
                field: self.field.as_deref(),
            },
            errors: &self.errors,
        };
        (self.status, Json(body)).into_response()
    }
}

/// Parses a JSON body ourselves, so that malformed JSON gets our error shape with a position.
pub fn parse_json(bytes: &[u8]) -> Result<serde_json::Value, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::field("body", "is empty; expected JSON"));
    }
    serde_json::from_slice(bytes).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            format!("body is not valid JSON: {e}"),
        )
    })
}
