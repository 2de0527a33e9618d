//! Tailor's shared vocabulary.
//!
//! Every other crate speaks in these types: newtype ids ([`ProductId`], [`VisitorId`], ...),
//! the catalog [`Product`], the shopper [`Event`], and [`FieldError`], which is what any bad
//! input becomes before it reaches a user as a 4xx.
//!
//! ```
//! use tailor_model::{Event, EventKind};
//! let raw = serde_json::json!({"type": "view", "visitor_id": "v1", "product_id": "p1"});
//! let event = Event::from_json(&raw, 0).unwrap();
//! assert!(matches!(event.kind, EventKind::View { .. }));
//! ```
#![warn(missing_docs)]

pub mod configure;
mod error;
mod event;
mod filters;
mod food;
mod ids;
pub mod lists;
mod preferences;
mod product;
mod served;

pub use error::FieldError;
pub use event::{Event, EventKind, OrderLine};
pub use filters::{AppliedFilters, MAX_FILTER_VALUES, PriceFilter};
pub use food::{Allergen, DETECTED_ALLERGENS_ATTR, Diet, NON_FOOD_TAG};
pub use ids::{CustomerId, IdError, ProductId, SessionId, ShopId, VisitorId};
pub use lists::ListEdit;
pub use preferences::{Preferences, PriceRange, UnknownPolicy};
pub use product::{AttrValue, Availability, Product, Tile};
pub use served::Served;

/// Input limits. Each one, when hit, produces a 4xx that names it.
pub mod limits {
    /// Longest id (product, visitor, session, customer, shop, order, event) in bytes.
    pub const MAX_ID_LEN: usize = 256;
    /// Longest free-text string (title, query, URL) in bytes.
    pub const MAX_TEXT_LEN: usize = 4096;
    /// Longest description in bytes.
    pub const MAX_DESCRIPTION_LEN: usize = 65_536;
    /// Most entries in one list field (tags, lines, shown ids, categories).
    pub const MAX_LIST_LEN: usize = 1000;
    /// Most events in one batch.
    pub const MAX_EVENT_BATCH: usize = 10_000;
    /// Most products in one catalog batch over HTTP.
    pub const MAX_PRODUCT_BATCH: usize = 10_000;
}

/// Milliseconds since the Unix epoch, the one time unit Tailor stores.
pub type Millis = i64;

/// The current wall-clock time in [`Millis`].
pub fn now_millis() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as Millis)
        .unwrap_or(0)
}
