//! A shopper's named wishlists, as events build them, and what the catalog changing means for
//! them: a price drop or a product back in stock on someone's list becomes an [`Alert`] that
//! the server stores for the email outbox.

use crate::catalog::Item;
use crate::shopper::{ShopperKey, ShopperRef};
use std::collections::BTreeMap;
use tailor_model::lists::{MAX_LIST_ITEMS, MAX_LISTS};
use tailor_model::{Availability, ListEdit, Millis, Product, VisitorId};

/// One named list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Wishlist {
    /// Products, oldest addition first, without repeats.
    pub items: Vec<Item>,
    /// Hashes of the live share tokens.
    pub shares: Vec<String>,
    /// When the list first appeared.
    pub created: Millis,
}

impl Wishlist {
    fn add(&mut self, item: Item) {
        if !self.items.contains(&item) && self.items.len() < MAX_LIST_ITEMS {
            self.items.push(item);
        }
    }

    fn absorb(&mut self, other: Wishlist) {
        for i in other.items {
            self.add(i);
        }
        for s in other.shares {
            if !self.shares.contains(&s) {
                self.shares.push(s);
            }
        }
        self.created = self.created.min(other.created);
    }
}

/// Every list of one shopper, by stored name (`""` is the default list).
pub type Lists = BTreeMap<String, Wishlist>;

/// The list `name`, made if missing while the shopper has room for another one.
fn list_mut<'a>(lists: &'a mut Lists, name: &str, time: Millis) -> Option<&'a mut Wishlist> {
    if !lists.contains_key(name) {
        if lists.len() >= MAX_LISTS {
            return None;
        }
        lists.insert(
            name.to_string(),
            Wishlist {
                created: time,
                ..Wishlist::default()
            },
        );
    }
    lists.get_mut(name)
}

/// `wishlist_add`.
pub fn add(lists: &mut Lists, name: &str, item: Item, time: Millis) {
    if let Some(l) = list_mut(lists, name, time) {
        l.add(item);
    }
}

/// `wishlist_remove`.
pub fn remove(lists: &mut Lists, name: &str, item: Item) {
    if let Some(l) = lists.get_mut(name) {
        l.items.retain(|&i| i != item);
    }
}

/// Applies a list edit. Edits that name a missing list or product change nothing, so a replayed
/// log never fails; the endpoints refuse those before they are written.
pub fn apply(lists: &mut Lists, edit: &ListEdit, item: Option<Item>, time: Millis) {
    match edit {
        ListEdit::Create { list } => {
            list_mut(lists, list, time);
        }
        ListEdit::Rename { list, to } => {
            if list != to
                && let Some(l) = lists.remove(list)
            {
                match lists.get_mut(to) {
                    Some(target) => target.absorb(l),
                    None => {
                        lists.insert(to.clone(), l);
                    }
                }
            }
        }
        ListEdit::Delete { list } => {
            lists.remove(list);
        }
        ListEdit::Move { list, to, .. } => {
            let Some(item) = item else { return };
            if list == to || !lists.get(list).is_some_and(|l| l.items.contains(&item)) {
                return;
            }
            if let Some(target) = list_mut(lists, to, time) {
                target.add(item);
                remove(lists, list, item);
            }
        }
        ListEdit::Share { list, token_hash } => {
            if let Some(l) = lists.get_mut(list)
                && !l.shares.contains(token_hash)
            {
                l.shares.push(token_hash.clone());
            }
        }
        ListEdit::Unshare { list } => {
            if let Some(l) = lists.get_mut(list) {
                l.shares.clear();
            }
        }
    }
}

/// Folds a visitor's lists into a customer's on login: lists of the same name become one.
pub fn merge(into: &mut Lists, from: Lists) {
    for (name, l) in from {
        match into.get_mut(&name) {
            Some(mine) => mine.absorb(l),
            None => {
                into.insert(name, l);
            }
        }
    }
}

/// Which visitor made each share token (by hash): the list is then found through that visitor,
/// whose lists may have merged into a customer's since.
#[derive(Debug, Default)]
pub struct ShareIndex {
    by_hash: rustc_hash::FxHashMap<String, VisitorId>,
}

impl ShareIndex {
    /// Remembers who shared.
    pub fn insert(&mut self, token_hash: &str, visitor: &VisitorId) {
        self.by_hash.insert(token_hash.to_string(), visitor.clone());
    }

    /// The visitor behind a token hash.
    pub fn visitor(&self, token_hash: &str) -> Option<&VisitorId> {
        self.by_hash.get(token_hash)
    }
}

/// What changed about a product that someone may want to hear.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Change {
    /// The price paid went down.
    PriceDrop {
        /// Before.
        old: f64,
        /// Now.
        new: f64,
    },
    /// It could not be bought and now can.
    BackInStock {
        /// Units before, where tracked.
        old: Option<i64>,
        /// Units now, where tracked.
        new: Option<i64>,
    },
}

impl Change {
    /// The stored kind name.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::PriceDrop { .. } => "price_drop",
            Self::BackInStock { .. } => "back_in_stock",
        }
    }
}

/// In stock regardless of visibility: hiding a product is the merchant's business, not stock.
fn stocked(p: &Product) -> bool {
    let shown = Product {
        hidden: false,
        ..p.clone()
    };
    shown.is_sellable()
}

/// What a catalog update from `old` to `new` changed that a shopper watching it cares about.
/// A product nobody can see or buy gets no alert.
pub fn changes(old: &Product, new: &Product) -> Vec<Change> {
    let mut out = Vec::new();
    if new.hidden || !new.is_sellable() {
        return out;
    }
    // Backorder or preorder to in stock counts too: it can now ship at once.
    let restocked = !stocked(old)
        || (old.availability != Availability::InStock && new.availability == Availability::InStock);
    if restocked {
        out.push(Change::BackInStock {
            old: old.stock,
            new: new.stock,
        });
    }
    if let (Some(a), Some(b)) = (old.effective_price(), new.effective_price())
        && b < a - 1e-9
    {
        out.push(Change::PriceDrop { old: a, new: b });
    }
    out
}

/// One shopper to tell about one change.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// Who.
    pub shopper: ShopperKey,
    /// Which product.
    pub item: Item,
    /// The list it is on (stored name; the first one when on several).
    pub list: String,
    /// What happened.
    pub change: Change,
}

/// Every shopper whose lists hold a changed item. One pass over all shoppers per catalog
/// write, not per product: a write changes few listed products, and lists are small.
pub fn alerts<'a>(
    shoppers: impl Iterator<Item = (ShopperRef<'a>, &'a Lists)>,
    changed: &[(Item, Change)],
) -> Vec<Alert> {
    if changed.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for (key, lists) in shoppers {
        for &(item, change) in changed {
            if let Some((name, _)) = lists.iter().find(|(_, l)| l.items.contains(&item)) {
                out.push(Alert {
                    shopper: key.key(),
                    item,
                    list: name.clone(),
                    change,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use tailor_model::ProductId;

    fn product(price: f64, stock: Option<i64>) -> Product {
        let mut p = Product::new(ProductId::new("p").unwrap(), "P");
        p.price = Some(price);
        p.stock = stock;
        p
    }

    #[test]
    fn edits_rename_move_delete_share_and_tolerate_missing_lists() {
        let mut l = Lists::new();
        add(&mut l, "", 1, 10);
        add(&mut l, "", 1, 11);
        add(&mut l, "", 2, 12);
        assert_eq!(l[""].items, [1, 2]);
        apply(&mut l, &ListEdit::Create { list: "b".into() }, None, 13);
        let mv = ListEdit::Move {
            product_id: ProductId::new("x").unwrap(),
            list: "".into(),
            to: "b".into(),
        };
        apply(&mut l, &mv, Some(2), 14);
        assert_eq!(
            (l[""].items.clone(), l["b"].items.clone()),
            (vec![1], vec![2])
        );
        // Moving what is not on the list does nothing.
        apply(&mut l, &mv, Some(7), 15);
        assert_eq!(l["b"].items, [2]);
        let share = ListEdit::Share {
            list: "b".into(),
            token_hash: "h".into(),
        };
        apply(&mut l, &share, None, 16);
        apply(
            &mut l,
            &ListEdit::Rename {
                list: "b".into(),
                to: "Cadeaux".into(),
            },
            None,
            17,
        );
        assert_eq!(l["Cadeaux"].shares, ["h"]);
        assert_eq!(l["Cadeaux"].created, 13);
        // Renaming into an existing name joins the two.
        apply(
            &mut l,
            &ListEdit::Rename {
                list: "Cadeaux".into(),
                to: "".into(),
            },
            None,
            18,
        );
        assert_eq!(l.len(), 1);
        assert_eq!(l[""].items, [1, 2]);
        assert_eq!(l[""].shares, ["h"]);
        apply(&mut l, &ListEdit::Unshare { list: "".into() }, None, 19);
        assert!(l[""].shares.is_empty());
        apply(
            &mut l,
            &ListEdit::Delete {
                list: "nope".into(),
            },
            None,
            20,
        );
        apply(&mut l, &ListEdit::Delete { list: "".into() }, None, 20);
        assert!(l.is_empty());
    }

    #[test]
    fn list_and_item_counts_are_bounded() {
        let mut l = Lists::new();
        for n in 0..MAX_LISTS + 5 {
            add(&mut l, &n.to_string(), 1, 0);
        }
        assert_eq!(l.len(), MAX_LISTS);
        for i in 0..MAX_LIST_ITEMS as Item + 5 {
            add(&mut l, "0", i, 0);
        }
        assert_eq!(l["0"].items.len(), MAX_LIST_ITEMS);
    }

    #[test]
    fn merge_joins_lists_of_the_same_name() {
        let mut a = Lists::new();
        add(&mut a, "", 1, 5);
        let mut b = Lists::new();
        add(&mut b, "", 1, 3);
        add(&mut b, "", 2, 3);
        add(&mut b, "Xmas", 3, 3);
        merge(&mut a, b);
        assert_eq!(a[""].items, [1, 2]);
        assert_eq!(a[""].created, 3);
        assert_eq!(a["Xmas"].items, [3]);
    }

    #[test]
    fn price_drops_and_restocks_are_changes_other_updates_are_not() {
        let kinds = |a: &Product, b: &Product| -> Vec<&str> {
            changes(a, b).iter().map(Change::kind).collect()
        };
        assert_eq!(
            kinds(&product(10.0, None), &product(8.0, None)),
            ["price_drop"]
        );
        assert!(kinds(&product(10.0, None), &product(10.0, None)).is_empty());
        assert!(kinds(&product(8.0, None), &product(10.0, None)).is_empty());
        assert_eq!(
            kinds(&product(10.0, Some(0)), &product(10.0, Some(3))),
            ["back_in_stock"]
        );
        assert_eq!(
            kinds(&product(10.0, Some(0)), &product(9.0, Some(3))),
            ["back_in_stock", "price_drop"]
        );
        // Still out of stock, or hidden: nobody is told.
        assert!(kinds(&product(10.0, Some(0)), &product(5.0, Some(0))).is_empty());
        let mut hidden = product(5.0, Some(3));
        hidden.hidden = true;
        assert!(kinds(&product(10.0, Some(0)), &hidden).is_empty());
        // Unhiding is not a restock.
        let mut was_hidden = product(10.0, Some(3));
        was_hidden.hidden = true;
        assert!(kinds(&was_hidden, &product(10.0, Some(3))).is_empty());
        // A sale price is the price paid.
        let mut sale = product(10.0, None);
        sale.sale_price = Some(7.0);
        assert_eq!(
            changes(&product(10.0, None), &sale),
            [Change::PriceDrop {
                old: 10.0,
                new: 7.0
            }]
        );
        let mut back = product(10.0, None);
        back.availability = Availability::Backorder;
        assert_eq!(kinds(&back, &product(10.0, None)), ["back_in_stock"]);
    }

    #[test]
    fn alerts_find_every_shopper_listing_a_changed_item() {
        let mut a = Lists::new();
        add(&mut a, "Gifts", 1, 0);
        add(&mut a, "", 1, 0);
        let mut b = Lists::new();
        add(&mut b, "", 2, 0);
        let (va, vb) = (VisitorId::new("a").unwrap(), VisitorId::new("b").unwrap());
        let (ka, kb) = (ShopperRef::Visitor(&va), ShopperRef::Visitor(&vb));
        let drop = Change::PriceDrop { old: 2.0, new: 1.0 };
        let got = alerts([(ka, &a), (kb, &b)].into_iter(), &[(1, drop), (3, drop)]);
        assert_eq!(
            got,
            [Alert {
                shopper: ka.key(),
                item: 1,
                list: "".into(),
                change: drop
            }]
        );
    }
}
