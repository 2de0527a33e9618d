//! A gift-box template: what a box may hold (capacity, budget, eligible products) and the rules
//! its contents obey. Parsed from the admin's JSON with every mistake naming its field, and
//! written back in the same shape, so what is stored is what was checked.
//!
//! ```json
//! {"name": "Snack box",
//!  "capacity": {"min_items": 3, "max_items": 6, "measure": {"attribute": "weight_g", "max": 2000}},
//!  "budget": {"min": 20, "max": 40}, "packaging_price": 4.5,
//!  "eligible": {"categories": ["Food > Snacks"], "tags": ["giftable"]},
//!  "rules": [{"id": "variety", "max_per_category": 2, "depth": 2},
//!            {"id": "sweet", "must_include": {"categories": ["Food > Sweets"]}}]}
//! ```

use crate::catalog::CATEGORY_SEPARATOR;
use serde_json::{Map, Value, json};
use tailor_model::limits::{MAX_ID_LEN, MAX_TEXT_LEN};
use tailor_model::{FieldError, Product};

/// Most items a box may hold.
pub const MAX_ITEMS: usize = 100;
/// Most rules one template may have.
pub const MAX_RULES: usize = 20;
/// Most entries in one selector list (categories, tags, products).
pub const MAX_SELECTOR_LEN: usize = 100;

/// How much a box holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Capacity {
    /// Fewest items a valid box holds.
    pub min_items: usize,
    /// Most items; [`MAX_ITEMS`] when the template bounds the box by measure only.
    pub max_items: usize,
    /// A bound on the sum of a numeric product attribute (volume, weight).
    pub measure: Option<Measure>,
}

/// A bound on the total of one numeric attribute.
#[derive(Debug, Clone, PartialEq)]
pub struct Measure {
    /// The product attribute, e.g. `weight_g` or `volume_ml`.
    pub attribute: String,
    /// The most the box's items may add up to.
    pub max: f64,
}

impl Measure {
    /// The product's value of the attribute, when it has a finite number >= 0 there.
    pub fn of(&self, p: &Product) -> Option<f64> {
        match p.attributes.get(&self.attribute) {
            Some(tailor_model::AttrValue::Number(n)) if n.is_finite() && *n >= 0.0 => Some(*n),
            _ => None,
        }
    }
}

/// Which products a selector names: any listed category (path prefix), tag or product id.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Selector {
    /// Category paths (`Food > Sweets`); a product under any of them matches.
    pub categories: Vec<String>,
    /// Tags; a product with any of them matches (case-insensitive).
    pub tags: Vec<String>,
    /// Product ids.
    pub products: Vec<String>,
}

impl Selector {
    /// Whether nothing is listed.
    pub fn is_empty(&self) -> bool {
        self.categories.is_empty() && self.tags.is_empty() && self.products.is_empty()
    }

    /// Whether `p` is one of the selected products.
    pub fn matches(&self, p: &Product) -> bool {
        self.products.iter().any(|id| id == p.id.as_str())
            || self
                .tags
                .iter()
                .any(|t| p.tags.iter().any(|x| x.trim().eq_ignore_ascii_case(t)))
            || self.categories.iter().any(|c| in_category(p, c))
    }

    fn to_json(&self) -> Value {
        let mut m = Map::new();
        for (k, v) in [
            ("categories", &self.categories),
            ("tags", &self.tags),
            ("products", &self.products),
        ] {
            if !v.is_empty() {
                m.insert(k.into(), json!(v));
            }
        }
        Value::Object(m)
    }
}

/// Whether one of `p`'s category paths starts with `path` (`Food` covers `Food > Nuts`).
pub fn in_category(p: &Product, path: &str) -> bool {
    let want: Vec<&str> = path
        .split(CATEGORY_SEPARATOR.trim())
        .map(str::trim)
        .collect();
    p.categories.iter().any(|c| {
        c.len() >= want.len()
            && c.iter()
                .zip(&want)
                .all(|(a, b)| a.trim().eq_ignore_ascii_case(b))
    })
}

/// What products may go into a box at all: eligible when they match one of the categories
/// (if any are listed) and one of the tags (if any are listed).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Eligibility {
    /// Category paths; empty means every category.
    pub categories: Vec<String>,
    /// Tags; empty means no tag is needed.
    pub tags: Vec<String>,
}

impl Eligibility {
    /// Whether `p` may go into the box.
    pub fn admits(&self, p: &Product) -> bool {
        (self.categories.is_empty() || self.categories.iter().any(|c| in_category(p, c)))
            && (self.tags.is_empty()
                || self
                    .tags
                    .iter()
                    .any(|t| p.tags.iter().any(|x| x.trim().eq_ignore_ascii_case(t))))
    }
}

/// One rule the contents obey.
#[derive(Debug, Clone, PartialEq)]
pub enum RuleKind {
    /// At most `max` items of one category, where a category is the product's first path cut
    /// to `depth` levels (the whole path when `None`).
    MaxPerCategory {
        /// Most items per category.
        max: usize,
        /// Levels of the path that make a category.
        depth: Option<usize>,
    },
    /// At least one item matching the selector.
    MustInclude(Selector),
}

/// A rule with the id that reasons name.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Given by the admin, or `rules[i]`.
    pub id: String,
    /// What it demands.
    pub kind: RuleKind,
}

impl Rule {
    /// The category key this `max_per_category` rule counts `p` under (`None` for other rules
    /// and for products without a category).
    pub fn category_key(&self, p: &Product) -> Option<String> {
        let RuleKind::MaxPerCategory { depth, .. } = &self.kind else {
            return None;
        };
        let path = p.categories.first()?;
        let n = depth.unwrap_or(path.len()).min(path.len());
        (n > 0).then(|| path[..n].join(CATEGORY_SEPARATOR))
    }
}

/// A whole template.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    /// Display name.
    pub name: String,
    /// How much it holds.
    pub capacity: Capacity,
    /// Lowest total (items plus packaging) a valid box costs.
    pub budget_min: f64,
    /// Highest total.
    pub budget_max: f64,
    /// A fixed price for the box itself, added to every total.
    pub packaging_price: f64,
    /// ISO 4217 code the prices are in, when the shop says.
    pub currency: Option<String>,
    /// Which products may go in.
    pub eligible: Eligibility,
    /// The rules, in order.
    pub rules: Vec<Rule>,
}

fn err(field: impl Into<String>, reason: impl Into<String>) -> FieldError {
    FieldError::new(None, field, reason)
}

fn object<'a>(v: &'a Value, f: &str) -> Result<&'a Map<String, Value>, FieldError> {
    v.as_object().ok_or_else(|| err(f, "must be an object"))
}

fn only_keys(o: &Map<String, Value>, f: &str, allowed: &[&str]) -> Result<(), FieldError> {
    match o.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(err(
            if f.is_empty() {
                k.clone()
            } else {
                format!("{f}.{k}")
            },
            format!("unknown field; use {}", allowed.join(", ")),
        )),
        None => Ok(()),
    }
}

fn money(v: Option<&Value>, f: &str) -> Result<Option<f64>, FieldError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_f64()
            .filter(|x| x.is_finite() && *x >= 0.0)
            .map(Some)
            .ok_or_else(|| err(f, "must be a number >= 0")),
    }
}

fn whole(v: Option<&Value>, f: &str, lo: usize, hi: usize) -> Result<Option<usize>, FieldError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_u64()
            .filter(|n| (lo as u64..=hi as u64).contains(n))
            .map(|n| Some(n as usize))
            .ok_or_else(|| err(f, format!("must be an integer from {lo} to {hi}"))),
    }
}

fn text(v: &Value, f: &str, max: usize) -> Result<String, FieldError> {
    match v.as_str().map(str::trim) {
        Some("") => Err(err(f, "must not be empty")),
        Some(s) if s.len() > max => Err(err(f, format!("longer than {max} bytes"))),
        Some(s) => Ok(s.to_string()),
        None => Err(err(f, "must be a string")),
    }
}

fn texts(v: Option<&Value>, f: &str) -> Result<Vec<String>, FieldError> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) if a.len() > MAX_SELECTOR_LEN => Err(err(
            f,
            format!("holds more than {MAX_SELECTOR_LEN} entries"),
        )),
        Some(Value::Array(a)) => {
            let mut out: Vec<String> = Vec::with_capacity(a.len());
            for (i, x) in a.iter().enumerate() {
                let s = text(x, &format!("{f}[{i}]"), MAX_ID_LEN)?;
                if !out.iter().any(|o| o.eq_ignore_ascii_case(&s)) {
                    out.push(s);
                }
            }
            Ok(out)
        }
        Some(_) => Err(err(f, "must be a list of strings")),
    }
}

/// Category paths as the catalog joins them (`Food>Snacks` becomes `Food > Snacks`), so the
/// pipeline's category filter and [`in_category`] agree.
fn paths(v: Option<&Value>, f: &str) -> Result<Vec<String>, FieldError> {
    Ok(texts(v, f)?
        .into_iter()
        .map(|s| {
            s.split(CATEGORY_SEPARATOR.trim())
                .map(str::trim)
                .collect::<Vec<_>>()
                .join(CATEGORY_SEPARATOR)
        })
        .collect())
}

fn selector(v: &Value, f: &str) -> Result<Selector, FieldError> {
    let o = object(v, f)?;
    only_keys(o, f, &["categories", "tags", "products"])?;
    let s = Selector {
        categories: paths(o.get("categories"), &format!("{f}.categories"))?,
        tags: texts(o.get("tags"), &format!("{f}.tags"))?,
        products: texts(o.get("products"), &format!("{f}.products"))?,
    };
    if s.is_empty() {
        return Err(err(
            f,
            "must list at least one of categories, tags, products",
        ));
    }
    Ok(s)
}

fn rule(v: &Value, i: usize) -> Result<Rule, FieldError> {
    let f = format!("rules[{i}]");
    let o = object(v, &f)?;
    only_keys(o, &f, &["id", "max_per_category", "depth", "must_include"])?;
    let id = match o.get("id") {
        None | Some(Value::Null) => f.clone(),
        Some(v) => text(v, &format!("{f}.id"), MAX_ID_LEN)?,
    };
    let kind = match (o.get("max_per_category"), o.get("must_include")) {
        (Some(m), None) => RuleKind::MaxPerCategory {
            max: whole(Some(m), &format!("{f}.max_per_category"), 1, MAX_ITEMS)?.unwrap_or(1),
            depth: whole(o.get("depth"), &format!("{f}.depth"), 1, 32)?,
        },
        (None, Some(s)) => {
            if o.contains_key("depth") {
                return Err(err(
                    format!("{f}.depth"),
                    "only applies to max_per_category",
                ));
            }
            RuleKind::MustInclude(selector(s, &format!("{f}.must_include"))?)
        }
        _ => {
            return Err(err(
                &f,
                "must hold exactly one of max_per_category or must_include",
            ));
        }
    };
    Ok(Rule { id, kind })
}

impl Template {
    /// Parses an admin's template; the error names the field (`rules[1].must_include.tags[0]`).
    pub fn parse(v: &Value) -> Result<Self, FieldError> {
        let o = object(v, "body")?;
        only_keys(
            o,
            "",
            &[
                "name",
                "capacity",
                "budget",
                "packaging_price",
                "currency",
                "eligible",
                "rules",
            ],
        )?;
        let name = match o.get("name") {
            None | Some(Value::Null) => String::new(),
            Some(v) => text(v, "name", MAX_TEXT_LEN)?,
        };
        let c = object(
            o.get("capacity")
                .ok_or_else(|| err("capacity", "is required"))?,
            "capacity",
        )?;
        only_keys(c, "capacity", &["min_items", "max_items", "measure"])?;
        let max_items = whole(c.get("max_items"), "capacity.max_items", 1, MAX_ITEMS)?;
        let min_items = whole(c.get("min_items"), "capacity.min_items", 1, MAX_ITEMS)?.unwrap_or(1);
        let measure = match c.get("measure") {
            None | Some(Value::Null) => None,
            Some(m) => {
                let mo = object(m, "capacity.measure")?;
                only_keys(mo, "capacity.measure", &["attribute", "max"])?;
                let attribute = text(
                    mo.get("attribute")
                        .ok_or_else(|| err("capacity.measure.attribute", "is required"))?,
                    "capacity.measure.attribute",
                    MAX_ID_LEN,
                )?;
                let max = money(mo.get("max"), "capacity.measure.max")?
                    .filter(|x| *x > 0.0)
                    .ok_or_else(|| err("capacity.measure.max", "is required: a number > 0"))?;
                Some(Measure { attribute, max })
            }
        };
        if max_items.is_none() && measure.is_none() {
            return Err(err(
                "capacity",
                "needs max_items, a measure {attribute, max}, or both",
            ));
        }
        let max_items = max_items.unwrap_or(MAX_ITEMS);
        if min_items > max_items {
            return Err(err("capacity.min_items", "must not exceed max_items"));
        }
        let b = object(
            o.get("budget")
                .ok_or_else(|| err("budget", "is required"))?,
            "budget",
        )?;
        only_keys(b, "budget", &["min", "max"])?;
        let budget_min = money(b.get("min"), "budget.min")?.unwrap_or(0.0);
        let budget_max =
            money(b.get("max"), "budget.max")?.ok_or_else(|| err("budget.max", "is required"))?;
        if budget_min > budget_max {
            return Err(err("budget.min", "must not exceed budget.max"));
        }
        let packaging_price = money(o.get("packaging_price"), "packaging_price")?.unwrap_or(0.0);
        if packaging_price > budget_max {
            return Err(err(
                "packaging_price",
                "exceeds budget.max: no box could be valid",
            ));
        }
        let currency = match o.get("currency") {
            None | Some(Value::Null) => None,
            Some(v) => {
                let s = text(v, "currency", 3)?;
                if s.len() != 3 || !s.chars().all(|c| c.is_ascii_alphabetic()) {
                    return Err(err("currency", "must be a 3-letter ISO 4217 code"));
                }
                Some(s.to_ascii_uppercase())
            }
        };
        let eligible = match o.get("eligible") {
            None | Some(Value::Null) => Eligibility::default(),
            Some(e) => {
                let eo = object(e, "eligible")?;
                only_keys(eo, "eligible", &["categories", "tags"])?;
                Eligibility {
                    categories: paths(eo.get("categories"), "eligible.categories")?,
                    tags: texts(eo.get("tags"), "eligible.tags")?,
                }
            }
        };
        let rules = match o.get("rules") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(a)) if a.len() > MAX_RULES => {
                return Err(err("rules", format!("holds more than {MAX_RULES} rules")));
            }
            Some(Value::Array(a)) => a
                .iter()
                .enumerate()
                .map(|(i, r)| rule(r, i))
                .collect::<Result<Vec<_>, _>>()?,
            Some(_) => return Err(err("rules", "must be a list of rules")),
        };
        for (i, r) in rules.iter().enumerate() {
            if rules[..i].iter().any(|x| x.id == r.id) {
                return Err(err(
                    format!("rules[{i}].id"),
                    format!("{:?} is used by another rule", r.id),
                ));
            }
        }
        Ok(Self {
            name,
            capacity: Capacity {
                min_items,
                max_items,
                measure,
            },
            budget_min,
            budget_max,
            packaging_price,
            currency,
            eligible,
            rules,
        })
    }

    /// The template in the shape [`Template::parse`] reads (canonical: every default spelled out).
    pub fn to_json(&self) -> Value {
        let mut capacity = json!({"min_items": self.capacity.min_items,
                                  "max_items": self.capacity.max_items});
        if let Some(m) = &self.capacity.measure {
            capacity["measure"] = json!({"attribute": m.attribute, "max": m.max});
        }
        let rules: Vec<Value> = self
            .rules
            .iter()
            .map(|r| match &r.kind {
                RuleKind::MaxPerCategory { max, depth } => {
                    let mut v = json!({"id": r.id, "max_per_category": max});
                    if let Some(d) = depth {
                        v["depth"] = json!(d);
                    }
                    v
                }
                RuleKind::MustInclude(s) => json!({"id": r.id, "must_include": s.to_json()}),
            })
            .collect();
        let mut v = json!({
            "name": self.name,
            "capacity": capacity,
            "budget": {"min": self.budget_min, "max": self.budget_max},
            "packaging_price": self.packaging_price,
            "eligible": {"categories": self.eligible.categories, "tags": self.eligible.tags},
            "rules": rules,
        });
        if let Some(c) = &self.currency {
            v["currency"] = json!(c);
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tailor_model::ProductId;

    fn snack_box() -> Value {
        json!({"name": "Snack box",
               "capacity": {"min_items": 3, "max_items": 6, "measure": {"attribute": "weight_g", "max": 2000}},
               "budget": {"min": 20, "max": 40}, "packaging_price": 4.5, "currency": "eur",
               "eligible": {"categories": ["Food > Snacks"], "tags": ["giftable"]},
               "rules": [{"id": "variety", "max_per_category": 2, "depth": 2},
                         {"must_include": {"categories": ["Food > Sweets"]}}]})
    }

    #[test]
    fn parses_and_round_trips() {
        let t = Template::parse(&snack_box()).unwrap();
        assert_eq!(t.capacity.max_items, 6);
        assert_eq!(t.currency.as_deref(), Some("EUR"));
        assert_eq!(t.rules[1].id, "rules[1]");
        assert_eq!(Template::parse(&t.to_json()).unwrap(), t);
        // A measure alone bounds the box; max_items then defaults to the hard limit.
        let t = Template::parse(
            &json!({"capacity": {"measure": {"attribute": "volume_ml", "max": 1500}},
                                        "budget": {"max": 30}}),
        )
        .unwrap();
        assert_eq!(t.capacity.max_items, MAX_ITEMS);
        assert_eq!(t.budget_min, 0.0);
    }

    #[test]
    fn every_mistake_names_its_field() {
        let bad = |patch: Value| {
            let mut v = snack_box();
            for (k, x) in patch.as_object().unwrap() {
                v[k] = x.clone();
            }
            Template::parse(&v).unwrap_err().field
        };
        assert_eq!(bad(json!({"budget": {"min": 50, "max": 40}})), "budget.min");
        assert_eq!(bad(json!({"budget": {"min": 5}})), "budget.max");
        assert_eq!(
            bad(json!({"capacity": {"min_items": 7, "max_items": 6}})),
            "capacity.min_items"
        );
        assert_eq!(bad(json!({"capacity": {}})), "capacity");
        assert_eq!(
            bad(json!({"capacity": {"max_items": 0}})),
            "capacity.max_items"
        );
        assert_eq!(
            bad(json!({"rules": [{"max_per_category": 2, "must_include": {"tags": ["x"]}}]})),
            "rules[0]"
        );
        assert_eq!(
            bad(json!({"rules": [{"must_include": {"tags": [""]}}]})),
            "rules[0].must_include.tags[0]"
        );
        assert_eq!(
            bad(json!({"rules": [{"must_include": {}}]})),
            "rules[0].must_include"
        );
        assert_eq!(
            bad(
                json!({"rules": [{"id": "a", "max_per_category": 1}, {"id": "a", "max_per_category": 2}]})
            ),
            "rules[1].id"
        );
        assert_eq!(bad(json!({"colour": "red"})), "colour");
        assert_eq!(bad(json!({"packaging_price": 99})), "packaging_price");
        assert_eq!(bad(json!({"currency": "euro"})), "currency");
        assert_eq!(Template::parse(&json!([1])).unwrap_err().field, "body");
    }

    #[test]
    fn selectors_and_eligibility_match_prefixes_and_tags() {
        let mut p = Product::new(ProductId::new("p1").unwrap(), "Fudge");
        p.categories = vec![vec!["Food".into(), "Sweets".into(), "Fudge".into()]];
        p.tags = vec!["Giftable".into()];
        let t = Template::parse(&snack_box()).unwrap();
        assert!(!t.eligible.admits(&p), "not a snack");
        assert!(matches!(&t.rules[1].kind, RuleKind::MustInclude(s) if s.matches(&p)));
        assert_eq!(
            t.rules[0].category_key(&p).as_deref(),
            Some("Food > Sweets")
        );
        assert!(in_category(&p, "food > sweets"));
        let spaced = Template::parse(&json!({"capacity": {"max_items": 2}, "budget": {"max": 9},
                                             "eligible": {"categories": ["Food>Sweets "]}}))
        .unwrap();
        assert_eq!(spaced.eligible.categories, ["Food > Sweets"]);
        assert!(!in_category(&p, "Food > Sweets > Fudge > Extra"));
        p.categories.clear();
        assert_eq!(t.rules[0].category_key(&p), None);
    }
}
