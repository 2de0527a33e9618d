//! `POST /v1/recommendations`: several boxes in one call, no product repeated across them. Each
//! item carries a tracking code (`request:box:position`) that a click event sends back.

use super::Body;
use crate::app::App;
use crate::auth::Caller;
use crate::error::{ApiError, parse_json};
use axum::Json;
use axum::extract::State;
use serde_json::{Map, Value, json};
use tailor_engine::pipeline::{Ranked, RecRequest};
use tailor_engine::{ShopState, recommend};
use tailor_model::now_millis;

/// A new request id: short, unique, and free of the `:` that separates tracking-code parts.
pub fn request_id() -> String {
    format!("r{}", &uuid::Uuid::new_v4().simple().to_string()[..16])
}

/// One item as the storefront needs it to render a tile, plus tracking and (optionally) why.
pub fn item_json(shop: &ShopState, r: &Ranked, tracking: String, explain: bool) -> Value {
    let mut o = Map::new();
    o.insert("product_id".into(), json!(shop.catalog.id(r.item)));
    if let Some(p) = shop.catalog.product(r.item) {
        o.insert("title".into(), json!(p.title));
        for (k, v) in [
            ("price", json!(p.price)),
            ("sale_price", json!(p.sale_price)),
            ("currency", json!(p.currency)),
            ("image_url", json!(p.image_url)),
            ("url", json!(p.url)),
            ("brand", json!(p.brand)),
        ] {
            if !v.is_null() {
                o.insert(k.into(), v);
            }
        }
    }
    o.insert("score".into(), json!(r.score));
    if let Some(w) = r.warning {
        o.insert("warnings".into(), json!([w.name()]));
    }
    o.insert("tracking".into(), json!(tracking));
    if explain {
        let sources: Map<String, Value> = r
            .why
            .sources
            .iter()
            .map(|(k, v)| (k.name().to_string(), json!(v)))
            .collect();
        o.insert(
            "explain".into(),
            json!({"sources": sources, "affinity": r.why.affinity, "stated": r.why.stated,
                   "popularity": r.why.popularity, "total": r.score}),
        );
    }
    Value::Object(o)
}

/// Fill recommendation boxes for one shopper.
#[utoipa::path(post, path = "/v1/recommendations", tag = "recommendations",
    request_body(content = Object, description = "`{visitor_id, session_id?, customer_id?, explain?, preferences?: Preferences (this request only, on top of the stated ones), events?: [Event] (ingested first), boxes: [{name, preset | sources: [{source, limit?, weight?}], count?, context?: {products?, cart?, category?, brand?, ...}, filter?, one_per_group?}]}`. Presets: for_you, alternatives, bought_together, trending, bestsellers, recently_viewed, buy_again."),
    responses((status = 200, description = "`{request_id, boxes: [{name, items: [{product_id, title, price, ..., score, tracking, explain?}]}]}`"), (status = 400, description = "names the field: unknown source, bad filter, unknown product")))]
pub async fn post_recommendations(
    State(app): State<App>,
    caller: Caller,
    Body(body): Body,
) -> Result<Json<Value>, ApiError> {
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
    let boxes: Vec<Value> = recommend(&st, &req, now_millis())
        .iter()
        .map(|b| {
            let items: Vec<Value> = b
                .items
                .iter()
                .enumerate()
                .map(|(pos, r)| item_json(&st, r, format!("{rid}:{}:{pos}", b.name), req.explain))
                .collect();
            json!({"name": b.name, "items": items})
        })
        .collect();
    let mut out = json!({"request_id": rid, "boxes": boxes});
    if let Some((accepted, duplicates)) = ingested {
        out["events"] = json!({"accepted": accepted, "duplicates": duplicates});
    }
    Ok(Json(out))
}
