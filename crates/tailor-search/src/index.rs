//! The search index: tantivy for text matching and BM25, plus an in-memory table of each
//! product's filterable fields and analysed text, which filters, facets, group collapsing and the
//! learned ranker read without touching tantivy's stored documents.
//!
//! Freshness: [`SearchIndex::upsert`] and [`SearchIndex::delete`] go to tantivy's writer at once;
//! [`SearchIndex::refresh`] commits and reloads the reader, which takes milliseconds for small
//! batches, so a caller that refreshes after each catalog batch (or every ~200 ms while
//! [`SearchIndex::is_dirty`]) makes every change searchable well within a second. A delete hides
//! the product at once, even before the refresh.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use parking_lot::{Mutex, RwLock};
use rustc_hash::{FxHashMap, FxHashSet};
use tailor_model::{Millis, Product, ProductId};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, FuzzyTermQuery, Occur, Query, TermQuery,
    TermSetQuery,
};
use tantivy::schema::{
    FAST, Field, IndexRecordOption, STRING, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::Language;
use tantivy::{
    DocId, Index, IndexReader, IndexWriter, ReloadPolicy, Score, SegmentOrdinal, SegmentReader,
    TantivyDocument, Term,
};

use crate::analysis::{Analyzer, allowed_edits, is_number};
use crate::error::SearchError;
use crate::query::{
    FacetCount, Facets, Filters, Hit, Hooks, MAX_CANDIDATES, MAX_LIMIT, Relaxation, SearchQuery,
    SearchResult, Sort,
};
use crate::rank::{DocText, Features, QueryText, Ranker, features, other_texts};
use crate::synonyms::{Clause, Synonyms};

/// Bytes of query text analysed; the rest of a longer query is ignored.
pub const MAX_QUERY_BYTES: usize = 1024;
/// Query terms searched for; the rest are ignored.
pub const MAX_QUERY_TERMS: usize = 16;
/// Name the analyzer is registered under.
const TOKENIZER: &str = "tailor";
/// The fast field that maps a tantivy document to its row in the in-memory table.
const SLOT: &str = "slot";

/// How much a match in each field counts, and how much a fuzzy or prefix match counts relative
/// to an exact one in the same field.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FieldWeights {
    /// Title.
    pub title: f32,
    /// Brand.
    pub brand: f32,
    /// Category names.
    pub category: f32,
    /// String attributes and tags.
    pub attributes: f32,
    /// Description.
    pub description: f32,
    /// A fuzzy match scores this times the field weight (a constant, not BM25).
    pub fuzzy: f32,
    /// A prefix match of the last term scores this times the field weight.
    pub prefix: f32,
}

impl Default for FieldWeights {
    fn default() -> Self {
        Self {
            title: 3.0,
            brand: 2.0,
            category: 1.5,
            attributes: 1.0,
            description: 0.5,
            fuzzy: 0.5,
            prefix: 0.5,
        }
    }
}

/// Index settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SearchConfig {
    /// Stemming and stop-word language.
    pub language: Language,
    /// Field weights.
    pub weights: FieldWeights,
    /// tantivy writer heap in bytes.
    pub writer_memory: usize,
}

impl Default for SearchConfig {
    fn default() -> Self {
        Self {
            language: Language::English,
            weights: FieldWeights::default(),
            writer_memory: 50_000_000,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Fields {
    id: Field,
    title: Field,
    brand: Field,
    category: Field,
    attributes: Field,
    description: Field,
}

/// What filters, facets, sorting and the ranker need of one product.
#[derive(Debug)]
struct Meta {
    id: ProductId,
    group: String,
    brand: Option<String>,
    categories: Vec<Vec<String>>,
    price: Option<f64>,
    sellable: bool,
    hidden: bool,
    created_at: Option<Millis>,
    text: DocText,
}

/// Rows by slot; a slot is never reused, so a stale tantivy document can only ever point at its
/// own product (or at nothing once deleted).
#[derive(Default)]
struct Table {
    slot_of: FxHashMap<ProductId, u32>,
    rows: Vec<Option<Arc<Meta>>>,
}

/// A product search index over one shop's catalog, in memory.
///
/// Thread-safe: searches run concurrently with each other and with writes.
pub struct SearchIndex {
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    analyzer: Analyzer,
    config: SearchConfig,
    table: RwLock<Table>,
    synonyms: RwLock<Arc<Synonyms>>,
    ranker: RwLock<Arc<Ranker>>,
    dirty: AtomicBool,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("products", &self.len())
            .finish()
    }
}

impl SearchIndex {
    /// An empty in-memory index.
    pub fn new(config: SearchConfig) -> Result<Self, SearchError> {
        let mut sb = Schema::builder();
        let text = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(TOKENIZER)
                .set_index_option(IndexRecordOption::WithFreqs),
        );
        let fields = Fields {
            id: sb.add_text_field("id", STRING),
            title: sb.add_text_field("title", text.clone()),
            brand: sb.add_text_field("brand", text.clone()),
            category: sb.add_text_field("category", text.clone()),
            attributes: sb.add_text_field("attributes", text.clone()),
            description: sb.add_text_field("description", text),
        };
        sb.add_u64_field(SLOT, FAST);
        let index = Index::create_in_ram(sb.build());
        let analyzer = Analyzer::new(config.language);
        index
            .tokenizers()
            .register(TOKENIZER, analyzer.text_analyzer());
        let writer = index.writer_with_num_threads(1, config.writer_memory)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(Self {
            reader,
            writer: Mutex::new(writer),
            fields,
            analyzer,
            config,
            table: RwLock::new(Table::default()),
            synonyms: RwLock::new(Arc::new(Synonyms::default())),
            ranker: RwLock::new(Arc::new(Ranker::default())),
            dirty: AtomicBool::new(false),
        })
    }

    /// The analysis this index uses.
    pub fn analyzer(&self) -> &Analyzer {
        &self.analyzer
    }

    /// Products in the index (including changes not yet refreshed).
    pub fn len(&self) -> usize {
        self.table.read().slot_of.len()
    }

    /// Whether the index holds no product.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Adds a product, or replaces the one with its id. Searchable after [`Self::refresh`].
    pub fn upsert(&self, p: &Product) -> Result<(), SearchError> {
        let meta = Arc::new(Meta {
            id: p.id.clone(),
            group: p.group_key().to_string(),
            brand: p.brand.clone().filter(|b| !b.trim().is_empty()),
            categories: p.categories.clone(),
            price: p.effective_price(),
            sellable: p.is_sellable(),
            hidden: p.hidden,
            created_at: p.created_at,
            text: DocText::from_product(&self.analyzer, p),
        });
        let mut doc = TantivyDocument::new();
        let f = self.fields;
        doc.add_text(f.id, p.id.as_str());
        doc.add_text(f.title, &p.title);
        if let Some(b) = &p.brand {
            doc.add_text(f.brand, b);
        }
        for name in p.categories.iter().flatten() {
            doc.add_text(f.category, name);
        }
        let texts: Vec<&str> = other_texts(p).collect();
        // other_texts is brand, categories, then tags and attributes, then the description.
        let skip = usize::from(p.brand.is_some()) + p.categories.iter().flatten().count();
        if let Some((description, attrs)) = texts[skip..].split_last() {
            for a in attrs {
                doc.add_text(f.attributes, a);
            }
            if !description.is_empty() {
                doc.add_text(f.description, description);
            }
        }
        let mut table = self.table.write();
        let slot = match table.slot_of.get(&p.id) {
            Some(&s) => s,
            None => {
                let s = u32::try_from(table.rows.len()).map_err(|_| SearchError::Full)?;
                table.rows.push(None);
                table.slot_of.insert(p.id.clone(), s);
                s
            }
        };
        doc.add_u64(self.schema_slot(), u64::from(slot));
        {
            let writer = self.writer.lock();
            writer.delete_term(Term::from_field_text(f.id, p.id.as_str()));
            writer.add_document(doc)?;
        }
        table.rows[slot as usize] = Some(meta);
        self.dirty.store(true, Ordering::Release);
        Ok(())
    }

    /// Removes a product; it stops appearing at once. Returns whether it was there.
    pub fn delete(&self, id: &ProductId) -> bool {
        let mut table = self.table.write();
        let Some(slot) = table.slot_of.remove(id) else {
            return false;
        };
        table.rows[slot as usize] = None;
        self.writer
            .lock()
            .delete_term(Term::from_field_text(self.fields.id, id.as_str()));
        self.dirty.store(true, Ordering::Release);
        true
    }

    /// Whether changes wait for [`Self::refresh`].
    pub fn is_dirty(&self) -> bool {
        self.dirty.load(Ordering::Acquire)
    }

    /// Commits pending changes and reloads the reader, so searches see them.
    pub fn refresh(&self) -> Result<(), SearchError> {
        self.dirty.store(false, Ordering::Release);
        self.writer.lock().commit()?;
        self.reader.reload()?;
        Ok(())
    }

    /// [`Self::refresh`] only when something changed; cheap to call on a timer.
    pub fn refresh_if_dirty(&self) -> Result<bool, SearchError> {
        if self.is_dirty() {
            self.refresh()?;
            return Ok(true);
        }
        Ok(false)
    }

    /// Replaces the synonym groups; the next search uses them.
    pub fn set_synonyms(&self, groups: &[Vec<String>]) {
        *self.synonyms.write() = Arc::new(Synonyms::new(groups, &self.analyzer));
    }

    /// Replaces the learned ranker.
    pub fn set_ranker(&self, ranker: Ranker) {
        *self.ranker.write() = Arc::new(ranker);
    }

    /// The learned ranker in use.
    pub fn ranker(&self) -> Ranker {
        (**self.ranker.read()).clone()
    }

    fn schema_slot(&self) -> Field {
        self.reader
            .searcher()
            .schema()
            .get_field(SLOT)
            .expect("the schema has a slot field")
    }

    /// The analysed query: its clauses (synonyms applied) and what the features need.
    fn analyse(&self, text: &str, searcher: &tantivy::Searcher) -> (Vec<Clause>, QueryText) {
        let mut cut = text.len().min(MAX_QUERY_BYTES);
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        let text = &text[..cut];
        let mut terms = self.analyzer.terms(text);
        terms.truncate(MAX_QUERY_TERMS);
        // A query that does not end in a space or punctuation is still being typed.
        let prefix_last = text.chars().last().is_some_and(char::is_alphanumeric);
        let clauses = self.synonyms.read().clauses(&terms);
        let n = searcher.num_docs() as f32;
        let idf = terms
            .iter()
            .map(|t| {
                let df = searcher
                    .doc_freq(&Term::from_field_text(self.fields.title, t))
                    .unwrap_or(0) as f32;
                (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
            })
            .collect();
        let synonyms = clauses
            .iter()
            .filter(|c| !c.alternatives.is_empty())
            .map(|c| (c.start, c.start + c.terms.len(), c.alternatives.clone()))
            .collect();
        let qt = QueryText {
            terms,
            idf,
            prefix_last,
            synonyms,
        };
        (clauses, qt)
    }

    fn term_query(&self, t: &str, typo: bool, prefix: bool) -> Box<dyn Query> {
        let f = self.fields;
        let w = self.config.weights;
        let mut should: Vec<Box<dyn Query>> = Vec::new();
        for (field, weight) in [
            (f.title, w.title),
            (f.brand, w.brand),
            (f.category, w.category),
            (f.attributes, w.attributes),
            (f.description, w.description),
        ] {
            let q = TermQuery::new(
                Term::from_field_text(field, t),
                IndexRecordOption::WithFreqs,
            );
            should.push(Box::new(BoostQuery::new(Box::new(q), weight)));
        }
        let chars = t.chars().count();
        let edits = allowed_edits(chars);
        for (field, weight) in [(f.title, w.title), (f.brand, w.brand)] {
            let term = Term::from_field_text(field, t);
            if typo && edits > 0 && !is_number(t) {
                let q = FuzzyTermQuery::new(term.clone(), edits, true);
                should.push(Box::new(BoostQuery::new(Box::new(q), weight * w.fuzzy)));
            }
            if prefix && chars >= 2 && !is_number(t) {
                let q = FuzzyTermQuery::new_prefix(term, 0, true);
                should.push(Box::new(BoostQuery::new(Box::new(q), weight * w.prefix)));
            }
        }
        Box::new(BooleanQuery::union(should))
    }

    fn clause_query(&self, c: &Clause, prefix_at: Option<usize>) -> Box<dyn Query> {
        let own = |i: usize, t: &str| self.term_query(t, true, prefix_at == Some(c.start + i));
        let mut options: Vec<Box<dyn Query>> = vec![if c.terms.len() == 1 {
            own(0, &c.terms[0])
        } else {
            Box::new(BooleanQuery::intersection(
                c.terms.iter().enumerate().map(|(i, t)| own(i, t)).collect(),
            ))
        }];
        for alt in &c.alternatives {
            let parts: Vec<Box<dyn Query>> = alt
                .iter()
                .map(|t| self.term_query(t, false, false))
                .collect();
            options.push(Box::new(BooleanQuery::intersection(parts)));
        }
        if options.len() == 1 {
            options.pop().expect("one option")
        } else {
            Box::new(BooleanQuery::union(options))
        }
    }

    fn text_query(&self, clauses: &[Clause], qt: &QueryText, level: Relaxation) -> Box<dyn Query> {
        let prefix_at = qt.prefix_last.then(|| qt.terms.len().saturating_sub(1));
        let parts: Vec<Box<dyn Query>> = clauses
            .iter()
            .map(|c| self.clause_query(c, prefix_at))
            .collect();
        let n = parts.len();
        match level {
            Relaxation::None => Box::new(BooleanQuery::intersection(parts)),
            Relaxation::AllButOne => Box::new(BooleanQuery::union_with_minimum_required_clauses(
                parts,
                n - 1,
            )),
            Relaxation::AnyTerm => Box::new(BooleanQuery::union(parts)),
            Relaxation::Browse => Box::new(AllQuery),
        }
    }

    /// Runs a search or browse request.
    pub fn search(&self, q: &SearchQuery) -> Result<SearchResult, SearchError> {
        self.search_with(q, Hooks::default())
    }

    /// Runs a search or browse request with the caller's filter and popularity.
    pub fn search_with(
        &self,
        q: &SearchQuery,
        hooks: Hooks<'_>,
    ) -> Result<SearchResult, SearchError> {
        validate(q)?;
        let searcher = self.reader.searcher();
        let (clauses, qt) = self.analyse(&q.text, &searcher);
        let levels: &[Relaxation] = match clauses.len() {
            0 => &[Relaxation::Browse],
            1 | 2 => &[Relaxation::None, Relaxation::AnyTerm, Relaxation::Browse],
            _ => &[
                Relaxation::None,
                Relaxation::AllButOne,
                Relaxation::AnyTerm,
                Relaxation::Browse,
            ],
        };
        let filters = Compiled::new(&q.filters);
        let table = self.table.read();
        let mut matches: Vec<Match> = Vec::new();
        let mut relaxation = Relaxation::Browse;
        for &level in levels {
            let query = self.text_query(&clauses, &qt, level);
            matches = searcher
                .search(&*query, &AllMatches)?
                .into_iter()
                .filter_map(|(slot, bm25)| {
                    let meta = table.rows.get(slot as usize)?.as_ref()?;
                    let kept = !meta.hidden && hooks.keep.is_none_or(|k| k(&meta.id));
                    kept.then(|| Match {
                        mask: filters.mask(meta),
                        meta: Arc::clone(meta),
                        bm25,
                    })
                })
                .collect();
            relaxation = level;
            if matches.iter().any(|m| m.mask == ALL) {
                break;
            }
        }
        drop(table);
        let facets = facets(&matches, q);
        let mut pass: Vec<Match> = matches.into_iter().filter(|m| m.mask == ALL).collect();
        let ranker = Arc::clone(&self.ranker.read());
        // Best text matches first; the candidates among them are rescored by the ranker.
        pass.sort_by(|a, b| {
            b.bm25
                .total_cmp(&a.bm25)
                .then_with(|| a.meta.id.cmp(&b.meta.id))
        });
        let mut scored: Vec<(Match, f32, Option<Features>)> = pass
            .into_iter()
            .enumerate()
            .map(|(rank, m)| {
                if relaxation != Relaxation::Browse && rank < q.candidates {
                    let f = features(&qt, &m.meta.text, m.bm25);
                    let s = ranker.score(&f);
                    (m, s, Some(f))
                } else {
                    let s = ranker.weights[0] * m.bm25.max(0.0).ln_1p();
                    (m, s, None)
                }
            })
            .collect();
        let head = q.candidates.min(scored.len());
        scored[..head].sort_by(|a, b| {
            b.1.total_cmp(&a.1)
                .then_with(|| b.0.bm25.total_cmp(&a.0.bm25))
                .then_with(|| a.0.meta.id.cmp(&b.0.meta.id))
        });
        match (q.sort, relaxation, hooks.prior) {
            (Sort::Popularity, _, Some(prior)) => {
                let mut keyed: Vec<_> = scored
                    .into_iter()
                    .map(|s| (prior(&s.0.meta.id), s))
                    .collect();
                // Stable: equally popular products keep their relevance order.
                keyed.sort_by(|a, b| b.0.total_cmp(&a.0));
                scored = keyed.into_iter().map(|(_, s)| s).collect();
            }
            (Sort::Popularity, _, None) => {}
            // Browse: what can be bought first, then the popular, then the newest.
            (Sort::Relevance, Relaxation::Browse, Some(prior)) => {
                let mut keyed: Vec<_> = scored
                    .into_iter()
                    .map(|s| (prior(&s.0.meta.id), s))
                    .collect();
                keyed.sort_by(|(pa, a), (pb, b)| {
                    (b.0.meta.sellable.cmp(&a.0.meta.sellable))
                        .then_with(|| pb.total_cmp(pa))
                        .then_with(|| b.0.meta.created_at.cmp(&a.0.meta.created_at))
                        .then_with(|| a.0.meta.id.cmp(&b.0.meta.id))
                });
                scored = keyed.into_iter().map(|(_, s)| s).collect();
            }
            (Sort::Relevance, Relaxation::Browse, None) | (Sort::Newest, _, _) => {
                scored.sort_by(|a, b| {
                    b.0.meta
                        .sellable
                        .cmp(&a.0.meta.sellable)
                        .then_with(|| b.0.meta.created_at.cmp(&a.0.meta.created_at))
                        .then_with(|| a.0.meta.id.cmp(&b.0.meta.id))
                })
            }
            (Sort::Relevance, _, _) => {}
            (Sort::PriceAsc, _, _) => {
                scored.sort_by(|a, b| by_price(a.0.meta.price, b.0.meta.price, false))
            }
            (Sort::PriceDesc, _, _) => {
                scored.sort_by(|a, b| by_price(a.0.meta.price, b.0.meta.price, true))
            }
        }
        let mut seen: FxHashSet<&str> = FxHashSet::default();
        let tiles: Vec<&(Match, f32, Option<Features>)> = scored
            .iter()
            .filter(|s| !q.collapse_groups || seen.insert(s.0.meta.group.as_str()))
            .collect();
        let total = tiles.len();
        let hits = tiles
            .into_iter()
            .skip(q.offset)
            .take(q.limit)
            .map(|(m, score, f)| Hit {
                id: m.meta.id.clone(),
                group: m.meta.group.clone(),
                score: *score,
                bm25: m.bm25,
                parts: f.as_ref().map(|f| ranker.parts(f)).unwrap_or_default(),
            })
            .collect();
        Ok(SearchResult {
            hits,
            total,
            relaxation,
            terms: qt.terms,
            facets,
        })
    }

    /// Scores exactly `ids` for `text`, matched or not (a product no term reaches gets BM25 0 and
    /// its other features): for a caller that already has a pool, such as a personal ranker or an
    /// offline evaluation. `None` for an id not in the index.
    pub fn score_pool(
        &self,
        text: &str,
        ids: &[ProductId],
    ) -> Result<Vec<Option<Hit>>, SearchError> {
        let searcher = self.reader.searcher();
        let (clauses, qt) = self.analyse(text, &searcher);
        let pool = TermSetQuery::new(
            ids.iter()
                .map(|id| Term::from_field_text(self.fields.id, id.as_str())),
        );
        let mut parts: Vec<(Occur, Box<dyn Query>)> = vec![(
            Occur::Must,
            Box::new(ConstScoreQuery::new(Box::new(pool), 0.0)),
        )];
        if !clauses.is_empty() {
            parts.push((
                Occur::Should,
                self.text_query(&clauses, &qt, Relaxation::AnyTerm),
            ));
        }
        let bm25: FxHashMap<u32, f32> = searcher
            .search(&BooleanQuery::new(parts), &AllMatches)?
            .into_iter()
            .collect();
        let table = self.table.read();
        let ranker = Arc::clone(&self.ranker.read());
        Ok(ids
            .iter()
            .map(|id| {
                let slot = *table.slot_of.get(id)?;
                let meta = table.rows.get(slot as usize)?.as_ref()?;
                let b = bm25.get(&slot).copied().unwrap_or(0.0);
                let f = features(&qt, &meta.text, b);
                Some(Hit {
                    id: meta.id.clone(),
                    group: meta.group.clone(),
                    score: ranker.score(&f),
                    bm25: b,
                    parts: ranker.parts(&f),
                })
            })
            .collect())
    }

    /// The feature vectors of `ids` for `text` (zeros for an unknown id), for fitting a ranker.
    pub fn pool_features(
        &self,
        text: &str,
        ids: &[ProductId],
    ) -> Result<Vec<Features>, SearchError> {
        let hits = self.score_pool(text, ids)?;
        Ok(hits
            .into_iter()
            .map(|h| {
                let mut f = [0.0; crate::rank::NUM_FEATURES];
                for (k, p) in h.map(|h| h.parts).unwrap_or_default().iter().enumerate() {
                    f[k] = p.value;
                }
                f
            })
            .collect())
    }
}

/// Price order (stable sorts keep relevance among equal prices); no price goes last either way.
fn by_price(a: Option<f64>, b: Option<f64>, desc: bool) -> std::cmp::Ordering {
    match (a, b) {
        (Some(x), Some(y)) if desc => y.total_cmp(&x),
        (Some(x), Some(y)) => x.total_cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    }
}

fn validate(q: &SearchQuery) -> Result<(), SearchError> {
    let bad =
        |field: &'static str, message: String| Err(SearchError::InvalidQuery { field, message });
    if q.limit > MAX_LIMIT {
        return bad("limit", format!("must be at most {MAX_LIMIT}"));
    }
    if q.candidates > MAX_CANDIDATES {
        return bad("candidates", format!("must be at most {MAX_CANDIDATES}"));
    }
    for (field, v) in [
        ("min_price", q.filters.min_price),
        ("max_price", q.filters.max_price),
    ] {
        if v.is_some_and(|v| !v.is_finite()) {
            return bad(field, "must be a finite number".into());
        }
    }
    if let (Some(lo), Some(hi)) = (q.filters.min_price, q.filters.max_price)
        && lo > hi
    {
        return bad("min_price", "must not exceed max_price".into());
    }
    Ok(())
}

/// One matching product, with the filters it passes as bits.
struct Match {
    meta: Arc<Meta>,
    bm25: f32,
    mask: u8,
}

const BRAND: u8 = 1;
const CATEGORY: u8 = 2;
const PRICE: u8 = 4;
const STOCK: u8 = 8;
const IDS: u8 = 16;
const ALL: u8 = BRAND | CATEGORY | PRICE | STOCK | IDS;

struct Compiled {
    brands: Vec<String>,
    categories: Vec<Vec<String>>,
    min_price: Option<f64>,
    max_price: Option<f64>,
    in_stock: bool,
    ids: Option<FxHashSet<ProductId>>,
}

fn fold(s: &str) -> String {
    s.trim().to_lowercase()
}

impl Compiled {
    fn new(f: &Filters) -> Self {
        Self {
            brands: f.brands.iter().map(|b| fold(b)).collect(),
            categories: f
                .categories
                .iter()
                .map(|p| p.iter().map(|c| fold(c)).collect())
                .collect(),
            min_price: f.min_price,
            max_price: f.max_price,
            in_stock: f.in_stock,
            ids: f.ids.as_ref().map(|ids| ids.iter().cloned().collect()),
        }
    }

    fn mask(&self, m: &Meta) -> u8 {
        let mut mask = 0;
        if self.brands.is_empty()
            || m.brand
                .as_deref()
                .is_some_and(|b| self.brands.contains(&fold(b)))
        {
            mask |= BRAND;
        }
        if self.categories.is_empty()
            || self.categories.iter().any(|want| {
                m.categories.iter().any(|path| {
                    path.len() >= want.len() && path.iter().zip(want).all(|(a, b)| fold(a) == *b)
                })
            })
        {
            mask |= CATEGORY;
        }
        let price_ok = match m.price {
            Some(p) => {
                self.min_price.is_none_or(|lo| p >= lo) && self.max_price.is_none_or(|hi| p <= hi)
            }
            None => self.min_price.is_none() && self.max_price.is_none(),
        };
        if price_ok {
            mask |= PRICE;
        }
        if !self.in_stock || m.sellable {
            mask |= STOCK;
        }
        if self.ids.as_ref().is_none_or(|ids| ids.contains(&m.id)) {
            mask |= IDS;
        }
        mask
    }
}

/// Counts each facet over the matches that pass every filter but its own, one per group.
fn facets(matches: &[Match], q: &SearchQuery) -> Facets {
    let want = q.facets;
    let passes_but = |m: &Match, own: u8| m.mask | own == ALL;
    let mut out = Facets::default();
    let sorted = |counts: FxHashMap<String, FxHashSet<&str>>| {
        let mut v: Vec<FacetCount> = counts
            .into_iter()
            .map(|(value, groups)| FacetCount {
                value,
                count: groups.len(),
            })
            .collect();
        v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        v
    };
    if want.brand {
        let mut counts: FxHashMap<String, FxHashSet<&str>> = FxHashMap::default();
        for m in matches.iter().filter(|m| passes_but(m, BRAND)) {
            if let Some(b) = &m.meta.brand {
                counts.entry(b.clone()).or_default().insert(&m.meta.group);
            }
        }
        out.brand = sorted(counts);
    }
    for level in 0..want.category_depth {
        let mut counts: FxHashMap<String, FxHashSet<&str>> = FxHashMap::default();
        for m in matches.iter().filter(|m| passes_but(m, CATEGORY)) {
            for path in m.meta.categories.iter().filter(|p| p.len() > level) {
                counts
                    .entry(path[..=level].join(" > "))
                    .or_default()
                    .insert(&m.meta.group);
            }
        }
        if counts.is_empty() {
            break;
        }
        out.category.push(sorted(counts));
    }
    if want.price {
        out.price = matches
            .iter()
            .filter(|m| passes_but(m, PRICE))
            .filter_map(|m| m.meta.price)
            .fold(None, |acc: Option<(f64, f64)>, p| {
                Some(acc.map_or((p, p), |(lo, hi)| (lo.min(p), hi.max(p))))
            });
    }
    if want.in_stock {
        let mut groups: FxHashMap<&str, bool> = FxHashMap::default();
        for m in matches.iter().filter(|m| passes_but(m, STOCK)) {
            *groups.entry(&m.meta.group).or_default() |= m.meta.sellable;
        }
        out.in_stock = groups.values().filter(|&&s| s).count();
        out.out_of_stock = groups.len() - out.in_stock;
    }
    out
}

/// Collects every match as (slot, score), so filters, facets and collapsing see them all.
struct AllMatches;

struct SegmentMatches {
    slots: Column<u64>,
    out: Vec<(u32, Score)>,
}

impl Collector for AllMatches {
    type Fruit = Vec<(u32, Score)>;
    type Child = SegmentMatches;

    fn for_segment(
        &self,
        _segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentMatches> {
        Ok(SegmentMatches {
            slots: reader.fast_fields().u64(SLOT)?,
            out: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Vec<(u32, Score)>>) -> tantivy::Result<Self::Fruit> {
        Ok(fruits.into_iter().flatten().collect())
    }
}

impl SegmentCollector for SegmentMatches {
    type Fruit = Vec<(u32, Score)>;

    fn collect(&mut self, doc: DocId, score: Score) {
        if let Some(slot) = self.slots.first(doc) {
            self.out.push((slot as u32, score));
        }
    }

    fn harvest(self) -> Self::Fruit {
        self.out
    }
}
