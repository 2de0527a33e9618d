//! Bought-together evaluation on order data (instacart-sample): `tailor eval bought-together
//! --orders orders.csv --lines order_products__prior.csv`.
//!
//! Protocol: per user, orders (those with at least one line) go by `order_number`; each user's last
//! order is the test order and every earlier order of every user is training. For each product `p`
//! of a test order with two or more products, each method recommends [`CUTOFF`] products other than
//! `p`; the targets are the rest of that order. HR@10 counts a hit when any target is in the list,
//! MRR@10 adds the reciprocal rank of the first hit. Products unseen in training still count as
//! cases: only a method with a fallback can hit them.
//!
//! Rows, all on the same split in the same run: `popularity` (global purchase count), `co-count`
//! (raw co-purchase counts), `tailor` ([`Scoring::Confidence`] topped up from popularity), and
//! ablations (`co-count+pop`, `cosine+pop`, `llr+pop`, `confidence-ungated`) that show what each
//! part is worth. Parameters are tuned on a validation split of the training data only (each user's
//! second-to-last order, trained on the orders before it) and named in the notes.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Instant;

use flate2::read::MultiGzDecoder;
use tailor_reco::cooccur::{CoOccurConfig, CoOccurrence, Scoring};
use tailor_reco::popularity::{Popularity, PopularityConfig, Scope};

use crate::report::{Latency, Report, Row};
pub use crate::sessions::EvalError;

/// Length of every recommendation list: the `@10` of the metrics.
pub const CUTOFF: usize = 10;

/// Prior weights `m` tried for [`Scoring::Confidence`].
pub const TUNE_PRIOR_WEIGHTS: [f32; 7] = [0.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0];
/// Least lifts tried for a pair to rank as associated.
pub const TUNE_MIN_LIFTS: [f32; 3] = [1.0, 1.5, 2.0];
/// Least supports tried (co-occurrence counts) for a pair to rank as associated.
pub const TUNE_MIN_SUPPORTS: [u32; 3] = [1, 2, 3];
/// Popularity-dampening exponents tried for the `cosine+pop` ablation (0.5 is cosine).
pub const TUNE_DAMPING: [f32; 4] = [0.1, 0.25, 0.5, 0.75];
/// Least supports tried for the `llr+pop` ablation.
pub const TUNE_LLR_SUPPORTS: [u32; 7] = [1, 2, 3, 5, 10, 20, 50];

/// The options of `tailor eval bought-together`.
#[derive(Debug, Clone)]
pub struct BoughtTogetherArgs {
    /// Instacart's `orders.csv`: `order_id`, `user_id`, `order_number` (other columns ignored).
    pub orders: PathBuf,
    /// Instacart's `order_products__*.csv`: `order_id`, `product_id` (other columns ignored).
    pub lines: PathBuf,
}

/// One row of the orders file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderRow {
    /// `order_id`.
    pub order_id: u64,
    /// `user_id`.
    pub user_id: u64,
    /// `order_number`: the order's position in its user's history, from 1.
    pub order_number: u32,
}

/// One row of the order-lines file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineRow {
    /// `order_id`.
    pub order_id: u64,
    /// `product_id`.
    pub product_id: u64,
}

/// Orders with their products as dense ids, and the split.
#[derive(Debug, Clone, Default)]
pub struct Baskets {
    /// Training orders of the test run: all but each user's last, by user then order number.
    pub train: Vec<Vec<u32>>,
    /// Each user's last order.
    pub test: Vec<Vec<u32>>,
    /// Training orders of the validation run: all but each user's last two.
    pub valid_train: Vec<Vec<u32>>,
    /// Each user's second-to-last order.
    pub valid: Vec<Vec<u32>>,
    /// Distinct products.
    pub products: usize,
    /// Users with at least one order that has lines.
    pub users: usize,
    /// Orders listed without any line (ignored).
    pub orders_without_lines: usize,
    /// Lines repeating a product already in their order (counted once).
    pub duplicate_lines: usize,
}

/// A data file, gunzipped on the fly when its name ends in `.gz`.
pub(crate) fn open(path: &Path) -> Result<Box<dyn Read>, EvalError> {
    let file = File::open(path).map_err(|source| EvalError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(if path.extension().is_some_and(|e| e == "gz") {
        Box::new(MultiGzDecoder::new(file))
    } else {
        Box::new(file)
    })
}

/// Reads a CSV with a header, calling `row` with each record's line number and the fields of
/// `columns`, which must all be in the header.
fn read_csv(
    input: impl Read,
    path: &Path,
    columns: &[&'static str],
    mut row: impl FnMut(u64, &[&str]) -> Result<(), EvalError>,
) -> Result<(), EvalError> {
    let parse_error = |line: u64, message: String| EvalError::Parse {
        path: path.to_path_buf(),
        line,
        message,
    };
    let csv_error = |e: csv::Error| {
        let line = e.position().map_or(0, |p| p.line());
        match e.into_kind() {
            csv::ErrorKind::Io(source) => EvalError::Io {
                path: path.to_path_buf(),
                source,
            },
            kind => parse_error(line, format!("malformed CSV: {kind:?}")),
        }
    };
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let header = reader.headers().map_err(csv_error)?.clone();
    let names: Vec<&str> = header
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim())
        .collect();
    let mut index = Vec::with_capacity(columns.len());
    for &c in columns {
        match names.iter().position(|n| *n == c) {
            Some(i) => index.push(i),
            None => {
                return Err(parse_error(
                    1,
                    format!("no column `{c}` in the header (found: {})", names.join(",")),
                ));
            }
        }
    }
    let mut record = csv::StringRecord::new();
    while reader.read_record(&mut record).map_err(csv_error)? {
        let line = record.position().map_or(0, |p| p.line());
        let mut fields: Vec<&str> = Vec::with_capacity(columns.len());
        for (&i, &c) in index.iter().zip(columns) {
            match record.get(i) {
                Some(f) => fields.push(f.trim()),
                None => return Err(parse_error(line, format!("column `{c}` is missing"))),
            }
        }
        row(line, &fields)?;
    }
    Ok(())
}

fn number<T: std::str::FromStr>(
    path: &Path,
    line: u64,
    column: &str,
    value: &str,
) -> Result<T, EvalError> {
    value.parse().map_err(|_| EvalError::Parse {
        path: path.to_path_buf(),
        line,
        message: format!("column `{column}`: {value:?} is not a non-negative integer"),
    })
}

/// Reads an orders file: `order_id`, `user_id` and `order_number` by header name.
pub fn read_orders(input: impl Read, path: &Path) -> Result<Vec<OrderRow>, EvalError> {
    let mut out = Vec::new();
    let cols = ["order_id", "user_id", "order_number"];
    read_csv(input, path, &cols, |line, f| {
        out.push(OrderRow {
            order_id: number(path, line, cols[0], f[0])?,
            user_id: number(path, line, cols[1], f[1])?,
            order_number: number(path, line, cols[2], f[2])?,
        });
        Ok(())
    })?;
    Ok(out)
}

/// Reads an order-lines file: `order_id` and `product_id` by header name.
pub fn read_lines(input: impl Read, path: &Path) -> Result<Vec<(u64, LineRow)>, EvalError> {
    let mut out = Vec::new();
    let cols = ["order_id", "product_id"];
    read_csv(input, path, &cols, |line, f| {
        out.push((
            line,
            LineRow {
                order_id: number(path, line, cols[0], f[0])?,
                product_id: number(path, line, cols[1], f[1])?,
            },
        ));
        Ok(())
    })?;
    Ok(out)
}

/// Joins orders and lines and splits them (see the module doc). `lines` carry their line numbers
/// for errors; `lines_path` names their file.
pub fn split(
    orders: &[OrderRow],
    orders_path: &Path,
    lines: &[(u64, LineRow)],
    lines_path: &Path,
) -> Result<Baskets, EvalError> {
    let mut by_id: HashMap<u64, usize> = HashMap::with_capacity(orders.len());
    for (i, o) in orders.iter().enumerate() {
        if by_id.insert(o.order_id, i).is_some() {
            return Err(EvalError::Data {
                path: orders_path.to_path_buf(),
                message: format!("order_id {} appears more than once", o.order_id),
            });
        }
    }
    // Dense indices in product-id order, so that ties between products break by product id.
    let mut ids: Vec<u64> = lines.iter().map(|(_, l)| l.product_id).collect();
    ids.sort_unstable();
    ids.dedup();
    if u32::try_from(ids.len()).is_err() {
        return Err(EvalError::Data {
            path: lines_path.to_path_buf(),
            message: "more than 2^32 distinct products".into(),
        });
    }
    let products: HashMap<u64, u32> = ids
        .iter()
        .enumerate()
        .map(|(i, &id)| (id, i as u32))
        .collect();
    let mut items: Vec<Vec<u32>> = vec![Vec::new(); orders.len()];
    let mut duplicate_lines = 0;
    for &(line, l) in lines {
        let Some(&o) = by_id.get(&l.order_id) else {
            return Err(EvalError::Parse {
                path: lines_path.to_path_buf(),
                line,
                message: format!(
                    "column `order_id`: order {} is not in {}",
                    l.order_id,
                    orders_path.display()
                ),
            });
        };
        let p = products[&l.product_id];
        if items[o].contains(&p) {
            duplicate_lines += 1;
        } else {
            items[o].push(p);
        }
    }
    let mut by_user: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
    let mut orders_without_lines = 0;
    for (i, o) in orders.iter().enumerate() {
        if items[i].is_empty() {
            orders_without_lines += 1;
        } else {
            by_user.entry(o.user_id).or_default().push(i);
        }
    }
    let mut b = Baskets {
        products: products.len(),
        users: by_user.len(),
        orders_without_lines,
        duplicate_lines,
        ..Baskets::default()
    };
    for history in by_user.values_mut() {
        history.sort_by_key(|&i| (orders[i].order_number, orders[i].order_id));
        let n = history.len();
        for (k, &i) in history.iter().enumerate() {
            let basket = std::mem::take(&mut items[i]);
            if k + 2 < n {
                b.valid_train.push(basket.clone());
            }
            if k + 2 == n {
                b.valid.push(basket.clone());
            }
            if k + 1 < n {
                b.train.push(basket);
            } else {
                b.test.push(basket);
            }
        }
    }
    Ok(b)
}

/// HR and MRR of one method over the cases of a set of test orders.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CaseScores {
    /// (product, rest of its order) cases.
    pub cases: usize,
    /// Cases with a target among the first [`CUTOFF`].
    pub hits: usize,
    /// Sum of reciprocal ranks of the first hit.
    pub reciprocal_ranks: f64,
}

impl CaseScores {
    /// HR@10.
    pub fn hit_rate(&self) -> f64 {
        if self.cases == 0 {
            0.0
        } else {
            self.hits as f64 / self.cases as f64
        }
    }

    /// MRR@10.
    pub fn mrr(&self) -> f64 {
        if self.cases == 0 {
            0.0
        } else {
            self.reciprocal_ranks / self.cases as f64
        }
    }
}

/// Scores `recommend` on every case of `orders`: each product of an order with two or more
/// distinct products, against the rest of that order. Only the first `k` recommendations count;
/// a recommendation of the query product itself is simply not a hit.
pub fn score_cases(
    orders: &[Vec<u32>],
    k: usize,
    mut recommend: impl FnMut(u32) -> Vec<u32>,
) -> CaseScores {
    let mut s = CaseScores::default();
    for order in orders {
        if order.len() < 2 {
            continue;
        }
        for &p in order {
            s.cases += 1;
            let recs = recommend(p);
            let first_hit = recs
                .iter()
                .take(k)
                .position(|&r| r != p && order.contains(&r));
            if let Some(rank) = first_hit {
                s.hits += 1;
                s.reciprocal_ranks += 1.0 / (rank + 1) as f64;
            }
        }
    }
    s
}

/// A method of the table.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Method {
    /// Most bought products.
    Popularity,
    /// Co-occurrence with this scoring and support; `top_up` fills short lists from popularity.
    CoOccur {
        scoring: Scoring,
        min_support: u32,
        top_up: bool,
    },
}

impl Method {
    fn describe(&self) -> String {
        match *self {
            Method::Popularity => "global purchase count".into(),
            Method::CoOccur {
                scoring,
                min_support,
                top_up,
            } => {
                let s = match scoring {
                    Scoring::Count => "raw count".into(),
                    Scoring::Damped { exponent } => format!("count / n(j)^{exponent}"),
                    Scoring::Llr => "LLR G²".into(),
                    Scoring::Confidence {
                        prior_weight,
                        min_lift,
                    } => format!("confidence, prior weight {prior_weight}, min lift {min_lift}"),
                };
                let up = if top_up {
                    ", topped up from popularity"
                } else {
                    ""
                };
                format!("{s}, min support {min_support}{up}")
            }
        }
    }
}

/// The models one training set gives: purchase counts and the co-occurrence index.
struct Models {
    popularity: Popularity,
    cooccur: CoOccurrence,
}

impl Models {
    fn build(train: &[Vec<u32>]) -> Self {
        // Instacart has no absolute dates: popularity here is a plain purchase count.
        let mut popularity =
            Popularity::new(PopularityConfig::all_time()).expect("a valid constant config");
        let mut cooccur =
            CoOccurrence::new(CoOccurConfig::default()).expect("a valid constant config");
        for order in train {
            for &p in order {
                popularity.record(p, &[], 0, 1.0);
            }
            cooccur.add_group(order);
        }
        Self {
            popularity,
            cooccur,
        }
    }

    /// Sets the index up for `method`.
    fn prepare(&mut self, method: Method) {
        if let Method::CoOccur {
            scoring,
            min_support,
            ..
        } = method
        {
            self.cooccur
                .set_scoring(scoring)
                .expect("tuning grids hold valid scorings");
            self.cooccur.set_min_support(min_support);
        }
    }

    fn recommend(&self, method: Method, p: u32, k: usize) -> Vec<u32> {
        match method {
            Method::Popularity => self
                .popularity
                .top(Scope::Global, k, 0, &|j| j == p)
                .into_iter()
                .map(|r| r.0)
                .collect(),
            Method::CoOccur { top_up, .. } => {
                let mut recs: Vec<u32> = self
                    .cooccur
                    .similar(p, k, &|j| j == p)
                    .into_iter()
                    .map(|r| r.0)
                    .collect();
                if top_up && recs.len() < k {
                    let more = self.popularity.top(Scope::Global, k - recs.len(), 0, &|j| {
                        j == p || recs.contains(&j)
                    });
                    recs.extend(more.into_iter().map(|r| r.0));
                }
                recs
            }
        }
    }

    fn score(
        &mut self,
        method: Method,
        orders: &[Vec<u32>],
        latencies: Option<&mut Vec<f64>>,
    ) -> CaseScores {
        self.prepare(method);
        let this = &*self;
        match latencies {
            // Tuning asks for the same product many times; answers are deterministic, so reuse them.
            None => {
                let mut memo: HashMap<u32, Vec<u32>> = HashMap::new();
                score_cases(orders, CUTOFF, |p| {
                    memo.entry(p)
                        .or_insert_with(|| this.recommend(method, p, CUTOFF))
                        .clone()
                })
            }
            Some(lat) => score_cases(orders, CUTOFF, |p| {
                let t = Instant::now();
                let recs = this.recommend(method, p, CUTOFF);
                lat.push(t.elapsed().as_secs_f64() * 1e6);
                recs
            }),
        }
    }
}

/// The best of `grid` on the validation split, by HR@10 + MRR@10 (the first wins ties).
fn tune(models: &mut Models, valid: &[Vec<u32>], grid: &[Method]) -> (Method, CaseScores) {
    let mut best: Option<(Method, CaseScores)> = None;
    for &m in grid {
        let s = models.score(m, valid, None);
        let better = best.is_none_or(|(_, b)| s.hit_rate() + s.mrr() > b.hit_rate() + b.mrr());
        if better {
            best = Some((m, s));
        }
    }
    best.unwrap_or((Method::Popularity, CaseScores::default()))
}

fn confidence_grid(min_lifts: &[f32], min_supports: &[u32]) -> Vec<Method> {
    let mut grid = Vec::new();
    for &prior_weight in &TUNE_PRIOR_WEIGHTS {
        for &min_lift in min_lifts {
            for &min_support in min_supports {
                grid.push(Method::CoOccur {
                    scoring: Scoring::Confidence {
                        prior_weight,
                        min_lift,
                    },
                    min_support,
                    top_up: true,
                });
            }
        }
    }
    grid
}

/// Runs the protocol on split data; [`run_bought_together`] reads the files first.
pub fn evaluate(baskets: &Baskets, dataset: &str) -> Report {
    let co = |scoring, min_support, top_up| Method::CoOccur {
        scoring,
        min_support,
        top_up,
    };
    // Tune on the validation split only.
    let mut valid_models = Models::build(&baskets.valid_train);
    let (tailor, _) = tune(
        &mut valid_models,
        &baskets.valid,
        &confidence_grid(&TUNE_MIN_LIFTS, &TUNE_MIN_SUPPORTS),
    );
    let (ungated, _) = tune(
        &mut valid_models,
        &baskets.valid,
        &confidence_grid(&[f32::INFINITY], &[1]),
    );
    let damped: Vec<Method> = TUNE_DAMPING
        .iter()
        .map(|&exponent| co(Scoring::Damped { exponent }, 1, true))
        .collect();
    let (cosine, _) = tune(&mut valid_models, &baskets.valid, &damped);
    let llr: Vec<Method> = TUNE_LLR_SUPPORTS
        .iter()
        .map(|&s| co(Scoring::Llr, s, true))
        .collect();
    let (llr, _) = tune(&mut valid_models, &baskets.valid, &llr);

    let rows = [
        ("popularity", Method::Popularity),
        ("co-count", co(Scoring::Count, 1, false)),
        ("tailor", tailor),
        ("co-count+pop", co(Scoring::Count, 1, true)),
        ("cosine+pop", cosine),
        ("llr+pop", llr),
        ("confidence-ungated", ungated),
    ];
    let valid_scores: Vec<CaseScores> = rows
        .iter()
        .map(|&(_, m)| valid_models.score(m, &baskets.valid, None))
        .collect();
    drop(valid_models);
    let mut models = Models::build(&baskets.train);
    let mut report = Report::new("bought-together", dataset);
    let mut cases = 0;
    for ((name, method), v) in rows.into_iter().zip(valid_scores) {
        let mut lat = Vec::new();
        let s = models.score(method, &baskets.test, Some(&mut lat));
        cases = s.cases;
        let mut row = Row::new(name)
            .metric(format!("HR@{CUTOFF}"), s.hit_rate())
            .metric(format!("MRR@{CUTOFF}"), s.mrr());
        row.latency_us = Some(Latency::from_samples(&mut lat));
        report.rows.push(row);
        report.notes.push(format!(
            "{name}: {} (validation HR@{CUTOFF} {:.4}, MRR@{CUTOFF} {:.4})",
            method.describe(),
            v.hit_rate(),
            v.mrr()
        ));
    }
    let seen: std::collections::HashSet<u32> = baskets.train.iter().flatten().copied().collect();
    let unseen_cases: usize = baskets
        .test
        .iter()
        .filter(|o| o.len() >= 2)
        .map(|o| o.iter().filter(|p| !seen.contains(p)).count())
        .sum();
    let single = baskets.test.iter().filter(|o| o.len() < 2).count();
    report.notes.extend([
        format!(
            "{cases} cases: every product of the {} test orders (each user's last) with 2+ products; \
             {single} single-product test orders give none; {unseen_cases} cases query a product unseen in training",
            baskets.test.len() - single
        ),
        format!(
            "training: {} orders of {} users, {} products; {} orders without lines ignored, {} duplicate lines merged",
            baskets.train.len(),
            baskets.users,
            baskets.products,
            baskets.orders_without_lines,
            baskets.duplicate_lines
        ),
        format!(
            "tuned on validation only (each user's second-to-last order, {} orders, trained on {} \
             earlier ones) by HR@{CUTOFF} + MRR@{CUTOFF}; the test orders were never used to choose",
            baskets.valid.len(),
            baskets.valid_train.len(),
        ),
        "ties break by lower product_id".into(),
    ]);
    report
}

/// `tailor eval bought-together`: reads the files, tunes on validation, scores every method on the
/// test orders.
pub fn run_bought_together(args: &BoughtTogetherArgs) -> Result<Report, EvalError> {
    let orders = read_orders(open(&args.orders)?, &args.orders)?;
    let lines = read_lines(open(&args.lines)?, &args.lines)?;
    let baskets = split(&orders, &args.orders, &lines, &args.lines)?;
    if baskets.test.iter().all(|o| o.len() < 2) {
        return Err(EvalError::Data {
            path: args.lines.clone(),
            message: "no test order has two or more products: nothing to evaluate".into(),
        });
    }
    let dataset = args
        .orders
        .parent()
        .and_then(|d| d.file_name())
        .map_or_else(
            || "orders".to_string(),
            |d| d.to_string_lossy().into_owned(),
        );
    Ok(evaluate(&baskets, &dataset))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(s: &str) -> PathBuf {
        PathBuf::from(s)
    }

    #[test]
    fn metrics_on_hand_made_orders() {
        let orders = vec![vec![1, 2, 3], vec![4], vec![5, 6]];
        // 1 -> [9, 3]: hit at rank 2. 2 -> [1]: rank 1. 3 -> [3, 8]: itself, no hit.
        // 4: a single-product order gives no case. 5 -> [6]: rank 1. 6 -> []: miss.
        let recs = |p: u32| match p {
            1 => vec![9, 3],
            2 => vec![1],
            3 => vec![3, 8],
            5 => vec![6],
            _ => vec![],
        };
        let s = score_cases(&orders, 10, recs);
        assert_eq!((s.cases, s.hits), (5, 3));
        assert!((s.mrr() - (0.5 + 1.0 + 1.0) / 5.0).abs() < 1e-12);
        assert!((s.hit_rate() - 0.6).abs() < 1e-12);
        // The cutoff: at k = 1, 1's hit at rank 2 no longer counts.
        let s = score_cases(&orders, 1, recs);
        assert_eq!(s.hits, 2);
        let empty = score_cases(&[], 10, recs);
        assert_eq!((empty.hit_rate(), empty.mrr()), (0.0, 0.0));
    }

    const ORDERS: &str = "order_id,user_id,eval_set,order_number,order_dow\n\
        10,1,prior,2,0\n11,1,prior,1,0\n12,1,prior,3,0\n20,2,prior,1,0\n21,2,prior,2,0\n22,2,prior,3,0\n";
    const LINES: &str = "order_id,product_id,add_to_cart_order\n\
        11,100,1\n11,200,2\n10,100,1\n10,300,2\n10,300,3\n12,100,1\n12,200,2\n\
        20,100,1\n20,200,2\n21,100,1\n21,200,2\n21,400,3\n";

    fn baskets() -> Baskets {
        let o = read_orders(ORDERS.as_bytes(), &path("orders.csv")).unwrap();
        let l = read_lines(LINES.as_bytes(), &path("lines.csv")).unwrap();
        split(&o, &path("orders.csv"), &l, &path("lines.csv")).unwrap()
    }

    #[test]
    fn split_by_order_number_not_file_order() {
        let b = baskets();
        // Dense ids in product-id order: 100 -> 0, 200 -> 1, 300 -> 2, 400 -> 3.
        // User 1: orders 11 (#1), 10 (#2), 12 (#3, test). User 2: 20, 21 (test); 22 has no lines.
        assert_eq!(b.test, vec![vec![0, 1], vec![0, 1, 3]]);
        assert_eq!(b.train, vec![vec![0, 1], vec![0, 2], vec![0, 1]]);
        assert_eq!(b.valid, vec![vec![0, 2], vec![0, 1]]);
        assert_eq!(b.valid_train, vec![vec![0, 1]]);
        assert_eq!(
            (
                b.products,
                b.users,
                b.orders_without_lines,
                b.duplicate_lines
            ),
            (4, 2, 1, 1)
        );
    }

    #[test]
    fn evaluate_runs_every_row_on_a_toy_split() {
        let r = evaluate(&baskets(), "toy");
        let names: Vec<&str> = r.rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(&names[..3], ["popularity", "co-count", "tailor"]);
        for row in &r.rows {
            let hr = row.get("HR@10").unwrap();
            assert!((0.0..=1.0).contains(&hr) && row.get("MRR@10").unwrap() <= hr);
        }
        // 5 cases; product 400 (index 3) is unseen in training.
        assert!(
            r.notes
                .iter()
                .any(|n| n.starts_with("5 cases") && n.contains("1 cases query a product unseen"))
        );
        // Co-count: 0 -> 1 (hit), 1 -> 0 (hit), then 0 -> [1, 2]: hit, 1 -> [0]: hit, 3 -> nothing.
        assert_eq!(r.row("co-count").unwrap().get("HR@10"), Some(0.8));
    }

    fn parse_err(orders: &str) -> (u64, String) {
        match read_orders(orders.as_bytes(), &path("o.csv")).unwrap_err() {
            EvalError::Parse {
                path,
                line,
                message,
            } => {
                assert_eq!(path, PathBuf::from("o.csv"));
                (line, message)
            }
            e => panic!("not a parse error: {e}"),
        }
    }

    #[test]
    fn parser_errors_name_file_line_and_column() {
        let (line, msg) = parse_err("order_id,user_id,order_number\n1,1,1\n2,x,2\n");
        assert_eq!(line, 3);
        assert!(msg.contains("`user_id`") && msg.contains("\"x\""), "{msg}");
        let (line, msg) = parse_err("order_id,user_id,order_number\n1,1,-1\n");
        assert_eq!(line, 2);
        assert!(msg.contains("`order_number`"), "{msg}");
        let (line, msg) = parse_err("order_id,user_id\n1,1\n");
        assert_eq!(line, 1);
        assert!(msg.contains("no column `order_number`"), "{msg}");
        let (line, msg) = parse_err("order_id,user_id,order_number\n1,1\n");
        assert_eq!(line, 2);
        assert!(msg.contains("`order_number` is missing"), "{msg}");
        let (_, msg) = parse_err("");
        assert!(msg.contains("no column `order_id`"), "{msg}");
        let full = EvalError::Parse {
            path: path("o.csv"),
            line: 3,
            message: "x".into(),
        };
        assert!(full.to_string().contains("o.csv") && full.to_string().contains('3'));
        // Lines: a bad product id, and an order the orders file lacks.
        let err =
            read_lines("order_id,product_id\n1,2.5\n".as_bytes(), &path("l.csv")).unwrap_err();
        assert!(
            matches!(&err, EvalError::Parse { line: 2, message, .. } if message.contains("`product_id`"))
        );
        let o = read_orders(
            "order_id,user_id,order_number\n1,1,1\n".as_bytes(),
            &path("o.csv"),
        )
        .unwrap();
        let l = read_lines("order_id,product_id\n1,5\n9,5\n".as_bytes(), &path("l.csv")).unwrap();
        let err = split(&o, &path("o.csv"), &l, &path("l.csv")).unwrap_err();
        assert!(
            matches!(&err, EvalError::Parse { line: 3, message, .. } if message.contains("order 9"))
        );
        let o = read_orders(
            "order_id,user_id,order_number\n1,1,1\n1,2,1\n".as_bytes(),
            &path("o.csv"),
        )
        .unwrap();
        assert!(matches!(
            split(&o, &path("o.csv"), &[], &path("l.csv")),
            Err(EvalError::Data { .. })
        ));
    }

    #[test]
    fn missing_files_are_io_errors() {
        let args = BoughtTogetherArgs {
            orders: path("/nonexistent/orders.csv"),
            lines: path("/nonexistent/lines.csv"),
        };
        assert!(matches!(
            run_bought_together(&args),
            Err(EvalError::Io { .. })
        ));
    }
}
