//! Product feeds in, validated [`Product`](tailor_model::Product)s out, with errors that name
//! the row and the field.
//!
//! This is the `[catalog] parse -> validate` stage in front of the store's upsert. Three entry
//! points cover every way products arrive:
//!
//! - [`parse_product`] and [`apply_patch`]: one JSON product, or a partial update, as the HTTP
//!   API receives them; [`parse_batch`] for a whole HTTP batch.
//! - [`FeedReader`]: a feed file or stream (JSON, NDJSON, Google Merchant TSV/CSV/XML, and the
//!   Instacart and dunnhumby product tables), read one record at a time, gzip or not.
//! - [`collect_rows`]: batch semantics over any feed, all-or-nothing or keep-the-valid-rows.
//!
//! # A product from JSON
//!
//! Every field error is collected, and each names its field:
//!
//! ```
//! use serde_json::json;
//! use tailor_catalog::parse_product;
//!
//! let p = parse_product(&json!({
//!     "id": "sku-1",
//!     "title": "Roasted almonds",
//!     "price": "4.99 EUR",
//!     "categories": ["Food > Snacks > Nuts"],
//!     "allergens": ["Almonds"],
//!     "attributes": {"weight_g": 250}
//! }), None).unwrap();
//! assert_eq!(p.categories, [["Food", "Snacks", "Nuts"]]);
//! assert_eq!(p.currency.as_deref(), Some("EUR"));
//! assert_eq!(p.allergens, Some(vec!["almonds".to_string()]));
//!
//! let errors = parse_product(&json!({"id": "sku-2", "title": "Cashews", "price": "abc", "colour": "red"}), Some(0))
//!     .unwrap_err();
//! assert_eq!(errors[0].to_string(), r#"[0] price: must be a number >= 0, got "abc""#);
//! assert_eq!(errors[1].field, "colour"); // unknown fields are rejected: use "attributes"
//! ```
//!
//! # A feed
//!
//! ```
//! use tailor_catalog::{BatchMode, FeedFormat, FeedReader, collect_rows};
//!
//! // A Google Merchant CSV with a BOM, CRLF line ends, a quoted newline and an extra column.
//! let csv = "\u{feff}g:id,g:title,g:price,g:availability,g:product_type,material\r\n\
//!            A1,\"Linen\nshirt\",29.90 EUR,in stock,Apparel > Shirts,linen\r\n\
//!            A2,Socks,three euros,in stock,Apparel > Socks,wool\r\n";
//! let feed = FeedReader::new(FeedFormat::MerchantCsv, csv.as_bytes())?;
//! let batch = collect_rows(feed, BatchMode::KeepValid)?;
//!
//! assert_eq!(batch.products[0].title, "Linen\nshirt");
//! assert_eq!(batch.products[0].categories, [["Apparel", "Shirts"]]);
//! assert_eq!(
//!     batch.errors[0].to_string(),
//!     r#"row 4: price: must be a number >= 0, got "three euros""#, // the row is the file line
//! );
//! # Ok::<(), tailor_catalog::CatalogError>(())
//! ```
//!
//! Files are opened with [`FeedReader::open`], which detects the format ([`FeedFormat::detect`])
//! and reports progress ([`FeedReader::bytes_read`], [`FeedReader::total_bytes`]).
//!
//! # Decisions
//!
//! - **Unknown JSON fields are rejected**, with a "did you mean" hint: a typo such as `"hiden"`
//!   must not quietly publish a hidden product. Custom data belongs in `attributes`. Feeds from
//!   Merchant Center keep unknown columns as attributes instead, since those are other systems'
//!   exports and Merchant defines many attributes Tailor does not model.
//! - **A repeated id within one feed or batch is an error on the later row** (the first is
//!   kept), because it is almost always an export bug. [`Duplicates::Allow`] turns the check off
//!   for feeds; the store's upsert then keeps the last.
//! - **JSON arrays are streamed by a small scanner** that cuts out one element at a time
//!   (tracking strings and brackets) and hands it to serde_json. Memory is one element, and an
//!   element that is not valid JSON costs only that row.
//! - **Every record is bounded** by [`MAX_RECORD_BYTES`]: an unclosed CSV quote cannot pull a
//!   whole file into memory; the feed stops with an error naming the line instead.
#![warn(missing_docs)]

mod batch;
mod datasets;
mod delimited;
mod error;
mod fields;
mod format;
mod input;
mod json;
mod json_feed;
mod merchant;
pub mod openfoodfacts;
mod reader;
mod xml;

pub use batch::{Batch, BatchMode, MAX_REPORTED_ERRORS, collect_rows, parse_batch};
pub use datasets::InstacartLookup;
pub use error::{CatalogError, RowError};
pub use format::{FeedFormat, SNIFF_BYTES};
pub use input::{MAX_RECORD_BYTES, Progress};
pub use json::{apply_patch, parse_product};
pub use reader::{Duplicates, FeedReader};
