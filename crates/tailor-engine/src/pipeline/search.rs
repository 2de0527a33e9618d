//! Search and browse through the shared pipeline. The text index proposes candidates, with the
//! shopper's hard constraints and the business filter applied inside it (so totals and facet
//! counts agree with what is shown); the best [`RERANK_DEPTH`] are then ranked by the same
//! ranker as recommendations, with text relevance and query learning as two more sources next
//! to the session, the shopper's history, affinity, stated preferences and popularity. A
//! browse page (a category page) is a search without a query.

use super::effective_preferences;
use super::rank::{self, Ranked};
use super::request::{SourceKind, count, err, opt_id};
use crate::catalog::Item;
use crate::constraints::{Verdict, verdict};
use crate::filter::{ContextMap, Filter};
use crate::models::session_key;
use crate::shopper::ShopperState;
use crate::state::ShopState;
use serde_json::{Map, Value};
use std::collections::HashMap;
use tailor_model::{CustomerId, FieldError, Millis, Preferences, ProductId, SessionId, VisitorId};
use tailor_reco::popularity::Scope;
use tailor_search::analysis::within_edits;
use tailor_search::{
    FacetRequest, Facets, Filters, Hit, Hooks, Relaxation, ScorePart, SearchError, SearchQuery,
    Sort,
};

/// Results a page returns when the request does not say.
pub const DEFAULT_LIMIT: usize = 20;
/// Most results one page may return.
pub const MAX_LIMIT: usize = 100;
/// Deepest a shopper may page.
pub const MAX_OFFSET: usize = 900;
/// Text matches (or browse candidates) the personal ranker reorders; deeper ones keep the
/// index's order after them.
pub const RERANK_DEPTH: usize = 300;
/// Weight of text relevance, which is `exp((score - best) / TEXT_TEMPERATURE)`: 1 for the best
/// match. Twice the largest personal part, so personalization reorders among good matches and
/// does not lift poor ones over them.
pub const TEXT_WEIGHT: f64 = 2.0;
/// How many units of the text ranker's score make a match e times less relevant in ranking.
pub const TEXT_TEMPERATURE: f64 = 1.0;
/// Weight of query learning per unit of log-lift.
pub const QUERY_CLICKS_WEIGHT: f64 = 0.4;
/// Weight of what sessions like this one went on to click.
pub const SESSION_WEIGHT: f64 = 0.3;
/// Weight of having viewed the product lately (the most recent view counts most).
pub const RECENT_WEIGHT: f64 = 0.2;
// The three browse weights were chosen on instacart-sample's validation split
// (`tailor eval browse --validation`), never on its test orders.
/// Browse: weight of popularity (trending), the backbone of a category page for a new shopper.
pub const BROWSE_POPULARITY_WEIGHT: f64 = 0.1;
/// Browse: weight of the shopper's own purchase count (groceries are bought again).
pub const BROWSE_HISTORY_WEIGHT: f64 = 1.0;
/// Browse: weight of the shopper's buy-again score (recency, purchase cycles, similar shoppers).
pub const BROWSE_BUY_AGAIN_WEIGHT: f64 = 4.0;

/// One search or browse request.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    /// The browser.
    pub visitor: Option<VisitorId>,
    /// The visit (defaults to the visitor's current one).
    pub session: Option<SessionId>,
    /// The customer, after login.
    pub customer: Option<CustomerId>,
    /// What the shopper typed; empty for a browse page.
    pub text: String,
    /// Facet filters (brand, category, price, stock).
    pub filters: Filters,
    /// Business filter, in the language of recommendation boxes.
    pub filter: Filter,
    /// Facets to count.
    pub facets: FacetRequest,
    /// Order.
    pub sort: Sort,
    /// Page size.
    pub limit: usize,
    /// Results to skip.
    pub offset: usize,
    /// One tile per product group.
    pub collapse: bool,
    /// Whether the shopper's behaviour and stated tastes reorder the results (hard constraints
    /// hold either way).
    pub personalize: bool,
    /// Whether to say why each result is where it is.
    pub explain: bool,
    /// Preferences for this request only, on top of the stated ones.
    pub preferences: Option<Preferences>,
}

/// Where a search that matched nothing sent the shopper instead.
#[derive(Debug, Clone, PartialEq)]
pub enum Fallback {
    /// Popular products of the category whose name is closest to the query.
    Category(String),
    /// Popular products of the whole shop.
    Popular,
}

/// One result.
#[derive(Debug, Clone)]
pub struct SearchHit {
    /// The product, its score and the parts of the score.
    pub ranked: Ranked,
    /// What the text relevance is made of (for `explain`); empty beyond the reranked head.
    pub text: Vec<ScorePart>,
}

/// The answer to a [`SearchRequest`].
#[derive(Debug, Clone)]
pub struct SearchOutcome {
    /// The page.
    pub items: Vec<SearchHit>,
    /// Matching products (or groups) in all.
    pub total: usize,
    /// How the query was loosened, if it was.
    pub relaxation: Relaxation,
    /// The analysed terms searched for.
    pub terms: Vec<String>,
    /// Facet counts.
    pub facets: Facets,
    /// Set when nothing matched and these are popular products instead.
    pub fallback: Option<Fallback>,
    /// Merchandising rules that changed the list.
    pub rules: Vec<crate::rules::Applied>,
}

fn flag(o: &Map<String, Value>, f: &str, default: bool) -> Result<bool, FieldError> {
    match o.get(f) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(err(f, "must be true or false")),
    }
}

fn strings(v: &Value, path: &str) -> Result<Vec<String>, FieldError> {
    let list: Vec<&Value> = match v {
        Value::String(_) => vec![v],
        Value::Array(a) if a.len() > tailor_model::MAX_FILTER_VALUES => {
            return Err(err(
                path,
                format!("more than {} values", tailor_model::MAX_FILTER_VALUES),
            ));
        }
        Value::Array(a) => a.iter().collect(),
        _ => return Err(err(path, "must be a string or a list of strings")),
    };
    list.iter()
        .enumerate()
        .map(|(i, v)| match v.as_str() {
            Some(s) if !s.trim().is_empty() => Ok(s.trim().to_string()),
            _ => Err(err(format!("{path}[{i}]"), "must be a non-empty string")),
        })
        .collect()
}

fn price(v: &Value, path: &str) -> Result<Option<f64>, FieldError> {
    match v {
        Value::Null => Ok(None),
        v => v
            .as_f64()
            .filter(|x| x.is_finite() && *x >= 0.0)
            .map(Some)
            .ok_or_else(|| err(path, "must be a number >= 0")),
    }
}

fn parse_filters(v: Option<&Value>) -> Result<Filters, FieldError> {
    let mut f = Filters {
        in_stock: true,
        ..Filters::default()
    };
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return Ok(f);
    };
    let o = v
        .as_object()
        .ok_or_else(|| err("filters", "must be an object"))?;
    for (k, v) in o {
        let path = format!("filters.{k}");
        match k.as_str() {
            "brand" => f.brands = strings(v, &path)?,
            "category" => {
                f.categories = strings(v, &path)?
                    .iter()
                    .map(|c| {
                        c.split(crate::catalog::CATEGORY_SEPARATOR.trim())
                            .map(|s| s.trim().to_string())
                            .filter(|s| !s.is_empty())
                            .collect()
                    })
                    .collect()
            }
            "price" => {
                let p = v
                    .as_object()
                    .ok_or_else(|| err(&path, "must be {\"min\": n, \"max\": n}"))?;
                for key in p.keys() {
                    if key != "min" && key != "max" {
                        return Err(err(format!("{path}.{key}"), "unknown; use min or max"));
                    }
                }
                f.min_price = price(p.get("min").unwrap_or(&Value::Null), &format!("{path}.min"))?;
                f.max_price = price(p.get("max").unwrap_or(&Value::Null), &format!("{path}.max"))?;
                if let (Some(lo), Some(hi)) = (f.min_price, f.max_price)
                    && lo > hi
                {
                    return Err(err(&path, "min must not exceed max"));
                }
            }
            "in_stock" => {
                f.in_stock = v
                    .as_bool()
                    .ok_or_else(|| err(&path, "must be true or false"))?
            }
            other => {
                return Err(err(
                    &path,
                    format!(
                        "unknown filter {other:?}; use brand, category, price or in_stock (or `filter` for any attribute)"
                    ),
                ));
            }
        }
    }
    Ok(f)
}

fn parse_facets(v: Option<&Value>) -> Result<FacetRequest, FieldError> {
    let mut f = FacetRequest::default();
    match v {
        None | Some(Value::Null) | Some(Value::Bool(false)) => {}
        Some(Value::Bool(true)) => f = FacetRequest::all(),
        Some(Value::Array(a)) => {
            for (i, x) in a.iter().enumerate() {
                match x.as_str() {
                    Some("brand") => f.brand = true,
                    Some("category") => f.category_depth = 3,
                    Some("price") => f.price = true,
                    Some("in_stock") => f.in_stock = true,
                    _ => {
                        return Err(err(
                            format!("facets[{i}]"),
                            "unknown facet; use brand, category, price or in_stock",
                        ));
                    }
                }
            }
        }
        Some(_) => return Err(err("facets", "must be true or a list of facet names")),
    }
    Ok(f)
}

fn parse_sort(v: Option<&Value>) -> Result<Sort, FieldError> {
    Ok(match v.and_then(Value::as_str) {
        None if v.is_none_or(Value::is_null) => Sort::Relevance,
        Some("relevance") => Sort::Relevance,
        Some("price_asc") => Sort::PriceAsc,
        Some("price_desc") => Sort::PriceDesc,
        Some("newest") => Sort::Newest,
        Some("popularity") => Sort::Popularity,
        _ => {
            return Err(err(
                "sort",
                "use relevance, price_asc, price_desc, newest or popularity",
            ));
        }
    })
}

impl SearchRequest {
    /// Parses and checks a request body; every mistake names its field.
    pub fn parse(v: &Value) -> Result<Self, FieldError> {
        let o = v
            .as_object()
            .ok_or_else(|| err("body", "must be a JSON object"))?;
        let text = match o.get("query") {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(_) => return Err(err("query", "must be a string")),
        };
        if text.len() > tailor_model::limits::MAX_TEXT_LEN {
            return Err(err(
                "query",
                format!(
                    "is longer than {} bytes",
                    tailor_model::limits::MAX_TEXT_LEN
                ),
            ));
        }
        let offset = match o.get("offset") {
            None | Some(Value::Null) => 0,
            Some(v) => match v.as_u64() {
                Some(n) if n <= MAX_OFFSET as u64 => n as usize,
                _ => {
                    return Err(err(
                        "offset",
                        format!("must be an integer from 0 to {MAX_OFFSET}"),
                    ));
                }
            },
        };
        let filter = match o.get("filter") {
            None | Some(Value::Null) => Filter::default(),
            Some(f) => Filter::parse(f, &ContextMap::new(), "filter")?,
        };
        let preferences = match o.get("preferences") {
            None | Some(Value::Null) => None,
            Some(p) => Some(
                Preferences::from_json(p, "preferences.", None)
                    .map_err(|mut e| e.swap_remove(0))?,
            ),
        };
        Ok(Self {
            visitor: opt_id(o, "visitor_id", VisitorId::new)?,
            session: opt_id(o, "session_id", SessionId::new)?,
            customer: opt_id(o, "customer_id", CustomerId::new)?,
            text,
            filters: parse_filters(o.get("filters"))?,
            filter,
            facets: parse_facets(o.get("facets"))?,
            sort: parse_sort(o.get("sort"))?,
            limit: count(o.get("limit"), "limit", DEFAULT_LIMIT, MAX_LIMIT)?,
            offset,
            collapse: flag(o, "collapse_variants", true)?,
            personalize: flag(o, "personalize", true)?,
            explain: flag(o, "explain", false)?,
            preferences,
        })
    }
}

/// The category whose name best matches the query's analysed terms (typos allowed), for a
/// search that matched no product.
fn closest_category(shop: &ShopState, terms: &[String]) -> Option<String> {
    let names = shop.search.category_terms(&shop.catalog);
    let mut best: Option<(usize, usize, &str)> = None;
    for (name, words) in names.iter() {
        let hit = terms
            .iter()
            .filter(|t| {
                let k = tailor_search::analysis::allowed_edits(t.chars().count()).max(1);
                words.iter().any(|w| w == *t || within_edits(w, t, k))
            })
            .count();
        // Most terms matched, then the most specific (deepest) category.
        let depth = name.matches(crate::catalog::CATEGORY_SEPARATOR).count();
        if hit > 0 && best.is_none_or(|b| (hit, depth) > (b.0, b.1)) {
            best = Some((hit, depth, name.as_str()));
        }
    }
    best.map(|b| b.2.to_string())
}

/// Runs a search or browse request for one shopper.
pub fn search(
    shop: &ShopState,
    req: &SearchRequest,
    now: Millis,
) -> Result<SearchOutcome, SearchError> {
    search_with(shop, req, now, &shop.rules)
}

/// Whether `p` passes the shopper's facet filters (for a pinned product the index did not
/// return).
fn passes_facets(f: &Filters, p: &tailor_model::Product) -> bool {
    let lower = |s: &str| s.trim().to_lowercase();
    (f.brands.is_empty()
        || p.brand
            .as_ref()
            .is_some_and(|b| f.brands.iter().any(|x| lower(x) == lower(b))))
        && (f.categories.is_empty()
            || f.categories.iter().any(|want| {
                p.categories.iter().any(|path| {
                    want.len() <= path.len()
                        && want.iter().zip(path).all(|(a, b)| lower(a) == lower(b))
                })
            }))
        && f.min_price
            .is_none_or(|lo| p.effective_price().is_some_and(|x| x >= lo))
        && f.max_price
            .is_none_or(|hi| p.effective_price().is_some_and(|x| x <= hi))
        && (!f.in_stock || p.is_sellable())
        && f.ids.as_ref().is_none_or(|ids| ids.contains(&p.id))
}

/// [`search`] under a given rule set (a preview of a draft rule, say).
pub fn search_with(
    shop: &ShopState,
    req: &SearchRequest,
    now: Millis,
    rules: &crate::rules::RuleSet,
) -> Result<SearchOutcome, SearchError> {
    let shopper = shop.shopper(req.visitor.as_ref(), req.customer.as_ref());
    let prefs = effective_preferences(shopper, req.preferences.as_ref());
    let index = shop.search.index(&shop.catalog)?;
    let catalog = &shop.catalog;
    // Hard constraints and the business filter hold inside the index; stock is a facet filter.
    let item_of = |id: &ProductId, tag: Option<u32>| tag.or_else(|| catalog.item(id.as_str()));
    let keep = |id: &ProductId, tag: Option<u32>| {
        item_of(id, tag).is_some_and(|item| {
            catalog.product(item).is_some_and(|p| {
                verdict(&prefs, p).allows()
                    && req.filter.matches(p)
                    && shopper.is_none_or(|s| !s.hidden.contains(&item))
            })
        })
    };
    // Popularity orders the candidates of a browse page; the shopper's own purchases join it
    // (scaled above any trend), so what they buy again is among the candidates the ranker sees.
    let top_trend = shop.models.top_trending(now).max(f64::MIN_POSITIVE);
    let own = shopper.filter(|_| req.personalize);
    let prior = |id: &ProductId, tag: Option<u32>| {
        item_of(id, tag).map_or(0.0, |i| {
            let trend = shop.models.trending.score(i, Scope::Global, now) / top_trend;
            let bought = own
                .and_then(|s| s.purchases.get(&i))
                .map_or(0.0, |h| 1.0 + f64::from(h.orders).ln());
            (trend + bought) as f32
        })
    };
    let hooks = Hooks {
        keep: Some(&keep),
        prior: Some(&prior),
    };
    let wanted = (req.offset + req.limit).max(RERANK_DEPTH);
    let mut q = SearchQuery::new(req.text.clone());
    q.filters = req.filters.clone();
    q.facets = req.facets;
    q.sort = req.sort;
    q.limit = wanted;
    q.candidates = RERANK_DEPTH;
    q.collapse_groups = req.collapse;
    // The index does not browse when nothing matches: the fallback is chosen here.
    q.browse_fallback = false;
    let mut result = index.search_with(&q, hooks)?;
    let mut fallback = None;
    if result.relaxation == Relaxation::Browse && !result.terms.is_empty() {
        // Nothing matched any term: popular products of the closest category, else the shop's.
        let mut fq = q.clone();
        fq.text.clear();
        let category = closest_category(shop, &result.terms);
        if let Some(c) = &category {
            fq.filters.categories = vec![
                c.split(crate::catalog::CATEGORY_SEPARATOR)
                    .map(str::to_string)
                    .collect(),
            ];
            result = index.search_with(&fq, hooks)?;
        }
        if result.total > 0 && category.is_some() {
            fallback = category.map(Fallback::Category);
        } else {
            fq.filters.categories = req.filters.categories.clone();
            result = index.search_with(&fq, hooks)?;
            fallback = Some(Fallback::Popular);
        }
    }
    let browse = result.relaxation == Relaxation::Browse;
    let rerank = req.sort == Sort::Relevance;
    let person = if req.personalize { shopper } else { None };
    let no_prefs = Preferences::default();
    let soft = if req.personalize {
        prefs.as_ref()
    } else {
        &no_prefs
    };
    let mut hits: Vec<(Item, Hit)> = result
        .hits
        .into_iter()
        .filter_map(|h| Some((catalog.item(h.id.as_str())?, h)))
        .collect();
    let head = if rerank {
        hits.len().min(RERANK_DEPTH)
    } else {
        0
    };
    let tail = hits.split_off(head);
    let mut text_parts: HashMap<Item, Vec<ScorePart>> = HashMap::new();
    let mut list: Vec<Ranked> = Vec::with_capacity(hits.len() + tail.len());
    if !hits.is_empty() {
        let cands = candidates(shop, person, &hits, browse, &req.text, now);
        for (item, h) in hits {
            text_parts.insert(item, h.parts);
        }
        list.extend(rank::rank(shop, person, soft, cands, now));
    }
    let reranked = list.len();
    // Beyond the head, and for explicit sorts, the index's order stands.
    for (item, h) in tail {
        text_parts.insert(item, h.parts);
        list.push(Ranked {
            item,
            score: f64::from(h.score),
            why: rank::Explanation {
                sources: smallvec::smallvec![(SourceKind::TextMatch, f64::from(h.score))],
                ..Default::default()
            },
            warning: None,
        });
    }
    // Rules: before paging, so a pin's slot is a position in the whole result list.
    let ctx = crate::rules::RuleContext {
        surface: if req.text.trim().is_empty() {
            crate::rules::Surface::Browse
        } else {
            crate::rules::Surface::Search
        },
        query: &req.text,
        categories: req
            .filters
            .categories
            .iter()
            .map(|c| c.join(crate::catalog::CATEGORY_SEPARATOR))
            .collect(),
        box_name: None,
        shopper,
        now,
    };
    let before = list.len();
    let applied = crate::rules::apply(rules, &ctx, shop, &mut list, reranked, &|item| {
        catalog
            .product(item)
            .is_some_and(|p| keep(&p.id, Some(item)) && passes_facets(&req.filters, p))
    });
    let total = (result.total + list.len()).saturating_sub(before);
    let items: Vec<SearchHit> = list
        .into_iter()
        .map(|r| {
            let text = text_parts.remove(&r.item).unwrap_or_default();
            SearchHit { ranked: r, text }
        })
        .collect();
    let mut page: Vec<SearchHit> = items.into_iter().skip(req.offset).take(req.limit).collect();
    for h in &mut page {
        if let Some(p) = catalog.product(h.ranked.item)
            && let Verdict::Warn(w) = verdict(&prefs, p)
        {
            h.ranked.warning = Some(w);
        }
    }
    Ok(SearchOutcome {
        items: page,
        total,
        relaxation: result.relaxation,
        terms: result.terms,
        facets: result.facets,
        fallback,
        rules: applied,
    })
}

/// The sources' scores for the reranked head: text relevance (scaled 0..1 over the head),
/// query learning, the session, recent views, and for browse pages popularity and the
/// shopper's own purchases.
fn candidates(
    shop: &ShopState,
    shopper: Option<&ShopperState>,
    head: &[(Item, Hit)],
    browse: bool,
    text: &str,
    now: Millis,
) -> HashMap<Item, rank::Sources> {
    let mut out: HashMap<Item, rank::Sources> = head
        .iter()
        .map(|(i, _)| (*i, rank::Sources::new()))
        .collect();
    let mut add = |item: Item, kind: SourceKind, s: f64| {
        if s != 0.0
            && let Some(v) = out.get_mut(&item)
        {
            v.push((kind, s));
        }
    };
    if !browse {
        let best = head.iter().map(|(_, h)| h.score).fold(f32::MIN, f32::max);
        for (item, h) in head {
            // Relative to the best match on the ranker's own scale: near-equal matches stay
            // near-equal, so the shopper's parts can order them; a clearly worse one stays low.
            let rel = f64::from(h.score - best) / TEXT_TEMPERATURE;
            add(*item, SourceKind::TextMatch, TEXT_WEIGHT * rel.exp());
        }
        let learned = shop.search.queries.scorer(&shop.search.query_key(text));
        if !learned.is_empty() {
            for (item, _) in head {
                add(
                    *item,
                    SourceKind::QueryClicks,
                    QUERY_CLICKS_WEIGHT * learned.lift(*item),
                );
            }
        }
    } else {
        let trend: Vec<f64> = head
            .iter()
            .map(|(i, _)| shop.models.trending.score(*i, Scope::Global, now))
            .collect();
        let top = trend.iter().copied().fold(0.0, f64::max);
        if top > 0.0 {
            for ((item, _), t) in head.iter().zip(trend) {
                add(
                    *item,
                    SourceKind::Trending,
                    BROWSE_POPULARITY_WEIGHT * t / top,
                );
            }
        }
        if let Some(b) = shopper.and_then(|s| s.buyer) {
            let pool: std::collections::HashSet<Item> = head.iter().map(|(i, _)| *i).collect();
            let again = shop
                .models
                .replenish
                .buy_again(b, now, head.len(), &|i| pool.contains(&i));
            let top = again.iter().map(|x| x.1).fold(0.0, f32::max);
            if top > 0.0 {
                for (item, sc) in again {
                    add(
                        item,
                        SourceKind::BuyAgain,
                        BROWSE_BUY_AGAIN_WEIGHT * f64::from(sc / top),
                    );
                }
            }
        }
        if let Some(s) = shopper {
            let most = head
                .iter()
                .filter_map(|(i, _)| s.purchases.get(i))
                .map(|h| h.orders)
                .max()
                .unwrap_or(0);
            for (item, _) in head {
                if let Some(h) = s.purchases.get(item) {
                    let share = f64::from(h.orders) / f64::from(most.max(1));
                    add(
                        *item,
                        SourceKind::RecentlyBought,
                        BROWSE_HISTORY_WEIGHT * share,
                    );
                }
            }
        }
    }
    let Some(s) = shopper else { return out };
    for (rank, item) in s.recent.iter().rev().enumerate() {
        add(
            *item,
            SourceKind::RecentlyViewed,
            RECENT_WEIGHT / (rank as f64 + 1.0),
        );
    }
    if let Some(sid) = s.session.as_ref().filter(|_| !s.session_items.is_empty()) {
        let pool: std::collections::HashSet<Item> = head.iter().map(|(i, _)| *i).collect();
        let next = shop
            .models
            .sessions
            .recommend_for(session_key(sid), head.len(), &|i| !pool.contains(&i));
        let top = next.iter().map(|x| x.1).fold(0.0, f32::max);
        if top > 0.0 {
            for (item, sc) in next {
                add(
                    item,
                    SourceKind::SessionNext,
                    SESSION_WEIGHT * f64::from(sc / top),
                );
            }
        }
    }
    out
}
