//! The shop's learned models, updated per event: session kNN (next item), co-view and co-buy
//! (alternatives, bought together), and decayed popularity (trending, best sellers). Each is a
//! `tailor-reco` algorithm; this module only decides which events feed which model. Purchases
//! also feed replenishment (purchase cycles and next basket, [`crate::replenish`]).

use crate::catalog::{Catalog, Item};
use crate::replenish::Replenishment;
use std::hash::{Hash, Hasher};
use std::time::Duration;
use tailor_model::{EventKind, Millis, SessionId};
use tailor_reco::cooccur::{CoOccurConfig, CoOccurrence};
use tailor_reco::popularity::{Popularity, PopularityConfig, Scope};
use tailor_reco::session::{SessionKnn, SessionKnnParams};

/// Trending halves its memory of an interaction after this long.
pub const TRENDING_HALF_LIFE_DAYS: f64 = 7.0;
/// Best sellers halve their memory of a sale after this long.
pub const BESTSELLER_HALF_LIFE_DAYS: f64 = 30.0;

/// How much a purchase says about an item's popularity.
const PURCHASE_TREND_WEIGHT: f64 = 5.0;

/// How much one event of a kind says about an item's popularity.
fn trend_weight(kind: &EventKind) -> f64 {
    match kind {
        EventKind::View { .. } | EventKind::Click { .. } => 1.0,
        EventKind::WishlistAdd { .. } => 2.0,
        EventKind::CartAdd { .. } => 3.0,
        EventKind::Purchase { .. } => PURCHASE_TREND_WEIGHT,
        _ => 0.0,
    }
}

/// Every model of one shop.
pub struct Models {
    /// Next item from similar sessions.
    pub sessions: SessionKnn,
    /// Items viewed in the same sessions.
    pub coview: CoOccurrence,
    /// Items bought in the same orders.
    pub cobuy: CoOccurrence,
    /// Decayed interest (views, carts, purchases), globally and per category.
    pub trending: Popularity,
    /// Decayed units sold.
    pub bestsellers: Popularity,
    /// Purchase cycles and next-basket history.
    pub replenish: Replenishment,
}

impl Default for Models {
    fn default() -> Self {
        let days = |d: f64| PopularityConfig::with_half_life(Duration::from_secs_f64(d * 86_400.0));
        Self {
            sessions: SessionKnn::build(SessionKnnParams::default(), &[])
                .expect("default session parameters are valid"),
            coview: CoOccurrence::new(CoOccurConfig::default()).expect("default config is valid"),
            cobuy: CoOccurrence::new(CoOccurConfig::default()).expect("default config is valid"),
            trending: Popularity::new(days(TRENDING_HALF_LIFE_DAYS)).expect("valid half-life"),
            bestsellers: Popularity::new(days(BESTSELLER_HALF_LIFE_DAYS)).expect("valid half-life"),
            replenish: Replenishment::default(),
        }
    }
}

/// A session id as the `u64` key the session index uses.
pub fn session_key(s: &SessionId) -> u64 {
    let mut h = rustc_hash::FxHasher::default();
    s.hash(&mut h);
    h.finish()
}

/// What the models learn from one event, already resolved to items: computed by the shopper
/// half of [`crate::ShopState::apply`], so the models can be fed on another thread during replay.
#[derive(Debug, Clone, PartialEq)]
pub enum ModelEvent {
    /// Interest in one item (view, click, cart add, wishlist add).
    Interest {
        /// The item.
        item: Item,
        /// Its popularity weight.
        weight: f64,
        /// The session key, when the event extends the session (views, clicks, cart adds).
        session: Option<u64>,
    },
    /// An order of one buyer (a dense index, see [`crate::ShopState::buyer_key`]): (item, units)
    /// per line.
    Purchase {
        /// Who bought.
        buyer: u32,
        /// (item, units) per line.
        lines: Vec<(Item, u32)>,
    },
    /// Nothing the models use.
    None,
}

impl ModelEvent {
    /// The model input of an event whose items are resolved; `buyer` is asked only for a
    /// purchase.
    pub fn of(
        kind: &EventKind,
        items: &[Item],
        session: &SessionId,
        buyer: impl FnOnce() -> u32,
    ) -> Self {
        match (kind, items.first()) {
            (EventKind::Purchase { lines, .. }, _) => Self::Purchase {
                buyer: buyer(),
                lines: lines
                    .iter()
                    .zip(items)
                    .map(|(l, &i)| (i, l.quantity))
                    .collect(),
            },
            (
                EventKind::View { .. } | EventKind::Click { .. } | EventKind::CartAdd { .. },
                Some(&item),
            ) => Self::Interest {
                item,
                weight: trend_weight(kind),
                session: Some(session_key(session)),
            },
            (EventKind::WishlistAdd { .. }, Some(&item)) => Self::Interest {
                item,
                weight: trend_weight(kind),
                session: None,
            },
            _ => Self::None,
        }
    }
}

impl Models {
    /// Feeds one event. `categories` gives an item's category indices.
    pub fn apply<'c>(
        &mut self,
        ev: &ModelEvent,
        time: Millis,
        categories: &dyn Fn(Item) -> &'c [u32],
    ) {
        match ev {
            ModelEvent::Interest {
                item,
                weight,
                session,
            } => {
                let item = *item;
                self.trending.record(item, categories(item), time, *weight);
                if let Some(key) = *session {
                    // The session index holds the session so far: co-view pairs the new item
                    // with what came before it.
                    let before = self.sessions.session_items(key).unwrap_or(&[]);
                    if !before.contains(&item) {
                        self.coview.extend_group(before, item);
                    }
                    self.sessions.add_click(key, item, time.div_euclid(1000));
                }
            }
            ModelEvent::Purchase { buyer, lines } => {
                let items: Vec<Item> = lines.iter().map(|l| l.0).collect();
                self.cobuy.add_group(&items);
                for &(i, units) in lines {
                    self.trending
                        .record(i, categories(i), time, PURCHASE_TREND_WEIGHT);
                    self.bestsellers
                        .record(i, categories(i), time, f64::from(units));
                }
                self.replenish.observe(*buyer, time, lines);
            }
            ModelEvent::None => {}
        }
    }

    /// Whether shoppers use an item up and buy it again: the product's own `consumable`
    /// attribute when it has one, else the population signal of the purchase-cycle model (its
    /// shrunk rebuy share and repeat gaps). An item bought once, or by few shoppers, is not
    /// assumed to be consumable; same-day repeats are one purchase.
    pub fn is_consumable(&self, item: Item, catalog: &Catalog) -> bool {
        use tailor_model::AttrValue;
        match catalog
            .product(item)
            .and_then(|p| p.attributes.get("consumable"))
        {
            Some(AttrValue::Text(t))
                if t.eq_ignore_ascii_case("true") || t == "1" || t.eq_ignore_ascii_case("yes") =>
            {
                return true;
            }
            Some(AttrValue::Text(_)) => return false,
            Some(AttrValue::Number(n)) => return *n != 0.0,
            _ => {}
        }
        self.replenish.cycles.is_consumable(item)
    }

    /// The trending score of the top item, the scale of the popularity prior.
    pub fn top_trending(&self, now: Millis) -> f64 {
        self.trending
            .top(Scope::Global, 1, now, &|_| false)
            .first()
            .map_or(0.0, |x| x.1 as f64)
    }
}
