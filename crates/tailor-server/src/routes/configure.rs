//! Configurable products over HTTP: the schema a product declares, and validating, pricing and
//! resolving a shopper's choices (`/v1/products/{id}/configuration...`). The logic is
//! `tailor_model::configure`; this only finds the product and shapes answers.
//!
//! A body may name the shopper (`visitor_id`, optional `customer_id`): the select values of a
//! valid choice are then recorded as a `customize` event, so a colour picked in the
//! configurator raises that colour's affinity.

use super::Body;
use crate::app::App;
use crate::auth::Caller;
use crate::error::{ApiError, parse_json};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use tailor_model::configure::{Choice, Choices, Configuration, GroupKind, Problem};
use tailor_model::{CustomerId, Event, EventKind, FieldError, Product, ProductId, VisitorId};

/// The product, visible to shoppers, and its configuration.
fn configurable(app: &App, caller: &Caller, id: String) -> Result<Arc<Product>, ApiError> {
    let id = ProductId::new(id).map_err(|e| ApiError::field("id", e.to_string()))?;
    let shop = app.engine.shop(&caller.shop);
    let st = shop.read();
    let p = st
        .catalog
        .item(id.as_str())
        .and_then(|i| st.catalog.product(i))
        .filter(|p| !p.hidden)
        .cloned()
        .ok_or_else(|| ApiError::not_found(format!("product {:?}", id.as_str())))?;
    if p.configuration.is_none() {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "not_configurable",
            format!("product {:?} has no configuration", id.as_str()),
        ));
    }
    Ok(p)
}

/// What a request body holds: the choices and, optionally, who chose.
struct Asked {
    choices: Choices,
    who: Option<(VisitorId, Option<CustomerId>)>,
}

fn asked(body: &[u8]) -> Result<Asked, ApiError> {
    let v = parse_json(body)?;
    let Some(o) = v.as_object() else {
        return Err(ApiError::field("body", "must be a JSON object"));
    };
    for k in o.keys() {
        if !matches!(k.as_str(), "choices" | "visitor_id" | "customer_id") {
            return Err(ApiError::field(
                k.clone(),
                "unknown field; expected choices, visitor_id, customer_id",
            ));
        }
    }
    let choices = match o.get("choices") {
        Some(c) => Choices::from_json(c).map_err(|e| ApiError::fields("invalid_choices", e))?,
        None => return Err(ApiError::field("choices", "is required")),
    };
    let text = |f: &str| -> Result<Option<String>, ApiError> {
        match o.get(f) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(ApiError::field(f, "must be a string")),
        }
    };
    let visitor = text("visitor_id")?
        .map(|v| VisitorId::new(v).map_err(|e| ApiError::field("visitor_id", e.to_string())))
        .transpose()?;
    let customer = text("customer_id")?
        .map(|c| CustomerId::new(c).map_err(|e| ApiError::field("customer_id", e.to_string())))
        .transpose()?;
    if customer.is_some() && visitor.is_none() {
        return Err(ApiError::field(
            "visitor_id",
            "is required with customer_id",
        ));
    }
    Ok(Asked {
        choices,
        who: visitor.map(|v| (v, customer)),
    })
}

/// 422 listing every problem; the first one is the headline, each names `choices.GROUP`.
fn unprocessable(problems: Vec<Problem>) -> ApiError {
    let errors: Vec<FieldError> = problems
        .iter()
        .map(|p| {
            let field = format!("choices.{}", p.group);
            FieldError::new(None, field, format!("{}: {}", p.rule, p.message))
        })
        .collect();
    ApiError {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        ..ApiError::fields("invalid_configuration", errors)
    }
}

/// Records what was picked in select groups (never free text) as a `customize` event.
async fn signal(
    app: &App,
    caller: &Caller,
    p: &Product,
    c: &Configuration,
    a: Asked,
) -> Result<(), ApiError> {
    let Some((visitor, customer)) = a.who else {
        return Ok(());
    };
    let choices: BTreeMap<String, Vec<String>> = c
        .groups
        .iter()
        .filter(|g| g.kind != GroupKind::Text)
        .filter_map(|g| {
            let vals = match a.choices.0.get(&g.id)? {
                Choice::One(v) => vec![v.clone()],
                Choice::Many(v) => v.clone(),
            };
            Some((g.id.clone(), vals))
        })
        .collect();
    let e = Event {
        event_id: None,
        visitor_id: visitor,
        session_id: None,
        customer_id: customer,
        timestamp: None,
        received_at: 0,
        kind: EventKind::Customize {
            product_id: p.id.clone(),
            choices,
        },
    };
    super::events::ingest(app, caller, vec![e]).await?;
    Ok(())
}

/// The option groups, rules and SKUs a product declares, with its base price.
#[utoipa::path(get, path = "/v1/products/{id}/configuration", tag = "configuration",
    responses((status = 200, description = "`{product_id, base_price, currency, configuration: {groups, rules, skus}}`"), (status = 404, description = "no such product, or not configurable")))]
pub async fn get_configuration(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let p = configurable(&app, &caller, id)?;
    Ok(Json(json!({
        "product_id": p.id, "base_price": p.effective_price(), "currency": p.currency,
        "configuration": p.configuration,
    })))
}

/// Check a configuration: every broken rule, each with its group, value and rule name.
#[utoipa::path(post, path = "/v1/products/{id}/configuration/validate", tag = "configuration",
    request_body(content = Object, description = "`{choices: {group: value | [values] | text}, visitor_id?, customer_id?}`"),
    responses((status = 200, description = "`{valid, problems: [{group, value?, rule, message}]}`"), (status = 400), (status = 404)))]
pub async fn validate(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Body(body): Body,
) -> Result<Json<Value>, ApiError> {
    let p = configurable(&app, &caller, id)?;
    let c = p.configuration.as_ref().expect("checked by configurable");
    let a = asked(&body)?;
    let problems = c.validate(&a.choices);
    let valid = problems.is_empty();
    if valid {
        signal(&app, &caller, &p, c, a).await?;
    }
    Ok(Json(json!({"valid": valid, "problems": problems})))
}

/// Price a valid configuration: the base price plus each chosen value's delta.
#[utoipa::path(post, path = "/v1/products/{id}/configuration/price", tag = "configuration",
    request_body(content = Object, description = "`{choices, visitor_id?, customer_id?}`"),
    responses((status = 200, description = "`{base, deltas: [{group, value, delta}], total, currency}`"), (status = 404), (status = 422, description = "invalid: every problem in `errors`, each naming `choices.GROUP` and its rule")))]
pub async fn price(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Body(body): Body,
) -> Result<Json<Value>, ApiError> {
    let p = configurable(&app, &caller, id)?;
    let c = p.configuration.as_ref().expect("checked by configurable");
    let Some(base) = p.effective_price() else {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "no_price",
            format!("product {:?} has no price to configure from", p.id.as_str()),
        ));
    };
    let a = asked(&body)?;
    let priced = c.price(base, &a.choices).map_err(unprocessable)?;
    signal(&app, &caller, &p, c, a).await?;
    let deltas: Vec<Value> = priced
        .deltas
        .iter()
        .map(|(g, v, d)| json!({"group": g, "value": v, "delta": d}))
        .collect();
    Ok(Json(json!({
        "base": priced.base, "deltas": deltas, "total": priced.total, "currency": p.currency,
    })))
}

/// Resolve a valid configuration to its SKU and stock; an unavailable one is explained.
#[utoipa::path(post, path = "/v1/products/{id}/configuration/resolve", tag = "configuration",
    request_body(content = Object, description = "`{choices, visitor_id?, customer_id?}`"),
    responses((status = 200, description = "`{sku, stock, available: true}` (`sku` is the product id when the product declares no SKUs)"), (status = 404), (status = 422, description = "invalid, not made (`no_sku`) or `out_of_stock`, each naming the group and rule")))]
pub async fn resolve(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Body(body): Body,
) -> Result<Json<Value>, ApiError> {
    let p = configurable(&app, &caller, id)?;
    let c = p.configuration.as_ref().expect("checked by configurable");
    let a = asked(&body)?;
    let resolved = c.resolve(&a.choices).map_err(unprocessable)?;
    // Without SKUs the product itself is ordered, so its own stock decides.
    if resolved.is_none() && !p.is_sellable() {
        let group = c.groups.first().map_or(String::new(), |g| g.id.clone());
        return Err(unprocessable(vec![Problem {
            group,
            value: None,
            rule: "out_of_stock",
            message: format!("product {:?} is out of stock", p.id.as_str()),
        }]));
    }
    signal(&app, &caller, &p, c, a).await?;
    Ok(Json(match resolved {
        Some(r) => json!({"sku": r.sku, "stock": r.stock, "available": true}),
        None => json!({"sku": p.id, "stock": p.stock, "available": true}),
    }))
}
