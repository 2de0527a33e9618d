//! `POST /v1/recommendations`: several boxes in one call, no product repeated across them. Each
//! item carries a tracking code (`request:box:position`) that a click event sends back.

use super::Body;
use crate::app::App;
use crate::auth::Caller;
use crate::error::{ApiError, parse_json};
use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value, json};
use tailor_engine::pipeline::recommend_with;
use tailor_engine::pipeline::{Ranked, RecRequest};
use tailor_engine::{ShopState, recommend};
use tailor_model::now_millis;

/// A new request id: short, unique, and free of the `:` that separates tracking-code parts.
pub fn request_id() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    // A random start per process and a counter, mixed by a bijection (splitmix64's
    // finaliser): unique within the process, unpredictable across restarts, and no
    // `getrandom` system call per request (that was one syscall of every recommendation).
    static SEED: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let seed = *SEED.get_or_init(|| uuid::Uuid::new_v4().as_u64_pair().0);
    let mut z = seed.wrapping_add(NEXT.fetch_add(1, Ordering::Relaxed));
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    format!("r{:016x}", z ^ (z >> 31))
}

/// One item as the storefront needs it to render a tile, plus tracking and (optionally) why.
/// Serialized straight into the response (no `Value` tree per item); the fields are in the
/// alphabetical order a `serde_json::Map` gives, so both forms print the same bytes.
#[derive(Serialize)]
pub struct Item<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    brand: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    currency: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    explain: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    image_url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    price: Option<f64>,
    product_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    sale_price: Option<f64>,
    score: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<&'a str>,
    #[serde(serialize_with = "display")]
    tracking: &'a dyn std::fmt::Display,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    warnings: Option<[&'static str; 1]>,
}

fn display<S: serde::Serializer>(v: &&dyn std::fmt::Display, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

/// A tracking code (`request:box:position`), written into the response without a `String`.
pub struct Tracking<'a> {
    /// The request id.
    pub request: &'a str,
    /// The box (or `search`).
    pub list: &'a str,
    /// 0-based position in the list.
    pub position: usize,
}

impl std::fmt::Display for Tracking<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}", self.request, self.list, self.position)
    }
}

impl<'a> Item<'a> {
    /// The tile of `r`. `tracking` is the code a click sends back.
    pub fn new(
        shop: &'a ShopState,
        r: &'a Ranked,
        tracking: &'a dyn std::fmt::Display,
        explain: bool,
    ) -> Self {
        // A number JSON cannot hold was left out before, as `json!` made it null.
        let number = |x: Option<f64>| x.filter(|v| v.is_finite());
        let p = shop.catalog.product(r.item);
        Item {
            brand: p.and_then(|p| p.brand.as_deref()),
            currency: p.and_then(|p| p.currency.as_deref()),
            explain: explain.then(|| explain_json(r)),
            image_url: p.and_then(|p| p.image_url.as_deref()),
            price: number(p.and_then(|p| p.price)),
            product_id: shop.catalog.id(r.item).as_str(),
            sale_price: number(p.and_then(|p| p.sale_price)),
            score: r.score,
            title: p.map(|p| p.title.as_str()),
            tracking,
            url: p.and_then(|p| p.url.as_deref()),
            warnings: r.warning.map(|w| [w.name()]),
        }
    }
}

fn explain_json(r: &Ranked) -> Value {
    let sources: Map<String, Value> = r
        .why
        .sources
        .iter()
        .map(|(k, v)| (k.name().to_string(), json!(v)))
        .collect();
    let mut v = json!({"sources": sources, "affinity": r.why.affinity, "stated": r.why.stated,
           "popularity": r.why.popularity, "total": r.score});
    // Observed, like `affinity`, but its own signal: filters the shopper keeps applying.
    if r.why.filters > 0.0 {
        v["filters"] = json!(r.why.filters);
    }
    if !r.why.rules.is_empty() {
        v["rules"] = r
            .why
            .rules
            .iter()
            .map(|e| json!({"rule": &*e.rule, "action": e.action, "delta": e.delta}))
            .collect();
    }
    v
}

/// The rules that changed a list, for `explain`: `[{rule, action, items}]`.
pub fn applied_json(applied: &[tailor_engine::rules::Applied]) -> Value {
    applied
        .iter()
        .map(|a| json!({"rule": a.rule, "action": a.action, "items": a.items}))
        .collect()
}

/// [`Item`] as a JSON value, for responses that add fields to it.
pub fn item_json(shop: &ShopState, r: &Ranked, tracking: String, explain: bool) -> Value {
    serde_json::to_value(Item::new(shop, r, &tracking, explain)).expect("an item serializes")
}

#[derive(Serialize)]
struct BoxOut<'a> {
    items: Vec<Item<'a>>,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rules: Option<Value>,
}

#[derive(Serialize)]
struct EventCounts {
    accepted: usize,
    duplicates: usize,
}

#[derive(Serialize)]
struct RecResponse<'a> {
    boxes: Vec<BoxOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    events: Option<EventCounts>,
    #[serde(skip_serializing_if = "Option::is_none")]
    experiment: Option<&'a str>,
    request_id: &'a str,
}

/// Fill recommendation boxes for one shopper.
#[utoipa::path(post, path = "/v1/recommendations", tag = "recommendations",
    request_body(content = Object, description = "`{visitor_id, session_id?, customer_id?, explain?, preferences?: Preferences (this request only, on top of the stated ones), events?: [Event] (ingested first), boxes: [{name, preset | sources: [{source, limit?, weight?}], count?, context?: {products?, cart?, category?, brand?, ...}, filter?, one_per_group?}]}`. Presets: for_you, alternatives, bought_together, trending, bestsellers, recently_viewed, buy_again."),
    responses((status = 200, description = "`{request_id, boxes: [{name, items: [{product_id, title, price, ..., score, tracking, explain?}]}]}`"), (status = 400, description = "names the field: unknown source, bad filter, unknown product")))]
pub async fn post_recommendations(
    State(app): State<App>,
    caller: Caller,
    Body(body): Body,
) -> Result<Response, ApiError> {
    let v = parse_json(&body)?;
    // Events sent along are committed and applied first, so the boxes already reflect them:
    // one round trip for "record this click and show what's next".
    let ingested = match v.get("events") {
        Some(_) => {
            let (events, errors) = super::events::parse_batch(&v)?;
            if !errors.is_empty() {
                return Err(ApiError::fields("invalid_events", errors));
            }
            Some(super::events::ingest(&app, &caller, events).await?)
        }
        None => None,
    };
    let shop = app.engine.shop(&caller.shop);
    let st = shop.read();
    let req = RecRequest::parse(&v, &st.catalog).map_err(|e| ApiError::field(e.field, e.reason))?;
    let rid = request_id();
    let assigned = super::experiments::assign(
        &st,
        tailor_engine::rules::Surface::Recommendations,
        req.visitor.as_ref(),
        req.customer.as_ref(),
    );
    let no_rules = tailor_engine::rules::RuleSet::default();
    let filled = match &assigned {
        None => recommend(&st, &req, now_millis()),
        Some(a) => recommend_with(
            &st,
            &req,
            now_millis(),
            if a.treatment.rules {
                &st.rules
            } else {
                &no_rules
            },
            a.treatment.personalize,
        ),
    };
    let customer =
        super::analytics::unit_customer(&st, req.visitor.as_ref(), req.customer.as_ref());
    let codes: Vec<Vec<Tracking<'_>>> = filled
        .iter()
        .map(|b| {
            (0..b.items.len())
                .map(|position| Tracking {
                    request: &rid,
                    list: &b.name,
                    position,
                })
                .collect()
        })
        .collect();
    let out = RecResponse {
        boxes: filled
            .iter()
            .zip(&codes)
            .map(|(b, codes)| BoxOut {
                items: b
                    .items
                    .iter()
                    .zip(codes)
                    .map(|(r, code)| Item::new(&st, r, code, req.explain))
                    .collect(),
                name: &b.name,
                rules: req.explain.then(|| applied_json(&b.rules)),
            })
            .collect(),
        events: ingested.map(|(accepted, duplicates)| EventCounts {
            accepted,
            duplicates,
        }),
        experiment: assigned.as_ref().map(|a| a.label.as_str()),
        request_id: &rid,
    };
    let served = filled
        .iter()
        .map(|b| {
            let items: Vec<&Ranked> = b.items.iter().collect();
            super::analytics::served(
                &st,
                &rid,
                &b.name,
                req.visitor.as_ref(),
                customer.as_ref(),
                None,
                None,
                &items,
                assigned.as_ref().map(|a| a.label.clone()),
            )
        })
        .collect();
    super::analytics::record(&app, &caller.shop, &st, served);
    Ok(Json(out).into_response())
}

#[cfg(test)]
mod tests {
    use super::request_id;

    #[test]
    fn request_ids_are_short_distinct_and_colon_free() {
        let ids: std::collections::HashSet<String> = (0..10_000).map(|_| request_id()).collect();
        assert_eq!(ids.len(), 10_000);
        for id in &ids {
            assert_eq!(id.len(), 17, "{id}");
            assert!(id.starts_with('r') && id[1..].bytes().all(|b| b.is_ascii_hexdigit()));
        }
    }
}
