//! Simulated shoppers let loose on a catalog for some days: sessions of searching, viewing, carting,
//! wishlisting, hiding and buying, driven by each shopper's hidden [`Shopper::affinity`], plus restocking of
//! consumables on each household's own cycle. The output is an event history Tailor ingests like a real one.

use crate::catalog::DAY_MS;
use crate::query;
use crate::rng::{Dice, Stream};
use crate::shelf::Shelf;
use crate::shopper::{Shopper, draw_shopper};
use std::collections::{BTreeMap, BTreeSet};
use tailor_model::{Event, EventKind, Millis, OrderLine, Product, SessionId};

const SECOND_MS: Millis = 1_000;
const MINUTE_MS: Millis = 60 * SECOND_MS;
const HOUR_MS: Millis = 60 * MINUTE_MS;
const WEEK_MS: f64 = 7.0 * DAY_MS as f64;

/// A new session starts at least this long after the previous one ended: well over the 30 minutes of
/// inactivity that split sessions, so the server's split and ours always agree.
const MIN_SESSION_GAP_MS: Millis = 45 * MINUTE_MS;
/// Bounds on one pause inside a session; the upper one stays far below the 30-minute split.
const STEP_MS: (Millis, Millis) = (2 * SECOND_MS, 10 * MINUTE_MS);
/// Mean seconds spent after each kind of action.
const VIEW_DWELL_S: f64 = 40.0;
const SEARCH_DWELL_S: f64 = 12.0;
const CART_DWELL_S: f64 = 8.0;
const CHECKOUT_DWELL_S: f64 = 90.0;
/// Relative share of visits starting in each hour of the day (UTC): quiet nights, a lunchtime bump and an
/// evening peak, as online shops see.
const HOURLY_ACTIVITY: [f64; 24] = [
    0.8, 0.4, 0.2, 0.15, 0.15, 0.3, 0.8, 1.6, 2.4, 2.8, 3.0, 3.2, //
    3.8, 3.6, 3.2, 3.0, 3.2, 3.6, 4.2, 5.0, 5.6, 5.4, 4.0, 2.0,
];

/// After each view, the chance of viewing another (a geometric session length), and a cap.
const BROWSE_MORE_P: f64 = 0.8;
const MAX_BROWSE_VIEWS: usize = 25;
/// Chance a browsing session starts at the search box rather than a category page.
const SEARCH_ENTRY_P: f64 = 0.35;
/// Chance of browsing a category outside one's tastes, and of wandering to another category mid-session.
const EXPLORE_LEAF_P: f64 = 0.12;
const SWITCH_LEAF_P: f64 = 0.15;
/// Added to every product's utility when choosing what to look at: the noise of what catches the eye.
const VIEW_NOISE_FLOOR: f64 = 0.05;
/// Search results lower on the page get fewer clicks: weight / (1 + decay * position).
const SEARCH_POSITION_DECAY: f64 = 0.25;
const SEARCH_MAX_CLICKS: usize = 3;
/// Chance a query has a typo, and that a typo with no results is retyped correctly.
const TYPO_P: f64 = 0.08;
const RETYPE_P: f64 = 0.7;
/// Chance a viewed product goes to the cart: CART_MAX_P * u / (u + CART_HALF_UTILITY) for utility u.
const CART_MAX_P: f64 = 0.25;
const CART_HALF_UTILITY: f64 = 0.8;
/// Chance of wishlisting, as a share of the cart chance, for a product not carted and one not in stock.
const WISHLIST_SHARE: f64 = 0.2;
const WISHLIST_UNAVAILABLE_SHARE: f64 = 0.8;
/// Chance to revisit the wishlist in a session; to buy the item then; to drop it instead.
const WISHLIST_REVISIT_P: f64 = 0.2;
const WISHLIST_BUY_P: f64 = 0.4;
const WISHLIST_DROP_P: f64 = 0.15;
/// Chance of hiding ("not interested") a product one must never buy, or one of very low utility.
const HIDE_FORBIDDEN_P: f64 = 0.12;
const HIDE_DULL_P: f64 = 0.02;
const DULL_UTILITY: f64 = 0.05;
/// Chance a browsed cart line is taken out again before checkout.
const CART_REMOVE_P: f64 = 0.08;
/// Chance a cart of browsed items is bought rather than abandoned (restocking always checks out).
const CHECKOUT_P: f64 = 0.6;
/// Chance a viewed variant makes the shopper switch to the variant that suits them (size, colour).
const VARIANT_SWITCH_P: f64 = 0.9;
/// Non-consumables: chance of buying two.
const SECOND_UNIT_P: f64 = 0.05;
const MAX_QUANTITY: f64 = 6.0;

/// Consumables due within this window are restocked in the current session.
const RESTOCK_LOOKAHEAD_MS: Millis = 2 * DAY_MS;
/// Something running out brings the shopper back early only if their next visit is further off than this;
/// otherwise they make do until then.
const RESTOCK_PATIENCE_MS: Millis = 2 * DAY_MS;
/// Chance a restock starts with a search (else straight from order history), switches to another product
/// of the same category for variety, or is the last (the shopper stops buying it).
const RESTOCK_SEARCH_P: f64 = 0.25;
const RESTOCK_SWITCH_P: f64 = 0.08;
const RESTOCK_STOP_P: f64 = 0.07;
/// Chance a consumable first bought while browsing becomes a staple the shopper restocks (the rest were a try).
const ADOPT_STAPLE_P: f64 = 0.5;
/// Real consumption wobbles around the expected cycle.
const CYCLE_JITTER_SD: f64 = 0.12;
const CYCLE_JITTER_RANGE: (f64, f64) = (0.7, 1.4);
/// Chance a shopper already has a consumable staple at home when the simulation starts, per favourite
/// category that sells consumables.
const STAPLE_P: f64 = 0.6;
/// Chance a restocking visit also browses.
const BROWSE_AFTER_RESTOCK_P: f64 = 0.4;

/// What [`simulate`] produced: the shoppers with their hidden tastes, and everything they did.
#[derive(Debug, Clone, PartialEq)]
pub struct Simulation {
    /// Every shopper, in visitor-id order.
    pub shoppers: Vec<Shopper>,
    /// All events, sorted by timestamp, each with a unique `event_id`.
    pub events: Vec<Event>,
}

impl Simulation {
    /// How many events of each kind (`view`, `purchase`, ...) there are.
    pub fn counts_by_kind(&self) -> BTreeMap<&'static str, usize> {
        let mut counts = BTreeMap::new();
        for e in &self.events {
            *counts.entry(e.kind.name()).or_insert(0) += 1;
        }
        counts
    }
}

/// Lets `n_shoppers` shoppers (see [`crate::generate_shoppers`]) shop in `catalog` for `days` days from
/// `start_millis`. The same arguments always give the same events. Sessions start only inside the window;
/// the last may run a few minutes past its end.
pub fn simulate(
    seed: u64,
    catalog: &[Product],
    n_shoppers: usize,
    days: u32,
    start_millis: Millis,
) -> Simulation {
    let shelf = Shelf::new(catalog);
    let shoppers: Vec<Shopper> = (0..n_shoppers)
        .map(|i| draw_shopper(&shelf, seed, i))
        .collect();
    let end = start_millis + Millis::from(days) * DAY_MS;
    let mut stamped = Vec::new();
    for (i, shopper) in shoppers.iter().enumerate() {
        let mut life = Life::new(
            &shelf,
            shopper,
            Dice::new(seed, Stream::Behaviour, i as u64),
            start_millis,
        );
        life.run(start_millis, end);
        stamped.extend(
            life.events
                .into_iter()
                .enumerate()
                .map(|(seq, e)| ((e.time(), i, seq), e)),
        );
    }
    // Each shopper's events are already in time order; the key makes ties between shoppers deterministic.
    stamped.sort_by_key(|(key, _)| *key);
    let events = stamped
        .into_iter()
        .enumerate()
        .map(|(n, (_, mut e))| {
            e.event_id = Some(format!("e{n:08}"));
            e
        })
        .collect();
    Simulation { shoppers, events }
}

/// One line of a shopper's cart.
struct CartLine {
    product: usize,
    quantity: u32,
    /// Put there to restock: never removed, always bought.
    restock: bool,
}

/// One shopper's time in the shop: their state and the events they produce.
struct Life<'s, 'a> {
    shelf: &'s Shelf<'a>,
    shopper: &'s Shopper,
    dice: Dice,
    /// The shopper's utility for each product and each variant group (the best of its members).
    utility: Vec<f64>,
    group_utility: Vec<f64>,
    permitted: Vec<bool>,
    /// Favourite leaves that exist in this catalog, with weights.
    taste_leaves: Vec<(usize, f64)>,
    leaf_sizes: Vec<f64>,
    clock: Millis,
    session: Option<SessionId>,
    sessions: u32,
    orders: u32,
    logged_in: bool,
    cart: Vec<CartLine>,
    wishlist: Vec<usize>,
    hidden: BTreeSet<usize>,
    /// Consumables at home, with when they run out.
    pantry: BTreeMap<usize, Millis>,
    events: Vec<Event>,
}

impl<'s, 'a> Life<'s, 'a> {
    fn new(shelf: &'s Shelf<'a>, shopper: &'s Shopper, dice: Dice, start: Millis) -> Self {
        let utility: Vec<f64> = shelf.traits.iter().map(|t| shopper.score(t)).collect();
        let group_utility = shelf
            .groups
            .iter()
            .map(|members| members.iter().map(|&i| utility[i]).fold(0.0, f64::max))
            .collect();
        let taste_leaves = shopper
            .tastes
            .categories
            .iter()
            .filter_map(|(path, w)| shelf.leaf_index(path).map(|l| (l, *w)))
            .collect();
        Self {
            permitted: shelf.traits.iter().map(|t| shopper.permits(t)).collect(),
            leaf_sizes: shelf.leaf_products.iter().map(|p| p.len() as f64).collect(),
            shelf,
            shopper,
            dice,
            utility,
            group_utility,
            taste_leaves,
            clock: start - MIN_SESSION_GAP_MS,
            session: None,
            sessions: 0,
            orders: 0,
            logged_in: false,
            cart: Vec::new(),
            wishlist: Vec::new(),
            hidden: BTreeSet::new(),
            pantry: BTreeMap::new(),
            events: Vec::new(),
        }
    }

    fn run(&mut self, start: Millis, end: Millis) {
        self.stock_pantry(start);
        let mut next_visit = start + self.visit_gap();
        loop {
            // Come back on one's own, or earlier when something at home runs out.
            let due = self.pantry.values().min().copied();
            let (day, restock) = match due {
                Some(d) if d + RESTOCK_PATIENCE_MS < next_visit => (d, true),
                _ => (next_visit, false),
            };
            let at = self.time_of_day(day, self.clock + MIN_SESSION_GAP_MS);
            if at >= end {
                break;
            }
            self.clock = at;
            self.session(restock);
            if next_visit <= self.clock {
                next_visit = self.clock + self.visit_gap();
            }
        }
    }

    /// Consumables the shopper already uses when the story starts, running out at random points of their cycle.
    fn stock_pantry(&mut self, start: Millis) {
        for (leaf, _) in self.taste_leaves.clone() {
            let candidates: Vec<usize> = self.shelf.leaf_products[leaf]
                .iter()
                .copied()
                .filter(|&i| self.shelf.traits[i].usage_days.is_some() && self.buyable(i, start))
                .collect();
            if candidates.is_empty() || !self.dice.chance(STAPLE_P) {
                continue;
            }
            let weights: Vec<f64> = candidates
                .iter()
                .map(|&i| self.utility[i].powi(2))
                .collect();
            let Some(k) = self.dice.weighted(&weights) else {
                continue;
            };
            let p = candidates[k];
            let quantity = self.quantity(p);
            let supply = self.supply_days(p, quantity);
            let due = start + (self.dice.unit() * supply * DAY_MS as f64) as Millis;
            self.pantry.insert(p, due);
        }
    }

    fn session(&mut self, restock: bool) {
        self.sessions += 1;
        self.session = Some(
            SessionId::new(format!("{}-s{:03}", self.shopper.visitor_id, self.sessions))
                .expect("generated ids are short and printable"),
        );
        let horizon = self.clock + RESTOCK_LOOKAHEAD_MS;
        let due: Vec<usize> = self
            .pantry
            .iter()
            .filter(|(_, at)| **at <= horizon)
            .map(|(p, _)| *p)
            .collect();
        for p in due {
            self.pantry.remove(&p);
            self.restock(p);
        }
        if !self.wishlist.is_empty() && self.dice.chance(WISHLIST_REVISIT_P) {
            self.revisit_wishlist();
        }
        if !restock || self.dice.chance(BROWSE_AFTER_RESTOCK_P) {
            let views = 1 + self.dice.geometric(BROWSE_MORE_P, MAX_BROWSE_VIEWS - 1);
            self.browse(views);
        }
        self.second_thoughts();
        self.checkout();
    }

    // ------------------------------------------------------------------------------------ decisions

    /// Whether the shopper could put `i` in the cart at time `t`.
    fn buyable(&self, i: usize, t: Millis) -> bool {
        self.shelf.sellable[i]
            && self.permitted[i]
            && self.shelf.exists_at(i, t)
            && !self.hidden.contains(&i)
    }

    /// Days of supply `quantity` units of `p` give this household; 0 for durable goods.
    fn supply_days(&self, p: usize, quantity: u32) -> f64 {
        self.shopper
            .cycle_days(&self.shelf.traits[p])
            .map_or(0.0, |c| c * f64::from(quantity))
    }

    /// Units bought at once: enough of a consumable for the shopper's usual stock-up, else mostly one.
    fn quantity(&mut self, p: usize) -> u32 {
        match self.shopper.cycle_days(&self.shelf.traits[p]) {
            Some(cycle) => (self.shopper.tastes.stock_up_days / cycle)
                .round()
                .clamp(1.0, MAX_QUANTITY) as u32,
            None => 1 + u32::from(self.dice.chance(SECOND_UNIT_P)),
        }
    }

    /// The category the shopper is in the mood for: mostly a favourite, sometimes anything.
    fn intent_leaf(&mut self) -> Option<usize> {
        if self.taste_leaves.is_empty() || self.dice.chance(EXPLORE_LEAF_P) {
            return self.dice.weighted(&self.leaf_sizes);
        }
        let weights: Vec<f64> = self.taste_leaves.iter().map(|(_, w)| *w).collect();
        self.dice.weighted(&weights).map(|k| self.taste_leaves[k].0)
    }

    /// A product listed under `leaf` that catches the shopper's eye: one per variant group, by utility plus noise.
    fn pick_listing(&mut self, leaf: usize) -> Option<usize> {
        let now = self.clock;
        let listed: Vec<usize> = self.shelf.leaf_groups[leaf]
            .iter()
            .filter_map(|&g| {
                self.shelf.groups[g]
                    .iter()
                    .copied()
                    .find(|&i| self.shelf.exists_at(i, now) && !self.hidden.contains(&i))
            })
            .collect();
        let weights: Vec<f64> = listed
            .iter()
            .map(|&i| self.group_utility[self.shelf.group_of[i]] + VIEW_NOISE_FLOOR)
            .collect();
        self.dice.weighted(&weights).map(|k| listed[k])
    }

    // ------------------------------------------------------------------------------------ activities

    fn browse(&mut self, views: usize) {
        let Some(mut leaf) = self.intent_leaf() else {
            return;
        };
        let mut left = views;
        if self.dice.chance(SEARCH_ENTRY_P)
            && let Some(target) = self.pick_listing(leaf)
        {
            left = left.saturating_sub(self.search_for(target));
        }
        while left > 0 {
            left -= 1;
            if self.dice.chance(SWITCH_LEAF_P)
                && let Some(other) = self.intent_leaf()
            {
                leaf = other;
            }
            let Some(p) = self.pick_listing(leaf) else {
                break;
            };
            self.view(p, None);
        }
    }

    /// Searches for something like `target` and opens a few results; returns how many it opened.
    fn search_for(&mut self, target: usize) -> usize {
        let wanted = query::build(
            &self.shelf.products[target],
            self.shopper.tastes.diet,
            &mut self.dice,
        );
        let slip = if self.dice.chance(TYPO_P) {
            query::typo(&wanted, &mut self.dice)
        } else {
            None
        };
        let typed = slip.clone().unwrap_or_else(|| wanted.clone());
        let mut shown = self.shelf.search(&typed, self.clock);
        self.emit_search(typed, &shown);
        if shown.is_empty() && slip.is_some() && self.dice.chance(RETYPE_P) {
            shown = self.shelf.search(&wanted, self.clock);
            self.emit_search(wanted, &shown);
        }
        let mut weights: Vec<f64> = shown
            .iter()
            .enumerate()
            .map(|(pos, &i)| {
                if self.hidden.contains(&i) {
                    0.0
                } else {
                    (self.utility[i] + VIEW_NOISE_FLOOR)
                        / (1.0 + SEARCH_POSITION_DECAY * pos as f64)
                }
            })
            .collect();
        let clicks = self.dice.between(1, SEARCH_MAX_CLICKS);
        let mut opened = 0;
        while opened < clicks {
            let Some(pos) = self.dice.weighted(&weights) else {
                break;
            };
            weights[pos] = 0.0;
            opened += 1;
            self.view(shown[pos], Some(pos as u32));
        }
        opened
    }

    /// Opens a product page (from a search result at `position`, or from a listing), maybe switches to
    /// the variant that suits, and decides what to do with it.
    fn view(&mut self, p: usize, position: Option<u32>) {
        let product_id = self.shelf.products[p].id.clone();
        if let Some(position) = position {
            self.emit(
                EventKind::Click {
                    product_id: product_id.clone(),
                    request_id: None,
                    position: Some(position),
                },
                SEARCH_DWELL_S,
            );
        }
        self.emit(EventKind::View { product_id }, VIEW_DWELL_S);
        let mut p = p;
        let now = self.clock;
        let siblings = &self.shelf.groups[self.shelf.group_of[p]];
        let best = siblings
            .iter()
            .copied()
            .filter(|&i| self.shelf.exists_at(i, now) && !self.hidden.contains(&i))
            .max_by(|a, b| self.utility[*a].total_cmp(&self.utility[*b]).then(b.cmp(a)));
        if let Some(best) = best
            && best != p
            && self.dice.chance(VARIANT_SWITCH_P)
        {
            p = best;
            let product_id = self.shelf.products[p].id.clone();
            self.emit(EventKind::View { product_id }, VIEW_DWELL_S);
        }
        self.decide(p);
    }

    fn decide(&mut self, p: usize) {
        let u = self.utility[p];
        let in_cart = self.cart.iter().any(|l| l.product == p);
        if !self.permitted[p] {
            if self.dice.chance(HIDE_FORBIDDEN_P) {
                self.hide(p);
            }
            return;
        }
        if in_cart {
            return;
        }
        if u < DULL_UTILITY && self.dice.chance(HIDE_DULL_P) {
            self.hide(p);
            return;
        }
        // Nobody buys another jar while the last one is far from empty.
        if self
            .pantry
            .get(&p)
            .is_some_and(|due| *due > self.clock + RESTOCK_LOOKAHEAD_MS)
        {
            return;
        }
        let want = CART_MAX_P * u / (u + CART_HALF_UTILITY);
        let wishlisted = self.wishlist.contains(&p);
        if !self.buyable(p, self.clock) {
            if !wishlisted && self.dice.chance(want * WISHLIST_UNAVAILABLE_SHARE) {
                self.wishlist_add(p);
            }
        } else if self.dice.chance(want) {
            let quantity = self.quantity(p);
            self.cart_add(p, quantity, false);
        } else if !wishlisted && self.dice.chance(want * WISHLIST_SHARE) {
            self.wishlist_add(p);
        }
    }

    /// Buys a consumable that is running out: the same product, or a substitute when it is gone (or for variety).
    fn restock(&mut self, p: usize) {
        let now = self.clock;
        let leaf_alternative = |life: &mut Self| -> Option<usize> {
            let leaf = life
                .shelf
                .leaves
                .iter()
                .position(|l| Some(*l) == life.shelf.traits[p].leaf)?;
            let options: Vec<usize> = life.shelf.leaf_products[leaf]
                .iter()
                .copied()
                .filter(|&i| {
                    i != p && life.shelf.traits[i].usage_days.is_some() && life.buyable(i, now)
                })
                .collect();
            let weights: Vec<f64> = options.iter().map(|&i| life.utility[i].powi(2)).collect();
            life.dice.weighted(&weights).map(|k| options[k])
        };
        let target = if self.dice.chance(RESTOCK_SWITCH_P) {
            leaf_alternative(self)
        } else if self.buyable(p, now) {
            Some(p)
        } else {
            // Sold out: another pack size of the same product, else something similar.
            let siblings = &self.shelf.groups[self.shelf.group_of[p]];
            siblings
                .iter()
                .copied()
                .filter(|&i| self.buyable(i, now))
                .max_by(|a, b| self.utility[*a].total_cmp(&self.utility[*b]).then(b.cmp(a)))
                .or_else(|| leaf_alternative(self))
        };
        let Some(target) = target else {
            return;
        };
        let product_id = self.shelf.products[target].id.clone();
        if self.dice.chance(RESTOCK_SEARCH_P) {
            let q = query::repeat(&self.shelf.products[target]);
            let shown = self.shelf.search(&q, self.clock);
            self.emit_search(q, &shown);
            if let Some(pos) = shown.iter().position(|&i| i == target) {
                self.emit(
                    EventKind::Click {
                        product_id: product_id.clone(),
                        request_id: None,
                        position: Some(pos as u32),
                    },
                    SEARCH_DWELL_S,
                );
            }
        }
        self.emit(EventKind::View { product_id }, VIEW_DWELL_S);
        let quantity = self.quantity(target);
        self.cart_add(target, quantity, true);
    }

    fn revisit_wishlist(&mut self) {
        let p = self.wishlist[self.dice.below(self.wishlist.len())];
        let product_id = self.shelf.products[p].id.clone();
        self.emit(
            EventKind::View {
                product_id: product_id.clone(),
            },
            VIEW_DWELL_S,
        );
        if self.buyable(p, self.clock)
            && !self.cart.iter().any(|l| l.product == p)
            && self.dice.chance(WISHLIST_BUY_P)
        {
            let quantity = self.quantity(p);
            self.cart_add(p, quantity, false);
        } else if self.dice.chance(WISHLIST_DROP_P) {
            self.wishlist.retain(|&i| i != p);
            self.emit(
                EventKind::WishlistRemove {
                    product_id,
                    list: None,
                },
                CART_DWELL_S,
            );
        }
    }

    /// Takes a browsed item or two out of the cart again before paying.
    fn second_thoughts(&mut self) {
        let mut k = 0;
        while k < self.cart.len() {
            if !self.cart[k].restock && self.dice.chance(CART_REMOVE_P) {
                let line = self.cart.remove(k);
                let product_id = self.shelf.products[line.product].id.clone();
                self.emit(
                    EventKind::CartRemove {
                        product_id,
                        quantity: line.quantity,
                    },
                    CART_DWELL_S,
                );
            } else {
                k += 1;
            }
        }
    }

    fn checkout(&mut self) {
        if self.cart.is_empty() {
            return;
        }
        let restocking = self.cart.iter().any(|l| l.restock);
        if !restocking && !self.dice.chance(CHECKOUT_P) {
            // Abandoned: the cart silently expires.
            self.cart.clear();
            return;
        }
        // Registered shoppers log in to pay, and stay logged in from then on.
        self.logged_in |= self.shopper.customer_id.is_some();
        let cart = std::mem::take(&mut self.cart);
        // Defensive: an order never holds what the shopper must not buy.
        let cart: Vec<CartLine> = cart
            .into_iter()
            .filter(|l| self.permitted[l.product])
            .collect();
        if cart.is_empty() {
            return;
        }
        self.orders += 1;
        let lines = cart
            .iter()
            .map(|l| {
                let p = &self.shelf.products[l.product];
                OrderLine {
                    product_id: p.id.clone(),
                    quantity: l.quantity,
                    unit_price: p.effective_price(),
                }
            })
            .collect();
        let order_id = format!("o-{}-{:03}", self.shopper.visitor_id, self.orders);
        self.emit(EventKind::Purchase { order_id, lines }, CHECKOUT_DWELL_S);
        for line in &cart {
            let supply = self.supply_days(line.product, line.quantity);
            let keep = if line.restock {
                !self.dice.chance(RESTOCK_STOP_P)
            } else {
                self.dice.chance(ADOPT_STAPLE_P)
            };
            if supply > 0.0 && keep {
                let jitter = self
                    .dice
                    .normal(1.0, CYCLE_JITTER_SD)
                    .clamp(CYCLE_JITTER_RANGE.0, CYCLE_JITTER_RANGE.1);
                let runs_out = self.clock + (supply * jitter * DAY_MS as f64) as Millis;
                self.pantry.insert(line.product, runs_out);
            }
            if self.wishlist.contains(&line.product) {
                self.wishlist.retain(|&i| i != line.product);
                let product_id = self.shelf.products[line.product].id.clone();
                self.emit(
                    EventKind::WishlistRemove {
                        product_id,
                        list: None,
                    },
                    CART_DWELL_S,
                );
            }
        }
    }

    // ------------------------------------------------------------------------------------ events

    fn cart_add(&mut self, p: usize, quantity: u32, restock: bool) {
        let product_id = self.shelf.products[p].id.clone();
        self.emit(
            EventKind::CartAdd {
                product_id,
                quantity,
            },
            CART_DWELL_S,
        );
        self.cart.push(CartLine {
            product: p,
            quantity,
            restock,
        });
    }

    fn wishlist_add(&mut self, p: usize) {
        let product_id = self.shelf.products[p].id.clone();
        self.emit(
            EventKind::WishlistAdd {
                product_id,
                list: None,
            },
            CART_DWELL_S,
        );
        self.wishlist.push(p);
    }

    fn hide(&mut self, p: usize) {
        let product_id = self.shelf.products[p].id.clone();
        if self.wishlist.contains(&p) {
            self.wishlist.retain(|&i| i != p);
            self.emit(
                EventKind::WishlistRemove {
                    product_id: product_id.clone(),
                    list: None,
                },
                CART_DWELL_S,
            );
        }
        self.emit(EventKind::Hide { product_id }, CART_DWELL_S);
        self.hidden.insert(p);
    }

    fn emit_search(&mut self, query: String, shown: &[usize]) {
        let shown = shown
            .iter()
            .map(|&i| self.shelf.products[i].id.clone())
            .collect();
        self.emit(
            EventKind::Search {
                query,
                shown,
                filters: Default::default(),
            },
            SEARCH_DWELL_S,
        );
    }

    /// Records `kind` now, then lets about `dwell_s` seconds pass.
    fn emit(&mut self, kind: EventKind, dwell_s: f64) {
        self.events.push(Event {
            event_id: None,
            visitor_id: self.shopper.visitor_id.clone(),
            session_id: self.session.clone(),
            customer_id: if self.logged_in {
                self.shopper.customer_id.clone()
            } else {
                None
            },
            timestamp: Some(self.clock),
            received_at: 0,
            kind,
        });
        let pause = (self.dice.exponential(dwell_s) * SECOND_MS as f64) as Millis;
        self.clock += pause.clamp(STEP_MS.0, STEP_MS.1);
    }

    // ------------------------------------------------------------------------------------ time

    /// Time until the shopper next visits on their own.
    fn visit_gap(&mut self) -> Millis {
        let mean = WEEK_MS / self.shopper.tastes.visits_per_week;
        (self.dice.exponential(mean) as Millis).max(MIN_SESSION_GAP_MS)
    }

    /// A moment on the day of `t` drawn from the daily activity profile, moved on by whole days until it is
    /// no earlier than `earliest`.
    fn time_of_day(&mut self, t: Millis, earliest: Millis) -> Millis {
        let hour = self.dice.weighted(&HOURLY_ACTIVITY).unwrap_or(0) as Millis;
        let within = (self.dice.unit() * HOUR_MS as f64) as Millis;
        let mut at = t.div_euclid(DAY_MS) * DAY_MS + hour * HOUR_MS + within;
        if at < earliest {
            at += (earliest - at).div_euclid(DAY_MS) * DAY_MS;
            if at < earliest {
                at += DAY_MS;
            }
        }
        at
    }
}
