//! Health, metrics and the OpenAPI description.

use crate::app::App;
use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use serde_json::{Value, json};

/// Liveness and a few counts.
#[utoipa::path(get, path = "/healthz", tag = "system", responses((status = 200, description = "`{\"status\": \"ok\"}`")))]
pub async fn healthz(State(app): State<App>) -> Json<Value> {
    Json(json!({"status": "ok", "dev_mode": app.dev_mode()}))
}

/// Prometheus metrics.
#[utoipa::path(get, path = "/metrics", tag = "system", responses((status = 200, description = "Prometheus text format")))]
pub async fn metrics(State(app): State<App>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        app.metrics.render(),
    )
}

/// This API's OpenAPI 3 description.
pub async fn openapi() -> impl IntoResponse {
    use utoipa::OpenApi;
    (
        [(header::CONTENT_TYPE, "application/json")],
        crate::ApiDoc::openapi()
            .to_pretty_json()
            .unwrap_or_default(),
    )
}
