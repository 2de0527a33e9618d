//! Purchase cycles: when will this customer need this product again?
//!
//! Gaps between repeat purchases are modelled as log-normal, per unit bought: a purchase of `q`
//! units at day `t0` followed by one at `t1` contributes `y = ln((t1 − t0) / q)`. Each product has a
//! population distribution of `y` (all its customers), shrunk toward the all-product mean when the
//! product has few gaps. Each (customer, product) pair has its own mean, with the product's
//! distribution as a conjugate normal prior: a customer with no repeat yet gets the product's
//! distribution, one with many gaps gets their own rhythm. How strongly the prior pulls is fitted
//! from the population in [`CycleModel::refit`] (the share of the variance that lies between
//! customers rather than within one customer's gaps), not set by hand.
//!
//! Censoring: a gap whose span includes a visit whose time since the previous visit is only a lower
//! bound (Instacart caps `days_since_prior_order` at 30) is right-censored: the true gap is at least
//! the observed one. Such a gap enters every estimate as E[y | y > observed] under the product's
//! distribution (a truncated-normal mean, refined by a few EM passes at the product level), never as
//! the observed value, which would bias cycles short.
//!
//! Every purchase event updates the pair and its product at once ([`CycleModel::observe`]); the
//! population-level ratios are refitted by [`CycleModel::refit`], which the engine runs now and then.

use std::collections::{BTreeMap, HashMap};

use super::normal;

/// Two purchases closer than this (days) are one purchase: quantities add, no gap is recorded.
pub const SAME_DAY: f64 = 0.5;
/// Quantities are clamped to this, so a bulk order cannot stretch a cycle without bound.
pub const MAX_QTY: f64 = 100.0;
/// Purchases kept per (customer, product) and visits per customer: older ones say little about
/// today's rhythm, and the bound keeps an out-of-order insert O(1).
pub const MAX_HISTORY: usize = 64;
/// Width of the censored-gap histogram bins, in log-days: 1/32 is under 4% of a gap.
const CENSOR_BIN: f64 = 1.0 / 32.0;
/// EM passes over censored gaps per product fit; the estimate moves little after three.
const EM_PASSES: usize = 3;
/// Prior strength, in buyers, of the all-product rebuy share on a product's rebuy share.
pub const REBUY_PRIOR_BUYERS: f64 = 10.0;
/// A product is consumable when at least this share of its buyers (shrunk) buys it again...
pub const CONSUMABLE_REBUY_SHARE: f64 = 0.2;
/// ...and at least this many repeat gaps have been seen across all customers.
pub const CONSUMABLE_MIN_GAPS: f64 = 2.0;
/// Lower and upper quantiles of the due band.
pub const BAND: (f64, f64) = (0.1, 0.9);
/// Log-gap spread used before any gap is seen (a factor of e either way).
const DEFAULT_SD: f64 = 1.0;
/// Gap used before any gap is seen: two weeks.
const DEFAULT_GAP_DAYS: f64 = 14.0;

/// One purchase event as the model needs it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Purchase {
    /// Dense customer index.
    pub customer: u32,
    /// Dense item index.
    pub item: u32,
    /// Time in days on any fixed axis (e.g. Unix days, or Instacart's cumulative days).
    pub day: f64,
    /// Units bought; zero, negative or non-finite counts as 1, huge ones are clamped to [`MAX_QTY`].
    pub qty: f64,
    /// The time since this customer's previous visit is only a lower bound (a capped field).
    /// Live events are exact: `false`.
    pub censored_since_previous: bool,
}

/// When a customer is next expected to buy a product.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Due {
    /// Median day of the next purchase, given none happened up to the `now` of the query.
    pub day: f64,
    /// Lower end of the band ([`BAND`]`.0` quantile).
    pub low: f64,
    /// Upper end of the band ([`BAND`]`.1` quantile).
    pub high: f64,
    /// Probability that the customer buys it again at all: the product's rebuy share, raised by
    /// the customer's own repeats.
    pub confidence: f64,
    /// Repeat gaps of this customer for this product.
    pub own_gaps: u32,
    /// Day of the last purchase.
    pub last: f64,
}

/// Population-level quantities refitted by [`CycleModel::refit`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prior {
    /// Mean log-gap over all products.
    pub mean: f64,
    /// Variance of log-gaps over all products.
    pub var: f64,
    /// Pseudo-gaps of the all-product mean in a product's mean.
    pub product_strength: f64,
    /// Share of a product's log-gap variance that lies between customers (the rest is each
    /// customer's own spread); the pair prior's strength is `(1 − share) / share` pseudo-gaps.
    pub between_share: f64,
    /// Share of buyers (over all products) who buy the same product again.
    pub rebuy_share: f64,
}

impl Default for Prior {
    fn default() -> Self {
        Self {
            mean: DEFAULT_GAP_DAYS.ln(),
            var: DEFAULT_SD * DEFAULT_SD,
            product_strength: 5.0,
            between_share: 0.5,
            rebuy_share: 0.3,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Gap {
    y: f64,
    censored: bool,
}

#[derive(Debug, Clone, Default)]
struct PairState {
    /// (day, qty), sorted by day, same-day purchases merged.
    buys: Vec<(f64, f64)>,
}

#[derive(Debug, Clone, Copy, Default)]
struct ProductFit {
    mean: f64,
    var: f64,
    gaps: f64,
}

#[derive(Debug, Clone, Default)]
struct ProductStats {
    buyers: u32,
    repeat_buyers: u32,
    n: f64,
    sum: f64,
    sumsq: f64,
    /// Censored log-gaps by bin (`y / CENSOR_BIN` rounded down).
    censored: BTreeMap<i32, u32>,
    fit: ProductFit,
}

#[derive(Debug, Clone, Default)]
struct CustomerState {
    /// Distinct visit days, sorted.
    visits: Vec<f64>,
    /// Days whose time since the previous visit was capped, sorted.
    censored: Vec<f64>,
}

/// Purchase cycles of every (customer, product), updated per event. See the module docs.
#[derive(Debug, Clone, Default)]
pub struct CycleModel {
    pairs: HashMap<(u32, u32), PairState>,
    products: HashMap<u32, ProductStats>,
    customers: HashMap<u32, CustomerState>,
    prior: Prior,
}

fn clamp_qty(q: f64) -> f64 {
    if q.is_finite() && q > 0.0 {
        q.clamp(1.0, MAX_QTY)
    } else {
        1.0
    }
}

impl CycleModel {
    /// An empty model with the default prior (refit once data is in).
    pub fn new() -> Self {
        Self::default()
    }

    /// The fitted population prior.
    pub fn prior(&self) -> Prior {
        self.prior
    }

    /// Records one purchase. Events may arrive out of order; same-day repeats merge. Returns
    /// `false` (and changes nothing) for a non-finite day.
    pub fn observe(&mut self, p: Purchase) -> bool {
        if !p.day.is_finite() {
            return false;
        }
        let qty = clamp_qty(p.qty);
        let cust = self.customers.entry(p.customer).or_default();
        insert_day(&mut cust.visits, p.day);
        if p.censored_since_previous {
            insert_day(&mut cust.censored, p.day);
        }
        let pair = self.pairs.entry((p.customer, p.item)).or_default();
        let was_new = pair.buys.is_empty();
        let was_repeat = pair.buys.len() >= 2;
        let cust = &self.customers[&p.customer];
        let old = pair_gaps(&pair.buys, cust);
        match pair
            .buys
            .iter()
            .position(|&(d, _)| (d - p.day).abs() < SAME_DAY)
        {
            Some(i) => pair.buys[i].1 = (pair.buys[i].1 + qty).min(MAX_QTY),
            None => {
                let at = pair.buys.partition_point(|&(d, _)| d < p.day);
                pair.buys.insert(at, (p.day, qty));
                if pair.buys.len() > MAX_HISTORY {
                    pair.buys.remove(0);
                }
            }
        }
        let new = pair_gaps(&pair.buys, cust);
        let is_repeat = pair.buys.len() >= 2;
        let prod = self.products.entry(p.item).or_default();
        prod.buyers += u32::from(was_new);
        prod.repeat_buyers += u32::from(is_repeat && !was_repeat);
        for g in &old {
            prod.add(*g, -1.0);
        }
        for g in &new {
            prod.add(*g, 1.0);
        }
        prod.fit = prod.compute_fit(&self.prior);
        true
    }

    /// Refits the population prior from every pair and product (O(pairs)), then every product's
    /// fit. Call after a bulk load and now and then in a live engine.
    pub fn refit(&mut self) {
        // All-product mean and variance of (censoring-imputed) log-gaps.
        let mut prior = self.prior;
        for p in self.products.values_mut() {
            p.fit = p.compute_fit(&prior);
        }
        let (mut n, mut sum, mut sumsq) = (0.0, 0.0, 0.0);
        let (mut buyers, mut rebuyers) = (0.0, 0.0);
        for p in self.products.values() {
            buyers += f64::from(p.buyers);
            rebuyers += f64::from(p.repeat_buyers);
            if p.fit.gaps > 0.0 {
                let raw_mean = p.raw_mean(&prior);
                n += p.fit.gaps;
                sum += p.fit.gaps * raw_mean;
                sumsq += p.fit.gaps * (p.fit.var + raw_mean * raw_mean);
            }
        }
        if n >= 2.0 {
            prior.mean = sum / n;
            prior.var = (sumsq / n - prior.mean * prior.mean).max(0.01);
        }
        if buyers > 0.0 {
            prior.rebuy_share = rebuyers / buyers;
        }
        // Between-product spread of means against the noise of each mean: the strength of the
        // all-product mean in a product's mean, in pseudo-gaps (method of moments).
        let (mut k, mut dev, mut noise) = (0.0, 0.0, 0.0);
        for p in self.products.values() {
            if p.fit.gaps >= 2.0 {
                let m = p.raw_mean(&prior);
                dev += (m - prior.mean).powi(2);
                noise += p.fit.var / p.fit.gaps;
                k += 1.0;
            }
        }
        if k >= 2.0 {
            let between = ((dev - noise) / k).max(prior.var * 0.01);
            prior.product_strength = (prior.var / between).clamp(0.5, 200.0);
        }
        for p in self.products.values_mut() {
            p.fit = p.compute_fit(&prior);
        }
        // Within-customer share of each product's variance, pooled over pairs with two or more gaps.
        let (mut within, mut df) = (0.0, 0.0);
        for ((c, item), pair) in &self.pairs {
            let (Some(cust), Some(prod)) = (self.customers.get(c), self.products.get(item)) else {
                continue;
            };
            let gaps = pair_gaps(&pair.buys, cust);
            if gaps.len() < 2 || prod.fit.var <= 0.0 {
                continue;
            }
            let ys: Vec<f64> = gaps.iter().map(|g| prod.impute(*g)).collect();
            let m = ys.iter().sum::<f64>() / ys.len() as f64;
            within += ys.iter().map(|y| (y - m).powi(2)).sum::<f64>() / prod.fit.var;
            df += ys.len() as f64 - 1.0;
        }
        if df >= 10.0 {
            prior.between_share = (1.0 - within / df).clamp(0.05, 0.95);
        }
        self.prior = prior;
    }

    /// Whether the population buys this product again: its (shrunk) rebuy share and repeat gaps
    /// decide, so one purchase by one customer proves nothing.
    pub fn is_consumable(&self, item: u32) -> bool {
        self.products.get(&item).is_some_and(|p| {
            p.fit.gaps >= CONSUMABLE_MIN_GAPS && self.rebuy_share(p) >= CONSUMABLE_REBUY_SHARE
        })
    }

    /// Share of the product's buyers who buy it again, shrunk toward the all-product share.
    pub fn product_rebuy_share(&self, item: u32) -> f64 {
        self.products
            .get(&item)
            .map_or(self.prior.rebuy_share, |p| self.rebuy_share(p))
    }

    fn rebuy_share(&self, p: &ProductStats) -> f64 {
        (f64::from(p.repeat_buyers) + REBUY_PRIOR_BUYERS * self.prior.rebuy_share)
            / (f64::from(p.buyers) + REBUY_PRIOR_BUYERS)
    }

    /// Median log-gap per unit of the product, in days (after shrinkage), if it was ever bought.
    pub fn product_cycle_days(&self, item: u32) -> Option<f64> {
        self.products.get(&item).map(|p| p.fit.mean.exp())
    }

    /// Predictive distribution of the next log-gap (days, whole purchase) of a pair, with its last
    /// purchase, own gap count and rebuy confidence.
    fn predictive(&self, customer: u32, item: u32) -> Option<(f64, f64, f64, u32, f64)> {
        let pair = self.pairs.get(&(customer, item))?;
        let &(last, last_qty) = pair.buys.last()?;
        let cust = self.customers.get(&customer)?;
        let prod = self.products.get(&item)?;
        let fit = prod.fit;
        let share = self.prior.between_share;
        let tau2 = (share * fit.var).max(1e-6);
        let sigma2 = ((1.0 - share) * fit.var).max(1e-6);
        let gaps = pair_gaps(&pair.buys, cust);
        let n = gaps.len() as f64;
        let sum: f64 = gaps.iter().map(|g| prod.impute(*g)).sum();
        let post_var = 1.0 / (1.0 / tau2 + n / sigma2);
        let post_mean = post_var * (fit.mean / tau2 + sum / sigma2);
        let mean = post_mean + last_qty.ln();
        let sd = (post_var + sigma2).sqrt();
        let own = gaps.len() as u32;
        // One own repeat is strong evidence of use; the product share is worth one pseudo-repeat.
        let base = self.rebuy_share(prod);
        let confidence = if own == 0 {
            base
        } else {
            (n + base) / (n + 1.0)
        };
        Some((mean, sd, last, own, confidence))
    }

    /// When `customer` is next expected to buy `item`, given no purchase of it up to `now`
    /// (pass the last purchase day or earlier for the unconditional cycle). `None` if never bought.
    pub fn due(&self, customer: u32, item: u32, now: f64) -> Option<Due> {
        let (mean, sd, last, own_gaps, confidence) = self.predictive(customer, item)?;
        let elapsed = now - last;
        let q = |p: f64| last + conditional_quantile(mean, sd, elapsed, p).exp();
        Some(Due {
            day: q(0.5),
            low: q(BAND.0),
            high: q(BAND.1),
            confidence,
            own_gaps,
            last,
        })
    }

    /// Probability that `customer` buys `item` in `(from, to]` given no purchase of it up to `from`,
    /// times the rebuy confidence. Zero if never bought or for an empty window.
    pub fn chance_between(&self, customer: u32, item: u32, from: f64, to: f64) -> f64 {
        let Some((mean, sd, last, _, confidence)) = self.predictive(customer, item) else {
            return 0.0;
        };
        if to <= from || to <= last {
            return 0.0;
        }
        let cdf = |t: f64| {
            if t <= last {
                0.0
            } else {
                normal::cdf(((t - last).ln() - mean) / sd)
            }
        };
        let (a, b) = (cdf(from), cdf(to));
        let survive = (1.0 - a).max(1e-9);
        confidence * ((b - a) / survive).clamp(0.0, 1.0)
    }

    /// The day of the customer's next visit: the last one plus their median gap between visits,
    /// not before `now`. `None` before a second visit.
    pub fn next_visit(&self, customer: u32, now: f64) -> Option<f64> {
        let v = &self.customers.get(&customer)?.visits;
        if v.len() < 2 {
            return None;
        }
        let mut gaps: Vec<f64> = v.windows(2).map(|w| w[1] - w[0]).collect();
        gaps.sort_by(f64::total_cmp);
        let median = gaps[gaps.len() / 2];
        Some((v[v.len() - 1] + median).max(now))
    }
}

/// Quantile `p` of a log-normal N(mean, sd²) gap given the gap exceeds `elapsed` days, as log-days.
fn conditional_quantile(mean: f64, sd: f64, elapsed: f64, p: f64) -> f64 {
    if elapsed <= 0.0 {
        return mean + sd * normal::quantile(p);
    }
    let c = elapsed.ln();
    let z = (c - mean) / sd;
    let tail = 1.0 - normal::cdf(z);
    if tail < 1e-6 {
        // Far in the tail the excess over `c` is nearly exponential with rate (c − mean) / sd².
        return c - (1.0 - p).ln() * sd * sd / (c - mean);
    }
    let y = mean + sd * normal::quantile(1.0 - tail + p * tail);
    y.max(c)
}

fn insert_day(days: &mut Vec<f64>, day: f64) {
    if days.iter().any(|d| (d - day).abs() < SAME_DAY) {
        return;
    }
    let at = days.partition_point(|d| *d < day);
    days.insert(at, day);
    if days.len() > MAX_HISTORY {
        days.remove(0);
    }
}

/// The per-unit log-gaps of a pair's purchases; censored when the span holds a capped visit gap.
fn pair_gaps(buys: &[(f64, f64)], cust: &CustomerState) -> Vec<Gap> {
    buys.windows(2)
        .map(|w| {
            let (t0, q0) = w[0];
            let t1 = w[1].0;
            let censored = cust
                .censored
                .iter()
                .any(|&c| c > t0 + SAME_DAY / 2.0 && c <= t1 + SAME_DAY / 2.0);
            Gap {
                y: ((t1 - t0).max(SAME_DAY) / q0).ln(),
                censored,
            }
        })
        .collect()
}

impl ProductStats {
    fn add(&mut self, g: Gap, sign: f64) {
        if g.censored {
            let bin = (g.y / CENSOR_BIN).floor() as i32;
            let e = self.censored.entry(bin).or_default();
            if sign > 0.0 {
                *e += 1;
            } else {
                *e = e.saturating_sub(1);
                if *e == 0 {
                    self.censored.remove(&bin);
                }
            }
        } else {
            self.n += sign;
            self.sum += sign * g.y;
            self.sumsq += sign * g.y * g.y;
        }
    }

    fn censored_count(&self) -> f64 {
        self.censored.values().map(|&c| f64::from(c)).sum()
    }

    /// Mean and variance of the product's own log-gaps with censored ones imputed by EM, before
    /// shrinkage. Falls back to the prior with no gap.
    fn raw_moments(&self, prior: &Prior) -> (f64, f64, f64) {
        let nc = self.censored_count();
        let total = self.n.max(0.0) + nc;
        if total <= 0.0 {
            return (prior.mean, prior.var, 0.0);
        }
        let (mut mean, mut var) = if self.n >= 1.0 {
            let m = self.sum / self.n;
            (m, (self.sumsq / self.n - m * m).max(0.0))
        } else {
            (prior.mean, prior.var)
        };
        // Too few gaps for their own spread: borrow the all-product spread.
        var = (var * total + prior.var * 2.0) / (total + 2.0);
        if nc > 0.0 {
            for _ in 0..EM_PASSES {
                let sd = var.sqrt();
                let (mut s1, mut s2) = (self.sum, self.sumsq);
                for (&bin, &count) in &self.censored {
                    let c = (f64::from(bin) + 0.5) * CENSOR_BIN;
                    let a = (c - mean) / sd;
                    let m1 = normal::mean_above(mean, sd, c);
                    let tail = (1.0 - normal::cdf(a)).max(1e-12);
                    let lambda = normal::pdf(a) / tail;
                    let v = var * (1.0 + a * lambda - lambda * lambda).max(0.01);
                    s1 += f64::from(count) * m1;
                    s2 += f64::from(count) * (v + m1 * m1);
                }
                mean = s1 / total;
                var =
                    ((s2 / total - mean * mean).max(0.0) * total + prior.var * 2.0) / (total + 2.0);
            }
        }
        (mean, var, total)
    }

    fn raw_mean(&self, prior: &Prior) -> f64 {
        self.raw_moments(prior).0
    }

    fn compute_fit(&self, prior: &Prior) -> ProductFit {
        let (mean, var, gaps) = self.raw_moments(prior);
        let k = prior.product_strength;
        ProductFit {
            mean: (k * prior.mean + gaps * mean) / (k + gaps),
            var,
            gaps,
        }
    }

    /// The log-gap a gap stands for: itself, or E[y | y > observed] when censored.
    fn impute(&self, g: Gap) -> f64 {
        if g.censored {
            normal::mean_above(self.fit.mean, self.fit.var.sqrt(), g.y)
        } else {
            g.y
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn buy(customer: u32, item: u32, day: f64) -> Purchase {
        Purchase {
            customer,
            item,
            day,
            qty: 1.0,
            censored_since_previous: false,
        }
    }

    /// Many customers buying item 1 every ~10 days and item 2 once.
    fn population() -> CycleModel {
        let mut m = CycleModel::new();
        for c in 0..50u32 {
            let jitter = f64::from(c % 5) - 2.0;
            for k in 0..6 {
                m.observe(buy(c, 1, f64::from(k) * (10.0 + jitter)));
            }
            m.observe(buy(c, 2, 3.0));
        }
        m.refit();
        m
    }

    #[test]
    fn empty_history_has_no_due_date() {
        let m = CycleModel::new();
        assert!(m.due(1, 1, 10.0).is_none());
        assert_eq!(m.chance_between(1, 1, 0.0, 10.0), 0.0);
        assert!(!m.is_consumable(1));
        assert!(m.next_visit(1, 0.0).is_none());
    }

    #[test]
    fn one_purchase_falls_back_to_the_product_cycle() {
        let mut m = population();
        m.observe(buy(999, 1, 100.0));
        let d = m.due(999, 1, 100.0).unwrap();
        assert_eq!(d.own_gaps, 0);
        assert!((d.day - 110.0).abs() < 2.0, "{d:?}");
        assert!(d.low < d.day && d.day < d.high);
        // Bought once by everyone, never again: not consumable, low confidence.
        assert!(m.is_consumable(1));
        assert!(!m.is_consumable(2));
        m.observe(buy(999, 2, 100.0));
        assert!(m.due(999, 2, 100.0).unwrap().confidence < 0.2);
    }

    #[test]
    fn own_history_pulls_away_from_the_product() {
        let mut m = population();
        for k in 0..8 {
            m.observe(buy(500, 1, f64::from(k) * 30.0));
        }
        let d = m.due(500, 1, 210.0).unwrap();
        // Own gaps are 30 days, the product's 10: with 7 gaps the estimate sits near 30.
        assert!(d.day - 210.0 > 20.0 && d.day - 210.0 < 32.0, "{d:?}");
        m.observe(buy(501, 1, 0.0));
        m.observe(buy(501, 1, 30.0));
        let short = m.due(501, 1, 30.0).unwrap();
        // One gap: shrunk between 10 and 30.
        assert!(
            short.day - 30.0 > 10.5 && short.day - 30.0 < 29.0,
            "{short:?}"
        );
    }

    #[test]
    fn same_day_duplicates_merge_and_out_of_order_equals_in_order() {
        let mut a = population();
        let mut b = a.clone();
        for day in [200.0, 210.0, 210.2, 220.0] {
            a.observe(buy(607, 1, day));
        }
        for day in [220.0, 200.0, 210.0, 210.2] {
            b.observe(buy(607, 1, day));
        }
        let (da, db) = (a.due(607, 1, 220.0).unwrap(), b.due(607, 1, 220.0).unwrap());
        assert_eq!(da.own_gaps, 2);
        assert_eq!(db.own_gaps, 2);
        assert!((da.day - db.day).abs() < 1e-9);
    }

    #[test]
    fn quantity_stretches_the_cycle_and_bad_quantities_are_safe() {
        let mut m = population();
        let mut p = buy(608, 1, 100.0);
        p.qty = 3.0;
        m.observe(p);
        let three = m.due(608, 1, 100.0).unwrap().day - 100.0;
        assert!(three > 25.0 && three < 35.0, "{three}");
        for q in [0.0, -4.0, f64::NAN, 1e12] {
            let mut p = buy(609, 3, 0.0);
            p.qty = q;
            assert!(m.observe(p));
            assert!(m.due(609, 3, 0.0).unwrap().day.is_finite());
        }
        assert!(!m.observe(buy(609, 3, f64::INFINITY)));
    }

    #[test]
    fn censored_gaps_lengthen_the_cycle() {
        let mut plain = CycleModel::new();
        let mut capped = CycleModel::new();
        for c in 0..40u32 {
            for k in 0..4 {
                let day = f64::from(k) * 30.0;
                plain.observe(buy(c, 1, day));
                let mut p = buy(c, 1, day);
                p.censored_since_previous = k > 0;
                capped.observe(p);
            }
        }
        plain.refit();
        capped.refit();
        let p = plain.product_cycle_days(1).unwrap();
        let c = capped.product_cycle_days(1).unwrap();
        assert!((p - 30.0).abs() < 3.0, "{p}");
        assert!(c > 31.0, "a censored 30 means more than 30: {c}");
    }

    #[test]
    fn waiting_moves_the_due_date_forward_and_raises_the_chance() {
        let mut m = population();
        m.observe(buy(610, 1, 0.0));
        m.observe(buy(610, 1, 10.0));
        let fresh = m.due(610, 1, 10.0).unwrap();
        let late = m.due(610, 1, 40.0).unwrap();
        assert!(late.day > 40.0 && late.day > fresh.day);
        let soon = m.chance_between(610, 1, 11.0, 12.0);
        let due = m.chance_between(610, 1, 19.0, 21.0);
        assert!(due > soon, "{soon} {due}");
        assert_eq!(m.chance_between(610, 1, 20.0, 20.0), 0.0);
    }

    #[test]
    fn next_visit_uses_the_median_visit_gap() {
        let mut m = CycleModel::new();
        for (i, day) in [0.0, 7.0, 14.0, 40.0].into_iter().enumerate() {
            m.observe(buy(1, i as u32, day));
        }
        assert_eq!(m.next_visit(1, 40.0), Some(47.0));
        assert_eq!(m.next_visit(1, 60.0), Some(60.0));
    }
}
