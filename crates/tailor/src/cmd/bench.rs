//! `tailor bench`: whole-system speed. Every figure is measured in this run on this machine;
//! the table says how many events, threads and connections produced it.

use super::print_report;
use clap::{Args, Subcommand};
use rand::{Rng, SeedableRng, rngs::StdRng};
use std::sync::Arc;
use std::time::Instant;
use tailor_eval::{Latency, Report, Row};
use tailor_model::{Event, EventKind, ProductId, ShopId, VisitorId, now_millis};
use tailor_server::App;
use tailor_store::{SqliteStore, Store};

#[derive(Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    what: BenchWhat,
    /// Print one JSON object instead of a table.
    #[arg(long, global = true)]
    json: bool,
}

#[derive(Subcommand)]
enum BenchWhat {
    /// Durable events/s (acknowledged after commit), in-process and over HTTP.
    Ingest {
        /// Events to send per mode.
        #[arg(long, default_value_t = 200_000)]
        events: usize,
        /// Events per batch (one HTTP request or one append call).
        #[arg(long, default_value_t = 100)]
        batch: usize,
        /// Concurrent senders.
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
    },
    /// Start-up replay speed: events/s while rebuilding the in-memory state from the store.
    Replay {
        /// Events in the log.
        #[arg(long, default_value_t = 1_000_000)]
        events: usize,
    },
    /// Catalog import speed from a generated Merchant Center TSV.
    Import {
        /// Products in the feed.
        #[arg(long, default_value_t = 100_000)]
        products: usize,
    },
    /// The server under load: a click plus 20 recommendations per request, closed loop and at a
    /// fixed rate, against a child `tailor serve` loaded with yoochoose.
    Serve(super::bench_serve::ServeBenchArgs),
    /// Search speed on a generated 100,000-product catalog with simulated shoppers: indexing,
    /// in-process and HTTP latency with personal reranking.
    Search(super::bench_search::SearchBenchArgs),
    /// An A/B test on a simulation: personalized vs popular recommendations for the demo
    /// generator's shoppers against a child `tailor serve`; the uplift with its interval.
    Ab(super::bench_ab::AbArgs),
    /// The session-kNN index at scale: a generated power-law click stream (default 50M clicks over
    /// 1M items), index build time, peak memory and prediction latency.
    Scale(super::bench_scale::ScaleArgs),
    /// Gift-box auto-fill time on a generated 2,000-product catalog with simulated recipients,
    /// in-process and over HTTP.
    Giftbox(super::bench_giftbox::GiftboxBenchArgs),
}

pub fn run(a: BenchArgs) -> anyhow::Result<()> {
    let report = match a.what {
        BenchWhat::Ingest {
            events,
            batch,
            concurrency,
        } => ingest(events, batch.max(1), concurrency.max(1))?,
        BenchWhat::Replay { events } => replay(events)?,
        BenchWhat::Import { products } => super::import::bench(products)?,
        BenchWhat::Serve(s) => super::bench_serve::run(s)?,
        BenchWhat::Search(s) => super::bench_search::run(s)?,
        BenchWhat::Ab(s) => super::bench_ab::run(s)?,
        BenchWhat::Scale(s) if super::bench_scale::is_child(&s) => {
            return super::bench_scale::child(&s);
        }
        BenchWhat::Scale(s) => super::bench_scale::run(s)?,
        BenchWhat::Giftbox(g) => super::bench_giftbox::run(g)?,
    };
    print_report(&report, a.json);
    Ok(())
}

/// Mean events of one synthetic visit.
const MEAN_SESSION_EVENTS: usize = 5;
/// Synthetic products; popularity falls off as 1/rank (Zipf), as in real shops.
const SYNTHETIC_PRODUCTS: usize = 10_000;

/// A deterministic, shop-like stream of view events: visits of about five views by 100,000
/// visitors, items drawn with Zipf popularity, 10 ms apart, so a visitor's next visit comes
/// after the 30-minute session gap.
fn synthetic_events(n: usize, seed: u64) -> Vec<Event> {
    let mut rng = StdRng::seed_from_u64(seed);
    let start = now_millis() - n as i64 * 10;
    // Inverse-CDF sampling of a truncated Zipf(1) over the products.
    let weights: Vec<f64> = (1..=SYNTHETIC_PRODUCTS).map(|r| 1.0 / r as f64).collect();
    let total: f64 = weights.iter().sum();
    let mut cdf = Vec::with_capacity(weights.len());
    let mut acc = 0.0;
    for w in weights {
        acc += w / total;
        cdf.push(acc);
    }
    let mut visit = 0usize;
    let mut left = 0usize;
    (0..n)
        .map(|i| {
            if left == 0 {
                visit += 1;
                left = 1 + rng.random_range(0..2 * MEAN_SESSION_EVENTS - 1);
            }
            left -= 1;
            let u: f64 = rng.random();
            let item = cdf.partition_point(|&c| c < u).min(SYNTHETIC_PRODUCTS - 1);
            Event {
                event_id: Some(format!("bench-{seed}-{i}")),
                visitor_id: VisitorId::new(format!("v{}", visit % 100_000)).expect("valid"),
                session_id: None,
                customer_id: None,
                timestamp: Some(start + i as i64 * 10),
                received_at: 0,
                kind: EventKind::View {
                    product_id: ProductId::new(format!("p{item}")).expect("valid"),
                },
            }
        })
        .collect()
}

fn rate(n: usize, secs: f64) -> f64 {
    (n as f64 / secs.max(1e-9)).round()
}

fn ingest(n: usize, batch: usize, conc: usize) -> anyhow::Result<Report> {
    let mut report = Report::new(
        "bench ingest",
        "synthetic view events (visits of ~5 views, Zipf items)",
    );
    let shop = ShopId::default_shop();

    // In-process: the handler's path without HTTP (prepare, group-committed append, apply).
    let dir = tempfile::tempdir()?;
    let store = Arc::new(SqliteStore::open(dir.path())?);
    let (app, _) = App::open(store.clone())?;
    let chunks: Vec<Vec<Event>> = synthetic_events(n, 1)
        .chunks(batch)
        .map(<[Event]>::to_vec)
        .collect();
    let queue = Arc::new(std::sync::Mutex::new(chunks));
    let t = Instant::now();
    let lat: Vec<f64> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..conc)
            .map(|_| {
                let (queue, app, shop) = (queue.clone(), app.clone(), shop.clone());
                s.spawn(move || {
                    let mut lat = Vec::new();
                    while let Some(mut events) = queue.lock().ok().and_then(|mut q| q.pop()) {
                        let t = Instant::now();
                        let state = app.engine.shop(&shop);
                        {
                            let mut st = state.write();
                            for e in &mut events {
                                e.received_at = now_millis();
                                st.prepare(e);
                            }
                        }
                        let seqs = app
                            .store
                            .append_events(&shop, events.clone())
                            .expect("append");
                        let mut st = state.write();
                        for (e, s) in events.iter().zip(seqs) {
                            if s.is_some() {
                                st.apply(e);
                            }
                        }
                        lat.push(t.elapsed().as_secs_f64() * 1e6);
                    }
                    lat
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("sender thread"))
            .collect()
    });
    let secs = t.elapsed().as_secs_f64();
    anyhow::ensure!(
        store.count_events(&shop)? as usize == n,
        "not every event was stored"
    );
    let mut row = Row::new("in-process")
        .metric("events", n as f64)
        .metric("batch", batch as f64)
        .metric("senders", conc as f64)
        .metric("events_per_sec", rate(n, secs));
    row.latency_us = Some(Latency::from_samples(&mut lat.clone()));
    report.rows.push(row);
    drop(app);

    // Over HTTP: a real server on an ephemeral port, `conc` keep-alive connections.
    let dir = tempfile::tempdir()?;
    let store = Arc::new(SqliteStore::open(dir.path())?);
    let (app, _) = App::open(store.clone())?;
    let rt = super::serve::runtime()?;
    let bodies: Vec<String> = synthetic_events(n, 2)
        .chunks(batch)
        .map(|c| serde_json::json!({ "events": c }).to_string())
        .collect();
    let (secs, mut lat) = rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/v1/events", listener.local_addr()?);
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(tailor_server::serve(app, listener, async {
            let _ = stop_rx.await;
        }));
        let client = reqwest::Client::new();
        let queue = Arc::new(tokio::sync::Mutex::new(bodies));
        let t = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..conc {
            let (client, queue, url) = (client.clone(), queue.clone(), url.clone());
            tasks.push(tokio::spawn(async move {
                let mut lat = Vec::new();
                loop {
                    let Some(body) = queue.lock().await.pop() else {
                        break;
                    };
                    let t = Instant::now();
                    let resp = client
                        .post(&url)
                        .header("content-type", "application/json")
                        .body(body)
                        .send()
                        .await?;
                    anyhow::ensure!(
                        resp.status().is_success(),
                        "ingest answered {}",
                        resp.status()
                    );
                    resp.bytes().await?;
                    lat.push(t.elapsed().as_secs_f64() * 1e6);
                }
                anyhow::Ok(lat)
            }));
        }
        let mut lat = Vec::new();
        for t in tasks {
            lat.extend(t.await??);
        }
        let secs = t.elapsed().as_secs_f64();
        let _ = stop_tx.send(());
        server.await??;
        anyhow::Ok((secs, lat))
    })?;
    anyhow::ensure!(
        store.count_events(&shop)? as usize == n,
        "not every event was stored"
    );
    let mut row = Row::new("http")
        .metric("events", n as f64)
        .metric("batch", batch as f64)
        .metric("senders", conc as f64)
        .metric("events_per_sec", rate(n, secs));
    row.latency_us = Some(Latency::from_samples(&mut lat));
    report.rows.push(row);
    report.notes.push(format!(
        "{} cores; SQLite WAL, synchronous=FULL; an event counts once its commit returned; latency is per batch of {batch}",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    ));
    Ok(report)
}

fn replay(n: usize) -> anyhow::Result<Report> {
    let dir = tempfile::tempdir()?;
    let shop = ShopId::default_shop();
    {
        let store = SqliteStore::open(dir.path())?;
        store.create_shop(&shop)?;
        let mut events = synthetic_events(n, 3);
        let mut st = tailor_engine::ShopState::default();
        for e in &mut events {
            st.prepare(e);
        }
        for chunk in events.chunks(50_000) {
            store.append_events(&shop, chunk.to_vec())?;
        }
    }
    let store = Arc::new(SqliteStore::open(dir.path())?);
    let t = Instant::now();
    let (_app, stats) = App::open(store)?;
    let total = t.elapsed().as_secs_f64();
    let mut report = Report::new(
        "bench replay",
        "synthetic view events (visits of ~5 views, Zipf items)",
    );
    report.rows.push(
        Row::new("replay")
            .metric("events", stats.events as f64)
            .metric(
                "events_per_sec",
                rate(stats.events as usize, stats.event_secs),
            )
            .metric("total_secs", (total * 100.0).round() / 100.0),
    );
    report.notes.push("events_per_sec covers reading the log from SQLite, decoding each event and applying it to the live state".into());
    Ok(report)
}
