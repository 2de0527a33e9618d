//! The learned text ranker: the top text matches are rescored by a linear model over features of
//! how the query meets the product's text. Its weights are fitted pairwise ([`fit_pairwise`]) on
//! judged queries; the shipped [`Ranker::default`] comes from the Home Depot tuning half.
//!
//! Linear on purpose: every part of a score is one feature times one weight, so `explain` can
//! show all of them, and a personal ranker downstream can add its own parts.

use rustc_hash::{FxHashMap, FxHashSet};

use tailor_model::{AttrValue, Product};

use crate::analysis::{Analyzer, allowed_edits, is_number, is_unit, within_edits};
use crate::cooccur::Cooccurrence;
use crate::query::ScorePart;

/// Number of features.
pub const NUM_FEATURES: usize = 20;

/// Feature names, in vector order; also the names of [`ScorePart`]s.
pub const FEATURE_NAMES: [&str; NUM_FEATURES] = [
    "bm25",
    "coverage_exact",
    "coverage_soft",
    "coverage_main",
    "coverage_any_field",
    "all_terms",
    "query_head",
    "title_head",
    "numbers",
    "number_mismatch",
    "bigrams",
    "title_length",
    "missing_terms",
    "char_similarity",
    "brand_miss",
    "phrase",
    "title_coverage",
    "head_to_head",
    "centroid",
    "association",
];

/// Index of each feature in [`Features`].
#[allow(missing_docs)]
pub mod f {
    pub const BM25: usize = 0;
    pub const COVERAGE_EXACT: usize = 1;
    pub const COVERAGE_SOFT: usize = 2;
    pub const COVERAGE_MAIN: usize = 3;
    pub const COVERAGE_ANY_FIELD: usize = 4;
    pub const ALL_TERMS: usize = 5;
    pub const QUERY_HEAD: usize = 6;
    pub const TITLE_HEAD: usize = 7;
    pub const NUMBERS: usize = 8;
    pub const NUMBER_MISMATCH: usize = 9;
    pub const BIGRAMS: usize = 10;
    pub const TITLE_LENGTH: usize = 11;
    pub const MISSING_TERMS: usize = 12;
    pub const CHAR_SIMILARITY: usize = 13;
    pub const BRAND_MISS: usize = 14;
    pub const PHRASE: usize = 15;
    pub const TITLE_COVERAGE: usize = 16;
    pub const HEAD_TO_HEAD: usize = 17;
    pub const CENTROID: usize = 18;
    pub const ASSOCIATION: usize = 19;
}

/// Weights fitted by `tailor eval search` on the Home Depot tuning half (even sha1 byte) only.
/// That data has titles alone, so `coverage_any_field` equals `coverage_soft` there and cannot be
/// fitted: it was left out of the fit and given a small positive weight by hand (a match in the
/// description counts a little), taken off `coverage_soft` so titles score as fitted.
pub const DEFAULT_WEIGHTS: [f32; NUM_FEATURES] = [
    0.0533, -0.1678, -1.1502, 0.0557, 0.2, 0.3084, 0.0206, 0.4103, 0.4922, -0.7456, 0.3043, 0.0256,
    0.0324, 1.8539, 0.0050, 0.1474, 0.4431, 0.3892, 0.5677, 0.4666,
];

/// One feature vector.
pub type Features = [f32; NUM_FEATURES];

/// The analysed text of one product, kept in memory for the features.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DocText {
    /// Title terms in order.
    pub title: Vec<String>,
    /// The same words before stemming (`words[i]` is `title[i]` as written).
    pub words: Vec<String>,
    /// Terms that name the maker: the brand's, or else the title's first two, which is where
    /// catalogs put it (`Delta Cassidy 8 in. Faucet`).
    pub lead: Vec<String>,
    /// How many leading title terms come before ` with `, ` for `, ` in ` (not after a number), a
    /// comma or a bracket: the part that names the product rather than its accessories or colour.
    pub title_main: usize,
    /// The last word of that part that is neither a number nor a unit: usually what the product is.
    pub title_head: Option<String>,
    /// Terms of brand, categories, tags, string attributes and description.
    pub other: FxHashSet<String>,
}

impl DocText {
    /// The text of a product with only a title.
    pub fn from_title(analyzer: &Analyzer, title: &str) -> Self {
        let (terms, words) = analyzer.terms_and_words(title);
        let main_terms = analyzer.terms(&title[..main_part_end(title)]);
        let title_main = main_terms.len().min(terms.len());
        let title_head = main_terms
            .iter()
            .rev()
            .find(|t| !is_number(t) && !is_unit(t))
            .cloned();
        let lead = terms
            .iter()
            .filter(|t| !is_number(t))
            .take(LEAD_TERMS)
            .cloned()
            .collect();
        Self {
            title: terms,
            words,
            lead,
            title_main,
            title_head,
            other: FxHashSet::default(),
        }
    }

    /// The text of a catalog product: title, then the other fields as one bag of terms.
    pub fn from_product(analyzer: &Analyzer, p: &Product) -> Self {
        let mut doc = Self::from_title(analyzer, &p.title);
        if let Some(brand) = p.brand.as_deref().filter(|b| !b.trim().is_empty()) {
            doc.lead = analyzer.terms(brand);
        }
        for text in other_texts(p) {
            doc.other.extend(analyzer.terms(text));
        }
        doc
    }
}

/// Leading title terms that stand for the maker when a product has no brand.
pub const LEAD_TERMS: usize = 2;

/// The text that names a product's maker, for the index's `lead` field: its brand, or else its
/// title (of which the analysis keeps the first [`LEAD_TERMS`] terms).
pub fn lead_text(p: &Product) -> &str {
    p.brand
        .as_deref()
        .filter(|b| !b.trim().is_empty())
        .unwrap_or(&p.title)
}

/// Every text of a product but its title: brand, category names, tags, string attributes and
/// description.
pub fn other_texts(p: &Product) -> impl Iterator<Item = &str> {
    p.brand
        .as_deref()
        .into_iter()
        .chain(p.categories.iter().flatten().map(String::as_str))
        .chain(p.tags.iter().map(String::as_str))
        .chain(
            p.attributes
                .values()
                .flat_map(|v| match v {
                    AttrValue::Text(t) => std::slice::from_ref(t),
                    AttrValue::List(l) => l.as_slice(),
                    AttrValue::Number(_) => &[],
                })
                .map(String::as_str),
        )
        .chain(std::iter::once(p.description.as_str()))
}

/// Byte offset where a title's naming part ends: before ` with `, ` for `, a comma, a bracket,
/// ` - `, or ` in ` that does not follow a number (`in Stainless Steel`, not `24 in W`).
fn main_part_end(title: &str) -> usize {
    let lower = title.to_ascii_lowercase();
    let mut end = title.len();
    for marker in [" with ", " for ", ",", "(", " - "] {
        if let Some(i) = lower.find(marker) {
            end = end.min(i);
        }
    }
    let mut from = 0;
    while let Some(i) = lower[from..].find(" in ").map(|i| i + from) {
        if !lower[..i].ends_with(|c: char| c.is_ascii_digit()) {
            end = end.min(i);
            break;
        }
        from = i + 1;
    }
    // A title that is all accessories has no naming part: use all of it.
    if lower[..end].trim().is_empty() {
        title.len()
    } else {
        end
    }
}

/// The analysed query as the features see it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueryText {
    /// Query terms in order (stop words gone).
    pub terms: Vec<String>,
    /// The same terms before stemming, as typed (lowercased, folded).
    pub words: Vec<String>,
    /// Inverse document frequency of each term in titles.
    pub idf: Vec<f32>,
    /// Whether each term usually names a maker (it leads most titles it is in, or is a brand).
    pub brand: Vec<bool>,
    /// Whether the last term may match as a prefix (still being typed).
    pub prefix_last: bool,
    /// Synonym alternatives: (first term, end term exclusive, alternative term lists).
    pub synonyms: Vec<(usize, usize, Vec<Vec<String>>)>,
}

/// Whether query term `i` matches title position `p`: the same stem, a typo within the allowed
/// edits of the word as typed or of its stem, a prefix of the word when `prefix` is set.
fn soft_match(q: &QueryText, i: usize, doc: &DocText, p: usize, prefix: bool) -> bool {
    let (qt, t) = (&q.terms[i], &doc.title[p]);
    if qt == t {
        return true;
    }
    if is_number(qt) || is_number(t) {
        return false;
    }
    let qw = q.words.get(i).unwrap_or(qt);
    let w = doc.words.get(p).unwrap_or(t);
    if prefix && qw.len() >= 2 && w.starts_with(qw.as_str()) {
        return true;
    }
    let k = allowed_edits(qw.chars().count());
    k > 0 && (within_edits(qw, w, k) || within_edits(qt, t, allowed_edits(qt.chars().count())))
}

/// Whether a query term matches a single word: same stem, or within the allowed edits.
fn soft_eq(q: &str, t: &str, prefix: bool) -> bool {
    if q == t {
        return true;
    }
    if is_number(q) || is_number(t) {
        return false;
    }
    if prefix && q.len() >= 2 && t.starts_with(q) {
        return true;
    }
    let k = allowed_edits(q.chars().count());
    k > 0 && within_edits(q, t, k)
}

fn trigrams(s: &str) -> FxHashSet<[char; 3]> {
    let padded: Vec<char> = std::iter::once(' ')
        .chain(s.chars())
        .chain(std::iter::once(' '))
        .collect();
    padded.windows(3).map(|w| [w[0], w[1], w[2]]).collect()
}

fn dice(a: &FxHashSet<[char; 3]>, b: &FxHashSet<[char; 3]>) -> f32 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    2.0 * a.intersection(b).count() as f32 / (a.len() + b.len()) as f32
}

/// The feature vector of one product for one query; `bm25` is tantivy's score.
pub fn features(q: &QueryText, doc: &DocText, bm25: f32, words: &Cooccurrence) -> Features {
    let mut x = [0.0f32; NUM_FEATURES];
    x[f::BM25] = bm25.max(0.0).ln_1p();
    let n = q.terms.len();
    x[f::TITLE_LENGTH] = (doc.title.len() as f32).ln_1p();
    if n == 0 {
        return x;
    }
    let title = &doc.title;
    let last = n - 1;
    // Per query term: where it matches; per title position: whether a query term meets it.
    let mut exact = vec![false; n];
    let mut soft = vec![false; n];
    let mut main = vec![false; n];
    let mut any = vec![false; n];
    let mut covered = vec![false; title.len()];
    for (i, qt) in q.terms.iter().enumerate() {
        let prefix = q.prefix_last && i == last;
        for (p, t) in title.iter().enumerate() {
            let hit = if qt == t {
                exact[i] = true;
                true
            } else {
                soft_match(q, i, doc, p, prefix)
                    // A compound typed as one word: `doorknob` for `door knob`.
                    || title.get(p + 1).is_some_and(|u| {
                        qt.len() == t.len() + u.len() && qt.starts_with(t.as_str()) && qt.ends_with(u.as_str())
                    })
            };
            if hit {
                soft[i] = true;
                covered[p] = true;
                if p < doc.title_main {
                    main[i] = true;
                }
            }
        }
        // Two query words typed apart that the title writes as one: `door knob` for `doorknob`.
        if !soft[i] && i + 1 < n {
            let joined = format!("{qt}{}", q.terms[i + 1]);
            if let Some(p) = title.iter().position(|t| *t == joined) {
                soft[i] = true;
                soft[i + 1] = true;
                covered[p] = true;
                main[i] |= p < doc.title_main;
                main[i + 1] |= p < doc.title_main;
            }
        }
        any[i] = soft[i] || doc.other.contains(qt) || doc.lead.contains(qt);
    }
    for (from, to, alts) in &q.synonyms {
        let title_set: FxHashSet<&str> = title.iter().map(String::as_str).collect();
        if alts
            .iter()
            .any(|alt| alt.iter().all(|t| title_set.contains(t.as_str())))
        {
            for i in *from..(*to).min(n) {
                soft[i] = true;
                any[i] = true;
            }
        }
    }
    let idf_sum: f32 = q.idf.iter().sum::<f32>().max(1e-6);
    let share = |m: &[bool]| -> f32 {
        m.iter()
            .zip(&q.idf)
            .filter(|(m, _)| **m)
            .map(|(_, w)| *w)
            .sum::<f32>()
            / idf_sum
    };
    x[f::COVERAGE_EXACT] = share(&exact);
    x[f::COVERAGE_SOFT] = share(&soft);
    x[f::COVERAGE_MAIN] = share(&main);
    x[f::COVERAGE_ANY_FIELD] = share(&any);
    x[f::ALL_TERMS] = f32::from(u8::from(soft.iter().all(|&m| m)));
    // The head of the query is its last plain word: `wood splitting maul` asks for a maul.
    let query_head = (0..n)
        .rev()
        .find(|&i| !is_number(&q.terms[i]) && !is_unit(&q.terms[i]));
    if let Some(h) = query_head {
        x[f::QUERY_HEAD] = f32::from(u8::from(soft[h]));
    }
    if let Some(head) = &doc.title_head {
        let hit = q
            .terms
            .iter()
            .enumerate()
            .any(|(i, qt)| soft_eq(qt, head, q.prefix_last && i == last));
        x[f::TITLE_HEAD] = f32::from(u8::from(hit));
        if let Some(h) = query_head {
            x[f::HEAD_TO_HEAD] = f32::from(u8::from(soft_eq(
                &q.terms[h],
                head,
                q.prefix_last && h == last,
            )));
        }
    }
    // Numbers, and numbers with units: `1/2 inch` against a title's `3/4 inch`.
    let numbers: Vec<usize> = (0..n).filter(|&i| is_number(&q.terms[i])).collect();
    if !numbers.is_empty() {
        x[f::NUMBERS] = numbers.iter().filter(|&&i| exact[i]).count() as f32 / numbers.len() as f32;
        let pairs: Vec<(&str, &str)> = numbers
            .iter()
            .filter_map(|&i| {
                q.terms
                    .get(i + 1)
                    .filter(|u| is_unit(u))
                    .map(|u| (q.terms[i].as_str(), u.as_str()))
            })
            .collect();
        if !pairs.is_empty() {
            let title_pairs: Vec<(&str, &str)> = title
                .windows(2)
                .filter(|w| is_number(&w[0]) && is_unit(&w[1]))
                .map(|w| (w[0].as_str(), w[1].as_str()))
                .collect();
            let mismatched = pairs
                .iter()
                .filter(|(num, unit)| {
                    title_pairs.iter().any(|(_, u)| u == unit)
                        && !title_pairs.iter().any(|(m, u)| u == unit && m == num)
                })
                .count();
            x[f::NUMBER_MISMATCH] = mismatched as f32 / pairs.len() as f32;
        }
    }
    if n >= 2 {
        let adjacent = q
            .terms
            .windows(2)
            .filter(|w| title.windows(2).any(|t| t[0] == w[0] && t[1] == w[1]))
            .count();
        x[f::BIGRAMS] = adjacent as f32 / (n - 1) as f32;
        x[f::PHRASE] = f32::from(u8::from(
            title.windows(n).any(|t| t.iter().eq(q.terms.iter())),
        ));
    }
    x[f::MISSING_TERMS] = any.iter().filter(|&&m| !m).count() as f32;
    // Spelling closeness of each word to its nearest title word, for typos beyond the edit limit.
    let title_grams: Vec<FxHashSet<[char; 3]>> = doc.words.iter().map(|t| trigrams(t)).collect();
    let mut sim = 0.0;
    for (i, qt) in q.terms.iter().enumerate() {
        let best = if soft[i] {
            1.0
        } else if is_number(qt) {
            0.0
        } else {
            let g = trigrams(q.words.get(i).unwrap_or(qt));
            title_grams
                .iter()
                .map(|t| dice(&g, t))
                .fold(0.0f32, f32::max)
        };
        sim += best * q.idf[i];
    }
    x[f::CHAR_SIMILARITY] = sim / idf_sum;
    // Words the title lacks that titles like it use.
    let mut assoc = 0.0;
    for ((qt, &matched), idf) in q.terms.iter().zip(&soft).zip(&q.idf) {
        let a = if matched {
            1.0
        } else if is_number(qt) || is_unit(qt) {
            0.0
        } else {
            words.id(qt).map_or(0.0, |id| words.association(id, doc))
        };
        assoc += a * idf;
    }
    x[f::ASSOCIATION] = assoc / idf_sum;
    // A maker the shopper named that this product is not from.
    let brands: Vec<usize> = (0..n).filter(|&i| q.brand.get(i) == Some(&true)).collect();
    if !brands.is_empty() {
        let missed = brands
            .iter()
            .filter(|&&i| !soft[i] && !doc.lead.contains(&q.terms[i]))
            .count();
        x[f::BRAND_MISS] = missed as f32 / brands.len() as f32;
    }
    // How much of what names the product the query accounts for.
    let naming: Vec<usize> = (0..doc.title_main.min(title.len()))
        .filter(|&p| !is_number(&title[p]) && !is_unit(&title[p]))
        .collect();
    if !naming.is_empty() {
        x[f::TITLE_COVERAGE] =
            naming.iter().filter(|&&p| covered[p]).count() as f32 / naming.len() as f32;
    }
    x
}

/// What the best text matches of a query have in common: the share of them whose title has each
/// term. A product much like them is likely what the query is about, even where its own words
/// meet the query only partly (pseudo-relevance feedback over the index's own results).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Centroid {
    share: FxHashMap<String, f32>,
}

impl Centroid {
    /// How many of the best matches it is built from.
    pub const DOCS: usize = 10;

    /// The centroid of `docs` (the best matches, best first; only the first [`Self::DOCS`] count).
    pub fn new<'a>(docs: impl IntoIterator<Item = &'a DocText>) -> Self {
        let mut share: FxHashMap<String, f32> = FxHashMap::default();
        let mut n = 0usize;
        for d in docs.into_iter().take(Self::DOCS) {
            n += 1;
            let mut seen: FxHashSet<&str> = FxHashSet::default();
            for t in naming_terms(d) {
                if seen.insert(t) {
                    *share.entry(t.to_string()).or_default() += 1.0;
                }
            }
        }
        let n = n.max(1) as f32;
        share.values_mut().for_each(|v| *v /= n);
        Self { share }
    }

    /// Mean share of `doc`'s distinct title words among the best matches (0 to 1).
    pub fn similarity(&self, doc: &DocText) -> f32 {
        let mut seen: FxHashSet<&str> = FxHashSet::default();
        let (mut sum, mut count) = (0.0, 0usize);
        for t in naming_terms(doc) {
            if seen.insert(t) {
                sum += self.share.get(t).copied().unwrap_or(0.0);
                count += 1;
            }
        }
        if count == 0 { 0.0 } else { sum / count as f32 }
    }
}

fn naming_terms(d: &DocText) -> impl Iterator<Item = &str> {
    d.title
        .iter()
        .filter(|t| !is_number(t) && !is_unit(t))
        .map(String::as_str)
}

/// Features of a head of candidates (document text and BM25 each), in two passes: every feature
/// but [`f::CENTROID`], a first score, then the centroid of the best by that score. Returns the
/// features in `head` order and the centroid, for scoring other products of the same query.
pub fn head_features(
    ranker: &Ranker,
    q: &QueryText,
    head: &[(&DocText, f32)],
    words: &Cooccurrence,
) -> (Vec<Features>, Centroid) {
    let mut xs: Vec<Features> = head
        .iter()
        .map(|(d, b)| features(q, d, *b, words))
        .collect();
    let mut order: Vec<(usize, f32)> = xs
        .iter()
        .enumerate()
        .map(|(i, x)| (i, ranker.score(x)))
        .collect();
    let k = Centroid::DOCS.min(order.len());
    if k < order.len() {
        order.select_nth_unstable_by(k, |a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    }
    order.truncate(k);
    order.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    let centroid = Centroid::new(order.iter().map(|&(i, _)| head[i].0));
    for (x, (d, _)) in xs.iter_mut().zip(head) {
        x[f::CENTROID] = centroid.similarity(d);
    }
    (xs, centroid)
}

/// A linear scorer over [`Features`].
#[derive(Debug, Clone, PartialEq)]
pub struct Ranker {
    /// One weight per feature, in [`FEATURE_NAMES`] order.
    pub weights: Features,
}

impl Default for Ranker {
    fn default() -> Self {
        Self {
            weights: DEFAULT_WEIGHTS,
        }
    }
}

impl Ranker {
    /// The score of a feature vector.
    pub fn score(&self, f: &Features) -> f32 {
        f.iter().zip(&self.weights).map(|(x, w)| x * w).sum()
    }

    /// Every part of the score (they add up to [`Ranker::score`]).
    pub fn parts(&self, f: &Features) -> Vec<ScorePart> {
        f.iter()
            .zip(&self.weights)
            .zip(FEATURE_NAMES)
            .map(|((&value, &w), name)| ScorePart {
                name,
                value,
                contribution: value * w,
            })
            .collect()
    }
}

/// One judged product of one query: its features and its label (higher is more relevant).
#[derive(Debug, Clone, PartialEq)]
pub struct Judged {
    /// Features of the product for the query.
    pub features: Features,
    /// Relevance label.
    pub label: f32,
}

/// Training options for [`fit_pairwise`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FitOptions {
    /// Least label gap for a pair to train on.
    pub min_gap: f32,
    /// L2 penalty on standardised weights.
    pub l2: f32,
    /// Full-batch gradient steps.
    pub steps: usize,
    /// Step size on standardised features.
    pub learning_rate: f32,
}

impl Default for FitOptions {
    fn default() -> Self {
        Self {
            min_gap: 0.5,
            l2: 1e-3,
            steps: 400,
            learning_rate: 0.5,
        }
    }
}

/// Fits a [`Ranker`] by pairwise logistic regression (RankNet with a linear model): within each
/// query, for every two products whose labels differ by `min_gap` or more, the better one should
/// score higher; each pair counts by its label gap. Deterministic.
pub fn fit_pairwise(queries: &[Vec<Judged>], opts: FitOptions) -> Ranker {
    // Standardise so one step size suits every feature.
    let rows: Vec<&Features> = queries.iter().flatten().map(|j| &j.features).collect();
    let mut mean = [0.0f64; NUM_FEATURES];
    let mut var = [0.0f64; NUM_FEATURES];
    for r in &rows {
        for k in 0..NUM_FEATURES {
            mean[k] += f64::from(r[k]);
        }
    }
    let count = rows.len().max(1) as f64;
    mean.iter_mut().for_each(|m| *m /= count);
    for r in &rows {
        for k in 0..NUM_FEATURES {
            var[k] += (f64::from(r[k]) - mean[k]).powi(2);
        }
    }
    let std: Vec<f64> = var
        .iter()
        .map(|v| (v / count).sqrt())
        .map(|s| if s < 1e-9 { 1.0 } else { s })
        .collect();
    let mut diffs: Vec<([f64; NUM_FEATURES], f64)> = Vec::new();
    for q in queries {
        for a in q {
            for b in q {
                let gap = a.label - b.label;
                if gap >= opts.min_gap - 1e-4 {
                    let mut d = [0.0; NUM_FEATURES];
                    for k in 0..NUM_FEATURES {
                        d[k] = f64::from(a.features[k] - b.features[k]) / std[k];
                    }
                    diffs.push((d, f64::from(gap)));
                }
            }
        }
    }
    let mut w = [0.0f64; NUM_FEATURES];
    if diffs.is_empty() {
        return Ranker {
            weights: [0.0; NUM_FEATURES],
        };
    }
    let total: f64 = diffs.iter().map(|(_, g)| g).sum();
    // Adam on the mean weighted logistic loss.
    let (b1, b2, eps) = (0.9, 0.999, 1e-8);
    let mut m = [0.0f64; NUM_FEATURES];
    let mut v = [0.0f64; NUM_FEATURES];
    for step in 1..=opts.steps {
        let mut grad = [0.0f64; NUM_FEATURES];
        for (d, g) in &diffs {
            let s: f64 = d.iter().zip(&w).map(|(x, w)| x * w).sum();
            // d/ds of log(1 + exp(-s)) = -1 / (1 + exp(s))
            let coef = -g / (1.0 + s.exp());
            for k in 0..NUM_FEATURES {
                grad[k] += coef * d[k];
            }
        }
        for k in 0..NUM_FEATURES {
            let gk = grad[k] / total + f64::from(opts.l2) * w[k];
            m[k] = b1 * m[k] + (1.0 - b1) * gk;
            v[k] = b2 * v[k] + (1.0 - b2) * gk * gk;
            let mh = m[k] / (1.0 - b1.powi(step as i32));
            let vh = v[k] / (1.0 - b2.powi(step as i32));
            w[k] -= f64::from(opts.learning_rate) * 0.1 * mh / (vh.sqrt() + eps);
        }
    }
    let mut weights = [0.0f32; NUM_FEATURES];
    for k in 0..NUM_FEATURES {
        weights[k] = (w[k] / std[k]) as f32;
    }
    Ranker { weights }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(title: &str) -> DocText {
        DocText::from_title(&Analyzer::default(), title)
    }

    fn features_of(q: &QueryText, d: &DocText, bm25: f32) -> Features {
        features(q, d, bm25, &Cooccurrence::default())
    }

    fn query(text: &str) -> QueryText {
        let (terms, words) = Analyzer::default().terms_and_words(text);
        QueryText {
            idf: vec![1.0; terms.len()],
            brand: vec![false; terms.len()],
            terms,
            words,
            prefix_last: false,
            synonyms: Vec::new(),
        }
    }

    #[test]
    fn title_head_is_the_product_noun() {
        let d = doc("GE 23.2 cu. ft. Bottom Freezer Refrigerator in Stainless Steel");
        assert_eq!(d.title_head.as_deref(), Some("refriger"));
        let d = doc("Everbilt 1/2 in. x 10 ft. Copper Pipe with Fittings");
        assert_eq!(d.title_head.as_deref(), Some("pipe"));
    }

    #[test]
    fn features_see_typos_compounds_and_units() {
        let d = doc("Kwikset Door Knob in Satin Nickel");
        let f = features_of(&query("kwiksett doorknob"), &d, 0.0);
        assert_eq!(f[2], 1.0, "{f:?}");
        let pipe = doc("Everbilt 3/4 in. Copper Pipe");
        let f = features_of(&query("1/2 in copper pipe"), &pipe, 0.0);
        assert_eq!((f[8], f[9]), (0.0, 1.0));
        let f = features_of(&query("3/4\" copper pipe"), &pipe, 0.0);
        assert_eq!((f[8], f[9], f[6]), (1.0, 0.0, 1.0));
    }

    #[test]
    fn pairwise_fit_learns_which_feature_orders_labels() {
        let mut queries = Vec::new();
        for i in 0..20 {
            let mut q = Vec::new();
            for j in 0..4 {
                let mut features = [0.0; NUM_FEATURES];
                features[2] = j as f32 / 3.0;
                features[11] = ((i * 7 + j * 3) % 5) as f32;
                q.push(Judged {
                    features,
                    label: 1.0 + j as f32 * 0.6,
                });
            }
            queries.push(q);
        }
        let r = fit_pairwise(&queries, FitOptions::default());
        assert!(r.weights[2] > 1.0, "{:?}", r.weights);
        assert!(r.weights[11].abs() < r.weights[2] / 4.0, "{:?}", r.weights);
        let f = queries[0][3].features;
        let total: f32 = r.parts(&f).iter().map(|p| p.contribution).sum();
        assert!((total - r.score(&f)).abs() < 1e-5);
    }
}
