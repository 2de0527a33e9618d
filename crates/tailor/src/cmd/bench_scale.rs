//! `tailor bench scale`: the session-kNN index at shop scale (EVALUATION.md section 5, "Scale").
//!
//! A deterministic click stream is generated: item popularity follows a Zipf law over `--items`
//! items (`P(rank r) ∝ r^-exponent`, ranks scattered over the ids by a fixed permutation),
//! session lengths are geometric with mean `--mean-session`, items of a session are independent
//! draws, and about `--concurrent` sessions are open at once, so their clicks interleave as in a
//! live log. The stream is kept as 8 bytes per click (session, item) so that generation and
//! indexing are timed apart.
//!
//! Two ways to build the index are measured, each in a child process of its own so that each
//! peak memory figure belongs to one build only:
//! - `add_click`: every click fed live, in log order: what `tailor serve` does at start-up and for
//!   every new event.
//! - `build`: `SessionKnn::build` over the sessions of the stream, as `tailor eval` does.
//!
//! Then single-thread prediction latency over every prefix of `--queries` held-out sessions (never
//! indexed), 20 items each, excluding the prefix's own items and 2% of the catalog marked out of
//! stock.

use clap::{Args, ValueEnum};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng, rngs::StdRng};
use std::time::Instant;
use tailor_eval::{Latency, Report, Row};
use tailor_reco::session::{Session, SessionKnn, SessionKnnParams, SessionRecommender};

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BuildMode {
    /// Both, one child process each.
    Both,
    /// Live clicks one at a time (`SessionKnn::add_click`), as the server does.
    AddClick,
    /// One pass over materialised sessions (`SessionKnn::build`).
    Build,
}

#[derive(Args, Clone)]
pub struct ScaleArgs {
    /// Items in the catalog.
    #[arg(long, default_value_t = 1_000_000)]
    items: usize,
    /// Clicks in the generated stream.
    #[arg(long, default_value_t = 50_000_000)]
    clicks: usize,
    /// Zipf exponent of item popularity.
    #[arg(long, default_value_t = 1.0)]
    exponent: f64,
    /// Mean session length (geometric).
    #[arg(long, default_value_t = 5.0)]
    mean_session: f64,
    /// Sessions open at the same time, whose clicks interleave in the log.
    #[arg(long, default_value_t = 1000)]
    concurrent: usize,
    /// Days the stream spans.
    #[arg(long, default_value_t = 30)]
    days: u32,
    /// Held-out sessions whose prefixes are predicted.
    #[arg(long, default_value_t = 10_000)]
    queries: usize,
    /// Generator seed: the same seed gives the same stream.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Which index build to measure.
    #[arg(long, value_enum, default_value_t = BuildMode::Both)]
    build: BuildMode,
    /// Internal: run one build in this process and print its rows for the parent.
    #[arg(long, hide = true)]
    child: bool,
}

/// Recommendations per prediction.
const CUTOFF: usize = 20;
/// Share of the catalog marked out of stock for the exclusion predicate (1 in this many).
const OUT_OF_STOCK_ONE_IN: u32 = 50;
/// First click of the stream, unix seconds (2026-01-01).
const START_SECS: i64 = 1_767_225_600;

pub fn run(a: ScaleArgs) -> anyhow::Result<Report> {
    anyhow::ensure!(
        a.items >= 1 && a.items <= u32::MAX as usize,
        "--items must be 1 to 2^32-1"
    );
    anyhow::ensure!(
        a.mean_session >= 1.0 && a.mean_session.is_finite(),
        "--mean-session must be at least 1"
    );
    anyhow::ensure!(
        a.exponent >= 0.0 && a.exponent.is_finite(),
        "--exponent must be >= 0"
    );
    let mut report = Report::new(
        "bench scale",
        format!(
            "generated: {} clicks over {} items, Zipf({}) popularity, sessions of mean {}",
            a.clicks, a.items, a.exponent, a.mean_session
        ),
    );
    match a.build {
        BuildMode::Both => {
            for mode in ["add-click", "build"] {
                let (rows, notes) = in_child(&a, mode)?;
                report.rows.extend(rows);
                for n in notes {
                    if !report.notes.contains(&n) {
                        report.notes.push(n);
                    }
                }
            }
        }
        mode => {
            let (row, notes) = measure(&a, mode)?;
            report.rows.push(row);
            report.notes.extend(notes);
        }
    }
    report.notes.push(format!(
        "{} cores shared with other engineers' work; one thread builds and predicts; SessionKnnParams::default() \
         (the server's: m={}, k={}, window {}); peak_rss_mb is the process's VmHWM (whole-process peak: \
         stream buffer, sessions, index and allocator slack), heap_mb the index's own estimate from capacities",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        SessionKnnParams::default().sample_size,
        SessionKnnParams::default().neighbors,
        SessionKnnParams::default().window,
    ));
    Ok(report)
}

/// Runs one build in a child process and reads back its rows and notes.
fn in_child(a: &ScaleArgs, mode: &str) -> anyhow::Result<(Vec<Row>, Vec<String>)> {
    let out = std::process::Command::new(std::env::current_exe()?)
        .args(["bench", "scale", "--child", "--build", mode])
        .args(["--items", &a.items.to_string()])
        .args(["--clicks", &a.clicks.to_string()])
        .args(["--exponent", &a.exponent.to_string()])
        .args(["--mean-session", &a.mean_session.to_string()])
        .args(["--concurrent", &a.concurrent.to_string()])
        .args(["--days", &a.days.to_string()])
        .args(["--queries", &a.queries.to_string()])
        .args(["--seed", &a.seed.to_string()])
        .stderr(std::process::Stdio::inherit())
        .output()?;
    anyhow::ensure!(
        out.status.success(),
        "the {mode} child process failed: {}",
        out.status
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let bad = || anyhow::anyhow!("unexpected output from the {mode} child process");
    let rows = v["rows"]
        .as_array()
        .ok_or_else(bad)?
        .iter()
        .map(|r| {
            let mut row = Row::new(r["name"].as_str().ok_or_else(bad)?);
            for m in r["metrics"].as_array().ok_or_else(bad)? {
                row = row.metric(
                    m[0].as_str().ok_or_else(bad)?,
                    m[1].as_f64().ok_or_else(bad)?,
                );
            }
            if let Some(l) = r["latency"].as_array() {
                let at = |i: usize| l.get(i).and_then(|x| x.as_f64()).ok_or_else(bad);
                row.latency_us = Some(Latency {
                    p50: at(0)?,
                    p90: at(1)?,
                    p99: at(2)?,
                });
            }
            Ok(row)
        })
        .collect::<anyhow::Result<_>>()?;
    let notes = v["notes"]
        .as_array()
        .ok_or_else(bad)?
        .iter()
        .filter_map(|n| n.as_str().map(str::to_string))
        .collect();
    Ok((rows, notes))
}

/// The child's side of [`in_child`]: one build, printed in an order-keeping private format.
pub fn child(a: &ScaleArgs) -> anyhow::Result<()> {
    let (row, notes) = measure(a, a.build)?;
    let metrics: Vec<serde_json::Value> = row
        .metrics
        .iter()
        .map(|(k, v)| serde_json::json!([k, v]))
        .collect();
    let latency = row
        .latency_us
        .map(|l| serde_json::json!([l.p50, l.p90, l.p99]));
    println!(
        "{}",
        serde_json::json!({"rows": [{"name": row.name, "metrics": metrics, "latency": latency}], "notes": notes})
    );
    Ok(())
}

/// Whether [`run`] should hand over to [`child`].
pub fn is_child(a: &ScaleArgs) -> bool {
    a.child && a.build != BuildMode::Both
}

/// Draws items with Zipf popularity: inverse-CDF sampling sped up by a guide table, then a fixed
/// permutation from popularity rank to item id.
struct Zipf {
    cdf: Vec<f64>,
    guide: Vec<u32>,
    id_of_rank: Vec<u32>,
}

impl Zipf {
    fn new(items: usize, exponent: f64, rng: &mut StdRng) -> Self {
        let mut cdf = Vec::with_capacity(items);
        let mut acc = 0.0;
        for r in 1..=items {
            acc += (r as f64).powf(-exponent);
            cdf.push(acc);
        }
        for c in &mut cdf {
            *c /= acc;
        }
        // guide[b] = the first rank whose cdf reaches b / items.
        let buckets = items;
        let mut guide = Vec::with_capacity(buckets + 1);
        let mut r = 0usize;
        for b in 0..=buckets {
            let u = b as f64 / buckets as f64;
            while r + 1 < items && cdf[r] < u {
                r += 1;
            }
            guide.push(r as u32);
        }
        let mut id_of_rank: Vec<u32> = (0..items as u32).collect();
        id_of_rank.shuffle(rng);
        Self {
            cdf,
            guide,
            id_of_rank,
        }
    }

    fn sample(&self, rng: &mut StdRng) -> u32 {
        let u: f64 = rng.random();
        let b = ((u * (self.guide.len() - 1) as f64) as usize).min(self.guide.len() - 2);
        let (lo, hi) = (self.guide[b] as usize, self.guide[b + 1] as usize);
        let rank = (lo + self.cdf[lo..=hi].partition_point(|&c| c < u)).min(self.cdf.len() - 1);
        self.id_of_rank[rank]
    }
}

/// A geometric session length >= 1 with the given mean.
fn session_len(rng: &mut StdRng, mean: f64) -> u32 {
    if mean <= 1.0 {
        return 1;
    }
    let q = 1.0 - 1.0 / mean;
    let u: f64 = rng.random::<f64>();
    // 1 - u is in (0, 1], so the log is finite.
    1 + ((1.0 - u).ln() / q.ln()).floor().min(1e6) as u32
}

/// The generated log: (session, item) per click in arrival order, and held-out sessions.
struct Stream {
    clicks: Vec<(u32, u32)>,
    sessions: u32,
    held_out: Vec<Vec<u32>>,
}

fn generate(a: &ScaleArgs) -> Stream {
    let mut rng = StdRng::seed_from_u64(a.seed);
    let zipf = Zipf::new(a.items, a.exponent, &mut rng);
    let mut next_key = 0u32;
    let mut open: Vec<(u32, u32)> = Vec::with_capacity(a.concurrent.max(1));
    for _ in 0..a.concurrent.max(1) {
        open.push((next_key, session_len(&mut rng, a.mean_session)));
        next_key += 1;
    }
    let mut clicks = Vec::with_capacity(a.clicks);
    for _ in 0..a.clicks {
        let slot = rng.random_range(0..open.len());
        let (key, left) = &mut open[slot];
        clicks.push((*key, zipf.sample(&mut rng)));
        *left -= 1;
        if *left == 0 {
            open[slot] = (next_key, session_len(&mut rng, a.mean_session));
            next_key += 1;
        }
    }
    // Sessions that never got a click (opened last) do not count.
    let sessions = clicks.iter().map(|c| c.0 + 1).max().unwrap_or(0);
    let mut held_out = Vec::with_capacity(a.queries);
    while held_out.len() < a.queries {
        let len = session_len(&mut rng, a.mean_session);
        if len < 2 {
            continue;
        }
        held_out.push((0..len).map(|_| zipf.sample(&mut rng)).collect());
    }
    Stream {
        clicks,
        sessions,
        held_out,
    }
}

/// `(VmHWM, VmRSS)` of this process in MiB, from /proc/self/status.
fn memory_mib() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = |key: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
            .map_or(f64::NAN, |k| k / 1024.0)
    };
    (kib("VmHWM:"), kib("VmRSS:"))
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn measure(a: &ScaleArgs, mode: BuildMode) -> anyhow::Result<(Row, Vec<String>)> {
    let params = SessionKnnParams::default();
    let t = Instant::now();
    let stream = generate(a);
    let gen_secs = t.elapsed().as_secs_f64();
    let (_, rss_stream) = memory_mib();
    let n = stream.clicks.len();
    let secs_per_click = f64::from(a.days) * 86_400.0 / n.max(1) as f64;
    let time_of = |i: usize| START_SECS + (i as f64 * secs_per_click) as i64;
    let mut notes = vec![format!(
        "stream: {n} clicks in {} sessions ({} open at a time, interleaved) over {} days, held as {} MiB \
         (8 bytes a click) while the index is built; {} held-out sessions of 2+ clicks, never indexed",
        stream.sessions,
        a.concurrent,
        a.days,
        (n * 8) >> 20,
        stream.held_out.len()
    )];

    let (name, knn, build_secs) = match mode {
        BuildMode::AddClick => {
            let t = Instant::now();
            let mut knn = SessionKnn::build(params, &[])?;
            for (i, &(key, item)) in stream.clicks.iter().enumerate() {
                knn.add_click(u64::from(key), item, time_of(i));
            }
            ("tailor-add_click", knn, t.elapsed().as_secs_f64())
        }
        _ => {
            let t = Instant::now();
            let mut sessions: Vec<Session> = (0..stream.sessions)
                .map(|k| Session {
                    key: u64::from(k),
                    items: Vec::new(),
                    time: 0,
                })
                .collect();
            for (i, &(key, item)) in stream.clicks.iter().enumerate() {
                let s = &mut sessions[key as usize];
                s.items.push(item);
                s.time = time_of(i);
            }
            let group_secs = t.elapsed().as_secs_f64();
            let t = Instant::now();
            let knn = SessionKnn::build(params, &sessions)?;
            let secs = t.elapsed().as_secs_f64();
            notes.push(format!(
                "build: grouping the stream into Vec<Session> took {group_secs:.1} s, not counted in build_secs"
            ));
            ("tailor-build", knn, secs)
        }
    };
    let (peak, rss_after) = memory_mib();
    let heap = knn.heap_bytes() as f64 / (1 << 20) as f64;
    let kept = knn.num_sessions();
    drop(stream.clicks);

    // Single-thread predictions: every prefix of every held-out session.
    let out_of_stock = |item: u32| {
        item.wrapping_mul(2_654_435_761)
            .is_multiple_of(OUT_OF_STOCK_ONE_IN)
    };
    let mut lat = Vec::new();
    let mut returned = 0usize;
    for s in &stream.held_out {
        for i in 1..s.len() {
            let prefix = &s[..i];
            let exclude = |item: u32| out_of_stock(item) || prefix.contains(&item);
            let t = Instant::now();
            let recs = knn.recommend(prefix, CUTOFF, &exclude);
            lat.push(t.elapsed().as_secs_f64() * 1e6);
            returned += recs.len();
        }
    }
    let predictions = lat.len();
    let mut row = Row::new(name)
        .metric("clicks", n as f64)
        .metric("sessions", f64::from(stream.sessions))
        .metric("sessions_indexed", kept as f64)
        .metric("items", a.items as f64)
        .metric("gen_secs", round2(gen_secs))
        .metric("build_secs", round2(build_secs))
        .metric("rss_before_build_mb", rss_stream.round())
        .metric("clicks_per_sec", (n as f64 / build_secs.max(1e-9)).round())
        .metric("heap_mb", heap.round())
        .metric("rss_after_build_mb", rss_after.round())
        .metric("peak_rss_mb", peak.round())
        .metric("predictions", predictions as f64)
        .metric(
            "mean_returned",
            round2(returned as f64 / predictions.max(1) as f64),
        );
    row.latency_us = Some(Latency::from_samples(&mut lat));
    notes.push(format!(
        "predictions: every prefix of each held-out session, {CUTOFF} items, excluding the prefix's own items \
         and 1 in {OUT_OF_STOCK_ONE_IN} items marked out of stock; latency of the recommend call alone"
    ));
    Ok((row, notes))
}
