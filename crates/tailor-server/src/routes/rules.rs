//! Merchandising rules over HTTP (admin key): list, create, read, replace, delete, and a preview
//! that shows a search, a category page or recommendation boxes as one shopper would see them
//! with and without a (draft) rule. Rules persist as one list in the store's settings table and
//! load at start-up; the engine's rules stage applies them (`tailor_engine::rules`).

use super::recommend::{applied_json, item_json, request_id};
use super::{Body, blocking};
use crate::app::App;
use crate::auth::Caller;
use crate::error::{ApiError, parse_json};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Value, json};
use tailor_engine::ShopState;
use tailor_engine::pipeline::search::{SearchRequest, search_with};
use tailor_engine::pipeline::{RecRequest, recommend_with};
use tailor_engine::rules::{MAX_RULES, Rule, RuleSet};
use tailor_model::now_millis;

/// The store key the rule list is kept under.
pub const SETTINGS_KEY: &str = "rules";

/// One writer at a time, so two concurrent edits cannot store a list that lost the other's.
static WRITE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn field_error(e: tailor_model::FieldError) -> ApiError {
    ApiError::field(e.field, e.reason)
}

/// Loads a shop's stored rules (start-up).
pub fn parse_stored(v: &Value) -> Result<RuleSet, tailor_model::FieldError> {
    RuleSet::from_json(v)
}

/// Stores `next` and installs it: the store first, so an acknowledged change survives a
/// restart.
async fn save(app: &App, caller: &Caller, next: RuleSet) -> Result<(), ApiError> {
    if next.len() > MAX_RULES {
        return Err(ApiError::field(
            "id",
            format!("a shop may have at most {MAX_RULES} rules"),
        ));
    }
    let (store, shop, value) = (app.store.clone(), caller.shop.clone(), next.to_json());
    blocking(move || Ok(store.put_setting(&shop, SETTINGS_KEY, &value)?)).await?;
    app.engine.shop(&caller.shop).write().rules = next;
    Ok(())
}

fn current(app: &App, caller: &Caller) -> RuleSet {
    app.engine.shop(&caller.shop).read().rules.clone()
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("rule {id:?}"))
}

/// Every rule of the shop, in the order they run.
#[utoipa::path(get, path = "/v1/rules", tag = "rules",
    responses((status = 200, description = "`{rules: [Rule]}` in run order (priority descending, then id)"), (status = 403, description = "not an admin key")))]
pub async fn list_rules(State(app): State<App>, caller: Caller) -> Result<Json<Value>, ApiError> {
    caller.require_admin()?;
    Ok(Json(json!({"rules": current(&app, &caller).to_json()})))
}

/// Create a rule (an id is generated when the body has none; an existing id is a conflict).
#[utoipa::path(post, path = "/v1/rules", tag = "rules",
    request_body(content = Object, description = "`{id?, name?, priority? (default 0, higher first), enabled? (default true), active_from?, active_until? (ms or \"YYYY-MM-DD[THH:MM:SSZ]\", UTC), when?: {surfaces?: [search|browse|recommendations], query?: {matches|contains: text or [text]}, category?: path or [path], box?: name or [name], audience?: new|returning|{stated: {field, value}}}, actions: [{type: pin, product_id, position} | {type: boost|bury, factor (>1), products?: Filter} | {type: hide, products?: Filter} | {type: filter, products: Filter}]}`"),
    responses((status = 201, description = "the rule as stored"), (status = 400, description = "names the field"), (status = 403), (status = 409, description = "the id exists")))]
pub async fn create_rule(
    State(app): State<App>,
    caller: Caller,
    Body(body): Body,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    caller.require_admin()?;
    let v = parse_json(&body)?;
    let mut v = v;
    if let Some(o) = v.as_object_mut()
        && o.get("id").is_none_or(Value::is_null)
    {
        o.insert("id".into(), json!(format!("rule-{}", &request_id()[1..9])));
    }
    let rule = Rule::parse(&v, None).map_err(field_error)?;
    let _w = WRITE.lock().await;
    let now = current(&app, &caller);
    if now.get(&rule.id).is_some() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            format!(
                "rule {:?} exists; PUT /v1/rules/{} replaces it",
                rule.id, rule.id
            ),
        ));
    }
    let out = rule.json.clone();
    save(&app, &caller, now.with(rule)).await?;
    Ok((StatusCode::CREATED, Json(out)))
}

/// One rule.
#[utoipa::path(get, path = "/v1/rules/{id}", tag = "rules",
    responses((status = 200, description = "the rule"), (status = 403), (status = 404)))]
pub async fn get_rule(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    caller.require_admin()?;
    current(&app, &caller)
        .get(&id)
        .map(|r| Json(r.json.clone()))
        .ok_or_else(|| not_found(&id))
}

/// Create or replace the rule with this id.
#[utoipa::path(put, path = "/v1/rules/{id}", tag = "rules",
    request_body(content = Object, description = "a rule, as for POST /v1/rules (its `id`, if given, must equal the path's)"),
    responses((status = 200, description = "the rule as stored"), (status = 400, description = "names the field"), (status = 403)))]
pub async fn put_rule(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Body(body): Body,
) -> Result<Json<Value>, ApiError> {
    caller.require_admin()?;
    let v = parse_json(&body)?;
    let rule = Rule::parse(&v, Some(&id)).map_err(field_error)?;
    let _w = WRITE.lock().await;
    let out = rule.json.clone();
    save(&app, &caller, current(&app, &caller).with(rule)).await?;
    Ok(Json(out))
}

/// Delete a rule.
#[utoipa::path(delete, path = "/v1/rules/{id}", tag = "rules",
    responses((status = 204), (status = 403), (status = 404)))]
pub async fn delete_rule(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require_admin()?;
    let _w = WRITE.lock().await;
    let now = current(&app, &caller);
    if now.get(&id).is_none() {
        return Err(not_found(&id));
    }
    save(&app, &caller, now.without(&id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// One list as the preview shows it: position, product, score and why.
fn list_json(st: &ShopState, items: &[tailor_engine::pipeline::Ranked], offset: usize) -> Value {
    items
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut v = item_json(st, r, format!("preview:{}", offset + i), true);
            v["position"] = json!(offset + i);
            v
        })
        .collect()
}

fn run(st: &ShopState, what: &What, rules: &RuleSet) -> Result<Value, ApiError> {
    let now = now_millis();
    Ok(match what {
        What::Search(req) => {
            let out = search_with(st, req, now, rules).map_err(|e| match e {
                tailor_search::SearchError::InvalidQuery { field, message } => {
                    ApiError::field(format!("search.{field}"), message)
                }
                e => ApiError::internal(e),
            })?;
            let items: Vec<_> = out.items.iter().map(|h| h.ranked.clone()).collect();
            json!({"total": out.total, "items": list_json(st, &items, req.offset),
                   "rules": applied_json(&out.rules)})
        }
        What::Boxes(req) => {
            let boxes: Vec<Value> = recommend_with(st, req, now, rules, true)
                .iter()
                .map(|b| {
                    json!({"name": b.name, "items": list_json(st, &b.items, 0),
                           "rules": applied_json(&b.rules)})
                })
                .collect();
            json!({ "boxes": boxes })
        }
    })
}

enum What {
    Search(Box<SearchRequest>),
    Boxes(Box<RecRequest>),
}

/// Show a search, a category page or recommendation boxes as one shopper would see them, with
/// and without a rule: a draft (`rule`, not saved) or a stored one (`rule_id`).
#[utoipa::path(post, path = "/v1/rules/preview", tag = "rules",
    request_body(content = Object, description = "`{rule?: Rule (a draft; replaces a stored rule of the same id) | rule_id?: id, search?: (a /v1/search body, with visitor_id or customer_id) | recommendations?: (a /v1/recommendations body)}`: one of search and recommendations"),
    responses((status = 200, description = "`{rule_id, with: {total, items, rules} | {boxes}, without: (the same), changed: bool}`; items carry position and explain"), (status = 400, description = "names the field"), (status = 403)))]
pub async fn preview(
    State(app): State<App>,
    caller: Caller,
    Body(body): Body,
) -> Result<Json<Value>, ApiError> {
    caller.require_admin()?;
    let v = parse_json(&body)?;
    let o = v
        .as_object()
        .ok_or_else(|| ApiError::field("body", "must be a JSON object"))?;
    for k in o.keys() {
        if !["rule", "rule_id", "search", "recommendations"].contains(&k.as_str()) {
            return Err(ApiError::field(
                k,
                "unknown field; use rule, rule_id, search or recommendations",
            ));
        }
    }
    let shop = app.engine.shop(&caller.shop);
    let st = shop.read();
    let (with, id) = match (o.get("rule"), o.get("rule_id")) {
        (Some(r), None) => {
            let mut r = r.clone();
            if let Some(o) = r.as_object_mut()
                && o.get("id").is_none_or(Value::is_null)
            {
                o.insert("id".into(), json!("draft"));
            }
            let rule = Rule::parse(&r, None)
                .map_err(|e| ApiError::field(format!("rule.{}", e.field), e.reason))?;
            let id = rule.id.clone();
            (st.rules.with(rule), id)
        }
        (None, Some(Value::String(id))) => {
            if st.rules.get(id).is_none() {
                return Err(ApiError::field("rule_id", format!("no rule {id:?}")));
            }
            (st.rules.clone(), id.clone())
        }
        (None, Some(_)) => return Err(ApiError::field("rule_id", "must be a string")),
        _ => {
            return Err(ApiError::field(
                "rule",
                "send either a draft `rule` or a stored `rule_id`",
            ));
        }
    };
    let without = st.rules.without(&id);
    let what = match (o.get("search"), o.get("recommendations")) {
        (Some(s), None) => {
            What::Search(Box::new(SearchRequest::parse(s).map_err(|e| {
                ApiError::field(format!("search.{}", e.field), e.reason)
            })?))
        }
        (None, Some(r)) => What::Boxes(Box::new(
            RecRequest::parse(r, &st.catalog)
                .map_err(|e| ApiError::field(format!("recommendations.{}", e.field), e.reason))?,
        )),
        _ => {
            return Err(ApiError::field(
                "search",
                "send exactly one of `search` and `recommendations`",
            ));
        }
    };
    let a = run(&st, &what, &with)?;
    let b = run(&st, &what, &without)?;
    let strip = |v: &Value| -> Value {
        // Compare what the shopper sees, not the explanations.
        let ids = |items: &Value| -> Value {
            items
                .as_array()
                .map(|l| l.iter().map(|i| i["product_id"].clone()).collect())
                .unwrap_or_default()
        };
        match v.get("boxes") {
            Some(bs) => bs
                .as_array()
                .map(|l| l.iter().map(|b| ids(&b["items"])).collect())
                .unwrap_or_default(),
            None => ids(&v["items"]),
        }
    };
    let changed = strip(&a) != strip(&b);
    Ok(Json(
        json!({"rule_id": id, "with": a, "without": b, "changed": changed}),
    ))
}
