//! Tailor's session kNN: VSTAN's scoring (Ludewig et al., UMUAI 2021, after STAN by Garg et al.,
//! SIGIR 2019) over VMIS-kNN's recency-sampled index (Kersbergen et al., 2022), which finds the
//! `m` most recent candidate neighbours by merging a few short lists and stops as soon as it has them.

use std::collections::vec_deque;
use std::fmt;
use std::iter::Rev;

use super::index::{MAX_STORED_CLICKS, RecencyIndex};
use super::rank::{id_map, top_n};
use super::{Session, SessionRecommender};

/// Largest accepted sample size `m`; a bound on index memory and on the cost of one prediction.
pub const MAX_SAMPLE_SIZE: usize = 100_000;
/// Largest accepted window of recent clicks; older clicks of a session add little and cost time.
pub const MAX_WINDOW: usize = 64;
/// Decay lengths must lie in `[MIN_DECAY, MAX_DECAY]` so that weights stay finite and positive.
pub const MIN_DECAY: f64 = 1e-3;
/// See [`MIN_DECAY`].
pub const MAX_DECAY: f64 = 1e6;
/// Largest accepted idf weight.
pub const MAX_IDF_WEIGHT: f64 = 1e3;
const SECONDS_PER_DAY: f64 = 86_400.0;

/// How a candidate neighbour's overlap with the current session becomes a similarity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Similarity {
    /// VSTAN's cosine: the weighted overlap over `sqrt(sum of squared weights of the current
    /// session) * sqrt(distinct items of the neighbour)`, which keeps long sessions from
    /// matching everything.
    Cosine,
    /// V-SKNN's dot product: the weighted overlap over the number of distinct current items.
    Dot,
}

/// The knobs of [`SessionKnn`]. Each decay is a length `λ`, the weight being `exp(-distance / λ)`;
/// `None` switches that factor off.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SessionKnnParams {
    /// `m`: candidate neighbours, the most recent sessions sharing an item with the window.
    pub sample_size: usize,
    /// `k`: neighbours that vote, the most similar of the `m` candidates.
    pub neighbors: usize,
    /// The most recent clicks of the current session that are used (VMIS-kNN's evolving session).
    pub window: usize,
    /// VSTAN `λ_spw`: weight of a current item by how many clicks ago it was seen.
    pub position_decay: Option<f64>,
    /// VSTAN `λ_snh`, in days: weight of a neighbour by how much older it is than the newest
    /// candidate.
    pub recency_decay_days: Option<f64>,
    /// VSTAN `λ_inh`: weight of a neighbour's item by its distance, in clicks, from the
    /// neighbour's last item shared with the current session.
    pub item_distance_decay: Option<f64>,
    /// VSTAN `λ_ipw`: weight of a neighbour by how many clicks ago the current session last saw
    /// an item they share.
    pub match_recency_decay: Option<f64>,
    /// VSTAN `λ_idf`: an item's vote is multiplied by `1 + idf_weight * idf(item)`, favouring
    /// items that are specific to few sessions over ones everybody clicks.
    pub idf_weight: f64,
    /// How overlap becomes similarity.
    pub similarity: Similarity,
}

impl Default for SessionKnnParams {
    /// The parameters `tailor tune sessions` chose on yoochoose-rsc15-100k `_train_tr` ->
    /// `_train_valid`, the test split unseen: HR@20 0.6575 and MRR@20 0.3580 there, against
    /// V-SKNN's 0.6411 and 0.3480.
    fn default() -> Self {
        Self {
            sample_size: 1000,
            neighbors: 200,
            window: 20,
            position_decay: Some(2.0),
            recency_decay_days: Some(5.0),
            item_distance_decay: Some(16.0),
            match_recency_decay: Some(4.0),
            idf_weight: 1.0,
            similarity: Similarity::Cosine,
        }
    }
}

impl fmt::Display for SessionKnnParams {
    /// A compact one-line form, used to name rows of tuning reports.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let decay = |d: Option<f64>| d.map_or_else(|| "off".to_string(), |v| format!("{v}"));
        write!(
            f,
            "m={} k={} w={} spw={} snh={} inh={} ipw={} idf={} {}",
            self.sample_size,
            self.neighbors,
            self.window,
            decay(self.position_decay),
            decay(self.recency_decay_days),
            decay(self.item_distance_decay),
            decay(self.match_recency_decay),
            self.idf_weight,
            match self.similarity {
                Similarity::Cosine => "cos",
                Similarity::Dot => "dot",
            }
        )
    }
}

/// A parameter outside its documented range.
#[derive(Debug, Clone, PartialEq)]
pub struct InvalidParam {
    /// The field of [`SessionKnnParams`].
    pub name: &'static str,
    /// What it was set to.
    pub value: f64,
    /// The accepted range, for people.
    pub expected: String,
}

impl fmt::Display for InvalidParam {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} = {} is out of range, expected {}",
            self.name, self.value, self.expected
        )
    }
}

impl std::error::Error for InvalidParam {}

fn check_count(name: &'static str, value: usize, max: usize) -> Result<(), InvalidParam> {
    if (1..=max).contains(&value) {
        Ok(())
    } else {
        Err(InvalidParam {
            name,
            value: value as f64,
            expected: format!("1..={max}"),
        })
    }
}

fn check_decay(name: &'static str, value: Option<f64>) -> Result<(), InvalidParam> {
    match value {
        Some(v) if !(MIN_DECAY..=MAX_DECAY).contains(&v) => Err(InvalidParam {
            name,
            value: v,
            expected: format!("None or {MIN_DECAY}..={MAX_DECAY}"),
        }),
        _ => Ok(()),
    }
}

impl SessionKnnParams {
    /// Checks every field against its bound.
    pub fn validate(&self) -> Result<(), InvalidParam> {
        check_count("sample_size", self.sample_size, MAX_SAMPLE_SIZE)?;
        check_count("neighbors", self.neighbors, self.sample_size)?;
        check_count("window", self.window, MAX_WINDOW)?;
        check_decay("position_decay", self.position_decay)?;
        check_decay("recency_decay_days", self.recency_decay_days)?;
        check_decay("item_distance_decay", self.item_distance_decay)?;
        check_decay("match_recency_decay", self.match_recency_decay)?;
        if !(0.0..=MAX_IDF_WEIGHT).contains(&self.idf_weight) {
            return Err(InvalidParam {
                name: "idf_weight",
                value: self.idf_weight,
                expected: format!("0..={MAX_IDF_WEIGHT}"),
            });
        }
        Ok(())
    }
}

/// `exp(-d / λ)` for every distance `d` the scorer can meet, computed once per parameter set.
#[derive(Debug, Clone)]
struct DecayTable(Vec<f64>);

impl DecayTable {
    fn new(decay: Option<f64>, len: usize) -> Self {
        Self(
            (0..len)
                .map(|d| decay.map_or(1.0, |l| (-(d as f64) / l).exp()))
                .collect(),
        )
    }

    fn at(&self, d: usize) -> f64 {
        self.0[d.min(self.0.len() - 1)]
    }
}

#[derive(Debug, Clone)]
struct Weights {
    position: DecayTable,
    item_distance: DecayTable,
    match_recency: DecayTable,
    recency_per_second: Option<f64>,
}

impl Weights {
    fn new(p: &SessionKnnParams) -> Self {
        Self {
            position: DecayTable::new(p.position_decay, p.window),
            item_distance: DecayTable::new(p.item_distance_decay, MAX_STORED_CLICKS),
            match_recency: DecayTable::new(p.match_recency_decay, p.window),
            recency_per_second: p.recency_decay_days.map(|d| 1.0 / (d * SECONDS_PER_DAY)),
        }
    }
}

/// Tailor's session-based next-item recommender; see the module docs for its lineage.
///
/// Build it from history with [`build`](Self::build), feed it live clicks with
/// [`add_click`](Self::add_click), and ask with [`recommend`](SessionRecommender::recommend) (for
/// any click sequence) or [`recommend_for`](Self::recommend_for) (for a live session it knows).
///
/// Where it departs from session-rec's `vstan.py`: only the last `window` clicks are used and
/// candidates are the `m` most recent sessions sharing one of *their* items (VMIS-kNN); neighbour
/// age counts from the newest candidate rather than the query time, which ranks identically; and
/// idf is `ln(sessions / sessions containing the item)`, which cannot go negative, where
/// session-rec divides by click counts.
#[derive(Debug, Clone)]
pub struct SessionKnn {
    index: RecencyIndex,
    params: SessionKnnParams,
    weights: Weights,
}

/// A distinct item of the current window with its weight and how many clicks ago it was seen.
#[derive(Debug, Clone, Copy)]
struct QueryItem {
    item: u32,
    clicks_ago: usize,
    weight: f64,
}

/// One of 64 bits per item id, for a quick "certainly not in the window" test.
fn item_bit(item: u32) -> u64 {
    1 << (item % 64)
}

/// A cursor into one item's session list, from the newest end, with the order key of the
/// session under it cached so the merge compares keys without looking sessions up.
struct Head<'a> {
    rest: Rev<vec_deque::Iter<'a, u32>>,
    current: Option<(i64, u32)>,
    weight: f64,
}

impl SessionKnn {
    /// Indexes `history` for `params`; a key given twice is one session.
    pub fn build(params: SessionKnnParams, history: &[Session]) -> Result<Self, InvalidParam> {
        params.validate()?;
        Ok(Self {
            // One spare slot, so that skipping the asking session itself still leaves `m` others.
            index: RecencyIndex::from_sessions(params.sample_size + 1, history),
            weights: Weights::new(&params),
            params,
        })
    }

    /// The parameters in use.
    pub fn params(&self) -> &SessionKnnParams {
        &self.params
    }

    /// Switches to other query parameters without re-indexing. The sample size may shrink but
    /// not grow past the one the index was built for.
    pub fn set_params(&mut self, params: SessionKnnParams) -> Result<(), InvalidParam> {
        params.validate()?;
        let capacity = self.index.capacity() - 1;
        if params.sample_size > capacity {
            return Err(InvalidParam {
                name: "sample_size",
                value: params.sample_size as f64,
                expected: format!("1..={capacity}, the size this index was built for"),
            });
        }
        self.weights = Weights::new(&params);
        self.params = params;
        Ok(())
    }

    /// Records a live click; the next prediction, for this session or any other, reflects it.
    /// Clicks of one session should come in time order; a late one still counts, but does not
    /// make its session older.
    pub fn add_click(&mut self, session_key: u64, item: u32, time_secs: i64) {
        self.index.add_click(session_key, item, time_secs);
    }

    /// The clicks recorded for a live session (at most [`MAX_STORED_CLICKS`]).
    pub fn session_items(&self, session_key: u64) -> Option<&[u32]> {
        self.index
            .slot(session_key)
            .map(|slot| self.index.items(slot))
    }

    /// Sessions known to the index, historical and live.
    pub fn num_sessions(&self) -> usize {
        self.index.num_sessions()
    }

    /// Recommends for a session known from [`add_click`](Self::add_click), using its recorded
    /// clicks and never counting the session as its own neighbour. Unknown keys get nothing.
    pub fn recommend_for(
        &self,
        session_key: u64,
        n: usize,
        exclude: &dyn Fn(u32) -> bool,
    ) -> Vec<(u32, f32)> {
        match self.index.slot(session_key) {
            Some(slot) => self.score(self.index.items(slot), Some(slot), n, exclude),
            None => Vec::new(),
        }
    }

    /// The window's distinct items, most recent first, each at its most recent position.
    fn query(&self, session: &[u32]) -> Vec<QueryItem> {
        let mut query: Vec<QueryItem> = Vec::with_capacity(self.params.window);
        for (clicks_ago, &item) in session.iter().rev().take(self.params.window).enumerate() {
            if query.iter().all(|q| q.item != item) {
                let weight = self.weights.position.at(clicks_ago);
                query.push(QueryItem {
                    item,
                    clicks_ago,
                    weight,
                });
            }
        }
        query
    }

    /// The `m` most recent sessions sharing an item with `query`, newest first, with their
    /// weighted overlap. The per-item lists are sorted by recency, so merging them from the newest
    /// end yields the union in recency order and the scan stops after `m` distinct sessions: no
    /// session older than the `m`-th is ever looked at (VMIS-kNN's early stopping).
    fn candidates(&self, query: &[QueryItem], skip: Option<u32>) -> Vec<(u32, f64)> {
        let mut heads: Vec<Head<'_>> = query
            .iter()
            .filter_map(|q| {
                let mut rest = self.index.sessions_of(q.item)?.iter().rev();
                let current = rest.next().map(|&slot| (self.index.time(slot), slot));
                Some(Head {
                    rest,
                    current,
                    weight: q.weight,
                })
            })
            .collect();
        let mut out = Vec::with_capacity(self.params.sample_size);
        while out.len() < self.params.sample_size {
            let Some(newest) = heads.iter().filter_map(|h| h.current).max() else {
                break;
            };
            // A session sits at the same place in every list that holds it, so all of its
            // entries are at the heads now.
            let mut overlap = 0.0;
            for head in &mut heads {
                if head.current == Some(newest) {
                    overlap += head.weight;
                    head.current = head.rest.next().map(|&slot| (self.index.time(slot), slot));
                }
            }
            if Some(newest.1) != skip {
                out.push((newest.1, overlap));
            }
        }
        out
    }

    /// The `k` most similar candidates, most similar first (ties: the more recent session).
    fn neighbors(&self, query: &[QueryItem], candidates: Vec<(u32, f64)>) -> Vec<(u32, f64)> {
        let norm = match self.params.similarity {
            Similarity::Cosine => query
                .iter()
                .map(|q| q.weight * q.weight)
                .sum::<f64>()
                .sqrt(),
            Similarity::Dot => query.len() as f64,
        };
        // Ages count from the newest candidate, not from "now": a common factor cancels out of
        // every ranking, and this way the newest weighs exactly 1 and nothing underflows early.
        let newest = candidates
            .first()
            .map_or(0, |&(slot, _)| self.index.time(slot));
        let mut scored: Vec<(u32, f64)> = candidates
            .into_iter()
            .map(|(slot, overlap)| {
                let mut sim = overlap / norm;
                if self.params.similarity == Similarity::Cosine {
                    sim /= f64::from(self.index.distinct_items(slot).max(1)).sqrt();
                }
                if let Some(per_second) = self.weights.recency_per_second {
                    let age = (newest - self.index.time(slot)).max(0) as f64;
                    sim *= (-age * per_second).exp();
                }
                (slot, sim)
            })
            .collect();
        let order = |a: &(u32, f64), b: &(u32, f64)| {
            b.1.total_cmp(&a.1)
                .then_with(|| (self.index.time(b.0), b.0).cmp(&(self.index.time(a.0), a.0)))
        };
        let k = self.params.neighbors;
        if scored.len() > k {
            scored.select_nth_unstable_by(k - 1, order);
            scored.truncate(k);
        }
        scored.sort_unstable_by(order);
        scored
    }

    fn score(
        &self,
        session: &[u32],
        skip: Option<u32>,
        n: usize,
        exclude: &dyn Fn(u32) -> bool,
    ) -> Vec<(u32, f32)> {
        let query = self.query(session);
        if query.is_empty() || n == 0 {
            return Vec::new();
        }
        let neighbors = self.neighbors(&query, self.candidates(&query, skip));
        // Most clicks of a neighbour are not in the window: one bit test rejects them before the
        // search through the window's items.
        let window_bits = query.iter().fold(0u64, |bits, q| bits | item_bit(q.item));
        let ln_sessions = self.index.ln_num_sessions();
        let clicks: usize = neighbors
            .iter()
            .map(|&(slot, _)| self.index.items(slot).len())
            .sum();
        // Item -> (score, the last neighbour that voted for it). The stamp lets each neighbour
        // vote once per distinct item, at its last position, in one backward pass.
        let mut scores = id_map::<u32, (f64, usize)>(clicks);
        for (voter, &(slot, sim)) in neighbors.iter().enumerate() {
            let items = self.index.items(slot);
            // VSTAN's anchor: the neighbour's last position holding an item of the window, and
            // how recently the window saw any item the two share.
            let mut anchor = None;
            let mut shared_clicks_ago = usize::MAX;
            for (pos, &item) in items.iter().enumerate() {
                if window_bits & item_bit(item) == 0 {
                    continue;
                }
                if let Some(q) = query.iter().find(|q| q.item == item) {
                    anchor = Some(pos);
                    shared_clicks_ago = shared_clicks_ago.min(q.clicks_ago);
                }
            }
            let Some(anchor) = anchor else { continue };
            let vote = sim * self.weights.match_recency.at(shared_clicks_ago);
            for (pos, &item) in items.iter().enumerate().rev() {
                let (score, last_voter) = scores.entry(item).or_insert((0.0, usize::MAX));
                if *last_voter == voter {
                    continue;
                }
                *last_voter = voter;
                let mut w = vote * self.weights.item_distance.at(pos.abs_diff(anchor));
                if self.params.idf_weight > 0.0 {
                    w *=
                        1.0 + self.params.idf_weight * f64::from(self.index.idf(item, ln_sessions));
                }
                *score += w;
            }
        }
        top_n(
            scores.into_iter().map(|(item, (s, _))| (item, s as f32)),
            n,
            exclude,
        )
    }
}

impl SessionRecommender for SessionKnn {
    fn recommend(
        &self,
        session: &[u32],
        n: usize,
        exclude: &dyn Fn(u32) -> bool,
    ) -> Vec<(u32, f32)> {
        self.score(session, None, n, exclude)
    }

    fn heap_bytes(&self) -> usize {
        self.index.heap_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(key: u64, items: &[u32], time: i64) -> Session {
        Session {
            key,
            items: items.to_vec(),
            time,
        }
    }

    /// Plain similarity: no decays, no idf, so scores can be checked by hand.
    fn plain(similarity: Similarity) -> SessionKnnParams {
        SessionKnnParams {
            sample_size: 10,
            neighbors: 10,
            window: 10,
            position_decay: None,
            recency_decay_days: None,
            item_distance_decay: None,
            match_recency_decay: None,
            idf_weight: 0.0,
            similarity,
        }
    }

    fn items(recs: &[(u32, f32)]) -> Vec<u32> {
        recs.iter().map(|r| r.0).collect()
    }

    #[test]
    fn scores_by_hand_with_cosine() {
        // Current session [1]: q = {1: 1}, norm 1.
        // s10 = {1,2}: cosine 1 / sqrt(2); s11 = {1,2,3,4}: 1 / 2; s12 = {5}: no overlap.
        let history = [s(10, &[1, 2], 5), s(11, &[1, 2, 3, 4], 6), s(12, &[5], 7)];
        let knn = SessionKnn::build(plain(Similarity::Cosine), &history).unwrap();
        let recs = knn.recommend(&[1], 10, &|_| false);
        let a = 1.0 / 2f32.sqrt();
        let expected = [(1, a + 0.5), (2, a + 0.5), (3, 0.5), (4, 0.5)];
        assert_eq!(items(&recs), vec![1, 2, 3, 4]);
        for (got, want) in recs.iter().zip(expected) {
            assert!((got.1 - want.1).abs() < 1e-6, "{got:?} vs {want:?}");
        }
    }

    #[test]
    fn dot_similarity_ignores_neighbour_length() {
        let history = [s(10, &[1, 2], 5), s(11, &[1, 3, 4, 5], 6)];
        let knn = SessionKnn::build(plain(Similarity::Dot), &history).unwrap();
        let recs = knn.recommend(&[1], 10, &|_| false);
        // Every neighbour has similarity 1; item 1 gets two votes, the rest one each.
        assert_eq!(recs[0], (1, 2.0));
        assert!(recs[1..].iter().all(|r| r.1 == 1.0));
    }

    #[test]
    fn only_the_k_most_similar_of_the_m_most_recent_vote() {
        let history = [
            s(1, &[1, 9], 1),       // oldest: outside a sample of 2
            s(2, &[1, 2, 3, 4], 2), // least similar of the two sampled
            s(3, &[1, 5], 3),
        ];
        let params = SessionKnnParams {
            sample_size: 2,
            neighbors: 1,
            ..plain(Similarity::Cosine)
        };
        let knn = SessionKnn::build(params, &history).unwrap();
        assert_eq!(items(&knn.recommend(&[1], 10, &|_| false)), vec![1, 5]);
    }

    #[test]
    fn the_newest_matching_candidates_are_sampled_across_items() {
        // Window [7, 8]: items 7 and 8 each have sessions; the merge must take the globally newest.
        let history = [
            s(1, &[7, 1], 10),
            s(2, &[8, 2], 20),
            s(3, &[7, 3], 30),
            s(4, &[8, 4], 5),
        ];
        let params = SessionKnnParams {
            sample_size: 2,
            neighbors: 2,
            ..plain(Similarity::Dot)
        };
        let knn = SessionKnn::build(params, &history).unwrap();
        let recs = knn.recommend(&[7, 8], 10, &|i| i >= 7);
        assert_eq!(items(&recs), vec![2, 3]);
    }

    #[test]
    fn item_distance_decay_prefers_items_next_to_the_match() {
        let history = [s(1, &[1, 2, 3, 4], 1)];
        let params = SessionKnnParams {
            item_distance_decay: Some(1.0),
            ..plain(Similarity::Dot)
        };
        let knn = SessionKnn::build(params, &history).unwrap();
        let recs = knn.recommend(&[2], 10, &|_| false);
        assert_eq!(items(&recs), vec![2, 1, 3, 4]);
        let e = std::f32::consts::E;
        assert!((recs[1].1 - 1.0 / e).abs() < 1e-6);
        assert!((recs[3].1 - 1.0 / (e * e)).abs() < 1e-6);
    }

    #[test]
    fn duplicates_in_sessions_count_once_at_their_last_position() {
        let history = [s(1, &[1, 2, 1, 3], 1)];
        let params = SessionKnnParams {
            item_distance_decay: Some(1.0),
            ..plain(Similarity::Cosine)
        };
        let knn = SessionKnn::build(params, &history).unwrap();
        // The duplicate-laden current session weighs as {1, 2}.
        let recs = knn.recommend(&[1, 1, 2, 1], 10, &|_| false);
        assert_eq!(items(&recs), vec![1, 2, 3]);
        let sim = 2.0 / (2f32.sqrt() * 3f32.sqrt());
        assert!((recs[0].1 - sim).abs() < 1e-6);
    }

    #[test]
    fn exclusion_is_applied_before_the_cut() {
        let history = [s(1, &[1, 2, 3, 4, 5], 1)];
        let knn = SessionKnn::build(plain(Similarity::Cosine), &history).unwrap();
        let recs = knn.recommend(&[1], 3, &|i| i == 1 || i == 2);
        assert_eq!(items(&recs), vec![3, 4, 5]);
    }

    #[test]
    fn empty_and_unknown_sessions_get_nothing() {
        let knn = SessionKnn::build(SessionKnnParams::default(), &[s(1, &[1, 2], 1)]).unwrap();
        assert!(knn.recommend(&[], 20, &|_| false).is_empty());
        assert!(knn.recommend(&[999_999], 20, &|_| false).is_empty());
        assert!(knn.recommend(&[1], 0, &|_| false).is_empty());
        assert!(knn.recommend_for(42, 20, &|_| false).is_empty());
        let empty = SessionKnn::build(SessionKnnParams::default(), &[]).unwrap();
        assert!(empty.recommend(&[1], 20, &|_| false).is_empty());
    }

    #[test]
    fn a_live_click_changes_the_next_prediction_of_other_sessions() {
        let mut knn = SessionKnn::build(plain(Similarity::Cosine), &[s(1, &[1, 2], 1)]).unwrap();
        assert_eq!(items(&knn.recommend(&[1], 10, &|_| false)), vec![1, 2]);
        knn.add_click(7, 1, 10);
        knn.add_click(7, 3, 11);
        let recs = knn.recommend(&[1], 10, &|_| false);
        assert_eq!(items(&recs), vec![1, 2, 3]);
        assert_eq!(knn.session_items(7), Some(&[1, 3][..]));
        assert_eq!(knn.num_sessions(), 2);
    }

    #[test]
    fn a_live_session_is_not_its_own_neighbour() {
        let mut knn = SessionKnn::build(plain(Similarity::Cosine), &[s(1, &[1, 2], 1)]).unwrap();
        knn.add_click(7, 1, 10);
        knn.add_click(7, 5, 11);
        // Session 7's own items would come back if it matched itself; only session 1 votes.
        assert_eq!(items(&knn.recommend_for(7, 10, &|_| false)), vec![1, 2]);
    }

    #[test]
    fn the_window_limits_the_clicks_used() {
        let history = [s(1, &[1, 2], 1), s(2, &[3, 4], 2)];
        let params = SessionKnnParams {
            window: 1,
            ..plain(Similarity::Cosine)
        };
        let knn = SessionKnn::build(params, &history).unwrap();
        assert_eq!(items(&knn.recommend(&[1, 3], 10, &|_| false)), vec![3, 4]);
    }

    #[test]
    fn recency_decay_prefers_newer_neighbours() {
        let day = SECONDS_PER_DAY as i64;
        let history = [s(1, &[1, 2], 0), s(2, &[1, 3], 10 * day)];
        let params = SessionKnnParams {
            recency_decay_days: Some(1.0),
            ..plain(Similarity::Dot)
        };
        let knn = SessionKnn::build(params, &history).unwrap();
        let recs = knn.recommend(&[1], 10, &|i| i == 1);
        assert_eq!(items(&recs), vec![3, 2]);
        assert!((recs[1].1 - (-10f32).exp()).abs() < 1e-9);
    }

    #[test]
    fn params_are_bounded() {
        let ok = SessionKnnParams::default();
        assert!(ok.validate().is_ok());
        let bad = [
            SessionKnnParams {
                sample_size: 0,
                ..ok
            },
            SessionKnnParams {
                neighbors: ok.sample_size + 1,
                ..ok
            },
            SessionKnnParams {
                window: MAX_WINDOW + 1,
                ..ok
            },
            SessionKnnParams {
                position_decay: Some(0.0),
                ..ok
            },
            SessionKnnParams {
                recency_decay_days: Some(f64::NAN),
                ..ok
            },
            SessionKnnParams {
                idf_weight: -1.0,
                ..ok
            },
        ];
        for p in bad {
            let err = p.validate().unwrap_err();
            assert!(err.to_string().contains("out of range"), "{err}");
        }
        let mut knn = SessionKnn::build(ok, &[]).unwrap();
        let bigger = SessionKnnParams {
            sample_size: ok.sample_size * 2,
            ..ok
        };
        assert_eq!(knn.set_params(bigger).unwrap_err().name, "sample_size");
        let smaller = SessionKnnParams {
            sample_size: 10,
            neighbors: 10,
            ..ok
        };
        knn.set_params(smaller).unwrap();
        assert_eq!(knn.params(), &smaller);
    }

    #[test]
    fn display_names_every_knob() {
        let text = SessionKnnParams::default().to_string();
        for key in [
            "m=", "k=", "w=", "spw=", "snh=", "inh=", "ipw=", "idf=", "cos",
        ] {
            assert!(text.contains(key), "{text}");
        }
    }
}
