//! Export and erasure of one person in the SQLite backend (see [`crate::shopper`]).
//!
//! Both run in one transaction on the shared connection: the export reads one snapshot, and the
//! erasure is IMMEDIATE, so no event of theirs can commit between finding and deleting it.

use super::{ServedBuffer, SqliteStore, for_each_event, for_each_served_row, stored_links};
use crate::shopper::{Erased, Identities, ShopperRecords, Subject};
use crate::{Recipient, Result, Seq};
use rusqlite::{Connection, params};
use std::collections::BTreeSet;
use tailor_model::{CustomerId, Served, ShopId, VisitorId};

/// Everyone `who` is: the stored logins and every event that names a customer, followed from
/// `who` until nothing new joins. Reads the shop's whole log once.
fn identities(conn: &Connection, shop: &ShopId, who: &Subject) -> Result<Identities> {
    let mut links: BTreeSet<(VisitorId, CustomerId)> =
        stored_links(conn, shop)?.into_iter().collect();
    for_each_event(conn, shop, 0, &mut |_, e| {
        if let Some(c) = e.customer_id {
            links.insert((e.visitor_id, c));
        }
    })?;
    let mut ids = Identities::of(who);
    ids.close_over(&links.into_iter().collect::<Vec<_>>());
    Ok(ids)
}

/// The notification recipients one person is.
fn recipients(ids: &Identities) -> impl Iterator<Item = Recipient> + '_ {
    let visitors = ids
        .visitors
        .iter()
        .map(|v| Recipient::Visitor(v.as_str().into()));
    let customers = ids
        .customers
        .iter()
        .map(|c| Recipient::Customer(c.as_str().into()));
    visitors.chain(customers)
}

fn records(
    conn: &Connection,
    shop: &ShopId,
    who: &Subject,
    waiting: &ServedBuffer,
) -> Result<ShopperRecords> {
    let identities = identities(conn, shop, who)?;
    let mut events = Vec::new();
    for_each_event(conn, shop, 0, &mut |seq, e| {
        if identities.owns_event(&e) {
            events.push((seq, e));
        }
    })?;
    let identity_links = stored_links(conn, shop)?
        .into_iter()
        .filter(|(v, c)| identities.visitors.contains(v) || identities.customers.contains(c))
        .collect();
    let mut served = Vec::new();
    for_each_served_row(conn, shop, &mut |_, lists| {
        served.extend(lists.into_iter().filter(|l| identities.owns_served(l)));
    })?;
    // Lists served in the last moments, not yet committed by the writer, are theirs too.
    for (_, lists) in waiting.lock().iter().filter(|(s, _)| s == shop) {
        served.extend(lists.iter().filter(|l| identities.owns_served(l)).cloned());
    }
    let mut contacts = Vec::new();
    let mut outbox = Vec::new();
    for c in &identities.customers {
        if let Some(contact) = super::outbox::contact_of(conn, shop, c.as_str())? {
            contacts.push((c.clone(), contact));
        }
        outbox.extend(super::outbox::messages_of(conn, shop, c.as_str())?);
    }
    let mut notifications = Vec::new();
    for r in recipients(&identities) {
        notifications.extend(crate::notifications::of_recipient(conn, shop, &r)?);
    }
    notifications.sort_by_key(|n| n.id);
    Ok(ShopperRecords {
        identities,
        events,
        identity_links,
        served,
        contacts,
        outbox,
        notifications,
    })
}

/// The `at` (earliest list) and body of a stored row holding `lists`, as the writer makes them.
fn row_of<'a>(lists: impl IntoIterator<Item = &'a Served> + Clone) -> (i64, Vec<u8>) {
    let at = lists
        .clone()
        .into_iter()
        .map(|l| l.at)
        .min()
        .unwrap_or_default();
    let mut body = Vec::new();
    crate::served::encode(lists, &mut body);
    (at, body)
}

/// Removes the person's lists from the stored rows: a row keeps the other shoppers' lists, and
/// goes when none are left. Returns how many lists were removed.
fn erase_served(conn: &Connection, shop: &ShopId, ids: &Identities) -> Result<u64> {
    let mut changed: Vec<(Seq, Vec<Served>)> = Vec::new();
    let mut removed = 0;
    for_each_served_row(conn, shop, &mut |seq, lists| {
        let before = lists.len();
        let kept: Vec<Served> = lists.into_iter().filter(|l| !ids.owns_served(l)).collect();
        if kept.len() < before {
            removed += (before - kept.len()) as u64;
            changed.push((seq, kept));
        }
    })?;
    for (seq, kept) in changed {
        if kept.is_empty() {
            conn.execute("DELETE FROM served WHERE seq=?1", [seq])?;
        } else {
            let (at, body) = row_of(&kept);
            conn.execute(
                "UPDATE served SET at=?2, body=?3 WHERE seq=?1",
                params![seq, at, body],
            )?;
        }
    }
    Ok(removed)
}

/// Takes the shop's served lists still waiting for the writer, so the erasure commits them
/// itself (without the person's) and a rebuild of the live state finds them in the table.
fn take_waiting(waiting: &ServedBuffer, shop: &ShopId) -> Vec<(ShopId, Vec<Served>)> {
    let mut buf = waiting.lock();
    let (mine, others) = std::mem::take(&mut *buf)
        .into_iter()
        .partition(|(s, _)| s == shop);
    *buf = others;
    mine
}

/// Stores the waiting lists that are not the person's as one row; how many were theirs.
fn store_waiting(
    conn: &Connection,
    shop: &ShopId,
    ids: &Identities,
    taken: &[(ShopId, Vec<Served>)],
) -> Result<u64> {
    let lists: Vec<&Served> = taken.iter().flat_map(|(_, l)| l).collect();
    let kept: Vec<&Served> = lists
        .iter()
        .copied()
        .filter(|l| !ids.owns_served(l))
        .collect();
    if !kept.is_empty() {
        let (at, body) = row_of(kept.iter().copied());
        conn.execute(
            "INSERT INTO served(shop, at, body) VALUES (?1, ?2, ?3)",
            params![shop.as_str(), at, body],
        )?;
    }
    Ok((lists.len() - kept.len()) as u64)
}

fn erase(
    conn: &Connection,
    shop: &ShopId,
    who: &Subject,
    waiting: &[(ShopId, Vec<Served>)],
) -> Result<Erased> {
    let ids = identities(conn, shop, who)?;
    let mut seqs: Vec<Seq> = Vec::new();
    for_each_event(conn, shop, 0, &mut |seq, e| {
        if ids.owns_event(&e) {
            seqs.push(seq);
        }
    })?;
    let mut out = Erased::default();
    {
        let mut delete = conn.prepare("DELETE FROM events WHERE seq=?1")?;
        for seq in seqs {
            out.events += delete.execute([seq])? as u64;
        }
    }
    out.served = store_waiting(conn, shop, &ids, waiting)? + erase_served(conn, shop, &ids)?;
    let count = |sql: &str, id: &str| -> Result<u64> {
        Ok(conn.execute(sql, params![shop.as_str(), id])? as u64)
    };
    for v in &ids.visitors {
        out.identity_links += count(
            "DELETE FROM identity_links WHERE shop=?1 AND visitor=?2",
            v.as_str(),
        )?;
    }
    for c in &ids.customers {
        out.identity_links += count(
            "DELETE FROM identity_links WHERE shop=?1 AND customer=?2",
            c.as_str(),
        )?;
        out.contacts += count(
            "DELETE FROM contacts WHERE shop=?1 AND customer=?2",
            c.as_str(),
        )?;
        out.outbox += count(
            "DELETE FROM outbox WHERE shop=?1 AND shopper=?2",
            c.as_str(),
        )?;
    }
    for r in recipients(&ids) {
        out.notifications += crate::notifications::delete_recipient(conn, shop, &r)?;
    }
    out.identities = ids;
    Ok(out)
}

/// [`erase`] in its own IMMEDIATE transaction: no event of theirs commits between finding it
/// and deleting it.
fn erase_committed(
    conn: &mut Connection,
    shop: &ShopId,
    who: &Subject,
    waiting: &[(ShopId, Vec<Served>)],
) -> Result<Erased> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let erased = erase(&tx, shop, who, waiting)?;
    tx.commit()?;
    Ok(erased)
}

impl SqliteStore {
    pub(crate) fn shopper_records_impl(
        &self,
        shop: &ShopId,
        who: &Subject,
    ) -> Result<Option<ShopperRecords>> {
        let mut conn = self.conn.lock();
        // One snapshot for every table read.
        let tx = conn.transaction()?;
        let r = records(&tx, shop, who, &self.served)?;
        tx.commit()?;
        Ok((!r.is_empty()).then_some(r))
    }

    pub(crate) fn erase_shopper_impl(
        &self,
        shop: &ShopId,
        who: &Subject,
    ) -> Result<Option<Erased>> {
        let mut conn = self.conn.lock();
        // Deleted rows are overwritten with zeros, not left readable in free pages.
        conn.pragma_update(None, "secure_delete", true)?;
        let waiting = take_waiting(&self.served, shop);
        let result = erase_committed(&mut conn, shop, who, &waiting);
        let _ = conn.pragma_update(None, "secure_delete", false);
        if result.is_err() {
            // Nothing was stored: the lists wait for the writer again.
            self.served.lock().extend(waiting);
        }
        let erased = result?;
        Ok((!erased.is_empty()).then_some(erased))
    }
}
