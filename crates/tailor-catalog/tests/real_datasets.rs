//! The real Instacart and dunnhumby product tables under /work/shared/datasets. Each test is
//! skipped (and passes) when its folder is absent; the files are never copied into the repo.

use std::path::Path;
use std::time::Instant;
use tailor_catalog::{FeedFormat, FeedReader};

const INSTACART: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/datasets/instacart-sample"
);
const DUNNHUMBY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/datasets/dunnhumby-completejourney"
);

/// Rows in products.csv according to each folder's PROVENANCE.md.
const INSTACART_PRODUCTS: usize = 49_688;
const DUNNHUMBY_PRODUCTS: usize = 92_331;

fn present(dir: &str, file: &str) -> bool {
    let path = Path::new(dir).join(file);
    if path.exists() {
        true
    } else {
        eprintln!(
            "SKIPPED: {} not found; this test needs the shared datasets",
            path.display()
        );
        false
    }
}

#[test]
fn instacart_products_all_parse() {
    if !present(INSTACART, "products.csv") {
        return;
    }
    let start = Instant::now();
    let mut reader = FeedReader::open(Path::new(INSTACART).join("products.csv")).unwrap();
    assert_eq!(reader.format(), FeedFormat::Instacart);
    let (mut ok, mut errors, mut uncategorised) = (0, Vec::new(), 0);
    let mut first = None;
    for row in reader.by_ref() {
        match row {
            Ok(p) => {
                ok += 1;
                uncategorised += usize::from(p.categories.is_empty());
                first.get_or_insert(p);
            }
            Err(e) => errors.push(e.to_string()),
        }
    }
    assert_eq!(errors, Vec::<String>::new());
    assert_eq!(ok, INSTACART_PRODUCTS);
    assert_eq!(reader.bytes_read(), reader.total_bytes().unwrap());
    let first = first.unwrap();
    assert_eq!(first.title, "Chocolate Sandwich Cookies");
    assert_eq!(first.categories, [["snacks", "cookies cakes"]]);
    // Department 21 is Instacart's "missing": those products get no category path.
    assert_eq!(uncategorised, 1258);
    eprintln!("instacart: {ok} products in {:?}", start.elapsed());
}

#[test]
fn dunnhumby_products_all_parse() {
    if !present(DUNNHUMBY, "products.csv.gz") {
        return;
    }
    let start = Instant::now();
    let mut reader = FeedReader::open(Path::new(DUNNHUMBY).join("products.csv.gz")).unwrap();
    assert_eq!(reader.format(), FeedFormat::Dunnhumby);
    let (mut ok, mut errors) = (0, Vec::new());
    let mut ice = None;
    for row in reader.by_ref() {
        match row {
            Ok(p) => {
                ok += 1;
                if p.id.as_str() == "25671" {
                    ice = Some(p);
                }
            }
            Err(e) => errors.push(e.to_string()),
        }
    }
    assert_eq!(errors, Vec::<String>::new());
    assert_eq!(ok, DUNNHUMBY_PRODUCTS);
    assert_eq!(reader.bytes_read(), reader.total_bytes().unwrap());
    let ice = ice.unwrap();
    assert_eq!(ice.title, "ICE - CRUSHED/CUBED 22 LB");
    assert_eq!(
        ice.categories,
        [["GROCERY", "FRZN ICE", "ICE - CRUSHED/CUBED"]]
    );
    assert_eq!(ice.brand.as_deref(), Some("manufacturer 2"));
    eprintln!("dunnhumby: {ok} products in {:?}", start.elapsed());
}
