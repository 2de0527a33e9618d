//! CI regression on real data: `tailor eval browse` on instacart-sample. The baselines must
//! reproduce the independent check (4,607 order-aisle pairs; popularity MRR 0.235 / NDCG@10 0.249,
//! own-count 0.639 / 0.647) and tailor must beat both on both metrics in the same run. Skips,
//! passing, where the data is absent.

use std::path::Path;

use tailor_eval::browse::{BrowseArgs, run};

const DATA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/datasets/instacart-sample"
);

#[test]
fn tailor_beats_own_count_on_instacart_sample() {
    let dir = Path::new(DATA);
    let args = BrowseArgs {
        orders: dir.join("orders.csv"),
        lines: dir.join("order_products__prior.csv"),
        products: dir.join("products.csv"),
        validation: false,
    };
    if !args.orders.exists() || !args.lines.exists() || !args.products.exists() {
        eprintln!("SKIP: instacart-sample not found at {DATA}");
        return;
    }
    let report = run(&args).expect("instacart-sample evaluates");
    eprintln!("{}", report.to_table());
    let get = |row: &str, metric: &str| {
        report
            .row(row)
            .and_then(|r| r.get(metric))
            .unwrap_or_else(|| panic!("no {metric} for {row}"))
    };
    assert!(
        report.notes[0].starts_with("4607 order-aisle pairs"),
        "{:?}",
        report.notes
    );
    assert!((get("popularity", "MRR") - 0.235).abs() < 0.0005);
    assert!((get("popularity", "NDCG@10") - 0.249).abs() < 0.0005);
    assert!((get("own-count", "MRR") - 0.639).abs() < 0.0005);
    assert!((get("own-count", "NDCG@10") - 0.647).abs() < 0.0005);
    for metric in ["MRR", "NDCG@10"] {
        let ours = get("tailor", metric);
        for baseline in ["popularity", "own-count"] {
            let theirs = get(baseline, metric);
            assert!(
                ours > theirs,
                "tailor {metric} {ours:.4} <= {baseline} {theirs:.4}"
            );
        }
    }
}
