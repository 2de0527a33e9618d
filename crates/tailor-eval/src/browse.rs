//! Personalized ranking of a browse page (EVALUATION.md section 3): `tailor eval browse --orders
//! orders.csv --lines order_products__prior.csv --products products.csv`.
//!
//! Same split as [`crate::replenishment`]: each user's last order with lines is the test order.
//! For each test order and each aisle holding a product bought in it, every catalog product of
//! that aisle is ranked using training orders only. MRR: the reciprocal rank of the first bought
//! product; NDCG@10: binary, ideal over `min(bought in the aisle, 10)`.
//!
//! Rows: `popularity` (training purchase count), `own-count` (the shopper's purchase count, ties
//! by popularity) and `tailor`: the shopper's buy-again score (TIFU-KNN's recency-weighted own
//! frequency blended with similar shoppers, scaled by the purchase-cycle timing; weights tuned for
//! next basket on the validation split), then own count, then popularity. Final ties go to the
//! lower product id.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use tailor_reco::replenish::next_basket::{BuyAgainQuery, TifuConfig, buy_again};

use crate::replenishment::{
    EvalError, load_instacart, parse, prepare, read_csv, require, tifu_index, truth,
    tune_next_basket,
};
use crate::report::{Report, Row};

/// The options of `tailor eval browse`.
#[derive(Debug, Clone)]
pub struct BrowseArgs {
    /// Instacart's `orders.csv`.
    pub orders: PathBuf,
    /// Instacart's `order_products__*.csv`.
    pub lines: PathBuf,
    /// Instacart's `products.csv`: `product_id,aisle_id` (others ignored).
    pub products: PathBuf,
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
    let path = &args.products;
    let cols = ["product_id", "aisle_id"];
    read_csv(path, &cols, |line, f| {
        let p: u64 = parse(path, line, cols[0], require(path, line, cols[0], f[0])?)?;
        let a: u64 = parse(path, line, cols[1], require(path, line, cols[1], f[1])?)?;
        aisle_of.insert(p, a);
        aisles.entry(a).or_default().push(p);
        Ok(())
    })?;
    for list in aisles.values_mut() {
        list.sort_unstable();
        list.dedup();
    }
    let test = prepare(&h, 0);
    let valid = prepare(&h, 1);
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
        }
    }
    let mut report = Report::new("browse", h.dataset.clone());
    report.rows.push(popularity.row("popularity"));
    report.rows.push(own_count.row("own-count"));
    report.rows.push(ours.row("tailor"));
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
    report.notes.push(format!(
        "tailor: buy-again score tuned for next basket on validation (k={}, alpha={}, timing_weight={}), then own count, then popularity",
        cfg.tifu.neighbours, cfg.tifu.alpha, cfg.timing_weight
    ));
    Ok(report)
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
