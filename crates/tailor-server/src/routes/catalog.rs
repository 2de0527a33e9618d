//! The catalog over HTTP: bulk upsert (JSON array or NDJSON), list with paging, get, partial
//! update and delete. The store is written first, then the live catalog. Writes need an admin
//! key; a public key may read, since a storefront shows its products anyway, but never sees
//! hidden products.

use super::{BatchMode, Body, blocking};
use crate::app::App;
use crate::auth::Caller;
use crate::error::{ApiError, parse_json};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashMap;
use tailor_model::limits::MAX_PRODUCT_BATCH;
use tailor_model::{FieldError, Product, ProductId};
use tailor_store::KeyRole;

/// What a bulk upsert did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UpsertResult {
    /// New products.
    pub inserted: usize,
    /// Replaced products.
    pub updated: usize,
    /// Refused rows (only with `?partial=true`).
    #[schema(value_type = Vec<Object>)]
    pub rejected: Vec<FieldError>,
}

fn product_id(id: String) -> Result<ProductId, ApiError> {
    ProductId::new(id).map_err(|e| ApiError::field("id", e.to_string()))
}

/// Reads a JSON array, `{"products": [...]}`, or NDJSON (one product per line).
fn parse_products(
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Vec<Result<Product, Vec<FieldError>>>, ApiError> {
    let ndjson = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.contains("ndjson") || ct.contains("jsonlines"));
    let rows: Vec<Value> = if ndjson {
        let text = std::str::from_utf8(body)
            .map_err(|e| ApiError::field("body", format!("is not UTF-8: {e}")))?;
        let mut rows = Vec::new();
        for (i, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            rows.push(serde_json::from_str(line).map_err(|e| {
                ApiError::field(format!("line {}", i + 1), format!("is not valid JSON: {e}"))
            })?);
        }
        rows
    } else {
        match parse_json(body)? {
            Value::Array(a) => a,
            Value::Object(mut o) => match o.remove("products") {
                Some(Value::Array(a)) => a,
                _ => {
                    return Err(ApiError::field(
                        "products",
                        "is required and must be an array",
                    ));
                }
            },
            _ => {
                return Err(ApiError::field(
                    "body",
                    "must be an array of products or {\"products\": [...]}",
                ));
            }
        }
    };
    if rows.len() > MAX_PRODUCT_BATCH {
        return Err(ApiError {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            code: "limit_exceeded",
            ..ApiError::field(
                "products",
                format!(
                    "{} products in one request; the limit is {MAX_PRODUCT_BATCH} (use `tailor import` for feeds)",
                    rows.len()
                ),
            )
        });
    }
    Ok(rows
        .iter()
        .enumerate()
        .map(|(i, v)| tailor_catalog::parse_product(v, Some(i)))
        .collect())
}

/// Writes products to the store and then to the live catalog.
pub async fn upsert(
    app: &App,
    caller: &Caller,
    products: Vec<Product>,
) -> Result<tailor_store::UpsertStats, ApiError> {
    let (store, shop, batch) = (app.store.clone(), caller.shop.clone(), products.clone());
    let stats = blocking(move || Ok(store.upsert_products(&shop, &batch)?)).await?;
    let state = app.engine.shop(&caller.shop);
    let (index, notes) = {
        let mut st = state.write();
        app.metrics.products(products.len() as u64);
        // Price drops and restocks, for whoever has the product on a list.
        let mut changed = Vec::new();
        for p in products {
            if let Some(item) = st.catalog.item(p.id.as_str())
                && let Some(old) = st.catalog.product(item)
            {
                let found = tailor_engine::lists::changes(old, &p);
                changed.extend(found.into_iter().map(|c| (item, c)));
            }
            st.upsert_product(p);
        }
        (
            st.search.built().cloned(),
            super::lists::alerts(&st, &changed),
        )
    };
    super::lists::record(app, caller, notes).await;
    refresh_search(index).await?;
    Ok(stats)
}

/// Makes catalog writes searchable before the write is answered, outside the shop's lock.
async fn refresh_search(
    index: Option<std::sync::Arc<tailor_search::SearchIndex>>,
) -> Result<(), ApiError> {
    let Some(index) = index else { return Ok(()) };
    blocking(move || {
        tailor_engine::search::SearchState::refresh(&index).map_err(ApiError::internal)
    })
    .await?;
    Ok(())
}

/// Insert or replace products in bulk.
#[utoipa::path(post, path = "/v1/products", tag = "catalog",
    request_body(content = Object, description = "A JSON array of products, `{\"products\": [...]}`, or NDJSON with `Content-Type: application/x-ndjson`."),
    params(("partial" = Option<bool>, Query, description = "apply valid rows and report the rest")),
    responses((status = 200, body = UpsertResult), (status = 400, description = "row errors with index, field and reason"), (status = 403, description = "not an admin key")))]
pub async fn post_products(
    State(app): State<App>,
    caller: Caller,
    Query(mode): Query<BatchMode>,
    headers: HeaderMap,
    Body(body): Body,
) -> Result<Json<UpsertResult>, ApiError> {
    caller.require_admin()?;
    let mut good = Vec::new();
    let mut rejected = Vec::new();
    for row in parse_products(&headers, &body)? {
        match row {
            Ok(p) => good.push(p),
            Err(e) => rejected.extend(e),
        }
    }
    if !rejected.is_empty() && !mode.partial {
        return Err(ApiError::fields("invalid_products", rejected));
    }
    // A repeated id in one batch: the last row wins, as in a feed.
    let mut last: HashMap<ProductId, usize> = HashMap::new();
    for (i, p) in good.iter().enumerate() {
        last.insert(p.id.clone(), i);
    }
    let good: Vec<Product> = good
        .into_iter()
        .enumerate()
        .filter(|(i, p)| last[&p.id] == *i)
        .map(|(_, p)| p)
        .collect();
    let stats = upsert(&app, &caller, good).await?;
    Ok(Json(UpsertResult {
        inserted: stats.inserted,
        updated: stats.updated,
        rejected,
    }))
}

/// Paging for product lists.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct ListParams {
    /// Return products with ids after this one.
    pub after: Option<String>,
    /// Page size, 1 to 1000 (default 100).
    pub limit: Option<usize>,
}

/// Whether this caller may see this product: hidden ones are for admin keys only.
fn visible_to(caller: &Caller, p: &Product) -> bool {
    !p.hidden || caller.role == KeyRole::Admin
}

/// A page of products, ordered by id (public keys: hidden products left out, so a page may be
/// shorter than `limit` while `next_after` still says there is more).
#[utoipa::path(get, path = "/v1/products", tag = "catalog", params(ListParams),
    responses((status = 200, description = "`{\"products\": [...], \"next_after\": id or null}`")))]
pub async fn list_products(
    State(app): State<App>,
    caller: Caller,
    Query(q): Query<ListParams>,
) -> Result<Json<Value>, ApiError> {
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::field("limit", "must be between 1 and 1000"));
    }
    let after = q.after.map(product_id).transpose()?;
    let (store, shop) = (app.store.clone(), caller.shop.clone());
    let page = blocking(move || Ok(store.list_products(&shop, after.as_ref(), limit)?)).await?;
    let next = (page.len() == limit)
        .then(|| page.last().map(|p| p.id.clone()))
        .flatten();
    let page: Vec<Product> = page
        .into_iter()
        .filter(|p| visible_to(&caller, p))
        .collect();
    Ok(Json(
        serde_json::json!({ "products": page, "next_after": next }),
    ))
}

/// One product (a hidden one is 404 to a public key).
#[utoipa::path(get, path = "/v1/products/{id}", tag = "catalog",
    responses((status = 200, description = "the product"), (status = 404)))]
pub async fn get_product(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Product>, ApiError> {
    let id = product_id(id)?;
    let (store, shop, id2) = (app.store.clone(), caller.shop.clone(), id.clone());
    blocking(move || Ok(store.get_product(&shop, &id2)?))
        .await?
        .filter(|p| visible_to(&caller, p))
        .map(Json)
        .ok_or_else(|| ApiError::not_found(format!("product {:?}", id.as_str())))
}

/// Change some fields of a product (price, stock, ...); `null` clears an optional field.
#[utoipa::path(patch, path = "/v1/products/{id}", tag = "catalog",
    request_body(content = Object, description = "fields to change"),
    responses((status = 200, description = "the updated product"), (status = 400), (status = 404)))]
pub async fn patch_product(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
    Body(body): Body,
) -> Result<Json<Product>, ApiError> {
    caller.require_admin()?;
    let id = product_id(id)?;
    let patch = parse_json(&body)?;
    let (store, shop, id2) = (app.store.clone(), caller.shop.clone(), id.clone());
    let mut p = blocking(move || Ok(store.get_product(&shop, &id2)?))
        .await?
        .ok_or_else(|| ApiError::not_found(format!("product {:?}", id.as_str())))?;
    tailor_catalog::apply_patch(&mut p, &patch)
        .map_err(|e| ApiError::fields("invalid_product", e))?;
    upsert(&app, &caller, vec![p.clone()]).await?;
    Ok(Json(p))
}

/// Delete a product.
#[utoipa::path(delete, path = "/v1/products/{id}", tag = "catalog",
    responses((status = 204), (status = 404)))]
pub async fn delete_product(
    State(app): State<App>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    caller.require_admin()?;
    let id = product_id(id)?;
    let (store, shop, id2) = (app.store.clone(), caller.shop.clone(), id.clone());
    if !blocking(move || Ok(store.delete_product(&shop, &id2)?)).await? {
        return Err(ApiError::not_found(format!("product {:?}", id.as_str())));
    }
    let index = {
        let state = app.engine.shop(&caller.shop);
        let mut st = state.write();
        st.remove_product(&id);
        st.search.built().cloned()
    };
    refresh_search(index).await?;
    Ok(StatusCode::NO_CONTENT)
}
