//! Candidate generation: each source of a box proposes scored items. Scores are normalised per
//! source (best = 1) and weighted, so sources with different scales can be added in ranking.
//! Every source receives the keep-predicate, so hard filters apply inside the source and a box
//! still fills up when many items are excluded.

use super::rank::Sources;
use super::request::{BoxRequest, SourceKind, SourceSpec};
use crate::catalog::Item;
use crate::filter_taste::FilterMatch;
use crate::models::session_key;
use crate::shopper::ShopperState;
use crate::state::ShopState;
use rustc_hash::FxHashMap;
use std::collections::HashMap;
use tailor_model::{Millis, Preferences};
use tailor_reco::popularity::Scope;
use tailor_reco::session::SessionRecommender;

/// Recent views used as anchors when a box has no context products.
pub const RECENT_ANCHORS: usize = 3;
/// Catalog fill-ins score below the weakest trending item by this factor.
pub const CATALOG_FALLBACK_SCALE: f32 = 0.01;
/// Favourite categories the affinity source draws from.
pub const AFFINITY_CATEGORIES: usize = 3;

/// All candidates of a box, with each source's weighted contribution.
pub fn generate(
    shop: &ShopState,
    shopper: Option<&ShopperState>,
    prefs: &Preferences,
    b: &BoxRequest,
    now: Millis,
    keep: &dyn Fn(Item, SourceKind) -> bool,
) -> FxHashMap<Item, Sources> {
    let room = b.sources.iter().map(|s| s.limit).sum::<usize>().min(4096);
    let mut out: FxHashMap<Item, Sources> =
        FxHashMap::with_capacity_and_hasher(room, Default::default());
    for spec in &b.sources {
        let scored = source(shop, shopper, prefs, b, spec, now, &|i| keep(i, spec.kind));
        let top = scored.iter().map(|(_, s)| *s as f64).fold(0.0, f64::max);
        if top <= 0.0 {
            continue;
        }
        for (item, s) in scored {
            out.entry(item)
                .or_default()
                .push((spec.kind, spec.weight * s as f64 / top));
        }
    }
    out
}

fn anchors(b: &BoxRequest, shopper: Option<&ShopperState>) -> Vec<Item> {
    if !b.context.products.is_empty() {
        return b.context.products.clone();
    }
    shopper.map_or_else(Vec::new, |s| {
        s.recent
            .iter()
            .rev()
            .take(RECENT_ANCHORS)
            .copied()
            .collect()
    })
}

fn source(
    shop: &ShopState,
    shopper: Option<&ShopperState>,
    prefs: &Preferences,
    b: &BoxRequest,
    spec: &SourceSpec,
    now: Millis,
    keep: &dyn Fn(Item) -> bool,
) -> Vec<(Item, f32)> {
    let m = &shop.models;
    let n = spec.limit;
    let exclude = |i: Item| !keep(i);
    match spec.kind {
        SourceKind::SessionNext => {
            // The live session (never its own neighbour); else the page's products as a session.
            match shopper
                .and_then(|s| s.session.as_ref())
                .filter(|_| shopper.is_some_and(|s| !s.session_items.is_empty()))
            {
                Some(sid) => m.sessions.recommend_for(session_key(sid), n, &exclude),
                None => m.sessions.recommend(&b.context.products, n, &exclude),
            }
        }
        SourceKind::Alternatives => m.coview.similar_to_all(&anchors(b, shopper), n, &exclude),
        SourceKind::BoughtTogether => {
            let mut a = b.context.products.clone();
            a.extend(&b.context.cart);
            if a.is_empty()
                && let Some(s) = shopper
            {
                a.extend(s.cart.keys());
            }
            m.cobuy.similar_to_all(&a, n, &exclude)
        }
        SourceKind::ContentSimilar => content_similar(shop, &anchors(b, shopper), n, keep),
        SourceKind::Trending => {
            // In the box's category when it names one, else shop-wide.
            let cat = b
                .context
                .values
                .get("category")
                .and_then(|v| {
                    v.as_str()
                        .map(str::to_string)
                        .or_else(|| v.as_array()?.first()?.as_str().map(str::to_string))
                })
                .and_then(|c| shop.catalog.category(&c));
            let mut v = match cat {
                Some(c) => m.trending.top(Scope::Category(c), n, now, &exclude),
                None => m.trending.top(Scope::Global, n, now, &exclude),
            };
            // A shop with no interactions yet still shows something: its catalog, newest first.
            if v.len() < n {
                let floor = v.last().map_or(1.0, |x| x.1) * CATALOG_FALLBACK_SCALE;
                let have: std::collections::HashSet<Item> = v.iter().map(|x| x.0).collect();
                let mut rest: Vec<(Item, i64)> = shop
                    .catalog
                    .items()
                    .filter(|(i, _)| !have.contains(i) && keep(*i))
                    .filter(|(i, _)| cat.is_none_or(|c| shop.catalog.categories(*i).contains(&c)))
                    .map(|(i, p)| (i, p.created_at.unwrap_or(0)))
                    .collect();
                rest.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                let k = n - v.len();
                v.extend(
                    rest.into_iter()
                        .take(k)
                        .enumerate()
                        .map(|(r, (i, _))| (i, floor / (r as f32 + 2.0))),
                );
            }
            v
        }
        SourceKind::Bestsellers => m.bestsellers.top(Scope::Global, n, now, &exclude),
        SourceKind::Affinity => {
            let mut out: HashMap<Item, f32> = HashMap::new();
            let mut add = |top: Vec<(Item, f32)>, w: f32| {
                let best = top.first().map_or(1.0, |x| x.1.max(f32::MIN_POSITIVE));
                for (i, sc) in top {
                    *out.entry(i).or_default() += w * sc / best;
                }
            };
            if let Some(s) = shopper {
                let mut cats: Vec<_> = s.category_affinity(now).into_iter().collect();
                // Prefer specific categories: a leaf the shopper likes beats its parent.
                cats.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                for (c, w) in cats.into_iter().take(AFFINITY_CATEGORIES) {
                    add(
                        m.trending.top(Scope::Category(c), n, now, &exclude),
                        w as f32,
                    );
                }
            }
            // Stated tastes: liked categories and favourite brands, counting most while there
            // is little behaviour. Items nobody touched yet still qualify, below those that sell.
            let trust = shopper.map_or(1.0, ShopperState::stated_trust) as f32;
            let stated = prefs.liked_categories.len() + prefs.favorite_brands.len();
            let cat = &shop.catalog;
            for path in &prefs.liked_categories {
                if let Some(c) = cat.category(path) {
                    add(
                        by_trend(shop, cat.members(c), n, now, keep),
                        trust / stated as f32,
                    );
                }
            }
            for brand in &prefs.favorite_brands {
                add(
                    by_trend(shop, cat.brand_members(brand), n, now, keep),
                    trust / stated as f32,
                );
            }
            // Brands and categories the shopper keeps filtering by, as strong as the habit.
            if let Some(s) = shopper.filter(|s| !s.filters.is_empty()) {
                let habit = FilterMatch::new(&s.filters, cat, now);
                let (brands, cats) = (habit.brands(), habit.categories());
                for (brand, w) in brands.into_iter().take(AFFINITY_CATEGORIES) {
                    add(
                        by_trend(shop, cat.brand_members(brand), n, now, keep),
                        w as f32,
                    );
                }
                for (c, w) in cats.into_iter().take(AFFINITY_CATEGORIES) {
                    add(by_trend(shop, cat.members(c), n, now, keep), w as f32);
                }
            }
            let mut v: Vec<_> = out.into_iter().collect();
            v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            v.truncate(n);
            v
        }
        SourceKind::RecentlyViewed => shopper.map_or_else(Vec::new, |s| {
            s.recent
                .iter()
                .rev()
                .filter(|&&i| keep(i))
                .take(n)
                .enumerate()
                .map(|(rank, &i)| (i, 1.0 / (rank as f32 + 1.0)))
                .collect()
        }),
        // The search pipeline scores these itself, over the text matches.
        SourceKind::TextMatch | SourceKind::QueryClicks => Vec::new(),
        SourceKind::BuyAgain => shopper
            .and_then(|s| s.buyer)
            .map_or_else(Vec::new, |b| m.replenish.buy_again(b, now, n, keep)),
        SourceKind::RecentlyBought => shopper.map_or_else(Vec::new, |s| {
            let mut v: Vec<(Item, f32)> = s
                .purchases
                .iter()
                .filter(|(i, _)| keep(**i))
                .map(|(&i, h)| (i, h.orders as f32))
                .collect();
            v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            v.truncate(n);
            v
        }),
    }
}

/// The best `n` of `items` by trending score; untouched items follow, scored just above zero.
fn by_trend(
    shop: &ShopState,
    items: impl Iterator<Item = Item>,
    n: usize,
    now: Millis,
    keep: &dyn Fn(Item) -> bool,
) -> Vec<(Item, f32)> {
    let mut v: Vec<(Item, f32)> = items
        .filter(|&i| keep(i))
        .map(|i| {
            let t = shop.models.trending.score(i, Scope::Global, now) as f32;
            (i, t + CATALOG_FALLBACK_SCALE)
        })
        .collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    v.truncate(n);
    v
}

/// Items sharing the anchors' categories (deeper = more similar) and brand: the fallback for
/// products that have no interactions yet.
fn content_similar(
    shop: &ShopState,
    anchors: &[Item],
    n: usize,
    keep: &dyn Fn(Item) -> bool,
) -> Vec<(Item, f32)> {
    let cat = &shop.catalog;
    let mut scores: HashMap<Item, f32> = HashMap::new();
    for &a in anchors {
        let Some(ap) = cat.product(a) else { continue };
        let cats = cat.categories(a);
        for (depth, &c) in cats.iter().enumerate() {
            for i in cat.members(c) {
                if i != a && keep(i) {
                    *scores.entry(i).or_default() += (depth + 1) as f32;
                }
            }
        }
        if let Some(brand) = &ap.brand {
            for (i, s) in scores.iter_mut() {
                if cat.product(*i).and_then(|p| p.brand.as_ref()) == Some(brand) {
                    *s += 1.0;
                }
            }
        }
    }
    let mut v: Vec<_> = scores.into_iter().collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    v.truncate(n);
    v
}
