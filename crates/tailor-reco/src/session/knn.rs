//! Tailor's session kNN: VSTAN's scoring (Ludewig et al., UMUAI 2021, after STAN by Garg et al.,
//! SIGIR 2019) over VMIS-kNN's recency-sampled index (Kersbergen et al., 2022), which finds the
//! `m` most recent candidate neighbours by merging a few short lists and stops as soon as it has them,
//! plus reminders of the session's own recent items (the "remind" extension of session kNN in
//! Latifi, Mauro & Jannach, Information Sciences 2021).

use std::cell::RefCell;
use std::collections::binary_heap::PeekMut;
use std::collections::{BinaryHeap, vec_deque};
use std::fmt;
use std::iter::Rev;

use super::index::{Listed, MAX_STORED_CLICKS, OrderKey, RecencyIndex, Retention};
use super::rank::{descending_f64, top_n};
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
/// Largest accepted reminder weight: past a few times the best vote, reminders alone decide.
pub const MAX_REMINDER_WEIGHT: f64 = 10.0;
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
    /// The most recent clicks of the current session that find and weigh neighbours (VMIS-kNN's
    /// evolving session). Each list merged costs time, and with the tuned position decay a click
    /// five back weighs under 1 % of the last one.
    pub window: usize,
    /// The most recent clicks whose items can come back as reminders; may exceed `window`,
    /// because reminders cost no list merge.
    pub reminder_window: usize,
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
    /// Reminders: each item of the reminder window gets `reminder_weight * best * exp(-clicks_ago /
    /// reminder_decay)` on top of its votes, `best` being the best-voted item's score, so that
    /// items the visitor saw recently come back (a tenth of yoochoose's next clicks return to an
    /// earlier item of the session, another quarter repeat the last one). 0 turns it off.
    pub reminder_weight: f64,
    /// Length, in clicks, of a reminder's decay; `None` keeps every item of the window alike.
    pub reminder_decay: Option<f64>,
    /// How overlap becomes similarity.
    pub similarity: Similarity,
}

impl Default for SessionKnnParams {
    /// The parameters `tailor tune sessions` chose on yoochoose-rsc15-100k `_train_tr` ->
    /// `_train_valid`, the test split unseen: the best MRR@20 with the last item excluded
    /// (0.1918, V-SKNN 0.1761) among the sets at least 2% above V-SKNN on HR@20 (0.6540 against
    /// 0.6411), MRR@20 (0.3721 against 0.3480) and HR@20 with the last item excluded (0.3983
    /// against 0.3882). Tuned with one window of 20 for both uses; splitting it, a matching window
    /// of 5 scored the same on that split to the fourth decimal (MRR@20 no-repeat 0.1917) at half
    /// the cost on long live sessions (docs/BENCHMARKS.md).
    fn default() -> Self {
        Self {
            sample_size: 1000,
            neighbors: 100,
            window: 5,
            reminder_window: 20,
            position_decay: Some(1.0),
            recency_decay_days: Some(5.0),
            item_distance_decay: Some(16.0),
            match_recency_decay: Some(0.25),
            idf_weight: 10.0,
            reminder_weight: 0.2,
            reminder_decay: Some(8.0),
            similarity: Similarity::Dot,
        }
    }
}

impl fmt::Display for SessionKnnParams {
    /// A compact one-line form, used to name rows of tuning reports.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let decay = |d: Option<f64>| d.map_or_else(|| "off".to_string(), |v| format!("{v}"));
        write!(
            f,
            "m={} k={} w={} rw={} spw={} snh={} inh={} ipw={} idf={} rem={} rmd={} {}",
            self.sample_size,
            self.neighbors,
            self.window,
            self.reminder_window,
            decay(self.position_decay),
            decay(self.recency_decay_days),
            decay(self.item_distance_decay),
            decay(self.match_recency_decay),
            self.idf_weight,
            self.reminder_weight,
            decay(self.reminder_decay),
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
        check_count("reminder_window", self.reminder_window, MAX_WINDOW)?;
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
        if !(0.0..=MAX_REMINDER_WEIGHT).contains(&self.reminder_weight) {
            return Err(InvalidParam {
                name: "reminder_weight",
                value: self.reminder_weight,
                expected: format!("0..={MAX_REMINDER_WEIGHT}"),
            });
        }
        check_decay("reminder_decay", self.reminder_decay)?;
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
    reminder: DecayTable,
    recency_per_second: Option<f64>,
}

impl Weights {
    fn new(p: &SessionKnnParams) -> Self {
        Self {
            position: DecayTable::new(p.position_decay, p.window),
            item_distance: DecayTable::new(p.item_distance_decay, MAX_STORED_CLICKS),
            match_recency: DecayTable::new(p.match_recency_decay, p.window),
            reminder: DecayTable::new(p.reminder_decay, p.reminder_window),
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
/// session-rec divides by click counts; and the items of a (longer) reminder window can get a
/// reminder score ([`SessionKnnParams::reminder_weight`]).
///
/// Memory is bounded for live use: sessions are evicted by a deterministic [`Retention`] policy
/// (see [`build_with`](Self::build_with) and [`set_retention`](Self::set_retention)).
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

/// Votes per item for one prediction, in arrays indexed by item id: a hash map's probe per
/// neighbour click was a tenth of a prediction. Kept per thread and cleared through `touched`,
/// so a prediction costs what it touches, not the catalog's size. Item ids are dense, as the
/// index's own per-item arrays already assume.
#[derive(Default)]
struct Tally {
    score: Vec<f64>,
    /// The last neighbour that voted for the item, [`Tally::NONE`] if none did.
    voter: Vec<u32>,
    /// Items with a score, each once.
    touched: Vec<u32>,
}

impl Tally {
    const NONE: u32 = u32::MAX;

    /// The item's slot, marking it touched on first use.
    fn slot(&mut self, item: u32) -> usize {
        let i = item as usize;
        if i >= self.score.len() {
            self.score.resize(i + 1, 0.0);
            self.voter.resize(i + 1, Self::NONE);
        }
        if self.voter[i] == Self::NONE && self.score[i] == 0.0 {
            self.touched.push(item);
        }
        i
    }

    fn clear(&mut self) {
        for &item in &self.touched {
            self.score[item as usize] = 0.0;
            self.voter[item as usize] = Self::NONE;
        }
        self.touched.clear();
    }
}

thread_local! {
    static TALLY: RefCell<Tally> = RefCell::new(Tally::default());
}

/// The leading items of `items` (most recent first, as `SessionKnn::query` returns them) seen in
/// the last `clicks` clicks.
fn in_window(items: &[QueryItem], clicks: usize) -> &[QueryItem] {
    &items[..items.partition_point(|q| q.clicks_ago < clicks)]
}

/// One of 64 bits per item id, for a quick "certainly not in the window" test.
fn item_bit(item: u32) -> u64 {
    1 << (item % 64)
}

/// A cursor into one item's session list, from the newest end, with the order key of the
/// session under it cached so the merge compares keys without looking sessions up.
struct Head<'a> {
    rest: Rev<vec_deque::Iter<'a, Listed>>,
    current: Option<(OrderKey, u32)>,
    weight: f64,
}

impl SessionKnn {
    /// Indexes `history` for `params` under the default [`Retention`]; a key given twice is one
    /// session.
    pub fn build(params: SessionKnnParams, history: &[Session]) -> Result<Self, InvalidParam> {
        Self::build_with(params, Retention::default(), history)
    }

    /// Indexes `history` for `params`, keeping sessions by `retention` from then on (the policy
    /// is applied to the history too, "now" being its newest session).
    pub fn build_with(
        params: SessionKnnParams,
        retention: Retention,
        history: &[Session],
    ) -> Result<Self, InvalidParam> {
        params.validate()?;
        retention.validate()?;
        Ok(Self {
            // One spare slot, so that skipping the asking session itself still leaves `m` others.
            index: RecencyIndex::from_sessions(params.sample_size + 1, retention, history),
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

    /// The policy deciding which sessions are kept.
    pub fn retention(&self) -> Retention {
        self.index.retention()
    }

    /// Switches to another retention policy and applies it at once (a lower cap evicts now).
    pub fn set_retention(&mut self, retention: Retention) -> Result<(), InvalidParam> {
        retention.validate()?;
        self.index.set_retention(retention);
        Ok(())
    }

    /// Records a live click; the next prediction, for this session or any other, reflects it.
    /// Clicks of one session should come in time order; a late one still counts, but does not
    /// make its session older. Then evicts sessions by the [`Retention`] policy, never this one.
    pub fn add_click(&mut self, session_key: u64, item: u32, time_secs: i64) {
        self.index.add_click(session_key, item, time_secs);
    }

    /// The clicks recorded for a live session (at most [`MAX_STORED_CLICKS`]).
    pub fn session_items(&self, session_key: u64) -> Option<&[u32]> {
        self.index
            .slot(session_key)
            .map(|slot| self.index.items(slot))
    }

    /// Sessions kept in the index, historical and live.
    pub fn num_sessions(&self) -> usize {
        self.index.num_sessions()
    }

    /// Sessions evicted by the [`Retention`] policy so far.
    pub fn evicted_sessions(&self) -> u64 {
        self.index.evicted()
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

    /// The distinct items of the longer of the two windows, most recent first, each at its most
    /// recent position; those of the matching window come first.
    fn query(&self, session: &[u32]) -> Vec<QueryItem> {
        let clicks = self.params.window.max(self.params.reminder_window);
        let mut query: Vec<QueryItem> = Vec::with_capacity(clicks);
        for (clicks_ago, &item) in session.iter().rev().take(clicks).enumerate() {
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
    /// Each with the session's order key, read from the list: the neighbour step needs its time,
    /// and looking it up by slot is a cache miss per candidate.
    fn candidates(&self, query: &[QueryItem], skip: Option<u32>) -> Vec<(u32, f64, OrderKey)> {
        let mut heads: Vec<Head<'_>> = query
            .iter()
            .filter_map(|q| {
                let mut rest = self.index.sessions_of(q.item)?.iter().rev();
                let current = rest.next().map(|e| (e.key, e.slot));
                Some(Head {
                    rest,
                    current,
                    weight: q.weight,
                })
            })
            .collect();
        // The heads' current sessions in a max-heap: each step costs O(log w), not a scan of
        // all w heads (a long window merges up to `window` lists).
        let mut heap: BinaryHeap<(OrderKey, u32, usize)> = heads
            .iter()
            .enumerate()
            .filter_map(|(i, h)| h.current.map(|(key, slot)| (key, slot, i)))
            .collect();
        let mut holders: Vec<usize> = Vec::with_capacity(heads.len());
        let mut out = Vec::with_capacity(self.params.sample_size);
        while out.len() < self.params.sample_size {
            let Some(&(newest, slot, _)) = heap.peek() else {
                break;
            };
            // A session sits at the same place in every list that holds it, so all of its
            // entries are at the heads now, and on top of the heap together. Each holder's head
            // moves to its next (older) session in place: one sift, not a pop and a push.
            holders.clear();
            while let Some(mut top) = heap.peek_mut()
                && top.0 == newest
            {
                let i = top.2;
                holders.push(i);
                let head = &mut heads[i];
                head.current = head.rest.next().map(|e| (e.key, e.slot));
                match head.current {
                    Some((key, slot)) => *top = (key, slot, i),
                    None => {
                        PeekMut::pop(top);
                    }
                }
            }
            // Summed in window order, so the overlap does not depend on the heap's order.
            holders.sort_unstable();
            let overlap: f64 = holders.iter().map(|&i| heads[i].weight).sum();
            if Some(slot) != skip {
                out.push((slot, overlap, newest));
            }
        }
        out
    }

    /// The `k` most similar candidates, most similar first (ties: the more recent session).
    fn neighbors(
        &self,
        query: &[QueryItem],
        candidates: Vec<(u32, f64, OrderKey)>,
    ) -> Vec<(u32, f64)> {
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
        let newest = candidates.first().map_or(0, |c| c.2.0);
        let sims: Vec<(u32, f64)> = candidates
            .iter()
            .map(|&(slot, overlap, key)| {
                let mut sim = overlap / norm;
                if self.params.similarity == Similarity::Cosine {
                    sim /= f64::from(self.index.distinct_items(slot).max(1)).sqrt();
                }
                if let Some(per_second) = self.weights.recency_per_second {
                    let age = (newest - key.0).max(0) as f64;
                    sim *= (-age * per_second).exp();
                }
                (slot, sim)
            })
            .collect();
        // Most similar first, ties to the more recent session: candidates come newest first, so
        // (descending similarity, position) as one integer orders them, and integers select and
        // sort much faster than floats with a key comparison behind them.
        let mut order: Vec<u128> = sims
            .iter()
            .enumerate()
            .map(|(i, &(_, sim))| (u128::from(descending_f64(sim)) << 64) | i as u128)
            .collect();
        let k = self.params.neighbors;
        if order.len() > k {
            order.select_nth_unstable(k - 1);
            order.truncate(k);
        }
        order.sort_unstable();
        order.into_iter().map(|o| sims[o as u64 as usize]).collect()
    }

    fn score(
        &self,
        session: &[u32],
        skip: Option<u32>,
        n: usize,
        exclude: &dyn Fn(u32) -> bool,
    ) -> Vec<(u32, f32)> {
        let items = self.query(session);
        if items.is_empty() || n == 0 {
            return Vec::new();
        }
        let (query, reminded) = (
            in_window(&items, self.params.window),
            in_window(&items, self.params.reminder_window),
        );
        let neighbors = self.neighbors(query, self.candidates(query, skip));
        TALLY.with_borrow_mut(|tally| {
            // Cleared before use, not after: a panic in `exclude` must not leave votes behind.
            tally.clear();
            self.vote(tally, query, reminded, &neighbors, n, exclude)
        })
    }

    /// Each neighbour votes for its items; the reminder window's items get reminders; the best
    /// `n` that `exclude` lets through come back.
    fn vote(
        &self,
        scores: &mut Tally,
        query: &[QueryItem],
        reminded: &[QueryItem],
        neighbors: &[(u32, f64)],
        n: usize,
        exclude: &dyn Fn(u32) -> bool,
    ) -> Vec<(u32, f32)> {
        // Most clicks of a neighbour are not in the window: one bit test rejects them before the
        // search through the window's items.
        let window_bits = query.iter().fold(0u64, |bits, q| bits | item_bit(q.item));
        let ln_sessions = self.index.ln_num_sessions();
        // The voter stamp lets each neighbour vote once per distinct item, at its last position,
        // in one backward pass.
        for (voter, &(slot, sim)) in (0u32..).zip(neighbors) {
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
                let i = scores.slot(item);
                if scores.voter[i] == voter {
                    continue;
                }
                scores.voter[i] = voter;
                let mut w = vote * self.weights.item_distance.at(pos.abs_diff(anchor));
                if self.params.idf_weight > 0.0 {
                    w *=
                        1.0 + self.params.idf_weight * f64::from(self.index.idf(item, ln_sessions));
                }
                scores.score[i] += w;
            }
        }
        if self.params.reminder_weight > 0.0 {
            let best = scores
                .touched
                .iter()
                .map(|&item| scores.score[item as usize])
                .fold(0.0, f64::max);
            if best > 0.0 {
                let boost = self.params.reminder_weight * best;
                for q in reminded {
                    let w = boost * self.weights.reminder.at(q.clicks_ago);
                    let i = scores.slot(q.item);
                    scores.score[i] += w;
                }
            }
        }
        top_n(
            scores
                .touched
                .iter()
                .map(|&item| (item, scores.score[item as usize] as f32)),
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
    use crate::session::{MAX_IDLE_SECS, MAX_RETAINED_SESSIONS};
    use proptest::prelude::*;

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
            reminder_window: 10,
            position_decay: None,
            recency_decay_days: None,
            item_distance_decay: None,
            match_recency_decay: None,
            idf_weight: 0.0,
            reminder_weight: 0.0,
            reminder_decay: None,
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
    fn the_reminder_window_reminds_without_matching() {
        // Matching window [3]: only session 2 is a neighbour (dot similarity 1), so 3 and 4 get a
        // vote of 1 each and item 2 never appears. The reminder window [1, 3] adds the best vote,
        // 1, to both of its items.
        let history = [s(1, &[1, 2], 1), s(2, &[3, 4], 2)];
        let params = SessionKnnParams {
            window: 1,
            reminder_window: 2,
            reminder_weight: 1.0,
            ..plain(Similarity::Dot)
        };
        let knn = SessionKnn::build(params, &history).unwrap();
        let recs = knn.recommend(&[1, 3], 10, &|_| false);
        assert_eq!(recs, vec![(3, 2.0), (1, 1.0), (4, 1.0)]);
        let short = SessionKnn::build(
            SessionKnnParams {
                reminder_window: 1,
                ..params
            },
            &history,
        )
        .unwrap();
        assert_eq!(
            short.recommend(&[1, 3], 10, &|_| false),
            vec![(3, 2.0), (4, 1.0)]
        );
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
                reminder_window: 0,
                ..ok
            },
            SessionKnnParams {
                reminder_window: MAX_WINDOW + 1,
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
            SessionKnnParams {
                reminder_weight: MAX_REMINDER_WEIGHT + 1.0,
                ..ok
            },
            SessionKnnParams {
                reminder_weight: -0.5,
                ..ok
            },
            SessionKnnParams {
                reminder_decay: Some(0.0),
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
            "m=", "k=", "w=", "spw=", "snh=", "inh=", "ipw=", "idf=", "rem=", "rmd=", "dot",
        ] {
            assert!(text.contains(key), "{text}");
        }
    }

    #[test]
    fn reminders_bring_back_the_window_items_by_recency() {
        // Window [5, 1]: item 5 is unknown, item 1 is shared with the one neighbour, whose dot
        // similarity is 1 / 2 (two distinct items in the window). Votes: 1 and 2 get 0.5 each.
        let history = [s(1, &[1, 2], 1)];
        let params = SessionKnnParams {
            reminder_weight: 1.0,
            ..plain(Similarity::Dot)
        };
        let knn = SessionKnn::build(params, &history).unwrap();
        // No decay: both window items get 1 * 0.5, the best vote.
        let recs = knn.recommend(&[5, 1], 10, &|_| false);
        assert_eq!(recs, vec![(1, 1.0), (2, 0.5), (5, 0.5)]);
        // With a decay of one click, item 5, seen one click ago, gets 0.5 / e.
        let decayed = SessionKnn::build(
            SessionKnnParams {
                reminder_decay: Some(1.0),
                ..params
            },
            &history,
        )
        .unwrap();
        let recs = decayed.recommend(&[5, 1], 10, &|_| false);
        assert_eq!(items(&recs), vec![1, 2, 5]);
        assert!((recs[2].1 - 0.5 / std::f32::consts::E).abs() < 1e-6);
        // Without any vote there is nothing to remind of: unknown sessions still get nothing.
        assert!(knn.recommend(&[5, 6], 10, &|_| false).is_empty());
        // Off, the unknown item never appears.
        let off = SessionKnn::build(plain(Similarity::Dot), &history).unwrap();
        assert_eq!(items(&off.recommend(&[5, 1], 10, &|_| false)), vec![1, 2]);
    }

    fn keep_all() -> Retention {
        Retention {
            max_sessions: MAX_RETAINED_SESSIONS,
            idle_secs: MAX_IDLE_SECS,
        }
    }

    #[test]
    fn retention_is_bounded_and_can_change() {
        let p = SessionKnnParams::default();
        for (bad, name) in [
            (
                Retention {
                    max_sessions: 0,
                    ..Retention::default()
                },
                "max_sessions",
            ),
            (
                Retention {
                    idle_secs: -1,
                    ..Retention::default()
                },
                "idle_secs",
            ),
            (
                Retention {
                    idle_secs: MAX_IDLE_SECS + 1,
                    ..Retention::default()
                },
                "idle_secs",
            ),
        ] {
            assert_eq!(SessionKnn::build_with(p, bad, &[]).unwrap_err().name, name);
        }
        let history: Vec<Session> = (0..10).map(|k| s(k, &[1, 2], k as i64)).collect();
        let mut knn = SessionKnn::build(p, &history).unwrap();
        assert_eq!(knn.retention(), Retention::default());
        assert_eq!(knn.num_sessions(), 10);
        let small = Retention {
            max_sessions: 4,
            idle_secs: 0,
        };
        knn.set_retention(small).unwrap();
        assert_eq!(knn.retention(), small);
        assert_eq!(knn.num_sessions(), 4);
        assert_eq!(knn.evicted_sessions(), 6);
        // The newest four are kept.
        assert!(knn.session_items(6).is_some() && knn.session_items(5).is_none());
    }

    #[test]
    fn evicting_old_sessions_leaves_predictions_on_recent_items_unchanged() {
        let params = SessionKnnParams {
            sample_size: 50,
            neighbors: 20,
            ..SessionKnnParams::default()
        };
        let cap = Retention {
            max_sessions: 300,
            idle_secs: 600,
        };
        let mut bounded = SessionKnn::build_with(params, cap, &[]).unwrap();
        let mut unbounded = SessionKnn::build_with(params, keep_all(), &[]).unwrap();
        // A first season over items 0..40, then a second over items 100..140, a day later.
        let mut key = 0u64;
        for (offset, base) in [(0i64, 0u32), (86_400, 100)] {
            for i in 0..2000u32 {
                for c in 0..4u32 {
                    let item = base + (i * 7 + c * 11) % 40;
                    let time = offset + i64::from(i) * 10 + i64::from(c);
                    bounded.add_click(key, item, time);
                    unbounded.add_click(key, item, time);
                }
                key += 1;
            }
        }
        assert!(bounded.num_sessions() <= 300);
        assert_eq!(unbounded.num_sessions(), 4000);
        for item in 100..140u32 {
            let query = [item, 100 + (item + 3) % 40];
            assert_eq!(
                bounded.recommend(&query, 20, &|_| false),
                unbounded.recommend(&query, 20, &|_| false)
            );
        }
        for live in key - 50..key {
            assert_eq!(
                bounded.recommend_for(live, 20, &|_| false),
                unbounded.recommend_for(live, 20, &|_| false)
            );
        }
    }

    proptest! {
        /// Forgetting sessions that are on no item's list changes no prediction, for any query
        /// or any kept session, at any point of a stream in time order (sessions shorter than
        /// the idle time, so no key comes back after being forgotten).
        #[test]
        fn forgetting_changes_no_prediction(
            sessions in prop::collection::vec((0i64..300, prop::collection::vec(0u32..20, 1..6)), 1..60),
            queries in prop::collection::vec(prop::collection::vec(0u32..22, 1..5), 1..6),
            idle_secs in 5i64..30,
        ) {
            let params = SessionKnnParams { sample_size: 3, neighbors: 2, ..SessionKnnParams::default() };
            let forget = Retention { max_sessions: MAX_RETAINED_SESSIONS, idle_secs };
            let mut forgetting = SessionKnn::build_with(params, forget, &[]).unwrap();
            let mut keeping = SessionKnn::build_with(params, keep_all(), &[]).unwrap();
            let mut clicks: Vec<(u64, u32, i64)> = Vec::new();
            for (key, (start, items)) in sessions.iter().enumerate() {
                for (i, &item) in items.iter().enumerate() {
                    clicks.push((key as u64, item, start + i as i64));
                }
            }
            clicks.sort_by_key(|&(_, _, t)| t);
            for &(key, item, time) in &clicks {
                forgetting.add_click(key, item, time);
                keeping.add_click(key, item, time);
                for q in &queries {
                    prop_assert_eq!(
                        forgetting.recommend(q, 10, &|_| false),
                        keeping.recommend(q, 10, &|_| false)
                    );
                }
                for k in 0..sessions.len() as u64 {
                    if forgetting.session_items(k).is_some() {
                        prop_assert_eq!(
                            forgetting.recommend_for(k, 10, &|_| false),
                            keeping.recommend_for(k, 10, &|_| false)
                        );
                    }
                }
            }
            prop_assert_eq!(keeping.evicted_sessions(), 0);
        }
    }
}
