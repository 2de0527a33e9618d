//! Next basket: which products will this customer buy on their next visit?
//!
//! [`personal_vector`] and [`TifuIndex`] are TIFU-KNN (Hu, He, Gao & Zhang, SIGIR 2020). A
//! customer's baskets, oldest first, are cut into groups of `group_size` counted back from the
//! newest (the oldest group may be short). A group's vector is the mean of its baskets' binary
//! vectors weighted `r_b^(m−j)` (the newest basket of the group weighs 1); the customer's vector is
//! the mean of the group vectors weighted `r_g^(k−i)` (the newest group weighs 1). The prediction
//! is `α · own + (1 − α) · mean of the k nearest customers' vectors` (Euclidean distance).
//!
//! [`buy_again`] is Tailor's ranker (the engine's `buy_again` source): the TIFU-KNN score of each
//! product, scaled by its repurchase timing from the [`CycleModel`]: the chance that the customer
//! buys it again before `until`, given they have not since the last purchase. Products due now rise;
//! products just bought with a long cycle sink. Products the customer never bought (the explore
//! part, found through the neighbours) get a fixed timing chance, tuned like the other weights.

use std::collections::HashMap;

use super::cycles::CycleModel;

/// A sparse vector over items, sorted by item, without zeros.
pub type SparseVec = Vec<(u32, f64)>;

/// TIFU-KNN's parameters, named as in the paper.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TifuConfig {
    /// Baskets per group, `m`; at least 1.
    pub group_size: usize,
    /// Decay within a group, `r_b`, in (0, 1].
    pub within_decay: f64,
    /// Decay across groups, `r_g`, in (0, 1].
    pub group_decay: f64,
    /// Nearest customers blended in, `k`.
    pub neighbours: usize,
    /// Weight of the customer's own vector, `α`, in [0, 1].
    pub alpha: f64,
}

impl TifuConfig {
    /// The paper's setting for Instacart.
    pub const INSTACART: Self = Self {
        group_size: 3,
        within_decay: 0.9,
        group_decay: 0.7,
        neighbours: 900,
        alpha: 0.9,
    };
    /// The paper's setting for Dunnhumby.
    pub const DUNNHUMBY: Self = Self {
        group_size: 3,
        within_decay: 0.9,
        group_decay: 0.6,
        neighbours: 900,
        alpha: 0.2,
    };
}

/// The customer's TIFU vector from their baskets, oldest first. Repeated items within a basket
/// count once; empty baskets still take their place in the sequence. Empty history: empty vector.
pub fn personal_vector(baskets: &[Vec<u32>], cfg: &TifuConfig) -> SparseVec {
    let m = cfg.group_size.max(1);
    let n = baskets.len();
    if n == 0 {
        return Vec::new();
    }
    let groups = n.div_ceil(m);
    let mut acc: HashMap<u32, f64> = HashMap::new();
    // Group g (0 = newest) holds baskets [n − (g+1)m, n − g·m), clipped at 0.
    for g in 0..groups {
        let end = n - g * m;
        let start = end.saturating_sub(m);
        let size = (end - start) as f64;
        let group_weight = cfg.group_decay.powi(g as i32) / groups as f64;
        for (j, basket) in baskets[start..end].iter().enumerate() {
            let from_newest = (end - start - 1 - j) as i32;
            let w = group_weight * cfg.within_decay.powi(from_newest) / size;
            let mut seen: Vec<u32> = basket.clone();
            seen.sort_unstable();
            seen.dedup();
            for item in seen {
                *acc.entry(item).or_default() += w;
            }
        }
    }
    let mut v: SparseVec = acc.into_iter().filter(|(_, w)| *w > 0.0).collect();
    v.sort_unstable_by_key(|(i, _)| *i);
    v
}

/// Every customer's TIFU vector with an inverted index, for nearest-neighbour queries. Built
/// offline (or now and then) and shared by all requests.
#[derive(Debug, Clone, Default)]
pub struct TifuIndex {
    vectors: Vec<SparseVec>,
    norms: Vec<f64>,
    postings: HashMap<u32, Vec<(u32, f64)>>,
}

impl TifuIndex {
    /// An index over `vectors`, where the position is the customer's index.
    pub fn build(vectors: Vec<SparseVec>) -> Self {
        let mut postings: HashMap<u32, Vec<(u32, f64)>> = HashMap::new();
        let mut norms = Vec::with_capacity(vectors.len());
        for (c, v) in vectors.iter().enumerate() {
            norms.push(v.iter().map(|(_, w)| w * w).sum());
            for &(i, w) in v {
                postings.entry(i).or_default().push((c as u32, w));
            }
        }
        Self {
            vectors,
            norms,
            postings,
        }
    }

    /// Customers indexed.
    pub fn len(&self) -> usize {
        self.vectors.len()
    }

    /// Whether no customer is indexed.
    pub fn is_empty(&self) -> bool {
        self.vectors.is_empty()
    }

    /// The vector of customer `c`, if indexed.
    pub fn vector(&self, c: u32) -> Option<&SparseVec> {
        self.vectors.get(c as usize)
    }

    /// The `k` customers nearest to `query` (Euclidean), nearest first, skipping `exclude` (the
    /// customer themself). Ties go to the lower index.
    pub fn neighbours(&self, query: &SparseVec, k: usize, exclude: Option<u32>) -> Vec<(u32, f64)> {
        let mut dot = vec![0.0; self.vectors.len()];
        for &(i, w) in query {
            if let Some(list) = self.postings.get(&i) {
                for &(c, v) in list {
                    dot[c as usize] += w * v;
                }
            }
        }
        let q2: f64 = query.iter().map(|(_, w)| w * w).sum();
        let mut all: Vec<(u32, f64)> = (0..self.vectors.len())
            .filter(|&c| Some(c as u32) != exclude)
            .map(|c| (c as u32, (q2 + self.norms[c] - 2.0 * dot[c]).max(0.0)))
            .collect();
        let k = k.min(all.len());
        if k < all.len() {
            all.select_nth_unstable_by(k, |a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
            all.truncate(k);
        }
        all.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        all
    }

    /// The mean vector of the `k` nearest customers to `query`.
    pub fn neighbour_vector(&self, query: &SparseVec, k: usize, exclude: Option<u32>) -> SparseVec {
        let near = self.neighbours(query, k, exclude);
        if near.is_empty() {
            return Vec::new();
        }
        let mut acc: HashMap<u32, f64> = HashMap::new();
        for (c, _) in &near {
            for &(i, w) in &self.vectors[*c as usize] {
                *acc.entry(i).or_default() += w;
            }
        }
        let n = near.len() as f64;
        let mut v: SparseVec = acc.into_iter().map(|(i, w)| (i, w / n)).collect();
        v.sort_unstable_by_key(|(i, _)| *i);
        v
    }
}

/// TIFU-KNN scores: `α · own + (1 − α) · neighbours`, best first, ties to the lower item.
pub fn tifu_scores(own: &SparseVec, neighbours: &SparseVec, alpha: f64) -> Vec<(u32, f64)> {
    let mut acc: HashMap<u32, f64> = HashMap::new();
    for &(i, w) in own {
        *acc.entry(i).or_default() += alpha * w;
    }
    for &(i, w) in neighbours {
        *acc.entry(i).or_default() += (1.0 - alpha) * w;
    }
    let mut out: Vec<(u32, f64)> = acc.into_iter().filter(|(_, s)| *s > 0.0).collect();
    sort_scores(&mut out);
    out
}

fn sort_scores(v: &mut [(u32, f64)]) {
    v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
}

/// Weights of Tailor's [`buy_again`] ranker on top of TIFU-KNN.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BuyAgainConfig {
    /// The TIFU-KNN part.
    pub tifu: TifuConfig,
    /// Exponent of the timing factor; 0 is plain TIFU-KNN.
    pub timing_weight: f64,
    /// Added to every timing chance so that an item is never zeroed by timing alone.
    pub timing_floor: f64,
    /// The timing chance given to products the customer never bought.
    pub explore_chance: f64,
}

impl Default for BuyAgainConfig {
    fn default() -> Self {
        Self {
            tifu: TifuConfig::INSTACART,
            timing_weight: 0.5,
            timing_floor: 0.05,
            explore_chance: 0.1,
        }
    }
}

/// One customer's buy-again request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BuyAgainQuery<'a> {
    /// The customer's index in the [`CycleModel`] (and in the [`TifuIndex`], if indexed).
    pub customer: u32,
    /// Their TIFU vector ([`personal_vector`] of their baskets).
    pub own: &'a SparseVec,
    /// Now, in the cycle model's days: nothing is known to have been bought after it.
    pub now: f64,
    /// End of the window the basket is for (e.g. the expected next visit plus a few days).
    pub until: f64,
}

/// A TIFU-KNN score scaled by timing: `chance` is the cycle model's chance of a purchase in the
/// window for an item the customer bought, `None` for one they never bought (explore).
pub fn timed_score(tifu: f64, chance: Option<f64>, cfg: &BuyAgainConfig) -> f64 {
    if cfg.timing_weight == 0.0 {
        return tifu;
    }
    let c = chance.unwrap_or(cfg.explore_chance);
    tifu * (cfg.timing_floor + c).powf(cfg.timing_weight)
}

/// Tailor's buy-again ranking for one customer: the top `n` items with their scores.
pub fn buy_again(
    q: &BuyAgainQuery<'_>,
    index: &TifuIndex,
    cycles: &CycleModel,
    cfg: &BuyAgainConfig,
    n: usize,
) -> Vec<(u32, f64)> {
    let nb = index.neighbour_vector(q.own, cfg.tifu.neighbours, Some(q.customer));
    let mut scored = tifu_scores(q.own, &nb, cfg.tifu.alpha);
    if cfg.timing_weight != 0.0 {
        let own: HashMap<u32, f64> = q.own.iter().copied().collect();
        for (item, s) in scored.iter_mut() {
            let chance = own
                .contains_key(item)
                .then(|| cycles.chance_between(q.customer, *item, q.now, q.until));
            *s = timed_score(*s, chance, cfg);
        }
        sort_scores(&mut scored);
    }
    scored.truncate(n);
    scored
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replenish::cycles::Purchase;

    fn cfg(m: usize) -> TifuConfig {
        TifuConfig {
            group_size: m,
            within_decay: 0.5,
            group_decay: 0.5,
            neighbours: 2,
            alpha: 0.5,
        }
    }

    #[test]
    fn vector_follows_the_paper_weights() {
        // Baskets oldest first: [1], [2], [1, 1]: with m = 2, groups {[1]} and {[2], [1]}.
        let v = personal_vector(&[vec![1], vec![2], vec![1, 1]], &cfg(2));
        // Newest group: item 1 weight 1/2, item 2 weight 0.5/2; group weights 1/2 and 0.5/2.
        let get = |i: u32| v.iter().find(|x| x.0 == i).unwrap().1;
        assert!((get(1) - (0.5 * 0.5 + 0.25 * 1.0)).abs() < 1e-12);
        assert!((get(2) - 0.5 * 0.25).abs() < 1e-12);
        assert!(personal_vector(&[], &cfg(2)).is_empty());
        assert!(personal_vector(&[vec![]], &cfg(0)).is_empty());
    }

    #[test]
    fn neighbours_are_nearest_first_and_skip_self() {
        let vs = vec![
            vec![(1, 1.0)],
            vec![(1, 0.8)],
            vec![(2, 1.0)],
            vec![(1, 1.0), (3, 0.1)],
        ];
        let idx = TifuIndex::build(vs.clone());
        let near = idx.neighbours(&vs[0], 2, Some(0));
        assert_eq!(near.iter().map(|x| x.0).collect::<Vec<_>>(), vec![3, 1]);
        let nv = idx.neighbour_vector(&vs[0], 2, Some(0));
        assert_eq!(nv.len(), 2);
        assert!((nv[0].1 - 0.9).abs() < 1e-12 && (nv[1].1 - 0.05).abs() < 1e-12);
        assert_eq!(idx.neighbours(&vs[0], 99, None).len(), 4);
        assert!(
            TifuIndex::build(vec![])
                .neighbour_vector(&vs[0], 3, None)
                .is_empty()
        );
    }

    #[test]
    fn scores_blend_own_and_neighbours() {
        let s = tifu_scores(&vec![(1, 1.0)], &vec![(1, 0.5), (2, 1.0)], 0.8);
        assert_eq!(s[0].0, 1);
        assert!((s[0].1 - 0.9).abs() < 1e-12 && (s[1].1 - 0.2).abs() < 1e-12);
        assert!(tifu_scores(&vec![], &vec![], 0.5).is_empty());
    }

    #[test]
    fn timing_lifts_due_items_over_just_bought_ones() {
        let mut cycles = CycleModel::new();
        let mut baskets = Vec::new();
        // Item 1 every 7 days; item 2 every 28 days, last bought today.
        for k in 0..9 {
            let day = f64::from(k) * 7.0;
            let mut b = vec![1];
            if k % 4 == 0 {
                b.push(2);
            }
            for &i in &b {
                cycles.observe(Purchase {
                    customer: 0,
                    item: i,
                    day,
                    qty: 1.0,
                    censored_since_previous: false,
                });
            }
            baskets.push(b);
        }
        cycles.refit();
        let c = TifuConfig {
            group_size: 1,
            within_decay: 1.0,
            group_decay: 1.0,
            neighbours: 0,
            alpha: 1.0,
        };
        let own = personal_vector(&baskets, &c);
        let index = TifuIndex::build(vec![own.clone()]);
        let q = BuyAgainQuery {
            customer: 0,
            own: &own,
            now: 56.0,
            until: 63.0,
        };
        let cfg = BuyAgainConfig {
            tifu: c,
            timing_weight: 1.0,
            ..BuyAgainConfig::default()
        };
        let ranked = buy_again(&q, &index, &cycles, &cfg, 10);
        assert_eq!(ranked[0].0, 1);
        let plain = buy_again(
            &q,
            &index,
            &cycles,
            &BuyAgainConfig {
                timing_weight: 0.0,
                ..cfg
            },
            10,
        );
        assert_eq!(plain, tifu_scores(&own, &vec![], 1.0));
        let nobody = buy_again(
            &BuyAgainQuery {
                customer: 5,
                own: &vec![],
                ..q
            },
            &index,
            &cycles,
            &cfg,
            10,
        );
        assert!(nobody.is_empty());
    }
}
