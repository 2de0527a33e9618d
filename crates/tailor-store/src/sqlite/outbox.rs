//! The outbox and contact tables of the SQLite backend (see [`crate::outbox`]).

use super::SqliteStore;
use crate::outbox::{Contact, Delivery, MessageStatus, NewMessage, OutboxMessage, Revision};
use crate::{Result, StoreError};
use rusqlite::{OptionalExtension, params};
use tailor_model::{Millis, ShopId};

pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS outbox(
    id INTEGER PRIMARY KEY, shop TEXT NOT NULL, shopper TEXT NOT NULL, kind TEXT NOT NULL,
    date TEXT NOT NULL, recipient TEXT NOT NULL, subject TEXT NOT NULL, html TEXT NOT NULL,
    text TEXT NOT NULL, payload TEXT NOT NULL, unsubscribe_token TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL,
    last_error TEXT, created_at INTEGER NOT NULL, sent_at INTEGER,
    UNIQUE(shop, shopper, kind, date));
CREATE INDEX IF NOT EXISTS outbox_due ON outbox(status, next_attempt_at);
CREATE INDEX IF NOT EXISTS outbox_by_shopper ON outbox(shop, shopper, id);
CREATE TABLE IF NOT EXISTS contacts(
    shop TEXT NOT NULL, customer TEXT NOT NULL, email TEXT NOT NULL, consent INTEGER NOT NULL,
    updated_at INTEGER NOT NULL, PRIMARY KEY(shop, customer)) WITHOUT ROWID;
";

const COLUMNS: &str = "id, shop, shopper, kind, date, recipient, subject, html, text, payload, \
    unsubscribe_token, status, attempts, next_attempt_at, last_error, created_at, sent_at";

fn message(r: &rusqlite::Row<'_>) -> rusqlite::Result<(OutboxMessage, String, String, String)> {
    let shop: String = r.get(1)?;
    let payload: String = r.get(9)?;
    let status: String = r.get(11)?;
    Ok((
        OutboxMessage {
            id: r.get(0)?,
            shop: ShopId::default_shop(),
            message: NewMessage {
                shopper: r.get(2)?,
                kind: r.get(3)?,
                date: r.get(4)?,
                recipient: r.get(5)?,
                subject: r.get(6)?,
                html: r.get(7)?,
                text: r.get(8)?,
                payload: serde_json::Value::Null,
                unsubscribe_token: r.get(10)?,
                not_before: 0,
            },
            status: MessageStatus::Pending,
            attempts: r.get(12)?,
            next_attempt_at: r.get(13)?,
            last_error: r.get(14)?,
            created_at: r.get(15)?,
            sent_at: r.get(16)?,
        },
        shop,
        payload,
        status,
    ))
}

/// Finishes decoding a row: the parts that can fail outside SQLite.
fn decode(
    (mut m, shop, payload, status): (OutboxMessage, String, String, String),
) -> Result<OutboxMessage> {
    m.shop = ShopId::new(shop).map_err(|e| StoreError::Write(format!("stored shop id: {e}")))?;
    m.message.payload = serde_json::from_str(&payload)?;
    m.status = MessageStatus::parse(&status)
        .ok_or_else(|| StoreError::Write(format!("stored message status {status:?}")))?;
    m.message.not_before = m.next_attempt_at;
    Ok(m)
}

/// A customer's contact (inside the caller's transaction, if any).
pub(super) fn contact_of(
    conn: &rusqlite::Connection,
    shop: &ShopId,
    customer: &str,
) -> Result<Option<Contact>> {
    Ok(conn
        .query_row(
            "SELECT email, consent, updated_at FROM contacts WHERE shop=?1 AND customer=?2",
            params![shop.as_str(), customer],
            |r| {
                Ok(Contact {
                    email: r.get(0)?,
                    consent: r.get(1)?,
                    updated_at: r.get(2)?,
                })
            },
        )
        .optional()?)
}

/// One shopper's messages, oldest first (inside the caller's transaction).
pub(super) fn messages_of(
    conn: &rusqlite::Connection,
    shop: &ShopId,
    shopper: &str,
) -> Result<Vec<OutboxMessage>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM outbox WHERE shop=?1 AND shopper=?2 ORDER BY id"
    ))?;
    let rows = stmt
        .query_map(params![shop.as_str(), shopper], message)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter().map(decode).collect()
}

impl SqliteStore {
    pub(crate) fn outbox_enqueue_impl(
        &self,
        shop: &ShopId,
        m: &NewMessage,
        now: Millis,
    ) -> Result<(i64, bool)> {
        let conn = self.conn.lock();
        let n = conn.execute(
            "INSERT INTO outbox(shop, shopper, kind, date, recipient, subject, html, text, payload,
                 unsubscribe_token, status, attempts, next_attempt_at, created_at)
             VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,'pending',0,?11,?12)
             ON CONFLICT(shop, shopper, kind, date) DO NOTHING",
            params![
                shop.as_str(),
                m.shopper,
                m.kind,
                m.date,
                m.recipient,
                m.subject,
                m.html,
                m.text,
                m.payload.to_string(),
                m.unsubscribe_token,
                m.not_before.max(now),
                now
            ],
        )?;
        let id: i64 = conn.query_row(
            "SELECT id FROM outbox WHERE shop=?1 AND shopper=?2 AND kind=?3 AND date=?4",
            params![shop.as_str(), m.shopper, m.kind, m.date],
            |r| r.get(0),
        )?;
        Ok((id, n == 1))
    }

    pub(crate) fn outbox_claim_impl(
        &self,
        now: Millis,
        lease_ms: Millis,
        limit: usize,
    ) -> Result<Vec<OutboxMessage>> {
        let mut conn = self.conn.lock();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let rows = {
            let mut stmt = tx.prepare(&format!(
                "SELECT {COLUMNS} FROM outbox WHERE status IN ('pending','sending')
                 AND next_attempt_at <= ?1 ORDER BY next_attempt_at, id LIMIT ?2"
            ))?;
            stmt.query_map(params![now, limit as i64], message)?
                .collect::<rusqlite::Result<Vec<_>>>()?
        };
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let mut m = decode(row)?;
            tx.execute(
                "UPDATE outbox SET status='sending', attempts=attempts+1, next_attempt_at=?2 WHERE id=?1",
                params![m.id, now + lease_ms],
            )?;
            m.status = MessageStatus::Sending;
            m.attempts += 1;
            m.next_attempt_at = now + lease_ms;
            out.push(m);
        }
        tx.commit()?;
        Ok(out)
    }

    pub(crate) fn outbox_revise_impl(&self, id: i64, r: &Revision) -> Result<()> {
        let n = self.conn.lock().execute(
            "UPDATE outbox SET subject=?2, html=?3, text=?4, payload=?5 WHERE id=?1 AND status='sending'",
            params![id, r.subject, r.html, r.text, r.payload.to_string()],
        )?;
        if n == 0 {
            return Err(StoreError::Write(format!(
                "outbox message {id} is not claimed for delivery"
            )));
        }
        Ok(())
    }

    pub(crate) fn outbox_finish_impl(&self, id: i64, d: &Delivery, now: Millis) -> Result<()> {
        let conn = self.conn.lock();
        let n = match d {
            Delivery::Sent => conn.execute(
                "UPDATE outbox SET status='sent', sent_at=?2, last_error=NULL WHERE id=?1",
                params![id, now],
            )?,
            Delivery::Retry { error, at } => conn.execute(
                "UPDATE outbox SET status='pending', next_attempt_at=?2, last_error=?3 WHERE id=?1",
                params![id, at, error],
            )?,
            Delivery::Deferred { at } => conn.execute(
                "UPDATE outbox SET status='pending', next_attempt_at=?2, attempts=MAX(attempts-1,0) WHERE id=?1",
                params![id, at],
            )?,
            Delivery::Failed(e) => conn.execute(
                "UPDATE outbox SET status='failed', last_error=?2 WHERE id=?1",
                params![id, e],
            )?,
            Delivery::Suppressed(e) => conn.execute(
                "UPDATE outbox SET status='suppressed', last_error=?2 WHERE id=?1",
                params![id, e],
            )?,
        };
        if n == 0 {
            return Err(StoreError::NotFound(format!("outbox message {id}")));
        }
        Ok(())
    }

    pub(crate) fn outbox_list_impl(
        &self,
        shop: &ShopId,
        shopper: Option<&str>,
        limit: usize,
    ) -> Result<Vec<OutboxMessage>> {
        let conn = self.conn.lock();
        let mut stmt = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM outbox WHERE shop=?1 AND (?2 IS NULL OR shopper=?2)
             ORDER BY id DESC LIMIT ?3"
        ))?;
        let rows = stmt
            .query_map(params![shop.as_str(), shopper, limit as i64], message)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter().map(decode).collect()
    }

    pub(crate) fn put_contact_impl(
        &self,
        shop: &ShopId,
        customer: &str,
        c: &Contact,
    ) -> Result<()> {
        self.conn.lock().execute(
            "INSERT OR REPLACE INTO contacts(shop, customer, email, consent, updated_at) VALUES (?1,?2,?3,?4,?5)",
            params![shop.as_str(), customer, c.email, c.consent, c.updated_at],
        )?;
        Ok(())
    }

    pub(crate) fn contact_impl(&self, shop: &ShopId, customer: &str) -> Result<Option<Contact>> {
        contact_of(&self.conn.lock(), shop, customer)
    }

    pub(crate) fn unsubscribe_impl(
        &self,
        token: &str,
        now: Millis,
    ) -> Result<Option<(ShopId, String)>> {
        let mut conn = self.conn.lock();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let found: Option<(String, String, String)> = tx
            .query_row(
                "SELECT shop, shopper, recipient FROM outbox WHERE unsubscribe_token=?1",
                [token],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((shop, shopper, recipient)) = found else {
            return Ok(None);
        };
        // Keep the address the shop gave, if any; only consent changes.
        tx.execute(
            "INSERT INTO contacts(shop, customer, email, consent, updated_at) VALUES (?1,?2,?3,0,?4)
             ON CONFLICT(shop, customer) DO UPDATE SET consent=0, updated_at=?4",
            params![shop, shopper, recipient, now],
        )?;
        // Whatever is still queued for them is not sent.
        tx.execute(
            "UPDATE outbox SET status='suppressed', last_error='unsubscribed'
             WHERE shop=?1 AND shopper=?2 AND status='pending'",
            params![shop, shopper],
        )?;
        tx.commit()?;
        let shop =
            ShopId::new(shop).map_err(|e| StoreError::Write(format!("stored shop id: {e}")))?;
        Ok(Some((shop, shopper)))
    }
}
