//! Analytics over HTTP (admin key): widget performance and search analytics from the engine's
//! pre-aggregated counters, and the attribution window. Also where served lists are recorded:
//! the recommendation and search handlers hand each response's lists to [`record`], which counts
//! the impressions at once and logs them durably through the store's writer.

use super::{Body, blocking};
use crate::app::App;
use crate::auth::Caller;
use crate::error::{ApiError, parse_json};
use axum::Json;
use axum::extract::{Query, State};
use serde_json::{Value, json};
use tailor_engine::ShopState;
use tailor_engine::analytics::{Counts, Dim, MAX_WINDOW_MS, MIN_WINDOW_MS, day_name, day_of};
use tailor_engine::pipeline::Ranked;
use tailor_model::{CustomerId, ProductId, Served, ShopId, VisitorId, now_millis};

/// The store key analytics settings are kept under.
pub const SETTINGS_KEY: &str = "analytics";
/// Longest report range in days.
pub const MAX_DAYS: i64 = 3660;

/// The source that contributed most to an item's score (`rule` for a pinned product no source
/// proposed).
pub fn top_source(r: &Ranked) -> &'static str {
    r.why
        .sources
        .iter()
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map_or(
            if r.why.rules.is_empty() {
                "none"
            } else {
                "rule"
            },
            |s| s.0.name(),
        )
}

/// The customer a request's shopper is known as: the one it names, else the visitor's linked one.
pub fn unit_customer(
    st: &ShopState,
    visitor: Option<&VisitorId>,
    customer: Option<&CustomerId>,
) -> Option<CustomerId> {
    customer.cloned().or_else(|| match st.key_of(visitor?) {
        tailor_engine::ShopperKey::Customer(c) => Some(c),
        tailor_engine::ShopperKey::Visitor(_) => None,
    })
}

/// One served list, ready for [`record`].
#[allow(clippy::too_many_arguments)]
pub fn served(
    st: &ShopState,
    request_id: &str,
    list: &str,
    visitor: Option<&VisitorId>,
    customer: Option<&CustomerId>,
    query: Option<&str>,
    total: Option<usize>,
    items: &[&Ranked],
    arm: Option<String>,
) -> Served {
    Served {
        at: now_millis(),
        request_id: request_id.to_string(),
        list: list.to_string(),
        visitor_id: visitor.cloned(),
        customer_id: customer.cloned(),
        query: query.map(str::to_string),
        total,
        items: items
            .iter()
            .map(|r| {
                let id: &ProductId = st.catalog.id(r.item);
                (id.clone(), top_source(r).into())
            })
            .collect(),
        arm,
    }
}

/// Counts served lists now and logs them durably (committed by the store's writer with the
/// next group; see `Store::append_served`).
pub fn record(
    app: &App,
    shop: &ShopId,
    analytics: &parking_lot::Mutex<tailor_engine::analytics::Analytics>,
    rows: Vec<Served>,
) {
    if rows.is_empty() {
        return;
    }
    {
        let mut a = analytics.lock();
        for r in &rows {
            a.on_served(r, true);
        }
    }
    app.store.append_served(shop, rows);
}

/// Loads a shop's stored analytics settings: the attribution window in ms.
pub fn parse_settings(v: &Value) -> Result<i64, ApiError> {
    let o = v
        .as_object()
        .ok_or_else(|| ApiError::field("body", "must be a JSON object"))?;
    let mut window = tailor_engine::analytics::DEFAULT_WINDOW_MS;
    for (k, v) in o {
        match k.as_str() {
            "attribution_window_hours" => {
                let h = v
                    .as_f64()
                    .filter(|h| h.is_finite())
                    .map(|h| (h * 3_600_000.0).round() as i64)
                    .filter(|ms| (MIN_WINDOW_MS..=MAX_WINDOW_MS).contains(ms))
                    .ok_or_else(|| {
                        ApiError::field(
                            "attribution_window_hours",
                            format!(
                                "must be a number of hours from {} (a minute) to {}",
                                MIN_WINDOW_MS as f64 / 3_600_000.0,
                                MAX_WINDOW_MS / 3_600_000
                            ),
                        )
                    })?;
                window = h;
            }
            other => {
                return Err(ApiError::field(
                    other,
                    "unknown setting; use attribution_window_hours",
                ));
            }
        }
    }
    Ok(window)
}

fn settings_json(window: i64) -> Value {
    json!({"attribution_window_hours": window as f64 / 3_600_000.0})
}

/// The attribution window.
#[utoipa::path(get, path = "/v1/analytics/settings", tag = "analytics",
    responses((status = 200, description = "`{attribution_window_hours}`"), (status = 403)))]
pub async fn get_settings(State(app): State<App>, caller: Caller) -> Result<Json<Value>, ApiError> {
    caller.require_admin()?;
    let shop = app.engine.shop(&caller.shop);
    let w = shop.read().analytics.lock().window();
    Ok(Json(settings_json(w)))
}

/// Set the attribution window: cart adds and purchases this long after a click are credited
/// to it. Applies to events from now on, and to the whole history at the next start-up.
#[utoipa::path(put, path = "/v1/analytics/settings", tag = "analytics",
    request_body(content = Object, description = "`{attribution_window_hours: 24}` (1/60 to 2160)"),
    responses((status = 200, description = "the settings now in force"), (status = 400), (status = 403)))]
pub async fn put_settings(
    State(app): State<App>,
    caller: Caller,
    Body(body): Body,
) -> Result<Json<Value>, ApiError> {
    caller.require_admin()?;
    let v = parse_json(&body)?;
    let w = parse_settings(&v)?;
    let stored = settings_json(w);
    let (store, shop_id, value) = (app.store.clone(), caller.shop.clone(), stored.clone());
    blocking(move || Ok(store.put_setting(&shop_id, SETTINGS_KEY, &value)?)).await?;
    let shop = app.engine.shop(&caller.shop);
    shop.read().analytics.lock().set_window(w);
    Ok(Json(stored))
}

/// Report parameters: a day range and, for widgets, the dimensions.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct ReportParams {
    /// First day, `YYYY-MM-DD` (UTC), inclusive; default 29 days before `to`.
    pub from: Option<String>,
    /// Last day, inclusive; default today.
    pub to: Option<String>,
    /// Widgets: comma-separated dimensions among widget, source, query, day (default widget).
    pub group_by: Option<String>,
    /// Search: rows per list (1-1000, default 20).
    pub limit: Option<String>,
    /// Search: fewest searches for a query to count as low-CTR (default 5).
    pub min_searches: Option<String>,
}

fn day_param(v: Option<&str>, field: &str, default: i64) -> Result<i64, ApiError> {
    match v {
        None | Some("") => Ok(default),
        Some(s) => tailor_engine::rules::parse_time(&json!(s), field)
            .map_err(|e| ApiError::field(e.field, e.reason))
            .map(|t| t.map_or(default, day_of)),
    }
}

fn range(p: &ReportParams) -> Result<(i64, i64), ApiError> {
    let today = day_of(now_millis());
    let to = day_param(p.to.as_deref(), "to", today)?;
    let from = day_param(p.from.as_deref(), "from", to - 29)?;
    if from > to {
        return Err(ApiError::field("from", "must not be after `to`"));
    }
    if to - from >= MAX_DAYS {
        return Err(ApiError::field(
            "from",
            format!("a report spans at most {MAX_DAYS} days"),
        ));
    }
    Ok((from, to))
}

fn ratio(a: f64, b: f64) -> Value {
    if b > 0.0 { json!(a / b) } else { Value::Null }
}

/// The metrics of one set of counters. Rates are null when their denominator is 0.
pub fn metrics(c: &Counts) -> Value {
    let (i, k) = (c.impressions as f64, c.clicks as f64);
    json!({
        "impressions": c.impressions, "clicks": c.clicks, "cart_adds": c.cart_adds,
        "purchases": c.purchases, "revenue": c.revenue,
        "ctr": ratio(k, i),
        "add_to_cart_rate": ratio(c.cart_adds as f64, k),
        "conversion_rate": ratio(c.purchases as f64, k),
        "revenue_per_mille": ratio(c.revenue * 1000.0, i),
    })
}

fn count_param(v: Option<&str>, field: &str, default: u64, max: u64) -> Result<u64, ApiError> {
    match v {
        None | Some("") => Ok(default),
        Some(s) => s
            .parse::<u64>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| ApiError::field(field, format!("must be an integer from 1 to {max}"))),
    }
}

/// Widget performance over a day range, by widget, source, query and/or day.
#[utoipa::path(get, path = "/v1/analytics/widgets", tag = "analytics", params(ReportParams),
    responses((status = 200, description = "`{from, to, group_by, attribution_window_hours, rows: [{widget?, source?, query?, day?, impressions, clicks, cart_adds, purchases, revenue, ctr, add_to_cart_rate, conversion_rate, revenue_per_mille}], total: {...}}`"), (status = 400, description = "names the parameter"), (status = 403)))]
pub async fn widgets(
    State(app): State<App>,
    caller: Caller,
    Query(p): Query<ReportParams>,
) -> Result<Json<Value>, ApiError> {
    caller.require_admin()?;
    let (from, to) = range(&p)?;
    let names: Vec<&str> = p
        .group_by
        .as_deref()
        .unwrap_or("widget")
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let mut by = Vec::new();
    for n in &names {
        let d = Dim::parse(n).ok_or_else(|| {
            ApiError::field(
                "group_by",
                format!("unknown dimension {n:?}; use widget, source, query or day"),
            )
        })?;
        if !by.contains(&d) {
            by.push(d);
        }
    }
    let shop = app.engine.shop(&caller.shop);
    let st = shop.read();
    let a = st.analytics.lock();
    let rows: Vec<Value> = a
        .report(from, to, &by)
        .iter()
        .map(|r| {
            let mut v = metrics(&r.counts);
            for (d, k) in by.iter().zip(&r.key) {
                let name = match d {
                    Dim::Day => "day",
                    Dim::Widget => "widget",
                    Dim::Source => "source",
                    Dim::Query => "query",
                };
                v[name] = json!(k);
            }
            v
        })
        .collect();
    let total = a
        .report(from, to, &[])
        .first()
        .map(|r| r.counts)
        .unwrap_or_default();
    Ok(Json(json!({
        "from": day_name(from), "to": day_name(to),
        "group_by": names.iter().map(|n| n.to_string()).collect::<Vec<_>>(),
        "attribution_window_hours": a.window() as f64 / 3_600_000.0,
        "unattributed_clicks": a.unattributed_clicks,
        "rows": rows, "total": metrics(&total),
    })))
}

/// Search analytics over a day range: top queries, queries that matched nothing, and queries
/// with a low click-through rate.
#[utoipa::path(get, path = "/v1/analytics/search", tag = "analytics", params(ReportParams),
    responses((status = 200, description = "`{from, to, top_queries: [{query, searches, zero_results, clicks_per_search, impressions, clicks, ctr, ...}], zero_result_queries: [...], low_ctr_queries: [...]}`"), (status = 400), (status = 403)))]
pub async fn search(
    State(app): State<App>,
    caller: Caller,
    Query(p): Query<ReportParams>,
) -> Result<Json<Value>, ApiError> {
    caller.require_admin()?;
    let (from, to) = range(&p)?;
    let limit = count_param(p.limit.as_deref(), "limit", 20, 1000)? as usize;
    let min = count_param(p.min_searches.as_deref(), "min_searches", 5, 1_000_000)?;
    if p.group_by.is_some() {
        return Err(ApiError::field(
            "group_by",
            "only /v1/analytics/widgets takes group_by",
        ));
    }
    let shop = app.engine.shop(&caller.shop);
    let st = shop.read();
    let rows = st.analytics.lock().queries(from, to);
    let row = |q: &tailor_engine::analytics::QueryRow| {
        let mut v = metrics(&q.counts);
        v["query"] = json!(q.query);
        v["searches"] = json!(q.searches);
        v["zero_results"] = json!(q.zero_results);
        v["clicks_per_search"] = ratio(q.counts.clicks as f64, q.searches as f64);
        v
    };
    let top: Vec<Value> = rows.iter().take(limit).map(row).collect();
    let zero: Vec<Value> = rows
        .iter()
        .filter(|q| q.zero_results > 0)
        .take(limit)
        .map(row)
        .collect();
    let mut low: Vec<&tailor_engine::analytics::QueryRow> = rows
        .iter()
        .filter(|q| q.searches >= min && q.counts.impressions > 0)
        .collect();
    let ctr = |q: &tailor_engine::analytics::QueryRow| {
        q.counts.clicks as f64 / q.counts.impressions as f64
    };
    low.sort_by(|a, b| {
        ctr(a)
            .total_cmp(&ctr(b))
            .then(b.searches.cmp(&a.searches))
            .then_with(|| a.query.cmp(&b.query))
    });
    let low: Vec<Value> = low.into_iter().take(limit).map(row).collect();
    Ok(Json(json!({
        "from": day_name(from), "to": day_name(to), "min_searches": min,
        "top_queries": top, "zero_result_queries": zero, "low_ctr_queries": low,
    })))
}
