//! Which title words go together in this catalog: for a query word a product's title lacks, how
//! often the products that share the title's other words use it (`shelving` for a ClosetMaid
//! shelf, `paver` for a paving brick). Learned from the catalog alone, kept current on every
//! write, and read by the ranker's `association` feature.

use rustc_hash::FxHashMap;

use crate::analysis::{is_number, is_unit};
use crate::rank::DocText;

/// Distinct title terms of one product that count; the rest of a long title adds little.
pub const MAX_TERMS: usize = 16;
/// Pseudo-count added to a word's product count, so a word seen in one or two titles cannot
/// vouch for another with certainty.
pub const SMOOTHING: f32 = 5.0;

/// Term and term-pair product counts over the catalog's titles.
#[derive(Debug, Default)]
pub struct Cooccurrence {
    ids: FxHashMap<String, u32>,
    df: Vec<u32>,
    pairs: FxHashMap<u64, u32>,
}

fn key(a: u32, b: u32) -> u64 {
    let (lo, hi) = if a < b { (a, b) } else { (b, a) };
    (u64::from(lo) << 32) | u64::from(hi)
}

/// The terms of a title that take part: distinct, neither numbers nor units, at most
/// [`MAX_TERMS`].
fn counted(doc: &DocText) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for t in &doc.title {
        if out.len() == MAX_TERMS {
            break;
        }
        if !is_number(t) && !is_unit(t) && !out.contains(&t.as_str()) {
            out.push(t);
        }
    }
    out
}

impl Cooccurrence {
    /// Counts a product's title in.
    pub fn add(&mut self, doc: &DocText) {
        let ids: Vec<u32> = counted(doc)
            .into_iter()
            .map(|t| {
                let next = self.df.len() as u32;
                let id = *self.ids.entry(t.to_string()).or_insert(next);
                if id == next {
                    self.df.push(0);
                }
                self.df[id as usize] += 1;
                id
            })
            .collect();
        for (i, &a) in ids.iter().enumerate() {
            for &b in &ids[i + 1..] {
                *self.pairs.entry(key(a, b)).or_default() += 1;
            }
        }
    }

    /// Counts a product's title out again (it was replaced or deleted).
    pub fn remove(&mut self, doc: &DocText) {
        let ids: Vec<u32> = counted(doc)
            .into_iter()
            .filter_map(|t| self.ids.get(t).copied())
            .collect();
        for &a in &ids {
            let df = &mut self.df[a as usize];
            *df = df.saturating_sub(1);
        }
        for (i, &a) in ids.iter().enumerate() {
            for &b in &ids[i + 1..] {
                let k = key(a, b);
                if let Some(c) = self.pairs.get_mut(&k) {
                    *c -= 1;
                    if *c == 0 {
                        self.pairs.remove(&k);
                    }
                }
            }
        }
    }

    /// The id of a term seen in some title.
    pub fn id(&self, term: &str) -> Option<u32> {
        self.ids.get(term).copied()
    }

    /// How strongly the words of `doc` call for term `q`: the highest share, over the title's
    /// words, of products with that word that also have `q` (smoothed), from 0 to 1.
    pub fn association(&self, q: u32, doc: &DocText) -> f32 {
        let mut best = 0.0f32;
        for t in counted(doc) {
            let Some(id) = self.ids.get(t).copied() else {
                continue;
            };
            if id == q {
                return 1.0;
            }
            let together = self.pairs.get(&key(q, id)).copied().unwrap_or(0) as f32;
            let df = self.df[id as usize] as f32;
            best = best.max(together / (df + SMOOTHING));
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::Analyzer;

    fn doc(title: &str) -> DocText {
        DocText::from_title(&Analyzer::default(), title)
    }

    #[test]
    fn words_that_share_titles_vouch_for_each_other_and_removal_undoes_it() {
        let mut c = Cooccurrence::default();
        let titles: Vec<DocText> = (0..8)
            .map(|i| doc(&format!("ClosetMaid {i} ft. Wire Shelving")))
            .chain([doc("Wire Basket"), doc("Paver Base")])
            .collect();
        for d in &titles {
            c.add(d);
        }
        let shelving = c.id("shelv").unwrap();
        let closetmaid_shelf = doc("ClosetMaid Ventilated Shelf");
        let a = c.association(shelving, &closetmaid_shelf);
        assert!(a > 0.5, "{a}");
        assert_eq!(c.association(shelving, &doc("Paver Base")), 0.0);
        assert_eq!(c.association(shelving, &doc("Wire Shelving")), 1.0);
        for d in &titles[..8] {
            c.remove(d);
        }
        assert_eq!(c.association(shelving, &closetmaid_shelf), 0.0);
        assert!(c.pairs.keys().all(|k| c.pairs[k] > 0));
    }
}
