//! Session-based next-item recommenders (session kNN family, sequential rules, popularity baseline).
//!
//! Given the items a visitor has clicked so far (most recent last), predict the next one.
//! [`SessionKnn`] is Tailor's own: a VSTAN-style scorer over a recency-sampled index that takes
//! live clicks one at a time, with reminders of the session's own recent items. [`Pop`],
//! [`SequentialRules`] and [`VSknn`] are the published baselines `tailor eval sessions` measures
//! it against, with and without the item just clicked (serenade never recommends it).
//!
//! A server feeds [`SessionKnn::add_click`] for months, so the index forgets sessions by a
//! deterministic [`Retention`] policy: sessions that are no item's recent session any more are
//! dropped once idle for [`DEFAULT_IDLE_SECS`] (no other prediction changes), and at most
//! [`DEFAULT_MAX_SESSIONS`] are kept, the least recently clicked going first. Memory then levels
//! off: on synthetic streams of 10M clicks over 2M sessions, at 74 MiB over a long-tail catalog of
//! 20,000 items (held by the cap) and at 47 MiB over 500 items (forgetting alone, 280k sessions
//! kept), where without the policy it reached 201 and 182 MiB and kept growing.
//!
//! ```
//! use tailor_reco::session::{Session, SessionKnn, SessionKnnParams, SessionRecommender};
//!
//! let history = vec![
//!     Session { key: 1, items: vec![10, 11, 12], time: 100 },
//!     Session { key: 2, items: vec![10, 12], time: 200 },
//! ];
//! let mut knn = SessionKnn::build(SessionKnnParams::default(), &history).unwrap();
//! knn.add_click(3, 11, 300); // a live visitor
//! let next = knn.recommend(&[10], 5, &|item| item == 10); // hard filter: not the item itself
//! assert_eq!(next[0].0, 12);
//! ```

mod index;
mod knn;
mod pop;
mod rank;
mod rules;
mod vsknn;

pub(crate) use rank::top_n;

pub use index::{
    DEFAULT_IDLE_SECS, DEFAULT_MAX_SESSIONS, MAX_IDLE_SECS, MAX_RETAINED_SESSIONS,
    MAX_STORED_CLICKS, Retention,
};
pub use knn::{
    InvalidParam, MAX_DECAY, MAX_IDF_WEIGHT, MAX_REMINDER_WEIGHT, MAX_SAMPLE_SIZE, MAX_WINDOW,
    MIN_DECAY, SessionKnn, SessionKnnParams, Similarity,
};
pub use pop::Pop;
pub use rules::{RulesParams, SequentialRules};
pub use vsknn::{PositionWeight, VSknn, VSknnParams};

/// One historical session: its items in click order and the time of its last click.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The caller's session key; keys must be unique across the history.
    pub key: u64,
    /// Dense item ids in click order; repeats are kept, as clicked.
    pub items: Vec<u32>,
    /// Unix seconds of the last click, which orders sessions by recency.
    pub time: i64,
}

/// A next-item recommender over dense `u32` item ids.
pub trait SessionRecommender {
    /// Up to `n` items for a session whose clicks so far are `session` (most recent last), best
    /// first, as `(item, score)` sorted by score descending and then by item id.
    ///
    /// Items for which `exclude` is true (out of stock, an allergen, ...) are dropped before the
    /// top `n` is cut, so they never take a slot. Empty sessions and unknown items give no
    /// candidates, never a panic.
    fn recommend(
        &self,
        session: &[u32],
        n: usize,
        exclude: &dyn Fn(u32) -> bool,
    ) -> Vec<(u32, f32)>;

    /// Bytes the model's own heap structures hold: an estimate from capacities, not process RSS.
    fn heap_bytes(&self) -> usize;
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn all(history: &[Session]) -> Vec<(&'static str, Box<dyn SessionRecommender>)> {
        vec![
            ("pop", Box::new(Pop::build(history))),
            (
                "sr",
                Box::new(SequentialRules::build(RulesParams::default(), history)),
            ),
            (
                "v-sknn",
                Box::new(VSknn::build(VSknnParams::default(), history)),
            ),
            (
                "tailor",
                Box::new(SessionKnn::build(SessionKnnParams::default(), history).unwrap()),
            ),
        ]
    }

    proptest! {
        /// Hard filters hold for every recommender: an excluded item never comes back, excluded
        /// items never cost a slot, and the order is by score, then item id.
        #[test]
        fn exclusions_hold_and_never_cost_a_slot(
            sessions in prop::collection::vec(prop::collection::vec(0u32..30, 1..8), 1..40),
            query in prop::collection::vec(0u32..35, 0..6),
            banned in prop::collection::btree_set(0u32..30, 0..10),
            n in 0usize..25,
        ) {
            let history: Vec<Session> = sessions
                .into_iter()
                .enumerate()
                .map(|(i, items)| Session { key: i as u64, items, time: i as i64 })
                .collect();
            for (name, model) in all(&history) {
                let open = model.recommend(&query, usize::MAX, &|_| false);
                let recs = model.recommend(&query, n, &|i| banned.contains(&i));
                prop_assert!(recs.iter().all(|r| !banned.contains(&r.0)), "{}", name);
                prop_assert!(
                    recs.windows(2).all(|w| w[0].1 > w[1].1 || (w[0].1 == w[1].1 && w[0].0 < w[1].0)),
                    "{} order", name
                );
                let allowed = open.iter().filter(|r| !banned.contains(&r.0)).count();
                prop_assert_eq!(recs.len(), allowed.min(n), "{}", name);
            }
        }
    }
}
