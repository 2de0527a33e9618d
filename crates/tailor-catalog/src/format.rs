//! Which feed a file is: [`FeedFormat`] and its detection from the file name and first bytes.

use crate::CatalogError;
use crate::input::{gunzip_prefix, looks_gzipped};
use std::fmt;
use std::path::Path;
use std::str::FromStr;

/// The feed shapes Tailor reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FeedFormat {
    /// A JSON array of products (streamed element by element), or JSON objects one after another.
    Json,
    /// One JSON product per line.
    Ndjson,
    /// Google Merchant Center tab-separated text (`.tsv`, `.txt`) with a header row.
    MerchantTsv,
    /// Google Merchant Center comma-separated values with a header row.
    MerchantCsv,
    /// Google Merchant Center RSS 2.0 (or Atom 1.0) XML with the `g:` namespace.
    MerchantXml,
    /// Instacart's `products.csv`, joined with `aisles.csv` and `departments.csv` beside it.
    Instacart,
    /// dunnhumby "The Complete Journey" `products.csv` (lower-case 2.0 header or the original
    /// upper-case one).
    Dunnhumby,
}

/// Bytes worth handing to [`FeedFormat::detect`].
pub const SNIFF_BYTES: usize = 8192;

impl FeedFormat {
    /// Every format, for help texts.
    pub const ALL: [FeedFormat; 7] = [
        Self::Json,
        Self::Ndjson,
        Self::MerchantTsv,
        Self::MerchantCsv,
        Self::MerchantXml,
        Self::Instacart,
        Self::Dunnhumby,
    ];

    /// The name used on command lines and in messages (`merchant-tsv`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Ndjson => "ndjson",
            Self::MerchantTsv => "merchant-tsv",
            Self::MerchantCsv => "merchant-csv",
            Self::MerchantXml => "merchant-xml",
            Self::Instacart => "instacart",
            Self::Dunnhumby => "dunnhumby",
        }
    }

    /// How [`RowError::row`](crate::RowError::row) counts in this format: `"element"` for JSON,
    /// `"line"` for the others.
    pub fn row_unit(self) -> &'static str {
        match self {
            Self::Json => "element",
            _ => "line",
        }
    }

    /// Guesses the format from the file name and its first bytes (up to [`SNIFF_BYTES`]; fewer
    /// is fine, and the bytes may still be gzip-compressed).
    ///
    /// A `.gz` suffix is looked through. The content decides where the name is silent or
    /// generic: `[`/`{` means JSON, `<` means XML, and a CSV header names Instacart or dunnhumby
    /// tables by their columns; a tab in the header line means TSV.
    ///
    /// ```
    /// use std::path::Path;
    /// use tailor_catalog::FeedFormat;
    /// let f = |name: &str, head: &str| FeedFormat::detect(Path::new(name), head.as_bytes());
    /// assert_eq!(f("feed.txt", "id\ttitle\tprice\n"), Some(FeedFormat::MerchantTsv));
    /// assert_eq!(f("products.csv", "product_id,product_name,aisle_id,department_id\n"), Some(FeedFormat::Instacart));
    /// assert_eq!(f("export", "<?xml version=\"1.0\"?><rss>"), Some(FeedFormat::MerchantXml));
    /// assert_eq!(f("items.jsonl", "{\"id\":1}\n"), Some(FeedFormat::Ndjson));
    /// assert_eq!(f("notes", "hello"), None);
    /// ```
    pub fn detect(path: &Path, first_bytes: &[u8]) -> Option<FeedFormat> {
        let inflated;
        let head = if looks_gzipped(first_bytes) {
            inflated = gunzip_prefix(first_bytes, SNIFF_BYTES);
            &inflated[..]
        } else {
            first_bytes
        };
        let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        let name = name.strip_suffix(".gz").unwrap_or(&name);
        let ext = Path::new(name)
            .extension()
            .map(|e| e.to_string_lossy().into_owned())
            .unwrap_or_default();
        let first = head.iter().copied().find(|b| !b.is_ascii_whitespace());
        match ext.as_str() {
            "ndjson" | "jsonl" => Some(Self::Ndjson),
            "json" => Some(Self::Json),
            "xml" | "rss" | "atom" => Some(Self::MerchantXml),
            "tsv" | "tab" => Some(Self::MerchantTsv),
            "csv" | "txt" => Some(sniff_header(head).unwrap_or(if ext == "csv" {
                Self::MerchantCsv
            } else {
                Self::MerchantTsv
            })),
            _ => match first? {
                b'[' => Some(Self::Json),
                b'{' => Some(Self::Ndjson),
                b'<' => Some(Self::MerchantXml),
                _ => sniff_header(head),
            },
        }
    }
}

/// Reads a delimited header line: a known dataset table by its columns, else Merchant TSV when
/// it has a tab, Merchant CSV when it has a comma and an `id` column.
fn sniff_header(head: &[u8]) -> Option<FeedFormat> {
    let end = head.iter().position(|&b| b == b'\n').unwrap_or(head.len());
    let line = String::from_utf8_lossy(&head[..end]);
    let line = line.trim_end_matches('\r');
    let delimiter = if line.contains('\t') { '\t' } else { ',' };
    let cols: Vec<String> = line
        .split(delimiter)
        .map(|c| c.trim().trim_matches('"').to_ascii_lowercase())
        .collect();
    let has = |c: &str| cols.iter().any(|x| x == c);
    if has("product_id") && has("product_name") && has("aisle_id") && has("department_id") {
        return Some(FeedFormat::Instacart);
    }
    if has("product_id")
        && has("department")
        && (has("manufacturer_id") || has("manufacturer"))
        && (has("product_category") || has("commodity_desc"))
    {
        return Some(FeedFormat::Dunnhumby);
    }
    let has_id = cols.iter().any(|c| crate::merchant::names(c, "id"));
    match delimiter {
        '\t' => Some(FeedFormat::MerchantTsv),
        _ if has_id => Some(FeedFormat::MerchantCsv),
        _ => None,
    }
}

impl fmt::Display for FeedFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for FeedFormat {
    type Err = CatalogError;

    /// Parses [`FeedFormat::name`]; `tsv`, `csv`, `xml`, `rss` and `jsonl` are accepted too.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        let alias = match lower.as_str() {
            "tsv" => Some(Self::MerchantTsv),
            "csv" => Some(Self::MerchantCsv),
            "xml" | "rss" => Some(Self::MerchantXml),
            "jsonl" => Some(Self::Ndjson),
            _ => None,
        };
        alias
            .or_else(|| Self::ALL.into_iter().find(|f| f.name() == lower))
            .ok_or_else(|| CatalogError::UnknownFormatName(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn detect(name: &str, head: &[u8]) -> Option<FeedFormat> {
        FeedFormat::detect(Path::new(name), head)
    }

    #[test]
    fn names_and_content_decide() {
        assert_eq!(detect("a.json", b"[{}]"), Some(FeedFormat::Json));
        assert_eq!(detect("a.json", b"{\"id\":1}"), Some(FeedFormat::Json));
        assert_eq!(detect("a", b"  [{}]"), Some(FeedFormat::Json));
        assert_eq!(detect("a", b"{}\n{}"), Some(FeedFormat::Ndjson));
        assert_eq!(detect("a.TSV", b"id,title"), Some(FeedFormat::MerchantTsv));
        assert_eq!(
            detect("a.txt", b"id,title\n1,x"),
            Some(FeedFormat::MerchantCsv)
        );
        assert_eq!(
            detect("a.txt", b"g:id\tg:title"),
            Some(FeedFormat::MerchantTsv)
        );
        assert_eq!(detect("a.csv", b""), Some(FeedFormat::MerchantCsv));
        assert_eq!(detect("a.rss", b""), Some(FeedFormat::MerchantXml));
        assert_eq!(
            detect("feed", b"\xEF\xBB\xBF<rss"),
            Some(FeedFormat::MerchantXml)
        );
        assert_eq!(
            detect("feed", b"\"id\",\"title\""),
            Some(FeedFormat::MerchantCsv)
        );
        assert_eq!(detect("feed", b""), None);
        assert_eq!(detect("feed", b"a,b"), None);
        assert_eq!(
            detect(
                "products.csv",
                b"product_id,manufacturer_id,department,brand,product_category,product_type,package_size\n"
            ),
            Some(FeedFormat::Dunnhumby)
        );
        assert_eq!(
            detect(
                "p.csv",
                b"PRODUCT_ID,MANUFACTURER,DEPARTMENT,BRAND,COMMODITY_DESC\n"
            ),
            Some(FeedFormat::Dunnhumby)
        );
    }

    #[test]
    fn gzip_is_looked_through() {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(b"product_id,manufacturer_id,department,brand,product_category,product_type\n1,2,3,4,5,6\n")
            .unwrap();
        let gz = enc.finish().unwrap();
        assert_eq!(detect("products.csv.gz", &gz), Some(FeedFormat::Dunnhumby));
        assert_eq!(detect("blob", &gz[..gz.len() / 2]), None);
        assert_eq!(detect("feed.xml.gz", &gz), Some(FeedFormat::MerchantXml));
    }

    #[test]
    fn names_round_trip() {
        for f in FeedFormat::ALL {
            assert_eq!(f.name().parse::<FeedFormat>().unwrap(), f);
        }
        assert_eq!(
            "TSV".parse::<FeedFormat>().unwrap(),
            FeedFormat::MerchantTsv
        );
        assert!("yaml".parse::<FeedFormat>().is_err());
    }
}
