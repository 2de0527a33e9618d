//! One shop's live state: the catalog, who is who (visitors, customers, sessions), and every
//! shopper's state. Events are applied here after they commit, so the next request sees them.

use crate::catalog::{Catalog, Item};
use crate::models::{ModelEvent, Models};
use crate::search::{LastSearch, SearchState};
use crate::shopper::{ShopperKey, ShopperRef, ShopperState};
use rustc_hash::FxHashMap as HashMap;
use std::borrow::Cow;
use std::hash::{Hash, Hasher};
use tailor_model::{CustomerId, Event, EventKind, Millis, Product, SessionId, VisitorId};

/// Batches in flight between the two halves of replay (bounds memory).
const REPLAY_QUEUE: usize = 64;

/// A gap longer than this starts a new session when the client sends no session id.
pub const DEFAULT_SESSION_GAP_MS: Millis = 30 * 60 * 1000;

#[derive(Debug, Clone)]
struct VisitorInfo {
    customer: Option<CustomerId>,
    session: SessionId,
    last: Millis,
}

/// Live state of one shop.
pub struct ShopState {
    /// Products and their dense indices.
    pub catalog: Catalog,
    visitors: HashMap<VisitorId, VisitorInfo>,
    // Two maps rather than one keyed by `ShopperKey`, so the hot path looks up by reference
    // without cloning an id.
    by_visitor: HashMap<VisitorId, ShopperState>,
    by_customer: HashMap<CustomerId, ShopperState>,
    session_gap: Millis,
    /// Learned models, updated per event.
    pub models: Models,
    /// The search index and what shoppers did after each query.
    pub search: SearchState,
    /// Events applied since start-up.
    pub events_applied: u64,
    /// Position in the store's log of the last event applied (0 before any). A rebuild reads
    /// the log up to some position while the writer keeps committing; events at or before
    /// this one are already in, so whoever applies committed events skips them.
    pub log_seq: i64,
    /// Who each replenishment buyer index is (see [`ShopperState::buyer`]).
    buyers: Vec<ShopperKey>,
    /// Merchandising rules, in run order.
    pub rules: crate::rules::RuleSet,
    /// A/B tests.
    pub experiments: crate::experiments::ExperimentSet,
    /// Attribution and analytics counters. Behind its own lock: served lists are counted by
    /// requests that hold the shop only for reading.
    pub analytics: std::sync::Arc<parking_lot::Mutex<crate::analytics::Analytics>>,
    /// Who made each wishlist share link.
    pub shares: crate::lists::ShareIndex,
}

impl Default for ShopState {
    fn default() -> Self {
        Self::new(DEFAULT_SESSION_GAP_MS)
    }
}

fn derived_session(visitor: &VisitorId, start: Millis) -> SessionId {
    // Stable for the same visitor and start, short whatever the visitor id's length.
    let mut h = std::collections::hash_map::DefaultHasher::new();
    visitor.hash(&mut h);
    let id = format!("s{:016x}{:x}", h.finish(), start.max(0));
    SessionId::new(id).expect("a derived session id is short and printable")
}

impl ShopState {
    /// An empty shop whose derived sessions split at `session_gap` ms.
    pub fn new(session_gap: Millis) -> Self {
        Self {
            catalog: Catalog::default(),
            visitors: HashMap::default(),
            by_visitor: HashMap::default(),
            by_customer: HashMap::default(),
            session_gap,
            models: Models::default(),
            search: SearchState::default(),
            events_applied: 0,
            log_seq: 0,
            buyers: Vec::new(),
            rules: Default::default(),
            experiments: Default::default(),
            analytics: Default::default(),
            shares: Default::default(),
        }
    }

    /// An empty shop configured like this one (its session gap), to rebuild from the store.
    pub fn emptied(&self) -> Self {
        Self::new(self.session_gap)
    }

    /// Fills in what ingest derives before the event is stored: the session id when the client
    /// sent none (a new one after a gap of more than the session gap).
    pub fn prepare(&mut self, e: &mut Event) {
        let t = e.time();
        let gap = self.session_gap;
        let info = self
            .visitors
            .entry(e.visitor_id.clone())
            .or_insert_with(|| VisitorInfo {
                customer: None,
                session: derived_session(&e.visitor_id, t),
                last: t,
            });
        match &e.session_id {
            Some(s) => info.session = s.clone(),
            None => {
                if t - info.last > gap {
                    info.session = derived_session(&e.visitor_id, t);
                }
                e.session_id = Some(info.session.clone());
            }
        }
        info.last = info.last.max(t);
    }

    /// The key whose state a visitor's events update: its customer once linked.
    pub fn key_of(&self, visitor: &VisitorId) -> ShopperKey {
        match self.visitors.get(visitor).and_then(|v| v.customer.clone()) {
            Some(c) => ShopperKey::Customer(c),
            None => ShopperKey::Visitor(visitor.clone()),
        }
    }

    /// Links a visitor to a customer and merges the visitor's state into the customer's
    /// (Recombee's MergeUsers). Returns whether anything changed.
    pub fn link(&mut self, visitor: &VisitorId, customer: &CustomerId) -> bool {
        let info = self
            .visitors
            .entry(visitor.clone())
            .or_insert_with(|| VisitorInfo {
                customer: None,
                session: derived_session(visitor, 0),
                last: 0,
            });
        if info.customer.as_ref() == Some(customer) {
            return false;
        }
        let previous = info.customer.replace(customer.clone());
        let from = match previous {
            // Re-linking to another customer moves nothing: the old customer keeps its history.
            Some(_) => None,
            None => {
                self.analytics
                    .lock()
                    .link(visitor.as_str(), customer.as_str());
                self.by_visitor.remove(visitor)
            }
        };
        if let Some(from) = from {
            let st = self.by_customer.entry(customer.clone()).or_default();
            st.merge(from);
            // A visitor's purchase history, now the customer's, is reminded to the customer.
            if let Some(b) = st.buyer {
                self.buyers[b as usize] = ShopperKey::Customer(customer.clone());
            }
        }
        true
    }

    /// Applies an accepted event to the live state: identity, shopper, then models.
    pub fn apply(&mut self, e: &Event) {
        let ev = self.apply_shopper(e);
        let catalog = &self.catalog;
        self.models.apply(&ev, e.time(), &|i| catalog.categories(i));
    }

    /// Replays a log: this thread applies identity and shopper state while another feeds the
    /// models, so start-up uses both cores. The catalog must be loaded first (products do not
    /// change during replay; ids first seen in events have no categories).
    pub fn replay(&mut self, batches: impl Iterator<Item = Vec<Event>>) {
        let mut models = std::mem::take(&mut self.models);
        let categories: Vec<Vec<u32>> = (0..self.catalog.len() as Item)
            .map(|i| self.catalog.categories(i).to_vec())
            .collect();
        std::thread::scope(|s| {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<(ModelEvent, Millis)>>(REPLAY_QUEUE);
            let feeder = s.spawn(|| {
                let cats = |i: Item| categories.get(i as usize).map_or(&[][..], Vec::as_slice);
                for batch in rx {
                    for (ev, t) in &batch {
                        models.apply(ev, *t, &cats);
                    }
                }
            });
            for batch in batches {
                let out = batch
                    .iter()
                    .map(|e| (self.apply_shopper(e), e.time()))
                    .collect();
                if tx.send(out).is_err() {
                    break;
                }
            }
            drop(tx);
            feeder.join().expect("model feeder thread");
        });
        models.replenish.refresh();
        self.models = models;
    }

    /// The identity and shopper half of [`apply`](Self::apply); returns what the models learn.
    fn apply_shopper(&mut self, e: &Event) -> ModelEvent {
        if let Some(c) = &e.customer_id
            && self
                .visitors
                .get(&e.visitor_id)
                .and_then(|v| v.customer.as_ref())
                != Some(c)
        {
            self.link(&e.visitor_id, c);
        }
        // Most events name one product: keep it on the stack, no allocation per event.
        let one: [Item; 1];
        let lines: Vec<Item>;
        let items: &[Item] = match &e.kind {
            EventKind::Purchase { lines: l, .. } => {
                lines = l
                    .iter()
                    .map(|l| self.catalog.intern(&l.product_id))
                    .collect();
                &lines
            }
            k => match k.product() {
                Some(p) => {
                    one = [self.catalog.intern(p)];
                    &one
                }
                None => &[],
            },
        };
        let session: Cow<'_, SessionId> = match &e.session_id {
            Some(s) => Cow::Borrowed(s),
            None => {
                let mut e2 = e.clone();
                self.prepare(&mut e2);
                Cow::Owned(e2.session_id.expect("prepare sets a session"))
            }
        };
        let customer = self
            .visitors
            .get(&e.visitor_id)
            .and_then(|v| v.customer.as_ref());
        let st = match customer {
            Some(c) => match self.by_customer.get_mut(c) {
                Some(st) => st,
                None => self.by_customer.entry(c.clone()).or_default(),
            },
            None => match self.by_visitor.get_mut(&e.visitor_id) {
                Some(st) => st,
                None => self.by_visitor.entry(e.visitor_id.clone()).or_default(),
            },
        };
        let buyers = &mut self.buyers;
        let ev = ModelEvent::of(&e.kind, items, &session, || {
            *st.buyer.get_or_insert_with(|| {
                buyers.push(match customer {
                    Some(c) => ShopperKey::Customer(c.clone()),
                    None => ShopperKey::Visitor(e.visitor_id.clone()),
                });
                (buyers.len() - 1) as u32
            })
        });
        st.apply(&e.kind, &session, e.time(), items, &self.catalog);
        if let EventKind::List {
            edit: tailor_model::ListEdit::Share { token_hash, .. },
        } = &e.kind
        {
            self.shares.insert(token_hash, &e.visitor_id);
        }
        learn_from_search(&mut self.search, &mut self.catalog, st, e, items);
        self.analytics.lock().on_event(
            e,
            &|| crate::analytics::shopper_key(e, customer),
            &self.catalog,
        );
        self.events_applied += 1;
        ev
    }

    /// The state of the shopper behind this visitor and/or customer, if any.
    pub fn shopper(
        &self,
        visitor: Option<&VisitorId>,
        customer: Option<&CustomerId>,
    ) -> Option<&ShopperState> {
        let linked = visitor.and_then(|v| self.visitors.get(v)?.customer.as_ref());
        match (customer.or(linked), visitor) {
            (Some(c), _) => self.by_customer.get(c),
            (None, Some(v)) => self.by_visitor.get(v),
            (None, None) => None,
        }
    }

    /// Who a replenishment buyer index stands for.
    pub fn buyer_key(&self, buyer: u32) -> Option<&ShopperKey> {
        self.buyers.get(buyer as usize)
    }

    /// Every shopper with state and who they are.
    pub fn shoppers(&self) -> impl Iterator<Item = (ShopperRef<'_>, &ShopperState)> {
        let visitors = self
            .by_visitor
            .iter()
            .map(|(v, s)| (ShopperRef::Visitor(v), s));
        let customers = self
            .by_customer
            .iter()
            .map(|(c, s)| (ShopperRef::Customer(c), s));
        visitors.chain(customers)
    }

    /// The list a share token (by hash) opens, with its stored name; `None` once revoked or
    /// deleted. The sharer's lists may have merged into their customer's since.
    pub fn shared_list(&self, token_hash: &str) -> Option<(&str, &crate::lists::Wishlist)> {
        let visitor = self.shares.visitor(token_hash)?;
        let st = self.shopper(Some(visitor), None)?;
        st.wishlists
            .iter()
            .find(|(_, l)| l.shares.iter().any(|h| h == token_hash))
            .map(|(n, l)| (n.as_str(), l))
    }

    /// Number of shoppers with state.
    pub fn shopper_count(&self) -> usize {
        self.by_visitor.len() + self.by_customer.len()
    }

    /// Inserts or replaces a product, in the catalog and in the search index (searchable after
    /// [`SearchState::refresh`]).
    pub fn upsert_product(&mut self, p: Product) -> Item {
        let item = self.catalog.intern(&p.id);
        if let Err(e) = self.search.upsert(item, &p) {
            tracing::warn!(product = p.id.as_str(), "search index: {e}");
        }
        self.catalog.upsert(p)
    }

    /// Deletes a product's data; false if it had none.
    pub fn remove_product(&mut self, id: &tailor_model::ProductId) -> bool {
        self.search.delete(id);
        self.catalog.remove(id.as_str())
    }
}

/// Query learning: a search remembers what it showed, and what the shopper then clicks, puts
/// in the cart or buys from it is credited to the query at the position it was shown.
fn learn_from_search(
    search: &mut SearchState,
    catalog: &mut Catalog,
    st: &mut ShopperState,
    e: &Event,
    items: &[Item],
) {
    use tailor_reco::query_clicks::{Engagement, MAX_SHOWN};
    let level = match &e.kind {
        EventKind::Search { query, .. } if query.trim().is_empty() => {
            // A category page: nothing to learn about a query, and what follows is no
            // answer to the previous search.
            st.last_search = None;
            return;
        }
        EventKind::Search { query, shown, .. } => {
            let key = search.query_key(query);
            let shown: Vec<Item> = shown
                .iter()
                .take(MAX_SHOWN)
                .map(|id| catalog.intern(id))
                .collect();
            search.queries.record_shown(&key, query, &shown);
            st.last_search = Some(Box::new(LastSearch {
                key,
                shown,
                at: e.time(),
                reached: Vec::new(),
            }));
            return;
        }
        EventKind::View { .. } | EventKind::Click { .. } => Engagement::Click,
        EventKind::CartAdd { .. } => Engagement::Cart,
        EventKind::Purchase { .. } => Engagement::Purchase,
        _ => return,
    };
    let Some(last) = st.last_search.as_deref_mut() else {
        return;
    };
    for &item in items {
        if let Some((pos, before)) = last.engage(item, level, e.time()) {
            search
                .queries
                .record_engagement(&last.key, item, pos, before, level);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ev(v: serde_json::Value) -> Event {
        Event::from_json(&v, 0).unwrap()
    }

    #[test]
    fn sessions_split_at_the_gap_and_explicit_ids_win() {
        let mut s = ShopState::default();
        let mut a = ev(json!({"type":"view","visitor_id":"v","product_id":"p","timestamp":0}));
        let mut b = ev(
            json!({"type":"view","visitor_id":"v","product_id":"p","timestamp":DEFAULT_SESSION_GAP_MS}),
        );
        let mut c = ev(
            json!({"type":"view","visitor_id":"v","product_id":"p","timestamp":2 * DEFAULT_SESSION_GAP_MS + 1}),
        );
        let mut d =
            ev(json!({"type":"view","visitor_id":"v","product_id":"p","session_id":"mine"}));
        for e in [&mut a, &mut b, &mut c, &mut d] {
            s.prepare(e);
        }
        assert_eq!(a.session_id, b.session_id);
        assert_ne!(b.session_id, c.session_id);
        assert_eq!(d.session_id.unwrap().as_str(), "mine");
        // An out-of-order event inside the current session stays in it.
        let mut late = ev(json!({"type":"view","visitor_id":"v","product_id":"p","timestamp":5}));
        s.prepare(&mut late);
        assert_eq!(late.session_id.unwrap().as_str(), "mine");
    }

    #[test]
    fn login_merges_visitor_history_into_customer() {
        let mut s = ShopState::default();
        for e in [
            json!({"type":"view","visitor_id":"v1","product_id":"a","timestamp":1}),
            json!({"type":"view","visitor_id":"v2","product_id":"b","timestamp":2}),
            json!({"type":"view","visitor_id":"v1","customer_id":"c","product_id":"c","timestamp":3}),
        ] {
            let mut e = ev(e);
            s.prepare(&mut e);
            s.apply(&e);
        }
        let v1 = VisitorId::new("v1").unwrap();
        let c = CustomerId::new("c").unwrap();
        let st = s.shopper(Some(&v1), None).unwrap();
        assert_eq!(st.recent.len(), 2);
        assert_eq!(s.shopper(None, Some(&c)).unwrap().events, 2);
        // A second device logging in brings its history along.
        assert!(s.link(&VisitorId::new("v2").unwrap(), &c));
        assert_eq!(s.shopper(None, Some(&c)).unwrap().recent.len(), 3);
        assert!(!s.link(&VisitorId::new("v2").unwrap(), &c));
        assert_eq!(s.shopper_count(), 1);
    }
}
