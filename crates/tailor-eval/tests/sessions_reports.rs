//! Prints the session tables for docs/BENCHMARKS.md until the CLI is wired. Ignored by default:
//! `cargo test --release -p tailor-eval --test sessions_reports -- --ignored --nocapture`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use tailor_eval::Latency;
use tailor_eval::sessions::{SessionsArgs, run, tune};
use tailor_reco::session::{Session, SessionKnn, SessionKnnParams, SessionRecommender};

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

/// A server's life in fast forward: long synthetic streams of short sessions (2 to 8 clicks, 16
/// open at a time, ten clicks a second, so 10M clicks span 11.6 days) over a skewed catalog, fed
/// through `add_click` with a recommendation after every tenth click. Prints the model's heap
/// bytes and kept sessions as the stream goes on. With a long-tail catalog of 20,000 items most
/// sessions stay on some rare item's list, so the cap of the default
/// [`Retention`](tailor_reco::session::Retention) is what bounds them; with 500 items the lists
/// turn over and idle sessions that left them are forgotten well before the cap.
#[test]
#[ignore = "prints memory over two long streams; run by hand in release"]
fn live_stream_memory() {
    for items in [20_000.0, 500.0] {
        println!("catalog of {items} items");
        live_stream(items, 10_000_000);
    }
}

fn live_stream(items: f64, clicks_total: usize) {
    const CONCURRENT: usize = 16;
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        (state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut knn = SessionKnn::build(SessionKnnParams::default(), &[]).unwrap();
    // Open sessions: (key, clicks left).
    let mut open: Vec<(u64, u32)> = Vec::new();
    let mut next_key = 0u64;
    let (mut clicks, mut predictions) = (Vec::new(), Vec::new());
    for c in 0..clicks_total {
        while open.len() < CONCURRENT {
            open.push((next_key, 2 + (next() * 7.0) as u32));
            next_key += 1;
        }
        let at = (next() * open.len() as f64) as usize;
        // Zipf-like: a few items take most clicks, a long tail is seen now and then.
        let item = (items.powf(next()) - 1.0) as u32;
        let time = (c / 10) as i64;
        let started = Instant::now();
        knn.add_click(open[at].0, item, time);
        clicks.push(started.elapsed().as_secs_f64() * 1e6);
        if c % 10 == 0 {
            let started = Instant::now();
            let recs = knn.recommend_for(open[at].0, 20, &|_| false);
            predictions.push(started.elapsed().as_secs_f64() * 1e6);
            std::hint::black_box(recs);
        }
        open[at].1 -= 1;
        if open[at].1 == 0 {
            open.swap_remove(at);
        }
        if (c + 1) % 1_000_000 == 0 {
            println!(
                "{:>9} clicks, {:>8} sessions started: heap {:>7.1} MiB, {:>8} sessions kept",
                c + 1,
                next_key,
                knn.heap_bytes() as f64 / (1024.0 * 1024.0),
                knn.num_sessions(),
            );
        }
    }
    let add = Latency::from_samples(&mut clicks);
    let rec = Latency::from_samples(&mut predictions);
    println!(
        "add_click      p50 {:.2} us, p90 {:.2} us, p99 {:.2} us",
        add.p50, add.p90, add.p99
    );
    println!(
        "recommend_for  p50 {:.2} us, p90 {:.2} us, p99 {:.2} us",
        rec.p50, rec.p90, rec.p99
    );
}
