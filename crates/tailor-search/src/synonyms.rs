//! Admin-managed synonyms: groups of words or phrases that mean the same (`tv, television`).
//! They expand the query, not the index, so a change takes effect on the next search without
//! reindexing.

use rustc_hash::FxHashMap;

use crate::analysis::Analyzer;

/// Longest synonym phrase, in terms, that is looked up in a query.
pub const MAX_SYNONYM_TERMS: usize = 4;

/// One unit of a query: terms that must match together, or any alternative instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    /// The query's own terms (one, or a phrase that has synonyms).
    pub terms: Vec<String>,
    /// Synonym phrases that may stand for `terms`.
    pub alternatives: Vec<Vec<String>>,
    /// Index of the first of `terms` in the query.
    pub start: usize,
}

/// Synonym groups, analysed like the index.
#[derive(Debug, Clone, Default)]
pub struct Synonyms {
    by_phrase: FxHashMap<Vec<String>, Vec<Vec<String>>>,
}

impl Synonyms {
    /// Builds the lookup from groups of equivalent phrases. Phrases that analyse to nothing (only
    /// stop words) or to more than [`MAX_SYNONYM_TERMS`] terms are skipped.
    pub fn new(groups: &[Vec<String>], analyzer: &Analyzer) -> Self {
        let mut by_phrase: FxHashMap<Vec<String>, Vec<Vec<String>>> = FxHashMap::default();
        for group in groups {
            let phrases: Vec<Vec<String>> = group
                .iter()
                .map(|p| analyzer.terms(p))
                .filter(|t| !t.is_empty() && t.len() <= MAX_SYNONYM_TERMS)
                .collect();
            for p in &phrases {
                let alts = by_phrase.entry(p.clone()).or_default();
                for q in &phrases {
                    if q != p && !alts.contains(q) {
                        alts.push(q.clone());
                    }
                }
            }
        }
        by_phrase.retain(|_, alts| !alts.is_empty());
        Self { by_phrase }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.by_phrase.is_empty()
    }

    /// Splits query terms into clauses, taking the longest synonym phrase at each position.
    pub fn clauses(&self, terms: &[String]) -> Vec<Clause> {
        let mut out = Vec::with_capacity(terms.len());
        let mut i = 0;
        while i < terms.len() {
            let longest = (1..=MAX_SYNONYM_TERMS.min(terms.len() - i))
                .rev()
                .find_map(|len| self.by_phrase.get(&terms[i..i + len]).map(|a| (len, a)));
            let (len, alternatives) = match longest {
                Some((len, alts)) => (len, alts.clone()),
                None => (1, Vec::new()),
            };
            out.push(Clause {
                terms: terms[i..i + len].to_vec(),
                alternatives,
                start: i,
            });
            i += len;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longest_phrase_wins_and_groups_are_symmetric() {
        let a = Analyzer::default();
        let s = Synonyms::new(
            &[
                vec!["tv".into(), "television".into()],
                vec!["hand truck".into(), "dolly".into()],
                vec!["the".into(), "of".into()],
            ],
            &a,
        );
        let c = s.clauses(&a.terms("red hand truck"));
        assert_eq!(c.len(), 2);
        assert_eq!(c[1].terms, ["hand", "truck"]);
        assert_eq!(c[1].alternatives, [vec!["dolli".to_string()]]);
        let c = s.clauses(&a.terms("television"));
        assert_eq!(c[0].alternatives, [vec!["tv".to_string()]]);
        assert!(s.clauses(&a.terms("lamp"))[0].alternatives.is_empty());
    }
}
