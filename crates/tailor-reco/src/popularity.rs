//! Popularity with exponential time decay: trending (short half-life) and most viewed or bought
//! (long half-life, or none), globally and per category. A candidate source and the fallback of
//! every other one: it always has an answer, even for a visitor or item seen for the first time.
//!
//! An event of weight `w` at time `t` is worth `w · 2^(−(now − t) / half_life)` at `now`. Scores are
//! stored in units of a reference time `r`, as `w · 2^((t − r) / half_life)`, so an event touches one
//! score per scope instead of decaying all of them, and the ranking at any `now` is the ranking of the
//! stored values. When `t − r` passes [`RENORMALISE_AFTER_HALF_LIVES`], every stored score is rescaled
//! to `r = t` (O(items) once per that many half-lives: O(1) amortized per event) and scores decayed
//! below [`FORGET_BELOW`] are dropped. Each scope keeps its best [`DEFAULT_TOP_KEPT`] items in order,
//! exactly, because stored scores only grow: an event finds its item there by binary search and moves
//! it up at most `top_kept` places, a cost bounded by that constant, not by the number of items.
//!
//! ```
//! use std::time::Duration;
//! use tailor_reco::popularity::{Popularity, PopularityConfig, Scope};
//!
//! let day = 86_400_000;
//! let mut trending = Popularity::new(PopularityConfig::with_half_life(Duration::from_secs(86_400))).unwrap();
//! trending.record(7, &[3], 0, 1.0);
//! assert!((trending.score(7, Scope::Global, day) - 0.5).abs() < 1e-9);
//! let top = trending.top(Scope::Category(3), 10, day, &|_| false);
//! assert_eq!(top, vec![(7, 0.5)]);
//! ```

pub use crate::cooccur::ConfigError;
use crate::cooccur::IdMap;
use std::cmp::Ordering;
use std::time::Duration;

/// Items kept in order per scope (global, each category). A top-N query with `n` up to this, and
/// few exclusions, reads only them; otherwise it scans the scope.
pub const DEFAULT_TOP_KEPT: usize = 256;
/// Half-lives between the reference time and an event after which scores are renormalised:
/// `2^64 ≈ 1.8e19` stays far inside `f64` range and keeps 52 bits of precision for new events.
pub const RENORMALISE_AFTER_HALF_LIVES: f64 = 64.0;
/// Scores below this at renormalisation (about 30 half-lives after a weight-1 event) are dropped,
/// so items that stop selling do not hold memory forever.
pub const FORGET_BELOW: f64 = 1e-9;
/// A half-life for "trending": a day.
pub const TRENDING_HALF_LIFE: Duration = Duration::from_secs(86_400);
/// A half-life for "most viewed" and "most bought": two weeks.
pub const POPULAR_HALF_LIFE: Duration = Duration::from_secs(14 * 86_400);

/// Which items a score or ranking covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// Every item.
    Global,
    /// Items recorded with this caller-provided category id.
    Category(u32),
}

/// Decay and limits of a [`Popularity`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PopularityConfig {
    /// Time for a score to halve; `None` never decays (plain weighted counts).
    pub half_life: Option<Duration>,
    /// See [`DEFAULT_TOP_KEPT`]; at least 1.
    pub top_kept: usize,
}

impl PopularityConfig {
    /// Decaying with `half_life`, other limits at their defaults.
    pub fn with_half_life(half_life: Duration) -> Self {
        Self {
            half_life: Some(half_life),
            top_kept: DEFAULT_TOP_KEPT,
        }
    }

    /// Plain counts, never decaying.
    pub fn all_time() -> Self {
        Self {
            half_life: None,
            top_kept: DEFAULT_TOP_KEPT,
        }
    }
}

impl Default for PopularityConfig {
    fn default() -> Self {
        Self::with_half_life(POPULAR_HALF_LIFE)
    }
}

/// Scores of one scope, and its best items in order.
#[derive(Debug, Clone, Default)]
struct Table {
    scores: IdMap<u32, f64>,
    /// The best `top_kept` of `scores` by [`better`]; exact because scores only grow.
    top: Vec<(u32, f64)>,
}

/// Score descending, then id ascending.
fn better(a: &(u32, f64), b: &(u32, f64)) -> Ordering {
    b.1.total_cmp(&a.1).then(a.0.cmp(&b.0))
}

impl Table {
    fn add(&mut self, item: u32, w: f64, kept: usize) {
        // One hash lookup per event (this runs for every view, at replay speed).
        let (old, new) = match self.scores.entry(item) {
            std::collections::hash_map::Entry::Occupied(mut o) => {
                let old = *o.get();
                let new = old + w;
                if old == new {
                    return;
                }
                o.insert(new);
                (Some(old), new)
            }
            std::collections::hash_map::Entry::Vacant(v) => (None, *v.insert(w)),
        };
        let entry = (item, new);
        let found = old.and_then(|o| self.top.binary_search_by(|p| better(p, &(item, o))).ok());
        let mut pos = match found {
            Some(p) => {
                self.top[p].1 = new;
                p
            }
            None if self.top.len() < kept => {
                self.top.push(entry);
                self.top.len() - 1
            }
            None => match self.top.last() {
                Some(last) if better(&entry, last) == Ordering::Less => {
                    let p = self.top.len() - 1;
                    self.top[p] = entry;
                    p
                }
                _ => return,
            },
        };
        while pos > 0 && better(&self.top[pos], &self.top[pos - 1]) == Ordering::Less {
            self.top.swap(pos, pos - 1);
            pos -= 1;
        }
    }

    fn scale(&mut self, factor: f64) {
        self.scores.retain(|_, s| {
            *s *= factor;
            *s >= FORGET_BELOW
        });
        self.top.retain_mut(|(_, s)| {
            *s *= factor;
            *s >= FORGET_BELOW
        });
        // Scaling keeps the order but may round two scores to a tie; ties go by id.
        self.top.sort_by(better);
    }
}

/// Decayed popularity of items, globally and per category. One instance per signal and horizon:
/// e.g. views with [`TRENDING_HALF_LIFE`] for trending, purchases with [`POPULAR_HALF_LIFE`] for
/// most bought.
#[derive(Debug, Clone)]
pub struct Popularity {
    config: PopularityConfig,
    /// Half-lives per millisecond; 0 without decay.
    rate: f64,
    /// The reference time of stored scores, once an event has set it.
    reference_ms: Option<i64>,
    global: Table,
    categories: IdMap<u32, Table>,
}

impl Popularity {
    /// An empty index.
    pub fn new(config: PopularityConfig) -> Result<Self, ConfigError> {
        if config.top_kept == 0 {
            return Err(ConfigError {
                field: "top_kept",
                expected: "at least 1",
            });
        }
        let rate = match config.half_life {
            None => 0.0,
            Some(h) if h.as_millis() == 0 => {
                return Err(ConfigError {
                    field: "half_life",
                    expected: "at least 1 ms",
                });
            }
            Some(h) => 1.0 / (h.as_secs_f64() * 1000.0),
        };
        Ok(Self {
            config,
            rate,
            reference_ms: None,
            global: Table::default(),
            categories: IdMap::default(),
        })
    }

    /// The configuration in use.
    pub fn config(&self) -> &PopularityConfig {
        &self.config
    }

    /// Records one event: `item` gained `weight` at `at_ms` (milliseconds since the epoch), globally
    /// and in each of `categories` (repeats count once). Events may come out of order. Returns false,
    /// recording nothing, unless `weight` is finite and positive (scores must only grow).
    pub fn record(&mut self, item: u32, categories: &[u32], at_ms: i64, weight: f64) -> bool {
        if !(weight > 0.0 && weight.is_finite()) {
            return false;
        }
        let reference = *self.reference_ms.get_or_insert(at_ms);
        let mut half_lives = self.half_lives(reference, at_ms);
        if half_lives > RENORMALISE_AFTER_HALF_LIVES {
            self.renormalise(at_ms);
            half_lives = 0.0;
        }
        let w = weight * half_lives.exp2();
        if w <= 0.0 || !w.is_finite() {
            // So old that it has decayed to nothing.
            return true;
        }
        let kept = self.config.top_kept;
        self.global.add(item, w, kept);
        for (i, &c) in categories.iter().enumerate() {
            if !categories[..i].contains(&c) {
                self.categories.entry(c).or_default().add(item, w, kept);
            }
        }
        true
    }

    /// `(to − from)` in half-lives; 0 without decay.
    fn half_lives(&self, from_ms: i64, to_ms: i64) -> f64 {
        if self.rate == 0.0 {
            return 0.0;
        }
        (to_ms as f64 - from_ms as f64) * self.rate
    }

    /// Rescales every stored score to the reference time `to_ms`.
    fn renormalise(&mut self, to_ms: i64) {
        let Some(reference) = self.reference_ms else {
            return;
        };
        let factor = (-self.half_lives(reference, to_ms)).exp2();
        self.global.scale(factor);
        for t in self.categories.values_mut() {
            t.scale(factor);
        }
        self.categories.retain(|_, t| !t.scores.is_empty());
        self.reference_ms = Some(to_ms);
    }

    fn table(&self, scope: Scope) -> Option<&Table> {
        match scope {
            Scope::Global => Some(&self.global),
            Scope::Category(c) => self.categories.get(&c),
        }
    }

    /// Multiplies a stored score into its value at `now_ms`, saturating rather than overflowing.
    fn factor_at(&self, now_ms: i64) -> f64 {
        let Some(reference) = self.reference_ms else {
            return 0.0;
        };
        let f = (-self.half_lives(reference, now_ms)).exp2();
        if f.is_finite() { f } else { f64::MAX }
    }

    /// `item`'s decayed score in `scope` at `now_ms`; 0 if never recorded there.
    pub fn score(&self, item: u32, scope: Scope, now_ms: i64) -> f64 {
        let stored = self
            .table(scope)
            .and_then(|t| t.scores.get(&item))
            .copied()
            .unwrap_or(0.0);
        if stored == 0.0 {
            0.0
        } else {
            stored * self.factor_at(now_ms)
        }
    }

    /// Items with a score in `scope`.
    pub fn len(&self, scope: Scope) -> usize {
        self.table(scope).map_or(0, |t| t.scores.len())
    }

    /// True when nothing was recorded in `scope`.
    pub fn is_empty(&self, scope: Scope) -> bool {
        self.len(scope) == 0
    }

    /// The `n` most popular items of `scope` at `now_ms`, by score descending then id ascending,
    /// skipping those for which `exclude` is true. Ranks by the exact stored scores (the factor to
    /// `now_ms` is common to all) and returns them decayed to `now_ms`. Reads the kept top list; scans
    /// the scope only when `n` plus the exclusions reach past it.
    pub fn top(
        &self,
        scope: Scope,
        n: usize,
        now_ms: i64,
        exclude: &dyn Fn(u32) -> bool,
    ) -> Vec<(u32, f32)> {
        let Some(table) = self.table(scope) else {
            return Vec::new();
        };
        if n == 0 {
            return Vec::new();
        }
        let mut picked: Vec<(u32, f64)> = Vec::with_capacity(n);
        for &e in &table.top {
            if picked.len() == n {
                break;
            }
            if !exclude(e.0) {
                picked.push(e);
            }
        }
        if picked.len() < n && table.top.len() < table.scores.len() {
            picked = table
                .scores
                .iter()
                .filter(|(id, _)| !exclude(**id))
                .map(|(&id, &s)| (id, s))
                .collect();
            if picked.len() > n {
                picked.select_nth_unstable_by(n - 1, better);
                picked.truncate(n);
            }
            picked.sort_unstable_by(better);
        }
        let factor = self.factor_at(now_ms);
        picked
            .into_iter()
            .map(|(id, s)| (id, (s * factor) as f32))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const HOUR: i64 = 3_600_000;

    fn none(_: u32) -> bool {
        false
    }

    fn hourly(top_kept: usize) -> Popularity {
        Popularity::new(PopularityConfig {
            half_life: Some(Duration::from_secs(3600)),
            top_kept,
        })
        .unwrap()
    }

    #[test]
    fn a_score_halves_after_one_half_life() {
        let mut p = hourly(8);
        assert!(p.record(1, &[], 10 * HOUR, 4.0));
        assert!((p.score(1, Scope::Global, 10 * HOUR) - 4.0).abs() < 1e-12);
        assert!((p.score(1, Scope::Global, 11 * HOUR) - 2.0).abs() < 1e-12);
        assert!((p.score(1, Scope::Global, 13 * HOUR) - 0.5).abs() < 1e-12);
        // An event one half-life later adds at full weight.
        p.record(1, &[], 11 * HOUR, 1.0);
        assert!((p.score(1, Scope::Global, 11 * HOUR) - 3.0).abs() < 1e-12);
        // Out of order: an event an hour before the first one is worth half of it then.
        p.record(2, &[], 9 * HOUR, 1.0);
        assert!((p.score(2, Scope::Global, 10 * HOUR) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn without_decay_scores_are_counts() {
        let mut p = Popularity::new(PopularityConfig::all_time()).unwrap();
        for (item, t) in [(1, 0), (2, 5), (2, 1_000_000_000_000), (3, -7)] {
            p.record(item, &[], t, 1.0);
        }
        assert_eq!(
            p.top(Scope::Global, 10, 0, &none),
            vec![(2, 2.0), (1, 1.0), (3, 1.0)]
        );
    }

    #[test]
    fn trending_per_category() {
        let mut p = hourly(8);
        // Category 1: item 10 sold a lot a day ago, item 11 a little just now.
        for _ in 0..100 {
            p.record(10, &[1], 0, 1.0);
        }
        let ids = |v: Vec<(u32, f32)>| v.into_iter().map(|r| r.0).collect::<Vec<_>>();
        assert_eq!(p.top(Scope::Category(1), 10, 0, &none), vec![(10, 100.0)]);
        for _ in 0..3 {
            p.record(11, &[1], 24 * HOUR, 1.0);
        }
        // Category 2 (and 1: items may have several): item 20.
        p.record(20, &[2, 1, 2], 24 * HOUR, 2.0);
        let now = 24 * HOUR;
        assert_eq!(
            ids(p.top(Scope::Category(1), 10, now, &none)),
            vec![11, 20, 10]
        );
        assert_eq!(
            p.top(Scope::Category(2), 10, now, &none),
            vec![(20, 2.0)],
            "repeats count once"
        );
        assert_eq!(ids(p.top(Scope::Global, 2, now, &none)), vec![11, 20]);
        assert!(p.top(Scope::Category(3), 10, now, &none).is_empty());
        // A longer half-life still ranks 10 first: trending and most bought differ by horizon only.
        let mut slow = Popularity::new(PopularityConfig::with_half_life(Duration::from_secs(
            30 * 86_400,
        )))
        .unwrap();
        slow.record(10, &[1], 0, 100.0);
        slow.record(11, &[1], now, 3.0);
        assert_eq!(
            ids(slow.top(Scope::Category(1), 10, now, &none)),
            vec![10, 11]
        );
    }

    #[test]
    fn renormalising_keeps_scores_and_order() {
        let mut p = hourly(2);
        p.record(1, &[5], 0, 1.0);
        p.record(2, &[5], HOUR, 1.0);
        // 100 half-lives later: past the renormalisation point. 1 and 2 fall below FORGET_BELOW.
        p.record(3, &[5], 100 * HOUR, 1.0);
        p.record(4, &[5], 100 * HOUR + HOUR, 3.0);
        assert_eq!(p.reference_ms, Some(100 * HOUR));
        assert_eq!(p.len(Scope::Global), 2);
        assert_eq!(p.len(Scope::Category(5)), 2);
        let top = p.top(Scope::Category(5), 10, 102 * HOUR, &none);
        assert_eq!(top.iter().map(|r| r.0).collect::<Vec<_>>(), vec![4, 3]);
        assert!(
            (top[0].1 - 1.5).abs() < 1e-6 && (top[1].1 - 0.25).abs() < 1e-6,
            "{top:?}"
        );
        // Far past the range of f64 before renormalising: still exact.
        p.record(4, &[], 5000 * HOUR, 1.0);
        assert!((p.score(4, Scope::Global, 5001 * HOUR) - 0.5).abs() < 1e-12);
    }

    #[test]
    fn exclusion_reaches_past_the_kept_list() {
        let mut p = hourly(2);
        for (item, w) in [(1, 5.0), (2, 4.0), (3, 3.0), (4, 2.0)] {
            p.record(item, &[], 0, w);
        }
        assert_eq!(
            p.global.top.iter().map(|e| e.0).collect::<Vec<_>>(),
            vec![1, 2]
        );
        assert_eq!(
            p.top(Scope::Global, 2, 0, &|i| i <= 2),
            vec![(3, 3.0), (4, 2.0)]
        );
        assert_eq!(
            p.top(Scope::Global, 3, 0, &none),
            vec![(1, 5.0), (2, 4.0), (3, 3.0)]
        );
        assert_eq!(p.top(Scope::Global, 1, 0, &|i| i == 1), vec![(2, 4.0)]);
        assert!(p.top(Scope::Global, 3, 0, &|_| true).is_empty());
        assert!(p.top(Scope::Global, 0, 0, &none).is_empty());
    }

    #[test]
    fn top_kept_edge_of_one() {
        let mut p = hourly(1);
        p.record(1, &[], 0, 1.0);
        p.record(2, &[], 0, 1.0);
        assert_eq!(p.global.top, vec![(1, 1.0)], "a tie keeps the lower id");
        p.record(2, &[], 0, 0.5);
        assert_eq!(p.global.top, vec![(2, 1.5)]);
        p.record(1, &[], 0, 0.5);
        assert_eq!(p.global.top, vec![(1, 1.5)]);
    }

    #[test]
    fn invalid_events_and_configs() {
        let mut p = hourly(4);
        for w in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(!p.record(1, &[1], 0, w));
        }
        assert!(p.is_empty(Scope::Global) && p.top(Scope::Global, 5, 0, &none).is_empty());
        assert_eq!(p.score(1, Scope::Global, 0), 0.0);
        assert_eq!(p.score(1, Scope::Category(1), 0), 0.0);
        // Extreme times neither panic nor overflow.
        assert!(p.record(1, &[], i64::MIN, 1.0));
        assert!(p.record(1, &[], i64::MAX, 1.0));
        assert!(p.score(1, Scope::Global, i64::MIN).is_finite());
        let zero = PopularityConfig::with_half_life(Duration::ZERO);
        assert_eq!(Popularity::new(zero).unwrap_err().field, "half_life");
        let none_kept = PopularityConfig {
            top_kept: 0,
            ..PopularityConfig::default()
        };
        assert_eq!(Popularity::new(none_kept).unwrap_err().field, "top_kept");
    }

    proptest! {
        #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

        /// The kept top list answers exactly as ranking every stored score would, renormalising
        /// included (a 5 ms half-life over 400 ms passes 64 half-lives).
        #[test]
        fn top_equals_brute_force(
            events in prop::collection::vec((0u32..25, 0u32..3, 0i64..400, 1u32..5), 0..120),
            kept in 1usize..6,
            n in 0usize..10,
            banned in 0u32..25,
            now in 0i64..500,
        ) {
            let mut p = Popularity::new(PopularityConfig {
                half_life: Some(Duration::from_millis(5)),
                top_kept: kept,
            }).unwrap();
            for &(item, cat, t, w) in &events {
                p.record(item, &[cat], t, f64::from(w));
            }
            for scope in [Scope::Global, Scope::Category(0), Scope::Category(2)] {
                let exclude = |i: u32| i == banned;
                let got: Vec<u32> = p.top(scope, n, now, &exclude).into_iter().map(|r| r.0).collect();
                let mut all: Vec<(u32, f64)> = p
                    .table(scope)
                    .map(|t| t.scores.iter().map(|(&i, &s)| (i, s)).filter(|e| !exclude(e.0)).collect())
                    .unwrap_or_default();
                all.sort_by(better);
                let want: Vec<u32> = all.into_iter().take(n).map(|e| e.0).collect();
                prop_assert_eq!(got, want);
                if let Some(t) = p.table(scope) {
                    prop_assert!(t.top.len() <= kept);
                }
            }
        }
    }
}
