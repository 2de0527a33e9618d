//! The crate's one error enum, [`CatalogError`], and [`RowError`], the per-row report a feed
//! reader yields for each record it could not turn into a product.

use serde::Serialize;
use std::fmt;
use std::path::PathBuf;
use tailor_model::FieldError;

/// Everything that can stop a feed or a batch as a whole. Problems with single rows are
/// [`RowError`]s instead, and a feed keeps going after them.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// A file could not be opened or read.
    #[error("{}: {source}", path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// Neither the file name nor its first bytes say which [`FeedFormat`](crate::FeedFormat) it is.
    #[error(
        "{}: cannot tell the feed format; name the file .json, .ndjson, .tsv, .txt, .csv or .xml \
         (optionally .gz), or pass the format explicitly",
        path.display()
    )]
    UnknownFormat {
        /// The file.
        path: PathBuf,
    },
    /// A format name (e.g. from a command-line flag) that is not one of ours.
    #[error(
        "unknown feed format {0:?}; expected one of json, ndjson, merchant-tsv, merchant-csv, \
         merchant-xml, instacart, dunnhumby"
    )]
    UnknownFormatName(String),
    /// A file a feed needs besides itself (Instacart's `aisles.csv`, `departments.csv`) is
    /// missing or broken.
    #[error("{}: {reason}", path.display())]
    Companion {
        /// The companion file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// [`FeedFormat::Instacart`](crate::FeedFormat::Instacart) was asked for without the aisle and
    /// department tables it joins.
    #[error(
        "the instacart format joins aisles.csv and departments.csv: use FeedReader::open on \
         products.csv, or FeedReader::instacart with an InstacartLookup"
    )]
    NeedsLookup,
    /// An HTTP batch holds more products than [`MAX_PRODUCT_BATCH`](tailor_model::limits::MAX_PRODUCT_BATCH).
    #[error("{len} products in one batch; at most {max} are accepted")]
    BatchTooLarge {
        /// Products sent.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// An all-or-nothing batch had bad rows, so nothing was accepted.
    #[error("{total} row(s) rejected, nothing imported; first: {}", errors.first().map(ToString::to_string).unwrap_or_default())]
    Rejected {
        /// The first [`MAX_REPORTED_ERRORS`](crate::MAX_REPORTED_ERRORS) row errors, in feed order.
        errors: Vec<RowError>,
        /// How many rows were bad in all.
        total: usize,
    },
    /// Reading failed below the parser.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// One record of a feed or batch that did not become a product, and why.
///
/// `row` tells the user where to look, counted the way the source is counted:
/// the 1-based line the record starts on for line-oriented feeds (NDJSON, TSV, CSV, and XML,
/// where it is the line of `<item>`), the 1-based element number for a JSON feed, and the
/// 0-based position for an HTTP batch ([`parse_batch`](crate::parse_batch)), matching how event
/// batches are reported. Every [`FieldError::index`] inside carries the same number.
/// [`FeedFormat::row_unit`](crate::FeedFormat::row_unit) names the unit for messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
pub struct RowError {
    /// Where the record is (see the type's docs for the unit).
    pub row: usize,
    /// Every problem found in the record, each naming its field. A field of `""` means the
    /// record as a whole (e.g. invalid JSON, wrong number of columns).
    pub errors: Vec<FieldError>,
    /// The feed itself is broken here (malformed XML, truncated JSON, unreadable input): the
    /// reader stops after yielding this error, and later rows were never seen.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub fatal: bool,
}

impl RowError {
    /// A record-level error: the row is skipped, reading goes on.
    pub fn new(row: usize, errors: Vec<FieldError>) -> Self {
        Self {
            row,
            errors,
            fatal: false,
        }
    }

    /// A single-field, recoverable error.
    pub(crate) fn field(row: usize, field: &str, reason: impl Into<String>) -> Self {
        Self::new(row, vec![FieldError::new(Some(row), field, reason)])
    }

    /// The feed cannot be read past this point.
    pub(crate) fn fatal(row: usize, reason: impl Into<String>) -> Self {
        Self {
            row,
            errors: vec![FieldError::new(Some(row), "", reason)],
            fatal: true,
        }
    }
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "row {}: ", self.row)?;
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            if e.field.is_empty() {
                f.write_str(&e.reason)?;
            } else {
                write!(f, "{}: {}", e.field, e.reason)?;
            }
        }
        if self.fatal {
            f.write_str(" (reading stopped here)")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_error_display_lists_every_field() {
        let e = RowError::new(
            7,
            vec![
                FieldError::new(Some(7), "price", "must be a number >= 0, got \"abc\""),
                FieldError::new(Some(7), "title", "is required"),
            ],
        );
        assert_eq!(
            e.to_string(),
            "row 7: price: must be a number >= 0, got \"abc\"; title: is required"
        );
        let fatal = RowError::fatal(3, "unexpected end of file");
        assert_eq!(
            fatal.to_string(),
            "row 3: unexpected end of file (reading stopped here)"
        );
    }
}
