//! POP, the floor every session recommender must clear: the most clicked items of the history,
//! the same list for every session (session-rec's `baselines.pop.Pop`, counting events).

use super::rank::by_score_then_id;
use super::{Session, SessionRecommender};

/// Items ranked by their click count in the history.
#[derive(Debug, Clone, Default)]
pub struct Pop {
    /// `(item, clicks)`, most clicked first, ties by item id.
    ranked: Vec<(u32, f32)>,
}

impl Pop {
    /// Counts every click of `history`.
    pub fn build(history: &[Session]) -> Self {
        let mut counts: Vec<u32> = Vec::new();
        for &item in history.iter().flat_map(|s| &s.items) {
            let i = item as usize;
            if counts.len() <= i {
                counts.resize(i + 1, 0);
            }
            counts[i] += 1;
        }
        let mut ranked: Vec<(u32, f32)> = counts
            .iter()
            .enumerate()
            .filter(|&(_, &c)| c > 0)
            .map(|(item, &c)| (item as u32, c as f32))
            .collect();
        ranked.sort_unstable_by(by_score_then_id);
        Self { ranked }
    }
}

impl SessionRecommender for Pop {
    /// The most clicked items that `exclude` lets through, whatever the session (even empty).
    fn recommend(&self, _: &[u32], n: usize, exclude: &dyn Fn(u32) -> bool) -> Vec<(u32, f32)> {
        self.ranked
            .iter()
            .filter(|&&(item, _)| !exclude(item))
            .take(n)
            .copied()
            .collect()
    }

    fn heap_bytes(&self) -> usize {
        self.ranked.capacity() * size_of::<(u32, f32)>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_by_clicks_then_id_and_skips_excluded() {
        let history = [
            Session {
                key: 1,
                items: vec![3, 3, 1],
                time: 0,
            },
            Session {
                key: 2,
                items: vec![2, 1, 3],
                time: 0,
            },
        ];
        let pop = Pop::build(&history);
        assert_eq!(
            pop.recommend(&[], 5, &|_| false),
            vec![(3, 3.0), (1, 2.0), (2, 1.0)]
        );
        assert_eq!(
            pop.recommend(&[7], 2, &|i| i == 3),
            vec![(1, 2.0), (2, 1.0)]
        );
        assert!(Pop::build(&[]).recommend(&[1], 5, &|_| false).is_empty());
    }
}
