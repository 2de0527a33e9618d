//! The session metrics on examples small enough to compute by hand.

use tailor_eval::sessions::Metrics;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

#[test]
fn accuracy_counts_the_single_target_within_the_cutoff() {
    // Training clicks per dense item; item 4 never clicked, so 5 training items.
    let mut m = Metrics::new(20, &[10, 5, 5, 2, 0, 1]);
    m.add(&[5, 3, 1], 3); // rank 2
    m.add(&[1, 2], 9); // miss
    m.add(&[], 1); // nothing recommended: a miss
    assert_eq!(m.predictions(), 3);
    assert!(close(m.hit_rate(), 1.0 / 3.0));
    assert!(close(m.mrr(), 0.5 / 3.0));
    assert!(close(m.ndcg(), (1.0 / 3f64.log2()) / 3.0));
    // Recommended {5, 3, 1, 2} of 5 training items.
    assert!(close(m.coverage(), 0.8));
    // Popularity = clicks / 10: lists {5,3,1} -> (0.1+0.2+0.5)/3 and {1,2} -> 0.5; the empty
    // list has no mean and is left out.
    assert!(close(m.popularity(), ((0.8 / 3.0) + 0.5) / 2.0));
}

#[test]
fn rank_one_scores_one_everywhere() {
    let mut m = Metrics::new(20, &[1, 1]);
    m.add(&[1, 0], 1);
    assert_eq!((m.hit_rate(), m.mrr(), m.ndcg()), (1.0, 1.0, 1.0));
}

#[test]
fn the_cutoff_cuts_the_list() {
    let mut m = Metrics::new(2, &[1, 1, 1, 1]);
    m.add(&[0, 1, 2], 2);
    assert_eq!(m.hit_rate(), 0.0);
    // Only the first two count for coverage too.
    assert!(close(m.coverage(), 0.5));
}

#[test]
fn repeated_items_count_once_for_coverage_and_popularity() {
    let mut m = Metrics::new(20, &[4, 2]);
    m.add(&[0, 0, 1], 1);
    assert!(close(m.mrr(), 1.0 / 3.0));
    assert!(close(m.popularity(), (1.0 + 0.5) / 2.0));
    assert!(close(m.coverage(), 1.0));
}

#[test]
fn no_predictions_give_zeros_not_nan() {
    let m = Metrics::new(20, &[]);
    assert_eq!(
        (
            m.hit_rate(),
            m.mrr(),
            m.ndcg(),
            m.coverage(),
            m.popularity()
        ),
        (0.0, 0.0, 0.0, 0.0, 0.0)
    );
}
