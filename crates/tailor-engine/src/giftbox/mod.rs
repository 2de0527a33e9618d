//! Gift boxes: a [`Template`] says what a box may hold; [`validate`] judges a given box and
//! names each broken rule and item, [`price`] totals it, and [`autofill`] packs one for a
//! recipient. Auto-fill takes its candidates and scores from the shared pipeline
//! ([`crate::recommend`]), so every hard constraint holds and the rank parts are the same as
//! everywhere; [`packing`] then chooses the items.

pub mod packing;
pub mod template;

pub use template::{Rule, RuleKind, Template};

use crate::constraints::{Verdict, verdict};
use crate::filter::{ContextMap, Filter};
use crate::pipeline::request::{BoxRequest, Context, SourceKind, SourceSpec};
use crate::pipeline::{Ranked, RecRequest, effective_preferences, recommend};
use crate::state::ShopState;
use packing::{Candidate, Limit, NONE, Problem, Step};
use serde_json::json;
use std::collections::HashMap;
use tailor_model::{CustomerId, Millis, Preferences, Product, VisitorId};

/// Candidates the pipeline ranks for one auto-fill (a 2,000-product catalog fits whole).
pub const CANDIDATE_POOL: usize = 2_000;
/// Best-ranked candidates the packer chooses among...
pub const PACK_POOL: usize = 200;
/// ...plus this many of the best matches of each must-include rule, wherever they rank.
pub const PER_RULE_POOL: usize = 20;

/// Who the box is for: a visitor's or customer's behaviour and stated preferences, plus any
/// preferences given with the request (all hard constraints of both hold).
#[derive(Debug, Clone, Default)]
pub struct Recipient {
    /// A visitor whose behaviour counts.
    pub visitor: Option<VisitorId>,
    /// A customer whose behaviour counts.
    pub customer: Option<CustomerId>,
    /// Preferences for this request.
    pub preferences: Option<Preferences>,
}

/// Most items a request may list.
pub const MAX_REQUEST_ITEMS: usize = 1000;

/// A validate, price or auto-fill request: `{items?, visitor_id?, customer_id?, preferences?,
/// explain?}`.
#[derive(Debug, Clone, Default)]
pub struct GiftRequest {
    /// The box's product ids, in order (validate and price).
    pub items: Vec<String>,
    /// Who it is for.
    pub recipient: Recipient,
    /// Whether to return each pick's score parts.
    pub explain: bool,
}

impl GiftRequest {
    /// Parses a request body; `items` is required when `need_items`. Errors name the field.
    pub fn parse(
        v: &serde_json::Value,
        need_items: bool,
    ) -> Result<Self, tailor_model::FieldError> {
        use crate::pipeline::request::{err, opt_id};
        use serde_json::Value;
        let o = v
            .as_object()
            .ok_or_else(|| err("body", "must be a JSON object"))?;
        if let Some(k) = o.keys().find(|k| {
            ![
                "items",
                "visitor_id",
                "customer_id",
                "preferences",
                "explain",
            ]
            .contains(&k.as_str())
        }) {
            return Err(err(
                k.as_str(),
                "unknown field; use items, visitor_id, customer_id, preferences, explain",
            ));
        }
        let items = match o.get("items") {
            None | Some(Value::Null) if need_items => {
                return Err(err("items", "is required: a list of product ids"));
            }
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(a)) if a.len() > MAX_REQUEST_ITEMS => {
                return Err(err(
                    "items",
                    format!("holds more than {MAX_REQUEST_ITEMS} entries"),
                ));
            }
            Some(Value::Array(a)) => a
                .iter()
                .enumerate()
                .map(|(i, x)| match x.as_str() {
                    Some(s) if !s.is_empty() && s.len() <= tailor_model::limits::MAX_ID_LEN => {
                        Ok(s.to_string())
                    }
                    Some(_) => Err(err(
                        format!("items[{i}]"),
                        "must be a product id of 1 to 256 bytes",
                    )),
                    None => Err(err(format!("items[{i}]"), "must be a string")),
                })
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(err("items", "must be a list of product ids")),
        };
        let preferences = match o.get("preferences") {
            None | Some(Value::Null) => None,
            Some(p) => Some(
                Preferences::from_json(p, "preferences.", None)
                    .map_err(|mut e| e.swap_remove(0))?,
            ),
        };
        let explain = match o.get("explain") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err(err("explain", "must be true or false")),
        };
        Ok(Self {
            items,
            recipient: Recipient {
                visitor: opt_id(o, "visitor_id", VisitorId::new)?,
                customer: opt_id(o, "customer_id", CustomerId::new)?,
                preferences,
            },
            explain,
        })
    }
}

/// One reason a box is not valid, naming the rule (and the item, where one is at fault).
#[derive(Debug, Clone, PartialEq)]
pub struct Reason {
    /// The rule's id, or a built-in: `budget`, `capacity`, `eligible`, `catalog`,
    /// `availability`, `hard_constraint`, `duplicate`, `price`.
    pub rule: String,
    /// The template field the rule lives in (`rules[1]`, `budget`, `capacity.measure`), or the
    /// request field (`items[2]`) for item problems that no template rule owns.
    pub field: String,
    /// The product at fault, if one is.
    pub product_id: Option<String>,
    /// Why, with the numbers.
    pub message: String,
}

fn limit_names(t: &Template, l: Limit) -> (String, String) {
    match l {
        Limit::Budget => ("budget".into(), "budget".into()),
        Limit::Items => ("capacity".into(), "capacity.items".into()),
        Limit::Measure => ("capacity".into(), "capacity.measure".into()),
        Limit::Rule(i) => (t.rules[i].id.clone(), format!("rules[{i}]")),
        Limit::Candidates => ("eligible".into(), "eligible".into()),
    }
}

/// The packer's view of the template: the budget for items is the box's less its packaging.
pub fn problem(t: &Template) -> Problem {
    Problem {
        min_items: t.capacity.min_items,
        max_items: t.capacity.max_items,
        max_size: t.capacity.measure.as_ref().map(|m| m.max),
        budget_min: (t.budget_min - t.packaging_price).max(0.0),
        budget_max: t.budget_max - t.packaging_price,
        caps: t
            .rules
            .iter()
            .enumerate()
            .filter_map(|(i, r)| match r.kind {
                RuleKind::MaxPerCategory { max, .. } => Some((i, max)),
                RuleKind::MustInclude(_) => None,
            })
            .collect(),
        musts: t
            .rules
            .iter()
            .enumerate()
            .filter(|(_, r)| matches!(r.kind, RuleKind::MustInclude(_)))
            .map(|(i, _)| i)
            .collect(),
    }
}

/// Small integer keys for strings, so the packer compares numbers.
#[derive(Default)]
struct Keys(HashMap<String, u32>);

impl Keys {
    fn of(&mut self, s: Option<String>) -> u32 {
        let Some(s) = s else { return NONE };
        let n = self.0.len() as u32;
        *self.0.entry(s).or_insert(n)
    }
}

/// Turns products into packer candidates.
struct Translate<'a> {
    t: &'a Template,
    p: Problem,
    leaf: Keys,
    brand: Keys,
    caps: Vec<Keys>,
}

impl<'a> Translate<'a> {
    fn new(t: &'a Template) -> Self {
        let p = problem(t);
        let caps = p.caps.iter().map(|_| Keys::default()).collect();
        Self {
            t,
            p,
            leaf: Keys::default(),
            brand: Keys::default(),
            caps,
        }
    }

    fn candidate(&mut self, p: &Product, score: f64) -> Candidate {
        let cap_keys = self
            .p
            .caps
            .iter()
            .zip(&mut self.caps)
            .map(|(&(rule, _), keys)| keys.of(self.t.rules[rule].category_key(p)))
            .collect();
        let covers = self
            .p
            .musts
            .iter()
            .enumerate()
            .filter(|(_, r)| matches!(&self.t.rules[**r].kind, RuleKind::MustInclude(s) if s.matches(p)))
            .fold(0u32, |acc, (m, _)| acc | (1 << m));
        Candidate {
            score,
            price: p.effective_price().unwrap_or(0.0),
            size: self
                .t
                .capacity
                .measure
                .as_ref()
                .and_then(|m| m.of(p))
                .unwrap_or(0.0),
            category: self.leaf.of(p
                .categories
                .first()
                .map(|c| c.join(crate::catalog::CATEGORY_SEPARATOR).to_lowercase())),
            brand: self
                .brand
                .of(p.brand.as_ref().map(|b| b.trim().to_lowercase())),
            cap_keys,
            covers,
        }
    }
}

/// One line of a priced box.
#[derive(Debug, Clone, PartialEq)]
pub struct PriceLine {
    /// The product.
    pub product_id: String,
    /// What the shopper pays (the sale price when there is one).
    pub price: f64,
    /// The regular price, when the product is on sale.
    pub regular_price: Option<f64>,
}

/// A priced box.
#[derive(Debug, Clone, PartialEq)]
pub struct Price {
    /// Each item.
    pub lines: Vec<PriceLine>,
    /// Sum of the lines.
    pub items_total: f64,
    /// The template's packaging price.
    pub packaging: f64,
    /// Items plus packaging.
    pub total: f64,
    /// What the sales save against regular prices.
    pub savings: f64,
    /// Whether the total lies in the template's budget range.
    pub within_budget: bool,
}

/// Why a box cannot be priced: an item (by position) is unknown or has no price.
#[derive(Debug, Clone, PartialEq)]
pub struct PriceError {
    /// Position in the request's `items`.
    pub index: usize,
    /// Why.
    pub message: String,
}

/// Totals `ids` under `t`.
pub fn price(shop: &ShopState, t: &Template, ids: &[String]) -> Result<Price, PriceError> {
    let mut lines = Vec::with_capacity(ids.len());
    for (index, id) in ids.iter().enumerate() {
        let p = shop
            .catalog
            .item(id)
            .and_then(|i| shop.catalog.product(i))
            .ok_or_else(|| PriceError {
                index,
                message: format!("unknown product {id:?}"),
            })?;
        let price = p.effective_price().ok_or_else(|| PriceError {
            index,
            message: format!("product {id:?} has no price"),
        })?;
        lines.push(PriceLine {
            product_id: id.clone(),
            price,
            regular_price: p.sale_price.and(p.price).filter(|r| *r > price),
        });
    }
    let items_total: f64 = lines.iter().map(|l| l.price).sum();
    let total = items_total + t.packaging_price;
    Ok(Price {
        savings: lines
            .iter()
            .filter_map(|l| l.regular_price.map(|r| r - l.price))
            .sum(),
        items_total,
        packaging: t.packaging_price,
        total,
        within_budget: total + 1e-9 >= t.budget_min && total <= t.budget_max + 1e-9,
        lines,
    })
}

/// Every reason the box `ids` breaks `t` for `recipient`: item problems first (unknown,
/// repeated, unavailable, not eligible, against a hard constraint, unpriced, unmeasured), then
/// the box's limits (capacity, category caps naming the first item over, must-includes,
/// budget). Empty means valid.
pub fn validate(
    shop: &ShopState,
    t: &Template,
    ids: &[String],
    recipient: &Recipient,
) -> Vec<Reason> {
    let shopper = shop.shopper(recipient.visitor.as_ref(), recipient.customer.as_ref());
    let prefs = effective_preferences(shopper, recipient.preferences.as_ref());
    let mut out = Vec::new();
    let mut reason = |rule: &str, field: String, id: &str, message: String| {
        out.push(Reason {
            rule: rule.into(),
            field,
            product_id: Some(id.to_string()),
            message,
        })
    };
    let mut tr = Translate::new(t);
    let mut cands = Vec::new();
    let mut positions = Vec::new();
    for (i, id) in ids.iter().enumerate() {
        let field = format!("items[{i}]");
        let Some(p) = shop.catalog.item(id).and_then(|x| shop.catalog.product(x)) else {
            reason("catalog", field, id, "unknown product".into());
            continue;
        };
        if ids[..i].contains(id) {
            reason(
                "duplicate",
                field.clone(),
                id,
                "already in the box once".into(),
            );
        }
        if !p.is_sellable() {
            reason(
                "availability",
                field.clone(),
                id,
                "hidden or out of stock".into(),
            );
        }
        if !t.eligible.admits(p) {
            reason(
                "eligible",
                "eligible".into(),
                id,
                "not in the template's eligible categories or tags".into(),
            );
        }
        if let Verdict::Denied(why) = verdict(&prefs, p) {
            reason(
                "hard_constraint",
                field.clone(),
                id,
                format!("the recipient's constraints forbid it: {why}"),
            );
        }
        if p.effective_price().is_none() {
            reason("price", field.clone(), id, "has no price".into());
        }
        if let Some(m) = &t.capacity.measure
            && m.of(p).is_none()
        {
            reason(
                "capacity",
                "capacity.measure".into(),
                id,
                format!(
                    "has no number in attribute {:?}, which the box's capacity counts",
                    m.attribute
                ),
            );
        }
        cands.push(tr.candidate(p, 0.0));
        positions.push(i);
    }
    let set: Vec<usize> = (0..cands.len()).collect();
    // Unknown products are reported above and not counted against the box's limits.
    let p = &tr.p;
    for v in packing::check(p, &cands, &set) {
        let (rule, field) = limit_names(t, v.limit);
        let mut message = v.message;
        if v.limit == Limit::Budget {
            message = format!(
                "{message} (the box costs {} to {} with {} packaging)",
                t.budget_min, t.budget_max, t.packaging_price
            );
        }
        out.push(Reason {
            rule,
            field,
            product_id: v
                .item
                .map(|k| ids[positions[k.min(positions.len() - 1)]].clone()),
            message,
        });
    }
    out
}

/// One item of an auto-filled box.
#[derive(Debug, Clone)]
pub struct Pick {
    /// The item, with the pipeline's score and its parts.
    pub ranked: Ranked,
    /// How it got into the box.
    pub step: Step,
    /// The diversity factor its score counts with.
    pub diversity: f64,
    /// Ids of the must-include rules it satisfies.
    pub covers: Vec<String>,
    /// A sentence on why it is there.
    pub reason: String,
}

/// An auto-filled box.
#[derive(Debug, Clone)]
pub struct Filled {
    /// The items, best value first.
    pub picks: Vec<Pick>,
    /// Sum of the item prices.
    pub items_total: f64,
    /// Items plus packaging.
    pub total: f64,
    /// Total of the capacity measure, when the template has one.
    pub size: Option<f64>,
    /// The packer's objective (diversified affinity).
    pub value: f64,
    /// Candidates that passed every filter.
    pub candidates: usize,
}

/// The pipeline sources that propose gift candidates: the recipient's session and taste first,
/// then what sells, with a catalog fill-in so an untouched shop still gets a box.
fn sources() -> Vec<SourceSpec> {
    [
        (SourceKind::SessionNext, 1.0, 200),
        (SourceKind::Alternatives, 0.6, 200),
        (SourceKind::Affinity, 0.8, CANDIDATE_POOL),
        (SourceKind::Trending, 0.2, CANDIDATE_POOL),
        (SourceKind::Bestsellers, 0.1, 200),
    ]
    .into_iter()
    .map(|(kind, weight, limit)| SourceSpec {
        kind,
        limit,
        weight,
    })
    .collect()
}

/// The business filter that keeps only products the box could hold at all.
fn eligibility_filter(t: &Template) -> Filter {
    let mut f = serde_json::Map::new();
    if !t.eligible.categories.is_empty() {
        f.insert("category".into(), json!({"$in": t.eligible.categories}));
    }
    if !t.eligible.tags.is_empty() {
        f.insert("tags".into(), json!({"$in": t.eligible.tags}));
    }
    f.insert(
        "price".into(),
        json!({"$range": [0, t.budget_max - t.packaging_price]}),
    );
    if let Some(m) = &t.capacity.measure {
        f.insert(
            format!("attributes.{}", m.attribute),
            json!({"$range": [0, m.max]}),
        );
    }
    Filter::parse(
        &serde_json::Value::Object(f),
        &ContextMap::new(),
        "template",
    )
    .expect("a filter built from a checked template parses")
}

/// Packs a box of `t` for `recipient`, or names the limit no box can meet.
pub fn autofill(
    shop: &ShopState,
    t: &Template,
    recipient: &Recipient,
    now: Millis,
) -> Result<Filled, Reason> {
    let req = RecRequest {
        visitor: recipient.visitor.clone(),
        session: None,
        customer: recipient.customer.clone(),
        boxes: vec![BoxRequest {
            name: "giftbox".into(),
            sources: sources(),
            count: CANDIDATE_POOL,
            context: Context::default(),
            filter: eligibility_filter(t),
            one_per_group: true,
        }],
        explain: true,
        preferences: recipient.preferences.clone(),
    };
    let ranked: Vec<Ranked> = recommend(shop, &req, now)
        .pop()
        .map(|b| b.items)
        .unwrap_or_default()
        .into_iter()
        .filter(|r| {
            shop.catalog
                .product(r.item)
                .is_some_and(|p| t.eligible.admits(p))
        })
        .collect();
    let mut tr = Translate::new(t);
    let all: Vec<Candidate> = ranked
        .iter()
        .map(|r| {
            let p = shop.catalog.product(r.item).expect("ranked items exist");
            tr.candidate(p, r.score)
        })
        .collect();
    // The packer sees the best PACK_POOL, plus the best matches of every must-include rule.
    let mut keep: Vec<usize> = (0..all.len().min(PACK_POOL)).collect();
    for m in 0..tr.p.musts.len() {
        keep.extend(
            (PACK_POOL..all.len())
                .filter(|&i| all[i].covers & (1 << m) != 0)
                .take(PER_RULE_POOL),
        );
    }
    keep.sort_unstable();
    keep.dedup();
    let cands: Vec<Candidate> = keep.iter().map(|&i| all[i].clone()).collect();
    let packed = packing::pack(&tr.p, &cands).map_err(|e| {
        let (rule, field) = limit_names(t, e.limit);
        Reason {
            rule,
            field,
            product_id: None,
            message: e.message,
        }
    })?;
    let picks = packed
        .picks
        .iter()
        .zip(&packed.factors)
        .map(|(&(c, step), &diversity)| {
            let r = ranked[keep[c]].clone();
            let covers: Vec<String> =
                tr.p.musts
                    .iter()
                    .enumerate()
                    .filter(|(m, _)| cands[c].covers & (1 << m) != 0)
                    .map(|(_, &rule)| t.rules[rule].id.clone())
                    .collect();
            let reason = explain(t, &r, step, diversity);
            Pick {
                ranked: r,
                step,
                diversity,
                covers,
                reason,
            }
        })
        .collect();
    Ok(Filled {
        picks,
        items_total: packed.total,
        total: packed.total + t.packaging_price,
        size: t.capacity.measure.as_ref().map(|_| packed.size),
        value: packed.value,
        candidates: ranked.len(),
    })
}

/// The wire name of a step.
pub fn step_name(s: Step) -> &'static str {
    match s {
        Step::MustInclude(_) => "must_include",
        Step::Fill => "best_gain",
        Step::BudgetRepair => "budget_repair",
        Step::Improve => "improve",
    }
}

fn explain(t: &Template, r: &Ranked, step: Step, diversity: f64) -> String {
    let why = match step {
        Step::MustInclude(i) => format!("chosen to satisfy rule {:?}", t.rules[i].id),
        Step::Fill => "the highest predicted affinity that still fitted".into(),
        Step::BudgetRepair => "swapped in to bring the box up to the budget's minimum".into(),
        Step::Improve => "swapped in because it raised the box's total affinity".into(),
    };
    let sources: f64 = r.why.sources.iter().map(|(_, s)| s).sum();
    // Filters the recipient keeps applying are behaviour of their own kind: named when present.
    let filters = if r.why.filters > 0.0 {
        format!(" + filters they keep applying {:.3}", r.why.filters)
    } else {
        String::new()
    };
    let mut s = format!(
        "{why}; score {:.3} = sources {:.3} + observed affinity {:.3}{filters} + stated preferences {:.3} + popularity {:.3}",
        r.score, sources, r.why.affinity, r.why.stated, r.why.popularity
    );
    if diversity < 1.0 {
        s.push_str(&format!(
            "; counted at {diversity:.2} of its score because its category or brand is already in the box"
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::DEFAULT_SESSION_GAP_MS;
    use tailor_model::ProductId;

    fn shop() -> ShopState {
        let mut s = ShopState::new(DEFAULT_SESSION_GAP_MS);
        let cats = [("Tea", "Wuyi"), ("Sweets", "Fudge"), ("Snacks", "Nuts")];
        for i in 0..30 {
            let (a, b) = cats[i % 3];
            let mut p = Product::new(
                ProductId::new(format!("p{i}")).unwrap(),
                format!("Item {i}"),
            );
            p.categories = vec![vec!["Food".into(), a.into(), b.into()]];
            p.brand = Some(format!("B{}", i % 5));
            p.price = Some(3.0 + (i % 7) as f64);
            p.allergens = Some(if a == "Snacks" {
                vec!["peanuts".into()]
            } else {
                vec![]
            });
            p.attributes.insert(
                "weight_g".into(),
                tailor_model::AttrValue::Number(100.0 + i as f64),
            );
            s.upsert_product(p);
        }
        s
    }

    fn template(v: serde_json::Value) -> Template {
        Template::parse(&v).unwrap()
    }

    #[test]
    fn autofill_obeys_every_rule_and_hard_constraint() {
        let s = shop();
        let t = template(json!({"capacity": {"min_items": 3, "max_items": 5,
                                "measure": {"attribute": "weight_g", "max": 600}},
                                "budget": {"min": 15, "max": 30}, "packaging_price": 2,
                                "rules": [{"id": "two-per", "max_per_category": 2, "depth": 2},
                                          {"id": "sweet", "must_include": {"categories": ["Food > Sweets"]}}]}));
        let r = Recipient {
            preferences: Some(
                Preferences::from_json(
                    &json!({"exclude_allergens": ["peanuts"],
                                               "liked_categories": ["Food > Tea"]}),
                    "",
                    None,
                )
                .unwrap(),
            ),
            ..Recipient::default()
        };
        let f = autofill(&s, &t, &r, 0).unwrap();
        let ids: Vec<String> = f
            .picks
            .iter()
            .map(|p| s.catalog.id(p.ranked.item).as_str().to_string())
            .collect();
        assert!(validate(&s, &t, &ids, &r).is_empty(), "{ids:?}");
        assert!(f.total >= 15.0 && f.total <= 30.0);
        assert!(f.picks.iter().any(|p| p.covers == ["sweet"]));
        assert!(f.picks.iter().all(|p| !p.reason.is_empty()));
        // The stated liking shows as the stated part of a tea's score.
        assert!(f.picks.iter().any(|p| p.ranked.why.stated > 0.0));
    }

    #[test]
    fn infeasible_boxes_name_the_rule() {
        let s = shop();
        let t = template(json!({"capacity": {"max_items": 4}, "budget": {"max": 30},
                                "rules": [{"id": "wine", "must_include": {"categories": ["Drinks > Wine"]}}]}));
        let e = autofill(&s, &t, &Recipient::default(), 0).unwrap_err();
        assert_eq!((e.rule.as_str(), e.field.as_str()), ("wine", "rules[0]"));
        let t = template(json!({"capacity": {"max_items": 4}, "budget": {"max": 30},
                                "eligible": {"categories": ["Drinks"]}}));
        assert_eq!(
            autofill(&s, &t, &Recipient::default(), 0).unwrap_err().rule,
            "eligible"
        );
    }

    #[test]
    fn validate_names_rule_and_item() {
        let s = shop();
        let t = template(
            json!({"capacity": {"max_items": 3}, "budget": {"min": 10, "max": 20},
                                "eligible": {"categories": ["Food > Tea", "Food > Sweets"]},
                                "rules": [{"id": "one-tea", "max_per_category": 1, "depth": 2}]}),
        );
        let ids: Vec<String> = ["p0", "p3", "p2", "zz", "p0"].map(String::from).to_vec();
        let r = validate(&s, &t, &ids, &Recipient::default());
        let got: Vec<(&str, Option<&str>)> = r
            .iter()
            .map(|x| (x.rule.as_str(), x.product_id.as_deref()))
            .collect();
        assert!(got.contains(&("eligible", Some("p2"))), "{got:?}");
        assert!(got.contains(&("catalog", Some("zz"))));
        assert!(got.contains(&("duplicate", Some("p0"))));
        assert!(
            got.contains(&("one-tea", Some("p3"))),
            "p3 is the second tea"
        );
        assert!(got.contains(&("capacity", Some("p0"))), "{got:?}");
        let price = price(&s, &t, &["p0".into(), "p1".into()]).unwrap();
        assert_eq!(price.items_total, 3.0 + 4.0);
        assert!(!price.within_budget);
        assert_eq!(
            super::price(&s, &t, &["p0".into(), "nope".into()])
                .unwrap_err()
                .index,
            1
        );
    }
}
