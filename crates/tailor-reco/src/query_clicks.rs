//! What shoppers did after a query: clicks, cart adds and purchases per (query, item), corrected
//! for position bias, and the queries themselves as completions for search-as-you-type.
//!
//! Position bias: a product shown first is clicked more because it is first. We follow the
//! position-based click model: a shopper examines rank `r` with probability `e(r)` and then
//! engages with an item by its attractiveness. Without randomised traffic to estimate `e`, we use
//! the DCG discount `e(r) = 1 / log2(r + 2)` as the propensity (the usual assumption of unbiased
//! learning to rank; Joachims, Swaminathan & Schnabel, WSDM 2017). A pair's score is then its
//! *reward over expected reward* (COEC, clicks over expected clicks; Zhang & Jones 2007): the
//! reward it earned (click 1, cart 2, purchase 4) divided by what an average product of the shop
//! would have earned with the same examined impressions. A pair shown at rank 10 that gets one
//! click beats a pair shown at rank 1 ten times with one click. The ratio is smoothed toward 1
//! (average) with [`PRIOR_EXPECTED`] pseudo-rewards, so one lucky click does not make a product
//! the top result, and a product that was shown a few times and not chosen loses a little. The
//! ranker uses its logarithm ([`QueryScorer::lift`]): 0 for unseen and for average pairs.
//!
//! ```
//! use tailor_reco::query_clicks::{Engagement, QueryClicks};
//!
//! let mut q = QueryClicks::default();
//! for _ in 0..20 {
//!     q.record_shown("drill", "drill", &[1, 2, 3]);
//!     // Shoppers skip the first result and buy the third.
//!     q.record_engagement("drill", 3, 2, None, Engagement::Purchase);
//! }
//! let lift = q.scorer("drill");
//! assert!(lift.lift(3) > 0.0 && lift.lift(1) < 0.0);
//! assert_eq!(q.suggest("dr", 5)[0].0, "drill");
//! ```

use std::collections::{BTreeMap, HashMap};

/// Shown positions beyond this are not counted (nobody looks that far, and it bounds memory).
pub const MAX_SHOWN: usize = 50;
/// Pseudo-reward added to both sides of the ratio: how much evidence it takes to move a pair
/// away from average.
pub const PRIOR_EXPECTED: f64 = 2.0;
/// The lift is clipped to ±this (a factor of e² ≈ 7.4 either way).
pub const MAX_LIFT: f64 = 2.0;
/// Pairs kept before those without any reward are forgotten.
pub const MAX_PAIRS: usize = 2_000_000;
/// Distinct queries kept for completions before the rarest are forgotten.
pub const MAX_QUERIES: usize = 200_000;
/// Completion candidates scanned per prefix (the most frequent among them win).
pub const SUGGEST_SCAN: usize = 5_000;

/// What a shopper did with a product a search showed. Each level includes the one before:
/// a purchase after a click earns the purchase's reward in all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Engagement {
    /// Opened it.
    Click,
    /// Put it in the cart.
    Cart,
    /// Bought it.
    Purchase,
}

impl Engagement {
    /// Total reward of reaching this level.
    pub fn reward(self) -> f64 {
        match self {
            Self::Click => 1.0,
            Self::Cart => 2.0,
            Self::Purchase => 4.0,
        }
    }
}

#[derive(Debug, Default, Clone)]
struct Pair {
    /// Impressions weighted by their examination propensity.
    examined: f64,
    reward: f64,
}

/// The examination propensity of a 0-based rank (the DCG discount).
pub fn propensity(position: usize) -> f64 {
    1.0 / ((position + 2) as f64).log2()
}

#[derive(Debug, Default, Clone)]
struct Completion {
    searches: u64,
    /// Whether the last search of it showed anything.
    found: bool,
}

/// Query-level learning of one shop. See the module docs.
#[derive(Debug, Default, Clone)]
pub struct QueryClicks {
    ids: HashMap<String, u32>,
    pairs: Vec<HashMap<u32, Pair>>,
    pair_count: usize,
    /// Examined impressions and reward over every query and item.
    examined: f64,
    reward: f64,
    completions: BTreeMap<String, Completion>,
}

/// Scores items for one query (one map lookup per item).
pub struct QueryScorer<'a> {
    pairs: Option<&'a HashMap<u32, Pair>>,
    /// The shop's reward per examined impression.
    mean: f64,
}

impl QueryScorer<'_> {
    /// `ln` of the smoothed reward over expected reward: 0 when unseen or average, positive when
    /// shoppers chose the item more than its positions explain.
    pub fn lift(&self, item: u32) -> f64 {
        let Some(p) = self.pairs.and_then(|m| m.get(&item)) else {
            return 0.0;
        };
        let expected = p.examined * self.mean;
        ((p.reward + PRIOR_EXPECTED) / (expected + PRIOR_EXPECTED))
            .ln()
            .clamp(-MAX_LIFT, MAX_LIFT)
    }

    /// Whether anything is known about this query.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_none_or(HashMap::is_empty)
    }
}

/// A display query as completions keep it: lower case, single spaces.
pub fn display_key(text: &str) -> String {
    text.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

impl QueryClicks {
    fn id(&mut self, key: &str) -> u32 {
        if let Some(&id) = self.ids.get(key) {
            return id;
        }
        let id = self.pairs.len() as u32;
        self.ids.insert(key.to_string(), id);
        self.pairs.push(HashMap::new());
        id
    }

    /// A search for `key` (its analysed form) typed as `display` showed `shown`, in order.
    pub fn record_shown(&mut self, key: &str, display: &str, shown: &[u32]) {
        let display = display_key(display);
        if !display.is_empty() {
            let c = self.completions.entry(display).or_default();
            c.searches += 1;
            c.found = !shown.is_empty();
            if self.completions.len() > MAX_QUERIES {
                self.forget_rare_queries();
            }
        }
        if key.is_empty() || shown.is_empty() {
            return;
        }
        let q = self.id(key) as usize;
        for (pos, &item) in shown.iter().take(MAX_SHOWN).enumerate() {
            let e = propensity(pos);
            self.examined += e;
            let pairs = &mut self.pairs[q];
            let before = pairs.len();
            pairs.entry(item).or_default().examined += e;
            self.pair_count += pairs.len() - before;
        }
        if self.pair_count > MAX_PAIRS {
            self.forget_unrewarded();
        }
    }

    /// A shopper reached `level` with `item`, shown at `position` for `key`, having reached
    /// `before` with it already in the same search (the caller keeps that per search), so a
    /// click, then a cart add, then a purchase earn the purchase's reward once in all.
    pub fn record_engagement(
        &mut self,
        key: &str,
        item: u32,
        position: usize,
        before: Option<Engagement>,
        level: Engagement,
    ) {
        let gain = level.reward() - before.map_or(0.0, Engagement::reward);
        self.record_reward(key, item, position, gain);
    }

    /// Adds `reward` to a shown pair (see [`Engagement::reward`] for the scale).
    pub fn record_reward(&mut self, key: &str, item: u32, position: usize, reward: f64) {
        if key.is_empty() || position >= MAX_SHOWN || reward.is_nan() || reward <= 0.0 {
            return;
        }
        let q = self.id(key) as usize;
        let pairs = &mut self.pairs[q];
        let before = pairs.len();
        pairs.entry(item).or_default().reward += reward;
        self.pair_count += pairs.len() - before;
        self.reward += reward;
    }

    /// The scorer for one query.
    pub fn scorer(&self, key: &str) -> QueryScorer<'_> {
        QueryScorer {
            pairs: self.ids.get(key).map(|&id| &self.pairs[id as usize]),
            mean: if self.examined > 0.0 {
                self.reward / self.examined
            } else {
                0.0
            },
        }
    }

    /// Up to `k` completions of `prefix` that shoppers searched and found something for, most
    /// searched first (ties alphabetically), with how often each was searched.
    pub fn suggest(&self, prefix: &str, k: usize) -> Vec<(String, u64)> {
        let prefix = display_key(prefix);
        let mut found: Vec<(String, u64)> = self
            .completions
            .range(prefix.clone()..)
            .take_while(|(q, _)| q.starts_with(&prefix))
            .take(SUGGEST_SCAN)
            .filter(|(_, c)| c.found)
            .map(|(q, c)| (q.clone(), c.searches))
            .collect();
        found.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        found.truncate(k);
        found
    }

    /// Pairs held (for memory reports).
    pub fn pairs(&self) -> usize {
        self.pair_count
    }

    fn forget_unrewarded(&mut self) {
        for m in &mut self.pairs {
            m.retain(|_, p| p.reward > 0.0);
        }
        self.pair_count = self.pairs.iter().map(HashMap::len).sum();
    }

    fn forget_rare_queries(&mut self) {
        // Drop the least searched half of what was searched once or twice: a long tail of
        // one-off typing that completions never propose anyway.
        let mut counts: Vec<u64> = self.completions.values().map(|c| c.searches).collect();
        let mid = counts.len() / 2;
        let (_, &mut cut, _) = counts.select_nth_unstable(mid);
        let cut = cut.min(2);
        self.completions.retain(|_, c| c.searches > cut);
        if self.completions.len() > MAX_QUERIES {
            // Everything is equally rare: keep the alphabetically first (deterministic).
            let keep: BTreeMap<String, Completion> = std::mem::take(&mut self.completions)
                .into_iter()
                .take(MAX_QUERIES / 2)
                .collect();
            self.completions = keep;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A shop where one search in ten gets a click on its first two results.
    fn background() -> QueryClicks {
        let mut q = QueryClicks::default();
        for i in 0..100u32 {
            let key = format!("bg{i}");
            q.record_shown(&key, "", &[5000 + i, 6000 + i]);
            if i % 10 == 0 {
                q.record_engagement(&key, 5000 + i, 0, None, Engagement::Click);
                q.record_engagement(&key, 6000 + i, 1, None, Engagement::Click);
            }
        }
        q
    }

    #[test]
    fn propensity_falls_with_rank() {
        assert_eq!(propensity(0), 1.0);
        assert!((propensity(2) - 0.5).abs() < 1e-12);
        assert!((1..60).all(|r| propensity(r) < propensity(r - 1)));
    }

    #[test]
    fn a_click_low_on_the_page_counts_more_than_one_at_the_top() {
        let mut q = QueryClicks::default();
        // Position bias: shoppers click the top result of many queries.
        for i in 0..100 {
            q.record_shown(&format!("q{i}"), "x", &[1000 + i, 2000 + i]);
            q.record_engagement(&format!("q{i}"), 1000 + i, 0, None, Engagement::Click);
        }
        for _ in 0..10 {
            q.record_shown("lamp", "lamp", &[1, 2, 3, 4, 5, 6]);
        }
        q.record_engagement("lamp", 1, 0, None, Engagement::Click);
        q.record_engagement("lamp", 6, 5, None, Engagement::Click);
        let s = q.scorer("lamp");
        assert!(s.lift(6) > s.lift(1), "{} vs {}", s.lift(6), s.lift(1));
        assert!(
            s.lift(1) < 0.0,
            "one click in ten at rank 1 is below average"
        );
        assert_eq!(s.lift(99), 0.0);
        assert!(q.scorer("unknown").is_empty());
    }

    #[test]
    fn smoothing_keeps_one_lucky_click_modest_and_lift_is_bounded() {
        let mut q = background();
        q.record_shown("a", "a", &[1]);
        q.record_engagement("a", 1, 0, None, Engagement::Click);
        let one = q.scorer("a").lift(1);
        for _ in 0..1000 {
            q.record_engagement("a", 1, 0, None, Engagement::Purchase);
        }
        let many = q.scorer("a").lift(1);
        assert!(one > 0.0 && one < many && many <= MAX_LIFT);
        // Engagement beyond the counted positions, empty keys and bad rewards are ignored.
        q.record_engagement("a", 1, MAX_SHOWN, None, Engagement::Click);
        // Reaching a level already reached gains nothing.
        q.record_engagement("a", 1, 0, Some(Engagement::Cart), Engagement::Cart);
        q.record_reward("", 1, 0, 1.0);
        q.record_reward("a", 1, 0, f64::NAN);
        assert_eq!(q.scorer("a").lift(1), many);
    }

    #[test]
    fn suggestions_are_frequent_found_queries_with_the_prefix() {
        let mut q = QueryClicks::default();
        for _ in 0..3 {
            q.record_shown("drill", "Cordless  Drill", &[1]);
        }
        q.record_shown("cord", "cordless saw", &[2]);
        q.record_shown("cord", "cordless zzz", &[]);
        q.record_shown("other", "garden hose", &[3]);
        let s = q.suggest("CORD", 10);
        assert_eq!(
            s,
            vec![
                ("cordless drill".to_string(), 3),
                ("cordless saw".into(), 1)
            ]
        );
        assert_eq!(q.suggest("cordless d", 1).len(), 1);
        assert!(q.suggest("xyz", 5).is_empty());
        assert_eq!(q.suggest("", 10).len(), 3);
        assert_eq!(q.suggest("é", 10), vec![]);
    }

    #[test]
    fn memory_stays_bounded() {
        let mut q = background();
        for i in 0..(MAX_QUERIES as u32 + 10) {
            q.record_shown("", &format!("query {i}"), &[1]);
        }
        assert!(q.completions.len() <= MAX_QUERIES);
        q.record_shown("k", "k", &[1, 2]);
        q.record_engagement("k", 2, 1, Some(Engagement::Click), Engagement::Cart);
        q.forget_unrewarded();
        assert_eq!(q.pairs(), 21);
        assert!(q.scorer("k").lift(2) > 0.0);
    }
}
