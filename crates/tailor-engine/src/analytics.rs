//! Attribution and analytics, pre-aggregated as events arrive so a report reads counters
//! instead of scanning history.
//!
//! Impressions come from served lists ([`Served`]: what each response showed, logged by the
//! server). A click whose tracking code names a served list (`request:list`) is attributed to
//! that list's widget, the item's source and the query; it also becomes the shopper's *last
//! touch* for that product. A cart add or purchase of the same product by the same shopper
//! within the attribution window after the touch is credited to the same cell (last touch
//! wins; a purchase uses the touch up). Counters are kept per UTC day, widget, source and
//! query, and rebuilt exactly by replaying the served log and then the event log.

use crate::catalog::Catalog;
use rustc_hash::FxHashMap as HashMap;
use std::collections::VecDeque;
use std::sync::Arc;
use tailor_model::{Event, EventKind, Millis, ProductId, Served};

/// One day in ms.
pub const DAY_MS: Millis = 86_400_000;
/// Attribution window when the shop has not set one: a day.
pub const DEFAULT_WINDOW_MS: Millis = DAY_MS;
/// Shortest window a shop may set (a minute).
pub const MIN_WINDOW_MS: Millis = 60_000;
/// Longest window a shop may set (90 days).
pub const MAX_WINDOW_MS: Millis = 90 * DAY_MS;

/// Counters of one cell.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Counts {
    /// Products shown.
    pub impressions: u64,
    /// Clicks on them (through their tracking code).
    pub clicks: u64,
    /// Cart adds of a clicked product within the window.
    pub cart_adds: u64,
    /// Order lines of a clicked product within the window.
    pub purchases: u64,
    /// Revenue of those lines (unit price times quantity; the catalog price when the order
    /// line has none).
    pub revenue: f64,
}

impl Counts {
    fn add(&mut self, o: &Counts) {
        self.impressions += o.impressions;
        self.clicks += o.clicks;
        self.cart_adds += o.cart_adds;
        self.purchases += o.purchases;
        self.revenue += o.revenue;
    }
}

/// Requests and zero-result requests of one list and query on one day.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ListCounts {
    /// Responses served.
    pub requests: u64,
    /// Searches that matched no product.
    pub zero_results: u64,
}

/// A dimension of a widget report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dim {
    /// The UTC day (`YYYY-MM-DD`).
    Day,
    /// The box name, or `search`.
    Widget,
    /// The candidate source that contributed most to the item.
    Source,
    /// The normalised query (empty for boxes and category pages).
    Query,
}

impl Dim {
    /// Parses a dimension name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "day" => Self::Day,
            "widget" => Self::Widget,
            "source" => Self::Source,
            "query" => Self::Query,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct CellKey {
    day: i64,
    widget: Arc<str>,
    source: Arc<str>,
    query: Arc<str>,
}

#[derive(Debug)]
struct ServedMeta {
    at: Millis,
    widget: Arc<str>,
    query: Arc<str>,
    items: Vec<(ProductId, Arc<str>)>,
}

#[derive(Debug, Clone)]
struct Touch {
    at: Millis,
    widget: Arc<str>,
    source: Arc<str>,
    query: Arc<str>,
}

/// One row of a widget report.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The values of the requested dimensions, in their order.
    pub key: Vec<String>,
    /// The summed counters.
    pub counts: Counts,
}

/// One query of the search report.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryRow {
    /// The normalised query.
    pub query: String,
    /// Searches for it.
    pub searches: u64,
    /// Of those, how many matched nothing.
    pub zero_results: u64,
    /// Attributed counters.
    pub counts: Counts,
}

/// A shop's analytics.
#[derive(Debug)]
pub struct Analytics {
    window: Millis,
    names: HashMap<Box<str>, Arc<str>>,
    served: HashMap<Box<str>, Arc<ServedMeta>>,
    served_order: VecDeque<(Millis, Box<str>)>,
    touches: HashMap<Box<str>, HashMap<ProductId, Touch>>,
    cells: HashMap<CellKey, Counts>,
    lists: HashMap<(i64, Arc<str>, Arc<str>), ListCounts>,
    /// Clicks that carried a tracking code for no served list in the window.
    pub unattributed_clicks: u64,
    // Per experiment, per unit: its arm and what it bought after its first exposure.
    units: HashMap<Box<str>, HashMap<Box<str>, Unit>>,
    // Per UTC day: every event, orders and their revenue (attributed or not).
    daily: std::collections::BTreeMap<i64, Daily>,
}

/// What happened on one day, attributed or not.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Daily {
    /// Events of any kind.
    pub events: u64,
    /// Orders.
    pub orders: u64,
    /// Their revenue.
    pub revenue: f64,
}

#[derive(Debug, Clone)]
struct Unit {
    arm: Arc<str>,
    first: Millis,
    orders: u32,
    revenue: f64,
}

impl Default for Analytics {
    fn default() -> Self {
        Self {
            window: DEFAULT_WINDOW_MS,
            names: HashMap::default(),
            served: HashMap::default(),
            served_order: VecDeque::new(),
            touches: HashMap::default(),
            cells: HashMap::default(),
            lists: HashMap::default(),
            unattributed_clicks: 0,
            units: HashMap::default(),
            daily: Default::default(),
        }
    }
}

/// Lowercase words separated by single spaces: one key per query however it was typed.
pub fn normalise_query(q: &str) -> String {
    q.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The UTC day of a time.
pub fn day_of(t: Millis) -> i64 {
    t.div_euclid(DAY_MS)
}

/// `YYYY-MM-DD` of a day number (Howard Hinnant's civil_from_days).
pub fn day_name(day: i64) -> String {
    let z = day + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The attribution key of a shopper: the customer once known, else the visitor.
pub fn shopper_key(e: &Event, customer: Option<&tailor_model::CustomerId>) -> String {
    match customer.or(e.customer_id.as_ref()) {
        Some(c) => format!("c:{c}"),
        None => format!("v:{}", e.visitor_id),
    }
}

impl Analytics {
    /// The attribution window in ms.
    pub fn window(&self) -> Millis {
        self.window
    }

    /// Sets the attribution window (clamped to the allowed range); applies to what follows.
    pub fn set_window(&mut self, ms: Millis) {
        self.window = ms.clamp(MIN_WINDOW_MS, MAX_WINDOW_MS);
    }

    fn name(&mut self, s: &str) -> Arc<str> {
        if let Some(a) = self.names.get(s) {
            return a.clone();
        }
        let a: Arc<str> = Arc::from(s);
        self.names.insert(Box::from(s), a.clone());
        a
    }

    /// Counts a served list's impressions and remembers it for the clicks that follow.
    /// `evict` drops lists older than the window before `row.at` (live serving; replay keeps
    /// all, since events are replayed after the whole served log).
    pub fn on_served(&mut self, row: &Served, evict: bool) {
        let day = day_of(row.at);
        let widget = self.name(&row.list);
        let query = self.name(&normalise_query(row.query.as_deref().unwrap_or("")));
        let l = self
            .lists
            .entry((day, widget.clone(), query.clone()))
            .or_default();
        l.requests += 1;
        if row.total == Some(0) {
            l.zero_results += 1;
        }
        let mut items: Vec<(ProductId, Arc<str>)> = Vec::with_capacity(row.items.len());
        // Impressions per source first: a list's items mostly share one or two sources, so
        // the cell table is probed once per source, not once per item.
        let mut per_source: Vec<(Arc<str>, u64)> = Vec::new();
        for (p, source) in &row.items {
            let source = match items.last() {
                Some((_, last)) if **last == **source => Arc::clone(last),
                _ => self.name(source),
            };
            match per_source.iter_mut().find(|(s, _)| *s == source) {
                Some((_, n)) => *n += 1,
                None => per_source.push((source.clone(), 1)),
            }
            items.push((p.clone(), source));
        }
        for (source, n) in per_source {
            self.cells
                .entry(CellKey {
                    day,
                    widget: widget.clone(),
                    source,
                    query: query.clone(),
                })
                .or_default()
                .impressions += n;
        }
        if let Some((exp, arm)) = row.arm.as_deref().and_then(|a| a.split_once(':')) {
            let unit = match (&row.customer_id, &row.visitor_id) {
                (Some(c), _) => format!("c:{c}"),
                (None, Some(v)) => format!("v:{v}"),
                (None, None) => String::new(),
            };
            if !unit.is_empty() {
                let arm = self.name(arm);
                self.units
                    .entry(exp.into())
                    .or_default()
                    .entry(unit.into())
                    .or_insert(Unit {
                        arm,
                        first: row.at,
                        orders: 0,
                        revenue: 0.0,
                    });
            }
        }
        let key: Box<str> = format!("{}:{}", row.request_id, row.list).into();
        self.served.insert(
            key.clone(),
            Arc::new(ServedMeta {
                at: row.at,
                widget,
                query,
                items,
            }),
        );
        self.served_order.push_back((row.at, key));
        if evict {
            let horizon = row.at - self.window;
            while let Some((at, _)) = self.served_order.front() {
                if *at >= horizon {
                    break;
                }
                let (_, k) = self.served_order.pop_front().expect("front exists");
                if self.served.get(&k).is_some_and(|m| m.at < horizon) {
                    self.served.remove(&k);
                }
            }
        }
    }

    /// Drops the served lists no click at `now` or later can point at (after replay, which
    /// keeps them all).
    pub fn forget_before(&mut self, now: Millis) {
        let horizon = now - self.window;
        self.served.retain(|_, m| m.at >= horizon);
        self.served_order.retain(|(at, _)| *at >= horizon);
    }

    fn cell(&mut self, day: i64, t: &Touch) -> &mut Counts {
        self.cells
            .entry(CellKey {
                day,
                widget: t.widget.clone(),
                source: t.source.clone(),
                query: t.query.clone(),
            })
            .or_default()
    }

    /// Attributes one event. `shopper` is its attribution key ([`shopper_key`]), computed
    /// only for the kinds that need it.
    pub fn on_event(&mut self, e: &Event, shopper: &dyn Fn() -> String, catalog: &Catalog) {
        let t = e.time();
        let day = day_of(t);
        let within = |touch: &Touch, window: Millis| t >= touch.at && t - touch.at <= window;
        let d = self.daily.entry(day).or_default();
        d.events += 1;
        if let EventKind::Purchase { lines, .. } = &e.kind {
            d.orders += 1;
            d.revenue += lines
                .iter()
                .map(|l| {
                    l.unit_price
                        .or_else(|| {
                            catalog
                                .item(l.product_id.as_str())
                                .and_then(|i| catalog.product(i))
                                .and_then(|p| p.effective_price())
                        })
                        .unwrap_or(0.0)
                        * f64::from(l.quantity)
                })
                .sum::<f64>();
        }
        match &e.kind {
            EventKind::Click {
                product_id,
                request_id: Some(rid),
                ..
            } => {
                let Some(meta) = self.served.get(rid.as_str()).cloned() else {
                    self.unattributed_clicks += 1;
                    return;
                };
                let Some((_, source)) = meta.items.iter().find(|(p, _)| p == product_id) else {
                    self.unattributed_clicks += 1;
                    return;
                };
                if t < meta.at - self.window || t - meta.at > self.window {
                    self.unattributed_clicks += 1;
                    return;
                }
                let touch = Touch {
                    at: t,
                    widget: meta.widget.clone(),
                    source: source.clone(),
                    query: meta.query.clone(),
                };
                self.cell(day, &touch).clicks += 1;
                self.touches
                    .entry(shopper().into())
                    .or_default()
                    .insert(product_id.clone(), touch);
            }
            EventKind::CartAdd { product_id, .. } => {
                if self.touches.is_empty() {
                    return;
                }
                let window = self.window;
                let Some(touch) = self
                    .touches
                    .get(shopper().as_str())
                    .and_then(|m| m.get(product_id))
                    .filter(|x| within(x, window))
                    .cloned()
                else {
                    return;
                };
                self.cell(day, &touch).cart_adds += 1;
            }
            EventKind::Purchase { lines, .. } => {
                if self.touches.is_empty() && self.units.is_empty() {
                    return;
                }
                let key = shopper();
                let price = |line: &tailor_model::OrderLine| {
                    line.unit_price
                        .or_else(|| {
                            catalog
                                .item(line.product_id.as_str())
                                .and_then(|i| catalog.product(i))
                                .and_then(|p| p.effective_price())
                        })
                        .unwrap_or(0.0)
                        * f64::from(line.quantity)
                };
                for units in self.units.values_mut() {
                    if let Some(u) = units.get_mut(key.as_str())
                        && t >= u.first
                    {
                        u.orders += 1;
                        u.revenue += lines.iter().map(price).sum::<f64>();
                    }
                }
                let window = self.window;
                for line in lines {
                    let Some(touch) = self
                        .touches
                        .get_mut(key.as_str())
                        .and_then(|m| m.remove(&line.product_id))
                        .filter(|x| within(x, window))
                    else {
                        continue;
                    };
                    let value = price(line);
                    let c = self.cell(day, &touch);
                    c.purchases += 1;
                    c.revenue += value;
                }
                if self.touches.get(key.as_str()).is_some_and(|m| m.is_empty()) {
                    self.touches.remove(key.as_str());
                }
            }
            _ => {}
        }
    }

    /// A visitor logged in: their open touches now belong to the customer, and so does their
    /// experiment arm, unless the customer already has one (then the customer's stands).
    pub fn link(&mut self, visitor: &str, customer: &str) {
        let (v, c) = (format!("v:{visitor}"), format!("c:{customer}"));
        for units in self.units.values_mut() {
            if let Some(u) = units.remove(v.as_str()) {
                units.entry(c.clone().into()).or_insert(u);
            }
        }
        if let Some(m) = self.touches.remove(format!("v:{visitor}").as_str()) {
            self.touches
                .entry(format!("c:{customer}").into())
                .or_default()
                .extend(m);
        }
    }

    /// Counters over the days `from..=to`, summed by the given dimensions (all of them
    /// summed into one row when `by` is empty), largest impressions first.
    pub fn report(&self, from: i64, to: i64, by: &[Dim]) -> Vec<Row> {
        let mut rows: HashMap<Vec<String>, Counts> = HashMap::default();
        for (k, c) in &self.cells {
            if k.day < from || k.day > to {
                continue;
            }
            let key = by
                .iter()
                .map(|d| match d {
                    Dim::Day => day_name(k.day),
                    Dim::Widget => k.widget.to_string(),
                    Dim::Source => k.source.to_string(),
                    Dim::Query => k.query.to_string(),
                })
                .collect();
            rows.entry(key).or_default().add(c);
        }
        let mut out: Vec<Row> = rows
            .into_iter()
            .map(|(key, counts)| Row { key, counts })
            .collect();
        out.sort_by(|a, b| {
            b.counts
                .impressions
                .cmp(&a.counts.impressions)
                .then_with(|| a.key.cmp(&b.key))
        });
        out
    }

    /// Every non-empty search query over the days `from..=to` (list `search`), most searched
    /// first.
    pub fn queries(&self, from: i64, to: i64) -> Vec<QueryRow> {
        let mut rows: HashMap<Arc<str>, QueryRow> = HashMap::default();
        let search = "search";
        for ((day, widget, query), l) in &self.lists {
            if *day < from || *day > to || &**widget != search || query.is_empty() {
                continue;
            }
            let r = rows.entry(query.clone()).or_insert_with(|| QueryRow {
                query: query.to_string(),
                searches: 0,
                zero_results: 0,
                counts: Counts::default(),
            });
            r.searches += l.requests;
            r.zero_results += l.zero_results;
        }
        for (k, c) in &self.cells {
            if k.day < from || k.day > to || &*k.widget != search {
                continue;
            }
            if let Some(r) = rows.get_mut(&k.query) {
                r.counts.add(c);
            }
        }
        let mut out: Vec<QueryRow> = rows.into_values().collect();
        out.sort_by(|a, b| {
            b.searches
                .cmp(&a.searches)
                .then_with(|| a.query.cmp(&b.query))
        });
        out
    }

    /// The arm a unit (`c:ID` or `v:ID`) was first served under in an experiment.
    pub fn assignment(&self, experiment: &str, unit: &str) -> Option<&str> {
        self.units.get(experiment)?.get(unit).map(|u| &*u.arm)
    }

    /// Every exposed unit of an experiment: its arm name, orders and revenue after exposure.
    pub fn outcomes(&self, experiment: &str) -> Vec<(&str, u32, f64)> {
        let mut v: Vec<(&str, &str, u32, f64)> = self
            .units
            .get(experiment)
            .map(|m| {
                m.iter()
                    .map(|(k, u)| (&**k, &*u.arm, u.orders, u.revenue))
                    .collect()
            })
            .unwrap_or_default();
        // A fixed order, so a seeded bootstrap gives the same answer every time.
        v.sort_by(|a, b| a.0.cmp(b.0));
        v.into_iter().map(|(_, a, o, r)| (a, o, r)).collect()
    }

    /// Events, orders and revenue per day over `from..=to` (days without events included).
    pub fn daily(&self, from: i64, to: i64) -> Vec<(i64, Daily)> {
        (from..=to)
            .map(|d| (d, self.daily.get(&d).copied().unwrap_or_default()))
            .collect()
    }

    /// Served lists remembered for attribution (bounded by the window while serving).
    pub fn remembered_lists(&self) -> usize {
        self.served.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn day_names_round_trip() {
        assert_eq!(day_name(0), "1970-01-01");
        assert_eq!(day_name(20_819), "2027-01-01");
        assert_eq!(day_name(day_of(1_798_137_000_000)), "2026-12-24");
        assert_eq!(day_name(-1), "1969-12-31");
    }

    fn served(rid: &str, list: &str, at: Millis, items: &[(&str, &str)]) -> Served {
        Served {
            at,
            request_id: rid.into(),
            list: list.into(),
            visitor_id: None,
            customer_id: None,
            query: None,
            total: None,
            items: items
                .iter()
                .map(|(p, s)| (ProductId::new(*p).unwrap(), s.to_string().into()))
                .collect(),
            arm: None,
        }
    }

    fn ev(v: serde_json::Value) -> Event {
        Event::from_json(&v, 0).unwrap()
    }

    #[test]
    fn last_touch_within_the_window() {
        let mut a = Analytics::default();
        a.set_window(60_000);
        let cat = Catalog::default();
        a.on_served(
            &served("r1", "home", 0, &[("p", "trending"), ("q", "affinity")]),
            true,
        );
        a.on_served(&served("r2", "pdp", 0, &[("p", "alternatives")]), true);
        let key = || "v:v".to_string();
        let click = |rid: &str, t: i64| {
            ev(
                json!({"type":"click","visitor_id":"v","product_id":"p","request_id":rid,"timestamp":t}),
            )
        };
        a.on_event(&click("r1:home", 1000), &key, &cat);
        // The later click on another widget is the last touch.
        a.on_event(&click("r2:pdp", 2000), &key, &cat);
        a.on_event(
            &ev(json!({"type":"cart_add","visitor_id":"v","product_id":"p","timestamp":3000})),
            &key,
            &cat,
        );
        a.on_event(
            &ev(
                json!({"type":"purchase","visitor_id":"v","order_id":"o","timestamp":4000,
            "lines":[{"product_id":"p","quantity":2,"unit_price":2.5}]}),
            ),
            &key,
            &cat,
        );
        // Used up: a second order is not attributed.
        a.on_event(
            &ev(
                json!({"type":"purchase","visitor_id":"v","order_id":"o2","timestamp":5000,
            "lines":[{"product_id":"p","quantity":1,"unit_price":2.5}]}),
            ),
            &key,
            &cat,
        );
        let rows = a.report(0, 0, &[Dim::Widget, Dim::Source]);
        let get = |w: &str, s: &str| {
            rows.iter()
                .find(|r| r.key == [w, s])
                .map(|r| r.counts)
                .unwrap()
        };
        assert_eq!(
            get("pdp", "alternatives"),
            Counts {
                impressions: 1,
                clicks: 1,
                cart_adds: 1,
                purchases: 1,
                revenue: 5.0
            }
        );
        assert_eq!(
            get("home", "trending"),
            Counts {
                impressions: 1,
                clicks: 1,
                ..Default::default()
            }
        );
        assert_eq!(get("home", "affinity").impressions, 1);
        // Outside the window: nothing.
        a.on_event(&click("r1:home", 10_000), &key, &cat);
        a.on_event(
            &ev(json!({"type":"cart_add","visitor_id":"v","product_id":"p","timestamp":80_000})),
            &key,
            &cat,
        );
        assert_eq!(a.report(0, 0, &[]).first().unwrap().counts.cart_adds, 1);
        // Unknown codes are counted apart.
        a.on_event(&click("nope:home", 1), &key, &cat);
        assert_eq!(a.unattributed_clicks, 1);
    }
}
