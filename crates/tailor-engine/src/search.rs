//! One shop's search state: the full-text index of its catalog (`tailor-search`, tantivy) and
//! what shoppers did after each query (`tailor_reco::query_clicks`). The request side lives in
//! [`crate::pipeline::search`]; this module keeps the state current as products and events
//! arrive.
//!
//! The index is built on first use from the catalog (or handed over ready-made by start-up,
//! which builds it beside the event replay). Product writes go to it at once; a caller makes
//! them searchable with [`SearchState::refresh`] outside the shop's write lock.

use std::sync::{Arc, OnceLock};

use crate::catalog::{Catalog, Item};
use tailor_model::{Millis, Product, ProductId};
use tailor_reco::query_clicks::{Engagement, QueryClicks};
use tailor_search::analysis::Analyzer;
use tailor_search::{Language, SearchConfig, SearchError, SearchIndex};

/// Engagement with a search result counts for its query this long after the search.
pub const ATTRIBUTION_WINDOW_MS: Millis = 30 * 60 * 1000;

/// Search settings a shop can change: the stemming language and its synonyms.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchSettings {
    /// Stemming and stop words.
    pub language: Language,
    /// Groups of words or phrases that mean the same.
    pub synonyms: Vec<Vec<String>>,
}

impl Default for SearchSettings {
    fn default() -> Self {
        Self {
            language: Language::English,
            synonyms: Vec::new(),
        }
    }
}

/// The languages a shop may pick, by the names the API uses.
pub const LANGUAGES: [(&str, Language); 18] = [
    ("arabic", Language::Arabic),
    ("danish", Language::Danish),
    ("dutch", Language::Dutch),
    ("english", Language::English),
    ("finnish", Language::Finnish),
    ("french", Language::French),
    ("german", Language::German),
    ("greek", Language::Greek),
    ("hungarian", Language::Hungarian),
    ("italian", Language::Italian),
    ("norwegian", Language::Norwegian),
    ("portuguese", Language::Portuguese),
    ("romanian", Language::Romanian),
    ("russian", Language::Russian),
    ("spanish", Language::Spanish),
    ("swedish", Language::Swedish),
    ("tamil", Language::Tamil),
    ("turkish", Language::Turkish),
];

/// The API name of a language.
pub fn language_name(l: Language) -> &'static str {
    LANGUAGES
        .iter()
        .find(|(_, x)| *x == l)
        .map_or("english", |(n, _)| n)
}

/// The last search a shopper made, so that what they do next can be credited to its query.
#[derive(Debug, Clone, PartialEq)]
pub struct LastSearch {
    /// The query's analysed key.
    pub key: String,
    /// What it showed, in order.
    pub shown: Vec<Item>,
    /// When.
    pub at: Millis,
    /// The deepest engagement reached with each shown item so far.
    pub reached: Vec<(Item, Engagement)>,
}

impl LastSearch {
    /// Records that the shopper reached `level` with `item`; returns its position and the level
    /// reached before, when the item was shown by this search, recently, and this is deeper.
    pub fn engage(
        &mut self,
        item: Item,
        level: Engagement,
        now: Millis,
    ) -> Option<(usize, Option<Engagement>)> {
        if now - self.at > ATTRIBUTION_WINDOW_MS || now < self.at {
            return None;
        }
        let pos = self.shown.iter().position(|&i| i == item)?;
        let slot = self.reached.iter_mut().find(|(i, _)| *i == item);
        match slot {
            Some((_, l)) if *l >= level => None,
            Some((_, l)) => Some((pos, Some(std::mem::replace(l, level)))),
            None => {
                self.reached.push((item, level));
                Some((pos, None))
            }
        }
    }
}

/// A shop's search index and query learning.
pub struct SearchState {
    settings: SearchSettings,
    analyzer: Analyzer,
    index: OnceLock<Arc<SearchIndex>>,
    /// Each category path with the analysed words of its last name, for zero-result
    /// fallbacks; dropped when a product is written.
    category_terms: OnceLock<Vec<(String, Vec<String>)>>,
    /// What shoppers did after each query, and the queries for completions.
    pub queries: QueryClicks,
}

impl Default for SearchState {
    fn default() -> Self {
        Self::new(SearchSettings::default())
    }
}

impl std::fmt::Debug for SearchState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchState")
            .field("settings", &self.settings)
            .field("built", &self.index.get().is_some())
            .finish()
    }
}

/// A fresh index of `products` (each with its catalog item) under `settings`, committed and
/// searchable.
pub fn build_index<'a>(
    settings: &SearchSettings,
    products: impl IntoIterator<Item = (Item, &'a Product)>,
) -> Result<SearchIndex, SearchError> {
    let index = SearchIndex::new(SearchConfig {
        language: settings.language,
        ..SearchConfig::default()
    })?;
    index.set_synonyms(&settings.synonyms);
    for (item, p) in products {
        index.upsert_tagged(p, item)?;
    }
    index.refresh()?;
    Ok(index)
}

impl SearchState {
    /// Empty state under `settings`; the index is built on first use.
    pub fn new(settings: SearchSettings) -> Self {
        Self {
            analyzer: Analyzer::new(settings.language),
            settings,
            index: OnceLock::new(),
            category_terms: OnceLock::new(),
            queries: QueryClicks::default(),
        }
    }

    /// The current settings.
    pub fn settings(&self) -> &SearchSettings {
        &self.settings
    }

    /// Changes the settings. New synonyms apply at once; a new language rebuilds the index on
    /// next use, since every product must be analysed again.
    pub fn configure(&mut self, settings: SearchSettings) {
        if settings.language != self.settings.language {
            self.analyzer = Analyzer::new(settings.language);
            self.index = OnceLock::new();
            self.category_terms = OnceLock::new();
        } else if let Some(index) = self.index.get() {
            index.set_synonyms(&settings.synonyms);
        }
        self.settings = settings;
    }

    /// The analysed form of a query, which query learning is keyed by: "Drills" and "drill"
    /// are one query.
    pub fn query_key(&self, text: &str) -> String {
        self.analyzer.terms(text).join(" ")
    }

    /// The index, built from `catalog` if this is its first use.
    pub fn index(&self, catalog: &Catalog) -> Result<&Arc<SearchIndex>, SearchError> {
        if let Some(i) = self.index.get() {
            return Ok(i);
        }
        let built = Arc::new(build_index(
            &self.settings,
            catalog.items().map(|(i, p)| (i, p.as_ref())),
        )?);
        Ok(self.index.get_or_init(|| built))
    }

    /// The index if it is built.
    pub fn built(&self) -> Option<&Arc<SearchIndex>> {
        self.index.get()
    }

    /// Takes an index built elsewhere (start-up builds it beside the event replay).
    pub fn install(&mut self, index: SearchIndex) {
        index.set_synonyms(&self.settings.synonyms);
        self.index = OnceLock::from(Arc::new(index));
    }

    /// Each category path of `catalog` with the analysed words of its last name.
    pub fn category_terms(&self, catalog: &Catalog) -> &[(String, Vec<String>)] {
        self.category_terms.get_or_init(|| {
            catalog
                .category_names()
                .map(|name| {
                    let leaf = name
                        .rsplit(crate::catalog::CATEGORY_SEPARATOR)
                        .next()
                        .unwrap_or(name);
                    (name.to_string(), self.analyzer.terms(leaf))
                })
                .collect()
        })
    }

    /// A product was written: the built index gets it at once (searchable after a refresh).
    pub fn upsert(&mut self, item: Item, p: &Product) -> Result<(), SearchError> {
        self.category_terms = OnceLock::new();
        match self.index.get() {
            Some(i) => i.upsert_tagged(p, item),
            None => Ok(()),
        }
    }

    /// A product was deleted: it leaves results at once.
    pub fn delete(&self, id: &ProductId) {
        if let Some(i) = self.index.get() {
            i.delete(id);
        }
    }

    /// Makes written products searchable; cheap when nothing changed.
    pub fn refresh(index: &SearchIndex) -> Result<bool, SearchError> {
        index.refresh_if_dirty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engagement_counts_once_per_level_within_the_window() {
        let mut s = LastSearch {
            key: "drill".into(),
            shown: vec![4, 7, 9],
            at: 1_000,
            reached: Vec::new(),
        };
        assert_eq!(s.engage(7, Engagement::Click, 2_000), Some((1, None)));
        assert_eq!(s.engage(7, Engagement::Click, 2_000), None);
        assert_eq!(
            s.engage(7, Engagement::Purchase, 3_000),
            Some((1, Some(Engagement::Click)))
        );
        assert_eq!(s.engage(7, Engagement::Cart, 3_000), None);
        assert_eq!(s.engage(8, Engagement::Click, 2_000), None, "not shown");
        assert_eq!(
            s.engage(9, Engagement::Click, 1_000 + ATTRIBUTION_WINDOW_MS + 1),
            None,
            "too late"
        );
        assert_eq!(
            s.engage(9, Engagement::Click, 999),
            None,
            "before the search"
        );
    }

    #[test]
    fn keys_fold_case_and_plurals_and_languages_round_trip() {
        let s = SearchState::default();
        assert_eq!(
            s.query_key("Cordless DRILLS"),
            s.query_key("cordless drill")
        );
        assert_eq!(s.query_key("the"), "");
        for (name, l) in LANGUAGES {
            assert_eq!(language_name(l), name);
        }
    }

    #[test]
    fn a_new_language_rebuilds_and_new_synonyms_apply_at_once() {
        let mut catalog = Catalog::default();
        let mut p = Product::new(ProductId::new("p1").unwrap(), "Sofa");
        p.brand = Some("Acme".into());
        catalog.upsert(p);
        let mut s = SearchState::default();
        let q = tailor_search::SearchQuery::new("couch");
        assert!(
            s.index(&catalog).unwrap().search(&q).unwrap().relaxation
                == tailor_search::Relaxation::Browse
        );
        s.configure(SearchSettings {
            language: Language::English,
            synonyms: vec![vec!["couch".into(), "sofa".into()]],
        });
        let hits = s.index(&catalog).unwrap().search(&q).unwrap();
        assert_eq!(hits.relaxation, tailor_search::Relaxation::None);
        s.configure(SearchSettings {
            language: Language::German,
            synonyms: Vec::new(),
        });
        assert!(s.built().is_none());
        assert_eq!(s.index(&catalog).unwrap().len(), 1);
    }
}
