//! CI quality gate on real data: Tailor must keep beating V-SKNN (same run, same split) and the
//! serenade figures measured here on yoochoose-rsc15-100k, like for like: serenade never
//! recommends the item just clicked, so its figures are checked against the `tailor-no-repeat`
//! row, which excludes it too. Skips when the data folder is absent.

use std::path::Path;
use std::time::Instant;

use tailor_eval::sessions::{NO_REPEAT_ROW, SessionsArgs, TAILOR_ROW, run};

const YOOCHOOSE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/datasets/yoochoose-rsc15-100k"
);
const DIGINETICA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/datasets/diginetica-cikm2016"
);

/// bol.com's serenade (VMIS-kNN, default settings) on this split: EVALUATION.md section 1.
const SERENADE_HR_20: f64 = 0.4125;
const SERENADE_MRR_20: f64 = 0.1899;

#[test]
fn tailor_beats_vsknn_and_serenade_on_yoochoose() {
    let dir = Path::new(YOOCHOOSE);
    if !dir.is_dir() {
        eprintln!(
            "SKIP tailor_beats_vsknn_and_serenade_on_yoochoose: {} not found",
            dir.display()
        );
        return;
    }
    let started = Instant::now();
    let args = SessionsArgs::new(
        dir.join("yoochoose-clicks-100k_train_full.txt"),
        Some(dir.join("yoochoose-clicks-100k_test.txt")),
    );
    let report = run(&args).unwrap();
    eprintln!("{}(in {:.1?})", report.to_table(), started.elapsed());
    let get = |row: &str, key: &str| report.row(row).and_then(|r| r.get(key)).unwrap();
    for key in ["HR@20", "MRR@20"] {
        assert!(
            get(TAILOR_ROW, key) >= get("v-sknn", key),
            "{key}: tailor below v-sknn"
        );
    }
    assert!(get(NO_REPEAT_ROW, "HR@20") >= SERENADE_HR_20);
    assert!(get(NO_REPEAT_ROW, "MRR@20") >= SERENADE_MRR_20);
}

#[test]
fn diginetica_raw_log_runs_end_to_end() {
    let log = Path::new(DIGINETICA).join("sample_train-item-views.csv");
    if !log.is_file() {
        eprintln!(
            "SKIP diginetica_raw_log_runs_end_to_end: {} not found",
            log.display()
        );
        return;
    }
    let report = run(&SessionsArgs::new(log, None)).unwrap();
    eprintln!("{}", report.to_table());
    assert_eq!(report.rows.len(), 5);
    for row in &report.rows {
        let hr = row.get("HR@20").unwrap();
        assert!((0.0..=1.0).contains(&hr), "{}: {hr}", row.name);
    }
}
