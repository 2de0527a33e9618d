use serde::Serialize;

/// One reason one piece of input was refused: which item (for batches), which field, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{}{field}: {reason}", index.map(|i| format!("[{i}] ")).unwrap_or_default())]
pub struct FieldError {
    /// Position in the batch or row number in a feed, where the input was a list.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
    /// Dotted path of the field, e.g. `lines[2].quantity`.
    pub field: String,
    /// Why it was refused, in words a developer can act on.
    pub reason: String,
}

impl FieldError {
    /// An error about `field` of the item at `index`.
    pub fn new(index: Option<usize>, field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            index,
            field: field.into(),
            reason: reason.into(),
        }
    }
}
