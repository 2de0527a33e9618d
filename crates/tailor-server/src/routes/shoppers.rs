//! What Tailor believes about one shopper. A visitor id is an unguessable cookie value, so a
//! public key may read its own visitor; customer ids are guessable, so they need an admin key.
//! The export and the deletion of everything stored about a person (GDPR access and erasure)
//! need an admin key whatever the id.

use super::blocking;
use super::preferences::{Kind, Who, who};
use crate::app::App;
use crate::auth::Caller;
use crate::error::ApiError;
use axum::Json;
use axum::extract::{Path, Query, State};
use serde_json::{Value, json};
use tailor_engine::{ShopState, ShopperKey, ShopperState};
use tailor_model::{CustomerId, ShopId, VisitorId, now_millis};
use tailor_store::{Identities, Subject};

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

/// The person an export or a deletion names (admin key only, whatever the kind).
fn subject(caller: &Caller, id: String, kind: &Kind) -> Result<Subject, ApiError> {
    caller.require_admin()?;
    Ok(match who(caller, id, kind)? {
        Who::Visitor(v) => Subject::Visitor(v),
        Who::Customer(c) => Subject::Customer(c),
    })
}

fn unknown(who: &Subject) -> ApiError {
    match who {
        Subject::Visitor(v) => ApiError::not_found(format!("visitor {:?}", v.as_str())),
        Subject::Customer(c) => ApiError::not_found(format!("customer {:?}", c.as_str())),
    }
}

/// Runs `f` (store work) for the person off the async threads; 404 when it finds nothing.
async fn of_person<T: Send + 'static>(
    app: &App,
    caller: &Caller,
    who: &Subject,
    f: fn(&App, &ShopId, &Subject) -> Result<Option<T>, tailor_store::StoreError>,
) -> Result<T, ApiError> {
    let (app2, shop, w) = (app.clone(), caller.shop.clone(), who.clone());
    blocking(move || Ok(f(&app2, &shop, &w)?))
        .await?
        .ok_or_else(|| unknown(who))
}

/// What the engine derived about each identity of the person: a customer's profile holds its
/// linked visitors' history; a visitor not linked to a customer has its own.
fn derived(st: &ShopState, ids: &Identities) -> Vec<Value> {
    let customers = ids.customers.iter().filter_map(|c| {
        let s = st.shopper(None, Some(c))?;
        Some(json!({"customer_id": c, "profile": profile_json(st, s)}))
    });
    let visitors = ids.visitors.iter().filter_map(|v| {
        if !matches!(st.key_of(v), ShopperKey::Visitor(_)) {
            return None;
        }
        let s = st.shopper(Some(v), None)?;
        Some(json!({"visitor_id": v, "profile": profile_json(st, s)}))
    });
    customers.chain(visitors).collect()
}

/// Everything stored about a person, over every identity their logins join: events, logins,
/// the lists shown to them, contact, emails, notifications, and what Tailor derived.
#[utoipa::path(get, path = "/v1/shoppers/{id}/export", tag = "shoppers",
    params(("kind" = Option<String>, Query, description = "visitor (default) or customer")),
    responses((status = 200, description = "`{shopper: {kind, id}, exported_at, identities: {visitors, customers}, events: [{seq, event}], identity_links: [{visitor_id, customer_id}], served, contacts: [{customer_id, email, consent, updated_at}], outbox, notifications, profiles: [{visitor_id|customer_id, profile}]}`"),
              (status = 400, description = "names the field: id, kind"), (status = 403, description = "needs an admin key"), (status = 404, description = "nothing is stored about them")))]
pub async fn export_shopper(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Query(kind): Query<Kind>,
) -> Result<Json<Value>, ApiError> {
    let who = subject(&caller, id, &kind)?;
    let r = of_person(&app, &caller, &who, |app, shop, who| {
        app.store.shopper_records(shop, who)
    })
    .await?;
    let (kind, id) = match &who {
        Subject::Visitor(v) => ("visitor", v.as_str()),
        Subject::Customer(c) => ("customer", c.as_str()),
    };
    let profiles = derived(&app.engine.shop(&caller.shop).read(), &r.identities);
    Ok(Json(json!({
        "shopper": {"kind": kind, "id": id},
        "exported_at": now_millis(),
        "identities": r.identities,
        "events": r.events.iter().map(|(seq, e)| json!({"seq": seq, "event": e})).collect::<Vec<_>>(),
        "identity_links": r.identity_links.iter().map(|(v, c)| json!({"visitor_id": v, "customer_id": c})).collect::<Vec<_>>(),
        "served": r.served,
        "contacts": r.contacts.iter().map(|(c, x)| json!({"customer_id": c, "email": x.email, "consent": x.consent, "updated_at": x.updated_at})).collect::<Vec<_>>(),
        "outbox": r.outbox,
        "notifications": r.notifications,
        "profiles": profiles,
    })))
}

/// Deletes everything stored about a person (every identity their logins join) in one
/// transaction, and makes the live state forget them. An event sent for one of their ids later
/// starts a new, empty shopper.
#[utoipa::path(delete, path = "/v1/shoppers/{id}", tag = "shoppers",
    params(("kind" = Option<String>, Query, description = "visitor (default) or customer")),
    responses((status = 200, description = "`{identities: {visitors, customers}, removed: {events, served, identity_links, contacts, outbox, notifications}}`"),
              (status = 400, description = "names the field: id, kind"), (status = 403, description = "needs an admin key"), (status = 404, description = "nothing is stored about them")))]
pub async fn delete_shopper(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Query(kind): Query<Kind>,
) -> Result<Json<Value>, ApiError> {
    let who = subject(&caller, id, &kind)?;
    let e = of_person(&app, &caller, &who, App::erase_shopper).await?;
    Ok(Json(json!({
        "identities": e.identities,
        "removed": {
            "events": e.events,
            "served": e.served,
            "identity_links": e.identity_links,
            "contacts": e.contacts,
            "outbox": e.outbox,
            "notifications": e.notifications,
        },
    })))
}
