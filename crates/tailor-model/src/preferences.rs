//! What a shopper states about themself. Hard constraints (allergens, diets, a price ceiling,
//! excluded brands) are never broken by any endpoint; soft preferences (favourite brands,
//! colours, sizes, a price range, liked categories) only lift the ranking.

use crate::FieldError;
use crate::food::{Allergen, Diet};
use crate::limits::{MAX_ID_LEN, MAX_LIST_LEN};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// What to do with a product whose allergens are unknown when the shopper excludes some.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnknownPolicy {
    /// Never show it: the safe default.
    #[default]
    Exclude,
    /// Show it with a warning flag.
    Warn,
}

/// A shopper's budget band.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PriceRange {
    /// Lowest price the shopper looks for.
    pub min: f64,
    /// Highest price the shopper looks for.
    pub max: f64,
}

/// A shopper's stated preferences. Brands, colours, sizes and categories compare
/// case-insensitively; they are stored as given.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Preferences {
    /// Hard: allergens the shopper must never get.
    pub exclude_allergens: BTreeSet<Allergen>,
    /// Hard: diets every food product must meet.
    pub diets: BTreeSet<Diet>,
    /// Hard: highest price (sale price when there is one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_price: Option<f64>,
    /// Hard: brands never to show.
    pub exclude_brands: BTreeSet<String>,
    /// Soft: brands the shopper likes.
    pub favorite_brands: BTreeSet<String>,
    /// Soft: colours the shopper likes.
    pub colors: BTreeSet<String>,
    /// Soft: sizes per category path (`*` for every category).
    pub sizes: BTreeMap<String, BTreeSet<String>>,
    /// Soft: the price band the shopper shops in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price_range: Option<PriceRange>,
    /// Soft: category paths the shopper likes (`Food > Snacks`).
    pub liked_categories: BTreeSet<String>,
    /// Products of unknown allergens, when allergens are excluded.
    pub unknown_allergens: UnknownPolicy,
}

impl Preferences {
    /// Whether nothing is stated.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Whether any hard constraint is stated.
    pub fn has_constraints(&self) -> bool {
        !self.exclude_allergens.is_empty()
            || !self.diets.is_empty()
            || self.max_price.is_some()
            || !self.exclude_brands.is_empty()
    }

    /// Whether any soft preference is stated.
    pub fn has_soft(&self) -> bool {
        !self.favorite_brands.is_empty()
            || !self.colors.is_empty()
            || !self.sizes.is_empty()
            || self.price_range.is_some()
            || !self.liked_categories.is_empty()
    }

    /// Folds in another profile's preferences (a visitor logging in): every hard constraint of
    /// either holds afterwards, soft lists are united, and `newer`'s price band wins.
    pub fn merge(&mut self, other: &Preferences, other_is_newer: bool) {
        // A policy only matters beside food constraints; where both sides have some, the
        // stricter one wins.
        let food = |p: &Preferences| !p.exclude_allergens.is_empty() || !p.diets.is_empty();
        self.unknown_allergens = match (food(self), food(other)) {
            (false, _) => other.unknown_allergens,
            (true, false) => self.unknown_allergens,
            (true, true) if other.unknown_allergens == UnknownPolicy::Exclude => {
                UnknownPolicy::Exclude
            }
            (true, true) => self.unknown_allergens,
        };
        self.exclude_allergens
            .extend(other.exclude_allergens.iter().copied());
        self.diets.extend(other.diets.iter().copied());
        self.max_price = match (self.max_price, other.max_price) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.exclude_brands
            .extend(other.exclude_brands.iter().cloned());
        self.favorite_brands
            .extend(other.favorite_brands.iter().cloned());
        self.colors.extend(other.colors.iter().cloned());
        for (cat, sizes) in &other.sizes {
            self.sizes
                .entry(cat.clone())
                .or_default()
                .extend(sizes.iter().cloned());
        }
        if other.price_range.is_some() && (other_is_newer || self.price_range.is_none()) {
            self.price_range = other.price_range;
        }
        self.liked_categories
            .extend(other.liked_categories.iter().cloned());
    }

    /// Parses a shopper's input, naming every bad field (`exclude_allergens[2]`). `prefix` is
    /// prepended to field names and `index` is the position in a batch, if any.
    pub fn from_json(
        v: &Value,
        prefix: &str,
        index: Option<usize>,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errs = Vec::new();
        let mut err = |f: String, r: String| errs.push(FieldError::new(index, f, r));
        let Some(o) = v.as_object() else {
            err(
                prefix.trim_end_matches('.').into(),
                "must be a JSON object".into(),
            );
            return Err(errs);
        };
        let mut p = Preferences::default();
        for (k, val) in o {
            let f = format!("{prefix}{k}");
            match k.as_str() {
                "exclude_allergens" => {
                    for (i, s) in strings(val, &f, &mut err) {
                        match Allergen::parse(&s) {
                            Some(a) => {
                                p.exclude_allergens.insert(a);
                            }
                            None => err(
                                format!("{f}[{i}]"),
                                format!("unknown allergen {s:?}; use one of {}", Allergen::names()),
                            ),
                        }
                    }
                }
                "diets" => {
                    for (i, s) in strings(val, &f, &mut err) {
                        match Diet::parse(&s) {
                            Some(d) => {
                                p.diets.insert(d);
                            }
                            None => err(
                                format!("{f}[{i}]"),
                                format!("unknown diet {s:?}; use one of {}", Diet::names()),
                            ),
                        }
                    }
                }
                "max_price" => p.max_price = price(val, &f, &mut err),
                "exclude_brands" => p.exclude_brands = set(val, &f, &mut err),
                "favorite_brands" | "favourite_brands" => p.favorite_brands = set(val, &f, &mut err),
                "colors" | "colours" => p.colors = set(val, &f, &mut err),
                "liked_categories" => p.liked_categories = set(val, &f, &mut err),
                "sizes" => match val {
                    Value::Object(m) if m.len() <= MAX_LIST_LEN => {
                        for (cat, sizes) in m {
                            let s = set(sizes, &format!("{f}.{cat}"), &mut err);
                            if !s.is_empty() {
                                p.sizes.insert(cat.clone(), s);
                            }
                        }
                    }
                    Value::Null => {}
                    _ => err(
                        f,
                        "must be an object of category path (or \"*\") to a list of sizes".into(),
                    ),
                },
                "price_range" => match val {
                    Value::Null => {}
                    Value::Object(m) => {
                        let min = m.get("min").map_or(Some(0.0), |v| price(v, &format!("{f}.min"), &mut err));
                        let max = m.get("max").and_then(|v| price(v, &format!("{f}.max"), &mut err));
                        match (min, max) {
                            (Some(min), Some(max)) if min <= max => p.price_range = Some(PriceRange { min, max }),
                            (Some(_), Some(_)) => err(f, "min must not exceed max".into()),
                            (_, None) if !m.contains_key("max") => err(format!("{f}.max"), "is required".into()),
                            _ => {}
                        }
                    }
                    _ => err(f, "must be an object {\"min\", \"max\"}".into()),
                },
                "unknown_allergens" => match val.as_str() {
                    Some("exclude") => p.unknown_allergens = UnknownPolicy::Exclude,
                    Some("warn") => p.unknown_allergens = UnknownPolicy::Warn,
                    _ => err(f, "must be \"exclude\" or \"warn\"".into()),
                },
                _ => err(
                    f,
                    "unknown field; use exclude_allergens, diets, max_price, exclude_brands, \
                     favorite_brands, colors, sizes, price_range, liked_categories, unknown_allergens"
                        .into(),
                ),
            }
        }
        if errs.is_empty() { Ok(p) } else { Err(errs) }
    }
}

/// The strings of a list field, with their positions; reports non-strings and oversize lists.
fn strings(v: &Value, f: &str, err: &mut impl FnMut(String, String)) -> Vec<(usize, String)> {
    match v {
        Value::Null => Vec::new(),
        Value::Array(a) if a.len() > MAX_LIST_LEN => {
            err(f.into(), format!("holds more than {MAX_LIST_LEN} entries"));
            Vec::new()
        }
        Value::Array(a) => a
            .iter()
            .enumerate()
            .filter_map(|(i, x)| match x.as_str() {
                Some(s) if s.trim().is_empty() => {
                    err(format!("{f}[{i}]"), "must not be empty".into());
                    None
                }
                Some(s) if s.len() > MAX_ID_LEN => {
                    err(
                        format!("{f}[{i}]"),
                        format!("longer than {MAX_ID_LEN} bytes"),
                    );
                    None
                }
                Some(s) => Some((i, s.trim().to_string())),
                None => {
                    err(format!("{f}[{i}]"), "must be a string".into());
                    None
                }
            })
            .collect(),
        _ => {
            err(f.into(), "must be a list of strings".into());
            Vec::new()
        }
    }
}

fn set(v: &Value, f: &str, err: &mut impl FnMut(String, String)) -> BTreeSet<String> {
    strings(v, f, err).into_iter().map(|(_, s)| s).collect()
}

fn price(v: &Value, f: &str, err: &mut impl FnMut(String, String)) -> Option<f64> {
    match v.as_f64() {
        Some(x) if x.is_finite() && x >= 0.0 => Some(x),
        _ if v.is_null() => None,
        _ => {
            err(f.into(), "must be a number >= 0".into());
            None
        }
    }
}

/// The `preferences` field of a `preferences` event.
pub(crate) fn from_event_field(
    o: &Map<String, Value>,
    index: usize,
) -> Result<Preferences, Vec<FieldError>> {
    match o.get("preferences") {
        None | Some(Value::Null) => Err(vec![FieldError::new(
            Some(index),
            "preferences",
            "is required",
        )]),
        Some(v) => Preferences::from_json(v, "preferences.", Some(index)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_aliases_and_round_trips() {
        let p = Preferences::from_json(
            &json!({"exclude_allergens": ["Peanut", "arachis", "milk"], "diets": ["Gluten Free"],
                    "max_price": 20, "favourite_brands": ["Nutwood"], "sizes": {"*": ["M"]},
                    "price_range": {"min": 2, "max": 9.5}, "unknown_allergens": "warn"}),
            "",
            None,
        )
        .unwrap();
        assert_eq!(
            p.exclude_allergens.iter().copied().collect::<Vec<_>>(),
            [Allergen::Peanuts, Allergen::Milk]
        );
        assert!(p.diets.contains(&Diet::GlutenFree));
        assert_eq!(p.unknown_allergens, UnknownPolicy::Warn);
        let back: Preferences = serde_json::from_value(serde_json::to_value(&p).unwrap()).unwrap();
        assert_eq!(back, p);
        assert!(
            Preferences::from_json(&json!({}), "", None)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn every_bad_field_is_named() {
        let errs = Preferences::from_json(
            &json!({"exclude_allergens": ["peanuts", "kryptonite", 3], "max_price": -1,
                    "price_range": {"min": 9, "max": 2}, "colour": ["red"], "sizes": []}),
            "preferences.",
            Some(4),
        )
        .unwrap_err();
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        for f in [
            "preferences.exclude_allergens[1]",
            "preferences.exclude_allergens[2]",
            "preferences.max_price",
            "preferences.price_range",
            "preferences.colour",
            "preferences.sizes",
        ] {
            assert!(fields.contains(&f), "{f} missing from {fields:?}");
        }
        assert!(errs.iter().all(|e| e.index == Some(4)));
        assert!(Preferences::from_json(&json!([1]), "", None).is_err());
    }

    #[test]
    fn merge_keeps_every_hard_constraint() {
        let mut a = Preferences::from_json(
            &json!({"exclude_allergens": ["milk"], "max_price": 30, "unknown_allergens": "warn"}),
            "",
            None,
        )
        .unwrap();
        let b = Preferences::from_json(
            &json!({"exclude_allergens": ["peanuts"], "diets": ["vegan"], "max_price": 10,
                    "favorite_brands": ["X"]}),
            "",
            None,
        )
        .unwrap();
        a.merge(&b, false);
        assert_eq!(a.exclude_allergens.len(), 2);
        assert_eq!(a.max_price, Some(10.0));
        assert!(a.diets.contains(&Diet::Vegan));
        assert_eq!(a.unknown_allergens, UnknownPolicy::Exclude);
        assert!(a.favorite_brands.contains("X"));
        // Merging into an empty profile keeps the other's policy.
        let mut empty = Preferences::default();
        let warn = Preferences::from_json(
            &json!({"exclude_allergens": ["milk"], "unknown_allergens": "warn"}),
            "",
            None,
        )
        .unwrap();
        empty.merge(&warn, false);
        assert_eq!(empty, warn);
    }
}
