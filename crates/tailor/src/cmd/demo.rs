//! `tailor demo`: a generated shop (catalog and simulated shoppers' history) in its own data
//! directory, with a public and an admin key, served at once.

use super::open_store;
use clap::Args;
use std::path::PathBuf;
use tailor_engine::ShopState;
use tailor_model::ShopId;
use tailor_store::{KeyRole, Store};

#[derive(Args)]
pub struct DemoArgs {
    /// Where the demo shop's store lives (kept between runs).
    #[arg(long, default_value = "./tailor-demo-data")]
    pub data_dir: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:7070")]
    pub listen: String,
    /// Generator seed: the same seed gives the same shop.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Products to generate.
    #[arg(long, default_value_t = tailor_demo::DEFAULT_PRODUCTS)]
    pub products: usize,
    /// Simulated shoppers.
    #[arg(long, default_value_t = tailor_demo::DEFAULT_SHOPPERS)]
    pub shoppers: usize,
    /// Generate the shop and print its keys, but do not serve.
    #[arg(long)]
    pub no_serve: bool,
}

/// Fills an empty store with the demo shop; returns (products, events), or None if it had one.
fn populate(
    store: &dyn Store,
    shop: &ShopId,
    a: &DemoArgs,
) -> anyhow::Result<Option<(usize, usize)>> {
    if store.count_products(shop)? > 0 {
        return Ok(None);
    }
    let catalog = tailor_demo::generate_catalog(a.seed, a.products);
    let sim = tailor_demo::simulate(
        a.seed,
        &catalog,
        a.shoppers,
        tailor_demo::DEFAULT_DAYS,
        tailor_demo::DEFAULT_START_MILLIS,
    );
    store.upsert_products(shop, &catalog)?;
    // Derive session ids exactly as ingest would, then store the history as one log.
    let mut state = ShopState::default();
    let mut events = sim.events;
    for e in &mut events {
        e.received_at = e.time();
        state.prepare(e);
    }
    for chunk in events.chunks(10_000) {
        store.append_events(shop, chunk.to_vec())?;
    }
    Ok(Some((catalog.len(), events.len())))
}

pub fn run(a: DemoArgs) -> anyhow::Result<()> {
    let store = open_store(&a.data_dir)?;
    let shop = ShopId::default_shop();
    match populate(store.as_ref(), &shop, &a)? {
        Some((p, e)) => eprintln!(
            "Generated the demo shop: {p} products, {e} events from {} simulated shoppers (seed {}).",
            a.shoppers, a.seed
        ),
        None => eprintln!("Using the demo shop already in {}.", a.data_dir.display()),
    }
    // The secrets are shown only when made, so a rerun makes a fresh pair.
    let public = store.create_key(&shop, KeyRole::Public, "demo storefront")?;
    let admin = store.create_key(&shop, KeyRole::Admin, "demo admin")?;
    println!("public key: {}", public.secret);
    println!("admin key:  {}", admin.secret);
    if a.no_serve {
        return Ok(());
    }
    let app = super::serve::boot(store)?;
    let public = public.secret;
    super::serve::runtime()?.block_on(super::serve::serve_until_ctrl_c(app, &a.listen, move |addr| {
        println!();
        println!("Tailor demo shop is running. Open http://{addr}/healthz and http://{addr}/openapi.json");
        println!("Try the homepage recommendations of a simulated shopper:");
        println!(
            "  curl -s -H 'Authorization: Bearer {public}' http://{addr}/v1/recommendations \\\n    -d '{{\"visitor_id\": \"v00001\", \"explain\": true, \"boxes\": [{{\"preset\": \"for_you\", \"count\": 5}}]}}'"
        );
        println!("Press Ctrl-C to stop.");
    }))
}
