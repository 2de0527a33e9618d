//! `tailor bench serve`: the whole server under load, in the shape of EVALUATION.md section 5.
//!
//! The store is filled with yoochoose `train_full` replayed as view events (visitor = session id,
//! timestamps from the file) and a catalog with a product for every item of train and test. A
//! child process `tailor serve` then replays that store and listens on an ephemeral port of
//! 127.0.0.1, exactly as in production. Each request is one `POST /v1/recommendations` that
//! records a view for a random one of 20,000 visitors, on an item drawn uniformly from the test
//! file's items, and asks for 20 recommendations: serenade's request shape.
//!
//! Then EVALUATION.md §5's mix of a shop's traffic, fixed-rate first and then at the maximum rate:
//! 70 % `for_you` recommendations (20 items, no click), 20 % single view events through
//! `POST /v1/events`, and 10 % searches (`POST /v1/search`, half for the title of a random test
//! item and half a query every product matches, personal rerank for that visitor, 20 results).
//! Each mix row is followed by a row per kind of request.
//!
//! The load generator runs in this process: by default a single-threaded tokio runtime (plus,
//! for the fixed rate, one timer thread that mostly sleeps), so the server's own runtime keeps
//! the machine's cores. The CPU time each side used is measured from `/proc` and printed.

use clap::Args;
use rand::{Rng, SeedableRng, rngs::StdRng};
use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tailor_eval::{Latency, Report, Row};
use tailor_model::{Event, EventKind, Product, ProductId, ShopId, VisitorId};
use tailor_store::{KeyRole, SqliteStore, Store};

const DEFAULT_TRAIN: &str =
    "../shared/datasets/yoochoose-rsc15-100k/yoochoose-clicks-100k_train_full.txt";
const DEFAULT_TEST: &str = "../shared/datasets/yoochoose-rsc15-100k/yoochoose-clicks-100k_test.txt";

/// Linux reports process CPU times in `/proc` in units of USER_HZ, which is 100.
const USER_HZ: f64 = 100.0;

#[derive(Args)]
pub struct ServeBenchArgs {
    /// Training clicks (session-rec format), replayed into the store as view events.
    #[arg(long, default_value = DEFAULT_TRAIN)]
    train: PathBuf,
    /// Test clicks: requests view items drawn uniformly from its distinct items.
    #[arg(long, default_value = DEFAULT_TEST)]
    test: PathBuf,
    /// Distinct visitors the requests are spread over.
    #[arg(long, default_value_t = 20_000)]
    visitors: usize,
    /// Connections of the closed-loop (maximum throughput) phase.
    #[arg(long, default_value_t = 32)]
    connections: usize,
    /// Seconds of the closed-loop phase (0 skips it).
    #[arg(long, default_value_t = 15.0)]
    closed_secs: f64,
    /// Requests per second of the fixed-rate phases.
    #[arg(long, default_value_t = 1000.0)]
    rate: f64,
    /// Seconds of each fixed-rate phase (0 skips them).
    #[arg(long, default_value_t = 20.0)]
    open_secs: f64,
    /// Seconds of the fixed-rate phase of the 70/20/10 mix (0 skips it; the closed-loop phase of
    /// the mix runs for --closed-secs).
    #[arg(long, default_value_t = 30.0)]
    mix_secs: f64,
    /// Leave out both phases of the mix (`--no-events` leaves them out too).
    #[arg(long)]
    no_mix: bool,
    /// Connections of the fixed-rate phases.
    #[arg(long, default_value_t = 16)]
    open_connections: usize,
    /// OS threads of the load generator's runtime.
    #[arg(long, default_value_t = 1)]
    client_threads: usize,
    /// Directory for the server's store (default: a fresh temporary directory, removed after).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Seed of the visitor and item draws.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Diagnostic: leave the click out of each request (every visitor gets one click through
    /// `POST /v1/events` beforehand), which separates the durable commit from the rest. Rows end
    /// in `-no-events`.
    #[arg(long)]
    no_events: bool,
    /// The server's `--sync`: `full` (fsync every commit) or `process`.
    #[arg(long, default_value = "full")]
    sync: String,
}

/// The pure session-kNN box, serenade's equivalent.
const SESSION_BOX: &str = r#"[{"sources":["session_next"],"count":20}]"#;
/// The full blend of the storefront's "for you" box.
const FOR_YOU_BOX: &str = r#"[{"preset":"for_you","count":20}]"#;

/// What a phase sends.
#[derive(Clone, Copy)]
enum Workload {
    /// Every request is `POST /v1/recommendations` with these boxes (and a click, unless
    /// `--no-events`).
    Recommend(&'static str),
    /// EVALUATION.md §5: 70 % recommendations, 20 % events, 10 % searches.
    Mix,
}

/// The kinds of request of the mix, in the order of their rows.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Recommend,
    Event,
    Search,
}

impl Kind {
    const ALL: [Kind; 3] = [Kind::Recommend, Kind::Event, Kind::Search];

    fn name(self) -> &'static str {
        match self {
            Kind::Recommend => "recommend",
            Kind::Event => "event",
            Kind::Search => "search",
        }
    }

    /// 70 / 20 / 10 out of a uniform draw.
    fn draw(rng: &mut StdRng) -> Self {
        match rng.random_range(0..10) {
            0..7 => Kind::Recommend,
            7..9 => Kind::Event,
            _ => Kind::Search,
        }
    }
}

pub fn run(a: ServeBenchArgs) -> anyhow::Result<Report> {
    for (what, path) in [("--train", &a.train), ("--test", &a.test)] {
        anyhow::ensure!(
            path.is_file(),
            "{what} {} does not exist: `tailor bench serve` needs the yoochoose-rsc15-100k sample \
             (../shared/datasets/yoochoose-rsc15-100k/ from the repository root) or files in the same \
             session-rec format given with --train and --test",
            path.display()
        );
    }
    anyhow::ensure!(a.visitors > 0, "--visitors must be at least 1");
    anyhow::ensure!(
        a.rate > 0.0 && a.rate.is_finite(),
        "--rate must be a positive number"
    );
    let train = tailor_eval::sessions::read_clicks(&a.train)?.clicks;
    let test = tailor_eval::sessions::read_clicks(&a.test)?.clicks;
    anyhow::ensure!(!train.is_empty(), "{} holds no clicks", a.train.display());
    // Distinct test items in first-seen order: the request items are drawn uniformly from these.
    let mut seen = HashSet::new();
    let test_items: Vec<String> = test
        .iter()
        .filter(|c| seen.insert(c.item.as_str()))
        .map(|c| c.item.clone())
        .collect();
    anyhow::ensure!(
        !test_items.is_empty(),
        "{} holds no clicks",
        a.test.display()
    );

    let tmp = tempfile::tempdir()?;
    let dir = a
        .data_dir
        .clone()
        .unwrap_or_else(|| tmp.path().to_path_buf());
    let t = Instant::now();
    let (products, events, secret) = fill_store(&dir, &train, &test)?;
    let fill_secs = t.elapsed().as_secs_f64();

    let load_before = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let t = Instant::now();
    super::serve::durability(&a.sync)?;
    let mut server = Server::start(&dir, &a.sync)?;
    let boot_secs = t.elapsed().as_secs_f64();
    let base = format!("http://{}", server.addr);

    let rt = if a.client_threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(a.client_threads)
            .enable_all()
            .build()?
    };
    let load = Arc::new(Load {
        base: base.clone(),
        auth: format!("Bearer {secret}"),
        items: test_items,
        visitors: a.visitors,
        events: !a.no_events,
    });
    if a.no_events {
        rt.block_on(load.seed_visitors(&format!("{base}/v1/events"), a.seed))?;
    }
    let suffix = if a.no_events { "-no-events" } else { "" };

    // One request first: the shape must be accepted and must return recommendations.
    let sample = rt.block_on(load.sample(Workload::Recommend(SESSION_BOX)))?;

    let mut report = Report::new(
        "bench serve",
        format!(
            "yoochoose-rsc15-100k ({} replayed as events)",
            a.train.file_name().map_or_else(
                || a.train.display().to_string(),
                |f| f.to_string_lossy().into_owned()
            )
        ),
    );
    report.notes.push(format!(
        "server --sync {}: {}",
        a.sync,
        if a.sync == "full" {
            "every acknowledged click is fsynced before the answer"
        } else {
            "acknowledged clicks survive a process crash; fsync at checkpoints"
        }
    ));
    let mut cpu_notes = Vec::new();
    let mut phase = |name: String,
                     mix: bool,
                     report: &mut Report,
                     run: &dyn Fn() -> anyhow::Result<Outcome>|
     -> anyhow::Result<()> {
        let (server0, client0) = (cpu_secs(server.pid()), cpu_secs(None));
        let t = Instant::now();
        let out = run()?;
        let wall = t.elapsed().as_secs_f64();
        let (server1, client1) = (cpu_secs(server.pid()), cpu_secs(None));
        server.check_alive()?;
        cpu_notes.push(format!(
            "{name}: server process used {:.0}% of one core, load generator {:.0}% ({:.1} s wall)",
            100.0 * (server1 - server0) / wall,
            100.0 * (client1 - client0) / wall,
            wall
        ));
        let server_cpu_us = 1e6 * (server1 - server0) / (out.requests + out.errors).max(1) as f64;
        let (errors, lag) = (out.errors, out.dispatch_lag);
        let first_error = out.first_error.clone();
        let requests = out.requests;
        let mut rows = out.rows(&name, mix).into_iter();
        if let Some(first) = rows.next() {
            report
                .rows
                .push(first.metric("server_cpu_us_per_req", server_cpu_us.round()));
        }
        report.rows.extend(rows);
        if errors > 0 {
            report.notes.push(format!(
                "{name}: THIS RUN HAD {} ERRORS out of {} requests; first: {}",
                errors,
                requests + errors,
                first_error.as_deref().unwrap_or("?")
            ));
        }
        if let Some(lag) = lag {
            report.notes.push(format!(
                "{name}: the generator's timer sent requests after their scheduled time by p50 {:.0} µs, \
                 p99 {:.0} µs (included in latency_us, which counts from the scheduled time)",
                lag.p50, lag.p99
            ));
        }
        Ok(())
    };

    if a.closed_secs > 0.0 {
        let conns = a.connections.max(1);
        phase(
            format!("tailor-closed{suffix}"),
            false,
            &mut report,
            &|| {
                rt.block_on(load.clone().closed(
                    Workload::Recommend(SESSION_BOX),
                    conns,
                    Duration::from_secs_f64(a.closed_secs),
                    a.seed,
                ))
            },
        )?;
    }
    if a.open_secs > 0.0 {
        let conns = a.open_connections.max(1);
        for (name, boxes, seed) in [
            ("tailor", SESSION_BOX, a.seed + 1),
            ("tailor-for_you", FOR_YOU_BOX, a.seed + 2),
        ] {
            phase(
                format!("{name}-{}rps{suffix}", a.rate),
                false,
                &mut report,
                &|| {
                    rt.block_on(load.clone().open(
                        Workload::Recommend(boxes),
                        conns,
                        a.rate,
                        Duration::from_secs_f64(a.open_secs),
                        seed,
                    ))
                },
            )?;
        }
    }
    // The mix: fixed rate first, then the maximum (EVALUATION.md §5).
    if !a.no_mix && !a.no_events {
        if a.mix_secs > 0.0 {
            let conns = a.open_connections.max(1);
            phase(format!("mix-{}rps", a.rate), true, &mut report, &|| {
                rt.block_on(load.clone().open(
                    Workload::Mix,
                    conns,
                    a.rate,
                    Duration::from_secs_f64(a.mix_secs),
                    a.seed + 3,
                ))
            })?;
        }
        if a.closed_secs > 0.0 {
            let conns = a.connections.max(1);
            phase("mix-closed".into(), true, &mut report, &|| {
                rt.block_on(load.clone().closed(
                    Workload::Mix,
                    conns,
                    Duration::from_secs_f64(a.closed_secs),
                    a.seed + 4,
                ))
            })?;
        }
        report.notes.push(format!(
            "mix rows (EVALUATION.md §5): 70 % POST /v1/recommendations with the for_you box of 20 \
             and no click, 20 % POST /v1/events with one view (committed, --sync {}, before the \
             answer), 10 % POST /v1/search (every title is \"Item <id>\": half \"item <id>\" of a \
             random test item, which finds that product, half \"items\", which every product \
             matches, so the personal rerank sees a full top 300), 20 results; the same {} \
             visitors; a row per kind of request after each mix row",
            a.sync, a.visitors
        ));
    }
    drop(server);

    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    report.notes.extend([
        format!(
            "store: {products} products (every train and test item), {events} view events from {} \
             (visitor = session id, file timestamps), filled in {fill_secs:.1} s; the server is a child \
             `tailor serve` process on 127.0.0.1, started (replay included) in {boot_secs:.1} s",
            a.train.display()
        ),
        if a.no_events {
            format!(
                "diagnostic --no-events: each request is POST /v1/recommendations with a public key and one \
                 box of 20 for one of {} visitors, without a click; every visitor got one click (item uniform \
                 over {} distinct test items) through POST /v1/events first; the rows without for_you use \
                 {{\"sources\": [\"session_next\"]}}; a sample answer held {sample} items; mean_items is \
                 sampled from every 16th answer",
                a.visitors,
                load.items.len()
            )
        } else {
            format!(
                "one request = POST /v1/recommendations with a public key, one view event (committed to SQLite, \
                 --sync {}, before the answer) for one of {} visitors, item uniform over \
                 {} distinct test items, and one box of 20; the rows without for_you use \
                 {{\"sources\": [\"session_next\"]}}; a sample answer held {sample} items; mean_items is \
                 sampled from every 16th answer",
                a.sync,
                a.visitors,
                load.items.len()
            )
        },
        format!(
            "{cores} cores, shared by the server, the load generator ({} runtime thread{}) and other \
             engineers' work: load average before the run {}",
            a.client_threads.max(1),
            if a.client_threads > 1 { "s" } else { "" },
            load_before.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
        ),
        "closed loop: each connection sends its next request when the previous answer arrives; latency \
         from send to full answer. Fixed rate: requests are scheduled at exact times and latency counts \
         from the scheduled time (latency correction), so a queue behind busy connections is not hidden"
            .into(),
        "peer, measured earlier on this machine and not rerun here: serenade (VMIS-kNN), wrk 2 threads \
         32 connections 15 s: 25,300 req/s, p50 1.2 ms, p90 1.9 ms, p99 3.1 ms; oha at 1,000 req/s, 16 \
         connections, 20 s, latency correction: p50 0.33 ms, p90 0.49 ms, p99 1.06 ms. Serenade keeps \
         sessions in memory only; Tailor commits every click durably before answering"
            .into(),
    ]);
    report.notes.extend(cpu_notes);
    Ok(report)
}

/// Writes the catalog and the training clicks as events; returns (products, events, public key).
fn fill_store(
    dir: &Path,
    train: &[tailor_eval::sessions::Click],
    test: &[tailor_eval::sessions::Click],
) -> anyhow::Result<(usize, usize, String)> {
    let store = SqliteStore::open(dir)?;
    let shop = ShopId::default_shop();
    anyhow::ensure!(
        store.count_products(&shop)? == 0 && store.count_events(&shop)? == 0,
        "{} already holds a shop; give an empty --data-dir",
        dir.display()
    );
    store.create_shop(&shop)?;
    let mut seen = HashSet::new();
    let products: Vec<Product> = train
        .iter()
        .chain(test)
        .filter(|c| seen.insert(c.item.as_str()))
        .map(|c| {
            let mut p = Product::new(ProductId::new(c.item.as_str())?, format!("Item {}", c.item));
            p.price = Some(9.99);
            p.currency = Some("EUR".into());
            Ok(p)
        })
        .collect::<anyhow::Result<_>>()?;
    for chunk in products.chunks(10_000) {
        store.upsert_products(&shop, chunk)?;
    }
    // The log in time order, as a live shop would have written it; ties keep file order.
    let mut order: Vec<usize> = (0..train.len()).collect();
    order.sort_by(|&x, &y| train[x].time.total_cmp(&train[y].time));
    let mut state = tailor_engine::ShopState::default();
    let mut events = Vec::with_capacity(train.len());
    for (n, &i) in order.iter().enumerate() {
        let c = &train[i];
        let ms = (c.time * 1000.0).round() as i64;
        let mut e = Event {
            event_id: Some(format!("train-{n}")),
            visitor_id: VisitorId::new(c.session.as_str())?,
            session_id: None,
            customer_id: None,
            timestamp: Some(ms),
            received_at: ms,
            kind: EventKind::View {
                product_id: ProductId::new(c.item.as_str())?,
            },
        };
        state.prepare(&mut e);
        events.push(e);
    }
    for chunk in events.chunks(10_000) {
        store.append_events(&shop, chunk.to_vec())?;
    }
    let key = store.create_key(&shop, KeyRole::Public, "bench serve")?;
    Ok((products.len(), events.len(), key.secret))
}

/// CPU seconds (user + system) used so far by process `pid`, or by this process for `None`.
fn cpu_secs(pid: Option<u32>) -> f64 {
    let path = match pid {
        Some(p) => format!("/proc/{p}/stat"),
        None => "/proc/self/stat".into(),
    };
    let Ok(stat) = std::fs::read_to_string(path) else {
        return f64::NAN;
    };
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        f.get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(f64::NAN)
    };
    (ticks(11) + ticks(12)) / USER_HZ
}

/// A child `tailor serve` on `dir`, killed when dropped.
pub(crate) struct Server {
    child: Child,
    pub(crate) addr: String,
}

impl Server {
    pub(crate) fn start(dir: &Path, sync: &str) -> anyhow::Result<Self> {
        let exe = std::env::current_exe()?;
        let mut child = Command::new(exe)
            .arg("serve")
            .args(["--sync", sync])
            .arg("--data-dir")
            .arg(dir)
            .arg("--listen")
            .arg("127.0.0.1:0")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()?;
        let stderr = child.stderr.take().expect("piped");
        let (tx, rx) = std::sync::mpsc::channel();
        // Reads the server's log for its address, then keeps draining it so the server never
        // blocks on a full pipe; warnings and errors are passed on.
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("listening on http://").nth(1) {
                    if let Some(tx) = tx.take() {
                        let _ = tx.send(rest.split_whitespace().next().unwrap_or("").to_string());
                    }
                } else if line.contains("WARN") || line.contains("ERROR") {
                    eprintln!("[tailor serve] {line}");
                }
            }
        });
        let mut server = Self {
            child,
            addr: String::new(),
        };
        server.addr = match rx.recv_timeout(Duration::from_secs(600)) {
            Ok(addr) => addr,
            Err(_) => {
                server.check_alive()?;
                anyhow::bail!("the child `tailor serve` did not report its address in time");
            }
        };
        Ok(server)
    }

    fn pid(&self) -> Option<u32> {
        Some(self.child.id())
    }

    fn check_alive(&mut self) -> anyhow::Result<()> {
        match self.child.try_wait()? {
            Some(status) => anyhow::bail!("the child `tailor serve` exited: {status}"),
            None => Ok(()),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What every request needs.
struct Load {
    /// The server's base address, `http://host:port`.
    base: String,
    auth: String,
    items: Vec<String>,
    visitors: usize,
    /// Whether each recommendation request of [`Workload::Recommend`] carries its click.
    events: bool,
}

/// The figures of one phase.
#[derive(Default)]
struct Outcome {
    /// Successful (2xx) answers.
    requests: usize,
    errors: usize,
    first_error: Option<String>,
    secs: f64,
    connections: usize,
    latency_us: Vec<f64>,
    items_seen: usize,
    items_sampled: usize,
    dispatch_lag: Option<Latency>,
    /// Latencies by [`Kind`] (index in `Kind::ALL`), for the mix.
    kind_latency_us: [Vec<f64>; 3],
}

impl Outcome {
    /// Counts one answer; its latency runs from `since` (the send, or the scheduled time).
    fn record(&mut self, kind: Kind, answer: Result<usize, String>, since: Instant, sampled: bool) {
        match answer {
            Ok(items) => {
                let us = since.elapsed().as_secs_f64() * 1e6;
                self.latency_us.push(us);
                self.kind_latency_us[kind as usize].push(us);
                self.requests += 1;
                if sampled {
                    self.items_seen += items;
                    self.items_sampled += 1;
                }
            }
            Err(e) => {
                self.errors += 1;
                self.first_error.get_or_insert(e);
            }
        }
    }

    fn merge(&mut self, o: Outcome) {
        self.requests += o.requests;
        self.errors += o.errors;
        if self.first_error.is_none() {
            self.first_error = o.first_error;
        }
        self.latency_us.extend(o.latency_us);
        for (all, mine) in self.kind_latency_us.iter_mut().zip(o.kind_latency_us) {
            all.extend(mine);
        }
        self.items_seen += o.items_seen;
        self.items_sampled += o.items_sampled;
    }

    /// The phase's row and, for the mix, one row per kind of request.
    fn rows(mut self, name: &str, mix: bool) -> Vec<Row> {
        let mut rows = Vec::new();
        if mix {
            for (kind, lat) in Kind::ALL.iter().zip(&mut self.kind_latency_us) {
                let mut row = Row::new(format!("{name}:{}", kind.name()))
                    .metric(
                        "req_per_sec",
                        (lat.len() as f64 / self.secs.max(1e-9)).round(),
                    )
                    .metric("requests", lat.len() as f64);
                row.latency_us = Some(Latency::from_samples(lat));
                rows.push(row.metric("p95_us", p95(lat)));
            }
        }
        rows.insert(0, self.row(name));
        rows
    }

    fn row(&mut self, name: &str) -> Row {
        let mut row = Row::new(name)
            .metric(
                "req_per_sec",
                (self.requests as f64 / self.secs.max(1e-9)).round(),
            )
            .metric("requests", self.requests as f64)
            .metric("errors", self.errors as f64)
            .metric("connections", self.connections as f64)
            .metric(
                "mean_items",
                (100.0 * self.items_seen as f64 / self.items_sampled.max(1) as f64).round() / 100.0,
            );
        row.latency_us = Some(Latency::from_samples(&mut self.latency_us));
        row.metric("p95_us", p95(&self.latency_us))
    }
}

/// The 95th percentile (nearest rank) of sorted samples; EVALUATION.md §5 asks for it.
fn p95(sorted: &[f64]) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((0.95 * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    (sorted[rank - 1] * 10.0).round() / 10.0
}

/// Items in an answer, counted by their `"product_id"` keys.
fn count_items(body: &[u8]) -> usize {
    const KEY: &[u8] = b"\"product_id\"";
    body.windows(KEY.len()).filter(|w| *w == KEY).count()
}

impl Load {
    fn event(&self, rng: &mut StdRng, visitor: usize) -> String {
        let item = &self.items[rng.random_range(0..self.items.len())];
        format!(r#"{{"type":"view","visitor_id":"live-{visitor}","product_id":"{item}"}}"#)
    }

    /// The next request of `work`: its kind, path and body.
    fn request(&self, rng: &mut StdRng, work: Workload) -> (Kind, &'static str, String) {
        let visitor = rng.random_range(0..self.visitors);
        let kind = match work {
            Workload::Recommend(_) => Kind::Recommend,
            Workload::Mix => Kind::draw(rng),
        };
        match (work, kind) {
            (Workload::Recommend(boxes), _) if self.events => {
                let event = self.event(rng, visitor);
                let body = format!(
                    r#"{{"visitor_id":"live-{visitor}","events":[{event}],"boxes":{boxes}}}"#
                );
                (kind, "/v1/recommendations", body)
            }
            (Workload::Recommend(boxes), _) => {
                let body = format!(r#"{{"visitor_id":"live-{visitor}","boxes":{boxes}}}"#);
                (kind, "/v1/recommendations", body)
            }
            (Workload::Mix, Kind::Recommend) => {
                let body = format!(r#"{{"visitor_id":"live-{visitor}","boxes":{FOR_YOU_BOX}}}"#);
                (kind, "/v1/recommendations", body)
            }
            (Workload::Mix, Kind::Event) => {
                let body = format!(r#"{{"events":[{}]}}"#, self.event(rng, visitor));
                (kind, "/v1/events", body)
            }
            (Workload::Mix, Kind::Search) => {
                // Every title is "Item <id>": half the searches name one product, half are broad
                // ("items" matches the whole catalog, so the personal rerank sees a full top 300).
                let query = if rng.random_bool(0.5) {
                    format!("item {}", self.items[rng.random_range(0..self.items.len())])
                } else {
                    "items".to_string()
                };
                let body =
                    format!(r#"{{"query":"{query}","visitor_id":"live-{visitor}","limit":20}}"#);
                (kind, "/v1/search", body)
            }
        }
    }

    /// One click for every visitor, in batches of 1,000 events.
    async fn seed_visitors(&self, url: &str, seed: u64) -> anyhow::Result<()> {
        let client = Self::client()?;
        let mut rng = StdRng::seed_from_u64(seed ^ 0x5eed);
        let all: Vec<usize> = (0..self.visitors).collect();
        for chunk in all.chunks(1000) {
            let events: Vec<String> = chunk.iter().map(|&v| self.event(&mut rng, v)).collect();
            let resp = client
                .post(url)
                .header("content-type", "application/json")
                .header("authorization", &self.auth)
                .body(format!(r#"{{"events":[{}]}}"#, events.join(",")))
                .send()
                .await?;
            anyhow::ensure!(
                resp.status().is_success(),
                "seeding visitors: {}",
                resp.status()
            );
            resp.bytes().await?;
        }
        Ok(())
    }

    /// A client with exactly one keep-alive connection.
    fn client() -> anyhow::Result<reqwest::Client> {
        Ok(reqwest::Client::builder()
            .pool_max_idle_per_host(1)
            .tcp_nodelay(true)
            .build()?)
    }

    /// Sends one request; Ok(items in the answer) or Err(what went wrong).
    async fn send(
        &self,
        client: &reqwest::Client,
        path: &str,
        body: String,
        count: bool,
    ) -> Result<usize, String> {
        let resp = client
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/json")
            .header("authorization", &self.auth)
            .body(body)
            .send()
            .await
            .map_err(|e| format!("transport: {e}"))?;
        let status = resp.status();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| format!("reading the answer: {e}"))?;
        if !status.is_success() {
            return Err(format!(
                "{status}: {}",
                String::from_utf8_lossy(&bytes[..bytes.len().min(300)])
            ));
        }
        Ok(if count { count_items(&bytes) } else { 0 })
    }

    /// One request, which must succeed; returns the items of its answer.
    async fn sample(&self, work: Workload) -> anyhow::Result<usize> {
        let client = Self::client()?;
        let mut rng = StdRng::seed_from_u64(0);
        let (_, path, body) = self.request(&mut rng, work);
        self.send(&client, path, body, true)
            .await
            .map_err(|e| anyhow::anyhow!("the first request ({path}) failed: {e}"))
    }

    /// Closed loop: `conns` connections, each sending its next request when the answer arrives.
    async fn closed(
        self: Arc<Self>,
        work: Workload,
        conns: usize,
        dur: Duration,
        seed: u64,
    ) -> anyhow::Result<Outcome> {
        let start = Instant::now();
        let end = start + dur;
        let mut tasks = Vec::new();
        for w in 0..conns {
            let load = self.clone();
            let client = Self::client()?;
            tasks.push(tokio::spawn(async move {
                let mut rng = StdRng::seed_from_u64(seed.wrapping_mul(1_000_003) + w as u64);
                let mut out = Outcome::default();
                let mut n = 0usize;
                while Instant::now() < end {
                    let (kind, path, body) = load.request(&mut rng, work);
                    let count = n.is_multiple_of(16) && kind != Kind::Event;
                    n += 1;
                    let t = Instant::now();
                    let answer = load.send(&client, path, body, count).await;
                    out.record(kind, answer, t, count);
                }
                out
            }));
        }
        let mut total = Outcome::default();
        for t in tasks {
            total.merge(t.await?);
        }
        total.secs = start.elapsed().as_secs_f64();
        total.connections = conns;
        Ok(total)
    }

    /// Open loop at `rate` requests/s over `conns` connections, with latency correction: a timer
    /// thread releases request `i` at `start + i / rate`, a free connection takes it, and its
    /// latency counts from that scheduled time, so time spent waiting for a connection counts.
    async fn open(
        self: Arc<Self>,
        work: Workload,
        conns: usize,
        rate: f64,
        dur: Duration,
        seed: u64,
    ) -> anyhow::Result<Outcome> {
        let total = (rate * dur.as_secs_f64()).round() as usize;
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<(usize, Instant)>();
        let rx = Arc::new(tokio::sync::Mutex::new(rx));
        // Connect every connection before the clock starts.
        let mut clients = Vec::new();
        for _ in 0..conns {
            let client = Self::client()?;
            let _ = client
                .get(format!("{}/healthz", self.base))
                .send()
                .await?
                .bytes()
                .await?;
            clients.push(client);
        }
        let start = Instant::now() + Duration::from_millis(20);
        // std::thread::sleep is precise to tens of µs, where tokio's timer has 1 ms steps.
        let timer = std::thread::spawn(move || {
            let mut lag = Vec::with_capacity(total);
            for i in 0..total {
                let at = start + Duration::from_secs_f64(i as f64 / rate);
                let now = Instant::now();
                if at > now {
                    std::thread::sleep(at - now);
                }
                lag.push(at.elapsed().as_secs_f64() * 1e6);
                if tx.send((i, at)).is_err() {
                    break;
                }
            }
            lag
        });
        let mut tasks = Vec::new();
        for client in clients {
            let (load, rx) = (self.clone(), rx.clone());
            tasks.push(tokio::spawn(async move {
                let mut out = Outcome::default();
                loop {
                    let next = rx.lock().await.recv().await;
                    let Some((i, at)) = next else { break };
                    let mut rng = StdRng::seed_from_u64(seed.wrapping_mul(1_000_003) ^ i as u64);
                    let (kind, path, body) = load.request(&mut rng, work);
                    let count = i.is_multiple_of(16) && kind != Kind::Event;
                    let answer = load.send(&client, path, body, count).await;
                    out.record(kind, answer, at, count);
                }
                out
            }));
        }
        let mut out = Outcome::default();
        for t in tasks {
            out.merge(t.await?);
        }
        out.secs = start.elapsed().as_secs_f64();
        out.connections = conns;
        let mut lag = timer
            .join()
            .map_err(|_| anyhow::anyhow!("the timer thread panicked"))?;
        out.dispatch_lag = Some(Latency::from_samples(&mut lag));
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load() -> Load {
        Load {
            base: "http://127.0.0.1:1".into(),
            auth: String::new(),
            items: vec!["214536502".into(), "214662742".into()],
            visitors: 20_000,
            events: true,
        }
    }

    #[test]
    fn the_mix_is_70_20_10_of_valid_requests() {
        let (load, mut rng) = (load(), StdRng::seed_from_u64(1));
        let mut counts = [0usize; 3];
        for _ in 0..10_000 {
            let (kind, path, body) = load.request(&mut rng, Workload::Mix);
            counts[kind as usize] += 1;
            let v: serde_json::Value = serde_json::from_str(&body).expect("valid JSON");
            match kind {
                Kind::Recommend => {
                    assert_eq!(path, "/v1/recommendations");
                    assert_eq!(v["boxes"][0]["preset"], "for_you");
                    assert!(
                        v.get("events").is_none(),
                        "a mix recommendation has no click"
                    );
                }
                Kind::Event => {
                    assert_eq!(path, "/v1/events");
                    assert_eq!(v["events"][0]["type"], "view");
                }
                Kind::Search => {
                    assert_eq!(path, "/v1/search");
                    let q = v["query"].as_str().unwrap();
                    assert!(q == "items" || q.starts_with("item 2"), "{q}");
                }
            }
        }
        // The seed fixes the counts; they stay within 1.5 points of 70/20/10.
        for (n, share) in counts.iter().zip([7_000, 2_000, 1_000]) {
            assert!(n.abs_diff(share) < 150, "{counts:?}");
        }
    }

    #[test]
    fn the_session_workload_always_clicks_unless_told_not_to() {
        let mut load = load();
        let mut rng = StdRng::seed_from_u64(2);
        let (kind, path, body) = load.request(&mut rng, Workload::Recommend(SESSION_BOX));
        assert!(kind == Kind::Recommend && path == "/v1/recommendations");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["events"][0]["visitor_id"], v["visitor_id"]);
        load.events = false;
        let (_, _, body) = load.request(&mut rng, Workload::Recommend(SESSION_BOX));
        assert!(!body.contains("events"), "{body}");
    }

    #[test]
    fn p95_is_the_nearest_rank() {
        assert_eq!(p95(&[]), 0.0);
        assert_eq!(p95(&[3.0]), 3.0);
        let sorted: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(p95(&sorted), 95.0);
    }

    #[test]
    fn a_mix_phase_has_a_row_per_kind() {
        let mut out = Outcome {
            secs: 2.0,
            ..Outcome::default()
        };
        let t = Instant::now();
        out.record(Kind::Recommend, Ok(20), t, true);
        out.record(Kind::Search, Ok(1), t, true);
        out.record(Kind::Event, Err("500".into()), t, false);
        let rows = out.rows("mix-closed", true);
        let names: Vec<&str> = rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "mix-closed",
                "mix-closed:recommend",
                "mix-closed:event",
                "mix-closed:search"
            ]
        );
        assert_eq!(rows[0].get("requests"), Some(2.0));
        assert_eq!(rows[0].get("errors"), Some(1.0));
        assert_eq!(rows[0].get("mean_items"), Some(10.5));
        assert_eq!(rows[2].get("requests"), Some(0.0));
        assert_eq!(rows[3].get("req_per_sec"), Some(1.0));
    }
}
