//! Prints what the default demo shop holds and how long it takes to generate:
//! `cargo run -p tailor-demo --example demo_stats [seed]`.

use std::collections::BTreeMap;
use std::time::Instant;
use tailor_demo::{
    DEFAULT_DAYS, DEFAULT_PRODUCTS, DEFAULT_SHOPPERS, DEFAULT_START_MILLIS, generate_catalog,
    simulate,
};

fn main() {
    let seed = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(42);
    let t = Instant::now();
    let catalog = generate_catalog(seed, DEFAULT_PRODUCTS);
    let catalog_time = t.elapsed();
    let t = Instant::now();
    let sim = simulate(
        seed,
        &catalog,
        DEFAULT_SHOPPERS,
        DEFAULT_DAYS,
        DEFAULT_START_MILLIS,
    );
    let sim_time = t.elapsed();

    let mut groups: BTreeMap<&str, usize> = BTreeMap::new();
    for p in &catalog {
        if let Some(g) = &p.group_id {
            *groups.entry(g).or_default() += 1;
        }
    }
    let mut roots: BTreeMap<&str, usize> = BTreeMap::new();
    for p in &catalog {
        *roots.entry(p.categories[0][0].as_str()).or_default() += 1;
    }
    println!("seed {seed}");
    println!("catalog: {} products in {catalog_time:?}", catalog.len());
    println!(
        "  variant groups: {}, variants in them: {}",
        groups.len(),
        groups.values().sum::<usize>()
    );
    println!(
        "  on sale: {}",
        catalog.iter().filter(|p| p.sale_price.is_some()).count()
    );
    println!(
        "  not in stock: {}",
        catalog.iter().filter(|p| !p.is_sellable()).count()
    );
    println!(
        "  unknown allergens: {}",
        catalog.iter().filter(|p| p.allergens.is_none()).count()
    );
    println!("  by root: {roots:?}");
    println!(
        "simulation: {} shoppers, {} events in {sim_time:?}",
        sim.shoppers.len(),
        sim.events.len()
    );
    for (kind, n) in sim.counts_by_kind() {
        println!("  {kind:<16} {n}");
    }
    let sessions: std::collections::BTreeSet<_> = sim
        .events
        .iter()
        .filter_map(|e| e.session_id.as_ref())
        .collect();
    println!("  sessions: {}", sessions.len());
}
