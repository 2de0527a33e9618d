//! What Tailor believes about one shopper. A visitor id is an unguessable cookie value, so a
//! public key may read its own visitor; customer ids are guessable, so they need an admin key.

use crate::app::App;
use crate::auth::Caller;
use crate::error::ApiError;
use axum::Json;
use axum::extract::{Path, State};
use serde_json::{Value, json};
use tailor_engine::{ShopState, ShopperState};
use tailor_model::{CustomerId, VisitorId, now_millis};

/// How many affinities a profile lists.
const TOP_AFFINITIES: usize = 10;

fn top<K: ToString>(m: impl IntoIterator<Item = (K, f64)>) -> Vec<Value> {
    let mut v: Vec<(String, f64)> = m.into_iter().map(|(k, s)| (k.to_string(), s)).collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v.truncate(TOP_AFFINITIES);
    v.into_iter()
        .map(|(k, s)| json!({"name": k, "weight": s}))
        .collect()
}

/// The profile as JSON, with product ids instead of internal indices.
pub fn profile_json(shop: &ShopState, s: &ShopperState) -> Value {
    let cat = &shop.catalog;
    let id = |i: &u32| cat.id(*i).as_str().to_string();
    let now = now_millis();
    json!({
        "session_id": s.session,
        "session_items": s.session_items.iter().map(id).collect::<Vec<_>>(),
        "recently_viewed": s.recent.iter().rev().map(id).collect::<Vec<_>>(),
        "cart": s.cart.iter().map(|(i, q)| json!({"product_id": id(i), "quantity": q})).collect::<Vec<_>>(),
        "purchased": s.purchases.iter().map(|(i, h)| json!({"product_id": id(i), "orders": h.orders, "units": h.units})).collect::<Vec<_>>(),
        "hidden": s.hidden.iter().map(id).collect::<Vec<_>>(),
        "wishlists": s.wishlists.iter().map(|(n, l)| json!({"name": tailor_model::lists::display_name(n), "products": l.items.iter().map(id).collect::<Vec<_>>()})).collect::<Vec<_>>(),
        "category_affinity": top(s.category_affinity(now).into_iter().map(|(c, w)| (cat.category_name(c).to_string(), w))),
        "brand_affinity": top(s.brand_affinity(now)),
        // Observed too: the filters this shopper keeps applying, with their decayed uses and
        // the strength (0 to 1) the ranker gives them.
        "filter_affinity": s.filters.uses(now).into_iter().take(TOP_AFFINITIES).map(|(field, value, uses)| {
            json!({"field": field, "value": value, "uses": uses, "strength": tailor_engine::filter_taste::strength(uses)})
        }).collect::<Vec<_>>(),
        "recent_queries": s.queries,
        "preferences": s.preferences,
        "events": s.events,
    })
}

/// A visitor's profile (public key allowed: the visitor id is the browser's own secret).
#[utoipa::path(get, path = "/v1/visitors/{id}", tag = "shoppers",
    responses((status = 200, description = "what Tailor believes about this visitor"), (status = 404)))]
pub async fn get_visitor(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let v = VisitorId::new(id).map_err(|e| ApiError::field("visitor_id", e.to_string()))?;
    let shop = app.engine.shop(&caller.shop);
    let st = shop.read();
    let s = st
        .shopper(Some(&v), None)
        .ok_or_else(|| ApiError::not_found(format!("visitor {:?}", v.as_str())))?;
    Ok(Json(profile_json(&st, s)))
}

/// A customer's profile (admin key only).
#[utoipa::path(get, path = "/v1/customers/{id}", tag = "shoppers",
    responses((status = 200, description = "what Tailor believes about this customer"), (status = 403), (status = 404)))]
pub async fn get_customer(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    caller.require_admin()?;
    let c = CustomerId::new(id).map_err(|e| ApiError::field("customer_id", e.to_string()))?;
    let shop = app.engine.shop(&caller.shop);
    let st = shop.read();
    let s = st
        .shopper(None, Some(&c))
        .ok_or_else(|| ApiError::not_found(format!("customer {:?}", c.as_str())))?;
    Ok(Json(profile_json(&st, s)))
}
