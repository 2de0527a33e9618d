//! Parsing a recommendation request: who is asking, and the boxes to fill. Every mistake becomes
//! a [`FieldError`] whose field is the JSON path (`boxes[1].sources[0].source`).

use crate::catalog::{Catalog, Item};
use crate::filter::{ContextMap, Filter};
use serde_json::{Map, Value, json};
use tailor_model::{CustomerId, FieldError, Preferences, SessionId, VisitorId};

/// Most boxes in one request.
pub const MAX_BOXES: usize = 20;
/// Most items one box may return.
pub const MAX_COUNT: usize = 100;
/// Items a box returns when it does not say.
pub const DEFAULT_COUNT: usize = 10;
/// Candidates a source contributes when the box does not say.
pub const DEFAULT_SOURCE_LIMIT: usize = 100;
/// Most candidates one source may contribute.
pub const MAX_SOURCE_LIMIT: usize = 1000;

/// A candidate generator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SourceKind {
    /// Session kNN: what sessions like this one clicked next.
    SessionNext,
    /// Also viewed with the context products (or the recent views).
    Alternatives,
    /// Bought in the same orders as the context products (or the cart).
    BoughtTogether,
    /// Same category and brand as the context products, for items without interactions.
    ContentSimilar,
    /// Popularity with time decay (in the context category when there is one).
    Trending,
    /// Best sellers with time decay.
    Bestsellers,
    /// Top items of the shopper's favourite categories and brands.
    Affinity,
    /// This shopper's recently viewed items.
    RecentlyViewed,
    /// This shopper's past purchases, most bought first.
    RecentlyBought,
    /// Next basket: the shopper's own items timed by their purchase cycles, blended with what
    /// similar shoppers buy (TIFU-KNN with timing, `tailor_reco::replenish`). Bought durables
    /// stay out, like in every source that is not a history.
    BuyAgain,
    /// Search only: how well the product's text matches the query.
    TextMatch,
    /// Search only: what shoppers did after the same query, beyond what its position explains.
    QueryClicks,
}

impl SourceKind {
    /// Every source a box may name, for parsing, error messages and docs (the search-only
    /// ones are not among them).
    pub const ALL: [SourceKind; 10] = [
        Self::SessionNext,
        Self::Alternatives,
        Self::BoughtTogether,
        Self::ContentSimilar,
        Self::Trending,
        Self::Bestsellers,
        Self::Affinity,
        Self::RecentlyViewed,
        Self::RecentlyBought,
        Self::BuyAgain,
    ];

    /// The wire name.
    pub fn name(self) -> &'static str {
        match self {
            Self::SessionNext => "session_next",
            Self::Alternatives => "alternatives",
            Self::BoughtTogether => "bought_together",
            Self::ContentSimilar => "content_similar",
            Self::Trending => "trending",
            Self::Bestsellers => "bestsellers",
            Self::Affinity => "affinity",
            Self::RecentlyViewed => "recently_viewed",
            Self::RecentlyBought => "recently_bought",
            Self::BuyAgain => "buy_again",
            Self::TextMatch => "text_match",
            Self::QueryClicks => "query_clicks",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == s)
    }

    /// Sources that show the shopper's own items again; the others never propose what the
    /// shopper is looking at now or already has in the cart.
    pub fn shows_own_items(self) -> bool {
        matches!(self, Self::RecentlyViewed | Self::RecentlyBought)
    }
}

/// One source of a box, with how many candidates it may add and its weight in the ranking.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceSpec {
    /// Which generator.
    pub kind: SourceKind,
    /// Candidates it may contribute.
    pub limit: usize,
    /// Weight of its normalised score.
    pub weight: f64,
}

const fn src(kind: SourceKind, weight: f64) -> SourceSpec {
    SourceSpec {
        kind,
        limit: DEFAULT_SOURCE_LIMIT,
        weight,
    }
}

/// A named bundle of sources.
pub fn preset(name: &str) -> Option<Vec<SourceSpec>> {
    use SourceKind::*;
    Some(match name {
        // Session intent first, then long-term taste, then what is hot: a brand-new visitor
        // falls through to trending, step by step.
        "for_you" => vec![
            src(SessionNext, 1.0),
            src(Alternatives, 0.6),
            src(Affinity, 0.5),
            src(Trending, 0.2),
        ],
        "alternatives" => vec![
            src(Alternatives, 1.0),
            src(ContentSimilar, 0.4),
            src(Trending, 0.05),
        ],
        "bought_together" => vec![src(BoughtTogether, 1.0), src(Bestsellers, 0.05)],
        "trending" => vec![src(Trending, 1.0)],
        "bestsellers" => vec![src(Bestsellers, 1.0)],
        "recently_viewed" => vec![src(RecentlyViewed, 1.0)],
        "buy_again" => vec![src(BuyAgain, 1.0)],
        _ => return None,
    })
}

/// Names of the presets, for error messages.
pub const PRESETS: &str =
    "for_you, alternatives, bought_together, trending, bestsellers, recently_viewed, buy_again";

/// What a box is about: products on the page, the cart, a category, a brand, a price.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Products the page shows (a product page's product).
    pub products: Vec<Item>,
    /// The cart.
    pub cart: Vec<Item>,
    /// Values `$context.*` references resolve to (given, or derived from `products`).
    pub values: ContextMap,
}

/// One box to fill.
#[derive(Debug, Clone)]
pub struct BoxRequest {
    /// The box's name, echoed and used in tracking codes.
    pub name: String,
    /// Its candidate sources.
    pub sources: Vec<SourceSpec>,
    /// How many items to return.
    pub count: usize,
    /// What the box is about.
    pub context: Context,
    /// Business filter.
    pub filter: Filter,
    /// Show at most one variant per product group.
    pub one_per_group: bool,
}

/// A whole request.
#[derive(Debug, Clone)]
pub struct RecRequest {
    /// The browser.
    pub visitor: Option<VisitorId>,
    /// The visit (defaults to the visitor's current one).
    pub session: Option<SessionId>,
    /// The customer, after login.
    pub customer: Option<CustomerId>,
    /// Boxes to fill, in order; no product appears in two of them.
    pub boxes: Vec<BoxRequest>,
    /// Whether to say why each item was chosen.
    pub explain: bool,
    /// Preferences for this request only, on top of the shopper's stated ones.
    pub preferences: Option<Preferences>,
}

pub(crate) fn err(field: impl Into<String>, reason: impl Into<String>) -> FieldError {
    FieldError::new(None, field, reason)
}

pub(crate) fn opt_id<T, E: std::fmt::Display>(
    o: &Map<String, Value>,
    f: &str,
    make: impl Fn(String) -> Result<T, E>,
) -> Result<Option<T>, FieldError> {
    match o.get(f) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => make(s.clone()).map(Some).map_err(|e| err(f, e.to_string())),
        Some(_) => Err(err(f, "must be a string")),
    }
}

pub(crate) fn count(
    v: Option<&Value>,
    path: &str,
    default: usize,
    max: usize,
) -> Result<usize, FieldError> {
    match v {
        None | Some(Value::Null) => Ok(default),
        Some(v) => match v.as_u64() {
            Some(n) if (1..=max as u64).contains(&n) => Ok(n as usize),
            _ => Err(err(path, format!("must be an integer from 1 to {max}"))),
        },
    }
}

fn product_list(v: Option<&Value>, path: &str, catalog: &Catalog) -> Result<Vec<Item>, FieldError> {
    let Some(v) = v else { return Ok(Vec::new()) };
    let list: Vec<&Value> = match v {
        Value::Array(a) => a.iter().collect(),
        Value::String(_) => vec![v],
        _ => return Err(err(path, "must be a product id or a list of them")),
    };
    list.iter()
        .enumerate()
        .map(|(i, v)| {
            let id = v
                .as_str()
                .ok_or_else(|| err(format!("{path}[{i}]"), "must be a string"))?;
            catalog
                .item(id)
                .filter(|&it| catalog.product(it).is_some())
                .ok_or_else(|| err(format!("{path}[{i}]"), format!("unknown product {id:?}")))
        })
        .collect()
}

fn parse_context(v: Option<&Value>, path: &str, catalog: &Catalog) -> Result<Context, FieldError> {
    let Some(v) = v else {
        return Ok(Context::default());
    };
    let Some(o) = v.as_object() else {
        return Err(err(path, "must be an object"));
    };
    let products = product_list(o.get("products"), &format!("{path}.products"), catalog)?;
    let cart = product_list(o.get("cart"), &format!("{path}.cart"), catalog)?;
    let mut values = o.clone();
    // Derive what the context products imply, unless the caller said otherwise.
    let ps: Vec<_> = products
        .iter()
        .filter_map(|&i| catalog.product(i))
        .collect();
    if !values.contains_key("category") && !ps.is_empty() {
        let cats: Vec<String> = ps
            .iter()
            .flat_map(|p| {
                p.categories
                    .iter()
                    .map(|c| c.join(crate::catalog::CATEGORY_SEPARATOR))
            })
            .collect();
        values.insert("category".into(), json!(cats));
    }
    if !values.contains_key("brand") {
        let brands: Vec<&String> = ps.iter().filter_map(|p| p.brand.as_ref()).collect();
        if !brands.is_empty() {
            values.insert("brand".into(), json!(brands));
        }
    }
    Ok(Context {
        products,
        cart,
        values,
    })
}

fn parse_sources(v: &Value, path: &str) -> Result<Vec<SourceSpec>, FieldError> {
    let Some(list) = v.as_array().filter(|a| !a.is_empty()) else {
        return Err(err(
            path,
            "must be a non-empty list of {\"source\", \"limit\", \"weight\"}",
        ));
    };
    list.iter()
        .enumerate()
        .map(|(i, s)| {
            let p = format!("{path}[{i}]");
            let (name, o) = match s {
                Value::String(n) => (n.as_str(), None),
                Value::Object(o) => (
                    o.get("source")
                        .and_then(Value::as_str)
                        .ok_or_else(|| err(format!("{p}.source"), "is required"))?,
                    Some(o),
                ),
                _ => return Err(err(&p, "must be a source name or an object")),
            };
            let kind = SourceKind::parse(name).ok_or_else(|| {
                let names: Vec<_> = SourceKind::ALL.iter().map(|k| k.name()).collect();
                err(
                    format!("{p}.source"),
                    format!("unknown source {name:?}; use one of {}", names.join(", ")),
                )
            })?;
            let limit = count(
                o.and_then(|o| o.get("limit")),
                &format!("{p}.limit"),
                DEFAULT_SOURCE_LIMIT,
                MAX_SOURCE_LIMIT,
            )?;
            let weight = match o.and_then(|o| o.get("weight")) {
                None | Some(Value::Null) => 1.0,
                Some(w) => w
                    .as_f64()
                    .filter(|w| w.is_finite() && *w >= 0.0)
                    .ok_or_else(|| err(format!("{p}.weight"), "must be a number >= 0"))?,
            };
            Ok(SourceSpec {
                kind,
                limit,
                weight,
            })
        })
        .collect()
}

impl RecRequest {
    /// Parses and checks a request body against the shop's catalog.
    pub fn parse(v: &Value, catalog: &Catalog) -> Result<Self, FieldError> {
        let o = v
            .as_object()
            .ok_or_else(|| err("body", "must be a JSON object"))?;
        let visitor = opt_id(o, "visitor_id", VisitorId::new)?;
        let session = opt_id(o, "session_id", SessionId::new)?;
        let customer = opt_id(o, "customer_id", CustomerId::new)?;
        let explain = match o.get("explain") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(err("explain", "must be true or false")),
        };
        let preferences = match o.get("preferences") {
            None | Some(Value::Null) => None,
            Some(p) => Some(
                Preferences::from_json(p, "preferences.", None)
                    .map_err(|mut e| e.swap_remove(0))?,
            ),
        };
        let boxes = o
            .get("boxes")
            .and_then(Value::as_array)
            .ok_or_else(|| err("boxes", "is required: a list of boxes"))?;
        if boxes.is_empty() || boxes.len() > MAX_BOXES {
            return Err(err("boxes", format!("must hold 1 to {MAX_BOXES} boxes")));
        }
        let mut names = std::collections::HashSet::new();
        let boxes = boxes
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let p = format!("boxes[{i}]");
                let b = b.as_object().ok_or_else(|| err(&p, "must be an object"))?;
                let name = match b.get("name") {
                    None => format!("box{i}"),
                    Some(Value::String(s))
                        if !s.is_empty() && s.len() <= 64 && !s.contains(':') =>
                    {
                        s.clone()
                    }
                    Some(_) => {
                        return Err(err(
                            format!("{p}.name"),
                            "must be 1 to 64 characters without ':'",
                        ));
                    }
                };
                if !names.insert(name.clone()) {
                    return Err(err(
                        format!("{p}.name"),
                        format!("{name:?} is used by another box"),
                    ));
                }
                let sources = match (b.get("preset"), b.get("sources")) {
                    (Some(_), Some(_)) => {
                        return Err(err(&p, "give either preset or sources, not both"));
                    }
                    (Some(Value::String(s)), None) => preset(s).ok_or_else(|| {
                        err(
                            format!("{p}.preset"),
                            format!("unknown preset {s:?}; use one of {PRESETS}"),
                        )
                    })?,
                    (Some(_), None) => return Err(err(format!("{p}.preset"), "must be a string")),
                    (None, Some(s)) => parse_sources(s, &format!("{p}.sources"))?,
                    (None, None) => {
                        return Err(err(
                            &p,
                            format!("needs a preset ({PRESETS}) or a list of sources"),
                        ));
                    }
                };
                let context = parse_context(b.get("context"), &format!("{p}.context"), catalog)?;
                let filter = match b.get("filter") {
                    None | Some(Value::Null) => Filter::default(),
                    Some(f) => Filter::parse(f, &context.values, &format!("{p}.filter"))?,
                };
                let one_per_group = match b.get("one_per_group") {
                    None | Some(Value::Null) => true,
                    Some(Value::Bool(x)) => *x,
                    Some(_) => {
                        return Err(err(format!("{p}.one_per_group"), "must be true or false"));
                    }
                };
                Ok(BoxRequest {
                    name,
                    sources,
                    count: count(
                        b.get("count"),
                        &format!("{p}.count"),
                        DEFAULT_COUNT,
                        MAX_COUNT,
                    )?,
                    context,
                    filter,
                    one_per_group,
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            visitor,
            session,
            customer,
            boxes,
            explain,
            preferences,
        })
    }
}
