//! The one error type of this crate.

/// What can go wrong in the search index.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// A request field out of range; `field` names it.
    #[error("invalid search query: {field} {message}")]
    InvalidQuery {
        /// The offending field.
        field: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// More than `u32::MAX` products were ever added.
    #[error("the search index is full")]
    Full,
    /// tantivy failed (I/O or a corrupt index).
    #[error("search engine: {0}")]
    Engine(#[from] tantivy::TantivyError),
}
