//! What a caller asks ([`SearchQuery`]) and what it gets back ([`SearchResult`]).

use serde::Serialize;
use tailor_model::ProductId;

/// Default number of text matches the learned ranker rescores (and hands on to a personal ranker).
pub const DEFAULT_CANDIDATES: usize = 300;
/// Most results one page may ask for.
pub const MAX_LIMIT: usize = 1000;
/// Most candidates one query may ask for.
pub const MAX_CANDIDATES: usize = 5000;

/// Result order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    /// Best text match first (browse order for an empty query).
    #[default]
    Relevance,
    /// Cheapest first; products without a price last.
    PriceAsc,
    /// Dearest first; products without a price last.
    PriceDesc,
    /// Most recently created first.
    Newest,
    /// Most popular first, by the caller's [`Hooks::prior`] (relevance order without one).
    Popularity,
}

/// A hook: the product's id and the caller's tag for it, to a verdict or a score.
pub type Hook<'a, T> = &'a dyn Fn(&ProductId, Option<u32>) -> T;

/// What the caller knows about each product that the index does not: whether this shopper may
/// see it at all, and how popular it is. Borrowed for one search. Each hook gets the product's
/// id and the tag the caller gave it at [`crate::SearchIndex::upsert_tagged`] (its own dense
/// index, say), so the caller need not look the id up again.
#[derive(Default, Clone, Copy)]
pub struct Hooks<'a> {
    /// A hard filter (a shopper's constraints): a product it refuses is no match at all, so
    /// totals and facet counts leave it out too.
    pub keep: Option<Hook<'a, bool>>,
    /// Popularity: orders browse pages (after what can be bought) and `Sort::Popularity`.
    pub prior: Option<Hook<'a, f32>>,
}

impl std::fmt::Debug for Hooks<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hooks")
            .field("keep", &self.keep.is_some())
            .field("prior", &self.prior.is_some())
            .finish()
    }
}

/// Filters; every one that is set must hold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    /// Any of these brands (case-insensitive). Empty: any brand.
    pub brands: Vec<String>,
    /// Under any of these category paths (a prefix of one of the product's paths). Empty: any.
    pub categories: Vec<Vec<String>>,
    /// Least effective price (sale price when on sale).
    pub min_price: Option<f64>,
    /// Greatest effective price.
    pub max_price: Option<f64>,
    /// Only products a shopper can buy now.
    pub in_stock: bool,
    /// Only these products (e.g. a personal ranker's pool). `None`: all.
    pub ids: Option<Vec<ProductId>>,
}

/// Which facets to count.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FacetRequest {
    /// Brand list with counts.
    pub brand: bool,
    /// Category list with counts, at each level down to this depth (0: none).
    pub category_depth: usize,
    /// Least and greatest effective price.
    pub price: bool,
    /// How many groups can be bought now, and how many cannot.
    pub in_stock: bool,
}

impl FacetRequest {
    /// Every facet, categories three levels deep.
    pub fn all() -> Self {
        Self {
            brand: true,
            category_depth: 3,
            price: true,
            in_stock: true,
        }
    }
}

/// One search or browse request.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchQuery {
    /// What the shopper typed; empty (or only stop words) for browse.
    pub text: String,
    /// Filters.
    pub filters: Filters,
    /// Facets to count.
    pub facets: FacetRequest,
    /// Order.
    pub sort: Sort,
    /// Page size (groups).
    pub limit: usize,
    /// Groups to skip.
    pub offset: usize,
    /// How many best text matches the learned ranker rescores.
    pub candidates: usize,
    /// Collapse variants to one tile per group.
    pub collapse_groups: bool,
    /// When no term matches anything, answer with the browse order (`true`, the default) or
    /// with nothing, for a caller that picks its own fallback (still `Relaxation::Browse`).
    pub browse_fallback: bool,
}

impl SearchQuery {
    /// A relevance-ordered search for `text`: 20 per page, groups collapsed, no facets.
    pub fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            filters: Filters::default(),
            facets: FacetRequest::default(),
            sort: Sort::Relevance,
            limit: 20,
            offset: 0,
            candidates: DEFAULT_CANDIDATES,
            collapse_groups: true,
            browse_fallback: true,
        }
    }
}

/// One named part of a score; the parts of a hit add up to its score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScorePart {
    /// Feature name (see `rank::FEATURE_NAMES`).
    pub name: &'static str,
    /// Feature value.
    pub value: f32,
    /// Its contribution: value times weight.
    pub contribution: f32,
}

/// One result tile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    /// The product (the best-ranked variant of its group).
    pub id: ProductId,
    /// Its group key (the product id when it has no group).
    pub group: String,
    /// The final text relevance score (learned ranker), for a personal ranker to combine.
    pub score: f32,
    /// tantivy's BM25 with field weights, before the learned ranker.
    pub bm25: f32,
    /// What `score` is made of; empty for browse and for matches beyond the candidates.
    pub parts: Vec<ScorePart>,
}

/// How a query was loosened after it matched nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Relaxation {
    /// Every term had to match.
    None,
    /// One term could be missing.
    AllButOne,
    /// Any one term was enough.
    AnyTerm,
    /// No term matched anything, so this is browse order.
    Browse,
}

/// One value of a list facet and how many groups have it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FacetCount {
    /// The value (a brand, or a category path joined with ` > `).
    pub value: String,
    /// Groups (not variants) with it.
    pub count: usize,
}

/// Facet counts. Each facet ignores its own filter (disjunctive), so a shopper sees the other
/// brands they could add; counts are of groups.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Facets {
    /// Brands, most groups first.
    pub brand: Vec<FacetCount>,
    /// Per level (0 = top), categories most groups first.
    pub category: Vec<Vec<FacetCount>>,
    /// Least and greatest effective price among matches.
    pub price: Option<(f64, f64)>,
    /// Groups with a variant that can be bought now.
    pub in_stock: usize,
    /// Groups without one.
    pub out_of_stock: usize,
}

/// The answer to a [`SearchQuery`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchResult {
    /// The page.
    pub hits: Vec<Hit>,
    /// Matching groups (or products, without collapsing) in all.
    pub total: usize,
    /// Whether and how the query was loosened.
    pub relaxation: Relaxation,
    /// The analysed query terms that were searched for.
    pub terms: Vec<String>,
    /// Requested facets.
    pub facets: Facets,
}
