//! Ranking: one score per candidate, the sum of parts that `explain` shows one by one — what the
//! sources said (weighted), the shopper's affinity to the product's categories and brand, and a
//! small popularity prior that breaks near-ties toward what sells.

use super::request::SourceKind;
use crate::catalog::Item;
use crate::shopper::ShopperState;
use crate::state::ShopState;
use std::collections::HashMap;
use tailor_model::Millis;
use tailor_reco::popularity::Scope;

/// Weight of the shopper's category and brand affinity (each normalised to sum to 1).
pub const AFFINITY_WEIGHT: f64 = 0.3;
/// Weight of the popularity prior (trending score relative to the top item).
pub const POPULARITY_WEIGHT: f64 = 0.05;

/// Why an item got its score. The parts add up to the score.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Explanation {
    /// Each proposing source's weighted, normalised score.
    pub sources: Vec<(SourceKind, f64)>,
    /// Affinity part.
    pub affinity: f64,
    /// Popularity part.
    pub popularity: f64,
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
}

/// Scores and sorts candidates (score desc, then item id for determinism).
pub fn rank(
    shop: &ShopState,
    shopper: Option<&ShopperState>,
    cands: HashMap<Item, Vec<(SourceKind, f64)>>,
    now: Millis,
) -> Vec<Ranked> {
    let cat_aff = shopper
        .map(|s| s.category_affinity(now))
        .unwrap_or_default();
    let brand_aff = shopper.map(|s| s.brand_affinity(now)).unwrap_or_default();
    let top_pop = shop.models.top_trending(now).max(f64::MIN_POSITIVE);
    let mut out: Vec<Ranked> = cands
        .into_iter()
        .map(|(item, sources)| {
            let mut affinity = 0.0;
            if let Some(p) = shop.catalog.product(item) {
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
            }
            let why = Explanation {
                affinity: AFFINITY_WEIGHT * affinity,
                popularity: POPULARITY_WEIGHT
                    * shop.models.trending.score(item, Scope::Global, now)
                    / top_pop,
                sources,
            };
            let score =
                why.sources.iter().map(|(_, s)| s).sum::<f64>() + why.affinity + why.popularity;
            Ranked { item, score, why }
        })
        .collect();
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.item.cmp(&b.item)));
    out
}
