//! Gift boxes: templates (admin CRUD, stored as one shop setting), and for a template: validate a
//! box, price it, and auto-fill one for a recipient. The logic lives in
//! `tailor_engine::giftbox`; auto-fill goes through the shared pipeline, so hard constraints hold.

use super::{Body, blocking};
use crate::app::App;
use crate::auth::Caller;
use crate::error::{ApiError, parse_json};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Map, Value, json};
use tailor_engine::giftbox::{self, GiftRequest, Reason, Template};
use tailor_model::now_millis;

/// The setting that holds every template of a shop: `{id: template}`.
pub const SETTING: &str = "giftbox_templates";
/// Most templates one shop may store.
pub const MAX_TEMPLATES: usize = 500;

// Template writes read, change and store the whole map; one at a time.
static WRITES: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn check_id(id: &str) -> Result<(), ApiError> {
    if id.is_empty()
        || id.len() > 64
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    {
        return Err(ApiError::field(
            "id",
            "must be 1 to 64 letters, digits, '-', '_' or '.'",
        ));
    }
    Ok(())
}

async fn load_all(app: &App, caller: &Caller) -> Result<Map<String, Value>, ApiError> {
    let (store, shop) = (app.store.clone(), caller.shop.clone());
    let v = blocking(move || Ok(store.setting(&shop, SETTING)?)).await?;
    Ok(match v {
        Some(Value::Object(m)) => m,
        _ => Map::new(),
    })
}

async fn load(app: &App, caller: &Caller, id: &str) -> Result<Template, ApiError> {
    check_id(id)?;
    let all = load_all(app, caller).await?;
    let v = all
        .get(id)
        .ok_or_else(|| ApiError::not_found(format!("gift-box template {id:?}")))?;
    Template::parse(v).map_err(ApiError::internal)
}

async fn store_all(app: &App, caller: &Caller, all: Map<String, Value>) -> Result<(), ApiError> {
    let (store, shop) = (app.store.clone(), caller.shop.clone());
    blocking(move || Ok(store.put_setting(&shop, SETTING, &Value::Object(all))?)).await
}

fn with_id(id: &str, t: &Template) -> Value {
    let mut v = t.to_json();
    v["id"] = json!(id);
    v
}

fn request(caller: &Caller, body: &[u8], need_items: bool) -> Result<GiftRequest, ApiError> {
    let r = GiftRequest::parse(&parse_json(body)?, need_items)
        .map_err(|e| ApiError::field(e.field, e.reason))?;
    // Customer ids are guessable: another customer's behaviour needs the admin key.
    if r.recipient.customer.is_some() {
        caller.require_admin()?;
    }
    Ok(r)
}

fn reason_json(r: &Reason) -> Value {
    json!({"rule": r.rule, "field": r.field, "product_id": r.product_id, "message": r.message})
}

/// Every gift-box template of the shop.
#[utoipa::path(get, path = "/v1/giftboxes/templates", tag = "giftboxes",
    responses((status = 200, description = "`{templates: [{id, name, capacity, budget, packaging_price, eligible, rules}]}`, by id")))]
pub async fn list_templates(
    State(app): State<App>,
    caller: Caller,
) -> Result<Json<Value>, ApiError> {
    let all = load_all(&app, &caller).await?;
    let templates: Vec<Value> = all
        .iter()
        .filter_map(|(id, v)| Template::parse(v).ok().map(|t| with_id(id, &t)))
        .collect();
    Ok(Json(json!({ "templates": templates })))
}

/// One template.
#[utoipa::path(get, path = "/v1/giftboxes/templates/{id}", tag = "giftboxes",
    responses((status = 200, description = "the template, canonical"), (status = 404)))]
pub async fn get_template(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let t = load(&app, &caller, &id).await?;
    Ok(Json(with_id(&id, &t)))
}

/// Create or replace a template (admin).
#[utoipa::path(put, path = "/v1/giftboxes/templates/{id}", tag = "giftboxes",
    request_body(content = Object, description = "`{name?, capacity: {min_items?, max_items?, measure?: {attribute, max}}, budget: {min?, max}, packaging_price?, currency?, eligible?: {categories?, tags?}, rules?: [{id?, max_per_category: N, depth?} | {id?, must_include: {categories?, tags?, products?}}]}`"),
    responses((status = 200, description = "the template as stored (defaults spelled out)"), (status = 400, description = "names the field"), (status = 403)))]
pub async fn put_template(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Body(body): Body,
) -> Result<Json<Value>, ApiError> {
    caller.require_admin()?;
    check_id(&id)?;
    let t = Template::parse(&parse_json(&body)?).map_err(|e| ApiError::field(e.field, e.reason))?;
    let _one = WRITES.lock().await;
    let mut all = load_all(&app, &caller).await?;
    if !all.contains_key(&id) && all.len() >= MAX_TEMPLATES {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "too_many_templates",
            format!("a shop keeps at most {MAX_TEMPLATES} gift-box templates"),
        ));
    }
    all.insert(id.clone(), t.to_json());
    store_all(&app, &caller, all).await?;
    Ok(Json(with_id(&id, &t)))
}

/// Delete a template (admin).
#[utoipa::path(delete, path = "/v1/giftboxes/templates/{id}", tag = "giftboxes",
    responses((status = 200, description = "`{deleted: id}`"), (status = 404), (status = 403)))]
pub async fn delete_template(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    caller.require_admin()?;
    check_id(&id)?;
    let _one = WRITES.lock().await;
    let mut all = load_all(&app, &caller).await?;
    if all.remove(&id).is_none() {
        return Err(ApiError::not_found(format!("gift-box template {id:?}")));
    }
    store_all(&app, &caller, all).await?;
    Ok(Json(json!({ "deleted": id })))
}

/// Validate a box: every broken rule, naming the rule and the item.
#[utoipa::path(post, path = "/v1/giftboxes/templates/{id}/validate", tag = "giftboxes",
    request_body(content = Object, description = "`{items: [product_id], visitor_id?, customer_id? (admin key), preferences?}`: the recipient's hard constraints apply"),
    responses((status = 200, description = "`{valid, reasons: [{rule, field, product_id, message}]}`"), (status = 400), (status = 404)))]
pub async fn validate(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Body(body): Body,
) -> Result<Json<Value>, ApiError> {
    let t = load(&app, &caller, &id).await?;
    let r = request(&caller, &body, true)?;
    let shop = app.engine.shop(&caller.shop);
    let st = shop.read();
    let reasons = giftbox::validate(&st, &t, &r.items, &r.recipient);
    Ok(Json(json!({
        "valid": reasons.is_empty(),
        "reasons": reasons.iter().map(reason_json).collect::<Vec<_>>(),
    })))
}

/// Price a box: its lines, packaging, total, and whether the total is within the budget.
#[utoipa::path(post, path = "/v1/giftboxes/templates/{id}/price", tag = "giftboxes",
    request_body(content = Object, description = "`{items: [product_id]}`"),
    responses((status = 200, description = "`{lines: [{product_id, price, regular_price?}], items_total, packaging, total, savings, currency, budget: {min, max}, within_budget}`"), (status = 400, description = "an unknown or unpriced item, named as items[i]"), (status = 404)))]
pub async fn price(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Body(body): Body,
) -> Result<Json<Value>, ApiError> {
    let t = load(&app, &caller, &id).await?;
    let r = request(&caller, &body, true)?;
    let shop = app.engine.shop(&caller.shop);
    let st = shop.read();
    let p = giftbox::price(&st, &t, &r.items)
        .map_err(|e| ApiError::field(format!("items[{}]", e.index), e.message))?;
    Ok(Json(json!({
        "lines": p.lines.iter().map(|l| {
            let mut v = json!({"product_id": l.product_id, "price": l.price});
            if let Some(r) = l.regular_price { v["regular_price"] = json!(r); }
            v
        }).collect::<Vec<_>>(),
        "items_total": p.items_total,
        "packaging": p.packaging,
        "total": p.total,
        "savings": p.savings,
        "currency": t.currency,
        "budget": {"min": t.budget_min, "max": t.budget_max},
        "within_budget": p.within_budget,
    })))
}

/// Auto-fill a box for a recipient: the most predicted affinity, with diversity, within the
/// budget, capacity, rules and every hard constraint; each pick says why.
#[utoipa::path(post, path = "/v1/giftboxes/templates/{id}/autofill", tag = "giftboxes",
    request_body(content = Object, description = "`{visitor_id?, customer_id? (admin key), preferences?, explain?}`"),
    responses((status = 200, description = "`{template, items: [{product_id, title, price, ..., score, step, diversity, covers, reason, explain?}], items_total, packaging, total, size?, value, candidates}`"), (status = 422, description = "no valid box exists: `error.field` names the rule (`rules[1]`, `budget`, `capacity.items`, `eligible`)"), (status = 404)))]
pub async fn autofill(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Body(body): Body,
) -> Result<Json<Value>, ApiError> {
    let t = load(&app, &caller, &id).await?;
    let r = request(&caller, &body, false)?;
    if !r.items.is_empty() {
        return Err(ApiError::field(
            "items",
            "auto-fill chooses the items; send none",
        ));
    }
    let shop = app.engine.shop(&caller.shop);
    let st = shop.read();
    let filled = giftbox::autofill(&st, &t, &r.recipient, now_millis()).map_err(|e| {
        let mut err = ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "infeasible",
            format!("no valid box: rule {:?}: {}", e.rule, e.message),
        );
        err.field = Some(e.field);
        err
    })?;
    let rid = super::recommend::request_id();
    let items: Vec<Value> = filled
        .picks
        .iter()
        .enumerate()
        .map(|(pos, p)| {
            let mut v = super::recommend::item_json(
                &st,
                &p.ranked,
                format!("{rid}:giftbox:{pos}"),
                r.explain,
            );
            v["step"] = json!(giftbox::step_name(p.step));
            v["diversity"] = json!(p.diversity);
            v["covers"] = json!(p.covers);
            v["reason"] = json!(p.reason);
            v
        })
        .collect();
    Ok(Json(json!({
        "request_id": rid,
        "template": id,
        "items": items,
        "items_total": filled.items_total,
        "packaging": t.packaging_price,
        "total": filled.total,
        "currency": t.currency,
        "size": filled.size,
        "value": filled.value,
        "candidates": filled.candidates,
    })))
}
