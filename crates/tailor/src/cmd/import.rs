//! `tailor import FILE`: stream a product feed, validate every row, then write the catalog in one
//! transaction, so a feed applies whole or not at all (or, with `--partial`, its valid rows).

use super::{DEFAULT_DATA_DIR, open_store};
use anyhow::{Context, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;
use tailor_catalog::{Duplicates, FeedFormat, FeedReader, RowError};
use tailor_eval::{Report, Row};
use tailor_model::{Product, ShopId};
use tailor_store::Store;

/// Row errors printed before the summary line.
const MAX_PRINTED_ERRORS: usize = 50;

#[derive(Args)]
pub struct ImportArgs {
    /// The feed: Merchant Center TSV/CSV/RSS, JSON array, NDJSON, or a public data set layout (.gz is fine).
    pub file: PathBuf,
    #[arg(long, default_value = DEFAULT_DATA_DIR)]
    pub data_dir: PathBuf,
    /// The shop to import into.
    #[arg(long, default_value = "default")]
    pub shop: String,
    /// Force a format (json, ndjson, merchant-tsv, merchant-csv, merchant-xml, instacart, dunnhumby).
    #[arg(long)]
    pub format: Option<String>,
    /// Import the valid rows and report the others, instead of refusing the whole feed.
    #[arg(long)]
    pub partial: bool,
    /// Let a later row with a repeated id replace the earlier one instead of being an error.
    #[arg(long)]
    pub allow_duplicates: bool,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// What one import did.
pub struct Imported {
    pub products: usize,
    pub rejected: usize,
    pub secs: f64,
}

/// Reads a whole feed: the valid products and the row errors.
fn read_feed(
    file: &Path,
    format: Option<&str>,
    dups: Duplicates,
    quiet: bool,
) -> anyhow::Result<(Vec<Product>, Vec<RowError>)> {
    let reader = match format {
        Some(f) => FeedReader::open_as(
            file,
            f.parse::<FeedFormat>()
                .map_err(|e| anyhow::anyhow!("--format: {e}"))?,
        ),
        None => FeedReader::open(file),
    }
    .with_context(|| format!("opening {}", file.display()))?
    .with_duplicates(dups);
    let bar = if quiet {
        ProgressBar::hidden()
    } else {
        let bar = ProgressBar::new(reader.total_bytes().unwrap_or(0));
        bar.set_style(
            ProgressStyle::with_template("{spinner} {bytes}/{total_bytes} {bar:30} {msg} ({eta})")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar
    };
    let progress = reader.progress();
    let mut products = Vec::new();
    let mut errors = Vec::new();
    for (n, row) in reader.enumerate() {
        match row {
            Ok(p) => products.push(p),
            Err(e) => errors.push(e),
        }
        if n % 4096 == 0 {
            bar.set_position(progress.bytes_read());
            bar.set_message(format!("{} rows", n + 1));
        }
    }
    bar.finish_and_clear();
    Ok((products, errors))
}

/// Imports a feed into `store`.
pub fn import(store: &dyn Store, shop: &ShopId, a: &ImportArgs) -> anyhow::Result<Imported> {
    let t = Instant::now();
    let dups = if a.allow_duplicates {
        Duplicates::Allow
    } else {
        Duplicates::Reject
    };
    let (products, errors) = read_feed(&a.file, a.format.as_deref(), dups, a.quiet)?;
    let fatal = errors.iter().any(|e| e.fatal);
    if !errors.is_empty() {
        let mut err = std::io::stderr().lock();
        for e in errors.iter().take(MAX_PRINTED_ERRORS) {
            let _ = writeln!(err, "{}: {e}", a.file.display());
        }
        if errors.len() > MAX_PRINTED_ERRORS {
            let _ = writeln!(
                err,
                "... and {} more row errors",
                errors.len() - MAX_PRINTED_ERRORS
            );
        }
        if fatal || !a.partial {
            bail!(
                "{} row(s) refused{}; nothing was imported{}",
                errors.len(),
                if fatal {
                    ", and the feed could not be read to its end"
                } else {
                    ""
                },
                if fatal {
                    ""
                } else {
                    " (use --partial to import the valid rows)"
                }
            );
        }
    }
    store.upsert_products(shop, &products)?;
    Ok(Imported {
        products: products.len(),
        rejected: errors.len(),
        secs: t.elapsed().as_secs_f64(),
    })
}

pub fn run(a: ImportArgs) -> anyhow::Result<()> {
    let store = open_store(&a.data_dir)?;
    let shop = ShopId::new(a.shop.clone()).map_err(|e| anyhow::anyhow!("--shop: {e}"))?;
    let r = import(store.as_ref(), &shop, &a)?;
    println!(
        "imported {} products into shop {shop} in {:.2}s ({:.0}/s){}",
        r.products,
        r.secs,
        r.products as f64 / r.secs.max(1e-9),
        if r.rejected > 0 {
            format!("; {} rows refused", r.rejected)
        } else {
            String::new()
        }
    );
    println!(
        "A running `tailor serve` on this data directory sees the new catalog after a restart; use POST /v1/products for live updates."
    );
    Ok(())
}

/// `tailor bench import`: a generated Merchant Center TSV of `n` products, imported into a fresh store.
pub fn bench(n: usize) -> anyhow::Result<Report> {
    let dir = tempfile::tempdir()?;
    let feed = dir.path().join("feed.tsv");
    {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&feed)?);
        writeln!(
            w,
            "id\ttitle\tdescription\tlink\timage_link\tprice\tsale_price\tavailability\tbrand\tgtin\tproduct_type\titem_group_id\tcolor\tsize\tcustom_label_0"
        )?;
        for i in 0..n {
            writeln!(
                w,
                "SKU{i:07}\tOrganic Oat Drink {i} 1 l\tCreamy oat drink, unsweetened, batch {i}.\thttps://shop.example/p/{i}\thttps://shop.example/i/{i}.jpg\t{}.{:02} EUR\t\t{}\tBrand{}\t{:013}\tGroceries > Drinks > Plant milk {}\tG{}\t{}\t{}\tlabel{}",
                1 + i % 50,
                i % 100,
                if i % 10 == 0 {
                    "out of stock"
                } else {
                    "in stock"
                },
                i % 200,
                4_000_000_000_000u64 + i as u64,
                i % 20,
                i / 3,
                ["red", "green", "blue"][i % 3],
                ["S", "M", "L"][i % 3],
                i % 5
            )?;
        }
    }
    let bytes = std::fs::metadata(&feed)?.len();
    let store = tailor_store::SqliteStore::open(&dir.path().join("data"))?;
    let args = ImportArgs {
        file: feed,
        data_dir: dir.path().join("data"),
        shop: "default".into(),
        format: None,
        partial: false,
        allow_duplicates: false,
        quiet: true,
    };
    let r = import(&store, &ShopId::default_shop(), &args)?;
    anyhow::ensure!(
        store.count_products(&ShopId::default_shop())? as usize == n,
        "not every product was stored"
    );
    let mut report = Report::new("bench import", "generated Merchant Center TSV");
    report.rows.push(
        Row::new("merchant-tsv")
            .metric("products", r.products as f64)
            .metric("feed_mb", (bytes as f64 / 1e6 * 10.0).round() / 10.0)
            .metric("secs", (r.secs * 100.0).round() / 100.0)
            .metric(
                "products_per_sec",
                (r.products as f64 / r.secs.max(1e-9)).round(),
            ),
    );
    report
        .notes
        .push("parse + validate + one SQLite transaction (synchronous=FULL), single thread".into());
    Ok(report)
}
