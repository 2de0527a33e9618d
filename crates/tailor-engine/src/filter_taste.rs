//! Filters as a taste: what a shopper filters searches and category pages by (brand, category,
//! colour, size, price), learned from `search` events and used by the ranker and the affinity
//! source. One use is weak; the same filter again and again, across searches and sessions,
//! lifts the products it would let through even when the shopper no longer applies it.
//!
//! Each filter value keeps a decayed count of uses (the half-life of every behaviour signal).
//! A product's uses in one dimension are the uses of the values it passes; its strength there is
//! `u² / (u² + FILTER_HALF_USES²)`: 0.2 after one use, 0.5 after two, 0.69 after three.

use crate::catalog::{Catalog, CategoryIdx, Item};
use crate::shopper::{Decayed, product_colors};
use std::collections::HashMap;
use tailor_model::{AppliedFilters, AttrValue, Millis, PriceFilter, Product};

/// Uses at which a filter counts half of its full strength.
pub const FILTER_HALF_USES: f64 = 2.0;
/// Weight of one dimension's full strength in the ranker (the `filters` part of `explain`).
pub const FILTER_WEIGHT: f64 = 0.4;
/// Most dimensions' strength the `filters` part adds up (so that filtering by everything does
/// not outweigh text relevance).
pub const FILTER_MAX_STRENGTH: f64 = 2.0;
/// Values kept per dimension; beyond it the weakest is forgotten (keeps state bounded whatever
/// a client sends).
pub const FILTER_VALUES_CAP: usize = 32;
/// Uses below which a value is left out of a request's matching (long decayed).
const MIN_USES: f64 = 0.05;

/// A price range as a key: its ends in cents.
type PriceKey = (Option<u64>, Option<u64>);

fn cents(x: Option<f64>) -> Option<u64> {
    x.map(|v| (v * 100.0).round() as u64)
}

/// Decayed uses per filter value (values lowercased; category paths as `a > b`).
#[derive(Debug, Clone, Default)]
pub struct FilterTaste {
    /// Brands.
    pub brands: HashMap<String, Decayed>,
    /// Category paths.
    pub categories: HashMap<String, Decayed>,
    /// Colours.
    pub colors: HashMap<String, Decayed>,
    /// Sizes.
    pub sizes: HashMap<String, Decayed>,
    /// Price ranges.
    pub prices: HashMap<PriceKey, Decayed>,
}

/// Adds `w` uses of `key`, forgetting the weakest value when the dimension is full.
fn add<K: std::hash::Hash + Eq + Clone>(m: &mut HashMap<K, Decayed>, key: K, w: f64, t: Millis) {
    if !m.contains_key(&key) && m.len() >= FILTER_VALUES_CAP {
        let weakest = m
            .iter()
            .min_by(|a, b| a.1.at(t).total_cmp(&b.1.at(t)))
            .map(|(k, _)| k.clone());
        if let Some(k) = weakest {
            m.remove(&k);
        }
    }
    m.entry(key).or_default().add(w, t);
}

/// Adds one use of a filter field spread over its values: a filter of five brands says less
/// about each than a filter of one.
fn learn(m: &mut HashMap<String, Decayed>, values: &[String], t: Millis) {
    let w = 1.0 / values.len().max(1) as f64;
    for v in values {
        add(m, v.trim().to_lowercase(), w, t);
    }
}

fn merge_into<K: std::hash::Hash + Eq + Clone>(
    mine: &mut HashMap<K, Decayed>,
    other: HashMap<K, Decayed>,
) {
    for (k, d) in other {
        match mine.get_mut(&k) {
            Some(m) => m.merge(&d),
            None => add(mine, k, d.value(), d.time()),
        }
    }
}

impl FilterTaste {
    /// Learns from the filters of one search at time `t`.
    pub fn apply(&mut self, f: &AppliedFilters, t: Millis) {
        learn(&mut self.brands, &f.brands, t);
        learn(&mut self.categories, &f.categories, t);
        learn(&mut self.colors, &f.colors, t);
        learn(&mut self.sizes, &f.sizes, t);
        if let Some(p) = f.price {
            add(&mut self.prices, (cents(p.min), cents(p.max)), 1.0, t);
        }
    }

    /// Folds another shopper's uses into these (a visitor logging in).
    pub fn merge(&mut self, other: FilterTaste) {
        merge_into(&mut self.brands, other.brands);
        merge_into(&mut self.categories, other.categories);
        merge_into(&mut self.colors, other.colors);
        merge_into(&mut self.sizes, other.sizes);
        merge_into(&mut self.prices, other.prices);
    }

    /// Whether nothing was ever filtered.
    pub fn is_empty(&self) -> bool {
        self.brands.is_empty()
            && self.categories.is_empty()
            && self.colors.is_empty()
            && self.sizes.is_empty()
            && self.prices.is_empty()
    }

    /// Uses per value as of `now`, strongest first, for the shopper profile.
    pub fn uses(&self, now: Millis) -> Vec<(&'static str, String, f64)> {
        let mut out: Vec<(&'static str, String, f64)> = Vec::new();
        let mut dim = |name: &'static str, m: &HashMap<String, Decayed>| {
            out.extend(m.iter().map(|(k, d)| (name, k.clone(), d.at(now))));
        };
        dim("brand", &self.brands);
        dim("category", &self.categories);
        dim("color", &self.colors);
        dim("size", &self.sizes);
        for (&(lo, hi), d) in &self.prices {
            let end =
                |c: Option<u64>| c.map_or(String::new(), |c| format!("{:.2}", c as f64 / 100.0));
            out.push(("price", format!("{}-{}", end(lo), end(hi)), d.at(now)));
        }
        out.sort_by(|a, b| {
            b.2.total_cmp(&a.2)
                .then_with(|| (a.0, &a.1).cmp(&(b.0, &b.1)))
        });
        out
    }
}

/// The strength of `uses` uses, 0 to 1.
pub fn strength(uses: f64) -> f64 {
    let u2 = uses * uses;
    u2 / (u2 + FILTER_HALF_USES * FILTER_HALF_USES)
}

fn current(m: &HashMap<String, Decayed>, now: Millis) -> HashMap<String, f64> {
    m.iter()
        .map(|(k, d)| (k.clone(), d.at(now)))
        .filter(|(_, u)| *u >= MIN_USES)
        .collect()
}

/// A shopper's filter uses resolved against the catalog once per request.
#[derive(Debug, Clone, Default)]
pub struct FilterMatch {
    brands: HashMap<String, f64>,
    categories: HashMap<CategoryIdx, f64>,
    colors: HashMap<String, f64>,
    sizes: HashMap<String, f64>,
    prices: Vec<(PriceFilter, f64)>,
}

impl FilterMatch {
    /// Resolves category paths (exactly, else ignoring case); unknown ones never match.
    pub fn new(taste: &FilterTaste, catalog: &Catalog, now: Millis) -> Self {
        let mut categories = HashMap::new();
        let wanted = current(&taste.categories, now);
        if !wanted.is_empty() {
            let mut by_lower: HashMap<String, CategoryIdx> = HashMap::new();
            for (path, uses) in wanted {
                let c = catalog.category(&path).or_else(|| {
                    if by_lower.is_empty() {
                        by_lower = catalog
                            .category_names()
                            .filter_map(|n| Some((n.to_lowercase(), catalog.category(n)?)))
                            .collect();
                    }
                    by_lower.get(&path).copied()
                });
                if let Some(c) = c {
                    *categories.entry(c).or_default() += uses;
                }
            }
        }
        Self {
            brands: current(&taste.brands, now),
            categories,
            colors: current(&taste.colors, now),
            sizes: current(&taste.sizes, now),
            prices: taste
                .prices
                .iter()
                .map(|(&(lo, hi), d)| {
                    let back = |c: Option<u64>| c.map(|c| c as f64 / 100.0);
                    (
                        PriceFilter {
                            min: back(lo),
                            max: back(hi),
                        },
                        d.at(now),
                    )
                })
                .filter(|(_, u)| *u >= MIN_USES)
                .collect(),
        }
    }

    /// Whether no filter use is left to match.
    pub fn is_empty(&self) -> bool {
        self.brands.is_empty()
            && self.categories.is_empty()
            && self.colors.is_empty()
            && self.sizes.is_empty()
            && self.prices.is_empty()
    }

    /// Filtered brands with their strength, strongest first (for the affinity source).
    pub fn brands(&self) -> Vec<(&str, f64)> {
        let mut b: Vec<(&str, f64)> = self
            .brands
            .iter()
            .map(|(k, &u)| (k.as_str(), strength(u)))
            .collect();
        b.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(y.0)));
        b
    }

    /// Filtered categories with their strength, strongest first (for the affinity source).
    pub fn categories(&self) -> Vec<(CategoryIdx, f64)> {
        let mut c: Vec<(CategoryIdx, f64)> = self
            .categories
            .iter()
            .map(|(&k, &u)| (k, strength(u)))
            .collect();
        c.sort_by(|x, y| y.1.total_cmp(&x.1).then(x.0.cmp(&y.0)));
        c
    }

    /// The summed strength, over dimensions, of the filters `p` would pass (at most
    /// [`FILTER_MAX_STRENGTH`]); multiply by [`FILTER_WEIGHT`] for the ranker's part.
    pub fn score(&self, catalog: &Catalog, item: Item, p: &Product) -> f64 {
        if self.is_empty() {
            return 0.0;
        }
        let lower = |s: &str| s.trim().to_lowercase();
        let mut total = 0.0;
        if let Some(b) = p.brand.as_deref().filter(|_| !self.brands.is_empty()) {
            total += strength(self.brands.get(&lower(b)).copied().unwrap_or(0.0));
        }
        if !self.categories.is_empty() {
            // Every prefix of the product's paths: a filter on "Food" lets "Food > Nuts" through.
            let uses = catalog
                .categories(item)
                .iter()
                .filter_map(|c| self.categories.get(c))
                .sum();
            total += strength(uses);
        }
        if !self.colors.is_empty() {
            let uses = product_colors(p)
                .filter_map(|c| self.colors.get(&lower(c)))
                .sum();
            total += strength(uses);
        }
        if !self.sizes.is_empty() {
            let uses = match p.attributes.get("size") {
                Some(AttrValue::Text(t)) => self.sizes.get(&lower(t)).copied().unwrap_or(0.0),
                Some(AttrValue::List(l)) => {
                    l.iter().filter_map(|t| self.sizes.get(&lower(t))).sum()
                }
                _ => 0.0,
            };
            total += strength(uses);
        }
        if let Some(x) = p.effective_price().filter(|_| !self.prices.is_empty()) {
            let uses = self
                .prices
                .iter()
                .filter(|(r, _)| r.contains(x))
                .map(|(_, u)| u)
                .sum();
            total += strength(uses);
        }
        total.min(FILTER_MAX_STRENGTH)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use tailor_model::ProductId;

    fn filters(v: serde_json::Value) -> AppliedFilters {
        AppliedFilters::from_json(&v, "filters").unwrap()
    }

    fn product(id: &str, brand: &str, cat: &[&str], price: f64) -> Product {
        let mut p = Product::new(ProductId::new(id).unwrap(), id);
        p.brand = Some(brand.into());
        p.categories = vec![cat.iter().map(|s| s.to_string()).collect()];
        p.price = Some(price);
        p
    }

    #[test]
    fn one_use_is_weak_and_repetition_is_clear() {
        assert!((strength(1.0) - 0.2).abs() < 1e-9);
        assert!((strength(2.0) - 0.5).abs() < 1e-9);
        assert!(strength(3.0) > 0.65);
        assert_eq!(strength(0.0), 0.0);
        let mut cat = Catalog::default();
        let acme = cat.upsert(product("a", "Acme", &["Food", "Nuts"], 5.0));
        let mut t = FilterTaste::default();
        let f = filters(json!({"brand":"ACME "}));
        let mut scores = Vec::new();
        for i in 0..3 {
            t.apply(&f, i);
            let m = FilterMatch::new(&t, &cat, 3);
            scores.push(m.score(&cat, acme, cat.product(acme).unwrap()));
        }
        assert!(scores[0] < 0.25 && scores[2] > 0.65, "{scores:?}");
        // The uses decay like every behaviour signal: a half-life later, one and a half uses.
        let half = (crate::shopper::AFFINITY_HALF_LIFE_DAYS * 86_400_000.0) as Millis;
        let later = FilterMatch::new(&t, &cat, 2 + half);
        let s = later.score(&cat, acme, cat.product(acme).unwrap());
        assert!((s - strength(1.5)).abs() < 1e-6, "{s}");
    }

    #[test]
    fn every_dimension_matches_what_the_filter_would_pass() {
        let mut cat = Catalog::default();
        let mut red = product("r", "Zoë", &["Home", "Décor"], 30.0);
        red.attributes
            .insert("colour".into(), AttrValue::Text("Rot".into()));
        red.attributes
            .insert("size".into(), AttrValue::List(vec!["S".into(), "m".into()]));
        let r = cat.upsert(red);
        let other = cat.upsert(product("o", "Other", &["Food"], 50.0));
        let mut t = FilterTaste::default();
        for i in 0..4 {
            t.apply(
                &filters(json!({"brand":"zoë","category":"home","color":"ROT","size":"M","price":{"max":40}})),
                i,
            );
        }
        let m = FilterMatch::new(&t, &cat, 4);
        // Five dimensions at strength 0.8 each, capped.
        assert_eq!(
            m.score(&cat, r, cat.product(r).unwrap()),
            FILTER_MAX_STRENGTH
        );
        assert_eq!(m.score(&cat, other, cat.product(other).unwrap()), 0.0);
        let (brands, cats) = (m.brands(), m.categories());
        assert_eq!(brands[0].0, "zoë");
        assert_eq!(cats.len(), 1);
        assert_eq!(cat.category_name(cats[0].0), "Home");
    }

    #[test]
    fn many_values_share_one_use_and_state_stays_bounded() {
        let mut t = FilterTaste::default();
        t.apply(&filters(json!({"brand":["a","b","c","d"]})), 0);
        assert!((t.brands["a"].at(0) - 0.25).abs() < 1e-9);
        for i in 0..(FILTER_VALUES_CAP as i64 * 3) {
            t.apply(&filters(json!({ "color": format!("c{i}") })), i);
        }
        assert_eq!(t.colors.len(), FILTER_VALUES_CAP);
        // The newest survive.
        assert!(
            t.colors
                .contains_key(&format!("c{}", FILTER_VALUES_CAP * 3 - 1))
        );
        // An empty filter teaches nothing.
        let mut e = FilterTaste::default();
        e.apply(&AppliedFilters::default(), 0);
        assert!(e.is_empty());
    }

    #[test]
    fn merge_adds_uses() {
        let mut a = FilterTaste::default();
        let mut b = FilterTaste::default();
        a.apply(&filters(json!({"brand":"x"})), 0);
        b.apply(&filters(json!({"brand":"X","price":{"min":1}})), 0);
        a.merge(b);
        assert!((a.brands["x"].at(0) - 2.0).abs() < 1e-9);
        assert_eq!(a.prices.len(), 1);
        let uses = a.uses(0);
        assert_eq!((uses[0].0, uses[0].1.as_str()), ("brand", "x"));
        assert_eq!(uses[1].1, "1.00-");
    }
}
