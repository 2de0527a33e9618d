//! Search relevance on Home Depot's judged queries (EVALUATION.md section 4): `tailor eval search
//! --data train.csv`.
//!
//! Protocol: the catalog is every product of the file, the queries are its search terms with their
//! judged products (labels 1 to 3). A query belongs to the tuning half when the last byte of
//! sha1(query) is even, to the evaluation half otherwise. `PairAcc` counts, over every two judged
//! products of one query whose labels differ by 1.0 or more, 1 when the better one ranks above,
//! 0.5 for a tie; `NDCG@10` reranks each query's judged products with gain = label - 1;
//! `judged@10` is the share of the top 10 retrieved from the whole catalog that is judged.
//!
//! Rows: `bm25` (plain BM25 over titles, k1 1.2, b 0.75, lowercase alphanumeric tokens, written
//! here as the protocol says); `tailor` (tailor-search as shipped: tantivy BM25 with analysis,
//! fuzzy and prefix matching, then the learned ranker with its shipped weights); `tailor-refit`
//! (the same ranker fitted in this run on the tuning half only, to show the shipped weights come
//! from there); `tailor-bm25f` (tailor-search's tantivy score alone, no learned ranker). No row
//! uses labels of the evaluation half, or any label as a product prior.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use tailor_model::{Product, ProductId};
use tailor_search::rank::{FitOptions, Judged, NUM_FEATURES, Ranker, fit_pairwise};
use tailor_search::{SearchConfig, SearchIndex, SearchQuery};

use crate::report::{Latency, Report, Row};
pub use crate::sessions::EvalError;

/// BM25 term-frequency saturation.
pub const BM25_K1: f64 = 1.2;
/// BM25 length normalisation.
pub const BM25_B: f64 = 0.75;
/// Least label difference for a pair to count in `PairAcc`.
pub const PAIR_GAP: f32 = 1.0;
/// Depth of `NDCG@10` and `judged@10`.
pub const CUTOFF: usize = 10;

/// The options of `tailor eval search`.
#[derive(Debug, Clone)]
pub struct SearchArgs {
    /// CSV with `product_uid`, `product_title`, `search_term`, `relevance` (other columns ignored).
    pub data: PathBuf,
    /// Keep a query when the first byte of its sha1 is below this (256: all). A deterministic
    /// sample for quick runs; independent of the split, which uses the last byte.
    pub sample_below: u16,
}

impl SearchArgs {
    /// Every query of `data`.
    pub fn new(data: impl Into<PathBuf>) -> Self {
        Self {
            data: data.into(),
            sample_below: 256,
        }
    }
}

/// One search term with its judged products.
#[derive(Debug, Clone, PartialEq)]
pub struct JudgedQuery {
    /// The search term as it stands in the file.
    pub text: String,
    /// Judged products (indices into [`Judgements::products`]) with their labels, in file order.
    pub judged: Vec<(u32, f32)>,
    /// Whether the query is in the tuning half.
    pub tuning: bool,
}

/// The whole file: products and queries.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Judgements {
    /// (product uid, title), one per distinct uid.
    pub products: Vec<(String, String)>,
    /// Queries in order of first appearance.
    pub queries: Vec<JudgedQuery>,
}

/// Whether `query` is in the tuning half: the last byte of its sha1 is even.
pub fn is_tuning(query: &str) -> bool {
    sha1_smol::Sha1::from(query.as_bytes()).digest().bytes()[19].is_multiple_of(2)
}

fn sampled(query: &str, below: u16) -> bool {
    u16::from(sha1_smol::Sha1::from(query.as_bytes()).digest().bytes()[0]) < below
}

/// Reads the judgements file.
pub fn read_judgements(path: &Path) -> Result<Judgements, EvalError> {
    let io = |source| EvalError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(file);
    let parse = |line: u64, message: String| EvalError::Parse {
        path: path.to_path_buf(),
        line,
        message,
    };
    let header = reader
        .headers()
        .map_err(|e| parse(1, format!("malformed CSV header: {e}")))?
        .clone();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}').trim() == name)
            .ok_or_else(|| parse(1, format!("no column `{name}` in the header")))
    };
    let (uid_col, title_col, query_col, label_col) = (
        col("product_uid")?,
        col("product_title")?,
        col("search_term")?,
        col("relevance")?,
    );
    let mut out = Judgements::default();
    let mut product_of: HashMap<String, u32> = HashMap::new();
    let mut query_of: HashMap<String, usize> = HashMap::new();
    let mut record = csv::StringRecord::new();
    loop {
        let more = reader.read_record(&mut record).map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            parse(line, format!("malformed CSV: {e}"))
        })?;
        if !more {
            break;
        }
        let line = record.position().map_or(0, |p| p.line());
        let field = |i: usize, name: &str| {
            record
                .get(i)
                .ok_or_else(|| parse(line, format!("missing `{name}`")))
        };
        let uid = field(uid_col, "product_uid")?;
        let title = field(title_col, "product_title")?;
        let text = field(query_col, "search_term")?;
        let label: f32 = field(label_col, "relevance")?
            .trim()
            .parse()
            .map_err(|_| parse(line, "`relevance` is not a number".into()))?;
        if !label.is_finite() {
            return Err(parse(line, "`relevance` is not finite".into()));
        }
        let product = *product_of.entry(uid.to_string()).or_insert_with(|| {
            out.products.push((uid.to_string(), title.to_string()));
            (out.products.len() - 1) as u32
        });
        let q = *query_of.entry(text.to_string()).or_insert_with(|| {
            out.queries.push(JudgedQuery {
                text: text.to_string(),
                judged: Vec::new(),
                tuning: is_tuning(text),
            });
            out.queries.len() - 1
        });
        out.queries[q].judged.push((product, label));
    }
    if out.queries.is_empty() {
        return Err(EvalError::Data {
            path: path.to_path_buf(),
            message: "no judged query".into(),
        });
    }
    Ok(out)
}

/// Sums of the ranking metrics over queries.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Metrics {
    /// Pairs counted in `PairAcc`.
    pub pairs: f64,
    /// Their score (1 per correct order, 0.5 per tie).
    pub pair_hits: f64,
    /// Queries with a positive ideal DCG.
    pub ndcg_queries: f64,
    /// Sum of their NDCG@10.
    pub ndcg_sum: f64,
    /// Products retrieved in top-10 lists.
    pub retrieved: f64,
    /// Of those, judged for their query.
    pub retrieved_judged: f64,
}

impl Metrics {
    /// Adds one query: `labels[i]` and `scores[i]` belong to the same judged product.
    pub fn add(&mut self, labels: &[f32], scores: &[f32]) {
        for i in 0..labels.len() {
            for j in 0..labels.len() {
                if labels[i] - labels[j] >= PAIR_GAP - 1e-4 {
                    self.pairs += 1.0;
                    self.pair_hits += match scores[i].total_cmp(&scores[j]) {
                        std::cmp::Ordering::Greater => 1.0,
                        std::cmp::Ordering::Equal => 0.5,
                        std::cmp::Ordering::Less => 0.0,
                    };
                }
            }
        }
        let dcg = |order: &[usize]| -> f64 {
            order
                .iter()
                .take(CUTOFF)
                .enumerate()
                .map(|(r, &i)| f64::from(labels[i] - 1.0) / ((r + 2) as f64).log2())
                .sum()
        };
        let mut ideal: Vec<usize> = (0..labels.len()).collect();
        ideal.sort_by(|&a, &b| labels[b].total_cmp(&labels[a]));
        let idcg = dcg(&ideal);
        if idcg > 0.0 {
            // Ties keep file order.
            let mut ours: Vec<usize> = (0..labels.len()).collect();
            ours.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
            self.ndcg_queries += 1.0;
            self.ndcg_sum += dcg(&ours) / idcg;
        }
    }

    /// `PairAcc`.
    pub fn pair_acc(&self) -> f64 {
        self.pair_hits / self.pairs.max(1.0)
    }

    /// `NDCG@10`.
    pub fn ndcg(&self) -> f64 {
        self.ndcg_sum / self.ndcg_queries.max(1.0)
    }

    /// `judged@10`.
    pub fn judged_share(&self) -> f64 {
        self.retrieved_judged / self.retrieved.max(1.0)
    }
}

/// Lowercase alphanumeric runs: the tokens of the `bm25` baseline.
pub fn bm25_tokens(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(String::from)
        .collect()
}

/// Plain BM25 over titles, as EVALUATION.md describes the baseline.
#[derive(Debug, Clone, Default)]
pub struct Bm25 {
    postings: HashMap<String, Vec<(u32, u32)>>,
    lengths: Vec<u32>,
    average_length: f64,
}

impl Bm25 {
    /// Indexes `titles`; document `i` is `titles[i]`.
    pub fn new<'a>(titles: impl IntoIterator<Item = &'a str>) -> Self {
        let mut postings: HashMap<String, Vec<(u32, u32)>> = HashMap::new();
        let mut lengths = Vec::new();
        for (doc, title) in titles.into_iter().enumerate() {
            let tokens = bm25_tokens(title);
            lengths.push(tokens.len() as u32);
            let mut tf: HashMap<String, u32> = HashMap::new();
            for t in tokens {
                *tf.entry(t).or_default() += 1;
            }
            for (t, n) in tf {
                postings.entry(t).or_default().push((doc as u32, n));
            }
        }
        let average_length =
            lengths.iter().map(|&l| f64::from(l)).sum::<f64>() / lengths.len().max(1) as f64;
        Self {
            postings,
            lengths,
            average_length,
        }
    }

    fn idf(&self, df: usize) -> f64 {
        let n = self.lengths.len() as f64;
        let df = df as f64;
        (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
    }

    fn term_score(&self, tf: u32, doc: u32, idf: f64) -> f64 {
        let tf = f64::from(tf);
        let norm =
            1.0 - BM25_B + BM25_B * f64::from(self.lengths[doc as usize]) / self.average_length;
        idf * tf * (BM25_K1 + 1.0) / (tf + BM25_K1 * norm)
    }

    /// Scores of every document with a query term, as (doc, score).
    pub fn scores(&self, query: &str) -> HashMap<u32, f64> {
        let mut acc: HashMap<u32, f64> = HashMap::new();
        for t in bm25_tokens(query) {
            if let Some(list) = self.postings.get(&t) {
                let idf = self.idf(list.len());
                for &(doc, tf) in list {
                    *acc.entry(doc).or_default() += self.term_score(tf, doc, idf);
                }
            }
        }
        acc
    }

    /// The best `k` documents, best first (ties by document order).
    pub fn top(&self, query: &str, k: usize) -> Vec<u32> {
        let mut all: Vec<(u32, f64)> = self.scores(query).into_iter().collect();
        all.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        all.into_iter().take(k).map(|(d, _)| d).collect()
    }
}

fn product_id(uid: &str, path: &Path) -> Result<ProductId, EvalError> {
    ProductId::new(uid).map_err(|e| EvalError::Data {
        path: path.to_path_buf(),
        message: format!("product_uid {uid:?}: {e}"),
    })
}

fn engine(path: &Path) -> impl Fn(tailor_search::SearchError) -> EvalError + '_ {
    move |e| EvalError::Data {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// The data, the tailor-search index of every product and the features of every judged product
/// of the sampled queries: what every row and every fit starts from.
pub struct Prepared {
    /// The file.
    pub data: Judgements,
    /// Product ids, by product index.
    pub ids: Vec<ProductId>,
    /// Indices into `data.queries` of the sampled queries.
    pub queries: Vec<usize>,
    /// The index of all products.
    pub index: SearchIndex,
    /// Features of each sampled query's judged products, in `judged` order.
    pub pools: Vec<Vec<[f32; NUM_FEATURES]>>,
    /// Seconds to build the index.
    pub index_secs: f64,
}

impl Prepared {
    /// The sampled queries of one half with their judged features and labels.
    pub fn judged(&self, tuning: bool) -> Vec<Vec<Judged>> {
        self.queries
            .iter()
            .zip(&self.pools)
            .map(|(&q, feats)| (&self.data.queries[q], feats))
            .filter(|(q, _)| q.tuning == tuning)
            .map(|(q, feats)| {
                q.judged
                    .iter()
                    .zip(feats)
                    .map(|(&(_, label), f)| Judged {
                        features: *f,
                        label,
                    })
                    .collect()
            })
            .collect()
    }
}

/// Reads the file, indexes every product and computes the judged products' features.
pub fn prepare(args: &SearchArgs) -> Result<Prepared, EvalError> {
    let path = args.data.as_path();
    let data = read_judgements(path)?;
    let ids: Vec<ProductId> = data
        .products
        .iter()
        .map(|(uid, _)| product_id(uid, path))
        .collect::<Result<_, _>>()?;
    let queries: Vec<usize> = (0..data.queries.len())
        .filter(|&q| sampled(&data.queries[q].text, args.sample_below))
        .collect();
    let started = Instant::now();
    let index = SearchIndex::new(SearchConfig::default()).map_err(engine(path))?;
    for (id, (_, title)) in ids.iter().zip(&data.products) {
        index
            .upsert(&Product::new(id.clone(), title.clone()))
            .map_err(engine(path))?;
    }
    index.refresh().map_err(engine(path))?;
    let index_secs = started.elapsed().as_secs_f64();
    // Features of every judged product, once; each ranker is then a function of them.
    let mut pools = Vec::with_capacity(queries.len());
    for &q in &queries {
        let pool: Vec<ProductId> = data.queries[q]
            .judged
            .iter()
            .map(|&(p, _)| ids[p as usize].clone())
            .collect();
        pools.push(
            index
                .pool_features(&data.queries[q].text, &pool)
                .map_err(engine(path))?,
        );
    }
    Ok(Prepared {
        data,
        ids,
        queries,
        index,
        pools,
        index_secs,
    })
}

/// Runs the whole protocol.
pub fn run(args: &SearchArgs) -> Result<Report, EvalError> {
    let path = args.data.as_path();
    let prepared = prepare(args)?;
    let Prepared {
        data,
        ids,
        index,
        pools,
        index_secs,
        ..
    } = &prepared;
    let index_secs = *index_secs;
    let queries: Vec<&JudgedQuery> = prepared.queries.iter().map(|&q| &data.queries[q]).collect();
    let bm25 = Bm25::new(data.products.iter().map(|(_, t)| t.as_str()));
    let training = prepared.judged(true);
    let refit = fit_pairwise(&training, FitOptions::default());
    let shipped = Ranker::default();
    let mut text_only = Ranker {
        weights: [0.0; NUM_FEATURES],
    };
    text_only.weights[0] = 1.0;

    let mut report = Report::new("search", dataset_name(path));
    for (half, tuning) in [("", false), ("-tuning-half", true)] {
        let in_half = |q: &&&JudgedQuery| q.tuning == tuning;
        let labels_of = |q: &JudgedQuery| q.judged.iter().map(|&(_, l)| l).collect::<Vec<f32>>();

        let mut m = Metrics::default();
        let mut lat = Vec::new();
        for q in queries.iter().filter(in_half) {
            let scores = bm25.scores(&q.text);
            let s: Vec<f32> = q
                .judged
                .iter()
                .map(|&(p, _)| scores.get(&p).copied().unwrap_or(0.0) as f32)
                .collect();
            m.add(&labels_of(q), &s);
            let t = Instant::now();
            let top = bm25.top(&q.text, CUTOFF);
            lat.push(t.elapsed().as_secs_f64() * 1e6);
            m.retrieved += top.len() as f64;
            m.retrieved_judged += top
                .iter()
                .filter(|d| q.judged.iter().any(|(p, _)| p == *d))
                .count() as f64;
        }
        report
            .rows
            .push(row(&format!("bm25{half}"), &m, Some(&mut lat)));

        let mut m = Metrics::default();
        let mut lat = Vec::new();
        for (q, feats) in queries.iter().zip(pools).filter(|(q, _)| in_half(q)) {
            let s: Vec<f32> = feats.iter().map(|f| shipped.score(f)).collect();
            m.add(&labels_of(q), &s);
            let mut sq = SearchQuery::new(q.text.clone());
            sq.limit = CUTOFF;
            let t = Instant::now();
            let result = index.search(&sq).map_err(engine(path))?;
            lat.push(t.elapsed().as_secs_f64() * 1e6);
            m.retrieved += result.hits.len() as f64;
            m.retrieved_judged += result
                .hits
                .iter()
                .filter(|h| q.judged.iter().any(|&(p, _)| ids[p as usize] == h.id))
                .count() as f64;
        }
        report
            .rows
            .push(row(&format!("tailor{half}"), &m, Some(&mut lat)));

        for (name, ranker) in [("tailor-refit", &refit), ("tailor-bm25f", &text_only)] {
            let mut m = Metrics::default();
            for (q, feats) in queries.iter().zip(pools).filter(|(q, _)| in_half(q)) {
                let s: Vec<f32> = feats.iter().map(|f| ranker.score(f)).collect();
                m.add(&labels_of(q), &s);
            }
            report.rows.push(row(&format!("{name}{half}"), &m, None));
        }
    }
    let count = |tuning: bool| queries.iter().filter(|q| q.tuning == tuning).count();
    report.notes.push(format!(
        "{} products; {} queries: {} tuning half (even last sha1 byte), {} evaluation half; rows without a suffix are the evaluation half",
        data.products.len(),
        queries.len(),
        count(true),
        count(false)
    ));
    if args.sample_below < 256 {
        report.notes.push(format!(
            "sample: queries whose first sha1 byte is below {}",
            args.sample_below
        ));
    }
    report.notes.push(format!(
        "tailor-search index of all products built in {index_secs:.1} s; latency is one full search (top 10 of the catalog) per query"
    ));
    let fmt = |r: &Ranker| {
        r.weights
            .iter()
            .map(|w| format!("{w:.4}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    report
        .notes
        .push(format!("shipped weights: [{}]", fmt(&shipped)));
    report
        .notes
        .push(format!("refit on the tuning half: [{}]", fmt(&refit)));
    report.notes.push(format!(
        "features: {}",
        tailor_search::rank::FEATURE_NAMES.join(", ")
    ));
    Ok(report)
}

fn row(name: &str, m: &Metrics, latency: Option<&mut Vec<f64>>) -> Row {
    let mut r = Row::new(name)
        .metric("PairAcc", m.pair_acc())
        .metric("NDCG@10", m.ndcg())
        .metric("pairs", m.pairs);
    if let Some(lat) = latency {
        r = r.metric("judged@10", m.judged_share());
        r.latency_us = Some(Latency::from_samples(lat));
    }
    r
}

fn dataset_name(path: &Path) -> String {
    path.parent()
        .and_then(|d| d.file_name())
        .map(|d| d.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pair_accuracy_counts_ties_as_half_and_skips_close_labels() {
        let mut m = Metrics::default();
        m.add(&[3.0, 1.0, 2.0, 2.33, 1.33], &[5.0, 1.0, 5.0, 0.0, 1.0]);
        // 3>1, 3>1.33, 2>1 right; 3>2 a tie; 2.33>1.33, 2.33>1 wrong; gaps under 1 skipped.
        assert_eq!(m.pairs, 6.0);
        assert_eq!(m.pair_hits, 3.5);
    }

    #[test]
    fn ndcg_is_one_for_the_ideal_order_and_skips_all_irrelevant() {
        let mut m = Metrics::default();
        m.add(&[3.0, 2.0, 1.0], &[3.0, 2.0, 1.0]);
        m.add(&[1.0, 1.0], &[0.0, 1.0]);
        assert_eq!((m.ndcg_queries, m.ndcg()), (1.0, 1.0));
        let mut w = Metrics::default();
        w.add(&[3.0, 2.0, 1.0], &[1.0, 2.0, 3.0]);
        assert!(w.ndcg() < 1.0);
    }

    #[test]
    fn bm25_prefers_the_shorter_title_with_the_rarer_term() {
        let b = Bm25::new(["red drill", "blue drill bit set", "red hammer", "saw"]);
        assert_eq!(
            bm25_tokens("1/2 In. Drill-Bit"),
            ["1", "2", "in", "drill", "bit"]
        );
        let top = b.top("drill bit", 3);
        assert_eq!(top, [1, 0]);
        assert!(b.scores("saw")[&3] > 0.0);
    }

    #[test]
    fn split_follows_the_last_sha1_byte() {
        for q in ["angle bracket", "l bracket", "deck over"] {
            let last = sha1_smol::Sha1::from(q).digest().bytes()[19];
            assert_eq!(is_tuning(q), last.is_multiple_of(2));
        }
    }

    #[test]
    fn reads_the_home_depot_layout_and_ignores_extra_columns() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("train.csv");
        std::fs::write(
            &p,
            "id,product_uid,product_title,search_term,relevance\n\
             1,100001,\"Angle, 12-Gauge\",angle bracket,3\n\
             2,100001,\"Angle, 12-Gauge\",l bracket,2.5\n\
             3,100002,Deck Coating,angle bracket,1.33\n",
        )
        .unwrap();
        let j = read_judgements(&p).unwrap();
        assert_eq!(j.products.len(), 2);
        assert_eq!(j.queries.len(), 2);
        assert_eq!(j.queries[0].judged, [(0, 3.0), (1, 1.33)]);
        std::fs::write(&p, "product_uid,search_term\n1,a\n").unwrap();
        assert!(matches!(
            read_judgements(&p),
            Err(EvalError::Parse { line: 1, .. })
        ));
    }
}
