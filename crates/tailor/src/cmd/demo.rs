//! `tailor demo`: a generated shop (catalog and simulated shoppers' history) in its own data
//! directory, with a public and an admin key, served at once together with the demo storefront
//! (`tailor-storefront`) at `/demo/`.

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
    // The configurable mug joins after the simulation, which thus stays as it was.
    store.upsert_products(shop, &[tailor_demo::configurable_product()])?;
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
    store.put_setting(
        shop,
        tailor_server::routes::giftbox::SETTING,
        &tailor_demo::giftbox_templates(),
    )?;
    Ok(Some((catalog.len() + 1, events.len())))
}

/// Every visible and hidden product of the shop, for the storefront's menu and pictures.
fn all_products(store: &dyn Store, shop: &ShopId) -> anyhow::Result<Vec<tailor_model::Product>> {
    let mut out = Vec::new();
    store.for_each_product(shop, &mut |p| out.push(p))?;
    Ok(out)
}

pub fn run(a: DemoArgs) -> anyhow::Result<()> {
    let rt = super::serve::runtime()?;
    // Bind first: the storefront URL is the first thing printed, and a busy port fails early.
    let listener = if a.no_serve {
        None
    } else {
        let l = rt.block_on(tokio::net::TcpListener::bind(&a.listen))?;
        println!("Open http://{}/demo/", l.local_addr()?);
        Some(l)
    };
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
    let Some(listener) = listener else {
        return Ok(());
    };
    let products = all_products(store.as_ref(), &shop)?;
    let app = super::serve::boot(store)?;
    let public = public.secret;
    let storefront =
        tailor_storefront::router(tailor_storefront::Storefront::new(public.clone(), products));
    let addr = listener.local_addr()?;
    println!();
    println!(
        "Tailor demo shop is running at http://{addr}/demo/ (API: http://{addr}/openapi.json)"
    );
    println!("Merchandiser dashboard: http://{addr}/admin/ (log in with the admin key above)");
    println!("Try the homepage recommendations of a simulated shopper:");
    println!(
        "  curl -s -H 'Authorization: Bearer {public}' http://{addr}/v1/recommendations \\\n    -d '{{\"visitor_id\": \"v00001\", \"explain\": true, \"boxes\": [{{\"preset\": \"for_you\", \"count\": 5}}]}}'"
    );
    println!("Press Ctrl-C to stop.");
    rt.block_on(serve(app, storefront, listener))
}

/// The API and the storefront on one listener, until Ctrl-C.
async fn serve(
    app: tailor_server::App,
    storefront: axum::Router,
    listener: tokio::net::TcpListener,
) -> anyhow::Result<()> {
    use axum::extract::Request;
    let router = tailor_server::router(app).merge(storefront);
    let svc = tower::ServiceExt::map_request(
        router,
        tailor_server::auth::route_shop as fn(Request) -> Request,
    );
    axum::serve(
        listener,
        axum::ServiceExt::<Request>::into_make_service_with_connect_info::<std::net::SocketAddr>(
            svc,
        ),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}
