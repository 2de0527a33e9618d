//! SR, sequential rules (Kamehkhosh et al. 2017, as in Ludewig & Jannach 2018 and session-rec's
//! `baselines.sr`): how often, and how closely, item `b` followed item `a` in the history. Only
//! the session's last item is looked up.

use super::rank::{IdMap, by_score_then_id, id_map, top_n};
use super::{Session, SessionRecommender};

/// The knobs of [`SequentialRules`]; the defaults are session-rec's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RulesParams {
    /// How many clicks back a rule may reach: `a` at most `steps` clicks before `b`.
    pub steps: usize,
    /// Rules kept per antecedent item, the strongest ones.
    pub keep: usize,
}

impl Default for RulesParams {
    fn default() -> Self {
        Self {
            steps: 10,
            keep: 20,
        }
    }
}

/// For each item, the items that followed it, weighted by `1 / distance` (session-rec's `div`).
#[derive(Debug, Clone, Default)]
pub struct SequentialRules {
    /// Indexed by antecedent item: `(consequent, weight)`, strongest first.
    rules: Vec<Vec<(u32, f32)>>,
}

impl SequentialRules {
    /// Mines the rules of `history`.
    pub fn build(params: RulesParams, history: &[Session]) -> Self {
        let mut mined: Vec<IdMap<u32, f32>> = Vec::new();
        for s in history {
            for (t, &next) in s.items.iter().enumerate() {
                for back in 1..=params.steps.min(t) {
                    let prev = s.items[t - back] as usize;
                    if mined.len() <= prev {
                        mined.resize_with(prev + 1, || id_map(0));
                    }
                    *mined[prev].entry(next).or_insert(0.0) += 1.0 / back as f32;
                }
            }
        }
        let rules = mined
            .into_iter()
            .map(|m| {
                let mut r: Vec<(u32, f32)> = m.into_iter().collect();
                r.sort_unstable_by(by_score_then_id);
                r.truncate(params.keep);
                r.shrink_to_fit();
                r
            })
            .collect();
        Self { rules }
    }
}

impl SessionRecommender for SequentialRules {
    fn recommend(
        &self,
        session: &[u32],
        n: usize,
        exclude: &dyn Fn(u32) -> bool,
    ) -> Vec<(u32, f32)> {
        match session
            .last()
            .and_then(|&last| self.rules.get(last as usize))
        {
            Some(rules) => top_n(rules.iter().copied(), n, exclude),
            None => Vec::new(),
        }
    }

    fn heap_bytes(&self) -> usize {
        self.rules.capacity() * size_of::<Vec<(u32, f32)>>()
            + self
                .rules
                .iter()
                .map(|r| r.capacity() * size_of::<(u32, f32)>())
                .sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_followers_by_inverse_distance() {
        let history = [Session {
            key: 1,
            items: vec![1, 2, 3],
            time: 0,
        }];
        let sr = SequentialRules::build(RulesParams::default(), &history);
        assert_eq!(sr.recommend(&[1], 5, &|_| false), vec![(2, 1.0), (3, 0.5)]);
        assert_eq!(sr.recommend(&[9, 2], 5, &|_| false), vec![(3, 1.0)]);
        assert!(sr.recommend(&[3], 5, &|_| false).is_empty());
        assert!(sr.recommend(&[], 5, &|_| false).is_empty());
        assert!(sr.recommend(&[100], 5, &|_| false).is_empty());
    }

    #[test]
    fn steps_and_pruning_bound_the_rules() {
        let history = [
            Session {
                key: 1,
                items: vec![1, 2, 3, 4],
                time: 0,
            },
            Session {
                key: 2,
                items: vec![1, 4],
                time: 0,
            },
        ];
        let sr = SequentialRules::build(RulesParams { steps: 2, keep: 2 }, &history);
        // 1 -> 2 (1.0), 3 (0.5), 4 (1.0 from session 2; session 1's is 3 steps away): keep two.
        assert_eq!(sr.recommend(&[1], 5, &|_| false), vec![(2, 1.0), (4, 1.0)]);
        assert_eq!(sr.recommend(&[1], 5, &|i| i == 2), vec![(4, 1.0)]);
    }
}
