//! [`FeedReader`]: any feed file or stream in, one `Result<Product, RowError>` at a time out.
//! It picks the parser for the [`FeedFormat`], gunzips transparently, reports progress, and
//! applies the feed-wide duplicate-id rule ([`Duplicates`]).

use crate::batch::SeenIds;
use crate::datasets::InstacartLookup;
use crate::delimited::{DelimitedRows, Mapping};
use crate::error::{CatalogError, RowError};
use crate::format::{FeedFormat, SNIFF_BYTES};
use crate::input::{Meter, Progress, layered};
use crate::json_feed::{JsonRows, NdjsonRows};
use crate::xml::XmlRows;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;
use tailor_model::{FieldError, Product};

/// A parsed record and the row it came from.
pub(crate) type Row = (usize, Product);

type Rows = Box<dyn Iterator<Item = Result<Row, RowError>> + Send>;

/// What to do when an id appears twice in one feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Duplicates {
    /// The later row is an error naming the earlier one; the first product is kept.
    /// A repeated id in one feed is almost always an export bug (variants sharing their parent's
    /// id), and silently keeping either copy would hide it. Costs about 40 bytes per product.
    #[default]
    Reject,
    /// Every row is yielded; a store that upserts keeps the last. Uses no memory.
    Allow,
}

/// Streams products out of a feed, one record at a time, from any [`Read`].
///
/// Memory stays at one record (at most [`MAX_RECORD_BYTES`](crate::MAX_RECORD_BYTES)) plus the
/// duplicate check, whatever the feed size. Gzip input is recognised by its magic bytes and
/// decompressed on the fly. A row that cannot become a product yields a [`RowError`] and reading
/// goes on; a feed that is broken beyond a row (malformed XML, truncated JSON, unreadable bytes)
/// yields one final [`RowError`] with `fatal: true`, then ends.
///
/// ```
/// use tailor_catalog::{FeedFormat, FeedReader};
/// let tsv = "id\ttitle\tprice\n1\tTea\t3.50 EUR\n2\t\t1\n";
/// let rows: Vec<_> = FeedReader::new(FeedFormat::MerchantTsv, tsv.as_bytes())?.collect();
/// assert_eq!(rows[0].as_ref().unwrap().price, Some(3.5));
/// assert_eq!(rows[1].as_ref().unwrap_err().to_string(), "row 3: title: is required");
/// # Ok::<(), tailor_catalog::CatalogError>(())
/// ```
pub struct FeedReader {
    format: FeedFormat,
    rows: Rows,
    meter: Arc<Meter>,
    total_bytes: Option<u64>,
    duplicates: Duplicates,
    seen: SeenIds,
    last_row: usize,
    finished: bool,
}

impl std::fmt::Debug for FeedReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FeedReader")
            .field("format", &self.format)
            .field("bytes_read", &self.bytes_read())
            .field("total_bytes", &self.total_bytes)
            .field("last_row", &self.last_row)
            .finish_non_exhaustive()
    }
}

impl FeedReader {
    /// Opens a feed file, detecting its format from the name and first bytes
    /// ([`FeedFormat::detect`]). For Instacart's `products.csv`, `aisles.csv` and
    /// `departments.csv` are read from the same directory.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, CatalogError> {
        let path = path.as_ref();
        let mut file = open_file(path)?;
        let head = read_head(&mut file).map_err(|e| open_error(path, e))?;
        let format =
            FeedFormat::detect(path, &head).ok_or_else(|| CatalogError::UnknownFormat {
                path: path.to_path_buf(),
            })?;
        file.seek(SeekFrom::Start(0))
            .map_err(|e| open_error(path, e))?;
        Self::from_file(path, file, format)
    }

    /// Opens a feed file as the given format, whatever it is called.
    pub fn open_as(path: impl AsRef<Path>, format: FeedFormat) -> Result<Self, CatalogError> {
        let path = path.as_ref();
        Self::from_file(path, open_file(path)?, format)
    }

    fn from_file(path: &Path, file: File, format: FeedFormat) -> Result<Self, CatalogError> {
        let total = file.metadata().ok().map(|m| m.len());
        let mut reader = if format == FeedFormat::Instacart {
            let dir = match path.parent() {
                Some(d) if !d.as_os_str().is_empty() => d,
                _ => Path::new("."),
            };
            Self::instacart(file, InstacartLookup::from_dir(dir)?)?
        } else {
            Self::new(format, file)?
        };
        reader.total_bytes = total;
        Ok(reader)
    }

    /// Reads a feed of a known format from any reader (a file, a socket, an HTTP body).
    /// [`FeedFormat::Instacart`] needs its lookup tables: use [`FeedReader::instacart`].
    pub fn new(
        format: FeedFormat,
        reader: impl Read + Send + 'static,
    ) -> Result<Self, CatalogError> {
        let mapping = match format {
            FeedFormat::Instacart => return Err(CatalogError::NeedsLookup),
            FeedFormat::Dunnhumby => Some(Mapping::Dunnhumby),
            FeedFormat::MerchantCsv | FeedFormat::MerchantTsv => Some(Mapping::Merchant),
            _ => None,
        };
        Self::build(format, Box::new(reader), mapping)
    }

    /// Reads an Instacart `products.csv` stream, joining the given aisle and department names.
    pub fn instacart(
        products: impl Read + Send + 'static,
        lookup: InstacartLookup,
    ) -> Result<Self, CatalogError> {
        Self::build(
            FeedFormat::Instacart,
            Box::new(products),
            Some(Mapping::Instacart(lookup)),
        )
    }

    fn build(
        format: FeedFormat,
        source: Box<dyn Read + Send>,
        mapping: Option<Mapping>,
    ) -> Result<Self, CatalogError> {
        let meter = Arc::new(Meter::default());
        let input = layered(source, &meter)?;
        let m = meter.clone();
        let rows: Rows = match (format, mapping) {
            (FeedFormat::Json, _) => Box::new(JsonRows::new(input, m)),
            (FeedFormat::Ndjson, _) => Box::new(NdjsonRows::new(input, m)),
            (FeedFormat::MerchantXml, _) => Box::new(XmlRows::new(input, m)),
            (FeedFormat::MerchantTsv, Some(mapping)) => {
                Box::new(DelimitedRows::new(input, m, b'\t', mapping))
            }
            (_, Some(mapping)) => Box::new(DelimitedRows::new(input, m, b',', mapping)),
            (_, None) => return Err(CatalogError::NeedsLookup),
        };
        Ok(Self {
            format,
            rows,
            meter,
            total_bytes: None,
            duplicates: Duplicates::default(),
            seen: SeenIds::default(),
            last_row: 0,
            finished: false,
        })
    }

    /// Sets the duplicate-id rule (default [`Duplicates::Reject`]).
    pub fn with_duplicates(mut self, duplicates: Duplicates) -> Self {
        self.duplicates = duplicates;
        self
    }

    /// The format being read.
    pub fn format(&self) -> FeedFormat {
        self.format
    }

    /// Bytes read from the source so far (compressed bytes for gzip), for a progress bar.
    pub fn bytes_read(&self) -> u64 {
        self.meter.raw()
    }

    /// The file size, when the reader was opened from a path.
    pub fn total_bytes(&self) -> Option<u64> {
        self.total_bytes
    }

    /// A handle that reports [`bytes_read`](Self::bytes_read) from another thread.
    pub fn progress(&self) -> Progress {
        Progress(self.meter.clone())
    }

    /// The row of the last record yielded, product or error (0 before the first); see
    /// [`RowError::row`] for the unit.
    pub fn last_row(&self) -> usize {
        self.last_row
    }
}

impl Iterator for FeedReader {
    type Item = Result<Product, RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        let Some(item) = self.rows.next() else {
            self.finished = true;
            return None;
        };
        Some(match item {
            Err(e) => {
                self.last_row = e.row;
                self.finished = e.fatal;
                Err(e)
            }
            Ok((row, p)) => {
                self.last_row = row;
                match self.duplicates {
                    Duplicates::Allow => Ok(p),
                    Duplicates::Reject => match self.seen.insert(p.id.as_str(), row) {
                        None => Ok(p),
                        Some(first) => Err(RowError::new(
                            row,
                            vec![FieldError::new(
                                Some(row),
                                "id",
                                format!(
                                    "{} was already used by the product at {} {first}; each id \
                                     may appear once per feed (the first is kept)",
                                    crate::fields::show(p.id.as_str()),
                                    self.format.row_unit()
                                ),
                            )],
                        )),
                    },
                }
            }
        })
    }
}

fn open_error(path: &Path, source: io::Error) -> CatalogError {
    CatalogError::Open {
        path: path.to_path_buf(),
        source,
    }
}

fn open_file(path: &Path) -> Result<File, CatalogError> {
    File::open(path).map_err(|e| open_error(path, e))
}

/// Up to [`SNIFF_BYTES`] from the start of a file.
fn read_head(file: &mut File) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    file.by_ref()
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut head)?;
    Ok(head)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reader_can_move_to_a_blocking_thread() {
        fn assert_send<T: Send>() {}
        assert_send::<FeedReader>();
        assert_send::<Progress>();
    }
}
