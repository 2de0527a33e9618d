//! Product search for Tailor: full text over the catalog with tantivy, typo tolerance, synonyms,
//! filters, facets counted per product group, and a learned text ranker whose score parts
//! `explain` can show. Personal reranking happens downstream, on the candidates this returns.
//!
//! The pipeline of one search: [`analysis`] turns the query into terms, [`synonyms`] groups them
//! into clauses, the [`index`] matches them in tantivy (all terms, then all but one, then any,
//! then browse order: the first level with a result wins and is reported), filters and facets
//! are applied over the matches, and [`rank`] rescores the best candidates.
//!
//! ```
//! use tailor_model::{Product, ProductId};
//! use tailor_search::{SearchConfig, SearchIndex, SearchQuery};
//!
//! let index = SearchIndex::new(SearchConfig::default()).unwrap();
//! let mut p = Product::new(ProductId::new("p1").unwrap(), "Cordless Drill 18-Volt");
//! p.brand = Some("Ryobi".into());
//! index.upsert(&p).unwrap();
//! index.refresh().unwrap();
//!
//! // A typo, a plural and a unit written another way still find it.
//! let result = index.search(&SearchQuery::new("ryobi cordles drills 18v")).unwrap();
//! assert_eq!(result.hits[0].id.as_str(), "p1");
//! ```
#![warn(missing_docs)]

pub mod analysis;
pub mod cooccur;
mod error;
pub mod forest;
pub mod index;
pub mod query;
pub mod rank;
pub mod synonyms;

pub use error::SearchError;
pub use index::{FieldWeights, SearchConfig, SearchIndex};
pub use query::{
    FacetCount, FacetRequest, Facets, Filters, Hit, Hook, Hooks, Relaxation, ScorePart,
    SearchQuery, SearchResult, Sort,
};
pub use rank::Ranker;
pub use tantivy::tokenizer::Language;
