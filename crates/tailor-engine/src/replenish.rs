//! Replenishment, live: every purchase feeds the purchase-cycle model and the shopper's basket
//! history, so the `buy_again` source and the reminders see it on the next request. The
//! algorithms are `tailor_reco::replenish`; this module keeps their inputs current.
//!
//! Buyers are dense indices handed out by [`crate::ShopState`] on a shopper's first purchase.
//! The shopper's own TIFU vector is computed from their baskets at request time (always fresh);
//! the neighbour index and the cycle model's population prior are refitted after a number of
//! purchases that grows with the shop, so their cost per event stays bounded.

use crate::catalog::Item;
use tailor_model::Millis;
use tailor_reco::replenish::cycles::{CycleModel, Due, Purchase};
use tailor_reco::replenish::next_basket::{
    BuyAgainConfig, BuyAgainQuery, SparseVec, TifuConfig, TifuIndex, buy_again, personal_vector,
};

/// Milliseconds per day: the cycle model's time axis is Unix days.
pub const DAY_MS: f64 = 86_400_000.0;
/// Baskets kept per buyer: TIFU's decay makes older ones weigh almost nothing.
pub const MAX_BASKETS: usize = 100;
/// Purchases between two refits, at least...
pub const REFRESH_MIN_PURCHASES: usize = 8;
/// ...and at least this share of the buyers, so refits cost O(1) per event on average.
pub const REFRESH_BUYER_SHARE: f64 = 0.25;
/// Days after the expected next visit that a buy-again basket looks ahead.
pub const BASKET_WINDOW_DAYS: f64 = 3.0;
/// Next visit assumed for a buyer with a single visit.
pub const DEFAULT_VISIT_GAP_DAYS: f64 = 7.0;

/// A time in the cycle model's days.
pub fn day_of(t: Millis) -> f64 {
    t as f64 / DAY_MS
}

/// One order of one buyer.
#[derive(Debug, Clone)]
struct Basket {
    day: f64,
    items: Vec<Item>,
}

/// An item a buyer is expected to need again.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DueItem {
    /// The item.
    pub item: Item,
    /// The cycle's prediction from the last purchase (not conditioned on today).
    pub due: Due,
}

/// The live replenishment models of one shop.
#[derive(Debug, Clone)]
pub struct Replenishment {
    /// Purchase cycles per (buyer, item) and per item.
    pub cycles: CycleModel,
    /// Weights of the buy-again ranker.
    pub config: BuyAgainConfig,
    baskets: Vec<Vec<Basket>>,
    index: TifuIndex,
    since_refresh: usize,
}

/// The live ranker's weights: `tailor eval replenishment` on instacart-sample chose k = 50 and
/// α = 0.7 on its validation split (Recall@10 0.386 at timing weight 0, 0.383 at 0.25). The
/// timing weight stays at 0.25 so that a product bought yesterday with a monthly cycle sinks.
pub const LIVE_CONFIG: BuyAgainConfig = BuyAgainConfig {
    tifu: TifuConfig {
        neighbours: 50,
        alpha: 0.7,
        ..TifuConfig::INSTACART
    },
    timing_weight: 0.25,
    timing_floor: 0.02,
    explore_chance: 0.02,
};

impl Default for Replenishment {
    fn default() -> Self {
        Self {
            cycles: CycleModel::new(),
            config: LIVE_CONFIG,
            baskets: Vec::new(),
            index: TifuIndex::default(),
            since_refresh: 0,
        }
    }
}

impl Replenishment {
    /// Records one order of `buyer`: (item, units) per line. Orders may arrive out of order.
    pub fn observe(&mut self, buyer: u32, time: Millis, lines: &[(Item, u32)]) {
        let day = day_of(time);
        let b = buyer as usize;
        if self.baskets.len() <= b {
            self.baskets.resize_with(b + 1, Vec::new);
        }
        let mut items: Vec<Item> = lines.iter().map(|l| l.0).collect();
        items.sort_unstable();
        items.dedup();
        let list = &mut self.baskets[b];
        let at = list.partition_point(|x| x.day <= day);
        list.insert(at, Basket { day, items });
        if list.len() > MAX_BASKETS {
            list.remove(0);
        }
        for &(item, units) in lines {
            self.cycles.observe(Purchase {
                customer: buyer,
                item,
                day,
                qty: f64::from(units),
                censored_since_previous: false,
            });
        }
        self.since_refresh += 1;
        let due = (self.baskets.len() as f64 * REFRESH_BUYER_SHARE) as usize;
        if self.since_refresh >= due.max(REFRESH_MIN_PURCHASES) {
            self.refresh();
        }
    }

    /// Refits the population prior and rebuilds the neighbour index (after replay, and now and
    /// then while events arrive).
    pub fn refresh(&mut self) {
        self.cycles.refit();
        let vectors = (0..self.baskets.len() as u32)
            .map(|b| self.own_vector(b))
            .collect();
        self.index = TifuIndex::build(vectors);
        self.since_refresh = 0;
    }

    /// Buyers seen.
    pub fn buyers(&self) -> usize {
        self.baskets.len()
    }

    /// The buyer's TIFU vector from their baskets, oldest first.
    pub fn own_vector(&self, buyer: u32) -> SparseVec {
        match self.baskets.get(buyer as usize) {
            Some(list) if !list.is_empty() => {
                let b: Vec<Vec<u32>> = list.iter().map(|x| x.items.clone()).collect();
                personal_vector(&b, &self.config.tifu)
            }
            _ => Vec::new(),
        }
    }

    /// Tailor's next-basket ranking for `buyer` as of `now`: the best `n` items `keep` allows.
    pub fn buy_again(
        &self,
        buyer: u32,
        now: Millis,
        n: usize,
        keep: &dyn Fn(Item) -> bool,
    ) -> Vec<(Item, f32)> {
        let own = self.own_vector(buyer);
        let Some(last) = self
            .baskets
            .get(buyer as usize)
            .and_then(|l| l.last())
            .map(|b| b.day)
        else {
            return Vec::new();
        };
        // Nothing is known after the later of now and the last order (clocks may disagree).
        let today = day_of(now).max(last);
        let next = self
            .cycles
            .next_visit(buyer, today)
            .unwrap_or(today + DEFAULT_VISIT_GAP_DAYS);
        let q = BuyAgainQuery {
            customer: buyer,
            own: &own,
            now: today,
            until: next.max(today + 1.0) + BASKET_WINDOW_DAYS,
        };
        buy_again(&q, &self.index, &self.cycles, &self.config, usize::MAX)
            .into_iter()
            .filter(|&(i, _)| keep(i))
            .take(n)
            .map(|(i, s)| (i, s as f32))
            .collect()
    }

    /// Whether a reminder for this item makes sense: the population rebuys it, or this buyer has.
    fn worth_reminding(&self, item: Item, due: &Due) -> bool {
        due.own_gaps > 0 || self.cycles.is_consumable(item)
    }

    /// Every item of `buyer` worth reminding of, with its cycle, soonest first.
    pub fn cycles_of(&self, buyer: u32) -> Vec<DueItem> {
        let Some(list) = self.baskets.get(buyer as usize) else {
            return Vec::new();
        };
        let mut items: Vec<Item> = list.iter().flat_map(|b| b.items.iter().copied()).collect();
        items.sort_unstable();
        items.dedup();
        let mut out: Vec<DueItem> = items
            .into_iter()
            .filter_map(|item| {
                // `f64::MIN` as "now": the unconditional cycle from the last purchase.
                let due = self.cycles.due(buyer, item, f64::MIN)?;
                self.worth_reminding(item, &due)
                    .then_some(DueItem { item, due })
            })
            .collect();
        out.sort_by(|a, b| a.due.day.total_cmp(&b.due.day).then(a.item.cmp(&b.item)));
        out
    }

    /// The buyer's items due by `until` (Unix days), soonest first.
    pub fn due_by(&self, buyer: u32, until: f64) -> Vec<DueItem> {
        let mut v = self.cycles_of(buyer);
        v.retain(|d| d.due.day < until);
        v
    }

    /// Every buyer's items whose due day falls in `[from, to)` (Unix days): the reminders of
    /// that day. Each cycle of each item is due on exactly one day.
    pub fn due_between(&self, from: f64, to: f64) -> Vec<(u32, Vec<DueItem>)> {
        (0..self.baskets.len() as u32)
            .filter_map(|b| {
                let mut v = self.cycles_of(b);
                v.retain(|d| d.due.day >= from && d.due.day < to);
                (!v.is_empty()).then_some((b, v))
            })
            .collect()
    }

    /// Time of the buyer's last order of `item` after `since`, if any (suppression).
    pub fn bought_since(&self, buyer: u32, item: Item, since: Millis) -> bool {
        let since = day_of(since);
        self.baskets.get(buyer as usize).is_some_and(|l| {
            l.iter()
                .rev()
                .take_while(|b| b.day >= since)
                .any(|b| b.items.binary_search(&item).is_ok())
        })
    }
}

/// The shopper's items due before `until` (Unix ms) that they may be shown: the hard
/// constraints, hidden and unsellable products filter them like every product list.
pub fn shopper_due(
    shop: &crate::ShopState,
    shopper: &crate::ShopperState,
    until: Millis,
) -> Vec<DueItem> {
    let Some(b) = shopper.buyer else {
        return Vec::new();
    };
    let prefs = &shopper.preferences;
    let mut v = shop.models.replenish.due_by(b, day_of(until));
    v.retain(|d| crate::pipeline::allowed(shop, Some(shopper), prefs, d.item));
    v
}

/// Every customer's reminders due in `[from, to)` (Unix ms), with the same filters as
/// [`shopper_due`]. Anonymous buyers cannot be written to and are left out.
pub fn reminders_between(
    shop: &crate::ShopState,
    from: Millis,
    to: Millis,
) -> Vec<(tailor_model::CustomerId, Vec<DueItem>)> {
    let r = &shop.models.replenish;
    let mut out = Vec::new();
    for (b, mut items) in r.due_between(day_of(from), day_of(to)) {
        let Some(crate::ShopperKey::Customer(c)) = shop.buyer_key(b) else {
            continue;
        };
        let Some(st) = shop.shopper(None, Some(c)) else {
            continue;
        };
        // A visitor's old buyer index may still point at a customer who has their own.
        if st.buyer != Some(b) {
            continue;
        }
        items.retain(|d| crate::pipeline::allowed(shop, Some(st), &st.preferences, d.item));
        if !items.is_empty() {
            out.push((c.clone(), items));
        }
    }
    out.sort_by(|a, b| a.0.as_str().cmp(b.0.as_str()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: Millis = 86_400_000;

    /// 20 buyers of item 1 every 7 days and of item 2 once.
    fn shop() -> Replenishment {
        let mut r = Replenishment::default();
        for b in 0..20 {
            for k in 0..5 {
                r.observe(b, k * 7 * DAY, &[(1, 1)]);
            }
            r.observe(b, DAY, &[(2, 1)]);
        }
        r.refresh();
        r
    }

    #[test]
    fn due_items_follow_the_cycle_and_skip_one_offs() {
        let r = shop();
        let c = r.cycles_of(3);
        assert_eq!(c.len(), 1, "item 2 was bought once by everyone: {c:?}");
        assert_eq!(c[0].item, 1);
        assert!((c[0].due.day - 35.0).abs() < 1.0, "{c:?}");
        assert!(r.due_by(3, 30.0).is_empty());
        assert_eq!(r.due_by(3, 40.0).len(), 1);
        let day = c[0].due.day.floor();
        let all = r.due_between(day, day + 1.0);
        assert_eq!(all.len(), 20);
        assert!(r.due_between(day + 1.0, day + 2.0).is_empty());
        assert!(r.cycles_of(99).is_empty());
    }

    #[test]
    fn a_purchase_moves_the_due_date_and_counts_as_bought_since() {
        let mut r = shop();
        let before = r.cycles_of(0)[0].due.day;
        r.observe(0, 36 * DAY, &[(1, 1)]);
        assert!(r.cycles_of(0)[0].due.day > before + 5.0);
        assert!(r.bought_since(0, 1, 35 * DAY));
        assert!(!r.bought_since(0, 1, 37 * DAY));
        assert!(!r.bought_since(0, 2, 30 * DAY));
        assert!(!r.bought_since(42, 1, 0));
    }

    #[test]
    fn buy_again_ranks_own_items_and_respects_keep() {
        let r = shop();
        let all = r.buy_again(0, 35 * DAY, 10, &|_| true);
        assert_eq!(all.first().map(|x| x.0), Some(1));
        let kept = r.buy_again(0, 35 * DAY, 10, &|i| i != 1);
        assert!(kept.iter().all(|x| x.0 != 1));
        assert!(r.buy_again(77, 0, 10, &|_| true).is_empty());
    }
}
