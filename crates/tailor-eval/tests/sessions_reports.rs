//! Prints the session tables for docs/BENCHMARKS.md until the CLI is wired. Ignored by default:
//! `cargo test --release -p tailor-eval --test sessions_reports -- --ignored --nocapture`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use tailor_eval::Latency;
use tailor_eval::sessions::{SessionsArgs, run, tune};
use tailor_reco::session::{Session, SessionKnn, SessionKnnParams};

const DATASETS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/datasets");

fn data(path: &str) -> Option<PathBuf> {
    let p = Path::new(DATASETS).join(path);
    if p.exists() {
        Some(p)
    } else {
        eprintln!("SKIP: {} is absent", p.display());
        None
    }
}

#[test]
#[ignore = "prints a report; run by hand in release"]
fn yoochoose_test_report() {
    let (Some(train), Some(test)) = (
        data("yoochoose-rsc15-100k/yoochoose-clicks-100k_train_full.txt"),
        data("yoochoose-rsc15-100k/yoochoose-clicks-100k_test.txt"),
    ) else {
        return;
    };
    let report = run(&SessionsArgs::new(train, Some(test))).unwrap();
    println!("{}", report.to_table());
}

#[test]
#[ignore = "prints a report; run by hand in release"]
fn diginetica_report() {
    let Some(log) = data("diginetica-cikm2016/sample_train-item-views.csv") else {
        return;
    };
    let report = run(&SessionsArgs::new(log, None)).unwrap();
    println!("{}", report.to_table());
}

#[test]
#[ignore = "prints a report; run by hand in release, takes minutes"]
fn yoochoose_tuning_report() {
    let (Some(train), Some(valid)) = (
        data("yoochoose-rsc15-100k/yoochoose-clicks-100k_train_tr.txt"),
        data("yoochoose-rsc15-100k/yoochoose-clicks-100k_train_valid.txt"),
    ) else {
        return;
    };
    let report = tune(&train, &valid).unwrap();
    println!("{}", report.to_table());
}

/// The live path the server takes: every test click, in time order, is added to the index and
/// followed by a recommendation for its session. Not the protocol (which never adds test
/// sessions); it measures the cost of one click and one live prediction.
#[test]
#[ignore = "prints timings; run by hand in release"]
fn yoochoose_live_replay_timings() {
    let (Some(train), Some(test)) = (
        data("yoochoose-rsc15-100k/yoochoose-clicks-100k_train_full.txt"),
        data("yoochoose-rsc15-100k/yoochoose-clicks-100k_test.txt"),
    ) else {
        return;
    };
    let mut ids: HashMap<String, u32> = HashMap::new();
    let mut read = |path: &Path| -> Vec<(u64, u32, f64)> {
        let text = std::fs::read_to_string(path).unwrap();
        text.lines()
            .skip(1)
            .map(|line| {
                let f: Vec<&str> = line.split('\t').collect();
                let next = ids.len() as u32;
                let item = *ids.entry(f[1].to_string()).or_insert(next);
                (f[0].parse().unwrap(), item, f[2].parse().unwrap())
            })
            .collect()
    };
    let (train, mut test) = (read(&train), read(&test));
    let mut sessions: HashMap<u64, Session> = HashMap::new();
    for &(key, item, time) in &train {
        let s = sessions.entry(key).or_insert(Session {
            key,
            items: Vec::new(),
            time: 0,
        });
        s.items.push(item);
        s.time = s.time.max(time as i64);
    }
    let history: Vec<Session> = sessions.into_values().collect();
    let mut knn = SessionKnn::build(SessionKnnParams::default(), &history).unwrap();
    test.sort_by(|a, b| a.2.total_cmp(&b.2));
    // Test session ids may repeat training ones; keep them apart.
    let offset = 1 << 40;
    let (mut clicks, mut predictions) = (Vec::new(), Vec::new());
    for &(key, item, time) in &test {
        let started = Instant::now();
        knn.add_click(offset + key, item, time as i64);
        clicks.push(started.elapsed().as_secs_f64() * 1e6);
        let started = Instant::now();
        let recs = knn.recommend_for(offset + key, 20, &|_| false);
        predictions.push(started.elapsed().as_secs_f64() * 1e6);
        assert!(!recs.is_empty());
    }
    let add = Latency::from_samples(&mut clicks);
    let rec = Latency::from_samples(&mut predictions);
    println!(
        "live replay of {} test clicks into the train_full index",
        test.len()
    );
    println!(
        "add_click      p50 {:.2} us, p90 {:.2} us, p99 {:.2} us",
        add.p50, add.p90, add.p99
    );
    println!(
        "recommend_for  p50 {:.2} us, p90 {:.2} us, p99 {:.2} us",
        rec.p50, rec.p90, rec.p99
    );
}
