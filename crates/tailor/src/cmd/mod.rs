//! One module per subcommand.

pub mod bench;
pub mod bench_ab;
pub mod bench_giftbox;
pub mod bench_scale;
pub mod bench_search;
pub mod bench_serve;
pub mod demo;
pub mod eval;
pub mod eval_allergens;
pub mod eval_preferences;
pub mod import;
pub mod keys;
pub mod serve;

use std::path::Path;

/// The data directory when none is given.
pub const DEFAULT_DATA_DIR: &str = "./tailor-data";

/// Prints a report as a table, or as JSON with `--json`.
pub fn print_report(r: &tailor_eval::Report, json: bool) {
    if json {
        println!("{}", r.to_json());
    } else {
        print!("{}", r.to_table());
    }
}

/// Opens the embedded store in `dir`.
pub fn open_store(dir: &Path) -> anyhow::Result<std::sync::Arc<tailor_store::SqliteStore>> {
    Ok(std::sync::Arc::new(tailor_store::SqliteStore::open(dir)?))
}
