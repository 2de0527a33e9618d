//! `POST /v1/events` and `POST /v1/identity/merge`.
//!
//! Ingest is: validate every event, derive session ids, append durably (group commit), then
//! apply to the live state, then acknowledge. So a 2xx means committed, and the next request for
//! the same shopper already sees the events.

use super::{BatchMode, Body, blocking};
use crate::app::App;
use crate::auth::Caller;
use crate::error::{ApiError, parse_json};
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde::Serialize;
use serde_json::Value;
use tailor_model::limits::MAX_EVENT_BATCH;
use tailor_model::{CustomerId, Event, FieldError, VisitorId, now_millis};

/// What ingest did with a batch.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct IngestResult {
    /// Events committed now.
    pub accepted: usize,
    /// Events whose event_id was already stored (retries); acknowledged, not applied twice.
    pub duplicates: usize,
    /// Events refused (only with `?partial=true`; otherwise any error refuses the batch).
    #[schema(value_type = Vec<Object>)]
    pub rejected: Vec<FieldError>,
}

/// The ingest path shared by every endpoint that takes events: commit durably (group commit),
/// and by then the store's writer has derived sessions and applied the events to the live
/// state (`app.rs::LiveState`). Returns (accepted, duplicates).
pub async fn ingest(
    app: &App,
    caller: &Caller,
    mut events: Vec<Event>,
) -> Result<(usize, usize), ApiError> {
    if events.is_empty() {
        return Ok((0, 0));
    }
    let now = now_millis();
    for e in &mut events {
        e.received_at = now;
    }
    // The writer thread answers on a oneshot: no blocking-pool hop per request.
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.store.append_events_then(
        &caller.shop,
        events,
        Box::new(move |_, result| {
            let _ = tx.send(result);
        }),
    );
    let seqs = rx
        .await
        .map_err(|_| ApiError::from(tailor_store::StoreError::Closed))??;
    let accepted = seqs.iter().filter(|s| s.is_some()).count();
    let duplicates = seqs.len() - accepted;
    app.metrics.duplicates(duplicates as u64);
    Ok((accepted, duplicates))
}

/// Parses a batch: `{"events": [...]}` or a bare array.
pub fn parse_batch(v: &Value) -> Result<(Vec<Event>, Vec<FieldError>), ApiError> {
    let list = match v {
        Value::Array(a) => a,
        Value::Object(o) => match o.get("events") {
            Some(Value::Array(a)) => a,
            Some(_) => return Err(ApiError::field("events", "must be an array of events")),
            None => return Err(ApiError::field("events", "is required")),
        },
        _ => {
            return Err(ApiError::field(
                "body",
                "must be an array of events or {\"events\": [...]}",
            ));
        }
    };
    if list.len() > MAX_EVENT_BATCH {
        return Err(ApiError {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            code: "limit_exceeded",
            ..ApiError::field(
                "events",
                format!(
                    "{} events in one batch; the limit is {MAX_EVENT_BATCH}",
                    list.len()
                ),
            )
        });
    }
    let mut ok = Vec::with_capacity(list.len());
    let mut errs = Vec::new();
    for (i, raw) in list.iter().enumerate() {
        match Event::from_json(raw, i) {
            Ok(e) => ok.push(e),
            Err(e) => errs.extend(e),
        }
    }
    Ok((ok, errs))
}

/// Send a batch of shopper events.
#[utoipa::path(post, path = "/v1/events", tag = "events",
    request_body(content = Object, description = "`{\"events\": [Event, ...]}` or a bare array. Event: `type` (view, search, click, cart_add, cart_remove, purchase, wishlist_add, wishlist_remove, hide, preferences), `visitor_id`, optional `session_id`, `customer_id`, `event_id` (idempotency), `timestamp` (ms), plus the fields of its type."),
    params(("partial" = Option<bool>, Query, description = "apply valid events and report the rest")),
    responses((status = 200, body = IngestResult), (status = 400, description = "invalid events, each error names index, field and reason"), (status = 413, description = "batch over the limit")))]
pub async fn post_events(
    State(app): State<App>,
    caller: Caller,
    Query(mode): Query<BatchMode>,
    Body(body): Body,
) -> Result<Json<IngestResult>, ApiError> {
    let (events, rejected) = parse_batch(&parse_json(&body)?)?;
    if !rejected.is_empty() && !mode.partial {
        return Err(ApiError::fields("invalid_events", rejected));
    }
    let (accepted, duplicates) = ingest(&app, &caller, events).await?;
    Ok(Json(IngestResult {
        accepted,
        duplicates,
        rejected,
    }))
}

/// Body of a merge request.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct MergeRequest {
    /// The anonymous visitor.
    pub visitor_id: String,
    /// The customer it turned out to be.
    pub customer_id: String,
}

/// Merge a visitor's history into a customer (login).
#[utoipa::path(post, path = "/v1/identity/merge", tag = "events", request_body = MergeRequest,
    responses((status = 200, description = "`{\"merged\": bool}`: false when already linked"), (status = 400)))]
pub async fn merge(
    State(app): State<App>,
    caller: Caller,
    Body(body): Body,
) -> Result<Json<Value>, ApiError> {
    let v = parse_json(&body)?;
    let get = |f: &str| -> Result<String, ApiError> {
        v.get(f)
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| ApiError::field(f, "is required and must be a string"))
    };
    let visitor = VisitorId::new(get("visitor_id")?)
        .map_err(|e| ApiError::field("visitor_id", e.to_string()))?;
    let customer = CustomerId::new(get("customer_id")?)
        .map_err(|e| ApiError::field("customer_id", e.to_string()))?;
    let (store, shop_id, v2, c2) = (
        app.store.clone(),
        caller.shop.clone(),
        visitor.clone(),
        customer.clone(),
    );
    blocking(move || Ok(store.link_identity(&shop_id, &v2, &c2)?)).await?;
    let merged = app
        .engine
        .shop(&caller.shop)
        .write()
        .link(&visitor, &customer);
    Ok(Json(serde_json::json!({ "merged": merged })))
}
