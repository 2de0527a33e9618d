//! `tailor bench giftbox`: auto-fill time for a gift box on a generated catalog (default 2,000
//! products) with simulated shoppers, so recipients have real histories and stated preferences.
//! Times the whole auto-fill (the shared pipeline's candidates and ranking, then packing)
//! in-process under the shop's read lock, and over HTTP against a server in this process.

use clap::Args;
use std::sync::Arc;
use std::time::Instant;
use tailor_engine::giftbox::{Recipient, Template, autofill};
use tailor_eval::{Latency, Report, Row};
use tailor_model::{Preferences, ShopId, now_millis};
use tailor_server::App;
use tailor_store::{SqliteStore, Store};

#[derive(Args, Debug, Clone)]
pub struct GiftboxBenchArgs {
    /// Products in the generated catalog.
    #[arg(long, default_value_t = 2_000)]
    products: usize,
    /// Simulated shoppers; each is a recipient.
    #[arg(long, default_value_t = 300)]
    shoppers: usize,
    /// Days they shop for before the boxes are filled.
    #[arg(long, default_value_t = 14)]
    days: u32,
    /// Auto-fills to time per mode (recipients are cycled).
    #[arg(long, default_value_t = 1_000)]
    fills: usize,
}

/// The benchmark's box: a food hamper with a variety rule and something sweet, as a shop would
/// configure one.
pub fn template() -> serde_json::Value {
    serde_json::json!({
        "name": "Pantry hamper",
        "capacity": {"min_items": 4, "max_items": 8, "measure": {"attribute": "weight_g", "max": 4000}},
        "budget": {"min": 30, "max": 60}, "packaging_price": 4.5,
        "eligible": {"categories": ["Groceries", "Beverages"]},
        "rules": [{"id": "variety", "max_per_category": 2, "depth": 2},
                  {"id": "sweet", "must_include": {"categories": ["Groceries > Snacks > Chocolate",
                                                                  "Groceries > Snacks > Cookies & Biscuits"]}}]
    })
}

/// What some recipients state: an allergy for every third, a favourite category for every second.
fn stated(i: usize) -> Option<Preferences> {
    let mut v = serde_json::Map::new();
    if i.is_multiple_of(3) {
        v.insert("exclude_allergens".into(), serde_json::json!(["milk"]));
    }
    if i.is_multiple_of(2) {
        v.insert(
            "liked_categories".into(),
            serde_json::json!(["Beverages > Tea"]),
        );
    }
    (!v.is_empty()).then(|| {
        Preferences::from_json(&serde_json::Value::Object(v), "", None).expect("valid preferences")
    })
}

/// CPU time this thread has run, in nanoseconds (Linux `schedstat`), so that a loaded machine's
/// waiting time can be told apart from the work.
fn thread_cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

pub fn run(a: GiftboxBenchArgs) -> anyhow::Result<Report> {
    let mut report = Report::new("bench giftbox", "generated demo catalog and shoppers");
    let shop = ShopId::default_shop();
    let catalog = tailor_demo::generate_catalog(7, a.products);
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
    let tpl_json = template();
    store.put_setting(
        &shop,
        tailor_server::routes::giftbox::SETTING,
        &serde_json::json!({ "hamper": tpl_json }),
    )?;
    let t = Template::parse(&tpl_json).map_err(|e| anyhow::anyhow!("{e}"))?;
    let (app, _) = App::open(store.clone())?;
    let state = app.engine.shop(&shop);
    {
        let mut st = state.write();
        for mut e in sim.events.iter().cloned() {
            st.prepare(&mut e);
            st.apply(&e);
        }
    }
    let recipients: Vec<Recipient> = sim
        .shoppers
        .iter()
        .enumerate()
        .map(|(i, s)| Recipient {
            visitor: Some(s.visitor_id.clone()),
            customer: None,
            preferences: stated(i),
        })
        .collect();
    anyhow::ensure!(!recipients.is_empty(), "no shoppers");
    let now = now_millis();
    let (mut lat, mut picks, mut infeasible, mut candidates) = (Vec::new(), 0usize, 0usize, 0usize);
    let mut cpu = Vec::new();
    for r in recipients.iter().cycle().take(a.fills) {
        let c0 = thread_cpu_ns();
        let t0 = Instant::now();
        let out = autofill(&state.read(), &t, r, now);
        lat.push(t0.elapsed().as_secs_f64() * 1e6);
        if let (Some(c0), Some(c1)) = (c0, thread_cpu_ns()) {
            cpu.push(c1.saturating_sub(c0) as f64 / 1e3);
        }
        match out {
            Ok(f) => {
                picks += f.picks.len();
                candidates += f.candidates;
            }
            Err(_) => infeasible += 1,
        }
    }
    let filled = (a.fills - infeasible).max(1) as f64;
    let mut row = Row::new("in-process")
        .metric("fills", a.fills as f64)
        .metric("infeasible", infeasible as f64)
        .metric("mean_items", picks as f64 / filled)
        .metric("mean_candidates", candidates as f64 / filled);
    row.latency_us = Some(Latency::from_samples(&mut lat));
    report.rows.push(row);
    if !cpu.is_empty() {
        let mut row = Row::new("in-process-cpu").metric("fills", cpu.len() as f64);
        row.latency_us = Some(Latency::from_samples(&mut cpu));
        report.rows.push(row);
    }

    // Over HTTP, one connection: parse, template load from the store, auto-fill, response.
    let rt = super::serve::runtime()?;
    let mut http = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!(
            "http://{}/v1/giftboxes/templates/hamper/autofill",
            listener.local_addr()?
        );
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(tailor_server::serve(app.clone(), listener, async {
            let _ = rx.await;
        }));
        let client = reqwest::Client::builder().tcp_nodelay(true).build()?;
        let mut lat = Vec::with_capacity(a.fills);
        for (i, r) in recipients.iter().enumerate().cycle().take(a.fills) {
            let mut body = serde_json::json!({
                "visitor_id": r.visitor.as_ref().map(|v| v.as_str()),
            });
            if let Some(p) = stated(i) {
                body["preferences"] = serde_json::to_value(p)?;
            }
            let t0 = Instant::now();
            let resp = client.post(&url).json(&body).send().await?;
            let status = resp.status();
            resp.bytes().await?;
            lat.push(t0.elapsed().as_secs_f64() * 1e6);
            anyhow::ensure!(
                status.is_success() || status.as_u16() == 422,
                "auto-fill answered {status}"
            );
        }
        let _ = tx.send(());
        server.await??;
        Ok::<_, anyhow::Error>(lat)
    })?;
    let mut row = Row::new("http")
        .metric("fills", http.len() as f64)
        .metric("connections", 1.0);
    row.latency_us = Some(Latency::from_samples(&mut http));
    report.rows.push(row);
    report.notes.push(format!(
        "{} products, {} simulated shoppers over {} days ({} events); template: 4-8 items, \
         weight <= 4 kg, budget 30-60 with 4.50 packaging, groceries and beverages, at most 2 \
         per category, one chocolate or biscuit; every third recipient excludes milk, every \
         second likes tea",
        catalog.len(),
        a.shoppers,
        a.days,
        sim.events.len()
    ));
    report.notes.push(format!(
        "single-threaded, client in the same process, on {} shared cores; in-process-cpu is the \
         CPU time the filling thread ran per fill (wall time minus waiting for a core); target p99 <= 20 ms",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    ));
    Ok(report)
}
