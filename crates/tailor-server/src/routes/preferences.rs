//! `PUT / GET / DELETE /v1/shoppers/{id}/preferences`: what a shopper states about themself.
//!
//! A write is a `preferences` event through the ordinary ingest path, so it is durable, replays
//! on restart, merges on login, and is a signal personalization learns from. `{id}` is a
//! visitor id (public key allowed: it is the browser's own secret); `?kind=customer` addresses
//! a customer and needs an admin key, because customer ids are guessable.

use super::Body;
use crate::app::App;
use crate::auth::Caller;
use crate::error::{ApiError, parse_json};
use axum::Json;
use axum::extract::{Path, Query, State};
use serde_json::{Value, json};
use tailor_model::{CustomerId, Event, EventKind, Preferences, VisitorId, now_millis};

/// Which kind of shopper `{id}` names.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Kind {
    /// `visitor` (default) or `customer`.
    #[serde(default)]
    pub(crate) kind: Option<String>,
}

/// Who the path names, checked against the caller's key (shared with the lists endpoints).
pub(crate) enum Who {
    Visitor(VisitorId),
    Customer(CustomerId),
}

pub(crate) fn who(caller: &Caller, id: String, kind: &Kind) -> Result<Who, ApiError> {
    match kind.kind.as_deref() {
        None | Some("visitor") => VisitorId::new(id)
            .map(Who::Visitor)
            .map_err(|e| ApiError::field("id", e.to_string())),
        Some("customer") => {
            caller.require_admin()?;
            CustomerId::new(id)
                .map(Who::Customer)
                .map_err(|e| ApiError::field("id", e.to_string()))
        }
        Some(other) => Err(ApiError::field(
            "kind",
            format!("unknown kind {other:?}; use visitor or customer"),
        )),
    }
}

fn current(app: &App, caller: &Caller, who: &Who) -> Value {
    let shop = app.engine.shop(&caller.shop);
    let st = shop.read();
    let s = match who {
        Who::Visitor(v) => st.shopper(Some(v), None),
        Who::Customer(c) => st.shopper(None, Some(c)),
    };
    json!({
        "preferences": s.map(|s| s.preferences.clone()).unwrap_or_default(),
        "updated_at": s.filter(|s| !s.preferences.is_empty()).map(|s| s.preferences_at),
    })
}

/// The visitor and customer an event written for `who` carries: a customer addressed directly
/// gets a stand-in visitor that is linked to it at once.
pub(crate) fn author(who: &Who) -> Result<(VisitorId, Option<CustomerId>), ApiError> {
    Ok(match who {
        Who::Visitor(v) => (v.clone(), None),
        Who::Customer(c) => (
            VisitorId::new(format!("customer:{}", c.as_str()))
                .map_err(|e| ApiError::field("id", e.to_string()))?,
            Some(c.clone()),
        ),
    })
}

async fn write(app: &App, caller: &Caller, who: &Who, p: Preferences) -> Result<(), ApiError> {
    let (visitor, customer) = author(who)?;
    let e = Event {
        event_id: Some(format!("pref-{}", uuid::Uuid::new_v4().simple())),
        visitor_id: visitor,
        session_id: None,
        customer_id: customer,
        timestamp: Some(now_millis()),
        received_at: 0,
        kind: EventKind::Preferences { preferences: p },
    };
    super::events::ingest(app, caller, vec![e]).await?;
    Ok(())
}

/// Replace a shopper's stated preferences.
#[utoipa::path(put, path = "/v1/shoppers/{id}/preferences", tag = "shoppers",
    params(("kind" = Option<String>, Query, description = "visitor (default) or customer (admin key)")),
    request_body(content = Object, description = "`{exclude_allergens?, diets?, max_price?, exclude_brands?, favorite_brands?, colors?, sizes?: {category|*: [size]}, price_range?: {min, max}, liked_categories?, unknown_allergens?: exclude|warn}`"),
    responses((status = 200, description = "`{preferences, updated_at}` as stored (canonical names)"), (status = 400, description = "names the field: unknown allergen, bad price, unknown field"), (status = 403)))]
pub async fn put_preferences(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Query(kind): Query<Kind>,
    Body(body): Body,
) -> Result<Json<Value>, ApiError> {
    let who = who(&caller, id, &kind)?;
    let p = Preferences::from_json(&parse_json(&body)?, "", None)
        .map_err(|e| ApiError::fields("invalid_preferences", e))?;
    write(&app, &caller, &who, p).await?;
    Ok(Json(current(&app, &caller, &who)))
}

/// A shopper's stated preferences (empty when none were stated).
#[utoipa::path(get, path = "/v1/shoppers/{id}/preferences", tag = "shoppers",
    params(("kind" = Option<String>, Query, description = "visitor (default) or customer (admin key)")),
    responses((status = 200, description = "`{preferences, updated_at}`"), (status = 403)))]
pub async fn get_preferences(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Query(kind): Query<Kind>,
) -> Result<Json<Value>, ApiError> {
    let who = who(&caller, id, &kind)?;
    Ok(Json(current(&app, &caller, &who)))
}

/// Forget a shopper's stated preferences (stored as an empty set, so replay agrees).
#[utoipa::path(delete, path = "/v1/shoppers/{id}/preferences", tag = "shoppers",
    params(("kind" = Option<String>, Query, description = "visitor (default) or customer (admin key)")),
    responses((status = 200, description = "`{preferences: {}, updated_at: null}`"), (status = 403)))]
pub async fn delete_preferences(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Query(kind): Query<Kind>,
) -> Result<Json<Value>, ApiError> {
    let who = who(&caller, id, &kind)?;
    write(&app, &caller, &who, Preferences::default()).await?;
    Ok(Json(current(&app, &caller, &who)))
}
