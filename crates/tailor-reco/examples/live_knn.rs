//! Session kNN on the state a serving benchmark leaves: a training log indexed, then many live
//! sessions of random clicks added one at a time, then one prediction per live session, timed
//! on one thread. `tailor eval sessions` times predictions over short historical test sessions;
//! a server answers long live ones, whose windows merge many lists and whose neighbours are long.
//!
//! ```sh
//! cargo run --release -p tailor-reco --example live_knn -- \
//!     ../shared/datasets/yoochoose-rsc15-100k/yoochoose-clicks-100k_train_full.txt 20000 10 20000
//! ```
//! Arguments: a session-rec TSV (SessionId, ItemId, Time with a header), live sessions, clicks
//! per live session, predictions. Prints p50/p90/p99 and the mean in µs, and a checksum of the
//! results, so two builds can be checked to predict the same.

use std::collections::HashMap;
use std::time::Instant;
use tailor_reco::session::{Session, SessionKnn, SessionKnnParams};

/// xorshift64*: a fixed stream, so every build sees the same clicks.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(path) = args.get(1) else {
        eprintln!("usage: live_knn TRAIN.tsv [LIVE_SESSIONS] [CLICKS_EACH] [PREDICTIONS]");
        std::process::exit(2);
    };
    let arg =
        |i: usize, default: usize| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(default);
    let (live, clicks_each, predictions) = (arg(2, 20_000), arg(3, 10), arg(4, 20_000));
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| {
        eprintln!("SKIP: cannot read {path}: {e}");
        std::process::exit(0);
    });
    let mut items: HashMap<&str, u32> = HashMap::new();
    let mut sessions: HashMap<&str, Session> = HashMap::new();
    for line in text.lines().skip(1) {
        let mut f = line.split('\t');
        let (Some(s), Some(i), Some(t)) = (f.next(), f.next(), f.next()) else {
            continue;
        };
        let next = items.len() as u32;
        let item = *items.entry(i).or_insert(next);
        let time = t.parse::<f64>().unwrap_or(0.0) as i64;
        let key = sessions.len() as u64;
        let session = sessions.entry(s).or_insert(Session {
            key,
            items: Vec::new(),
            time,
        });
        session.items.push(item);
        session.time = session.time.max(time);
    }
    let mut history: Vec<Session> = sessions.into_values().collect();
    history.sort_by_key(|s| s.key);
    let newest = history.iter().map(|s| s.time).max().unwrap_or(0);
    let mut knn = SessionKnn::build(SessionKnnParams::default(), &history).expect("valid params");
    let n_items = items.len();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let first_live = 1 << 40;
    for round in 0..clicks_each {
        for s in 0..live {
            let time = newest + (round * live + s) as i64;
            knn.add_click(first_live + s as u64, rng.below(n_items) as u32, time);
        }
    }
    let mut times = Vec::with_capacity(predictions);
    let mut checksum = 0u64;
    for p in 0..predictions {
        let key = first_live + (p % live) as u64;
        let start = Instant::now();
        let recs = knn.recommend_for(key, 100, &|item| item % 17 == 0);
        times.push(start.elapsed().as_nanos() as f64 / 1000.0);
        for (rank, (item, _)) in recs.iter().enumerate() {
            checksum = checksum
                .wrapping_mul(31)
                .wrapping_add(u64::from(*item) ^ rank as u64);
        }
    }
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize];
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    println!(
        "live_knn: {} training sessions, {live} live sessions x {clicks_each} random clicks over {n_items} items, {predictions} predictions of 100 (a filter drops every 17th item)",
        history.len()
    );
    println!(
        "p50 {:.1} us  p90 {:.1} us  p99 {:.1} us  mean {mean:.1} us  checksum {checksum:016x}",
        at(0.5),
        at(0.9),
        at(0.99)
    );
}
