use crate::limits::MAX_ID_LEN;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Why a string is not a valid id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// The id is the empty string.
    #[error("must not be empty")]
    Empty,
    /// The id is longer than [`MAX_ID_LEN`] bytes.
    #[error("longer than {MAX_ID_LEN} bytes")]
    TooLong,
    /// The id holds a control character (newline, NUL, ...).
    #[error("contains a control character")]
    Control,
}

fn check_id(s: &str) -> Result<(), IdError> {
    if s.is_empty() {
        Err(IdError::Empty)
    } else if s.len() > MAX_ID_LEN {
        Err(IdError::TooLong)
    }
    // Bytes first: ids are nearly always ASCII, and replay checks every stored one. Only
    // non-ASCII text can hold the C1 controls (U+0080..U+009F).
    // (A fold without early exit, so the compiler can vectorise it.)
    else if s.bytes().fold(false, |c, b| c | (b < 0x20) | (b == 0x7f))
        || (!s.is_ascii() && s.chars().any(char::is_control))
    {
        Err(IdError::Control)
    } else {
        Ok(())
    }
}

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        // Shared text: ids are cloned into events, state maps and served lists on every request,
        // and a clone is then a reference count, not an allocation and a copy.
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(std::sync::Arc<str>);

        impl $name {
            /// Checks the string (non-empty, short, no control characters) and wraps it.
            pub fn new(s: impl Into<String>) -> Result<Self, IdError> {
                let s = s.into();
                check_id(&s)?;
                Ok(Self(s.into()))
            }
            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl TryFrom<String> for $name {
            type Error = IdError;
            fn try_from(s: String) -> Result<Self, IdError> {
                Self::new(s)
            }
        }
        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0.to_string()
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }
    };
}

string_id!(
    /// A shop hosted by this server; every key, product and event belongs to exactly one.
    ShopId
);
string_id!(
    /// The shop's own product (or variant, SKU) id.
    ProductId
);
string_id!(
    /// An anonymous, opaque browser id (first-party cookie).
    VisitorId
);
string_id!(
    /// One visit; derived from a 30-minute gap when the client sends none.
    SessionId
);
string_id!(
    /// The shop's customer id, known after login.
    CustomerId
);

impl ShopId {
    /// The shop a request means when it names none.
    pub fn default_shop() -> Self {
        Self("default".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_reject_empty_long_and_control() {
        assert_eq!(ProductId::new(""), Err(IdError::Empty));
        assert_eq!(
            ProductId::new("x".repeat(MAX_ID_LEN + 1)),
            Err(IdError::TooLong)
        );
        assert_eq!(ProductId::new("a\nb"), Err(IdError::Control));
        assert_eq!(ProductId::new("a\u{7f}"), Err(IdError::Control));
        assert_eq!(ProductId::new("ü\u{85}"), Err(IdError::Control));
        assert_eq!(ProductId::new("\u{9f}"), Err(IdError::Control));
        assert!(ProductId::new("ü\u{a0}").is_ok());
        assert!(ProductId::new("x".repeat(MAX_ID_LEN)).is_ok());
    }

    #[test]
    fn ids_keep_unicode() {
        let id = VisitorId::new("Jürgen-😀").unwrap();
        assert_eq!(id.as_str(), "Jürgen-😀");
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(serde_json::from_str::<VisitorId>(&json).unwrap(), id);
    }

    #[test]
    fn deserialising_an_invalid_id_fails() {
        assert!(serde_json::from_str::<ProductId>("\"\"").is_err());
    }
}
