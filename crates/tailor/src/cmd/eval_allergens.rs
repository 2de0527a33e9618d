//! `tailor eval allergens`: the Open Food Facts export read as a food catalog, with allergens and
//! diets derived from ingredient text through the OFF taxonomies. Reports how many products got
//! which tag; `--sample N` writes N random products with their text and tags for checking by
//! hand, and `--out FILE` the catalog as NDJSON for `tailor import`.

use clap::Args;
use rand::{SeedableRng, rngs::StdRng, seq::SliceRandom};
use std::io::Write;
use std::path::PathBuf;
use tailor_catalog::openfoodfacts::{self, PRODUCTS_FILE};
use tailor_eval::{Report, Row};

#[derive(Args, Debug, Clone)]
pub struct AllergensArgs {
    /// The openfoodfacts-lifyzer folder (or its CSV file).
    #[arg(long)]
    pub data: PathBuf,
    /// The openfoodfacts-taxonomies folder.
    #[arg(long)]
    pub taxonomies: PathBuf,
    /// Random products (with ingredient text) to write to --sample-out for checking by hand.
    #[arg(long, default_value_t = 0)]
    pub sample: usize,
    /// Seed of the sample.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Where the sample goes (JSON lines).
    #[arg(long, default_value = "allergen-sample.jsonl")]
    pub sample_out: PathBuf,
    /// Write the derived catalog as NDJSON here.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn run(a: &AllergensArgs) -> anyhow::Result<Report> {
    let file = if a.data.is_dir() {
        a.data.join(PRODUCTS_FILE)
    } else {
        a.data.clone()
    };
    let t = std::time::Instant::now();
    let analyser = openfoodfacts::analyser(&a.taxonomies)?;
    let (products, skipped) = openfoodfacts::read(&file, &analyser)?;
    let secs = t.elapsed().as_secs_f64();
    let c = openfoodfacts::count(&products);
    let mut report = Report::new("eval allergens", "openfoodfacts-lifyzer");
    let share = |n: usize, of: usize| if of == 0 { 0.0 } else { n as f64 / of as f64 };
    report.rows.push(
        Row::new("coverage")
            .metric("products", c.products as f64)
            .metric("with_ingredients", c.with_text as f64)
            .metric("allergens_known", c.allergens_known as f64)
            .metric(
                "known_share_of_with_text",
                share(c.allergens_known, c.with_text),
            )
            .metric("ingredients", c.ingredients.0 as f64)
            .metric("recognised_share", share(c.ingredients.1, c.ingredients.0)),
    );
    for (al, (known, found)) in &c.allergens {
        report.rows.push(
            Row::new(format!("allergen:{}", al.as_str()))
                .metric("in_known_list", *known as f64)
                .metric("found_any", *found as f64),
        );
    }
    for (d, n) in &c.diets {
        report
            .rows
            .push(Row::new(format!("diet:{}", d.as_str())).metric("products", *n as f64));
    }
    let langs: Vec<String> = c
        .languages
        .iter()
        .map(|(l, n)| format!("{l} {n}"))
        .collect();
    report.notes.push(format!(
        "read and analysed in {secs:.1} s; skipped rows: {} without a name, {} bad barcodes, {} repeated barcodes; matched languages: {}",
        skipped.no_name,
        skipped.bad_id,
        skipped.duplicate,
        langs.join(", ")
    ));
    report.notes.push(
        "allergens_known: every ingredient recognised, so the list is claimed complete; found_any: \
         found in any product, complete or not; halal/kosher only from label names in the product name"
            .into(),
    );
    if a.sample > 0 {
        let mut with_text: Vec<&openfoodfacts::FoodProduct> = products
            .iter()
            .filter(|p| p.analysis.ingredients > 0)
            .collect();
        with_text.shuffle(&mut StdRng::seed_from_u64(a.seed));
        let mut f = std::io::BufWriter::new(std::fs::File::create(&a.sample_out)?);
        for p in with_text.into_iter().take(a.sample) {
            let an = &p.analysis;
            writeln!(
                f,
                "{}",
                serde_json::json!({
                    "id": p.product.id.as_str(), "name": p.product.title,
                    "ingredients": p.product.description,
                    "language": an.language, "recognised": format!("{}/{}", an.recognised, an.ingredients),
                    "allergens": p.product.allergens, "found": an.found.iter().map(|x| x.as_str()).collect::<Vec<_>>(),
                    "diets": p.product.diets, "matched": an.matched,
                })
            )?;
        }
        report.notes.push(format!(
            "sample of {} (seed {}) written to {}",
            a.sample,
            a.seed,
            a.sample_out.display()
        ));
    }
    if let Some(out) = &a.out {
        let mut f = std::io::BufWriter::new(std::fs::File::create(out)?);
        for p in &products {
            serde_json::to_writer(&mut f, &p.product)?;
            f.write_all(b"\n")?;
        }
        report.notes.push(format!(
            "{} products written to {}",
            products.len(),
            out.display()
        ));
    }
    Ok(report)
}
