//! Search over HTTP: `POST /v1/search` (search and category pages, personally ranked, with
//! facets and tracking codes), `GET /v1/suggest` (completions from what shoppers searched), and
//! the shop's search settings (language, synonyms; admin key), which persist in the store.

use super::recommend::{item_json, request_id};
use super::{Body, blocking};
use crate::app::App;
use crate::auth::Caller;
use crate::error::{ApiError, parse_json};
use axum::Json;
use axum::extract::{Query, State};
use serde_json::{Value, json};
use tailor_engine::ShopState;
use tailor_engine::pipeline::search::{Fallback, SearchOutcome, SearchRequest, search};
use tailor_engine::search::{LANGUAGES, SearchSettings, language_name};
use tailor_model::now_millis;
use tailor_search::{Facets, Relaxation, SearchError};

/// The store key search settings are kept under.
pub const SETTINGS_KEY: &str = "search";
/// Most completions one call returns.
pub const MAX_SUGGESTIONS: usize = 20;
/// Most synonym groups a shop may have, and words per group.
pub const MAX_SYNONYM_GROUPS: usize = 10_000;
/// Words or phrases per synonym group.
pub const MAX_SYNONYMS_PER_GROUP: usize = 32;

fn search_error(e: SearchError) -> ApiError {
    match e {
        SearchError::InvalidQuery { field, message } => ApiError::field(field, message),
        e => ApiError::internal(e),
    }
}

fn relaxation_name(r: Relaxation) -> &'static str {
    match r {
        Relaxation::None => "none",
        Relaxation::AllButOne => "all_but_one",
        Relaxation::AnyTerm => "any_term",
        Relaxation::Browse => "browse",
    }
}

/// What the shopper should be told when the query was loosened.
fn message(query: &str, out: &SearchOutcome) -> Option<String> {
    match (&out.fallback, out.relaxation) {
        (Some(Fallback::Category(c)), _) => Some(format!(
            "No products match {query:?}; showing popular products in {c}"
        )),
        (Some(Fallback::Popular), _) => Some(format!(
            "No products match {query:?}; showing popular products"
        )),
        (None, Relaxation::AllButOne) => Some(format!(
            "No product matches every word of {query:?}; showing products that match all but one"
        )),
        (None, Relaxation::AnyTerm) => Some(format!(
            "No product matches all of {query:?}; showing products that match some of it"
        )),
        _ => None,
    }
}

fn facets_json(f: &Facets) -> Value {
    let list = |v: &[tailor_search::FacetCount]| -> Value {
        v.iter()
            .map(|c| json!({"value": c.value, "count": c.count}))
            .collect()
    };
    let mut o = serde_json::Map::new();
    if !f.brand.is_empty() {
        o.insert("brand".into(), list(&f.brand));
    }
    if !f.category.is_empty() {
        o.insert(
            "category".into(),
            f.category.iter().map(|l| list(l)).collect(),
        );
    }
    if let Some((min, max)) = f.price {
        o.insert("price".into(), json!({"min": min, "max": max}));
    }
    if f.in_stock + f.out_of_stock > 0 {
        o.insert(
            "in_stock".into(),
            json!({"true": f.in_stock, "false": f.out_of_stock}),
        );
    }
    Value::Object(o)
}

/// The response body of one search.
fn outcome_json(st: &ShopState, req: &SearchRequest, out: &SearchOutcome, rid: &str) -> Value {
    let items: Vec<Value> = out
        .items
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let pos = req.offset + i;
            let mut v = item_json(st, &h.ranked, format!("{rid}:search:{pos}"), req.explain);
            if req.explain
                && let Some(e) = v.get_mut("explain")
            {
                e["text"] = h
                    .text
                    .iter()
                    .map(|p| json!({"feature": p.name, "value": p.value, "contribution": p.contribution}))
                    .collect();
            }
            v
        })
        .collect();
    let mut body = json!({
        "request_id": rid,
        "query": req.text,
        "terms": out.terms,
        "total": out.total,
        "offset": req.offset,
        "relaxation": relaxation_name(out.relaxation),
        "items": items,
        "facets": facets_json(&out.facets),
    });
    if req.explain {
        body["rules"] = super::recommend::applied_json(&out.rules);
    }
    if let Some(m) = message(&req.text, out) {
        body["message"] = json!(m);
    }
    match &out.fallback {
        Some(Fallback::Category(c)) => {
            body["fallback"] = json!({"kind": "category", "category": c})
        }
        Some(Fallback::Popular) => body["fallback"] = json!({"kind": "popular"}),
        None => {}
    }
    body
}

/// Search the catalog, or browse a category (no `query`), ranked for this shopper.
#[utoipa::path(post, path = "/v1/search", tag = "search",
    request_body(content = Object, description = "`{query?, visitor_id?, session_id?, customer_id?, filters?: {brand?, category? (\"A > B\" or a list), price?: {min?, max?}, in_stock? (default true)}, filter?: (the recommendation filter language), facets?: true | [\"brand\", \"category\", \"price\", \"in_stock\"], sort?: relevance | price_asc | price_desc | newest | popularity, limit? (1-100, default 20), offset? (0-900), collapse_variants? (default true), personalize? (default true), explain?, preferences?, events?: [Event] (ingested first)}`"),
    responses((status = 200, description = "`{request_id, query, terms, total, offset, relaxation, message?, fallback?, items: [{product_id, title, ..., score, tracking, explain?}], facets}`"), (status = 400, description = "names the field")))]
pub async fn post_search(
    State(app): State<App>,
    caller: Caller,
    Body(body): Body,
) -> Result<Json<Value>, ApiError> {
    let v = parse_json(&body)?;
    let mut req = SearchRequest::parse(&v).map_err(|e| ApiError::field(e.field, e.reason))?;
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
    let surface = if req.text.trim().is_empty() {
        tailor_engine::rules::Surface::Browse
    } else {
        tailor_engine::rules::Surface::Search
    };
    let assigned =
        super::experiments::assign(&st, surface, req.visitor.as_ref(), req.customer.as_ref());
    let no_rules = tailor_engine::rules::RuleSet::default();
    let out = match &assigned {
        None => search(&st, &req, now_millis()),
        Some(a) => {
            req.personalize &= a.treatment.personalize;
            let rules = if a.treatment.rules {
                &st.rules
            } else {
                &no_rules
            };
            tailor_engine::pipeline::search::search_with(&st, &req, now_millis(), rules)
        }
    }
    .map_err(search_error)?;
    let customer =
        super::analytics::unit_customer(&st, req.visitor.as_ref(), req.customer.as_ref());
    let rid = request_id();
    let mut body = outcome_json(&st, &req, &out, &rid);
    let items: Vec<&tailor_engine::pipeline::Ranked> =
        out.items.iter().map(|h| &h.ranked).collect();
    let matched = if out.fallback.is_some() { 0 } else { out.total };
    let served = super::analytics::served(
        &st,
        &rid,
        "search",
        req.visitor.as_ref(),
        customer.as_ref(),
        Some(&req.text),
        Some(matched),
        &items,
        assigned.as_ref().map(|a| a.label.clone()),
    );
    if let Some(a) = &assigned {
        body["experiment"] = json!(a.label);
    }
    super::analytics::record(&app, &caller.shop, &st.analytics, vec![served]);
    if let Some((accepted, duplicates)) = ingested {
        body["events"] = json!({"accepted": accepted, "duplicates": duplicates});
    }
    Ok(Json(body))
}

/// `GET /v1/suggest` parameters.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
pub struct SuggestParams {
    /// What the shopper has typed so far.
    pub q: Option<String>,
    /// Completions to return (1-20, default 8).
    pub limit: Option<usize>,
}

/// Query completions: what shoppers searched (and found something for) that starts with `q`,
/// most searched first.
#[utoipa::path(get, path = "/v1/suggest", tag = "search", params(SuggestParams),
    responses((status = 200, description = "`{suggestions: [{query, searches}]}`"), (status = 400)))]
pub async fn get_suggest(
    State(app): State<App>,
    caller: Caller,
    Query(p): Query<SuggestParams>,
) -> Result<Json<Value>, ApiError> {
    let limit = p.limit.unwrap_or(8);
    if !(1..=MAX_SUGGESTIONS).contains(&limit) {
        return Err(ApiError::field(
            "limit",
            format!("must be between 1 and {MAX_SUGGESTIONS}"),
        ));
    }
    let q = p.q.unwrap_or_default();
    if q.len() > tailor_model::limits::MAX_TEXT_LEN {
        return Err(ApiError::field("q", "is too long"));
    }
    let shop = app.engine.shop(&caller.shop);
    let st = shop.read();
    let suggestions: Vec<Value> = st
        .search
        .queries
        .suggest(&q, limit)
        .into_iter()
        .map(|(query, searches)| json!({"query": query, "searches": searches}))
        .collect();
    Ok(Json(json!({"suggestions": suggestions})))
}

fn settings_json(s: &SearchSettings) -> Value {
    json!({"language": language_name(s.language), "synonyms": s.synonyms})
}

/// Reads search settings as stored or sent; every mistake names its field.
pub fn parse_settings(v: &Value) -> Result<SearchSettings, ApiError> {
    let o = v
        .as_object()
        .ok_or_else(|| ApiError::field("body", "must be a JSON object"))?;
    let mut s = SearchSettings::default();
    for (k, v) in o {
        match k.as_str() {
            "language" => {
                let name = v.as_str().unwrap_or_default().to_lowercase();
                s.language = LANGUAGES
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, l)| *l)
                    .ok_or_else(|| {
                        let names: Vec<&str> = LANGUAGES.iter().map(|(n, _)| *n).collect();
                        ApiError::field(
                            "language",
                            format!("unknown language; use one of {}", names.join(", ")),
                        )
                    })?;
            }
            "synonyms" => {
                let groups = v.as_array().ok_or_else(|| {
                    ApiError::field("synonyms", "must be a list of lists of words or phrases")
                })?;
                if groups.len() > MAX_SYNONYM_GROUPS {
                    return Err(ApiError::field(
                        "synonyms",
                        format!("at most {MAX_SYNONYM_GROUPS} groups"),
                    ));
                }
                for (i, g) in groups.iter().enumerate() {
                    let path = format!("synonyms[{i}]");
                    let words = g.as_array().filter(|w| (2..=MAX_SYNONYMS_PER_GROUP).contains(&w.len())).ok_or_else(|| {
                        ApiError::field(&path, format!("must be a list of 2 to {MAX_SYNONYMS_PER_GROUP} words or phrases"))
                    })?;
                    let mut group = Vec::with_capacity(words.len());
                    for (j, w) in words.iter().enumerate() {
                        match w.as_str().map(str::trim) {
                            Some(w) if !w.is_empty() && w.len() <= 200 => group.push(w.to_string()),
                            _ => {
                                return Err(ApiError::field(
                                    format!("{path}[{j}]"),
                                    "must be a word or phrase of 1 to 200 bytes",
                                ));
                            }
                        }
                    }
                    s.synonyms.push(group);
                }
            }
            other => {
                return Err(ApiError::field(
                    other,
                    "unknown setting; use language or synonyms",
                ));
            }
        }
    }
    Ok(s)
}

/// The shop's search settings.
#[utoipa::path(get, path = "/v1/search/settings", tag = "search",
    responses((status = 200, description = "`{language, synonyms: [[word, ...], ...]}`"), (status = 403)))]
pub async fn get_settings(State(app): State<App>, caller: Caller) -> Result<Json<Value>, ApiError> {
    caller.require_admin()?;
    let shop = app.engine.shop(&caller.shop);
    let st = shop.read();
    Ok(Json(settings_json(st.search.settings())))
}

/// Replace the shop's search settings (language, synonyms). Synonyms apply at once; a new
/// language re-indexes the catalog.
#[utoipa::path(put, path = "/v1/search/settings", tag = "search",
    request_body(content = Object, description = "`{language?: \"english\", synonyms?: [[\"sofa\", \"couch\"], ...]}`"),
    responses((status = 200, description = "the settings now in force"), (status = 400), (status = 403)))]
pub async fn put_settings(
    State(app): State<App>,
    caller: Caller,
    Body(body): Body,
) -> Result<Json<Value>, ApiError> {
    caller.require_admin()?;
    let v = parse_json(&body)?;
    let settings = parse_settings(&v)?;
    let stored = settings_json(&settings);
    let (store, shop_id, value) = (app.store.clone(), caller.shop.clone(), stored.clone());
    blocking(move || Ok(store.put_setting(&shop_id, SETTINGS_KEY, &value)?)).await?;
    let shop = app.engine.shop(&caller.shop);
    shop.write().search.configure(settings);
    // Build the index now (if a new language dropped it), not on a shopper's first search.
    let st = shop.read();
    st.search.index(&st.catalog).map_err(search_error)?;
    Ok(Json(stored))
}
