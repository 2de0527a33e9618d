//! What Tailor knows about one shopper: the current session, recent views, cart, purchases,
//! hidden products, wishlists, decayed affinities to categories, brands and colours, and the
//! filters the shopper keeps applying. Built only from events, so replaying the log rebuilds it
//! exactly.

use crate::catalog::{Catalog, CategoryIdx, Item};
use crate::lists;
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use tailor_model::configure::{Choice, Choices};
use tailor_model::lists::stored_name;
use tailor_model::{CustomerId, EventKind, Millis, Preferences, SessionId, VisitorId};

/// Who a state belongs to: a customer once known, else the anonymous visitor.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ShopperKey {
    /// Anonymous browser.
    Visitor(VisitorId),
    /// Logged-in customer (all their visitors merged in).
    Customer(CustomerId),
}

/// A borrowed [`ShopperKey`], for walking every shopper without cloning ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShopperRef<'a> {
    /// Anonymous browser.
    Visitor(&'a VisitorId),
    /// Logged-in customer.
    Customer(&'a CustomerId),
}

impl ShopperRef<'_> {
    /// The owned key.
    pub fn key(self) -> ShopperKey {
        match self {
            Self::Visitor(v) => ShopperKey::Visitor(v.clone()),
            Self::Customer(c) => ShopperKey::Customer(c.clone()),
        }
    }
}

/// Recently viewed items kept per shopper.
pub const RECENT_CAP: usize = 50;
/// Purchase times kept per item (enough for cycle estimates, bounded for memory).
pub const PURCHASE_TIMES_CAP: usize = 32;
/// Items kept from the current session (the session recommenders look at the last few).
pub const SESSION_CAP: usize = 100;
/// Events of behaviour after which stated preferences count half as much as at first.
pub const STATED_EVIDENCE: f64 = 20.0;
/// Affinities halve over this many days without reinforcement.
pub const AFFINITY_HALF_LIFE_DAYS: f64 = 30.0;

/// Weight of one event kind in the shopper's affinities.
fn affinity_weight(kind: &EventKind) -> f64 {
    match kind {
        EventKind::View { .. } | EventKind::Click { .. } => 1.0,
        EventKind::Customize { .. } => 2.0,
        EventKind::CartAdd { .. } | EventKind::WishlistAdd { .. } => 3.0,
        EventKind::Purchase { .. } => 5.0,
        _ => 0.0,
    }
}

/// A score that decays exponentially with time; stored as value at `at`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Decayed {
    value: f64,
    at: Millis,
}

impl Decayed {
    fn factor(from: Millis, to: Millis) -> f64 {
        let days = (to - from).max(0) as f64 / 86_400_000.0;
        0.5f64.powf(days / AFFINITY_HALF_LIFE_DAYS)
    }
    /// Adds `w` at time `t` (out-of-order times are decayed toward the later one).
    pub fn add(&mut self, w: f64, t: Millis) {
        if t >= self.at {
            self.value = self.value * Self::factor(self.at, t) + w;
            self.at = t;
        } else {
            self.value += w * Self::factor(t, self.at);
        }
    }
    /// The value as of `now`.
    pub fn at(&self, now: Millis) -> f64 {
        self.value * Self::factor(self.at, now)
    }
    pub(crate) fn merge(&mut self, other: &Decayed) {
        self.add(other.value, other.at);
    }
    /// The value as of [`Decayed::time`].
    pub(crate) fn value(&self) -> f64 {
        self.value
    }
    /// The time the value refers to.
    pub(crate) fn time(&self) -> Millis {
        self.at
    }
}

/// Purchases of one item by one shopper.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PurchaseHistory {
    /// Orders that held the item.
    pub orders: u32,
    /// Units bought in all.
    pub units: u32,
    /// Order times, oldest first, capped at [`PURCHASE_TIMES_CAP`].
    pub times: Vec<Millis>,
}

/// Everything known about one shopper.
#[derive(Debug, Clone, Default)]
pub struct ShopperState {
    /// The session the latest event belonged to.
    pub session: Option<SessionId>,
    /// Items of that session in order (views, clicks, cart adds).
    pub session_items: Vec<Item>,
    /// Recently viewed items, newest last, without repeats.
    pub recent: VecDeque<Item>,
    /// Units per item in the cart.
    pub cart: BTreeMap<Item, u32>,
    /// Purchase history per item.
    pub purchases: HashMap<Item, PurchaseHistory>,
    /// "Not interested": never shown again.
    pub hidden: HashSet<Item>,
    /// Named wishlists by stored name (the default one is "").
    pub wishlists: crate::lists::Lists,
    /// Decayed affinity per category.
    pub categories: HashMap<CategoryIdx, Decayed>,
    /// Decayed affinity per brand.
    pub brands: HashMap<String, Decayed>,
    /// Decayed affinity per colour (lowercased), from colours picked in a configurator and
    /// the colours of wishlisted products: choices the shopper made, not pages they passed.
    pub colors: HashMap<String, Decayed>,
    /// Filters applied to searches and category pages, with their decayed uses.
    pub filters: crate::filter_taste::FilterTaste,
    /// Recent search queries, newest last.
    pub queries: VecDeque<String>,
    /// The last search, for crediting what follows to its query.
    pub last_search: Option<Box<crate::search::LastSearch>>,
    /// What the shopper stated (the newest `preferences` event).
    pub preferences: Preferences,
    /// Time of that event.
    pub preferences_at: Millis,
    /// Events applied.
    pub events: u64,
    /// Time of the latest event.
    pub last_seen: Millis,
    /// Dense index in the replenishment models, from the first purchase on.
    pub buyer: Option<u32>,
    /// Sessions seen (new vs returning audiences of merchandising rules).
    pub sessions: u32,
}

fn push_recent(q: &mut VecDeque<Item>, item: Item) {
    q.retain(|&i| i != item);
    q.push_back(item);
    if q.len() > RECENT_CAP {
        q.pop_front();
    }
}

impl ShopperState {
    /// Applies one event. `items` are the interned products it names (in the event's order).
    pub fn apply(
        &mut self,
        kind: &EventKind,
        session: &SessionId,
        time: Millis,
        items: &[Item],
        catalog: &Catalog,
    ) {
        self.events += 1;
        self.last_seen = self.last_seen.max(time);
        if self.session.as_ref() != Some(session) {
            self.sessions = self.sessions.saturating_add(1);
            self.session = Some(session.clone());
            self.session_items.clear();
        }
        let w = affinity_weight(kind);
        if w > 0.0 {
            for &item in items {
                for &c in catalog.categories(item) {
                    self.categories.entry(c).or_default().add(w, time);
                }
                if let Some(brand) = catalog.product(item).and_then(|p| p.brand.as_ref()) {
                    self.brands.entry(brand.clone()).or_default().add(w, time);
                }
            }
        }
        self.learn_colors(kind, time, items, catalog);
        match kind {
            EventKind::View { .. } | EventKind::Click { .. } => {
                if let Some(&item) = items.first() {
                    push_recent(&mut self.recent, item);
                    self.push_session(item);
                }
            }
            EventKind::CartAdd { quantity, .. } => {
                if let Some(&item) = items.first() {
                    *self.cart.entry(item).or_default() += quantity;
                    self.push_session(item);
                }
            }
            EventKind::CartRemove { quantity, .. } => {
                if let Some(&item) = items.first()
                    && let Some(q) = self.cart.get_mut(&item)
                {
                    *q = q.saturating_sub(*quantity);
                    if *q == 0 {
                        self.cart.remove(&item);
                    }
                }
            }
            EventKind::Purchase { lines, .. } => {
                for (line, &item) in lines.iter().zip(items) {
                    let h = self.purchases.entry(item).or_default();
                    h.orders += 1;
                    h.units = h.units.saturating_add(line.quantity);
                    let pos = h.times.partition_point(|&t| t <= time);
                    h.times.insert(pos, time);
                    if h.times.len() > PURCHASE_TIMES_CAP {
                        h.times.remove(0);
                    }
                    self.cart.remove(&item);
                }
            }
            EventKind::WishlistAdd { list, .. } => {
                if let Some(&item) = items.first() {
                    lists::add(
                        &mut self.wishlists,
                        stored_name(list.as_deref()),
                        item,
                        time,
                    );
                }
            }
            EventKind::WishlistRemove { list, .. } => {
                if let Some(&item) = items.first() {
                    lists::remove(&mut self.wishlists, stored_name(list.as_deref()), item);
                }
            }
            EventKind::List { edit } => {
                lists::apply(&mut self.wishlists, edit, items.first().copied(), time)
            }
            EventKind::Customize { .. } => {}
            EventKind::Hide { .. } => {
                if let Some(&item) = items.first() {
                    self.hidden.insert(item);
                }
            }
            EventKind::Preferences { preferences } => {
                // Each write replaces the whole set; a late-arriving older write loses.
                if time >= self.preferences_at {
                    self.preferences = preferences.clone();
                    self.preferences_at = time;
                }
            }
            EventKind::Search { query, filters, .. } => {
                self.filters.apply(filters, time);
                // A category page (no query) is no query to remember.
                if !query.trim().is_empty() {
                    self.queries.push_back(query.clone());
                    if self.queries.len() > RECENT_CAP {
                        self.queries.pop_front();
                    }
                }
            }
        }
    }

    /// Colours the shopper chose: the colour of a product they keep, or one they picked in its
    /// configurator.
    fn learn_colors(&mut self, kind: &EventKind, time: Millis, items: &[Item], catalog: &Catalog) {
        let Some(p) = items.first().and_then(|&i| catalog.product(i)) else {
            return;
        };
        let colors: Vec<String> = match (kind, &p.configuration) {
            (EventKind::WishlistAdd { .. }, _) => product_colors(p).map(str::to_string).collect(),
            (EventKind::Customize { choices, .. }, Some(c)) => {
                let picks = Choices(
                    choices
                        .iter()
                        .map(|(g, v)| (g.clone(), Choice::Many(v.clone())))
                        .collect(),
                );
                c.picked(&picks, COLOR_KEYS)
                    .into_iter()
                    .map(str::to_string)
                    .collect()
            }
            _ => return,
        };
        for c in colors {
            self.colors
                .entry(c.trim().to_lowercase())
                .or_default()
                .add(COLOR_PICK_WEIGHT, time);
        }
    }

    fn push_session(&mut self, item: Item) {
        self.session_items.push(item);
        if self.session_items.len() > SESSION_CAP {
            self.session_items.remove(0);
        }
    }

    /// Folds another shopper's state into this one (a visitor logging in as this customer).
    pub fn merge(&mut self, other: ShopperState) {
        if other.last_seen >= self.last_seen {
            self.session = other.session;
            self.session_items = other.session_items;
            self.last_search = other.last_search;
        }
        for item in other.recent {
            push_recent(&mut self.recent, item);
        }
        for (item, q) in other.cart {
            *self.cart.entry(item).or_default() += q;
        }
        for (item, h) in other.purchases {
            let mine = self.purchases.entry(item).or_default();
            mine.orders += h.orders;
            mine.units = mine.units.saturating_add(h.units);
            mine.times.extend(h.times);
            mine.times.sort_unstable();
            let excess = mine.times.len().saturating_sub(PURCHASE_TIMES_CAP);
            mine.times.drain(..excess);
        }
        self.hidden.extend(other.hidden);
        let newer = other.preferences_at >= self.preferences_at;
        self.preferences.merge(&other.preferences, newer);
        self.preferences_at = self.preferences_at.max(other.preferences_at);
        lists::merge(&mut self.wishlists, other.wishlists);
        for (c, d) in other.categories {
            self.categories.entry(c).or_default().merge(&d);
        }
        for (b, d) in other.brands {
            self.brands.entry(b).or_default().merge(&d);
        }
        for (c, d) in other.colors {
            self.colors.entry(c).or_default().merge(&d);
        }
        self.filters.merge(other.filters);
        self.queries.extend(other.queries);
        while self.queries.len() > RECENT_CAP {
            self.queries.pop_front();
        }
        self.events += other.events;
        self.sessions = self.sessions.saturating_add(other.sessions);
        self.last_seen = self.last_seen.max(other.last_seen);
        // One buyer index per shopper: a customer who had none takes the visitor's; one who
        // had one keeps it (the visitor's earlier orders stay on the visitor's cycles).
        self.buyer = self.buyer.or(other.buyer);
    }

    /// Category affinities as of `now`, normalised to sum to 1 (empty when there are none).
    pub fn category_affinity(&self, now: Millis) -> HashMap<CategoryIdx, f64> {
        normalise(self.categories.iter().map(|(&c, d)| (c, d.at(now))))
    }

    /// How much stated preferences count next to observed behaviour: 1 for a shopper with no
    /// behaviour, falling as evidence accumulates (half at [`STATED_EVIDENCE`] events).
    pub fn stated_trust(&self) -> f64 {
        STATED_EVIDENCE / (STATED_EVIDENCE + self.events as f64)
    }

    /// Brand affinities as of `now`, normalised to sum to 1.
    pub fn brand_affinity(&self, now: Millis) -> HashMap<String, f64> {
        normalise(self.brands.iter().map(|(b, d)| (b.clone(), d.at(now))))
    }

    /// Colour affinities as of `now` (lowercased colours), normalised to sum to 1.
    pub fn color_affinity(&self, now: Millis) -> HashMap<String, f64> {
        normalise(self.colors.iter().map(|(c, d)| (c.clone(), d.at(now))))
    }
}

/// Attribute names that hold a product's colour.
pub const COLOR_KEYS: &[&str] = &["color", "colour"];
/// Weight of one colour choice (a configurator pick, a wishlisted product's colour).
pub const COLOR_PICK_WEIGHT: f64 = 3.0;

/// The colours a product's attributes give it.
pub fn product_colors(p: &tailor_model::Product) -> impl Iterator<Item = &str> {
    COLOR_KEYS
        .iter()
        .filter_map(|k| p.attributes.get(*k))
        .flat_map(|v| match v {
            tailor_model::AttrValue::Text(t) => vec![t.as_str()],
            tailor_model::AttrValue::List(l) => l.iter().map(String::as_str).collect(),
            tailor_model::AttrValue::Number(_) => Vec::new(),
        })
}

fn normalise<K: std::hash::Hash + Eq>(it: impl Iterator<Item = (K, f64)>) -> HashMap<K, f64> {
    let m: HashMap<K, f64> = it.collect();
    let total: f64 = m.values().sum();
    if total <= 0.0 {
        return HashMap::new();
    }
    m.into_iter().map(|(k, v)| (k, v / total)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tailor_model::{OrderLine, Product, ProductId};

    fn pid(s: &str) -> ProductId {
        ProductId::new(s).unwrap()
    }

    #[test]
    fn decay_halves_after_half_life() {
        let mut d = Decayed::default();
        d.add(2.0, 0);
        let half = (AFFINITY_HALF_LIFE_DAYS * 86_400_000.0) as Millis;
        assert!((d.at(half) - 1.0).abs() < 1e-9);
        // An out-of-order add lands decayed to the newer reference.
        d.add(2.0, -half);
        assert!((d.at(0) - 3.0).abs() < 1e-9);
    }

    #[test]
    fn events_build_state_and_merge_combines() {
        let mut cat = Catalog::default();
        let mut p = Product::new(pid("a"), "A");
        p.categories = vec![vec!["Food".into()]];
        p.brand = Some("Acme".into());
        let a = cat.upsert(p);
        let b = cat.intern(&pid("b"));
        let s1 = SessionId::new("s1").unwrap();
        let mut st = ShopperState::default();
        st.apply(
            &EventKind::View {
                product_id: pid("a"),
            },
            &s1,
            1,
            &[a],
            &cat,
        );
        st.apply(
            &EventKind::View {
                product_id: pid("b"),
            },
            &s1,
            2,
            &[b],
            &cat,
        );
        st.apply(
            &EventKind::View {
                product_id: pid("a"),
            },
            &s1,
            3,
            &[a],
            &cat,
        );
        assert_eq!(st.recent, [b, a]);
        assert_eq!(st.session_items, [a, b, a]);
        st.apply(
            &EventKind::CartAdd {
                product_id: pid("b"),
                quantity: 2,
            },
            &s1,
            4,
            &[b],
            &cat,
        );
        let lines = vec![OrderLine {
            product_id: pid("b"),
            quantity: 2,
            unit_price: None,
        }];
        st.apply(
            &EventKind::Purchase {
                order_id: "o".into(),
                lines,
            },
            &s1,
            5,
            &[b],
            &cat,
        );
        assert!(st.cart.is_empty());
        assert_eq!(st.purchases[&b].units, 2);
        assert_eq!(st.category_affinity(5).len(), 1);
        assert_eq!(st.brand_affinity(5).keys().collect::<Vec<_>>(), ["Acme"]);

        let mut other = ShopperState::default();
        let s2 = SessionId::new("s2").unwrap();
        other.apply(
            &EventKind::Hide {
                product_id: pid("a"),
            },
            &s2,
            10,
            &[a],
            &cat,
        );
        st.merge(other);
        assert!(st.hidden.contains(&a));
        assert_eq!(st.session, Some(s2));
        assert_eq!(st.events, 6);
    }
}
