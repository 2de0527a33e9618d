//! Wishlists: the names a shopper gives their lists and the edits a list goes through. A list is
//! derived from events only (`wishlist_add`, `wishlist_remove` and [`ListEdit`]s), so replaying
//! the log rebuilds it and a login merges it like the rest of the shopper.

use crate::ProductId;
use serde::{Deserialize, Serialize};

/// The name the API shows for the default list, which is stored as `""` (a `wishlist_add` with
/// no `list`).
pub const DEFAULT_LIST: &str = "default";
/// Longest list name, in characters (not bytes, so a name in any script gets the same room).
pub const MAX_LIST_NAME_CHARS: usize = 64;
/// Most lists one shopper may have.
pub const MAX_LISTS: usize = 50;
/// Most products on one list.
pub const MAX_LIST_ITEMS: usize = 500;

/// The stored name of a list as an event names it: absent or [`DEFAULT_LIST`] is the default
/// list `""`.
pub fn stored_name(list: Option<&str>) -> &str {
    match list {
        None | Some(DEFAULT_LIST) => "",
        Some(l) => l,
    }
}

/// The name the API shows for a stored list name.
pub fn display_name(stored: &str) -> &str {
    if stored.is_empty() {
        DEFAULT_LIST
    } else {
        stored
    }
}

/// Checks a name a shopper gives a list and returns its stored form. Surrounding whitespace is
/// trimmed; the name may not be empty, longer than [`MAX_LIST_NAME_CHARS`], or hold control
/// characters.
pub fn check_name(raw: &str) -> Result<String, String> {
    let name = raw.trim();
    if name.is_empty() {
        return Err("must not be empty".into());
    }
    let chars = name.chars().count();
    if chars > MAX_LIST_NAME_CHARS {
        return Err(format!(
            "is {chars} characters long; the limit is {MAX_LIST_NAME_CHARS}"
        ));
    }
    if name.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    Ok(stored_name(Some(name)).to_string())
}

/// One change to a shopper's lists beyond adding and removing a product (those are the
/// `wishlist_add` and `wishlist_remove` events). List names are stored names (`""` is the
/// default list).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum ListEdit {
    /// Makes an empty list (a no-op if it exists).
    Create {
        /// The new list.
        list: String,
    },
    /// Renames a list; into an existing name, the two lists become one.
    Rename {
        /// The list.
        list: String,
        /// Its new name.
        to: String,
    },
    /// Deletes a list with its products and share links.
    Delete {
        /// The list.
        list: String,
    },
    /// Moves a product from one list to another (made if missing). Not a new signal of
    /// interest, unlike a second `wishlist_add` would be.
    Move {
        /// The product.
        product_id: ProductId,
        /// Where it is.
        list: String,
        /// Where it goes.
        to: String,
    },
    /// Adds a read-only share link. Only a hash of the token is stored, so the log does not
    /// hold working links.
    Share {
        /// The list.
        list: String,
        /// Hex SHA-1 of the token.
        token_hash: String,
    },
    /// Revokes every share link of a list.
    Unshare {
        /// The list.
        list: String,
    },
}

impl ListEdit {
    /// The product an edit moves, if it moves one.
    pub fn product(&self) -> Option<&ProductId> {
        match self {
            Self::Move { product_id, .. } => Some(product_id),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_limited_in_characters_and_default_is_empty() {
        assert_eq!(check_name("  Birthday  ").unwrap(), "Birthday");
        assert_eq!(check_name("default").unwrap(), "");
        assert_eq!(display_name(""), "default");
        // 64 characters of a 3-byte script fit although they take 192 bytes.
        assert!(check_name(&"愛".repeat(64)).is_ok());
        assert!(
            check_name(&"愛".repeat(65))
                .unwrap_err()
                .contains("65 characters")
        );
        assert!(check_name(" ").is_err());
        assert!(check_name("a\u{0}b").is_err());
        assert_eq!(stored_name(None), "");
        assert_eq!(stored_name(Some("Xmas")), "Xmas");
    }

    #[test]
    fn edits_round_trip_through_json() {
        let e = ListEdit::Move {
            product_id: ProductId::new("p").unwrap(),
            list: "".into(),
            to: "Später 🎁".into(),
        };
        let s = serde_json::to_string(&e).unwrap();
        assert!(s.contains(r#""op":"move""#));
        assert_eq!(serde_json::from_str::<ListEdit>(&s).unwrap(), e);
    }
}
