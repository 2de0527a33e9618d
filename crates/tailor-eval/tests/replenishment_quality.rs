//! CI regression on real data: `tailor eval replenishment` on instacart-sample. In the same run,
//! tailor's timing MAE must stay below the user-median-gap baseline's (and the product one's), its
//! reminder precision at each baseline's recall 1.5 times the baseline's, its
//! Recall@10 at or above TIFU-KNN's, and the baselines must reproduce the independent check
//! (P-TopFreq Recall@10 0.349 / NDCG@10 0.435, G-TopFreq Recall@10 0.070, timing MAE 25.9 and
//! 23.7 days over 3,566 repeat pairs). Deterministic. Skips, passing, where the data is absent.

use std::path::Path;

use tailor_eval::replenishment::{ReplenishmentArgs, Source, run};

const DATA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/datasets/instacart-sample"
);

#[test]
fn tailor_beats_the_baselines_on_instacart_sample() {
    let dir = Path::new(DATA);
    let (orders, lines) = (
        dir.join("orders.csv"),
        dir.join("order_products__prior.csv"),
    );
    if !orders.exists() || !lines.exists() {
        eprintln!("SKIP: instacart-sample not found at {DATA}");
        return;
    }
    let report = run(&ReplenishmentArgs {
        source: Source::Instacart { orders, lines },
        predictions: None,
    })
    .expect("instacart-sample evaluates");
    eprintln!("{}", report.to_table());
    let get = |row: &str, metric: &str| {
        report
            .row(row)
            .and_then(|r| r.get(metric))
            .unwrap_or_else(|| panic!("no {metric} for {row}"))
    };
    assert!((get("p-topfreq", "Recall@10") - 0.349).abs() < 0.0005);
    assert!((get("p-topfreq", "NDCG@10") - 0.435).abs() < 0.0005);
    assert!((get("g-topfreq", "Recall@10") - 0.070).abs() < 0.0005);
    assert!((get("user-median-gap", "MAE_days") - 25.9).abs() < 0.05);
    assert!((get("product-median-gap", "MAE_days") - 23.7).abs() < 0.05);
    assert!(
        report
            .notes
            .iter()
            .any(|n| n.contains("3566 of them bought")),
        "{:?}",
        report.notes
    );
    let (ours, tifu) = (get("tailor", "Recall@10"), get("tifu-knn", "Recall@10"));
    assert!(
        ours >= tifu,
        "tailor Recall@10 {ours:.4} < tifu-knn {tifu:.4}"
    );
    let mae = get("tailor", "MAE_days");
    for baseline in ["user-median-gap", "product-median-gap"] {
        let theirs = get(baseline, "MAE_days");
        assert!(
            mae < theirs,
            "tailor MAE {mae:.2} >= {baseline} {theirs:.2}"
        );
        // Reminder precision at the baseline's recall: at least 1.5 times the baseline's.
        let row = format!("tailor@{baseline}-recall");
        let (p, r) = (get(&row, "precision"), get(&row, "recall"));
        let (bp, br) = (get(baseline, "precision"), get(baseline, "recall"));
        assert!((r - br).abs() < 0.001, "{row}: recall {r:.4} vs {br:.4}");
        assert!(p >= 1.5 * bp, "{row}: precision {p:.4} < 1.5 x {bp:.4}");
    }
}
