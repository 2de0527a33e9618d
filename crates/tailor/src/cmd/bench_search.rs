//! `tailor bench search`: search speed on a generated catalog (default 100,000 products) with
//! simulated shoppers, so that personal reranking has real histories to work with. Reports
//! indexing throughput, in-process latency of the whole search pipeline, and HTTP latency and
//! throughput against a server in this process.

use clap::Args;
use std::sync::Arc;
use std::time::Instant;
use tailor_engine::pipeline::search::{SearchRequest, search};
use tailor_eval::{Latency, Report, Row};
use tailor_model::{EventKind, ShopId, VisitorId, now_millis};
use tailor_server::App;
use tailor_store::{SqliteStore, Store};

#[derive(Args, Debug, Clone)]
pub struct SearchBenchArgs {
    /// Products in the generated catalog.
    #[arg(long, default_value_t = 100_000)]
    products: usize,
    /// Simulated shoppers whose history personalizes the searches.
    #[arg(long, default_value_t = 300)]
    shoppers: usize,
    /// Days they shop for.
    #[arg(long, default_value_t = 14)]
    days: u32,
    /// Searches to time (their queries and shoppers come from the simulation).
    #[arg(long, default_value_t = 2_000)]
    queries: usize,
    /// Concurrent connections for the HTTP throughput row.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
}

/// The body of one timed search: the shopper's query, personal ranking, facets, 20 results.
fn body(query: &str, visitor: &VisitorId) -> serde_json::Value {
    serde_json::json!({
        "query": query,
        "visitor_id": visitor.as_str(),
        "facets": ["brand", "category", "price"],
        "limit": 20,
    })
}

pub fn run(a: SearchBenchArgs) -> anyhow::Result<Report> {
    let mut report = Report::new("bench search", "generated demo catalog and shoppers");
    let shop = ShopId::default_shop();
    let t = Instant::now();
    let catalog = tailor_demo::generate_catalog(7, a.products);
    let gen_secs = t.elapsed().as_secs_f64();
    let sim = tailor_demo::simulate(
        7,
        &catalog,
        a.shoppers,
        a.days,
        tailor_demo::DEFAULT_START_MILLIS,
    );
    let dir = tempfile::tempdir()?;
    let store = Arc::new(SqliteStore::open(dir.path())?);
    for chunk in catalog.chunks(5_000) {
        store.upsert_products(&shop, chunk)?;
    }
    let (app, _) = App::open(store.clone())?;
    let state = app.engine.shop(&shop);
    let t = Instant::now();
    let index = {
        let st = state.read();
        tailor_engine::search::build_index(
            st.search.settings(),
            st.catalog.items().map(|(i, p)| (i, p.as_ref())),
        )?
    };
    let index_secs = t.elapsed().as_secs_f64();
    {
        let mut st = state.write();
        st.search.install(index);
        for mut e in sim.events.iter().cloned() {
            st.prepare(&mut e);
            st.apply(&e);
        }
    }
    report.rows.push(
        Row::new("index")
            .metric("products", catalog.len() as f64)
            .metric("secs", index_secs)
            .metric(
                "products_per_sec",
                (catalog.len() as f64 / index_secs).round(),
            ),
    );
    let searches: Vec<(String, VisitorId)> = sim
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Search { query, .. } => Some((query.clone(), e.visitor_id.clone())),
            _ => None,
        })
        .cycle()
        .take(a.queries)
        .collect();
    anyhow::ensure!(!searches.is_empty(), "the simulation made no searches");

    // In-process: parse, the whole pipeline, under the shop's read lock, as the handler does.
    let mut lat = Vec::with_capacity(searches.len());
    let mut results = 0usize;
    for (q, v) in &searches {
        let t = Instant::now();
        let req = SearchRequest::parse(&body(q, v)).map_err(|e| anyhow::anyhow!("{e}"))?;
        let out = search(&state.read(), &req, now_millis())?;
        lat.push(t.elapsed().as_secs_f64() * 1e6);
        results += out.items.len();
    }
    let mut row = Row::new("in-process")
        .metric("searches", searches.len() as f64)
        .metric("mean_results", results as f64 / searches.len() as f64);
    row.latency_us = Some(Latency::from_samples(&mut lat));
    report.rows.push(row);

    // Over HTTP: one connection for latency, then `concurrency` for throughput.
    let rt = super::serve::runtime()?;
    let (http, tput) = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}/v1/search", listener.local_addr()?);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(tailor_server::serve(app.clone(), listener, async {
            let _ = rx.await;
        }));
        let bodies: Vec<String> = searches
            .iter()
            .map(|(q, v)| body(q, v).to_string())
            .collect();
        let client = reqwest::Client::builder().tcp_nodelay(true).build()?;
        let mut lat = Vec::with_capacity(bodies.len());
        for b in &bodies {
            let t = Instant::now();
            let r = client
                .post(&url)
                .header("content-type", "application/json")
                .body(b.clone())
                .send()
                .await?;
            anyhow::ensure!(r.status().is_success(), "search answered {}", r.status());
            r.bytes().await?;
            lat.push(t.elapsed().as_secs_f64() * 1e6);
        }
        let t = Instant::now();
        let queue = Arc::new(tokio::sync::Mutex::new(bodies.clone()));
        let workers: Vec<_> = (0..a.concurrency.max(1))
            .map(|_| {
                let (queue, client, url) = (queue.clone(), client.clone(), url.clone());
                tokio::spawn(async move {
                    let mut lat = Vec::new();
                    loop {
                        let Some(b) = queue.lock().await.pop() else {
                            break;
                        };
                        let t = Instant::now();
                        let r = client
                            .post(&url)
                            .header("content-type", "application/json")
                            .body(b)
                            .send()
                            .await?;
                        anyhow::ensure!(r.status().is_success(), "search answered {}", r.status());
                        r.bytes().await?;
                        lat.push(t.elapsed().as_secs_f64() * 1e6);
                    }
                    Ok::<_, anyhow::Error>(lat)
                })
            })
            .collect();
        let mut conc_lat = Vec::new();
        for w in workers {
            conc_lat.extend(w.await??);
        }
        let secs = t.elapsed().as_secs_f64();
        let _ = tx.send(());
        server.await??;
        Ok::<_, anyhow::Error>((lat, (conc_lat, secs)))
    })?;
    let mut http = http;
    let mut row = Row::new("http")
        .metric("searches", http.len() as f64)
        .metric("connections", 1.0);
    row.latency_us = Some(Latency::from_samples(&mut http));
    report.rows.push(row);
    let (mut conc_lat, secs) = tput;
    let mut row = Row::new("http-concurrent")
        .metric("searches", conc_lat.len() as f64)
        .metric("connections", a.concurrency.max(1) as f64)
        .metric("searches_per_sec", (conc_lat.len() as f64 / secs).round());
    row.latency_us = Some(Latency::from_samples(&mut conc_lat));
    report.rows.push(row);
    report.notes.push(format!(
        "{} products generated in {gen_secs:.1} s; {} simulated shoppers over {} days gave {} events; \
         each search: the shopper's own query, personal rerank of the top 300, brand/category/price facets, 20 results",
        catalog.len(),
        a.shoppers,
        a.days,
        sim.events.len()
    ));
    report.notes.push(format!(
        "load generator in the same process on the same {} cores",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    ));
    Ok(report)
}
