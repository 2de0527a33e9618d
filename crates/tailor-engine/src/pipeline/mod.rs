//! The one pipeline every product list goes through: candidates, then filters, then ranking,
//! then merchandising rules (`crate::rules`), then response. Recommendations, and later search and emails, differ only in their sources,
//! so hard constraints hold everywhere by construction.

pub mod candidates;
pub mod rank;
pub mod request;
pub mod search;

pub use rank::{Explanation, Ranked};
pub use request::{BoxRequest, RecRequest, SourceKind, SourceSpec};

use crate::catalog::Item;
use crate::constraints::{Verdict, verdict};
use crate::shopper::ShopperState;
use crate::state::ShopState;
use std::borrow::Cow;
// Fx: these sets are probed for every candidate of every box; SipHash showed in the profile.
use rustc_hash::FxHashSet as HashSet;
use tailor_model::{Millis, Preferences};

/// One filled box.
#[derive(Debug, Clone)]
pub struct BoxResult {
    /// The box's name.
    pub name: String,
    /// Its items, best first.
    pub items: Vec<Ranked>,
    /// Merchandising rules that changed it.
    pub rules: Vec<crate::rules::Applied>,
}

/// Whether a product may be shown to this shopper at all: it exists, is sellable, breaks no
/// hard constraint in `prefs`, and was not hidden by the shopper ("not interested").
pub fn allowed(
    shop: &ShopState,
    shopper: Option<&ShopperState>,
    prefs: &Preferences,
    item: Item,
) -> bool {
    shop.catalog
        .product(item)
        .is_some_and(|p| p.is_sellable() && verdict(prefs, p).allows())
        && shopper.is_none_or(|s| !s.hidden.contains(&item))
}

/// The preferences that bind a request: the shopper's stated ones, plus any the request
/// carries (a gift recipient's, say). Both sets of hard constraints hold.
pub fn effective_preferences<'a>(
    shopper: Option<&'a ShopperState>,
    extra: Option<&Preferences>,
) -> Cow<'a, Preferences> {
    let stated = shopper.map(|s| &s.preferences);
    match (stated, extra) {
        (Some(s), None) => Cow::Borrowed(s),
        (None, None) => Cow::Owned(Preferences::default()),
        (s, Some(x)) => {
            let mut p = s.cloned().unwrap_or_default();
            p.merge(x, true);
            Cow::Owned(p)
        }
    }
}

/// Fills every box of `req`, in order, never repeating a product across boxes.
pub fn recommend(shop: &ShopState, req: &RecRequest, now: Millis) -> Vec<BoxResult> {
    recommend_with(shop, req, now, &shop.rules, true)
}

/// [`recommend`] under a given rule set (a preview of a draft rule, say). Without
/// `personalize` (an experiment's popularity arm), candidates come from the box's sources as
/// seen by a stranger and ranking ignores the shopper's behaviour and soft preferences; hard
/// constraints and the shopper's hidden products still hold.
pub fn recommend_with(
    shop: &ShopState,
    req: &RecRequest,
    now: Millis,
    rules: &crate::rules::RuleSet,
    personalize: bool,
) -> Vec<BoxResult> {
    let shopper = shop.shopper(req.visitor.as_ref(), req.customer.as_ref());
    let prefs = effective_preferences(shopper, req.preferences.as_ref());
    let person = if personalize { shopper } else { None };
    let no_soft = Preferences::default();
    let soft = if personalize {
        prefs.as_ref()
    } else {
        &no_soft
    };
    let mut used: HashSet<Item> = HashSet::default();
    let mut used_groups: HashSet<String> = HashSet::default();
    let mut out = Vec::with_capacity(req.boxes.len());
    for b in &req.boxes {
        let on_page: HashSet<Item> = b
            .context
            .products
            .iter()
            .chain(&b.context.cart)
            .copied()
            .collect();
        let exclude_own = |item: Item| on_page.contains(&item);
        let keep = |item: Item| {
            !used.contains(&item)
                && allowed(shop, shopper, &prefs, item)
                && shop
                    .catalog
                    .product(item)
                    .is_some_and(|p| b.filter.matches(p))
        };
        // A durable good the shopper already bought is not proposed again (except by the sources
        // that show the shopper's own items); consumables are.
        let owned = |item: Item| {
            shopper.is_some_and(|s| s.purchases.contains_key(&item))
                && !shop.models.is_consumable(item, &shop.catalog)
        };
        let cands = candidates::generate(shop, person, soft, b, now, &|item, kind: SourceKind| {
            keep(item) && (kind.shows_own_items() || !(exclude_own(item) || owned(item)))
        });
        let mut ranked = rank::score(shop, person, soft, cands, now);
        let ctx = crate::rules::RuleContext {
            surface: crate::rules::Surface::Recommendations,
            query: "",
            categories: match b.context.values.get("category") {
                Some(serde_json::Value::String(c)) => vec![c.clone()],
                Some(serde_json::Value::Array(l)) => l
                    .iter()
                    .filter_map(|c| c.as_str().map(str::to_string))
                    .collect(),
                _ => Vec::new(),
            },
            box_name: Some(&b.name),
            shopper,
            now,
        };
        // Without a rule for this box only the first `count` survivors are shown, so the
        // group check can stop there; rules may reorder the whole list.
        let shown = if rules.iter().any(|r| r.applies(&ctx)) {
            usize::MAX
        } else {
            b.count
        };
        // Sorted in full only for rules; otherwise a head of twice the count, which holds the
        // shown items unless many share a group, and the rest sorted only then.
        let mut rest = rank::sort_best(&mut ranked, shown.saturating_mul(2));
        if b.one_per_group {
            let mut groups: HashSet<&str> =
                HashSet::with_capacity_and_hasher(ranked.len().min(shown), Default::default());
            let mut first_of_group = |r: &Ranked| {
                if groups.len() >= shown {
                    return false;
                }
                let g = shop.catalog.product(r.item).map_or("", |p| p.group_key());
                !used_groups.contains(g) && groups.insert(g)
            };
            ranked.retain(&mut first_of_group);
            // Every kept item added its group, so a short list means the head ran out.
            if ranked.len() < shown && !rest.is_empty() {
                rank::sort(&mut rest);
                rest.retain(&mut first_of_group);
                ranked.append(&mut rest);
            }
        }
        let reorder = ranked.len();
        let applied = crate::rules::apply(rules, &ctx, shop, &mut ranked, reorder, &|item| {
            keep(item) && !(exclude_own(item) || owned(item))
        });
        ranked.truncate(b.count);
        for r in &mut ranked {
            if let Some(p) = shop.catalog.product(r.item)
                && let Verdict::Warn(w) = verdict(&prefs, p)
            {
                r.warning = Some(w);
            }
            used.insert(r.item);
            if let Some(p) = shop.catalog.product(r.item) {
                used_groups.insert(p.group_key().to_string());
            }
        }
        out.push(BoxResult {
            name: b.name.clone(),
            items: ranked,
            rules: applied,
        });
    }
    out
}
