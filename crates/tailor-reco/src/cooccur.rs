//! Item-to-item co-occurrence with significance weighting: "also viewed" (items seen in one session)
//! and "bought together" (items in one order). A candidate source: it turns one item, or a cart of
//! items, into scored neighbours that later stages filter and rank.
//!
//! A *group* is one session or one order. The index keeps, for every item `i`, the number of groups
//! holding it, `n(i)`, the number of groups, `N`, and for every neighbour `j` the number of groups
//! holding both, `c(i, j)`. [`Scoring`] turns these counts into a score: raw counts (the baseline),
//! counts damped by popularity (cosine-like), Dunning's log-likelihood ratio, or a smoothed
//! confidence `P(j | i)` that ranks positively associated pairs first.
//!
//! Work and memory are bounded by named limits (see [`CoOccurConfig`]): an item pairs only with the
//! [`DEFAULT_PAIR_WINDOW`] distinct items before it in its group, a group counts at most
//! [`DEFAULT_MAX_GROUP_ITEMS`] distinct items, and each item keeps at most
//! `2 * `[`DEFAULT_MAX_NEIGHBOURS`] neighbours (pruned back to the strongest counts).
//!
//! ```
//! use tailor_reco::cooccur::{CoOccurConfig, CoOccurrence, Scoring};
//!
//! let mut index = CoOccurrence::new(CoOccurConfig::default()).unwrap();
//! index.add_group(&[1, 2, 3]);
//! index.add_group(&[1, 2]);
//! index.set_scoring(Scoring::Count).unwrap();
//! let recs = index.similar(1, 10, &|_| false);
//! assert_eq!(recs, vec![(2, 2.0), (3, 1.0)]);
//! ```

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};

/// An item pairs with at most this many distinct items before it in its group, so a group of `L`
/// items costs at most `L * 100` pair updates, not `L²`. Instacart orders (at most 89 lines in the
/// sample) are counted in full.
pub const DEFAULT_PAIR_WINDOW: usize = 100;
/// Distinct items of one group that are counted; later items are ignored (bot sessions).
pub const DEFAULT_MAX_GROUP_ITEMS: usize = 500;
/// Neighbours kept per item after pruning. An item's map is pruned when it exceeds twice this,
/// keeping the highest counts (ties: lower id), so pruning costs O(1) amortized per insert.
pub const DEFAULT_MAX_NEIGHBOURS: usize = 1000;
/// Most popular items that [`Scoring::Confidence`] also scores as zero-count candidates: its prior
/// gives them a score even without a co-occurrence. That score grows with popularity alone, so
/// these are exactly the best zero-count candidates for any `n` up to this (less exclusions).
pub const DEFAULT_PRIOR_CANDIDATES: usize = 50;
/// Context items a multi-item query uses (the last ones given).
pub const MAX_CONTEXT_ITEMS: usize = 64;

/// Prior weight `m` of [`Scoring::Confidence`], tuned with [`DEFAULT_MIN_LIFT`] and
/// [`DEFAULT_MIN_SUPPORT`] on instacart-sample's validation split (each user's second-to-last
/// order, trained on earlier orders only) by `tailor eval bought-together`. Not tuned on sessions.
pub const DEFAULT_PRIOR_WEIGHT: f32 = 50.0;
/// Least lift for a pair to be ranked as associated by [`Scoring::Confidence`]: 1 is "seen together
/// more often than chance". Infinity (no associated tier) scores higher on instacart's HR@10, whose
/// targets are mostly staples, but then ranks a staple with no association above a complement.
pub const DEFAULT_MIN_LIFT: f32 = 1.0;
/// Least co-occurrence count for a pair to be called associated.
pub const DEFAULT_MIN_SUPPORT: u32 = 1;

/// How counts become a score. For a fixed query item `i` and candidate `j`: `c = c(i, j)`,
/// `n(j)` groups hold `j`, `N` groups in all.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scoring {
    /// Raw count `c`. The baseline: it favours whatever is popular.
    Count,
    /// `c / n(j)^exponent`: 0 is the raw count, 0.5 ranks like cosine similarity, 1 like lift.
    Damped {
        /// The popularity-dampening exponent, in `[0, 1]`.
        exponent: f32,
    },
    /// Dunning's log-likelihood ratio G² (Dunning 1993, as in Mahout's item similarity) of the
    /// 2×2 table of groups with/without `i` and `j`; only pairs seen more often than chance.
    Llr,
    /// Smoothed confidence `P̂(j | i) = (c + m·n(j)/N) / (n(i) + m)`: the posterior mean of `P(j | i)`
    /// under a Beta prior of weight `m` centred on the base rate `n(j)/N`. Pairs whose lift
    /// `c·N / (n(i)·n(j))` exceeds `min_lift` (and `c >= min_support`) are associated and rank first,
    /// scored `1 + P̂`; all others, popular items never seen with `i` included, follow with `P̂`.
    /// A popular item with no association therefore never outranks an associated one, and the
    /// popular items still fill the list where associations run out.
    Confidence {
        /// Prior weight `m >= 0`, in groups.
        prior_weight: f32,
        /// Least lift for a pair to be associated, `>= 0`; infinity ranks every pair by `P̂` alone.
        min_lift: f32,
    },
}

impl Default for Scoring {
    fn default() -> Self {
        Scoring::Confidence {
            prior_weight: DEFAULT_PRIOR_WEIGHT,
            min_lift: DEFAULT_MIN_LIFT,
        }
    }
}

/// Limits and scoring of a [`CoOccurrence`] index.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CoOccurConfig {
    /// How counts become scores; can be changed later with [`CoOccurrence::set_scoring`].
    pub scoring: Scoring,
    /// Least count for a pair to be associated. Pairs below it are dropped, except by
    /// [`Scoring::Confidence`], which ranks them with the unassociated ones.
    pub min_support: u32,
    /// See [`DEFAULT_PAIR_WINDOW`]; at least 1.
    pub pair_window: usize,
    /// See [`DEFAULT_MAX_GROUP_ITEMS`]; at least 1.
    pub max_group_items: usize,
    /// See [`DEFAULT_MAX_NEIGHBOURS`]; at least 1.
    pub max_neighbours: usize,
    /// See [`DEFAULT_PRIOR_CANDIDATES`].
    pub prior_candidates: usize,
}

impl Default for CoOccurConfig {
    fn default() -> Self {
        Self {
            scoring: Scoring::default(),
            min_support: DEFAULT_MIN_SUPPORT,
            pair_window: DEFAULT_PAIR_WINDOW,
            max_group_items: DEFAULT_MAX_GROUP_ITEMS,
            max_neighbours: DEFAULT_MAX_NEIGHBOURS,
            prior_candidates: DEFAULT_PRIOR_CANDIDATES,
        }
    }
}

/// A configuration value out of its range; names the field.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigError {
    /// The field, e.g. `scoring.prior_weight`.
    pub field: &'static str,
    /// What it must be.
    pub expected: &'static str,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} must be {}", self.field, self.expected)
    }
}

impl std::error::Error for ConfigError {}

fn check_scoring(s: &Scoring) -> Result<(), ConfigError> {
    let bad = |field, expected| Err(ConfigError { field, expected });
    match *s {
        Scoring::Count | Scoring::Llr => Ok(()),
        Scoring::Damped { exponent } if !(0.0..=1.0).contains(&exponent) => {
            bad("scoring.exponent", "in [0, 1]")
        }
        Scoring::Damped { .. } => Ok(()),
        Scoring::Confidence { prior_weight, .. }
            if !(prior_weight.is_finite() && prior_weight >= 0.0) =>
        {
            bad("scoring.prior_weight", "finite and >= 0")
        }
        // Infinity is allowed: nothing is then associated.
        Scoring::Confidence { min_lift, .. } if min_lift.is_nan() || min_lift < 0.0 => {
            bad("scoring.min_lift", ">= 0")
        }
        Scoring::Confidence { .. } => Ok(()),
    }
}

/// A fast, deterministic hasher for dense `u32` ids (Fx-style multiply-rotate). Not DoS-resistant,
/// which is fine: the keys are our own dense indices, not user strings.
#[derive(Default, Clone, Copy)]
pub(crate) struct IdHasher(u64);

const ID_HASH_K: u64 = 0x517c_c1b7_2722_0a95;

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0.rotate_left(5) ^ u64::from(b)).wrapping_mul(ID_HASH_K);
        }
    }
    fn write_u32(&mut self, i: u32) {
        self.0 = (self.0.rotate_left(5) ^ u64::from(i)).wrapping_mul(ID_HASH_K);
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(ID_HASH_K);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// A `HashMap` keyed by dense ids.
pub(crate) type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;
type IdSet<K> = HashSet<K, BuildHasherDefault<IdHasher>>;

/// The best `n` of `cands` that `exclude` lets through, score descending, then id ascending.
/// Scores are rounded to `f32` before ranking, so the order always agrees with the scores returned.
/// `exclude` (the shop's filters, dearer than scoring) is asked in score order only until `n`
/// pass, not about every candidate of every context item.
fn top_n(
    cands: impl IntoIterator<Item = (u32, f64)>,
    n: usize,
    exclude: &dyn Fn(u32) -> bool,
) -> Vec<(u32, f32)> {
    crate::session::top_n(cands.into_iter().map(|(id, s)| (id, s as f32)), n, exclude)
}

/// The co-occurrence index. Build it from history with [`CoOccurrence::add_group`] (or
/// [`CoOccurrence::from_groups`]), keep it current per event with [`CoOccurrence::extend_group`],
/// and query it with [`CoOccurrence::similar`] or [`CoOccurrence::similar_to_all`].
///
/// Updates are cheap (at most `pair_window` map increments per event), so the live server can update
/// in place. Where writers must not block readers, build a fresh index from history in the
/// background and swap it in (e.g. behind an `ArcSwap`); the build is a pure function of the groups
/// in their order.
///
/// Items are dense ids: the index holds a slot per id up to the largest seen, plus at most
/// `2 * max_neighbours` counts per item.
#[derive(Debug, Clone)]
pub struct CoOccurrence {
    config: CoOccurConfig,
    /// `N`: groups seen.
    groups: u64,
    /// `n(i)`: groups holding item `i`, indexed by item.
    item_groups: Vec<u32>,
    /// `c(i, j)` for each `i`, indexed by item; symmetric unless pruning dropped one side.
    neighbours: Vec<IdMap<u32, u32>>,
    /// The `prior_candidates` items with the most groups, by (n desc, id asc). Exact: counts only
    /// grow, so an item can enter only by beating the last one.
    popular: Vec<u32>,
}

impl CoOccurrence {
    /// An empty index.
    pub fn new(config: CoOccurConfig) -> Result<Self, ConfigError> {
        check_scoring(&config.scoring)?;
        for (field, v) in [
            ("pair_window", config.pair_window),
            ("max_group_items", config.max_group_items),
            ("max_neighbours", config.max_neighbours),
        ] {
            if v == 0 {
                return Err(ConfigError {
                    field,
                    expected: "at least 1",
                });
            }
        }
        Ok(Self {
            config,
            groups: 0,
            item_groups: Vec::new(),
            neighbours: Vec::new(),
            popular: Vec::new(),
        })
    }

    /// An index built from `groups` (orders or sessions), in their order.
    pub fn from_groups<'a>(
        config: CoOccurConfig,
        groups: impl IntoIterator<Item = &'a [u32]>,
    ) -> Result<Self, ConfigError> {
        let mut index = Self::new(config)?;
        for g in groups {
            index.add_group(g);
        }
        Ok(index)
    }

    /// The configuration in use.
    pub fn config(&self) -> &CoOccurConfig {
        &self.config
    }

    /// Changes the scoring; counts are kept, so this is free.
    pub fn set_scoring(&mut self, scoring: Scoring) -> Result<(), ConfigError> {
        check_scoring(&scoring)?;
        self.config.scoring = scoring;
        Ok(())
    }

    /// Changes the least count for a pair to be associated; counts are kept.
    pub fn set_min_support(&mut self, min_support: u32) {
        self.config.min_support = min_support;
    }

    /// Groups counted so far (`N`).
    pub fn groups(&self) -> u64 {
        self.groups
    }

    /// Groups holding `item` (`n(item)`); 0 for unknown items.
    pub fn item_groups(&self, item: u32) -> u32 {
        self.item_groups.get(item as usize).copied().unwrap_or(0)
    }

    /// Groups holding both `a` and `b` as stored in `a`'s neighbours (0 if unknown or pruned).
    pub fn pair_count(&self, a: u32, b: u32) -> u32 {
        self.neighbours
            .get(a as usize)
            .and_then(|m| m.get(&b))
            .copied()
            .unwrap_or(0)
    }

    /// Neighbours currently stored for `item`.
    pub fn neighbour_count(&self, item: u32) -> usize {
        self.neighbours.get(item as usize).map_or(0, |m| m.len())
    }

    /// Counts one whole group (an order, or a finished session). Repeated items count once; only the
    /// first `max_group_items` distinct items count; each pairs with the `pair_window` distinct
    /// items before it. Same result as calling [`CoOccurrence::extend_group`] item by item.
    pub fn add_group(&mut self, items: &[u32]) {
        let mut seen: IdSet<u32> = IdSet::default();
        let mut distinct: Vec<u32> =
            Vec::with_capacity(items.len().min(self.config.max_group_items));
        for &item in items {
            if distinct.len() >= self.config.max_group_items {
                break;
            }
            if seen.insert(item) {
                self.push_item(&distinct, item);
                distinct.push(item);
            }
        }
    }

    /// Counts `new` joining a live group (a session) that already holds `earlier`, the distinct items
    /// counted so far in order, as the caller keeps them. No-op if `new` is among them or the group is
    /// full. Cost: at most `pair_window` pair updates.
    pub fn extend_group(&mut self, earlier: &[u32], new: u32) {
        if earlier.len() >= self.config.max_group_items || earlier.contains(&new) {
            return;
        }
        self.push_item(earlier, new);
    }

    fn push_item(&mut self, earlier: &[u32], new: u32) {
        if earlier.is_empty() {
            self.groups += 1;
        }
        self.ensure_item(new);
        let n = &mut self.item_groups[new as usize];
        *n = n.saturating_add(1);
        self.bump_popular(new);
        let from = earlier.len().saturating_sub(self.config.pair_window);
        for &other in &earlier[from..] {
            self.ensure_item(other);
            self.bump_pair(new, other);
            self.bump_pair(other, new);
        }
    }

    fn ensure_item(&mut self, item: u32) {
        let need = item as usize + 1;
        if self.item_groups.len() < need {
            self.item_groups.resize(need, 0);
            self.neighbours.resize_with(need, IdMap::default);
        }
    }

    fn bump_pair(&mut self, a: u32, b: u32) {
        let cap = self.config.max_neighbours;
        let map = &mut self.neighbours[a as usize];
        let c = map.entry(b).or_insert(0);
        *c = c.saturating_add(1);
        if map.len() > cap.saturating_mul(2) {
            prune(map, cap);
        }
    }

    fn popular_before(&self, a: u32, b: u32) -> bool {
        let (na, nb) = (self.item_groups[a as usize], self.item_groups[b as usize]);
        na > nb || (na == nb && a < b)
    }

    fn bump_popular(&mut self, item: u32) {
        let k = self.config.prior_candidates;
        if k == 0 {
            return;
        }
        // Most bumps are of tail items that cannot enter: reject them without searching the
        // list. An item in the list other than the last already ranks before the last.
        if self.popular.len() == k {
            let last = self.popular[k - 1];
            if item != last && !self.popular_before(item, last) {
                return;
            }
        }
        let mut pos = match self.popular.iter().position(|&x| x == item) {
            Some(p) => p,
            None if self.popular.len() < k => {
                self.popular.push(item);
                self.popular.len() - 1
            }
            None => {
                let last = self.popular[k - 1];
                if !self.popular_before(item, last) {
                    return;
                }
                self.popular[k - 1] = item;
                k - 1
            }
        };
        while pos > 0 && self.popular_before(item, self.popular[pos - 1]) {
            self.popular.swap(pos, pos - 1);
            pos -= 1;
        }
    }

    /// The score of candidate `j` with count `c` for a query item with `ni` groups, or `None` if
    /// the pair is not a candidate under the current scoring.
    fn score(&self, c: u32, ni: u32, j: u32) -> Option<f64> {
        let nj = f64::from(self.item_groups(j));
        let (c_f, ni_f, n_f) = (f64::from(c), f64::from(ni), self.groups as f64);
        let supported = c >= self.config.min_support.max(1);
        match self.config.scoring {
            Scoring::Count => supported.then_some(c_f),
            Scoring::Damped { exponent } => {
                supported.then(|| c_f / nj.max(1.0).powf(f64::from(exponent)))
            }
            Scoring::Llr => {
                // Only pairs seen more often than independence predicts: c/ni > nj/N.
                if !supported || c_f * n_f <= ni_f * nj {
                    return None;
                }
                Some(llr(c_f, ni_f - c_f, nj - c_f, n_f - ni_f - nj + c_f))
            }
            Scoring::Confidence {
                prior_weight,
                min_lift,
            } => {
                if n_f <= 0.0 {
                    return None;
                }
                let m = f64::from(prior_weight);
                let base = nj / n_f;
                let conf = (c_f + m * base) / (ni_f + m);
                if !conf.is_finite() || conf <= 0.0 {
                    return None;
                }
                let associated = supported && c_f * n_f > f64::from(min_lift) * ni_f * nj;
                Some(if associated { 1.0 + conf } else { conf })
            }
        }
    }

    /// Calls `emit` with each scored candidate of `item` (each at most once), skipping `skip`.
    fn candidates(&self, item: u32, skip: &dyn Fn(u32) -> bool, mut emit: impl FnMut(u32, f64)) {
        let ni = self.item_groups(item);
        let Some(map) = self.neighbours.get(item as usize) else {
            return;
        };
        if ni == 0 {
            return;
        }
        for (&j, &c) in map {
            if j == item || skip(j) {
                continue;
            }
            if let Some(s) = self.score(c, ni, j) {
                emit(j, s);
            }
        }
        if matches!(self.config.scoring, Scoring::Confidence { .. }) {
            for &j in &self.popular {
                if j == item || map.contains_key(&j) || skip(j) {
                    continue;
                }
                if let Some(s) = self.score(0, ni, j) {
                    emit(j, s);
                }
            }
        }
    }

    /// The `n` best neighbours of `item`, by score descending then id ascending, never `item` itself
    /// nor any id for which `exclude` is true. Empty for an unknown item or `n == 0`.
    pub fn similar(&self, item: u32, n: usize, exclude: &dyn Fn(u32) -> bool) -> Vec<(u32, f32)> {
        if n == 0 {
            return Vec::new();
        }
        let mut cands = Vec::with_capacity(self.neighbour_count(item) + self.popular.len());
        self.candidates(item, &|_| false, |j, s| cands.push((j, s)));
        top_n(cands, n, exclude)
    }

    /// The `n` best neighbours of a context of several items (a cart): each candidate's score is the
    /// sum of its scores against each distinct known context item, so items that go with the whole
    /// cart rise. Uses the last [`MAX_CONTEXT_ITEMS`] distinct items; never returns a context item.
    pub fn similar_to_all(
        &self,
        items: &[u32],
        n: usize,
        exclude: &dyn Fn(u32) -> bool,
    ) -> Vec<(u32, f32)> {
        if n == 0 {
            return Vec::new();
        }
        let mut context: Vec<u32> = Vec::new();
        for &i in items.iter().rev() {
            if context.len() >= MAX_CONTEXT_ITEMS {
                break;
            }
            if !context.contains(&i) {
                context.push(i);
            }
        }
        let in_context = |j: u32| context.contains(&j);
        let mut acc: IdMap<u32, f64> = IdMap::default();
        for &i in &context {
            self.candidates(i, &in_context, |j, s| *acc.entry(j).or_insert(0.0) += s);
        }
        top_n(acc, n, exclude)
    }
}

/// Keeps the `cap` highest counts of `map` (ties: lower id).
fn prune(map: &mut IdMap<u32, u32>, cap: usize) {
    let mut entries: Vec<(u32, u32)> = map.drain().collect();
    let order = |a: &(u32, u32), b: &(u32, u32)| b.1.cmp(&a.1).then(a.0.cmp(&b.0));
    if entries.len() > cap {
        entries.select_nth_unstable_by(cap - 1, order);
        entries.truncate(cap);
    }
    map.extend(entries);
}

fn x_log_x(x: f64) -> f64 {
    if x > 0.0 { x * x.ln() } else { 0.0 }
}

/// Dunning's G² for the 2×2 table `[[k11, k12], [k21, k22]]`, in Mahout's entropy form:
/// `2 · (H(rows) + H(cols) − H(cells))` with unnormalised entropies. Never negative.
pub fn llr(k11: f64, k12: f64, k21: f64, k22: f64) -> f64 {
    let n = k11 + k12 + k21 + k22;
    let row = x_log_x(n) - x_log_x(k11 + k12) - x_log_x(k21 + k22);
    let col = x_log_x(n) - x_log_x(k11 + k21) - x_log_x(k12 + k22);
    let cells = x_log_x(n) - x_log_x(k11) - x_log_x(k12) - x_log_x(k21) - x_log_x(k22);
    (2.0 * (row + col - cells)).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn none(_: u32) -> bool {
        false
    }

    fn index(scoring: Scoring, groups: &[&[u32]]) -> CoOccurrence {
        let config = CoOccurConfig {
            scoring,
            ..CoOccurConfig::default()
        };
        CoOccurrence::from_groups(config, groups.iter().copied()).unwrap()
    }

    /// 10 groups. Item 0 (think bananas) is in 8 of them.
    fn popular_vs_associated() -> Vec<Vec<u32>> {
        // Item 1 is in 5 groups. It meets 0 (in 8 of 10 groups) in 4 of them: 0.8 = chance.
        // It meets 2 (in 3 groups) in 3 of them: lift 2. Raw counts say 0 (4) beats 2 (3).
        vec![
            vec![1, 0, 2],
            vec![1, 0, 2],
            vec![1, 0, 2],
            vec![1, 0],
            vec![1, 5],
            vec![0, 6],
            vec![0, 7],
            vec![0, 8],
            vec![0, 9],
            vec![9, 8],
        ]
    }

    fn built(scoring: Scoring) -> CoOccurrence {
        let g = popular_vs_associated();
        index(scoring, &g.iter().map(|v| v.as_slice()).collect::<Vec<_>>())
    }

    #[test]
    fn counts_are_hand_computed() {
        let ix = built(Scoring::Count);
        assert_eq!(ix.groups(), 10);
        assert_eq!(ix.item_groups(0), 8);
        assert_eq!(ix.item_groups(1), 5);
        assert_eq!(ix.pair_count(1, 0), 4);
        assert_eq!(ix.pair_count(0, 1), 4);
        assert_eq!(ix.pair_count(1, 2), 3);
        // Raw counts put the popular item first: the baseline's weakness.
        let recs = ix.similar(1, 3, &none);
        assert_eq!(recs, vec![(0, 4.0), (2, 3.0), (5, 1.0)]);
    }

    #[test]
    fn popular_item_does_not_outrank_associated_one() {
        for scoring in [
            Scoring::Llr,
            Scoring::Damped { exponent: 0.5 },
            Scoring::Confidence {
                prior_weight: 0.0,
                min_lift: 1.0,
            },
            Scoring::Confidence {
                prior_weight: 50.0,
                min_lift: 1.0,
            },
            Scoring::default(),
        ] {
            let recs = built(scoring).similar(1, 10, &none);
            let pos = |id: u32| recs.iter().position(|r| r.0 == id);
            assert_eq!(recs[0].0, 2, "{scoring:?}: {recs:?}");
            assert!(pos(0).is_none_or(|p| p > 0), "{scoring:?}: {recs:?}");
        }
    }

    #[test]
    fn llr_matches_hand_computation() {
        // k = [[3, 2], [0, 5]]: G² = 2·Σ k·ln(k·N / (row·col)).
        let g2 = llr(3.0, 2.0, 0.0, 5.0);
        let hand = 2.0
            * (3.0 * (3.0f64 * 10.0 / (5.0 * 3.0)).ln()
                + 2.0 * (2.0f64 * 10.0 / (5.0 * 7.0)).ln()
                + 5.0 * (5.0f64 * 10.0 / (5.0 * 7.0)).ln());
        assert!((g2 - hand).abs() < 1e-9, "{g2} vs {hand}");
        // Independence gives 0.
        assert!(llr(2.0, 2.0, 2.0, 2.0).abs() < 1e-12);
        let s = built(Scoring::Llr).similar(1, 10, &none);
        // Item 2: c = 3, n(1) = 5, n(2) = 3, N = 10: the table above.
        assert!((f64::from(s[0].1) - hand).abs() < 1e-4);
        // Item 0 meets 1 exactly as often as chance predicts: not a candidate.
        assert!(s.iter().all(|r| r.0 != 0));
    }

    #[test]
    fn confidence_is_the_smoothed_conditional_probability() {
        let ix = built(Scoring::Confidence {
            prior_weight: 10.0,
            min_lift: 1.0,
        });
        let recs = ix.similar(1, 10, &none);
        let get = |id: u32| recs.iter().find(|r| r.0 == id).map(|r| r.1);
        // j = 2: associated, 1 + (3 + 10·0.3) / (5 + 10) = 1.4.
        assert!((get(2).unwrap() - 1.4).abs() < 1e-6);
        // j = 0: not associated (lift 1), (4 + 10·0.8) / 15 = 0.8.
        assert!((get(0).unwrap() - 0.8).abs() < 1e-6);
        // j = 9: never seen with 1, but popular enough to be a prior candidate: 10·0.2/15.
        assert!((get(9).unwrap() - 2.0 / 15.0).abs() < 1e-6);
    }

    #[test]
    fn min_support_drops_rare_pairs() {
        let mut ix = built(Scoring::Count);
        ix.set_min_support(2);
        let recs = ix.similar(1, 10, &none);
        assert_eq!(recs, vec![(0, 4.0), (2, 3.0)]);
        ix.set_min_support(4);
        assert_eq!(ix.similar(1, 10, &none), vec![(0, 4.0)]);
        ix.set_min_support(5);
        assert!(ix.similar(1, 10, &none).is_empty());
        // Confidence keeps unsupported pairs, but below the associated ones.
        let mut ix = built(Scoring::Confidence {
            prior_weight: 1.0,
            min_lift: 1.0,
        });
        ix.set_min_support(4);
        let recs = ix.similar(1, 10, &none);
        assert!(
            recs.iter().all(|r| r.1 < 1.0),
            "nothing is associated at support 4: {recs:?}"
        );
    }

    #[test]
    fn exclusion_and_ties() {
        let ix = built(Scoring::Count);
        let recs = ix.similar(1, 10, &|j| j == 0);
        assert_eq!(recs, vec![(2, 3.0), (5, 1.0)]);
        // Ties break by id: 0 meets 6, 7, 8 once each.
        let recs = ix.similar(0, 10, &|j| j == 1 || j == 2);
        assert_eq!(recs, vec![(6, 1.0), (7, 1.0), (8, 1.0), (9, 1.0)]);
        assert_eq!(ix.similar(0, 2, &|j| j == 1 || j == 2).len(), 2);
    }

    #[test]
    fn empty_and_unknown_inputs_give_empty() {
        let empty = CoOccurrence::new(CoOccurConfig::default()).unwrap();
        assert!(empty.similar(0, 10, &none).is_empty());
        assert!(empty.similar_to_all(&[], 10, &none).is_empty());
        assert!(empty.similar_to_all(&[1, 2], 10, &none).is_empty());
        for scoring in [Scoring::Count, Scoring::Llr, Scoring::default()] {
            let ix = built(scoring);
            assert!(ix.similar(u32::MAX, 10, &none).is_empty());
            assert!(
                ix.similar(3, 10, &none).is_empty(),
                "3 is below the max id but never seen"
            );
            assert!(ix.similar(1, 0, &none).is_empty());
            assert!(ix.similar_to_all(&[], 10, &none).is_empty());
            assert!(
                ix.similar_to_all(&[u32::MAX, 4_000_000], 10, &none)
                    .is_empty()
            );
        }
        let mut ix = CoOccurrence::new(CoOccurConfig::default()).unwrap();
        ix.add_group(&[]);
        ix.add_group(&[7]);
        assert_eq!(ix.groups(), 1);
        assert!(ix.similar(7, 10, &none).iter().all(|r| r.0 != 7));
    }

    #[test]
    fn multi_item_context_sums_and_excludes_the_cart() {
        let ix = index(
            Scoring::Count,
            &[&[1, 2, 3], &[1, 3], &[2, 4], &[2, 4], &[1, 4]],
        );
        // 3 goes with 1 (2) and 2 (1): 3; 4 goes with 1 (1) and 2 (2): 3; tie by id.
        assert_eq!(
            ix.similar_to_all(&[1, 2], 10, &none),
            vec![(3, 3.0), (4, 3.0)]
        );
        assert_eq!(
            ix.similar_to_all(&[1, 2, 2, 1], 10, &none),
            vec![(3, 3.0), (4, 3.0)]
        );
        assert_eq!(ix.similar_to_all(&[1, 2], 10, &|j| j == 3), vec![(4, 3.0)]);
        // Unknown context items are ignored.
        assert_eq!(
            ix.similar_to_all(&[1, 999], 10, &none),
            ix.similar(1, 10, &none)
        );
    }

    #[test]
    fn context_uses_the_last_max_context_items() {
        // Item 1000 only meets item 0, the first of a long context.
        let mut groups: Vec<Vec<u32>> = vec![vec![0, 1000]];
        groups.extend((1..=MAX_CONTEXT_ITEMS as u32).map(|i| vec![i, 2000]));
        let ix = index(
            Scoring::Count,
            &groups.iter().map(|g| g.as_slice()).collect::<Vec<_>>(),
        );
        let context: Vec<u32> = (0..=MAX_CONTEXT_ITEMS as u32).collect();
        let recs = ix.similar_to_all(&context, 10, &none);
        assert_eq!(recs, vec![(2000, MAX_CONTEXT_ITEMS as f32)]);
        let recs = ix.similar_to_all(&context[..MAX_CONTEXT_ITEMS], 10, &none);
        assert_eq!(
            recs,
            vec![(2000, (MAX_CONTEXT_ITEMS - 1) as f32), (1000, 1.0)]
        );
    }

    #[test]
    fn pair_window_edge() {
        let config = CoOccurConfig {
            scoring: Scoring::Count,
            pair_window: 2,
            ..CoOccurConfig::default()
        };
        let ix = CoOccurrence::from_groups(config, [&[1u32, 2, 3, 4][..]]).unwrap();
        // 4 pairs with 2 and 3 only; 3 with 1 and 2.
        assert_eq!(ix.pair_count(4, 3), 1);
        assert_eq!(ix.pair_count(4, 2), 1);
        assert_eq!(ix.pair_count(4, 1), 0);
        assert_eq!(ix.pair_count(3, 1), 1);
        assert_eq!(ix.item_groups(4), 1);
        // A window as long as the group counts every pair.
        let config = CoOccurConfig {
            pair_window: 3,
            ..config
        };
        let ix = CoOccurrence::from_groups(config, [&[1u32, 2, 3, 4][..]]).unwrap();
        assert_eq!(ix.pair_count(4, 1), 1);
    }

    #[test]
    fn max_group_items_edge() {
        let config = CoOccurConfig {
            scoring: Scoring::Count,
            max_group_items: 3,
            ..CoOccurConfig::default()
        };
        let ix = CoOccurrence::from_groups(config, [&[1u32, 1, 2, 3, 4][..]]).unwrap();
        // Duplicates don't use up the limit; the 4th distinct item is ignored.
        assert_eq!(ix.item_groups(3), 1);
        assert_eq!(ix.item_groups(4), 0);
        assert_eq!(ix.pair_count(3, 1), 1);
        let mut live = CoOccurrence::new(config).unwrap();
        live.extend_group(&[], 1);
        live.extend_group(&[1], 2);
        live.extend_group(&[1, 2], 3);
        live.extend_group(&[1, 2, 3], 4);
        assert_eq!(live.item_groups(4), 0);
        assert_eq!(live.groups(), 1);
    }

    #[test]
    fn max_neighbours_edge() {
        let config = CoOccurConfig {
            scoring: Scoring::Count,
            max_neighbours: 2,
            ..CoOccurConfig::default()
        };
        let mut ix = CoOccurrence::new(config).unwrap();
        ix.add_group(&[0, 1]);
        ix.add_group(&[0, 1]);
        ix.add_group(&[0, 2]);
        ix.add_group(&[0, 3]);
        ix.add_group(&[0, 4]);
        // Up to 2 * 2 neighbours are stored.
        assert_eq!(ix.neighbour_count(0), 4);
        ix.add_group(&[0, 5]);
        // The 5th prunes back to 2: the highest count (1), then the lowest id among ties (2).
        assert_eq!(ix.neighbour_count(0), 2);
        assert_eq!(ix.pair_count(0, 1), 2);
        assert_eq!(ix.pair_count(0, 2), 1);
        assert_eq!(ix.pair_count(0, 5), 0);
        // The other side of a pruned pair keeps its count.
        assert_eq!(ix.pair_count(5, 0), 1);
    }

    #[test]
    fn prior_candidates_follow_popularity() {
        let config = CoOccurConfig {
            prior_candidates: 2,
            ..CoOccurConfig::default()
        };
        let mut ix = CoOccurrence::new(config).unwrap();
        for g in [&[5u32][..], &[5], &[6], &[7], &[7], &[7], &[1, 2]] {
            ix.add_group(g);
        }
        assert_eq!(ix.popular, vec![7, 5]);
        ix.add_group(&[6]);
        assert_eq!(ix.popular, vec![7, 5], "ties keep the lower id");
        ix.add_group(&[6]);
        assert_eq!(
            ix.popular,
            vec![6, 7],
            "6 ties 7 at 3 groups and has the lower id"
        );
        // Item 1 has no neighbour but 2; the prior adds 6 and 7, tied.
        let recs = ix.similar(1, 10, &none);
        assert_eq!(recs.iter().map(|r| r.0).collect::<Vec<_>>(), vec![2, 6, 7]);
    }

    #[test]
    fn bad_config_is_rejected_by_name() {
        let bad = |scoring| {
            CoOccurrence::new(CoOccurConfig {
                scoring,
                ..CoOccurConfig::default()
            })
            .unwrap_err()
            .field
        };
        assert_eq!(bad(Scoring::Damped { exponent: 1.5 }), "scoring.exponent");
        assert_eq!(
            bad(Scoring::Confidence {
                prior_weight: f32::NAN,
                min_lift: 1.0
            }),
            "scoring.prior_weight"
        );
        assert_eq!(
            bad(Scoring::Confidence {
                prior_weight: 1.0,
                min_lift: -1.0
            }),
            "scoring.min_lift"
        );
        let err = CoOccurrence::new(CoOccurConfig {
            pair_window: 0,
            ..CoOccurConfig::default()
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "pair_window must be at least 1");
    }

    fn scorings() -> impl Strategy<Value = Scoring> {
        prop_oneof![
            Just(Scoring::Count),
            Just(Scoring::Llr),
            (0.0f32..=1.0).prop_map(|exponent| Scoring::Damped { exponent }),
            (0.0f32..100.0, 0.0f32..3.0).prop_map(|(prior_weight, min_lift)| Scoring::Confidence {
                prior_weight,
                min_lift
            }),
        ]
    }

    proptest! {
        // Failures are reported, not written next to the crate.
        #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn add_group_equals_extending_item_by_item(
            groups in prop::collection::vec(prop::collection::vec(0u32..30, 0..12), 0..20),
            window in 1usize..6,
            max_items in 1usize..8,
        ) {
            let config = CoOccurConfig {
                pair_window: window,
                max_group_items: max_items,
                max_neighbours: 4,
                ..CoOccurConfig::default()
            };
            let mut whole = CoOccurrence::new(config).unwrap();
            let mut live = CoOccurrence::new(config).unwrap();
            for g in &groups {
                whole.add_group(g);
                let mut earlier: Vec<u32> = Vec::new();
                for &item in g {
                    live.extend_group(&earlier, item);
                    if !earlier.contains(&item) && earlier.len() < max_items {
                        earlier.push(item);
                    }
                }
            }
            prop_assert_eq!(whole.groups, live.groups);
            prop_assert_eq!(&whole.item_groups, &live.item_groups);
            prop_assert_eq!(&whole.neighbours, &live.neighbours);
            prop_assert_eq!(&whole.popular, &live.popular);
            for m in &whole.neighbours {
                prop_assert!(m.len() <= 8);
            }
        }

        /// The filter is asked only at the cut; the answer must be the unfiltered ranking with
        /// the excluded items struck out, cut at `n`.
        #[test]
        fn filtering_at_the_cut_equals_filtering_everything(
            groups in prop::collection::vec(prop::collection::vec(0u32..40, 0..10), 0..30),
            scoring in scorings(),
            query in prop::collection::vec(0u32..45, 0..4),
            n in 0usize..12,
            modulus in 2u32..5,
        ) {
            let config = CoOccurConfig { scoring, ..CoOccurConfig::default() };
            let ix = CoOccurrence::from_groups(config, groups.iter().map(|g| g.as_slice())).unwrap();
            let exclude = |j: u32| j.is_multiple_of(modulus);
            let struck = |all: Vec<(u32, f32)>| -> Vec<(u32, f32)> {
                all.into_iter().filter(|&(j, _)| !exclude(j)).take(n).collect()
            };
            prop_assert_eq!(
                ix.similar_to_all(&query, n, &exclude),
                struck(ix.similar_to_all(&query, usize::MAX, &none))
            );
            if let Some(&q) = query.first() {
                prop_assert_eq!(ix.similar(q, n, &exclude), struck(ix.similar(q, usize::MAX, &none)));
            }
        }

        #[test]
        fn results_are_sorted_bounded_and_respect_exclusion(
            groups in prop::collection::vec(prop::collection::vec(0u32..40, 0..10), 0..30),
            scoring in scorings(),
            query in prop::collection::vec(0u32..45, 0..4),
            n in 0usize..12,
            banned in 0u32..40,
        ) {
            let config = CoOccurConfig { scoring, ..CoOccurConfig::default() };
            let ix = CoOccurrence::from_groups(config, groups.iter().map(|g| g.as_slice())).unwrap();
            let exclude = |j: u32| j == banned;
            let mut outs = vec![(ix.similar_to_all(&query, n, &exclude), query.clone())];
            if let Some(&q) = query.first() {
                outs.push((ix.similar(q, n, &exclude), vec![q]));
            }
            for (recs, query) in outs {
                prop_assert!(recs.len() <= n);
                for w in recs.windows(2) {
                    prop_assert!(w[0].1 > w[1].1 || (w[0].1 == w[1].1 && w[0].0 < w[1].0), "{:?}", recs);
                }
                for (id, s) in &recs {
                    prop_assert!(*id != banned && !query.contains(id));
                    prop_assert!(s.is_finite() && *s > 0.0);
                }
            }
        }
    }
}
