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
use crate::cooccur::Cooccurrence;
use crate::error::SearchError;
use crate::query::{
    DEFAULT_CANDIDATES, FacetCount, FacetRequest, Facets, Filters, Hit, Hooks, MAX_CANDIDATES,
    MAX_LIMIT, Relaxation, SearchQuery, SearchResult, Sort,
};
use crate::rank::{
    Centroid, DocText, Features, QueryText, Ranker, f as feature, features, head_features,
    other_texts,
};
use crate::synonyms::{Clause, Synonyms};

/// Bytes of query text analysed; the rest of a longer query is ignored.
pub const MAX_QUERY_BYTES: usize = 1024;
/// Query terms searched for; the rest are ignored.
pub const MAX_QUERY_TERMS: usize = 16;
/// A term names a maker when it leads at least this many products...
const MIN_MAKER_PRODUCTS: f32 = 2.0;
/// ...and at least this share of the titles it is in.
const MAKER_SHARE: f32 = 0.5;
/// Name the analyzer is registered under.
const TOKENIZER: &str = "tailor";
/// Name the analyzer without stemming is registered under.
const WORD_TOKENIZER: &str = "tailor_words";
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
    /// Title and brand words before stemming: where fuzzy and prefix terms are looked up.
    words: Field,
    /// The maker's terms (`DocText::lead`), one untokenized value each: how often a term leads
    /// a title tells whether a shopper who types it names a maker.
    lead: Field,
    brand: Field,
    category: Field,
    attributes: Field,
    description: Field,
}

/// What filters, facets, sorting and the ranker need of one product.
#[derive(Debug)]
struct Meta {
    id: ProductId,
    /// The caller's tag (see [`SearchIndex::upsert_tagged`]).
    tag: Option<u32>,
    group: String,
    /// The brand folded for filter comparisons.
    brand_key: Option<String>,
    /// Category paths folded for filter comparisons.
    category_keys: Vec<Vec<String>>,
    /// Interned group key: collapsing and counting compare numbers, not strings.
    group_id: u32,
    /// Interned brand (the brand facet's value).
    brand_id: Option<u32>,
    /// Per category path, its interned prefixes joined with ` > ` (each level's facet value).
    facet_paths: Vec<Vec<u32>>,
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
    names: Interner,
}

/// Group keys, brands and category paths as numbers (never forgotten; a catalog has few).
#[derive(Default)]
struct Interner {
    ids: FxHashMap<String, u32>,
    names: Vec<String>,
}

impl Interner {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.ids.get(s) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(s.to_string());
        self.ids.insert(s.to_string(), i);
        i
    }
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
    /// Title word associations over the products in `table` (locked after it, never before).
    words: RwLock<Cooccurrence>,
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
        let words = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(WORD_TOKENIZER)
                .set_index_option(IndexRecordOption::WithFreqs),
        );
        let fields = Fields {
            id: sb.add_text_field("id", STRING),
            title: sb.add_text_field("title", text.clone()),
            words: sb.add_text_field("words", words),
            lead: sb.add_text_field("lead", STRING),
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
        index
            .tokenizers()
            .register(WORD_TOKENIZER, analyzer.word_analyzer());
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
            words: RwLock::new(Cooccurrence::default()),
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
        self.upsert_with(p, None)
    }

    /// [`Self::upsert`], remembering the caller's `tag` for the product, which [`Hooks`] then
    /// receive: a caller with its own dense index of products saves a lookup per match.
    pub fn upsert_tagged(&self, p: &Product, tag: u32) -> Result<(), SearchError> {
        self.upsert_with(p, Some(tag))
    }

    fn upsert_with(&self, p: &Product, tag: Option<u32>) -> Result<(), SearchError> {
        let brand = p.brand.clone().filter(|b| !b.trim().is_empty());
        let mut table = self.table.write();
        let names = &mut table.names;
        let meta = Arc::new(Meta {
            id: p.id.clone(),
            tag,
            group: p.group_key().to_string(),
            group_id: names.id(p.group_key()),
            brand_id: brand.as_deref().map(|b| names.id(b)),
            brand_key: brand.as_deref().map(fold),
            category_keys: p
                .categories
                .iter()
                .map(|path| path.iter().map(|c| fold(c)).collect())
                .collect(),
            facet_paths: p
                .categories
                .iter()
                .map(|path| {
                    (1..=path.len())
                        .map(|d| names.id(&path[..d].join(" > ")))
                        .collect()
                })
                .collect(),
            price: p.effective_price(),
            sellable: p.is_sellable(),
            hidden: p.hidden,
            created_at: p.created_at,
            text: DocText::from_product(&self.analyzer, p),
        });
        let mut doc = TantivyDocument::new();
        let f = self.fields;
        for t in &meta.text.lead {
            doc.add_text(f.lead, t);
        }
        doc.add_text(f.id, p.id.as_str());
        doc.add_text(f.title, &p.title);
        doc.add_text(f.words, &p.title);
        if let Some(b) = &p.brand {
            doc.add_text(f.brand, b);
            doc.add_text(f.words, b);
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
        {
            let mut words = self.words.write();
            if let Some(old) = &table.rows[slot as usize] {
                words.remove(&old.text);
            }
            words.add(&meta.text);
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
        if let Some(old) = table.rows[slot as usize].take() {
            self.words.write().remove(&old.text);
        }
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
        let (mut terms, mut words) = self.analyzer.terms_and_words(text);
        terms.truncate(MAX_QUERY_TERMS);
        words.truncate(MAX_QUERY_TERMS);
        // A query that does not end in a space or punctuation is still being typed.
        let prefix_last = text.chars().last().is_some_and(char::is_alphanumeric);
        let clauses = self.synonyms.read().clauses(&terms);
        let n = searcher.num_docs() as f32;
        let df = |field: Field, t: &str| {
            searcher
                .doc_freq(&Term::from_field_text(field, t))
                .unwrap_or(0) as f32
        };
        let title_df: Vec<f32> = terms.iter().map(|t| df(self.fields.title, t)).collect();
        let idf = title_df
            .iter()
            .map(|df| (1.0 + (n - df + 0.5) / (df + 0.5)).ln())
            .collect();
        let brand = terms
            .iter()
            .zip(&title_df)
            .map(|(t, &in_titles)| {
                let leads = df(self.fields.lead, t);
                !is_number(t) && leads >= MIN_MAKER_PRODUCTS && leads >= MAKER_SHARE * in_titles
            })
            .collect();
        let synonyms = clauses
            .iter()
            .filter(|c| !c.alternatives.is_empty())
            .map(|c| (c.start, c.start + c.terms.len(), c.alternatives.clone()))
            .collect();
        let qt = QueryText {
            terms,
            words,
            idf,
            brand,
            prefix_last,
            synonyms,
        };
        (clauses, qt)
    }

    /// One query term in every field; `word` is the term before stemming, which fuzzy and prefix
    /// matching look up among the words of titles and brands.
    fn term_query(&self, t: &str, word: &str, typo: bool, prefix: bool) -> Box<dyn Query> {
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
        let chars = word.chars().count();
        let edits = allowed_edits(chars);
        let term = Term::from_field_text(f.words, word);
        if typo && edits > 0 && !is_number(word) {
            let q = FuzzyTermQuery::new(term.clone(), edits, true);
            should.push(Box::new(BoostQuery::new(Box::new(q), w.title * w.fuzzy)));
        }
        // Stems too: a typo in a plural (`hamers`) is nearer the stem (`hammer`) than the word.
        let stem_edits = allowed_edits(t.chars().count());
        if typo && stem_edits > 0 && !is_number(t) {
            for (field, weight) in [(f.title, w.title), (f.brand, w.brand)] {
                let q = FuzzyTermQuery::new(Term::from_field_text(field, t), stem_edits, true);
                should.push(Box::new(BoostQuery::new(Box::new(q), weight * w.fuzzy)));
            }
        }
        if prefix && chars >= 2 && !is_number(word) {
            let q = FuzzyTermQuery::new_prefix(term, 0, true);
            should.push(Box::new(BoostQuery::new(Box::new(q), w.title * w.prefix)));
        }
        Box::new(BooleanQuery::union(should))
    }

    fn clause_query(&self, c: &Clause, qt: &QueryText, prefix_at: Option<usize>) -> Box<dyn Query> {
        let own = |i: usize, t: &str| {
            let at = c.start + i;
            let word = qt.words.get(at).map_or(t, String::as_str);
            self.term_query(t, word, true, prefix_at == Some(at))
        };
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
                .map(|t| self.term_query(t, t, false, false))
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
            .map(|c| self.clause_query(c, qt, prefix_at))
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
        // One clause: "any term" is "every term", so it is not tried twice.
        let mut levels: Vec<Relaxation> = match clauses.len() {
            0 => vec![Relaxation::Browse],
            1 => vec![Relaxation::None, Relaxation::Browse],
            2 => vec![Relaxation::None, Relaxation::AnyTerm, Relaxation::Browse],
            _ => vec![
                Relaxation::None,
                Relaxation::AllButOne,
                Relaxation::AnyTerm,
                Relaxation::Browse,
            ],
        };
        if !q.browse_fallback && !clauses.is_empty() {
            levels.pop();
        }
        let filters = Compiled::new(&q.filters);
        let table = self.table.read();
        let mut matches: Vec<Match> = Vec::new();
        let mut relaxation = Relaxation::Browse;
        for &level in &levels {
            let query = self.text_query(&clauses, &qt, level);
            matches = searcher
                .search(&*query, &AllMatches)?
                .into_iter()
                .filter_map(|(slot, bm25)| {
                    let meta = table.rows.get(slot as usize)?.as_ref()?;
                    let kept = !meta.hidden && hooks.keep.is_none_or(|k| k(&meta.id, meta.tag));
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
        if relaxation != Relaxation::Browse && !matches.iter().any(|m| m.mask == ALL) {
            // Every level failed and the caller picks its own fallback.
            relaxation = Relaxation::Browse;
            matches.clear();
        }
        let facets = facets(&matches, q, &table.names.names);
        drop(table);
        let mut pass: Vec<Match> = matches.into_iter().filter(|m| m.mask == ALL).collect();
        let total = if q.collapse_groups {
            let groups: FxHashSet<u32> = pass.iter().map(|m| m.meta.group_id).collect();
            groups.len()
        } else {
            pass.len()
        };
        let ranker = Arc::clone(&self.ranker.read());
        let need = q.offset + q.limit;
        let collapse = q.collapse_groups;
        let plain = |m: &Match| ranker.weights[0] * m.bm25.max(0.0).ln_1p();
        // (match, score, features) in result order, sorted as far as the page needs.
        let ordered: Vec<(Match, f32, Option<Features>)> = if relaxation != Relaxation::Browse
            && q.sort == Sort::Relevance
        {
            // The best text matches by BM25 are rescored by the ranker; the rest keep BM25
            // order and are sorted only when the rescored head cannot fill the page.
            let head_n = q.candidates.min(pass.len());
            if head_n < pass.len() {
                pass.select_nth_unstable_by(head_n, by_bm25);
            }
            let mut rest = pass.split_off(head_n);
            let head: Vec<(&DocText, f32)> = pass.iter().map(|m| (&m.meta.text, m.bm25)).collect();
            let (xs, _) = head_features(&ranker, &qt, &head, &self.words.read());
            let mut out: Vec<(Match, f32, Option<Features>)> = pass
                .into_iter()
                .zip(xs)
                .map(|(m, f)| {
                    let s = ranker.score(&f);
                    (m, s, Some(f))
                })
                .collect();
            out.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| by_bm25(&a.0, &b.0)));
            if tiles(out.iter().map(|x| &x.0), collapse) < need {
                sort_enough(&mut rest, need, collapse, by_bm25);
                out.extend(rest.into_iter().map(|m| {
                    let s = plain(&m);
                    (m, s, None)
                }));
            }
            out
        } else {
            // The caller's popularity is asked only where the order uses it.
            let uses_prior = q.sort == Sort::Popularity || relaxation == Relaxation::Browse;
            let prior = hooks.prior.filter(|_| uses_prior);
            let key = |m: &Match| prior.map_or(0.0, |p| p(&m.meta.id, m.meta.tag));
            let mut keyed: Vec<(f32, Match)> = pass.into_iter().map(|m| (key(&m), m)).collect();
            let order = |a: &(f32, Match), b: &(f32, Match)| -> std::cmp::Ordering {
                let (ma, mb) = (&a.1.meta, &b.1.meta);
                let newest = || {
                    mb.sellable
                        .cmp(&ma.sellable)
                        .then_with(|| mb.created_at.cmp(&ma.created_at))
                };
                match (q.sort, relaxation, prior.is_some()) {
                    (Sort::Popularity, _, true) => b.0.total_cmp(&a.0),
                    (Sort::Relevance, Relaxation::Browse, true) => mb
                        .sellable
                        .cmp(&ma.sellable)
                        .then_with(|| b.0.total_cmp(&a.0))
                        .then_with(|| mb.created_at.cmp(&ma.created_at)),
                    (Sort::Relevance, Relaxation::Browse, false) | (Sort::Newest, _, _) => newest(),
                    (Sort::PriceAsc, _, _) => by_price(ma.price, mb.price, false),
                    (Sort::PriceDesc, _, _) => by_price(ma.price, mb.price, true),
                    (Sort::Relevance | Sort::Popularity, _, _) => std::cmp::Ordering::Equal,
                }
                .then_with(|| by_bm25(&a.1, &b.1))
            };
            sort_enough(&mut keyed, need, collapse, order);
            keyed
                .into_iter()
                .map(|(_, m)| {
                    let s = plain(&m);
                    (m, s, None)
                })
                .collect()
        };
        let mut seen: FxHashSet<u32> = FxHashSet::default();
        let hits = ordered
            .iter()
            .filter(|s| !collapse || seen.insert(s.0.meta.group_id))
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
        let centroid = self.centroid(&searcher, &clauses, &qt, &table, &ranker)?;
        let words = self.words.read();
        Ok(ids
            .iter()
            .map(|id| {
                let slot = *table.slot_of.get(id)?;
                let meta = table.rows.get(slot as usize)?.as_ref()?;
                let b = bm25.get(&slot).copied().unwrap_or(0.0);
                let mut f = features(&qt, &meta.text, b, &words);
                f[feature::CENTROID] = centroid.similarity(&meta.text);
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

    /// The centroid a search for these clauses ranks its head with, unfiltered: the strictest
    /// level that matches, its best [`DEFAULT_CANDIDATES`] by BM25, scored by `ranker`.
    fn centroid(
        &self,
        searcher: &tantivy::Searcher,
        clauses: &[Clause],
        qt: &QueryText,
        table: &Table,
        ranker: &Ranker,
    ) -> Result<Centroid, SearchError> {
        if clauses.is_empty() {
            return Ok(Centroid::default());
        }
        for level in [Relaxation::None, Relaxation::AllButOne, Relaxation::AnyTerm] {
            if level == Relaxation::AllButOne && clauses.len() < 3 {
                continue;
            }
            let mut head: Vec<Match> = searcher
                .search(&*self.text_query(clauses, qt, level), &AllMatches)?
                .into_iter()
                .filter_map(|(slot, bm25)| {
                    let meta = table.rows.get(slot as usize)?.as_ref()?;
                    (!meta.hidden).then(|| Match {
                        meta: Arc::clone(meta),
                        bm25,
                        mask: ALL,
                    })
                })
                .collect();
            if head.is_empty() {
                continue;
            }
            // The same head a search picks: best BM25, ties by id.
            if head.len() > DEFAULT_CANDIDATES {
                head.select_nth_unstable_by(DEFAULT_CANDIDATES, by_bm25);
                head.truncate(DEFAULT_CANDIDATES);
            }
            let docs: Vec<(&DocText, f32)> = head.iter().map(|m| (&m.meta.text, m.bm25)).collect();
            return Ok(head_features(ranker, qt, &docs, &self.words.read()).1);
        }
        Ok(Centroid::default())
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

/// Best BM25 first, then id: a total order, so partial sorts are deterministic.
fn by_bm25(a: &Match, b: &Match) -> std::cmp::Ordering {
    b.bm25
        .total_cmp(&a.bm25)
        .then_with(|| a.meta.id.cmp(&b.meta.id))
}

/// Result tiles among `ms`: groups when collapsing, else products.
fn tiles<'a>(ms: impl Iterator<Item = &'a Match>, collapse: bool) -> usize {
    if collapse {
        ms.map(|m| m.meta.group_id).collect::<FxHashSet<_>>().len()
    } else {
        ms.count()
    }
}

trait AsMatch {
    fn as_match(&self) -> &Match;
}
impl AsMatch for Match {
    fn as_match(&self) -> &Match {
        self
    }
}
impl AsMatch for (f32, Match) {
    fn as_match(&self) -> &Match {
        &self.1
    }
}

/// Sorts a prefix of `v` that holds at least `need` tiles (or all of `v`): a page of 20 from
/// 100,000 matches costs a selection and a small sort, not a full sort.
fn sort_enough<T: AsMatch>(
    v: &mut [T],
    need: usize,
    collapse: bool,
    order: impl Fn(&T, &T) -> std::cmp::Ordering,
) {
    let mut k = need.saturating_mul(2).max(64);
    loop {
        if k >= v.len() {
            v.sort_by(&order);
            return;
        }
        v.select_nth_unstable_by(k, &order);
        v[..k].sort_by(&order);
        if tiles(v[..k].iter().map(AsMatch::as_match), collapse) >= need {
            return;
        }
        k = k.saturating_mul(4);
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
            || m.brand_key
                .as_ref()
                .is_some_and(|b| self.brands.contains(b))
        {
            mask |= BRAND;
        }
        if self.categories.is_empty()
            || self.categories.iter().any(|want| {
                m.category_keys
                    .iter()
                    .any(|path| path.len() >= want.len() && path[..want.len()] == want[..])
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
/// Values and groups are interned numbers, counted in dense arrays; `names` turns values back
/// into text. Only groups with several matching variants need their (value, group) pairs
/// deduplicated, and most groups are one product.
fn facets(matches: &[Match], q: &SearchQuery, names: &[String]) -> Facets {
    let want = q.facets;
    let passes_but = |m: &Match, own: u8| m.mask | own == ALL;
    let mut out = Facets::default();
    if !(want.brand || want.category_depth > 0) {
        return facets_price_stock(matches, want, out);
    }
    let mut variants = vec![0u16; names.len()];
    for m in matches {
        let v = &mut variants[m.meta.group_id as usize];
        *v = v.saturating_add(1);
    }
    let mut counter = Counter {
        counts: vec![0; names.len()],
        touched: Vec::new(),
        pairs: FxHashSet::default(),
        variants,
    };
    if want.brand {
        for m in matches.iter().filter(|m| passes_but(m, BRAND)) {
            if let Some(b) = m.meta.brand_id {
                counter.add(b, m.meta.group_id);
            }
        }
        out.brand = counter.take(names);
    }
    for level in 0..want.category_depth {
        for m in matches.iter().filter(|m| passes_but(m, CATEGORY)) {
            for path in &m.meta.facet_paths {
                if let Some(&c) = path.get(level) {
                    counter.add(c, m.meta.group_id);
                }
            }
        }
        let counted = counter.take(names);
        if counted.is_empty() {
            break;
        }
        out.category.push(counted);
    }
    facets_price_stock(matches, want, out)
}

/// Groups per facet value, one facet at a time.
struct Counter {
    counts: Vec<u32>,
    touched: Vec<u32>,
    pairs: FxHashSet<(u32, u32)>,
    /// Matches per group.
    variants: Vec<u16>,
}

impl Counter {
    fn add(&mut self, value: u32, group: u32) {
        if self.variants[group as usize] > 1 && !self.pairs.insert((value, group)) {
            return;
        }
        let c = &mut self.counts[value as usize];
        if *c == 0 {
            self.touched.push(value);
        }
        *c += 1;
    }

    /// This facet's counts, most groups first; resets for the next facet.
    fn take(&mut self, names: &[String]) -> Vec<FacetCount> {
        let mut v: Vec<FacetCount> = self
            .touched
            .drain(..)
            .map(|value| FacetCount {
                value: names[value as usize].clone(),
                count: std::mem::take(&mut self.counts[value as usize]) as usize,
            })
            .collect();
        self.pairs.clear();
        v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        v
    }
}

fn facets_price_stock(matches: &[Match], want: FacetRequest, mut out: Facets) -> Facets {
    let passes_but = |m: &Match, own: u8| m.mask | own == ALL;
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
        let mut groups: FxHashMap<u32, bool> = FxHashMap::default();
        for m in matches.iter().filter(|m| passes_but(m, STOCK)) {
            *groups.entry(m.meta.group_id).or_default() |= m.meta.sellable;
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
