//! Whole-batch semantics: all-or-nothing, or keep the valid rows and report the rest.
//! Used for HTTP product batches ([`parse_batch`]) and for whole feeds ([`collect_rows`]).

use crate::error::{CatalogError, RowError};
use crate::json::parse_product;
use serde_json::Value;
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use tailor_model::limits::MAX_PRODUCT_BATCH;
use tailor_model::{FieldError, Product};

/// Row errors kept in full; beyond this only [`Batch::error_count`] grows, so that a feed of a
/// million bad rows does not hold a million errors.
pub const MAX_REPORTED_ERRORS: usize = 1000;

/// How a batch treats bad rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BatchMode {
    /// Any bad row rejects the whole batch ([`CatalogError::Rejected`] with the row errors).
    #[default]
    AllOrNothing,
    /// The valid rows are accepted; the bad ones are reported in [`Batch::errors`].
    KeepValid,
}

/// The accepted products of a batch and the rows that were not.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    /// Products to upsert, in input order.
    pub products: Vec<Product>,
    /// The first [`MAX_REPORTED_ERRORS`] bad rows, in input order (always empty for
    /// [`BatchMode::AllOrNothing`]).
    pub errors: Vec<RowError>,
    /// Bad rows in all.
    pub error_count: usize,
}

impl Batch {
    /// Whether the whole input was read: false when a fatal error stopped the feed early.
    pub fn is_complete(&self) -> bool {
        !self.errors.iter().any(|e| e.fatal)
    }
}

/// Collects a feed (or any rows) under `mode`.
///
/// With [`BatchMode::AllOrNothing`] products are dropped as soon as one row fails, and the
/// remaining rows are still read so that every error is reported at once.
///
/// ```
/// use tailor_catalog::{BatchMode, FeedFormat, FeedReader, collect_rows};
/// let ndjson = "{\"id\":\"a\",\"title\":\"A\"}\n{\"id\":\"b\"}\n";
/// let rows = || FeedReader::new(FeedFormat::Ndjson, ndjson.as_bytes()).unwrap();
/// assert!(collect_rows(rows(), BatchMode::AllOrNothing).is_err());
/// let kept = collect_rows(rows(), BatchMode::KeepValid).unwrap();
/// assert_eq!((kept.products.len(), kept.error_count), (1, 1));
/// ```
pub fn collect_rows<I>(rows: I, mode: BatchMode) -> Result<Batch, CatalogError>
where
    I: IntoIterator<Item = Result<Product, RowError>>,
{
    let mut batch = Batch::default();
    for row in rows {
        match row {
            Ok(p) if batch.error_count == 0 || mode == BatchMode::KeepValid => {
                batch.products.push(p);
            }
            Ok(_) => {}
            Err(e) => {
                if batch.error_count == 0 && mode == BatchMode::AllOrNothing {
                    batch.products = Vec::new();
                }
                batch.error_count += 1;
                if batch.errors.len() < MAX_REPORTED_ERRORS || e.fatal {
                    batch.errors.push(e);
                }
            }
        }
    }
    match mode {
        BatchMode::AllOrNothing if batch.error_count > 0 => Err(CatalogError::Rejected {
            errors: batch.errors,
            total: batch.error_count,
        }),
        _ => Ok(batch),
    }
}

/// Validates an HTTP batch of JSON products (at most
/// [`MAX_PRODUCT_BATCH`](tailor_model::limits::MAX_PRODUCT_BATCH)).
///
/// Rows are 0-based positions in the array, like event batches, and every
/// [`FieldError::index`] carries the same number. An id repeated within the batch is an error
/// on the later item.
///
/// ```
/// use serde_json::json;
/// use tailor_catalog::{BatchMode, CatalogError, parse_batch};
/// let items = [json!({"id": "a", "title": "A"}), json!({"id": "a", "title": "again"}), json!({"id": "c"})];
/// match parse_batch(&items, BatchMode::AllOrNothing) {
///     Err(CatalogError::Rejected { errors, total }) => {
///         assert_eq!(total, 2);
///         assert_eq!((errors[0].row, errors[1].row), (1, 2));
///     }
///     other => panic!("{other:?}"),
/// }
/// assert_eq!(parse_batch(&items, BatchMode::KeepValid).unwrap().products.len(), 1);
/// ```
pub fn parse_batch(items: &[Value], mode: BatchMode) -> Result<Batch, CatalogError> {
    if items.len() > MAX_PRODUCT_BATCH {
        return Err(CatalogError::BatchTooLarge {
            len: items.len(),
            max: MAX_PRODUCT_BATCH,
        });
    }
    let mut seen = SeenIds::default();
    let rows = items.iter().enumerate().map(|(i, v)| {
        let p = parse_product(v, Some(i)).map_err(|errs| RowError::new(i, errs))?;
        match seen.insert(p.id.as_str(), i) {
            None => Ok(p),
            Some(first) => Err(RowError::new(
                i,
                vec![FieldError::new(
                    Some(i),
                    "id",
                    format!(
                        "{} is also the id of item {first}; each id may appear once per batch",
                        crate::fields::show(p.id.as_str())
                    ),
                )],
            )),
        }
    });
    collect_rows(rows, mode)
}

/// Ids seen so far, as 128-bit fingerprints (two independent SipHash values): a false
/// "duplicate" would need a 128-bit collision, and a million ids take about 40 MB.
#[derive(Debug, Default)]
pub(crate) struct SeenIds(HashMap<u128, usize>);

impl SeenIds {
    /// Records `id` at `row`; returns the earlier row when the id was seen before.
    pub(crate) fn insert(&mut self, id: &str, row: usize) -> Option<usize> {
        let half = |salt: u8| {
            let mut h = DefaultHasher::new();
            salt.hash(&mut h);
            id.hash(&mut h);
            h.finish()
        };
        let key = (u128::from(half(0)) << 64) | u128::from(half(1));
        match self.0.get(&key) {
            Some(&first) => Some(first),
            None => {
                self.0.insert(key, row);
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn all_or_nothing_rejects_everything() {
        let items = vec![
            json!({"id": "a", "title": "A"}),
            json!({"id": "b", "price": "x"}),
        ];
        match parse_batch(&items, BatchMode::AllOrNothing) {
            Err(CatalogError::Rejected { errors, total }) => {
                assert_eq!(total, 1);
                assert_eq!(errors[0].row, 1);
                let fields: Vec<_> = errors[0].errors.iter().map(|e| e.field.as_str()).collect();
                assert_eq!(fields, ["title", "price"]);
                assert!(errors[0].errors.iter().all(|e| e.index == Some(1)));
            }
            other => panic!("{other:?}"),
        }
        let ok = parse_batch(&items[..1], BatchMode::AllOrNothing).unwrap();
        assert_eq!(ok.products.len(), 1);
    }

    #[test]
    fn keep_valid_reports_the_rest_and_caps_errors() {
        let rows = (0..MAX_REPORTED_ERRORS + 5).map(|i| Err(RowError::field(i, "x", "bad")));
        let rows = rows.chain(std::iter::once(Ok(Product::new(
            tailor_model::ProductId::new("p").unwrap(),
            "P",
        ))));
        let b = collect_rows(rows, BatchMode::KeepValid).unwrap();
        assert_eq!(b.products.len(), 1);
        assert_eq!(b.errors.len(), MAX_REPORTED_ERRORS);
        assert_eq!(b.error_count, MAX_REPORTED_ERRORS + 5);
        assert!(b.is_complete());
    }

    #[test]
    fn oversized_batches_are_refused() {
        let items = vec![json!({}); MAX_PRODUCT_BATCH + 1];
        assert!(matches!(
            parse_batch(&items, BatchMode::KeepValid),
            Err(CatalogError::BatchTooLarge { .. })
        ));
    }

    #[test]
    fn seen_ids_find_repeats() {
        let mut s = SeenIds::default();
        assert_eq!(s.insert("a", 1), None);
        assert_eq!(s.insert("b", 2), None);
        assert_eq!(s.insert("a", 3), Some(1));
    }
}
