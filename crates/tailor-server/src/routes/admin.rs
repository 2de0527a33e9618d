//! The admin dashboard: static pages at `/admin` (compiled in; they hold no data and ask for
//! the admin key, which they keep in sessionStorage), and the admin-only endpoints only the
//! dashboard needs: SVG charts, the shopper inspector and the catalog health. Everything else
//! the dashboard shows comes from the public admin API (rules, preview, analytics, experiments).

use super::Body;
use crate::app::App;
use crate::auth::Caller;
use crate::charts::{self, Bar};
use crate::error::{ApiError, parse_json};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tailor_engine::analytics::{day_name, day_of};
use tailor_engine::pipeline::{RecRequest, recommend_with};
use tailor_model::{CustomerId, VisitorId, now_millis};

const ADMIN_HTML: &str = include_str!("../../assets/admin/index.html");
const ADMIN_JS: &str = include_str!("../../assets/admin/admin.js");
const ADMIN_CSS: &str = include_str!("../../assets/admin/admin.css");

/// Widgets the inspector fills for a shopper.
const INSPECT_BOXES: [&str; 5] = [
    "for_you",
    "recently_viewed",
    "buy_again",
    "trending",
    "bestsellers",
];
/// Products listed per catalog-health problem.
const HEALTH_SAMPLE: usize = 20;

/// `/admin`: the dashboard's page.
pub async fn page() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        ADMIN_HTML,
    )
        .into_response()
}

/// `/admin/admin.js`.
pub async fn script() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        ADMIN_JS,
    )
        .into_response()
}

/// `/admin/admin.css`.
pub async fn style() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        ADMIN_CSS,
    )
        .into_response()
}

/// Chart parameters.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct ChartParams {
    /// Days back from today (1-366, default 30) for the day charts and widgets.
    pub days: Option<String>,
    /// The experiment of the `experiment` chart.
    pub experiment: Option<String>,
}

fn svg(body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

/// A chart as SVG: `events` and `revenue` per day, `widgets` (CTR per widget), or
/// `experiment` (conversion per arm with 95% intervals; `?experiment=ID`).
#[utoipa::path(get, path = "/v1/admin/charts/{name}", tag = "admin", params(ChartParams),
    responses((status = 200, description = "image/svg+xml"), (status = 400, description = "names the parameter"), (status = 403), (status = 404)))]
pub async fn chart(
    State(app): State<App>,
    caller: Caller,
    Path(name): Path<String>,
    Query(p): Query<ChartParams>,
) -> Result<Response, ApiError> {
    caller.require_admin()?;
    let days = match p.days.as_deref() {
        None | Some("") => 30,
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|d| (1..=366).contains(d))
            .ok_or_else(|| ApiError::field("days", "must be an integer from 1 to 366"))?,
    };
    let to = day_of(now_millis());
    let from = to - days + 1;
    let shop = app.engine.shop(&caller.shop);
    let st = shop.read();
    let a = st.analytics.lock();
    Ok(svg(match name.as_str() {
        "events" => charts::line(
            "Events per day",
            &a.daily(from, to)
                .into_iter()
                .map(|(d, x)| (day_name(d)[5..].to_string(), x.events as f64))
                .collect::<Vec<_>>(),
        ),
        "revenue" => charts::line(
            "Revenue per day (all orders)",
            &a.daily(from, to)
                .into_iter()
                .map(|(d, x)| (day_name(d)[5..].to_string(), x.revenue))
                .collect::<Vec<_>>(),
        ),
        "widgets" => {
            let rows = a.report(from, to, &[tailor_engine::analytics::Dim::Widget]);
            let bars: Vec<Bar> = rows
                .iter()
                .take(12)
                .map(|r| {
                    let (k, n) = (r.counts.clicks, r.counts.impressions);
                    Bar {
                        label: r.key[0].clone(),
                        value: if n == 0 { 0.0 } else { k as f64 / n as f64 },
                        interval: (n > 0).then(|| tailor_engine::stats::wilson(k, n)),
                    }
                })
                .collect();
            charts::bars("Click-through rate per widget (95% interval)", &bars)
        }
        "experiment" => {
            let id = p
                .experiment
                .as_deref()
                .ok_or_else(|| ApiError::field("experiment", "is required for this chart"))?;
            let e = st
                .experiments
                .get(id)
                .ok_or_else(|| ApiError::not_found(format!("experiment {id:?}")))?;
            let mut units = vec![(0u64, 0u64); e.arms.len()];
            for (arm, orders, _) in a.outcomes(&e.id) {
                if let Some(i) = e.arms.iter().position(|x| x.name == arm) {
                    units[i].0 += 1;
                    units[i].1 += u64::from(orders > 0);
                }
            }
            let bars: Vec<Bar> = e
                .arms
                .iter()
                .zip(&units)
                .map(|(arm, (n, k))| Bar {
                    label: format!("{} (n={n})", arm.name),
                    value: if *n == 0 { 0.0 } else { *k as f64 / *n as f64 },
                    interval: (*n > 0).then(|| tailor_engine::stats::wilson(*k, *n)),
                })
                .collect();
            charts::bars(
                &format!("{}: conversion per shopper (95% Wilson interval)", e.id),
                &bars,
            )
        }
        other => {
            return Err(ApiError::not_found(format!(
                "chart {other:?} (use events, revenue, widgets or experiment)"
            )));
        }
    }))
}

/// Look up a shopper: their profile, stated preferences, and what each standard widget would
/// show them and why (`explain`), without counting as an impression.
#[utoipa::path(post, path = "/v1/admin/inspect", tag = "admin",
    request_body(content = Object, description = "`{visitor_id? , customer_id?}` (one of them)"),
    responses((status = 200, description = "`{shopper: {kind, id}, profile | null, boxes: [{name, items: [{product_id, title, score, explain}], rules}]}`"), (status = 400), (status = 403)))]
pub async fn inspect(
    State(app): State<App>,
    caller: Caller,
    Body(body): Body,
) -> Result<Json<Value>, ApiError> {
    caller.require_admin()?;
    let v = parse_json(&body)?;
    let visitor = match v.get("visitor_id").and_then(Value::as_str) {
        Some(s) => {
            Some(VisitorId::new(s).map_err(|e| ApiError::field("visitor_id", e.to_string()))?)
        }
        None => None,
    };
    let customer = match v.get("customer_id").and_then(Value::as_str) {
        Some(s) => {
            Some(CustomerId::new(s).map_err(|e| ApiError::field("customer_id", e.to_string()))?)
        }
        None => None,
    };
    if visitor.is_none() && customer.is_none() {
        return Err(ApiError::field(
            "visitor_id",
            "send a visitor_id or a customer_id",
        ));
    }
    let shop = app.engine.shop(&caller.shop);
    let st = shop.read();
    let profile = st
        .shopper(visitor.as_ref(), customer.as_ref())
        .map(|s| super::shoppers::profile_json(&st, s));
    let boxes: Vec<Value> = INSPECT_BOXES
        .iter()
        .map(|b| json!({"name": b, "preset": b, "count": 6}))
        .collect();
    let mut body = json!({"explain": true, "boxes": boxes});
    if let Some(v) = &visitor {
        body["visitor_id"] = json!(v);
    }
    if let Some(c) = &customer {
        body["customer_id"] = json!(c);
    }
    let req =
        RecRequest::parse(&body, &st.catalog).map_err(|e| ApiError::field(e.field, e.reason))?;
    let assigned = super::experiments::assign(
        &st,
        tailor_engine::rules::Surface::Recommendations,
        visitor.as_ref(),
        customer.as_ref(),
    );
    let personalize = assigned.as_ref().is_none_or(|a| a.treatment.personalize);
    let filled = recommend_with(&st, &req, now_millis(), &st.rules, personalize);
    let boxes: Vec<Value> = filled
        .iter()
        .map(|b| {
            json!({"name": b.name,
                   "items": b.items.iter().enumerate().map(|(i, r)| super::recommend::item_json(&st, r, format!("inspect:{}:{i}", b.name), true)).collect::<Vec<_>>(),
                   "rules": super::recommend::applied_json(&b.rules)})
        })
        .collect();
    Ok(Json(json!({
        "shopper": match (&customer, &visitor) {
            (Some(c), _) => json!({"kind": "customer", "id": c}),
            (None, Some(v)) => json!({"kind": "visitor", "id": v}),
            _ => Value::Null,
        },
        "experiment": assigned.map(|a| a.label),
        "profile": profile,
        "boxes": boxes,
    })))
}

/// Catalog health: how many live products lack an image, a price, allergen data (food only:
/// products not tagged non-food) or a category, with some of their ids.
#[utoipa::path(get, path = "/v1/admin/catalog-health", tag = "admin",
    responses((status = 200, description = "`{products, problems: [{problem, count, sample: [id]}]}`"), (status = 403)))]
pub async fn catalog_health(
    State(app): State<App>,
    caller: Caller,
) -> Result<Json<Value>, ApiError> {
    caller.require_admin()?;
    let shop = app.engine.shop(&caller.shop);
    let st = shop.read();
    type Check = fn(&tailor_model::Product) -> bool;
    let checks: [(&str, Check); 4] = [
        ("missing_image", |p| {
            p.image_url.as_deref().is_none_or(str::is_empty)
        }),
        ("missing_price", |p| p.effective_price().is_none()),
        ("missing_allergens", |p| {
            p.allergens.is_none() && !p.tags.iter().any(|t| t == tailor_model::NON_FOOD_TAG)
        }),
        ("missing_category", |p| p.categories.is_empty()),
    ];
    let mut out: Vec<(usize, Vec<String>)> = vec![(0, Vec::new()); checks.len()];
    let mut total = 0;
    for (_, p) in st.catalog.items() {
        total += 1;
        for (i, (_, bad)) in checks.iter().enumerate() {
            if bad(p) {
                out[i].0 += 1;
                if out[i].1.len() < HEALTH_SAMPLE {
                    out[i].1.push(p.id.to_string());
                }
            }
        }
    }
    for (_, s) in &mut out {
        s.sort();
    }
    Ok(Json(json!({
        "products": total,
        "problems": checks.iter().zip(out).map(|((name, _), (count, sample))| json!({"problem": name, "count": count, "sample": sample})).collect::<Vec<_>>(),
    })))
}
