//! V-SKNN as published (Ludewig & Jannach, "Evaluation of session-based recommendation
//! algorithms", 2018; session-rec's `knn.vsknn.VMContextKNN`), kept as the baseline to beat: it
//! scans every session of every item of the current session, which is what Tailor's index avoids.

use super::rank::{IdMap, id_map, map_bytes, top_n};
use super::{Session, SessionRecommender};

/// session-rec's `linear` weight falls by this much per click of distance.
const LINEAR_STEP: f64 = 0.1;
/// session-rec's `log` weight: `1 / log10(distance + LOG_OFFSET)`.
const LOG_OFFSET: f64 = 1.7;

/// session-rec's decay functions, for the current session's positions (`weighting`) and for a
/// neighbour's vote by how long ago the session last clicked an item they share (`weighting_score`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PositionWeight {
    /// No decay.
    Same,
    /// `1 - 0.1 * distance`, floored at zero. session-rec leaves it unfloored, so it turns
    /// negative past ten clicks (and its `weighting` variant zeroes the *newest* clicks of long
    /// sessions); the floor keeps the intent, ten clicks of linear decay.
    Linear,
    /// `position / length` for the session, `1 / step` for the vote.
    Div,
    /// `1 / log10(distance + 1.7)`.
    Log,
    /// `(position / length)^2` for the session, `1 / step^2` for the vote.
    Quadratic,
}

impl PositionWeight {
    /// Weight of the click at 1-based `pos` of a session of `len` clicks (`pos == len` is newest).
    pub fn current(self, pos: usize, len: usize) -> f64 {
        let (pos_f, len_f) = (pos as f64, len as f64);
        match self {
            Self::Same => 1.0,
            Self::Linear => (1.0 - LINEAR_STEP * (len_f - pos_f)).max(0.0),
            Self::Div => pos_f / len_f,
            Self::Log => 1.0 / (len_f - pos_f + LOG_OFFSET).log10(),
            Self::Quadratic => (pos_f / len_f).powi(2),
        }
    }

    /// Weight of a neighbour whose newest shared item is the `step`-th click from the end (1 = last).
    pub fn matched(self, step: usize) -> f64 {
        let step = step as f64;
        match self {
            Self::Same => 1.0,
            Self::Linear => (1.0 - LINEAR_STEP * step).max(0.0),
            Self::Div => 1.0 / step,
            Self::Log => 1.0 / (step + LOG_OFFSET).log10(),
            Self::Quadratic => 1.0 / (step * step),
        }
    }
}

/// The knobs of [`VSknn`]. The defaults are session-rec's constructor defaults, except the
/// current-session weighting, which is `Linear` as in the paper (session-rec defaults to `Div`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VSknnParams {
    /// `k`, neighbours that vote.
    pub neighbors: usize,
    /// `m`, the most recent of all sessions sharing an item with the current one.
    pub sample_size: usize,
    /// Weight of the current session's clicks by position.
    pub weighting: PositionWeight,
    /// Weight of a neighbour's vote by how recently its newest shared item was clicked.
    pub weighting_score: PositionWeight,
    /// Votes are multiplied by `1 + idf_weight * idf(item)`; 0 turns idf off (session-rec's default).
    pub idf_weight: f64,
}

impl Default for VSknnParams {
    fn default() -> Self {
        Self {
            neighbors: 100,
            sample_size: 1000,
            weighting: PositionWeight::Linear,
            weighting_score: PositionWeight::Div,
            idf_weight: 0.0,
        }
    }
}

/// Vector-multiplication session kNN over a full inverted index.
#[derive(Debug, Clone)]
pub struct VSknn {
    params: VSknnParams,
    /// Every session containing each item.
    postings: Vec<Vec<u32>>,
    /// Each session's distinct items, sorted for lookups.
    items: Vec<Vec<u32>>,
    /// Each session's last click.
    times: Vec<i64>,
    /// `ln(sessions / clicks of item)`, floored at zero; empty when idf is off.
    idf: Vec<f32>,
}

impl VSknn {
    /// Indexes `history`.
    pub fn build(params: VSknnParams, history: &[Session]) -> Self {
        let mut postings: Vec<Vec<u32>> = Vec::new();
        let mut clicks: Vec<u32> = Vec::new();
        let mut items = Vec::with_capacity(history.len());
        for (slot, s) in history.iter().enumerate() {
            let mut distinct = s.items.clone();
            distinct.sort_unstable();
            distinct.dedup();
            for &item in &distinct {
                let i = item as usize;
                if postings.len() <= i {
                    postings.resize_with(i + 1, Vec::new);
                    clicks.resize(i + 1, 0);
                }
                postings[i].push(slot as u32);
            }
            for &item in &s.items {
                clicks[item as usize] += 1;
            }
            items.push(distinct);
        }
        let idf = if params.idf_weight > 0.0 {
            let sessions = history.len() as f64;
            clicks
                .iter()
                .map(|&c| (sessions / f64::from(c.max(1))).ln().max(0.0) as f32)
                .collect()
        } else {
            Vec::new()
        };
        Self {
            params,
            postings,
            items,
            times: history.iter().map(|s| s.time).collect(),
            idf,
        }
    }

    /// Newest first; ties by the later slot.
    fn recency(&self, a: u32, b: u32) -> std::cmp::Ordering {
        (self.times[b as usize], b).cmp(&(self.times[a as usize], a))
    }
}

impl SessionRecommender for VSknn {
    fn recommend(
        &self,
        session: &[u32],
        n: usize,
        exclude: &dyn Fn(u32) -> bool,
    ) -> Vec<(u32, f32)> {
        let p = &self.params;
        // Position weights; a repeated item keeps the weight of its newest click.
        let mut weights: Vec<(u32, f64)> = Vec::new();
        for (i, &item) in session.iter().enumerate() {
            let w = p.weighting.current(i + 1, session.len());
            match weights.iter_mut().find(|e| e.0 == item) {
                Some(e) => e.1 = w,
                None => weights.push((item, w)),
            }
        }
        let mut overlap: IdMap<u32, f64> = id_map(0);
        for &(item, w) in &weights {
            for &slot in self.postings.get(item as usize).map_or(&[][..], |v| v) {
                *overlap.entry(slot).or_insert(0.0) += w;
            }
        }
        let mut candidates: Vec<(u32, f64)> = overlap.into_iter().collect();
        if candidates.len() > p.sample_size {
            candidates.select_nth_unstable_by(p.sample_size - 1, |a, b| self.recency(a.0, b.0));
            candidates.truncate(p.sample_size);
        }
        let distinct = weights.len() as f64;
        let mut neighbors: Vec<(u32, f64)> = candidates
            .into_iter()
            .map(|(slot, dot)| (slot, dot / distinct))
            .filter(|&(_, sim)| sim > 0.0)
            .collect();
        let order =
            |a: &(u32, f64), b: &(u32, f64)| b.1.total_cmp(&a.1).then(self.recency(a.0, b.0));
        if neighbors.len() > p.neighbors {
            neighbors.select_nth_unstable_by(p.neighbors - 1, order);
            neighbors.truncate(p.neighbors);
        }
        neighbors.sort_unstable_by(order);

        let mut scores: IdMap<u32, f64> = id_map(neighbors.len() * 8);
        for (slot, sim) in neighbors {
            let items = &self.items[slot as usize];
            let Some(back) = session
                .iter()
                .rev()
                .position(|i| items.binary_search(i).is_ok())
            else {
                continue;
            };
            let vote = sim * p.weighting_score.matched(back + 1);
            for &item in items {
                let mut w = vote;
                if let Some(&idf) = self.idf.get(item as usize) {
                    w += w * f64::from(idf) * p.idf_weight;
                }
                *scores.entry(item).or_insert(0.0) += w;
            }
        }
        top_n(
            scores.into_iter().map(|(item, s)| (item, s as f32)),
            n,
            exclude,
        )
    }

    fn heap_bytes(&self) -> usize {
        let lists = |v: &Vec<Vec<u32>>| {
            v.capacity() * size_of::<Vec<u32>>() + v.iter().map(|l| l.capacity() * 4).sum::<usize>()
        };
        let empty: IdMap<u32, f64> = id_map(0);
        lists(&self.postings)
            + lists(&self.items)
            + self.times.capacity() * 8
            + self.idf.capacity() * 4
            + map_bytes(&empty)
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

    #[test]
    fn weights_stay_in_range() {
        for w in [
            PositionWeight::Same,
            PositionWeight::Linear,
            PositionWeight::Div,
            PositionWeight::Log,
            PositionWeight::Quadratic,
        ] {
            for len in 1..40 {
                for pos in 1..=len {
                    let c = w.current(pos, len);
                    assert!((0.0..=5.0).contains(&c), "{w:?} {pos}/{len}: {c}");
                }
                let m = w.matched(len);
                assert!((0.0..=5.0).contains(&m), "{w:?} step {len}: {m}");
            }
        }
        assert_eq!(PositionWeight::Linear.current(5, 5), 1.0);
        assert_eq!(PositionWeight::Linear.current(1, 30), 0.0);
        assert_eq!(PositionWeight::Linear.matched(20), 0.0);
    }

    #[test]
    fn scores_by_hand() {
        // Session [1, 2] with linear weights: 1 -> 0.9, 2 -> 1.0; two distinct items.
        // s1 = {1, 3}: sim 0.45, newest shared item 1 is 2 clicks back: div 1/2 -> vote 0.225.
        // s2 = {2, 4}: sim 0.5, shared item 2 is the last click -> vote 0.5.
        let history = [s(1, &[1, 3], 1), s(2, &[2, 4], 2), s(3, &[5], 3)];
        let knn = VSknn::build(VSknnParams::default(), &history);
        let recs = knn.recommend(&[1, 2], 10, &|_| false);
        let want = [(2, 0.5), (4, 0.5), (1, 0.225), (3, 0.225)];
        assert_eq!(recs.len(), want.len());
        for (got, want) in recs.iter().zip(want) {
            assert_eq!(got.0, want.0);
            assert!((got.1 - want.1).abs() < 1e-6, "{got:?}");
        }
    }

    #[test]
    fn samples_the_most_recent_then_keeps_the_most_similar() {
        let history = [
            s(1, &[1, 2], 1),
            s(2, &[1, 3], 2),
            s(3, &[1, 4], 3),
            s(4, &[1, 5, 6], 4),
        ];
        let params = VSknnParams {
            sample_size: 2,
            neighbors: 1,
            ..VSknnParams::default()
        };
        let knn = VSknn::build(params, &history);
        // Sample: sessions 4 and 3 (equally similar): the newer one, 4, votes.
        let recs = knn.recommend(&[1], 10, &|i| i == 1);
        assert_eq!(recs.iter().map(|r| r.0).collect::<Vec<_>>(), vec![5, 6]);
    }

    #[test]
    fn idf_favours_rare_items() {
        let history = [s(1, &[1, 2, 3], 1), s(2, &[2], 2), s(3, &[2], 3)];
        let params = VSknnParams {
            idf_weight: 1.0,
            ..VSknnParams::default()
        };
        let knn = VSknn::build(params, &history);
        let recs = knn.recommend(&[1], 10, &|i| i == 1);
        assert_eq!(recs[0].0, 3);
        assert!(recs[0].1 > recs[1].1);
    }

    #[test]
    fn empty_unknown_and_excluded() {
        let knn = VSknn::build(VSknnParams::default(), &[s(1, &[1, 2], 1)]);
        assert!(knn.recommend(&[], 5, &|_| false).is_empty());
        assert!(knn.recommend(&[77], 5, &|_| false).is_empty());
        assert_eq!(knn.recommend(&[1, 1], 5, &|i| i == 1), vec![(2, 1.0)]);
    }
}
