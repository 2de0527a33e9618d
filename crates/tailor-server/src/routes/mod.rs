//! HTTP handlers, one module per resource. Each handler parses and checks input, calls the store
//! and the engine, and shapes the response; the logic lives in those crates.

pub mod admin;
pub mod analytics;
pub mod assets;
pub mod catalog;
pub mod configure;
pub mod events;
pub mod experiments;
pub mod giftbox;
pub mod lists;
pub mod preferences;
pub mod recommend;
pub mod replenishment;
pub mod rules;
pub mod search;
pub mod shoppers;
pub mod system;

use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;

/// The raw body, with a too-large body answered in our error shape.
pub struct Body(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for Body {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        Bytes::from_request(req, state)
            .await
            .map(Body)
            .map_err(|e| {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "body_too_large",
                    format!("request body: {e} (limit {} bytes)", crate::MAX_BODY_BYTES),
                )
            })
    }
}

/// Runs blocking store work off the async threads.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(ApiError::internal)?
}

/// `?partial=true`: apply the valid items and report the rest, instead of all-or-nothing.
#[derive(Debug, Default, serde::Deserialize)]
pub struct BatchMode {
    #[serde(default)]
    /// Apply the valid items and report the rest.
    pub partial: bool,
}
