//! Personalized ranking of a browse page (EVALUATION.md section 3): `tailor eval browse --orders
//! orders.csv --lines order_products__prior.csv --products products.csv`.
//!
//! Same split as [`crate::replenishment`]: each user's last order with lines is the test order.
//! For each test order and each aisle holding a product bought in it, every catalog product of
//! that aisle is ranked using training orders only. MRR: the reciprocal rank of the first bought
//! product; NDCG@10: binary, ideal over `min(bought in the aisle, 10)`.
//!
//! Rows: `popularity` (training purchase count), `own-count` (the shopper's purchase count, ties
//! by popularity), `buy-again` (the shopper's next-basket score: TIFU-KNN's recency-weighted own
//! frequency blended with similar shoppers, scaled by the purchase-cycle timing; weights tuned for
//! next basket on the validation split, then own count, then popularity; final ties go to the
//! lower product id) and `tailor`: the engine itself. Every training order is replayed into a
//! [`ShopState`] as a purchase event, each shopper's clock aligned so their test order happens
//! at the same instant, and each aisle is asked for as a category page, exactly as
//! `POST /v1/search` with an empty query and a category filter would be.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use serde_json::json;
use tailor_engine::ShopState;
use tailor_engine::pipeline::search::{SearchRequest, search};
use tailor_engine::replenish::DAY_MS;
use tailor_model::{Event, Millis, Product, ProductId, VisitorId};

use tailor_reco::replenish::next_basket::{BuyAgainQuery, TifuConfig, buy_again};

use crate::replenishment::{
    EvalError, Histories, Prepared, load_instacart, parse, prepare, read_csv, require, tifu_index,
    truth, tune_next_basket,
};
use crate::report::{Report, Row};

/// The options of `tailor eval browse`.
#[derive(Debug, Clone)]
pub struct BrowseArgs {
    /// Instacart's `orders.csv`.
    pub orders: PathBuf,
    /// Instacart's `order_products__*.csv`.
    pub lines: PathBuf,
    /// Instacart's `products.csv`: `product_id,aisle_id,department_id,product_name`.
    pub products: PathBuf,
    /// Score the validation split (each user's second-to-last order) instead of the test orders.
    pub validation: bool,
}

/// MRR and NDCG@10 sums over order-aisle pairs.
#[derive(Debug, Clone, Copy, Default)]
struct Scores {
    pairs: f64,
    rr: f64,
    ndcg: f64,
}

impl Scores {
    /// Adds one ranked aisle given which of its products were bought.
    fn add(&mut self, ranked: &[u64], bought: &[u64]) {
        self.pairs += 1.0;
        if let Some(r) = ranked.iter().position(|p| bought.contains(p)) {
            self.rr += 1.0 / (r + 1) as f64;
        }
        let dcg: f64 = ranked
            .iter()
            .take(10)
            .enumerate()
            .filter(|(_, p)| bought.contains(p))
            .map(|(r, _)| 1.0 / ((r + 2) as f64).log2())
            .sum();
        let idcg: f64 = (0..bought.len().min(10))
            .map(|r| 1.0 / ((r + 2) as f64).log2())
            .sum();
        if idcg > 0.0 {
            self.ndcg += dcg / idcg;
        }
    }

    fn row(&self, name: &str) -> Row {
        let n = self.pairs.max(1.0);
        Row::new(name)
            .metric("MRR", self.rr / n)
            .metric("NDCG@10", self.ndcg / n)
    }
}

/// Runs the protocol and returns one report.
pub fn run(args: &BrowseArgs) -> Result<Report, EvalError> {
    let h = load_instacart(&args.orders, &args.lines)?;
    let mut aisle_of: HashMap<u64, u64> = HashMap::new();
    let mut aisles: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
    let mut catalog: Vec<Product> = Vec::new();
    let path = &args.products;
    let cols = ["product_id", "aisle_id", "department_id", "product_name"];
    read_csv(path, &cols, |line, f| {
        let p: u64 = parse(path, line, cols[0], require(path, line, cols[0], f[0])?)?;
        let a: u64 = parse(path, line, cols[1], require(path, line, cols[1], f[1])?)?;
        let d: u64 = parse(path, line, cols[2], require(path, line, cols[2], f[2])?)?;
        aisle_of.insert(p, a);
        aisles.entry(a).or_default().push(p);
        if let Ok(id) = ProductId::new(p.to_string()) {
            let mut product = Product::new(id, f[3].unwrap_or_default());
            product.categories = vec![vec![format!("d{d}"), format!("a{a}")]];
            catalog.push(product);
        }
        Ok(())
    })?;
    let path_of: HashMap<u64, Vec<String>> = catalog
        .iter()
        .filter_map(|p| Some((p.id.as_str().parse().ok()?, p.categories[0].clone())))
        .collect();
    for list in aisles.values_mut() {
        list.sort_unstable();
        list.dedup();
    }
    // Validation: each user's second-to-last order is the target, what the engine's weights were
    // chosen on; the validation row of the next-basket score is tuned on the orders before it.
    let (test, valid) = if args.validation {
        (prepare(&h, 1), prepare(&h, 2))
    } else {
        (prepare(&h, 0), prepare(&h, 1))
    };
    let (cfg, _, _) = tune_next_basket(&valid, TifuConfig::INSTACART);
    let (own, index) = tifu_index(&test, &cfg.tifu);
    let dense: HashMap<u64, u32> = h
        .product_ids
        .iter()
        .enumerate()
        .map(|(i, &p)| (p, i as u32))
        .collect();
    let pop = |p: u64| dense.get(&p).map_or(0.0, |&i| test.gcount[i as usize]);
    let (mut popularity, mut own_count, mut ours) =
        (Scores::default(), Scores::default(), Scores::default());
    let engine = engine_shop(&h, &test, &catalog).map_err(|message| EvalError::Data {
        path: args.orders.clone(),
        message,
    })?;
    let mut live = Scores::default();
    let mut missing = 0usize;
    for (u, c) in test.cases.iter().enumerate() {
        let count = |p: u64| {
            dense
                .get(&p)
                .and_then(|i| test.counts[u].get(i))
                .copied()
                .unwrap_or(0.0)
        };
        let q = BuyAgainQuery {
            customer: u as u32,
            own: &own[u],
            now: test.now[u],
            until: test.until[u],
        };
        let scores: HashMap<u32, f64> = buy_again(&q, &index, &test.cycles, &cfg, usize::MAX)
            .into_iter()
            .collect();
        let score = |p: u64| {
            dense
                .get(&p)
                .and_then(|i| scores.get(i))
                .copied()
                .unwrap_or(0.0)
        };
        let bought: Vec<u64> = truth(c.test)
            .into_iter()
            .map(|i| h.product_ids[i as usize])
            .collect();
        let mut by_aisle: BTreeMap<u64, Vec<u64>> = BTreeMap::new();
        for &p in &bought {
            match aisle_of.get(&p) {
                Some(&a) => by_aisle.entry(a).or_default().push(p),
                None => missing += 1,
            }
        }
        for (a, hit) in &by_aisle {
            let mut ranked = aisles[a].clone();
            let rank = |ranked: &mut Vec<u64>, key: &dyn Fn(u64) -> (f64, f64, f64)| {
                ranked.sort_by(|&x, &y| {
                    let (kx, ky) = (key(x), key(y));
                    ky.0.total_cmp(&kx.0)
                        .then(ky.1.total_cmp(&kx.1))
                        .then(ky.2.total_cmp(&kx.2))
                        .then(x.cmp(&y))
                });
            };
            rank(&mut ranked, &|p| (pop(p), 0.0, 0.0));
            popularity.add(&ranked, hit);
            rank(&mut ranked, &|p| (count(p), pop(p), 0.0));
            own_count.add(&ranked, hit);
            rank(&mut ranked, &|p| (score(p), count(p), pop(p)));
            ours.add(&ranked, hit);
            let page = category_page(&engine, u, &path_of[&aisles[a][0]], aisles[a].len())
                .map_err(|message| EvalError::Data {
                    path: args.products.clone(),
                    message,
                })?;
            live.add(&page, hit);
        }
    }
    let mut report = Report::new("browse", h.dataset.clone());
    report.rows.push(popularity.row("popularity"));
    report.rows.push(own_count.row("own-count"));
    report.rows.push(ours.row("buy-again"));
    report.rows.push(live.row("tailor"));
    report.notes.push(format!(
        "{} order-aisle pairs from {} test orders; every catalog product of the aisle is ranked",
        ours.pairs,
        test.cases.len()
    ));
    if missing > 0 {
        report.notes.push(format!(
            "{missing} bought products are not in {} and were skipped",
            path.display()
        ));
    }
    if args.validation {
        report.notes.push(
            "validation split: each user's second-to-last order is the target, the orders before it the history".into(),
        );
    }
    report.notes.push(format!(
        "buy-again: next-basket score tuned on validation (k={}, alpha={}, timing_weight={}), then own count, then popularity; tailor: the engine's category page (POST /v1/search, empty query, the aisle as category filter) after replaying every training order as a purchase event",
        cfg.tifu.neighbours, cfg.tifu.alpha, cfg.timing_weight
    ));
    Ok(report)
}

/// The instant every shopper's test order happens at, in the engine's clock.
const TEST_TIME: Millis = 1_750_000_000_000;

fn visitor(u: usize) -> String {
    format!("u{u}")
}

/// A live shop holding the catalog and every training order of the split as purchase events,
/// applied in time order with each shopper's test order at [`TEST_TIME`].
fn engine_shop(
    h: &Histories,
    split: &Prepared<'_>,
    catalog: &[Product],
) -> Result<ShopState, String> {
    let mut shop = ShopState::default();
    for p in catalog {
        shop.upsert_product(p.clone());
    }
    let mut orders: Vec<(Millis, usize, usize)> = Vec::new();
    for (u, c) in split.cases.iter().enumerate() {
        for (k, o) in c.train.iter().enumerate() {
            let t = TEST_TIME - ((c.test.day - o.day) * DAY_MS) as Millis;
            orders.push((t, u, k));
        }
    }
    orders.sort_unstable();
    for (t, u, k) in orders {
        let o = &split.cases[u].train[k];
        let lines: Vec<_> = o
            .items
            .iter()
            .map(|&(i, q)| json!({"product_id": h.product_ids[i as usize].to_string(), "quantity": q.max(1.0) as u32, "unit_price": 1.0}))
            .collect();
        let v = json!({"type": "purchase", "visitor_id": visitor(u), "order_id": format!("{u}-{k}"), "lines": lines, "timestamp": t});
        let mut e = Event::from_json(&v, 0).map_err(|e| format!("order {u}-{k}: {e:?}"))?;
        e.received_at = t;
        shop.prepare(&mut e);
        shop.apply(&e);
    }
    Ok(shop)
}

/// The category page `path` as shopper `u` sees it at [`TEST_TIME`], `n` products deep.
fn category_page(
    shop: &ShopState,
    u: usize,
    path: &[String],
    n: usize,
) -> Result<Vec<u64>, String> {
    let req = SearchRequest {
        visitor: VisitorId::new(visitor(u)).ok(),
        session: None,
        customer: None,
        text: String::new(),
        filters: tailor_search::Filters {
            categories: vec![path.to_vec()],
            ..Default::default()
        },
        filter: Default::default(),
        facets: Default::default(),
        sort: Default::default(),
        // The index answers at most 1,000 deep; a bought product below that counts as missed.
        limit: n.min(1000),
        offset: 0,
        collapse: false,
        personalize: true,
        explain: false,
        preferences: None,
    };
    let out = search(shop, &req, TEST_TIME).map_err(|e| e.to_string())?;
    Ok(out
        .items
        .iter()
        .filter_map(|h| shop.catalog.id(h.ranked.item).as_str().parse().ok())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mrr_and_ndcg_by_hand() {
        let mut s = Scores::default();
        s.add(&[1, 2, 3], &[2, 3]);
        s.add(&[1, 2, 3], &[9]);
        let row = s.row("x");
        assert_eq!(row.get("MRR"), Some(0.25));
        let ndcg = (1.0 / 3f64.log2() + 0.5) / (1.0 + 1.0 / 3f64.log2());
        assert!((row.get("NDCG@10").unwrap() - ndcg / 2.0).abs() < 1e-12);
    }
}
