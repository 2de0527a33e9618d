//! Ranking: one score per candidate, the sum of parts that `explain` shows one by one — what the
//! sources said (weighted), the shopper's observed affinity to the product's categories,
//! brand and colour, the filters they keep applying that it passes, how well it matches what
//! the shopper stated (weighted more while there is little behaviour), and a small popularity
//! prior that breaks near-ties toward what sells.

use super::request::SourceKind;
use crate::catalog::{Catalog, CategoryIdx, Item};
use crate::constraints::Warning;
use crate::filter_taste::{FILTER_WEIGHT, FilterMatch};
use crate::shopper::ShopperState;
use crate::state::ShopState;
use std::collections::HashSet;
use tailor_model::{AttrValue, Millis, Preferences, Product};
use tailor_reco::popularity::Scope;

/// Weight of the shopper's category and brand affinity (each normalised to sum to 1).
pub const AFFINITY_WEIGHT: f64 = 0.3;
/// Weight of the popularity prior (trending score relative to the top item).
pub const POPULARITY_WEIGHT: f64 = 0.05;
/// Weight of a full match with the shopper's stated soft preferences, before trust.
pub const STATED_WEIGHT: f64 = 0.5;

/// What each proposing source said of a candidate: weighted and normalised. Inline for up to
/// two sources, since nearly every candidate has one or two and a heap allocation per candidate
/// was a measurable share of a request.
pub type Sources = smallvec::SmallVec<[(SourceKind, f64); 2]>;

/// Why an item got its score. The parts add up to the score.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Explanation {
    /// Each proposing source's weighted, normalised score.
    pub sources: Sources,
    /// Observed part: affinity learned from behaviour.
    pub affinity: f64,
    /// Observed part: the filters the shopper keeps applying that this product passes.
    pub filters: f64,
    /// Stated part: match with the shopper's soft preferences.
    pub stated: f64,
    /// Popularity part.
    pub popularity: f64,
    /// What merchandising rules did (boost and bury add their delta to the score).
    pub rules: Vec<crate::rules::RuleEffect>,
}

/// A ranked candidate.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    /// The item.
    pub item: Item,
    /// Its total score.
    pub score: f64,
    /// The parts of the score.
    pub why: Explanation,
    /// A flag to show with it (allowed under the shopper's `warn` policy).
    pub warning: Option<Warning>,
}

/// A shopper's soft preferences resolved against the catalog once per request.
pub struct Stated<'a> {
    prefs: &'a Preferences,
    categories: HashSet<CategoryIdx>,
    size_categories: Vec<(Option<CategoryIdx>, &'a std::collections::BTreeSet<String>)>,
    /// Whether anything at all is stated (most shoppers state nothing: then every score is 0).
    any: bool,
}

fn attr_matches(p: &Product, keys: &[&str], wanted: &std::collections::BTreeSet<String>) -> bool {
    let hit = |v: &str| wanted.iter().any(|w| w.eq_ignore_ascii_case(v.trim()));
    keys.iter().any(|k| match p.attributes.get(*k) {
        Some(AttrValue::Text(t)) => hit(t),
        Some(AttrValue::List(l)) => l.iter().any(|t| hit(t)),
        _ => false,
    })
}

impl<'a> Stated<'a> {
    /// Resolves category paths to indices; unknown paths simply never match.
    pub fn new(prefs: &'a Preferences, catalog: &Catalog) -> Self {
        let mut s = Self {
            any: false,
            prefs,
            categories: prefs
                .liked_categories
                .iter()
                .filter_map(|c| catalog.category(c))
                .collect(),
            size_categories: prefs
                .sizes
                .iter()
                .filter(|(c, _)| c.as_str() == "*" || catalog.category(c).is_some())
                .map(|(c, s)| (catalog.category(c), s))
                .collect(),
        };
        s.any = !prefs.favorite_brands.is_empty()
            || !s.categories.is_empty()
            || !prefs.colors.is_empty()
            || !s.size_categories.is_empty()
            || prefs.price_range.is_some();
        s
    }

    /// Share of the stated soft dimensions (brand, category, colour, size, price band) that
    /// the product matches: 0 to 1, 0 when nothing is stated.
    pub fn score(&self, catalog: &Catalog, item: Item, p: &Product) -> f64 {
        let prefs = self.prefs;
        if !self.any {
            return 0.0;
        }
        let (mut asked, mut met) = (0u32, 0u32);
        let mut dim = |stated: bool, hit: bool| {
            if stated {
                asked += 1;
                met += u32::from(hit);
            }
        };
        dim(
            !prefs.favorite_brands.is_empty(),
            p.brand.as_ref().is_some_and(|b| {
                prefs
                    .favorite_brands
                    .iter()
                    .any(|f| f.eq_ignore_ascii_case(b.trim()))
            }),
        );
        dim(
            !self.categories.is_empty(),
            catalog
                .categories(item)
                .iter()
                .any(|c| self.categories.contains(c)),
        );
        dim(
            !prefs.colors.is_empty(),
            attr_matches(p, &["color", "colour"], &prefs.colors),
        );
        if !self.size_categories.is_empty() && p.attributes.contains_key("size") {
            let cats = catalog.categories(item);
            let mut sizes = self
                .size_categories
                .iter()
                .filter(|(c, _)| c.is_none_or(|c| cats.contains(&c)))
                .peekable();
            if sizes.peek().is_some() {
                dim(true, sizes.any(|(_, s)| attr_matches(p, &["size"], s)));
            }
        }
        dim(
            prefs.price_range.is_some(),
            prefs
                .price_range
                .zip(p.effective_price())
                .is_some_and(|(r, x)| (r.min..=r.max).contains(&x)),
        );
        if asked == 0 {
            0.0
        } else {
            f64::from(met) / f64::from(asked)
        }
    }
}

/// Scores and sorts candidates (score desc, then item id for determinism).
pub fn rank(
    shop: &ShopState,
    shopper: Option<&ShopperState>,
    prefs: &Preferences,
    cands: impl IntoIterator<Item = (Item, Sources)>,
    now: Millis,
) -> Vec<Ranked> {
    let mut out = score(shop, shopper, prefs, cands, now);
    sort(&mut out);
    out
}

/// Sorts best first (score desc, then item id).
pub fn sort(ranked: &mut [Ranked]) {
    ranked.sort_unstable_by(best_first);
}

/// Higher score first, then the lower item id. Items are distinct, so the order is total and
/// unstable selection and sorting give the same list (without the stable sort's buffer).
fn best_first(a: &Ranked, b: &Ranked) -> std::cmp::Ordering {
    b.score.total_cmp(&a.score).then(a.item.cmp(&b.item))
}

/// Sorts the best `n` of `ranked` into place, best first, and returns the others unsorted (all
/// below them): a box shows a few of its candidates, and the rest need sorting only if the
/// head runs short.
pub fn sort_best(ranked: &mut Vec<Ranked>, n: usize) -> Vec<Ranked> {
    let rest = match n.checked_sub(1) {
        Some(last) if last < ranked.len() => {
            ranked.select_nth_unstable_by(last, best_first);
            ranked.split_off(n)
        }
        Some(_) => Vec::new(),
        None => std::mem::take(ranked),
    };
    sort(ranked);
    rest
}

/// Scores candidates, in no particular order.
pub fn score(
    shop: &ShopState,
    shopper: Option<&ShopperState>,
    prefs: &Preferences,
    cands: impl IntoIterator<Item = (Item, Sources)>,
    now: Millis,
) -> Vec<Ranked> {
    let stated = Stated::new(prefs, &shop.catalog);
    let stated_weight = STATED_WEIGHT * shopper.map_or(1.0, ShopperState::stated_trust);
    let cat_aff = shopper
        .map(|s| s.category_affinity(now))
        .unwrap_or_default();
    let brand_aff = shopper.map(|s| s.brand_affinity(now)).unwrap_or_default();
    let color_aff = shopper.map(|s| s.color_affinity(now)).unwrap_or_default();
    let filtered = shopper
        .filter(|s| !s.filters.is_empty())
        .map(|s| FilterMatch::new(&s.filters, &shop.catalog, now))
        .unwrap_or_default();
    let top_pop = shop.models.top_trending(now).max(f64::MIN_POSITIVE);
    cands
        .into_iter()
        .map(|(item, sources)| {
            let mut affinity = 0.0;
            let mut stated_part = 0.0;
            let mut filter_part = 0.0;
            if let Some(p) = shop.catalog.product(item) {
                filter_part = FILTER_WEIGHT * filtered.score(&shop.catalog, item, p);
                stated_part = stated_weight * stated.score(&shop.catalog, item, p);
                // The deepest matching category counts; a shopper who likes "Food > Nuts" likes
                // nuts more than food in general.
                affinity += shop
                    .catalog
                    .categories(item)
                    .iter()
                    .filter_map(|c| cat_aff.get(c))
                    .fold(0.0, |a: f64, &b| a.max(b));
                affinity += p
                    .brand
                    .as_ref()
                    .and_then(|b| brand_aff.get(b))
                    .copied()
                    .unwrap_or(0.0);
                if !color_aff.is_empty() {
                    affinity += crate::shopper::product_colors(p)
                        .filter_map(|c| color_aff.get(&c.trim().to_lowercase()))
                        .fold(0.0, |a: f64, &b| a.max(b));
                }
            }
            let why = Explanation {
                affinity: AFFINITY_WEIGHT * affinity,
                filters: filter_part,
                stated: stated_part,
                popularity: POPULARITY_WEIGHT
                    * shop.models.trending.score(item, Scope::Global, now)
                    / top_pop,
                sources,
                rules: Vec::new(),
            };
            let score = why.sources.iter().map(|(_, s)| s).sum::<f64>()
                + why.affinity
                + why.filters
                + why.stated
                + why.popularity;
            Ranked {
                item,
                score,
                why,
                warning: None,
            }
        })
        .collect()
}
