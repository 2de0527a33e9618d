//! The simulation's view of a catalog: what each product means to a shopper (its traits), the listings
//! shoppers browse (leaf categories and variant groups), and a tiny AND-of-words search for the queries they
//! type. Built once per simulation from any `&[Product]`, demo-generated or not.

use crate::catalog::reference_price;
use crate::diet::{allergen_mask, diet_mask};
use crate::taxonomy::FOOD_ROOTS;
use std::collections::{BTreeMap, BTreeSet};
use tailor_model::{AttrValue, Millis, Product};

/// A product's hidden appeal (its "quality" everyone agrees on) lies in this range; the square in
/// [`appeal`] makes a few products much more appealing than most, as bestsellers are.
const APPEAL_MIN: f64 = 0.5;
const APPEAL_SPAN: f64 = 1.5;
/// Results a search shows on its first page.
pub(crate) const SEARCH_PAGE_SIZE: usize = 12;

/// The hidden appeal of a product group, fixed by its group key so that every variant of a model and every
/// seed agree on it. FNV-1a: tiny, and stable across Rust versions (unlike `DefaultHasher`).
pub(crate) fn appeal(group_key: &str) -> f64 {
    let hash = group_key.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let u = (hash >> 11) as f64 / (1u64 << 53) as f64;
    APPEAL_MIN + APPEAL_SPAN * u * u
}

/// Lowercase words of letters and digits: how both the index and the queries are cut up.
pub(crate) fn tokens(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
}

/// What a shopper can tell about one product, read once from its fields.
#[derive(Debug, Clone)]
pub(crate) struct Traits<'a> {
    /// The first category path.
    pub(crate) leaf: Option<&'a [String]>,
    pub(crate) brand: Option<&'a str>,
    /// Declared allergens as a set; `None` when unknown.
    pub(crate) allergens: Option<u16>,
    pub(crate) diets: u8,
    /// Eaten or drunk (its root category is a food one).
    pub(crate) food: bool,
    /// What it costs now, and what it costs when not on sale.
    pub(crate) price: Option<f64>,
    pub(crate) regular: Option<f64>,
    /// What a typical pack of it costs (demo catalog only).
    pub(crate) reference: Option<f64>,
    pub(crate) colour: Option<&'a str>,
    pub(crate) size: Option<&'a str>,
    /// Days one unit lasts a typical household, for consumables.
    pub(crate) usage_days: Option<f64>,
    pub(crate) appeal: f64,
}

impl<'a> Traits<'a> {
    pub(crate) fn of(p: &'a Product) -> Self {
        let text = |name: &str| match p.attributes.get(name) {
            Some(AttrValue::Text(s)) => Some(s.as_str()),
            _ => None,
        };
        let consumable = text("consumable") == Some("true");
        let usage_days = match p.attributes.get("usage_days") {
            Some(AttrValue::Number(d)) if consumable && *d > 0.0 => Some(*d),
            _ => None,
        };
        let leaf = p.categories.first().map(Vec::as_slice);
        Self {
            leaf,
            brand: p.brand.as_deref(),
            allergens: p.allergens.as_ref().map(allergen_mask),
            diets: diet_mask(&p.diets),
            food: leaf
                .and_then(|l| l.first())
                .is_some_and(|root| FOOD_ROOTS.contains(&root.as_str())),
            price: p.effective_price(),
            regular: p.price,
            reference: reference_price(p),
            colour: text("colour"),
            size: text("size"),
            usage_days,
            appeal: appeal(p.group_key()),
        }
    }
}

/// A catalog arranged the way shoppers meet it.
pub(crate) struct Shelf<'a> {
    pub(crate) products: &'a [Product],
    pub(crate) traits: Vec<Traits<'a>>,
    /// Distinct first category paths, in catalog order.
    pub(crate) leaves: Vec<&'a [String]>,
    /// Products that share a group key (variants), in catalog order; singles are groups of one.
    pub(crate) groups: Vec<Vec<usize>>,
    pub(crate) group_of: Vec<usize>,
    /// Groups listed under each leaf.
    pub(crate) leaf_groups: Vec<Vec<usize>>,
    /// Products under each leaf.
    pub(crate) leaf_products: Vec<Vec<usize>>,
    /// Brands sold under each leaf, sorted.
    pub(crate) leaf_brands: Vec<Vec<&'a str>>,
    /// Every colour any product comes in, sorted.
    pub(crate) colours: Vec<&'a str>,
    pub(crate) sellable: Vec<bool>,
    /// Word -> products whose text holds it, ascending.
    index: BTreeMap<String, Vec<usize>>,
}

impl<'a> Shelf<'a> {
    pub(crate) fn new(products: &'a [Product]) -> Self {
        let traits: Vec<Traits> = products.iter().map(Traits::of).collect();
        let mut leaf_ids: BTreeMap<&[String], usize> = BTreeMap::new();
        let mut leaves = Vec::new();
        let mut group_ids: BTreeMap<&str, usize> = BTreeMap::new();
        let mut groups: Vec<Vec<usize>> = Vec::new();
        let mut group_of = Vec::with_capacity(products.len());
        let mut leaf_groups: Vec<Vec<usize>> = Vec::new();
        let mut leaf_products: Vec<Vec<usize>> = Vec::new();
        let mut leaf_brands: Vec<BTreeSet<&str>> = Vec::new();
        let mut colours = BTreeSet::new();
        let mut index: BTreeMap<String, Vec<usize>> = BTreeMap::new();

        for (i, (p, t)) in products.iter().zip(&traits).enumerate() {
            let leaf = t.leaf.map(|path| {
                *leaf_ids.entry(path).or_insert_with(|| {
                    leaves.push(path);
                    leaf_groups.push(Vec::new());
                    leaf_products.push(Vec::new());
                    leaf_brands.push(BTreeSet::new());
                    leaves.len() - 1
                })
            });
            let g = *group_ids.entry(p.group_key()).or_insert_with(|| {
                groups.push(Vec::new());
                if let Some(l) = leaf {
                    leaf_groups[l].push(groups.len() - 1);
                }
                groups.len() - 1
            });
            groups[g].push(i);
            group_of.push(g);
            if let Some(l) = leaf {
                leaf_products[l].push(i);
                if let Some(b) = t.brand {
                    leaf_brands[l].insert(b);
                }
            }
            if let Some(c) = t.colour {
                colours.insert(c);
            }
            let words: BTreeSet<String> = tokens(&p.title)
                .chain(p.brand.iter().flat_map(|b| tokens(b)))
                .chain(p.categories.iter().flatten().flat_map(|c| tokens(c)))
                .chain(p.tags.iter().flat_map(|t| tokens(t)))
                .chain(p.diets.iter().flat_map(|d| tokens(d)))
                .collect();
            for w in words {
                index.entry(w).or_default().push(i);
            }
        }
        Self {
            sellable: products.iter().map(Product::is_sellable).collect(),
            products,
            traits,
            leaves,
            groups,
            group_of,
            leaf_groups,
            leaf_products,
            leaf_brands: leaf_brands
                .into_iter()
                .map(|b| b.into_iter().collect())
                .collect(),
            colours: colours.into_iter().collect(),
            index,
        }
    }

    /// Whether product `i` existed at time `t`.
    pub(crate) fn exists_at(&self, i: usize, t: Millis) -> bool {
        self.products[i].created_at.is_none_or(|c| c <= t)
    }

    /// The leaf index of a taste's category path, if the catalog has it.
    pub(crate) fn leaf_index(&self, path: &[String]) -> Option<usize> {
        self.leaves.iter().position(|l| *l == path)
    }

    /// What the shop's search shows for `query` at time `t`: products holding every word, bestsellers
    /// first, one per variant group, at most one page. Deliberately typo-intolerant, as a naive shop is.
    pub(crate) fn search(&self, query: &str, t: Millis) -> Vec<usize> {
        let words: Vec<String> = tokens(query).collect();
        let Some(mut lists) = words
            .iter()
            .map(|w| self.index.get(w))
            .collect::<Option<Vec<&Vec<usize>>>>()
        else {
            return Vec::new();
        };
        lists.sort_by_key(|l| l.len());
        let Some((first, rest)) = lists.split_first() else {
            return Vec::new();
        };
        let mut hits: Vec<usize> = first
            .iter()
            .copied()
            .filter(|i| rest.iter().all(|l| l.binary_search(i).is_ok()) && self.exists_at(*i, t))
            .collect();
        hits.sort_by(|a, b| {
            self.traits[*b]
                .appeal
                .total_cmp(&self.traits[*a].appeal)
                .then(a.cmp(b))
        });
        let mut seen_groups = BTreeSet::new();
        hits.retain(|i| seen_groups.insert(self.group_of[*i]));
        hits.truncate(SEARCH_PAGE_SIZE);
        hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::generate_catalog;

    #[test]
    fn shelf_groups_variants_and_finds_words() {
        let catalog = generate_catalog(5, 600);
        let shelf = Shelf::new(&catalog);
        assert!(
            shelf.groups.len() < catalog.len(),
            "some products are variants"
        );
        assert_eq!(
            shelf.groups.iter().map(Vec::len).sum::<usize>(),
            catalog.len()
        );
        let hits = shelf.search("Coffee", Millis::MAX);
        assert!(!hits.is_empty() && hits.len() <= SEARCH_PAGE_SIZE);
        assert!(hits.iter().all(|&i| catalog[i].title.contains("Coffee")
            || catalog[i].categories[0].join(" ").contains("Coffee")));
        assert!(shelf.search("cofee", Millis::MAX).is_empty());
        assert!(shelf.search("", Millis::MAX).is_empty());
        assert!(
            shelf.search("coffee", 0).is_empty(),
            "nothing existed at the epoch"
        );
    }

    #[test]
    fn appeal_is_stable_and_bounded() {
        assert_eq!(appeal("g00001"), appeal("g00001"));
        for key in ["a", "p00001", "g12345", ""] {
            assert!((APPEAL_MIN..=APPEAL_MIN + APPEAL_SPAN).contains(&appeal(key)));
        }
    }
}
