//! Notifications waiting to be sent: a price drop or a restock of a product on a shopper's
//! wishlist. The catalog write that causes one stores it; the email outbox claims pending ones
//! and sends them. A change repeated before it was claimed updates the waiting record instead
//! of queueing a second message.

use crate::Result;
use rusqlite::{Connection, params};
use serde::Serialize;
use tailor_model::{Millis, ProductId, ShopId, now_millis};

pub(crate) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS notifications(
    id INTEGER PRIMARY KEY, shop TEXT NOT NULL, shopper_kind TEXT NOT NULL, shopper TEXT NOT NULL,
    product TEXT NOT NULL, kind TEXT NOT NULL, list TEXT NOT NULL,
    old_price REAL, new_price REAL, old_stock INTEGER, new_stock INTEGER,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, claimed_at INTEGER);
CREATE UNIQUE INDEX IF NOT EXISTS notifications_pending
    ON notifications(shop, shopper_kind, shopper, product, kind) WHERE claimed_at IS NULL;
CREATE INDEX IF NOT EXISTS notifications_by_shop ON notifications(shop, id);
";

/// Whom a notification is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Recipient {
    /// An anonymous visitor (reachable only on site).
    Visitor(String),
    /// A customer (reachable by email).
    Customer(String),
}

impl Recipient {
    fn parts(&self) -> (&'static str, &str) {
        match self {
            Self::Visitor(v) => ("visitor", v),
            Self::Customer(c) => ("customer", c),
        }
    }
}

/// What happened to the product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationKind {
    /// The price paid went down.
    PriceDrop,
    /// It can be bought again.
    BackInStock,
}

impl NotificationKind {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PriceDrop => "price_drop",
            Self::BackInStock => "back_in_stock",
        }
    }
    fn parse(s: &str) -> Self {
        match s {
            "price_drop" => Self::PriceDrop,
            _ => Self::BackInStock,
        }
    }
}

/// A notification to store.
#[derive(Debug, Clone, PartialEq)]
pub struct NewNotification {
    /// Whom to tell.
    pub recipient: Recipient,
    /// The product.
    pub product: ProductId,
    /// What happened.
    pub kind: NotificationKind,
    /// The list the product is on (as the API names it).
    pub list: String,
    /// Price before and after (price drops).
    pub old_price: Option<f64>,
    /// Price now.
    pub new_price: Option<f64>,
    /// Units before, where tracked (restocks).
    pub old_stock: Option<i64>,
    /// Units now, where tracked.
    pub new_stock: Option<i64>,
}

/// A stored notification.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Notification {
    /// Increasing id.
    pub id: i64,
    /// Whom to tell.
    pub recipient: Recipient,
    /// The product.
    pub product: String,
    /// What happened.
    pub kind: NotificationKind,
    /// The list the product is on.
    pub list: String,
    /// Price when the shopper last heard (the first change while pending).
    pub old_price: Option<f64>,
    /// Price now.
    pub new_price: Option<f64>,
    /// Units before.
    pub old_stock: Option<i64>,
    /// Units now.
    pub new_stock: Option<i64>,
    /// When it was first recorded.
    pub created_at: Millis,
    /// When the outbox claimed it; `None` while pending.
    pub claimed_at: Option<Millis>,
}

/// Which notifications to list.
#[derive(Debug, Clone, Copy, Default)]
pub struct NotificationQuery {
    /// Only ones not yet claimed.
    pub pending_only: bool,
    /// Ids above this one.
    pub after: i64,
    /// Page size.
    pub limit: usize,
}

const COLUMNS: &str = "id, shopper_kind, shopper, product, kind, list, old_price, new_price, \
                       old_stock, new_stock, created_at, claimed_at";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Notification> {
    let who: String = r.get(2)?;
    let kind: String = r.get(1)?;
    Ok(Notification {
        id: r.get(0)?,
        recipient: if kind == "customer" {
            Recipient::Customer(who)
        } else {
            Recipient::Visitor(who)
        },
        product: r.get(3)?,
        kind: NotificationKind::parse(&r.get::<_, String>(4)?),
        list: r.get(5)?,
        old_price: r.get(6)?,
        new_price: r.get(7)?,
        old_stock: r.get(8)?,
        new_stock: r.get(9)?,
        created_at: r.get(10)?,
        claimed_at: r.get(11)?,
    })
}

/// One recipient's notifications in id order (inside the caller's transaction).
pub(crate) fn of_recipient(
    conn: &Connection,
    shop: &ShopId,
    who: &Recipient,
) -> Result<Vec<Notification>> {
    let (kind, id) = who.parts();
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM notifications WHERE shop=?1 AND shopper_kind=?2 AND shopper=?3 ORDER BY id"
    ))?;
    let rows = stmt
        .query_map(params![shop.as_str(), kind, id], row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Deletes one recipient's notifications (inside the caller's transaction); how many.
pub(crate) fn delete_recipient(conn: &Connection, shop: &ShopId, who: &Recipient) -> Result<u64> {
    let (kind, id) = who.parts();
    let n = conn.execute(
        "DELETE FROM notifications WHERE shop=?1 AND shopper_kind=?2 AND shopper=?3",
        params![shop.as_str(), kind, id],
    )?;
    Ok(n as u64)
}

pub(crate) fn add(conn: &mut Connection, shop: &ShopId, items: &[NewNotification]) -> Result<()> {
    let tx = conn.transaction()?;
    {
        // A pending one for the same shopper, product and kind keeps its first "old" values
        // and takes the newest "new" ones: the shopper hears once, about the latest state.
        let mut put = tx.prepare_cached(
            "INSERT INTO notifications(shop, shopper_kind, shopper, product, kind, list, old_price,
                 new_price, old_stock, new_stock, created_at, updated_at)
             VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?11)
             ON CONFLICT(shop, shopper_kind, shopper, product, kind) WHERE claimed_at IS NULL
             DO UPDATE SET new_price = excluded.new_price, new_stock = excluded.new_stock,
                 list = excluded.list, updated_at = excluded.updated_at",
        )?;
        let now = now_millis();
        for n in items {
            let (kind, who) = n.recipient.parts();
            put.execute(params![
                shop.as_str(),
                kind,
                who,
                n.product.as_str(),
                n.kind.as_str(),
                n.list,
                n.old_price,
                n.new_price,
                n.old_stock,
                n.new_stock,
                now
            ])?;
        }
    }
    tx.commit()?;
    Ok(())
}

pub(crate) fn list(
    conn: &Connection,
    shop: &ShopId,
    q: NotificationQuery,
) -> Result<Vec<Notification>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM notifications WHERE shop=?1 AND id > ?2 {} ORDER BY id LIMIT ?3",
        if q.pending_only {
            "AND claimed_at IS NULL"
        } else {
            ""
        }
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(params![shop.as_str(), q.after, q.limit as i64], row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub(crate) fn claim(
    conn: &mut Connection,
    shop: &ShopId,
    limit: usize,
) -> Result<Vec<Notification>> {
    let tx = conn.transaction()?;
    let now = now_millis();
    let claimed = {
        let mut stmt = tx.prepare_cached(&format!(
            "UPDATE notifications SET claimed_at = ?2 WHERE id IN (
                 SELECT id FROM notifications WHERE shop=?1 AND claimed_at IS NULL
                 ORDER BY id LIMIT ?3)
             RETURNING {COLUMNS}"
        ))?;
        let mut rows = stmt
            .query_map(params![shop.as_str(), now, limit as i64], row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.sort_by_key(|n| n.id);
        rows
    };
    tx.commit()?;
    Ok(claimed)
}
