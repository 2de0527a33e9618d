//! `POST /v1/recommendations`: several boxes in one call, no product repeated across them. Each
//! item carries a tracking code (`request:box:position`) that a click event sends back.

use super::Body;
use crate::app::App;
use crate::auth::Caller;
use crate::error::{ApiError, parse_json};
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value, json};
use std::sync::Arc;
use tailor_engine::pipeline::recommend_with;
use tailor_engine::pipeline::{Ranked, RecRequest};
use tailor_engine::{ShopState, recommend};
use tailor_model::{ProductId, Tile, now_millis};

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

/// One item as the storefront needs it to render a tile, plus tracking and (optionally) why, as
/// a serde value for the responses that add fields to their items. The recommendation response
/// writes the same members straight into bytes ([`write_item`]).
#[derive(Serialize)]
pub struct Item<'a> {
    #[serde(flatten)]
    tile: Option<Tile<'a>>,
    // Only for an item the catalog has no data for (then there is no tile).
    #[serde(skip_serializing_if = "Option::is_none")]
    product_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    explain: Option<Value>,
    score: f64,
    #[serde(serialize_with = "display")]
    tracking: &'a dyn std::fmt::Display,
    #[serde(skip_serializing_if = "Option::is_none")]
    warnings: Option<[&'static str; 1]>,
}

fn display<S: serde::Serializer>(v: &&dyn std::fmt::Display, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

impl<'a> Item<'a> {
    /// The tile of `r`. `tracking` is the code a click sends back.
    pub fn new(
        shop: &'a ShopState,
        r: &'a Ranked,
        tracking: &'a dyn std::fmt::Display,
        explain: bool,
    ) -> Self {
        let tile = shop.catalog.product(r.item).map(|p| p.tile());
        Item {
            product_id: tile.is_none().then(|| shop.catalog.id(r.item).as_str()),
            tile,
            explain: explain.then(|| explain_json(r)),
            score: r.score,
            tracking,
            warnings: r.warning.map(|w| [w.name()]),
        }
    }
}

/// `s` as JSON string contents (escaped, without the quotes).
fn escaped(s: &str) -> String {
    let quoted = serde_json::to_string(s).expect("a string serializes");
    quoted[1..quoted.len() - 1].to_string()
}

/// What a response shows of one product, taken while the state is locked and written after.
pub enum Face {
    /// The catalog's pre-rendered tile (`Catalog::tile`).
    Tile(Arc<str>),
    /// An item the catalog has no data for: only its id.
    Bare(ProductId),
}

impl Face {
    /// The face of `item` in `shop`'s catalog.
    pub fn of(shop: &ShopState, item: tailor_engine::catalog::Item) -> Self {
        match shop.catalog.tile(item) {
            Some(tile) => Face::Tile(tile.clone()),
            None => Face::Bare(shop.catalog.id(item).clone()),
        }
    }
}

/// Appends one item as a JSON object: the catalog's pre-rendered tile, then score, tracking code
/// (`request:list:position`; `list` already escaped) and, if asked, explanation and warning.
/// The same members as [`Item`], without escaping the product's text again.
pub fn write_item(
    out: &mut Vec<u8>,
    face: &Face,
    r: &Ranked,
    tracking: (&str, &str, usize),
    explain: bool,
) {
    out.push(b'{');
    match face {
        Face::Tile(tile) => out.extend_from_slice(tile.as_bytes()),
        Face::Bare(id) => {
            out.extend_from_slice(b"\"product_id\":");
            json_into(out, id.as_str());
        }
    }
    out.extend_from_slice(b",\"score\":");
    json_into(out, &r.score);
    let (request, list, position) = tracking;
    out.extend_from_slice(b",\"tracking\":\"");
    out.extend_from_slice(request.as_bytes());
    out.push(b':');
    out.extend_from_slice(list.as_bytes());
    out.push(b':');
    json_into(out, &position);
    out.push(b'"');
    if explain {
        out.extend_from_slice(b",\"explain\":");
        json_into(out, &explain_json(r));
    }
    if let Some(w) = r.warning {
        out.extend_from_slice(b",\"warnings\":");
        json_into(out, &[w.name()]);
    }
    out.push(b'}');
}

fn json_into<T: Serialize + ?Sized>(out: &mut Vec<u8>, v: &T) {
    serde_json::to_writer(out, v).expect("writing JSON into memory cannot fail");
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
struct EventCounts {
    accepted: usize,
    duplicates: usize,
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
    let rid = request_id();
    // Under the shop's read lock only what needs the state: the pipeline, each item's tile
    // (shared) and the served lists. Writing the response and counting impressions come after,
    // so the store's writer, which applies events under the write lock, waits less.
    let shop = app.engine.shop(&caller.shop);
    let (req, filled, faces, experiment, served, analytics) = {
        let st = shop.read();
        let req =
            RecRequest::parse(&v, &st.catalog).map_err(|e| ApiError::field(e.field, e.reason))?;
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
        let faces: Vec<Vec<Face>> = filled
            .iter()
            .map(|b| b.items.iter().map(|r| Face::of(&st, r.item)).collect())
            .collect();
        let customer =
            super::analytics::unit_customer(&st, req.visitor.as_ref(), req.customer.as_ref());
        let experiment = assigned.map(|a| a.label);
        let served: Vec<_> = filled
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
                    experiment.clone(),
                )
            })
            .collect();
        (req, filled, faces, experiment, served, st.analytics.clone())
    };
    super::analytics::record(&app, &caller.shop, &analytics, served);
    let mut body =
        Vec::with_capacity(512 + 400 * filled.iter().map(|b| b.items.len()).sum::<usize>());
    body.extend_from_slice(b"{\"boxes\":[");
    for (i, (b, faces)) in filled.iter().zip(&faces).enumerate() {
        if i > 0 {
            body.push(b',');
        }
        let name = escaped(&b.name);
        body.extend_from_slice(b"{\"items\":[");
        for (position, (r, face)) in b.items.iter().zip(faces).enumerate() {
            if position > 0 {
                body.push(b',');
            }
            write_item(&mut body, face, r, (&rid, &name, position), req.explain);
        }
        body.extend_from_slice(b"],\"name\":\"");
        body.extend_from_slice(name.as_bytes());
        body.push(b'"');
        if req.explain {
            body.extend_from_slice(b",\"rules\":");
            json_into(&mut body, &applied_json(&b.rules));
        }
        body.push(b'}');
    }
    body.push(b']');
    if let Some((accepted, duplicates)) = ingested {
        body.extend_from_slice(b",\"events\":");
        json_into(
            &mut body,
            &EventCounts {
                accepted,
                duplicates,
            },
        );
    }
    if let Some(label) = &experiment {
        body.extend_from_slice(b",\"experiment\":");
        json_into(&mut body, label.as_str());
    }
    body.extend_from_slice(b",\"request_id\":");
    json_into(&mut body, rid.as_str());
    body.push(b'}');
    Ok(([(CONTENT_TYPE, "application/json")], body).into_response())
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
