//! Next basket and replenishment timing (EVALUATION.md section 2): `tailor eval replenishment
//! --orders orders.csv --lines order_products__prior.csv`, or `--dunnhumby DIR`.
//!
//! Per user, orders go by `order_number`; the time axis is the cumulative `days_since_prior_order`
//! (orders without lines still move the clock). The test order is each user's last order with
//! lines, everything before it is training. Tailor's weights are tuned on a validation split made
//! of training data only: each user's second-to-last order, trained on the orders before it.
//!
//! Next basket: top 10 and 20 for the test order, Recall, NDCG (binary, ideal over
//! `min(|basket|, K)`), PHR@10 (share of users with a hit), and Recall split into repeat items
//! (bought in training) and explore items, each averaged over the users who have such items.
//!
//! Timing: every (user, product) bought at least twice in training gets a predicted next purchase
//! day. Over the pairs bought in the test order: MAE and median absolute error in days. Reminders
//! for the test day: a baseline flags a pair when its predicted day is within ±3 days of the test
//! day; Tailor flags a pair when its cycle model gives at least a threshold probability to a
//! purchase within those ±3 days, the threshold chosen on the validation split so that its recall
//! equals the user-median-gap baseline's there. Precision: flagged pairs bought; recall: bought
//! pairs flagged.
//!
//! Censoring: Instacart caps `days_since_prior_order` at 30 ([`INSTACART_CAP_DAYS`]). An order
//! whose gap is at the cap is marked, and any repeat gap spanning it is right-censored in the cycle
//! model (imputed as its conditional mean above the observed value, see
//! `tailor_reco::replenish::cycles`). The evaluation targets keep the capped axis (the baselines and
//! the independent check use it), so errors on long gaps are measured against a lower bound.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use tailor_reco::replenish::cycles::{CycleModel, Purchase};
use tailor_reco::replenish::next_basket::{
    BuyAgainConfig, BuyAgainQuery, SparseVec, TifuConfig, TifuIndex, buy_again, personal_vector,
    tifu_scores, timed_score,
};

use crate::basket::open;
use crate::report::{Report, Row};
pub use crate::sessions::EvalError;

/// Instacart's cap on `days_since_prior_order`.
pub const INSTACART_CAP_DAYS: f64 = 30.0;
/// "Due on the test day" means within this many days of it.
pub const REMINDER_DAYS: f64 = 3.0;
/// Neighbour-only candidates kept per user: more than any list length, so rankings are exact.
const EXPLORE_CANDIDATES: usize = 40;
/// Tuning grid of Tailor's next-basket ranker (validation split only).
const TUNE_ALPHA: [f64; 4] = [0.7, 0.8, 0.9, 0.95];
const TUNE_NEIGHBOURS: [usize; 3] = [50, 300, 900];
const TUNE_TIMING_WEIGHT: [f64; 5] = [0.0, 0.25, 0.5, 1.0, 1.5];
const TUNE_TIMING_FLOOR: [f64; 2] = [0.02, 0.1];
const TUNE_EXPLORE: [f64; 3] = [0.02, 0.1, 0.3];

/// Where the purchase histories come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// Instacart's layout: `orders.csv` and `order_products__*.csv`.
    Instacart {
        /// `order_id,user_id,order_number,days_since_prior_order` (others ignored).
        orders: PathBuf,
        /// `order_id,product_id`, and `quantity` if present.
        lines: PathBuf,
    },
    /// dunnhumby The Complete Journey: a directory with `transactions*.csv[.gz]`.
    Dunnhumby(PathBuf),
}

/// The options of `tailor eval replenishment`.
#[derive(Debug, Clone)]
pub struct ReplenishmentArgs {
    /// The data.
    pub source: Source,
    /// Write Tailor's next-basket predictions as `rec1,...;next1,...` (product ids), one per user.
    pub predictions: Option<PathBuf>,
}

/// One order with lines: its day on the user's axis and its distinct products with quantities.
#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    /// Cumulative days since the user's first order.
    pub day: f64,
    /// The time since the previous order is only a lower bound (capped).
    pub censored: bool,
    /// Distinct dense products with their quantities.
    pub items: Vec<(u32, f64)>,
}

/// Every user's orders, oldest first, with dense products in product-id order.
#[derive(Debug, Clone, Default)]
pub struct Histories {
    /// One list per user with at least one order with lines.
    pub users: Vec<Vec<Order>>,
    /// Original product id of each dense product.
    pub product_ids: Vec<u64>,
    /// Name of the data set for the report.
    pub dataset: String,
    /// Facts about loading, for the notes.
    pub notes: Vec<String>,
}

/// Reads a headed CSV, giving each record's line and its fields of `columns` (`None` for an
/// optional column that is absent from the header; names ending in `?` are optional).
pub(crate) fn read_csv(
    path: &Path,
    columns: &[&str],
    mut row: impl FnMut(u64, &[Option<&str>]) -> Result<(), EvalError>,
) -> Result<(), EvalError> {
    let err = |line: u64, message: String| EvalError::Parse {
        path: path.to_path_buf(),
        line,
        message,
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(open(path)?);
    let header = reader
        .headers()
        .map_err(|e| err(1, format!("malformed CSV header: {e}")))?
        .clone();
    let names: Vec<&str> = header
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim())
        .collect();
    let mut index = Vec::new();
    for c in columns {
        let (name, optional) = match c.strip_suffix('?') {
            Some(n) => (n, true),
            None => (*c, false),
        };
        let at = names.iter().position(|n| *n == name);
        if at.is_none() && !optional {
            return Err(err(
                1,
                format!(
                    "no column `{name}` in the header (found: {})",
                    names.join(",")
                ),
            ));
        }
        index.push(at);
    }
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                return Err(err(line, format!("malformed CSV: {e}")));
            }
        }
        let line = record.position().map_or(0, |p| p.line());
        let fields: Vec<Option<&str>> = index
            .iter()
            .map(|i| i.and_then(|i| record.get(i)).map(str::trim))
            .collect();
        row(line, &fields)?;
    }
    Ok(())
}

pub(crate) fn parse<T: std::str::FromStr>(
    path: &Path,
    line: u64,
    col: &str,
    v: &str,
) -> Result<T, EvalError> {
    v.parse().map_err(|_| EvalError::Parse {
        path: path.to_path_buf(),
        line,
        message: format!("column `{col}`: {v:?} is not a valid number"),
    })
}

pub(crate) fn require<'a>(
    path: &Path,
    line: u64,
    col: &str,
    v: Option<&'a str>,
) -> Result<&'a str, EvalError> {
    v.ok_or_else(|| EvalError::Parse {
        path: path.to_path_buf(),
        line,
        message: format!("column `{col}` is missing"),
    })
}

/// Loads Instacart's two tables into histories (see the module doc for the time axis).
pub fn load_instacart(orders: &Path, lines: &Path) -> Result<Histories, EvalError> {
    struct O {
        user: u64,
        number: u32,
        gap: Option<f64>,
    }
    let mut by_id: HashMap<u64, O> = HashMap::new();
    let cols = [
        "order_id",
        "user_id",
        "order_number",
        "days_since_prior_order?",
    ];
    read_csv(orders, &cols, |line, f| {
        let id = parse(orders, line, cols[0], require(orders, line, cols[0], f[0])?)?;
        let user = parse(orders, line, cols[1], require(orders, line, cols[1], f[1])?)?;
        let number = parse(orders, line, cols[2], require(orders, line, cols[2], f[2])?)?;
        let gap = match f[3] {
            Some(v) if !v.is_empty() => {
                let g: f64 = parse(orders, line, "days_since_prior_order", v)?;
                if !g.is_finite() || g < 0.0 {
                    return Err(EvalError::Parse {
                        path: orders.to_path_buf(),
                        line,
                        message: format!("column `days_since_prior_order`: {v:?} is negative"),
                    });
                }
                Some(g)
            }
            _ => None,
        };
        if by_id.insert(id, O { user, number, gap }).is_some() {
            return Err(EvalError::Parse {
                path: orders.to_path_buf(),
                line,
                message: format!("order_id {id} appears more than once"),
            });
        }
        Ok(())
    })?;
    let mut lines_of: HashMap<u64, Vec<(u64, f64)>> = HashMap::new();
    let cols = ["order_id", "product_id", "quantity?"];
    read_csv(lines, &cols, |line, f| {
        let order: u64 = parse(lines, line, cols[0], require(lines, line, cols[0], f[0])?)?;
        let product: u64 = parse(lines, line, cols[1], require(lines, line, cols[1], f[1])?)?;
        let qty = match f[2] {
            Some(v) if !v.is_empty() => parse(lines, line, "quantity", v)?,
            _ => 1.0,
        };
        if !by_id.contains_key(&order) {
            return Err(EvalError::Parse {
                path: lines.to_path_buf(),
                line,
                message: format!(
                    "column `order_id`: order {order} is not in {}",
                    orders.display()
                ),
            });
        }
        lines_of.entry(order).or_default().push((product, qty));
        Ok(())
    })?;
    let mut by_user: BTreeMap<u64, Vec<(u32, u64, Option<f64>)>> = BTreeMap::new();
    for (id, o) in &by_id {
        by_user
            .entry(o.user)
            .or_default()
            .push((o.number, *id, o.gap));
    }
    let mut raw: Vec<Vec<RawOrder>> = Vec::new();
    let mut capped = 0usize;
    for orders in by_user.values_mut() {
        orders.sort_unstable_by_key(|o| (o.0, o.1));
        let mut day = 0.0;
        let mut censored_since_last_basket = false;
        let mut user = Vec::new();
        for (k, (_, id, gap)) in orders.iter().enumerate() {
            if k > 0 {
                let g = gap.unwrap_or(0.0);
                day += g;
                if g >= INSTACART_CAP_DAYS {
                    censored_since_last_basket = true;
                    capped += 1;
                }
            }
            if let Some(items) = lines_of.remove(id) {
                user.push((day, censored_since_last_basket, items));
                censored_since_last_basket = false;
            }
        }
        if !user.is_empty() {
            raw.push(user);
        }
    }
    let mut h = densify(raw, "instacart-sample");
    h.notes.push(format!(
        "{capped} orders have days_since_prior_order at the cap of {INSTACART_CAP_DAYS}: repeat gaps spanning them are right-censored in tailor's cycle model"
    ));
    Ok(h)
}

/// One order line as read: (raw product id, quantity).
type Line = (u64, f64);
/// One order as read: (day, censored since the previous order, lines).
type RawOrder = (f64, bool, Vec<Line>);

/// Loads dunnhumby's transactions (`household_id,basket_id,product_id,quantity,
/// transaction_timestamp`) into histories: one order per basket, days since 2017-01-01.
pub fn load_dunnhumby(dir: &Path) -> Result<Histories, EvalError> {
    let path = [
        "transactions.csv.gz",
        "transactions.csv",
        "transactions_sample.csv.gz",
        "transactions_sample.csv",
    ]
    .iter()
    .map(|f| dir.join(f))
    .find(|p| p.exists())
    .ok_or_else(|| EvalError::Data {
        path: dir.to_path_buf(),
        message: "no transactions*.csv[.gz] here".into(),
    })?;
    let cols = [
        "household_id",
        "basket_id",
        "product_id",
        "quantity?",
        "transaction_timestamp",
    ];
    // household -> basket -> (day, lines)
    let mut households: BTreeMap<u64, HashMap<u64, (f64, Vec<Line>)>> = BTreeMap::new();
    read_csv(&path, &cols, |line, f| {
        let hh = parse(&path, line, cols[0], require(&path, line, cols[0], f[0])?)?;
        let raw_basket = require(&path, line, cols[1], f[1])?;
        // The CSV conversion wrote a few round ids in float notation ("4.0128e+10"): read a
        // whole non-negative float as the id it spells; anything else is an error.
        let basket = match raw_basket.parse::<u64>() {
            Ok(b) => b,
            Err(_) => match raw_basket.parse::<f64>() {
                Ok(x) if x.is_finite() && x >= 0.0 && x.fract() == 0.0 && x < 2f64.powi(53) => {
                    x as u64
                }
                _ => parse(&path, line, cols[1], raw_basket)?,
            },
        };
        let product = parse(&path, line, cols[2], require(&path, line, cols[2], f[2])?)?;
        let qty = match f[3] {
            Some(v) if !v.is_empty() => parse(&path, line, "quantity", v)?,
            _ => 1.0,
        };
        let ts = require(&path, line, cols[4], f[4])?;
        let day = day_of(ts).ok_or_else(|| EvalError::Parse {
            path: path.clone(),
            line,
            message: format!("column `transaction_timestamp`: {ts:?} is not YYYY-MM-DD HH:MM:SS"),
        })?;
        let e = households
            .entry(hh)
            .or_default()
            .entry(basket)
            .or_insert((day, Vec::new()));
        e.0 = e.0.min(day);
        e.1.push((product, qty));
        Ok(())
    })?;
    let raw = households
        .into_values()
        .map(|baskets| {
            let mut v: Vec<(f64, u64, Vec<Line>)> =
                baskets.into_iter().map(|(b, (d, l))| (d, b, l)).collect();
            v.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            v.into_iter().map(|(d, _, l)| (d, false, l)).collect()
        })
        .collect();
    let mut h = densify(raw, "dunnhumby-completejourney");
    h.notes.push(format!(
        "read {}; days from transaction_timestamp, no censoring",
        path.display()
    ));
    Ok(h)
}

/// Days since 2017-01-01 of `YYYY-MM-DD[ HH:MM[:SS]]` (proleptic Gregorian).
fn day_of(ts: &str) -> Option<f64> {
    let (date, time) = ts.split_once([' ', 'T']).unwrap_or((ts, "0:0:0"));
    let mut d = date.split('-').map(|x| x.parse::<i64>().ok());
    let (y, m, dd) = (d.next()??, d.next()??, d.next()??);
    if !(1..=12).contains(&m) || !(1..=31).contains(&dd) {
        return None;
    }
    // Days from civil (Howard Hinnant's algorithm).
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + dd - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468 - 17_167;
    let mut t = time.split(':').map(|x| x.parse::<f64>().ok());
    let h = t.next().flatten().unwrap_or(0.0);
    let mi = t.next().flatten().unwrap_or(0.0);
    Some(days as f64 + (h + mi / 60.0) / 24.0)
}

/// Dense products in product-id order, so that ties between products break by id; same-order
/// duplicate lines merge with their quantities added.
fn densify(raw: Vec<Vec<RawOrder>>, dataset: &str) -> Histories {
    let mut ids: Vec<u64> = raw
        .iter()
        .flatten()
        .flat_map(|(_, _, l)| l.iter().map(|x| x.0))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let dense: HashMap<u64, u32> = ids
        .iter()
        .enumerate()
        .map(|(i, &p)| (p, i as u32))
        .collect();
    let users = raw
        .into_iter()
        .map(|u| {
            u.into_iter()
                .map(|(day, censored, lines)| {
                    let mut items: Vec<(u32, f64)> = Vec::new();
                    for (p, q) in lines {
                        let p = dense[&p];
                        match items.iter_mut().find(|x| x.0 == p) {
                            Some(x) => x.1 += q,
                            None => items.push((p, q)),
                        }
                    }
                    Order {
                        day,
                        censored,
                        items,
                    }
                })
                .collect()
        })
        .collect();
    Histories {
        users,
        product_ids: ids,
        dataset: dataset.into(),
        notes: Vec::new(),
    }
}

/// One user's part of a split.
pub(crate) struct Case<'a> {
    pub(crate) train: &'a [Order],
    pub(crate) test: &'a Order,
}

fn cases(h: &Histories, held_out: usize) -> Vec<Case<'_>> {
    h.users
        .iter()
        .filter(|u| u.len() > held_out)
        .map(|u| {
            let n = u.len() - held_out;
            Case {
                train: &u[..n - 1],
                test: &u[n - 1],
            }
        })
        .collect()
}

/// Per-user ranking metrics, summed.
#[derive(Debug, Clone, Default)]
struct Ranking {
    users: f64,
    recall: [f64; 2],
    ndcg: [f64; 2],
    phr: f64,
    rep: [f64; 2],
    rep_users: f64,
    exp: [f64; 2],
    exp_users: f64,
}

const KS: [usize; 2] = [10, 20];

impl Ranking {
    fn add(&mut self, rec: &[u32], truth: &[u32], seen: &dyn Fn(u32) -> bool) {
        if truth.is_empty() {
            return;
        }
        self.users += 1.0;
        let repeat: Vec<u32> = truth.iter().copied().filter(|&i| seen(i)).collect();
        let n_exp = truth.len() - repeat.len();
        if !repeat.is_empty() {
            self.rep_users += 1.0;
        }
        if n_exp > 0 {
            self.exp_users += 1.0;
        }
        for (k_i, &k) in KS.iter().enumerate() {
            let top = &rec[..rec.len().min(k)];
            let mut hits = 0.0;
            let mut dcg = 0.0;
            let (mut hr, mut he) = (0.0, 0.0);
            for (r, i) in top.iter().enumerate() {
                if truth.contains(i) {
                    hits += 1.0;
                    dcg += 1.0 / ((r + 2) as f64).log2();
                    if seen(*i) {
                        hr += 1.0;
                    } else {
                        he += 1.0;
                    }
                }
            }
            let idcg: f64 = (0..truth.len().min(k))
                .map(|r| 1.0 / ((r + 2) as f64).log2())
                .sum();
            self.recall[k_i] += hits / truth.len() as f64;
            self.ndcg[k_i] += dcg / idcg;
            if !repeat.is_empty() {
                self.rep[k_i] += hr / repeat.len() as f64;
            }
            if n_exp > 0 {
                self.exp[k_i] += he / n_exp as f64;
            }
            if k == 10 && hits > 0.0 {
                self.phr += 1.0;
            }
        }
    }

    fn recall10(&self) -> f64 {
        self.recall[0] / self.users.max(1.0)
    }

    fn row(&self, row: Row) -> Row {
        let u = self.users.max(1.0);
        let mut row = row
            .metric("Recall@10", self.recall[0] / u)
            .metric("Recall@20", self.recall[1] / u)
            .metric("NDCG@10", self.ndcg[0] / u)
            .metric("NDCG@20", self.ndcg[1] / u)
            .metric("PHR@10", self.phr / u);
        for (k_i, k) in KS.iter().enumerate() {
            row = row
                .metric(
                    format!("Recall@{k}_repeat"),
                    self.rep[k_i] / self.rep_users.max(1.0),
                )
                .metric(
                    format!("Recall@{k}_explore"),
                    self.exp[k_i] / self.exp_users.max(1.0),
                );
        }
        row
    }
}

/// What the methods share on one split: counts, TIFU vectors and the cycle model.
pub(crate) struct Prepared<'a> {
    pub(crate) cases: Vec<Case<'a>>,
    global: Vec<u32>,
    pub(crate) gcount: Vec<f64>,
    pub(crate) counts: Vec<HashMap<u32, f64>>,
    pub(crate) cycles: CycleModel,
    pub(crate) now: Vec<f64>,
    pub(crate) until: Vec<f64>,
}

pub(crate) fn prepare<'a>(h: &'a Histories, held_out: usize) -> Prepared<'a> {
    let cases = cases(h, held_out);
    let mut gcount = vec![0.0f64; h.product_ids.len()];
    let mut counts = Vec::with_capacity(cases.len());
    let mut cycles = CycleModel::new();
    for (u, c) in cases.iter().enumerate() {
        let mut own: HashMap<u32, f64> = HashMap::new();
        for o in c.train {
            for &(i, q) in &o.items {
                gcount[i as usize] += 1.0;
                *own.entry(i).or_default() += 1.0;
                cycles.observe(Purchase {
                    customer: u as u32,
                    item: i,
                    day: o.day,
                    qty: q,
                    censored_since_previous: o.censored,
                });
            }
        }
        counts.push(own);
    }
    cycles.refit();
    let mut global: Vec<u32> = (0..gcount.len() as u32).collect();
    global.sort_by(|&a, &b| {
        gcount[b as usize]
            .total_cmp(&gcount[a as usize])
            .then(a.cmp(&b))
    });
    global.truncate(KS[1]);
    let mut now = Vec::new();
    let mut until = Vec::new();
    for (u, c) in cases.iter().enumerate() {
        let t = c.train.last().map_or(0.0, |o| o.day);
        let next = cycles.next_visit(u as u32, t).unwrap_or(t + 7.0);
        now.push(t);
        until.push(next.max(t + 1.0) + REMINDER_DAYS);
    }
    Prepared {
        cases,
        global,
        gcount,
        counts,
        cycles,
        now,
        until,
    }
}

fn baskets(orders: &[Order]) -> Vec<Vec<u32>> {
    orders
        .iter()
        .map(|o| o.items.iter().map(|x| x.0).collect())
        .collect()
}

pub(crate) fn truth(o: &Order) -> Vec<u32> {
    o.items.iter().map(|x| x.0).collect()
}

fn top_by(
    scores: impl Iterator<Item = (u32, f64)>,
    tie: &dyn Fn(u32) -> f64,
    n: usize,
) -> Vec<u32> {
    let mut v: Vec<(u32, f64)> = scores.collect();
    v.sort_by(|a, b| {
        b.1.total_cmp(&a.1)
            .then(tie(b.0).total_cmp(&tie(a.0)))
            .then(a.0.cmp(&b.0))
    });
    v.into_iter().take(n).map(|x| x.0).collect()
}

fn baselines(p: &Prepared<'_>) -> [Ranking; 3] {
    let mut out: [Ranking; 3] = Default::default();
    let no_tie = |_: u32| 0.0;
    let pop = |i: u32| p.gcount[i as usize];
    for (u, c) in p.cases.iter().enumerate() {
        let t = truth(c.test);
        let seen = |i: u32| p.counts[u].contains_key(&i);
        out[0].add(&p.global, &t, &seen);
        let own = top_by(p.counts[u].iter().map(|(&i, &n)| (i, n)), &no_tie, KS[1]);
        out[1].add(&own, &t, &seen);
        let mut gp = top_by(p.counts[u].iter().map(|(&i, &n)| (i, n)), &pop, KS[1]);
        for &g in &p.global {
            if gp.len() >= KS[1] {
                break;
            }
            if !gp.contains(&g) {
                gp.push(g);
            }
        }
        out[2].add(&gp, &t, &seen);
    }
    out
}

/// TIFU vectors of every user of a split for one TIFU setting, and the index over them.
pub(crate) fn tifu_index(p: &Prepared<'_>, cfg: &TifuConfig) -> (Vec<SparseVec>, TifuIndex) {
    let vs: Vec<SparseVec> = p
        .cases
        .iter()
        .map(|c| personal_vector(&baskets(c.train), cfg))
        .collect();
    (vs.clone(), TifuIndex::build(vs))
}

/// Next-basket tuning on the validation split: the best [`BuyAgainConfig`] by Recall@10.
/// Also returns the best validation Recall@10 per timing weight (what timing is worth).
pub(crate) fn tune_next_basket(
    p: &Prepared<'_>,
    base: TifuConfig,
) -> (BuyAgainConfig, f64, Vec<(f64, f64)>) {
    let mut by_weight: Vec<(f64, f64)> = TUNE_TIMING_WEIGHT.iter().map(|&w| (w, 0.0)).collect();
    let (own, index) = tifu_index(p, &base);
    // Timing chances of each user's own items do not depend on the weights.
    let chances: Vec<HashMap<u32, f64>> = own
        .iter()
        .enumerate()
        .map(|(u, v)| {
            v.iter()
                .map(|&(i, _)| {
                    (
                        i,
                        p.cycles.chance_between(u as u32, i, p.now[u], p.until[u]),
                    )
                })
                .collect()
        })
        .collect();
    let mut best = (
        BuyAgainConfig {
            tifu: base,
            timing_weight: 0.0,
            ..BuyAgainConfig::default()
        },
        -1.0,
    );
    for &k in &TUNE_NEIGHBOURS {
        let nbs: Vec<SparseVec> = own
            .iter()
            .enumerate()
            .map(|(u, v)| {
                let mut nb = index.neighbour_vector(v, k, Some(u as u32));
                // Neighbour-only items rank among themselves by weight: the best few suffice.
                let mut only: Vec<(u32, f64)> = nb
                    .iter()
                    .copied()
                    .filter(|x| !chances[u].contains_key(&x.0))
                    .collect();
                only.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                only.truncate(EXPLORE_CANDIDATES);
                nb.retain(|x| chances[u].contains_key(&x.0) || only.iter().any(|o| o.0 == x.0));
                nb
            })
            .collect();
        for &alpha in &TUNE_ALPHA {
            let blended: Vec<Vec<(u32, f64)>> = own
                .iter()
                .zip(&nbs)
                .map(|(o, n)| tifu_scores(o, n, alpha))
                .collect();
            for &w in &TUNE_TIMING_WEIGHT {
                for &floor in &TUNE_TIMING_FLOOR {
                    for &explore in &TUNE_EXPLORE {
                        let cfg = BuyAgainConfig {
                            tifu: TifuConfig {
                                neighbours: k,
                                alpha,
                                ..base
                            },
                            timing_weight: w,
                            timing_floor: floor,
                            explore_chance: explore,
                        };
                        let mut r = Ranking::default();
                        for (u, c) in p.cases.iter().enumerate() {
                            let scored = blended[u].iter().map(|&(i, s)| {
                                (i, timed_score(s, chances[u].get(&i).copied(), &cfg))
                            });
                            let rec = top_by(scored, &|_| 0.0, 10);
                            r.add(&rec, &truth(c.test), &|i| p.counts[u].contains_key(&i));
                        }
                        if r.recall10() > best.1 + 1e-12 {
                            best = (cfg, r.recall10());
                        }
                        for x in by_weight.iter_mut().filter(|x| x.0 == w) {
                            x.1 = x.1.max(r.recall10());
                        }
                        if w == 0.0 {
                            break;
                        }
                    }
                    if w == 0.0 {
                        break;
                    }
                }
            }
        }
    }
    (best.0, best.1, by_weight)
}

/// Timing predictions of one split: per pair bought twice or more in training, the three
/// predicted days, the tailor reminder chance for the test day, and whether it was bought.
struct Pair {
    user_median: f64,
    product_median: f64,
    tailor: f64,
    chance: f64,
    /// The user's TIFU weight of the product (recency-weighted purchase frequency).
    own: f64,
    test_day: f64,
    bought: bool,
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        return 0.0;
    }
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn timing_pairs(p: &Prepared<'_>, own: &[SparseVec], visit_floor: bool) -> Vec<Pair> {
    let mut product_gaps: HashMap<u32, Vec<f64>> = HashMap::new();
    let mut per_user: Vec<HashMap<u32, Vec<f64>>> = Vec::new();
    for c in &p.cases {
        let mut days: HashMap<u32, Vec<f64>> = HashMap::new();
        for o in c.train {
            for &(i, _) in &o.items {
                days.entry(i).or_default().push(o.day);
            }
        }
        for (&i, d) in &days {
            product_gaps
                .entry(i)
                .or_default()
                .extend(d.windows(2).map(|w| w[1] - w[0]));
        }
        per_user.push(days);
    }
    let product_median: HashMap<u32, f64> = product_gaps
        .into_iter()
        .map(|(i, mut g)| (i, median(&mut g)))
        .collect();
    let mut out = Vec::new();
    for (u, c) in p.cases.iter().enumerate() {
        let test_day = c.test.day;
        let mut items: Vec<(&u32, &Vec<f64>)> =
            per_user[u].iter().filter(|(_, d)| d.len() >= 2).collect();
        items.sort_by_key(|x| *x.0);
        for (&i, d) in items {
            let last = d[d.len() - 1];
            let mut gaps: Vec<f64> = d.windows(2).map(|w| w[1] - w[0]).collect();
            let user_median = last + median(&mut gaps);
            let product_median = last + product_median.get(&i).copied().unwrap_or(0.0);
            let due = p.cycles.due(u as u32, i, p.now[u]).map_or(last, |d| d.day);
            let tailor = if visit_floor {
                due.max(p.until[u] - REMINDER_DAYS)
            } else {
                due
            };
            let chance = p.cycles.chance_between(
                u as u32,
                i,
                (test_day - REMINDER_DAYS).max(p.now[u]),
                test_day + REMINDER_DAYS,
            );
            out.push(Pair {
                user_median,
                product_median,
                tailor,
                chance,
                own: own[u]
                    .binary_search_by_key(&i, |x| x.0)
                    .map_or(0.0, |k| own[u][k].1),
                test_day,
                bought: c.test.items.iter().any(|x| x.0 == i),
            });
        }
    }
    out
}

/// MAE, MedAE over bought pairs, and reminder precision and recall, for one predictor.
fn timing_metrics(
    pairs: &[Pair],
    pred: impl Fn(&Pair) -> f64,
    flag: impl Fn(&Pair) -> bool,
) -> [f64; 4] {
    let mut errors: Vec<f64> = pairs
        .iter()
        .filter(|x| x.bought)
        .map(|x| (pred(x) - x.test_day).abs())
        .collect();
    let mae = errors.iter().sum::<f64>() / errors.len().max(1) as f64;
    let medae = median(&mut errors);
    let flagged = pairs.iter().filter(|x| flag(x)).count() as f64;
    let hit = pairs.iter().filter(|x| flag(x) && x.bought).count() as f64;
    let bought = pairs.iter().filter(|x| x.bought).count() as f64;
    [mae, medae, hit / flagged.max(1.0), hit / bought.max(1.0)]
}

fn within(pred: f64, day: f64) -> bool {
    (pred - day).abs() <= REMINDER_DAYS
}

/// Tailor's reminder confidence for a pair: its TIFU weight to the power `a` times the cycle
/// model's chance of a purchase within the reminder window to the power `b`.
fn reminder_score(x: &Pair, (a, b): (f64, f64)) -> f64 {
    x.own.powf(a) * x.chance.powf(b)
}

/// Exponents `(a, b)` of [`reminder_score`] tried on the validation split.
const TUNE_REMINDER: [(f64, f64); 7] = [
    (0.0, 1.0),
    (1.0, 0.0),
    (1.0, 0.25),
    (1.0, 0.5),
    (1.0, 1.0),
    (1.0, 2.0),
    (0.5, 1.0),
];

/// The threshold on `score` at which recall over `pairs` equals `recall` (the score of the
/// bought pair at that rank): the operating point of equal recall.
fn threshold_for_recall(pairs: &[Pair], recall: f64, score: impl Fn(&Pair) -> f64) -> f64 {
    let mut s: Vec<f64> = pairs.iter().filter(|x| x.bought).map(&score).collect();
    s.sort_by(|a, b| b.total_cmp(a));
    let need = ((recall * s.len() as f64).round() as usize).clamp(1, s.len().max(1));
    s.get(need - 1).copied().unwrap_or(f64::INFINITY)
}

/// Runs the whole protocol and returns one report.
pub fn run(args: &ReplenishmentArgs) -> Result<Report, EvalError> {
    let (h, base) = match &args.source {
        Source::Instacart { orders, lines } => {
            (load_instacart(orders, lines)?, TifuConfig::INSTACART)
        }
        Source::Dunnhumby(dir) => (load_dunnhumby(dir)?, TifuConfig::DUNNHUMBY),
    };
    let test = prepare(&h, 0);
    if test.cases.is_empty() {
        return Err(EvalError::Argument(
            "no user has two orders with lines: nothing to evaluate".into(),
        ));
    }
    let valid = prepare(&h, 1);

    // Tuning on the validation split only.
    let (cfg, valid_recall, by_weight) = tune_next_basket(&valid, base);
    let (valid_own, _) = tifu_index(&valid, &base);
    let vf = [false, true].map(|floor| {
        let pairs = timing_pairs(&valid, &valid_own, floor);
        timing_metrics(&pairs, |x| x.tailor, |_| false)[0]
    });
    let visit_floor = vf[1] < vf[0];
    let valid_pairs = timing_pairs(&valid, &valid_own, visit_floor);
    let valid_base = timing_metrics(
        &valid_pairs,
        |x| x.user_median,
        |x| within(x.user_median, x.test_day),
    );
    let mut reminder = (TUNE_REMINDER[0], 0.0, -1.0);
    for ab in TUNE_REMINDER {
        let t = threshold_for_recall(&valid_pairs, valid_base[3], |x| reminder_score(x, ab));
        let m = timing_metrics(&valid_pairs, |x| x.tailor, |x| reminder_score(x, ab) >= t);
        if m[2] > reminder.2 {
            reminder = (ab, t, m[2]);
        }
    }
    let (ab, threshold, valid_precision) = reminder;

    // Next basket on the test split.
    let [g, pt, gp] = baselines(&test);
    let (tifu_own, tifu_idx) = tifu_index(&test, &base);
    let (own, index) = tifu_index(&test, &cfg.tifu);
    let mut tifu = Ranking::default();
    let mut ours = Ranking::default();
    let mut lines = Vec::new();
    for (u, c) in test.cases.iter().enumerate() {
        let t = truth(c.test);
        let seen = |i: u32| test.counts[u].contains_key(&i);
        let nb = tifu_idx.neighbour_vector(&tifu_own[u], base.neighbours, Some(u as u32));
        let rec: Vec<u32> = tifu_scores(&tifu_own[u], &nb, base.alpha)
            .into_iter()
            .take(KS[1])
            .map(|x| x.0)
            .collect();
        tifu.add(&rec, &t, &seen);
        let q = BuyAgainQuery {
            customer: u as u32,
            own: &own[u],
            now: test.now[u],
            until: test.until[u],
        };
        let rec: Vec<u32> = buy_again(&q, &index, &test.cycles, &cfg, KS[1])
            .into_iter()
            .map(|x| x.0)
            .collect();
        ours.add(&rec, &t, &seen);
        if args.predictions.is_some() {
            let ids = |v: &[u32]| {
                v.iter()
                    .map(|&i| h.product_ids[i as usize].to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            };
            lines.push(format!("{};{}", ids(&rec), ids(&t)));
        }
    }
    if let Some(path) = &args.predictions {
        let io = |source| EvalError::Io {
            path: path.clone(),
            source,
        };
        let mut f = File::create(path).map_err(io)?;
        for l in &lines {
            writeln!(f, "{l}").map_err(io)?;
        }
    }

    // Timing on the test split.
    let pairs = timing_pairs(&test, &tifu_own, visit_floor);
    let um = timing_metrics(
        &pairs,
        |x| x.user_median,
        |x| within(x.user_median, x.test_day),
    );
    let pm = timing_metrics(
        &pairs,
        |x| x.product_median,
        |x| within(x.product_median, x.test_day),
    );
    let tm = timing_metrics(&pairs, |x| x.tailor, |x| reminder_score(x, ab) >= threshold);
    // The same scores read at each baseline's recall on this split: a point on tailor's
    // precision-recall curve, so precision is compared at equal recall. The deployable
    // threshold stays the validation one (the `tailor` row).
    let at_recall = |recall: f64| {
        let t = threshold_for_recall(&pairs, recall, |x| reminder_score(x, ab));
        timing_metrics(&pairs, |x| x.tailor, |x| reminder_score(x, ab) >= t)
    };
    let (tum, tpm) = (at_recall(um[3]), at_recall(pm[3]));
    let timing = |row: Row, m: [f64; 4]| {
        row.metric("MAE_days", m[0])
            .metric("MedAE_days", m[1])
            .metric("precision", m[2])
            .metric("recall", m[3])
    };

    let mut report = Report::new("replenishment", h.dataset.clone());
    report.rows.push(g.row(Row::new("g-topfreq")));
    report.rows.push(pt.row(Row::new("p-topfreq")));
    report.rows.push(gp.row(Row::new("gp-topfreq")));
    report.rows.push(tifu.row(Row::new("tifu-knn")));
    report.rows.push(timing(Row::new("user-median-gap"), um));
    report.rows.push(timing(Row::new("product-median-gap"), pm));
    report.rows.push(timing(ours.row(Row::new("tailor")), tm));
    let curve_point = |name: &str, m: [f64; 4]| {
        Row::new(name)
            .metric("precision", m[2])
            .metric("recall", m[3])
    };
    report
        .rows
        .push(curve_point("tailor@user-median-gap-recall", tum));
    report
        .rows
        .push(curve_point("tailor@product-median-gap-recall", tpm));

    let bought = pairs.iter().filter(|x| x.bought).count();
    let n_orders: usize = h.users.iter().map(Vec::len).sum();
    report.notes.extend(h.notes.iter().cloned());
    report.notes.push(format!(
        "{} users with a test order ({} orders with lines, {} products); next basket: {} users, {} with repeat items, {} with explore items",
        test.cases.len(),
        n_orders,
        h.product_ids.len(),
        tifu.users,
        tifu.rep_users,
        tifu.exp_users
    ));
    report.notes.push(format!(
        "timing: {} (user, product) pairs bought twice or more in training, {bought} of them bought in the test order (MAE/MedAE over these)",
        pairs.len()
    ));
    report.notes.push(format!(
        "tifu-knn uses the paper's setting (m={}, r_b={}, r_g={}, k={} capped at the {} other users, alpha={})",
        base.group_size,
        base.within_decay,
        base.group_decay,
        base.neighbours,
        test.cases.len().saturating_sub(1),
        base.alpha
    ));
    report.notes.push(format!(
        "tailor tuned on validation (each user's second-to-last order): k={}, alpha={}, timing_weight={}, timing_floor={}, explore_chance={} (validation Recall@10 {:.4}); due day {} the expected next visit",
        cfg.tifu.neighbours,
        cfg.tifu.alpha,
        cfg.timing_weight,
        cfg.timing_floor,
        cfg.explore_chance,
        valid_recall,
        if visit_floor { "not before" } else { "ignores" }
    ));
    report.notes.push(format!(
        "validation Recall@10 of tailor's best setting per timing weight: {}",
        by_weight
            .iter()
            .map(|(w, r)| format!("{w}: {r:.4}"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    report.notes.push(format!(
        "reminders: baselines flag a predicted day within +/-{REMINDER_DAYS} days of the test day; tailor flags tifu_weight^{} * P(purchase within +/-{REMINDER_DAYS} days)^{} >= {threshold:.4}, exponents and threshold chosen on validation where its recall equals user-median-gap's ({:.4}; validation precision {:.4} vs {:.4})",
        ab.0, ab.1, valid_base[3], valid_precision, valid_base[2]
    ));
    report.notes.push(format!(
        "equal recall: the tailor@...-recall rows read the same reminder score at the threshold where its recall on this split equals that baseline's (a point on its precision-recall curve; only the threshold is read off this split, nothing is fitted): precision {:.4} vs user-median-gap {:.4} ({:.2}x) at recall {:.4} vs {:.4}; {:.4} vs product-median-gap {:.4} ({:.2}x) at recall {:.4} vs {:.4}",
        tum[2], um[2], tum[2] / um[2].max(1e-12), tum[3], um[3],
        tpm[2], pm[2], tpm[2] / pm[2].max(1e-12), tpm[3], pm[3]
    ));
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dunnhumby_basket_ids_in_float_notation_are_read_as_the_id_they_spell() {
        let dir = tempfile::tempdir().unwrap();
        let head = "household_id,basket_id,product_id,quantity,transaction_timestamp\n";
        let rows = "1,4.0128e+10,7,1,2017-01-02 10:00:00\n1,40128000000,8,2,2017-01-02 10:00:00\n1,5,7,1,2017-01-09 10:00:00\n";
        std::fs::write(dir.path().join("transactions.csv"), format!("{head}{rows}")).unwrap();
        let h = load_dunnhumby(dir.path()).unwrap();
        assert_eq!(h.users.len(), 1);
        assert_eq!(h.users[0].len(), 2, "the two spellings are one basket");
        assert_eq!(h.users[0][0].items.len(), 2);
        for bad in ["4.5e-1", "-3", "1e300", "basket"] {
            std::fs::write(
                dir.path().join("transactions.csv"),
                format!("{head}1,{bad},7,1,2017-01-02 10:00:00\n"),
            )
            .unwrap();
            let e = load_dunnhumby(dir.path()).unwrap_err().to_string();
            assert!(e.contains("basket_id"), "{bad}: {e}");
        }
    }

    #[test]
    fn equal_recall_threshold_flags_that_share_of_bought_pairs() {
        let pair = |chance: f64, bought: bool| Pair {
            user_median: 0.0,
            product_median: 0.0,
            tailor: 0.0,
            chance,
            own: 1.0,
            test_day: 0.0,
            bought,
        };
        let pairs = [
            pair(0.9, true),
            pair(0.8, false),
            pair(0.7, true),
            pair(0.6, false),
            pair(0.5, true),
            pair(0.1, true),
        ];
        let score = |x: &Pair| reminder_score(x, (0.0, 1.0));
        let t = threshold_for_recall(&pairs, 0.5, score);
        assert_eq!(t, 0.7);
        let m = timing_metrics(&pairs, |x| x.tailor, |x| score(x) >= t);
        assert_eq!(m[3], 0.5, "recall");
        assert!((m[2] - 2.0 / 3.0).abs() < 1e-12, "precision {}", m[2]);
        // Recall 0 still flags the best bought pair; recall 1 flags every pair.
        assert_eq!(threshold_for_recall(&pairs, 0.0, score), 0.9);
        assert_eq!(threshold_for_recall(&pairs, 1.0, score), 0.1);
    }

    #[test]
    fn days_from_timestamps() {
        assert_eq!(day_of("2017-01-01 00:00:00"), Some(0.0));
        assert_eq!(day_of("2017-03-01 12:00:00"), Some(59.5));
        assert_eq!(day_of("2018-01-01"), Some(365.0));
        assert_eq!(day_of("2017-13-01"), None);
        assert_eq!(day_of("garbage"), None);
    }

    #[test]
    fn ranking_metrics_by_hand() {
        let mut r = Ranking::default();
        let seen = |i: u32| i < 10;
        // Truth {1, 20}; list [1, 5, 20]: both hit, one repeat one explore.
        r.add(&[1, 5, 20], &[1, 20], &seen);
        let row = r.row(Row::new("x"));
        assert_eq!(row.get("Recall@10"), Some(1.0));
        let ndcg = (1.0 + 1.0 / 4f64.log2()) / (1.0 + 1.0 / 3f64.log2());
        assert!((row.get("NDCG@10").unwrap() - ndcg).abs() < 1e-12);
        assert_eq!(row.get("Recall@10_repeat"), Some(1.0));
        assert_eq!(row.get("Recall@10_explore"), Some(1.0));
        r.add(&[7], &[8], &seen);
        let row = r.row(Row::new("x"));
        assert_eq!(row.get("Recall@10"), Some(0.5));
        assert_eq!(row.get("PHR@10"), Some(0.5));
        assert_eq!(row.get("Recall@10_repeat"), Some(0.5));
        assert_eq!(row.get("Recall@10_explore"), Some(1.0));
    }

    #[test]
    fn median_of_even_and_odd() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), 2.5);
        assert_eq!(median(&mut []), 0.0);
    }
}
